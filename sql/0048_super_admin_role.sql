-- A database role for super admins, so that the planner sees their reads as what they are.
--
-- Every select policy (0014) has an arm for super admins: the owner between two bounds that
-- are the whole uuid range for a super admin and null for everyone else. The planner cannot
-- know the bounds when it plans, so it estimates the arm at 0.5% of the rows: the plan that
-- suits a client (an index range) is the one everybody gets, and a super admin's funnel or
-- lead magnets, which read every tenant's rows, are planned for a few thousand rows. They
-- then gather every row from the parallel workers and group them in one process, where the
-- floor groups in each worker first: 1.5x the floor (funnel, 117 against 78 ms at 1M leads)
-- and 1.5x (all-time lead magnets, 29 against 19 ms).
--
-- The fix is PostgREST's own mechanism: the role claim. A super admin's token says
-- `revos_super_admin`, PostgREST (and our psycopg gateway) switch to that role, and the role
-- has one more select policy per table: `(select private.is_super_admin())`. Postgres plans
-- per role, so only a super admin's statements see it; it has no column, so it is not
-- estimated as a narrow range (measured: funnel 83 against 80 ms, lead magnets 20 against
-- 19, every other super admin call within 1.1x of its floor and none slower than before).
--
-- Security is unchanged, and does not depend on the role:
--   * the role is a member of `authenticated`, so everything granted to `authenticated`
--     (tables, functions, every insert/update/delete policy) applies to it unchanged;
--   * its extra policy still asks the database whether the caller is a super admin, so a
--     token with this role for anyone else (or for a super admin demoted since it was
--     minted) sees exactly what `authenticated` would;
--   * the `authenticated` policies keep their super admin arm: a super admin whose token says
--     `authenticated` (minted before this migration) still sees everything, only slower.
-- Only the gateway's login role (`authenticator`, as on Supabase) may switch to it.
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- Roles are cluster-wide: another database on the same server may have created it already.
do $$
begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'revos_super_admin') then
    create role revos_super_admin nologin inherit;
  end if;
end
$$;

-- Everything granted to `authenticated`, and every policy for it, applies to super admins.
grant authenticated to revos_super_admin;

-- PostgREST (and our gateway) log in as `authenticator` and switch to the token's role.
grant revos_super_admin to authenticator;

-- Bounded work, as for `authenticated` (0011): role settings are not inherited.
alter role revos_super_admin set statement_timeout = '8s';

-- apollo_daily_usage: every row, for a super admin (the role changes only the plan).
create policy apollo_daily_usage_select_as_super_admin on public.apollo_daily_usage
for select to revos_super_admin
using ((select private.is_super_admin()));

-- apollo_usage: every row, for a super admin (the role changes only the plan).
create policy apollo_usage_select_as_super_admin on public.apollo_usage
for select to revos_super_admin
using ((select private.is_super_admin()));

-- campaigns: every row, for a super admin (the role changes only the plan).
create policy campaigns_select_as_super_admin on public.campaigns
for select to revos_super_admin
using ((select private.is_super_admin()));

-- cartridges: every row, for a super admin (the role changes only the plan).
create policy cartridges_select_as_super_admin on public.cartridges
for select to revos_super_admin
using ((select private.is_super_admin()));

-- embeddings: every row, for a super admin (the role changes only the plan).
create policy embeddings_select_as_super_admin on public.embeddings
for select to revos_super_admin
using ((select private.is_super_admin()));

-- lead_daily_stats: every row, for a super admin (the role changes only the plan).
create policy lead_daily_stats_select_as_super_admin on public.lead_daily_stats
for select to revos_super_admin
using ((select private.is_super_admin()));

-- lead_magnet_daily_stats: every row, for a super admin (the role changes only the plan).
create policy lead_magnet_daily_stats_select_as_super_admin on public.lead_magnet_daily_stats
for select to revos_super_admin
using ((select private.is_super_admin()));

-- lead_magnet_downloads: every row, for a super admin (the role changes only the plan).
create policy lead_magnet_downloads_select_as_super_admin on public.lead_magnet_downloads
for select to revos_super_admin
using ((select private.is_super_admin()));

-- lead_magnets: every row, for a super admin (the role changes only the plan).
create policy lead_magnets_select_as_super_admin on public.lead_magnets
for select to revos_super_admin
using ((select private.is_super_admin()));

-- lead_owner_totals: every row, for a super admin (the role changes only the plan).
create policy lead_owner_totals_select_as_super_admin on public.lead_owner_totals
for select to revos_super_admin
using ((select private.is_super_admin()));

-- leads: every row, for a super admin (the role changes only the plan).
create policy leads_select_as_super_admin on public.leads
for select to revos_super_admin
using ((select private.is_super_admin()));

-- messages: every row, for a super admin (the role changes only the plan).
create policy messages_select_as_super_admin on public.messages
for select to revos_super_admin
using ((select private.is_super_admin()));

-- posts: every row, for a super admin (the role changes only the plan).
create policy posts_select_as_super_admin on public.posts
for select to revos_super_admin
using ((select private.is_super_admin()));

-- review_audit: every row, for a super admin (the role changes only the plan).
create policy review_audit_select_as_super_admin on public.review_audit
for select to revos_super_admin
using ((select private.is_super_admin()));

-- review_claims: every row, for a super admin (the role changes only the plan).
create policy review_claims_select_as_super_admin on public.review_claims
for select to revos_super_admin
using ((select private.is_super_admin()));

-- session_revocations: every row, for a super admin (the role changes only the plan).
create policy session_revocations_select_as_super_admin on public.session_revocations
for select to revos_super_admin
using ((select private.is_super_admin()));

-- users: every row, for a super admin (the role changes only the plan).
create policy users_select_as_super_admin on public.users
for select to revos_super_admin
using ((select private.is_super_admin()));
