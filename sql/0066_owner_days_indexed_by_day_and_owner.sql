-- revos: no-transaction
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction
--
-- The owner-day rollup's day index carries the owner as a key, not only as a payload.
--
-- With 0065 the overview reads the owner-day rollup for clients and reviewers too. 0064's
-- index (day, counts included) let them read their rows from the index alone, and the
-- planner took it over the primary key: a client's 30 days then walked every tenant's rows
-- of those days and filtered out 30,636 of 30,667 (1M leads, 1,000 tenants): 15 to 17 ms a
-- call, against 1.1 to 1.9 ms before 0065. With the owner as the index's second key, a
-- client's owners are conditions of the scan (one search per day), and a super admin's range
-- of days reads as before: client 1.1 to 1.7 ms, reviewer 2.6, super admin 40 ms (103 before
-- 0065). Same rows. As in 0046 for the other rollups. Built concurrently; re-runnable from
-- the top.
set lock_timeout = '10s';

set statement_timeout = '60min';

drop index concurrently if exists public.lead_owner_daily_stats_day_owner_idx;

create index concurrently lead_owner_daily_stats_day_owner_idx
  on public.lead_owner_daily_stats (day, user_id)
  include (new_leads, enriched, enrichment_failed, dms_sent, dms_sent_replied, emails_sent,
           emails_sent_replied);

drop index concurrently if exists public.lead_owner_daily_stats_day_counts_idx;
