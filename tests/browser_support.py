"""Browser tests' shared parts: the app served by `streamlit run`, Debian's Chromium.

`streamlit run` serves the app on a free port against the test session's database; each demo
user signs in through the real form. Screenshots land in artifacts/screenshots/. Without
/usr/bin/chromium the tests say so loudly and skip; under CI they fail instead.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from revos.db.seed import DEMO_PASSWORD

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    message = f"BROWSER TESTS NOT RUN: {CHROMIUM} is missing (install Debian's chromium)."
    if os.environ.get("CI"):
        pytest.fail(message)
    print(f"\n!!! {message}", file=sys.stderr)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def app_url(data_dir: Path, runtime) -> Iterator[str]:
    _require_chromium()
    with serve_app(data_dir, "streamlit-browser-test.log") as url:
        yield url


@pytest.fixture(scope="session")
def scratch_app_url(data_dir: Path, scratch) -> Iterator[str]:
    """The app served against the scratch demo database (tests that change data)."""
    _require_chromium()
    with serve_app(data_dir, "streamlit-browser-scratch.log", **scratch.settings) as url:
        yield url


@contextlib.contextmanager
def serve_app(data_dir: Path, log_name: str, **settings: str) -> Iterator[str]:
    """`streamlit run Home.py` on a free port against the embedded server in `data_dir`, or
    the database `settings` name (DATABASE_URL and the rest)."""
    port = _free_port()
    env = {**os.environ, "REVOS_DATA_DIR": str(data_dir)}
    for name in ("DATABASE_URL", "SUPABASE_URL"):
        env.pop(name, None)
    env.update(settings)
    log = (ROOT / "artifacts").joinpath(log_name)
    log.parent.mkdir(exist_ok=True)
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "Home.py"),
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, server)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=20)


def _wait_healthy(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("streamlit exited; see artifacts/streamlit-browser-test.log")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"streamlit did not become healthy at {url}")


class LocalBrowser:
    """Chromium whose pages reach only this machine.

    Streamlit fetches Material icons from Google's servers; with no network here a lookup
    may hang and leave the page half drawn. Those requests are refused at once instead.
    """

    OUTSIDE = re.compile(r"^https?://(?!127\.0\.0\.1[:/]|localhost[:/])")

    def __init__(self, chromium) -> None:
        self._chromium = chromium

    def new_context(self, **options):
        context = self._chromium.new_context(**options)
        context.route(self.OUTSIDE, lambda route: route.abort())
        return context

    def new_page(self, **options):
        context = self.new_context(**options)
        page = context.new_page()
        page.on("close", lambda _: context.close())
        return page


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield LocalBrowser(chromium)
        chromium.close()


def sign_in(browser, app_url: str, email: str, **page_options):
    """A new page signed in as `email`; `page_options` go to new_page (a phone's, say)."""
    page = browser.new_page(**{"viewport": {"width": 1400, "height": 1800}, **page_options})
    page.goto(app_url)
    page.get_by_label("Email").fill(email, timeout=30_000)
    page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return page


def open_from_menu(page, title: str, timeout_ms: int = 30_000, patience_ms: int = 5_000) -> None:
    """Click a page in the sidebar menu and wait for its heading, as a person would.

    A person whose click did nothing clicks again. So does this: a click that lands while the
    app is still rerunning after sign-in can be dropped (seen on a slow host under the full
    suite's load), so when the heading has not come within `patience_ms` the link is clicked
    again, all within `timeout_ms`.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    link = page.get_by_role("link", name=title, exact=True).first
    heading = page.get_by_role("heading", level=1, name=title, exact=True)
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        left_ms = max(1, int((deadline - time.monotonic()) * 1000))
        try:
            link.click(timeout=left_ms)
            heading.wait_for(timeout=min(patience_ms, left_ms))
            return
        except PlaywrightTimeout:
            if time.monotonic() >= deadline:
                raise


def client_picker(page):
    """The sidebar's Client picker (the sidebar also holds the user's time zone)."""
    return page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(
        has=page.get_by_text("Client", exact=True)
    )


def settle(page, quiet_ms: int = 600, timeout_ms: int = 30_000) -> None:
    """Wait until the app has finished its reruns: no "Running…" indicator for a moment.

    (Not Playwright's "networkidle": Streamlit's page loads keep a connection open now and
    then, which made that wait time out at random.)
    """
    page.wait_for_function(
        """([quiet]) => {
            // running, or still showing elements of the previous run (stale, greyed out)
            const running = document.querySelector(
                '[data-testid="stStatusWidget"], [data-stale="true"]'
            );
            const now = Date.now();
            if (running) { window.__revosBusy = now; return false; }
            return now - (window.__revosBusy || 0) > quiet;
        }""",
        arg=[quiet_ms],
        timeout=timeout_ms,
        polling=100,
    )


def open_from_phone_menu(page, title: str) -> None:
    """On a phone the menu sits in the closed sidebar: open it, then the page, as a person
    taps. (Not `page.goto` right after signing in: the login cookie is written by the page
    a moment later, and a load before it showed the sign-in form.)"""
    page.get_by_role("button", name="Open sidebar").or_(
        page.locator('[data-testid="stExpandSidebarButton"]')
    ).first.click()
    open_from_menu(page, title)


def in_reading_order(*locators) -> bool:
    """Whether these elements come one after another in the page, as a phone stacks them
    top to bottom. Unlike their boxes, measured one at a time, the order does not move when
    a chart above them is drawn late (a funnel drawn between two measurements read as a
    link placed above it)."""
    handles = [locator.element_handle(timeout=30_000) for locator in locators]
    return locators[0].page.evaluate(
        """elements => elements.every((element, i) => i === 0
            || Boolean(elements[i - 1].compareDocumentPosition(element)
                       & Node.DOCUMENT_POSITION_FOLLOWING))""",
        handles,
    )


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
