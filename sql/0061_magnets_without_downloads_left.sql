-- match_lead_magnets: a magnet whose downloads were all deleted counts as never downloaded.
--
-- 0060 summed a scope's rows of the download rollup. The rollup keeps a row when the
-- downloads it counted are deleted (a lead or a campaign deleted with its downloads): its
-- counts go back to 0, the row stays. Such a magnet came out of the sum with 0 downloads, and
-- the Wilson bound divided by them: "division by zero" for every call that had it among its
-- candidates. Found by a review of 0060; raw downloads (0030) never gave a 0 row. Now a
-- magnet with no downloads left is left out of the counts, as one never downloaded is.
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- As in 0060, without magnets whose downloads sum to 0.
create or replace function public.match_lead_magnets(
  query_embedding extensions.vector(1536),
  match_count integer default 10,
  p_niche text default null,
  p_client_id uuid default null,
  p_model text default null
)
returns table (
  id uuid,
  title text,
  niche text,
  is_custom boolean,
  similarity double precision,
  conversion numeric,
  downloads bigint,
  conversion_lower numeric,
  score double precision
)
language plpgsql stable
security invoker
set search_path = ''
set hnsw.iterative_scan = 'relaxed_order'
set hnsw.ef_search = '100'
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_model text := private.checked_query(query_embedding, match_count, p_model);
  v_scope uuid[] := private.owner_scope(p_client_id);
  v_candidates integer := greatest(match_count * 5, 50);
  v_exact boolean;
begin
  -- under RLS: only the magnets the caller may see are counted
  v_exact := (
    select count(*) from (
      select 1 from public.lead_magnets m
      where (v_scope is null or m.user_id is null or m.user_id = any (v_scope))
        and (p_niche is null or m.niche = p_niche)
      limit 2001
    ) s
  ) <= 2000;
  return query
  with candidates as materialized (
    (
      select e.lead_magnet_id, e.embedding operator(extensions.<=>) query_embedding as distance
      from public.lead_magnets m
      join public.lead_magnet_embeddings e on e.lead_magnet_id = m.id and e.model = v_model
      where v_exact
        and (p_niche is null or m.niche = p_niche)
        and (v_scope is null or m.user_id is null or m.user_id = any (v_scope))
      -- "+ 0": an expression the HNSW index cannot order by, so this is an exact top-N
      order by (e.embedding operator(extensions.<=>) query_embedding) + 0, e.lead_magnet_id
      limit v_candidates
    )
    union all
    (
      select e.lead_magnet_id, e.embedding operator(extensions.<=>) query_embedding as distance
      from public.lead_magnet_embeddings e
      join public.lead_magnets m on m.id = e.lead_magnet_id
      where not v_exact
        and e.model = v_model
        and (p_niche is null or m.niche = p_niche)
        and (v_scope is null or m.user_id is null or m.user_id = any (v_scope))
      order by e.embedding operator(extensions.<=>) query_embedding
      limit v_candidates
    )
  ),
  counted as (
    -- every tenant's downloads of each candidate (a super admin's scope)
    select d.lead_magnet_id,
           count(*) as downloads,
           count(*) filter (where d.lead_replied) as replies
    from public.lead_magnet_downloads d
    where v_scope is null
      and d.lead_magnet_id in (select c.lead_magnet_id from candidates c)
    group by d.lead_magnet_id
    union all
    -- the scope's own, from their rows of the download rollup (0043, what the Lead magnets
    -- page counts): its key leads with the owner, so nothing else can be walked
    select s.lead_magnet_id,
           sum(s.downloads)::bigint,
           sum(s.replies)::bigint
    from public.lead_magnet_daily_stats s
    where v_scope is not null
      and s.user_id = any (v_scope)
      and s.lead_magnet_id in (select c.lead_magnet_id from candidates c)
    group by s.lead_magnet_id
    -- a rollup row stays when its downloads are deleted (0 downloads, as none)
    having sum(s.downloads) > 0
  ),
  rated as (
    select c.lead_magnet_id,
           1 - c.distance as similarity,
           coalesce(n.downloads, 0) as downloads,
           round(n.replies::numeric / nullif(n.downloads, 0), 4) as conversion,
           -- Wilson score interval, lower bound, z = 1.96
           coalesce(round(((n.replies::numeric / n.downloads + 1.9208 / n.downloads)
             - 1.96 * sqrt((n.replies::numeric / n.downloads)
               * (1 - n.replies::numeric / n.downloads) / n.downloads
               + 0.9604 / (n.downloads::numeric * n.downloads)))
             / (1 + 3.8416 / n.downloads), 4), 0) as conversion_lower
    from candidates c
    left join counted n on n.lead_magnet_id = c.lead_magnet_id
  )
  select m.id,
         m.title,
         m.niche,
         m.is_custom,
         r.similarity,
         r.conversion,
         r.downloads,
         greatest(r.conversion_lower, 0),
         0.7 * r.similarity + 0.3 * greatest(r.conversion_lower, 0)::double precision
  from rated r
  join public.lead_magnets m on m.id = r.lead_magnet_id
  order by 9 desc, r.similarity desc, m.id
  limit match_count;
end
$$;
