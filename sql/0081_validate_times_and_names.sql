-- 0080's checks, against the rows stored before it (apart, so that adding them held their
-- tables' locks only for a moment; a validation lets writes go on while it reads).
set local lock_timeout = '10s';

set local statement_timeout = '30min';

alter table public.leads validate constraint leads_times_in_range;

alter table public.campaigns validate constraint campaigns_times_in_range;

alter table public.cartridges validate constraint cartridges_times_in_range;

alter table public.lead_magnets validate constraint lead_magnets_times_in_range;

alter table public.embeddings validate constraint embeddings_times_in_range;

alter table public.lead_magnet_embeddings validate constraint lead_magnet_embeddings_times_in_range;

alter table public.users validate constraint users_full_name_plain;
