"""Every limit and list the database enforces is written once, in SQL; the Python that shows
or sends them must agree, and this reads the live schema to check that it does."""

from __future__ import annotations

import re

import pandas as pd
import psycopg

from revos.domain import lead_filters, metrics
from revos.ui import review


def _constraint(conn: psycopg.Connection, name: str) -> str:
    return conn.execute(
        "select pg_get_constraintdef(oid) from pg_constraint where conname = %s", [name]
    ).fetchone()[0]


def _allowed(conn: psycopg.Connection, constraint: str) -> list[str]:
    return re.findall(r"'([^']*)'::text", _constraint(conn, constraint))


def _function(conn: psycopg.Connection, signature: str) -> str:
    return conn.execute("select pg_get_functiondef(%s::regprocedure)", [signature]).fetchone()[0]


EXPORT = (
    "public.leads_export(uuid, uuid[], text[], text[], text[], text[], timestamptz, "
    "timestamptz, text, text, boolean, integer, integer)"
)


def test_draft_limits_are_the_constraints(service: psycopg.Connection) -> None:
    content = _constraint(service, "messages_content_length")
    assert re.search(r"WHEN \(channel = 'dm'::text\) THEN (\d+)", content).group(1) == str(
        review.DM_LIMIT
    )
    subject = _constraint(service, "messages_subject_length")
    assert re.search(r"<= (\d+)", subject).group(1) == str(review.SUBJECT_LIMIT)


def test_the_lead_filters_offer_exactly_what_the_database_accepts(
    service: psycopg.Connection,
) -> None:
    source = _function(service, EXPORT)
    sorts = re.search(r"p_sort not in \(([^)]*)\)", source, re.S).group(1)
    assert set(re.findall(r"'(\w+)'", sorts)) == set(lead_filters.SORTS)
    assert re.search(r"p_limit > (\d+)", source).group(1) == str(lead_filters.EXPORT_LIMIT)
    kept = re.search(r"search_lead_ids\(v_scope, v_pattern, (\d+)\)", source).group(1)
    assert kept == str(lead_filters.SEARCH_KEEPS)
    assert (
        f"length(p_search) > {lead_filters.MAX_SEARCH_LENGTH}"
        in _function(service, "private.search_lead_ids(uuid[], text, integer)")
        or f"length(p_search) > {lead_filters.MAX_SEARCH_LENGTH}" in source
    )
    assert list(lead_filters.STATUSES) == _allowed(service, "leads_status_check")
    assert list(lead_filters.ENRICHMENT_STATUSES) == _allowed(
        service, "leads_enrichment_status_check"
    )
    assert list(lead_filters.DM_STATUSES) == _allowed(service, "leads_dm_status_check")
    # "none" is the filter's name for no email status (null) at all
    assert list(lead_filters.EMAIL_STATUSES) == [
        "none",
        *_allowed(service, "leads_email_status_check"),
    ]


def test_each_rate_target_is_written_once() -> None:
    """The alerts read the targets from the metric definitions (one place)."""
    targets = {m.key: m.target for m in metrics.KPIS if m.target is not None}
    stats = {
        "company": "Acme",
        "email": "a@acme.example",
        "dm_reply_rate_30d": targets["dm_reply_rate"] - 0.001,
        "email_reply_rate_30d": targets["email_reply_rate"],
        "enrichment_failures_30d": 0,
        "leads_30d": 10,
        "apollo_credits_month": 0,
    }
    alerts = metrics.tenant_alerts(pd.DataFrame([stats]))
    assert list(alerts["alert"]) == ["DM reply rate under target"]
    assert list(alerts["threshold"]) == [targets["dm_reply_rate"]]
