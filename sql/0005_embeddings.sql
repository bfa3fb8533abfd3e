-- pgvector tables: Mem0 memories per user, and lead-magnet content for semantic search.

create table public.embeddings (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  content text not null,
  embedding extensions.vector(1536) not null,
  metadata jsonb not null default '{}',
  created_at timestamptz not null default now()
);

create index embeddings_user_id_idx on public.embeddings (user_id);

create index embeddings_embedding_hnsw_idx on public.embeddings
  using hnsw (embedding extensions.vector_cosine_ops);

create table public.lead_magnet_embeddings (
  id uuid primary key default gen_random_uuid(),
  lead_magnet_id uuid not null references public.lead_magnets (id) on delete cascade,
  embedding extensions.vector(1536) not null,
  created_at timestamptz not null default now()
);

create index lead_magnet_embeddings_magnet_idx on public.lead_magnet_embeddings (lead_magnet_id);

create index lead_magnet_embeddings_hnsw_idx on public.lead_magnet_embeddings
  using hnsw (embedding extensions.vector_cosine_ops);

alter table public.embeddings enable row level security;

alter table public.lead_magnet_embeddings enable row level security;

revoke all on table public.embeddings from anon;

revoke all on table public.lead_magnet_embeddings from anon;

grant select, insert, delete on table public.embeddings to authenticated;

grant update (content, embedding, metadata) on table public.embeddings to authenticated;

grant select, insert, delete on table public.lead_magnet_embeddings to authenticated;

grant update (embedding) on table public.lead_magnet_embeddings to authenticated;

grant all on table public.embeddings to service_role;

grant all on table public.lead_magnet_embeddings to service_role;

-- Memories are private to their owner; super admins may read them for support.
create policy embeddings_select on public.embeddings
for select to authenticated
using (user_id = (select auth.uid()) or (select private.is_super_admin()));

-- Memories: a user stores memories only for themselves.
create policy embeddings_insert on public.embeddings
for insert to authenticated
with check (user_id = (select auth.uid()));

-- Memories: a user edits only their own.
create policy embeddings_update on public.embeddings
for update to authenticated
using (user_id = (select auth.uid()))
with check (user_id = (select auth.uid()));

-- Memories: a user deletes only their own.
create policy embeddings_delete on public.embeddings
for delete to authenticated
using (user_id = (select auth.uid()));

-- Lead-magnet embeddings are readable wherever the magnet itself is (its own policy decides).
create policy lead_magnet_embeddings_select on public.lead_magnet_embeddings
for select to authenticated
using (exists (select 1 from public.lead_magnets m where m.id = lead_magnet_id));

-- Lead-magnet embeddings: a client writes them only for their own custom magnets.
create policy lead_magnet_embeddings_insert on public.lead_magnet_embeddings
for insert to authenticated
with check (exists (
  select 1 from public.lead_magnets m
  where m.id = lead_magnet_id and m.user_id = (select auth.uid())
));

-- Lead-magnet embeddings: a client updates only those of their own custom magnets.
create policy lead_magnet_embeddings_update on public.lead_magnet_embeddings
for update to authenticated
using (exists (
  select 1 from public.lead_magnets m
  where m.id = lead_magnet_id and m.user_id = (select auth.uid())
))
with check (exists (
  select 1 from public.lead_magnets m
  where m.id = lead_magnet_id and m.user_id = (select auth.uid())
));

-- Lead-magnet embeddings: a client deletes only those of their own custom magnets.
create policy lead_magnet_embeddings_delete on public.lead_magnet_embeddings
for delete to authenticated
using (exists (
  select 1 from public.lead_magnets m
  where m.id = lead_magnet_id and m.user_id = (select auth.uid())
));
