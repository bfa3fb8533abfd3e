"""In a real browser: a reviewer's client and a user's period follow them through the menu."""

from __future__ import annotations

from tests.browser_support import (
    SCREENSHOTS,
    client_picker,
    open_from_menu,
    screenshot,
    settle,
    sign_in,
)

# what a select box shows: its text, or its input's value or title
SHOWN_VALUE = (
    "e => [e.textContent, e.querySelector('input')?.value, e.querySelector('[title]')?.title]"
    ".join(' ')"
)


def test_the_client_and_period_survive_the_menu(browser, app_url, demo_users) -> None:
    page = sign_in(browser, app_url, "reviewer@revos.demo")
    try:
        page.get_by_role("heading", level=1, name="Approvals", exact=True).wait_for(timeout=30_000)
        settle(page)
        open_from_menu(page, "Overview")
        settle(page)
        picker = client_picker(page)
        picker.click()
        page.get_by_role("option", name="Brightline Consulting", exact=False).first.click()
        settle(page)
        page.get_by_text("Last 7 days", exact=True).click()
        page.wait_for_url("**period=7d**", timeout=30_000)
        settle(page)
        screenshot(page, "reviewer-overview-brightline-7d")
        client = demo_users["client2@revos.demo"].id
        for title in ("Funnels", "Leads", "Approvals", "Overview"):
            open_from_menu(page, title)
            # each page writes what it shows into the address: wait for it, or fail
            page.wait_for_url(f"**client={client}**", timeout=30_000)
            if title in ("Funnels", "Overview"):
                page.wait_for_url("**period=7d**", timeout=30_000)
            settle(page)
            shown = picker.evaluate(SHOWN_VALUE)
            assert "Brightline Consulting" in shown, (title, shown)
            if title in ("Funnels", "Overview"):  # the control shows it too, not only the data
                chosen = page.locator("[data-testid=stButtonGroup] button", has_text="Last 7 days")
                assert chosen.get_attribute("aria-checked") == "true", title
        page.locator('[data-testid="stMetric"]').first.wait_for(timeout=30_000)
        settle(page)
        screenshot(page, "reviewer-back-on-overview")
    finally:
        page.close()


def test_a_lead_opens_where_the_user_is_looking(browser, app_url) -> None:
    page = sign_in(browser, app_url, "admin@revos.demo")
    try:
        page.get_by_role("heading", level=1, name="Overview", exact=True).wait_for(timeout=30_000)
        open_from_menu(page, "Leads")
        settle(page)
        grid = page.locator('[data-testid="stDataFrame"]').first
        grid.wait_for(timeout=30_000)
        screenshot(page, "admin-leads-with-client-column")
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 12, box["y"] + 52)  # the first row's selection box
        dialog = page.get_by_role("dialog")
        dialog.wait_for(timeout=30_000)
        settle(page)
        dialog.get_by_text("Commented").first.wait_for(timeout=30_000)
        text = dialog.inner_text()
        assert "None" not in text.split() and "nan" not in text.split()
        assert "Times in " in text  # whose clock the steps are on
        screenshot(page, "admin-lead-dialog")
    finally:
        page.close()


def test_post_engagement_reads_by_date(browser, app_url) -> None:
    page = sign_in(browser, app_url, "client1@revos.demo")
    try:
        page.get_by_role("heading", level=1, name="Overview", exact=True).wait_for(timeout=30_000)
        open_from_menu(page, "Funnels")
        page.get_by_text("Last 90 days", exact=True).click()
        page.wait_for_url("**period=90d**", timeout=30_000)
        settle(page)
        chart = page.locator('[data-testid="stPlotlyChart"]').filter(has_text="Post engagement")
        chart.wait_for(timeout=30_000)
        chart.scroll_into_view_if_needed()
        assert "Published (America/New_York)" in chart.inner_text()  # client1's own days
        chart.screenshot(path=str(SCREENSHOTS / "client1-post-engagement.png"))
    finally:
        page.close()


def test_the_period_control_shows_the_period_on_every_page(browser, app_url) -> None:
    """The default period, never clicked, carried to the next page: the control there shows
    it chosen (it showed none, while the data was for the right days)."""
    page = sign_in(browser, app_url, "client2@revos.demo")
    try:
        page.get_by_role("heading", level=1, name="Overview", exact=True).wait_for(timeout=30_000)
        settle(page)
        for title in ("Funnels", "Overview", "Funnels"):
            open_from_menu(page, title)
            page.wait_for_url("**period=30d**", timeout=30_000)
            settle(page)
            chosen = page.locator("[data-testid=stButtonGroup] button", has_text="Last 30 days")
            assert chosen.get_attribute("aria-checked") == "true", title
    finally:
        page.close()


def test_a_second_click_on_a_chosen_option_keeps_it_chosen(browser, app_url) -> None:
    """The second trial: clicking the chosen "week" (or "Custom") again unchose it, and the
    page went on weekly (or to the last 30 days) with neither button shown as chosen."""
    page = sign_in(browser, app_url, "client1@revos.demo")
    try:
        open_from_menu(page, "Funnels")
        page.get_by_text("Last 7 days", exact=True).click()
        page.wait_for_url("**period=7d**", timeout=30_000)
        settle(page)
        for label in ("Last 7 days", "week"):
            option = page.locator("[data-testid=stButtonGroup] button", has_text=label).first
            option.click()
            settle(page)
            assert option.get_attribute("aria-checked") == "true", label
        assert "period=7d" in page.url
    finally:
        page.close()


def test_one_back_per_page_and_a_back_per_period_chosen(browser, app_url) -> None:
    """A trial: each visit to a page with a period pushed two history entries (the menu's,
    then the page's ?period=…), so Back stayed on the page. One Back is one page now, while
    a period the user picks is still a step Back returns from."""

    def heading() -> str:
        return page.get_by_role("heading", level=1).first.inner_text()

    def back_to(title: str, period: str | None = None) -> None:
        page.go_back()
        page.get_by_role("heading", level=1, name=title, exact=True).wait_for(timeout=30_000)
        if period:
            page.wait_for_url(f"**period={period}**", timeout=30_000)
        settle(page)

    page = sign_in(browser, app_url, "client2@revos.demo")
    try:
        page.get_by_role("heading", level=1, name="Overview", exact=True).wait_for(timeout=30_000)
        settle(page)
        page.get_by_text("Last 7 days", exact=True).click()
        page.wait_for_url("**period=7d**", timeout=30_000)
        settle(page)
        for title in ("Funnels", "Leads", "Lead magnets"):
            open_from_menu(page, title)
            if title != "Leads":
                page.wait_for_url("**period=7d**", timeout=30_000)
            settle(page)
        back_to("Leads")
        back_to("Funnels", "7d")
        back_to("Overview", "7d")
        page.get_by_text("Last 90 days", exact=True).click()
        page.wait_for_url("**period=90d**", timeout=30_000)
        settle(page)
        back_to("Overview", "7d")
        assert heading() == "Overview"
        # a bookmark (its address has the period): the load is the one entry
        page.goto(f"{app_url}/funnels?period=7d")
        page.get_by_role("heading", level=1, name="Funnels", exact=True).wait_for(timeout=30_000)
        settle(page)
        open_from_menu(page, "Leads")
        settle(page)
        back_to("Funnels", "7d")
        back_to("Overview", "7d")
    finally:
        page.close()


def test_a_reload_off_the_period_pages_keeps_the_period(browser, app_url) -> None:
    """A trial: after a reload of Approvals (no period there), the Funnels page opened on
    the default 30 days, not the 90 the user had picked. The browser remembers the period
    now (a cookie), as it remembers the sign-in."""
    page = sign_in(browser, app_url, "client3@revos.demo")
    try:
        page.get_by_role("heading", level=1, name="Overview", exact=True).wait_for(timeout=30_000)
        settle(page)
        page.get_by_text("Last 90 days", exact=True).click()
        page.wait_for_url("**period=90d**", timeout=30_000)
        settle(page)
        open_from_menu(page, "Approvals")
        settle(page)
        page.reload()
        page.get_by_role("heading", level=1, name="Approvals", exact=True).wait_for(timeout=30_000)
        settle(page)
        open_from_menu(page, "Funnels")
        page.wait_for_url("**period=90d**", timeout=30_000)
        settle(page)
        chosen = page.locator("[data-testid=stButtonGroup] button", has_text="Last 90 days")
        assert chosen.get_attribute("aria-checked") == "true"
    finally:
        page.close()
