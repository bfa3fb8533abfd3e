-- Overview KPIs from the daily rollup (0015), in whole UTC days like the trend: a period
-- covers the day of p_from through the day of p_to's last instant, and the previous period
-- is the same number of days just before it. Downloads and drafts are counted from their
-- tables (an index range each). Otherwise as in 0013.
set local lock_timeout = '10s';

set local statement_timeout = '5min';

-- Midnight UTC of a day, as the timestamps the rollup's days stand for.
create function private.utc_midnight(p_day date) returns timestamptz
language sql immutable
set search_path = ''
as $$
  select p_day::timestamp at time zone 'UTC'
$$;

revoke all on function private.utc_midnight(date) from public;

grant execute on function private.utc_midnight(date) to authenticated;

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
  with daily as (
    select s.day >= v_first as is_current,
           sum(s.new_leads) as n,
           sum(s.enriched) as enriched,
           sum(s.dms_sent) as dm_sent,
           sum(s.dms_sent_replied) as dm_replied,
           sum(s.emails_sent) as em_sent,
           sum(s.emails_sent_replied) as em_replied
    from public.lead_daily_stats s
    where s.day >= v_prev_first and s.day < v_after
      and (v_scope is null or s.user_id = any (v_scope))
    group by 1
  ),
  downloads as (
    select d.downloaded_at >= private.utc_midnight(v_first) as is_current, count(*) as n
    from public.lead_magnet_downloads d
    where d.downloaded_at >= private.utc_midnight(v_prev_first)
      and d.downloaded_at < private.utc_midnight(v_after)
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
         round(c.dm_replied::numeric / nullif(c.dm_sent, 0), 4),
         coalesce(c.em_sent, 0)::bigint,
         coalesce(c.em_replied, 0)::bigint,
         round(c.em_replied::numeric / nullif(c.em_sent, 0), 4),
         coalesce(dl.n, 0),
         dr.n
  from (values ('current', true), ('previous', false)) as per (period, is_current)
  left join daily c on c.is_current = per.is_current
  left join downloads dl on dl.is_current = per.is_current
  cross join drafts dr
  order by per.is_current desc;
end
$$;
