-- Every stored vector says which model made it, and from what text.
--
-- A cosine similarity between vectors of two models is a number with no meaning. So each
-- vector records its model (e.g. `text-embedding-3-small`, or `revos-hash-1536-v1`, the
-- built-in offline embedder) and a sha256 of the text it embeds; queries compare vectors of
-- one model only, and `revos embed` re-embeds what is missing, of another model, or stale
-- (the text changed since). Rows written before this (or by another tool, such as Mem0)
-- have no model: they are never compared until `revos embed` has re-embedded them.
set local lock_timeout = '10s';

set local statement_timeout = '5min';

alter table public.embeddings add column model text;

alter table public.embeddings add column content_hash text;

alter table public.lead_magnet_embeddings add column model text;

alter table public.lead_magnet_embeddings add column content_hash text;

-- The model the library is embedded with: set by `revos embed` when a run completes, read by
-- the match functions (through private.embedding_model) and shown in the dashboard.
create table private.embedding_model_setting (
  singleton boolean primary key default true check (singleton),
  model text not null check (length(model) between 1 and 100),
  updated_at timestamptz not null default now()
);

revoke all on table private.embedding_model_setting from public;

grant all on table private.embedding_model_setting to service_role;

-- Memories: the owner, the owner's reviewers (they keep that client's voice when they edit
-- a draft: "similar approved messages") and super admins read them.
alter policy embeddings_select on public.embeddings
using (
  user_id = any ((select private.visible_owners())::uuid[])
  or user_id between (select private.all_owners_from()) and (select private.all_owners_to())
);
