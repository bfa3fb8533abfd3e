-- The funnel counts each campaign's rows once.
--
-- Under RLS the planner sees two conditions on the owner (the page's scope and the policy's
-- rule) and multiplies their selectivities: it expects a few rows where a client has hundreds,
-- and joins the campaigns to the counts by a nested loop that groups the counts again for
-- every campaign (loops=5 for five campaigns). Materialising the counts groups them once
-- whatever the estimate. Measured at 1M leads, in SQL, for a client: 0.66 -> 0.56 ms against a
-- 0.44 floor; a super admin's unchanged (the counts were grouped once there already).
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- As in 0039, with the counts materialised.
create or replace function public.campaign_funnel(
  p_campaign_ids uuid[] default null,
  p_from timestamptz default null,
  p_to timestamptz default null,
  p_client_id uuid default null
)
returns table (
  campaign_id uuid,
  campaign_name text,
  campaign_status text,
  client_id uuid,
  commented bigint,
  enriched bigint,
  dm_sent bigint,
  dm_delivered bigint,
  dm_replied bigint,
  email_sent bigint,
  email_opened bigint,
  email_clicked bigint,
  email_replied bigint
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
  v_setup_cost text := current_setting('parallel_setup_cost');
  v_tuple_cost text := current_setting('parallel_tuple_cost');
begin
  if p_from is not null and p_to is not null and p_to - p_from > interval '1096 days' then
    raise exception 'A period covers at most three years.' using errcode = '22023';
  end if;
  if v_scope is null then  -- every tenant's rows: let the planner read them in parallel
    perform set_config('parallel_setup_cost', '0', true);
    perform set_config('parallel_tuple_cost', '0', true);
  end if;
  return query
  with counted as materialized (  -- grouped once, however few rows are expected
    select s.campaign_id,
           sum(s.new_leads) as commented,
           sum(s.enriched) as enriched,
           sum(s.cohort_dm_sent) as dm_sent,
           sum(s.cohort_dm_delivered) as dm_delivered,
           sum(s.cohort_dm_replied) as dm_replied,
           sum(s.cohort_email_sent) as email_sent,
           sum(s.cohort_email_opened) as email_opened,
           sum(s.cohort_email_clicked) as email_clicked,
           sum(s.cohort_email_replied) as email_replied
    from public.lead_daily_stats s
    where (v_scope is null or s.user_id = any (v_scope))
      and (p_campaign_ids is null or s.campaign_id = any (p_campaign_ids))
      and (v_first is null or s.day >= v_first)
      and (v_after is null or s.day < v_after)
    group by s.campaign_id
  )
  select c.id,
         c.name,
         c.status,
         c.user_id,
         coalesce(n.commented, 0)::bigint,
         coalesce(n.enriched, 0)::bigint,
         coalesce(n.dm_sent, 0)::bigint,
         coalesce(n.dm_delivered, 0)::bigint,
         coalesce(n.dm_replied, 0)::bigint,
         coalesce(n.email_sent, 0)::bigint,
         coalesce(n.email_opened, 0)::bigint,
         coalesce(n.email_clicked, 0)::bigint,
         coalesce(n.email_replied, 0)::bigint
  from public.campaigns c
  left join counted n on n.campaign_id = c.id
  where (v_scope is null or c.user_id = any (v_scope))
    and (p_campaign_ids is null or c.id = any (p_campaign_ids))
  order by c.created_at, c.id;
  perform set_config('parallel_setup_cost', v_setup_cost, true);
  perform set_config('parallel_tuple_cost', v_tuple_cost, true);
end
$$;
