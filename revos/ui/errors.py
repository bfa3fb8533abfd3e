"""Failures as a plain sentence in a banner, never a traceback."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import streamlit as st

from revos.gateway import DatabaseUnavailable, GatewayError, InvalidRequest, SessionExpired
from revos.ui import context


@contextlib.contextmanager
def banner_on_failure() -> Iterator[None]:
    """Run a block of page code; show what went wrong and stop the page if it fails."""
    try:
        yield
    except SessionExpired as exc:
        context.end_session()
        st.warning(f"{exc} Reload the page to sign in again.")
        st.stop()
    except DatabaseUnavailable as exc:
        st.error(f"The database is unavailable: {exc} Try again in a moment.")
        st.stop()
    except InvalidRequest as exc:
        st.error(f"That filter could not be used: {exc}")
        st.stop()
    except GatewayError as exc:
        st.error(str(exc))
        st.stop()
