"""Demo data: deterministic for a seed, believable, and internally consistent."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path

import psycopg
import pytest

from revos.db import embedded, migrations, seed

ANCHOR = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)

FINGERPRINT = """
select md5(string_agg(l::text, ',' order by l.id)) from public.leads l
"""


def _seeded(url: str, plan: seed.SeedPlan) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        migrations.migrate(conn)
        seed.seed(conn, plan)
        return conn.execute(FINGERPRINT).fetchone()[0]


def test_same_seed_same_data_other_seed_other_data(fresh_database: str) -> None:
    plan = seed.SeedPlan(clients=3, leads_min=200, leads_max=400, seed=7, anchor=ANCHOR)
    first = _seeded(fresh_database, plan)
    again = _seeded(fresh_database, plan)  # seeding replaces everything
    other = _seeded(fresh_database, seed.SeedPlan(3, 200, 400, seed=8, anchor=ANCHOR))
    assert first == again
    assert first != other


# everything a seed leaves (the bulk tables' ids are derived, not random: all of it)
SNAPSHOT = {
    "leads": FINGERPRINT,
    "messages": "select md5(string_agg(m::text, ',' order by m.id)) from public.messages m",
    "audit": "select md5(string_agg(a::text, ',' order by a.id)) from public.review_audit a",
    "downloads": "select md5(string_agg(d::text, ',' order by d.id)) "
    "from public.lead_magnet_downloads d",
    "attempts": "select md5(string_agg(a::text, ',' order by a.id)) from public.apollo_usage a",
    "posts": "select md5(string_agg(p::text, ',' order by p.id)) from public.posts p",
    "rollup": "select md5(string_agg(s::text, ',' order by s.user_id, s.day, s.campaign_id)) "
    "from public.lead_daily_stats s",
    "totals": "select md5(string_agg(t::text, ',' order by t.user_id)) "
    "from public.lead_owner_totals t",
    "drafts": "select md5(string_agg(d::text, ',' order by d.user_id)) "
    "from public.lead_owner_drafts d",
    "downloads by day": "select md5(string_agg(s::text, ',' "
    "order by s.user_id, s.day, s.lead_magnet_id)) from public.lead_magnet_daily_stats s",
    "credits": "select md5(string_agg(a::text, ',' order by a.user_id, a.day)) "
    "from public.apollo_daily_usage a",
    "magnets": "select md5(string_agg(m.id || ':' || m.download_count || ':' "
    "|| coalesce(m.conversion_rate, -1), ',' order by m.id)) from public.lead_magnets m",
    "flags": "select count(*) filter (where lead_replied) from public.lead_magnet_downloads",
    "rows": "select (select count(*) from public.messages) || '/' || "
    "(select count(*) from public.posts) || '/' || (select count(*) from public.apollo_usage) "
    "|| '/' || (select count(*) from public.review_audit) || '/' || "
    "(select count(*) from public.lead_magnet_downloads) || '/' || "
    "(select count(*) from public.embeddings)",
    "indexes": "select string_agg(indexdef, ',' order by indexname) from pg_indexes "
    "where schemaname = 'public'",
    "constraints": "select string_agg(conname || ' ' || pg_get_constraintdef(oid), ',' "
    "order by conname) from pg_constraint where connamespace = 'public'::regnamespace",
}


def _snapshot(conn: psycopg.Connection) -> dict[str, str]:
    return {name: conn.execute(query).fetchone()[0] for name, query in SNAPSHOT.items()}


def test_several_connections_seed_the_same_data_as_one(fresh_database: str) -> None:
    """A large plan is written by several connections at once (each its share of the
    tenants, then the later sections beside the index builds): the result must not differ
    from the one transaction's."""
    plan = seed.SeedPlan(clients=5, leads_min=150, leads_max=300, seed=9, anchor=ANCHOR)
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        migrations.migrate(conn)
        seed.seed(conn, plan, workers=1)
        alone = _snapshot(conn)
        report = seed.seed(conn, plan, workers=3)
        assert _snapshot(conn) == alone
        assert report.rows == seed.seed(conn, plan, workers=1).rows


def test_a_failing_parallel_seed_leaves_no_half_tenant(
    fresh_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = seed.SeedPlan(clients=4, leads_min=100, leads_max=100, seed=9, anchor=ANCHOR)
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        migrations.migrate(conn)
        before = _snapshot(conn)
        calls = []
        write_share = seed._tenants

        def write_then_fail(conn, plan, share) -> None:
            write_share(conn, plan, share)
            calls.append(share)
            if len(calls) == 2:  # the second tenant share fails after writing its rows
                raise RuntimeError("the disk is full")

        monkeypatch.setattr(seed, "_tenants", write_then_fail)
        with pytest.raises(seed.SeedError, match=r"the disk is full.*emptied"):
            seed.seed(conn, plan, workers=2)
        _assert_emptied_and_restored(conn, before)


def test_a_parallel_seed_failing_after_the_tenants_restores_every_index(
    fresh_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A later step fails while index builds run beside it: the tables are emptied, and every
    index and unique constraint the load dropped is there again."""
    plan = seed.SeedPlan(clients=4, leads_min=100, leads_max=100, seed=9, anchor=ANCHOR)
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        migrations.migrate(conn)
        before = _snapshot(conn)
        run_step = seed._step

        def fail_rollups(conn, plan, section) -> None:
            run_step(conn, plan, section)
            if section == "rollups":
                raise RuntimeError("out of memory")

        monkeypatch.setattr(seed, "_step", fail_rollups)
        with pytest.raises(seed.SeedError, match=r"out of memory.*emptied"):
            seed.seed(conn, plan, workers=2)
        _assert_emptied_and_restored(conn, before)


def _assert_emptied_and_restored(conn: psycopg.Connection, before: dict[str, str]) -> None:
    """After a failed seed: every data and rollup table empty, and every index and unique
    constraint the load dropped back as it was (`before`: the snapshot before the seed)."""
    for table in (*seed.DATA_TABLES, *seed.ROLLUPS):
        assert conn.execute(f"select count(*) from {table}").fetchone()[0] == 0, table
    after = _snapshot(conn)
    assert after["indexes"] == before["indexes"]
    assert after["constraints"] == before["constraints"]


def test_the_embedded_server_is_set_for_bulk_loads() -> None:
    """A server without the settings (one an older version made) gets them on its next
    start: the seed's steps write no WAL only under wal_level = minimal."""
    path = Path(f"/tmp/revos-settings-{uuid.uuid4().hex[:8]}")
    try:
        server = embedded.start(path)
        with psycopg.connect(server.url(database="postgres"), autocommit=True) as conn:
            assert _settings(conn) == embedded.SERVER_SETTINGS
            conn.execute("alter system reset all")
        embedded.stop(path)
        server = embedded.start(path)
        with psycopg.connect(server.url(database="postgres"), autocommit=True) as conn:
            assert _settings(conn) == embedded.SERVER_SETTINGS
    finally:
        embedded.destroy(path)
        shutil.rmtree(path, ignore_errors=True)


def _settings(conn: psycopg.Connection) -> dict[str, str]:
    names = embedded.SERVER_SETTINGS
    return {name: conn.execute(f"show {name}").fetchone()[0] for name in names}


def test_the_app_database_orders_text_by_code_point_and_folds_case_by_unicode(
    demo: psycopg.Connection,
) -> None:
    """The embedded server's databases use PostgreSQL's own C.UTF-8 (embedded.create_database):
    the same order on every platform, and the comparisons that made text sorts fast."""
    row = demo.execute(
        "select datlocprovider, datlocale from pg_database where datname = current_database()"
    ).fetchone()
    assert tuple(row) == ("b", "C.UTF-8")
    words = ["Zoë", "apple", "Äpfel", "Banana", "émile", "zebra", "Émile", "ångström"]
    query = "select array_agg(w order by w) from unnest(%s::text[]) as w"
    assert demo.execute(query, [words]).fetchone()[0] == sorted(words)
    assert scalar(demo, "select lower('MÜLLER ÉMILE ÅNGSTRÖM')") == "müller émile ångström"
    assert scalar(demo, "select 'Müller' ilike '%MÜLL%'")


@pytest.fixture(scope="module")
def demo(runtime) -> psycopg.Connection:
    conn = psycopg.connect(runtime.service_url, autocommit=True)
    yield conn
    conn.close()


def scalar(conn: psycopg.Connection, query: str):
    return conn.execute(query).fetchone()[0]


def test_demo_shape(demo: psycopg.Connection) -> None:
    per_client = demo.execute(
        "select u.email, "
        "(select count(*) from public.leads l where l.user_id = u.id), "
        "(select count(*) from public.campaigns c where c.user_id = u.id), "
        "(select count(distinct c.status) from public.campaigns c where c.user_id = u.id), "
        "(select count(*) from public.cartridges c where c.user_id = u.id), "
        "(select count(*) from public.messages m where m.user_id = u.id and m.status = 'draft'), "
        "(select count(distinct m.channel) from public.messages m "
        "  where m.user_id = u.id and m.status = 'draft') "
        "from public.users u where u.role = 'client' order by u.email"
    ).fetchall()
    assert [row[0] for row in per_client] == [f"client{n}@revos.demo" for n in range(1, 6)]
    for _, leads, campaigns, statuses, cartridges, drafts, channels in per_client:
        assert 300 <= leads <= 3000
        assert 3 <= campaigns <= 6 and statuses >= 2
        assert 1 <= cartridges <= 3
        assert drafts >= 30 and channels == 2
    assert scalar(demo, "select count(*) from public.lead_magnets where user_id is null") == 20
    assert scalar(demo, "select count(*) from public.lead_magnets where user_id is not null") >= 5
    assert scalar(demo, "select count(*) from public.posts where status = 'published'") > 0


def test_funnel_is_consistent(demo: psycopg.Connection) -> None:
    # the table's checks already refuse replies before sends; these are the softer shapes
    assert (
        scalar(
            demo,
            "select count(*) from public.leads where email_status is not null and email is null",
        )
        == 0
    )
    enrichment = scalar(
        demo, "select avg((enrichment_status in ('enriched', 'partial'))::int) from public.leads"
    )
    assert 0.6 <= enrichment <= 0.8
    rates = [
        float(r)
        for (r,) in demo.execute(
            "select count(dm_replied_at)::numeric / count(dm_sent_at) from public.leads "
            "group by campaign_id having count(dm_sent_at) >= 100"
        )
    ]
    assert min(rates) >= 0.05 and max(rates) <= 0.25 and max(rates) - min(rates) >= 0.04
    span = scalar(
        demo, "select extract(day from max(commented_at) - min(commented_at)) from public.leads"
    )
    assert 110 <= span <= 120
    assert (
        scalar(
            demo,
            "select count(*) from public.leads where greatest(dm_replied_at, "
            "email_replied_at, enriched_at) > now()",
        )
        == 0
    )


def test_apollo_usage_matches_enrichment_attempts(demo: psycopg.Connection) -> None:
    mismatches = scalar(
        demo,
        """
        select count(*) from public.leads l
        full join public.apollo_usage a on a.lead_id = l.id
        where (l.enrichment_status <> 'pending') is distinct from (a.id is not null)
           or (a.result = 'success') is distinct from (l.enrichment_status = 'enriched')
              and a.id is not null
    """,
    )
    assert mismatches == 0


def test_seed_refuses_a_plan_it_cannot_honour() -> None:
    with pytest.raises(ValueError, match="at least 2 clients"):
        seed._check(seed.SeedPlan(clients=1))
    with pytest.raises(ValueError, match="at least 1"):
        seed._check(seed.SeedPlan.fixed(3, 0))


def test_seeded_review_history_is_consistent(demo: psycopg.Connection) -> None:
    """An edited approval changed the text; a plain approval did not."""
    mismatched = scalar(
        demo,
        """
        select count(*) from public.review_audit
        where (action = 'edited_and_approved') = (content_before = content_after)
           and action <> 'rejected'
    """,
    )
    assert mismatched == 0
    assert (
        scalar(
            demo, "select count(*) from public.review_audit where action = 'edited_and_approved'"
        )
        > 0
    )


def test_seeded_reviews_name_their_reviewers_as_live_reviews_do(demo: psycopg.Connection) -> None:
    """The history shows one name format: the seed's audit rows name each reviewer as the
    review trigger does for a live review (private.display_name)."""
    differing = scalar(
        demo,
        """
        select count(*) from public.review_audit a
        where a.actor_id is not null
          and a.actor_name is distinct from private.display_name(a.actor_id)
    """,
    )
    assert scalar(demo, "select count(*) from public.review_audit") > 0
    assert differing == 0
