"""Direct Postgres backend: does per call what PostgREST does per request.

1. verify the JWT (signature, exp, aud, sub, role) before touching the database;
2. in one transaction: `set local role authenticated`, put the claims in
   `request.jwt.claims`, call the SQL function, commit.

The pool's connections log in as a role that can only switch to the API roles
(`authenticator` on the embedded server), so a mistake here cannot become superuser access.
Results come back as JSON built by Postgres, the same shape supabase-py returns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool, PoolTimeout

from revos import tokens
from revos.gateway.errors import (
    DatabaseUnavailable,
    GatewayError,
    SessionExpired,
    UnknownFunction,
    classify_sqlstate,
)

_SIGNATURE_SQL = """
select a.name, format_type(a.type, null)
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
cross join lateral unnest(p.proargnames[1:p.pronargs], p.proargtypes::oid[]) as a (name, type)
where n.nspname = 'public' and p.proname = %s
"""

_FUNCTION_EXISTS_SQL = """
select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
where n.nspname = 'public' and p.proname = %s
"""


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
        )
        self._signatures: dict[str, dict[str, str]] = {}

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
                conn.execute("set local role authenticated")
                conn.execute(
                    "select set_config('request.jwt.claims', %s, true)", [json.dumps(claims.raw)]
                )
                row = conn.execute(query, list(params.values())).fetchone()
        except PoolTimeout as exc:
            raise DatabaseUnavailable("The database is not reachable right now.") from exc
        except psycopg.Error as exc:
            sqlstate = exc.diag.sqlstate
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

    def _signature(self, conn: psycopg.Connection, function: str) -> dict[str, str]:
        cached = self._signatures.get(function)
        if cached is None:
            rows = conn.execute(_SIGNATURE_SQL, [function]).fetchall()
            if not rows and conn.execute(_FUNCTION_EXISTS_SQL, [function]).fetchone() is None:
                raise UnknownFunction(f"The database has no function public.{function}().")
            cached = self._signatures[function] = dict(rows)
        return cached
