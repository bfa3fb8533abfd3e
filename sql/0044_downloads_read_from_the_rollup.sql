-- Lead magnets and the overview's downloads read the download rollup (0043).
--
-- private.magnet_counts (0040) read each owner's downloads through the owner's index, every
-- entry checked against the select policy; overview_kpis (0042) counted each tenant's
-- downloads between that tenant's midnights. Both now sum the rollup's days: its days are
-- already each owner's local days, so a period is a plain range of days and no owner's
-- midnights are computed. Same counts as before (tests/test_page_functions.py). Measured on
-- the 10M bench database (under RLS, floor in brackets):
--   lead magnets, 30 days   big client 6.1 to 0.65 ms (0.45), super admin 348 to 63 ms (52)
--   lead magnets, all time  big client 5.0 to 0.94 ms (0.66), super admin 419 to 96 ms (70)
--   overview, 30 days       big client 3.7 to 1.1 ms (0.67), super admin 390 to 230 ms (142)
-- A super admin's count of every tenant runs in parallel, as the trend does (0039): without
-- it, 144 ms all time.
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- As in 0040: each magnet's downloads and replies within the owners in scope (null: every
-- tenant) on the owners' local days from p_first to before p_after (null: no bound).
-- Security invoker: RLS decides which owners count.
create or replace function private.magnet_counts(p_scope uuid[], p_first date, p_after date)
returns table (lead_magnet_id uuid, downloads bigint, replies bigint)
language plpgsql stable
security invoker
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_setup_cost text := current_setting('parallel_setup_cost');
  v_tuple_cost text := current_setting('parallel_tuple_cost');
begin
  if p_scope is null then  -- every tenant's rows: let the planner read them in parallel (0039)
    perform set_config('parallel_setup_cost', '0', true);
    perform set_config('parallel_tuple_cost', '0', true);
  end if;
  return query
  select s.lead_magnet_id, sum(s.downloads)::bigint, sum(s.replies)::bigint
  from public.lead_magnet_daily_stats s
  where (p_scope is null or s.user_id = any (p_scope))
    and (p_first is null or s.day >= p_first)
    and (p_after is null or s.day < p_after)
  group by s.lead_magnet_id;
  perform set_config('parallel_setup_cost', v_setup_cost, true);
  perform set_config('parallel_tuple_cost', v_tuple_cost, true);
end
$$;

-- As in 0042, the downloads from the rollup; each owner's zone now only says which days
-- are mature.
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
  with zones as materialized (  -- each owner's last mature day, once per owner (not per row)
    select u.id, (now() at time zone u.time_zone)::date - 3 as last_mature
    from public.users u
    where v_scope is null or u.id = any (v_scope)
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
           sum(s.dms_sent) filter (where s.day <= z.last_mature) as dm_mature,
           sum(s.dms_sent_replied) filter (where s.day <= z.last_mature) as dm_mature_replied,
           sum(s.emails_sent) filter (where s.day <= z.last_mature) as em_mature,
           sum(s.emails_sent_replied) filter (where s.day <= z.last_mature) as em_mature_replied
    from public.lead_daily_stats s
    join zones z on z.id = s.user_id
    where s.day >= per.first_day and s.day < per.after_day
      and (v_scope is null or s.user_id = any (v_scope))
  ) c
  cross join lateral (
    select coalesce(sum(x.downloads), 0)::bigint as n
    from public.lead_magnet_daily_stats x
    where x.day >= per.first_day and x.day < per.after_day
      and (v_scope is null or x.user_id = any (v_scope))
  ) dl
  cross join drafts dr
  order by per.is_current desc;
end
$$;
