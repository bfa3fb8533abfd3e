-- A recount of everyone's drafts waits for time zone changes, as the full rebuild does.
--
-- Found by a review of 0070:
--   - `recount_drafts(null)` locked messages and posts, which holds still every writer of
--     drafts, but not a time zone change: that recounts its owner's drafts row without
--     writing messages or posts, so beside a recount of everyone either of the two could
--     meet the other's row in the unique index. `rebuild_rollups` (its only caller) was safe,
--     having locked `users` first; the function now does so itself, in the rebuild's order
--     (users, then messages and posts), so a zone change in progress is waited for and a new
--     one waits.
--   - 0070 says that a caller holding an owner's rollup lock takes it once more at no cost.
--     That is so for a caller holding it exclusively (a time zone change). A transaction
--     that wrote the owner's counts holds it shared, and asking for it exclusively then waits
--     for every other writer of that owner (and two such transactions deadlock), as a zone
--     change after writes of the same owner did since 0032. The recounts take one advisory
--     lock per owner, which the lock table must hold until the transaction ends: they are
--     for a few owners at a time (a zone change passes one); for everyone, the rebuild.
--   - Also of 0070's header: a lead's delete locks the cascaded messages' and downloads' rows
--     (and runs their row triggers) before the leads' statement trigger; only their counts
--     are written after the leads' own.
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- As in 0070, a recount of everyone first locking users, as rebuild_rollups does.
create or replace function private.recount_drafts(p_owners uuid[]) returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if p_owners is null then
    lock table public.users in share mode;
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
