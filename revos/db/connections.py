"""Work spread over several connections of the service role, for bulk loads (the seed).

One PostgreSQL backend uses one core; a load split by tenant over as many connections as
there are cores runs on all of them. Each job gets a connection of its own; a job that
fails stops the others' work and its error is raised in the caller.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

import psycopg
from psycopg.conninfo import make_conninfo

Job = Callable[[psycopg.Connection], None]


def conninfo_of(conn: psycopg.Connection) -> str:
    """How to open another connection like `conn` (its DSN leaves the password out)."""
    return make_conninfo(conn.info.dsn, password=conn.info.password)


def all_or_none(conninfo: str, jobs: list[Job]) -> None:
    """Every job at once, each in a transaction of its own; none commits before all have
    done their work, and one failure rolls every one of them back."""
    barrier = threading.Barrier(len(jobs))
    failures: list[BaseException] = []

    def run(job: Job) -> None:
        try:
            with psycopg.connect(conninfo) as conn:  # commits on leaving, rolls back on error
                try:
                    job(conn)
                except BaseException:
                    barrier.abort()
                    raise
                barrier.wait()  # raises when another job failed: this one rolls back
        except threading.BrokenBarrierError:
            pass
        except BaseException as exc:
            failures.append(exc)

    _run_threads(run, jobs)
    if failures:
        raise failures[0]


def in_parallel(conninfo: str, jobs: list[Job], workers: int) -> None:
    """The jobs in their order, taken by `workers` connections; each job a transaction."""
    queue = list(reversed(jobs))
    lock = threading.Lock()
    failures: list[BaseException] = []

    def run(_: int) -> None:
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                while not failures:
                    with lock:
                        if not queue:
                            return
                        job = queue.pop()
                    with conn.transaction():
                        job(conn)
        except BaseException as exc:
            failures.append(exc)

    _run_threads(run, range(workers))
    if failures:
        raise failures[0]


def _run_threads(target: Callable, args: Iterable) -> None:
    threads = [threading.Thread(target=target, args=(arg,)) for arg in args]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
