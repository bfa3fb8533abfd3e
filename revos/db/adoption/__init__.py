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

import psycopg

from revos.db import migrations
from revos.db.adoption import steps
from revos.db.adoption.catalog import policy_definitions, public_tables, table_columns
from revos.db.adoption.plan import (
    ARCHIVE,
    DOCUMENTED,
    AdoptionError,
    Options,
    Plan,
    Problem,
)
from revos.db.adoption.staging import stage

__all__ = [
    "ARCHIVE",
    "DOCUMENTED",
    "AdoptionError",
    "Options",
    "Plan",
    "Problem",
    "adopt",
    "check",
    "parse_mappings",
    "state",
    "table_columns",
]


def state(conn: psycopg.Connection) -> str:
    managed = conn.execute("select to_regclass('revos_meta.schema_migrations')").fetchone()[0]
    if managed:
        return "managed"
    tables = public_tables(conn)
    if not tables:
        return "empty"
    columns = table_columns(conn, "public", "leads")
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
            plan.problems.append(steps.unknown_schema(conn))
        return plan
    steps.check_timezone(conn, options.timezone)
    plan.problems += steps.misplaced_extensions(conn)
    if plan.problems:
        return plan
    found = steps.Found.read(conn)
    plan.replaced_policies = policy_definitions(conn, found.tables)
    _step("moving the documented tables aside", steps.move_aside, conn, found.tables)
    applied = _step("applying sql/", migrations.migrate_within, conn)
    present, theirs = found.tables, found.columns
    ours = {t: table_columns(conn, "public", t) for t in present}
    plan.changes += steps.describe(conn, found, ours, applied, options)
    plan.notes += steps.dst_notes(conn, theirs, options.timezone)
    for table in present:
        stage(conn, table, theirs[table], ours[table], options, plan)
    if copy and not plan.problems:
        _step("copying the rows", steps.copy_rows, conn, present, ours)
        _step("checking every row is kept", steps.verify, conn, present, plan)
        steps.record(conn, options, plan)
    return plan


def _step(name: str, action, *args):
    """Run one step; a database error names the step (the transaction then rolls back)."""
    try:
        return action(*args)
    except psycopg.Error as exc:
        raise AdoptionError(f"Adoption stopped while {name}: {exc}") from exc
    except migrations.MigrationError as exc:
        raise AdoptionError(f"Adoption stopped while {name}: {exc}") from exc


def parse_mappings(values: list[str]) -> dict[str, str]:
    """`--map-unknown leads.status=scraped` (repeatable) as {"leads.status": "scraped"}."""
    mappings: dict[str, str] = {}
    for value in values:
        column, sep, target = value.partition("=")
        if not sep or "." not in column or not target:
            raise AdoptionError(f"--map-unknown {value!r}: write it as TABLE.COLUMN=VALUE.")
        mappings[column] = target
    return mappings
