-- The overview's tiles from the owner rollups of 0062.
--
-- A super admin's overview over 12,250 tenants at 10M leads took 2.1 to 3.2 s. EXPLAIN
-- (analyze) of its statement: each of the two periods read 1.58M rows of the per-campaign
-- daily rollup (2.3 to 2.7 s for both), and the drafts waiting counted 490,000 draft
-- messages and the draft posts (0.35 to 0.48 s). The tiles never split by campaign: the
-- periods now sum the owner-day rollup (a quarter of the rows, read from the day index that
-- carries their counts, 0064), and the drafts are the owners' counts (one row per tenant).
-- Both are read under the same select policy as the rows they count (the caller's own and
-- their reviewed clients', or every tenant for a super admin), so each caller's numbers are
-- unchanged; tests/test_page_functions.py compares them with the raw rows for every role.
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- As in 0053, from lead_owner_daily_stats and lead_owner_totals.
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
    select coalesce(sum(t.message_drafts + t.post_drafts), 0)::bigint as n
    from public.lead_owner_totals t
    where v_filter is null or t.user_id = any (v_filter)
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
