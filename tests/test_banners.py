"""Failures reach the user as a sentence in a banner, never as a traceback."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.support import shown


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
        ("DatabaseUnavailable", "error", "The database is not answering; retrying"),
        ("QueryTimeout", "warning", "the database said no."),
        ("InvalidRequest", "error", "That filter could not be used"),
        ("AccessDenied", "error", "the database said no."),
        ("SessionExpired", "warning", "sign in again"),
    ],
)
def test_failures_become_banners(error: str, kind: str, words: str) -> None:
    at = AppTest.from_function(_page, args=(error,))
    at.run()
    assert not at.exception
    assert any(words in shown(banner.value) for banner in getattr(at, kind))
    assert not at.markdown  # the page stopped at the banner


def test_a_database_that_is_down_at_start_is_a_banner(monkeypatch, tmp_path) -> None:
    from revos.tools.apptesting import SignInUnavailable, signed_in
    from tests.apptest import HOME

    monkeypatch.setenv("DATABASE_URL", "host=/nonexistent-socket-dir dbname=revos")
    monkeypatch.setenv("GATEWAY_DATABASE_URL", "host=/nonexistent-socket-dir dbname=revos")
    monkeypatch.setenv("SUPABASE_JWT_SECRET", "x" * 40)
    monkeypatch.setenv("COOKIE_KEY", "y" * 40)
    at = AppTest.from_file(HOME, default_timeout=60)
    at.run()
    assert not at.exception
    assert any("unavailable" in e.value for e in at.error)
    # signing in headlessly (tests, `revos bench`) says what the app showed instead
    with pytest.raises(SignInUnavailable, match=r"sign-in form did not appear.*unavailable"):
        signed_in("client1@revos.demo")


@pytest.fixture(scope="module")
def outage_data_dir():
    """An embedded server of its own, small demo data: these tests stop and start it."""
    import shutil
    import uuid
    from pathlib import Path

    import psycopg

    from revos.db import embedded, migrations, seed

    path = Path(f"/tmp/revos-outage-{uuid.uuid4().hex[:8]}")
    server = embedded.start(path)
    with psycopg.connect(server.url(), autocommit=True) as conn:
        migrations.migrate(conn)
        seed.seed(conn, seed.SeedPlan(clients=2, leads_min=100, leads_max=150, seed=5))
    yield path
    embedded.destroy(path)
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.parametrize(
    "page", ["app_pages/overview.py", "app_pages/funnels.py", "app_pages/leads.py",
             "app_pages/lead_magnets.py", "app_pages/approvals.py"],
)  # fmt: skip
def test_an_outage_is_a_banner_and_the_app_recovers_without_a_new_sign_in(
    page, outage_data_dir, monkeypatch
) -> None:
    from revos.db import embedded
    from tests.apptest import open_page, signed_in

    monkeypatch.setenv("REVOS_DATA_DIR", str(outage_data_dir))
    monkeypatch.setenv("REVOS_READ_CACHE_SECONDS", "0")  # every run asks the database
    for name in ("DATABASE_URL", "SUPABASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    at = open_page(signed_in("client1@revos.demo"), page)
    assert not at.exception and not at.error
    embedded.stop(outage_data_dir)
    try:
        at.run()
        assert not at.exception
        assert any("not answering; retrying" in e.value for e in at.error)
    finally:
        embedded.start(outage_data_dir)
    at.run()
    assert not at.exception and not at.error
    assert not [b for b in at.button if b.label == "Sign in"]


def test_the_first_call_after_a_long_outage_connects(outage_data_dir) -> None:
    """The pool's retries of a lost connection must not still be waiting (1, 2, 4, 8 s, ...)
    when the database is back: a 20 s outage used to cost the next call a 5 s timeout."""
    import time

    import psycopg

    from revos.db import embedded
    from revos.gateway import errors, tokens
    from revos.gateway.postgres import PostgresBackend

    server = embedded.start(outage_data_dir)
    secret = embedded.load_secrets(outage_data_dir).jwt_secret
    with psycopg.connect(server.url()) as conn:
        user = conn.execute("select id::text from public.users limit 1").fetchone()[0]
    token = tokens.mint(user, None, secret)
    backend = PostgresBackend(server.url(user=embedded.GATEWAY_USER), secret).open()
    try:
        assert backend.rpc(token, "me", {})
        embedded.stop(outage_data_dir)
        try:
            down_since = time.monotonic()
            while time.monotonic() - down_since < 20:
                with pytest.raises(errors.DatabaseUnavailable):
                    backend.rpc(token, "me", {})
        finally:
            embedded.start(outage_data_dir)
        assert backend.rpc(token, "me", {})
    finally:
        backend.close()
