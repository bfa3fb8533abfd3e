-- Reply rates that have had time to mature.
--
-- A DM sent yesterday has not had time to be answered, so a rate over this week's sends
-- looked low every Monday and raised a false "below target". Reply rates now count only
-- the sends at least 3 whole days old (sent on or before private.last_mature_day()); the
-- replies and sends of the last days still count as activity. overview_kpis also returns
-- the mature sends (the rates' n); admin_tenant_stats' 30-day rates follow the same rule.
set local lock_timeout = '10s';

set local statement_timeout = '5min';

-- The last day whose sends count in a reply rate: 3 whole days before today (UTC).
create function private.last_mature_day() returns date
language sql stable
set search_path = ''
as $$
  select (now() at time zone 'UTC')::date - 3
$$;

revoke all on function private.last_mature_day() from public;

grant execute on function private.last_mature_day() to authenticated;

drop function public.overview_kpis(timestamptz, timestamptz, uuid);

-- KPI tiles as in 0020, with mature reply rates and their n.
create function public.overview_kpis(
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
  v_mature date := private.last_mature_day();
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
           sum(s.emails_sent_replied) as em_replied,
           sum(s.dms_sent) filter (where s.day <= v_mature) as dm_mature,
           sum(s.dms_sent_replied) filter (where s.day <= v_mature) as dm_mature_replied,
           sum(s.emails_sent) filter (where s.day <= v_mature) as em_mature,
           sum(s.emails_sent_replied) filter (where s.day <= v_mature) as em_mature_replied
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
         round(c.dm_mature_replied::numeric / nullif(c.dm_mature, 0), 4),
         coalesce(c.em_sent, 0)::bigint,
         coalesce(c.em_replied, 0)::bigint,
         round(c.em_mature_replied::numeric / nullif(c.em_mature, 0), 4),
         coalesce(c.dm_mature, 0)::bigint,
         coalesce(c.em_mature, 0)::bigint,
         coalesce(dl.n, 0),
         dr.n
  from (values ('current', true), ('previous', false)) as per (period, is_current)
  left join daily c on c.is_current = per.is_current
  left join downloads dl on dl.is_current = per.is_current
  cross join drafts dr
  order by per.is_current desc;
end
$$;

grant execute on function public.overview_kpis(timestamptz, timestamptz, uuid) to authenticated;

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
  v_mature date := private.last_mature_day();
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
           sum(s.dms_sent) filter (where s.day <= v_mature) as dm30,
           sum(s.dms_sent_replied) filter (where s.day <= v_mature) as dm_replied30,
           sum(s.emails_sent) filter (where s.day <= v_mature) as em30,
           sum(s.emails_sent_replied) filter (where s.day <= v_mature) as em_replied30
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
