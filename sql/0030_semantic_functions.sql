-- The semantic layer's SQL: which model the library uses, nearest lead magnets and memories
-- under RLS, a campaign's words for recommendations, and remembering a new approval.
--
-- All read functions run as the caller (security invoker): the select policies of
-- lead_magnets, lead_magnet_embeddings and embeddings decide what can match. Each checks its
-- input (a missing or wrong-sized vector, a match_count outside 1 to 50, a query embedded
-- with another model than the library's) and says what is wrong.
set local lock_timeout = '10s';

set local statement_timeout = '5min';

-- The model the library is embedded with, or null before the first `revos embed`.
-- Security definer: the setting lives in `private`, which callers cannot read.
create function private.embedding_model() returns text
language sql stable
security definer
set search_path = ''
as $$
  select s.model from private.embedding_model_setting s
$$;

grant execute on function private.embedding_model() to authenticated, service_role;

-- The checks every match function makes before it compares anything; returns the model.
create function private.checked_query(
  p_embedding extensions.vector,
  p_count integer,
  p_model text
) returns text
language plpgsql stable
set search_path = ''
as $$
declare
  v_model text := private.embedding_model();
begin
  if p_embedding is null then
    raise exception 'query_embedding is required.' using errcode = '22004';
  end if;
  if extensions.vector_dims(p_embedding) <> 1536 then
    raise exception 'query_embedding must have 1536 dimensions, not %.',
      extensions.vector_dims(p_embedding) using errcode = '22023';
  end if;
  if p_count is null or p_count not between 1 and 50 then
    raise exception 'match_count must be between 1 and 50.' using errcode = '22023';
  end if;
  if p_model is not null and v_model is not null and p_model <> v_model then
    raise exception 'The library is embedded with %, the query with %: run `revos embed` to '
      're-embed the library, or embed the query with %.', v_model, p_model, v_model
      using errcode = '22023';
  end if;
  return v_model;
end
$$;

grant execute on function private.checked_query(extensions.vector, integer, text)
  to authenticated, service_role;

-- What the dashboard shows about semantic search: the library's model and how much of what
-- the caller sees is embedded with it.
create function public.semantic_status()
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
                          and e.model = private.embedding_model())),
         (select count(*) from public.embeddings),
         (select count(*) from public.embeddings e where e.model = private.embedding_model())
$$;

grant execute on function public.semantic_status() to authenticated;

-- Lead magnets nearest a query, ranked by score = 0.7 * similarity + 0.3 * conversion_lower.
--
-- similarity is 1 - cosine distance. conversion is replies / downloads of the magnet among
-- the downloads the caller sees (the picked client's, else everyone visible); the score
-- uses its Wilson 95% lower bound (conversion_lower), so a magnet with 6 downloads and 3
-- replies does not outrank one with 300 downloads and 60 replies. No downloads: 0.
-- The nearest max(5 x match_count, 50) magnets by similarity are the candidates (an HNSW
-- scan, iterative so that magnets the caller cannot see or outside the niche do not leave
-- it short); the best match_count of them by score are returned. p_client_id narrows to the
-- global library and that client's custom magnets.
create function public.match_lead_magnets(
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
as $$
#variable_conflict use_column
declare
  v_model text := private.checked_query(query_embedding, match_count, p_model);
  v_scope uuid[] := private.owner_scope(p_client_id);
  v_candidates integer := greatest(match_count * 5, 50);
begin
  return query
  with candidates as materialized (
    select e.lead_magnet_id, e.embedding operator(extensions.<=>) query_embedding as distance
    from public.lead_magnet_embeddings e
    join public.lead_magnets m on m.id = e.lead_magnet_id
    where e.model = v_model
      and (p_niche is null or m.niche = p_niche)
      and (v_scope is null or m.user_id is null or m.user_id = any (v_scope))
    order by e.embedding operator(extensions.<=>) query_embedding
    limit v_candidates
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

grant execute on function public.match_lead_magnets(
  extensions.vector, integer, text, uuid, text
) to authenticated;

-- The caller's visible memories nearest a query, most similar first: their own, the clients
-- they review (p_client_id: one of them) or, for a super admin, everyone's. p_types narrows
-- by metadata type ('dm', 'email', 'post', 'preference', ...).
--
-- A scope of up to 2,000 memories is compared exactly (the owner index, then a top-N sort:
-- always complete); a larger one (a super admin's) uses the HNSW index with iterative scans,
-- so rows the caller cannot see or of other types do not leave the answer short.
create function public.match_memories(
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
      where e.user_id = any (v_scope) and e.model = v_model
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
    -- "+ 0": an expression the HNSW index cannot order by, so this is an exact top-N
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

grant execute on function public.match_memories(
  extensions.vector, integer, uuid, text[], text
) to authenticated;

-- What each campaign is about, for magnet recommendations: its name, the text of its
-- LinkedIn post (when the post is in RevOS) and its newest 50 comments.
create function public.campaign_topics(p_client_id uuid default null)
returns table (
  campaign_id uuid,
  campaign_name text,
  client_id uuid,
  post_text text,
  comments text
)
language sql stable
security invoker
set search_path = ''
as $$
  select c.id,
         c.name,
         c.user_id,
         (select p.content from public.posts p
          where p.user_id = c.user_id
            and p.linkedin_post_id = split_part(c.linkedin_post_url, 'urn:li:activity:', 2)
          order by p.created_at desc
          limit 1),
         (select string_agg(distinct l.comment_text, E'\n')
          from (select l.comment_text from public.leads l
                where l.campaign_id = c.id and l.user_id = c.user_id
                  and l.comment_text is not null
                order by l.commented_at desc
                limit 50) l)
  from public.campaigns c
  where c.user_id = any (coalesce(private.owner_scope(p_client_id), array[c.user_id]))
  order by c.created_at desc, c.id
  limit 200
$$;

grant execute on function public.campaign_topics(uuid) to authenticated;

-- Whether the caller approved this draft (source id) of this client with exactly this text:
-- the insert policy's check for a memory a reviewer writes for their client. Security
-- definer: it reads review_audit past its policy (a reviewer unassigned since still made it).
create function private.is_callers_approval(
  p_owner uuid,
  p_source_id text,
  p_content text
) returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.review_audit a
    where a.item_id = (
        select case when p_source_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                    then p_source_id::uuid end
      )
      and a.client_id = p_owner
      and a.actor_id = (select auth.uid())
      and a.action <> 'rejected'
      and a.content_after = p_content
  )
$$;

grant execute on function private.is_callers_approval(uuid, text, text)
  to authenticated, service_role;

-- Memories: a user stores memories for themselves; a reviewer (or super admin) also stores
-- the memory of an approval they made: its client's, the approved text exactly, embedded
-- with the library's model.
alter policy embeddings_insert on public.embeddings
with check (
  user_id = (select auth.uid())
  or (
    model = (select private.embedding_model())
    and private.is_callers_approval(user_id, metadata ->> 'source_id', content)
  )
);

-- Remember an approval: the approved text of a draft becomes a memory of its client, with
-- the caller's embedding of it. Only the reviewer who approved it may (the text is taken
-- from their approval in review_audit, never from the caller), and only with the library's
-- model; the insert policy above checks the same. Runs as the caller. Returns the memory's
-- id, or null when the approval is remembered already.
create function public.remember_approval(
  p_item_id uuid,
  p_embedding extensions.vector(1536),
  p_model text
) returns uuid
language plpgsql volatile
security invoker
set search_path = ''
as $$
declare
  v_audit record;
  v_cartridge uuid;
  v_campaign uuid;
  v_id uuid;
begin
  perform private.checked_query(p_embedding, 1, p_model);
  if p_model is null or p_model is distinct from private.embedding_model() then
    raise exception 'Memories are embedded with %, not %.',
      coalesce(private.embedding_model(), 'no model yet'), coalesce(p_model, 'no model')
      using errcode = '22023';
  end if;
  select a.client_id, a.channel, a.item_kind, a.content_after, a.created_at into v_audit
  from public.review_audit a
  where a.item_id = p_item_id and a.action <> 'rejected'
    and a.actor_id = (select auth.uid())
  order by a.created_at desc
  limit 1;
  if not found then
    raise exception 'Only the reviewer who approved a draft can remember it.'
      using errcode = '42501';
  end if;
  if v_audit.item_kind = 'post' then
    select p.cartridge_id into v_cartridge from public.posts p where p.id = p_item_id;
  else
    select c.cartridge_id, c.id into v_cartridge, v_campaign
    from public.messages m
    join public.leads l on l.id = m.lead_id and l.user_id = m.user_id
    join public.campaigns c on c.id = l.campaign_id and c.user_id = l.user_id
    where m.id = p_item_id;
  end if;
  insert into public.embeddings (user_id, content, embedding, metadata, model, content_hash,
    created_at)
  values (
    v_audit.client_id,
    v_audit.content_after,
    p_embedding,
    jsonb_strip_nulls(jsonb_build_object('type', v_audit.channel, 'source_id', p_item_id,
      'cartridge_id', v_cartridge, 'campaign_id', v_campaign)),
    p_model,
    encode(sha256(convert_to(v_audit.content_after, 'UTF8')), 'hex'),
    v_audit.created_at
  )
  on conflict (user_id, (metadata ->> 'source_id')) where metadata ? 'source_id' do nothing
  returning id into v_id;
  return v_id;
end
$$;

grant execute on function public.remember_approval(uuid, extensions.vector, text)
  to authenticated;
