"""Failures reach the user as a sentence in a banner, never as a traceback."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


def _page(error_name: str) -> None:
    import streamlit as st

    from revos.gateway import errors
    from revos.ui.errors import banner_on_failure

    with banner_on_failure():
        raise getattr(errors, error_name)("the database said no.")
    st.write("not reached")


@pytest.mark.parametrize(
    ("error", "kind", "words"),
    [
        ("DatabaseUnavailable", "error", "The database is unavailable"),
        ("InvalidRequest", "error", "That filter could not be used"),
        ("AccessDenied", "error", "the database said no."),
        ("SessionExpired", "warning", "sign in again"),
    ],
)
def test_failures_become_banners(error: str, kind: str, words: str) -> None:
    at = AppTest.from_function(_page, args=(error,))
    at.run()
    assert not at.exception
    assert any(words in banner.value for banner in getattr(at, kind))
    assert not at.markdown  # the page stopped at the banner


def test_a_database_that_is_down_at_start_is_a_banner(monkeypatch, tmp_path) -> None:
    from tests.apptest import HOME

    monkeypatch.setenv("DATABASE_URL", "host=/nonexistent-socket-dir dbname=revos")
    monkeypatch.setenv("SUPABASE_JWT_SECRET", "x" * 40)
    monkeypatch.setenv("COOKIE_KEY", "y" * 40)
    at = AppTest.from_file(HOME, default_timeout=60)
    at.run()
    assert not at.exception
    assert any("unavailable" in e.value for e in at.error)
