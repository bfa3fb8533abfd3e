"""Failures as a plain sentence in a banner, never a traceback."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import streamlit as st

from revos.config import ConfigError
from revos.db.migrations import MigrationError
from revos.gateway import (
    DatabaseUnavailable,
    GatewayError,
    InvalidRequest,
    QueryTimeout,
    SessionExpired,
)
from revos.ui import context
from revos.ui.text import literal


@contextlib.contextmanager
def banner_on_failure() -> Iterator[None]:
    """Run a block of page code; show what went wrong and stop the page if it fails."""
    try:
        yield
    except SessionExpired as exc:
        context.end_session()
        st.warning(f"{exc} Reload the page to sign in again.")
        st.stop()
    except DatabaseUnavailable:
        st.error("The database is not answering; retrying…", icon=":material/cloud_off:")
        _retry_until_it_answers()
        st.stop()
    except QueryTimeout as exc:
        st.warning(str(exc), icon=":material/timer_off:")
        st.stop()
    except InvalidRequest as exc:
        st.error(f"That filter could not be used: {literal(str(exc))}")
        st.stop()
    except GatewayError as exc:
        st.error(literal(str(exc)))
        st.stop()


def why_it_cannot_start(exc: Exception) -> str:
    """The sentence shown when the app cannot prepare its runtime (Home.py asks here)."""
    if isinstance(exc, ConfigError):
        return f"The dashboard is not configured correctly: {exc}"
    if isinstance(exc, MigrationError):
        return f"The database schema does not match sql/, so the dashboard cannot start: {exc}"
    return f"The database is unavailable, so the dashboard cannot start: {exc}"


@st.fragment(run_every=5)
def _retry_until_it_answers() -> None:
    """Every few seconds, ask again; once the database answers, the page redraws itself."""
    if context.current_session() is None:
        return
    try:
        context.gateway().call("me")
    except GatewayError:
        return
    st.rerun(scope="app")
