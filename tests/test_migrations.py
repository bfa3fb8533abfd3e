"""The migration runner: exactly once, in order, and never over an edited history."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from revos.db import migrations

SCHEMA_FINGERPRINT = """
select md5(string_agg(x, '|' order by x)) from (
  select 'rel:' || n.nspname || '.' || c.relname || ':' || c.relkind::text || ':'
    || c.relrowsecurity::text
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname in ('public', 'private', 'auth', 'extensions')
  union all
  select 'pol:' || schemaname || '.' || tablename || '.' || policyname || ':' || cmd || ':'
    || coalesce(qual, '') || ':' || coalesce(with_check, '')
  from pg_policies
  union all
  select 'fn:' || n.nspname || '.' || p.proname || ':' || md5(p.prosrc)
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname in ('public', 'private', 'auth')
) s (x)
"""


def _fingerprint(conn: psycopg.Connection) -> tuple[str, int]:
    schema = conn.execute(SCHEMA_FINGERPRINT).fetchone()[0]
    applied = conn.execute("select count(*) from revos_meta.schema_migrations").fetchone()[0]
    return schema, applied


def test_applying_twice_changes_nothing(fresh_database: str) -> None:
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        first = migrations.migrate(conn)
        before = _fingerprint(conn)
        second = migrations.migrate(conn)
        after = _fingerprint(conn)
    compat, main = migrations.discover()
    assert first == [m.name for m in compat + main]
    assert second == []
    assert before == after


def test_a_changed_applied_file_is_refused(fresh_database: str, tmp_path: Path) -> None:
    sql_dir = tmp_path / "sql"
    shutil.copytree(migrations.SQL_DIR, sql_dir)
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        migrations.migrate(conn, sql_dir)
        before = _fingerprint(conn)
        target = sql_dir / "0003_cartridges_campaigns_posts_magnets.sql"
        target.write_text(target.read_text() + "\n-- an innocent-looking edit\n")
        (sql_dir / "9999_new.sql").write_text("create table public.should_not_exist (id int);")
        with pytest.raises(migrations.MigrationError, match="changed after it was applied"):
            migrations.migrate(conn, sql_dir)
        assert _fingerprint(conn) == before  # the new file was not applied either


def test_new_migrations_are_applied_in_order(fresh_database: str, tmp_path: Path) -> None:
    sql_dir = tmp_path / "sql"
    shutil.copytree(migrations.SQL_DIR, sql_dir)
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        migrations.migrate(conn, sql_dir)
        (sql_dir / "9998_a.sql").write_text("create table revos_meta.t (n int);")
        (sql_dir / "9999_b.sql").write_text("insert into revos_meta.t values (1);")
        assert migrations.migrate(conn, sql_dir) == ["9998_a.sql", "9999_b.sql"]
        assert conn.execute("select n from revos_meta.t").fetchall() == [(1,)]


def test_a_failing_migration_leaves_nothing_of_itself_applied(fresh_database, tmp_path) -> None:
    sql_dir = tmp_path / "sql"
    shutil.copytree(migrations.SQL_DIR, sql_dir)
    (sql_dir / "9999_broken.sql").write_text("create table revos_meta.x (n int); select 1/0;")
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        with pytest.raises(migrations.MigrationError, match=r"9999_broken\.sql failed"):
            migrations.migrate(conn, sql_dir)
        assert conn.execute("select to_regclass('revos_meta.x')").fetchone()[0] is None
        recorded = {n for (n,) in conn.execute("select name from revos_meta.schema_migrations")}
        assert "9999_broken.sql" not in recorded
        assert {m.name for m in migrations.discover(migrations.SQL_DIR)[1]} <= recorded
        (sql_dir / "9999_broken.sql").write_text("create table revos_meta.x (n int);")
        assert migrations.migrate(conn, sql_dir) == ["9999_broken.sql"]  # fixed, it applies


def test_compat_is_skipped_where_auth_already_exists(fresh_database: str) -> None:
    """On a hosted Supabase project the real auth schema is there: compat must not run."""
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        conn.execute(
            """
            create schema auth;
            create table auth.users (id uuid primary key, email text,
              encrypted_password text, created_at timestamptz default now(),
              supabase_only_column text);
            create function auth.uid() returns uuid language sql stable
              set search_path = 'pg_catalog' as  -- its own setting, to see 0051 leave it
              $$ select (nullif(current_setting('request.jwt.claims', true), '')::jsonb
                 ->> 'sub')::uuid $$;
            """
        )
        applied = migrations.migrate(conn)
        assert not any(name.startswith("compat/") for name in applied)
        # and Supabase's own auth functions were not altered (0051 is for compat's only)
        assert conn.execute(
            "select proconfig from pg_proc where oid = 'auth.uid()'::regprocedure"
        ).fetchone() == (["search_path=pg_catalog"],)
        # the pre-existing (Supabase) auth.users was left alone
        column = conn.execute(
            "select 1 from information_schema.columns where table_schema = 'auth' "
            "and table_name = 'users' and column_name = 'supabase_only_column'"
        ).fetchone()
        assert column is not None


def test_auth_helpers_are_inlined_as_on_supabase(service: psycopg.Connection) -> None:
    """Compat's auth.uid() is Supabase's, without a setting (0051): a policy's
    `(select auth.uid())` reads the claims in place instead of calling a function."""
    plan = service.execute("explain (verbose, costs off) select auth.uid(), auth.jwt()").fetchall()
    output = " ".join(line for (line,) in plan)
    assert "current_setting('request.jwt.claims'" in output, output
    assert "auth.uid()" not in output and "auth.jwt()" not in output, output
    configs = service.execute(
        "select p.proname, p.proconfig from pg_proc p join pg_namespace n "
        "on n.oid = p.pronamespace where n.nspname = 'auth' order by 1"
    ).fetchall()
    assert configs == [("jwt", None), ("role", None), ("uid", None)]


# migrations up to here shipped before squawk joined the checks; every later one is linted
LINTED_AFTER = "0008"


def _squawk() -> str:
    found = Path(sys.executable).with_name("squawk")
    return str(found) if found.exists() else shutil.which("squawk") or "squawk"


def test_new_migrations_pass_squawk() -> None:
    """Locks and rewrites on tables that hold data: squawk, with the repo's .squawk.toml."""
    _, main = migrations.discover(migrations.SQL_DIR)
    new = [str(migrations.SQL_DIR / m.name) for m in main if m.name[:4] > LINTED_AFTER]
    assert new, "expected migrations after 0008"
    result = subprocess.run(
        [_squawk(), *new], cwd=migrations.SQL_DIR.parent, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_squawk_catches_a_locking_migration(tmp_path: Path) -> None:
    bad = tmp_path / "0099_bad.sql"
    bad.write_text("alter table public.leads add constraint x check (length(name) < 9);\n")
    result = subprocess.run(
        [_squawk(), str(bad)], cwd=migrations.SQL_DIR.parent, capture_output=True, text=True
    )
    assert result.returncode != 0 and "constraint-missing-not-valid" in result.stdout


def test_a_no_transaction_file_splits_into_its_statements() -> None:
    text = (
        "-- revos: no-transaction\n-- why\nset lock_timeout = '1s';\n\n"
        "create index concurrently x\n  on t (a);\n"
    )
    assert migrations.statements(text) == [
        "set lock_timeout = '1s';",
        "create index concurrently x\n  on t (a);",
    ]
    with pytest.raises(migrations.MigrationError, match="simple statements"):
        migrations.statements("-- revos: no-transaction\ncreate function f() as $$ x $$;\n")
    with pytest.raises(migrations.MigrationError, match="simple statements"):
        migrations.statements("-- revos: no-transaction\ncreate function f() as $fn$ x $fn$;\n")
    assert migrations.statements("drop index a; -- the old one\ndrop index b;\n") == [
        "drop index a; -- the old one",
        "drop index b;",
    ]
    with pytest.raises(migrations.MigrationError, match="lacks its"):
        migrations.statements("-- revos: no-transaction\ndrop index x\n")


def test_the_search_index_is_built_valid_outside_a_transaction(service) -> None:
    valid = service.execute(
        "select indisvalid from pg_index "
        "where indexrelid = 'public.leads_owner_search_idx'::regclass"
    ).fetchone()
    assert valid == (True,)


def test_leads_pages_are_planned_in_index_order(service) -> None:
    """0023's setting survives later replacements of leads_export (0027 restates it)."""
    config = service.execute(
        "select proconfig from pg_proc where oid = 'public.leads_export(uuid, uuid[], text[], "
        "text[], text[], text[], timestamptz, timestamptz, text, text, boolean, integer, "
        "integer)'::regprocedure"
    ).fetchone()[0]
    assert "enable_bitmapscan=off" in config
