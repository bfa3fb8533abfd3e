"""The schema comes out clean in Supabase's database advisor lints, and the lints can fail."""

from __future__ import annotations

import psycopg
import pytest

from revos.db import migrations
from tests import advisor


@pytest.mark.parametrize("lint", sorted(advisor.LINTS))
def test_schema_is_clean(lint: str, service: psycopg.Connection) -> None:
    assert advisor.run(service, lint) == []


def test_policies_wrap_auth_calls_in_select(service: psycopg.Connection) -> None:
    assert advisor.auth_rls_initplan(service) == []


BAD_SCHEMA = """
create table public.bad_parent (id uuid primary key);
create table public.bad (
  id uuid primary key, owner uuid, parent_id uuid references public.bad_parent (id)
);
alter table public.bad enable row level security;
create index bad_owner_a on public.bad (owner);
create index bad_owner_b on public.bad (owner);
create policy bad_read_1 on public.bad for select to authenticated using (owner = auth.uid());
create policy bad_read_2 on public.bad for select to authenticated using (true);
create policy bad_write on public.bad for insert to authenticated with check (true);
create table public.bad_nokey (n int);
create view public.bad_users as select id, email from auth.users;
create function public.bad_fn() returns int language sql security definer as $$ select 1 $$;
grant execute on function public.bad_fn() to anon, authenticated;
"""

EXPECTED_OFFENDERS = {
    "rls_disabled_in_public": ["public.bad_nokey", "public.bad_parent"],
    "rls_enabled_no_policy": [],
    "policy_exists_rls_disabled": [],
    "security_definer_view": ["public.bad_users"],
    "function_search_path_mutable": ["public.bad_fn"],
    "security_definer_function_exposed": ["public.bad_fn"],
    "auth_users_exposed": ["public.bad_users"],
    "rls_policy_always_true": ["public.bad.bad_write"],
    "extension_in_public": [],
    "no_primary_key": ["public.bad_nokey"],
    "unindexed_foreign_keys": ["bad.bad_parent_id_fkey"],
    "duplicate_index": ["bad_owner_a = bad_owner_b"],
    "multiple_permissive_policies": ["public.bad authenticated SELECT"],
}


def test_lints_report_a_deliberately_bad_schema(fresh_database: str) -> None:
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        migrations.migrate(conn)
        conn.execute(BAD_SCHEMA)
        found = {lint: advisor.run(conn, lint) for lint in advisor.LINTS}
        assert advisor.auth_rls_initplan(conn) == ["public.bad.bad_read_1"]
    assert found == EXPECTED_OFFENDERS
