"""One embedded PostgreSQL server per test session, prepared exactly as `revos db start` does.

Fixtures only; the helpers tests share live in tests/support.py. Tests that change data get
a database of their own on that server (`fresh_database`, `scratch` for the demo data again,
`support.seeded_database`) or run in a transaction that is rolled back (`as_user`), so the
shared demo data stays as seeded for every test that reads it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from revos.config import load_settings
from revos.db import embedded
from revos.gateway import Gateway, UserSession
from revos.gateway.postgres import PostgresBackend
from revos.gateway.runtime import Runtime, resolve
from tests.browser_support import app_url, browser, scratch_app_url  # noqa: F401  (fixtures)
from tests.support import DemoUser, ScratchDemo, scratch_demo


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    # short path: the server's Unix socket lives inside it
    path = Path(f"/tmp/revos-test-{uuid.uuid4().hex[:8]}")
    yield path
    embedded.destroy(path)
    import shutil

    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def runtime(data_dir: Path) -> Runtime:
    settings = load_settings(
        env={"REVOS_DATA_DIR": str(data_dir)}, secrets_file=Path("/nonexistent")
    )
    return resolve(settings)


@pytest.fixture(scope="session")
def server(runtime: Runtime, data_dir: Path) -> embedded.EmbeddedServer:
    return embedded.start(data_dir)


@pytest.fixture
def service(runtime: Runtime) -> Iterator[psycopg.Connection]:
    """A superuser connection (the oracle's eyes)."""
    with psycopg.connect(runtime.service_url, autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="session")
def demo_users(runtime: Runtime) -> dict[str, DemoUser]:
    with psycopg.connect(runtime.service_url, autocommit=True) as conn:
        rows = conn.execute("select id::text, email, role from public.users").fetchall()
        pairs = conn.execute(
            "select reviewer_id::text, client_id::text from public.reviewer_assignments"
        ).fetchall()
    assigned: dict[str, set[str]] = {}
    for reviewer_id, client_id in pairs:
        assigned.setdefault(reviewer_id, set()).add(client_id)
    return {
        email: DemoUser(id, email, role, frozenset(assigned.get(id, ())))
        for id, email, role in rows
    }


@pytest.fixture(scope="session")
def backend(runtime: Runtime) -> Iterator[PostgresBackend]:
    shared = runtime.shared_backend()
    assert isinstance(shared, PostgresBackend)
    yield shared
    shared.close()


@pytest.fixture(scope="session")
def gateway_for(runtime: Runtime, backend: PostgresBackend, demo_users: dict[str, DemoUser]):
    """A Gateway signed in as a demo user, exactly as the app builds one after login."""

    def make(email: str) -> Gateway:
        user = demo_users[email]
        return Gateway(backend, UserSession(user.id, email, user.role, None), runtime.jwt_secret)

    return make


@pytest.fixture
def fresh_database(server: embedded.EmbeddedServer) -> Iterator[str]:
    """An empty database of its own on the session server; its superuser URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.url(database="postgres"), autocommit=True) as conn:
        embedded.create_database(conn, name)
    yield server.url(database=name)
    with psycopg.connect(server.url(database="postgres"), autocommit=True) as conn:
        conn.execute(f'drop database "{name}" with (force)')


@pytest.fixture
def app_env(data_dir: Path, runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the app (run in-process by AppTest) at the session's embedded server."""
    monkeypatch.setenv("REVOS_DATA_DIR", str(data_dir))
    for name in ("DATABASE_URL", "SUPABASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def scratch(server, runtime: Runtime, demo_users) -> Iterator[ScratchDemo]:
    """The demo again, in a database of its own, for tests that change data (support.py)."""
    with scratch_demo(server, runtime.jwt_secret, runtime.cookie_key, demo_users) as made:
        yield made


@pytest.fixture
def scratch_app(scratch: ScratchDemo, monkeypatch: pytest.MonkeyPatch) -> ScratchDemo:
    """Point the app (run in-process by AppTest) at the scratch demo database."""
    for name, value in scratch.settings.items():
        monkeypatch.setenv(name, value)
    for name in ("SUPABASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return scratch


@pytest.fixture(scope="module")
def world(runtime: Runtime):
    """The oracle's view of the data, read as superuser when a test module starts."""
    from tests import oracle

    with psycopg.connect(runtime.service_url, autocommit=True) as conn:
        return oracle.World.load(conn)
