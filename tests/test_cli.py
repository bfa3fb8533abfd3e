"""The `revos` command as a user runs it, against the session's embedded server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest

from revos.db import seed


def revos(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REVOS_DATA_DIR": str(data_dir)}
    for name in ("DATABASE_URL", "SUPABASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "revos", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_db_url_prints_a_working_superuser_url_last(data_dir: Path, runtime) -> None:
    result = revos(data_dir, "db", "url")
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip().splitlines()[-1]
    with psycopg.connect(url) as conn:
        assert conn.execute(
            "select rolsuper from pg_roles where rolname = current_user"
        ).fetchone()[0]
        assert conn.execute("select count(*) from public.users").fetchone()[0] == 7


def test_db_start_prints_the_demo_logins(data_dir: Path, runtime) -> None:
    result = revos(data_dir, "db", "start")
    assert result.returncode == 0, result.stderr
    for login in seed.DEMO_LOGINS:
        assert login in result.stdout
    assert seed.DEMO_PASSWORD in result.stdout


def test_reset_refuses_an_external_database(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": "postgresql://nowhere/db",
        "GATEWAY_DATABASE_URL": "postgresql://authenticator@nowhere/db",
        "SUPABASE_JWT_SECRET": "x" * 40,
        "REVOS_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "revos", "db", "reset"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "only resets the embedded database" in result.stderr


def test_embed_is_idempotent_and_says_what_it_did(data_dir: Path, runtime) -> None:
    """The demo is embedded at start; `revos embed` then finds nothing, every time, in the
    library's model (no key here: the built-in one)."""
    for _ in range(2):
        result = revos(data_dir, "embed")
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().splitlines()[-1] == (
            "Nothing to embed: everything is up to date with revos-hash-1536-v1."
        )
    with psycopg.connect(runtime.service_url) as conn:
        missing = conn.execute(
            "select count(*) from public.lead_magnets m where not exists (select 1 from "
            "public.lead_magnet_embeddings e where e.lead_magnet_id = m.id "
            "and e.model = 'revos-hash-1536-v1')"
        ).fetchone()[0]
    assert missing == 0


def _start_run(data_dir: Path) -> tuple[subprocess.Popen, int]:
    """`revos run` on a free port, in its own process group, once the dashboard answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "REVOS_DATA_DIR": str(data_dir)}
    for name in ("DATABASE_URL", "SUPABASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "revos", "run", "--port", str(port)],
        env={**env, "STREAMLIT_SERVER_HEADLESS": "true"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own group, as a terminal's foreground job
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError("the dashboard did not start")
    except BaseException:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    return process, port


def test_ctrl_c_stops_run_without_a_traceback(data_dir: Path, runtime) -> None:
    """Ctrl-C in the terminal reaches the whole foreground group: `revos` and Streamlit."""
    process, _ = _start_run(data_dir)
    try:
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output


def test_stopping_run_stops_the_dashboard(data_dir: Path, runtime) -> None:
    """`kill <pid>` reaches `revos run` alone; Streamlit, its child, went on serving."""
    process, port = _start_run(data_dir)
    try:
        process.terminate()
        process.communicate(timeout=60)
        with pytest.raises(OSError):  # nobody answers on the port any more
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
    finally:
        if _group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True
