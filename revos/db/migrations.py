"""Apply `sql/` in order, exactly once, and refuse to run on a schema whose history was edited.

Each applied file is recorded with its SHA-256 in `revos_meta.schema_migrations`. A file
that changed after it was applied means the database no longer matches the source of truth,
so nothing runs until someone writes a new migration instead. The Supabase compat file is
applied only to a database without an `auth` schema (plain Postgres); on a hosted Supabase
project the real `auth` schema is already there and the file is skipped.

A file whose first line is `-- revos: no-transaction` runs statement by statement outside a
transaction, for `create index concurrently` on tables that hold data. Such a file holds
only simple statements (no function bodies), each ending a line with `;`, and must be safe
to re-run: if it fails halfway it is not recorded and runs again from the top next time.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.resources
import re
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict


def _sql_dir() -> Path:
    """sql/ of the checkout (or an editable install), else the copy a wheel ships in
    revos/_sql (pyproject.toml maps it there)."""
    checkout = Path(__file__).resolve().parents[2] / "sql"
    if checkout.is_dir():
        return checkout
    return Path(str(importlib.resources.files("revos") / "_sql"))


SQL_DIR = _sql_dir()
COMPAT_DIR_NAME = "compat"
_LOCK_KEY = 0x7265766F73  # "revos": one runner at a time per database
NO_TRANSACTION = "-- revos: no-transaction"
_CONCURRENTLY = re.compile(r"(?<=index) concurrently\b", re.IGNORECASE)


class MigrationError(RuntimeError):
    """The database's migration history does not match sql/; the message says how."""


@dataclass(frozen=True)
class Migration:
    name: str  # path relative to sql/, e.g. "0002_users_and_roles.sql"
    sql: str
    checksum: str


def _load(path: Path, root: Path) -> Migration:
    data = path.read_bytes()
    return Migration(
        name=path.relative_to(root).as_posix(),
        sql=data.decode("utf-8"),
        checksum=hashlib.sha256(data).hexdigest(),
    )


def discover(sql_dir: Path = SQL_DIR) -> tuple[list[Migration], list[Migration]]:
    """The compat migrations and the ordered main migrations found in `sql_dir`."""
    compat = [_load(p, sql_dir) for p in sorted((sql_dir / COMPAT_DIR_NAME).glob("*.sql"))]
    main = [_load(p, sql_dir) for p in sorted(sql_dir.glob("*.sql"))]
    if not main:
        raise MigrationError(f"No migrations found in {sql_dir}.")
    return compat, main


def _ensure_history_table(conn: psycopg.Connection) -> None:
    conn.execute("create schema if not exists revos_meta")
    conn.execute("revoke all on schema revos_meta from public")
    conn.execute(
        """
        create table if not exists revos_meta.schema_migrations (
          name text primary key,
          checksum text not null,
          applied_at timestamptz not null default now()
        )
        """
    )


def _applied(conn: psycopg.Connection) -> dict[str, str]:
    rows = conn.execute("select name, checksum from revos_meta.schema_migrations").fetchall()
    return dict(rows)


def _check_history(applied: dict[str, str], known: list[Migration]) -> None:
    by_name = {m.name: m for m in known}
    for name, checksum in sorted(applied.items()):
        migration = by_name.get(name)
        if migration is None:
            raise MigrationError(
                f"The database has migration {name} applied, but sql/{name} does not exist. "
                "Restore the file, or use a fresh database."
            )
        if migration.checksum != checksum:
            raise MigrationError(
                f"sql/{name} changed after it was applied to this database. Applied "
                "migrations are immutable: revert the edit and add a new migration file."
            )


def _has_auth_schema(conn: psycopg.Connection) -> bool:
    row = conn.execute("select exists (select 1 from pg_namespace where nspname = 'auth')")
    return bool(row.fetchone()[0])


def migrate(conn: psycopg.Connection, sql_dir: Path = SQL_DIR) -> list[str]:
    """Apply what is missing, one transaction per file; return the names applied.

    Each file commits with its history row, so a failure leaves that file wholly unapplied
    and the ones before it recorded. One transaction per file also lets a migration add a
    constraint `not valid` and the next one validate it without holding the first's
    ACCESS EXCLUSIVE lock through the scan. `conn` must be in autocommit mode.
    """
    if not conn.autocommit:
        raise MigrationError("migrate() needs a connection in autocommit mode.")
    compat, main = discover(sql_dir)
    _wait_for_the_lock(conn)
    try:
        with conn.transaction():
            _ensure_history_table(conn)
            applied = _applied(conn)
            _check_history(applied, compat + main)
            pending = [] if _has_auth_schema(conn) else [m for m in compat if m.name not in applied]
            pending += [m for m in main if m.name not in applied]
        for migration in pending:
            _apply(conn, migration)
    finally:
        conn.execute("select pg_advisory_unlock(%s)", [_LOCK_KEY])
    return [m.name for m in pending]


def migrate_within(conn: psycopg.Connection, sql_dir: Path = SQL_DIR) -> list[str]:
    """Apply what is missing inside the caller's open transaction: all or nothing.

    For adopting an existing database, where a half-applied schema would be worse than none.
    A no-transaction file's `create/drop index concurrently` runs plainly here, which is
    right for tables this same transaction created (nobody else can see them yet).
    """
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.INTRANS:
        raise MigrationError("migrate_within() runs inside an open transaction.")
    conn.execute("select pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    compat, main = discover(sql_dir)
    _ensure_history_table(conn)
    applied = _applied(conn)
    _check_history(applied, compat + main)
    pending = [] if _has_auth_schema(conn) else [m for m in compat if m.name not in applied]
    pending += [m for m in main if m.name not in applied]
    record = "insert into revos_meta.schema_migrations (name, checksum) values (%s, %s)"
    for migration in pending:
        text = migration.sql
        if text.startswith(NO_TRANSACTION):
            text = "\n".join(_CONCURRENTLY.sub("", s) for s in statements(text))
        try:
            conn.execute(text.encode())
        except psycopg.Error as exc:
            raise MigrationError(f"sql/{migration.name} failed: {exc}") from exc
        conn.execute(record, [migration.name, migration.checksum])
    conn.execute("reset all")  # a no-transaction file's plain `set`s end with it
    return [m.name for m in pending]


def _wait_for_the_lock(conn: psycopg.Connection, seconds: float = 600) -> None:
    """One runner at a time. Polled, not waited for inside a statement: a runner blocked in
    `pg_advisory_lock` holds a snapshot, which another runner's `create index concurrently`
    would wait for while that runner waits for the lock (a deadlock)."""
    deadline = time.monotonic() + seconds
    while not conn.execute("select pg_try_advisory_lock(%s)", [_LOCK_KEY]).fetchone()[0]:
        if time.monotonic() > deadline:
            raise MigrationError("Another migration run holds the lock; try again later.")
        time.sleep(0.5)


def _apply(conn: psycopg.Connection, migration: Migration) -> None:
    record = "insert into revos_meta.schema_migrations (name, checksum) values (%s, %s)"
    try:
        if migration.sql.startswith(NO_TRANSACTION):
            try:
                for statement in statements(migration.sql):
                    conn.execute(statement.encode())
            finally:  # the file's session settings end with it
                with contextlib.suppress(psycopg.Error):  # never hide the real error
                    conn.execute("reset all")
            conn.execute(record, [migration.name, migration.checksum])
            return
        with conn.transaction():
            conn.execute(migration.sql.encode())
            conn.execute(record, [migration.name, migration.checksum])
    except psycopg.Error as exc:
        raise MigrationError(f"sql/{migration.name} failed: {exc}") from exc


def statements(text: str) -> list[str]:
    """The statements of a no-transaction file: each ends a line with `;` (a comment may
    follow it). Only simple statements: no dollar-quoted bodies, no quoted `;`."""
    if re.search(r"\$\w*\$", text):
        raise MigrationError("A no-transaction migration holds simple statements only.")
    found, current = [], []
    for line in text.splitlines():
        code = line.split("--", 1)[0].rstrip()
        if not code and not current:
            continue
        current.append(line)
        if code.endswith(";"):
            found.append("\n".join(current).strip())
            current = []
    if "".join(current).strip():
        raise MigrationError("A no-transaction migration's last statement lacks its `;`.")
    return found


def ensure_gateway_role(conn: psycopg.Connection, gateway_url: str) -> str:
    """Create or update the login role of GATEWAY_DATABASE_URL, as PostgREST's authenticator.

    It may log in (with the URL's password) and switch to `anon`, `authenticated` and
    `revos_super_admin` (super admins' requests: sql/0048); no superuser, no BYPASSRLS, no
    privileges of its own (NOINHERIT). The compat migration, like Supabase, also lets the
    role named `authenticator` switch to `service_role` (PostgREST serves the service key
    through it): the gateway only ever switches to the role of a verified token, and
    `tokens.verify` refuses any role outside `tokens.API_ROLES`.
    Returns the role's name.
    """
    params = conninfo_to_dict(gateway_url)
    role = params.get("user") or "authenticator"
    exists = conn.execute("select 1 from pg_roles where rolname = %s", [role]).fetchone()
    verb = sql.SQL("alter" if exists else "create")
    options = sql.SQL("login noinherit nosuperuser nobypassrls nocreatedb nocreaterole")
    statement = sql.SQL("{} role {} with {}").format(verb, sql.Identifier(role), options)
    if params.get("password"):
        statement += sql.SQL(" password {}").format(sql.Literal(params["password"]))
    conn.execute(statement)
    conn.execute(
        sql.SQL("grant anon, authenticated, revos_super_admin to {}").format(sql.Identifier(role))
    )
    return role
