-- The Overview's "What changed" and "Top campaigns" are ranked in SQL.
--
-- The Overview fetched every campaign's funnel in scope for the period and the one before
-- (campaign_funnel twice) to show the three campaigns whose new leads changed most and the
-- five with the most. For a super admin over 12,250 tenants at 10M leads that is 55,000
-- campaigns twice: 2.1 to 3.0 s a call through the gateway, then pandas. campaign_movers and
-- top_campaigns rank them where the rollup is, and return the few rows shown; the page reads
-- the top campaigns' funnels by id. Same rows and order as the page computed them (ties:
-- among movers the campaign id, the order of the page's merge; among the top, campaign_funnel's
-- order, created then id); tests/test_campaign_rankings.py compares both with the old
-- computation.
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- The p_limit campaigns whose new leads changed most between two periods, biggest change
-- first; unchanged campaigns are left out. Whoever may read the campaigns and their rollup
-- (RLS decides); p_client_id narrows to one client, as in campaign_funnel.
create function public.campaign_movers(
  p_from timestamptz,
  p_to timestamptz,
  p_before_from timestamptz,
  p_before_to timestamptz,
  p_client_id uuid default null,
  p_limit integer default 3
)
returns table (
  campaign_id uuid,
  campaign_name text,
  client_id uuid,
  before bigint,
  now bigint,
  change bigint
)
language plpgsql stable
security invoker
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_filter uuid[] := case when p_client_id is not null then array[p_client_id] end;
  v_first date := (p_from at time zone 'UTC')::date;
  v_after date := ((p_to - interval '1 microsecond') at time zone 'UTC')::date + 1;
  v_before_first date := (p_before_from at time zone 'UTC')::date;
  v_before_after date := ((p_before_to - interval '1 microsecond') at time zone 'UTC')::date + 1;
begin
  if p_to - p_from > interval '1096 days' or p_before_to - p_before_from > interval '1096 days'
  then
    raise exception 'A period covers at most three years.' using errcode = '22023';
  end if;
  return query
  with counted as materialized (
    select s.campaign_id,
           coalesce(sum(s.new_leads) filter (
             where s.day >= v_before_first and s.day < v_before_after), 0)::bigint as before,
           coalesce(sum(s.new_leads) filter (
             where s.day >= v_first and s.day < v_after), 0)::bigint as now
    from public.lead_daily_stats s
    where (v_filter is null or s.user_id = any (v_filter))
      and ((s.day >= v_first and s.day < v_after)
           or (s.day >= v_before_first and s.day < v_before_after))
    group by s.campaign_id
  )
  select c.id, c.name, c.user_id, n.before, n.now, n.now - n.before
  from counted n
  join public.campaigns c on c.id = n.campaign_id
  where n.now <> n.before
    and (v_filter is null or c.user_id = any (v_filter))
  order by abs(n.now - n.before) desc, c.id
  limit greatest(0, least(p_limit, 100));
end
$$;

grant execute on function public.campaign_movers(
  timestamptz, timestamptz, timestamptz, timestamptz, uuid, integer
) to authenticated;

-- The ids of the p_limit campaigns with the most new leads in the period, most first; a
-- campaign with none counts as 0, so there are p_limit whenever the scope has that many.
-- Their funnels come from campaign_funnel(p_campaign_ids => ...).
create function public.top_campaigns(
  p_from timestamptz,
  p_to timestamptz,
  p_client_id uuid default null,
  p_limit integer default 5
)
returns table (campaign_id uuid, commented bigint)
language plpgsql stable
security invoker
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_filter uuid[] := case when p_client_id is not null then array[p_client_id] end;
  v_first date := (p_from at time zone 'UTC')::date;
  v_after date := ((p_to - interval '1 microsecond') at time zone 'UTC')::date + 1;
begin
  if p_to - p_from > interval '1096 days' then
    raise exception 'A period covers at most three years.' using errcode = '22023';
  end if;
  return query
  with counted as materialized (
    select s.campaign_id, sum(s.new_leads)::bigint as commented
    from public.lead_daily_stats s
    where (v_filter is null or s.user_id = any (v_filter))
      and s.day >= v_first and s.day < v_after
    group by s.campaign_id
  )
  select c.id, coalesce(n.commented, 0)
  from public.campaigns c
  left join counted n on n.campaign_id = c.id
  where (v_filter is null or c.user_id = any (v_filter))
  order by coalesce(n.commented, 0) desc, c.created_at, c.id
  limit greatest(0, least(p_limit, 100));
end
$$;

grant execute on function public.top_campaigns(timestamptz, timestamptz, uuid, integer)
  to authenticated;
