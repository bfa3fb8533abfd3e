"""Demo data: realistic tenants, deterministic for a seed, generated set-based in SQL.

`seed.sql` does the work in a handful of `insert ... select` statements over
`generate_series`; this module only sets the parameters, defines the pseudo-random helpers
and runs its sections as the service role: in one transaction, or for a large plan on
several connections at once, each writing its share of the tenants (revos.db.connections).
Seeding replaces all existing data.

Loading is done the way pg_restore does it: the large tables' secondary indexes are dropped
for the load and rebuilt from their own definitions afterwards, and per-row triggers
(foreign-key checks among them) are skipped with `session_replication_role = replica`. That
is safe because the generator derives every key from the rows it just wrote; check
constraints still apply to every row, and the tests check the data's consistency.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, replace
from functools import cache, partial
from pathlib import Path

import bcrypt
import psycopg

from revos.db import connections

DEMO_PASSWORD = "revos-demo"
DEMO_LOGINS = (
    *(f"client{n}@revos.demo" for n in range(1, 6)),
    "reviewer@revos.demo",
    "admin@revos.demo",
)
SEED_SQL = Path(__file__).with_name("seed.sql")
BULK_TABLES = (
    "public.leads",
    "public.messages",
    "public.apollo_usage",
    "public.lead_magnet_downloads",
    "public.review_audit",
)
ROLLUPS = ("public.lead_daily_stats", "public.lead_owner_totals", "public.apollo_daily_usage")
PARALLEL_FROM = 50_000  # leads in a plan from which several connections write at once
FRESH_DRAFT_LEADS = 20  # newest leads per client left uncontacted, each with a DM and email draft
DATA_TABLES = (
    "public.review_audit",
    "public.lead_magnet_embeddings",
    "public.embeddings",
    "public.apollo_usage",
    "public.lead_magnet_downloads",
    "public.messages",
    "public.leads",
    "public.posts",
    "public.campaigns",
    "public.cartridges",
    "public.lead_magnets",
    "public.reviewer_assignments",
    "public.users",
    "auth.users",
)


@dataclass(frozen=True)
class SeedPlan:
    clients: int = 5
    leads_min: int = 300
    leads_max: int = 3000
    seed: int = 42
    anchor: dt.datetime | None = None  # "now" for the data; default: the start of this hour
    big_client_leads: int | None = None  # client1 gets exactly this many (benchmarks)

    def total_leads(self) -> int:
        """At most this many leads (the exact count depends on the seed)."""
        regular = self.clients - (1 if self.big_client_leads is not None else 0)
        return regular * self.leads_max + (self.big_client_leads or 0)

    @classmethod
    def fixed(cls, clients: int, leads_per_client: int, seed: int = 42) -> SeedPlan:
        return cls(clients, leads_per_client, leads_per_client, seed)


@dataclass(frozen=True)
class SeedReport:
    rows: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


def _helpers_sql(seed: int, anchor: dt.datetime) -> str:
    """pg_temp helpers for seed.sql.

    r() is a uniform [0,1) from a hash, so row order never changes the data. uid() is a
    uuid from a hash, for the few rows of the small tables. seq_uid() is the bulk tables'
    id: time-ordered (UUID version 7 layout: the anchor's millisecond, then a kind and a
    serial number), so rows written in key order append to their primary key's index
    instead of landing at random pages, and the id costs no call to the random source
    (gen_random_uuid() cost 3.3 of 4.6 s per million rows, measured). key_of() reads the
    serial number back, so a lead's messages and attempts number themselves after it.
    """
    seed = int(seed)
    millisecond = int(anchor.timestamp() * 1000)
    return f"""
    create or replace function pg_temp.r(k bigint, salt integer) returns double precision
    language sql immutable as
    $$ select (hashint8extended(k, {seed}::bigint * 1000 + salt) & 2147483647)::float8
              / 2147483648.0 $$;
    create or replace function pg_temp.uid(kind text, n bigint) returns uuid
    language sql immutable as $$ select md5('{seed}:' || kind || ':' || n)::uuid $$;
    create or replace function pg_temp.seq_uid(kind integer, n bigint) returns uuid
    language sql immutable as
    $$ select ('{millisecond:012x}7' || lpad(to_hex(kind), 3, '0') || '8'
               || lpad(to_hex(n), 15, '0'))::uuid $$;
    create or replace function pg_temp.key_of(id uuid) returns bigint
    language sql immutable as
    $$ select ('x' || right(replace(id::text, '-', ''), 15))::bit(60)::bigint $$;
    create or replace function pg_temp.pick(items text[], x double precision) returns text
    language sql immutable as $$ select items[1 + floor(x * array_length(items, 1))::int] $$;
    """


def _check(plan: SeedPlan) -> None:
    if plan.clients < 2:
        raise ValueError("Seed at least 2 clients (the reviewer is assigned client1 and client2).")
    if not 1 <= plan.leads_min <= plan.leads_max:
        raise ValueError("Leads per client must be at least 1 (and min <= max).")
    if max(plan.leads_max, plan.big_client_leads or 0) >= 10_000_000:
        raise ValueError("At most 9,999,999 leads per client.")


def seed(
    conn: psycopg.Connection, plan: SeedPlan = SeedPlan(), workers: int | None = None
) -> SeedReport:
    """Replace all data with demo data described by `plan`.

    A small plan is written in one transaction. A large one (PARALLEL_FROM leads or more, or
    `workers` > 1) is written by several connections at once, each for its share of the
    tenants and their rollups, then the indexes are built on as many connections (measured
    on 2 cores at 1M leads: 1.6x the single connection's rows per second). Each step is a
    transaction;
    if one fails, the data tables are emptied (their indexes restored) and SeedError says
    so: no half-seeded tenant is ever left. The data is the same either way.
    """
    _check(plan)
    plan = replace(plan, anchor=plan.anchor or _default_anchor())  # one "now" for every step
    workers = workers or (2 if plan.total_leads() >= PARALLEL_FROM else 1)
    started = time.perf_counter()
    if workers <= 1:
        with conn.transaction():
            rebuild = _start_load(conn)
            _run_sections(conn, plan, ("clients", "shared", "tenants", "totals"))
            for definition in rebuild:
                conn.execute(definition)
            # the load skipped triggers, the rollups' among them: recompute them once
            conn.execute("select private.rebuild_rollups()")
    else:
        _seed_in_parallel(conn, plan, workers)
    rows = sum(_count(conn, table) for table in DATA_TABLES)
    elapsed = time.perf_counter() - started
    conn.execute("analyze")
    return SeedReport(rows=rows, seconds=elapsed)


class SeedError(RuntimeError):
    """A parallel seed failed; the data tables were left empty."""


def _start_load(conn: psycopg.Connection) -> list[str]:
    """In the current transaction: empty the data, drop the bulk indexes, set the helpers."""
    conn.execute("set local max_parallel_workers_per_gather = 0")
    conn.execute("set local maintenance_work_mem = '1GB'")
    conn.execute("set local session_replication_role = replica")
    conn.execute(f"truncate {', '.join(DATA_TABLES)} cascade")
    return _drop_secondary_indexes(conn, BULK_TABLES)


def _run_sections(
    conn: psycopg.Connection,
    plan: SeedPlan,
    names: tuple[str, ...],
    clients: list[int] | None = None,
) -> None:
    """Run sections of seed.sql in the current transaction (helpers and parameters first).

    `clients`: only these tenants (by number) for the sections after "clients"."""
    conn.execute("set local session_replication_role = replica")
    conn.execute(_helpers_sql(plan.seed, plan.anchor))
    conn.execute(
        """
        create temp table seed_params on commit drop as
        select %s::int as seed, %s::timestamptz as anchor, %s::int as clients,
               %s::int as leads_min, %s::int as leads_max, %s::text as password_hash,
               %s::int as fresh_drafts, %s::int as big_client_leads
        """,
        [
            plan.seed,
            plan.anchor,
            plan.clients,
            plan.leads_min,
            plan.leads_max,
            _password_hash(),
            FRESH_DRAFT_LEADS,
            plan.big_client_leads,
        ],
    )
    sections = _sections()
    for name in names:
        conn.execute(sections[name])
        if name == "clients" and clients is not None:
            conn.execute("delete from seed_clients where not (n = any (%s))", [clients])


def _seed_in_parallel(conn: psycopg.Connection, plan: SeedPlan, workers: int) -> None:
    conninfo = connections.conninfo_of(conn)
    with conn.transaction():
        rebuild = _start_load(conn)
        conn.execute(f"truncate {', '.join(ROLLUPS)}")  # the triggers that would are skipped
        _run_sections(conn, plan, ("clients", "shared"))
        sizes = dict(conn.execute("select n, lead_count from seed_clients").fetchall())
    try:
        connections.all_or_none(
            conninfo, [partial(_tenants, plan=plan, share=s) for s in _shares(sizes, workers)]
        )
        with conn.transaction():
            _run_sections(conn, plan, ("clients", "totals"))
        # the costliest first: a trigram index takes most of the index time
        indexes = sorted(rebuild, key=lambda ddl: " USING gin " not in ddl)
        jobs = [partial(_build_index, definition=ddl) for ddl in indexes]
        connections.in_parallel(conninfo, jobs, workers)
    except Exception as exc:
        with conn.transaction():
            conn.execute(f"truncate {', '.join(DATA_TABLES)} cascade")
            for definition in rebuild:  # those the failed step did not build yet
                conn.execute(
                    re.sub(
                        r"^CREATE (UNIQUE )?INDEX ", r"CREATE \1INDEX IF NOT EXISTS ", definition
                    )
                )
        raise SeedError(
            f"Seeding failed ({exc}); the data tables were emptied. Run the seed again."
        ) from exc


def _shares(sizes: dict[int, int], workers: int) -> list[list[int]]:
    """Tenants dealt to workers, largest first to the least loaded: even work per worker."""
    shares: list[list[int]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for n, size in sorted(sizes.items(), key=lambda item: (-item[1], item[0])):
        lightest = loads.index(min(loads))
        shares[lightest].append(n)
        loads[lightest] += size
    return [share for share in shares if share]


def _tenants(conn: psycopg.Connection, plan: SeedPlan, share: list[int]) -> None:
    """These tenants' rows, then their rollups (the load skips the triggers that keep them)."""
    _run_sections(conn, plan, ("clients", "tenants"), clients=share)
    conn.execute("select private.recount_rollups(array(select id from seed_clients))")


def _build_index(conn: psycopg.Connection, definition: str) -> None:
    conn.execute("set local maintenance_work_mem = '512MB'")
    conn.execute(definition)


@cache
def _sections() -> dict[str, str]:
    """seed.sql's sections by name (each starts with a `-- section: NAME` line)."""
    parts = re.split(r"^-- section: (\w+)\n", SEED_SQL.read_text(), flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


@cache
def _password_hash() -> str:
    """The demo password's bcrypt hash (made once: bcrypt is slow on purpose)."""
    return bcrypt.hashpw(DEMO_PASSWORD.encode(), bcrypt.gensalt(rounds=10)).decode()


def _default_anchor() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _drop_secondary_indexes(conn: psycopg.Connection, tables: tuple[str, ...]) -> list[str]:
    """Drop the indexes no constraint depends on; return the DDL that recreates them."""
    rows = conn.execute(
        """
        select i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        from pg_index i
        where i.indrelid = any (%s::regclass[])
          and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)
        """,
        [list(tables)],
    ).fetchall()
    for name, _ in rows:
        conn.execute(f"drop index {name}")
    return [definition for _, definition in rows]


def _count(conn: psycopg.Connection, table: str) -> int:
    return conn.execute(f"select count(*) from {table}").fetchone()[0]


def is_seeded(conn: psycopg.Connection) -> bool:
    return conn.execute("select exists (select 1 from public.users)").fetchone()[0]
