"""The gateway runs with least privilege and bounded work, as PostgREST would."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest

from revos.config import ConfigError, load_settings
from revos.db import migrations
from revos.gateway import Gateway, QueryTimeout, UnsafeConnection, UserSession
from revos.gateway.postgres import PostgresBackend
from revos.gateway.runtime import resolve


def test_a_superuser_gateway_connection_is_refused(runtime) -> None:
    with pytest.raises(UnsafeConnection, match="bypasses row level security"):
        PostgresBackend.check_conninfo(runtime.service_url)
    PostgresBackend.check_conninfo(runtime.gateway_url)  # authenticator: fine


def test_the_app_refuses_to_start_with_a_superuser_gateway(runtime) -> None:
    settings = load_settings(
        env={
            "DATABASE_URL": runtime.service_url,
            "GATEWAY_DATABASE_URL": runtime.service_url,  # the mistake
            "SUPABASE_JWT_SECRET": runtime.jwt_secret,
            "COOKIE_KEY": runtime.cookie_key,
        },
        secrets_file=Path("/nonexistent"),
    )
    with pytest.raises(ConfigError, match="bypasses row level security"):
        resolve(settings)


def test_migrate_creates_a_gateway_role_that_can_only_switch_to_api_roles(
    fresh_database: str,
) -> None:
    role = f"gw_{uuid.uuid4().hex[:8]}"
    url = psycopg.conninfo.make_conninfo(fresh_database, user=role, password="pw-" + role)
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        migrations.migrate(conn)
        try:
            assert migrations.ensure_gateway_role(conn, url) == role
            assert migrations.ensure_gateway_role(conn, url) == role  # again: an update
            flags = conn.execute(
                "select rolcanlogin, rolinherit, rolsuper, rolbypassrls, "
                "pg_has_role(%s, 'authenticated', 'member'), "
                "pg_has_role(%s, 'revos_super_admin', 'member'), "
                "pg_has_role(%s, 'service_role', 'member') from pg_roles where rolname = %s",
                [role, role, role, role],
            ).fetchone()
            assert flags == (True, False, False, False, True, True, False)
        finally:
            conn.execute(f'drop role "{role}"')


@pytest.fixture
def slow_database(fresh_database: str, runtime) -> str:
    """A database whose API roles time out after 200 ms, with a slow function."""
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        migrations.migrate(conn)
        name = conn.info.dbname
        for role in ("authenticated", "revos_super_admin"):  # settings are not inherited
            conn.execute(f'alter role {role} in database "{name}" set statement_timeout = 200')
        conn.execute(
            "create function public.slow() returns table (done boolean) language sql "
            "set search_path = '' as $$ select true from pg_sleep(2) $$"
        )
        conn.execute("grant execute on function public.slow() to authenticated")
    return fresh_database


@pytest.mark.parametrize("app_role", ["client", "super_admin"])
def test_the_role_statement_timeout_applies_per_call(
    slow_database: str, runtime, app_role: str
) -> None:
    """Each call applies the settings of the role it runs as (a super admin's own role)."""
    gateway_url = psycopg.conninfo.make_conninfo(slow_database, user="authenticator")
    backend = PostgresBackend(gateway_url, runtime.jwt_secret).open()
    try:
        gateway = Gateway(
            backend, UserSession(str(uuid.uuid4()), "a@b.c", app_role, None), runtime.jwt_secret
        )
        with pytest.raises(QueryTimeout, match="took too long"):
            gateway.call("slow")
    finally:
        backend.close()


@pytest.mark.parametrize(
    ("app_role", "database_role"),
    [
        ("client", "authenticated"),
        ("reviewer", "authenticated"),
        ("super_admin", "revos_super_admin"),
    ],
)
def test_each_call_runs_as_the_role_its_token_claims(
    fresh_database: str, runtime, app_role: str, database_role: str
) -> None:
    """As PostgREST switches to the token's role: a super admin's calls run as
    `revos_super_admin` (planned for every tenant's rows, sql/0048), everyone else's as
    `authenticated`."""
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        migrations.migrate(conn)
        conn.execute(
            "create function public.whoami() returns table (name text) language sql "
            "set search_path = '' as $$ select current_user::text $$"
        )
        conn.execute("grant execute on function public.whoami() to authenticated")
    gateway_url = psycopg.conninfo.make_conninfo(fresh_database, user="authenticator")
    backend = PostgresBackend(gateway_url, runtime.jwt_secret).open()
    try:
        session = UserSession(str(uuid.uuid4()), "a@b.c", app_role, None)
        gateway = Gateway(backend, session, runtime.jwt_secret)
        assert gateway.rows("whoami") == [database_role]
    finally:
        backend.close()
