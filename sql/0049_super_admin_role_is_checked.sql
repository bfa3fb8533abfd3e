-- 0048 keeps a `revos_super_admin` role that already existed (roles are cluster-wide: another
-- database on the server, or anyone with CREATEROLE, may have made it first), with whatever
-- it could do. The gateway checks only the role it logs in as, not the roles it switches to,
-- so a role that could log in, bypass RLS or act as another role would be a way around every
-- policy. Refuse to go on with such a role; it must be a plain member of `authenticated`.
set local lock_timeout = '10s';

set local statement_timeout = '1min';

do $$
begin
  if exists (
    select from pg_catalog.pg_roles r
    where r.rolname = 'revos_super_admin'
      and (r.rolsuper or r.rolbypassrls or r.rolcanlogin or r.rolcreaterole or r.rolcreatedb
           or r.rolreplication or not r.rolinherit)
  ) then
    raise exception using message = 'The role revos_super_admin may do more than a member of '
      || 'authenticated (superuser, bypassrls, login, createrole, createdb or replication): '
      || 'alter or drop it, then migrate again.';
  end if;
  if exists (
    select from pg_catalog.pg_auth_members m
    where m.member = 'revos_super_admin'::regrole
      and m.roleid <> 'authenticated'::regrole
  ) then
    raise exception using message = 'The role revos_super_admin is a member of a role other '
      || 'than authenticated: revoke that membership, then migrate again.';
  end if;
end
$$;
