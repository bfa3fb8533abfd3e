-- Check the rows that existed before 0011 against its length limits, in a transaction of its
-- own: validating takes only a SHARE UPDATE EXCLUSIVE lock, so reads and writes go on.
set local lock_timeout = '10s';

set local statement_timeout = '30min';

alter table public.users validate constraint users_full_name_length;

alter table public.cartridges validate constraint cartridges_text_length;

alter table public.campaigns validate constraint campaigns_text_length;

alter table public.posts validate constraint posts_image_url_length;

alter table public.leads validate constraint leads_text_length;

alter table public.lead_magnets validate constraint lead_magnets_text_length;

alter table public.embeddings validate constraint embeddings_text_length;
