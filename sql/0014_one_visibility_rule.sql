-- One visibility rule, in one place, that the planner turns into an index condition.
--
-- The select policies used to OR three rules: own rows, `in (select reviewed_client_ids())`,
-- and `(select is_super_admin())`. Postgres cannot use an index for that OR, so a client's
-- plain `select * from leads` read every tenant's rows and cost more as other tenants grew.
--
-- Now every select policy has the same two arms, both index conditions on the owner column:
--
--   owner = any ((select private.visible_owners())::uuid[])      the caller and the clients
--                                                                they review
--   or owner between (select private.all_owners_from())          everyone, for a super admin
--                and (select private.all_owners_to())            (nulls, so no rows, otherwise)
--
-- The planner ORs two bitmap index scans on the owner index: a client reads only their rows,
-- and a super admin reads the whole index range. Why a range and not `or is_super_admin()`:
-- an arm without the owner column makes the whole OR unindexable. Why not the super admin's
-- list of every owner in the array: a seq scan then compares each row with ~1,000 ids
-- (measured: 20x slower). The range's two unknown bounds are estimated as a narrow range, so
-- the index plan is the one chosen for everybody. docs/performance.md shows the plans.
set local lock_timeout = '10s';

set local statement_timeout = '5min';

-- Functions created from now on are callable only where granted by name. Earlier files
-- revoked EXECUTE from public per function; this does it once for everything that follows.
-- It must be global: Postgres's built-in grant to public is global, and a per-schema revoke
-- (what 0009 tried for `private`) only undoes a per-schema grant.
alter default privileges revoke execute on functions from public;

-- Supabase grants EXECUTE on new functions in `public` to anon per schema; undo that too.
alter default privileges in schema public revoke execute on functions from anon;

-- Whose rows the caller may see by name: themselves and the clients assigned to them as a
-- reviewer. Security definer: it reads assignments past their own policy.
create function private.visible_owners() returns uuid[]
language sql stable
security definer
set search_path = ''
as $$
  select array(
    select (select auth.uid()) where (select auth.uid()) is not null
    union all
    select a.client_id from public.reviewer_assignments a
    where a.reviewer_id = (select auth.uid())
  )
$$;

-- The lowest owner id a super admin sees (every id); null for everyone else.
create function private.all_owners_from() returns uuid
language sql stable
security definer
set search_path = ''
as $$
  select '00000000-0000-0000-0000-000000000000'::uuid where private.is_super_admin()
$$;

-- The highest owner id a super admin sees (every id); null for everyone else.
create function private.all_owners_to() returns uuid
language sql stable
security definer
set search_path = ''
as $$
  select 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid where private.is_super_admin()
$$;

revoke all on function private.visible_owners() from public;

revoke all on function private.all_owners_from() from public;

revoke all on function private.all_owners_to() from public;

grant execute on function private.visible_owners() to authenticated, service_role;

grant execute on function private.all_owners_from() to authenticated, service_role;

grant execute on function private.all_owners_to() to authenticated, service_role;

-- Users: themselves, their assigned clients, or everyone for a super admin.
alter policy users_select on public.users
using (
  id = any ((select private.visible_owners())::uuid[])
  or id between (select private.all_owners_from()) and (select private.all_owners_to())
);

-- Cartridges: the owner, the owner's reviewers and super admins read.
alter policy cartridges_select on public.cartridges
using (
  user_id = any ((select private.visible_owners())::uuid[])
  or user_id between (select private.all_owners_from()) and (select private.all_owners_to())
);

-- Campaigns: the owner, the owner's reviewers and super admins read.
alter policy campaigns_select on public.campaigns
using (
  user_id = any ((select private.visible_owners())::uuid[])
  or user_id between (select private.all_owners_from()) and (select private.all_owners_to())
);

-- Posts: the owner, the owner's reviewers and super admins read.
alter policy posts_select on public.posts
using (
  user_id = any ((select private.visible_owners())::uuid[])
  or user_id between (select private.all_owners_from()) and (select private.all_owners_to())
);

-- Lead magnets: the global library (no owner) for everyone signed in; custom ones as their
-- owner's rows.
alter policy lead_magnets_select on public.lead_magnets
using (
  user_id is null
  or user_id = any ((select private.visible_owners())::uuid[])
  or user_id between (select private.all_owners_from()) and (select private.all_owners_to())
);

-- Leads: the owner, the owner's reviewers and super admins read.
alter policy leads_select on public.leads
using (
  user_id = any ((select private.visible_owners())::uuid[])
  or user_id between (select private.all_owners_from()) and (select private.all_owners_to())
);

-- Messages: the owner, the owner's reviewers and super admins read.
alter policy messages_select on public.messages
using (
  user_id = any ((select private.visible_owners())::uuid[])
  or user_id between (select private.all_owners_from()) and (select private.all_owners_to())
);

-- Downloads: the owner, the owner's reviewers and super admins read.
alter policy lead_magnet_downloads_select on public.lead_magnet_downloads
using (
  user_id = any ((select private.visible_owners())::uuid[])
  or user_id between (select private.all_owners_from()) and (select private.all_owners_to())
);

-- Apollo usage is billing: the owner and super admins read it, reviewers do not.
alter policy apollo_usage_select on public.apollo_usage
using (
  user_id = (select auth.uid())
  or user_id between (select private.all_owners_from()) and (select private.all_owners_to())
);

-- Memories are private to their owner; super admins may read them for support.
alter policy embeddings_select on public.embeddings
using (
  user_id = (select auth.uid())
  or user_id between (select private.all_owners_from()) and (select private.all_owners_to())
);

-- Reviews: the client whose draft it was, that client's reviewers and super admins. A
-- reviewer who is unassigned stops seeing that client's history (their own reviews too).
alter policy review_audit_select on public.review_audit
using (
  client_id = any ((select private.visible_owners())::uuid[])
  or client_id between (select private.all_owners_from()) and (select private.all_owners_to())
);

-- Claims: whoever may review the client's drafts sees who is working on them.
alter policy review_claims_select on public.review_claims
using (
  client_id = any ((select private.visible_owners())::uuid[])
  or client_id between (select private.all_owners_from()) and (select private.all_owners_to())
);

-- Revocations: a user sees those of their own sessions; super admins see all.
alter policy session_revocations_select on public.session_revocations
using (
  user_id = (select auth.uid())
  or user_id between (select private.all_owners_from()) and (select private.all_owners_to())
);

-- The owners a page function means: the picked client, else everyone the caller may see by
-- name; null for a super admin who picked no one (no filter). Never widens what RLS allows.
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

-- Who may review a client's drafts: whoever may see them (the select rule above), for the
-- review triggers, which run past RLS.
create or replace function private.can_review(p_owner uuid) returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select p_owner = any (private.visible_owners()) or private.is_super_admin()
$$;

-- Replaced by visible_owners everywhere above; one rule, one helper.
drop function private.reviewed_client_ids();
