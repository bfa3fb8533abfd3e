-- revos: no-transaction
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction
--
-- One vector per lead magnet and model, and one memory per approved message or post of an
-- owner (its source id in metadata): `revos embed` and new approvals upsert on these keys,
-- so a second run finds nothing to do. The owner is part of the memory key so that a memory
-- a user writes for themselves can never take the key of another tenant's message.
-- Built concurrently (the tables may hold data); re-runnable from the top.
set lock_timeout = '10s';

set statement_timeout = '60min';

drop index concurrently if exists public.lead_magnet_embeddings_magnet_model_idx;

create unique index concurrently lead_magnet_embeddings_magnet_model_idx
  on public.lead_magnet_embeddings (lead_magnet_id, model);

drop index concurrently if exists public.embeddings_source_idx;

create unique index concurrently embeddings_source_idx
  on public.embeddings (user_id, (metadata ->> 'source_id'))
  where metadata ? 'source_id';
