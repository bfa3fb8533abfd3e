-- What each page shows, aggregated in the database. Every function is security invoker:
-- it runs as the caller, so RLS limits it to the rows the caller may see. `p_client_id`
-- narrows the scope (a reviewer's or admin's client picker); null means "all I may see".
--
-- Stage definitions, shared by every function here and by revos/metrics.py:
--   enriched      enrichment_status in ('enriched', 'partial')
--   DM sent       dm_sent_at is not null        (dm_status sent, delivered or replied)
--   DM delivered  dm_delivered_at is not null   (dm_status delivered or replied)
--   DM replied    dm_replied_at is not null     (dm_status replied)
--   email sent / opened / clicked / replied: email_{sent,opened,clicked,replied}_at not null
-- The check constraints on public.leads tie each timestamp to its status.
--
-- RLS alone is correct, but its OR of owner rules cannot use an index, so the functions also
-- filter `user_id = any (private.owner_scope(p_client_id))` themselves (RLS still applies on
-- top) and are planned per call (plan_cache_mode = force_custom_plan) with the actual owners.

-- The owners the caller means: the picked client, else the caller and the clients they review;
-- null for a super admin who picked no one (no filter). Never widens what RLS allows.
create function private.owner_scope(p_client_id uuid) returns uuid[]
language sql stable
set search_path = ''
as $$
  select case
    when p_client_id is not null then array[p_client_id]
    when (select private.is_super_admin()) then null
    else array(
      select (select auth.uid())
      union
      select private.reviewed_client_ids()
    )
  end
$$;

revoke all on function private.owner_scope(uuid) from public;

grant execute on function private.owner_scope(uuid) to authenticated;

-- The signed-in user's own profile.
create function public.me()
returns table (id uuid, email text, role text, full_name text, company text)
language sql stable
security invoker
set search_path = ''
as $$
  select u.id, u.email, u.role, u.full_name, u.company
  from public.users u
  where u.id = (select auth.uid())
$$;

-- The clients the caller may look at: themselves, assigned clients, or all for a super admin.
create function public.visible_clients()
returns table (id uuid, email text, full_name text, company text)
language sql stable
security invoker
set search_path = ''
as $$
  select u.id, u.email, u.full_name, u.company
  from public.users u
  where u.role = 'client'
  order by u.company, u.email
$$;

-- Campaigns for pickers.
create function public.campaign_options(p_client_id uuid default null)
returns table (id uuid, name text, status text, client_id uuid, created_at timestamptz)
language sql stable
security invoker
set search_path = ''
as $$
  select c.id, c.name, c.status, c.user_id, c.created_at
  from public.campaigns c
  where p_client_id is null or c.user_id = p_client_id
  order by c.created_at, c.id
$$;

-- KPI tiles: one row for [p_from, p_to) and one for the previous period of the same length.
-- Rates are cohort rates: replies among the DMs (emails) sent in the period.
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
create function public.campaign_funnel(
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

-- Events per day or week in [p_from, p_to), each counted on its own timestamp (UTC buckets).
create function public.funnel_trend(
  p_from timestamptz,
  p_to timestamptz,
  p_grain text default 'day',
  p_campaign_ids uuid[] default null,
  p_client_id uuid default null
)
returns table (
  bucket date,
  new_leads bigint,
  dms_sent bigint,
  dm_replies bigint,
  emails_sent bigint,
  email_replies bigint
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
  if p_grain is null or p_grain not in ('day', 'week') then
    raise exception 'The trend grain must be day or week, not %.', coalesce(p_grain, 'null')
      using errcode = '22023';
  end if;
  if p_from is null or p_to is null or p_to <= p_from then
    raise exception 'The period must have a start before its end.' using errcode = '22023';
  end if;
  if p_to - p_from > interval '1096 days' then
    raise exception 'The trend covers at most three years.' using errcode = '22023';
  end if;

  return query
  with events (b, kind) as (
    select date_trunc(p_grain, l.commented_at, 'UTC'), 'lead'
    from public.leads l
    where l.commented_at >= p_from and l.commented_at < p_to
      and (v_scope is null or l.user_id = any (v_scope))
      and (p_campaign_ids is null or l.campaign_id = any (p_campaign_ids))
    union all
    select date_trunc(p_grain, l.dm_sent_at, 'UTC'), 'dm'
    from public.leads l
    where l.dm_sent_at >= p_from and l.dm_sent_at < p_to
      and (v_scope is null or l.user_id = any (v_scope))
      and (p_campaign_ids is null or l.campaign_id = any (p_campaign_ids))
    union all
    select date_trunc(p_grain, l.dm_replied_at, 'UTC'), 'dm_reply'
    from public.leads l
    where l.dm_replied_at >= p_from and l.dm_replied_at < p_to
      and (v_scope is null or l.user_id = any (v_scope))
      and (p_campaign_ids is null or l.campaign_id = any (p_campaign_ids))
    union all
    select date_trunc(p_grain, l.email_sent_at, 'UTC'), 'email'
    from public.leads l
    where l.email_sent_at >= p_from and l.email_sent_at < p_to
      and (v_scope is null or l.user_id = any (v_scope))
      and (p_campaign_ids is null or l.campaign_id = any (p_campaign_ids))
    union all
    select date_trunc(p_grain, l.email_replied_at, 'UTC'), 'email_reply'
    from public.leads l
    where l.email_replied_at >= p_from and l.email_replied_at < p_to
      and (v_scope is null or l.user_id = any (v_scope))
      and (p_campaign_ids is null or l.campaign_id = any (p_campaign_ids))
  ),
  buckets (b) as (
    select generate_series(
      date_trunc(p_grain, p_from, 'UTC'),
      date_trunc(p_grain, p_to - interval '1 microsecond', 'UTC'),
      ('1 ' || p_grain)::interval
    )
  )
  select (s.b at time zone 'UTC')::date,
         count(*) filter (where e.kind = 'lead'),
         count(*) filter (where e.kind = 'dm'),
         count(*) filter (where e.kind = 'dm_reply'),
         count(*) filter (where e.kind = 'email'),
         count(*) filter (where e.kind = 'email_reply')
  from buckets s
  left join events e on e.b = s.b
  group by s.b
  order by s.b;
end
$$;

-- One page of leads matching the filters, with the total count of all that match.
-- p_email_statuses may contain 'none' for leads with no email status.
create function public.leads_page(
  p_client_id uuid default null,
  p_campaign_ids uuid[] default null,
  p_statuses text[] default null,
  p_enrichment_statuses text[] default null,
  p_dm_statuses text[] default null,
  p_email_statuses text[] default null,
  p_from timestamptz default null,
  p_to timestamptz default null,
  p_search text default null,
  p_sort text default 'commented_at',
  p_descending boolean default true,
  p_limit integer default 50,
  p_offset integer default 0
)
returns table (total bigint, rows jsonb)
language plpgsql stable
security invoker
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
declare
  v_where text := 'true';
  v_direction text := case when p_descending then 'desc' else 'asc' end;
  v_pattern text;
  v_total bigint;
  v_rows jsonb;
  v_scope uuid[] := private.owner_scope(p_client_id);
  -- not-null sort keys keep the index's own null order, so an index can return the page
  v_nulls text := case when p_sort = 'commented_at' then '' else ' nulls last' end;
begin
  if p_sort is null or p_sort not in ('commented_at', 'name', 'company_name', 'job_title',
      'status', 'enrichment_status', 'dm_status', 'email_status', 'dm_sent_at', 'email_sent_at') then
    raise exception 'Leads cannot be sorted by %.', coalesce(p_sort, 'null') using errcode = '22023';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 50000 then
    raise exception 'A page holds 1 to 50000 leads, not %.', p_limit using errcode = '22023';
  end if;
  if p_offset is null or p_offset < 0 then
    raise exception 'The page offset cannot be negative.' using errcode = '22023';
  end if;
  if p_from is not null and p_to is not null and p_to <= p_from then
    raise exception 'The date range must have a start before its end.' using errcode = '22023';
  end if;

  if cardinality(v_scope) = 1 then
    v_where := v_where || ' and l.user_id = ($12)[1]';  -- one owner: an ordered index scan
  elsif v_scope is not null then
    v_where := v_where || ' and l.user_id = any ($12)';
  end if;
  if p_campaign_ids is not null then v_where := v_where || ' and l.campaign_id = any ($2)'; end if;
  if p_statuses is not null then v_where := v_where || ' and l.status = any ($3)'; end if;
  if p_enrichment_statuses is not null then
    v_where := v_where || ' and l.enrichment_status = any ($4)';
  end if;
  if p_dm_statuses is not null then v_where := v_where || ' and l.dm_status = any ($5)'; end if;
  if p_email_statuses is not null then
    v_where := v_where || ' and coalesce(l.email_status, ''none'') = any ($6)';
  end if;
  if p_from is not null then v_where := v_where || ' and l.commented_at >= $7'; end if;
  if p_to is not null then v_where := v_where || ' and l.commented_at < $8'; end if;
  if nullif(btrim(p_search), '') is not null then
    -- a literal substring match: escape LIKE's wildcards in what the user typed
    v_pattern := '%' || replace(replace(replace(lower(btrim(p_search)), '\', '\\'), '%', '\%'),
      '_', '\_') || '%';
    v_where := v_where || ' and lower(coalesce(l.name, '''') || '' '' || coalesce(l.company_name, '''')'
      || ' || '' '' || coalesce(l.job_title, '''') || '' '' || coalesce(l.comment_text, '''')) like $9';
  end if;

  execute 'select count(*) from public.leads l where ' || v_where
    into v_total
    using p_client_id, p_campaign_ids, p_statuses, p_enrichment_statuses, p_dm_statuses,
          p_email_statuses, p_from, p_to, v_pattern, null::integer, null::integer, v_scope;

  execute format(
    'select coalesce(jsonb_agg(to_jsonb(p) - ''n'' order by p.n), ''[]'') from ('
    || ' select row_number() over (order by l.%I %s%s, l.id %s) as n,'
    || ' l.id, l.user_id as client_id, l.campaign_id,'
    || ' c.name as campaign_name, l.linkedin_profile_url, l.name, l.company_name, l.job_title,'
    || ' l.company_size, l.email, l.comment_text, l.commented_at, l.status, l.enrichment_status,'
    || ' l.enriched_at, l.dm_status, l.dm_sent_at, l.dm_replied_at, l.email_status,'
    || ' l.email_sent_at, l.email_replied_at'
    -- the page's ids from the index alone (index-only scan), then only those rows' columns
    || ' from (select full_row.* from public.leads full_row join ('
    || '   select l.id from public.leads l where %s'
    || '   order by l.%I %s%s, l.id %s limit $10 offset $11) page on page.id = full_row.id) l'
    || ' left join public.campaigns c on c.id = l.campaign_id) p',
    p_sort, v_direction, v_nulls, v_direction, v_where, p_sort, v_direction, v_nulls,
    v_direction)
    into v_rows
    using p_client_id, p_campaign_ids, p_statuses, p_enrichment_statuses, p_dm_statuses,
          p_email_statuses, p_from, p_to, v_pattern, p_limit, p_offset, v_scope;

  return query select v_total, v_rows;
end
$$;

-- Lead magnets the caller may see, with downloads and replies among the caller's leads.
create function public.lead_magnet_performance(p_client_id uuid default null)
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
begin
  return query
  select m.id,
         m.title,
         m.niche,
         case when m.user_id is null then 'global' else 'custom' end,
         m.user_id,
         count(d.id),
         count(d.id) filter (
           where l.dm_replied_at is not null or l.email_replied_at is not null
         ),
         round(
           (count(d.id) filter (
             where l.dm_replied_at is not null or l.email_replied_at is not null
           ))::numeric / nullif(count(d.id), 0),
           4
         )
  from public.lead_magnets m
  left join public.lead_magnet_downloads d
    on d.lead_magnet_id = m.id and (v_scope is null or d.user_id = any (v_scope))
  left join public.leads l on l.id = d.lead_id and l.user_id = d.user_id
  where v_scope is null or m.user_id is null or m.user_id = any (v_scope)
  group by m.id
  order by count(d.id) desc, m.title;
end
$$;

-- One row per client tenant; super admins only. Rates cover the last 30 days.
create function public.admin_tenant_stats()
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
  v_now timestamptz := now();
  v_month timestamptz := date_trunc('month', now(), 'UTC');
begin
  if not coalesce((select private.is_super_admin()), false) then
    raise exception 'Cross-tenant stats are for super admins only.' using errcode = '42501';
  end if;

  return query
  with lead_stats as (
    select l.user_id,
           count(*) as total,
           count(*) filter (where l.commented_at >= v_now - interval '7 days') as n7,
           count(*) filter (where l.commented_at >= v_now - interval '30 days') as n30,
           count(*) filter (where l.commented_at >= v_now - interval '30 days'
             and l.enrichment_status in ('enriched', 'partial')) as enriched30,
           count(*) filter (where l.commented_at >= v_now - interval '30 days'
             and l.enrichment_status = 'failed') as failed30,
           count(*) filter (where l.dm_sent_at >= v_now - interval '30 days') as dm30,
           count(*) filter (where l.dm_sent_at >= v_now - interval '30 days'
             and l.dm_replied_at is not null) as dm_replied30,
           count(*) filter (where l.email_sent_at >= v_now - interval '30 days') as em30,
           count(*) filter (where l.email_sent_at >= v_now - interval '30 days'
             and l.email_replied_at is not null) as em_replied30,
           greatest(max(l.commented_at), max(l.dm_sent_at), max(l.email_sent_at)) as last_at
    from public.leads l
    group by l.user_id
  ),
  campaign_stats as (
    select c.user_id, count(*) filter (where c.status = 'active') as active
    from public.campaigns c
    group by c.user_id
  ),
  apollo as (
    select a.user_id,
           sum(a.credits_used) as credits,
           count(*) as attempts,
           count(*) filter (where a.result = 'success') as successes
    from public.apollo_usage a
    where a.created_at >= v_month
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
         coalesce(ls.total, 0),
         coalesce(ls.n7, 0),
         coalesce(ls.n30, 0),
         round(ls.enriched30::numeric / nullif(ls.n30, 0), 4),
         round(ls.dm_replied30::numeric / nullif(ls.dm30, 0), 4),
         round(ls.em_replied30::numeric / nullif(ls.em30, 0), 4),
         coalesce(ls.failed30, 0),
         coalesce(ap.credits, 0)::bigint,
         round(ap.successes::numeric / nullif(ap.attempts, 0), 4),
         coalesce(dr.n, 0),
         ls.last_at
  from public.users u
  left join lead_stats ls on ls.user_id = u.id
  left join campaign_stats cs on cs.user_id = u.id
  left join apollo ap on ap.user_id = u.id
  left join drafts dr on dr.user_id = u.id
  where u.role = 'client'
  order by u.company, u.email;
end
$$;

revoke all on function public.me() from public, anon;

revoke all on function public.visible_clients() from public, anon;

revoke all on function public.campaign_options(uuid) from public, anon;

revoke all on function public.overview_kpis(timestamptz, timestamptz, uuid) from public, anon;

revoke all on function public.campaign_funnel(uuid[], timestamptz, timestamptz, uuid)
  from public, anon;

revoke all on function public.funnel_trend(timestamptz, timestamptz, text, uuid[], uuid)
  from public, anon;

revoke all on function public.leads_page(uuid, uuid[], text[], text[], text[], text[],
  timestamptz, timestamptz, text, text, boolean, integer, integer) from public, anon;

revoke all on function public.lead_magnet_performance(uuid) from public, anon;

revoke all on function public.admin_tenant_stats() from public, anon;

grant execute on function public.me() to authenticated;

grant execute on function public.visible_clients() to authenticated;

grant execute on function public.campaign_options(uuid) to authenticated;

grant execute on function public.overview_kpis(timestamptz, timestamptz, uuid) to authenticated;

grant execute on function public.campaign_funnel(uuid[], timestamptz, timestamptz, uuid)
  to authenticated;

grant execute on function public.funnel_trend(timestamptz, timestamptz, text, uuid[], uuid)
  to authenticated;

grant execute on function public.leads_page(uuid, uuid[], text[], text[], text[], text[],
  timestamptz, timestamptz, text, text, boolean, integer, integer) to authenticated;

grant execute on function public.lead_magnet_performance(uuid) to authenticated;

grant execute on function public.admin_tenant_stats() to authenticated;
