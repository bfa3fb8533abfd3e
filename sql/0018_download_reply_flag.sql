-- Lead-magnet conversion without joining every download to its lead.
--
-- lead_magnet_performance counted, per magnet, the downloads whose lead has replied: a join
-- of every download in scope to its lead (38,000 lookups for the big client, 300 ms). Each
-- download now carries `lead_replied`, kept equal to "its lead has a DM or email reply" by
-- the database: set from the lead when a download is written, and updated on the lead's
-- downloads when a statement changes whether leads replied. Users cannot write downloads.
set local lock_timeout = '10s';

set local statement_timeout = '30min';

alter table public.lead_magnet_downloads
  add column lead_replied boolean not null default false;

update public.lead_magnet_downloads d set lead_replied = true
from public.leads l
where l.id = d.lead_id and (l.dm_replied_at is not null or l.email_replied_at is not null);

-- A download's flag, from its lead, whenever the download is written.
create function private.download_reply_from_lead() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  new.lead_replied := coalesce((
    select l.dm_replied_at is not null or l.email_replied_at is not null
    from public.leads l where l.id = new.lead_id
  ), false);
  return new;
end
$$;

-- The downloads' flags, after a statement changed whether some leads replied.
create function private.sync_download_replies() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.lead_magnet_downloads d
  set lead_replied = n.dm_replied_at is not null or n.email_replied_at is not null
  from new_rows n
  join old_rows o on o.id = n.id
  where d.lead_id = n.id
    and (n.dm_replied_at is not null or n.email_replied_at is not null)
      <> (o.dm_replied_at is not null or o.email_replied_at is not null);
  return null;
end
$$;

revoke all on function private.download_reply_from_lead() from public;

revoke all on function private.sync_download_replies() from public;

create trigger lead_magnet_downloads_reply_flag
before insert or update of lead_id on public.lead_magnet_downloads
for each row execute function private.download_reply_from_lead();

create trigger leads_sync_download_replies
after update on public.leads
referencing old table as old_rows new table as new_rows
for each statement execute function private.sync_download_replies();

-- After a bulk load that skipped triggers (the seed), the rollups and the download flags are
-- recomputed; as in 0015, plus the flags.
create or replace function private.rebuild_rollups() returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
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

-- Downloads and conversion per lead magnet, as in 0006, from the flag: each tenant's
-- downloads are counted by magnet first, then joined to the magnets the caller may see.
create or replace function public.lead_magnet_performance(p_client_id uuid default null)
returns table (
  lead_magnet_id uuid,
  title text,
  niche text,
  scope text,
  owner_id uuid,
  downloads bigint,
  replies bigint,
  conversion_rate numeric
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
  return query
  with counted as (
    select d.lead_magnet_id,
           count(*) as downloads,
           count(*) filter (where d.lead_replied) as replies
    from public.lead_magnet_downloads d
    where v_scope is null or d.user_id = any (v_scope)
    group by d.lead_magnet_id
  )
  select m.id,
         m.title,
         m.niche,
         case when m.user_id is null then 'global' else 'custom' end,
         m.user_id,
         coalesce(c.downloads, 0),
         coalesce(c.replies, 0),
         round(c.replies::numeric / nullif(c.downloads, 0), 4)
  from public.lead_magnets m
  left join counted c on c.lead_magnet_id = m.id
  where v_scope is null or m.user_id is null or m.user_id = any (v_scope)
  order by coalesce(c.downloads, 0) desc, m.title;
end
$$;
