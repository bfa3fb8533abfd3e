"""Bounded work: limits the database enforces whoever calls, not only the page."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from revos.gateway import InvalidRequest
from tests.support import as_user


def test_role_statement_timeouts_are_set(service: psycopg.Connection) -> None:
    settings = dict(
        service.execute(
            "select r.rolname, s.setconfig from pg_db_role_setting s "
            "join pg_roles r on r.oid = s.setrole "
            "where r.rolname in ('anon', 'authenticated', 'revos_super_admin')"
        ).fetchall()
    )
    assert "statement_timeout=3s" in settings["anon"]
    assert "statement_timeout=8s" in settings["authenticated"]
    assert "statement_timeout=8s" in settings["revos_super_admin"]  # not inherited


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"p_limit": 501}, "1 to 500 leads"),
        ({"p_search": "x" * 201}, "at most 200 characters"),
        (
            {
                "p_from": dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
                "p_to": dt.datetime(2023, 1, 3, tzinfo=dt.UTC),
            },
            "at most three years",
        ),
    ],
)
def test_a_page_of_leads_is_bounded(gateway_for, params, words) -> None:
    with pytest.raises(InvalidRequest, match=words):
        gateway_for("client1@revos.demo").rows("leads_page", **params)


def test_the_export_has_its_own_larger_limit(gateway_for) -> None:
    gateway = gateway_for("client1@revos.demo")
    [page] = gateway.rows("leads_export", p_limit=5000)
    assert page["total"] == len(page["rows"]) or len(page["rows"]) == 5000
    with pytest.raises(InvalidRequest, match="1 to 50,000 leads"):
        gateway.rows("leads_export", p_limit=50_001)
    with pytest.raises(InvalidRequest, match="at most 200 characters"):
        gateway.rows("leads_export", p_search="y" * 201)


@pytest.mark.parametrize(
    ("statement", "constraint"),
    [
        ("update public.leads set name = repeat('n', 201) where id = %(lead)s", "leads_text"),
        ("update public.leads set comment_text = repeat('c', 5001) where id = %(lead)s",
         "leads_text"),
        ("update public.campaigns set name = repeat('n', 201) where user_id = %(me)s",
         "campaigns_text"),
        ("update public.cartridges set system_prompt = repeat('p', 20001) "
         "where user_id = %(me)s", "cartridges_text"),
        ("update public.users set full_name = repeat('f', 201) where id = %(me)s",
         "users_full_name"),
        ("insert into public.lead_magnets (user_id, title, is_custom) "
         "values (%(me)s, repeat('t', 201), true)", "lead_magnets_text"),
    ],
)  # fmt: skip
def test_text_a_user_writes_has_a_length_limit(runtime, service, demo_users, statement, constraint):
    me = demo_users["client1@revos.demo"].id
    lead = service.execute(
        "select id from public.leads where user_id = %s limit 1", [me]
    ).fetchone()[0]
    with (
        as_user(runtime.service_url, me) as conn,
        pytest.raises(psycopg.errors.CheckViolation, match=constraint),
    ):
        conn.execute(statement, {"me": me, "lead": lead})


@pytest.mark.parametrize("function", ["overview_kpis", "campaign_funnel"])
def test_a_period_is_at_most_three_years(gateway_for, function) -> None:
    long = {
        "p_from": dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        "p_to": dt.datetime(2023, 1, 3, tzinfo=dt.UTC),
    }
    with pytest.raises(InvalidRequest, match="at most three years"):
        gateway_for("client1@revos.demo").rows(function, **long)
    three = {**long, "p_to": dt.datetime(2022, 12, 31, tzinfo=dt.UTC)}
    assert gateway_for("client1@revos.demo").rows(function, **three) is not None
