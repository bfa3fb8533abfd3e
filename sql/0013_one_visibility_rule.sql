-- One visibility rule, in one place, that the planner can use an index for.
--
-- The select policies used to OR three rules (own rows, an assigned client's, anything for a
-- super admin). Postgres cannot turn that OR into an index condition, so a plain
-- `select * from leads` under RLS read every tenant's rows: its cost grew with the whole
-- table, not with the caller's share. Now each policy compares its owner column with one
-- array computed once per statement, `owner = any ((select private.visible_owners())::uuid[])`,
-- which is an index condition on the owner indexes. The same array decides what the page
-- functions (`owner_scope`) and the review checks (`can_review`) may touch.
set local lock_timeout = '10s';

set local statement_timeout = '5min';

-- Whose rows the caller may see: their own and their assigned clients', or everyone's for a
-- super admin. Security definer: it reads users and assignments past their own policies.
create function private.visible_owners() returns uuid[]
language sql stable
security definer
set search_path = ''
as $$
  select case
    when exists (
      select 1 from public.users u
      where u.id = (select auth.uid()) and u.role = 'super_admin'
    ) then array(select u.id from public.users u)
    else array(
      select (select auth.uid()) where (select auth.uid()) is not null
      union all
      select a.client_id from public.reviewer_assignments a
      where a.reviewer_id = (select auth.uid())
    )
  end
$$;

-- Billing (Apollo usage), memories and sign-out records: the owner's, and super admins'.
-- Reviewers review drafts; they do not see a client's bill.
create function private.private_owners() returns uuid[]
language sql stable
security definer
set search_path = ''
as $$
  select case
    when exists (
      select 1 from public.users u
      where u.id = (select auth.uid()) and u.role = 'super_admin'
    ) then array(select u.id from public.users u)
    else array(select (select auth.uid()) where (select auth.uid()) is not null)
  end
$$;

revoke all on function private.visible_owners() from public;

revoke all on function private.private_owners() from public;

grant execute on function private.visible_owners() to authenticated, service_role;

grant execute on function private.private_owners() to authenticated, service_role;

-- Users: themselves, their assigned clients, or everyone for a super admin.
alter policy users_select on public.users
using (id = any ((select private.visible_owners())::uuid[]));

-- Cartridges: the owner, the owner's reviewers and super admins read.
alter policy cartridges_select on public.cartridges
using (user_id = any ((select private.visible_owners())::uuid[]));

-- Campaigns: the owner, the owner's reviewers and super admins read.
alter policy campaigns_select on public.campaigns
using (user_id = any ((select private.visible_owners())::uuid[]));

-- Posts: the owner, the owner's reviewers and super admins read.
alter policy posts_select on public.posts
using (user_id = any ((select private.visible_owners())::uuid[]));

-- Lead magnets: the global library for everyone; custom ones as their owner's rows.
alter policy lead_magnets_select on public.lead_magnets
using (user_id is null or user_id = any ((select private.visible_owners())::uuid[]));

-- Leads: the owner, the owner's reviewers and super admins read.
alter policy leads_select on public.leads
using (user_id = any ((select private.visible_owners())::uuid[]));

-- Messages: the owner, the owner's reviewers and super admins read.
alter policy messages_select on public.messages
using (user_id = any ((select private.visible_owners())::uuid[]));

-- Downloads: the owner, the owner's reviewers and super admins read.
alter policy lead_magnet_downloads_select on public.lead_magnet_downloads
using (user_id = any ((select private.visible_owners())::uuid[]));

-- Apollo usage is billing: the owner and super admins read it, reviewers do not.
alter policy apollo_usage_select on public.apollo_usage
using (user_id = any ((select private.private_owners())::uuid[]));

-- Memories: the owner and super admins read them.
alter policy embeddings_select on public.embeddings
using (user_id = any ((select private.private_owners())::uuid[]));

-- Reviews: the client whose draft it was, that client's reviewers and super admins.
alter policy review_audit_select on public.review_audit
using (client_id = any ((select private.visible_owners())::uuid[]));

-- Claims: whoever may review the client's drafts sees who is working on them.
alter policy review_claims_select on public.review_claims
using (client_id = any ((select private.visible_owners())::uuid[]));

-- Revocations: super admins see all; a user sees those of their own sessions.
alter policy session_revocations_select on public.session_revocations
using (user_id = any ((select private.private_owners())::uuid[]));

-- The owners a page function means: the picked client, else everyone the caller may see
-- (null for a super admin who picked no one: no filter). Never widens what RLS allows.
create or replace function private.owner_scope(p_client_id uuid) returns uuid[]
language sql stable
set search_path = ''
as $$
  select case
    when p_client_id is not null then array[p_client_id]
    when (select private.is_super_admin()) then null
    else private.visible_owners()
  end
$$;

-- Who may review a client's drafts: whoever may see them (the same rule).
create or replace function private.can_review(p_owner uuid) returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select p_owner = any (private.visible_owners())
$$;
