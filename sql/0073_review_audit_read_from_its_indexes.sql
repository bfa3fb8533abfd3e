-- revos: no-transaction
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction
--
-- The review metrics read the audit from its indexes.
--
-- Over 12,250 tenants at 10M leads the audit holds 3.3 million reviews a month (1.6 GB,
-- mostly the drafts' texts). The super admin's review metrics read all of them from the
-- table: review_summary 5 to 7 s a call, rejection_reasons 0.8 to 1.1 s, and review_history's
-- latest 500 sorted every review of the week (1.8 s). Now:
--   - the owner and reviewer indexes carry what the summary reads (the action, the draft's
--     time, the other party), so a summary scans one of them alone, in its group's order;
--   - the rejections have a partial index with their reasons (1% of the reviews);
--   - the history reads the newest reviews from an index on their time.
-- Built concurrently (reviews are written all the time); re-runnable from the top. The old
-- owner and reviewer indexes go once their replacements exist: same leading columns, so the
-- foreign keys and the policies keep an index.
set lock_timeout = '10s';

set statement_timeout = '60min';

drop index concurrently if exists public.review_audit_client_cover_idx;

create index concurrently review_audit_client_cover_idx
  on public.review_audit (client_id, created_at)
  include (actor_id, action, drafted_at);

drop index concurrently if exists public.review_audit_actor_cover_idx;

create index concurrently review_audit_actor_cover_idx
  on public.review_audit (actor_id, created_at)
  include (client_id, action, drafted_at);

drop index concurrently if exists public.review_audit_rejections_idx;

create index concurrently review_audit_rejections_idx
  on public.review_audit (client_id, created_at)
  include (reason)
  where action = 'rejected';

drop index concurrently if exists public.review_audit_recent_idx;

create index concurrently review_audit_recent_idx
  on public.review_audit (created_at desc, id);

drop index concurrently if exists public.review_audit_client_idx;

drop index concurrently if exists public.review_audit_actor_idx;
