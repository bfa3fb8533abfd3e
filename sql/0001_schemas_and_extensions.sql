-- Extensions live in their own schema, as on Supabase; `private` holds what the API must not expose.

create schema if not exists extensions;

create extension if not exists vector with schema extensions;

create extension if not exists pg_trgm with schema extensions;

-- Helpers that policies and triggers call. Not in the API's exposed schemas (public).
create schema if not exists private;

revoke all on schema private from public;

grant usage on schema private to authenticated, service_role;

-- updated_at is kept by the database, never trusted from a client.
create function private.touch_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;
