"""Rows as our schema wants them: staged in temp tables, then checked against every
constraint of their new table (orphans first: they may be set aside)."""

from __future__ import annotations

import re

import psycopg
from psycopg import sql

from revos.db.adoption.catalog import table_columns
from revos.db.adoption.plan import ARCHIVE, DOCUMENTED, Options, Plan, Problem

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


def stage(
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
    kind = table_columns(conn, ARCHIVE, "messages").get("sent_at")
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
    present = set(table_columns(conn, "pg_temp", f"adopt_{table}"))
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
