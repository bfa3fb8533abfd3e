"""Bulk-load helpers: tasks on several connections, each after the ones it names."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from revos.db import connections
from revos.db.connections import Task


def _recorder(log: list[str], lock: threading.Lock, name: str, seconds: float = 0.0):
    def job(conn: psycopg.Connection) -> None:
        conn.execute("select 1")
        time.sleep(seconds)
        with lock:
            log.append(name)

    return job


def test_a_task_runs_only_after_the_tasks_it_waits_for(fresh_database: str) -> None:
    log: list[str] = []
    lock = threading.Lock()
    tasks = [
        Task("index", _recorder(log, lock, "index"), frozenset({"messages"})),
        Task("rollups", _recorder(log, lock, "rollups"), frozenset({"apollo", "messages"})),
        Task("messages", _recorder(log, lock, "messages", 0.2)),
        Task("apollo", _recorder(log, lock, "apollo")),
    ]
    connections.in_parallel(fresh_database, tasks, workers=2)
    assert sorted(log) == ["apollo", "index", "messages", "rollups"]
    assert log.index("index") > log.index("messages")
    assert log.index("rollups") > max(log.index("apollo"), log.index("messages"))


def test_a_failing_task_stops_the_rest_and_is_raised(fresh_database: str) -> None:
    log: list[str] = []
    lock = threading.Lock()

    def fail(conn: psycopg.Connection) -> None:
        raise RuntimeError("the disk is full")

    tasks = [
        Task("first", fail),
        Task("after", _recorder(log, lock, "after"), frozenset({"first"})),
    ]
    with pytest.raises(RuntimeError, match="the disk is full"):
        connections.in_parallel(fresh_database, tasks, workers=2)
    assert log == []


def test_a_task_waiting_for_no_task_is_an_error(fresh_database: str) -> None:
    tasks = [Task("orphan", lambda conn: None, frozenset({"missing"}))]
    with pytest.raises(ValueError, match="wait for no task"):
        connections.in_parallel(fresh_database, tasks, workers=2)
