"""The dashboard through AppTest: sign-in, role menus, and the numbers each page shows."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from revos.domain import metrics
from tests import oracle
from tests.apptest import HOME, open_page, signed_in
from tests.support import DEMO_EMAILS

pytestmark = pytest.mark.usefixtures("app_env")


def test_signed_out_visitors_see_only_the_login() -> None:
    at = AppTest.from_file(HOME, default_timeout=60)
    at.run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Email", "Password"]
    assert not at.metric
    assert not at.info  # a first visit: no session has ended


def test_a_wrong_password_is_refused_with_a_message() -> None:
    at = signed_in("client1@revos.demo", "not-the-password")
    assert not at.exception
    assert any("do not match" in e.value for e in at.error)
    assert not at.metric


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_overview_numbers_equal_the_oracle(email, demo_users, world) -> None:
    at = open_page(signed_in(email), "app_pages/overview.py")
    assert not at.exception
    today = world.today_for(demo_users[email].id)  # the viewer's today starts the period
    start = pd.Timestamp(today - dt.timedelta(days=29), tz="UTC")
    end = pd.Timestamp(today + dt.timedelta(days=1), tz="UTC")
    expected = oracle.kpis(world, demo_users[email], start, end)
    shown = {m.label: m.value for m in at.metric}
    for metric in metrics.KPIS:
        assert shown[metric.label] == metrics.format_value(metric, expected[metric.key])


@pytest.mark.parametrize(
    ("email", "choices"),
    [("client1@revos.demo", 0), ("reviewer@revos.demo", 3), ("admin@revos.demo", 6)],
)
def test_client_picker_matches_the_role(email, choices) -> None:
    at = signed_in(email)
    pickers = [s for s in at.selectbox if s.label == "Client"]
    assert len(pickers[0].options) == choices if choices else not pickers


def test_reviewer_picking_a_client_sees_only_that_client(demo_users, world) -> None:
    at = open_page(signed_in("reviewer@revos.demo"), "app_pages/overview.py")
    client2 = demo_users["client2@revos.demo"]
    picker = next(s for s in at.selectbox if s.label == "Client")
    label = next(o for o in picker.options if "client2@revos.demo" in o)
    picker.select(label).run()
    today = world.today_for(client2.id)  # the page shows client2's days
    start = pd.Timestamp(today - dt.timedelta(days=29), tz="UTC")
    end = pd.Timestamp(today + dt.timedelta(days=1), tz="UTC")
    expected = oracle.kpis(world, demo_users["client2@revos.demo"], start, end)
    assert client2.id in demo_users["reviewer@revos.demo"].assigned
    shown = {m.label: m.value for m in at.metric}
    assert shown["New leads"] == metrics.format_value(metrics.KPIS[0], expected["new_leads"])


def test_an_admin_signs_a_user_out_everywhere(runtime, demo_users) -> None:
    import psycopg

    from revos.db import accounts
    from revos.db.seed import DEMO_PASSWORD

    victim = demo_users["client4@revos.demo"]
    token = accounts.sign_in(runtime.service_url, victim.email, DEMO_PASSWORD, 7).token
    at = open_page(signed_in("admin@revos.demo"), "app_pages/admin.py")
    picker = next(s for s in at.selectbox if s.label == "Sign a user out of every browser")
    # nobody is picked until the admin picks: one click signed out the first user before
    assert picker.value is None
    assert next(b for b in at.button if b.label == "Sign out everywhere").disabled
    # the users A to Z as read, the admin picking marked: it would end this browser too
    assert len(picker.options) == len(demo_users)
    assert picker.options == sorted(picker.options, key=str.casefold)
    [me] = [o for o in picker.options if "you, this browser too" in o]
    assert "admin@revos.demo" in me
    picker.select(victim.id).run()
    next(b for b in at.button if b.label == "Sign out everywhere").click().run()
    assert not at.exception
    assert any("out of every browser" in s.value for s in at.success)
    assert accounts.resume(runtime.service_url, token) is None
    with psycopg.connect(runtime.service_url) as conn:
        revoked_by = conn.execute(
            "select revoked_by::text from public.session_revocations where user_id = %s",
            [victim.id],
        ).fetchall()
    assert (demo_users["admin@revos.demo"].id,) in revoked_by


def test_an_open_tab_ends_when_its_session_is_ended_elsewhere(runtime) -> None:
    from revos.db import accounts
    from revos.ui import auth

    at = signed_in("client3@revos.demo")
    assert at.metric  # signed in, on Overview
    accounts.sign_out(runtime.service_url, at.session_state[auth.TOKEN])  # e.g. another tab
    at.session_state[auth.CHECKED] = 0.0  # as if RECHECK_SECONDS had passed
    at.run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Email", "Password"]
    assert not at.metric
    # and says why, instead of a bare sign-in form or every reason a session can end
    assert [i.value for i in at.info] == [auth.ENDED_BECAUSE["signed out"]]


def test_an_admin_who_signs_themself_out_everywhere_leaves_at_once(scratch_app, demo_users) -> None:
    """The picker says "you, this browser too": this browser goes to the sign-in form at
    once, not at its next recheck 10 s later with the data still on screen."""
    at = open_page(signed_in("admin@revos.demo"), "app_pages/admin.py")
    picker = next(s for s in at.selectbox if s.label == "Sign a user out of every browser")
    picker.select(demo_users["admin@revos.demo"].id).run()  # the scratch demo's ids are these
    next(b for b in at.button if b.label == "Sign out everywhere").click().run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Email", "Password"]
    assert not at.dataframe  # nothing of the tenants left on screen
    assert any("signed yourself out of every browser" in i.value for i in at.info)


def test_the_people_picker_reads_a_to_z_by_name_or_email() -> None:
    from revos.ui import widgets

    def person(name: str | None, email: str, role: str = "client") -> dict:
        return {"full_name": name, "company": None, "email": email, "role": role}

    people = {
        "1": person("zoe", "z@x.test"),
        "2": person(None, "bea@x.test"),  # no name: sorted by email, not before every name
        "3": person("Ada", "a@x.test", "super_admin"),
        "4": person("Carl", "c@x.test"),
    }
    labels = widgets.person_labels(people, me="3")
    assert list(labels) == ["3", "2", "4", "1"]
    assert labels["3"] == "Ada (a@x.test, super admin; you, this browser too)"
    assert labels["2"] == "(bea@x.test, client)"
