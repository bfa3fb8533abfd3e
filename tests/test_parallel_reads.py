"""Reads of every tenant under RLS planned like the floor's (0039, 0044).

The policy helpers are parallel safe, so a statement under RLS can have a parallel plan at
all; funnel_trend, campaign_funnel and (through private.magnet_counts)
lead_magnet_performance, reading every tenant's rollup for a super admin, make parallel
workers free to start for their one statement and put the settings back afterwards.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

import psycopg
import pytest

from revos.gateway.postgres import act_as
from tests.support import as_user, token_role

SETTINGS = ("parallel_setup_cost", "parallel_tuple_cost", "enable_nestloop")
CALLS = {
    "funnel_trend": "select * from public.funnel_trend(%(from)s, %(to)s, 'week')",
    "campaign_funnel": "select * from public.campaign_funnel(p_from => %(from)s, p_to => %(to)s)",
    "lead_magnet_performance": (
        "select * from public.lead_magnet_performance(p_from => %(from)s, p_to => %(to)s)"
    ),
}
READS = {  # the rollup each call reads in parallel
    "funnel_trend": "lead_daily_stats",
    "campaign_funnel": "lead_daily_stats",
    "lead_magnet_performance": "lead_magnet_daily_stats",
}


def _period() -> dict[str, dt.datetime]:
    now = dt.datetime.now(dt.UTC)
    return {"from": now - dt.timedelta(days=90), "to": now}


def _plans_and_rows(conn, query: str, period: dict) -> tuple[str, list]:
    """The plans of the statements a call runs inside, sent back by auto_explain, and the
    rows the call returned."""
    notices: list[str] = []
    conn.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
    rows = conn.execute(query, period).fetchall()
    return "\n".join(notices), rows


@contextlib.contextmanager
def _explained_as(url: str, user_id: str) -> Iterator[psycopg.Connection]:
    """A connection acting as the user with their token's role, whose nested statements
    auto_explain reports (loaded as superuser, before the role switch), and where even the
    demo's small rollup is big enough for a parallel scan."""
    with psycopg.connect(url) as conn:
        conn.execute("load 'auto_explain'")
        conn.execute("set local auto_explain.log_min_duration = 0")
        conn.execute("set local auto_explain.log_nested_statements = on")
        conn.execute("set local auto_explain.log_level = notice")
        conn.execute("set local min_parallel_table_scan_size = 0")
        act_as(conn, user_id, token_role(conn, user_id))
        try:
            yield conn
        finally:
            conn.rollback()


def test_a_statement_under_rls_can_be_planned_in_parallel(runtime, demo_users) -> None:
    """Fails if any policy helper of the leads' policy is parallel unsafe: no Gather then.
    Its count, read by the workers, is the serial count."""
    admin = demo_users["admin@revos.demo"].id
    with as_user(runtime.service_url, admin) as conn:
        conn.execute("set local parallel_setup_cost = 0")
        conn.execute("set local parallel_tuple_cost = 0")
        conn.execute("set local min_parallel_table_scan_size = 0")
        conn.execute("set local enable_indexscan = off")
        conn.execute("set local enable_bitmapscan = off")
        plan = "\n".join(r[0] for r in conn.execute("explain select count(*) from public.leads"))
        parallel = conn.execute("select count(*) from public.leads").fetchone()[0]
        conn.execute("set local max_parallel_workers_per_gather = 0")
        serial = conn.execute("select count(*) from public.leads").fetchone()[0]
    assert "Gather" in plan, plan
    assert parallel == serial > 0


@pytest.mark.parametrize("function", sorted(CALLS))
def test_every_tenant_reads_run_in_parallel_for_a_super_admin_only(
    runtime, demo_users, function
) -> None:
    period = _period()
    plans = {}
    for email in ("admin@revos.demo", "client1@revos.demo"):
        with _explained_as(runtime.service_url, demo_users[email].id) as conn:
            plans[email], rows = _plans_and_rows(conn, CALLS[function], period)
        with as_user(runtime.service_url, demo_users[email].id) as conn:
            conn.execute("set local max_parallel_workers_per_gather = 0")  # one process
            assert rows == conn.execute(CALLS[function], period).fetchall()
    assert READS[function] in plans["admin@revos.demo"]
    assert "Gather" in plans["admin@revos.demo"], plans["admin@revos.demo"]
    assert "Gather" not in plans["client1@revos.demo"], plans["client1@revos.demo"]


@pytest.mark.parametrize("function", sorted(CALLS))
@pytest.mark.parametrize("email", ["admin@revos.demo", "client1@revos.demo"])
def test_the_planner_settings_are_put_back_after_the_call(
    runtime, demo_users, function, email
) -> None:
    with as_user(runtime.service_url, demo_users[email].id) as conn:
        conn.execute("set local parallel_setup_cost = 1234")  # as a DBA might have it
        before = [conn.execute(f"select current_setting('{s}')").fetchone()[0] for s in SETTINGS]
        rows = conn.execute(CALLS[function], _period()).fetchall()
        after = [conn.execute(f"select current_setting('{s}')").fetchone()[0] for s in SETTINGS]
    assert rows
    assert after == before == ["1234", "0.1", "on"]
