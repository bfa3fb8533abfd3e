"""`revos bench --quick` runs end to end and reports every measurement, sanely.

Timings are noisy on a shared machine, so this checks completeness and sanity, not targets.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from revos.db import embedded, seed
from revos.tools import bench, semantic_bench
from tests.support import seeded_database

EXPECTED_USERS = {"big client", "typical client", "super admin"}


def test_quick_bench_reports_every_call_and_page(tmp_path: Path) -> None:
    data_dir = Path(f"/tmp/revos-bench-{os.getpid()}")  # short: the server's socket lives here
    report_path = tmp_path / "bench.json"
    env = {**os.environ, "REVOS_DATA_DIR": str(data_dir)}
    for name in ("DATABASE_URL", "SUPABASE_URL"):
        env.pop(name, None)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "revos", "bench", "--quick", "--json", str(report_path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
    finally:
        embedded.destroy(data_dir / "bench")
        shutil.rmtree(data_dir, ignore_errors=True)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(report_path.read_text())

    calls = report["calls"]
    names = {call.name for call in bench.CALLS}
    assert {c["name"] for c in calls} == names
    for call in bench.CALLS:
        users = {c["user"] for c in calls if c["name"] == call.name}
        assert users == ({"super admin"} if call.admin_only else EXPECTED_USERS)
    for c in calls:
        assert set(c) == {
            "name",
            "user",
            "p50_ms",
            "p95_ms",
            "sql_p95_ms",
            "floor_p95_ms",
            "naive_p95_ms",
            "sql_p50_ms",
            "floor_p50_ms",
        }
        assert 0 < c["p50_ms"] <= c["p95_ms"] < 60_000
        assert 0 < c["sql_p95_ms"] < 60_000 and 0 < c["floor_p95_ms"] < 60_000
        assert 0 < c["sql_p50_ms"] <= c["sql_p95_ms"] and 0 < c["floor_p50_ms"] <= c["floor_p95_ms"]
        naive_expected = next(k for k in bench.CALLS if k.name == c["name"]).naive is not None
        assert (c["naive_p95_ms"] is not None) == naive_expected
    direct = report["direct_reads"]
    expected = {
        (table, user)
        for table in bench.DIRECT_TABLES
        for user in ("big client", "typical client", "reviewer")
        if not (user == "reviewer" and table in bench.NOT_FOR_REVIEWERS)
    }
    assert {(d["table"], d["user"]) for d in direct} == expected
    for d in direct:
        assert 0 < d["p50_ms"] <= d["p95_ms"] < 60_000 and 0 < d["floor_p95_ms"] < 60_000
        assert 0 < d["floor_p50_ms"] <= d["floor_p95_ms"]
    big_leads = next(d for d in direct if (d["table"], d["user"]) == ("leads", "big client"))
    assert big_leads["rows"] == 20_000  # the quick plan's big client: only their own rows
    semantic = report["semantic"]
    assert {(r["call"], r["user"]) for r in semantic} == {
        (call[0], email) for call in semantic_bench.CALLS for email in bench.USER_LABELS
    }
    for r in semantic:
        assert 0 < r["p50_ms"] <= r["p95_ms"] < 60_000 and r["rows_returned_min"] >= 1
        if r["call"].startswith("match_memories"):
            assert 0 <= r["recall"] <= 1
    # a typical client's few memories are compared exactly: nothing can be missed
    typical = [r for r in semantic if r["user"] == bench.TYPICAL and r["recall"] is not None]
    assert typical and all(r["recall"] == 1.0 for r in typical)
    assert report["embedding"]["vectors"] > 0
    assert [(p["user"], p["name"]) for p in report["pages"]] == [
        *(("big client", Path(p).stem) for p in bench.PAGES),
        *(("super admin", Path(p).stem) for p in bench.ADMIN_PAGES),
    ]
    assert all(0 < p["median_ms"] < 60_000 for p in report["pages"])
    assert report["seed_rows_per_s"] > 1_000
    assert set(report["cpu_check_ms"]) == {"before_seed", "after_seed"}
    assert all(0 < ms < 60_000 for ms in report["cpu_check_ms"].values())
    # the seed's WAL is its own cluster's (a fresh one): the rows it wrote, at the least
    assert report["seed_wal"]["mb"] > 0 and report["seed_wal"]["full_page_images"] >= 0
    assert report["seed_with_vacuum_seconds"] >= report["seed_seconds"]
    assert report["machine"]["cpus"] >= 1
    # the Markdown table is on stdout, one row per measured call
    table_rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert len(table_rows) >= len(calls) + len(direct) + len(report["pages"]) + 3


def test_p95_is_nearest_rank() -> None:
    assert bench.p95([float(n) for n in range(1, 21)]) == 19.0
    assert bench.p95([5.0]) == 5.0
    assert bench.p95([3.0, 1.0, 2.0]) == 3.0


def test_times_below_ten_ms_keep_two_decimals() -> None:
    """0.55 against 0.45 ms is 1.22x; rounded to 0.1 it would read 0.6 against 0.5 (1.2x) or
    0.5 against 0.5 (1.0x)."""
    assert bench.ms(0.554) == 0.55 and bench.ms(0.446) == 0.45
    assert bench.ms(12.34) == 12.3 and bench.ms(9.996) == 10.0


def test_fast_direct_reads_are_timed_as_often_as_fast_calls() -> None:
    """A read of a handful of rows takes a few tenths of a millisecond: the p95 of five runs
    would be the slowest of them. A read that takes longer keeps its five runs."""
    assert bench.direct_runs(lambda: None, bench.BenchPlan()) == 5 * bench.FAST_DIRECT_FACTOR
    plan = bench.BenchPlan(direct_runs=2)
    assert bench.direct_runs(lambda: time.sleep(bench.FAST_CALL_MS / 1000), plan) == 2


def test_a_call_and_its_floor_are_timed_in_turn_each_leading_as_often() -> None:
    """So that a slow minute of the machine (a checkpoint, another process) falls on both,
    and neither always runs right after the other (a cache it warmed, a cleanup it left)."""
    order: list[str] = []
    ours, floor = bench.timed_pair(lambda: order.append("ours"), lambda: order.append("floor"), 4)
    assert len(ours) == len(floor) == 4
    warmup, timed_runs = order[:4], order[4:]
    assert warmup == ["ours", "floor"] * 2
    assert timed_runs == ["ours", "floor", "floor", "ours"] * 2


def test_each_time_is_credited_to_its_own_action() -> None:
    """Whichever leads, a slow action's times stay the slow action's."""
    fast, slow = bench.timed_pair(lambda: None, lambda: time.sleep(0.005), 6, warmup=0)
    assert max(fast) < 5 <= min(slow)


def test_each_action_leads_in_turn() -> None:
    orders = [bench.turn_order(3, run) for run in range(3)]
    assert orders == [[0, 1, 2], [1, 2, 0], [2, 0, 1]]
    assert bench.turn_order(1, 7) == [0]


def test_timings_run_without_the_garbage_collector_and_give_it_back() -> None:
    """A full collection takes 50 to 100 ms in the bench's process: in a timing it would be
    some unlucky read's p95."""
    during: list[bool] = []
    bench.timed(lambda: during.append(gc.isenabled()), 3, warmup=0)
    bench.timed_pair(lambda: during.append(gc.isenabled()), lambda: None, 2, warmup=0)
    assert during == [False] * 5
    assert gc.isenabled()


def test_plan_spreads_leads_over_the_other_clients() -> None:
    plan = bench.BenchPlan(clients=1000, leads=1_000_000, big_client_leads=200_000)
    assert plan.leads_per_client == 800
    quick = bench.BenchPlan.quick()
    assert (quick.clients, quick.leads) == (50, 100_000)


def test_markdown_shows_ratios() -> None:
    report = {
        "calls": [
            {
                "name": "funnel",
                "user": "big client",
                "p50_ms": 10.0,
                "p95_ms": 14.0,
                "sql_p95_ms": 12.0,
                "floor_p95_ms": 10.0,
                "naive_p95_ms": 240.0,
                "sql_p50_ms": 0.55,
                "floor_p50_ms": 0.44,
            }
        ],
        "direct_reads": [
            {
                "table": "posts",
                "user": "reviewer",
                "rows": 31,
                "p50_ms": 0.3,
                "p95_ms": 0.4,
                "floor_p95_ms": 0.32,
                "floor_p50_ms": 0.25,
            }
        ],
        "pages": [{"name": "overview", "user": "super admin", "median_ms": 300.0}],
        "seed_rows_per_s": 100_000,
        "seed_with_vacuum_seconds": 44.5,
        "seed_wal": {"mb": 1_400, "full_page_images": 102_210},
        "cpu_check_ms": {"before_seed": 212.5, "after_seed": 230.0},
        "machine": {"cpus": 2, "memory_gib": 24, "platform": "Linux"},
        "plan": {"clients": 50, "leads": 100_000, "big_client_leads": 20_000, "runs": 20},
    }
    text = bench.markdown(report)
    # RLS / floor compares the call in SQL with the floor; naive / ours the gateway's p95
    # (below 10 ms to two decimals: RLS / floor compares fractions of a millisecond)
    row = "| funnel | big client | 10.0 | 14.0 | 12.0 | 10.0 | 1.20x | 1.25x | 240.0 | 17.14x |"
    assert row in text
    assert "| posts | reviewer | 31 | 0.30 | 0.40 | 0.32 | 1.25x | 1.20x |" in text
    assert "| overview | super admin | 300.0 |" in text
    assert "212.5 ms before the seed, 230.0 ms after" in text
    assert "direct reads 5 runs (20x as many under 10 ms)" in text
    assert "100,000 rows/s (44.5 s with the closing VACUUM (ANALYZE); WAL 1,400 MB, " in text
    assert "102,210 full-page images)" in text


def test_compare_reports_growth_of_the_same_calls_and_reads() -> None:
    def report(leads: int, factor: float) -> dict:
        return {
            "plan": {"leads": leads},
            "calls": [{"name": "trend", "user": "big client", "p95_ms": 10.0 * factor}],
            "direct_reads": [
                {"table": "leads", "user": "reviewer", "p95_ms": 40.0 * factor},
                {"table": "posts", "user": "reviewer", "p95_ms": 1.0},  # not in the baseline
            ],
        }

    baseline = report(1_000_000, 1.0)
    baseline["direct_reads"].pop()
    scale = bench.compare(report(10_000_000, 1.25), baseline)
    assert (scale["baseline_leads"], scale["leads"]) == (1_000_000, 10_000_000)
    assert [(r["what"], r["ratio"]) for r in scale["calls"] + scale["direct_reads"]] == [
        ("trend / big client", 1.25),
        ("select * from leads / reviewer", 1.25),
    ]
    full = {**report(10_000_000, 1.25), "scale": scale, "pages": [], "seed_rows_per_s": 1}
    full["calls"] = [
        {"p50_ms": 1.0, "floor_p95_ms": 1.0, "naive_p95_ms": None} | c for c in full["calls"]
    ]
    full["direct_reads"] = []
    full |= {"machine": {"cpus": 2, "memory_gib": 24, "platform": "Linux"}}
    full |= {
        "seed_with_vacuum_seconds": 1.0,
        "seed_wal": {"mb": 1, "full_page_images": 0},
        "cpu_check_ms": {"before_seed": 1.0, "after_seed": 1.0},
    }
    full["plan"] |= {"clients": 1000, "big_client_leads": 200_000, "runs": 20}
    assert "| trend / big client | 10.0 | 12.5 | 1.25x |" in bench.markdown(full)


def test_a_short_load_run_reports_throughput_latency_and_no_errors(tmp_path: Path) -> None:
    data_dir = Path(f"/tmp/revos-load-{os.getpid()}")
    report_path = tmp_path / "load.json"
    env = {**os.environ, "REVOS_DATA_DIR": str(data_dir)}
    for name in ("DATABASE_URL", "SUPABASE_URL"):
        env.pop(name, None)
    command = ["bench", "--load", "--users", "12", "--seconds", "4", "--json", str(report_path)]
    try:
        result = subprocess.run(
            [sys.executable, "-m", "revos", *command],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        embedded.destroy(data_dir / "load")
        shutil.rmtree(data_dir, ignore_errors=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(report_path.read_text())
    assert report["users"] == 12 and report["errors"] == 0
    assert report["requests"] > 12 and report["throughput_per_s"] > 0
    assert 0 < report["p50_ms"] <= report["p95_ms"]
    assert {"overview_kpis", "leads_page", "approval_queue", "review"} <= set(report["actions"])
    assert "requests" in result.stdout and "per second" in result.stdout
    assert "Traceback" not in result.stderr, result.stderr[-3000:]  # not even at exit


def test_flat_row_compares_medians_and_p95s() -> None:
    row = bench.flat_row("funnel", "typical client", [2.0, 2.0, 3.0, 9.0], [1.0, 1.0, 2.0, 3.0])
    assert (row["p50_ms"], row["baseline_p50_ms"], row["ratio_p50"]) == (2.5, 1.5, 1.67)
    assert (row["p95_ms"], row["baseline_p95_ms"], row["ratio_p95"]) == (9.0, 3.0, 3.0)


class _OtherDatabase:
    """Another database of the session server, standing in for an earlier bench cluster."""

    def __init__(self, server: embedded.EmbeddedServer, name: str) -> None:
        self.server, self.name, self.data_dir = server, name, Path(name)

    def url(self, database: str | None = None, user: str = embedded.SUPERUSER) -> str:
        return self.server.url(database=database or self.name, user=user)


def test_the_same_tenants_are_timed_on_two_clusters_in_turn(
    server: embedded.EmbeddedServer,
) -> None:
    """The session's demo database against a smaller one with other ids: every tenant's call
    and direct read on both sides, matched by email, the super admin's calls left out (they
    read every tenant)."""
    plan = seed.SeedPlan(clients=4, leads_min=40, leads_max=40, seed=7)
    with seeded_database(server, plan, "flat") as (name, url):
        other = _OtherDatabase(server, name)
        flat = bench.measure_flat(server, other, bench.BenchPlan(runs=2, direct_runs=1), print)
        with psycopg.connect(url) as conn:
            there = {u.email: u for u in bench.bench_users(conn)}
            there_size = conn.execute(bench.TOTALS).fetchone()
    with psycopg.connect(server.url()) as conn:
        here = {u.email: u for u in bench.bench_users(conn)}
        here_size = conn.execute(bench.TOTALS).fetchone()
    assert here[bench.BIG].id != there[bench.BIG].id  # matched by email, not by id
    assert (flat["clients"], flat["leads"]) == here_size
    assert (flat["baseline_clients"], flat["baseline_leads"]) == there_size != here_size
    assert flat["baseline_dir"] == name
    assert {(t["user"], t["leads"], t["baseline_leads"]) for t in flat["tenants"]} == {
        (bench.USER_LABELS[e], here[e].leads, there[e].leads)
        for e in (bench.BIG, bench.TYPICAL, bench.REVIEWER)
    }
    calls = {(r["what"], r["user"]) for r in flat["calls"]}
    assert calls == {
        (call.name, user)
        for call in bench.CALLS
        if not call.admin_only
        for user in ("big client", "typical client")
    }
    reads = {(r["what"], r["user"]) for r in flat["direct_reads"]}
    assert reads == {
        (f"select * from public.{table}", user)
        for table in bench.DIRECT_TABLES
        for user in ("big client", "typical client", "reviewer")
        if not (user == "reviewer" and table in bench.NOT_FOR_REVIEWERS)
    }
    for r in flat["calls"] + flat["direct_reads"]:
        assert 0 < r["p50_ms"] <= r["p95_ms"] and 0 < r["baseline_p50_ms"] <= r["baseline_p95_ms"]
    table = bench.flat_markdown(flat)
    assert sum(line.startswith("| ") for line in table) == len(calls) + len(reads) + 1


def test_flat_against_refuses_the_cluster_it_would_replace(tmp_path: Path) -> None:
    env = {**os.environ, "REVOS_DATA_DIR": str(tmp_path)}
    for args, says in (
        (["--cluster", str(tmp_path / "a"), "--flat-against", str(tmp_path / "a")], "replaces"),
        (["--flat-against", str(tmp_path / "none")], "No bench cluster"),
        (["--cluster", str(tmp_path)], "the dashboard's own database"),
        (["--flat-against", str(tmp_path)], "the dashboard's own database"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "revos", "bench", "--quick", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 2 and says in result.stderr
