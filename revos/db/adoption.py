"""Adopt an existing RevOS database: the documented tables, their rows, into our schema.

The documented schema (`../shared/seed/data-model.md`) has no owner column on leads and
messages, `timestamp` columns and three simple policies. Adoption, in ONE transaction:

1. moves the documented tables, untouched, with their rows, indexes and policies, from
   `public` into the schema `revos_adopted` (nobody but the service role can read it);
2. applies every migration in `sql/` to the now empty `public` (and records them, so later
   migrations apply normally);
3. stages each table's rows as our schema wants them (owners from campaigns and leads,
   `timestamp` read in --timezone, times the documented schema does not keep derived by the
   rules in DERIVED, unknown values mapped only where --map-unknown says), checks every
   staged row against every constraint of its new table, and sets aside orphans only with
   --set-aside-orphans;
4. if nothing is left in the way, copies the staged rows in, rebuilds the rollups, checks
   that every original row is in `public` or set aside, and writes a report.

`check()` runs the same and rolls back: its plan and problems are exactly what `adopt()`
would meet, and nothing changes. `adopt()` commits only when there is no problem.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from revos.db import migrations

ARCHIVE = "revos_adopted"
# in dependency order: parents first
DOCUMENTED = (
    "users",
    "cartridges",
    "campaigns",
    "leads",
    "messages",
    "lead_magnets",
    "posts",
    "apollo_usage",
    "embeddings",
    "lead_magnet_embeddings",
)
# a lead's owner is its campaign's; a message's, its lead's
OWNERS = {
    "leads": "(select c.user_id from {archive}.campaigns c where c.id = m.campaign_id)",
    "messages": (
        "(select c.user_id from {archive}.leads l join {archive}.campaigns c "
        "on c.id = l.campaign_id where l.id = m.lead_id)"
    ),
}
_EMAIL_SENT = (
    "coalesce((select max({sent_at}) from {archive}.messages x where x.lead_id = m.id "
    "and x.channel = 'email' and x.status = 'sent' and x.sent_at is not null), m.commented_at)"
)
# times our schema keeps and the documented one does not: how each is derived (README)
DERIVED = {
    ("leads", "enriched_at"): (
        "case when m.enrichment_status <> 'pending' then coalesce(m.created_at, m.commented_at) "
        "end",
        "when the lead was created (the documented schema keeps no enrichment time)",
    ),
    ("leads", "dm_delivered_at"): (
        "case when m.dm_status in ('delivered', 'replied') then m.dm_sent_at end",
        "the DM's send time",
    ),
    ("leads", "email_sent_at"): (
        f"case when m.email_status in ('sent', 'opened', 'clicked', 'replied') then "
        f"{_EMAIL_SENT} end",
        "the send time of the lead's latest sent email message, else the comment time",
    ),
    ("leads", "email_opened_at"): (
        f"case when m.email_status in ('opened', 'clicked', 'replied') then {_EMAIL_SENT} end",
        "the email's send time",
    ),
    ("leads", "email_clicked_at"): (
        f"case when m.email_status in ('clicked', 'replied') then {_EMAIL_SENT} end",
        "the email's send time",
    ),
    ("leads", "email_replied_at"): (
        f"case when m.email_status = 'replied' then {_EMAIL_SENT} end",
        "the email's send time",
    ),
    ("messages", "updated_at"): ("m.created_at", "the message's creation time"),
}
_ENUM = re.compile(r"^CHECK \(\((\w+) = ANY \(ARRAY\[(.*)\]\)\)\)$")


class AdoptionError(RuntimeError):
    """Adoption cannot run; the message says which step and why."""


@dataclass(frozen=True)
class Options:
    timezone: str = "UTC"
    map_unknown: dict[str, str] = field(default_factory=dict)  # "leads.status" -> "scraped"
    set_aside_orphans: bool = False


@dataclass
class Problem:
    """Rows that would break a constraint of our schema, and what resolves it."""

    table: str
    constraint: str
    rows: int
    sample: list[str]
    fix: str

    def line(self) -> str:
        ids = ", ".join(self.sample)
        return (
            f"{self.table}: {self.rows:,} row(s) break {self.constraint} (e.g. {ids}). {self.fix}"
        )


@dataclass
class Plan:
    state: str  # "empty", "managed", "documented" or "unknown"
    changes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    set_aside: dict[str, list[str]] = field(default_factory=dict)
    mapped: dict[str, int] = field(default_factory=dict)
    replaced_policies: list[dict[str, Any]] = field(default_factory=list)

    @property
    def safe(self) -> bool:
        return self.state in ("empty", "managed") or (
            self.state == "documented" and not self.problems
        )

    def report(self) -> str:
        lines = [_STATES[self.state]]
        if self.changes:
            lines += ["", "Adoption will:"] + [f"  - {c}" for c in self.changes]
        if self.notes:
            lines += ["", "Notes:"] + [f"  - {n}" for n in self.notes]
        if self.problems:
            lines += ["", "Adoption is refused until these are resolved:"]
            lines += [f"  - {p.line()}" for p in self.problems]
        return "\n".join(lines)


_STATES = {
    "empty": "The database is empty: `revos db migrate` creates the schema.",
    "managed": "The database is already managed by revos: `revos db migrate` applies what is new.",
    "documented": "A RevOS database in the documented schema: it can be adopted.",
    "unknown": "The database has tables in `public` that are not the documented RevOS schema.",
}


def state(conn: psycopg.Connection) -> str:
    managed = conn.execute("select to_regclass('revos_meta.schema_migrations')").fetchone()[0]
    if managed:
        return "managed"
    tables = _public_tables(conn)
    if not tables:
        return "empty"
    columns = _columns(conn, "public", "leads")
    if {"users", "campaigns", "leads"} <= tables and "user_id" not in columns:
        return "documented"
    return "unknown"


def check(conn: psycopg.Connection, options: Options) -> Plan:
    """The plan and the problems, from a dry run that is rolled back: nothing changes."""
    with conn.transaction(force_rollback=True):
        return _run(conn, options)


def adopt(conn: psycopg.Connection, options: Options) -> Plan:
    """Adopt in one transaction; committed only when there is no problem."""
    with conn.transaction() as transaction:
        plan = _run(conn, options, copy=True)
        if not plan.safe:
            raise psycopg.Rollback(transaction)
    return plan


def _run(conn: psycopg.Connection, options: Options, copy: bool = False) -> Plan:
    conn.execute("set local lock_timeout = '10s'")
    plan = Plan(state(conn))
    if plan.state != "documented":
        if plan.state == "unknown":
            plan.problems.append(_unknown_schema(conn))
        return plan
    _check_timezone(conn, options.timezone)
    plan.problems += _misplaced_extensions(conn)
    if plan.problems:
        return plan
    present = [t for t in DOCUMENTED if t in _public_tables(conn)]
    theirs = {t: _columns(conn, "public", t) for t in present}
    policies = _policies(conn, present)
    plan.replaced_policies = _policy_definitions(conn, present)
    before = _public_tables(conn) - set(present)
    _step("moving the documented tables aside", _move_aside, conn, present)
    applied = _step("applying sql/", migrations.migrate_within, conn)
    ours = {t: _columns(conn, "public", t) for t in present}
    plan.changes += _describe(conn, present, theirs, ours, policies, applied, before, options)
    plan.notes += _dst_notes(conn, theirs, options.timezone)
    for table in present:
        _stage(conn, table, theirs[table], ours[table], options, plan)
    if copy and not plan.problems:
        _step("copying the rows", _copy, conn, present, ours)
        _step("checking every row is kept", _verify, conn, present, plan)
        _record(conn, options, plan)
    return plan


def _step(name: str, action, *args):
    """Run one step; a database error names the step (the transaction then rolls back)."""
    try:
        return action(*args)
    except psycopg.Error as exc:
        raise AdoptionError(f"Adoption stopped while {name}: {exc}") from exc
    except migrations.MigrationError as exc:
        raise AdoptionError(f"Adoption stopped while {name}: {exc}") from exc


def _public_tables(conn: psycopg.Connection) -> set[str]:
    rows = conn.execute(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = 'public' and c.relkind in ('r', 'p')"
    )
    return {name for (name,) in rows}


def _columns(conn: psycopg.Connection, schema: str, table: str) -> dict[str, str]:
    """Column name -> type (format_type), in order."""
    rows = conn.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a "
        "where a.attrelid = to_regclass(%s) and a.attnum > 0 and not a.attisdropped "
        "and a.attgenerated = '' order by a.attnum",
        [f"{schema}.{table}"],
    )
    return dict(rows.fetchall())


def _policies(conn: psycopg.Connection, tables: list[str]) -> list[str]:
    rows = conn.execute(
        "select tablename, policyname from pg_policies where schemaname = 'public' "
        "and tablename = any (%s) order by 1, 2",
        [tables],
    )
    return [f'"{name}" on {table}' for table, name in rows]


def _policy_definitions(conn: psycopg.Connection, tables: list[str]) -> list[dict[str, Any]]:
    """Their policies as pg_policies has them, for the report."""
    cursor = conn.execute(
        "select tablename, policyname, cmd, roles::text[], qual, with_check from pg_policies "
        "where schemaname = 'public' and tablename = any (%s) order by 1, 2",
        [tables],
    )
    names = [c.name for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _unknown_schema(conn: psycopg.Connection) -> Problem:
    tables = sorted(_public_tables(conn))
    return Problem(
        "public",
        "the documented schema",
        len(tables),
        tables[:8],
        "Adoption needs at least users, campaigns and leads as documented (leads without "
        "user_id); use an empty database, or restore the documented tables.",
    )


def _misplaced_extensions(conn: psycopg.Connection) -> list[Problem]:
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


def _check_timezone(conn: psycopg.Connection, timezone: str) -> None:
    known = conn.execute(
        "select exists (select 1 from pg_timezone_names where name = %s)", [timezone]
    )
    if not known.fetchone()[0]:
        raise AdoptionError(f"--timezone {timezone!r} is not a time zone Postgres knows.")


def _move_aside(conn: psycopg.Connection, tables: list[str]) -> None:
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


def _describe(conn, present, theirs, ours, policies, applied, before, options) -> list[str]:
    created = sorted(_public_tables(conn) - set(present) - before)
    added = [
        f"{t}.{c}"
        + (
            " (the owner, from " + ("campaigns" if t == "leads" else "leads") + ")"
            if c == "user_id" and t in OWNERS
            else ""
        )
        for t in present
        for c in ours[t]
        if c not in theirs[t]
    ]
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
        f"replace the policies {', '.join(policies)} with ours" if policies else "",
        f"keep only in {ARCHIVE}: {', '.join(kept_aside)}" if kept_aside else "",
        "derive times the documented schema does not keep: "
        + "; ".join(f"{t}.{c} = {why}" for (t, c), (_, why) in DERIVED.items() if t in present),
    ]
    return [line for line in lines if line]


def _dst_notes(conn: psycopg.Connection, theirs: dict, timezone: str) -> list[str]:
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


def _converted(column: str, kind: str, target: str | None, timezone: str) -> sql.Composable:
    value = sql.SQL("src.{}").format(sql.Identifier(column))
    if kind == "timestamp without time zone" and target == "timestamp with time zone":
        return sql.SQL("({} at time zone {})").format(value, sql.Literal(timezone))
    return value


def _allowed(conn: psycopg.Connection, table: str, column: str) -> list[str] | None:
    """The values a column's `= any (array[...])` check allows (our schema is the source)."""
    rows = conn.execute(
        "select pg_get_constraintdef(c.oid) from pg_constraint c "
        "where c.conrelid = to_regclass(%s) and c.contype = 'c'",
        [f"public.{table}"],
    )
    for (definition,) in rows:
        found = _ENUM.match(definition)
        if found and found.group(1) == column:
            return re.findall(r"'([^']*)'::text", found.group(2))
    return None


def _stage(
    conn: psycopg.Connection,
    table: str,
    theirs: dict[str, str],
    ours: dict[str, str],
    options: Options,
    plan: Plan,
) -> None:
    """The table's rows as ours wants them, in a temp table `adopt_<table>`; then every
    constraint is checked on them and the problems go to the plan."""
    mapped = []
    for column, kind in theirs.items():
        if column not in ours:
            continue
        value = _converted(column, kind, ours[column], options.timezone)
        target = options.map_unknown.get(f"{table}.{column}")
        allowed = _allowed(conn, table, column) if target is not None else None
        if allowed is not None:
            value = sql.SQL(
                "case when {v} is null or {v} = any ({a}) then {v} else {t} end"
            ).format(v=value, a=sql.Literal(allowed), t=sql.Literal(target))
            plan.mapped[f"{table}.{column}"] = _count_unknown(conn, table, column, allowed)
        mapped.append(sql.SQL("{} as {}").format(value, sql.Identifier(column)))
    selected = []
    for column in ours:
        if (table, column) in DERIVED and column not in theirs:
            expression = DERIVED[(table, column)][0].format(
                archive=ARCHIVE, sent_at=_sent_at(conn, options.timezone)
            )
        elif column == "user_id" and table in OWNERS and column not in theirs:
            expression = OWNERS[table].format(archive=ARCHIVE)
        elif column in theirs:
            expression = f'm."{column}"'
        else:
            continue
        selected.append(sql.SQL(expression + " as {}").format(sql.Identifier(column)))
    conn.execute(
        sql.SQL(
            "create temp table {staged} on commit drop as "
            "with m as (select {mapped} from {archive}.{table} src) select {selected} from m"
        ).format(
            staged=sql.Identifier(f"adopt_{table}"),
            mapped=sql.SQL(", ").join(mapped),
            archive=sql.Identifier(ARCHIVE),
            table=sql.Identifier(table),
            selected=sql.SQL(", ").join(selected),
        )
    )
    _check_constraints(conn, table, options, plan)


def _sent_at(conn: psycopg.Connection, timezone: str) -> str:
    """The archived messages' sent_at as a point in time (as every staged time is)."""
    kind = _columns(conn, ARCHIVE, "messages").get("sent_at")
    if kind == "timestamp without time zone":
        return f"(x.sent_at at time zone {sql.Literal(timezone).as_string(conn)})"
    return "x.sent_at"


def _count_unknown(conn, table: str, column: str, allowed: list[str]) -> int:
    query = sql.SQL("select count(*) from {}.{} where {c} is not null and not {c} = any (%s)")
    return conn.execute(
        query.format(sql.Identifier(ARCHIVE), sql.Identifier(table), c=sql.Identifier(column)),
        [allowed],
    ).fetchone()[0]


_CONSTRAINTS_SQL = """
select c.conname, c.contype, pg_get_constraintdef(c.oid),
       (select array_agg(a.attname order by k.ord) from unnest(c.conkey) with ordinality k(n, ord)
        join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n),
       c.confrelid::regclass::text,
       (select array_agg(a.attname order by k.ord) from unnest(c.confkey) with ordinality k(n, ord)
        join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n)
from pg_constraint c
where c.conrelid = to_regclass(%s) and c.contype in ('c', 'n', 'u', 'p', 'f')
order by c.contype desc, c.conname
"""


def _check_constraints(conn, table: str, options: Options, plan: Plan) -> None:
    """Every constraint of the new table, on the staged rows. Orphans first (a key without
    its parent, or no owner to be found): they may be set aside; then everything else."""
    staged = sql.Identifier(f"adopt_{table}")
    present = set(_columns(conn, "pg_temp", f"adopt_{table}"))
    constraints = [
        c
        for c in conn.execute(_CONSTRAINTS_SQL, [f"public.{table}"]).fetchall()
        if set(c[3] or []) <= present  # a column left to its default satisfies it
    ]
    keys = {column for c in constraints if c[1] == "f" for column in c[3]}
    orphaned = [c for c in constraints if c[1] == "f" or (c[1] == "n" and c[3][0] in keys)]
    for name, kind, definition, columns, parent, parent_columns in orphaned:
        if kind == "f":
            bad = _orphans(conn, staged, columns, parent, parent_columns)
        else:
            bad = _violations(conn, staged, kind, definition, columns)
        if bad and options.set_aside_orphans:
            _set_aside(conn, table, staged, bad, plan)
        elif bad:
            plan.problems.append(
                Problem(table, f"{name} ({definition})", len(bad), bad[:5], _ORPHAN_FIX)
            )
    checked = {c[0] for c in orphaned}
    for name, kind, definition, columns, _, _ in constraints:
        if name in checked:
            continue
        bad = _violations(conn, staged, kind, definition, columns)
        if bad:
            plan.problems.append(
                Problem(
                    table,
                    f"{name} ({definition})",
                    len(bad),
                    bad[:5],
                    _fix_for(conn, staged, table, definition, columns),
                )
            )


_ORPHAN_FIX = (
    "They have no parent row (or no owner can be found through one). Resolve: add the "
    "missing rows, or --set-aside-orphans keeps them only in revos_adopted, listed in the "
    "report."
)


def _violations(conn, staged, kind: str, definition: str, columns: list[str]) -> list[str]:
    if kind == "c":
        condition = sql.SQL("not coalesce(({}), true)").format(
            sql.SQL(definition.removeprefix("CHECK "))
        )
        query = sql.SQL("select id::text from {} where {} order by 1").format(staged, condition)
    elif kind == "n":
        query = sql.SQL("select coalesce(id::text, '(no id)') from {} where {} is null").format(
            staged, sql.Identifier(columns[0])
        )
    else:  # unique or primary key: every row of a duplicated key
        keys = sql.SQL(", ").join(map(sql.Identifier, columns))
        query = sql.SQL(
            "select id::text from {s} where ({k}) in (select {k} from {s} group by {k} "
            "having count(*) > 1) order by 1"
        ).format(s=staged, k=keys)
    return [row[0] for row in conn.execute(query)]


def _orphans(conn, staged, columns: list[str], parent: str, parent_columns: list[str]) -> list[str]:
    """Rows whose (non-null) key has no parent row: among the staged rows of a documented
    parent (what will be there), else in the parent table itself (e.g. auth.users)."""
    name = parent.removeprefix("public.")
    target = (
        sql.Identifier(f"adopt_{name}")
        if name in DOCUMENTED and _exists(conn, f"pg_temp.adopt_{name}")
        else sql.SQL(parent)
    )
    not_null = sql.SQL(" and ").join(
        sql.SQL("s.{} is not null").format(sql.Identifier(c)) for c in columns
    )
    matched = sql.SQL(" and ").join(
        sql.SQL("p.{} = s.{}").format(sql.Identifier(p), sql.Identifier(c))
        for c, p in zip(columns, parent_columns, strict=True)
    )
    query = sql.SQL(
        "select s.id::text from {s} s where {nn} "
        "and not exists (select 1 from {t} p where {m}) order by 1"
    ).format(s=staged, nn=not_null, t=target, m=matched)
    return [row[0] for row in conn.execute(query)]


def _exists(conn, name: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", [name]).fetchone()[0]


def _set_aside(conn, table: str, staged, ids: list[str], plan: Plan) -> None:
    conn.execute(sql.SQL("delete from {} where id::text = any (%s)").format(staged), [ids])
    plan.set_aside.setdefault(table, []).extend(ids)


def _fix_for(conn, staged, table: str, definition: str, columns: list[str]) -> str:
    """What resolves a violation; for a value outside a list, which values those are."""
    found = _ENUM.match(definition)
    if not found:
        return "Resolve: correct these rows in the database, then run `revos db check` again."
    column = found.group(1)
    allowed = re.findall(r"'([^']*)'::text", found.group(2))
    values = [
        row[0]
        for row in conn.execute(
            sql.SQL("select distinct {c} from {s} where not {c} = any (%s) order by 1").format(
                c=sql.Identifier(column), s=staged
            ),
            [allowed],
        )
    ]
    return (
        f"Their values {values} are not among {allowed}. Resolve: correct these rows, or "
        f"--map-unknown {table}.{column}=VALUE maps every value outside the list to VALUE "
        "(recorded in the report)."
    )


def _copy(conn: psycopg.Connection, tables: list[str], ours: dict[str, dict]) -> None:
    """Staged rows in, with per-row triggers and FK checks off (as pg_restore loads): every
    row was checked above, and check constraints still apply; then the rollups, once."""
    conn.execute("set local session_replication_role = replica")
    for table in tables:
        staged_columns = _columns(conn, "pg_temp", f"adopt_{table}")
        names = sql.SQL(", ").join(map(sql.Identifier, staged_columns))
        conn.execute(
            sql.SQL("insert into public.{} ({}) select {} from {}").format(
                sql.Identifier(table), names, names, sql.Identifier(f"adopt_{table}")
            )
        )
    conn.execute("set local session_replication_role = origin")
    conn.execute("select private.rebuild_rollups()")


def _verify(conn: psycopg.Connection, tables: list[str], plan: Plan) -> None:
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


def _record(conn: psycopg.Connection, options: Options, plan: Plan) -> None:
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


def parse_mappings(values: list[str]) -> dict[str, str]:
    """`--map-unknown leads.status=scraped` (repeatable) as {"leads.status": "scraped"}."""
    mappings: dict[str, Any] = {}
    for value in values:
        column, sep, target = value.partition("=")
        if not sep or "." not in column or not target:
            raise AdoptionError(f"--map-unknown {value!r}: write it as TABLE.COLUMN=VALUE.")
        mappings[column] = target
    return mappings
