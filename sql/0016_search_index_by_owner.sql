-- revos: no-transaction
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction
--
-- Search that narrows by owner and text together. The trigram index of 0004 covered the
-- search text of every tenant, so a big client's search read every tenant's matches. This
-- GIN index (btree_gin for the uuid) holds the owner beside the trigrams: one index scan
-- finds one owner's matches. It replaces the old index. Built concurrently (leads keep
-- taking writes); if a build fails, the file runs again from the top and rebuilds it.
set lock_timeout = '10s';

set statement_timeout = '60min';

create extension if not exists btree_gin with schema extensions;

drop index concurrently if exists public.leads_owner_search_idx;

create index concurrently leads_owner_search_idx on public.leads using gin (
  user_id,
  (lower(coalesce(name, '') || ' ' || coalesce(company_name, '') || ' '
    || coalesce(job_title, '') || ' ' || coalesce(comment_text, '')))
  extensions.gin_trgm_ops
);

drop index concurrently if exists public.leads_search_trgm_idx;
