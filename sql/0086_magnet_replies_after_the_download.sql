-- A lead magnet converts when its lead replies after the download.
--
-- The Lead magnets page promises "Replies after a download", and the data model's
-- conversion is "downloads → replies"; but a download's `lead_replied` (0018) meant "its lead
-- has ever replied". A lead who had answered the DM before downloading counted as a
-- conversion of the magnet. An audit of the demo (session 27) found 291 of the 348 flagged
-- downloads were such leads: client1's 30-day conversion read 24.1% where 6.2% of the
-- downloads were followed by a reply. The flag is now true when the lead's DM or email reply
-- came after the download. The flags are rewritten below; the magnets' daily rollup follows
-- through its update trigger (0043), and every reader of the flag with it.
set local lock_timeout = '10s';

set local statement_timeout = '30min';

-- Whether the lead replied (by DM or email) after a moment: the one rule for the flag.
create function private.replied_after(
  p_dm_replied_at timestamptz,
  p_email_replied_at timestamptz,
  p_at timestamptz
) returns boolean
language sql immutable
set search_path = ''
as $$
  select coalesce(p_dm_replied_at > p_at, false) or coalesce(p_email_replied_at > p_at, false)
$$;

-- The seed, run as the service role, writes the flags the triggers it skips would write.
grant execute on function private.replied_after(timestamptz, timestamptz, timestamptz)
  to service_role;

-- As in 0026: a download's flag from its lead (locked against a concurrent reply) whenever
-- the download is written, its time included.
create or replace function private.download_reply_from_lead() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  new.lead_replied := coalesce((
    select private.replied_after(l.dm_replied_at, l.email_replied_at, new.downloaded_at)
    from public.leads l where l.id = new.lead_id
    for share
  ), false);
  return new;
end
$$;

-- As in 0018: the downloads' flags after a statement changed when some leads replied (a
-- reply's time matters now, not only whether there is one).
create or replace function private.sync_download_replies() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.lead_magnet_downloads d
  set lead_replied = private.replied_after(n.dm_replied_at, n.email_replied_at, d.downloaded_at)
  from new_rows n
  join old_rows o on o.id = n.id
  where d.lead_id = n.id
    and (n.dm_replied_at, n.email_replied_at)
        is distinct from (o.dm_replied_at, o.email_replied_at)
    and d.lead_replied
        <> private.replied_after(n.dm_replied_at, n.email_replied_at, d.downloaded_at);
  return null;
end
$$;

-- As in 0070, with the flags' new rule.
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
  set lead_replied = private.replied_after(l.dm_replied_at, l.email_replied_at, d.downloaded_at)
  from public.leads l
  where l.id = d.lead_id
    and d.user_id = any (p_owners)
    and d.lead_replied
        <> private.replied_after(l.dm_replied_at, l.email_replied_at, d.downloaded_at);
  delete from public.lead_magnet_daily_stats where user_id = any (p_owners);
  execute private.magnet_rollup_statement(format(
    'select 1 as sign, d.* from public.lead_magnet_downloads d '
    'where d.user_id = any (%L::uuid[])',
    p_owners
  ));
end
$$;

-- As in 0063, with the flags' new rule.
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
  set lead_replied = private.replied_after(l.dm_replied_at, l.email_replied_at, d.downloaded_at)
  from public.leads l
  where l.id = d.lead_id
    and d.lead_replied
        <> private.replied_after(l.dm_replied_at, l.email_replied_at, d.downloaded_at);
  delete from public.lead_magnet_daily_stats;
  execute private.magnet_rollup_statement(
    'select 1 as sign, d.* from public.lead_magnet_downloads d'
  );
end
$$;

-- No reply is written while the flags are rewritten: a writer that began before this file
-- would set its downloads' flags by the old rule. Writers wait for this file to commit.
lock table public.leads in share mode;

-- The stored flags, by the new rule. Each rewrite is an update of its download, which the
-- rollup trigger (0043) takes off the magnet's old counts and adds to its new ones.
update public.lead_magnet_downloads d
set lead_replied = private.replied_after(l.dm_replied_at, l.email_replied_at, d.downloaded_at)
from public.leads l
where l.id = d.lead_id
  and d.lead_replied
      <> private.replied_after(l.dm_replied_at, l.email_replied_at, d.downloaded_at);
