-- The overview counts each period on its own, without sorting its rows by period.
--
-- 0032 grouped every rollup row and every download of the two periods by "is it the current
-- period?". Under RLS the planner expects a handful of rows (the policy's range arm; 0039),
-- so it grouped by sorting: for a super admin at 10M leads that sorted 276,000 rollup rows and
-- 1.36M downloads on disk to split them in two (560 ms; 330 ms at the floor, which hashed).
-- Now each period is one aggregate of its own rows, with nothing to sort or hash: measured
-- on the 10M bench database, a super admin's overview 560 to 390 ms (floor 390 ms), the big
-- client's 5.1 to 3.7 ms (floor 2.3), a typical client's 1.7 to 1.2 ms (floor 0.8).
-- Same periods, same counts as in 0032.
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- As in 0032, one lateral aggregate per period.
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
    select count(*) as n
    from public.lead_magnet_downloads d
    join zones z on z.id = d.user_id
    -- a day a zone away at most on either side, for the index; then each tenant's midnights
    where d.downloaded_at >= private.utc_midnight(per.first_day - 1)
      and d.downloaded_at < private.utc_midnight(per.after_day + 1)
      and d.downloaded_at >= case when per.is_current then z.cur_from else z.prev_from end
      and d.downloaded_at < case when per.is_current then z.cur_to else z.cur_from end
      and (v_scope is null or d.user_id = any (v_scope))
  ) dl
  cross join drafts dr
  order by per.is_current desc;
end
$$;
