-- The approvals page's two semantic calls, planned for what they read.
--
-- `match_memories` for a client's whole history (over 2,000 memories) is meant to walk the
-- HNSW index (0030). The page names the client (p_client_id), so the scan has the policy's
-- owner condition and the page's together, which the planner multiplies into an estimate of a
-- row or two; with the type filter it then read every memory of the client through the owner
-- index and sorted them by distance: 413 ms for the big client's 66,000 memories at 1M,
-- against 3 ms through the HNSW index. Without sorts, the index's order is the plan. (The
-- exact top-N of a small tenant's memories orders by an expression the index cannot, so it
-- still sorts: a disabled sort is still taken when it is the only way.)
--
-- `semantic_status` compared each memory's model with `private.embedding_model()`, a call
-- per row (66,000 for the big client: 152 ms); it is read once now (27 ms).
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- The nearest memories come from the HNSW index's own order.
alter function public.match_memories(extensions.vector, integer, uuid, text[], text)
set enable_sort = off;

-- As in 0030, with the library's model read once per statement.
create or replace function public.semantic_status()
returns table (
  model text,
  magnets bigint,
  magnets_embedded bigint,
  memories bigint,
  memories_embedded bigint
)
language sql stable
security invoker
set search_path = ''
as $$
  select private.embedding_model(),
         (select count(*) from public.lead_magnets),
         (select count(*) from public.lead_magnets m
          where exists (select 1 from public.lead_magnet_embeddings e
                        where e.lead_magnet_id = m.id
                          and e.model = (select private.embedding_model()))),
         (select count(*) from public.embeddings),
         (select count(*) from public.embeddings e
          where e.model = (select private.embedding_model()))
$$;
