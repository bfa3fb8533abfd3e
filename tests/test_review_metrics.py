"""The review metrics (summary, rejection reasons, history) equal a recomputation from the
audit rows, for every demo user, and read the audit from its indexes (0072, 0073).

The oracle reads the audit as superuser and scopes it by the product's rule (a client their
own reviews, a reviewer their clients', a super admin everyone's); it knows nothing of the
SQL behind the calls.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import psycopg
import pytest

from tests.support import DEMO_EMAILS, DemoUser, explained_as, plans_and_rows

AUDIT = (
    "select a.id::text, a.client_id::text, a.actor_id::text, a.action, a.reason, a.channel, "
    "a.drafted_at, a.created_at, coalesce(a.actor_name, r.full_name, r.email) as reviewer, "
    "coalesce(c.company, c.email) as client, r.full_name as actor_full_name, "
    "r.email as actor_email "
    "from public.review_audit a "
    "join public.users r on r.id = a.actor_id join public.users c on c.id = a.client_id"
)


def _audit(service_url: str) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Every review, and the database's now (the calls' windows end there)."""
    with psycopg.connect(service_url, autocommit=True) as conn:
        cursor = conn.execute(AUDIT)
        frame = pd.DataFrame(cursor.fetchall(), columns=[c.name for c in cursor.description])
        now = conn.execute("select now()").fetchone()[0]
    return frame, pd.Timestamp(now)


def _half_up(value: float, places: str) -> float:
    """PostgreSQL's round(numeric) of a double, as the functions do it."""
    return float(Decimal(f"{value:.15g}").quantize(Decimal(places), rounding=ROUND_HALF_UP))


def _expected_summary(audit: pd.DataFrame, group_by: str | None) -> dict[str | None, dict]:
    if audit.empty:
        return {}
    key = {"tenant": "client_id", "reviewer": "actor_id"}.get(group_by)
    groups = audit.groupby(key) if key else [(None, audit)]
    expected = {}
    for group_id, rows in groups:
        seconds = (rows.created_at - rows.drafted_at).dt.total_seconds()
        approved = int((rows.action == "approved").sum())
        expected[group_id] = {
            "reviewed": len(rows),
            "approved_unedited": approved,
            "edited": int((rows.action == "edited_and_approved").sum()),
            "rejected": int((rows.action == "rejected").sum()),
            "first_draft_approval_rate": _half_up(approved / len(rows), "0.0001"),
            "median_minutes_to_review": _half_up(seconds.median() / 60, "0.1"),
        }
    return expected


@pytest.fixture(scope="module")
def audit(runtime) -> tuple[pd.DataFrame, pd.Timestamp]:
    frame, now = _audit(runtime.service_url)
    assert len(frame) > 0 and frame.action.nunique() == 3  # the demo has every kind of review
    return frame, now


def _in_scope(audit, user: DemoUser, world, days: int, client_id: str | None) -> pd.DataFrame:
    frame, now = audit
    rows = frame[frame.client_id.isin(world.clients_of(user))]
    rows = rows[rows.created_at >= now - pd.Timedelta(days=days)]
    return rows if client_id is None else rows[rows.client_id == client_id]


@pytest.mark.parametrize("group_by", [None, "tenant", "reviewer"])
@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_review_summary_equals_the_audit(
    email, group_by, gateway_for, demo_users, world, audit
) -> None:
    user = demo_users[email]
    # 366 days: every review, so the window's edge cannot fall between the two reads
    rows = gateway_for(email).rows("review_summary", p_days=366, p_group_by=group_by)
    got = {
        r["group_id"]: {k: r[k] for k in r if k not in ("group_id", "group_label")} for r in rows
    }
    expected = _expected_summary(_in_scope(audit, user, world, 366, None), group_by)
    assert got == expected


def test_review_summary_names_each_group(gateway_for, audit) -> None:
    frame, _ = audit
    admin = gateway_for("admin@revos.demo")
    tenants = {
        r["group_id"]: r["group_label"] for r in admin.rows("review_summary", p_group_by="tenant")
    }
    reviewers = {
        r["group_id"]: r["group_label"] for r in admin.rows("review_summary", p_group_by="reviewer")
    }
    assert tenants == dict(zip(frame.client_id, frame.client, strict=True))
    # with the email they cannot change: a reviewer named "Ada Admin" read as the admin (0085)
    actor_names = (frame.actor_full_name + " (" + frame.actor_email + ")").fillna(frame.actor_email)
    assert reviewers == dict(zip(frame.actor_id, actor_names, strict=True))
    [overall] = admin.rows("review_summary")
    assert (overall["group_id"], overall["group_label"]) == (None, "All")


def test_review_summary_of_one_client_and_a_short_window(
    gateway_for, demo_users, world, audit
) -> None:
    reviewer = demo_users["reviewer@revos.demo"]
    client = sorted(reviewer.assigned)[0]
    [row] = gateway_for("reviewer@revos.demo").rows("review_summary", p_days=7, p_client_id=client)
    expected = _expected_summary(_in_scope(audit, reviewer, world, 7, client), None)[None]
    assert {k: row[k] for k in expected} == expected


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_rejection_reasons_equal_the_audit(email, gateway_for, demo_users, world, audit) -> None:
    rows = gateway_for(email).rows("rejection_reasons", p_days=366)
    rejected = _in_scope(audit, demo_users[email], world, 366, None).query("action == 'rejected'")
    counts = rejected.reason.value_counts()
    expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    assert [(r["reason"], r["rejections"]) for r in rows] == [(k, int(v)) for k, v in expected]


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_review_history_is_the_newest_reviews_in_scope(
    email, gateway_for, demo_users, world, audit
) -> None:
    rows = gateway_for(email).rows("review_history", p_days=366)
    scoped = _in_scope(audit, demo_users[email], world, 366, None)
    newest = scoped.sort_values(["created_at", "id"], ascending=[False, True]).head(500)
    assert [r["action"] for r in rows] == list(newest.action)
    assert [r["reviewer"] for r in rows] == list(newest.reviewer)
    assert [r["client"] for r in rows] == list(newest.client)


@pytest.mark.parametrize("channel", ["dm", "email"])  # the demo reviews no posts
@pytest.mark.parametrize("email", ["reviewer@revos.demo", "admin@revos.demo"])
def test_review_history_of_one_kind_is_the_newest_reviews_of_that_kind(
    email, channel, gateway_for, demo_users, world, audit
) -> None:
    """A trial: with Kind set to DMs the History tab listed posts too. The kind is the
    history's own filter, before its cap of 500 (a filter after it would show fewer)."""
    rows = gateway_for(email).rows("review_history", p_days=366, p_channel=channel)
    scoped = _in_scope(audit, demo_users[email], world, 366, None)
    of_kind = scoped[scoped.channel == channel]
    newest = of_kind.sort_values(["created_at", "id"], ascending=[False, True]).head(500)
    assert rows and {r["channel"] for r in rows} == {channel}
    shown = [(r["action"], r["reviewer"], r["client"]) for r in rows]
    assert shown == list(zip(newest.action, newest.reviewer, newest.client, strict=True))


CALLS = {
    "review_summary by tenant": (
        "select * from public.review_summary(p_group_by => 'tenant')",
        "Index Only Scan using review_audit_client_cover_idx",
    ),
    "review_summary by reviewer": (
        "select * from public.review_summary(p_group_by => 'reviewer')",
        "Index Only Scan using review_audit_actor_cover_idx",
    ),
    "rejection_reasons": (
        "select * from public.rejection_reasons()",
        "Index Only Scan using review_audit_rejections_idx",
    ),
    "review_history": (
        "select * from public.review_history()",
        "Index Scan using review_audit_recent_idx",
    ),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_a_super_admin_s_review_metrics_read_the_audit_from_its_indexes(
    runtime, demo_users, call
) -> None:
    """Over every tenant the audit is millions of wide rows: each metric must be able to
    read what it needs from an index alone (the history: its newest rows, in order). The
    demo's audit is small, so sequential scans are switched off to see what the indexes
    allow; before 0073 these fell back to reading the table."""
    query, expected = CALLS[call]
    admin = demo_users["admin@revos.demo"].id
    with explained_as(runtime.service_url, admin) as conn:
        conn.execute("set local enable_seqscan = off")
        conn.execute("set local enable_bitmapscan = off")
        plans, rows = plans_and_rows(conn, query)
    assert rows  # the demo has rows for each
    assert expected in plans, plans
