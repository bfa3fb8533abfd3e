"""Sessions in a real browser: reload, new tabs, shared links, sign-out, lockout.

Served and driven as tests/browser_support.py says (fixtures `app_url` and `browser`).
"""

from __future__ import annotations

import re
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from playwright.sync_api import expect

from revos.db import embedded, migrations, seed
from revos.db.seed import DEMO_PASSWORD
from revos.ui import auth
from tests.browser_support import screenshot, serve_app
from tests.support import as_user

COOKIE = "revos_session"


def _sign_in_here(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.get_by_label("Email").fill(email, timeout=30_000)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _heading(page, title: str) -> None:
    page.get_by_role("heading", level=1, name=title, exact=True).wait_for(timeout=30_000)


def _signed_in_page(context, url: str, email: str, title: str = "Overview"):
    """A new tab of `context`, signed in as `email` at `url`, showing its first page."""
    page = context.new_page()
    page.goto(url)
    _sign_in_here(page, email)
    _heading(page, title)
    return page


def _cookie_written(page) -> None:
    """Wait for the login cookie: a second tab is signed in by it, and it is written once
    the first page has drawn."""
    page.wait_for_function(f"() => document.cookie.includes('{COOKIE}=')", timeout=30_000)


def _no_error_popups(page) -> None:
    assert page.get_by_text("Page not found").count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0


def test_reload_and_a_new_tab_stay_signed_in(browser, app_url) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(app_url)
        _sign_in_here(page, "client2@revos.demo")
        _heading(page, "Overview")
        _cookie_written(page)
        [cookie] = [c for c in context.cookies() if c["name"] == COOKIE]
        assert cookie["sameSite"] == "Strict" and not cookie["secure"]  # served over http
        days = (cookie["expires"] - time.time()) / 86400
        assert 6.9 < days <= 7.0
        writers = page.evaluate(
            "() => Array.from(document.querySelectorAll('[data-testid=stSidebar] iframe'))"
            ".map(e => e.getBoundingClientRect().height)"
        )
        assert writers and max(writers) <= 2, writers  # the cookie's writer takes no room
        page.reload()
        _heading(page, "Overview")
        second = context.new_page()
        second.goto(f"{app_url}/leads")
        _heading(second, "Leads")
        assert second.get_by_text("client2@revos.demo").count() >= 1
        _no_error_popups(second)
        screenshot(second, "client2-new-tab-still-signed-in")
    finally:
        context.close()


def test_a_shared_link_lands_after_sign_in_with_its_filters(browser, app_url) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{app_url}/leads?q=Acme&status=replied")
        page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
        _no_error_popups(page)
        assert page.get_by_text("admin", exact=True).count() == 0  # no raw file names
        screenshot(page, "signed-out-deep-link")
        _sign_in_here(page, "client1@revos.demo")
        _heading(page, "Leads")
        assert "q=Acme" in page.url and "status=replied" in page.url
        expect(page.get_by_role("textbox", name="Search")).to_have_value("Acme", timeout=30_000)
        _no_error_popups(page)
    finally:
        page.close()


@pytest.mark.parametrize(
    ("email", "address", "title"),
    [
        ("client2@revos.demo", "overview?period=7d", "Overview"),
        ("reviewer@revos.demo", "approvals", "Approvals"),
    ],
)
def test_the_home_page_s_own_address_opens_it_when_signed_in(
    browser, app_url, email: str, address: str, title: str
) -> None:
    """The menu's first page lives at the root; a link to its own address (a bookmark, a
    second tab) lands on it with the link's filters, not on Streamlit's "page not found"."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = _signed_in_page(context, app_url, email, title)
        _cookie_written(page)
        linked = context.new_page()
        linked.goto(f"{app_url}/{address}")
        _heading(linked, title)
        query = address.partition("?")[2]
        assert query in linked.url
        linked.wait_for_timeout(1500)  # the pop-up, if any, comes with the first page
        _no_error_popups(linked)
        screenshot(linked, f"home-page-address-{title.lower()}")
    finally:
        context.close()


def test_a_page_outside_the_role_says_so(browser, app_url) -> None:
    page = browser.new_page()
    try:
        page.goto(f"{app_url}/admin")
        _sign_in_here(page, "reviewer@revos.demo")
        page.get_by_text("Tenants is not available for your role").wait_for(timeout=30_000)
        _no_error_popups(page)
    finally:
        page.close()


# the Tenants page's note on a period in its address (it has none): the period reached it
NO_PERIOD_HERE = "The address asked for period '7d', which this page does not have"


def test_the_tenants_page_is_at_its_own_name_and_its_old_address(browser, app_url) -> None:
    """It lived at /admin, where /tenants met "page not found"; a bookmark to /admin (with
    its parameters) still opens it, at /tenants. The page has no period: the one the link
    carried reaches it, is said not to apply, and leaves the address."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = _signed_in_page(context, f"{app_url}/admin?period=7d", "admin@revos.demo", "Tenants")
        page.get_by_text(NO_PERIOD_HERE).wait_for(timeout=30_000)
        page.wait_for_url(re.compile(r"/tenants$"), timeout=30_000)
        _cookie_written(page)
        second = context.new_page()
        second.goto(f"{app_url}/tenants")
        _heading(second, "Tenants")
        assert second.get_by_text("Page not found").count() == 0
        _no_error_popups(second)
    finally:
        context.close()


def test_an_address_typed_in_capitals_opens_its_page(browser, app_url) -> None:
    """People type addresses as they say them: /Tenants and /Admin met "page not found".
    Signed out or in, they go where their lower case does, with the link's filters."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = _signed_in_page(
            context, f"{app_url}/Tenants?period=7d", "admin@revos.demo", "Tenants"
        )
        page.get_by_text(NO_PERIOD_HERE).wait_for(timeout=30_000)  # the link's period came
        _no_error_popups(page)
        _cookie_written(page)
        for address, title, kept in (
            ("Admin?period=7d", "Tenants", None),  # two hops (/admin, then /tenants)
            ("LEADS?q=Acme", "Leads", "q=Acme"),
            ("Home?period=7d", "Overview", "period=7d"),  # the root's name: the first page
        ):
            second = context.new_page()
            second.goto(f"{app_url}/{address}")
            _heading(second, title)
            second.wait_for_timeout(1500)  # the pop-up, if any, comes with the first page
            _no_error_popups(second)
            # the filters kept (the path may keep its capitals: Streamlit leaves a path that
            # differs from the page's in case only)
            if kept is None:
                second.get_by_text(NO_PERIOD_HERE).wait_for(timeout=30_000)
            else:
                second.wait_for_url(f"**{kept}**", timeout=30_000)
            second.close()
        page.goto(f"{app_url}/Nowhere")
        page.get_by_text("There is no page at /Nowhere").wait_for(timeout=30_000)
    finally:
        context.close()


def test_an_idle_tab_learns_that_its_session_ended(browser, scratch_app_url, scratch) -> None:
    """Signed out everywhere (by a super admin, a password change): an open tab nobody
    touches shows the sign-in form within 15 s (a recheck every 10 s, looked for every 5; the
    wait allows a slow CI host twice that), without a click."""
    context = browser.new_context()
    try:
        page = _signed_in_page(context, scratch_app_url, "client4@revos.demo")
        with psycopg.connect(scratch.url) as conn:
            admin, client = (
                conn.execute("select id::text from public.users where email = %s", [e]).fetchone()[
                    0
                ]
                for e in ("admin@revos.demo", "client4@revos.demo")
            )
        with as_user(scratch.url, admin) as conn:  # as the Tenants page does it
            conn.execute("select * from public.sign_out_everywhere(%s)", [client])
            conn.commit()
        page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
        assert page.get_by_role("heading", level=1, name="Overview").count() == 0
        # and says what ended it, not every reason a session can end
        page.get_by_text(auth.ENDED_BECAUSE["signed out by an administrator"]).wait_for()
        _no_error_popups(page)
    finally:
        context.close()


def test_a_cookie_replayed_after_sign_out_is_refused(browser, app_url) -> None:
    first = browser.new_context()
    try:
        page = _signed_in_page(first, app_url, "client3@revos.demo")
        _cookie_written(page)
        [stolen] = [c for c in first.cookies() if c["name"] == COOKIE]
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
        _no_error_popups(page)
        # no empty grey sidebar left beside the form (a browser trial found one)
        expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden(timeout=10_000)
        page.wait_for_function(
            f"() => !document.cookie.includes('{COOKIE}=')", timeout=30_000
        )  # the browser dropped it too
    finally:
        first.close()
    replay = browser.new_context()
    try:
        replay.add_cookies([stolen])
        page = replay.new_page()
        page.goto(f"{app_url}/overview")
        page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
        assert page.locator('[data-testid="stMetric"]').count() == 0
    finally:
        replay.close()


@pytest.fixture
def lockout_email(runtime) -> str:
    email = "client4@revos.demo"
    yield email
    with psycopg.connect(runtime.service_url, autocommit=True) as conn:
        conn.execute("delete from private.login_failures where email = %s", [email])


def _failures(runtime, email: str) -> int:
    with psycopg.connect(runtime.service_url) as conn:
        return conn.execute(
            "select count(*) from private.login_failures where email = %s", [email]
        ).fetchone()[0]


def test_repeated_failures_lock_the_email_for_a_while(
    browser, app_url, runtime, lockout_email
) -> None:
    page = browser.new_page()
    try:
        page.goto(app_url)
        for attempt in range(5):
            _sign_in_here(page, lockout_email, f"wrong-{attempt}")
            deadline = time.monotonic() + 30
            while _failures(runtime, lockout_email) <= attempt and time.monotonic() < deadline:
                page.wait_for_timeout(100)
            page.get_by_text("do not match").first.wait_for(timeout=30_000)
        _sign_in_here(page, lockout_email)  # even the right password waits now
        page.get_by_text(re.compile("Too many failed sign-ins for this email")).wait_for(
            timeout=30_000
        )
        assert page.locator('[data-testid="stMetric"]').count() == 0
        screenshot(page, "lockout")
    finally:
        page.close()


def test_an_unknown_address_says_not_found(browser, app_url) -> None:
    page = browser.new_page()
    try:
        page.goto(f"{app_url}/no-such-page")
        page.get_by_text("There is no page at /no-such-page").wait_for(timeout=30_000)
        assert page.get_by_role("button", name="Sign in").count() == 0
        page.goto(app_url)  # the app's root still signs in
        page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
    finally:
        page.close()


@pytest.fixture(scope="module")
def outage_app(browser) -> Iterator[tuple[str, Path]]:
    """An app and an embedded server of their own: this test stops and starts the database."""
    path = Path(f"/tmp/revos-outage-b-{uuid.uuid4().hex[:8]}")
    server = embedded.start(path)
    with psycopg.connect(server.url(), autocommit=True) as conn:
        migrations.migrate(conn)
        seed.seed(conn, seed.SeedPlan(clients=2, leads_min=100, leads_max=150, seed=7))
    try:
        with serve_app(path, "streamlit-outage-test.log", REVOS_READ_CACHE_SECONDS="0") as url:
            yield url, path
    finally:
        embedded.destroy(path)
        shutil.rmtree(path, ignore_errors=True)


def test_an_outage_is_a_banner_and_the_page_comes_back_by_itself(browser, outage_app) -> None:
    url, path = outage_app
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(url)
        _sign_in_here(page, "client1@revos.demo")
        _heading(page, "Overview")
        embedded.stop(path)
        try:
            page.get_by_role("link", name="Funnels", exact=True).first.click()
            page.get_by_text("The database is not answering; retrying").wait_for(timeout=30_000)
            _no_error_popups(page)
            screenshot(page, "outage-banner")
        finally:
            embedded.start(path)
        page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)  # redrawn by itself
        assert page.get_by_text("The database is not answering").count() == 0
        assert page.get_by_role("button", name="Sign in").count() == 0
        screenshot(page, "outage-recovered")
    finally:
        page.close()
