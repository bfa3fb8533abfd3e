"""Turn settings into running parts: the service URL, the gateway backend, the secrets.

The embedded default starts PostgreSQL, applies `sql/` and seeds demo data the first time,
so `revos run` on a fresh clone shows a working dashboard with nothing configured.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from revos.config import BackendKind, ConfigError, Settings
from revos.db import embedded, embedding_sync, migrations, seed
from revos.domain import embedders
from revos.gateway import Backend, UnsafeConnection
from revos.gateway.postgres import PostgresBackend
from revos.gateway.supabase import SupabaseBackend


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    service_url: str  # superuser / service role: migrations, seeding, the login check only
    gateway_url: str | None  # psycopg backends: the login role that switches to `authenticated`
    jwt_secret: str
    cookie_key: str

    @property
    def backend_kind(self) -> BackendKind:
        return self.settings.backend

    def shared_backend(self) -> Backend | None:
        """The process-wide backend (psycopg pool), or None when each session needs its own."""
        if self.backend_kind is BackendKind.SUPABASE:
            return None
        assert self.gateway_url is not None
        return PostgresBackend(self.gateway_url, self.jwt_secret).open()

    def session_backend(self) -> Backend:
        """A backend for one browser session (supabase-py: a client of its own)."""
        if self.backend_kind is not BackendKind.SUPABASE:
            raise ConfigError("Only the Supabase backend is created per session.")
        settings = self.settings
        assert settings.supabase_url and settings.supabase_anon_key
        return SupabaseBackend(settings.supabase_url, settings.supabase_anon_key, self.jwt_secret)


def prepare_embedded(settings: Settings, *, seed_if_empty: bool = True) -> embedded.EmbeddedServer:
    """Start the embedded server, apply migrations, and seed and embed demo data into an empty
    database, so a fresh clone has working semantic search at once."""
    server = embedded.start(settings.data_dir)
    with psycopg.connect(server.url(), autocommit=True) as conn:
        migrations.migrate(conn)
        if seed_if_empty and not seed.is_seeded(conn):
            seed.seed(conn)
            # only a fresh demo: on a big database, embedding everything is `revos embed`'s
            # job, not something to wait for at every start (the pages say what to run)
            embed_quietly(conn, settings)
    return server


def embed_quietly(conn: psycopg.Connection, settings: Settings) -> None:
    """Keep the library embedded in its own model (offline for a new one), never switching
    models on the way: `revos embed` switches. Skipped if that model cannot be made here."""
    model = embedding_sync.library_model(conn) or embedders.OFFLINE_MODEL
    embedder = embedders.for_model(model, settings)
    if embedder is not None:
        embedding_sync.sync(conn, embedder)


def resolve(settings: Settings) -> Runtime:
    if settings.backend is BackendKind.EMBEDDED:
        server = prepare_embedded(settings)
        secrets = embedded.load_secrets(settings.data_dir)
        runtime = Runtime(
            settings=settings,
            service_url=server.url(),
            gateway_url=server.url(user=embedded.GATEWAY_USER),
            jwt_secret=secrets.jwt_secret,
            cookie_key=settings.cookie_key or secrets.cookie_key,
        )
    else:
        assert settings.database_url and settings.jwt_secret
        if not settings.cookie_key:
            raise ConfigError(
                "COOKIE_KEY (at least 32 bytes) is required outside the embedded mode."
            )
        runtime = Runtime(
            settings=settings,
            service_url=settings.database_url,
            gateway_url=settings.gateway_database_url
            if settings.backend is BackendKind.POSTGRES
            else None,
            jwt_secret=settings.jwt_secret,
            cookie_key=settings.cookie_key,
        )
    if runtime.gateway_url is not None:
        _refuse_unsafe_gateway(runtime.gateway_url)
    return runtime


def _refuse_unsafe_gateway(gateway_url: str) -> None:
    """The gateway must not run as a role that reads past RLS: refuse to start instead."""
    try:
        PostgresBackend.check_conninfo(gateway_url)
    except UnsafeConnection as exc:
        raise ConfigError(str(exc)) from exc
