-- The super admin's tenant table from one row per tenant (and per tenant and day).
--
-- admin_tenant_stats (0032) took 2.5 to 2.8 s over 12,250 tenants at 10M leads (500 ms
-- target; 136 ms over 1,000). EXPLAIN (analyze) of its statement on that database:
--   the 30-day windows  1.45 s  1.52M rows of the per-campaign daily rollup, 12,250 probes
--   drafts waiting      0.38 s  526,750 draft messages and posts counted
--   last activity       0.37 s  3 index probes per tenant, 36,750 in all
--   Apollo this month   0.27 s  334,832 rows of the daily usage
-- Each tenant's numbers were recounted from rows that change rarely. Now:
--   - `lead_owner_daily_stats`: the lead rollup per owner and day, without the campaign (a
--     quarter of the rows over 30 days). Written by the same statement as the per-campaign
--     rollup, from the same changes, so the two always agree.
--   - `lead_owner_totals` gains each owner's drafts waiting (messages and posts apart: either
--     table can be emptied alone) and last activity. Drafts are counted by statement-level
--     triggers on messages and posts, as the other rollups are. Last activity is a maximum,
--     which a delete can lower: the leads' trigger recomputes it for the owners a statement
--     changed (three index probes each), after locking their totals rows, so that of two
--     writers the later computes it from a snapshot that holds the earlier's commit.
-- The recounts (a new time zone, the seed), the rebuild, a deleted owner and a truncate keep
-- them as they keep the other rollups; tests/test_rollups.py compares them with a
-- recomputation from raw rows after random changes.
set local lock_timeout = '10s';

set local statement_timeout = '30min';

create table public.lead_owner_daily_stats (
  user_id uuid not null,
  day date not null,
  new_leads integer not null default 0,
  enriched integer not null default 0,
  enrichment_failed integer not null default 0,
  dms_sent integer not null default 0,
  dms_sent_replied integer not null default 0,
  dm_replies integer not null default 0,
  emails_sent integer not null default 0,
  emails_sent_replied integer not null default 0,
  email_replies integer not null default 0,
  primary key (user_id, day)
);

-- the super admin's windows over every tenant
create index lead_owner_daily_stats_day_idx on public.lead_owner_daily_stats (day);

alter table public.lead_owner_daily_stats enable row level security;

revoke all on table public.lead_owner_daily_stats from anon;

revoke all on table public.lead_owner_daily_stats from authenticated;

grant select on table public.lead_owner_daily_stats to authenticated;

grant all on table public.lead_owner_daily_stats to service_role;

-- lead_owner_daily_stats: read like the leads they count: the rows of the caller and of the
-- clients they review; written only by the rollup statements below.
create policy lead_owner_daily_stats_select on public.lead_owner_daily_stats
for select to authenticated
using (user_id = any ((select private.visible_owners())::uuid[]));

-- lead_owner_daily_stats: every row, for a super admin (their role, as in 0048).
create policy lead_owner_daily_stats_select_as_super_admin on public.lead_owner_daily_stats
for select to revos_super_admin
using ((select private.is_super_admin()));

alter table public.lead_owner_totals add column message_drafts bigint not null default 0;

alter table public.lead_owner_totals add column post_drafts bigint not null default 0;

alter table public.lead_owner_totals add column last_activity timestamptz;

-- As in 0034, and each change also added to its owner's day in lead_owner_daily_stats (the
-- per-campaign groups' sums; a group that nets to zero adds nothing to either).
create or replace function private.lead_rollup_statement(p_changes text) returns text
language sql immutable
set search_path = ''
as $fn$
  select format($q$
  with g as materialized (
    select e.user_id, (e.at at time zone z.time_zone)::date as day, e.campaign_id,
           coalesce(sum(e.sign) filter (where e.kind = 1), 0)::int as new_leads,
           coalesce(sum(e.sign) filter (
             where e.kind = 1 and e.enrichment_status in ('enriched', 'partial')), 0)::int
             as enriched,
           coalesce(sum(e.sign) filter (
             where e.kind = 1 and e.enrichment_status = 'failed'), 0)::int as failed,
           coalesce(sum(e.sign) filter (where e.kind = 2), 0)::int as dms_sent,
           coalesce(sum(e.sign) filter (
             where e.kind = 2 and e.dm_replied_at is not null), 0)::int as dms_sent_replied,
           coalesce(sum(e.sign) filter (where e.kind = 3), 0)::int as dm_replies,
           coalesce(sum(e.sign) filter (where e.kind = 4), 0)::int as emails_sent,
           coalesce(sum(e.sign) filter (
             where e.kind = 4 and e.email_replied_at is not null), 0)::int
             as emails_sent_replied,
           coalesce(sum(e.sign) filter (where e.kind = 5), 0)::int as email_replies,
           coalesce(sum(e.sign) filter (
             where e.kind = 1 and e.dm_sent_at is not null), 0)::int as c_dm_sent,
           coalesce(sum(e.sign) filter (
             where e.kind = 1 and e.dm_delivered_at is not null), 0)::int as c_dm_delivered,
           coalesce(sum(e.sign) filter (
             where e.kind = 1 and e.dm_replied_at is not null), 0)::int as c_dm_replied,
           coalesce(sum(e.sign) filter (
             where e.kind = 1 and e.email_sent_at is not null), 0)::int as c_email_sent,
           coalesce(sum(e.sign) filter (
             where e.kind = 1 and e.email_opened_at is not null), 0)::int as c_email_opened,
           coalesce(sum(e.sign) filter (
             where e.kind = 1 and e.email_clicked_at is not null), 0)::int as c_email_clicked,
           coalesce(sum(e.sign) filter (
             where e.kind = 1 and e.email_replied_at is not null), 0)::int as c_email_replied
    from (
      -- kinds: 1 commented, 2 DM sent, 3 DM replied, 4 email sent, 5 email replied
      select c.sign, c.user_id, c.campaign_id, c.enrichment_status, c.dm_sent_at,
             c.dm_delivered_at, c.dm_replied_at, c.email_sent_at, c.email_opened_at,
             c.email_clicked_at, c.email_replied_at,
             unnest(array[c.commented_at, c.dm_sent_at, c.dm_replied_at, c.email_sent_at,
                          c.email_replied_at]) as at,
             unnest(array[1, 2, 3, 4, 5]) as kind
      from (%s) c
    ) e
    join public.users z on z.id = e.user_id
    where e.at is not null
    group by 1, 2, 3
  ),
  changed as materialized (
    select g.*
    from g
    where (g.new_leads, g.enriched, g.failed, g.dms_sent, g.dms_sent_replied, g.dm_replies,
           g.emails_sent, g.emails_sent_replied, g.email_replies, g.c_dm_sent,
           g.c_dm_delivered, g.c_dm_replied, g.c_email_sent, g.c_email_opened,
           g.c_email_clicked, g.c_email_replied)
       <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
  ),
  campaign_days as (
    insert into public.lead_daily_stats as s (
      user_id, day, campaign_id, new_leads, enriched, enrichment_failed, dms_sent,
      dms_sent_replied, dm_replies, emails_sent, emails_sent_replied, email_replies,
      cohort_dm_sent, cohort_dm_delivered, cohort_dm_replied, cohort_email_sent,
      cohort_email_opened, cohort_email_clicked, cohort_email_replied
    )
    select * from changed
    order by 1, 2, 3
    on conflict (user_id, day, campaign_id) do update set
      new_leads = s.new_leads + excluded.new_leads,
      enriched = s.enriched + excluded.enriched,
      enrichment_failed = s.enrichment_failed + excluded.enrichment_failed,
      dms_sent = s.dms_sent + excluded.dms_sent,
      dms_sent_replied = s.dms_sent_replied + excluded.dms_sent_replied,
      dm_replies = s.dm_replies + excluded.dm_replies,
      emails_sent = s.emails_sent + excluded.emails_sent,
      emails_sent_replied = s.emails_sent_replied + excluded.emails_sent_replied,
      email_replies = s.email_replies + excluded.email_replies,
      cohort_dm_sent = s.cohort_dm_sent + excluded.cohort_dm_sent,
      cohort_dm_delivered = s.cohort_dm_delivered + excluded.cohort_dm_delivered,
      cohort_dm_replied = s.cohort_dm_replied + excluded.cohort_dm_replied,
      cohort_email_sent = s.cohort_email_sent + excluded.cohort_email_sent,
      cohort_email_opened = s.cohort_email_opened + excluded.cohort_email_opened,
      cohort_email_clicked = s.cohort_email_clicked + excluded.cohort_email_clicked,
      cohort_email_replied = s.cohort_email_replied + excluded.cohort_email_replied
  )
  insert into public.lead_owner_daily_stats as o (
    user_id, day, new_leads, enriched, enrichment_failed, dms_sent, dms_sent_replied,
    dm_replies, emails_sent, emails_sent_replied, email_replies
  )
  select d.*
  from (
    select c.user_id, c.day, sum(c.new_leads)::int as new_leads,
           sum(c.enriched)::int as enriched, sum(c.failed)::int as failed,
           sum(c.dms_sent)::int as dms_sent, sum(c.dms_sent_replied)::int as dms_sent_replied,
           sum(c.dm_replies)::int as dm_replies, sum(c.emails_sent)::int as emails_sent,
           sum(c.emails_sent_replied)::int as emails_sent_replied,
           sum(c.email_replies)::int as email_replies
    from changed c
    group by 1, 2
  ) d
  where (d.new_leads, d.enriched, d.failed, d.dms_sent, d.dms_sent_replied, d.dm_replies,
         d.emails_sent, d.emails_sent_replied, d.email_replies)
     <> (0, 0, 0, 0, 0, 0, 0, 0, 0)
  order by 1, 2
  on conflict (user_id, day) do update set
    new_leads = o.new_leads + excluded.new_leads,
    enriched = o.enriched + excluded.enriched,
    enrichment_failed = o.enrichment_failed + excluded.enrichment_failed,
    dms_sent = o.dms_sent + excluded.dms_sent,
    dms_sent_replied = o.dms_sent_replied + excluded.dms_sent_replied,
    dm_replies = o.dm_replies + excluded.dm_replies,
    emails_sent = o.emails_sent + excluded.emails_sent,
    emails_sent_replied = o.emails_sent_replied + excluded.emails_sent_replied,
    email_replies = o.email_replies + excluded.email_replies
  $q$, p_changes)
$fn$;

-- The statement that sets the last activity (latest comment, DM or email sent) of the
-- owners among the changes, from their leads as they are now. Run after locking those
-- owners' totals rows (roll_up_changes), or under the recounts' locks.
create function private.last_activity_statement(p_changes text) returns text
language sql immutable
set search_path = ''
as $fn$
  select format($q$
  update public.lead_owner_totals t
  set last_activity = a.at
  from (
    select o.user_id,
           greatest(
             (select max(l.commented_at) from public.leads l where l.user_id = o.user_id),
             (select max(l.dm_sent_at) from public.leads l where l.user_id = o.user_id),
             (select max(l.email_sent_at) from public.leads l where l.user_id = o.user_id)
           ) as at
    from (select distinct c.user_id from (%s) c) o
  ) a
  where t.user_id = a.user_id
    and t.last_activity is distinct from a.at
  $q$, p_changes)
$fn$;

revoke all on function private.last_activity_statement(text) from public;

-- The statement that adds signed draft changes (`sign`, then a message's or post's columns)
-- to the owners' count in `p_column` (message_drafts or post_drafts), in key order, for
-- owners that still exist.
create function private.draft_count_statement(p_changes text, p_column text) returns text
language sql immutable
set search_path = ''
as $fn$
  select format($q$
  insert into public.lead_owner_totals as t (user_id, %2$I)
  select c.user_id, sum(c.sign)
  from (%1$s) c
  join public.users z on z.id = c.user_id
  where c.status = 'draft'
  group by 1
  having sum(c.sign) <> 0
  order by 1
  on conflict (user_id) do update set %2$I = t.%2$I + excluded.%2$I
  $q$, p_changes, p_column)
$fn$;

revoke all on function private.draft_count_statement(text, text) from public;

-- The column of lead_owner_totals that counts a table's drafts.
create function private.draft_count_column(p_table text) returns text
language sql immutable
set search_path = ''
as $$
  select case p_table when 'messages' then 'message_drafts' when 'posts' then 'post_drafts' end
$$;

revoke all on function private.draft_count_column(text) from public;

-- Keeps the drafts waiting exact: once per statement on messages or posts, with its rows.
-- Security definer: whoever may write a draft changes the count, which nobody writes directly.
create function private.count_draft_changes() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_changes text := case tg_op
    when 'INSERT' then 'select 1 as sign, n.* from new_rows n'
    when 'DELETE' then 'select -1 as sign, o.* from old_rows o'
    else 'select 1 as sign, n.* from new_rows n union all select -1, o.* from old_rows o'
  end;
begin
  execute private.draft_count_statement(v_changes, private.draft_count_column(tg_table_name));
  return null;
end
$$;

revoke all on function private.count_draft_changes() from public;

-- Emptying messages (or posts) empties their drafts' counts.
create function private.clear_draft_counts() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  execute format(
    'update public.lead_owner_totals set %1$I = 0 where %1$I <> 0',
    private.draft_count_column(tg_table_name)
  );
  return null;
end
$$;

revoke all on function private.clear_draft_counts() from public;

-- Every owner's drafts counted from scratch into their totals rows (which the recounts have
-- just deleted: inserted here when missing), for the owners in p_owners, or all when null.
create function private.recount_drafts(p_owners uuid[]) returns void
language sql
security definer
set search_path = ''
as $$
  insert into public.lead_owner_totals as t (user_id, message_drafts, post_drafts)
  select x.user_id,
         count(*) filter (where x.kind = 'message'),
         count(*) filter (where x.kind = 'post')
  from (
    select m.user_id, 'message' as kind from public.messages m where m.status = 'draft'
    union all
    select p.user_id, 'post' from public.posts p where p.status = 'draft'
  ) x
  join public.users z on z.id = x.user_id
  where p_owners is null or x.user_id = any (p_owners)
  group by 1
  order by 1
  on conflict (user_id) do update set
    message_drafts = excluded.message_drafts,
    post_drafts = excluded.post_drafts
$$;

revoke all on function private.recount_drafts(uuid[]) from public;

-- As in 0043, and the owners' last activity: their totals rows are locked first (in key
-- order), then it is computed in the next statement, whose snapshot holds every writer that
-- held them before.
create or replace function private.roll_up_changes() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_changes text := case tg_op
    when 'INSERT' then 'select 1 as sign, n.* from new_rows n'
    when 'DELETE' then 'select -1 as sign, o.* from old_rows o'
    else 'select 1 as sign, n.* from new_rows n union all select -1, o.* from old_rows o'
  end;
begin
  execute format(
    'select pg_catalog.pg_advisory_xact_lock_shared(k.key) '
    'from (select distinct private.rollup_lock_key(c.user_id) as key from (%s) c '
    'order by 1) k',
    v_changes
  );
  if tg_table_name = 'apollo_usage' then
    execute private.apollo_rollup_statement(v_changes);
  elsif tg_table_name = 'lead_magnet_downloads' then
    execute private.magnet_rollup_statement(v_changes);
  else
    execute private.lead_rollup_statement(v_changes);
    execute private.lead_total_statement(v_changes);
    execute format(
      'select 1 from public.lead_owner_totals t '
      'where t.user_id in (select c.user_id from (%s) c) '
      'order by t.user_id for no key update',
      v_changes
    );
    execute private.last_activity_statement(v_changes);
  end if;
  return null;
end
$$;

-- As in 0043, with the owner-day rollup; a truncate of the leads leaves the drafts' counts.
create or replace function private.clear_rollups() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_table_name = 'apollo_usage' then
    delete from public.apollo_daily_usage;
  elsif tg_table_name = 'lead_magnet_downloads' then
    delete from public.lead_magnet_daily_stats;
  else
    delete from public.lead_daily_stats;
    delete from public.lead_owner_daily_stats;
    update public.lead_owner_totals
    set leads = 0, last_activity = null
    where leads <> 0 or last_activity is not null;
  end if;
  return null;
end
$$;

-- As in 0043, with the owner-day rollup, last activity and drafts.
create or replace function private.recount_rollups(p_owners uuid[]) returns void
language plpgsql
security definer
set search_path = ''
set work_mem = '128MB'
as $$
declare
  v_leads text := format(
    'select 1 as sign, l.* from public.leads l where l.user_id = any (%L::uuid[])', p_owners
  );
begin
  delete from public.lead_daily_stats where user_id = any (p_owners);
  delete from public.lead_owner_daily_stats where user_id = any (p_owners);
  delete from public.lead_owner_totals where user_id = any (p_owners);
  delete from public.apollo_daily_usage where user_id = any (p_owners);
  execute private.lead_rollup_statement(v_leads);
  execute private.lead_total_statement(v_leads);
  execute private.last_activity_statement(v_leads);
  perform private.recount_drafts(p_owners);
  execute private.apollo_rollup_statement(format(
    'select 1 as sign, a.* from public.apollo_usage a where a.user_id = any (%L::uuid[])',
    p_owners
  ));
  update public.lead_magnet_downloads d
  set lead_replied = l.dm_replied_at is not null or l.email_replied_at is not null
  from public.leads l
  where l.id = d.lead_id
    and d.user_id = any (p_owners)
    and d.lead_replied <> (l.dm_replied_at is not null or l.email_replied_at is not null);
  delete from public.lead_magnet_daily_stats where user_id = any (p_owners);
  execute private.magnet_rollup_statement(format(
    'select 1 as sign, d.* from public.lead_magnet_downloads d '
    'where d.user_id = any (%L::uuid[])',
    p_owners
  ));
end
$$;

-- As in 0045, with the owner-day rollup, last activity and drafts (messages and posts held
-- still like the other sources).
create or replace function private.rebuild_rollups() returns void
language plpgsql
security definer
set search_path = ''
set work_mem = '128MB'
as $$
begin
  lock table public.users in share mode;
  lock table public.leads, public.apollo_usage, public.lead_magnet_downloads in share mode;
  lock table public.messages, public.posts in share mode;
  delete from public.lead_daily_stats;
  delete from public.lead_owner_daily_stats;
  delete from public.lead_owner_totals;
  execute private.lead_rollup_statement('select 1 as sign, l.* from public.leads l');
  execute private.lead_total_statement('select 1 as sign, l.* from public.leads l');
  execute private.last_activity_statement('select l.user_id from public.leads l');
  perform private.recount_drafts(null);
  delete from public.apollo_daily_usage;
  execute private.apollo_rollup_statement('select 1 as sign, a.* from public.apollo_usage a');
  update public.lead_magnet_downloads d
  set lead_replied = l.dm_replied_at is not null or l.email_replied_at is not null
  from public.leads l
  where l.id = d.lead_id
    and d.lead_replied <> (l.dm_replied_at is not null or l.email_replied_at is not null);
  delete from public.lead_magnet_daily_stats;
  execute private.magnet_rollup_statement(
    'select 1 as sign, d.* from public.lead_magnet_downloads d'
  );
end
$$;

-- As in 0043, with the owner-day rollup.
create or replace function private.forget_owner_rollups() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from public.lead_daily_stats where user_id = old.id;
  delete from public.lead_owner_daily_stats where user_id = old.id;
  delete from public.apollo_daily_usage where user_id = old.id;
  delete from public.lead_owner_totals where user_id = old.id;
  delete from public.lead_magnet_daily_stats where user_id = old.id;
  return null;
end
$$;

-- Held still while the new counts are filled from what is stored: zone changes and deleted
-- owners (users), the leads whose rollup the owner-day rows sum, the drafts. Writers wait
-- for this file to commit, then run the functions above.
lock table public.users in share mode;

lock table public.leads in share mode;

lock table public.messages, public.posts in share mode;

create trigger messages_count_draft_inserts
after insert on public.messages
referencing new table as new_rows
for each statement execute function private.count_draft_changes();

create trigger messages_count_draft_updates
after update on public.messages
referencing old table as old_rows new table as new_rows
for each statement execute function private.count_draft_changes();

create trigger messages_count_draft_deletes
after delete on public.messages
referencing old table as old_rows
for each statement execute function private.count_draft_changes();

create trigger messages_clear_draft_counts
after truncate on public.messages
for each statement execute function private.clear_draft_counts();

create trigger posts_count_draft_inserts
after insert on public.posts
referencing new table as new_rows
for each statement execute function private.count_draft_changes();

create trigger posts_count_draft_updates
after update on public.posts
referencing old table as old_rows new table as new_rows
for each statement execute function private.count_draft_changes();

create trigger posts_count_draft_deletes
after delete on public.posts
referencing old table as old_rows
for each statement execute function private.count_draft_changes();

create trigger posts_clear_draft_counts
after truncate on public.posts
for each statement execute function private.clear_draft_counts();

-- What is stored: the owner days summed from the per-campaign rollup, every owner's last
-- activity and drafts.
insert into public.lead_owner_daily_stats (
  user_id, day, new_leads, enriched, enrichment_failed, dms_sent, dms_sent_replied,
  dm_replies, emails_sent, emails_sent_replied, email_replies
)
select s.user_id, s.day, sum(s.new_leads), sum(s.enriched), sum(s.enrichment_failed),
       sum(s.dms_sent), sum(s.dms_sent_replied), sum(s.dm_replies), sum(s.emails_sent),
       sum(s.emails_sent_replied), sum(s.email_replies)
from public.lead_daily_stats s
group by 1, 2
having (sum(s.new_leads), sum(s.enriched), sum(s.enrichment_failed), sum(s.dms_sent),
        sum(s.dms_sent_replied), sum(s.dm_replies), sum(s.emails_sent),
        sum(s.emails_sent_replied), sum(s.email_replies))
   <> (0, 0, 0, 0, 0, 0, 0, 0, 0)
order by 1, 2;

do $$
begin
  execute private.last_activity_statement(
    'select t.user_id from public.lead_owner_totals t'
  );
end
$$;

select private.recount_drafts(null);

-- As in 0032, from one row per tenant: the windows from the owner-day rollup, drafts and last
-- activity from the owners' totals. Same columns and counts.
create or replace function public.admin_tenant_stats()
returns table (
  client_id uuid,
  email text,
  full_name text,
  company text,
  active_campaigns bigint,
  leads_total bigint,
  leads_7d bigint,
  leads_30d bigint,
  enrichment_rate_30d numeric,
  dm_reply_rate_30d numeric,
  email_reply_rate_30d numeric,
  enrichment_failures_30d bigint,
  apollo_credits_month bigint,
  apollo_success_rate_month numeric,
  drafts_waiting bigint,
  last_activity timestamptz
)
language plpgsql stable
security invoker
set search_path = ''
as $$
#variable_conflict use_column
declare
  -- every zone's today is within a day of UTC's: bounds that hold all of them, for the index
  v_today date := (now() at time zone 'UTC')::date;
  v_month_start date := date_trunc('month', (now() at time zone 'UTC')::date - 1)::date;
begin
  if not coalesce((select private.is_super_admin()), false) then
    raise exception 'Cross-tenant stats are for super admins only.' using errcode = '42501';
  end if;

  return query
  with zones as (
    select u.id,
           (now() at time zone u.time_zone)::date as today,
           date_trunc('month', now() at time zone u.time_zone)::date as month_start
    from public.users u
    where u.role = 'client'
  ),
  daily as (
    select s.user_id,
           sum(s.new_leads) filter (where s.day > z.today - 7) as n7,
           sum(s.new_leads) as n30,
           sum(s.enriched) as enriched30,
           sum(s.enrichment_failed) as failed30,
           sum(s.dms_sent) filter (where s.day <= z.today - 3) as dm30,
           sum(s.dms_sent_replied) filter (where s.day <= z.today - 3) as dm_replied30,
           sum(s.emails_sent) filter (where s.day <= z.today - 3) as em30,
           sum(s.emails_sent_replied) filter (where s.day <= z.today - 3) as em_replied30
    from public.lead_owner_daily_stats s
    join zones z on z.id = s.user_id
    where s.day > v_today - 31 and s.day <= v_today + 1
      and s.day > z.today - 30 and s.day <= z.today
    group by s.user_id
  ),
  campaign_stats as (
    select c.user_id, count(*) filter (where c.status = 'active') as active
    from public.campaigns c
    group by c.user_id
  ),
  apollo as (
    select a.user_id,
           sum(a.credits) as credits,
           sum(a.attempts) as attempts,
           sum(a.successes) as successes
    from public.apollo_daily_usage a
    join zones z on z.id = a.user_id
    where a.day >= v_month_start
      and a.day >= z.month_start
    group by a.user_id
  )
  select u.id,
         u.email,
         u.full_name,
         u.company,
         coalesce(cs.active, 0),
         coalesce(t.leads, 0),
         coalesce(ls.n7, 0)::bigint,
         coalesce(ls.n30, 0)::bigint,
         round(ls.enriched30::numeric / nullif(ls.n30, 0), 4),
         round(ls.dm_replied30::numeric / nullif(ls.dm30, 0), 4),
         round(ls.em_replied30::numeric / nullif(ls.em30, 0), 4),
         coalesce(ls.failed30, 0)::bigint,
         coalesce(ap.credits, 0)::bigint,
         round(ap.successes::numeric / nullif(ap.attempts, 0), 4),
         coalesce(t.message_drafts + t.post_drafts, 0),
         t.last_activity
  from public.users u
  left join public.lead_owner_totals t on t.user_id = u.id
  left join daily ls on ls.user_id = u.id
  left join campaign_stats cs on cs.user_id = u.id
  left join apollo ap on ap.user_id = u.id
  where u.role = 'client'
  order by u.company, u.email;
end
$$;
