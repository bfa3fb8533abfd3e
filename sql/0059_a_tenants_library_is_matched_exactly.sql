-- match_lead_magnets: a library of up to 2,000 visible magnets is compared exactly.
--
-- 0030 found a caller's nearest magnets through the HNSW index over every tenant's magnet
-- embeddings, the caller's own (the global library and their custom magnets) kept by the
-- lead_magnets policy as the walk meets them. With 12,250 tenants (two custom magnets each,
-- 24,500 embeddings) a client sees 22 of them: the walk, asked for 50 candidates, goes on
-- until hnsw.max_scan_tuples (20,000) entries without finding 50, so a client's matches took
-- 163 ms at 10M leads against 25 ms at 1M (1,000 tenants), and a walk cut short there can
-- leave out magnets the client may see. As match_memories does (0057), the visible magnets of
-- the asked niche are counted first (the owner index, at most 2,001 rows): up to 2,000 are
-- compared exactly, which costs what the tenant's own library costs whatever other tenants
-- hold; a larger library (a super admin's, every tenant's) still goes through the index.
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- As in 0030, the candidates found exactly when the visible library is small.
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
    select d.lead_magnet_id,
           count(*) as downloads,
           count(*) filter (where d.lead_replied) as replies
    from public.lead_magnet_downloads d
    where d.lead_magnet_id in (select c.lead_magnet_id from candidates c)
      and (v_scope is null or d.user_id = any (v_scope))
    group by d.lead_magnet_id
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
