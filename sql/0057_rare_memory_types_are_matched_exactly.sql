-- match_memories: a scope with few memories of the asked types is compared exactly again.
--
-- 0055 turned sorts off in match_memories so that a client's whole history (66,000 memories
-- of the big client at 1M) is walked through the HNSW index, not sorted. But the choice
-- between the exact path and the index counted the scope's memories of every type: for a type
-- the client has a handful of ('preference'), the index walk then stops after
-- hnsw.max_scan_tuples (20,000) entries without having met them, and came back with 0 to 2 of
-- 5 (recall 0.5 to 0.6 in the 1M bench, against 1.0 before 0055, when the planner sorted the
-- few it found). Now the count is of the memories of the asked types: at most 2,000 of them
-- are compared exactly (the owner index, then a top-N sort of those few), more go through the
-- index, which then meets one every few entries. A super admin's scope (every tenant) still
-- goes through the index.
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- As in 0030 (with 0055's setting), the exact path chosen by the memories of the asked types.
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
  v_small boolean;
begin
  v_small := v_scope is not null and (
    select count(*) from (
      select 1 from public.embeddings e
      where e.user_id = any (v_scope)
        and e.model = v_model
        and (p_types is null or e.metadata ->> 'type' = any (p_types))
      limit 2001
    ) s
  ) <= 2000;
  if v_small then
    return query
    select e.id, e.user_id, e.content, e.metadata,
           1 - (e.embedding operator(extensions.<=>) query_embedding), e.created_at
    from public.embeddings e
    where e.user_id = any (v_scope)
      and e.model = v_model
      and (p_types is null or e.metadata ->> 'type' = any (p_types))
    -- "+ 0": an expression the HNSW index cannot order by, so this is an exact top-N (the
    -- one way to answer it, so it sorts even with sorts off)
    order by (e.embedding operator(extensions.<=>) query_embedding) + 0, e.id
    limit match_count;
  else
    return query
    with nearest as materialized (
      select e.id, e.user_id, e.content, e.metadata,
             e.embedding operator(extensions.<=>) query_embedding as distance, e.created_at
      from public.embeddings e
      where (v_scope is null or e.user_id = any (v_scope))
        and e.model = v_model
        and (p_types is null or e.metadata ->> 'type' = any (p_types))
      order by e.embedding operator(extensions.<=>) query_embedding
      limit match_count
    )
    select n.id, n.user_id, n.content, n.metadata, 1 - n.distance, n.created_at
    from nearest n
    order by n.distance, n.id;
  end if;
end
$$;
