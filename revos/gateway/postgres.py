"""Direct Postgres backend: does per call what PostgREST does per request.

1. verify the JWT (signature, exp, aud, sub, role) before touching the database;
2. in one transaction: `set local role` to the token's role (`authenticated`, or
   `revos_super_admin` for a super admin: see tokens.py), apply that role's settings (its
   `statement_timeout`: role settings apply at login, not on SET ROLE, so PostgREST applies
   them per request and so do we), put the claims in `request.jwt.claims`, call the SQL
   function, commit.

The pool's connections log in as a role that can only switch to the API roles
(`authenticator`); the backend refuses a connection that could bypass RLS (a superuser or a
BYPASSRLS role), so a mistake here cannot become superuser access. A pooled connection is
checked before use, so after a database restart the next call reconnects by itself.
Results come back as JSON built by Postgres, the same shape supabase-py returns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool, PoolTimeout

from revos.db import vector_types
from revos.gateway import tokens
from revos.gateway.errors import (
    DatabaseUnavailable,
    GatewayError,
    InvalidRequest,
    SessionExpired,
    UnknownFunction,
    UnsafeConnection,
    classify_sqlstate,
)

_SIGNATURE_SQL = """
select a.name, format_type(a.type, null)
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
cross join lateral unnest(p.proargnames[1:p.pronargs], p.proargtypes::oid[]) as a (name, type)
where n.nspname = 'public' and p.proname = %s
"""

_ROLE_SETTINGS_SQL = """
select split_part(setting, '=', 1), substr(setting, strpos(setting, '=') + 1)
from pg_db_role_setting s
cross join lateral unnest(s.setconfig) as setting
where s.setrole = %s::regrole
  and s.setdatabase in (0, (select oid from pg_database where datname = current_database()))
order by s.setdatabase
"""

_BYPASSES_RLS_SQL = """
select rolname, rolsuper or rolbypassrls from pg_roles where rolname = current_user
"""

_FUNCTION_EXISTS_SQL = """
select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
where n.nspname = 'public' and p.proname = %s
"""


def _unsendable(exc: psycopg.DataError) -> str:
    """A value psycopg would not send, said for the person who typed it. Not the database
    being away: the page would retry it for ever (a NUL in a search, found by a trial)."""
    if "NUL" in str(exc):
        return "Text cannot contain a NUL character (\\0). Remove it and try again."
    return f"A value could not be sent to the database: {exc}"


def act_as(conn: psycopg.Connection, user_id: str, role: str) -> None:
    """In the open transaction, act as PostgREST does for a request by `user_id` with a token
    for `role`: switch to the role, put the claims where `auth.uid()` reads them. (The
    backend's own calls do the same in one statement with the role's settings.)"""
    claims = {"sub": user_id, "role": role, "aud": tokens.AUDIENCE}
    conn.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
    conn.execute("select set_config('request.jwt.claims', %s, true)", [json.dumps(claims)])


class PostgresBackend:
    """Process-wide: the pool is shared, the identity is set per transaction from the token."""

    def __init__(
        self, conninfo: str, jwt_secret: str, max_size: int = 8, timeout: float = 5.0
    ) -> None:
        self._secret = jwt_secret
        self._pool = ConnectionPool(
            conninfo,
            min_size=1,
            max_size=max_size,
            open=False,
            timeout=timeout,
            kwargs={"connect_timeout": max(1, int(timeout))},
            # After an outage the pool retries a lost connection with doubling waits (1, 2, 4,
            # 8 s, ...); left at its 5 minutes, the wait had grown past a caller's `timeout`
            # by the time the database was back, and pages kept their outage banner for up to
            # 16 s more. Giving up as soon as a caller would lets the next call connect at once.
            reconnect_timeout=timeout,
            configure=self._configure,
            check=ConnectionPool.check_connection,
        )
        self._signatures: dict[str, dict[str, str]] = {}
        self._role_settings: dict[str, list[tuple[str, str]]] = {}

    @classmethod
    def _configure(cls, conn: psycopg.Connection) -> None:
        """Every new pooled connection: refuse an RLS bypass; send numpy arrays as vectors."""
        cls._refuse_rls_bypass(conn)
        vector_types.register(conn)
        conn.rollback()

    @staticmethod
    def _refuse_rls_bypass(conn: psycopg.Connection) -> None:
        """Every new pooled connection: a role that could read past RLS is never used."""
        name, bypasses = conn.execute(_BYPASSES_RLS_SQL).fetchone()
        conn.rollback()
        if bypasses:
            raise UnsafeConnection(
                f"The gateway's database connection logs in as {name}, which bypasses row "
                "level security. Connect it as the `authenticator` role (GATEWAY_DATABASE_URL)."
            )

    @classmethod
    def check_conninfo(cls, conninfo: str) -> None:
        """Refuse, before serving anyone, a gateway URL whose role bypasses RLS."""
        with psycopg.connect(conninfo, connect_timeout=5) as conn:
            cls._refuse_rls_bypass(conn)

    def open(self) -> PostgresBackend:
        self._pool.open(wait=False)
        return self

    def close(self) -> None:
        self._pool.close()

    def rpc(self, token: str, function: str, params: Mapping[str, Any]) -> Any:
        try:
            claims = tokens.verify(token, self._secret)
        except tokens.TokenError as exc:
            raise SessionExpired(str(exc)) from exc
        try:
            with self._pool.connection() as conn, conn.transaction():
                query = self._call_sql(conn, function, params)
                settings = self._settings(conn, claims.role)
                conn.execute(sql.SQL("set local role {}").format(sql.Identifier(claims.role)))
                conn.execute(
                    "select set_config('request.jwt.claims', %s, true)"
                    + ", set_config(%s, %s, true)" * len(settings),
                    [json.dumps(claims.raw), *(part for pair in settings for part in pair)],
                )
                if "session_id" in claims.raw:  # as PostgREST's pre-request hook (sql/0082)
                    conn.execute("select private.check_session()")
                row = conn.execute(query, self._values(conn, function, params)).fetchone()
        except PoolTimeout as exc:
            raise DatabaseUnavailable("The database is not reachable right now.") from exc
        except psycopg.Error as exc:
            sqlstate = exc.diag.sqlstate
            if sqlstate is None and isinstance(exc, psycopg.DataError):  # refused here (a NUL)
                raise InvalidRequest(_unsendable(exc)) from exc
            if sqlstate is None or sqlstate.startswith("08"):  # no server answered
                raise DatabaseUnavailable(
                    f"The database is not reachable right now ({exc})."
                ) from exc
            raise classify_sqlstate(sqlstate, exc.diag.message_primary or str(exc)) from exc
        return row[0]

    def _call_sql(self, conn: psycopg.Connection, function: str, params: Mapping[str, Any]):
        """`select json_agg(r) from public.fn(p_a => $1::type, ...) r`, cast like PostgREST."""
        signature = self._signature(conn, function)
        unknown = sorted(set(params) - set(signature))
        if unknown:
            raise GatewayError(f"{function}() has no parameter {', '.join(unknown)}.")
        arguments = sql.SQL(", ").join(
            sql.SQL("{} => {}::{}").format(
                sql.Identifier(name), sql.Placeholder(), sql.SQL(signature[name])
            )
            for name in params
        )
        return sql.SQL("select coalesce(json_agg(r), '[]'::json) from public.{}({}) r").format(
            sql.Identifier(function), arguments
        )

    def _values(self, conn: psycopg.Connection, function: str, params: Mapping[str, Any]):
        """The parameters' values; a vector parameter's JSON list becomes a numpy array."""
        signature = self._signature(conn, function)
        return [
            np.asarray(value, dtype=np.float32)
            if signature[name].endswith("vector") and isinstance(value, list)
            else value
            for name, value in params.items()
        ]

    def _settings(self, conn: psycopg.Connection, role: str) -> list[tuple[str, str]]:
        """The API role's own settings (e.g. statement_timeout), read once per role."""
        if role not in self._role_settings:
            rows = conn.execute(_ROLE_SETTINGS_SQL, [role]).fetchall()
            self._role_settings[role] = list(dict(rows).items())
        return self._role_settings[role]

    def _signature(self, conn: psycopg.Connection, function: str) -> dict[str, str]:
        cached = self._signatures.get(function)
        if cached is None:
            rows = conn.execute(_SIGNATURE_SQL, [function]).fetchall()
            if not rows and conn.execute(_FUNCTION_EXISTS_SQL, [function]).fetchone() is None:
                raise UnknownFunction(f"The database has no function public.{function}().")
            cached = self._signatures[function] = dict(rows)
        return cached
