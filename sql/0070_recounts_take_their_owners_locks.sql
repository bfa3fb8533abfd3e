-- Recounts take their owners' rollup locks themselves.
--
-- Found by a review of 0069:
--   - A recount of some owners empties their drafts rows and counts them again. It relied
--     on its caller (a time zone change) holding those owners' rollup locks; called on its
--     own, a draft written between the two statements broke it (a duplicate key) or was
--     counted wrong. The recounts now take the owners' rollup locks, exclusively and in key
--     order (a caller that holds them already takes them once more, which costs nothing),
--     and a recount of everyone locks messages and posts, as the full rebuild does.
--   - 0069 locked `lead_owner_totals` before `users`, `messages` and `posts`. A writer that
--     held rows of those tables and then wrote leads waited for that file while the file
--     waited for it: a deadlock, which aborted one of the two. 0069 is applied and stays as
--     it is; its comment that writers wait for it holds for writers that had not begun.
-- Checked and left alone: a lead's delete cascades to its drafts and downloads, yet their
-- counts are written after the leads' own, not before: the foreign key runs its deletes
-- with their triggers queued behind the statement's, so the leads' trigger locks the totals
-- row and day rows first and the cascaded triggers lock drafts and download days after, in
-- the order an import that adds a lead and then its draft takes them (a test runs both).
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- The rollup locks of the owners in p_owners, exclusive and in key order: what a recount
-- of their counts holds, so that no writer of theirs runs meanwhile.
create function private.lock_owners_rollups(p_owners uuid[]) returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform pg_catalog.pg_advisory_xact_lock(k.key)
  from (
    select distinct private.rollup_lock_key(o.id) as key from unnest(p_owners) as o (id)
    order by 1
  ) k;
end
$$;

revoke all on function private.lock_owners_rollups(uuid[]) from public;

-- As in 0069, under the owners' rollup locks (all owners: messages and posts held still).
create or replace function private.recount_drafts(p_owners uuid[]) returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if p_owners is null then
    lock table public.messages, public.posts in share mode;
  else
    perform private.lock_owners_rollups(p_owners);
  end if;

  delete from public.lead_owner_drafts
  where p_owners is null or user_id = any (p_owners);

  insert into public.lead_owner_drafts (user_id, message_drafts, post_drafts)
  select x.user_id,
         count(*) filter (where x.kind = 'message'),
         count(*) filter (where x.kind = 'post')
  from (
    select m.user_id, 'message' as kind from public.messages m where m.status = 'draft'
    union all
    select p.user_id, 'post' from public.posts p where p.status = 'draft'
  ) x
  join public.users z on z.id = x.user_id
  where p_owners is null or x.user_id = any (p_owners)
  group by 1
  order by 1;
end
$$;

-- As in 0063, under the owners' rollup locks.
create or replace function private.recount_rollups(p_owners uuid[]) returns void
language plpgsql
security definer
set search_path = ''
set work_mem = '128MB'
as $$
declare
  v_leads text := format(
    'select 1 as sign, l.* from public.leads l where l.user_id = any (%L::uuid[])', p_owners
  );
begin
  perform private.lock_owners_rollups(p_owners);
  delete from public.lead_daily_stats where user_id = any (p_owners);
  delete from public.lead_owner_daily_stats where user_id = any (p_owners);
  delete from public.lead_owner_totals where user_id = any (p_owners);
  delete from public.apollo_daily_usage where user_id = any (p_owners);
  delete from public.apollo_monthly_usage where user_id = any (p_owners);
  execute private.lead_rollup_statement(v_leads);
  execute private.lead_total_statement(v_leads);
  execute private.last_activity_statement(v_leads);
  perform private.recount_drafts(p_owners);
  execute private.apollo_rollup_statement(format(
    'select 1 as sign, a.* from public.apollo_usage a where a.user_id = any (%L::uuid[])',
    p_owners
  ));
  update public.lead_magnet_downloads d
  set lead_replied = l.dm_replied_at is not null or l.email_replied_at is not null
  from public.leads l
  where l.id = d.lead_id
    and d.user_id = any (p_owners)
    and d.lead_replied <> (l.dm_replied_at is not null or l.email_replied_at is not null);
  delete from public.lead_magnet_daily_stats where user_id = any (p_owners);
  execute private.magnet_rollup_statement(format(
    'select 1 as sign, d.* from public.lead_magnet_downloads d '
    'where d.user_id = any (%L::uuid[])',
    p_owners
  ));
end
$$;
