-- revos: no-transaction
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction
--
-- The draft messages have an index of their own.
--
-- The approval queue starts from the drafts in scope (0041). A super admin with no client
-- picked has every tenant's in scope: over 12,250 tenants at 10M leads, 490,000 draft
-- messages among 13 million. No index narrows by status alone, so the planner read the
-- whole table in parallel (505,000 pages, 2.2 to 2.4 s a call). A partial index of the
-- drafts, by owner and age, with the columns the queue's first step reads, gives them from
-- the index alone: 570 ms (what is left is ordering and counting them all, for the page and
-- its total). A client's and a reviewer's queue read their owners' part of it: 3 to 7 ms, as
-- before (5 to 6). Drafts leave it when they are reviewed, so it stays the size of the
-- queue. Built concurrently (messages change all the time); re-runnable from the top.
set lock_timeout = '10s';

set statement_timeout = '60min';

drop index concurrently if exists public.messages_drafts_idx;

create index concurrently messages_drafts_idx
  on public.messages (user_id, created_at)
  include (channel, id, lead_id)
  where status = 'draft';
