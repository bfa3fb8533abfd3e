-- A page of leads walks the owner index past the select policy, within the owners the caller
-- may see; only the page's rows are then read under RLS.
--
-- leads_export found a page's ids with `select l.id from leads l where ... order by ...
-- limit offset` under RLS, so the policy's condition was checked on every index entry walked:
-- the big client's page at offset 100,000 took 28 ms against 12 ms at the floor (the same
-- walk without RLS; revos bench). Now private.lead_page_ids walks it as definer, with the
-- scope cut by the one visibility rule first (as private.search_lead_ids does): a client's
-- and a reviewer's owners are intersected with private.visible_owners(), a super admin's are
-- as asked. It returns ids only; leads_export then reads those rows as the user, so RLS still
-- decides what anyone sees.
--
-- The filters' SQL is built in one place, private.lead_filters, for the count (still under
-- RLS) and for the page's ids.
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- The conditions on `l` (leads) for the scope and the filters, with leads_export's parameter
-- numbers: $2 to $8 the filters, $12 the owners in scope, $13 a search's matches. Security
-- invoker: the time zones it reads (private.commented_on_days) are those its caller may see.
create function private.lead_filters(
  p_scope uuid[],
  p_campaign_ids uuid[],
  p_statuses text[],
  p_enrichment_statuses text[],
  p_dm_statuses text[],
  p_email_statuses text[],
  p_from timestamptz,
  p_to timestamptz,
  p_matches uuid[]
)
returns text
language plpgsql stable
security invoker
set search_path = ''
as $$
declare
  v_where text := 'true';
begin
  if cardinality(p_scope) = 1 then
    v_where := v_where || ' and l.user_id = ($12)[1]';  -- one owner: an ordered index scan
  elsif p_scope is not null then
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
  if p_from is not null or p_to is not null then
    v_where := v_where || private.commented_on_days(p_scope, p_from, p_to);
  end if;
  if p_matches is not null then
    v_where := v_where || ' and l.id in (select unnest($13))';
  end if;
  return v_where;
end
$$;

grant execute on function private.lead_filters(uuid[], uuid[], text[], text[], text[], text[],
  timestamptz, timestamptz, uuid[]) to authenticated;

-- The ids of one page of leads (at most 50,000), in the page's order. Security definer, so
-- that the walk is not checked entry by entry against the policy; what it may walk is cut
-- first by the visibility rule. Anyone may call it with any arguments: it returns only ids
-- of leads the caller may see (a super admin: any), which the caller can read anyway.
create function private.lead_page_ids(
  p_scope uuid[],
  p_campaign_ids uuid[],
  p_statuses text[],
  p_enrichment_statuses text[],
  p_dm_statuses text[],
  p_email_statuses text[],
  p_from timestamptz,
  p_to timestamptz,
  p_matches uuid[],
  p_sort text,
  p_descending boolean,
  p_limit integer,
  p_offset integer
)
returns uuid[]
language plpgsql stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
set enable_bitmapscan = off
as $$
declare
  v_scope uuid[];
  v_direction text := case when p_descending then 'desc' else 'asc' end;
  -- not-null sort keys keep the index's own null order, so an index can return the page
  v_nulls text := case when p_sort = 'commented_at' then '' else ' nulls last' end;
  v_ids uuid[];
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
  if private.is_super_admin() then
    v_scope := p_scope;
  else
    v_scope := array(
      select o from unnest(coalesce(p_scope, private.visible_owners())) o
      where o = any (private.visible_owners())
    );
  end if;
  execute format(
    'select array(select l.id from public.leads l where %s'
    || ' order by l.%I %s%s, l.id %s limit $10 offset $11)',
    private.lead_filters(v_scope, p_campaign_ids, p_statuses, p_enrichment_statuses,
      p_dm_statuses, p_email_statuses, p_from, p_to, p_matches),
    p_sort, v_direction, v_nulls, v_direction)
    into v_ids
    using null::uuid, p_campaign_ids, p_statuses, p_enrichment_statuses, p_dm_statuses,
          p_email_statuses, p_from, p_to, null::text, p_limit, p_offset, v_scope, p_matches;
  return v_ids;
end
$$;

grant execute on function private.lead_page_ids(uuid[], uuid[], text[], text[], text[], text[],
  timestamptz, timestamptz, uuid[], text, boolean, integer, integer) to authenticated;

-- As in 0035, with the where built by private.lead_filters and the page's ids from
-- private.lead_page_ids.
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
returns table (total bigint, rows jsonb, more_matches boolean)
language plpgsql stable
security invoker
set search_path = ''
set plan_cache_mode = force_custom_plan
set enable_bitmapscan = off
as $$
declare
  v_where text;
  v_ids uuid[];
  v_pattern text;
  v_total bigint;
  v_rows jsonb;
  v_scope uuid[] := private.owner_scope(p_client_id);
  v_matches uuid[];
  v_more boolean := false;
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

  if nullif(btrim(p_search), '') is not null then
    -- a literal substring match: escape LIKE's wildcards in what the user typed
    v_pattern := '%' || replace(replace(replace(lower(btrim(p_search)), '\', '\\'), '%', '\%'),
      '_', '\_') || '%';
    -- the newest matches, one more than the cap to tell that there are more
    v_matches := private.search_lead_ids(v_scope, v_pattern, 10000);
    if cardinality(v_matches) > 10000 then
      v_more := true;
      v_matches := v_matches[1:10000];
    end if;
  end if;
  v_where := private.lead_filters(v_scope, p_campaign_ids, p_statuses, p_enrichment_statuses,
    p_dm_statuses, p_email_statuses, p_from, p_to, v_matches);

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

  -- the page's ids, walked past the policy within the owners the caller may see; then only
  -- those rows are read, under RLS
  v_ids := private.lead_page_ids(v_scope, p_campaign_ids, p_statuses, p_enrichment_statuses,
    p_dm_statuses, p_email_statuses, p_from, p_to, v_matches, p_sort, p_descending, p_limit,
    p_offset);
  -- in the page's order; one index probe per id (offset 0 keeps the planner from joining
  -- the ids to a scan of every lead: a 50,000-lead export, measured)
  select coalesce(jsonb_agg(to_jsonb(r) - 'n' order by r.n), '[]') into v_rows
  from (
    select page.n, l.id, l.user_id as client_id, l.campaign_id, c.name as campaign_name,
           l.linkedin_profile_url, l.name, l.company_name, l.job_title, l.company_size,
           l.email, l.comment_text, l.commented_at, l.status, l.enrichment_status,
           l.enriched_at, l.dm_status, l.dm_sent_at, l.dm_replied_at, l.email_status,
           l.email_sent_at, l.email_replied_at
    from unnest(v_ids) with ordinality as page (id, n)
    cross join lateral (select x.* from public.leads x where x.id = page.id offset 0) l
    left join public.campaigns c on c.id = l.campaign_id
  ) r;

  return query select v_total, v_rows, v_more;
end
$$;

