"""The dashboard in a real browser: each role's pages and menus, sign-in, funnel links.

Served and driven as tests/browser_support.py says (fixtures `app_url` and `browser`).
"""

from __future__ import annotations

import re

import pytest

from tests.browser_support import (
    in_reading_order,
    open_from_menu,
    open_from_phone_menu,
    screenshot,
    settle,
    sign_in,
)
from tests.support import DEMO_EMAILS

# what shows that a page drew its data (its h1 is its menu title): a chart, table or tile
PAGE_CONTENT = {
    "Overview": '[data-testid="stMetric"]',
    "Funnels": ".js-plotly-plot",
    "Leads": '[data-testid="stDataFrame"]',
    "Lead magnets": ".js-plotly-plot",
    "Tenants": '[data-testid="stDataFrame"]',
    "Approvals": '[data-testid="stMetric"]',
}


# a phone's browser: Streamlit closes the sidebar after a menu tap only for a phone's agent
PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
PHONE_HEIGHT = 844

PHONE_PAGE = {  # new_page's options for a phone: its width, touch and agent
    "viewport": {"width": 390, "height": PHONE_HEIGHT},
    "is_mobile": True,
    "has_touch": True,
    "user_agent": PHONE,
}

# what each role is meant to get, in order (the spec the rendered menu is held to)
MENU_TITLES = {
    "client": ["Overview", "Funnels", "Leads", "Lead magnets", "Approvals"],
    "reviewer": ["Approvals", "Overview", "Funnels", "Leads"],
    "super_admin": ["Overview", "Funnels", "Leads", "Lead magnets", "Approvals", "Tenants"],
}


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_each_demo_user_opens_every_page_of_their_menu(browser, app_url, email, demo_users) -> None:
    page = sign_in(browser, app_url, email)
    try:
        titles = MENU_TITLES[demo_users[email].role]
        page.get_by_role("heading", level=1, name=titles[0], exact=True).wait_for(timeout=30_000)
        assert page.get_by_text(email).count() >= 1
        menu = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
        # each link reads "<icon name>\n\n<title>": the role's menu, nothing else
        assert [item.split("\n")[-1].strip() for item in menu] == titles
        for title in titles:
            open_from_menu(page, title)
            settle(page)
            page.locator(PAGE_CONTENT[title]).first.wait_for(timeout=30_000)
            assert page.locator('[data-testid="stException"]').count() == 0
            assert page.locator('[data-testid="stAlertContentError"]').count() == 0
            screenshot(page, f"{email.split('@')[0]}-{title.lower().replace(' ', '-')}")
    finally:
        page.close()


def test_wrong_password_stays_on_the_login(browser, app_url) -> None:
    page = browser.new_page()
    try:
        page.goto(app_url)
        page.get_by_label("Email").fill("client1@revos.demo", timeout=30_000)
        page.get_by_role("textbox", name="Password").fill("wrong")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text("do not match").wait_for(timeout=30_000)
        assert page.locator('[data-testid="stMetric"]').count() == 0
    finally:
        page.close()


def test_a_funnel_stage_link_lands_on_exactly_its_leads(browser, app_url) -> None:
    page = sign_in(browser, app_url, "client2@revos.demo")
    try:
        page.get_by_role("link", name="Funnels", exact=True).first.click()
        link = page.get_by_role("link", name=re.compile(r"^DM replied: [\d,]+$"))
        link.wait_for(timeout=30_000)
        count = link.inner_text().rsplit(": ", 1)[1]
        link.click()
        page.get_by_role("heading", level=1, name="Leads", exact=True).wait_for(timeout=30_000)
        page.get_by_text(f"{count} leads match").wait_for(timeout=30_000)
        assert "dm=replied" in page.url
        screenshot(page, "client2-leads-from-dm-replied-stage")
    finally:
        page.close()


def test_on_a_phone_the_draft_s_buttons_come_first_and_the_period_fits(browser, app_url) -> None:
    """At a phone's width (390 px) the queue's tiles go two to a row and Approve sits right
    under the draft, above the similar messages (it was three and a half screens down);
    the period control wraps instead of hiding "This month" and "Custom" past the edge."""
    page = sign_in(browser, app_url, "reviewer@revos.demo", **PHONE_PAGE)
    try:
        approve = page.get_by_role("button", name="Approve", exact=True)
        approve.wait_for(timeout=30_000)
        similar = page.get_by_text("Similar approved messages")
        similar.wait_for(timeout=30_000)
        settle(page)
        assert approve.bounding_box()["y"] < similar.bounding_box()["y"]
        tiles = page.locator('[data-testid="stMetric"]')
        first, second = tiles.nth(0).bounding_box(), tiles.nth(1).bounding_box()
        assert abs(first["y"] - second["y"]) < 2 and second["x"] > first["x"]
        screenshot(page, "phone-approvals")

        open_from_phone_menu(page, "Overview")
        settle(page)
        options = page.locator('[data-testid="stButtonGroup"]').first
        for name in ("Last 7 days", "This month", "Custom"):
            box = options.get_by_text(name, exact=True).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, name
        screenshot(page, "phone-overview")
    finally:
        page.close()


def test_on_a_phone_a_stage_s_link_opens_its_leads_on_the_first_screen(browser, app_url) -> None:
    """At a phone's width each funnel's stage links sit under that funnel (one grid for
    both paths stacked as Commented, DM delivered, Opened…), and a link opens the Leads
    page with its first leads on the first screen: the filters fold under one heading and
    are summed up above the table (stacked, they took a screen and a half, "Commented
    until" five fields below "Commented from")."""
    page = sign_in(browser, app_url, "client1@revos.demo", **PHONE_PAGE)
    try:
        page.get_by_role("heading", level=1, name="Overview").wait_for(timeout=30_000)
        open_from_phone_menu(page, "Funnels")
        replied = page.get_by_role("link", name=re.compile(r"^DM replied: [\d,]+"))
        replied.wait_for(timeout=30_000)
        settle(page)
        email_funnel = page.locator('[data-testid="stPlotlyChart"]').nth(1)
        email_sent = page.get_by_role("link", name=re.compile(r"^Email sent: "))
        assert in_reading_order(replied, email_funnel, email_sent)

        replied.click()
        page.get_by_role("heading", level=1, name="Leads").wait_for(timeout=30_000)
        table = page.locator('[data-testid="stDataFrame"]')
        table.wait_for(timeout=30_000, state="attached")  # drawn only once scrolled to
        settle(page)
        assert table.bounding_box()["y"] + 150 < PHONE_HEIGHT  # a few rows on the first screen
        summary = re.compile(r"^Filtered: DM: Replied · commented \w+ \d+, \d+ to ")
        page.get_by_text(summary).wait_for()
        until = page.get_by_text("Commented until", exact=True)
        assert not until.is_visible()
        screenshot(page, "phone-leads")

        page.get_by_text("Filters and sort", exact=True).click()
        until.wait_for(timeout=10_000)
        since = page.get_by_text("Commented from", exact=True)
        status = page.locator("p").get_by_text("Status", exact=True)
        assert in_reading_order(since, until, status)
    finally:
        page.close()
