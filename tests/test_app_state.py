"""What a user picks follows them from page to page, and no address can crash a page."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import psycopg
import pytest

from revos.domain import metrics, periods
from revos.ui import context, navigation
from tests import oracle
from tests.apptest import open_page, signed_in, warnings_read

pytestmark = pytest.mark.usefixtures("app_env")

PAGES_WITH_A_PERIOD = ("app_pages/overview.py", "app_pages/funnels.py", "app_pages/lead_magnets.py")


def test_the_period_follows_the_user_to_every_page_with_one(demo_users, world) -> None:
    at = signed_in("client1@revos.demo")
    open_page(at, "app_pages/overview.py", period="7d")
    assert at.query_params["period"] == "7d"
    for page in PAGES_WITH_A_PERIOD[1:]:
        open_page(at, page)  # as the menu opens it: no parameters in the address
        assert not at.exception
        assert at.query_params["period"] == "7d", page  # the page writes what it shows
        today = world.today_for(demo_users["client1@revos.demo"].id)  # in client1's zone
        seven_days = periods.preset("7d", today).label()
        assert seven_days in [c.value for c in at.caption], page


def test_a_reviewers_client_follows_them_to_every_page(demo_users) -> None:
    client2 = demo_users["client2@revos.demo"].id
    at = signed_in("reviewer@revos.demo")
    open_page(at, "app_pages/overview.py", client=client2)
    for page in ("app_pages/funnels.py", "app_pages/leads.py", "app_pages/approvals.py"):
        open_page(at, page)
        assert not at.exception
        assert at.sidebar.selectbox(key="client_scope").value == client2, page


@pytest.mark.parametrize("page", ["app_pages/overview.py", "app_pages/leads.py"])
def test_a_client_is_told_when_the_address_names_another_client(page, demo_users) -> None:
    """Clients have no picker, so RLS shows them their own data whatever the address says:
    the page says so once and takes the other client out of the address."""
    at = signed_in("client1@revos.demo")
    open_page(at, page, client=demo_users["client2@revos.demo"].id)
    assert "client" not in at.query_params
    assert any("your own data only" in w for w in warnings_read(at))
    at.run()  # the address no longer names them: nothing to say
    assert not any("your own data only" in w for w in warnings_read(at))


def test_a_client_following_their_own_link_sees_no_note(demo_users) -> None:
    at = signed_in("client1@revos.demo")
    open_page(at, "app_pages/overview.py", client=demo_users["client1@revos.demo"].id)
    assert "client" not in at.query_params
    assert not any("your own data only" in w for w in warnings_read(at))


@pytest.mark.parametrize(
    ("email", "page", "key", "param", "other", "default"),
    [
        ("client1@revos.demo", "app_pages/funnels.py", "grain", "grain", "day", "week"),
        ("reviewer@revos.demo", "app_pages/approvals.py", "queue_kind", "kind", "email", "all"),
    ],
)
def test_a_choice_is_kept_in_the_address(email, page, key, param, other, default) -> None:
    """The trend's day or week was lost on a reload and in a shared link: it was not in the
    address, as the queue's kind was. Both are now, absent while they are the default, and
    follow the user back to the page, as the period does."""
    at = signed_in(email)
    open_page(at, page, **{param: other})
    assert not at.exception and not at.warning
    assert at.button_group(key=key).value == other
    at.button_group(key=key).set_value(default).run()
    assert param not in at.query_params
    at.button_group(key=key).set_value(other).run()
    assert at.query_params[param] == other
    open_page(at, "app_pages/leads.py")
    open_page(at, page)  # back from the menu, with no parameters: the choice is kept
    assert at.button_group(key=key).value == other and at.query_params[param] == other
    open_page(at, page, **{param: default})  # a link asking for the other option gets it
    assert at.button_group(key=key).value == default and param not in at.query_params


TAMPERED = {
    "period": "x" * 3000,
    "from": "2027-05-01",
    "to": "1900-01-01",
    "page": "99999999999999999999",
    "campaigns": "not-a-uuid,00000000-0000-0000-0000-000000000000",
    "sort": "password",
    "asc": "maybe",
    "q": "%" * 500,
    "dm": "bogus",
    "status": "replied,,,",
    "grain": "century",
    "channel": "fax",
}


@pytest.mark.parametrize("email", ["client1@revos.demo", "reviewer@revos.demo", "admin@revos.demo"])
def test_no_address_crashes_a_page(email, demo_users) -> None:
    other_tenant = demo_users["client5@revos.demo"].id  # nobody here but the admin sees them
    role = demo_users[email].role
    at = signed_in(email)
    for page in [path for path, _, _ in navigation.MENUS[role]]:
        for params in (TAMPERED, {**TAMPERED, "client": other_tenant}, {"client": "x" * 999}):
            open_page(at, page, **params)
            assert not at.exception, (page, params, at.exception)
            assert not [e.value for e in at.error], (page, [e.value for e in at.error])


@pytest.mark.parametrize(
    ("email", "page", "params"),
    [
        ("client1@revos.demo", "app_pages/leads.py", {"dm": "[Sign in again](//evil.example)"}),
        ("client1@revos.demo", "app_pages/funnels.py", {"grain": "![p](//x.co/p.png)"}),
        ("reviewer@revos.demo", "app_pages/approvals.py", {"kind": "[x](//e.co)"}),
        ("client1@revos.demo", "app_pages/leads.py", {"page": ":red[!]"}),
    ],
)
def test_a_note_quoting_the_address_shows_it_literally(email, page, params) -> None:
    """The notes quote what the address asked for, and anyone can write an address: a link
    or an image in it became one in the app's own warning."""
    at = signed_in(email)
    open_page(at, page, **params)
    assert not at.exception and at.warning
    for warning in at.warning:
        assert not re.search(r"(?<!\\)[\[\]()!:]", warning.value), warning.value


@pytest.mark.parametrize(
    ("page", "params"),
    [
        (
            "app_pages/leads.py",
            {"page": "x", "status": "nope", "from": "someday", "sort": "zz", "campaigns": "no"},
        ),
        ("app_pages/leads.py", {"page": "40000"}),
        ("app_pages/overview.py", {"period": "forever", "client": "nobody"}),
        ("app_pages/overview.py", {"period": "custom", "from": "soon"}),
        ("app_pages/approvals.py", {"kind": "fax", "page": "0"}),
        ("app_pages/approvals.py", {"campaign": "00000000-0000-0000-0000-000000000000"}),
        ("app_pages/approvals.py", {"page": "4000"}),
        ("app_pages/approvals.py", {"period": "custom", "from": "2026-01-01"}),
        ("app_pages/funnels.py", {"grain": "hour", "campaigns": "00000000-0000-0000-0000-0000"}),
    ],
)
def test_every_note_on_an_unusable_address_reads_alike(page, params) -> None:
    """What a link asked for that a page cannot show is said one way on every page: what it
    asked for, why not, what is shown instead (they were worded two ways)."""
    at = open_page(signed_in("reviewer@revos.demo"), page, **params)
    assert not at.exception
    notes = warnings_read(at)
    assert notes
    for note in notes:
        assert note.startswith("The address asked for ") and "; " in note, note


@pytest.mark.parametrize(
    ("email", "page", "params", "kept"),
    [
        ("admin@revos.demo", "app_pages/admin.py", {"period": "7d"}, {}),
        ("admin@revos.demo", "app_pages/admin.py", {"from": "2026-01-01", "to": "2026-01-31"}, {}),
        (
            "reviewer@revos.demo",
            "app_pages/approvals.py",
            {"period": "90d", "kind": "dm"},
            {"kind": "dm"},
        ),
        # the Leads page's from and to are its comment dates: only the period goes
        (
            "client1@revos.demo",
            "app_pages/leads.py",
            {"period": "7d", "from": "2026-11-01"},
            {"from": "2026-11-01"},
        ),
    ],
)
def test_a_page_without_a_period_says_so_and_drops_it(email, page, params, kept) -> None:
    """/tenants?period=7d kept a period the page (always its 7 and 30 days) never used, so
    the address promised what the page did not show."""
    at = open_page(signed_in(email), page, **params)
    assert not at.exception
    notes = [n for n in warnings_read(at) if "which this page does not have" in n]
    assert len(notes) == 1, warnings_read(at)
    assert {k: v for k, v in at.query_params.items() if k in params} == kept


@pytest.mark.parametrize(
    ("params", "note"),
    [
        ({"q": "\x00abc"}, "asked for a search with a NUL character"),
        ({"page": "50000000"}, "asked for page 50,000,000, but these filters give"),
        ({"page": "999999999999999999999"}, "asked for page 999,999,999,999,999,999,999, but"),
    ],
)
def test_a_leads_address_the_database_could_not_take_gets_a_note(params, note) -> None:
    """A NUL in the search was taken for the database being away (retried for ever), and a
    huge page number for a bad filter ("integer out of range"): found by a browser trial."""
    at = signed_in("client1@revos.demo")
    open_page(at, "app_pages/leads.py", **params)
    assert not at.exception and not [e.value for e in at.error]
    shown = warnings_read(at)
    assert any(note in text for text in shown), shown
    assert not any("out of range" in text or "not answering" in text for text in shown)


def test_another_database_is_not_answered_from_the_first_ones_cache(
    scratch_app, demo_users, world, monkeypatch
) -> None:
    """The read cache is per runtime. Settings pointing at another database must ask it,
    even for the same user asking the same question within the cache's lifetime."""
    client1 = demo_users["client1@revos.demo"]
    context._user_cache.clear()  # nothing cached by an earlier test of this process
    with psycopg.connect(scratch_app.url, autocommit=True) as conn:
        planted = conn.execute(  # so that the scratch demo and the demo surely differ
            "insert into public.leads (user_id, campaign_id, linkedin_profile_url, name, "
            "commented_at) select user_id, id, 'https://www.linkedin.com/in/cache-' || id, "
            "'Cache Probe', now() from public.campaigns where user_id = %s limit 1 returning id",
            [client1.id],
        ).fetchone()[0]
    try:
        on_scratch = _new_leads_shown(client1.email)
        for name in scratch_app.settings:
            monkeypatch.delenv(name)  # back to the session's demo database
        on_demo = _new_leads_shown(client1.email)
    finally:
        with psycopg.connect(scratch_app.url, autocommit=True) as conn:
            conn.execute("delete from public.leads where id = %s", [planted])
    today = world.today_for(client1.id)
    start = pd.Timestamp(today - dt.timedelta(days=29), tz="UTC")
    end = pd.Timestamp(today + dt.timedelta(days=1), tz="UTC")
    expected = metrics.format_value(
        metrics.KPIS[0], oracle.kpis(world, client1, start, end)["new_leads"]
    )
    assert on_scratch != expected  # else this test could not tell the databases apart
    assert on_demo == expected


def _new_leads_shown(email: str) -> str:
    at = open_page(signed_in(email), "app_pages/overview.py")
    assert not at.exception
    return next(m.value for m in at.metric if m.label == metrics.KPIS[0].label)


@pytest.mark.parametrize(
    ("text", "client", "named"),
    [
        ("ICP Worksheet (Copperleaf)", "Copperleaf Agency", True),
        ("ICP Worksheet", "Copperleaf Agency", False),
        ("Copperleafy guide", "Copperleaf Agency", False),  # a word, not a part of one
        ("Webinar Replay #5", "Summit B2B Labs", False),
        ("anything", "", False),
    ],
)
def test_a_name_that_names_its_client_already_is_kept(text, client, named) -> None:
    from revos.ui import widgets

    assert widgets.names_client(text, client) is named
