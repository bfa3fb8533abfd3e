"""Policies the planner can use an index for: a user's plain `select` reads only their rows.

With sequential scans switched off, a policy the planner can turn into an index condition
gets index scans on the owner column; an OR with an arm that does not name the owner column
(what the policies were before 0014) cannot, and the plan falls back to a (disabled)
sequential scan of every tenant's rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg
import pytest

from revos.db import seed
from tests.support import as_user, seeded_database

OWNED = {
    "cartridges": "user_id",
    "campaigns": "user_id",
    "posts": "user_id",
    "leads": "user_id",
    "messages": "user_id",
    "lead_magnet_downloads": "user_id",
    "lead_magnets": "user_id",
    "apollo_usage": "user_id",
    "embeddings": "user_id",
    "review_audit": "client_id",
    "review_claims": "client_id",
    "session_revocations": "user_id",
    "users": "id",
    "lead_daily_stats": "user_id",
    "lead_owner_daily_stats": "user_id",
    "lead_owner_totals": "user_id",
    "lead_owner_drafts": "user_id",
    "apollo_daily_usage": "user_id",
    "apollo_monthly_usage": "user_id",
    "lead_magnet_daily_stats": "user_id",
}


def _nodes(plan: dict) -> list[dict]:
    return [plan, *(node for child in plan.get("Plans", []) for node in _nodes(child))]


def _plan(url: str, user_id: str, table: str) -> dict:
    with as_user(url, user_id) as conn:
        conn.execute("set local enable_seqscan = off")
        [[plan]] = conn.execute(f"explain (format json) select * from public.{table}").fetchone()
    return plan["Plan"]


# (a super admin reads every tenant's rows, under their own role: the test after the next)
@pytest.mark.parametrize("email", ["client2@revos.demo", "reviewer@revos.demo"])
@pytest.mark.parametrize("table", sorted(OWNED))
def test_a_plain_select_uses_the_owner_index(runtime, demo_users, table, email) -> None:
    plan = _plan(runtime.service_url, demo_users[email].id, table)
    scans = [n for n in _nodes(plan) if n.get("Relation Name") == table]
    assert scans, json.dumps(plan)
    assert all(scan["Node Type"] != "Seq Scan" for scan in scans), json.dumps(plan, indent=1)
    conditions = " ".join(node.get("Index Cond", "") for node in _nodes(plan))
    assert f"({OWNED[table]} = " in conditions, json.dumps(plan, indent=1)


def test_every_select_policy_uses_the_one_rule(service) -> None:
    """Each `authenticated` select policy compares its owner column with the caller or the
    rule's helper, nothing else: no arm for super admins, who see every tenant through their
    own role's policy (0048, 0050; test_rls_matrix.py)."""
    policies = dict(
        service.execute(
            "select tablename, qual from pg_policies where schemaname = 'public' "
            "and cmd = 'SELECT' and 'authenticated' = any (roles)"
        ).fetchall()
    )
    for table, column in OWNED.items():
        qual = policies[table]
        by_rule = f"{column} = ANY (( SELECT private.visible_owners() AS visible_owners)::uuid[])"
        by_caller = f"{column} = ( SELECT auth.uid() AS uid)"
        assert by_rule in qual or by_caller in qual, (table, qual)
        assert "super_admin" not in qual and "all_owners" not in qual, (table, qual)
        assert qual.count(" OR ") == (1 if table == "lead_magnets" else 0), (table, qual)


def test_functions_created_later_are_not_executable_by_public_or_anon(runtime) -> None:
    """`alter default privileges` in 0014: a new function starts callable by nobody."""
    with psycopg.connect(runtime.service_url) as conn:
        owner = conn.execute(
            "select pg_get_userbyid(proowner) from pg_proc "
            "where oid = 'public.overview_kpis(timestamptz, timestamptz, uuid)'::regprocedure"
        ).fetchone()[0]
        conn.execute(f'set local role "{owner}"')
        conn.execute("create function public.zz_probe() returns int language sql as 'select 1'")
        grants = conn.execute(
            "select has_function_privilege('anon', 'public.zz_probe()', 'execute'), "
            "has_function_privilege('authenticated', 'public.zz_probe()', 'execute')"
        ).fetchone()
        conn.rollback()
    assert grants == (False, False)


def _estimated_rows(conn: psycopg.Connection, table: str) -> float:
    [[plan]] = conn.execute(f"explain (format json) select * from public.{table}").fetchone()
    return plan["Plan"]["Plan Rows"]


@pytest.fixture(scope="module")
def many_owners(server) -> Iterator[str]:
    """Many tenants with a few leads each: the owner column's statistics then look like a
    real deployment's (the demo's seven owners make any owner estimate large)."""
    plan = seed.SeedPlan(clients=300, leads_min=6, leads_max=6, seed=11)
    with seeded_database(server, plan, "t_owners") as (_, url):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("analyze")
        yield url


@pytest.mark.parametrize("table", ["leads", "messages", "lead_daily_stats"])
def test_a_super_admin_s_read_is_planned_for_every_row(many_owners, table) -> None:
    """Under their own role a super admin's plain select is estimated at (about) the whole
    table, as the floor's is, and so planned like it (partial aggregation in each parallel
    worker, not every row gathered into one process: sql/0048). As `authenticated` (which
    shows a super admin only their own rows since 0050) the owner rule is estimated as a
    sliver."""
    with psycopg.connect(many_owners) as conn:
        floor = _estimated_rows(conn, table)
        admin = conn.execute(
            "select id::text from public.users where role = 'super_admin' limit 1"
        ).fetchone()[0]
    with as_user(many_owners, admin, role="revos_super_admin") as conn:
        as_super_admin = _estimated_rows(conn, table)
    with as_user(many_owners, admin, role="authenticated") as conn:
        as_authenticated = _estimated_rows(conn, table)
    assert floor > 1000  # a table big enough for estimates to mean something
    assert as_super_admin >= 0.5 * floor, (as_super_admin, floor)
    assert as_authenticated < 0.1 * floor, (as_authenticated, floor)  # why the role exists


DAY_KEYED = ["lead_daily_stats", "lead_owner_daily_stats", "lead_magnet_daily_stats"]


@pytest.mark.parametrize("table", DAY_KEYED)
def test_a_rollup_s_day_indexes_have_the_owner_next(runtime, table) -> None:
    """An index led by the day has the owner as its next key (sql/0046, 0066): a client's
    period is then searched owner by owner within the days. With the day alone (and the
    counts included, 0064) the planner read a client's 30 days out of every tenant's, from
    the index alone: 15 ms against 1.5 at 1M leads, and growing with the other tenants."""
    with psycopg.connect(runtime.service_url) as conn:
        keys = conn.execute(
            "select i.indexrelid::regclass::text, "
            "array(select a.attname from unnest(i.indkey[:i.indnkeyatts - 1]) with ordinality "
            "k(n, o) join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.n "
            "order by k.o)::text[] "
            "from pg_index i where i.indrelid = %s::regclass",
            [f"public.{table}"],
        ).fetchall()
    led_by_day = {name: columns for name, columns in keys if columns[0] == "day"}
    assert led_by_day, keys
    assert all(columns[:2] == ["day", "user_id"] for columns in led_by_day.values()), keys
