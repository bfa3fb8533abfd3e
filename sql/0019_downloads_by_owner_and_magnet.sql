-- revos: no-transaction
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction
--
-- A tenant's downloads by magnet, with the reply flag of 0018, from the index alone (what
-- lead_magnet_performance reads). Built concurrently; re-runnable from the top.
set lock_timeout = '10s';

set statement_timeout = '60min';

drop index concurrently if exists public.lead_magnet_downloads_owner_magnet_idx;

create index concurrently lead_magnet_downloads_owner_magnet_idx
  on public.lead_magnet_downloads (user_id, lead_magnet_id) include (lead_replied);
