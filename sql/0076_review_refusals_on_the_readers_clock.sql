-- The review refusals the database writes give times on the reader's clock (after 0009).
--
-- A reviewer's claim and an earlier review were told in UTC ("being reviewed by Ana until
-- 06:19 UTC"), beside an approval history and conflict panel that show the same moments in
-- the reader's own zone (users.time_zone, 0032). The app's bulk approval shows these refusals
-- as the database words them, and so does any REST client. private.reader_clock writes a
-- moment as revos.domain.periods.clock does, "2026-11-29 14:05 (Europe/Berlin)", and the two
-- refusals use it. apply_review is 0009's, with only that one line changed.
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- A moment as the signed-in user reads it: their zone, named; UTC, named, for no user.
-- security definer: it reads the caller's own users row. Only the two security definer
-- callers below use it; no one is granted EXECUTE on it.
create function private.reader_clock(p_moment timestamptz) returns text
language sql stable
security definer
set search_path = ''
as $$
  select to_char(p_moment at time zone z.name, 'YYYY-MM-DD HH24:MI') || ' (' || z.name || ')'
    from (select coalesce((select u.time_zone from public.users u
                            where u.id = (select auth.uid())), 'UTC') as name) z
$$;

-- "This draft was already approved by … at …", the time on the reader's clock.
create or replace function private.reviewed_sentence(p_item_id uuid, p_status text) returns text
language sql stable
security definer
set search_path = ''
as $$
  select format('This draft was already %s by %s at %s.',
    case when p_status = 'rejected' then 'rejected' else 'approved' end,
    coalesce((select coalesce(a.actor_name, private.display_name(a.actor_id))
              from public.review_audit a
              where a.item_id = p_item_id order by a.created_at desc limit 1), 'someone'),
    coalesce((select private.reader_clock(a.created_at)
              from public.review_audit a
              where a.item_id = p_item_id order by a.created_at desc limit 1),
             'an earlier time'))
$$;

-- 0009's check of a review, unchanged but for the claim's expiry on the reader's clock.
create or replace function private.apply_review() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor uuid := (select auth.uid());
  v_owner uuid;
  v_status text;
  v_channel text;
  v_content text;
  v_subject text;
  v_created timestamptz;
  v_version integer;
  v_reject boolean := new.action = 'rejected';
  v_limit integer;
  v_claim record;
begin
  if v_actor is null then
    raise exception 'Sign in to review drafts.' using errcode = '42501';
  end if;
  if new.action is null or new.action not in ('approved', 'edited_and_approved', 'rejected') then
    raise exception 'A review approves or rejects, not %.', coalesce(new.action, 'nothing')
      using errcode = '22023';
  end if;

  if new.item_kind = 'message' then
    select m.user_id, m.status, m.channel, m.content, m.subject, m.created_at, m.version
      into v_owner, v_status, v_channel, v_content, v_subject, v_created, v_version
      from public.messages m where m.id = new.item_id
      for update;
  elsif new.item_kind = 'post' then
    select p.user_id, p.status, 'post', p.content, null, p.created_at, p.version
      into v_owner, v_status, v_channel, v_content, v_subject, v_created, v_version
      from public.posts p where p.id = new.item_id
      for update;
  else
    raise exception 'A draft is a message or a post, not %.', coalesce(new.item_kind, 'null')
      using errcode = '22023';
  end if;

  if v_owner is null or not private.can_review(v_owner) then
    raise exception 'There is no draft % that you may review.', new.item_id
      using errcode = '42501';
  end if;
  if v_status <> 'draft' then
    raise exception '%', private.reviewed_sentence(new.item_id, v_status) using errcode = '55000';
  end if;
  if new.item_version is distinct from v_version then
    raise exception 'This draft changed since you opened it (%). Nothing was saved.',
      case when new.item_version is null then 'the review did not say which version it read'
           else format('you read version %s, it is now version %s', new.item_version, v_version)
      end
      using errcode = '55000';
  end if;
  select c.reviewer_name, c.expires_at into v_claim
    from public.review_claims c
    where c.item_id = new.item_id and c.reviewer_id <> v_actor and c.expires_at > now();
  if found then
    raise exception 'This draft is being reviewed by % until %. Nothing was saved.',
      v_claim.reviewer_name, private.reader_clock(v_claim.expires_at)
      using errcode = '55000';
  end if;

  if v_reject then
    if coalesce(new.reason, '') ~ '^[[:space:]]*$' then
      raise exception 'Say why the draft is rejected.' using errcode = '22023';
    end if;
    if length(new.reason) > 500 then
      raise exception 'A rejection reason can be at most 500 characters (this one has %).',
        length(new.reason) using errcode = '22023';
    end if;
    new.reason := btrim(new.reason);
    new.content_after := v_content;
    new.subject_after := v_subject;
  else
    new.reason := null;
    new.content_after := coalesce(new.content_after, v_content);
    new.subject_after := case when v_channel = 'email' then coalesce(new.subject_after, v_subject) end;
    v_limit := case v_channel when 'dm' then 8000 when 'email' then 20000 else 3000 end;
    if new.content_after ~ '^[[:space:]\u200b\u200c\u200d\u2060\ufeff]*$' then
      raise exception 'The draft cannot be empty.' using errcode = '22023';
    end if;
    if length(new.content_after) > v_limit then
      raise exception 'A % can be at most % characters (this one has %).',
        case v_channel when 'dm' then 'DM' when 'email' then 'email' else 'LinkedIn post' end,
        to_char(v_limit, 'FM9,999,999'), to_char(length(new.content_after), 'FM9,999,999')
        using errcode = '22023';
    end if;
    if v_channel = 'email' and coalesce(new.subject_after, '')
       ~ '^[[:space:]\u200b\u200c\u200d\u2060\ufeff]*$' then
      raise exception 'An email needs a subject.' using errcode = '22023';
    end if;
    if new.subject_after ~ '[[:cntrl:]]' then
      raise exception 'An email subject is one line: no line breaks or control characters.'
        using errcode = '22023';
    end if;
    if v_channel = 'email' and length(new.subject_after) > 200 then
      raise exception 'An email subject can be at most 200 characters (this one has %).',
        length(new.subject_after) using errcode = '22023';
    end if;
    new.action := case
      when new.content_after is distinct from v_content
        or new.subject_after is distinct from v_subject then 'edited_and_approved'
      else 'approved' end;
  end if;

  new.id := gen_random_uuid();
  new.channel := v_channel;
  new.client_id := v_owner;
  new.actor_id := v_actor;
  new.actor_name := private.display_name(v_actor);
  new.content_before := v_content;
  new.subject_before := v_subject;
  new.item_version := v_version;
  new.drafted_at := v_created;
  new.created_at := now();
  return new;
end
$$;
