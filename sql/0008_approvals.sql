-- Reviewing drafts: nothing reaches a prospect until a person approved it.
-- Reviews happen only through public.approve_draft / public.reject_draft, which run as the
-- caller (RLS decides what they may review), lock the draft, change it only while it is
-- still a draft, and write one row to the append-only audit trail.

alter table public.messages drop constraint messages_status_check;

alter table public.messages add constraint messages_status_check
  check (status in ('draft', 'approved', 'sent', 'failed', 'rejected'));

alter table public.posts drop constraint posts_status_check;

alter table public.posts add constraint posts_status_check
  check (status in ('draft', 'approved', 'published', 'rejected'));

alter table public.posts add column approved_by uuid references public.users (id) on delete set null;

create index posts_approved_by_idx on public.posts (approved_by);

-- Status, approver and what the publishing system records are not the user's to set directly.
revoke update on table public.posts from authenticated;

grant update (cartridge_id, content, image_url) on table public.posts to authenticated;

-- Users edit drafts only: approved, sent or rejected text is frozen.
alter policy messages_update on public.messages
using (user_id = (select auth.uid()) and status = 'draft')
with check (user_id = (select auth.uid()) and status = 'draft');

alter policy posts_update on public.posts
using (user_id = (select auth.uid()) and status = 'draft')
with check (user_id = (select auth.uid()) and status = 'draft');

-- One row per review: who did what to which draft, with the text before and after.
create table public.review_audit (
  id uuid primary key default gen_random_uuid(),
  item_kind text not null check (item_kind in ('message', 'post')),
  item_id uuid not null,
  channel text not null check (channel in ('dm', 'email', 'post')),
  -- no cascades: history outlives nobody; a user with reviews is deactivated, not deleted
  client_id uuid not null references public.users (id),
  actor_id uuid not null references public.users (id),
  action text not null check (action in ('approved', 'edited_and_approved', 'rejected')),
  content_before text not null,
  content_after text not null,
  subject_before text,
  subject_after text,
  reason text,
  drafted_at timestamptz not null,
  created_at timestamptz not null default now(),
  check ((action = 'rejected') = (reason is not null))
);

create index review_audit_client_idx on public.review_audit (client_id, created_at);

create index review_audit_actor_idx on public.review_audit (actor_id, created_at);

create index review_audit_item_idx on public.review_audit (item_id);

-- Append-only for everyone, the service role included: history is never rewritten.
create function private.refuse_audit_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception 'The review audit trail is append-only: rows cannot be changed or deleted.'
    using errcode = '42501';
end
$$;

create trigger review_audit_append_only
before update or delete on public.review_audit
for each row execute function private.refuse_audit_change();

alter table public.review_audit enable row level security;

revoke all on table public.review_audit from anon;

revoke all on table public.review_audit from authenticated;

grant select on table public.review_audit to authenticated;

grant select, insert on table public.review_audit to service_role;

-- Audit rows: the reviewer who acted, the client whose draft it was, that client's reviewers
-- and super admins read them. Nobody writes them except through the review functions.
create policy review_audit_select on public.review_audit
for select to authenticated
using (
  actor_id = (select auth.uid())
  or client_id = (select auth.uid())
  or client_id in (select private.reviewed_client_ids())
  or (select private.is_super_admin())
);

-- The one place a draft's status changes. Security definer because users hold no privilege on
-- status or approved_by; it acts only for auth.uid() and only on drafts that user may review
-- (their own, their assigned clients', or any for a super admin: the select policies' rule).
create function private.review_draft(
  p_kind text,
  p_id uuid,
  p_action text,
  p_content text,
  p_subject text,
  p_reason text
)
returns table (
  kind text,
  id uuid,
  status text,
  content text,
  subject text,
  approved_by uuid,
  reviewed_at timestamptz
)
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_actor uuid := (select auth.uid());
  v_owner uuid;
  v_status text;
  v_channel text;
  v_content text;
  v_subject text;
  v_created timestamptz;
  v_new_content text;
  v_new_subject text;
  v_who text;
  v_when timestamptz;
begin
  if v_actor is null then
    raise exception 'Sign in to review drafts.' using errcode = '42501';
  end if;

  if p_kind = 'message' then
    select m.user_id, m.status, m.channel, m.content, m.subject, m.created_at
      into v_owner, v_status, v_channel, v_content, v_subject, v_created
      from public.messages m where m.id = p_id
      for update;
  elsif p_kind = 'post' then
    select p.user_id, p.status, 'post', p.content, null, p.created_at
      into v_owner, v_status, v_channel, v_content, v_subject, v_created
      from public.posts p where p.id = p_id
      for update;
  else
    raise exception 'A draft is a message or a post, not %.', coalesce(p_kind, 'null')
      using errcode = '22023';
  end if;

  if v_owner is null or not (
    v_owner = v_actor
    or v_owner in (select private.reviewed_client_ids())
    or (select private.is_super_admin())
  ) then
    raise exception 'There is no draft % that you may review.', p_id using errcode = '42501';
  end if;

  if v_status <> 'draft' then
    select coalesce(u.full_name, u.email), a.created_at
      into v_who, v_when
      from public.review_audit a left join public.users u on u.id = a.actor_id
      where a.item_id = p_id
      order by a.created_at desc
      limit 1;
    raise exception 'This draft was already % by % at %.',
      case when v_status = 'rejected' then 'rejected' else 'approved' end,
      coalesce(v_who, 'someone'),
      coalesce(to_char(v_when at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'), 'an earlier time')
      using errcode = '55000';
  end if;

  v_new_content := coalesce(p_content, v_content);
  v_new_subject := case when v_channel = 'email' then coalesce(p_subject, v_subject) end;

  if v_new_content ~ '^[[:space:]]*$' then
    raise exception 'The draft cannot be empty.' using errcode = '22023';
  end if;
  if v_channel = 'dm' and length(v_new_content) > 8000 then
    raise exception 'A DM can be at most 8,000 characters (this one has %).',
      length(v_new_content) using errcode = '22023';
  end if;
  if v_channel = 'email' and coalesce(v_new_subject, '') ~ '^[[:space:]]*$' then
    raise exception 'An email needs a subject.' using errcode = '22023';
  end if;
  if v_channel = 'email' and length(v_new_subject) > 200 then
    raise exception 'An email subject can be at most 200 characters (this one has %).',
      length(v_new_subject) using errcode = '22023';
  end if;
  if p_action = 'rejected' and coalesce(p_reason, '') ~ '^[[:space:]]*$' then
    raise exception 'Say why the draft is rejected.' using errcode = '22023';
  end if;

  if p_action = 'approved'
     and (v_new_content is distinct from v_content or v_new_subject is distinct from v_subject) then
    p_action := 'edited_and_approved';
  end if;

  if p_kind = 'message' then
    update public.messages m
       set status = case when p_action = 'rejected' then 'rejected' else 'approved' end,
           content = case when p_action = 'rejected' then m.content else v_new_content end,
           subject = case when p_action = 'rejected' then m.subject else v_new_subject end,
           approved_by = v_actor
     where m.id = p_id;
  else
    update public.posts p
       set status = case when p_action = 'rejected' then 'rejected' else 'approved' end,
           content = case when p_action = 'rejected' then p.content else v_new_content end,
           approved_by = v_actor
     where p.id = p_id;
  end if;

  insert into public.review_audit (item_kind, item_id, channel, client_id, actor_id, action,
    content_before, content_after, subject_before, subject_after, reason, drafted_at)
  values (p_kind, p_id, v_channel, v_owner, v_actor, p_action, v_content,
    case when p_action = 'rejected' then v_content else v_new_content end,
    v_subject, case when p_action = 'rejected' then v_subject else v_new_subject end,
    case when p_action = 'rejected' then btrim(p_reason) end, v_created);

  return query
  select p_kind, p_id, case when p_action = 'rejected' then 'rejected' else 'approved' end,
         case when p_action = 'rejected' then v_content else v_new_content end,
         case when p_action = 'rejected' then v_subject else v_new_subject end,
         v_actor, now();
end
$$;

revoke all on function private.review_draft(text, uuid, text, text, text, text) from public;

grant execute on function private.review_draft(text, uuid, text, text, text, text)
  to authenticated;

-- Approve a draft, optionally with edited content (and subject, for emails).
-- Runs as the caller: a draft the caller cannot see under RLS is not found.
create function public.approve_draft(
  p_kind text,
  p_id uuid,
  p_content text default null,
  p_subject text default null
)
returns table (
  kind text,
  id uuid,
  status text,
  content text,
  subject text,
  approved_by uuid,
  reviewed_at timestamptz
)
language plpgsql
security invoker
set search_path = ''
as $$
begin
  perform private.assert_reviewable(p_kind, p_id);
  return query
  select * from private.review_draft(p_kind, p_id, 'approved', p_content, p_subject, null);
end
$$;

-- Reject a draft with a reason. Runs as the caller, like approve_draft.
create function public.reject_draft(p_kind text, p_id uuid, p_reason text)
returns table (
  kind text,
  id uuid,
  status text,
  content text,
  subject text,
  approved_by uuid,
  reviewed_at timestamptz
)
language plpgsql
security invoker
set search_path = ''
as $$
begin
  perform private.assert_reviewable(p_kind, p_id);
  return query
  select * from private.review_draft(p_kind, p_id, 'rejected', null, null, p_reason);
end
$$;

-- Security invoker: visibility is decided by the caller's own RLS policies.
create function private.assert_reviewable(p_kind text, p_id uuid) returns void
language plpgsql stable
security invoker
set search_path = ''
as $$
begin
  if p_kind not in ('message', 'post') or p_kind is null then
    raise exception 'A draft is a message or a post, not %.', coalesce(p_kind, 'null')
      using errcode = '22023';
  end if;
  if (p_kind = 'message' and not exists (select 1 from public.messages m where m.id = p_id))
     or (p_kind = 'post' and not exists (select 1 from public.posts p where p.id = p_id)) then
    raise exception 'There is no draft % that you may review.', p_id using errcode = '42501';
  end if;
end
$$;

revoke all on function private.assert_reviewable(text, uuid) from public;

grant execute on function private.assert_reviewable(text, uuid) to authenticated;

-- The queue: every draft the caller may review, oldest first, with the context to judge it.
create function public.approval_queue(
  p_client_id uuid default null,
  p_campaign_id uuid default null,
  p_kind text default null,
  p_limit integer default 200
)
returns table (
  kind text,
  channel text,
  id uuid,
  client_id uuid,
  client text,
  campaign_id uuid,
  campaign_name text,
  cartridge_name text,
  cartridge_system_prompt text,
  cartridge_writing_style jsonb,
  cartridge_persona jsonb,
  lead_name text,
  lead_title text,
  lead_company text,
  lead_comment text,
  subject text,
  content text,
  created_at timestamptz,
  waiting_total bigint
)
language plpgsql stable
security invoker
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_scope uuid[] := private.owner_scope(p_client_id);
begin
  if p_kind is not null and p_kind not in ('dm', 'email', 'post') then
    raise exception 'The queue holds dm, email and post drafts, not %.', p_kind
      using errcode = '22023';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 1000 then
    raise exception 'Show 1 to 1000 drafts at a time.' using errcode = '22023';
  end if;

  return query
  with drafts as (
    select 'message'::text as kind, m.channel, m.id, m.user_id, c.id as campaign_id,
           c.name as campaign_name, k.name as cartridge_name, k.system_prompt,
           k.writing_style, k.persona, l.name as lead_name, l.job_title, l.company_name,
           l.comment_text, m.subject, m.content, m.created_at
    from public.messages m
    join public.leads l on l.id = m.lead_id and l.user_id = m.user_id
    join public.campaigns c on c.id = l.campaign_id and c.user_id = l.user_id
    left join public.cartridges k on k.id = c.cartridge_id and k.user_id = c.user_id
    where m.status = 'draft'
      and (v_scope is null or m.user_id = any (v_scope))
      and (p_campaign_id is null or c.id = p_campaign_id)
      and (p_kind is null or m.channel = p_kind)
    union all
    select 'post', 'post', p.id, p.user_id, null, null, k.name, k.system_prompt,
           k.writing_style, k.persona, null, null, null, null, null, p.content, p.created_at
    from public.posts p
    left join public.cartridges k on k.id = p.cartridge_id and k.user_id = p.user_id
    where p.status = 'draft'
      and (v_scope is null or p.user_id = any (v_scope))
      and p_campaign_id is null
      and (p_kind is null or p_kind = 'post')
  )
  select d.kind, d.channel, d.id, d.user_id, coalesce(u.company, u.email), d.campaign_id,
         d.campaign_name, d.cartridge_name, d.system_prompt, d.writing_style, d.persona,
         d.lead_name, d.job_title, d.company_name, d.comment_text, d.subject, d.content,
         d.created_at, count(*) over ()
  from drafts d
  join public.users u on u.id = d.user_id
  order by d.created_at, d.id
  limit p_limit;
end
$$;

-- Reviews of the last p_days days, newest first: who reviewed what, when, and what changed.
create function public.review_history(p_days integer default 7, p_client_id uuid default null)
returns table (
  reviewed_at timestamptz,
  reviewer text,
  client text,
  channel text,
  item_id uuid,
  action text,
  content_before text,
  content_after text,
  subject_before text,
  subject_after text,
  reason text
)
language sql stable
security invoker
set search_path = ''
as $$
  select a.created_at, coalesce(r.full_name, r.email), coalesce(c.company, c.email), a.channel,
         a.item_id, a.action, a.content_before, a.content_after, a.subject_before,
         a.subject_after, a.reason
  from public.review_audit a
  left join public.users r on r.id = a.actor_id
  left join public.users c on c.id = a.client_id
  where a.created_at >= now() - make_interval(days => greatest(1, least(p_days, 366)))
    and (p_client_id is null or a.client_id = p_client_id)
  order by a.created_at desc, a.id
  limit 500
$$;

-- Review metrics over the last p_days days, overall or per tenant or per reviewer.
-- First-draft approval rate = approved without edit / reviewed (target >= 80%).
create function public.review_summary(
  p_days integer default 30,
  p_client_id uuid default null,
  p_group_by text default null
)
returns table (
  group_id uuid,
  group_label text,
  reviewed bigint,
  approved_unedited bigint,
  edited bigint,
  rejected bigint,
  first_draft_approval_rate numeric,
  median_minutes_to_review numeric
)
language plpgsql stable
security invoker
set search_path = ''
as $$
#variable_conflict use_column
begin
  if p_group_by is not null and p_group_by not in ('tenant', 'reviewer') then
    raise exception 'Group reviews by tenant or reviewer, not %.', p_group_by
      using errcode = '22023';
  end if;
  return query
  select g.id,
         case when p_group_by = 'reviewer' then coalesce(u.full_name, u.email)
              when p_group_by = 'tenant' then coalesce(u.company, u.email)
              else 'All' end,
         count(*),
         count(*) filter (where a.action = 'approved'),
         count(*) filter (where a.action = 'edited_and_approved'),
         count(*) filter (where a.action = 'rejected'),
         round((count(*) filter (where a.action = 'approved'))::numeric / count(*), 4),
         round((percentile_cont(0.5) within group (
           order by extract(epoch from a.created_at - a.drafted_at)) / 60)::numeric, 1)
  from public.review_audit a
  cross join lateral (
    select case p_group_by when 'tenant' then a.client_id when 'reviewer' then a.actor_id end
  ) as g (id)
  left join public.users u on u.id = g.id
  where a.created_at >= now() - make_interval(days => greatest(1, least(p_days, 366)))
    and (p_client_id is null or a.client_id = p_client_id)
  group by g.id, u.company, u.full_name, u.email
  order by 2;
end
$$;

-- Why drafts were rejected, most common first.
create function public.rejection_reasons(p_days integer default 30, p_client_id uuid default null)
returns table (reason text, rejections bigint)
language sql stable
security invoker
set search_path = ''
as $$
  select a.reason, count(*)
  from public.review_audit a
  where a.action = 'rejected'
    and a.created_at >= now() - make_interval(days => greatest(1, least(p_days, 366)))
    and (p_client_id is null or a.client_id = p_client_id)
  group by a.reason
  order by 2 desc, 1
$$;

revoke all on function public.approve_draft(text, uuid, text, text) from public, anon;

revoke all on function public.reject_draft(text, uuid, text) from public, anon;

revoke all on function public.approval_queue(uuid, uuid, text, integer) from public, anon;

revoke all on function public.review_history(integer, uuid) from public, anon;

revoke all on function public.review_summary(integer, uuid, text) from public, anon;

revoke all on function public.rejection_reasons(integer, uuid) from public, anon;

grant execute on function public.approve_draft(text, uuid, text, text) to authenticated;

grant execute on function public.reject_draft(text, uuid, text) to authenticated;

grant execute on function public.approval_queue(uuid, uuid, text, integer) to authenticated;

grant execute on function public.review_history(integer, uuid) to authenticated;

grant execute on function public.review_summary(integer, uuid, text) to authenticated;

grant execute on function public.rejection_reasons(integer, uuid) to authenticated;
