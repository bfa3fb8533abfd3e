-- revos: no-transaction
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction
--
-- The super admin's 30-day windows read the owner-day rollup (0062) from its day index alone.
-- Over 12,250 tenants at 10M leads they are 371,582 rows, which the day index of 0062 found
-- and the heap then gave, page by page: 150 of the windows' 390 ms (EXPLAIN analyze), and
-- admin_tenant_stats took 470 to 530 ms at the median. The day index now carries the owner and
-- the counts the windows sum, so the rows come from the index alone (the visibility map marks
-- past days' pages all-visible: only today's rows change): 340 to 360 ms at the median, same
-- rows. It replaces 0062's index, which it serves in full. Built concurrently (the rollup
-- changes with every lead written); re-runnable from the top.
set lock_timeout = '10s';

set statement_timeout = '60min';

drop index concurrently if exists public.lead_owner_daily_stats_day_counts_idx;

create index concurrently lead_owner_daily_stats_day_counts_idx
  on public.lead_owner_daily_stats (day)
  include (user_id, new_leads, enriched, enrichment_failed, dms_sent, dms_sent_replied,
           emails_sent, emails_sent_replied);

drop index concurrently if exists public.lead_owner_daily_stats_day_idx;
