-- An unfiltered leads page counts its total from lead_owner_totals (0015).
--
-- A page with no filter showed "N leads match" by counting every lead in scope under RLS:
-- for a super admin at 10M leads, 4.5 s before the first row. With no filter the total is
-- the sum of the owners' totals, which the triggers keep exact and RLS scopes like the leads
-- themselves. Otherwise leads_export is as in 0017 and 0023 (planned without bitmap scans).
set local lock_timeout = '10s';

set local statement_timeout = '5min';

create or replace function public.leads_export(
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
  p_limit integer default 50000,
  p_offset integer default 0
)
returns table (total bigint, rows jsonb)
language plpgsql stable
security invoker
set search_path = ''
set plan_cache_mode = force_custom_plan
set enable_bitmapscan = off
as $$
declare
  v_where text := 'true';
  v_direction text := case when p_descending then 'desc' else 'asc' end;
  v_pattern text;
  v_total bigint;
  v_rows jsonb;
  v_scope uuid[] := private.owner_scope(p_client_id);
  v_matches uuid[];
  -- not-null sort keys keep the index's own null order, so an index can return the page
  v_nulls text := case when p_sort = 'commented_at' then '' else ' nulls last' end;
begin
  if p_sort is null or p_sort not in ('commented_at', 'name', 'company_name', 'job_title',
      'status', 'enrichment_status', 'dm_status', 'email_status', 'dm_sent_at', 'email_sent_at') then
    raise exception 'Leads cannot be sorted by %.', coalesce(p_sort, 'null') using errcode = '22023';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 50000 then
    raise exception 'An export holds 1 to 50,000 leads, not %.', p_limit using errcode = '22023';
  end if;
  if p_offset is null or p_offset < 0 then
    raise exception 'The page offset cannot be negative.' using errcode = '22023';
  end if;
  if p_from is not null and p_to is not null and p_to <= p_from then
    raise exception 'The date range must have a start before its end.' using errcode = '22023';
  end if;
  if p_from is not null and p_to is not null and p_to - p_from > interval '1096 days' then
    raise exception 'A date range covers at most three years.' using errcode = '22023';
  end if;
  if length(p_search) > 200 then
    raise exception 'Search for at most 200 characters (this has %).', length(p_search)
      using errcode = '22023';
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
    v_matches := private.search_lead_ids(v_scope, v_pattern);
    v_where := v_where || ' and l.id in (select unnest($13))';
  end if;

  if p_campaign_ids is null and p_statuses is null and p_enrichment_statuses is null
      and p_dm_statuses is null and p_email_statuses is null and p_from is null
      and p_to is null then
    if v_matches is not null then
      v_total := cardinality(v_matches);  -- the search alone filters: its matches are the set
    else
      -- no filter at all: every lead in scope, counted by the rollup (read under RLS)
      select coalesce(sum(t.leads), 0) into v_total
      from public.lead_owner_totals t
      where v_scope is null or t.user_id = any (v_scope);
    end if;
  else
    execute 'select count(*) from public.leads l where ' || v_where
      into v_total
      using p_client_id, p_campaign_ids, p_statuses, p_enrichment_statuses, p_dm_statuses,
            p_email_statuses, p_from, p_to, v_pattern, null::integer, null::integer, v_scope,
            v_matches;
  end if;

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
          p_email_statuses, p_from, p_to, v_pattern, p_limit, p_offset, v_scope, v_matches;

  return query select v_total, v_rows;
end
$$;
