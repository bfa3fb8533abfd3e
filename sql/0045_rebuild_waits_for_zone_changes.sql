-- A rebuild of the rollups waits for time zone changes instead of deadlocking with them.
--
-- A zone change (0032) recounts its owner's rollups inside the user's update: it takes row
-- exclusive locks on the downloads (their reply flags) and the rollups, and its transaction
-- may go on to write leads. rebuild_rollups (0043) locked leads, Apollo attempts and
-- downloads in share mode one after the other: holding the lock on leads while waiting for
-- the downloads, it deadlocked with such a transaction (tests/test_rollups.py). It now
-- locks users first, in share mode, which no zone change can hold at the same time: a zone
-- change in progress is waited for before anything else is locked, and a new one waits for
-- the rebuild. Same body otherwise.
set local lock_timeout = '10s';

set local statement_timeout = '1min';

create or replace function private.rebuild_rollups() returns void
language plpgsql
security definer
set search_path = ''
set work_mem = '128MB'
as $$
begin
  lock table public.users in share mode;
  lock table public.leads, public.apollo_usage, public.lead_magnet_downloads in share mode;
  delete from public.lead_daily_stats;
  delete from public.lead_owner_totals;
  execute private.lead_rollup_statement('select 1 as sign, l.* from public.leads l');
  execute private.lead_total_statement('select 1 as sign, l.* from public.leads l');
  delete from public.apollo_daily_usage;
  execute private.apollo_rollup_statement('select 1 as sign, a.* from public.apollo_usage a');
  update public.lead_magnet_downloads d
  set lead_replied = l.dm_replied_at is not null or l.email_replied_at is not null
  from public.leads l
  where l.id = d.lead_id
    and d.lead_replied <> (l.dm_replied_at is not null or l.email_replied_at is not null);
  delete from public.lead_magnet_daily_stats;
  execute private.magnet_rollup_statement(
    'select 1 as sign, d.* from public.lead_magnet_downloads d'
  );
end
$$;
