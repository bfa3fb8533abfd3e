-- The month's Apollo credits per tenant from one row per tenant and month.
--
-- After 0062, admin_tenant_stats over 12,250 tenants at 10M leads took 620 ms at the median
-- (500 ms target), of which the month's Apollo usage about 400: 334,832 rows of the daily
-- usage (27 days of each tenant) read and summed per tenant on every call. The month's sums
-- are now kept per owner and month (the owner's local month, as the days are), written by
-- the same statement as the daily usage from the same changes, and read as one row per
-- tenant. Billing, like the daily usage: the owner and super admins read it, reviewers do
-- not. The recounts, the rebuild, a deleted owner and a truncate keep it as they keep the
-- daily usage; tests/test_rollups.py compares it with a recomputation from the attempts.
set local lock_timeout = '10s';

set local statement_timeout = '30min';

create table public.apollo_monthly_usage (
  user_id uuid not null,
  month date not null,
  credits bigint not null default 0,
  attempts bigint not null default 0,
  successes bigint not null default 0,
  primary key (user_id, month)
);

-- the super admin's month over every tenant
create index apollo_monthly_usage_month_idx on public.apollo_monthly_usage (month);

alter table public.apollo_monthly_usage enable row level security;

revoke all on table public.apollo_monthly_usage from anon;

revoke all on table public.apollo_monthly_usage from authenticated;

grant select on table public.apollo_monthly_usage to authenticated;

grant all on table public.apollo_monthly_usage to service_role;

-- apollo_monthly_usage: billing: the owner alone (reviewers never see it), as the attempts it
-- sums; written only by the rollup statement below.
create policy apollo_monthly_usage_select on public.apollo_monthly_usage
for select to authenticated
using (user_id = (select auth.uid()));

-- apollo_monthly_usage: every row, for a super admin (their role, as in 0048).
create policy apollo_monthly_usage_select_as_super_admin on public.apollo_monthly_usage
for select to revos_super_admin
using ((select private.is_super_admin()));

-- As in 0032, and each change also added to its owner's month (the days' sums; a day that
-- nets to zero adds nothing to either).
create or replace function private.apollo_rollup_statement(p_changes text) returns text
language sql immutable
set search_path = ''
as $fn$
  select format($q$
  with changed as materialized (
    select c.user_id, (c.created_at at time zone z.time_zone)::date as day,
           sum(c.sign * c.credits_used) as credits, sum(c.sign) as attempts,
           sum(c.sign * (c.result = 'success')::int) as successes
    from (%s) c
    join public.users z on z.id = c.user_id
    group by 1, 2
    having sum(c.sign * c.credits_used) <> 0 or sum(c.sign) <> 0
      or sum(c.sign * (c.result = 'success')::int) <> 0
  ),
  days as (
    insert into public.apollo_daily_usage as u (user_id, day, credits, attempts, successes)
    select * from changed
    order by 1, 2
    on conflict (user_id, day) do update set
      credits = u.credits + excluded.credits,
      attempts = u.attempts + excluded.attempts,
      successes = u.successes + excluded.successes
  )
  insert into public.apollo_monthly_usage as m (user_id, month, credits, attempts, successes)
  select c.user_id, date_trunc('month', c.day)::date, sum(c.credits), sum(c.attempts),
         sum(c.successes)
  from changed c
  group by 1, 2
  having (sum(c.credits), sum(c.attempts), sum(c.successes)) <> (0, 0, 0)
  order by 1, 2
  on conflict (user_id, month) do update set
    credits = m.credits + excluded.credits,
    attempts = m.attempts + excluded.attempts,
    successes = m.successes + excluded.successes
  $q$, p_changes)
$fn$;

-- As in 0062, with the Apollo months.
create or replace function private.clear_rollups() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_table_name = 'apollo_usage' then
    delete from public.apollo_daily_usage;
    delete from public.apollo_monthly_usage;
  elsif tg_table_name = 'lead_magnet_downloads' then
    delete from public.lead_magnet_daily_stats;
  else
    delete from public.lead_daily_stats;
    delete from public.lead_owner_daily_stats;
    update public.lead_owner_totals
    set leads = 0, last_activity = null
    where leads <> 0 or last_activity is not null;
  end if;
  return null;
end
$$;

-- As in 0062, with the Apollo months.
create or replace function private.recount_rollups(p_owners uuid[]) returns void
language plpgsql
security definer
set search_path = ''
set work_mem = '128MB'
as $$
declare
  v_leads text := format(
    'select 1 as sign, l.* from public.leads l where l.user_id = any (%L::uuid[])', p_owners
  );
begin
  delete from public.lead_daily_stats where user_id = any (p_owners);
  delete from public.lead_owner_daily_stats where user_id = any (p_owners);
  delete from public.lead_owner_totals where user_id = any (p_owners);
  delete from public.apollo_daily_usage where user_id = any (p_owners);
  delete from public.apollo_monthly_usage where user_id = any (p_owners);
  execute private.lead_rollup_statement(v_leads);
  execute private.lead_total_statement(v_leads);
  execute private.last_activity_statement(v_leads);
  perform private.recount_drafts(p_owners);
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
  delete from public.lead_magnet_daily_stats where user_id = any (p_owners);
  execute private.magnet_rollup_statement(format(
    'select 1 as sign, d.* from public.lead_magnet_downloads d '
    'where d.user_id = any (%L::uuid[])',
    p_owners
  ));
end
$$;

-- As in 0062, with the Apollo months.
create or replace function private.rebuild_rollups() returns void
language plpgsql
security definer
set search_path = ''
set work_mem = '128MB'
as $$
begin
  lock table public.users in share mode;
  lock table public.leads, public.apollo_usage, public.lead_magnet_downloads in share mode;
  lock table public.messages, public.posts in share mode;
  delete from public.lead_daily_stats;
  delete from public.lead_owner_daily_stats;
  delete from public.lead_owner_totals;
  execute private.lead_rollup_statement('select 1 as sign, l.* from public.leads l');
  execute private.lead_total_statement('select 1 as sign, l.* from public.leads l');
  execute private.last_activity_statement('select l.user_id from public.leads l');
  perform private.recount_drafts(null);
  delete from public.apollo_daily_usage;
  delete from public.apollo_monthly_usage;
  execute private.apollo_rollup_statement('select 1 as sign, a.* from public.apollo_usage a');
  update public.lead_magnet_downloads d
  set lead_replied = l.dm_replied_at is not null or l.email_replied_at is not null
  from public.leads l
  where l.id = d.lead_id
    and d.lead_replied <> (l.dm_replied_at is not null or l.email_replied_at is not null);
  delete from public.lead_magnet_daily_stats;
  execute private.magnet_rollup_statement(
    'select 1 as sign, d.* from public.lead_magnet_downloads d'
  );
end
$$;

-- As in 0062, with the Apollo months.
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
  delete from public.lead_magnet_daily_stats where user_id = old.id;
  return null;
end
$$;

-- Held still while the months are filled from what is stored: zone changes and deleted
-- owners (users), the attempts whose days they sum. Writers wait for this file to commit.
lock table public.users in share mode;

lock table public.apollo_usage in share mode;

insert into public.apollo_monthly_usage (user_id, month, credits, attempts, successes)
select a.user_id, date_trunc('month', a.day)::date, sum(a.credits), sum(a.attempts),
       sum(a.successes)
from public.apollo_daily_usage a
group by 1, 2
having (sum(a.credits), sum(a.attempts), sum(a.successes)) <> (0, 0, 0)
order by 1, 2;

-- As in 0062, the month's Apollo usage from one row per tenant. Same columns and counts.
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
         coalesce(t.message_drafts + t.post_drafts, 0),
         t.last_activity
  from public.users u
  left join public.lead_owner_totals t on t.user_id = u.id
  left join daily ls on ls.user_id = u.id
  left join campaign_stats cs on cs.user_id = u.id
  left join apollo ap on ap.user_id = u.id
  where u.role = 'client'
  order by u.company, u.email;
end
$$;
