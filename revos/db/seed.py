"""Demo data: realistic tenants, deterministic for a seed, generated set-based in SQL.

`revos/seed.sql` does the work in a handful of `insert ... select` statements over
`generate_series`; this module only sets the parameters, defines the pseudo-random helpers
and runs it in one transaction as the service role. Seeding replaces all existing data.

Loading is done the way pg_restore does it: the large tables' secondary indexes are dropped
for the load and rebuilt from their own definitions afterwards, and per-row triggers
(foreign-key checks among them) are skipped with `session_replication_role = replica`. That
is safe because the generator derives every key from the rows it just wrote; check
constraints still apply to every row, and the tests check the data's consistency.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import psycopg

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


def _helpers_sql(seed: int) -> str:
    """pg_temp helpers: r() is a uniform [0,1) from a hash, so row order never changes the data."""
    seed = int(seed)
    return f"""
    create function pg_temp.r(k bigint, salt integer) returns double precision
    language sql immutable as
    $$ select (hashint8extended(k, {seed}::bigint * 1000 + salt) & 2147483647)::float8
              / 2147483648.0 $$;
    create function pg_temp.uid(kind text, n bigint) returns uuid
    language sql immutable as $$ select md5('{seed}:' || kind || ':' || n)::uuid $$;
    create function pg_temp.pick(items text[], x double precision) returns text
    language sql immutable as $$ select items[1 + floor(x * array_length(items, 1))::int] $$;
    """


def _check(plan: SeedPlan) -> None:
    if plan.clients < 2:
        raise ValueError("Seed at least 2 clients (the reviewer is assigned client1 and client2).")
    if not 1 <= plan.leads_min <= plan.leads_max:
        raise ValueError("Leads per client must be at least 1 (and min <= max).")
    if max(plan.leads_max, plan.big_client_leads or 0) >= 10_000_000:
        raise ValueError("At most 9,999,999 leads per client.")


def seed(conn: psycopg.Connection, plan: SeedPlan = SeedPlan()) -> SeedReport:
    """Replace all data with demo data described by `plan`, in one transaction."""
    _check(plan)
    anchor = plan.anchor or dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    password_hash = bcrypt.hashpw(DEMO_PASSWORD.encode(), bcrypt.gensalt(rounds=10)).decode()
    started = time.perf_counter()
    with conn.transaction():
        conn.execute("set local max_parallel_workers_per_gather = 0")
        conn.execute("set local maintenance_work_mem = '1GB'")
        conn.execute("set local session_replication_role = replica")
        conn.execute(f"truncate {', '.join(DATA_TABLES)} cascade")
        rebuild = _drop_secondary_indexes(conn, BULK_TABLES)
        conn.execute(_helpers_sql(plan.seed))
        conn.execute(
            """
            create temp table seed_params on commit drop as
            select %s::int as seed, %s::timestamptz as anchor, %s::int as clients,
                   %s::int as leads_min, %s::int as leads_max, %s::text as password_hash,
                   %s::int as fresh_drafts, %s::int as big_client_leads
            """,
            [
                plan.seed,
                anchor,
                plan.clients,
                plan.leads_min,
                plan.leads_max,
                password_hash,
                FRESH_DRAFT_LEADS,
                plan.big_client_leads,
            ],
        )
        conn.execute(SEED_SQL.read_text())
        for definition in rebuild:
            conn.execute(definition)
        # the load skipped triggers, the rollups' among them: recompute them once
        conn.execute("select private.rebuild_rollups()")
        rows = sum(_count(conn, table) for table in DATA_TABLES)
    elapsed = time.perf_counter() - started
    conn.execute("analyze")
    return SeedReport(rows=rows, seconds=elapsed)


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
