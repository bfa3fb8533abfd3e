-- match_memories never answers short when the caller has enough memories of the asked types.
--
-- Through the HNSW index (a scope with over 2,000 memories of the asked types, or a super
-- admin's), the walk stops after hnsw.max_scan_tuples (20,000) entries. A type that is a
-- small share of the whole index (a super admin's 'preference' notes: 0 to 5 of 5 came back
-- at 1M, recall 0.44 to 0.6; or a client's 2,001 among a million memories) can be missed
-- there. Now, when the walk returns fewer than match_count rows, the scope's memories of those
-- types are compared exactly (a super admin's: every tenant's, read once). The common case, a
-- walk that finds enough, is unchanged.
--
-- (An index on owner, model and type would not make a client's rare type cheaper: under RLS
-- the type condition, `->>`, is not leakproof, so it cannot be an index condition ahead of
-- the policy's; measured, the planner kept the owner index.)
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- As in 0057, falling back to the exact comparison when the index walk comes back short.
create or replace function public.match_memories(
  query_embedding extensions.vector(1536),
  match_count integer default 5,
  p_client_id uuid default null,
  p_types text[] default null,
  p_model text default null
)
returns table (
  id uuid,
  user_id uuid,
  content text,
  metadata jsonb,
  similarity double precision,
  created_at timestamptz
)
language plpgsql stable
security invoker
set search_path = ''
set hnsw.iterative_scan = 'relaxed_order'
set hnsw.ef_search = '100'
set enable_sort = off
as $$
#variable_conflict use_column
declare
  v_model text := private.checked_query(query_embedding, match_count, p_model);
  v_scope uuid[] := private.owner_scope(p_client_id);
  v_small boolean := false;
  v_nearest uuid[];
begin
  if v_scope is not null then
    v_small := (
      select count(*) from (
        select 1 from public.embeddings e
        where e.user_id = any (v_scope)
          and e.model = v_model
          and (p_types is null or e.metadata ->> 'type' = any (p_types))
        limit 2001
      ) s
    ) <= 2000;
  end if;
  if not v_small then
    -- the nearest through the HNSW index, in its own order
    v_nearest := array(
      select n.id
      from (
        select e.id, e.embedding operator(extensions.<=>) query_embedding as distance
        from public.embeddings e
        where (v_scope is null or e.user_id = any (v_scope))
          and e.model = v_model
          and (p_types is null or e.metadata ->> 'type' = any (p_types))
        order by e.embedding operator(extensions.<=>) query_embedding
        limit match_count
      ) n
      order by n.distance, n.id
    );
    -- the walk stops after hnsw.max_scan_tuples entries: when that left it short of
    -- match_count, the scope's memories of these types are compared exactly below
    if cardinality(v_nearest) >= match_count then
      return query
      select e.id, e.user_id, e.content, e.metadata,
             1 - (e.embedding operator(extensions.<=>) query_embedding), e.created_at
      from unnest(v_nearest) with ordinality as n (id, k)
      join public.embeddings e on e.id = n.id
      order by n.k;
      return;
    end if;
  end if;
  return query
  select e.id, e.user_id, e.content, e.metadata,
         1 - (e.embedding operator(extensions.<=>) query_embedding), e.created_at
  from public.embeddings e
  where (v_scope is null or e.user_id = any (v_scope))
    and e.model = v_model
    and (p_types is null or e.metadata ->> 'type' = any (p_types))
  -- "+ 0": an expression the HNSW index cannot order by, so this is an exact top-N (the
  -- one way to answer it, so it sorts even with sorts off)
  order by (e.embedding operator(extensions.<=>) query_embedding) + 0, e.id
  limit match_count;
end
$$;
