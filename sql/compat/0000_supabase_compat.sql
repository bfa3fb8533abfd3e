-- What a hosted Supabase project already has, for plain Postgres (the embedded server).
-- The migration runner applies this file only when the database has no `auth` schema,
-- so the numbered migrations in sql/ run unchanged on both.

-- API roles. Cluster-wide, so a second database on the same server finds them present.
do $$
begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select from pg_catalog.pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select from pg_catalog.pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  -- the login role the gateway connects as, like PostgREST's; it can only switch roles
  if not exists (select from pg_catalog.pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
end
$$;

grant anon to authenticator;

grant authenticated to authenticator;

grant service_role to authenticator;

grant usage on schema public to anon, authenticated, service_role;

create schema if not exists extensions;

grant usage on schema extensions to anon, authenticated, service_role;

create schema auth;

grant usage on schema auth to anon, authenticated, service_role;

-- Supabase Auth's user table, reduced to what the dashboard reads.
create table auth.users (
  id uuid primary key default gen_random_uuid(),
  email text unique,
  encrypted_password text,
  created_at timestamptz not null default now()
);

-- The functions below read the claims the gateway sets per transaction, as Supabase's do.
create function auth.jwt() returns jsonb
language sql stable
set search_path = ''
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

create function auth.uid() returns uuid
language sql stable
set search_path = ''
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create function auth.role() returns text
language sql stable
set search_path = ''
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

grant execute on function auth.jwt() to anon, authenticated, service_role;

grant execute on function auth.uid() to anon, authenticated, service_role;

grant execute on function auth.role() to anon, authenticated, service_role;
