-- Each tenant's own days.
--
-- An agency in New York that looks at "yesterday" means its yesterday, not UTC's: a comment
-- at 21:00 on a Monday in New York is a Tuesday in UTC. So every user has a time zone
-- (`users.time_zone`, an IANA name, 'UTC' until set), and every count by day is made in the
-- day of the tenant whose rows they are:
--   - the rollups (lead_daily_stats, apollo_daily_usage) key each event on the owner's local
--     day, and are rebuilt for an owner whose time zone changes;
--   - the functions that take a period read it as days (the dates of p_from and p_to in UTC,
--     as before: callers pass the days' UTC midnights) and count each tenant's rows in that
--     tenant's days: downloads, posts, the leads list, "today", this month and the 3-day
--     maturity included. A day starts at its first instant (private.day_start), which is
--     not always local midnight read once: on a fall-back at midnight it is the first 00:00.
-- A view that mixes tenants of several zones (a reviewer's or an admin's "All clients") sums
-- each tenant's own days.
set local lock_timeout = '10s';

set local statement_timeout = '30min';

-- The names a user may choose: the tz database's area/location names (Europe/London,
-- America/New_York) and UTC, as this server has them, spelled exactly (case included) as
-- Python's zoneinfo reads them. Not abbreviations (PST, IST: ambiguous) nor POSIX strings
-- (UTC+5 means UTC-5 there, and XYZ100 is a valid offset of 100 hours).
create table private.time_zone_names (
  name text primary key
);

insert into private.time_zone_names (name)
select z.name
from pg_catalog.pg_timezone_names z
where z.name ~ '^[A-Z][A-Za-z_-]*/[A-Za-z0-9_+/-]+$' or z.name = 'UTC';

revoke all on table private.time_zone_names from public;

-- Whether a name is one of those. Security definer: it reads the private list for whoever
-- writes users (the check below), the user changing their own zone included.
create function private.is_time_zone(p_name text) returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select exists (select 1 from private.time_zone_names z where z.name = p_name)
$$;

grant execute on function private.is_time_zone(text) to authenticated, service_role;

-- The first instant of a day in a zone. Local midnight read once is the later of two
-- midnights on a fall-back at midnight (the Azores, Havana): the day starts at the first.
-- Stepping back an hour, then half an hour (Lord Howe), finds it.
create function private.day_start(p_day date, p_time_zone text) returns timestamptz
language sql stable
set search_path = ''
as $$
  select case
           when ((m.at - interval '1 hour') at time zone p_time_zone)::date >= p_day
             then m.at - interval '1 hour'
           when ((m.at - interval '30 minutes') at time zone p_time_zone)::date >= p_day
             then m.at - interval '30 minutes'
           else m.at
         end
  from (select p_day::timestamp at time zone p_time_zone as at) m
$$;

grant execute on function private.day_start(date, text) to authenticated, service_role;

alter table public.users add column time_zone text not null default 'UTC';

-- Validated in 0033, in a transaction of its own.
alter table public.users add constraint users_time_zone_valid
check (private.is_time_zone(time_zone)) not valid;

-- The display name and now the time zone are the user's to change (users_update: own row).
grant update (time_zone) on table public.users to authenticated;

-- As in 0021, with each event on its owner's local day.
create or replace function private.lead_rollup_statement(p_changes text) returns text
language sql immutable
set search_path = ''
as $fn$
  select format($q$
  insert into public.lead_daily_stats as s (
    user_id, day, campaign_id, new_leads, enriched, enrichment_failed, dms_sent,
    dms_sent_replied, dm_replies, emails_sent, emails_sent_replied, email_replies,
    cohort_dm_sent, cohort_dm_delivered, cohort_dm_replied, cohort_email_sent,
    cohort_email_opened, cohort_email_clicked, cohort_email_replied
  )
  select c.user_id, (e.at at time zone z.time_zone)::date, c.campaign_id,
         sum(e.new_leads), sum(e.enriched), sum(e.failed), sum(e.dms_sent),
         sum(e.dms_sent_replied), sum(e.dm_replies), sum(e.emails_sent),
         sum(e.emails_sent_replied), sum(e.email_replies),
         sum(e.c_dm_sent), sum(e.c_dm_delivered), sum(e.c_dm_replied), sum(e.c_email_sent),
         sum(e.c_email_opened), sum(e.c_email_clicked), sum(e.c_email_replied)
  from (%s) c
  join public.users z on z.id = c.user_id
  cross join lateral (values
    (c.commented_at, c.sign, c.sign * (c.enrichment_status in ('enriched', 'partial'))::int,
      c.sign * (c.enrichment_status = 'failed')::int, 0, 0, 0, 0, 0, 0,
      c.sign * (c.dm_sent_at is not null)::int, c.sign * (c.dm_delivered_at is not null)::int,
      c.sign * (c.dm_replied_at is not null)::int, c.sign * (c.email_sent_at is not null)::int,
      c.sign * (c.email_opened_at is not null)::int,
      c.sign * (c.email_clicked_at is not null)::int,
      c.sign * (c.email_replied_at is not null)::int),
    (c.dm_sent_at, 0, 0, 0, c.sign, c.sign * (c.dm_replied_at is not null)::int, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 0, 0),
    (c.dm_replied_at, 0, 0, 0, 0, 0, c.sign, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    (c.email_sent_at, 0, 0, 0, 0, 0, 0, c.sign,
      c.sign * (c.email_replied_at is not null)::int, 0, 0, 0, 0, 0, 0, 0, 0),
    (c.email_replied_at, 0, 0, 0, 0, 0, 0, 0, 0, c.sign, 0, 0, 0, 0, 0, 0, 0)
  ) as e (at, new_leads, enriched, failed, dms_sent, dms_sent_replied, dm_replies,
          emails_sent, emails_sent_replied, email_replies, c_dm_sent, c_dm_delivered,
          c_dm_replied, c_email_sent, c_email_opened, c_email_clicked, c_email_replied)
  where e.at is not null
  group by 1, 2, 3
  having sum(e.new_leads) <> 0 or sum(e.enriched) <> 0 or sum(e.failed) <> 0
    or sum(e.dms_sent) <> 0 or sum(e.dms_sent_replied) <> 0 or sum(e.dm_replies) <> 0
    or sum(e.emails_sent) <> 0 or sum(e.emails_sent_replied) <> 0 or sum(e.email_replies) <> 0
    or sum(e.c_dm_sent) <> 0 or sum(e.c_dm_delivered) <> 0 or sum(e.c_dm_replied) <> 0
    or sum(e.c_email_sent) <> 0 or sum(e.c_email_opened) <> 0 or sum(e.c_email_clicked) <> 0
    or sum(e.c_email_replied) <> 0
  order by 1, 2, 3
  on conflict (user_id, day, campaign_id) do update set
    new_leads = s.new_leads + excluded.new_leads,
    enriched = s.enriched + excluded.enriched,
    enrichment_failed = s.enrichment_failed + excluded.enrichment_failed,
    dms_sent = s.dms_sent + excluded.dms_sent,
    dms_sent_replied = s.dms_sent_replied + excluded.dms_sent_replied,
    dm_replies = s.dm_replies + excluded.dm_replies,
    emails_sent = s.emails_sent + excluded.emails_sent,
    emails_sent_replied = s.emails_sent_replied + excluded.emails_sent_replied,
    email_replies = s.email_replies + excluded.email_replies,
    cohort_dm_sent = s.cohort_dm_sent + excluded.cohort_dm_sent,
    cohort_dm_delivered = s.cohort_dm_delivered + excluded.cohort_dm_delivered,
    cohort_dm_replied = s.cohort_dm_replied + excluded.cohort_dm_replied,
    cohort_email_sent = s.cohort_email_sent + excluded.cohort_email_sent,
    cohort_email_opened = s.cohort_email_opened + excluded.cohort_email_opened,
    cohort_email_clicked = s.cohort_email_clicked + excluded.cohort_email_clicked,
    cohort_email_replied = s.cohort_email_replied + excluded.cohort_email_replied
  $q$, p_changes)
$fn$;

-- As in 0015, with each attempt on its owner's local day.
create or replace function private.apollo_rollup_statement(p_changes text) returns text
language sql immutable
set search_path = ''
as $fn$
  select format($q$
  insert into public.apollo_daily_usage as u (user_id, day, credits, attempts, successes)
  select c.user_id, (c.created_at at time zone z.time_zone)::date,
         sum(c.sign * c.credits_used), sum(c.sign), sum(c.sign * (c.result = 'success')::int)
  from (%s) c
  join public.users z on z.id = c.user_id
  group by 1, 2
  having sum(c.sign * c.credits_used) <> 0 or sum(c.sign) <> 0
    or sum(c.sign * (c.result = 'success')::int) <> 0
  order by 1, 2
  on conflict (user_id, day) do update set
    credits = u.credits + excluded.credits,
    attempts = u.attempts + excluded.attempts,
    successes = u.successes + excluded.successes
  $q$, p_changes)
$fn$;

-- The advisory lock of one owner's rollups: writers of the owner's leads and attempts hold
-- it shared (roll_up_changes), a recount of the owner's days exclusively.
create function private.rollup_lock_key(p_owner uuid) returns bigint
language sql immutable
set search_path = ''
as $$
  select hashtextextended('revos.rollups:' || p_owner::text, 0)
$$;

revoke all on function private.rollup_lock_key(uuid) from public;

-- As in 0015, first taking each changed owner's rollup lock, shared and in key order: a
-- recount of that owner's days (a new time zone) waits for this transaction, and this waits
-- for a recount under way. The counts are read by the next statement, so they see the zone
-- as committed. Other owners' writes never wait.
create or replace function private.roll_up_changes() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_changes text := case tg_op
    when 'INSERT' then 'select 1 as sign, n.* from new_rows n'
    when 'DELETE' then 'select -1 as sign, o.* from old_rows o'
    else 'select 1 as sign, n.* from new_rows n union all select -1, o.* from old_rows o'
  end;
begin
  execute format(
    'select pg_catalog.pg_advisory_xact_lock_shared(k.key) '
    'from (select distinct private.rollup_lock_key(c.user_id) as key from (%s) c '
    'order by 1) k',
    v_changes
  );
  if tg_table_name = 'apollo_usage' then
    execute private.apollo_rollup_statement(v_changes);
  else
    execute private.lead_rollup_statement(v_changes);
    execute private.lead_total_statement(v_changes);
  end if;
  return null;
end
$$;

-- As in 0015, for owners that still exist: a deleted user's leads, deleted after them by
-- the cascade, take nothing off (their totals go with them, below), as in the two rollups.
create or replace function private.lead_total_statement(p_changes text) returns text
language sql immutable
set search_path = ''
as $fn$
  select format($q$
  insert into public.lead_owner_totals as t (user_id, leads)
  select c.user_id, sum(c.sign) from (%s) c
  join public.users z on z.id = c.user_id
  group by 1
  having sum(c.sign) <> 0
  order by 1
  on conflict (user_id) do update set leads = t.leads + excluded.leads
  $q$, p_changes)
$fn$;

-- Some owners' rollups recounted from their rows: after a bulk load that skipped the
-- triggers (the seed, one share of the tenants per connection) and for a new time zone. As
-- private.rebuild_rollups does for everyone, download reply flags included.
create function private.recount_rollups(p_owners uuid[]) returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_leads text := format(
    'select 1 as sign, l.* from public.leads l where l.user_id = any (%L::uuid[])', p_owners
  );
begin
  delete from public.lead_daily_stats where user_id = any (p_owners);
  delete from public.lead_owner_totals where user_id = any (p_owners);
  delete from public.apollo_daily_usage where user_id = any (p_owners);
  execute private.lead_rollup_statement(v_leads);
  execute private.lead_total_statement(v_leads);
  execute private.apollo_rollup_statement(format(
    'select 1 as sign, a.* from public.apollo_usage a where a.user_id = any (%L::uuid[])',
    p_owners
  ));
  update public.lead_magnet_downloads d
  set lead_replied = l.dm_replied_at is not null or l.email_replied_at is not null
  from public.leads l
  where l.id = d.lead_id
    and d.user_id = any (p_owners)
    and d.lead_replied <> (l.dm_replied_at is not null or l.email_replied_at is not null);
end
$$;

revoke all on function private.recount_rollups(uuid[]) from public;

-- A new time zone moves the owner's events to other days: their rollup rows are recounted,
-- under the owner's rollup lock (exclusive): writes of this owner's leads wait meanwhile, so
-- none is counted on a day of the old zone; other tenants' writes go on.
-- Security definer: a user changing their own zone cannot write the rollups themselves.
create function private.rebuild_owner_rollups() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform pg_catalog.pg_advisory_xact_lock(private.rollup_lock_key(new.id));
  perform private.recount_rollups(array[new.id]);
  return null;
end
$$;

revoke all on function private.rebuild_owner_rollups() from public;

create trigger users_time_zone_recounts_rollups
after update of time_zone on public.users
for each row
when (old.time_zone is distinct from new.time_zone)
execute function private.rebuild_owner_rollups();

-- A deleted user's rollup rows go with them. (Their leads and attempts are deleted by the
-- cascade, but with the user gone their days can no longer be read, so those deletes cannot
-- take their counts off.)
create function private.forget_owner_rollups() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from public.lead_daily_stats where user_id = old.id;
  delete from public.apollo_daily_usage where user_id = old.id;
  delete from public.lead_owner_totals where user_id = old.id;
  return null;
end
$$;

revoke all on function private.forget_owner_rollups() from public;

create trigger users_delete_forgets_rollups
after delete on public.users
for each row
execute function private.forget_owner_rollups();

-- KPI tiles as in 0024, in each tenant's days: the rollup's days are theirs already; the
-- downloads are cut at their midnights, and a send is mature 3 of their days after.
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
  v_scope uuid[] := private.owner_scope(p_client_id);
  v_first date;
  v_after date;  -- the day after the period's last day
  v_prev_first date;
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

  return query
  with zones as materialized (  -- each owner's midnights, once per owner (not per row)
    select u.id,
           private.day_start(v_prev_first, u.time_zone) as prev_from,
           private.day_start(v_first, u.time_zone) as cur_from,
           private.day_start(v_after, u.time_zone) as cur_to,
           (now() at time zone u.time_zone)::date - 3 as last_mature
    from public.users u
    where v_scope is null or u.id = any (v_scope)
  ),
  daily as (
    select s.day >= v_first as is_current,
           sum(s.new_leads) as n,
           sum(s.enriched) as enriched,
           sum(s.dms_sent) as dm_sent,
           sum(s.dms_sent_replied) as dm_replied,
           sum(s.emails_sent) as em_sent,
           sum(s.emails_sent_replied) as em_replied,
           sum(s.dms_sent) filter (where s.day <= z.last_mature) as dm_mature,
           sum(s.dms_sent_replied) filter (where s.day <= z.last_mature) as dm_mature_replied,
           sum(s.emails_sent) filter (where s.day <= z.last_mature) as em_mature,
           sum(s.emails_sent_replied) filter (where s.day <= z.last_mature) as em_mature_replied
    from public.lead_daily_stats s
    join zones z on z.id = s.user_id
    where s.day >= v_prev_first and s.day < v_after
      and (v_scope is null or s.user_id = any (v_scope))
    group by 1
  ),
  downloads as (
    select d.downloaded_at >= z.cur_from as is_current, count(*) as n
    from public.lead_magnet_downloads d
    join zones z on z.id = d.user_id
    -- a day a zone away at most on either side, for the index; then each tenant's midnights
    where d.downloaded_at >= private.utc_midnight(v_prev_first - 1)
      and d.downloaded_at < private.utc_midnight(v_after + 1)
      and d.downloaded_at >= z.prev_from
      and d.downloaded_at < z.cur_to
      and (v_scope is null or d.user_id = any (v_scope))
    group by 1
  ),
  drafts as (
    select (
      select count(*) from public.messages m
      where m.status = 'draft' and (v_scope is null or m.user_id = any (v_scope))
    ) + (
      select count(*) from public.posts p
      where p.status = 'draft' and (v_scope is null or p.user_id = any (v_scope))
    ) as n
  )
  select per.period,
         private.utc_midnight(case when per.is_current then v_first else v_prev_first end),
         private.utc_midnight(case when per.is_current then v_after else v_first end),
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
         coalesce(dl.n, 0),
         dr.n
  from (values ('current', true), ('previous', false)) as per (period, is_current)
  left join daily c on c.is_current = per.is_current
  left join downloads dl on dl.is_current = per.is_current
  cross join drafts dr
  order by per.is_current desc;
end
$$;

-- As in 0022, each tenant's downloads cut at that tenant's midnights.
create or replace function public.lead_magnet_performance(
  p_client_id uuid default null,
  p_from timestamptz default null,
  p_to timestamptz default null
)
returns table (
  lead_magnet_id uuid,
  title text,
  niche text,
  scope text,
  owner_id uuid,
  downloads bigint,
  replies bigint,
  conversion_rate numeric
)
language plpgsql stable
security invoker
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_scope uuid[] := private.owner_scope(p_client_id);
  v_first date := (p_from at time zone 'UTC')::date;
  v_after date := ((p_to - interval '1 microsecond') at time zone 'UTC')::date + 1;
begin
  if p_from is not null and p_to is not null and p_to <= p_from then
    raise exception 'The period must have a start before its end.' using errcode = '22023';
  end if;
  if p_from is not null and p_to is not null and p_to - p_from > interval '1096 days' then
    raise exception 'A period covers at most three years.' using errcode = '22023';
  end if;
  return query
  with zones as materialized (  -- each owner's midnights, once per owner (not per row)
    select u.id,
           private.day_start(v_first, u.time_zone) as from_at,
           private.day_start(v_after, u.time_zone) as to_at
    from public.users u
    where v_scope is null or u.id = any (v_scope)
  ),
  counted as (
    select d.lead_magnet_id,
           count(*) as downloads,
           count(*) filter (where d.lead_replied) as replies
    from public.lead_magnet_downloads d
    -- no period, no zones to read (the join folds away)
    left join zones z on (v_first is not null or v_after is not null) and z.id = d.user_id
    where (v_scope is null or d.user_id = any (v_scope))
      and (v_first is null or d.downloaded_at >= private.utc_midnight(v_first - 1))
      and (v_after is null or d.downloaded_at < private.utc_midnight(v_after + 1))
      and (v_first is null or d.downloaded_at >= z.from_at)
      and (v_after is null or d.downloaded_at < z.to_at)
    group by d.lead_magnet_id
  )
  select m.id,
         m.title,
         m.niche,
         case when m.user_id is null then 'global' else 'custom' end,
         m.user_id,
         coalesce(c.downloads, 0),
         coalesce(c.replies, 0),
         round(c.replies::numeric / nullif(c.downloads, 0), 4)
  from public.lead_magnets m
  left join counted c on c.lead_magnet_id = m.id
  where v_scope is null or m.user_id is null or m.user_id = any (v_scope)
  order by coalesce(c.downloads, 0) desc, m.title;
end
$$;

-- As in 0007, each tenant's posts cut at that tenant's midnights (the period's days).
create or replace function public.post_engagement(
  p_from timestamptz default null,
  p_to timestamptz default null,
  p_client_id uuid default null
)
returns table (
  post_id uuid,
  client_id uuid,
  published_at timestamptz,
  likes integer,
  comments integer,
  shares integer,
  excerpt text
)
language plpgsql stable
security invoker
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_scope uuid[] := private.owner_scope(p_client_id);
  v_first date := (p_from at time zone 'UTC')::date;
  v_after date := ((p_to - interval '1 microsecond') at time zone 'UTC')::date + 1;
begin
  return query
  with zones as materialized (  -- each owner's midnights, once per owner (not per row)
    select u.id,
           private.day_start(v_first, u.time_zone) as from_at,
           private.day_start(v_after, u.time_zone) as to_at
    from public.users u
    where v_scope is null or u.id = any (v_scope)
  )
  select p.id, p.user_id, p.published_at, p.likes, p.comments, p.shares, left(p.content, 80)
  from public.posts p
  -- no period, no zones to read (the join folds away)
  left join zones z on (v_first is not null or v_after is not null) and z.id = p.user_id
  where p.status = 'published'
    and (v_scope is null or p.user_id = any (v_scope))
    and (v_first is null or p.published_at >= z.from_at)
    and (v_after is null or p.published_at < z.to_at)
  order by p.published_at, p.id;
end
$$;

-- As in 0024, with each tenant's windows in that tenant's days: "7d" is their today and the
-- 6 days before it, the month is their month, a send is mature 3 of their days after.
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
    from public.lead_daily_stats s
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
    select a.user_id,
           sum(a.credits) as credits,
           sum(a.attempts) as attempts,
           sum(a.successes) as successes
    from public.apollo_daily_usage a
    join zones z on z.id = a.user_id
    where a.day >= v_month_start
      and a.day >= z.month_start
    group by a.user_id
  ),
  drafts as (
    select x.user_id, count(*) as n
    from (
      select m.user_id from public.messages m where m.status = 'draft'
      union all
      select p.user_id from public.posts p where p.status = 'draft'
    ) x
    group by x.user_id
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
         coalesce(dr.n, 0),
         greatest(
           (select max(l.commented_at) from public.leads l where l.user_id = u.id),
           (select max(l.dm_sent_at) from public.leads l where l.user_id = u.id),
           (select max(l.email_sent_at) from public.leads l where l.user_id = u.id)
         )
  from public.users u
  left join public.lead_owner_totals t on t.user_id = u.id
  left join daily ls on ls.user_id = u.id
  left join campaign_stats cs on cs.user_id = u.id
  left join apollo ap on ap.user_id = u.id
  left join drafts dr on dr.user_id = u.id
  where u.role = 'client'
  order by u.company, u.email;
end
$$;

-- 0024's UTC maturity line is replaced by each tenant's own, above.
drop function private.last_mature_day();

drop function public.me();

-- The caller's own row, now with their time zone ("today" in the dashboard is theirs).
create function public.me()
returns table (id uuid, email text, role text, full_name text, company text, time_zone text)
language sql stable
security invoker
set search_path = ''
as $$
  select u.id, u.email, u.role, u.full_name, u.company, u.time_zone
  from public.users u
  where u.id = (select auth.uid())
$$;

grant execute on function public.me() to authenticated;

drop function public.visible_clients();

-- The clients the caller may look at (as in 0006), with their time zones: a page showing one
-- client shows that client's days.
create function public.visible_clients()
returns table (id uuid, email text, full_name text, company text, time_zone text)
language sql stable
security invoker
set search_path = ''
as $$
  select u.id, u.email, u.full_name, u.company, u.time_zone
  from public.users u
  where u.role = 'client'
  order by u.company, u.email
$$;

grant execute on function public.visible_clients() to authenticated;

-- The caller sets their own time zone; a name Postgres does not know is refused with a
-- sentence (the check constraint would say it in its own words). Security invoker: the
-- column grant and users_update decide, as for a direct update.
create function public.set_my_time_zone(p_time_zone text)
returns text
language plpgsql volatile
security invoker
set search_path = ''
as $$
begin
  if not private.is_time_zone(p_time_zone) then
    raise exception 'Unknown time zone %; use a name such as Europe/London or America/New_York.',
      coalesce(quote_literal(left(p_time_zone, 64)), 'null')
      using errcode = '22023';
  end if;
  update public.users set time_zone = p_time_zone where id = (select auth.uid());
  return p_time_zone;
end
$$;

grant execute on function public.set_my_time_zone(text) to authenticated;

-- The days leads commented on, as a condition on `l` (leads) for leads_export: each owner's
-- comments from the first day's midnight to the midnight after the last, in the owner's time
-- zone. Owners are grouped by zone: one zone in scope (a client; most reviewers) is a plain
-- range on commented_at; several are one range per zone, with that zone's owners. A range a
-- day wider on each side comes first, so the commented_at index still bounds the scan.
-- Security invoker: it reads only the time zones of the users the caller may see.
create function private.commented_on_days(
  p_scope uuid[],
  p_from timestamptz,
  p_to timestamptz
)
returns text
language plpgsql stable
security invoker
set search_path = ''
as $$
declare
  v_first date := (p_from at time zone 'UTC')::date;
  v_after date := ((p_to - interval '1 microsecond') at time zone 'UTC')::date + 1;
  v_zone record;
  v_zones integer;
  v_ranges text[] := '{}';
begin
  select count(distinct u.time_zone) into v_zones
  from public.users u
  where p_scope is null or u.id = any (p_scope);
  if v_zones = 0 then
    return ' and false';
  end if;
  for v_zone in
    select u.time_zone, array_agg(u.id order by u.id) as owners
    from public.users u
    where p_scope is null or u.id = any (p_scope)
    group by u.time_zone
    order by u.time_zone
  loop
    v_ranges := v_ranges || (
      'true'
      || case when v_first is null then ''
              else format(' and l.commented_at >= %L',
                          private.day_start(v_first, v_zone.time_zone)) end
      || case when v_after is null then ''
              else format(' and l.commented_at < %L',
                          private.day_start(v_after, v_zone.time_zone)) end
      || case when v_zones > 1 then format(' and l.user_id = any (%L::uuid[])', v_zone.owners)
              else '' end
    );
  end loop;
  -- format's %L writes a null as NULL: the open ends are left out by hand
  return case when v_first is null then ''
              else format(' and l.commented_at >= %L', private.utc_midnight(v_first - 1)) end
    || case when v_after is null then ''
            else format(' and l.commented_at < %L', private.utc_midnight(v_after + 1)) end
    || ' and ((' || array_to_string(v_ranges, ') or (') || '))';
end
$$;

grant execute on function private.commented_on_days(uuid[], timestamptz, timestamptz)
  to authenticated;

-- As in 0027, with the date range read as days: each owner's comments on those days, in
-- the owner's time zone (private.commented_on_days). Callers pass the days' UTC midnights,
-- as to every other function that takes a period.
create or replace function public.leads_export(
  p_client_id uuid default null,
  p_campaign_ids uuid[] default null,
  p_statuses text[] default null,
  p_enrichment_statuses text[] default null,
  p_dm_statuses text[] default null,
  p_email_statuses text[] default null,
  p_from timestamptz default null,
  p_to timestamptz default null,
  p_search text default null,
  p_sort text default 'commented_at',
  p_descending boolean default true,
  p_limit integer default 50000,
  p_offset integer default 0
)
returns table (total bigint, rows jsonb)
language plpgsql stable
security invoker
set search_path = ''
set plan_cache_mode = force_custom_plan
set enable_bitmapscan = off
as $$
declare
  v_where text := 'true';
  v_direction text := case when p_descending then 'desc' else 'asc' end;
  v_pattern text;
  v_total bigint;
  v_rows jsonb;
  v_scope uuid[] := private.owner_scope(p_client_id);
  v_matches uuid[];
  -- not-null sort keys keep the index's own null order, so an index can return the page
  v_nulls text := case when p_sort = 'commented_at' then '' else ' nulls last' end;
begin
  if p_sort is null or p_sort not in ('commented_at', 'name', 'company_name', 'job_title',
      'status', 'enrichment_status', 'dm_status', 'email_status', 'dm_sent_at', 'email_sent_at') then
    raise exception 'Leads cannot be sorted by %.', coalesce(p_sort, 'null') using errcode = '22023';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 50000 then
    raise exception 'An export holds 1 to 50,000 leads, not %.', p_limit using errcode = '22023';
  end if;
  if p_offset is null or p_offset < 0 then
    raise exception 'The page offset cannot be negative.' using errcode = '22023';
  end if;
  if p_from is not null and p_to is not null and p_to <= p_from then
    raise exception 'The date range must have a start before its end.' using errcode = '22023';
  end if;
  if p_from is not null and p_to is not null and p_to - p_from > interval '1096 days' then
    raise exception 'A date range covers at most three years.' using errcode = '22023';
  end if;
  if length(p_search) > 200 then
    raise exception 'Search for at most 200 characters (this has %).', length(p_search)
      using errcode = '22023';
  end if;

  if cardinality(v_scope) = 1 then
    v_where := v_where || ' and l.user_id = ($12)[1]';  -- one owner: an ordered index scan
  elsif v_scope is not null then
    v_where := v_where || ' and l.user_id = any ($12)';
  end if;
  if p_campaign_ids is not null then v_where := v_where || ' and l.campaign_id = any ($2)'; end if;
  if p_statuses is not null then v_where := v_where || ' and l.status = any ($3)'; end if;
  if p_enrichment_statuses is not null then
    v_where := v_where || ' and l.enrichment_status = any ($4)';
  end if;
  if p_dm_statuses is not null then v_where := v_where || ' and l.dm_status = any ($5)'; end if;
  if p_email_statuses is not null then
    v_where := v_where || ' and coalesce(l.email_status, ''none'') = any ($6)';
  end if;
  if p_from is not null or p_to is not null then
    v_where := v_where || private.commented_on_days(v_scope, p_from, p_to);
  end if;
  if nullif(btrim(p_search), '') is not null then
    -- a literal substring match: escape LIKE's wildcards in what the user typed
    v_pattern := '%' || replace(replace(replace(lower(btrim(p_search)), '\', '\\'), '%', '\%'),
      '_', '\_') || '%';
    v_matches := private.search_lead_ids(v_scope, v_pattern);
    v_where := v_where || ' and l.id in (select unnest($13))';
  end if;

  if p_campaign_ids is null and p_statuses is null and p_enrichment_statuses is null
      and p_dm_statuses is null and p_email_statuses is null and p_from is null
      and p_to is null then
    if v_matches is not null then
      v_total := cardinality(v_matches);  -- the search alone filters: its matches are the set
    else
      -- no filter at all: every lead in scope, counted by the rollup (read under RLS)
      select coalesce(sum(t.leads), 0) into v_total
      from public.lead_owner_totals t
      where v_scope is null or t.user_id = any (v_scope);
    end if;
  else
    execute 'select count(*) from public.leads l where ' || v_where
      into v_total
      using p_client_id, p_campaign_ids, p_statuses, p_enrichment_statuses, p_dm_statuses,
            p_email_statuses, p_from, p_to, v_pattern, null::integer, null::integer, v_scope,
            v_matches;
  end if;

  execute format(
    'select coalesce(jsonb_agg(to_jsonb(p) - ''n'' order by p.n), ''[]'') from ('
    || ' select row_number() over (order by l.%I %s%s, l.id %s) as n,'
    || ' l.id, l.user_id as client_id, l.campaign_id,'
    || ' c.name as campaign_name, l.linkedin_profile_url, l.name, l.company_name, l.job_title,'
    || ' l.company_size, l.email, l.comment_text, l.commented_at, l.status, l.enrichment_status,'
    || ' l.enriched_at, l.dm_status, l.dm_sent_at, l.dm_replied_at, l.email_status,'
    || ' l.email_sent_at, l.email_replied_at'
    -- the page's ids from the index alone (index-only scan), then only those rows' columns
    || ' from (select full_row.* from public.leads full_row join ('
    || '   select l.id from public.leads l where %s'
    || '   order by l.%I %s%s, l.id %s limit $10 offset $11) page on page.id = full_row.id) l'
    || ' left join public.campaigns c on c.id = l.campaign_id) p',
    p_sort, v_direction, v_nulls, v_direction, v_where, p_sort, v_direction, v_nulls,
    v_direction)
    into v_rows
    using p_client_id, p_campaign_ids, p_statuses, p_enrichment_statuses, p_dm_statuses,
          p_email_statuses, p_from, p_to, v_pattern, p_limit, p_offset, v_scope, v_matches;

  return query select v_total, v_rows;
end
$$;
