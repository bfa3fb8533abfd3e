-- From a second trial by attack (session 26):
--
-- 1. A reviewer who named themself "Ada Admin" read as the super admin in the Tenants page's
--    reviews per reviewer, which named each reviewer by their chosen name alone: two rows
--    "Ada Admin", one with 1,100 reviews. Reviewers are named as the audit names them now,
--    with the email they cannot change: "Ada Admin (reviewer@revos.demo)".
-- 2. One approval could be stored as a memory many times: the policy read the memory's
--    source id without regard to case, and the one-memory-per-draft index compares it as
--    text, so "01A2…" and "01a2…" were two. The source id must be the draft's id as the
--    database writes it.
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- As in 0072; a reviewer's name with their email.
create or replace function public.review_summary(
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
  select s.id,
         case when p_group_by = 'reviewer' then coalesce(u.full_name || ' (' || u.email || ')', u.email)
              when p_group_by = 'tenant' then coalesce(u.company, u.email)
              else 'All' end,
         s.reviewed,
         s.approved,
         s.edited,
         s.rejected,
         round(s.approved::numeric / s.reviewed, 4),
         round((s.median_seconds / 60)::numeric, 1)
  from (
    select case p_group_by when 'tenant' then a.client_id when 'reviewer' then a.actor_id end
             as id,
           count(*) as reviewed,
           count(*) filter (where a.action = 'approved') as approved,
           count(*) filter (where a.action = 'edited_and_approved') as edited,
           count(*) filter (where a.action = 'rejected') as rejected,
           percentile_cont(0.5) within group (
             order by pg_catalog.date_part('epoch', a.created_at - a.drafted_at)
           ) as median_seconds
    from public.review_audit a
    where a.created_at >= now() - make_interval(days => greatest(1, least(p_days, 366)))
      and (p_client_id is null or a.client_id = p_client_id)
    group by 1
  ) s
  left join public.users u on u.id = s.id
  order by 2;
end
$$;

-- Whether the caller approved this text of this draft of p_owner's, as a p_kind, and may
-- still review p_owner's drafts (0083); the source id exactly as the draft's id is written.
create or replace function private.is_callers_approval(
  p_owner uuid,
  p_source_id text,
  p_content text,
  p_kind text
) returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select private.can_review(p_owner) and exists (
    select 1 from public.review_audit a
    where a.item_id = (
        select case when p_source_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                    then p_source_id::uuid end
      )
      and a.item_id::text = p_source_id
      and a.client_id = p_owner
      and a.actor_id = (select auth.uid())
      and a.action <> 'rejected'
      and a.content_after = p_content
      and a.channel = p_kind
  )
$$;
