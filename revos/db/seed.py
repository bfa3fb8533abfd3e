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
    "public.lead_daily_stats",
    "public.lead_owner_daily_stats",
    "public.apollo_daily_usage",
    "public.lead_magnet_daily_stats",
)
ROLLUPS = (
    "public.lead_daily_stats",
    "public.lead_owner_daily_stats",
    "public.lead_owner_totals",
    "public.lead_owner_drafts",
    "public.apollo_daily_usage",
    "public.apollo_monthly_usage",
    "public.lead_magnet_daily_stats",
)
# The sections after "tenants": the tables each writes, and the sections it reads
STEPS = {
    "messages": (("public.messages", "public.review_audit"), ()),
    "downloads": (("public.lead_magnet_downloads",), ()),
    "apollo": (("public.apollo_usage",), ()),
    "totals": ((), ("downloads",)),
    "rollups": (ROLLUPS, ("downloads", "apollo", "messages")),  # drafts: messages, posts
}
TRIGRAM_INDEX = "public.leads_owner_search_idx"  # the seed's longest index build by far
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
EMPTY_ALL = f"truncate {', '.join(DATA_TABLES)}, {', '.join(ROLLUPS)} cascade"


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
    id: time-ordered (UUID version 7 layout: the anchor's millisecond, then a 12-bit kind and
    a serial number), so rows written in key order append to their primary key's index
    instead of landing at random pages, and the id costs no call to the random source
    (gen_random_uuid() cost 3.3 of 4.6 s per million rows, measured). rekind() is the id of
    a lead's message, download or attempt: the lead's own with another kind, and kind_of()
    reads a kind's low byte back (for a message's audit). Both work on the uuid's bytes:
    through text they cost twice as much (measured).
    """
    seed = int(seed)
    prefix = f"{int(anchor.timestamp() * 1000):012x}7"
    return f"""
    create or replace function pg_temp.r(k bigint, salt integer) returns double precision
    language sql immutable as
    $$ select (hashint8extended(k, {seed}::bigint * 1000 + salt) & 2147483647)::float8
              / 2147483648.0 $$;
    create or replace function pg_temp.uid(kind text, n bigint) returns uuid
    language sql immutable as $$ select md5('{seed}:' || kind || ':' || n)::uuid $$;
    create or replace function pg_temp.seq_uid(kind integer, n bigint) returns uuid
    language sql immutable as
    $$ select encode(decode('{prefix}' || lpad(to_hex(kind), 3, '0'), 'hex')
                     || int8send(n | (-9223372036854775808)::bigint), 'hex')::uuid $$;
    create or replace function pg_temp.rekind(id uuid, kind integer) returns uuid
    language sql immutable as
    $$ select encode(overlay(uuid_send(id) placing int2send((28672 + kind)::smallint)
                             from 7 for 2), 'hex')::uuid $$;
    create or replace function pg_temp.kind_of(id uuid) returns integer
    language sql immutable as $$ select get_byte(uuid_send(id), 7) $$;
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
    `workers` > 1) is written by several connections at once: first each writes its share of
    the tenants' leads, then each takes the next of the later sections and index builds whose
    inputs are in (measured on 2 cores at 1M leads: 41 to 47 s, README "Seeding"). Each step
    is a transaction; if one fails, the data tables are emptied (their indexes restored) and
    SeedError says so: no half-seeded tenant is ever left. The data is the same either way.
    """
    _check(plan)
    plan = replace(plan, anchor=plan.anchor or _default_anchor())  # one "now" for every step
    workers = workers or (2 if plan.total_leads() >= PARALLEL_FROM else 1)
    started = time.perf_counter()
    if workers <= 1:
        with conn.transaction():
            rebuild = _start_load(conn)
            _run_sections(conn, plan, ("clients", "shared", "tenants", *STEPS))
            _restore(conn, rebuild)
    else:
        _seed_in_parallel(conn, plan, workers)
    elapsed = time.perf_counter() - started  # the data is in: counting it is the report
    rows = sum(_count(conn, table) for table in DATA_TABLES)
    # Statistics and the visibility map now, not whenever autovacuum comes: an index-only
    # scan of unvacuumed leads reads every row's page (a big client's deep page: 27 to 367 ms,
    # measured). Not in `seconds`, as the plain analyze it replaces was not.
    conn.execute("vacuum (analyze)")
    return SeedReport(rows=rows, seconds=elapsed)


class SeedError(RuntimeError):
    """A parallel seed failed; the data tables were left empty."""


def _start_load(conn: psycopg.Connection) -> list[Rebuild]:
    """In the current transaction: empty the data and drop the bulk tables' indexes."""
    conn.execute("set local maintenance_work_mem = '1GB'")
    conn.execute("set local session_replication_role = replica")
    conn.execute(EMPTY_ALL)
    return _drop_for_load(conn, BULK_TABLES)


def _run_sections(
    conn: psycopg.Connection,
    plan: SeedPlan,
    names: tuple[str, ...],
    clients: list[int] | None = None,
) -> None:
    """Run sections of seed.sql in the current transaction (helpers and parameters first).

    `clients`: only these tenants (by number) for the sections after "clients"."""
    conn.execute("set local session_replication_role = replica")
    conn.execute("set local max_parallel_workers_per_gather = 0")
    conn.execute("set local work_mem = '256MB'")
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
        _run_sections(conn, plan, ("clients", "shared"))
        sizes = dict(conn.execute("select n, lead_count from seed_clients").fetchall())
    try:
        connections.all_or_none(
            conninfo, [partial(_tenants, plan=plan, share=s) for s in _shares(sizes, workers)]
        )
        _sample_statistics(conn)
        connections.in_parallel(conninfo, _later_tasks(plan, rebuild), workers)
        _attach(conn, rebuild)
    except Exception as exc:
        with conn.transaction():
            conn.execute(EMPTY_ALL)
            _restore(conn, rebuild)
        raise SeedError(
            f"Seeding failed ({exc}); the data tables were emptied. Run the seed again."
        ) from exc


def _sample_statistics(conn: psycopg.Connection) -> None:
    """Statistics for the new leads, from a small sample: the later sections join them, and
    without any the planner misjudged them (the messages took twice as long, measured). A
    rough picture is enough for that, and the seed ends with a full VACUUM (ANALYZE). Before
    the index builds start: an analyze waits for a running index build on its table."""
    with conn.transaction():
        conn.execute("set local default_statistics_target = 10")
        conn.execute("analyze public.leads, public.campaigns, public.users")


def _later_tasks(plan: SeedPlan, rebuild: list[Rebuild]) -> list[connections.Task]:
    """The sections after "tenants" and the index builds, each after what it reads.

    Longest first: the trigram index takes a third of the whole seed, so it starts at once;
    each section runs on all tenants' rows in one transaction that first empties the tables
    it writes, so that under wal_level = minimal (the embedded server's) it writes no WAL
    for them.
    """
    sections = [
        connections.Task(name, partial(_step, plan=plan, section=name), frozenset(after))
        for name, (_, after) in STEPS.items()
    ]
    indexes = [
        connections.Task(index.name, partial(_build_index, definition=index.ddl), _writer_of(index))
        for index in rebuild
    ]
    trigram = [task for task in indexes if task.name == TRIGRAM_INDEX]
    others = [task for task in indexes if task not in trigram]
    return [*trigram, *sections, *others]


def _writer_of(index: Rebuild) -> frozenset[str]:
    """The step that fills the table an index is built on (none: the tenants' own)."""
    return frozenset(name for name, (writes, _) in STEPS.items() if index.table in writes)


def _step(conn: psycopg.Connection, plan: SeedPlan, section: str) -> None:
    writes, _ = STEPS[section]
    if writes:
        conn.execute(f"truncate {', '.join(writes)}")
    _run_sections(conn, plan, ("clients", section))


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
    """These tenants' campaigns, leads, posts and custom magnets."""
    _run_sections(conn, plan, ("clients", "tenants"), clients=share)


def _build_index(conn: psycopg.Connection, definition: str) -> None:
    """One index, on this connection's core only: the others are busy with the other tasks
    (a parallel build's workers took their cores: the messages beside it took a third
    longer, measured)."""
    conn.execute("set local maintenance_work_mem = '512MB'")
    conn.execute("set local max_parallel_maintenance_workers = 0")
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


@dataclass(frozen=True)
class Rebuild:
    """An index dropped for the load, and how to build it again."""

    name: str  # schema-qualified; a unique constraint's index has the constraint's name
    table: str
    ddl: str
    attach: str | None = None  # makes a rebuilt index its unique constraint again


def _drop_for_load(conn: psycopg.Connection, tables: tuple[str, ...]) -> list[Rebuild]:
    """Drop the indexes no foreign key needs: secondary indexes, and unique constraints no
    foreign key references (a lead's URL per campaign: its index took a random page for each
    new lead). Primary keys stay; the generator appends to them. Return how to rebuild.

    A constraint's index is built as a plain unique index beside the other tasks (adding the
    constraint would lock the table against them) and attached once they are done.
    """
    rows = conn.execute(
        """
        select t.relnamespace::regnamespace || '.' || ix.relname,
               t.relnamespace::regnamespace || '.' || t.relname,
               coalesce(c.conname, ''), pg_get_indexdef(i.indexrelid)
        from pg_index i
        join pg_class t on t.oid = i.indrelid
        join pg_class ix on ix.oid = i.indexrelid
        left join pg_constraint c on c.conindid = i.indexrelid and c.conrelid = i.indrelid
        where i.indrelid = any (%s::regclass[])
          and (c.oid is null or c.contype = 'u')
          and not exists (
            select 1 from pg_constraint f where f.contype = 'f' and f.conindid = i.indexrelid
          )
        """,
        [list(tables)],
    ).fetchall()
    rebuilds = []
    for index, table, constraint, ddl in rows:
        if constraint:
            conn.execute(f"alter table {table} drop constraint {constraint}")
            attach = f"alter table {table} add constraint {constraint} unique using index"
            rebuilds.append(Rebuild(index, table, ddl, f"{attach} {constraint}"))
        else:
            conn.execute(f"drop index {index}")
            rebuilds.append(Rebuild(index, table, ddl))
    return rebuilds


def _restore(conn: psycopg.Connection, rebuild: list[Rebuild]) -> None:
    """Build the dropped indexes that are not there (all of them after a one-transaction
    load; those a failed parallel step did not build yet), then attach the constraints."""
    for index in rebuild:
        if conn.execute("select to_regclass(%s)", [index.name]).fetchone()[0] is None:
            conn.execute(index.ddl)
    _attach(conn, rebuild)


def _attach(conn: psycopg.Connection, rebuild: list[Rebuild]) -> None:
    """Make the rebuilt unique indexes their constraints again (those not yet)."""
    for index in rebuild:
        if index.attach and not _backs_a_constraint(conn, index.name):
            conn.execute(index.attach)


def _backs_a_constraint(conn: psycopg.Connection, index: str) -> bool:
    query = "select exists (select 1 from pg_constraint where conindid = %s::regclass)"
    return conn.execute(query, [index]).fetchone()[0]


def _count(conn: psycopg.Connection, table: str) -> int:
    return conn.execute(f"select count(*) from {table}").fetchone()[0]


def is_seeded(conn: psycopg.Connection) -> bool:
    return conn.execute("select exists (select 1 from public.users)").fetchone()[0]
