-- What a trial of the REST path as an attacker found (session 26), each closed here:
--
-- 1. One INSERT of many audit rows for one draft recorded each of them as a review: every
--    row's check ran before the first moved the draft on (that runs at the statement's end),
--    so one rejection could be written as 200, each with a reason of the writer's choosing,
--    and the review metrics counted them all. A draft's version moves with every review, so
--    a draft is reviewed at most once at a version: a second audit row for it is refused.
-- 2. A lead commented at 'infinity' (or in 4713 BC) was stored, counted into the rollups, and
--    made the Tenants page fail to read its tenant's last activity. The times a user may
--    write are held to years 1900 to 2199 (added here, checked against stored rows in 0081).
-- 3. A reviewer taken off a client could still store memories in that client's library from
--    an approval they made while assigned, labelled as any kind of memory. The approval path
--    now also asks that the caller may review the client now, and that the memory is of a
--    kind an approval makes (a DM, an email or a post).
-- 4. A reviewer (or a super admin) could create campaigns, leads and drafts of their own and
--    approve them: a tenant nobody oversees, sending to anyone. Only clients create tenant
--    data now.
-- 5. A full name could carry line breaks, zero-width and bidirectional characters, and so
--    read as someone else's in the review history ("Ada Admin (admin@…)" and a hundred
--    invisible characters). Names are one line of visible text (checked in 0081).
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- Whether the caller is a client: the only role whose own rows are a tenant's data.
create function private.is_client() returns boolean
language sql stable parallel safe
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.users
    where id = (select auth.uid()) and role = 'client'
  )
$$;

revoke all on function private.is_client() from public;

grant execute on function private.is_client() to authenticated, service_role;

-- Cartridges: a client creates cartridges only for themselves (reviewers and admins none).
alter policy cartridges_insert on public.cartridges
with check (user_id = (select auth.uid()) and (select private.is_client()));

-- Campaigns: a client creates campaigns only for themselves (reviewers and admins none).
alter policy campaigns_insert on public.campaigns
with check (user_id = (select auth.uid()) and (select private.is_client()));

-- Posts: a client creates posts only for themselves (reviewers and admins none).
alter policy posts_insert on public.posts
with check (user_id = (select auth.uid()) and (select private.is_client()));

-- Lead magnets: a client adds custom magnets for themselves only (never global ones;
-- reviewers and admins none).
alter policy lead_magnets_insert on public.lead_magnets
with check (user_id = (select auth.uid()) and (select private.is_client()));

-- Leads: a client adds leads only to their own campaigns (the composite key checks the pair;
-- reviewers and admins none).
alter policy leads_insert on public.leads
with check (user_id = (select auth.uid()) and (select private.is_client()));

-- Messages: a client writes drafts only for their own leads (reviewers and admins none).
alter policy messages_insert on public.messages
with check (user_id = (select auth.uid()) and (select private.is_client()));

-- Whether the caller approved this text of this draft of p_owner's, and may still review
-- p_owner's drafts (a reviewer taken off a client keeps their audit rows, not the access).
create or replace function private.is_callers_approval(
  p_owner uuid,
  p_source_id text,
  p_content text
) returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select private.can_review(p_owner) and exists (
    select 1 from public.review_audit a
    where a.item_id = (
        select case when p_source_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                    then p_source_id::uuid end
      )
      and a.client_id = p_owner
      and a.actor_id = (select auth.uid())
      and a.action <> 'rejected'
      and a.content_after = p_content
  )
$$;

-- Memories: a user stores memories for themselves; a reviewer (or super admin) who may review
-- a client also stores the memory of an approval they made: the client's, the approved text
-- exactly, as the kind of draft it was, embedded with the library's model.
alter policy embeddings_insert on public.embeddings
with check (
  user_id = (select auth.uid())
  or (
    model = (select private.embedding_model())
    and metadata ->> 'type' in ('dm', 'email', 'post')
    and private.is_callers_approval(user_id, metadata ->> 'source_id', content)
  )
);

-- A second review of a draft at the version already reviewed: refused. Runs after
-- review_audit_apply (triggers fire by name), which has set the version the draft is at; a
-- row-level BEFORE trigger sees the rows its statement inserted before this one.
create function private.refuse_a_second_review() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (
    select 1 from public.review_audit a
    where a.item_id = new.item_id and a.item_version = new.item_version
  ) then
    raise exception 'This draft was reviewed already (version %). Nothing was saved.',
      new.item_version using errcode = '55000';
  end if;
  return new;
end
$$;

revoke all on function private.refuse_a_second_review() from public;

create trigger review_audit_once
before insert on public.review_audit
for each row execute function private.refuse_a_second_review();

-- Lead times a user writes: years 1900 to 2199 (no infinity), or none.
alter table public.leads add constraint leads_times_in_range check (
  commented_at >= '1900-01-01 00:00+00' and commented_at < '2200-01-01 00:00+00'
  and created_at >= '1900-01-01 00:00+00' and created_at < '2200-01-01 00:00+00'
  and enriched_at >= '1900-01-01 00:00+00' and enriched_at < '2200-01-01 00:00+00'
  and dm_sent_at >= '1900-01-01 00:00+00' and dm_sent_at < '2200-01-01 00:00+00'
  and dm_delivered_at >= '1900-01-01 00:00+00' and dm_delivered_at < '2200-01-01 00:00+00'
  and dm_replied_at >= '1900-01-01 00:00+00' and dm_replied_at < '2200-01-01 00:00+00'
  and email_sent_at >= '1900-01-01 00:00+00' and email_sent_at < '2200-01-01 00:00+00'
  and email_opened_at >= '1900-01-01 00:00+00' and email_opened_at < '2200-01-01 00:00+00'
  and email_clicked_at >= '1900-01-01 00:00+00' and email_clicked_at < '2200-01-01 00:00+00'
  and email_replied_at >= '1900-01-01 00:00+00' and email_replied_at < '2200-01-01 00:00+00'
) not valid;

-- Campaign times a user writes: years 1900 to 2199, or none.
alter table public.campaigns add constraint campaigns_times_in_range check (
  created_at >= '1900-01-01 00:00+00' and created_at < '2200-01-01 00:00+00'
  and updated_at >= '1900-01-01 00:00+00' and updated_at < '2200-01-01 00:00+00'
) not valid;

-- Cartridge times a user writes: years 1900 to 2199, or none.
alter table public.cartridges add constraint cartridges_times_in_range check (
  created_at >= '1900-01-01 00:00+00' and created_at < '2200-01-01 00:00+00'
) not valid;

-- Lead magnet times a user writes: years 1900 to 2199, or none.
alter table public.lead_magnets add constraint lead_magnets_times_in_range check (
  created_at >= '1900-01-01 00:00+00' and created_at < '2200-01-01 00:00+00'
) not valid;

-- Memory times a user writes: years 1900 to 2199, or none.
alter table public.embeddings add constraint embeddings_times_in_range check (
  created_at >= '1900-01-01 00:00+00' and created_at < '2200-01-01 00:00+00'
) not valid;

-- Lead magnet embedding times a user writes: years 1900 to 2199, or none.
alter table public.lead_magnet_embeddings add constraint lead_magnet_embeddings_times_in_range
check (created_at >= '1900-01-01 00:00+00' and created_at < '2200-01-01 00:00+00') not valid;

-- A full name is one line of visible text: no control characters, no zero-width space or
-- word joiner, no byte order mark, no bidirectional overrides or isolates (the joiners that
-- some scripts and emoji need stay allowed).
alter table public.users add constraint users_full_name_plain check (
  full_name !~ '[[:cntrl:]\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069]'
) not valid;
