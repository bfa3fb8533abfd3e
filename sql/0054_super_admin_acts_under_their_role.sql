-- A super admin acts as one only under their own role; under `authenticated` they are a client.
--
-- Since 0050 the `authenticated` select policies show a super admin only their own rows, but
-- `private.is_super_admin()` still said yes whatever the role, so the functions that ask it
-- directly treated such a caller as seeing every tenant: `owner_scope` gave no scope, the
-- security definer search and page helpers walked every tenant's ids (and the rows then read
-- under RLS came back short of the count), `can_review` and the claims let them review any
-- tenant's drafts, and tenant stats answered. (Only a token minted outside the dashboard, or
-- minted before a promotion, says `authenticated` for a super admin.) Now the helper also
-- asks the role in effect: a super admin under the plain `authenticated` role is not one, and
-- everything that asks (policies, page functions, review checks) agrees with what RLS shows.
--
-- `current_setting('role')` is the role a request switched to (PostgREST and the gateway set
-- it per transaction); a security definer function runs as its owner but does not change it.
-- Sessions that never switch (the service role's migrations and seeding, the superuser) keep
-- the answer they had: they are not the client role.
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- Whether the caller acts as a super admin: a super admin's own user, not under the role
-- that clients and reviewers use. Security definer: it reads users past their policy.
create or replace function private.is_super_admin() returns boolean
language sql stable parallel safe
security definer
set search_path = ''
as $$
  select current_setting('role', true) is distinct from 'authenticated'
    and exists (
      select 1 from public.users
      where id = (select auth.uid()) and role = 'super_admin'
    )
$$;
