-- Users, their roles, and which clients each reviewer reviews.
-- Roles live here, in the database, and nowhere else: policies read them through the
-- private helpers below, so the app never decides visibility with a Python `if`.

create table public.users (
  id uuid primary key references auth.users (id) on delete cascade,
  email text not null unique,
  role text not null default 'client' check (role in ('client', 'reviewer', 'super_admin')),
  full_name text,
  company text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create trigger users_touch_updated_at
before update on public.users
for each row execute function private.touch_updated_at();

create table public.reviewer_assignments (
  reviewer_id uuid not null references public.users (id) on delete cascade,
  client_id uuid not null references public.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (reviewer_id, client_id)
);

create index reviewer_assignments_client_id_idx on public.reviewer_assignments (client_id);

-- An assignment must pair a reviewer with a client; anything else is a data error.
create function private.check_assignment_roles() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if (select role from public.users where id = new.reviewer_id) is distinct from 'reviewer' then
    raise exception 'reviewer_assignments.reviewer_id must be a user with role reviewer'
      using errcode = '23514';
  end if;
  if (select role from public.users where id = new.client_id) is distinct from 'client' then
    raise exception 'reviewer_assignments.client_id must be a user with role client'
      using errcode = '23514';
  end if;
  return new;
end
$$;

create trigger reviewer_assignments_check_roles
before insert or update on public.reviewer_assignments
for each row execute function private.check_assignment_roles();

-- Policy helpers: security definer so they can read users/assignments past RLS, with an empty
-- search_path so nothing can be shadowed. Policies call them as `(select private.fn())`
-- so each runs once per statement, not once per row.
create function private.is_super_admin() returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.users
    where id = (select auth.uid()) and role = 'super_admin'
  )
$$;

create function private.reviewed_client_ids() returns setof uuid
language sql stable
security definer
set search_path = ''
as $$
  select client_id from public.reviewer_assignments
  where reviewer_id = (select auth.uid())
$$;

revoke all on function private.is_super_admin() from public;

revoke all on function private.reviewed_client_ids() from public;

grant execute on function private.is_super_admin() to authenticated, service_role;

grant execute on function private.reviewed_client_ids() to authenticated, service_role;

alter table public.users enable row level security;

alter table public.reviewer_assignments enable row level security;

revoke all on table public.users from anon;

revoke all on table public.reviewer_assignments from anon;

grant select on table public.users to authenticated;

-- Only the display name is the user's to change; role and email are managed by the service role.
grant update (full_name) on table public.users to authenticated;

grant select on table public.reviewer_assignments to authenticated;

grant all on table public.users to service_role;

grant all on table public.reviewer_assignments to service_role;

-- Users see themselves; reviewers also see their assigned clients; super admins see everyone.
create policy users_select on public.users
for select to authenticated
using (
  id = (select auth.uid())
  or id in (select private.reviewed_client_ids())
  or (select private.is_super_admin())
);

-- Users may edit their own profile row (the column grant limits it to full_name).
create policy users_update on public.users
for update to authenticated
using (id = (select auth.uid()))
with check (id = (select auth.uid()));

-- Reviewers see their own assignments, clients see who reviews them, super admins see all.
create policy reviewer_assignments_select on public.reviewer_assignments
for select to authenticated
using (
  reviewer_id = (select auth.uid())
  or client_id = (select auth.uid())
  or (select private.is_super_admin())
);
