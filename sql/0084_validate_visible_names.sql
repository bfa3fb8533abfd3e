-- 0083's name check, against the names stored before it (apart: a validation lets writes
-- go on while it reads).
set local lock_timeout = '10s';

set local statement_timeout = '30min';

alter table public.users validate constraint users_full_name_visible;
