-- Bounded periods: a caller asks for at most three years at a time (as funnel_trend and
-- leads_page already do). The functions are otherwise as in 0006.
set local lock_timeout = '10s';

set local statement_timeout = '5min';

-- KPI tiles: one row for [p_from, p_to) and one for the previous period of the same length.
-- Rates are cohort rates: replies among the DMs (emails) sent in the period.
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
  v_prev_from timestamptz;
begin
  if p_from is null or p_to is null or p_to <= p_from then
    raise exception 'The period must have a start before its end.' using errcode = '22023';
  end if;
  if p_to - p_from > interval '1096 days' then
    raise exception 'A period covers at most three years.' using errcode = '22023';
  end if;
  v_prev_from := p_from - (p_to - p_from);

  return query
  with commented as (
    select l.commented_at >= p_from as is_current,
           count(*) as n,
           count(*) filter (where l.enrichment_status in ('enriched', 'partial')) as enriched
    from public.leads l
    where l.commented_at >= v_prev_from and l.commented_at < p_to
      and (v_scope is null or l.user_id = any (v_scope))
    group by 1
  ),
  dms as (
    select l.dm_sent_at >= p_from as is_current,
           count(*) as sent,
           count(*) filter (where l.dm_replied_at is not null) as replied
    from public.leads l
    where l.dm_sent_at >= v_prev_from and l.dm_sent_at < p_to
      and (v_scope is null or l.user_id = any (v_scope))
    group by 1
  ),
  emails as (
    select l.email_sent_at >= p_from as is_current,
           count(*) as sent,
           count(*) filter (where l.email_replied_at is not null) as replied
    from public.leads l
    where l.email_sent_at >= v_prev_from and l.email_sent_at < p_to
      and (v_scope is null or l.user_id = any (v_scope))
    group by 1
  ),
  downloads as (
    select d.downloaded_at >= p_from as is_current, count(*) as n
    from public.lead_magnet_downloads d
    where d.downloaded_at >= v_prev_from and d.downloaded_at < p_to
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
         case when per.is_current then p_from else v_prev_from end,
         case when per.is_current then p_to else p_from end,
         coalesce(c.n, 0),
         coalesce(c.enriched, 0),
         round(c.enriched::numeric / nullif(c.n, 0), 4),
         coalesce(dm.sent, 0),
         coalesce(dm.replied, 0),
         round(dm.replied::numeric / nullif(dm.sent, 0), 4),
         coalesce(em.sent, 0),
         coalesce(em.replied, 0),
         round(em.replied::numeric / nullif(em.sent, 0), 4),
         coalesce(dl.n, 0),
         dr.n
  from (values ('current', true), ('previous', false)) as per (period, is_current)
  left join commented c on c.is_current = per.is_current
  left join dms dm on dm.is_current = per.is_current
  left join emails em on em.is_current = per.is_current
  left join downloads dl on dl.is_current = per.is_current
  cross join drafts dr
  order by per.is_current desc;
end
$$;

-- Stage counts per campaign, for leads who commented in [p_from, p_to) (open ends allowed).
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
begin
  if p_from is not null and p_to is not null and p_to - p_from > interval '1096 days' then
    raise exception 'A period covers at most three years.' using errcode = '22023';
  end if;
  return query
  select c.id,
         c.name,
         c.status,
         c.user_id,
         count(l.id),
         count(l.id) filter (where l.enrichment_status in ('enriched', 'partial')),
         count(l.dm_sent_at),
         count(l.dm_delivered_at),
         count(l.dm_replied_at),
         count(l.email_sent_at),
         count(l.email_opened_at),
         count(l.email_clicked_at),
         count(l.email_replied_at)
  from public.campaigns c
  left join public.leads l
    on l.campaign_id = c.id and l.user_id = c.user_id
   and (p_from is null or l.commented_at >= p_from)
   and (p_to is null or l.commented_at < p_to)
  where (v_scope is null or c.user_id = any (v_scope))
    and (p_campaign_ids is null or c.id = any (p_campaign_ids))
  group by c.id
  order by c.created_at, c.id;
end
$$;
