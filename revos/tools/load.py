"""`revos bench --load`: many people using the dashboard at once, through the real gateway.

N simulated users (threads, each signed in as one of the demo accounts) share one gateway
pool, exactly as the browser sessions of one app server do, and for a bounded time mix the
page calls their role makes with reviews (claim, then approve or reject at the version read).
It reports throughput, p50/p95 per action and every error. A review refused because someone
else reviewed the draft first is the product working, so it counts as a conflict, not an
error. It stops by itself and only talks to the embedded server on this machine.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from revos.db import embedded, migrations, seed
from revos.gateway import Conflict, Gateway, GatewayError, UserSession
from revos.gateway.postgres import PostgresBackend


@dataclass(frozen=True)
class LoadPlan:
    users: int = 50
    seconds: float = 30.0
    review_share: float = 0.1  # of actions, for roles that review
    max_actions_per_user: int = 10_000


@dataclass
class Tally:
    """What all simulated users did, merged under a lock."""

    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    conflicts: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, action: str, seconds: float) -> None:
        with self.lock:
            self.samples[action].append(seconds)

    def refused(self) -> None:
        with self.lock:
            self.conflicts += 1

    def failed(self, action: str, error: Exception) -> None:
        with self.lock:
            self.errors[f"{action}: {type(error).__name__}: {str(error)[:120]}"] += 1


def _page_calls(role: str) -> list[tuple[str, dict[str, Any]]]:
    now = dt.datetime.now(dt.UTC)
    month_ago, quarter_ago = now - dt.timedelta(days=30), now - dt.timedelta(days=90)
    calls = [
        ("overview_kpis", {"p_from": month_ago, "p_to": now}),
        ("campaign_funnel", {"p_from": quarter_ago, "p_to": now}),
        ("funnel_trend", {"p_from": quarter_ago, "p_to": now, "p_grain": "week"}),
        ("leads_page", {"p_limit": 50}),
        ("leads_page", {"p_limit": 50, "p_search": "head of"}),
        ("approval_queue", {"p_limit": 200}),
    ]
    if role != "reviewer":
        calls.append(("lead_magnet_performance", {}))
    if role == "super_admin":
        calls.append(("admin_tenant_stats", {}))
    return calls


def _review(gateway: Gateway, rng: random.Random) -> None:
    """Open the oldest few drafts, claim one, approve or reject it at the version read."""
    queue = gateway.call("approval_queue", p_limit=20)
    if not queue:
        return
    item = rng.choice(queue)
    kind = "post" if item["channel"] == "post" else "message"
    [claim] = gateway.call("claim_draft", p_kind=kind, p_id=item["id"])
    if not claim["mine"]:
        raise Conflict("someone else is reviewing it")
    if rng.random() < 0.8:
        gateway.call("approve_draft", p_kind=kind, p_id=item["id"], p_version=item["version"])
    else:
        gateway.call(
            "reject_draft",
            p_kind=kind,
            p_id=item["id"],
            p_version=item["version"],
            p_reason="Load test: off-brand tone",
        )


def _user_loop(gateway: Gateway, plan: LoadPlan, deadline: float, tally: Tally, seed_: int) -> None:
    rng = random.Random(seed_)
    calls = _page_calls(gateway.session.role)
    for _ in range(plan.max_actions_per_user):
        if time.monotonic() >= deadline:
            return
        reviews = rng.random() < plan.review_share
        action = "review" if reviews else None
        started = time.perf_counter()
        try:
            if reviews:
                _review(gateway, rng)
            else:
                function, params = rng.choice(calls)
                action = function
                gateway.call(function, **params)
        except Conflict:
            tally.refused()
        except GatewayError as exc:
            tally.failed(action or "?", exc)
        else:
            tally.record(action or "?", time.perf_counter() - started)


def _ms(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def summarise(tally: Tally, plan: LoadPlan, elapsed: float) -> dict[str, Any]:
    every = [s for samples in tally.samples.values() for s in samples]
    return {
        "users": plan.users,
        "seconds": round(elapsed, 1),
        "requests": len(every),
        "throughput_per_s": round(len(every) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": _ms(every, 0.5) if every else None,
        "p95_ms": _ms(every, 0.95) if every else None,
        "conflicts": tally.conflicts,
        "errors": sum(tally.errors.values()),
        "error_kinds": dict(tally.errors),
        "actions": {
            action: {
                "n": len(samples),
                "p50_ms": _ms(samples, 0.5),
                "p95_ms": _ms(samples, 0.95),
                "mean_ms": round(1000 * statistics.fmean(samples), 1),
            }
            for action, samples in sorted(tally.samples.items())
        },
    }


def run(data_dir: Path, plan: LoadPlan, say=print) -> dict[str, Any]:
    """Seed the demo data into a fresh embedded database, then let `plan.users` loose on it."""
    embedded.destroy(data_dir)
    server = embedded.start(data_dir)
    with psycopg.connect(server.url(), autocommit=True) as conn:
        migrations.migrate(conn)
        seed.seed(conn)
        people = conn.execute(
            "select id::text, email, role from public.users order by email"
        ).fetchall()
    secret = embedded.load_secrets(data_dir).jwt_secret
    backend = PostgresBackend(server.url(user=embedded.GATEWAY_USER), secret).open()
    tally = Tally()
    say(f"{plan.users} simulated users for {plan.seconds:.0f} s…")
    started = time.monotonic()
    deadline = started + plan.seconds
    threads = [
        threading.Thread(
            target=_user_loop,
            args=(
                Gateway(backend, UserSession(*people[n % len(people)], None), secret),
                plan,
                deadline,
                tally,
                n,
            ),
        )
        for n in range(plan.users)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        backend.close()
        embedded.stop(data_dir)  # its data stays in the data dir until the next run
    return summarise(tally, plan, time.monotonic() - started)


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"{report['users']} users for {report['seconds']} s: {report['requests']:,} requests, "
        f"{report['throughput_per_s']:,} per second, p50 {report['p50_ms']} ms, "
        f"p95 {report['p95_ms']} ms, {report['errors']} errors, "
        f"{report['conflicts']} reviews refused because someone else was first.",
        "",
        "| action | n | p50 ms | p95 ms |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {action} | {a['n']:,} | {a['p50_ms']} | {a['p95_ms']} |"
        for action, a in report["actions"].items()
    ]
    lines += [f"- error: {kind} (x{n})" for kind, n in report["error_kinds"].items()]
    return "\n".join(lines)
