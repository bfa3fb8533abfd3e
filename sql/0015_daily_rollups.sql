-- Per-tenant daily rollups of the lead funnel, kept exact by the database.
--
-- The trend chart and the super admin's tenant table counted events in the raw leads on every
-- call: at a million leads that is a scan of a big client's every row, or of every tenant's.
-- `lead_daily_stats` holds, per owner, campaign and UTC day, how many events of each kind
-- happened that day. Statement-level triggers with transition tables add what an insert,
-- update or delete changes, in the same transaction, so the rollup is never stale after a
-- write; tests/test_rollups.py checks it against a recomputation after random changes.
--
-- Counted per day (the day of the event's own timestamp, in UTC):
--   new_leads            leads who commented that day
--   enriched / enrichment_failed     of those, enriched or partial / failed
--   dms_sent             DMs sent that day; dms_sent_replied: of those, replied by now
--   dm_replies           DM replies that day
--   emails_sent          emails sent that day; emails_sent_replied: of those, replied by now
--   email_replies        email replies that day
set local lock_timeout = '10s';

set local statement_timeout = '30min';

create table public.lead_daily_stats (
  user_id uuid not null,
  day date not null,
  campaign_id uuid not null,
  new_leads integer not null default 0,
  enriched integer not null default 0,
  enrichment_failed integer not null default 0,
  dms_sent integer not null default 0,
  dms_sent_replied integer not null default 0,
  dm_replies integer not null default 0,
  emails_sent integer not null default 0,
  emails_sent_replied integer not null default 0,
  email_replies integer not null default 0,
  primary key (user_id, day, campaign_id)
);

-- a campaign's days, for the trend filtered by campaign
create index lead_daily_stats_campaign_idx on public.lead_daily_stats (campaign_id, day);

-- the super admin's windows over every tenant
create index lead_daily_stats_day_idx on public.lead_daily_stats (day);

alter table public.lead_daily_stats enable row level security;

revoke all on table public.lead_daily_stats from anon;

revoke all on table public.lead_daily_stats from authenticated;

grant select on table public.lead_daily_stats to authenticated;

grant all on table public.lead_daily_stats to service_role;

-- Rollups: read like the leads they count (the owner, the owner's reviewers, super admins);
-- written only by the triggers below.
create policy lead_daily_stats_select on public.lead_daily_stats
for select to authenticated
using (
  user_id = any ((select private.visible_owners())::uuid[])
  or user_id between (select private.all_owners_from()) and (select private.all_owners_to())
);

-- Each owner's lead count, all time: the tenant table's total without summing every day.
create table public.lead_owner_totals (
  user_id uuid primary key,
  leads bigint not null default 0
);

alter table public.lead_owner_totals enable row level security;

revoke all on table public.lead_owner_totals from anon;

revoke all on table public.lead_owner_totals from authenticated;

grant select on table public.lead_owner_totals to authenticated;

grant all on table public.lead_owner_totals to service_role;

-- Totals: read like the leads they count; written only by the triggers below.
create policy lead_owner_totals_select on public.lead_owner_totals
for select to authenticated
using (
  user_id = any ((select private.visible_owners())::uuid[])
  or user_id between (select private.all_owners_from()) and (select private.all_owners_to())
);

-- Apollo credits per owner and UTC day: the month's bill without reading every attempt.
create table public.apollo_daily_usage (
  user_id uuid not null,
  day date not null,
  credits bigint not null default 0,
  attempts bigint not null default 0,
  successes bigint not null default 0,
  primary key (user_id, day)
);

create index apollo_daily_usage_day_idx on public.apollo_daily_usage (day);

alter table public.apollo_daily_usage enable row level security;

revoke all on table public.apollo_daily_usage from anon;

revoke all on table public.apollo_daily_usage from authenticated;

grant select on table public.apollo_daily_usage to authenticated;

grant all on table public.apollo_daily_usage to service_role;

-- Apollo usage is billing: the owner and super admins read it, reviewers do not (as the
-- attempts it sums); written only by the triggers below.
create policy apollo_daily_usage_select on public.apollo_daily_usage
for select to authenticated
using (
  user_id = (select auth.uid())
  or user_id between (select private.all_owners_from()) and (select private.all_owners_to())
);

-- The statement that adds what a set of lead rows contributes to the rollup. p_changes is a
-- query yielding `sign` (+1 for rows as they are now, -1 for rows as they were) and the lead
-- columns. One pass over the rows: each lead yields one event per timestamp it has, and only
-- keys whose counts change are written, in key order (so concurrent writers lock rows in
-- the same order). A day whose counts fall to zero keeps its row of zeros.
create function private.lead_rollup_statement(p_changes text) returns text
language sql immutable
set search_path = ''
as $fn$
  select format($q$
  insert into public.lead_daily_stats as s (
    user_id, day, campaign_id, new_leads, enriched, enrichment_failed, dms_sent,
    dms_sent_replied, dm_replies, emails_sent, emails_sent_replied, email_replies
  )
  select c.user_id, (e.at at time zone 'UTC')::date, c.campaign_id,
         sum(e.new_leads), sum(e.enriched), sum(e.failed), sum(e.dms_sent),
         sum(e.dms_sent_replied), sum(e.dm_replies), sum(e.emails_sent),
         sum(e.emails_sent_replied), sum(e.email_replies)
  from (%s) c
  cross join lateral (values
    (c.commented_at, c.sign, c.sign * (c.enrichment_status in ('enriched', 'partial'))::int,
      c.sign * (c.enrichment_status = 'failed')::int, 0, 0, 0, 0, 0, 0),
    (c.dm_sent_at, 0, 0, 0, c.sign, c.sign * (c.dm_replied_at is not null)::int, 0, 0, 0, 0),
    (c.dm_replied_at, 0, 0, 0, 0, 0, c.sign, 0, 0, 0),
    (c.email_sent_at, 0, 0, 0, 0, 0, 0, c.sign,
      c.sign * (c.email_replied_at is not null)::int, 0),
    (c.email_replied_at, 0, 0, 0, 0, 0, 0, 0, 0, c.sign)
  ) as e (at, new_leads, enriched, failed, dms_sent, dms_sent_replied, dm_replies,
          emails_sent, emails_sent_replied, email_replies)
  where e.at is not null
  group by 1, 2, 3
  having sum(e.new_leads) <> 0 or sum(e.enriched) <> 0 or sum(e.failed) <> 0
    or sum(e.dms_sent) <> 0 or sum(e.dms_sent_replied) <> 0 or sum(e.dm_replies) <> 0
    or sum(e.emails_sent) <> 0 or sum(e.emails_sent_replied) <> 0 or sum(e.email_replies) <> 0
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
    email_replies = s.email_replies + excluded.email_replies
  $q$, p_changes)
$fn$;

-- The statement that adds the same changes to the owners' totals.
create function private.lead_total_statement(p_changes text) returns text
language sql immutable
set search_path = ''
as $fn$
  select format($q$
  insert into public.lead_owner_totals as t (user_id, leads)
  select c.user_id, sum(c.sign) from (%s) c
  group by 1
  having sum(c.sign) <> 0
  order by 1
  on conflict (user_id) do update set leads = t.leads + excluded.leads
  $q$, p_changes)
$fn$;

-- The statement that adds signed Apollo attempts to the daily usage.
create function private.apollo_rollup_statement(p_changes text) returns text
language sql immutable
set search_path = ''
as $fn$
  select format($q$
  insert into public.apollo_daily_usage as u (user_id, day, credits, attempts, successes)
  select c.user_id, (c.created_at at time zone 'UTC')::date, sum(c.sign * c.credits_used),
         sum(c.sign), sum(c.sign * (c.result = 'success')::int)
  from (%s) c
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

-- Keeps the rollups exact: runs once per statement on leads (or Apollo usage), with the rows
-- it changed.
-- Security definer: whoever may change a lead changes its counts, which nobody writes directly.
create function private.roll_up_changes() returns trigger
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
  if tg_table_name = 'apollo_usage' then
    execute private.apollo_rollup_statement(v_changes);
  else
    execute private.lead_rollup_statement(v_changes);
    execute private.lead_total_statement(v_changes);
  end if;
  return null;
end
$$;

-- Emptying leads (or Apollo usage) empties their counts.
create function private.clear_rollups() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_table_name = 'apollo_usage' then
    delete from public.apollo_daily_usage;
  else
    delete from public.lead_daily_stats;
    delete from public.lead_owner_totals;
  end if;
  return null;
end
$$;

-- Recomputes the rollups from every lead and attempt: after a bulk load that skipped triggers (the seed
-- loads with session_replication_role = replica), and here for the leads already stored.
create function private.rebuild_rollups() returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from public.lead_daily_stats;
  delete from public.lead_owner_totals;
  execute private.lead_rollup_statement('select 1 as sign, l.* from public.leads l');
  execute private.lead_total_statement('select 1 as sign, l.* from public.leads l');
  delete from public.apollo_daily_usage;
  execute private.apollo_rollup_statement('select 1 as sign, a.* from public.apollo_usage a');
end
$$;

revoke all on function private.lead_rollup_statement(text) from public;

revoke all on function private.lead_total_statement(text) from public;

revoke all on function private.apollo_rollup_statement(text) from public;

revoke all on function private.roll_up_changes() from public;

revoke all on function private.clear_rollups() from public;

revoke all on function private.rebuild_rollups() from public;

grant execute on function private.rebuild_rollups() to service_role;

create trigger leads_roll_up_inserts
after insert on public.leads
referencing new table as new_rows
for each statement execute function private.roll_up_changes();

create trigger leads_roll_up_updates
after update on public.leads
referencing old table as old_rows new table as new_rows
for each statement execute function private.roll_up_changes();

create trigger leads_roll_up_deletes
after delete on public.leads
referencing old table as old_rows
for each statement execute function private.roll_up_changes();

create trigger leads_clear_rollup
after truncate on public.leads
for each statement execute function private.clear_rollups();

create trigger apollo_usage_roll_up_inserts
after insert on public.apollo_usage
referencing new table as new_rows
for each statement execute function private.roll_up_changes();

create trigger apollo_usage_roll_up_updates
after update on public.apollo_usage
referencing old table as old_rows new table as new_rows
for each statement execute function private.roll_up_changes();

create trigger apollo_usage_roll_up_deletes
after delete on public.apollo_usage
referencing old table as old_rows
for each statement execute function private.roll_up_changes();

create trigger apollo_usage_clear_rollup
after truncate on public.apollo_usage
for each statement execute function private.clear_rollups();

select private.rebuild_rollups();

-- Trend buckets from the rollup. Buckets are whole UTC days (or weeks of them): a period that
-- starts or ends mid-day counts that whole day, so the first and last bucket are never partial.
-- Otherwise as in 0006.
create or replace function public.funnel_trend(
  p_from timestamptz,
  p_to timestamptz,
  p_grain text default 'day',
  p_campaign_ids uuid[] default null,
  p_client_id uuid default null
)
returns table (
  bucket date,
  new_leads bigint,
  dms_sent bigint,
  dm_replies bigint,
  emails_sent bigint,
  email_replies bigint
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
  v_last date;
begin
  if p_grain is null or p_grain not in ('day', 'week') then
    raise exception 'The trend grain must be day or week, not %.', coalesce(p_grain, 'null')
      using errcode = '22023';
  end if;
  if p_from is null or p_to is null or p_to <= p_from then
    raise exception 'The period must have a start before its end.' using errcode = '22023';
  end if;
  if p_to - p_from > interval '1096 days' then
    raise exception 'The trend covers at most three years.' using errcode = '22023';
  end if;
  v_first := (p_from at time zone 'UTC')::date;
  v_last := ((p_to - interval '1 microsecond') at time zone 'UTC')::date;

  return query
  with counted as (
    select date_trunc(p_grain, s.day::timestamp) as b,
           sum(s.new_leads) as new_leads,
           sum(s.dms_sent) as dms_sent,
           sum(s.dm_replies) as dm_replies,
           sum(s.emails_sent) as emails_sent,
           sum(s.email_replies) as email_replies
    from public.lead_daily_stats s
    where s.day between v_first and v_last
      and (v_scope is null or s.user_id = any (v_scope))
      and (p_campaign_ids is null or s.campaign_id = any (p_campaign_ids))
    group by 1
  )
  select g.b::date,
         coalesce(c.new_leads, 0)::bigint,
         coalesce(c.dms_sent, 0)::bigint,
         coalesce(c.dm_replies, 0)::bigint,
         coalesce(c.emails_sent, 0)::bigint,
         coalesce(c.email_replies, 0)::bigint
  from generate_series(
    date_trunc(p_grain, v_first::timestamp),
    date_trunc(p_grain, v_last::timestamp),
    ('1 ' || p_grain)::interval
  ) as g (b)
  left join counted c on c.b = g.b
  order by g.b;
end
$$;

-- One row per client tenant; super admins only. Windows are whole UTC days ending today:
-- "7d" is today and the 6 days before it, "30d" today and the 29 before; the 30 days are read
-- once from the rollup, the all-time total from lead_owner_totals. Rates are cohort rates
-- (replies among the DMs/emails sent in the window).
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
  v_today date := (now() at time zone 'UTC')::date;
  v_month_start date := date_trunc('month', now() at time zone 'UTC')::date;
begin
  if not coalesce((select private.is_super_admin()), false) then
    raise exception 'Cross-tenant stats are for super admins only.' using errcode = '42501';
  end if;

  return query
  with daily as (
    select s.user_id,
           sum(s.new_leads) filter (where s.day > v_today - 7) as n7,
           sum(s.new_leads) as n30,
           sum(s.enriched) as enriched30,
           sum(s.enrichment_failed) as failed30,
           sum(s.dms_sent) as dm30,
           sum(s.dms_sent_replied) as dm_replied30,
           sum(s.emails_sent) as em30,
           sum(s.emails_sent_replied) as em_replied30
    from public.lead_daily_stats s
    where s.day > v_today - 30 and s.day <= v_today
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
    where a.day >= v_month_start
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
