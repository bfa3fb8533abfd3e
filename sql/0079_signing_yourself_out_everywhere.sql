-- A super admin who signs themself out everywhere is told so in their other tabs (after 0078).
--
-- Every revocation wrote 'signed out by an administrator', so a super admin's own "Sign out
-- everywhere" read "An administrator signed you out of every browser" in their other tabs.
-- A revocation of the revoker's own sessions now writes 'signed out everywhere'.
set local lock_timeout = '10s';

set local statement_timeout = '1min';

create or replace function private.apply_session_revocation() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.end_user_sessions(
    new.user_id,
    case when new.user_id = new.revoked_by then 'signed out everywhere'
         else 'signed out by an administrator' end);
  return new;
end
$$;

revoke all on function private.apply_session_revocation() from public;
