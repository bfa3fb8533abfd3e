-- What a client owns directly: voice cartridges, campaigns, posts and custom lead magnets.
-- Child rows reference their parent by (id, user_id), so a row can never point at another
-- tenant's cartridge or campaign, even by a guessed id.

create table public.cartridges (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  name text not null check (length(btrim(name)) > 0),
  persona jsonb not null default '{}',
  writing_style jsonb not null default '{}',
  industry_knowledge jsonb not null default '{}',
  tools_enabled text[] not null default '{}',
  system_prompt text,
  examples jsonb not null default '[]',
  is_default boolean not null default false,
  created_at timestamptz not null default now(),
  unique (id, user_id)
);

create index cartridges_user_id_idx on public.cartridges (user_id);

create table public.campaigns (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  cartridge_id uuid,
  name text not null check (length(btrim(name)) > 0),
  linkedin_post_url text,
  status text not null default 'active' check (status in ('active', 'paused', 'completed')),
  settings jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (id, user_id),
  foreign key (cartridge_id, user_id) references public.cartridges (id, user_id)
    on delete set null (cartridge_id)
);

create index campaigns_user_id_idx on public.campaigns (user_id, created_at);

create index campaigns_cartridge_id_idx on public.campaigns (cartridge_id, user_id);

create trigger campaigns_touch_updated_at
before update on public.campaigns
for each row execute function private.touch_updated_at();

create table public.posts (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  cartridge_id uuid,
  content text not null,
  image_url text,
  status text not null default 'draft' check (status in ('draft', 'approved', 'published')),
  linkedin_post_id text,
  likes integer not null default 0 check (likes >= 0),
  comments integer not null default 0 check (comments >= 0),
  shares integer not null default 0 check (shares >= 0),
  published_at timestamptz,
  created_at timestamptz not null default now(),
  check ((status = 'published') = (published_at is not null)),
  foreign key (cartridge_id, user_id) references public.cartridges (id, user_id)
    on delete set null (cartridge_id)
);

create index posts_user_id_idx on public.posts (user_id, status, created_at);

create index posts_cartridge_id_idx on public.posts (cartridge_id, user_id);

-- user_id null: a global library magnet, readable by every client, writable by nobody here.
create table public.lead_magnets (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references public.users (id) on delete cascade,
  title text not null check (length(btrim(title)) > 0),
  description text,
  niche text,
  file_url text,
  download_count integer not null default 0 check (download_count >= 0),
  conversion_rate numeric check (conversion_rate between 0 and 1),
  is_custom boolean not null default false,
  created_at timestamptz not null default now(),
  check (is_custom = (user_id is not null))
);

create index lead_magnets_user_id_idx on public.lead_magnets (user_id);

alter table public.cartridges enable row level security;

alter table public.campaigns enable row level security;

alter table public.posts enable row level security;

alter table public.lead_magnets enable row level security;

revoke all on table public.cartridges from anon;

revoke all on table public.campaigns from anon;

revoke all on table public.posts from anon;

revoke all on table public.lead_magnets from anon;

-- Owners edit content columns; ids, owners and timestamps are not theirs to rewrite.
grant select, insert, delete on table public.cartridges to authenticated;

grant update (name, persona, writing_style, industry_knowledge, tools_enabled, system_prompt,
  examples, is_default) on table public.cartridges to authenticated;

grant select, insert, delete on table public.campaigns to authenticated;

grant update (cartridge_id, name, linkedin_post_url, status, settings)
  on table public.campaigns to authenticated;

grant select, insert, delete on table public.posts to authenticated;

grant update (cartridge_id, content, image_url, status, linkedin_post_id, likes, comments,
  shares, published_at) on table public.posts to authenticated;

grant select, insert, delete on table public.lead_magnets to authenticated;

grant update (title, description, niche, file_url) on table public.lead_magnets to authenticated;

grant all on table public.cartridges to service_role;

grant all on table public.campaigns to service_role;

grant all on table public.posts to service_role;

grant all on table public.lead_magnets to service_role;

-- Cartridges: the owner, the owner's reviewers and super admins read; only the owner writes.
create policy cartridges_select on public.cartridges
for select to authenticated
using (
  user_id = (select auth.uid())
  or user_id in (select private.reviewed_client_ids())
  or (select private.is_super_admin())
);

-- Cartridges: a client creates cartridges only for themselves.
create policy cartridges_insert on public.cartridges
for insert to authenticated
with check (user_id = (select auth.uid()));

-- Cartridges: a client edits only their own, and cannot hand them to someone else.
create policy cartridges_update on public.cartridges
for update to authenticated
using (user_id = (select auth.uid()))
with check (user_id = (select auth.uid()));

-- Cartridges: a client deletes only their own.
create policy cartridges_delete on public.cartridges
for delete to authenticated
using (user_id = (select auth.uid()));

-- Campaigns: the owner, the owner's reviewers and super admins read; only the owner writes.
create policy campaigns_select on public.campaigns
for select to authenticated
using (
  user_id = (select auth.uid())
  or user_id in (select private.reviewed_client_ids())
  or (select private.is_super_admin())
);

-- Campaigns: a client creates campaigns only for themselves.
create policy campaigns_insert on public.campaigns
for insert to authenticated
with check (user_id = (select auth.uid()));

-- Campaigns: a client edits only their own.
create policy campaigns_update on public.campaigns
for update to authenticated
using (user_id = (select auth.uid()))
with check (user_id = (select auth.uid()));

-- Campaigns: a client deletes only their own (their leads and messages go with them).
create policy campaigns_delete on public.campaigns
for delete to authenticated
using (user_id = (select auth.uid()));

-- Posts: the owner, the owner's reviewers and super admins read; only the owner writes.
create policy posts_select on public.posts
for select to authenticated
using (
  user_id = (select auth.uid())
  or user_id in (select private.reviewed_client_ids())
  or (select private.is_super_admin())
);

-- Posts: a client creates posts only for themselves.
create policy posts_insert on public.posts
for insert to authenticated
with check (user_id = (select auth.uid()));

-- Posts: a client edits only their own.
create policy posts_update on public.posts
for update to authenticated
using (user_id = (select auth.uid()))
with check (user_id = (select auth.uid()));

-- Posts: a client deletes only their own.
create policy posts_delete on public.posts
for delete to authenticated
using (user_id = (select auth.uid()));

-- Lead magnets: everyone signed in reads the global library; custom ones are read by their
-- owner, the owner's reviewers and super admins.
create policy lead_magnets_select on public.lead_magnets
for select to authenticated
using (
  user_id is null
  or user_id = (select auth.uid())
  or user_id in (select private.reviewed_client_ids())
  or (select private.is_super_admin())
);

-- Lead magnets: a client adds custom magnets for themselves only (never global ones).
create policy lead_magnets_insert on public.lead_magnets
for insert to authenticated
with check (user_id = (select auth.uid()));

-- Lead magnets: a client edits only their own custom magnets; the global library is read-only.
create policy lead_magnets_update on public.lead_magnets
for update to authenticated
using (user_id = (select auth.uid()))
with check (user_id = (select auth.uid()));

-- Lead magnets: a client deletes only their own custom magnets.
create policy lead_magnets_delete on public.lead_magnets
for delete to authenticated
using (user_id = (select auth.uid()));
