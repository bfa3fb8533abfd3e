-- Sessions and hardening: sign-in sessions that can be revoked, login throttling, bounded
-- work for API roles, length limits on everything a user can write.
set local lock_timeout = '10s';

set local statement_timeout = '30min';

-- Bounded work, as on Supabase: a runaway query ends instead of holding a connection.
-- (PostgREST, and our psycopg gateway, apply these per request after switching role.)
alter role anon set statement_timeout = '3s';

alter role authenticated set statement_timeout = '8s';

-- Sign-in sessions. The login cookie carries a random token; only its SHA-256 is stored, so
-- a copy of this table signs nobody in. Private: only the service role (the login check)
-- reads or writes it.
create table private.login_sessions (
  id uuid primary key default gen_random_uuid(),
  token_hash text not null unique check (length(token_hash) = 64),
  user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  revoked_reason text
);

create index login_sessions_user_idx on private.login_sessions (user_id);

-- Failed sign-ins per email (known or not), for throttling.
create table private.login_failures (
  id bigint generated always as identity primary key,
  email text not null check (length(email) <= 320),
  failed_at timestamptz not null default now()
);

create index login_failures_email_idx on private.login_failures (email, failed_at);

create index login_failures_failed_at_idx on private.login_failures (failed_at);

-- How long `p_email` must wait before trying again: after 5 failures within 15 minutes,
-- 30 s doubling with each further failure, at most 15 minutes. Zero when it may try now.
create function private.login_wait(p_email text) returns interval
language sql stable
set search_path = ''
as $$
  with recent as (
    select count(*) as failures, max(f.failed_at) as last_failure
    from private.login_failures f
    where f.email = lower(btrim(p_email)) and f.failed_at > now() - interval '15 minutes'
  )
  select greatest(
    interval '0',
    case when r.failures >= 5 then
      r.last_failure
        + least(interval '30 seconds' * power(2, r.failures - 5), interval '15 minutes')
        - now()
    else interval '0' end)
  from recent r
$$;

-- Start a sign-in attempt: how long `p_email` must wait, or, when it may try now, count the
-- attempt as a failure at once (a success clears it). Attempts for one email queue on a lock,
-- so concurrent guesses cannot all pass the check before any is counted. Failures older than
-- a day are forgotten.
create function private.begin_login_attempt(p_email text) returns interval
language plpgsql
set search_path = ''
as $$
declare
  v_email text := lower(btrim(p_email));
  v_wait interval;
begin
  perform pg_advisory_xact_lock(hashtextextended('revos.login:' || v_email, 0));
  delete from private.login_failures f where f.failed_at < now() - interval '1 day';
  v_wait := private.login_wait(v_email);
  if v_wait = interval '0' then
    insert into private.login_failures (email) values (v_email);
  end if;
  return v_wait;
end
$$;

-- A successful sign-in clears the email's failures and starts a session.
create function private.start_session(p_user_id uuid, p_token_hash text, p_days integer)
returns timestamptz
language plpgsql
set search_path = ''
as $$
declare
  v_expires timestamptz := now() + make_interval(days => greatest(1, least(p_days, 90)));
begin
  delete from private.login_failures f
  where f.email = (select lower(a.email) from auth.users a where a.id = p_user_id);
  insert into private.login_sessions (token_hash, user_id, expires_at)
  values (p_token_hash, p_user_id, v_expires);
  return v_expires;
end
$$;

-- The user of a live session (not revoked, not expired), or nothing.
create function private.resume_session(p_token_hash text) returns uuid
language sql
set search_path = ''
as $$
  update private.login_sessions s
     set last_seen_at = now()
   where s.token_hash = p_token_hash and s.revoked_at is null and s.expires_at > now()
  returning s.user_id
$$;

-- Sign-out: this session ends for good, wherever its cookie has been copied to.
create function private.end_session(p_token_hash text, p_reason text) returns void
language sql
set search_path = ''
as $$
  update private.login_sessions s
     set revoked_at = now(), revoked_reason = p_reason
   where s.token_hash = p_token_hash and s.revoked_at is null
$$;

-- Every session of a user ends (password changed, or an administrator signed them out).
create function private.end_user_sessions(p_user_id uuid, p_reason text) returns void
language sql
set search_path = ''
as $$
  update private.login_sessions s
     set revoked_at = now(), revoked_reason = p_reason
   where s.user_id = p_user_id and s.revoked_at is null
$$;

revoke all on table private.login_sessions from public, anon, authenticated;

revoke all on table private.login_failures from public, anon, authenticated;

grant all on table private.login_sessions to service_role;

grant all on table private.login_failures to service_role;

grant usage on schema private to service_role;

grant execute on function private.login_wait(text) to service_role;

grant execute on function private.begin_login_attempt(text) to service_role;

grant execute on function private.start_session(uuid, text, integer) to service_role;

grant execute on function private.resume_session(text) to service_role;

grant execute on function private.end_session(text, text) to service_role;

grant execute on function private.end_user_sessions(uuid, text) to service_role;

-- A new password ends every session signed in with the old one.
create function private.end_sessions_on_password_change() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.encrypted_password is distinct from old.encrypted_password then
    perform private.end_user_sessions(new.id, 'password changed');
  end if;
  return new;
end
$$;

create trigger users_end_sessions_on_password_change
after update of encrypted_password on auth.users
for each row execute function private.end_sessions_on_password_change();

-- "Sign this user out everywhere": a super admin records a revocation; the trigger ends the
-- user's sessions. The rows are the record of who did it and when.
create table public.session_revocations (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  revoked_by uuid not null default auth.uid() references public.users (id) on delete cascade,
  created_at timestamptz not null default now()
);

create index session_revocations_user_idx on public.session_revocations (user_id);

create index session_revocations_revoked_by_idx on public.session_revocations (revoked_by);

alter table public.session_revocations enable row level security;

revoke all on table public.session_revocations from anon;

revoke all on table public.session_revocations from authenticated;

grant select on table public.session_revocations to authenticated;

grant insert (user_id) on table public.session_revocations to authenticated;

grant all on table public.session_revocations to service_role;

-- Revocations: super admins see all; a user sees those of their own sessions.
create policy session_revocations_select on public.session_revocations
for select to authenticated
using (user_id = (select auth.uid()) or (select private.is_super_admin()));

-- Revocations: only a super admin signs someone out everywhere, as themselves.
create policy session_revocations_insert on public.session_revocations
for insert to authenticated
with check (revoked_by = (select auth.uid()) and (select private.is_super_admin()));

create function private.apply_session_revocation() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.end_user_sessions(new.user_id, 'signed out by an administrator');
  return new;
end
$$;

create trigger session_revocations_apply
after insert on public.session_revocations
for each row execute function private.apply_session_revocation();

revoke all on all functions in schema private from public;

-- Every text a user can write has a length limit (new rows at once; 0012 checks old rows).
alter table public.users add constraint users_full_name_length
  check (length(full_name) <= 200) not valid;

alter table public.cartridges add constraint cartridges_text_length
  check (
    length(name) <= 200
    and length(system_prompt) <= 20000
    and length(persona::text) <= 20000
    and length(writing_style::text) <= 20000
    and length(industry_knowledge::text) <= 50000
    and length(examples::text) <= 50000
    and cardinality(tools_enabled) <= 50
  ) not valid;

alter table public.campaigns add constraint campaigns_text_length
  check (
    length(name) <= 200
    and length(linkedin_post_url) <= 2048
    and length(settings::text) <= 20000
  ) not valid;

alter table public.posts add constraint posts_image_url_length
  check (length(image_url) <= 2048) not valid;

alter table public.leads add constraint leads_text_length
  check (
    length(linkedin_profile_url) <= 2048
    and length(name) <= 200
    and length(comment_text) <= 5000
    and length(email) <= 320
    and length(company_name) <= 200
    and length(job_title) <= 200
    and length(company_size) <= 50
    and length(email_campaign_id) <= 200
  ) not valid;

alter table public.lead_magnets add constraint lead_magnets_text_length
  check (
    length(title) <= 200
    and length(description) <= 5000
    and length(niche) <= 100
    and length(file_url) <= 2048
  ) not valid;

alter table public.embeddings add constraint embeddings_text_length
  check (length(content) <= 20000 and length(metadata::text) <= 20000) not valid;

-- Leads for export: the filtered set, up to 50,000 rows, with the same bounds as a page.
-- (leads_page, below, is this with at most 500 rows.)
create function public.leads_export(
  p_client_id uuid default null,
  p_campaign_ids uuid[] default null,
  p_statuses text[] default null,
  p_enrichment_statuses text[] default null,
  p_dm_statuses text[] default null,
  p_email_statuses text[] default null,
  p_from timestamptz default null,
  p_to timestamptz default null,
  p_search text default null,
  p_sort text default 'commented_at',
  p_descending boolean default true,
  p_limit integer default 50000,
  p_offset integer default 0
)
returns table (total bigint, rows jsonb)
language plpgsql stable
security invoker
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
declare
  v_where text := 'true';
  v_direction text := case when p_descending then 'desc' else 'asc' end;
  v_pattern text;
  v_total bigint;
  v_rows jsonb;
  v_scope uuid[] := private.owner_scope(p_client_id);
  -- not-null sort keys keep the index's own null order, so an index can return the page
  v_nulls text := case when p_sort = 'commented_at' then '' else ' nulls last' end;
begin
  if p_sort is null or p_sort not in ('commented_at', 'name', 'company_name', 'job_title',
      'status', 'enrichment_status', 'dm_status', 'email_status', 'dm_sent_at', 'email_sent_at') then
    raise exception 'Leads cannot be sorted by %.', coalesce(p_sort, 'null') using errcode = '22023';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 50000 then
    raise exception 'An export holds 1 to 50,000 leads, not %.', p_limit using errcode = '22023';
  end if;
  if p_offset is null or p_offset < 0 then
    raise exception 'The page offset cannot be negative.' using errcode = '22023';
  end if;
  if p_from is not null and p_to is not null and p_to <= p_from then
    raise exception 'The date range must have a start before its end.' using errcode = '22023';
  end if;
  if p_from is not null and p_to is not null and p_to - p_from > interval '1096 days' then
    raise exception 'A date range covers at most three years.' using errcode = '22023';
  end if;
  if length(p_search) > 200 then
    raise exception 'Search for at most 200 characters (this has %).', length(p_search)
      using errcode = '22023';
  end if;

  if cardinality(v_scope) = 1 then
    v_where := v_where || ' and l.user_id = ($12)[1]';  -- one owner: an ordered index scan
  elsif v_scope is not null then
    v_where := v_where || ' and l.user_id = any ($12)';
  end if;
  if p_campaign_ids is not null then v_where := v_where || ' and l.campaign_id = any ($2)'; end if;
  if p_statuses is not null then v_where := v_where || ' and l.status = any ($3)'; end if;
  if p_enrichment_statuses is not null then
    v_where := v_where || ' and l.enrichment_status = any ($4)';
  end if;
  if p_dm_statuses is not null then v_where := v_where || ' and l.dm_status = any ($5)'; end if;
  if p_email_statuses is not null then
    v_where := v_where || ' and coalesce(l.email_status, ''none'') = any ($6)';
  end if;
  if p_from is not null then v_where := v_where || ' and l.commented_at >= $7'; end if;
  if p_to is not null then v_where := v_where || ' and l.commented_at < $8'; end if;
  if nullif(btrim(p_search), '') is not null then
    -- a literal substring match: escape LIKE's wildcards in what the user typed
    v_pattern := '%' || replace(replace(replace(lower(btrim(p_search)), '\', '\\'), '%', '\%'),
      '_', '\_') || '%';
    v_where := v_where || ' and lower(coalesce(l.name, '''') || '' '' || coalesce(l.company_name, '''')'
      || ' || '' '' || coalesce(l.job_title, '''') || '' '' || coalesce(l.comment_text, '''')) like $9';
  end if;

  execute 'select count(*) from public.leads l where ' || v_where
    into v_total
    using p_client_id, p_campaign_ids, p_statuses, p_enrichment_statuses, p_dm_statuses,
          p_email_statuses, p_from, p_to, v_pattern, null::integer, null::integer, v_scope;

  execute format(
    'select coalesce(jsonb_agg(to_jsonb(p) - ''n'' order by p.n), ''[]'') from ('
    || ' select row_number() over (order by l.%I %s%s, l.id %s) as n,'
    || ' l.id, l.user_id as client_id, l.campaign_id,'
    || ' c.name as campaign_name, l.linkedin_profile_url, l.name, l.company_name, l.job_title,'
    || ' l.company_size, l.email, l.comment_text, l.commented_at, l.status, l.enrichment_status,'
    || ' l.enriched_at, l.dm_status, l.dm_sent_at, l.dm_replied_at, l.email_status,'
    || ' l.email_sent_at, l.email_replied_at'
    -- the page's ids from the index alone (index-only scan), then only those rows' columns
    || ' from (select full_row.* from public.leads full_row join ('
    || '   select l.id from public.leads l where %s'
    || '   order by l.%I %s%s, l.id %s limit $10 offset $11) page on page.id = full_row.id) l'
    || ' left join public.campaigns c on c.id = l.campaign_id) p',
    p_sort, v_direction, v_nulls, v_direction, v_where, p_sort, v_direction, v_nulls,
    v_direction)
    into v_rows
    using p_client_id, p_campaign_ids, p_statuses, p_enrichment_statuses, p_dm_statuses,
          p_email_statuses, p_from, p_to, v_pattern, p_limit, p_offset, v_scope;

  return query select v_total, v_rows;
end
$$;

-- One page of leads (at most 500) matching the filters, with the total count of all that
-- match. p_email_statuses may contain 'none' for leads with no email status.
create or replace function public.leads_page(
  p_client_id uuid default null,
  p_campaign_ids uuid[] default null,
  p_statuses text[] default null,
  p_enrichment_statuses text[] default null,
  p_dm_statuses text[] default null,
  p_email_statuses text[] default null,
  p_from timestamptz default null,
  p_to timestamptz default null,
  p_search text default null,
  p_sort text default 'commented_at',
  p_descending boolean default true,
  p_limit integer default 50,
  p_offset integer default 0
)
returns table (total bigint, rows jsonb)
language plpgsql stable
security invoker
set search_path = ''
as $$
begin
  if p_limit is null or p_limit < 1 or p_limit > 500 then
    raise exception 'A page holds 1 to 500 leads, not %.', p_limit using errcode = '22023';
  end if;
  return query
  select * from public.leads_export(p_client_id, p_campaign_ids, p_statuses,
    p_enrichment_statuses, p_dm_statuses, p_email_statuses, p_from, p_to, p_search, p_sort,
    p_descending, p_limit, p_offset);
end
$$;

revoke all on function public.leads_export(uuid, uuid[], text[], text[], text[], text[],
  timestamptz, timestamptz, text, text, boolean, integer, integer) from public, anon;

grant execute on function public.leads_export(uuid, uuid[], text[], text[], text[], text[],
  timestamptz, timestamptz, text, text, boolean, integer, integer) to authenticated;

-- Tenants page: a super admin signs a user out of every browser. Runs as the caller: the
-- policy above decides (nobody else may insert), the trigger ends the sessions.
create function public.sign_out_everywhere(p_user_id uuid)
returns table (user_id uuid, revoked_at timestamptz)
language sql
security invoker
set search_path = ''
as $$
  insert into public.session_revocations (user_id) values (p_user_id)
  returning user_id, created_at
$$;

revoke all on function public.sign_out_everywhere(uuid) from public, anon;

grant execute on function public.sign_out_everywhere(uuid) to authenticated;

-- The people the caller may see (RLS on users decides): a super admin's pick list.
create function public.user_directory()
returns table (id uuid, email text, role text, full_name text, company text)
language sql stable
security invoker
set search_path = ''
as $$
  select u.id, u.email, u.role, u.full_name, u.company from public.users u
  order by u.role, coalesce(u.company, u.full_name, u.email)
$$;

revoke all on function public.user_directory() from public, anon;

grant execute on function public.user_directory() to authenticated;
