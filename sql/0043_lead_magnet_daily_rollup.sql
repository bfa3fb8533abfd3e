-- Lead-magnet downloads per owner, local day and magnet, kept exact by the database.
--
-- The lead magnets page and the overview counted raw downloads on every call: at 1M leads
-- the big client's 30 days are 27,000 index entries, each checked against the select policy;
-- at 10M a super admin's two overview periods are 1.36M. `lead_magnet_daily_stats` holds, per
-- owner, day (the owner's local day, as in 0032) and magnet, how many downloads there were
-- and how many of them came from leads who have replied (the downloads' `lead_replied`
-- flag, 0018). The big client's 30 days become 630 rows, a typical client's 290.
--
-- It is kept like the other rollups (0015, 0032): statement-level triggers with transition
-- tables on the downloads add what each insert, update or delete changes, in the same
-- transaction, under the owner's rollup lock. A lead's reply changes its downloads' flags
-- (an update of the downloads), so the replies follow. A new time zone recounts the owner's
-- days, a deleted owner's rows go with them, emptying the downloads empties the rollup.
-- tests/test_rollups.py compares it with a recomputation after random changes.
set local lock_timeout = '10s';

set local statement_timeout = '30min';

create table public.lead_magnet_daily_stats (
  user_id uuid not null,
  day date not null,
  lead_magnet_id uuid not null,
  downloads integer not null default 0,
  replies integer not null default 0,
  primary key (user_id, day, lead_magnet_id)
);

-- the super admin's windows over every tenant
create index lead_magnet_daily_stats_day_idx on public.lead_magnet_daily_stats (day);

alter table public.lead_magnet_daily_stats enable row level security;

revoke all on table public.lead_magnet_daily_stats from anon;

revoke all on table public.lead_magnet_daily_stats from authenticated;

grant select on table public.lead_magnet_daily_stats to authenticated;

grant all on table public.lead_magnet_daily_stats to service_role;

-- Download counts: read like the downloads they count (the owner, the owner's reviewers,
-- super admins); written only by the triggers below.
create policy lead_magnet_daily_stats_select on public.lead_magnet_daily_stats
for select to authenticated
using (
  user_id = any ((select private.visible_owners())::uuid[])
  or user_id between (select private.all_owners_from()) and (select private.all_owners_to())
);

-- The statement that adds signed downloads (`sign`, then the download's columns) to the
-- rollup, each on its owner's local day; as the lead rollup, in key order, for owners that
-- still exist, and writing only keys whose counts change.
create function private.magnet_rollup_statement(p_changes text) returns text
language sql immutable
set search_path = ''
as $fn$
  select format($q$
  insert into public.lead_magnet_daily_stats as s (user_id, day, lead_magnet_id, downloads,
    replies)
  select g.*
  from (
    select c.user_id, (c.downloaded_at at time zone z.time_zone)::date as day,
           c.lead_magnet_id, sum(c.sign)::int as downloads,
           coalesce(sum(c.sign) filter (where c.lead_replied), 0)::int as replies
    from (%s) c
    join public.users z on z.id = c.user_id
    group by 1, 2, 3
  ) g
  where (g.downloads, g.replies) <> (0, 0)
  order by 1, 2, 3
  on conflict (user_id, day, lead_magnet_id) do update set
    downloads = s.downloads + excluded.downloads,
    replies = s.replies + excluded.replies
  $q$, p_changes)
$fn$;

revoke all on function private.magnet_rollup_statement(text) from public;

-- As in 0032, with the downloads' rollup.
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
  end if;
  return null;
end
$$;

-- As in 0015, with the downloads' rollup.
create or replace function private.clear_rollups() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_table_name = 'apollo_usage' then
    delete from public.apollo_daily_usage;
  elsif tg_table_name = 'lead_magnet_downloads' then
    delete from public.lead_magnet_daily_stats;
  else
    delete from public.lead_daily_stats;
    delete from public.lead_owner_totals;
  end if;
  return null;
end
$$;

-- No time zone changes while this migration runs: a change begun now would recount the
-- owner's other rollups with the recount of before this file, then find this rollup filled
-- on the old zone's days below (found in review). Held until this file commits.
lock table public.users in share mode;

create trigger lead_magnet_downloads_roll_up_inserts
after insert on public.lead_magnet_downloads
referencing new table as new_rows
for each statement execute function private.roll_up_changes();

create trigger lead_magnet_downloads_roll_up_updates
after update on public.lead_magnet_downloads
referencing old table as old_rows new table as new_rows
for each statement execute function private.roll_up_changes();

create trigger lead_magnet_downloads_roll_up_deletes
after delete on public.lead_magnet_downloads
referencing old table as old_rows
for each statement execute function private.roll_up_changes();

create trigger lead_magnet_downloads_clear_rollup
after truncate on public.lead_magnet_downloads
for each statement execute function private.clear_rollups();

-- As in 0032, with the downloads' rollup. The reply flags are set first: rewriting a flag
-- is an update of the download, which the trigger adds to the rollup; the owners' download
-- counts are then recounted from scratch, so the result is the same with the triggers on or
-- skipped (the seed).
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
  delete from public.lead_daily_stats where user_id = any (p_owners);
  delete from public.lead_owner_totals where user_id = any (p_owners);
  delete from public.apollo_daily_usage where user_id = any (p_owners);
  execute private.lead_rollup_statement(v_leads);
  execute private.lead_total_statement(v_leads);
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

-- As in 0026, with the downloads' rollup (after the flags, as above).
create or replace function private.rebuild_rollups() returns void
language plpgsql
security definer
set search_path = ''
set work_mem = '128MB'
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
  delete from public.lead_magnet_daily_stats;
  execute private.magnet_rollup_statement(
    'select 1 as sign, d.* from public.lead_magnet_downloads d'
  );
end
$$;

-- As in 0032, with the downloads' rollup.
create or replace function private.forget_owner_rollups() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from public.lead_daily_stats where user_id = old.id;
  delete from public.apollo_daily_usage where user_id = old.id;
  delete from public.lead_owner_totals where user_id = old.id;
  delete from public.lead_magnet_daily_stats where user_id = old.id;
  return null;
end
$$;

-- The downloads already stored (the triggers above hold new ones back until this commits).
do $$
begin
  execute private.magnet_rollup_statement(
    'select 1 as sign, d.* from public.lead_magnet_downloads d'
  );
end
$$;
