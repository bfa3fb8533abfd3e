"""Work spread over several connections of the service role, for bulk loads (the seed).

One PostgreSQL backend uses one core; a load split over as many connections as there are
cores runs on all of them: by tenant (all_or_none: every share commits, or none), or as tasks
that each wait for the ones whose rows they read (in_parallel). A job that fails stops the
others' work and its error is raised in the caller.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Task:
    """A job for in_parallel, `after` the tasks of those names have committed."""

    name: str
    job: Job
    after: frozenset[str] = frozenset()


def in_parallel(conninfo: str, tasks: list[Task], workers: int) -> None:
    """The tasks taken by `workers` connections, each in a transaction of its own.

    A free connection takes the first task in the list whose `after` have all committed
    (list the longest first); the first failure stops the taking and is raised here.
    """
    pending = list(tasks)
    done: set[str] = set()
    running = 0  # tasks taken and not yet committed
    failures: list[BaseException] = []
    changed = threading.Condition()

    def next_task() -> Task | None:
        nonlocal running
        with changed:
            while pending and not failures:
                ready = next((t for t in pending if t.after <= done), None)
                if ready is not None:
                    pending.remove(ready)
                    running += 1
                    return ready
                if running == 0:  # nothing runs that could make one ready
                    failures.append(ValueError(f"Tasks wait for no task: {pending}"))
                    changed.notify_all()
                    return None
                changed.wait()
            return None

    def run(_: int) -> None:
        nonlocal running
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                while (task := next_task()) is not None:
                    with conn.transaction():
                        task.job(conn)
                    with changed:
                        done.add(task.name)
                        running -= 1
                        changed.notify_all()
        except BaseException as exc:
            with changed:
                failures.append(exc)
                changed.notify_all()

    _run_threads(run, range(workers))
    if failures:
        raise failures[0]


def _run_threads(target: Callable, args: Iterable) -> None:
    threads = [threading.Thread(target=target, args=(arg,)) for arg in args]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
