"""Adopting a RevOS database in the documented schema, on the embedded Postgres.

One documented database per module (tests/documented_revos.py: a few thousand rows and the
awkward cases). `check` must name exactly its problems and change nothing; `migrate` must
refuse until the documented flags resolve them; then the adopted database must keep every
row, show each client exactly their own, give the page functions the numbers the original
rows give, pass the advisor lints, and adopting again must do nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd
import psycopg
import pytest

from revos.db import adoption, migrations, user_admin
from revos.gateway import Gateway, UserSession
from revos.gateway.postgres import PostgresBackend
from tests import advisor
from tests.documented_revos import TABLES, documented_database, fingerprints
from tests.support import as_user

FLAGS = adoption.Options(
    timezone="Europe/London",
    map_unknown={"leads.status": "scraped"},
    set_aside_orphans=True,
)
ORPHAN = "00000000-0000-4000-8000-00000000beef"


@dataclass
class Adopted:
    url: str
    gateway_url: str
    original: dict[str, tuple[int, str]]
    refused: adoption.Plan
    plan: adoption.Plan


@pytest.fixture(scope="module")
def adopted(server) -> Iterator[Adopted]:
    with documented_database(server) as url:
        original = fingerprints(url)
        with psycopg.connect(url, autocommit=True) as conn:
            refused = adoption.adopt(conn, adoption.Options(timezone="Europe/London"))
            assert fingerprints(url) == original  # refused: nothing changed
            plan = adoption.adopt(conn, FLAGS)
        name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
        yield Adopted(url, server.url(database=name, user="authenticator"), original, refused, plan)


def _problems(plan: adoption.Plan) -> set[tuple[str, str, int]]:
    return {(p.table, p.constraint.split(" ")[0], p.rows) for p in plan.problems}


def test_check_names_exactly_the_problems_and_changes_nothing(server) -> None:
    with documented_database(server) as url:
        before = fingerprints(url)
        with psycopg.connect(url, autocommit=True) as conn:
            plan = adoption.check(conn, adoption.Options(timezone="Europe/London"))
            assert adoption.state(conn) == "documented"
        assert fingerprints(url) == before
    assert not plan.safe
    assert _problems(plan) == {
        ("leads", "leads_status_check", 1),
        ("messages", "messages_user_id_not_null", 1),
    }
    status = next(p for p in plan.problems if p.table == "leads")
    assert "['archived']" in status.fix and "--map-unknown leads.status=VALUE" in status.fix
    orphan = next(p for p in plan.problems if p.table == "messages")
    assert orphan.sample == [ORPHAN] and "--set-aside-orphans" in orphan.fix
    # the DST cases are named, with how they are read
    assert any(n.startswith("leads.commented_at: 2 local time(s)") for n in plan.notes)
    report = plan.report()
    for words in (
        "timestamp columns as Europe/London",
        "leads.user_id (the owner, from campaigns)",
        '"Users see own leads" on leads',
        "revos_adopted",
    ):
        assert words in report


def test_the_flags_resolve_the_problems_in_the_check(server) -> None:
    with documented_database(server) as url, psycopg.connect(url, autocommit=True) as conn:
        plan = adoption.check(conn, FLAGS)
    assert plan.safe and plan.problems == []
    assert plan.set_aside == {"messages": [ORPHAN]} and plan.mapped == {"leads.status": 1}


def test_migrate_refuses_first_then_adopts_keeping_every_row(adopted: Adopted) -> None:
    assert _problems(adopted.refused) == {
        ("leads", "leads_status_check", 1),
        ("messages", "messages_user_id_not_null", 1),
    }
    assert adopted.plan.safe
    # the original tables, row for row, as they were
    assert fingerprints(adopted.url, adoption.ARCHIVE) == adopted.original
    adopted_counts = {t: c for t, (c, _) in fingerprints(adopted.url).items()}
    expected = {t: c - (1 if t == "messages" else 0) for t, (c, _) in adopted.original.items()}
    assert adopted_counts == expected
    with psycopg.connect(adopted.url) as conn:
        report = conn.execute("select report from revos_meta.adoption_report").fetchone()[0]
        assert report["set_aside"] == {"messages": [ORPHAN]}
        assert report["mapped"] == {"leads.status": 1}
        assert conn.execute(
            "select status from public.leads where id = (select id from revos_adopted.leads "
            "where status = 'archived')"
        ).fetchone() == ("scraped",)
        # a DST time read in Europe/London: 01:30 on 29 March did not exist; read an hour on
        assert conn.execute(
            "select min(commented_at) at time zone 'UTC' from public.leads "
            "where commented_at::date = '2026-03-29'"
        ).fetchone()[0] == dt.datetime(2026, 3, 29, 1, 30)


def test_content_is_carried_over_value_for_value(adopted: Adopted) -> None:
    """Every shared column of every adopted row equals the original (times converted)."""
    with psycopg.connect(adopted.url) as conn:
        for table in TABLES:
            shared = [
                c
                for c in adoption.table_columns(conn, adoption.ARCHIVE, table)
                if c in adoption.table_columns(conn, "public", table) and c != "status"
            ]
            kinds = adoption.table_columns(conn, adoption.ARCHIVE, table)
            columns = ", ".join(
                f"(o.{c} at time zone 'Europe/London')::text"
                if kinds[c] == "timestamp without time zone"
                else f"o.{c}::text"
                for c in shared
            )
            differ = conn.execute(
                f"select count(*) from revos_adopted.{table} o join public.{table} n "
                f"on n.id = o.id where row({columns}) is distinct from "
                f"row({', '.join('n.' + c + '::text' for c in shared)})"
            ).fetchone()[0]
            assert differ == 0, table


def test_each_client_sees_exactly_their_own_rows(adopted: Adopted) -> None:
    with psycopg.connect(adopted.url) as conn:
        owners = conn.execute(
            "select c.user_id::text, count(l.id) from revos_adopted.campaigns c "
            "join revos_adopted.leads l on l.campaign_id = c.id group by 1"
        ).fetchall()
        admin = conn.execute("select id::text from public.users where role = 'super_admin'")
        admin_id = admin.fetchone()[0]
    assert len(owners) == 3
    for owner, leads in owners:
        with as_user(adopted.url, owner) as conn:
            assert conn.execute("select count(*) from public.leads").fetchone()[0] == leads
            assert (
                conn.execute(
                    "select count(*) from public.messages where user_id <> %s", [owner]
                ).fetchone()[0]
                == 0
            )
            assert (
                conn.execute("select count(distinct user_id) from public.campaigns").fetchone()[0]
                == 1
            )
    with as_user(adopted.url, admin_id) as conn:
        total = conn.execute("select count(*) from public.leads").fetchone()[0]
    assert total == sum(n for _, n in owners)


def test_the_funnel_equals_the_original_rows(adopted: Adopted, runtime) -> None:
    with psycopg.connect(adopted.url) as conn:
        original = pd.DataFrame(
            conn.execute(
                "select c.user_id::text as owner, l.campaign_id::text as campaign_id, "
                "l.enrichment_status, l.dm_status, l.email_status from revos_adopted.leads l "
                "join revos_adopted.campaigns c on c.id = l.campaign_id"
            ).fetchall(),
            columns=["owner", "campaign_id", "enrichment_status", "dm_status", "email_status"],
        )
    backend = PostgresBackend(adopted.gateway_url, runtime.jwt_secret).open()
    try:
        for owner, leads in original.groupby("owner"):
            gateway = Gateway(backend, UserSession(owner, "x", "client", None), runtime.jwt_secret)
            funnel = {
                r["campaign_id"]: r
                for r in gateway.call(
                    "campaign_funnel",
                    p_from=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                    p_to=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
                )
            }
            for campaign, rows in leads.groupby("campaign_id"):
                sent = rows.email_status.isin(["sent", "opened", "clicked", "replied"])
                assert {
                    k: funnel[campaign][k]
                    for k in (
                        "commented",
                        "enriched",
                        "dm_sent",
                        "dm_replied",
                        "email_sent",
                        "email_replied",
                    )
                } == {
                    "commented": len(rows),
                    "enriched": rows.enrichment_status.isin(["enriched", "partial"]).sum(),
                    "dm_sent": (rows.dm_status != "pending").sum(),
                    "dm_replied": (rows.dm_status == "replied").sum(),
                    "email_sent": sent.sum(),
                    "email_replied": (rows.email_status == "replied").sum(),
                }
    finally:
        backend.close()


@pytest.mark.parametrize("lint", sorted(advisor.LINTS))
def test_the_adopted_database_passes_the_advisor(adopted: Adopted, lint: str) -> None:
    with psycopg.connect(adopted.url) as conn:
        assert advisor.run(conn, lint) == []
        assert advisor.auth_rls_initplan(conn) == []


def test_adopting_again_does_nothing(adopted: Adopted) -> None:
    before = fingerprints(adopted.url)
    with psycopg.connect(adopted.url, autocommit=True) as conn:
        assert adoption.state(conn) == "managed"
        assert adoption.check(conn, FLAGS).safe
        assert migrations.migrate(conn) == []
    assert fingerprints(adopted.url) == before


def test_reviewers_are_added_with_the_cli_functions(adopted: Adopted) -> None:
    with psycopg.connect(adopted.url, autocommit=True) as conn:
        added = user_admin.add(conn, "Reviewer@Agency.example", "reviewer", password="s3cret-pass")
        assert added.created_account and added.password is None
        assert user_admin.assign_reviewer(conn, "reviewer@agency.example", "client1@agency.example")
        assert not user_admin.assign_reviewer(
            conn, "reviewer@agency.example", "client1@agency.example"
        )
        with pytest.raises(user_admin.UserAdminError, match="is a client, not a reviewer"):
            user_admin.assign_reviewer(conn, "client2@agency.example", "client1@agency.example")
        reviewer, client = (
            conn.execute("select id::text from public.users where email = %s", [e]).fetchone()[0]
            for e in ("reviewer@agency.example", "client1@agency.example")
        )
    with as_user(adopted.url, reviewer) as conn:
        owners = {r[0] for r in conn.execute("select distinct user_id::text from public.leads")}
    assert owners == {client}


def test_the_cli_checks_and_adopts(server, tmp_path) -> None:
    with documented_database(server) as url:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "GATEWAY_DATABASE_URL": url.replace("user=postgres", "user=authenticator"),
            "SUPABASE_JWT_SECRET": "x" * 40,
            "COOKIE_KEY": "y" * 40,
            "REVOS_DATA_DIR": str(tmp_path),
        }
        env.pop("SUPABASE_URL", None)

        def revos(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "revos", *args],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )

        checked = revos("db", "check", "--timezone", "Europe/London")
        assert checked.returncode == 1 and "Adoption is refused" in checked.stdout
        refused = revos("db", "migrate")
        assert refused.returncode == 1 and "Nothing was changed." in refused.stdout
        flags = [
            "--timezone",
            "Europe/London",
            "--map-unknown",
            "leads.status=scraped",
            "--set-aside-orphans",
        ]
        assert revos("db", "check", *flags).returncode == 0
        done = revos("db", "migrate", *flags)
        assert done.returncode == 0, done.stderr
        assert "Adopted." in done.stdout
        again = revos("db", "migrate", *flags)
        assert again.returncode == 0 and "Schema is up to date." in again.stdout
        added = revos("users", "add", "rita@agency.example", "--role", "reviewer")
        assert added.returncode == 0 and "Password (shown once): " in added.stdout
        assigned = revos(
            "users", "assign-reviewer", "rita@agency.example", "client2@agency.example"
        )
        assert assigned.stdout.strip() == "rita@agency.example now reviews client2@agency.example."
        zoned = revos("users", "time-zone", "client2@agency.example", "America/Chicago")
        assert zoned.returncode == 0, zoned.stderr
        listed = revos("users", "list").stdout
        assert "rita@agency.example" in listed and "client2@agency.example" in listed
        assert "America/Chicago" in listed
        unknown = revos("users", "time-zone", "client2@agency.example", "Mars/Base")
        assert unknown.returncode == 2 and "Unknown time zone 'Mars/Base'" in unknown.stderr
        wrong = revos(
            "users", "assign-reviewer", "client1@agency.example", "client2@agency.example"
        )
        assert wrong.returncode == 2 and "is a client, not a reviewer" in wrong.stderr


def test_a_failing_step_is_named_and_leaves_everything_as_it_was(server) -> None:
    """Something of theirs in the way of a migration (here: a function of ours, already
    there): the error names the step, and their tables are where and as they were."""
    with documented_database(server) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("create schema private")
            conn.execute(
                "create function private.touch_updated_at() returns trigger language plpgsql "
                "as $$ begin return new; end $$"
            )
        before = fingerprints(url)
        with psycopg.connect(url, autocommit=True) as conn:
            with pytest.raises(adoption.AdoptionError, match=r"while applying sql/: .*0001"):
                adoption.adopt(conn, FLAGS)
            assert adoption.state(conn) == "documented"
            assert conn.execute("select to_regnamespace('revos_adopted')").fetchone()[0] is None
        assert fingerprints(url) == before
