-- An open tab asks whether its session is still live without a write each time (after 0011).
--
-- Every open tab rechecks its session every 10 s, so that a sign-out elsewhere reaches it
-- within 15 s. private.resume_session updated last_seen_at on every call: a row version per
-- tab every 10 s. session_is_live answers the same question and moves last_seen_at on at
-- most once a minute, which is all "last seen" needs. resume_session stays as it is for a
-- tab that opens or reloads.
--
-- Also 0076's private.reader_clock, revoked from public by name as every private function
-- since 0015 is: the default privileges of 0009 and 0014 hold only for the role that ran
-- them, and an adopted database may be migrated by another.
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- Whether a session token's hash is live (not revoked, not expired). For the app's service
-- role only, like the other session functions: API roles never see private.login_sessions.
create function private.session_is_live(p_token_hash text) returns boolean
language sql
set search_path = ''
as $$
  with live as (
    select s.id, s.last_seen_at
      from private.login_sessions s
     where s.token_hash = p_token_hash and s.revoked_at is null and s.expires_at > now()
  ),
  seen as (
    update private.login_sessions s
       set last_seen_at = now()
      from live
     where s.id = live.id and live.last_seen_at < now() - interval '1 minute'
    returning s.id
  )
  select exists (select 1 from live)
$$;

revoke all on function private.session_is_live(text) from public;

grant execute on function private.session_is_live(text) to service_role;

revoke all on function private.reader_clock(timestamptz) from public;
