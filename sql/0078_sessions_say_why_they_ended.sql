-- A session that has ended says why, so the sign-in form can tell the person (after 0077).
--
-- An open tab whose session ended elsewhere went to the sign-in form with every reason a
-- session can end ("you signed out in another tab, an administrator signed you out, your
-- password changed, or it expired"). The row already says which: 0011 writes the reason
-- when it revokes a session, and an expired one has passed its expiry.
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- Why the session of a token's hash ended: the reason written when it was revoked ('signed
-- out', 'signed out by an administrator', 'password changed'), 'expired' once past its
-- expiry, or null while it is live or for a token never issued. For the app's service role
-- only, like the other session functions.
create function private.session_end_reason(p_token_hash text) returns text
language sql stable
set search_path = ''
as $$
  select case when s.revoked_at is not null then coalesce(s.revoked_reason, 'signed out')
              when s.expires_at <= now() then 'expired' end
    from private.login_sessions s
   where s.token_hash = p_token_hash
$$;

revoke all on function private.session_end_reason(text) from public;

grant execute on function private.session_end_reason(text) to service_role;
