-- A token works only while the sign-in it was minted for does (session 26's trial).
--
-- Signing out, a password change and "sign out everywhere" end sessions in
-- private.login_sessions, and open tabs see it within seconds; but the JWT a tab held stayed
-- good at the database until it expired (up to an hour): a copied token still read and
-- reviewed after its user was signed out everywhere. The app's tokens now carry their
-- sign-in's id (`session_id`, the claim Supabase Auth uses), and every request checks it
-- first: PostgREST through its pre-request hook (set below), the psycopg gateway in the
-- request's transaction, before the call.
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- Refuse the request when the caller's token names a sign-in that has ended or expired, or
-- that is not theirs. A token without a session id (one minted by a tool, not at sign-in)
-- is left to its expiry, as before.
create function private.check_session() returns void
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_session text := (select auth.jwt()) ->> 'session_id';
begin
  if v_session is null then
    return;
  end if;
  if v_session !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
     or not exists (
       select 1 from private.login_sessions s
       where s.id = v_session::uuid
         and s.user_id = (select auth.uid())
         and s.revoked_at is null
         and s.expires_at > now()
     ) then
    raise exception 'Your session has ended.' using errcode = '28000';
  end if;
end
$$;

revoke all on function private.check_session() from public;

grant execute on function private.check_session() to authenticated, service_role;

-- PostgREST (Supabase's REST API) runs this before every request of the roles it serves.
alter role authenticator set pgrst.db_pre_request = 'private.check_session';
