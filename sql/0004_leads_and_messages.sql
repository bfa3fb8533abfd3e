-- Leads and everything that happens to them. These are the large tables, so each carries
-- its owner (`user_id`, the client) directly: policies compare one indexed column instead of
-- joining through campaigns, and composite foreign keys keep that column honest.

create table public.leads (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  campaign_id uuid not null,
  linkedin_profile_url text not null,
  name text,
  comment_text text,
  commented_at timestamptz not null default now(),
  status text not null default 'scraped'
    check (status in ('scraped', 'enriched', 'contacted', 'replied')),
  enrichment_status text not null default 'pending'
    check (enrichment_status in ('pending', 'enriched', 'partial', 'failed')),
  enriched_at timestamptz,
  email text,
  company_name text,
  job_title text,
  company_size text,
  dm_status text not null default 'pending'
    check (dm_status in ('pending', 'sent', 'delivered', 'replied')),
  dm_sent_at timestamptz,
  dm_delivered_at timestamptz,
  dm_replied_at timestamptz,
  email_status text check (email_status in ('queued', 'sent', 'opened', 'clicked', 'replied')),
  email_sent_at timestamptz,
  email_opened_at timestamptz,
  email_clicked_at timestamptz,
  email_replied_at timestamptz,
  email_campaign_id text,
  created_at timestamptz not null default now(),
  unique (campaign_id, linkedin_profile_url),
  unique (id, user_id),
  foreign key (campaign_id, user_id) references public.campaigns (id, user_id) on delete cascade,
  -- the funnel must be consistent: no email status without an email, no reply before a send
  check (email_status is null or email is not null),
  check ((enrichment_status = 'pending') = (enriched_at is null)),
  check ((dm_status = 'pending') = (dm_sent_at is null)),
  check ((dm_status in ('delivered', 'replied')) = (dm_delivered_at is not null)),
  check ((dm_status = 'replied') = (dm_replied_at is not null)),
  check (dm_sent_at is null or dm_sent_at >= commented_at),
  check (dm_delivered_at is null or dm_delivered_at >= dm_sent_at),
  check (dm_replied_at is null or dm_replied_at >= dm_delivered_at),
  check (coalesce(email_status in ('sent', 'opened', 'clicked', 'replied'), false)
    = (email_sent_at is not null)),
  check (coalesce(email_status in ('opened', 'clicked', 'replied'), false)
    = (email_opened_at is not null)),
  check (coalesce(email_status in ('clicked', 'replied'), false) = (email_clicked_at is not null)),
  check (coalesce(email_status = 'replied', false) = (email_replied_at is not null)),
  check (email_sent_at is null or email_sent_at >= commented_at),
  check (email_opened_at is null or email_opened_at >= email_sent_at),
  check (email_clicked_at is null or email_clicked_at >= email_opened_at),
  check (email_replied_at is null or email_replied_at >= email_clicked_at)
);

-- the FK (campaign_id, user_id); also serves per-campaign funnels by comment date
create index leads_campaign_id_idx on public.leads (campaign_id, user_id, commented_at);

-- an owner's date ranges, and the Leads page in (commented_at, id) order, index-only
create index leads_user_recent_idx on public.leads (user_id, commented_at, id);

-- a super admin's list across all tenants, newest first
create index leads_recent_idx on public.leads (commented_at, id);

create index leads_user_dm_sent_idx on public.leads (user_id, dm_sent_at)
  where dm_sent_at is not null;

create index leads_user_email_sent_idx on public.leads (user_id, email_sent_at)
  where email_sent_at is not null;

-- free-text search over name, company, title and comment
create index leads_search_trgm_idx on public.leads using gin (
  (lower(coalesce(name, '') || ' ' || coalesce(company_name, '') || ' '
    || coalesce(job_title, '') || ' ' || coalesce(comment_text, '')))
  extensions.gin_trgm_ops
);

-- A lead's owner is its campaign's owner. Read as the caller, so a campaign the caller cannot
-- see leaves user_id null and the insert fails.
create function private.leads_owner_from_campaign() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.user_id := (select c.user_id from public.campaigns c where c.id = new.campaign_id);
  return new;
end
$$;

create trigger leads_owner_from_campaign
before insert on public.leads
for each row when (new.user_id is null)
execute function private.leads_owner_from_campaign();

create table public.messages (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  lead_id uuid not null,
  channel text not null check (channel in ('dm', 'email')),
  content text not null,
  subject text,
  status text not null default 'draft' check (status in ('draft', 'approved', 'sent', 'failed')),
  sent_at timestamptz,
  approved_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (lead_id, user_id) references public.leads (id, user_id) on delete cascade,
  check (channel = 'email' or subject is null),
  check ((status = 'sent') = (sent_at is not null))
);

create index messages_lead_id_idx on public.messages (lead_id, user_id);

create index messages_user_status_idx on public.messages (user_id, status, created_at);

create index messages_approved_by_idx on public.messages (approved_by);

create trigger messages_touch_updated_at
before update on public.messages
for each row execute function private.touch_updated_at();

-- A message's owner is its lead's owner, read as the caller (see leads above).
create function private.messages_owner_from_lead() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.user_id := (select l.user_id from public.leads l where l.id = new.lead_id);
  return new;
end
$$;

create trigger messages_owner_from_lead
before insert on public.messages
for each row when (new.user_id is null)
execute function private.messages_owner_from_lead();

-- Which lead downloaded which lead magnet, and when: the events behind downloads and
-- conversion per tenant (lead_magnets.download_count is the library-wide total).
create table public.lead_magnet_downloads (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  lead_id uuid not null,
  lead_magnet_id uuid not null references public.lead_magnets (id) on delete cascade,
  downloaded_at timestamptz not null default now(),
  foreign key (lead_id, user_id) references public.leads (id, user_id) on delete cascade
);

create index lead_magnet_downloads_lead_idx on public.lead_magnet_downloads (lead_id, user_id);

create index lead_magnet_downloads_magnet_idx on public.lead_magnet_downloads (lead_magnet_id);

create index lead_magnet_downloads_user_idx on public.lead_magnet_downloads (user_id, downloaded_at);

-- Apollo enrichment credits, one row per enrichment attempt.
create table public.apollo_usage (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  lead_id uuid,
  credits_used integer not null default 1 check (credits_used >= 0),
  result text not null check (result in ('success', 'partial', 'failed')),
  created_at timestamptz not null default now(),
  foreign key (lead_id, user_id) references public.leads (id, user_id) on delete set null (lead_id)
);

create index apollo_usage_user_idx on public.apollo_usage (user_id, created_at);

create index apollo_usage_lead_idx on public.apollo_usage (lead_id, user_id);

alter table public.leads enable row level security;

alter table public.messages enable row level security;

alter table public.lead_magnet_downloads enable row level security;

alter table public.apollo_usage enable row level security;

revoke all on table public.leads from anon;

revoke all on table public.messages from anon;

revoke all on table public.lead_magnet_downloads from anon;

revoke all on table public.apollo_usage from anon;

grant select, insert, delete on table public.leads to authenticated;

grant update (name, comment_text, status, enrichment_status, enriched_at, email, company_name,
  job_title, company_size, dm_status, dm_sent_at, dm_delivered_at, dm_replied_at, email_status,
  email_sent_at, email_opened_at, email_clicked_at, email_replied_at, email_campaign_id)
  on table public.leads to authenticated;

grant select, insert, delete on table public.messages to authenticated;

grant update (content, subject) on table public.messages to authenticated;

-- downloads and Apollo usage are recorded by the outreach system (service role); users read them
grant select on table public.lead_magnet_downloads to authenticated;

grant select on table public.apollo_usage to authenticated;

grant all on table public.leads to service_role;

grant all on table public.messages to service_role;

grant all on table public.lead_magnet_downloads to service_role;

grant all on table public.apollo_usage to service_role;

-- Leads: the owner, the owner's reviewers and super admins read; only the owner writes.
create policy leads_select on public.leads
for select to authenticated
using (
  user_id = (select auth.uid())
  or user_id in (select private.reviewed_client_ids())
  or (select private.is_super_admin())
);

-- Leads: a client adds leads only to their own campaigns (the composite key checks the pair).
create policy leads_insert on public.leads
for insert to authenticated
with check (user_id = (select auth.uid()));

-- Leads: a client edits only their own leads.
create policy leads_update on public.leads
for update to authenticated
using (user_id = (select auth.uid()))
with check (user_id = (select auth.uid()));

-- Leads: a client deletes only their own leads.
create policy leads_delete on public.leads
for delete to authenticated
using (user_id = (select auth.uid()));

-- Messages: the owner, the owner's reviewers and super admins read; only the owner writes.
create policy messages_select on public.messages
for select to authenticated
using (
  user_id = (select auth.uid())
  or user_id in (select private.reviewed_client_ids())
  or (select private.is_super_admin())
);

-- Messages: a client writes drafts only for their own leads.
create policy messages_insert on public.messages
for insert to authenticated
with check (user_id = (select auth.uid()));

-- Messages: a client edits only their own messages (the column grant: content and subject).
create policy messages_update on public.messages
for update to authenticated
using (user_id = (select auth.uid()))
with check (user_id = (select auth.uid()));

-- Messages: a client deletes only their own messages.
create policy messages_delete on public.messages
for delete to authenticated
using (user_id = (select auth.uid()));

-- Downloads: the owner, the owner's reviewers and super admins read.
create policy lead_magnet_downloads_select on public.lead_magnet_downloads
for select to authenticated
using (
  user_id = (select auth.uid())
  or user_id in (select private.reviewed_client_ids())
  or (select private.is_super_admin())
);

-- Apollo usage is billing: the owner and super admins read it, reviewers do not.
create policy apollo_usage_select on public.apollo_usage
for select to authenticated
using (user_id = (select auth.uid()) or (select private.is_super_admin()));
