"""Each tenant's own days: a comment late in the evening in New York is that evening's.

One instant, 2024-03-10 03:30 UTC, is still March 9 in New York and already March 10 in
Tokyo. Rows planted at that instant (long before the seeded data, so nothing else falls on
those days) must count on their owner's day in every function that takes a period, move
when the owner changes zone, and sum per tenant in a reviewer's view of two zones.
Everything runs in a transaction that is rolled back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import psycopg
import pytest

from revos.db import seed
from revos.gateway.postgres import act_as
from revos.ui import time_zone
from tests.apptest import open_page, signed_in
from tests.support import seeded_database, token_role

INSTANT = "2024-03-10 03:30:00+00"
MARCH_9 = (dt.datetime(2024, 3, 9, tzinfo=dt.UTC), dt.datetime(2024, 3, 10, tzinfo=dt.UTC))
MARCH_10 = (dt.datetime(2024, 3, 10, tzinfo=dt.UTC), dt.datetime(2024, 3, 11, tzinfo=dt.UTC))


@pytest.fixture(scope="module")
def zones_db(server) -> Iterator[str]:
    plan = seed.SeedPlan(clients=2, leads_min=40, leads_max=60, seed=11)
    with seeded_database(server, plan, "t_zones") as (_, url):
        yield url


@pytest.fixture
def db(zones_db: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(zones_db) as conn:
        try:
            yield conn
        finally:
            conn.rollback()


def _id(conn: psycopg.Connection, email: str) -> str:
    return str(conn.execute("select id from public.users where email = %s", [email]).fetchone()[0])


def _plant(conn: psycopg.Connection, email: str, zone: str) -> str:
    """A lead of `email`'s that commented, downloaded a magnet and posted at INSTANT."""
    owner = _id(conn, email)
    conn.execute("update public.users set time_zone = %s where id = %s", [zone, owner])
    lead = conn.execute(
        "insert into public.leads (user_id, campaign_id, linkedin_profile_url, name, "
        "commented_at) select c.user_id, c.id, 'https://www.linkedin.com/in/tz-' || c.id, "
        "'Late Commenter', %s from public.campaigns c where c.user_id = %s "
        "order by c.created_at limit 1 returning id",
        [INSTANT, owner],
    ).fetchone()[0]
    conn.execute(
        "insert into public.lead_magnet_downloads (user_id, lead_id, lead_magnet_id, "
        "downloaded_at) select %s, %s, m.id, %s from public.lead_magnets m "
        "where m.user_id is null order by m.id limit 1",
        [owner, lead, INSTANT],
    )
    conn.execute(
        "insert into public.posts (user_id, content, status, published_at) "
        "values (%s, 'A late post', 'published', %s)",
        [owner, INSTANT],
    )
    return str(lead)


def _as(conn: psycopg.Connection, user_id: str | None) -> None:
    """Act as PostgREST would for this user, in the same transaction (None: superuser)."""
    conn.execute("reset role")
    if user_id is not None:
        act_as(conn, user_id, token_role(conn, user_id))


def _counts(conn: psycopg.Connection, day: tuple[dt.datetime, dt.datetime]) -> dict[str, int]:
    """What each period function counts on one day, as the current user."""
    start, end = day
    one = conn.execute
    return {
        "overview": one(
            "select new_leads from public.overview_kpis(%s, %s) where period = 'current'",
            day,
        ).fetchone()[0],
        "downloads": one(
            "select magnet_downloads from public.overview_kpis(%s, %s) where period = 'current'",
            day,
        ).fetchone()[0],
        "funnel": one(
            "select coalesce(sum(commented), 0) from public.campaign_funnel(null, %s, %s)", day
        ).fetchone()[0],
        "trend": one(
            "select coalesce(sum(new_leads), 0) from public.funnel_trend(%s, %s)", day
        ).fetchone()[0],
        "leads list": one(
            "select total from public.leads_page(p_from => %s, p_to => %s)", day
        ).fetchone()[0],
        "magnets": one(
            "select coalesce(sum(downloads), 0) from public.lead_magnet_performance(null, %s, %s)",
            day,
        ).fetchone()[0],
        "posts": one(
            "select count(*) from public.post_engagement(%s, %s)", [start, end]
        ).fetchone()[0],
    }


def test_a_late_evening_counts_on_the_owners_day(db: psycopg.Connection) -> None:
    owner = _id(db, "client1@revos.demo")
    _plant(db, "client1@revos.demo", "America/New_York")
    _as(db, owner)
    assert set(_counts(db, MARCH_9).values()) == {1}  # 22:30 on March 9 in New York
    assert set(_counts(db, MARCH_10).values()) == {0}


def test_a_new_zone_moves_the_owners_rows_to_its_days(db: psycopg.Connection) -> None:
    owner = _id(db, "client1@revos.demo")
    _plant(db, "client1@revos.demo", "America/New_York")
    _as(db, owner)
    assert db.execute("select public.set_my_time_zone('Asia/Tokyo')").fetchone()[0] == (
        "Asia/Tokyo"
    )
    assert set(_counts(db, MARCH_9).values()) == {0}
    assert set(_counts(db, MARCH_10).values()) == {1}  # 12:30 on March 10 in Tokyo
    day = db.execute(
        "select day from public.lead_daily_stats where user_id = %s and new_leads > 0 "
        "and day < '2025-01-01'",
        [owner],
    ).fetchall()
    assert day == [(dt.date(2024, 3, 10),)]  # the rollup itself was recounted


def test_a_reviewer_of_two_zones_sums_each_clients_own_days(db: psycopg.Connection) -> None:
    new_york = _plant(db, "client1@revos.demo", "America/New_York")
    tokyo = _plant(db, "client2@revos.demo", "Asia/Tokyo")
    _as(db, _id(db, "reviewer@revos.demo"))
    assert set(_counts(db, MARCH_9).values()) == {1}
    assert set(_counts(db, MARCH_10).values()) == {1}
    rows = db.execute(
        "select rows from public.leads_page(p_from => %s, p_to => %s)", MARCH_9
    ).fetchone()[0]
    assert [r["id"] for r in rows] == [new_york]
    rows = db.execute(
        "select rows from public.leads_page(p_from => %s, p_to => %s)", MARCH_10
    ).fetchone()[0]
    assert [r["id"] for r in rows] == [tokyo]


def test_a_fall_back_at_midnight_starts_the_day_at_the_first_midnight(
    db: psycopg.Connection,
) -> None:
    """The Azores leave summer time at 01:00 on 2024-10-27, back to 00:00: that day has two
    midnights. 00:30 UTC is 00:30 of the first one, so October 27 in every function."""
    owner = _id(db, "client1@revos.demo")
    global INSTANT
    instant, INSTANT = INSTANT, "2024-10-27 00:30:00+00"
    try:
        _plant(db, "client1@revos.demo", "Atlantic/Azores")
    finally:
        INSTANT = instant
    _as(db, owner)
    october = [dt.datetime(2024, 10, d, tzinfo=dt.UTC) for d in (26, 27, 28)]
    assert set(_counts(db, (october[0], october[1])).values()) == {0}
    assert set(_counts(db, (october[1], october[2])).values()) == {1}


def test_a_send_is_mature_on_its_owners_own_day_at_any_hour(db: psycopg.Connection) -> None:
    """A reply rate counts the sends at least three whole days old on the owner's own days.
    Kiritimati (UTC+14) and Pago Pago (UTC-11) are never on the same date. Of the two days
    that depend on the zone (0047), the first is mature for one of them and not the other
    before 11:00 UTC, the second from 10:00 UTC: every hour tests at least one of them."""
    zones = {"client1@revos.demo": "Pacific/Kiritimati", "client2@revos.demo": "Pacific/Pago_Pago"}
    for email, zone in zones.items():
        owner = _id(db, email)
        db.execute("update public.users set time_zone = %s where id = %s", [zone, owner])
        db.execute(  # a DM sent every five hours over the last week
            "insert into public.leads (user_id, campaign_id, linkedin_profile_url, name, "
            "commented_at, dm_status, dm_sent_at) select c.user_id, c.id, "
            "'https://www.linkedin.com/in/mature-' || gen_random_uuid(), 'Mature', "
            "now() - k * interval '5 hours' - interval '1 hour', 'sent', "
            "now() - k * interval '5 hours' from (select * from public.campaigns "
            "where user_id = %s order by created_at limit 1) c, generate_series(0, 34) k",
            [owner],
        )
    now = db.execute("select now()").fetchone()[0]
    first = now.astimezone(dt.UTC).date() - dt.timedelta(days=29)
    after = now.astimezone(dt.UTC).date() + dt.timedelta(days=1)
    mature = _mature_sends(db, now, first, after)
    client1 = _id(db, "client1@revos.demo")
    period = [dt.datetime.combine(d, dt.time(), dt.UTC) for d in (first, after)]
    query = "select dms_mature from public.overview_kpis(%s, %s, %s) where period = 'current'"
    for viewer, client, expected in [
        ("reviewer@revos.demo", None, mature[client1] + mature[_id(db, "client2@revos.demo")]),
        ("reviewer@revos.demo", client1, mature[client1]),
        ("admin@revos.demo", None, sum(mature.values())),  # every tenant: no scope at all
    ]:
        _as(db, None)
        _as(db, _id(db, viewer))
        assert db.execute(query, [*period, client]).fetchone()[0] == expected, (viewer, client)


def _mature_sends(
    db: psycopg.Connection, now: dt.datetime, first: dt.date, after: dt.date
) -> dict[str, int]:
    """Each owner's DMs sent on their own days from `first` to before `after`, and on or
    before their own today - 3: what the overview's reply rates count."""
    sends = db.execute(
        "select l.user_id::text, l.dm_sent_at, u.time_zone from public.leads l "
        "join public.users u on u.id = l.user_id where l.dm_sent_at is not null"
    ).fetchall()
    counts: dict[str, int] = {}
    for owner, sent, zone in sends:
        day = sent.astimezone(ZoneInfo(zone)).date()
        last_mature = now.astimezone(ZoneInfo(zone)).date() - dt.timedelta(days=3)
        counts[owner] = counts.get(owner, 0) + (first <= day < after and day <= last_mature)
    return counts


def test_every_zone_a_user_may_pick_is_within_a_day_of_utc(db: psycopg.Connection) -> None:
    """What 0047 relies on: each owner's today is UTC's or one day either side."""
    far = db.execute(
        "select n.name from private.time_zone_names n "
        "join pg_catalog.pg_timezone_names z on z.name = n.name "
        "where abs(extract(epoch from z.utc_offset)) >= 86400"
    ).fetchall()
    assert far == []
    assert db.execute("select count(*) from private.time_zone_names").fetchone()[0] > 300


def test_a_deleted_tenant_leaves_no_counts_behind(db: psycopg.Connection) -> None:
    owner = _id(db, "client2@revos.demo")
    _plant(db, "client2@revos.demo", "Asia/Tokyo")
    db.execute("delete from auth.users where id = %s", [owner])
    for table in seed.ROLLUPS:
        left = db.execute(f"select count(*) from {table} where user_id = %s", [owner])
        assert left.fetchone()[0] == 0, table


def test_a_zone_change_holds_up_only_that_tenants_writes(zones_db: str) -> None:
    """While client1's days are recounted (a zone change not yet committed), client2's new
    lead goes in at once; client1's own waits for the recount (here: until a lock timeout)."""
    with psycopg.connect(zones_db) as changing, psycopg.connect(zones_db) as other:
        one, two = _id(changing, "client1@revos.demo"), _id(changing, "client2@revos.demo")
        changing.execute("update public.users set time_zone = 'Asia/Tokyo' where id = %s", [one])
        other.execute("set lock_timeout = '1s'")
        insert = (
            "insert into public.leads (user_id, campaign_id, linkedin_profile_url, name, "
            "commented_at) select c.user_id, c.id, 'https://www.linkedin.com/in/lock-' || c.id, "
            "'Lock Test', now() from public.campaigns c where c.user_id = %s limit 1"
        )
        other.execute(insert, [two])  # another tenant: no wait
        other.rollback()
        other.execute("set lock_timeout = '1s'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            other.execute(insert, [one])  # the tenant being recounted: waits
        other.rollback()
        changing.rollback()


def test_a_user_sets_only_their_own_zone_and_only_a_real_one(db: psycopg.Connection) -> None:
    me, other = _id(db, "client1@revos.demo"), _id(db, "client2@revos.demo")
    _as(db, me)
    refused = pytest.raises(psycopg.errors.InvalidParameterValue, match="Unknown time zone")
    with refused, db.transaction():
        db.execute("select public.set_my_time_zone('Mars/Olympus_Mons')")
    # not names: abbreviations (IST is Israel's here), wrong case, POSIX offsets (UTC+5 is
    # UTC-5 to Postgres, XYZ100 a hundred hours), names Python's zoneinfo cannot load
    for bad in (
        "Mars/Olympus_Mons",
        "",
        "UTC; drop table public.leads",
        "x" * 100,
        "PST",
        "IST",
        "america/new_york",
        "UTC+5",
        "XYZ100",
        "Factory",
        "posixrules",
    ):
        with pytest.raises(psycopg.errors.CheckViolation), db.transaction():
            db.execute("update public.users set time_zone = %s where id = %s", [bad, me])
    # another tenant's row is not the caller's to change: RLS leaves it out
    changed = db.execute(
        "update public.users set time_zone = 'Asia/Tokyo' where id = %s", [other]
    ).rowcount
    assert changed == 0
    # the column grant covers the name and the zone, not the role
    with pytest.raises(psycopg.errors.InsufficientPrivilege), db.transaction():
        db.execute("update public.users set role = 'super_admin' where id = %s", [me])
    _as(db, None)
    zones = dict(db.execute("select id::text, time_zone from public.users").fetchall())
    assert zones[other] != "Asia/Tokyo"


def test_a_client_sets_their_zone_in_the_sidebar_and_the_pages_follow(scratch_app) -> None:
    """Through the app (AppTest), on the scratch demo: the pick is stored, and the Overview
    then says whose days it counts."""
    email = "client1@revos.demo"
    with psycopg.connect(scratch_app.url) as conn:
        before = conn.execute(
            "select time_zone from public.users where email = %s", [email]
        ).fetchone()[0]
    try:
        at = open_page(signed_in(email), "app_pages/overview.py")
        picker = next(s for s in at.selectbox if s.label == "Your time zone")
        assert picker.value == before
        picker.select("Asia/Tokyo").run()
        assert not at.exception
        with psycopg.connect(scratch_app.url) as conn:
            stored = conn.execute(
                "select time_zone from public.users where email = %s", [email]
            ).fetchone()[0]
        assert stored == "Asia/Tokyo"
        open_page(at, "app_pages/overview.py")
        assert any("days in Asia/Tokyo" in c.value for c in at.caption)
    finally:
        with psycopg.connect(scratch_app.url) as conn:
            conn.execute("update public.users set time_zone = %s where email = %s", [before, email])


def test_a_day_is_over_on_a_page_only_once_it_is_over_for_every_client_shown(
    gateway_for, demo_users
) -> None:
    """The Overview's sparklines stop before this day: at 02:00 UTC a reviewer of a New York
    and a London client still sees New York's yesterday grow."""
    at_two = dt.datetime(2026, 11, 29, 2, 0, tzinfo=dt.UTC)
    reviewer, admin = gateway_for("reviewer@revos.demo"), gateway_for("admin@revos.demo")
    london = demo_users["client2@revos.demo"].id
    assert time_zone.first_day_not_over(reviewer, None, at_two) == dt.date(2026, 11, 28)
    assert time_zone.first_day_not_over(reviewer, london, at_two) == dt.date(2026, 11, 29)
    assert time_zone.first_day_not_over(admin, None, at_two) == dt.date(2026, 11, 28)
    client = gateway_for("client2@revos.demo")
    assert time_zone.first_day_not_over(client, None, at_two) == dt.date(2026, 11, 29)
    at_noon = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
    assert time_zone.first_day_not_over(reviewer, None, at_noon) == dt.date(2026, 11, 29)
