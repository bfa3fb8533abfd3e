-- Leads pages read in index order again.
--
-- Under the visibility rule of 0014 the planner estimates a policy's owner arms as
-- selective (a small share of the table) and, for a big client's page, picked a bitmap scan
-- of all 200,000 of their leads and a sort, over walking (user_id, commented_at, id) in
-- order: a deep page took 220 ms instead of 40. Pages want the ordered walk, so leads_export
-- (and leads_page through it) plans without bitmap scans; the search helper, whose GIN index
-- is read by a bitmap scan, keeps them.
set local lock_timeout = '10s';

set local statement_timeout = '5min';

alter function public.leads_export(uuid, uuid[], text[], text[], text[], text[],
  timestamptz, timestamptz, text, text, boolean, integer, integer)
  set enable_bitmapscan = off;

alter function private.search_lead_ids(uuid[], text) set enable_bitmapscan = on;
