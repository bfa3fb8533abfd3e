-- 0032's check on users.time_zone, validated in a transaction of its own: the scan takes a
-- lock that lets reads and writes go on (share update exclusive), unlike adding it valid.
set local lock_timeout = '10s';

set local statement_timeout = '5min';

alter table public.users validate constraint users_time_zone_valid;
