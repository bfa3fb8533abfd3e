-- Lead magnets over a period, like every other page: downloads made in the period's whole
-- UTC days (open ends allowed: no period is all time), and of those, how many leads have
-- replied. The Overview's "Magnet downloads" and this page then count the same thing.
set local lock_timeout = '10s';

set local statement_timeout = '5min';

drop function public.lead_magnet_performance(uuid);

create function public.lead_magnet_performance(
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
  v_start timestamptz := private.utc_midnight((p_from at time zone 'UTC')::date);
  v_end timestamptz := private.utc_midnight(
    ((p_to - interval '1 microsecond') at time zone 'UTC')::date + 1
  );
begin
  if p_from is not null and p_to is not null and p_to <= p_from then
    raise exception 'The period must have a start before its end.' using errcode = '22023';
  end if;
  if p_from is not null and p_to is not null and p_to - p_from > interval '1096 days' then
    raise exception 'A period covers at most three years.' using errcode = '22023';
  end if;
  return query
  with counted as (
    select d.lead_magnet_id,
           count(*) as downloads,
           count(*) filter (where d.lead_replied) as replies
    from public.lead_magnet_downloads d
    where (v_scope is null or d.user_id = any (v_scope))
      and (v_start is null or d.downloaded_at >= v_start)
      and (v_end is null or d.downloaded_at < v_end)
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

grant execute on function public.lead_magnet_performance(uuid, timestamptz, timestamptz)
  to authenticated;
