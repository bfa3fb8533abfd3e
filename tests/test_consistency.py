"""One label, one number: pages that show the same label for the same user and period agree.

Each page is opened as a person would (AppTest, signed in, the default period of 30 days)
and read off the screen; the same label on two pages must show the same number.
"""

from __future__ import annotations

import pytest

from tests.apptest import open_page, signed_in

pytestmark = pytest.mark.usefixtures("app_env")


def metrics_on(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def funnel_links(at) -> dict[str, int]:
    counts = {}
    for link in at.get("page_link"):
        label, count = link.proto.label.rsplit(": ", 1)
        counts[label] = int(count.replace(",", ""))
    return counts


@pytest.mark.parametrize("email", ["client1@revos.demo", "client3@revos.demo"])
def test_a_clients_pages_agree(email: str) -> None:
    at = signed_in(email)
    overview = metrics_on(open_page(at, "app_pages/overview.py", period="30d"))
    funnels = funnel_links(open_page(at, "app_pages/funnels.py", period="30d"))
    magnets = metrics_on(open_page(at, "app_pages/lead_magnets.py", period="30d"))
    approvals = metrics_on(open_page(at, "app_pages/approvals.py"))
    assert not at.exception
    # new leads: who commented in the period, on both pages
    assert int(overview["New leads"].replace(",", "")) == funnels["Commented"]
    assert overview["Lead-magnet downloads"] == magnets["Downloads"]
    assert overview["Drafts waiting"] == approvals["Waiting"]


def test_the_tenant_table_agrees_with_each_tenants_overview(demo_users) -> None:
    at = signed_in("admin@revos.demo")
    open_page(at, "app_pages/admin.py")
    table = next(d.value for d in at.dataframe if "leads_30d" in d.value.columns)
    for email in ("client1@revos.demo", "client2@revos.demo"):
        row = table[table["email"] == email].iloc[0]
        overview = metrics_on(
            open_page(at, "app_pages/overview.py", period="30d", client=demo_users[email].id)
        )
        assert int(overview["New leads"].replace(",", "")) == row["leads_30d"], email
        # the table shows its rates in percent ("72.60"), the tiles to one decimal
        assert overview["Enrichment rate"] == f"{row['enrichment_rate_30d']:.1f}%", email
        assert overview["DM reply rate"] == f"{row['dm_reply_rate_30d']:.1f}%", email
        assert overview["Drafts waiting"] == f"{row['drafts_waiting']:,}", email
