-- Two races closed, and a default privilege completed (found in review).
--
-- A download's reply flag was read from its lead without a lock: a download inserted while
-- another transaction recorded the lead's reply could keep `false` for good (each side
-- missed the other's uncommitted row). The flag is now read `for share`, so the reply waits
-- for the download's transaction and its statement trigger then sees the download. The
-- trigger also fires on every update of a download, so no write can set the flag by hand.
--
-- Rebuilding the rollups deleted and recomputed them while leads and Apollo attempts could
-- still be written: a concurrent attempt was counted twice. The rebuild now holds share
-- locks on its sources (writes wait; reads go on).
--
-- And 0014's default privileges are completed: Supabase also grants EXECUTE on new functions
-- in `public` to authenticated per schema; every function since 0014 grants it by name.
set local lock_timeout = '10s';

set local statement_timeout = '30min';

alter default privileges in schema public revoke execute on functions from authenticated;

-- A download's flag, from its lead (locked against a concurrent reply), whenever written.
create or replace function private.download_reply_from_lead() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  new.lead_replied := coalesce((
    select l.dm_replied_at is not null or l.email_replied_at is not null
    from public.leads l where l.id = new.lead_id
    for share
  ), false);
  return new;
end
$$;

drop trigger lead_magnet_downloads_reply_flag on public.lead_magnet_downloads;

create trigger lead_magnet_downloads_reply_flag
before insert or update on public.lead_magnet_downloads
for each row execute function private.download_reply_from_lead();

-- As in 0018, under share locks on what it counts.
create or replace function private.rebuild_rollups() returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
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
end
$$;
