"""What a user picks follows them from page to page, and no address can crash a page."""

from __future__ import annotations

import pytest

from revos.domain import periods
from revos.ui import navigation
from tests.apptest import open_page, signed_in

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
