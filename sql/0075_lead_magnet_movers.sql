-- The Overview's lead magnets that changed most are ranked in SQL too (after 0074).
--
-- The page fetched every lead magnet in scope for the period and the one before to show the
-- three whose downloads changed most: for a super admin over 12,250 tenants, 24,500 magnets
-- twice (0.3 to 0.7 s a call at 10M leads). lead_magnet_movers counts both periods with
-- private.magnet_counts, as lead_magnet_performance does, and returns the few rows shown.
-- Ties in the order of the page's merge, the magnet id (tests/test_campaign_rankings.py).
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- The p_limit lead magnets whose downloads changed most between two periods, biggest change
-- first; unchanged ones are left out. The magnets and counts a caller may read (RLS: their
-- own and the global ones); p_client_id narrows to one client, as in lead_magnet_performance.
create function public.lead_magnet_movers(
  p_from timestamptz,
  p_to timestamptz,
  p_before_from timestamptz,
  p_before_to timestamptz,
  p_client_id uuid default null,
  p_limit integer default 3
)
returns table (lead_magnet_id uuid, title text, before bigint, now bigint, change bigint)
language plpgsql stable
security invoker
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_filter uuid[] := case when p_client_id is not null then array[p_client_id] end;
begin
  if p_to - p_from > interval '1096 days' or p_before_to - p_before_from > interval '1096 days'
  then
    raise exception 'A period covers at most three years.' using errcode = '22023';
  end if;
  return query
  with now_counts as materialized (
    select c.lead_magnet_id, c.downloads
    from private.magnet_counts(
      v_filter,
      (p_from at time zone 'UTC')::date,
      ((p_to - interval '1 microsecond') at time zone 'UTC')::date + 1
    ) c
  ),
  before_counts as materialized (
    select c.lead_magnet_id, c.downloads
    from private.magnet_counts(
      v_filter,
      (p_before_from at time zone 'UTC')::date,
      ((p_before_to - interval '1 microsecond') at time zone 'UTC')::date + 1
    ) c
  ),
  both_periods as (
    select coalesce(n.lead_magnet_id, b.lead_magnet_id) as lead_magnet_id,
           coalesce(b.downloads, 0) as before,
           coalesce(n.downloads, 0) as now
    from now_counts n
    full join before_counts b on b.lead_magnet_id = n.lead_magnet_id
  )
  select m.id, m.title, p.before, p.now, p.now - p.before
  from both_periods p
  join public.lead_magnets m on m.id = p.lead_magnet_id
  where p.now <> p.before
    and (v_filter is null or m.user_id is null or m.user_id = any (v_filter))
  order by abs(p.now - p.before) desc, m.id
  limit greatest(0, least(p_limit, 100));
end
$$;

grant execute on function public.lead_magnet_movers(
  timestamptz, timestamptz, timestamptz, timestamptz, uuid, integer
) to authenticated;
