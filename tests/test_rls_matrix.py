"""Row visibility for every table, as every demo user, against an ownership oracle.

The oracle reads every row as superuser with its owner, then applies the product's rules in
Python (written independently of the SQL policies): clients see their own rows, reviewers
their assigned clients' rows, super admins everything; the global lead-magnet library is for
all; billing (Apollo) is never shown to reviewers (memories are: a client's reviewers keep
that client's voice, 0028).

Each user is tried under both API roles a token may claim: `authenticated`, and
`revos_super_admin` (what a super admin's token claims, sql/0048). Under it, anyone but a
super admin sees exactly what they see as `authenticated`; a super admin sees every tenant
under it only (0050: as `authenticated` they see what a client sees).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from tests.support import DEMO_EMAILS, DemoUser, as_user


def tenant_rule(user: DemoUser, owner: str | None) -> bool:
    return owner == user.id or owner in user.assigned or user.role == "super_admin"


def private_rule(user: DemoUser, owner: str | None) -> bool:
    return owner == user.id or user.role == "super_admin"


def magnet_rule(user: DemoUser, owner: str | None) -> bool:
    return owner is None or tenant_rule(user, owner)


def assignment_rule(user: DemoUser, owner: str | None) -> bool:
    reviewer_id, client_id = (owner or ":").split(":")
    return user.id in (reviewer_id, client_id) or user.role == "super_admin"


def audit_rule(user: DemoUser, owner: str | None) -> bool:
    """Reviews follow their client: a reviewer unassigned from a client stops seeing them."""
    client_id, _actor_id = (owner or ":").split(":")
    return tenant_rule(user, client_id)


Rule = Callable[[DemoUser, str | None], bool]

# table -> (key seen as the user, superuser query of key and owner, rule)
MATRIX: dict[str, tuple[str, str, Rule]] = {
    "users": ("id::text", "select id::text, id::text from public.users", tenant_rule),
    "reviewer_assignments": (
        "reviewer_id::text || ':' || client_id::text",
        "select reviewer_id::text || ':' || client_id::text, "
        "reviewer_id::text || ':' || client_id::text from public.reviewer_assignments",
        assignment_rule,
    ),
    "cartridges": (
        "id::text",
        "select id::text, user_id::text from public.cartridges",
        tenant_rule,
    ),
    "campaigns": ("id::text", "select id::text, user_id::text from public.campaigns", tenant_rule),
    "posts": ("id::text", "select id::text, user_id::text from public.posts", tenant_rule),
    "leads": ("id::text", "select id::text, user_id::text from public.leads", tenant_rule),
    "messages": ("id::text", "select id::text, user_id::text from public.messages", tenant_rule),
    "lead_magnet_downloads": (
        "id::text",
        "select id::text, user_id::text from public.lead_magnet_downloads",
        tenant_rule,
    ),
    "lead_magnets": (
        "id::text",
        "select id::text, user_id::text from public.lead_magnets",
        magnet_rule,
    ),
    "apollo_usage": (
        "id::text",
        "select id::text, user_id::text from public.apollo_usage",
        private_rule,
    ),
    "embeddings": (
        "id::text",
        "select id::text, user_id::text from public.embeddings",
        tenant_rule,  # memories: a client's reviewers keep that client's voice with them (0028)
    ),
    "review_audit": (
        "id::text",
        "select id::text, client_id::text || ':' || actor_id::text from public.review_audit",
        audit_rule,
    ),
    "review_claims": (
        "item_id::text",
        "select item_id::text, client_id::text from public.review_claims",
        tenant_rule,
    ),
    "session_revocations": (
        "id::text",
        "select id::text, user_id::text from public.session_revocations",
        private_rule,  # the signed-out user and super admins
    ),
    "lead_daily_stats": (
        "user_id::text || day::text || campaign_id::text",
        "select user_id::text || day::text || campaign_id::text, user_id::text "
        "from public.lead_daily_stats",
        tenant_rule,  # counts of leads, read like the leads
    ),
    "lead_owner_daily_stats": (
        "user_id::text || day::text",
        "select user_id::text || day::text, user_id::text from public.lead_owner_daily_stats",
        tenant_rule,  # counts of leads, read like the leads
    ),
    "lead_owner_totals": (
        "user_id::text",
        "select user_id::text, user_id::text from public.lead_owner_totals",
        tenant_rule,
    ),
    "lead_owner_drafts": (
        "user_id::text",
        "select user_id::text, user_id::text from public.lead_owner_drafts",
        tenant_rule,  # counts of drafts, read like the drafts
    ),
    "apollo_daily_usage": (
        "user_id::text || day::text",
        "select user_id::text || day::text, user_id::text from public.apollo_daily_usage",
        private_rule,  # billing, like the attempts it sums
    ),
    "apollo_monthly_usage": (
        "user_id::text || month::text",
        "select user_id::text || month::text, user_id::text from public.apollo_monthly_usage",
        private_rule,  # billing, like the attempts it sums
    ),
    "lead_magnet_daily_stats": (
        "user_id::text || day::text || lead_magnet_id::text",
        "select user_id::text || day::text || lead_magnet_id::text, user_id::text "
        "from public.lead_magnet_daily_stats",
        tenant_rule,  # counts of downloads, read like the downloads
    ),
    "lead_magnet_embeddings": (
        "id::text",
        "select e.id::text, m.user_id::text from public.lead_magnet_embeddings e "
        "join public.lead_magnets m on m.id = e.lead_magnet_id",
        magnet_rule,
    ),
}


def test_matrix_covers_every_public_table(service: psycopg.Connection) -> None:
    tables = {
        name
        for (name,) in service.execute(
            "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = 'public' and c.relkind in ('r', 'p')"
        )
    }
    assert tables == set(MATRIX)


API_ROLES = ("authenticated", "revos_super_admin")


def as_seen_under(user: DemoUser, role: str) -> DemoUser:
    """Super admins see every tenant through their own role only (0050): a super admin whose
    token says `authenticated` sees what a client sees."""
    if user.role == "super_admin" and role != "revos_super_admin":
        return DemoUser(user.id, user.email, "client", user.assigned)
    return user


@pytest.mark.parametrize("table", sorted(MATRIX))
@pytest.mark.parametrize("email", DEMO_EMAILS)
@pytest.mark.parametrize("role", API_ROLES)
def test_visible_rows_match_ownership(
    table: str, email: str, role: str, runtime, service: psycopg.Connection, demo_users
) -> None:
    key_sql, oracle_sql, rule = MATRIX[table]
    user = demo_users[email]
    seen_as = as_seen_under(user, role)
    expected = {key for key, owner in service.execute(oracle_sql) if rule(seen_as, owner)}
    with as_user(runtime.service_url, user.id, role=role) as conn:
        seen = {key for (key,) in conn.execute(f"select {key_sql} from public.{table}")}
    assert seen == expected
    # every demo user sees something of most tables, so an all-empty result would be suspicious
    if table in ("users", "lead_magnets"):
        assert seen


@pytest.mark.parametrize("table", sorted(MATRIX))
@pytest.mark.parametrize("role", API_ROLES)
def test_unknown_subject_sees_only_the_global_library(
    table: str, role: str, runtime, service: psycopg.Connection
) -> None:
    """A validly signed token for a user who does not exist owns nothing and sees nothing else."""
    stranger = DemoUser(str(uuid.uuid4()), "nobody@example.com", "client", frozenset())
    key_sql, oracle_sql, rule = MATRIX[table]
    expected = {key for key, owner in service.execute(oracle_sql) if rule(stranger, owner)}
    with as_user(runtime.service_url, stranger.id, role=role) as conn:
        seen = {key for (key,) in conn.execute(f"select {key_sql} from public.{table}")}
    assert seen == expected
    if rule is not magnet_rule:
        assert seen == set()


@pytest.mark.parametrize("table", sorted(MATRIX))
def test_anon_reads_nothing(table: str, runtime) -> None:
    with (
        as_user(runtime.service_url, None, role="anon") as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(f"select * from public.{table} limit 1")


def test_reviewer_is_assigned_only_two_clients(demo_users) -> None:
    reviewer = demo_users["reviewer@revos.demo"]
    assert reviewer.assigned == {
        demo_users["client1@revos.demo"].id,
        demo_users["client2@revos.demo"].id,
    }


def test_a_demoted_super_admin_s_token_shows_only_their_own_rows(
    runtime, service: psycopg.Connection, demo_users
) -> None:
    """A token minted while they were a super admin outlives the role: the policy asks again."""
    admin = demo_users["admin@revos.demo"]
    with psycopg.connect(runtime.service_url) as conn:
        conn.execute("update public.users set role = 'client' where id = %s", [admin.id])
        conn.execute("set local role revos_super_admin")
        claims = json.dumps({"sub": admin.id, "role": "revos_super_admin"})
        conn.execute("select set_config('request.jwt.claims', %s, true)", [claims])
        owners = {owner for (owner,) in conn.execute("select user_id::text from public.leads")}
        seen_users = {uid for (uid,) in conn.execute("select id::text from public.users")}
        conn.rollback()
    assert owners <= {admin.id}
    assert seen_users == {admin.id}
    everyone = service.execute("select count(*) from public.users").fetchone()[0]
    assert everyone > 1  # so the assertion above is a restriction, not an empty database


def test_a_super_admin_under_authenticated_is_a_client_everywhere(
    runtime, demo_users, service: psycopg.Connection
) -> None:
    """Not only the policies (0050): the functions that ask `is_super_admin()` directly (page
    scopes, search and page helpers, review checks, tenant stats) agree with them (0054)."""
    admin = demo_users["admin@revos.demo"]
    with as_user(runtime.service_url, admin.id, role="authenticated") as conn:
        assert conn.execute("select private.is_super_admin()").fetchone() == (False,)
        assert conn.execute("select private.owner_scope(null)::text[]").fetchone() == ([admin.id],)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="super admins only"):
            conn.execute("select * from public.admin_tenant_stats()")
    with as_user(runtime.service_url, admin.id) as conn:  # the role their token claims
        assert conn.execute("select private.is_super_admin()").fetchone() == (True,)
        assert conn.execute("select private.owner_scope(null)").fetchone() == (None,)
        assert conn.execute("select count(*) from public.admin_tenant_stats()").fetchone()[0] > 1
    # sessions that never switch role (migrations, seeding) keep their answer
    with service.transaction(force_rollback=True):
        claims = json.dumps({"sub": admin.id})
        service.execute("select set_config('request.jwt.claims', %s, true)", [claims])
        assert service.execute("select private.is_super_admin()").fetchone() == (True,)


def test_the_super_admin_role_adds_only_select_policies_that_ask_the_database(
    service: psycopg.Connection,
) -> None:
    """No write goes through the role's own policies; its reads still check is_super_admin."""
    policies = service.execute(
        "select tablename, cmd, permissive, qual, with_check from pg_policies "
        "where 'revos_super_admin' = any (roles)"
    ).fetchall()
    assert policies
    for table, cmd, permissive, qual, with_check in policies:
        assert (cmd, permissive, with_check) == ("SELECT", "PERMISSIVE", None), table
        assert qual == "( SELECT private.is_super_admin() AS is_super_admin)", table


CHECK_THE_ROLE = Path(__file__).parents[1] / "sql" / "0049_super_admin_role_is_checked.sql"


@pytest.mark.parametrize(
    "widen",
    [
        "alter role revos_super_admin bypassrls",
        "alter role revos_super_admin login",
        "alter role revos_super_admin noinherit",
        "grant service_role to revos_super_admin",
    ],
)
def test_migrating_refuses_a_super_admin_role_that_can_do_more(
    service: psycopg.Connection, widen: str
) -> None:
    """Roles are cluster-wide, so the role may have been made before 0048 ran; 0049 stops a
    migration on one that could get round the policies. (Tried in a transaction, rolled back.)"""
    with service.transaction(force_rollback=True):
        service.execute(widen)
        with pytest.raises(psycopg.errors.RaiseException, match="revos_super_admin"):
            service.execute(_body(CHECK_THE_ROLE.read_text()))
    service.execute(_body(CHECK_THE_ROLE.read_text()))  # as it is: passes


def _body(migration: str) -> str:
    """The migration's check, without its `set local` lines."""
    return migration[migration.index("do $$") :]


def test_the_super_admin_role_has_nothing_of_its_own(service: psycopg.Connection) -> None:
    """Everything it may do comes from `authenticated`: no grant on a schema, table, sequence
    or function names it, and it cannot log in or bypass anything."""
    grants = service.execute(
        """
        select 'table ' || c.oid::regclass from pg_class c
        cross join lateral aclexplode(c.relacl) a
        where a.grantee = 'revos_super_admin'::regrole
        union all
        select 'function ' || p.oid::regprocedure from pg_proc p
        cross join lateral aclexplode(p.proacl) a
        where a.grantee = 'revos_super_admin'::regrole
        union all
        select 'schema ' || n.nspname from pg_namespace n
        cross join lateral aclexplode(n.nspacl) a
        where a.grantee = 'revos_super_admin'::regrole
        """
    ).fetchall()
    assert grants == []
    flags = service.execute(
        "select rolsuper, rolbypassrls, rolcanlogin, rolinherit from pg_roles "
        "where rolname = 'revos_super_admin'"
    ).fetchone()
    assert flags == (False, False, False, True)
    member_of = service.execute(
        "select array_agg(roleid::regrole::text) from pg_auth_members "
        "where member = 'revos_super_admin'::regrole"
    ).fetchone()[0]
    assert member_of == ["authenticated"]
