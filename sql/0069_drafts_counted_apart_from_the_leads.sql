-- Drafts counted apart from the leads' totals.
--
-- 0062 kept each owner's drafts waiting on their `lead_owner_totals` row, beside the lead
-- count that every insert or delete of that owner's leads updates. A row lock lasts until
-- its transaction ends: while a tenant's import (or any transaction that added or removed
-- their leads) was open, every approval, rejection or new draft of that tenant waited for
-- it. The counts now have a table of their own, `lead_owner_drafts` (one row per owner,
-- written only by the drafts' triggers and recounts), so a reviewer's decision waits only
-- for another decision on the same tenant's count, never for their leads.
--
-- The drafts' trigger still takes the owner's rollup lock (shared) first, as in 0068: a time
-- zone change holds that lock (exclusive) while its recount rewrites the owner's counts,
-- drafts included, so every writer takes the lock before the row and none waits in the
-- other order. Shared holders do not wait for each other.
--
-- The recounts (`recount_drafts`, which `recount_rollups` and `rebuild_rollups` call) now
-- empty the owners' rows of this table themselves before counting: they no longer rely on
-- the totals rows having just been deleted. The totals lose their two drafts columns, which
-- nothing reads after this file (the overview and the tenant table are restated below).
set local lock_timeout = '10s';

set local statement_timeout = '5min';

-- Held first, before anything else is locked: writers of leads (the totals), of messages
-- and posts (the drafts), and zone changes and deleted owners (users) wait for this file.
lock table public.lead_owner_totals in access exclusive mode;

lock table public.users in share mode;

lock table public.messages, public.posts in share mode;

-- Each owner's drafts waiting: messages (DMs and emails) and posts.
create table public.lead_owner_drafts (
  user_id uuid primary key,
  message_drafts bigint not null default 0,
  post_drafts bigint not null default 0
);

alter table public.lead_owner_drafts enable row level security;

revoke all on table public.lead_owner_drafts from anon;

revoke all on table public.lead_owner_drafts from authenticated;

grant select on table public.lead_owner_drafts to authenticated;

grant all on table public.lead_owner_drafts to service_role;

-- lead_owner_drafts: read like the drafts they count: the rows of the caller and of the
-- clients they review. Written only by the triggers and recounts below.
create policy lead_owner_drafts_select on public.lead_owner_drafts
for select to authenticated
using (user_id = any ((select private.visible_owners())::uuid[]));

-- lead_owner_drafts: every row, for a super admin (their role, as in 0048).
create policy lead_owner_drafts_select_as_super_admin on public.lead_owner_drafts
for select to revos_super_admin
using ((select private.is_super_admin()));

-- As in 0062, into lead_owner_drafts.
create or replace function private.draft_count_statement(p_changes text, p_column text)
returns text
language sql immutable
set search_path = ''
as $fn$
  select format($q$
  insert into public.lead_owner_drafts as t (user_id, %2$I)
  select c.user_id, sum(c.sign)
  from (%1$s) c
  join public.users z on z.id = c.user_id
  where c.status = 'draft'
  group by 1
  having sum(c.sign) <> 0
  order by 1
  on conflict (user_id) do update set %2$I = t.%2$I + excluded.%2$I
  $q$, p_changes, p_column)
$fn$;

-- As in 0062, in lead_owner_drafts.
create or replace function private.clear_draft_counts() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  execute format(
    'update public.lead_owner_drafts set %1$I = 0 where %1$I <> 0',
    private.draft_count_column(tg_table_name)
  );
  return null;
end
$$;

-- As in 0062, into lead_owner_drafts, whose rows of the owners in p_owners (all when null)
-- it empties first: an owner whose last draft went is counted as none.
create or replace function private.recount_drafts(p_owners uuid[]) returns void
language sql
security definer
set search_path = ''
as $$
  delete from public.lead_owner_drafts
  where p_owners is null or user_id = any (p_owners);

  insert into public.lead_owner_drafts (user_id, message_drafts, post_drafts)
  select x.user_id,
         count(*) filter (where x.kind = 'message'),
         count(*) filter (where x.kind = 'post')
  from (
    select m.user_id, 'message' as kind from public.messages m where m.status = 'draft'
    union all
    select p.user_id, 'post' from public.posts p where p.status = 'draft'
  ) x
  join public.users z on z.id = x.user_id
  where p_owners is null or x.user_id = any (p_owners)
  group by 1
  order by 1;
$$;

-- As in 0063, and the owner's drafts.
create or replace function private.forget_owner_rollups() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from public.lead_daily_stats where user_id = old.id;
  delete from public.lead_owner_daily_stats where user_id = old.id;
  delete from public.apollo_daily_usage where user_id = old.id;
  delete from public.apollo_monthly_usage where user_id = old.id;
  delete from public.lead_owner_totals where user_id = old.id;
  delete from public.lead_owner_drafts where user_id = old.id;
  delete from public.lead_magnet_daily_stats where user_id = old.id;
  return null;
end
$$;

-- The counts as they stand, from the drafts themselves (held still above).
select private.recount_drafts(null);

-- As in 0065, the drafts from lead_owner_drafts.
create or replace function public.overview_kpis(
  p_from timestamptz,
  p_to timestamptz,
  p_client_id uuid default null
)
returns table (
  period text,
  period_start timestamptz,
  period_end timestamptz,
  new_leads bigint,
  enriched_leads bigint,
  enrichment_rate numeric,
  dms_sent bigint,
  dm_replies bigint,
  dm_reply_rate numeric,
  emails_sent bigint,
  email_replies bigint,
  email_reply_rate numeric,
  dms_mature bigint,
  emails_mature bigint,
  magnet_downloads bigint,
  drafts_waiting bigint
)
language plpgsql stable
security invoker
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_filter uuid[] := case when p_client_id is not null then array[p_client_id] end;  -- 0053
  v_first date;
  v_after date;  -- the day after the period's last day
  v_prev_first date;
  -- A reply rate counts sends at least three whole days old on the owner's own days. Every
  -- tz database zone is less than a day from UTC, so each owner's today is the UTC day or
  -- one either side: sends up to v_all_mature are mature for every owner, and of the two
  -- days after it each is mature for the owners listed (no later day is, for anyone).
  v_all_mature date := (now() at time zone 'UTC')::date - 1 - 3;
  v_mature_next uuid[];  -- the owners for whom v_all_mature + 1 is mature
  v_mature_after uuid[];  -- and v_all_mature + 2
begin
  if p_from is null or p_to is null or p_to <= p_from then
    raise exception 'The period must have a start before its end.' using errcode = '22023';
  end if;
  if p_to - p_from > interval '1096 days' then
    raise exception 'A period covers at most three years.' using errcode = '22023';
  end if;
  v_first := (p_from at time zone 'UTC')::date;
  v_after := ((p_to - interval '1 microsecond') at time zone 'UTC')::date + 1;
  v_prev_first := v_first - (v_after - v_first);

  -- one read of the owners in scope, not a join of every rollup row to its owner
  select coalesce(array_agg(z.id) filter (where z.last_mature > v_all_mature), '{}'),
         coalesce(array_agg(z.id) filter (where z.last_mature > v_all_mature + 1), '{}')
  into v_mature_next, v_mature_after
  from (
    select u.id, (now() at time zone u.time_zone)::date - 3 as last_mature
    from public.users u
    where v_filter is null or u.id = any (v_filter)
  ) z;

  return query
  with drafts as (
    select coalesce(sum(d.message_drafts + d.post_drafts), 0)::bigint as n
    from public.lead_owner_drafts d
    where v_filter is null or d.user_id = any (v_filter)
  )
  select per.period,
         private.utc_midnight(per.first_day),
         private.utc_midnight(per.after_day),
         coalesce(c.n, 0)::bigint,
         coalesce(c.enriched, 0)::bigint,
         round(c.enriched::numeric / nullif(c.n, 0), 4),
         coalesce(c.dm_sent, 0)::bigint,
         coalesce(c.dm_replied, 0)::bigint,
         round(c.dm_mature_replied::numeric / nullif(c.dm_mature, 0), 4),
         coalesce(c.em_sent, 0)::bigint,
         coalesce(c.em_replied, 0)::bigint,
         round(c.em_mature_replied::numeric / nullif(c.em_mature, 0), 4),
         coalesce(c.dm_mature, 0)::bigint,
         coalesce(c.em_mature, 0)::bigint,
         dl.n,
         dr.n
  from (
    values ('current', true, v_first, v_after), ('previous', false, v_prev_first, v_first)
  ) as per (period, is_current, first_day, after_day)
  cross join lateral (
    select sum(s.new_leads) as n,
           sum(s.enriched) as enriched,
           sum(s.dms_sent) as dm_sent,
           sum(s.dms_sent_replied) as dm_replied,
           sum(s.emails_sent) as em_sent,
           sum(s.emails_sent_replied) as em_replied,
           sum(s.dms_sent) filter (where s.mature) as dm_mature,
           sum(s.dms_sent_replied) filter (where s.mature) as dm_mature_replied,
           sum(s.emails_sent) filter (where s.mature) as em_mature,
           sum(s.emails_sent_replied) filter (where s.mature) as em_mature_replied
    from (
      select r.*,
             r.day <= v_all_mature
             or (r.day = v_all_mature + 1 and r.user_id = any (v_mature_next))
             or (r.day = v_all_mature + 2 and r.user_id = any (v_mature_after)) as mature
      from public.lead_owner_daily_stats r
      where r.day >= per.first_day and r.day < per.after_day
        and (v_filter is null or r.user_id = any (v_filter))
    ) s
  ) c
  cross join lateral (
    select coalesce(sum(x.downloads), 0)::bigint as n
    from public.lead_magnet_daily_stats x
    where x.day >= per.first_day and x.day < per.after_day
      and (v_filter is null or x.user_id = any (v_filter))
  ) dl
  cross join drafts dr
  order by per.is_current desc;
end
$$;


-- As in 0063, the drafts from lead_owner_drafts.
create or replace function public.admin_tenant_stats()
returns table (
  client_id uuid,
  email text,
  full_name text,
  company text,
  active_campaigns bigint,
  leads_total bigint,
  leads_7d bigint,
  leads_30d bigint,
  enrichment_rate_30d numeric,
  dm_reply_rate_30d numeric,
  email_reply_rate_30d numeric,
  enrichment_failures_30d bigint,
  apollo_credits_month bigint,
  apollo_success_rate_month numeric,
  drafts_waiting bigint,
  last_activity timestamptz
)
language plpgsql stable
security invoker
set search_path = ''
as $$
#variable_conflict use_column
declare
  -- every zone's today is within a day of UTC's: bounds that hold all of them, for the index
  v_today date := (now() at time zone 'UTC')::date;
  v_month_start date := date_trunc('month', (now() at time zone 'UTC')::date - 1)::date;
begin
  if not coalesce((select private.is_super_admin()), false) then
    raise exception 'Cross-tenant stats are for super admins only.' using errcode = '42501';
  end if;

  return query
  with zones as (
    select u.id,
           (now() at time zone u.time_zone)::date as today,
           date_trunc('month', now() at time zone u.time_zone)::date as month_start
    from public.users u
    where u.role = 'client'
  ),
  daily as (
    select s.user_id,
           sum(s.new_leads) filter (where s.day > z.today - 7) as n7,
           sum(s.new_leads) as n30,
           sum(s.enriched) as enriched30,
           sum(s.enrichment_failed) as failed30,
           sum(s.dms_sent) filter (where s.day <= z.today - 3) as dm30,
           sum(s.dms_sent_replied) filter (where s.day <= z.today - 3) as dm_replied30,
           sum(s.emails_sent) filter (where s.day <= z.today - 3) as em30,
           sum(s.emails_sent_replied) filter (where s.day <= z.today - 3) as em_replied30
    from public.lead_owner_daily_stats s
    join zones z on z.id = s.user_id
    where s.day > v_today - 31 and s.day <= v_today + 1
      and s.day > z.today - 30 and s.day <= z.today
    group by s.user_id
  ),
  campaign_stats as (
    select c.user_id, count(*) filter (where c.status = 'active') as active
    from public.campaigns c
    group by c.user_id
  ),
  apollo as (
    select a.user_id, a.credits, a.attempts, a.successes
    from public.apollo_monthly_usage a
    join zones z on z.id = a.user_id
    where a.month >= v_month_start
      and a.month = z.month_start
  )
  select u.id,
         u.email,
         u.full_name,
         u.company,
         coalesce(cs.active, 0),
         coalesce(t.leads, 0),
         coalesce(ls.n7, 0)::bigint,
         coalesce(ls.n30, 0)::bigint,
         round(ls.enriched30::numeric / nullif(ls.n30, 0), 4),
         round(ls.dm_replied30::numeric / nullif(ls.dm30, 0), 4),
         round(ls.em_replied30::numeric / nullif(ls.em30, 0), 4),
         coalesce(ls.failed30, 0)::bigint,
         coalesce(ap.credits, 0)::bigint,
         round(ap.successes::numeric / nullif(ap.attempts, 0), 4),
         coalesce(dr.message_drafts + dr.post_drafts, 0),
         t.last_activity
  from public.users u
  left join public.lead_owner_totals t on t.user_id = u.id
  left join public.lead_owner_drafts dr on dr.user_id = u.id
  left join daily ls on ls.user_id = u.id
  left join campaign_stats cs on cs.user_id = u.id
  left join apollo ap on ap.user_id = u.id
  where u.role = 'client'
  order by u.company, u.email;
end
$$;


-- Nothing reads these after the two functions above; dropping a column rewrites nothing.
-- squawk-ignore ban-drop-column
alter table public.lead_owner_totals drop column message_drafts;

-- squawk-ignore ban-drop-column
alter table public.lead_owner_totals drop column post_drafts;
