-- What a review of 0086 found.
--
-- 1. Its backfill locked `leads` alone. A download written meanwhile read its lead under a
--    share lock, which does not wait for that one, took the old rule's flag and was not
--    rewritten. Both tables are held still now, and the flags are rewritten again (only
--    those that differ: on a database 0086 left right, none).
-- 2. `private.replied_after` has its own search_path, so PostgreSQL calls it row by row
--    instead of inlining it: 2.9 s per million rows against 0.12 s written out. The
--    triggers keep it (a row or a statement's rows at a time); the recounts and the rebuild,
--    which run it over every download (the seed's rebuild among them), write the rule out.
-- 3. It was not revoked from public by name, as every private function since 0015 is.
set local lock_timeout = '10s';

set local statement_timeout = '30min';

revoke all on function private.replied_after(timestamptz, timestamptz, timestamptz) from public;

-- As in 0086, with the rule written out (see above).
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
  set lead_replied = (coalesce(l.dm_replied_at > d.downloaded_at, false)
                      or coalesce(l.email_replied_at > d.downloaded_at, false))
  from public.leads l
  where l.id = d.lead_id
    and d.user_id = any (p_owners)
    and d.lead_replied
        <> (coalesce(l.dm_replied_at > d.downloaded_at, false)
            or coalesce(l.email_replied_at > d.downloaded_at, false));
  delete from public.lead_magnet_daily_stats where user_id = any (p_owners);
  execute private.magnet_rollup_statement(format(
    'select 1 as sign, d.* from public.lead_magnet_downloads d '
    'where d.user_id = any (%L::uuid[])',
    p_owners
  ));
end
$$;

-- As in 0086, with the rule written out (see above).
create or replace function private.rebuild_rollups() returns void
language plpgsql
security definer
set search_path = ''
set work_mem = '128MB'
as $$
begin
  lock table public.users in share mode;
  lock table public.leads, public.apollo_usage, public.lead_magnet_downloads in share mode;
  lock table public.messages, public.posts in share mode;
  delete from public.lead_daily_stats;
  delete from public.lead_owner_daily_stats;
  delete from public.lead_owner_totals;
  execute private.lead_rollup_statement('select 1 as sign, l.* from public.leads l');
  execute private.lead_total_statement('select 1 as sign, l.* from public.leads l');
  execute private.last_activity_statement('select l.user_id from public.leads l');
  perform private.recount_drafts(null);
  delete from public.apollo_daily_usage;
  delete from public.apollo_monthly_usage;
  execute private.apollo_rollup_statement('select 1 as sign, a.* from public.apollo_usage a');
  update public.lead_magnet_downloads d
  set lead_replied = (coalesce(l.dm_replied_at > d.downloaded_at, false)
                      or coalesce(l.email_replied_at > d.downloaded_at, false))
  from public.leads l
  where l.id = d.lead_id
    and d.lead_replied
        <> (coalesce(l.dm_replied_at > d.downloaded_at, false)
            or coalesce(l.email_replied_at > d.downloaded_at, false));
  delete from public.lead_magnet_daily_stats;
  execute private.magnet_rollup_statement(
    'select 1 as sign, d.* from public.lead_magnet_downloads d'
  );
end
$$;

-- Writers of replies and of downloads wait for this file to commit (see 1 above).
lock table public.leads, public.lead_magnet_downloads in share mode;

-- The stored flags, by the rule (a reply after the download); as in 0086.
update public.lead_magnet_downloads d
set lead_replied = (coalesce(l.dm_replied_at > d.downloaded_at, false)
                    or coalesce(l.email_replied_at > d.downloaded_at, false))
from public.leads l
where l.id = d.lead_id
  and d.lead_replied <> (coalesce(l.dm_replied_at > d.downloaded_at, false)
                         or coalesce(l.email_replied_at > d.downloaded_at, false));
