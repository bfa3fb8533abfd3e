"""Drive the dashboard headlessly with streamlit.testing.v1.AppTest, signed in for real.

Used by the test suite and by `revos bench` (page run times), so both sign in the same way a
person does: through the login form.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from revos.db.seed import DEMO_PASSWORD

HOME = str(Path(__file__).resolve().parents[2] / "Home.py")


class SignInUnavailable(RuntimeError):
    """The app did not show its login form (a database that is down, a migration mismatch)."""


def signed_in(email: str, password: str = DEMO_PASSWORD, timeout: float = 60) -> AppTest:
    """The app after signing in through the login form.

    When the form is not there, says what the app showed instead: `revos bench` reports this
    message, which an IndexError from the missing form would not tell."""
    at = AppTest.from_file(HOME, default_timeout=timeout)
    at.run()
    if len(at.text_input) < 2:
        shown = [str(e.value) for e in (*at.error, *at.warning, *at.exception)]
        raise SignInUnavailable(
            "The sign-in form did not appear; the app showed: "
            + (" | ".join(shown) if shown else "nothing")
        )
    at.text_input[0].input(email)
    at.text_input[1].input(password)
    at.button[0].click().run()
    return at


def open_page(at: AppTest, path: str, **params: str) -> AppTest:
    """Open a page as the browser's menu does: a fresh URL with only `params` in it."""
    at.query_params.clear()
    at.query_params.update(params)
    return at.switch_page(path).run()
