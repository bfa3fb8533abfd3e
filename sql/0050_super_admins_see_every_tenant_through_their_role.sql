-- Super admins see every tenant through their role only; the `authenticated` policies keep the
-- one rule for clients and reviewers, without the super admin arm.
--
-- Since 0048 a super admin's token claims `revos_super_admin`, whose own policy per table
-- (`(select private.is_super_admin())`) shows them every row. The super admin arm that 0014
-- put in every `authenticated` select policy (the owner between two bounds, the whole uuid
-- range for a super admin and nulls for others) was kept for tokens minted before 0048; the
-- gateway mints a fresh token at every sign-in, resume and renewal, so none is in use, and
-- the arm costs every client's statement two more initplans per table (a BitmapOr of two index
-- scans where one does). Measured on the bench database (1M leads, in SQL, a client's calls
-- of 0.4 to 2 ms): the approval queue 1.67x -> 1.19x of its floor, the funnel, overview and
-- lead magnets 0.05 to 0.1 ms faster each.
--
-- Rights: nobody sees more. A super admin whose token says `authenticated` now sees what a
-- client sees (their own rows); with their role they see what they saw. A demoted super
-- admin sees their own rows under either role, as before.
--
-- And `private.visible_owners()` reads the caller's id once, not three times.
set local lock_timeout = '10s';

set local statement_timeout = '1min';

-- Whose rows the caller may see by name: themselves and the clients assigned to them as a
-- reviewer. Security definer: it reads assignments past their own policy.
create or replace function private.visible_owners() returns uuid[]
language sql stable parallel safe
security definer
set search_path = ''
as $$
  select case when me.id is null then '{}'::uuid[] else array(
    select me.id
    union all
    select a.client_id from public.reviewer_assignments a where a.reviewer_id = me.id
  ) end
  from (select auth.uid() as id) as me
$$;

-- apollo_daily_usage: billing: the owner alone (reviewers never see it). (Super admins: their role's policy, 0048.)
alter policy apollo_daily_usage_select on public.apollo_daily_usage
using (user_id = (select auth.uid()));

-- apollo_usage: billing: the owner alone (reviewers never see it). (Super admins: their role's policy, 0048.)
alter policy apollo_usage_select on public.apollo_usage
using (user_id = (select auth.uid()));

-- campaigns: the rows of the caller and of the clients they review. (Super admins: their
-- role's policy, 0048.)
alter policy campaigns_select on public.campaigns
using (user_id = any ((select private.visible_owners())::uuid[]));

-- cartridges: the rows of the caller and of the clients they review. (Super admins: their
-- role's policy, 0048.)
alter policy cartridges_select on public.cartridges
using (user_id = any ((select private.visible_owners())::uuid[]));

-- embeddings: the rows of the caller and of the clients they review. (Super admins: their
-- role's policy, 0048.)
alter policy embeddings_select on public.embeddings
using (user_id = any ((select private.visible_owners())::uuid[]));

-- lead_daily_stats: the rows of the caller and of the clients they review. (Super admins: their
-- role's policy, 0048.)
alter policy lead_daily_stats_select on public.lead_daily_stats
using (user_id = any ((select private.visible_owners())::uuid[]));

-- lead_magnet_daily_stats: the rows of the caller and of the clients they review. (Super admins: their
-- role's policy, 0048.)
alter policy lead_magnet_daily_stats_select on public.lead_magnet_daily_stats
using (user_id = any ((select private.visible_owners())::uuid[]));

-- lead_magnet_downloads: the rows of the caller and of the clients they review. (Super admins: their
-- role's policy, 0048.)
alter policy lead_magnet_downloads_select on public.lead_magnet_downloads
using (user_id = any ((select private.visible_owners())::uuid[]));

-- lead_magnets: the global library, and the magnets of the caller and of the clients they review.
-- (Super admins: their role's policy, 0048.)
alter policy lead_magnets_select on public.lead_magnets
using (user_id is null or user_id = any ((select private.visible_owners())::uuid[]));

-- lead_owner_totals: the rows of the caller and of the clients they review. (Super admins: their
-- role's policy, 0048.)
alter policy lead_owner_totals_select on public.lead_owner_totals
using (user_id = any ((select private.visible_owners())::uuid[]));

-- leads: the rows of the caller and of the clients they review. (Super admins: their
-- role's policy, 0048.)
alter policy leads_select on public.leads
using (user_id = any ((select private.visible_owners())::uuid[]));

-- messages: the rows of the caller and of the clients they review. (Super admins: their
-- role's policy, 0048.)
alter policy messages_select on public.messages
using (user_id = any ((select private.visible_owners())::uuid[]));

-- posts: the rows of the caller and of the clients they review. (Super admins: their
-- role's policy, 0048.)
alter policy posts_select on public.posts
using (user_id = any ((select private.visible_owners())::uuid[]));

-- review_audit: the rows of the caller and of the clients they review. (Super admins: their
-- role's policy, 0048.)
alter policy review_audit_select on public.review_audit
using (client_id = any ((select private.visible_owners())::uuid[]));

-- review_claims: the rows of the caller and of the clients they review. (Super admins: their
-- role's policy, 0048.)
alter policy review_claims_select on public.review_claims
using (client_id = any ((select private.visible_owners())::uuid[]));

-- session_revocations: a user's own sign-outs. (Super admins: their role's policy, 0048.)
alter policy session_revocations_select on public.session_revocations
using (user_id = (select auth.uid()));

-- users: the rows of the caller and of the clients they review. (Super admins: their
-- role's policy, 0048.)
alter policy users_select on public.users
using (id = any ((select private.visible_owners())::uuid[]));

-- reviewer_assignments: the reviewer's and the client's own pairs. (Super admins: their
-- role's policy, below.)
alter policy reviewer_assignments_select on public.reviewer_assignments
using (reviewer_id = (select auth.uid()) or client_id = (select auth.uid()));

-- reviewer_assignments: every pair, for a super admin (the one table 0048 had left to the
-- `authenticated` policy's own super admin arm).
create policy reviewer_assignments_select_as_super_admin on public.reviewer_assignments
for select to revos_super_admin
using ((select private.is_super_admin()));

-- The super admin arm's bounds: no policy reads them any more.
drop function private.all_owners_from();

drop function private.all_owners_to();
