-- revos: no-transaction
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction
--
-- Downloads by magnet, with what counting them needs. match_lead_magnets counts the
-- downloads and replies of its candidate magnets; for a super admin (every tenant) at 10M
-- leads that read 1M+ rows from the heap for `lead_replied` (2.7 s, measured). With the flag
-- and the owner (for the select policy) in the index, it is an index-only scan (35 ms). The
-- new index leads with lead_magnet_id, so it also serves the foreign key, and replaces the
-- plain one. Built concurrently (downloads keep coming); re-runnable from the top.
set lock_timeout = '10s';

set statement_timeout = '60min';

drop index concurrently if exists public.lead_magnet_downloads_magnet_cover_idx;

create index concurrently lead_magnet_downloads_magnet_cover_idx
  on public.lead_magnet_downloads (lead_magnet_id) include (lead_replied, user_id);

drop index concurrently if exists public.lead_magnet_downloads_magnet_idx;
