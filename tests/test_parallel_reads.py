"""Reads of every tenant under RLS planned like the floor's (0039, 0044).

The policy helpers are parallel safe, so a statement under RLS can have a parallel plan at
all; funnel_trend, campaign_funnel and (through private.magnet_counts)
lead_magnet_performance, reading every tenant's rollup for a super admin, make parallel
workers free to start for their one statement and put the settings back afterwards.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support import as_user, explained_as, plans_and_rows

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
        with explained_as(runtime.service_url, demo_users[email].id) as conn:
            plans[email], rows = plans_and_rows(conn, CALLS[function], period)
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
