"""The steps around staging: checks before, moving aside, describing the plan, copying,
verifying and recording."""

from __future__ import annotations

import json
from dataclasses import dataclass

import psycopg
from psycopg import sql

from revos.db.adoption.catalog import policies, public_tables, table_columns
from revos.db.adoption.plan import ARCHIVE, DOCUMENTED, AdoptionError, Options, Plan, Problem
from revos.db.adoption.staging import DERIVED, OWNERS


def unknown_schema(conn: psycopg.Connection) -> Problem:
    tables = sorted(public_tables(conn))
    return Problem(
        "public",
        "the documented schema",
        len(tables),
        tables[:8],
        "Adoption needs at least users, campaigns and leads as documented (leads without "
        "user_id); use an empty database, or restore the documented tables.",
    )


def misplaced_extensions(conn: psycopg.Connection) -> list[Problem]:
    """Our migrations use vector and trigram types from the `extensions` schema (Supabase's
    place for them); one installed elsewhere must be moved there first."""
    rows = conn.execute(
        "select e.extname, n.nspname from pg_extension e "
        "join pg_namespace n on n.oid = e.extnamespace "
        "where e.extname in ('vector', 'pg_trgm', 'btree_gin') and n.nspname <> 'extensions'"
    ).fetchall()
    return [
        Problem(
            f"extension {name}",
            f"installed in {schema}",
            1,
            [name],
            f"Resolve: `alter extension {name} set schema extensions;` (its columns keep "
            "working), then run `revos db check` again.",
        )
        for name, schema in rows
    ]


def check_timezone(conn: psycopg.Connection, timezone: str) -> None:
    known = conn.execute(
        "select exists (select 1 from pg_timezone_names where name = %s)", [timezone]
    )
    if not known.fetchone()[0]:
        raise AdoptionError(f"--timezone {timezone!r} is not a time zone Postgres knows.")


def move_aside(conn: psycopg.Connection, tables: list[str]) -> None:
    conn.execute(sql.SQL("create schema {}").format(sql.Identifier(ARCHIVE)))
    conn.execute(
        sql.SQL("revoke all on schema {} from public, anon, authenticated").format(
            sql.Identifier(ARCHIVE)
        )
    )
    for table in tables:
        conn.execute(
            sql.SQL("alter table public.{} set schema {}").format(
                sql.Identifier(table), sql.Identifier(ARCHIVE)
            )
        )
    # their policies now guard tables nobody reaches through the API; ours replace them
    # (their definitions are in the report; the advisor would flag them: auth.uid() per row)
    for table, name in conn.execute(
        "select tablename, policyname from pg_policies where schemaname = %s", [ARCHIVE]
    ).fetchall():
        conn.execute(
            sql.SQL("drop policy {} on {}.{}").format(
                sql.Identifier(name), sql.Identifier(ARCHIVE), sql.Identifier(table)
            )
        )


@dataclass(frozen=True)
class Found:
    """The documented database as adoption found it, before touching anything."""

    tables: list[str]  # the documented tables present, parents first
    columns: dict[str, dict[str, str]]  # their columns and types
    policies: list[str]  # their policies, named
    others: set[str]  # the other tables in public (left alone)

    @classmethod
    def read(cls, conn: psycopg.Connection) -> Found:
        public = public_tables(conn)
        tables = [t for t in DOCUMENTED if t in public]
        return cls(
            tables,
            {t: table_columns(conn, "public", t) for t in tables},
            policies(conn, tables),
            public - set(tables),
        )


def describe(conn, found: Found, ours: dict, applied: list[str], options: Options) -> list[str]:
    """The plan in sentences: what moves, what is created, added, converted and derived."""
    theirs, present = found.columns, found.tables
    created = sorted(public_tables(conn) - set(present) - found.others)
    added = [_added(t, c) for t in present for c in ours[t] if c not in theirs[t]]
    converted = [
        f"{t}.{c}"
        for t in present
        for c, kind in theirs[t].items()
        if kind == "timestamp without time zone" and ours[t].get(c) == "timestamp with time zone"
    ]
    kept_aside = [f"{t}.{c}" for t in present for c in theirs[t] if c not in ours[t]]
    lines = [
        f"move {', '.join(present)} as they are to the schema {ARCHIVE} (kept; only the "
        "service role can read it)",
        f"apply {len(applied)} migrations of sql/, creating {', '.join(created)}",
        f"add columns: {', '.join(added)}" if added else "add no columns",
        f"read {len(converted)} timestamp columns as {options.timezone}: {', '.join(converted)}"
        if converted
        else "convert no timestamps",
        f"replace the policies {', '.join(found.policies)} with ours" if found.policies else "",
        f"keep only in {ARCHIVE}: {', '.join(kept_aside)}" if kept_aside else "",
        "derive times the documented schema does not keep: "
        + "; ".join(f"{t}.{c} = {why}" for (t, c), (_, why) in DERIVED.items() if t in present),
    ]
    return [line for line in lines if line]


def _added(table: str, column: str) -> str:
    if column == "user_id" and table in OWNERS:
        return f"{table}.user_id (the owner, from {'campaigns' if table == 'leads' else 'leads'})"
    return f"{table}.{column}"


def dst_notes(conn: psycopg.Connection, theirs: dict, timezone: str) -> list[str]:
    """Local times a DST change makes ambiguous or nonexistent: read as Postgres reads them."""
    notes = []
    for table, columns in theirs.items():
        for column, kind in columns.items():
            if kind != "timestamp without time zone":
                continue
            query = sql.SQL(
                "select count(*) from {}.{} where {c} is not null and ("
                "({c} at time zone %(tz)s) at time zone %(tz)s <> {c} "
                "or ((({c} at time zone %(tz)s) - interval '1 hour') at time zone %(tz)s) = {c} "
                "or ((({c} at time zone %(tz)s) + interval '1 hour') at time zone %(tz)s) = {c})"
            ).format(sql.Identifier(ARCHIVE), sql.Identifier(table), c=sql.Identifier(column))
            count = conn.execute(query, {"tz": timezone}).fetchone()[0]
            if count:
                notes.append(
                    f"{table}.{column}: {count} local time(s) fall in a DST change of "
                    f"{timezone} (ambiguous or skipped); Postgres reads a skipped time as "
                    "an hour later and an ambiguous one as standard time"
                )
    return notes


def copy_rows(conn: psycopg.Connection, tables: list[str], ours: dict[str, dict]) -> None:
    """Staged rows in, with per-row triggers and FK checks off (as pg_restore loads): every
    row was checked above, and check constraints still apply; then the rollups, once."""
    conn.execute("set local session_replication_role = replica")
    for table in tables:
        staged_columns = table_columns(conn, "pg_temp", f"adopt_{table}")
        names = sql.SQL(", ").join(map(sql.Identifier, staged_columns))
        conn.execute(
            sql.SQL("insert into public.{} ({}) select {} from {}").format(
                sql.Identifier(table), names, names, sql.Identifier(f"adopt_{table}")
            )
        )
    conn.execute("set local session_replication_role = origin")
    conn.execute("select private.rebuild_rollups()")


def verify(conn: psycopg.Connection, tables: list[str], plan: Plan) -> None:
    """Every original row is in public (same id) or was set aside, and nothing else is."""
    for table in tables:
        query = sql.SQL(
            "select (select count(*) from {a}.{t}), (select count(*) from public.{t}), "
            "(select count(*) from {a}.{t} o where not exists "
            "(select 1 from public.{t} n where n.id = o.id))"
        ).format(a=sql.Identifier(ARCHIVE), t=sql.Identifier(table))
        original, adopted, missing = conn.execute(query).fetchone()
        aside = len(plan.set_aside.get(table, []))
        if missing != aside or adopted + aside != original:
            raise AdoptionError(
                f"Adoption stopped while checking every row is kept: {table} had {original} "
                f"rows, {adopted} are in public and {aside} set aside."
            )


def record(conn: psycopg.Connection, options: Options, plan: Plan) -> None:
    conn.execute(
        "create table if not exists revos_meta.adoption_report ("
        "adopted_at timestamptz not null default now(), options jsonb not null, "
        "report jsonb not null)"
    )
    report = {
        "changes": plan.changes,
        "notes": plan.notes,
        "mapped": plan.mapped,
        "set_aside": plan.set_aside,
        "replaced_policies": plan.replaced_policies,
    }
    conn.execute(
        "insert into revos_meta.adoption_report (options, report) values (%s, %s)",
        [
            json.dumps(
                {
                    "timezone": options.timezone,
                    "map_unknown": options.map_unknown,
                    "set_aside_orphans": options.set_aside_orphans,
                }
            ),
            json.dumps(report),
        ],
    )
