"""Reading the live schema: tables, columns and policies, as adoption needs them."""

from __future__ import annotations

from typing import Any

import psycopg


def public_tables(conn: psycopg.Connection) -> set[str]:
    rows = conn.execute(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = 'public' and c.relkind in ('r', 'p')"
    )
    return {name for (name,) in rows}


def table_columns(conn: psycopg.Connection, schema: str, table: str) -> dict[str, str]:
    """Column name -> type (format_type), in order."""
    rows = conn.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a "
        "where a.attrelid = to_regclass(%s) and a.attnum > 0 and not a.attisdropped "
        "and a.attgenerated = '' order by a.attnum",
        [f"{schema}.{table}"],
    )
    return dict(rows.fetchall())


def policies(conn: psycopg.Connection, tables: list[str]) -> list[str]:
    rows = conn.execute(
        "select tablename, policyname from pg_policies where schemaname = 'public' "
        "and tablename = any (%s) order by 1, 2",
        [tables],
    )
    return [f'"{name}" on {table}' for table, name in rows]


def policy_definitions(conn: psycopg.Connection, tables: list[str]) -> list[dict[str, Any]]:
    """Their policies as pg_policies has them, for the report."""
    cursor = conn.execute(
        "select tablename, policyname, cmd, roles::text[], qual, with_check from pg_policies "
        "where schemaname = 'public' and tablename = any (%s) order by 1, 2",
        [tables],
    )
    names = [c.name for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
