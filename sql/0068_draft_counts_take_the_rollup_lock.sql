-- Draft counts take their owner's rollup lock; the last activity is locked for only what
-- can move it.
--
-- Found by a review of 0062:
--   - The draft counts (0062) were written without the owner's rollup lock that every other
--     rollup writer takes first (0032). A transaction that deleted an owner's drafts (a
--     lead's, by cascade) held the owner's totals row, then asked for the lock in the leads'
--     trigger; a time zone change of that owner, holding the lock, waited for the row in its
--     recount: a deadlock, one of them aborted. The drafts' trigger now takes each owner's
--     lock, shared and in key order, before it writes, as the leads' does.
--   - The leads' trigger locked the changed owners' totals rows for every statement, so
--     every write of a tenant's leads (enrichment, replies, opens) queued behind any open
--     transaction of that tenant's, and an approval (a draft count on the same row) behind
--     them. Only a change of the three times the last activity is made of (or an owner's
--     leads added or removed) can move it: the lock and the recount are now for those owners
--     alone. Inserts and deletes change the lead count and lock the row anyway.
-- The last activity is recomputed from a fresh snapshot after the lock, which is what makes
-- it right under concurrent writers in READ COMMITTED (PostgreSQL's default, PostgREST's and
-- the gateway's). A writer in REPEATABLE READ recomputes it from its transaction's snapshot:
-- against a concurrent writer of the same tenant's lead times it can be left off until the
-- owner's next such write or recount (revos never writes leads in that isolation).
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- As in 0062, under each changed owner's rollup lock (shared, in key order).
create or replace function private.count_draft_changes() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_changes text := case tg_op
    when 'INSERT' then 'select 1 as sign, n.* from new_rows n'
    when 'DELETE' then 'select -1 as sign, o.* from old_rows o'
    else 'select 1 as sign, n.* from new_rows n union all select -1, o.* from old_rows o'
  end;
begin
  execute format(
    'select pg_catalog.pg_advisory_xact_lock_shared(k.key) '
    'from (select distinct private.rollup_lock_key(c.user_id) as key from (%s) c '
    'order by 1) k',
    v_changes
  );
  execute private.draft_count_statement(v_changes, private.draft_count_column(tg_table_name));
  return null;
end
$$;

-- As in 0062, locking and recounting the last activity only of owners whose leads came or
-- went, or whose comment, DM or email times changed.
create or replace function private.roll_up_changes() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_changes text := case tg_op
    when 'INSERT' then 'select 1 as sign, n.* from new_rows n'
    when 'DELETE' then 'select -1 as sign, o.* from old_rows o'
    else 'select 1 as sign, n.* from new_rows n union all select -1, o.* from old_rows o'
  end;
  v_moved text := case tg_op
    when 'INSERT' then 'select n.user_id from new_rows n'
    when 'DELETE' then 'select o.user_id from old_rows o'
    else
      'select x.user_id from new_rows n join old_rows o on o.id = n.id '
      'cross join lateral (values (n.user_id), (o.user_id)) as x (user_id) '
      'where (n.user_id, n.commented_at, n.dm_sent_at, n.email_sent_at) '
      'is distinct from (o.user_id, o.commented_at, o.dm_sent_at, o.email_sent_at)'
  end;
begin
  execute format(
    'select pg_catalog.pg_advisory_xact_lock_shared(k.key) '
    'from (select distinct private.rollup_lock_key(c.user_id) as key from (%s) c '
    'order by 1) k',
    v_changes
  );
  if tg_table_name = 'apollo_usage' then
    execute private.apollo_rollup_statement(v_changes);
  elsif tg_table_name = 'lead_magnet_downloads' then
    execute private.magnet_rollup_statement(v_changes);
  else
    execute private.lead_rollup_statement(v_changes);
    execute private.lead_total_statement(v_changes);
    execute format(
      'select 1 from public.lead_owner_totals t '
      'where t.user_id in (select m.user_id from (%s) m) '
      'order by t.user_id for no key update',
      v_moved
    );
    execute private.last_activity_statement(v_moved);
  end if;
  return null;
end
$$;
