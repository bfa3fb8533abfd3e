"""Every page as every role through AppTest: it renders, and its numbers equal the oracle."""

from __future__ import annotations

import datetime as dt
import json
import re

import pandas as pd
import pytest

from revos.domain import periods
from revos.gateway import AccessDenied
from revos.ui import widgets
from tests import oracle
from tests.apptest import open_page, signed_in, warnings_read
from tests.support import DEMO_EMAILS

pytestmark = pytest.mark.usefixtures("app_env")


def _period(at, today: dt.date) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The period the page shows, as its URL says (the page writes it there)."""
    params = {k: at.query_params[k] for k in ("period", "from", "to") if k in at.query_params}
    assert params, "the page puts its period in the URL"
    start, end = periods.from_params(params, today).bounds()
    return pd.Timestamp(start), pd.Timestamp(end)


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_funnels_page_counts_equal_the_oracle(email, demo_users, world) -> None:
    at = signed_in(email)
    open_page(at, "app_pages/funnels.py")
    assert not at.exception and not at.error
    assert len(at.get("plotly_chart")) >= 3  # two funnels and the trend
    start, end = _period(at, world.today_for(demo_users[email].id))
    per_campaign = oracle.funnel(world, demo_users[email], start, end)
    expected = {
        stage: sum(c[stage] for c in per_campaign.values())
        for stage in next(iter(per_campaign.values()))
    }
    links = {}
    for link in at.get("page_link"):
        label, count = link.proto.label.rsplit(": ", 1)
        links[label] = int(count.replace(",", ""))
    assert links["Commented"] == expected["commented"]
    assert links["DM replied"] == expected["dm_replied"]
    assert links["Replied"] == expected["email_replied"]
    assert len(links) == 9
    # the week holding today is not over: its point is white, and the caption says why
    [trend] = [
        json.loads(c.proto.spec)
        for c in at.get("plotly_chart")
        if "Activity per week" in c.proto.spec
    ]
    [note] = [t for t in trend["data"] if "legendgroup" not in t]
    assert note["x"][-1] == trend["data"][0]["x"][-1]  # the last week is said to be cut short
    assert any(c.value.startswith("White points on dotted lines are weeks") for c in at.caption)


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_leads_page_total_equals_the_oracle(email, demo_users, world) -> None:
    at = signed_in(email)
    open_page(at, "app_pages/leads.py")
    assert not at.exception and not at.error
    shown = re.search(r"\*\*([\d,]+)\*\* leads match", at.caption[0].value)
    assert int(shown.group(1).replace(",", "")) == len(world.scoped(world.leads, demo_users[email]))
    assert len(at.dataframe) == 1


def test_leads_page_applies_filters_from_the_url(demo_users, world) -> None:
    at = signed_in("client2@revos.demo")
    open_page(at, "app_pages/leads.py", dm="replied", q="head of")
    leads = world.scoped(world.leads, demo_users["client2@revos.demo"])
    text = oracle.search_text(leads)
    expected = int(((leads.dm_status == "replied") & text.str.contains("head of")).sum())
    shown = re.search(r"\*\*([\d,]+)\*\* leads match", at.caption[0].value)
    assert int(shown.group(1).replace(",", "")) == expected > 0


def test_bad_filters_in_the_url_are_explained_not_crashed() -> None:
    at = signed_in("client1@revos.demo")
    open_page(at, "app_pages/leads.py", dm="bogus", sort="password", **{"from": "not-a-date"})
    assert not at.exception
    warnings = " ".join(warnings_read(at))
    assert "DM status 'bogus', which leads do not have" in warnings
    assert "YYYY-MM-DD" in warnings and "sort 'password', which is not one of" in warnings


@pytest.mark.parametrize(
    ("email", "path", "params", "note", "corrected"),
    [
        (
            "client2@revos.demo",
            "app_pages/leads.py",
            {"page": "999999"},
            "page 999,999, but these filters give",
            "page",
        ),
        (
            "client2@revos.demo",
            "app_pages/funnels.py",
            {"campaigns": "nope"},
            "1 campaign, which you do not have",
            "campaigns",
        ),
        ("reviewer@revos.demo", "app_pages/approvals.py", {"kind": "evil"}, "kind 'evil'", "kind"),
        ("client2@revos.demo", "app_pages/funnels.py", {"grain": "hour"}, "'hour'", "grain"),
        (
            "reviewer@revos.demo",
            "app_pages/approvals.py",
            {"campaign": "nope"},
            "a campaign, which you do not have",
            "campaign",
        ),
        (
            "reviewer@revos.demo",
            "app_pages/approvals.py",
            {"page": "500"},
            "page 500 of the queue, which has",
            "page",
        ),
    ],
)
def test_what_a_hand_edited_address_asked_for_is_said_then_corrected(
    email: str, path: str, params: dict, note: str, corrected: str
) -> None:
    """Not silently: the page says what it could not show and what it shows instead, and
    writes what it shows into the address (so the note is said once)."""
    at = signed_in(email)
    open_page(at, path, **params)
    assert not at.exception
    notes = " ".join(warnings_read(at))
    assert note in notes, notes
    assert at.query_params.get(corrected) != params[corrected]
    at.run()
    assert note not in " ".join(warnings_read(at))


@pytest.mark.parametrize("email", ["client1@revos.demo", "client4@revos.demo", "admin@revos.demo"])
def test_lead_magnets_totals_equal_the_oracle(email, demo_users, world) -> None:
    at = signed_in(email)
    open_page(at, "app_pages/lead_magnets.py")
    assert not at.exception and not at.error
    shown = _period(at, world.today_for(demo_users[email].id))
    performance = oracle.magnet_performance(world, demo_users[email], *shown)
    downloads = sum(d for d, _ in performance.values())
    replies = sum(r for _, r in performance.values())
    assert [m.value for m in at.metric][:2] == [f"{downloads:,}", f"{replies:,}"]
    # top performers and laggards are held to the Conversion tile's rate: one number
    conversion = f"{replies / downloads:.1%}" if downloads else "0.0%"
    assert at.metric[2].value == conversion
    headings = [m.value for m in at.markdown if m.value.startswith("**")]
    assert any(h.startswith("**Top performers**") and conversion in h for h in headings)
    assert any(h.startswith("**Laggards**") and conversion in h for h in headings)
    # every niche is written with its downloads and its rate, none a blank slot, beside a
    # line at the Conversion tile's rate (the conversion chart has one too)
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    [niches] = [f for f in figures if "by niche" in f["layout"]["title"]["text"]]
    bars, labels = niches["data"]
    assert len(labels["text"]) == len(bars["y"]) > 0
    niche_downloads = sum(
        int(y.rpartition("(n=")[2].rstrip(")").replace(",", "")) for y in bars["y"]
    )
    assert niche_downloads == downloads  # those without a niche too, as "No niche"
    for figure in (
        niches,
        *[f for f in figures if "Best conversion" in f["layout"]["title"]["text"]],
    ):
        assert figure["layout"]["annotations"][0]["text"] == f"All downloads {conversion}"


def test_an_admin_tells_every_lead_magnet_apart(world) -> None:
    """Over every tenant a custom magnet names its tenant, and no two rows read the same
    (two magnets of one title drew one bar and read as one listed twice)."""
    at = signed_in("admin@revos.demo")
    open_page(at, "app_pages/lead_magnets.py")
    assert not at.exception and not at.error
    table = next(d.value for d in at.dataframe if "source" in d.value.columns)
    assert table["title"].is_unique
    companies = {u.id: u.company or u.email for u in world.users.itertuples()}
    custom = world.magnets[world.magnets.user_id.notna()]
    assert len(custom) > 0
    for magnet in custom.itertuples():
        company = companies[magnet.user_id]
        rows = [t for t in table["title"] if t.startswith(magnet.title)]
        assert rows, magnet.title
        for title in rows:  # names its tenant, once ("(Copperleaf) (Copperleaf Agency)")
            assert widgets.names_client(title, company), title
            assert title.casefold().count(company.split()[0].casefold()) == 1, title
    library = world.magnets[world.magnets.user_id.isna()]
    assert len(library) > 0
    assert set(library.title) <= set(table["title"])  # the global library's: no owner named


def test_admin_page_shows_every_tenant(world, service) -> None:
    at = signed_in("admin@revos.demo")
    open_page(at, "app_pages/admin.py")
    assert not at.exception and not at.error
    table = next(d.value for d in at.dataframe if "leads_total" in d.value.columns)
    clients = world.users[world.users.role == "client"]
    assert set(table["email"]) == set(clients.email)
    for row in table.itertuples():
        client_id = clients.loc[clients.email == row.email, "id"].item()
        assert row.leads_total == int((world.leads.user_id == client_id).sum())
    reviews = [d.value for d in at.dataframe if "approved_unedited" in d.value.columns]
    assert len(reviews) in (2, 3)  # per tenant, per reviewer, and clients' own approvals
    reviewers = set(reviews[1]["group_label"])
    assert "Rita Reviewer (reviewer@revos.demo)" in reviewers
    client_names = {
        name
        for (name,) in service.execute(
            "select coalesce(full_name || ' (' || email || ')', email) from public.users "
            "where role = 'client'"
        )
    }
    assert not reviewers & client_names  # only reviewers and admins review
    if len(reviews) == 3:
        assert set(reviews[2]["group_label"]) <= client_names


@pytest.mark.parametrize("email", ["client1@revos.demo", "reviewer@revos.demo"])
def test_admin_page_is_not_reachable_and_its_data_is_refused(email, gateway_for) -> None:
    at = signed_in(email)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_page(at, "app_pages/admin.py")  # not in this role's navigation at all
    with pytest.raises(AccessDenied, match="super admins only"):
        gateway_for(email).rows("admin_tenant_stats")  # and the SQL refuses anyway


def test_a_magnet_s_conversion_is_its_replies_over_its_downloads() -> None:
    """The database rounds a rate to four places: 14 of 41 (34.146%) read 34.2% on the
    magnet's bar beside 34.1% on its niche's, which the page sums from the counts."""
    at = open_page(signed_in("admin@revos.demo"), "app_pages/lead_magnets.py", period="90d")
    assert not at.exception
    table = next(d.value for d in at.dataframe if "source" in d.value.columns)
    downloaded = table[table["downloads"] > 0]
    assert len(downloaded) > 0
    exact = 100 * downloaded["replies"] / downloaded["downloads"]  # shown in percent
    assert (downloaded["conversion_rate"] - exact).abs().max() < 1e-9
    assert table.loc[table["downloads"] == 0, "conversion_rate"].isna().all()
