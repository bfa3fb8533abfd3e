"""Policies the planner can use an index for: a user's plain `select` reads only their rows.

With sequential scans switched off, a policy the planner can turn into an index condition
gets an index scan on the owner column; an OR of owner rules (what the policies were before
0013) cannot, and the plan falls back to a (disabled) sequential scan of every tenant's rows.
"""

from __future__ import annotations

import json

import pytest

from tests.support import as_user

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
}


def _scans(plan: dict, table: str) -> list[dict]:
    found = [plan] if plan.get("Relation Name") == table else []
    for child in plan.get("Plans", []):
        found += _scans(child, table)
    return found


@pytest.mark.parametrize("email", ["client2@revos.demo", "reviewer@revos.demo"])
@pytest.mark.parametrize("table", sorted(OWNED))
def test_a_plain_select_uses_the_owner_index(runtime, demo_users, table, email) -> None:
    with as_user(runtime.service_url, demo_users[email].id) as conn:
        conn.execute("set local enable_seqscan = off")
        [[plan]] = conn.execute(f"explain (format json) select * from public.{table}").fetchone()
    scans = _scans(plan["Plan"], table)
    assert scans, json.dumps(plan)
    for scan in scans:
        assert scan["Node Type"] != "Seq Scan", json.dumps(scan, indent=1)
    conditions = [node.get("Index Cond", "") for node in _nodes(plan["Plan"])]
    assert any(f"{OWNED[table]} = ANY" in c for c in conditions), json.dumps(plan, indent=1)


def _nodes(plan: dict) -> list[dict]:
    return [plan, *(node for child in plan.get("Plans", []) for node in _nodes(child))]


def test_every_select_policy_uses_the_one_rule(service) -> None:
    """No select policy ORs owner rules any more; each compares with one helper's array."""
    policies = service.execute(
        "select tablename, qual from pg_policies where schemaname = 'public' and cmd = 'SELECT'"
    ).fetchall()
    by_table = dict(policies)
    for table in OWNED:
        assert "visible_owners" in by_table[table] or "private_owners" in by_table[table], table
        assert (
            "reviewed_client_ids" not in by_table[table] and "is_super_admin" not in by_table[table]
        ), table
