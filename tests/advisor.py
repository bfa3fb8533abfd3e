"""Supabase database advisor lints, as catalog queries (security and performance).

Each query returns one row per offending object; an empty result is a clean lint. They
follow the published lint definitions (RLS, initplan-wrapped auth calls, indexed foreign
keys, one permissive policy per role and action, ...), written here from the catalog.
"""

from __future__ import annotations

import re

import psycopg

EXPOSED = "('public')"

LINTS: dict[str, str] = {
    "rls_disabled_in_public": f"""
        select n.nspname || '.' || c.relname from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname in {EXPOSED} and c.relkind in ('r', 'p') and not c.relrowsecurity
    """,
    "rls_enabled_no_policy": f"""
        select n.nspname || '.' || c.relname from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname in {EXPOSED} and c.relkind in ('r', 'p') and c.relrowsecurity
          and not exists (select 1 from pg_policy p where p.polrelid = c.oid)
    """,
    "policy_exists_rls_disabled": """
        select distinct p.schemaname || '.' || p.tablename from pg_policies p
        join pg_class c on c.relname = p.tablename
        join pg_namespace n on n.oid = c.relnamespace and n.nspname = p.schemaname
        where not c.relrowsecurity
    """,
    "security_definer_view": f"""
        select n.nspname || '.' || c.relname from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname in {EXPOSED} and c.relkind in ('v', 'm')
          and not coalesce('security_invoker=true' = any (c.reloptions), false)
    """,
    # as published, not for Supabase's own schemas: `auth` is theirs (plain Postgres: compat,
    # defined as Supabase defines it, sql/0051)
    "function_search_path_mutable": """
        select n.nspname || '.' || p.proname from pg_proc p
        join pg_namespace n on n.oid = p.pronamespace
        where n.nspname not in ('pg_catalog', 'information_schema', 'extensions', 'pg_toast',
                                'auth')
          and n.nspname not like 'pg_temp%' and n.nspname not like 'pg_toast_temp%'
          and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
          and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) c
                          where c like 'search_path=%')
    """,
    "security_definer_function_exposed": f"""
        select n.nspname || '.' || p.proname from pg_proc p
        join pg_namespace n on n.oid = p.pronamespace
        where n.nspname in {EXPOSED} and p.prosecdef
          and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
          and (has_function_privilege('anon', p.oid, 'execute')
               or has_function_privilege('authenticated', p.oid, 'execute'))
    """,
    "auth_users_exposed": f"""
        select distinct n.nspname || '.' || v.relname from pg_depend d
        join pg_rewrite r on r.oid = d.objid
        join pg_class v on v.oid = r.ev_class
        join pg_namespace n on n.oid = v.relnamespace
        where d.refobjid = 'auth.users'::regclass and n.nspname in {EXPOSED}
          and v.oid <> 'auth.users'::regclass
    """,
    "rls_policy_always_true": """
        select schemaname || '.' || tablename || '.' || policyname from pg_policies
        where permissive = 'PERMISSIVE' and cmd in ('INSERT', 'UPDATE', 'DELETE', 'ALL')
          and (btrim(coalesce(qual, ''), '() ') = 'true'
               or btrim(coalesce(with_check, ''), '() ') = 'true')
    """,
    "extension_in_public": """
        select e.extname from pg_extension e join pg_namespace n on n.oid = e.extnamespace
        where n.nspname = 'public'
    """,
    "no_primary_key": f"""
        select n.nspname || '.' || c.relname from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname in {EXPOSED} and c.relkind in ('r', 'p')
          and not exists (select 1 from pg_constraint k where k.conrelid = c.oid
                          and k.contype = 'p')
    """,
    "unindexed_foreign_keys": """
        select k.conrelid::regclass::text || '.' || k.conname from pg_constraint k
        join pg_class c on c.oid = k.conrelid
        join pg_namespace n on n.oid = c.relnamespace
        where k.contype = 'f' and n.nspname in ('public', 'private')
          and not exists (
            select 1 from pg_index i
            where i.indrelid = k.conrelid
              and (select array_agg(x order by x)
                   from unnest((i.indkey::int2[])[0:cardinality(k.conkey) - 1]) x)
                = (select array_agg(x order by x) from unnest(k.conkey) x)
          )
    """,
    "duplicate_index": """
        select string_agg(i.indexrelid::regclass::text, ' = ') from pg_index i
        join pg_class c on c.oid = i.indrelid
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname in ('public', 'private')
        group by i.indrelid, i.indkey::text, i.indclass::text,
                 coalesce(pg_get_expr(i.indexprs, i.indrelid), ''),
                 coalesce(pg_get_expr(i.indpred, i.indrelid), '')
        having count(*) > 1
    """,
    "multiple_permissive_policies": """
        select p.schemaname || '.' || p.tablename || ' ' || r.role || ' ' || a.action
        from pg_policies p
        cross join lateral unnest(p.roles) as r (role)
        cross join lateral unnest(case when p.cmd = 'ALL'
          then array['SELECT', 'INSERT', 'UPDATE', 'DELETE'] else array[p.cmd] end) as a (action)
        where p.permissive = 'PERMISSIVE'
        group by p.schemaname, p.tablename, r.role, a.action
        having count(*) > 1
    """,
}

# auth.*() and private helper calls must run once per statement: wrapped in a scalar subquery
_UNWRAPPED_CALL = re.compile(r"(?<!SELECT )\b(auth|private)\.\w+\(\)|current_setting\(")


def run(conn: psycopg.Connection, lint: str) -> list[str]:
    return sorted(str(row[0]) for row in conn.execute(LINTS[lint]))


def auth_rls_initplan(conn: psycopg.Connection) -> list[str]:
    offenders = []
    for schema, table, policy, qual, check in conn.execute(
        "select schemaname, tablename, policyname, qual, with_check from pg_policies"
    ):
        text = f"{qual or ''} {check or ''}"
        if _UNWRAPPED_CALL.search(text):
            offenders.append(f"{schema}.{table}.{policy}")
    return sorted(offenders)
