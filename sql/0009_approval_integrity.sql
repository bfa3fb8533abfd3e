-- Approvals you can trust: nothing unreviewed gets out, and a reviewer approves exactly the
-- text they read.
--
-- * Drafts are born drafts: users insert only what a draft is made of; status, approver,
--   timestamps and counters come from the database.
-- * Every draft carries a version, bumped by the database on each change of content, subject
--   or status; a review names the version it was made on and a stale one is refused.
-- * A review is an INSERT into the audit trail. A security-definer trigger (which nobody can
--   call directly) checks it, derives the action from what changed, and moves the draft on,
--   so the REST path and approve_draft/reject_draft are one and the same.
-- * Opening a draft claims it for a few minutes (review_claims), so reviewers don't collide.

-- Wait at most 10 s for a lock: a migration must not queue every user's queries behind it.
set local lock_timeout = '10s';

set local statement_timeout = '30min';

-- Versions. A constant default: no table rewrite.
alter table public.messages add column version integer not null default 1;

alter table public.posts add column version integer not null default 1;

-- The audit records the version reviewed and the reviewer's name at the time (users' RLS
-- hides a reviewer's profile from the client, but the client may read who reviewed).
alter table public.review_audit add column item_version integer;

alter table public.review_audit add column actor_name text;

-- Size limits on every path, not only in the review: DM 8,000, email body 20,000,
-- subject 200, LinkedIn post 3,000 characters. Added `not valid` (new rows are checked at
-- once); 0010 validates the existing rows in a transaction of its own.
alter table public.messages add constraint messages_content_length
  check (length(content) <= case when channel = 'dm' then 8000 else 20000 end) not valid;

alter table public.messages add constraint messages_subject_length
  check (length(subject) <= 200) not valid;

alter table public.messages add constraint messages_subject_one_line
  check (subject !~ '[[:cntrl:]]') not valid;

alter table public.posts add constraint posts_content_length
  check (length(content) <= 3000) not valid;

-- Drafts are born drafts: a user inserts the draft's substance only. Status, approver,
-- sent/published times, created/updated times, version and engagement counters take their
-- defaults; naming any of them is refused ("permission denied for column ...").
revoke insert on table public.messages from authenticated;

grant insert (user_id, lead_id, channel, content, subject) on table public.messages
  to authenticated;

revoke insert on table public.posts from authenticated;

grant insert (user_id, cartridge_id, content, image_url) on table public.posts to authenticated;

-- The version moves with what a reviewer reads (content, an email's subject, a post's image)
-- and with the status, and with nothing else; nobody sets it by hand (not even the service
-- role).
create function private.bump_draft_version() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_changed boolean := new.content is distinct from old.content
    or new.status is distinct from old.status;
begin
  if tg_table_name = 'messages' then
    v_changed := v_changed or new.subject is distinct from old.subject;
  else
    v_changed := v_changed or new.image_url is distinct from old.image_url;
  end if;
  new.version := old.version + case when v_changed then 1 else 0 end;
  return new;
end
$$;

create trigger messages_bump_version
before update on public.messages
for each row execute function private.bump_draft_version();

create trigger posts_bump_version
before update on public.posts
for each row execute function private.bump_draft_version();

-- A draft only moves forward: draft -> approved | rejected (only by a review: its audit row
-- must be there, for this version, this approver and this text), approved -> sent | failed,
-- failed -> sent, approved -> published. So even the sending worker (service role) cannot
-- send or publish what nobody approved.
create function private.guard_status_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status is not distinct from old.status then
    return new;
  end if;
  if not (old.status, new.status) in (
    ('draft', 'approved'), ('draft', 'rejected'), ('approved', 'sent'), ('approved', 'failed'),
    ('failed', 'sent'), ('approved', 'published')
  ) then
    raise exception 'A % cannot go from % to %: drafts are approved before they are sent.',
      case when tg_table_name = 'posts' then 'post' else 'message' end, old.status, new.status
      using errcode = '55000';
  end if;
  if old.status = 'draft' and not exists (
    select 1 from public.review_audit a
    where a.item_id = new.id and a.item_version = old.version
      and a.actor_id = new.approved_by and a.content_after = new.content
      and (a.action = 'rejected') = (new.status = 'rejected')
  ) then
    raise exception 'A draft is approved or rejected only by a review (approve_draft, '
      'reject_draft), which records who read which text.' using errcode = '55000';
  end if;
  return new;
end
$$;

create trigger messages_guard_status
before update of status on public.messages
for each row execute function private.guard_status_change();

create trigger posts_guard_status
before update of status on public.posts
for each row execute function private.guard_status_change();

-- What was reviewed is what goes out: once a draft is approved or rejected, its text (and an
-- email's subject, a post's image) is frozen for every role, the sending worker included.
create function private.freeze_reviewed_draft() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_changed boolean := new.content is distinct from old.content;
begin
  if tg_table_name = 'messages' then
    v_changed := v_changed or new.subject is distinct from old.subject;
  else
    v_changed := v_changed or new.image_url is distinct from old.image_url;
  end if;
  if old.status <> 'draft' and v_changed then
    raise exception 'This % was % already: its text is frozen.',
      case when tg_table_name = 'posts' then 'post' else 'message' end, old.status
      using errcode = '55000';
  end if;
  return new;
end
$$;

create trigger messages_freeze_reviewed
before update on public.messages
for each row execute function private.freeze_reviewed_draft();

create trigger posts_freeze_reviewed
before update on public.posts
for each row execute function private.freeze_reviewed_draft();

-- A user as audits and claims name them: their display name, which they choose, with their
-- email, which they cannot change.
create function private.display_name(p_user_id uuid) returns text
language sql stable
security definer
set search_path = ''
as $$
  select coalesce(u.full_name || ' (' || u.email || ')', u.email)
  from public.users u where u.id = p_user_id
$$;

-- Who may review a client's drafts: the client, their assigned reviewers, super admins
-- (the drafts' select rule). For the review triggers below, which run past RLS.
create function private.can_review(p_owner uuid) returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select p_owner = (select auth.uid())
    or p_owner in (select private.reviewed_client_ids())
    or (select private.is_super_admin())
$$;

-- "This draft was already approved by X at T." for a draft that is no longer a draft.
create function private.reviewed_sentence(p_item_id uuid, p_status text) returns text
language sql stable
security definer
set search_path = ''
as $$
  select format('This draft was already %s by %s at %s.',
    case when p_status = 'rejected' then 'rejected' else 'approved' end,
    coalesce((select coalesce(a.actor_name, private.display_name(a.actor_id))
              from public.review_audit a
              where a.item_id = p_item_id order by a.created_at desc limit 1), 'someone'),
    coalesce((select to_char(a.created_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')
              from public.review_audit a
              where a.item_id = p_item_id order by a.created_at desc limit 1),
             'an earlier time'))
$$;

-- Claims: opening a draft claims it for five minutes, renewed while the reviewer works on it
-- and released by a review or a skip. Others see "being reviewed by X" and move on.
create table public.review_claims (
  item_id uuid primary key,
  item_kind text not null check (item_kind in ('message', 'post')),
  client_id uuid not null references public.users (id) on delete cascade,
  reviewer_id uuid not null references public.users (id) on delete cascade,
  -- copied at claim time: users' RLS hides one reviewer's profile from another
  reviewer_name text not null,
  claimed_at timestamptz not null default now(),
  expires_at timestamptz not null
);

create index review_claims_client_idx on public.review_claims (client_id);

create index review_claims_reviewer_idx on public.review_claims (reviewer_id);

alter table public.review_claims enable row level security;

revoke all on table public.review_claims from anon;

revoke all on table public.review_claims from authenticated;

grant select, delete on table public.review_claims to authenticated;

grant insert (item_kind, item_id) on table public.review_claims to authenticated;

grant all on table public.review_claims to service_role;

-- Claims: whoever may review the client's drafts sees who is working on them.
create policy review_claims_select on public.review_claims
for select to authenticated
using (
  client_id = (select auth.uid())
  or client_id in (select private.reviewed_client_ids())
  or (select private.is_super_admin())
);

-- Claims: a user claims for themselves only (the trigger fills in who, whose and until when).
create policy review_claims_insert on public.review_claims
for insert to authenticated
with check (reviewer_id = (select auth.uid()));

-- Claims: a reviewer releases their own claim; anyone who sees an expired claim may clear it;
-- a super admin may break any claim.
create policy review_claims_delete on public.review_claims
for delete to authenticated
using (
  reviewer_id = (select auth.uid())
  or expires_at <= now()
  or (select private.is_super_admin())
);

-- A claim is made for the caller, on a draft they may review that is still a draft; every
-- other column comes from the database.
create function private.fill_claim() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor uuid := (select auth.uid());
  v_owner uuid;
  v_status text;
begin
  if v_actor is null then
    raise exception 'Sign in to review drafts.' using errcode = '42501';
  end if;
  if new.item_kind = 'message' then
    select m.user_id, m.status into v_owner, v_status
      from public.messages m where m.id = new.item_id;
  elsif new.item_kind = 'post' then
    select p.user_id, p.status into v_owner, v_status
      from public.posts p where p.id = new.item_id;
  end if;
  if v_owner is null or not private.can_review(v_owner) then
    raise exception 'There is no draft % that you may review.', new.item_id
      using errcode = '42501';
  end if;
  if v_status <> 'draft' then
    raise exception '%', private.reviewed_sentence(new.item_id, v_status) using errcode = '55000';
  end if;
  -- nobody holds the whole queue: a few open drafts at a time (tabs, a bulk pass)
  if (select count(*) from public.review_claims c
      where c.reviewer_id = v_actor and c.expires_at > now() and c.item_id <> new.item_id) >= 5 then
    raise exception 'You are reviewing 5 drafts already: finish or skip one first.'
      using errcode = '55000';
  end if;
  new.client_id := v_owner;
  new.reviewer_id := v_actor;
  new.reviewer_name := private.display_name(v_actor);
  new.claimed_at := now();
  new.expires_at := now() + interval '5 minutes';
  return new;
end
$$;

create trigger review_claims_fill
before insert on public.review_claims
for each row execute function private.fill_claim();

-- Rejection reasons are short notes, not documents.
alter table public.review_audit add constraint review_audit_reason_length
  check (length(reason) <= 500) not valid;

-- Audit rows follow the rule everywhere else: reviewers see only their assigned clients, so
-- a reviewer who is unassigned stops seeing that client's history (their own reviews too).
alter policy review_audit_select on public.review_audit
using (
  client_id = (select auth.uid())
  or client_id in (select private.reviewed_client_ids())
  or (select private.is_super_admin())
);

-- A review is an INSERT of the decision: the draft, the version read, 'approved' or
-- 'rejected', the edited text or the reason. Everything else is filled in by the trigger.
grant insert (item_kind, item_id, item_version, action, content_after, subject_after, reason)
  on table public.review_audit to authenticated;

-- Reviews: a user records reviews as themselves only (the trigger checks the draft).
create policy review_audit_insert on public.review_audit
for insert to authenticated
with check (actor_id = (select auth.uid()));

-- The one place a review is checked. A trigger, so it cannot be called with made-up
-- arguments; security definer, because users hold no privilege on the audit's facts.
-- It acts for auth.uid() only, on a draft that user may review, still a draft, at the version
-- they read, not claimed by someone else; the action is derived from what changed. It locks
-- the draft; the AFTER trigger below then moves the draft on, which the status guard allows
-- only because this row now exists.
create function private.apply_review() returns trigger
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
      v_claim.reviewer_name, to_char(v_claim.expires_at at time zone 'UTC', 'HH24:MI "UTC"')
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

create trigger review_audit_apply
before insert on public.review_audit
for each row execute function private.apply_review();

-- The review, checked and recorded above, moves its draft on and releases its claim.
create function private.apply_review_to_draft() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.item_kind = 'message' then
    update public.messages m
       set status = case when new.action = 'rejected' then 'rejected' else 'approved' end,
           content = new.content_after,
           subject = new.subject_after,
           approved_by = new.actor_id
     where m.id = new.item_id;
  else
    update public.posts p
       set status = case when new.action = 'rejected' then 'rejected' else 'approved' end,
           content = new.content_after,
           approved_by = new.actor_id
     where p.id = new.item_id;
  end if;
  delete from public.review_claims c where c.item_id = new.item_id;
  return null;
end
$$;

create trigger review_audit_apply_to_draft
after insert on public.review_audit
for each row execute function private.apply_review_to_draft();

-- The old review path: a helper `authenticated` could call with any action. Gone.
drop function public.approve_draft(text, uuid, text, text);

drop function public.reject_draft(text, uuid, text);

drop function private.review_draft(text, uuid, text, text, text, text);

drop function private.assert_reviewable(text, uuid);

-- Approve a draft at the version the reviewer read, optionally with edited content (and
-- subject, for emails). Runs as the caller: it is the same INSERT the REST API allows.
create function public.approve_draft(
  p_kind text,
  p_id uuid,
  p_version integer default null,
  p_content text default null,
  p_subject text default null
)
returns table (
  kind text,
  id uuid,
  status text,
  action text,
  content text,
  subject text,
  approved_by uuid,
  reviewed_at timestamptz
)
language sql
security invoker
set search_path = ''
as $$
  insert into public.review_audit (item_kind, item_id, item_version, action, content_after,
    subject_after)
  values (p_kind, p_id, p_version, 'approved', p_content, p_subject)
  returning item_kind, item_id, 'approved', action, content_after, subject_after, actor_id,
    created_at
$$;

-- Reject a draft at the version the reviewer read, with a reason. Runs as the caller.
create function public.reject_draft(
  p_kind text,
  p_id uuid,
  p_version integer default null,
  p_reason text default null
)
returns table (
  kind text,
  id uuid,
  status text,
  action text,
  content text,
  subject text,
  approved_by uuid,
  reviewed_at timestamptz
)
language sql
security invoker
set search_path = ''
as $$
  insert into public.review_audit (item_kind, item_id, item_version, action, reason)
  values (p_kind, p_id, p_version, 'rejected', p_reason)
  returning item_kind, item_id, 'rejected', action, content_after, subject_after, actor_id,
    created_at
$$;

-- Claim a draft for five minutes (or renew one's own claim). Returns the claim that holds:
-- the caller's, or the live claim of someone else who was first.
create function public.claim_draft(p_kind text, p_id uuid)
returns table (
  item_id uuid,
  reviewer_id uuid,
  reviewer_name text,
  expires_at timestamptz,
  mine boolean
)
language plpgsql
security invoker
set search_path = ''
as $$
#variable_conflict use_column
begin
  delete from public.review_claims c
   where c.item_id = p_id
     and (c.reviewer_id = (select auth.uid()) or c.expires_at <= now());
  insert into public.review_claims (item_kind, item_id) values (p_kind, p_id)
  on conflict (item_id) do nothing;
  return query
  select c.item_id, c.reviewer_id, c.reviewer_name, c.expires_at,
         c.reviewer_id = (select auth.uid())
  from public.review_claims c
  where c.item_id = p_id;
end
$$;

-- Let go of one's claim on a draft (skip it, or leave the page).
create function public.release_draft(p_id uuid)
returns table (item_id uuid, released boolean)
language sql
security invoker
set search_path = ''
as $$
  with gone as (
    delete from public.review_claims c
    where c.item_id = p_id and c.reviewer_id = (select auth.uid())
    returning 1
  )
  select p_id, exists (select 1 from gone)
$$;

-- Where a draft stands now: for a reviewer whose review was refused, what happened to it.
create function public.draft_state(p_kind text, p_id uuid)
returns table (
  status text,
  version integer,
  content text,
  subject text,
  last_action text,
  last_actor text,
  last_reviewed_at timestamptz,
  claimed_by text,
  claimed_by_me boolean,
  claim_expires_at timestamptz
)
language sql stable
security invoker
set search_path = ''
as $$
  with draft as (
    select m.status, m.version, m.content, m.subject from public.messages m
    where p_kind = 'message' and m.id = p_id
    union all
    select p.status, p.version, p.content, null from public.posts p
    where p_kind = 'post' and p.id = p_id
  )
  select d.status, d.version, d.content, d.subject, a.action, a.actor_name, a.created_at,
         c.reviewer_name, c.reviewer_id = (select auth.uid()), c.expires_at
  from draft d
  left join lateral (
    select x.action, x.actor_name, x.created_at from public.review_audit x
    where x.item_id = p_id order by x.created_at desc limit 1
  ) a on true
  left join public.review_claims c on c.item_id = p_id and c.expires_at > now()
$$;

-- The queue: every draft the caller may review, oldest first, with the context to judge it,
-- its version, and who (if anyone) is reviewing it now. Paged: p_offset, p_limit of
-- waiting_total. p_channel: 'dm', 'email' or 'post' (p_kind means message or post elsewhere).
drop function public.approval_queue(uuid, uuid, text, integer);

create function public.approval_queue(
  p_client_id uuid default null,
  p_campaign_id uuid default null,
  p_channel text default null,
  p_limit integer default 200,
  p_offset integer default 0
)
returns table (
  kind text,
  channel text,
  id uuid,
  version integer,
  client_id uuid,
  client text,
  campaign_id uuid,
  campaign_name text,
  cartridge_name text,
  cartridge_system_prompt text,
  cartridge_writing_style jsonb,
  cartridge_persona jsonb,
  lead_name text,
  lead_title text,
  lead_company text,
  lead_comment text,
  subject text,
  content text,
  image_url text,
  created_at timestamptz,
  claimed_by uuid,
  claimed_by_name text,
  claim_expires_at timestamptz,
  waiting_total bigint
)
language plpgsql stable
security invoker
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_scope uuid[] := private.owner_scope(p_client_id);
begin
  if p_channel is not null and p_channel not in ('dm', 'email', 'post') then
    raise exception 'The queue holds dm, email and post drafts, not %.', p_channel
      using errcode = '22023';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 1000 then
    raise exception 'Show 1 to 1000 drafts at a time.' using errcode = '22023';
  end if;
  if p_offset is null or p_offset < 0 then
    raise exception 'The queue starts at offset 0.' using errcode = '22023';
  end if;

  return query
  with drafts as (
    select 'message'::text as kind, m.channel, m.id, m.version, m.user_id, c.id as campaign_id,
           c.name as campaign_name, k.name as cartridge_name, k.system_prompt,
           k.writing_style, k.persona, l.name as lead_name, l.job_title, l.company_name,
           l.comment_text, m.subject, m.content, null::text as image_url, m.created_at
    from public.messages m
    join public.leads l on l.id = m.lead_id and l.user_id = m.user_id
    join public.campaigns c on c.id = l.campaign_id and c.user_id = l.user_id
    left join public.cartridges k on k.id = c.cartridge_id and k.user_id = c.user_id
    where m.status = 'draft'
      and (v_scope is null or m.user_id = any (v_scope))
      and (p_campaign_id is null or c.id = p_campaign_id)
      and (p_channel is null or m.channel = p_channel)
    union all
    select 'post', 'post', p.id, p.version, p.user_id, null, null, k.name, k.system_prompt,
           k.writing_style, k.persona, null, null, null, null, null, p.content, p.image_url,
           p.created_at
    from public.posts p
    left join public.cartridges k on k.id = p.cartridge_id and k.user_id = p.user_id
    where p.status = 'draft'
      and (v_scope is null or p.user_id = any (v_scope))
      and p_campaign_id is null
      and (p_channel is null or p_channel = 'post')
  )
  select d.kind, d.channel, d.id, d.version, d.user_id, coalesce(u.company, u.email),
         d.campaign_id, d.campaign_name, d.cartridge_name, d.system_prompt, d.writing_style,
         d.persona, d.lead_name, d.job_title, d.company_name, d.comment_text, d.subject,
         d.content, d.image_url, d.created_at, cl.reviewer_id, cl.reviewer_name, cl.expires_at,
         count(*) over ()
  from drafts d
  join public.users u on u.id = d.user_id
  left join public.review_claims cl on cl.item_id = d.id and cl.expires_at > now()
  order by d.created_at, d.id
  limit p_limit offset p_offset;
end
$$;

-- Review history now names reviewers from the audit row itself (see actor_name above).
create or replace function public.review_history(
  p_days integer default 7,
  p_client_id uuid default null
)
returns table (
  reviewed_at timestamptz,
  reviewer text,
  client text,
  channel text,
  item_id uuid,
  action text,
  content_before text,
  content_after text,
  subject_before text,
  subject_after text,
  reason text
)
language sql stable
security invoker
set search_path = ''
as $$
  select a.created_at, coalesce(a.actor_name, r.full_name, r.email), coalesce(c.company, c.email),
         a.channel, a.item_id, a.action, a.content_before, a.content_after, a.subject_before,
         a.subject_after, a.reason
  from public.review_audit a
  left join public.users r on r.id = a.actor_id
  left join public.users c on c.id = a.client_id
  where a.created_at >= now() - make_interval(days => greatest(1, least(p_days, 366)))
    and (p_client_id is null or a.client_id = p_client_id)
  order by a.created_at desc, a.id
  limit 500
$$;

-- Nothing in `private` is callable by API roles unless granted by name below or earlier
-- (the policy helpers is_super_admin, reviewed_client_ids and the page functions'
-- owner_scope, all read-only). Functions created later start without it too.
revoke all on all functions in schema private from public;

alter default privileges in schema private revoke execute on functions from public;

revoke all on function public.approve_draft(text, uuid, integer, text, text) from public, anon;

revoke all on function public.reject_draft(text, uuid, integer, text) from public, anon;

revoke all on function public.claim_draft(text, uuid) from public, anon;

revoke all on function public.release_draft(uuid) from public, anon;

revoke all on function public.draft_state(text, uuid) from public, anon;

revoke all on function public.approval_queue(uuid, uuid, text, integer, integer)
  from public, anon;

grant execute on function public.approve_draft(text, uuid, integer, text, text)
  to authenticated;

grant execute on function public.reject_draft(text, uuid, integer, text) to authenticated;

grant execute on function public.claim_draft(text, uuid) to authenticated;

grant execute on function public.release_draft(uuid) to authenticated;

grant execute on function public.draft_state(text, uuid) to authenticated;

grant execute on function public.approval_queue(uuid, uuid, text, integer, integer)
  to authenticated;
