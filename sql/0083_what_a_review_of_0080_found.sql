-- From a review of 0080 and 0082 (session 26):
--
-- 1. 0082 set the pre-request hook for the authenticator on every database of the server,
--    so a PostgREST in front of another database there (one without 0082) would fail every
--    request; and PostgREST reads it only when told to reload. It is set for this database
--    only now, and PostgREST is told (a notification nobody hears on plain Postgres).
-- 2. check_session cast the token's session id to a uuid in the same condition that checked
--    its shape, which is safe only while OR is evaluated left to right: apart now.
-- 3. A memory of an approval could be filed as another kind of draft (a DM's text as a
--    post): its kind must now be the approval's channel.
-- 4. 0080's name check left out the invisible and line-breaking characters beyond ASCII
--    (C1 controls, direction marks, line and paragraph separators, soft hyphen, invisible
--    operators, Hangul fillers): a second check holds them out (checked in 0084).
set local lock_timeout = '10s';

set local statement_timeout = '1min';

alter role authenticator reset pgrst.db_pre_request;

do $$
begin
  execute format(
    'alter role authenticator in database %I set pgrst.db_pre_request = %L',
    current_database(), 'private.check_session');
end
$$;

notify pgrst, 'reload config';

-- As in 0082; the id's shape is checked before it is read as a uuid.
create or replace function private.check_session() returns void
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
  if v_session !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    raise exception 'Your session has ended.' using errcode = '28000';
  end if;
  if not exists (
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

-- Whether the caller approved this text of this draft of p_owner's, as a p_kind (the
-- draft's channel: dm, email or post), and may still review p_owner's drafts.
create function private.is_callers_approval(
  p_owner uuid,
  p_source_id text,
  p_content text,
  p_kind text
) returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select private.can_review(p_owner) and exists (
    select 1 from public.review_audit a
    where a.item_id = (
        select case when p_source_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                    then p_source_id::uuid end
      )
      and a.client_id = p_owner
      and a.actor_id = (select auth.uid())
      and a.action <> 'rejected'
      and a.content_after = p_content
      and a.channel = p_kind
  )
$$;

revoke all on function private.is_callers_approval(uuid, text, text, text) from public;

grant execute on function private.is_callers_approval(uuid, text, text, text)
  to authenticated, service_role;

-- Memories: a user stores memories for themselves; a reviewer (or super admin) who may review
-- a client also stores the memory of an approval they made: the client's, the approved text
-- exactly, as the kind of draft it was, embedded with the library's model.
alter policy embeddings_insert on public.embeddings
with check (
  user_id = (select auth.uid())
  or (
    model = (select private.embedding_model())
    and private.is_callers_approval(
      user_id, metadata ->> 'source_id', content, metadata ->> 'type')
  )
);

drop function private.is_callers_approval(uuid, text, text);

comment on function private.refuse_a_second_review() is
  'Must stay volatile (the default): only a volatile function sees the rows its statement '
  'inserted before this one, which is how a bulk insert of reviews is caught.';

-- A full name has no invisible or line-breaking character beyond ASCII either: C1 controls,
-- soft hyphen, Arabic letter mark, Hangul fillers, zero-width space, direction marks, line
-- and paragraph separators, bidirectional embeddings and isolates, invisible operators.
alter table public.users add constraint users_full_name_visible check (
  full_name !~ '[\u0080-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0]'
) not valid;
