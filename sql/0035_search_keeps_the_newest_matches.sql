-- A search of the leads shows at most its newest 10,000 matches.
--
-- leads_export searched through private.search_lead_ids, which returned the id of every
-- match, and then sorted and counted them all. At 10M leads a super admin's search for a
-- common phrase ("head of sales": about 800,000 matches) ran into the statement timeout. A
-- list of 800,000 leads is not something anyone pages through, so now the search keeps the
-- newest 10,000 matches (by comment time), and says when there were more: leads_page and
-- leads_export gain a column, more_matches, and the Leads page shows "10,000+".
--
-- Finding the newest matches cheaply, for everyone's leads (a super admin):
--   1. a probe through the trigram index stops at 10,001 matches; a rarer phrase is done;
--   2. a common one walks the leads newest first and checks each row's text, until 10,001
--      match (at 7% of rows matching, about 143,000 rows), reading at most 20 times that
--      (200,000): so a phrase found in at least 1 lead in 20 is found this way;
--   3. a phrase too sparse for that takes all its matches through the index and keeps the
--      newest.
-- For one tenant or a reviewer's tenants, each owner's matches come through the owner-and-
-- text index as before, newest first, at most 10,001 each.
set local lock_timeout = '10s';

set local statement_timeout = '5min';

-- Step 2 above: among the newest p_budget leads of every tenant, the newest p_cap + 1 whose
-- search text matches p_pattern (fewer if the budget runs out first). The walk must follow
-- the commented_at index: the settings keep the planner from a full scan and a sort.
-- Called only by private.search_lead_ids (as its definer); no API role may call it.
create function private.newest_lead_matches(p_pattern text, p_cap integer, p_budget integer)
returns uuid[]
language sql stable
security invoker
set search_path = ''
set enable_seqscan = off
set enable_bitmapscan = off
set enable_sort = off
as $$
  select array(
    select w.id
    from (
      select l.id,
             lower(coalesce(l.name, '') || ' ' || coalesce(l.company_name, '') || ' '
               || coalesce(l.job_title, '') || ' ' || coalesce(l.comment_text, ''))
               like p_pattern as hit
      from public.leads l
      order by l.commented_at desc, l.id desc
      limit p_budget
    ) w
    where w.hit
    limit p_cap + 1
  )
$$;

revoke all on function private.newest_lead_matches(text, integer, integer) from public;

-- The ids of the newest leads among p_owners (null: everyone the caller may see) whose search
-- text contains p_pattern (a LIKE pattern): at most p_cap + 1, newest first, so a caller
-- can tell there were more than p_cap. Only owners the caller may see are searched.
create function private.search_lead_ids(p_owners uuid[], p_pattern text, p_cap integer)
returns uuid[]
language plpgsql stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
set enable_bitmapscan = on
as $$
declare
  v_owners uuid[];
  v_found uuid[];
begin
  if p_cap is null or p_cap < 1 then
    raise exception 'A search keeps at least one match, not %.', p_cap using errcode = '22023';
  end if;
  if private.is_super_admin() and p_owners is null then
    v_found := array(
      select l.id from public.leads l
      where lower(coalesce(l.name, '') || ' ' || coalesce(l.company_name, '') || ' '
          || coalesce(l.job_title, '') || ' ' || coalesce(l.comment_text, '')) like p_pattern
      limit p_cap + 1
    );
    if cardinality(v_found) <= p_cap then
      return array(
        select l.id from public.leads l
        where l.id = any (v_found)
        order by l.commented_at desc, l.id desc
      );
    end if;
    v_found := private.newest_lead_matches(p_pattern, p_cap, p_cap * 20);
    if cardinality(v_found) > p_cap then
      return v_found;
    end if;
    return array(
      select l.id from public.leads l
      where lower(coalesce(l.name, '') || ' ' || coalesce(l.company_name, '') || ' '
          || coalesce(l.job_title, '') || ' ' || coalesce(l.comment_text, '')) like p_pattern
      order by l.commented_at desc, l.id desc
      limit p_cap + 1
    );
  end if;
  if private.is_super_admin() then
    v_owners := p_owners;
  else
    v_owners := array(
      select o from unnest(coalesce(p_owners, private.visible_owners())) o
      where o = any (private.visible_owners())
    );
  end if;
  -- one index scan per owner: the index takes one owner and the text together
  return array(
    select m.id
    from unnest(v_owners) as o (id)
    cross join lateral (
      select l.id, l.commented_at from public.leads l
      where l.user_id = o.id
        and lower(coalesce(l.name, '') || ' ' || coalesce(l.company_name, '') || ' '
          || coalesce(l.job_title, '') || ' ' || coalesce(l.comment_text, '')) like p_pattern
      order by l.commented_at desc, l.id desc
      limit p_cap + 1
    ) m
    order by m.commented_at desc, m.id desc
    limit p_cap + 1
  );
end
$$;

revoke all on function private.search_lead_ids(uuid[], text, integer) from public;

grant execute on function private.search_lead_ids(uuid[], text, integer) to authenticated;

-- The return type changes (more_matches): both functions are made again.
drop function public.leads_page(uuid, uuid[], text[], text[], text[], text[],
  timestamptz, timestamptz, text, text, boolean, integer, integer);

drop function public.leads_export(uuid, uuid[], text[], text[], text[], text[],
  timestamptz, timestamptz, text, text, boolean, integer, integer);

drop function private.search_lead_ids(uuid[], text);

-- As in 0032, with the search keeping its newest 10,000 matches. more_matches: the search
-- matched more leads than that, and total counts only those kept.
create function public.leads_export(
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
  v_where text := 'true';
  v_direction text := case when p_descending then 'desc' else 'asc' end;
  v_pattern text;
  v_total bigint;
  v_rows jsonb;
  v_scope uuid[] := private.owner_scope(p_client_id);
  v_matches uuid[];
  v_more boolean := false;
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
  if p_from is not null or p_to is not null then
    v_where := v_where || private.commented_on_days(v_scope, p_from, p_to);
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

  return query select v_total, v_rows, v_more;
end
$$;

revoke all on function public.leads_export(uuid, uuid[], text[], text[], text[], text[],
  timestamptz, timestamptz, text, text, boolean, integer, integer) from public, anon;

grant execute on function public.leads_export(uuid, uuid[], text[], text[], text[], text[],
  timestamptz, timestamptz, text, text, boolean, integer, integer) to authenticated;

-- One page of leads (at most 500) matching the filters, with the total count of all that
-- match (of a search's newest 10,000 matches, when more_matches). p_email_statuses may
-- contain 'none' for leads with no email status.
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
returns table (total bigint, rows jsonb, more_matches boolean)
language plpgsql stable
security invoker
set search_path = ''
as $$
begin
  if p_limit is null or p_limit < 1 or p_limit > 500 then
    raise exception 'A page holds 1 to 500 leads, not %.', p_limit using errcode = '22023';
  end if;
  return query
  select * from public.leads_export(p_client_id, p_campaign_ids, p_statuses,
    p_enrichment_statuses, p_dm_statuses, p_email_statuses, p_from, p_to, p_search, p_sort,
    p_descending, p_limit, p_offset);
end
$$;

revoke all on function public.leads_page(uuid, uuid[], text[], text[], text[], text[],
  timestamptz, timestamptz, text, text, boolean, integer, integer) from public, anon;

grant execute on function public.leads_page(uuid, uuid[], text[], text[], text[], text[],
  timestamptz, timestamptz, text, text, boolean, integer, integer) to authenticated;
