"""The rollups (and downloads' reply flags) stay equal to a recomputation from raw rows.

Random inserts, status changes, time shifts, deletes (of leads and of whole campaigns),
tenants changing time zone (the rollups count in each tenant's days) and Apollo attempts,
many rows per statement, in random order; after every step each rollup is
compared with the same counts computed here in pandas from the raw rows. Different seeds,
different histories: a trigger that misses one kind of change fails one of them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import psycopg
import pytest

from revos.db import seed
from tests.support import as_user, seeded_database

EVENTS = {  # rollup column -> (timestamp column, extra condition on the lead)
    "new_leads": ("commented_at", None),
    "enriched": ("commented_at", lambda f: f.enrichment_status.isin(["enriched", "partial"])),
    "enrichment_failed": ("commented_at", lambda f: f.enrichment_status == "failed"),
    "dms_sent": ("dm_sent_at", None),
    "dms_sent_replied": ("dm_sent_at", lambda f: f.dm_replied_at.notna()),
    "dm_replies": ("dm_replied_at", None),
    "emails_sent": ("email_sent_at", None),
    "emails_sent_replied": ("email_sent_at", lambda f: f.email_replied_at.notna()),
    "email_replies": ("email_replied_at", None),
    # the funnel's cohort: of the leads who commented that day, how many reached each stage
    "cohort_dm_sent": ("commented_at", lambda f: f.dm_sent_at.notna()),
    "cohort_dm_delivered": ("commented_at", lambda f: f.dm_delivered_at.notna()),
    "cohort_dm_replied": ("commented_at", lambda f: f.dm_replied_at.notna()),
    "cohort_email_sent": ("commented_at", lambda f: f.email_sent_at.notna()),
    "cohort_email_opened": ("commented_at", lambda f: f.email_opened_at.notna()),
    "cohort_email_clicked": ("commented_at", lambda f: f.email_clicked_at.notna()),
    "cohort_email_replied": ("commented_at", lambda f: f.email_replied_at.notna()),
}

# a download's flag: its lead replied, by DM or email, after the download (sql/0086)
REPLIED_AFTER_DOWNLOAD = (
    "(coalesce(l.dm_replied_at > d.downloaded_at, false) "
    "or coalesce(l.email_replied_at > d.downloaded_at, false))"
)

CHANGES = {
    "insert leads": """
        insert into public.leads (user_id, campaign_id, linkedin_profile_url, name,
                                  commented_at)
        select l.user_id, l.campaign_id, 'https://www.linkedin.com/in/p-' || gen_random_uuid(),
               l.name, l.commented_at - random() * interval '20 days'
        from public.leads l order by random() limit 1 + floor(random() * 40)::int
    """,
    "enrich": """
        update public.leads set
          enrichment_status = (array['enriched', 'partial', 'failed'])[1 + floor(random() * 3)],
          enriched_at = commented_at + interval '1 hour'
        where id in (select id from public.leads where enrichment_status = 'pending'
                     order by random() limit 30)
    """,
    "send DMs": """
        update public.leads set dm_status = 'sent',
          dm_sent_at = commented_at + random() * interval '3 days'
        where id in (select id from public.leads where dm_status = 'pending'
                     order by random() limit 30)
    """,
    "DM replies": """
        update public.leads set dm_status = 'replied',
          dm_delivered_at = dm_sent_at + interval '1 hour',
          dm_replied_at = dm_sent_at + random() * interval '4 days' + interval '1 hour'
        where id in (select id from public.leads where dm_status = 'sent'
                     order by random() limit 20)
    """,
    "withdraw DM replies": """
        update public.leads set dm_status = 'delivered', dm_replied_at = null
        where id in (select id from public.leads where dm_status = 'replied'
                     order by random() limit 15)
    """,
    "downloads": """
        insert into public.lead_magnet_downloads (user_id, lead_id, lead_magnet_id, downloaded_at)
        select l.user_id, l.id, m.id, l.commented_at + interval '1 day'
        from public.leads l
        cross join lateral (
          select m.id from public.lead_magnets m
          where m.user_id is null or m.user_id = l.user_id
          order by random() limit 1
        ) m
        order by random() limit 1 + floor(random() * 30)::int
    """,
    "move replies around downloads": """
        update public.leads l
        set dm_replied_at = greatest(l.dm_delivered_at,
                                     d.downloaded_at + (random() - 0.5) * interval '2 days')
        from (select distinct on (lead_id) lead_id, downloaded_at
              from public.lead_magnet_downloads order by lead_id, random()) d
        where d.lead_id = l.id
          and l.id in (select id from public.leads where dm_replied_at is not null
                       order by random() limit 20)
    """,
    "move downloads in time": """
        update public.lead_magnet_downloads
        set downloaded_at = downloaded_at + (random() - 0.5) * interval '6 days'
        where id in (select id from public.lead_magnet_downloads order by random() limit 15)
    """,
    "write flags by hand": """
        update public.lead_magnet_downloads set lead_replied = not lead_replied
        where id in (select id from public.lead_magnet_downloads order by random() limit 10)
    """,
    "send emails": """
        update public.leads set email = coalesce(email, 'x' || left(id::text, 8) || '@example.com'),
          email_status = 'sent', email_sent_at = commented_at + random() * interval '5 days'
        where id in (select id from public.leads where email_status is null
                     order by random() limit 30)
    """,
    "email replies": """
        update public.leads set email_status = 'replied',
          email_opened_at = email_sent_at + interval '1 hour',
          email_clicked_at = email_sent_at + interval '2 hours',
          email_replied_at = email_sent_at + random() * interval '3 days' + interval '2 hours'
        where id in (select id from public.leads where email_status = 'sent'
                     order by random() limit 20)
    """,
    "shift comments earlier": """
        update public.leads set commented_at = commented_at - random() * interval '2 days'
        where id in (select id from public.leads order by random() limit 40)
    """,
    "touch without change": """
        update public.leads set name = name
        where id in (select id from public.leads order by random() limit 40)
    """,
    "delete leads": """
        delete from public.leads
        where id in (select id from public.leads order by random() limit 25)
    """,
    "delete a campaign": """
        delete from public.campaigns
        where id = (select id from public.campaigns order by random() limit 1)
    """,
    "Apollo attempts": """
        insert into public.apollo_usage (user_id, lead_id, credits_used, result, created_at)
        select l.user_id, l.id, floor(random() * 3)::int,
               (array['success', 'partial', 'failed'])[1 + floor(random() * 3)],
               l.commented_at + random() * interval '1 day'
        from public.leads l order by random() limit 1 + floor(random() * 30)::int
    """,
    "Apollo refunds": """
        update public.apollo_usage set credits_used = 0, result = 'failed'
        where id in (select id from public.apollo_usage order by random() limit 15)
    """,
    # a tenant moving zone moves its events to other days (Chatham: +13:45, Kolkata: +5:30)
    "time zone changes": """
        update public.users
        set time_zone = (array['America/New_York', 'Asia/Kolkata', 'Pacific/Chatham',
                               'America/Los_Angeles', 'UTC'])[1 + floor(random() * 5)::int]
        where id in (select id from public.users where role = 'client' order by random() limit 2)
    """,
    "delete downloads": """
        delete from public.lead_magnet_downloads
        where id in (select id from public.lead_magnet_downloads order by random() limit 15)
    """,
    # a download moved to another day (across midnights) and to another of its owner's magnets
    "move downloads": """
        update public.lead_magnet_downloads d
        set downloaded_at = d.downloaded_at + (random() - 0.5) * interval '3 days',
            lead_magnet_id = coalesce((
              select m.id from public.lead_magnets m
              where m.user_id is null or m.user_id = d.user_id
              order by random() limit 1
            ), d.lead_magnet_id)
        where d.id in (select id from public.lead_magnet_downloads order by random() limit 20)
    """,
    # a download given to another lead, of another tenant now and then (its owner changes)
    "downloads change lead": """
        update public.lead_magnet_downloads d
        set (lead_id, user_id) = (
          select l.id, l.user_id from public.leads l
          where l.id <> d.lead_id order by random() limit 1
        )
        where d.id in (select id from public.lead_magnet_downloads order by random() limit 10)
    """,
    "delete a magnet": """
        delete from public.lead_magnets
        where id = (select lead_magnet_id from public.lead_magnet_downloads
                    order by random() limit 1)
    """,
    "Apollo deletes": """
        delete from public.apollo_usage
        where id in (select id from public.apollo_usage order by random() limit 15)
    """,
    # the last activity falls back to each owner's next latest lead
    "delete each owner's latest lead": """
        delete from public.leads
        where id in (select distinct on (user_id) id from public.leads
                     where random() < 0.7 order by user_id, commented_at desc)
    """,
    "new DM and email drafts": """
        insert into public.messages (user_id, lead_id, channel, content)
        select l.user_id, l.id, (array['dm', 'email'])[1 + floor(random() * 2)::int], 'Hi'
        from public.leads l order by random() limit 1 + floor(random() * 20)::int
    """,
    "new post drafts": """
        insert into public.posts (user_id, content)
        select u.id, 'A post' from public.users u, generate_series(1, 3)
        where u.role = 'client' and random() < 0.5
    """,
    # past the review's guard, which wants an audit row for each (the approvals' own tests)
    "drafts approved, then some sent": """
        alter table public.messages disable trigger messages_guard_status;
        update public.messages set status = 'approved'
        where id in (select id from public.messages where status = 'draft'
                     order by random() limit 12);
        update public.messages set status = 'sent', sent_at = now()
        where id in (select id from public.messages where status = 'approved'
                     order by random() limit 6);
        alter table public.messages enable trigger messages_guard_status;
    """,
    "post drafts approved": """
        alter table public.posts disable trigger posts_guard_status;
        update public.posts set status = 'approved'
        where id in (select id from public.posts where status = 'draft'
                     order by random() limit 3);
        alter table public.posts enable trigger posts_guard_status;
    """,
    # past the audit's append-only guard, which would keep a reviewed client from going
    "delete a client": """
        do $$
        declare
          v_client uuid := (select id from public.users where role = 'client'
                            order by random() limit 1);
        begin
          alter table public.review_audit disable trigger review_audit_append_only;
          delete from public.review_audit where client_id = v_client;
          alter table public.review_audit enable trigger review_audit_append_only;
          delete from public.users where id = v_client;
        end
        $$
    """,
    "delete drafts": """
        delete from public.messages
        where id in (select id from public.messages order by random() limit 10);
        delete from public.posts
        where id in (select id from public.posts order by random() limit 2);
    """,
}


def _frame(conn: psycopg.Connection, query: str) -> pd.DataFrame:
    cursor = conn.execute(query)
    return pd.DataFrame(cursor.fetchall(), columns=[c.name for c in cursor.description])


def _local_day(stamps: pd.Series, owners: pd.Series, zones: dict) -> list:
    """Each instant's day in its owner's time zone (the rollups' days are the tenant's)."""
    instants = pd.to_datetime(stamps, utc=True)
    return [t.tz_convert(zones[o]).date() for t, o in zip(instants, owners, strict=True)]


def expected_daily(leads: pd.DataFrame, zones: dict) -> dict[tuple, dict[str, int]]:
    counts: dict[tuple, dict[str, int]] = {}
    for column, (stamp, condition) in EVENTS.items():
        rows = leads[leads[stamp].notna()]
        if condition is not None:
            rows = rows[condition(rows)]
        days = _local_day(rows[stamp], rows.user_id, zones)
        keys = zip(rows.user_id, days, rows.campaign_id, strict=True)
        for key, n in pd.Series(list(keys), dtype=object).value_counts().items():
            counts.setdefault(key, {})[column] = int(n)
    return counts


def stored_daily(conn: psycopg.Connection) -> dict[tuple, dict[str, int]]:
    stored = _frame(conn, "select * from public.lead_daily_stats")
    result = {}
    for row in stored.to_dict("records"):
        values = {k: row[k] for k in EVENTS if row[k]}
        if values:
            result[(row["user_id"], row["day"], row["campaign_id"])] = values
    return result


OWNER_EVENTS = [column for column in EVENTS if not column.startswith("cohort_")]


def expected_owner_daily(daily: dict[tuple, dict[str, int]]) -> dict[tuple, dict[str, int]]:
    """The per-campaign counts summed over each owner's campaigns (cohorts left out)."""
    result: dict[tuple, dict[str, int]] = {}
    for (user, day, _), counts in daily.items():
        into = result.setdefault((user, day), {})
        for column in OWNER_EVENTS:
            into[column] = into.get(column, 0) + counts.get(column, 0)
    return {key: {k: n for k, n in v.items() if n} for key, v in result.items() if any(v.values())}


def stored_owner_daily(conn: psycopg.Connection) -> dict[tuple, dict[str, int]]:
    stored = _frame(conn, "select * from public.lead_owner_daily_stats")
    result = {}
    for row in stored.to_dict("records"):
        values = {k: row[k] for k in OWNER_EVENTS if row[k]}
        if values:
            result[(row["user_id"], row["day"])] = values
    return result


def expected_owner_totals(conn: psycopg.Connection, leads: pd.DataFrame) -> dict:
    """Per owner: leads, drafts waiting (messages, posts), latest comment or send."""
    rows = conn.execute(
        "select x.user_id, count(*) filter (where x.kind = 'm'), "
        "count(*) filter (where x.kind = 'p') from ("
        "select user_id, 'm' as kind from public.messages where status = 'draft' "
        "union all select user_id, 'p' from public.posts where status = 'draft') x "
        "group by 1"
    ).fetchall()
    drafts = {u: (m, p) for u, m, p in rows}
    latest = leads[["commented_at", "dm_sent_at", "email_sent_at"]].max(axis=1)
    last = latest.groupby(leads.user_id).max().dropna().to_dict()
    owners = set(leads.user_id) | set(drafts)
    return {
        u: (
            int((leads.user_id == u).sum()),
            drafts.get(u, (0, 0)),
            pd.Timestamp(last[u]) if u in last else None,
        )
        for u in owners
    }


def stored_owner_totals(conn: psycopg.Connection) -> dict:
    rows = conn.execute(
        "select user_id, coalesce(t.leads, 0), coalesce(d.message_drafts, 0), "
        "coalesce(d.post_drafts, 0), t.last_activity "
        "from public.lead_owner_totals t full join public.lead_owner_drafts d using (user_id)"
    ).fetchall()
    return {
        u: (n, (m, p), pd.Timestamp(at) if at is not None else None)
        for u, n, m, p, at in rows
        if (n, m, p, at) != (0, 0, 0, None)
    }


def expected_apollo(attempts: pd.DataFrame, zones: dict) -> dict[tuple, tuple[int, int, int]]:
    result = {}
    if attempts.empty:
        return result
    attempts = attempts.assign(day=_local_day(attempts.created_at, attempts.user_id, zones))
    for (user, day), group in attempts.groupby(["user_id", "day"]):
        result[(user, day)] = (
            int(group.credits_used.sum()),
            len(group),
            int((group.result == "success").sum()),
        )
    return result


def stored_apollo(conn: psycopg.Connection) -> dict[tuple, tuple[int, int, int]]:
    rows = conn.execute(
        "select user_id, day, credits, attempts, successes from public.apollo_daily_usage"
    ).fetchall()
    return {(u, d): (c, a, s) for u, d, c, a, s in rows if (c, a, s) != (0, 0, 0)}


def expected_apollo_months(days: dict[tuple, tuple[int, int, int]]) -> dict[tuple, tuple]:
    """The daily usage summed per owner and (their) month."""
    months: dict[tuple, tuple[int, int, int]] = {}
    for (user, day), counts in days.items():
        key = (user, day.replace(day=1))
        months[key] = tuple(a + b for a, b in zip(months.get(key, (0, 0, 0)), counts, strict=True))
    return {key: counts for key, counts in months.items() if counts != (0, 0, 0)}


def stored_apollo_months(conn: psycopg.Connection) -> dict[tuple, tuple[int, int, int]]:
    rows = conn.execute(
        "select user_id, month, credits, attempts, successes from public.apollo_monthly_usage"
    ).fetchall()
    return {(u, m): (c, a, s) for u, m, c, a, s in rows if (c, a, s) != (0, 0, 0)}


def expected_magnets(downloads: pd.DataFrame, zones: dict) -> dict[tuple, tuple[int, int]]:
    """Downloads and downloads of replied leads per owner, local day and magnet."""
    if downloads.empty:
        return {}
    downloads = downloads.assign(day=_local_day(downloads.downloaded_at, downloads.user_id, zones))
    return {
        key: (len(group), int(group.replied.sum()))
        for key, group in downloads.groupby(["user_id", "day", "lead_magnet_id"])
    }


def stored_magnets(conn: psycopg.Connection) -> dict[tuple, tuple[int, int]]:
    rows = conn.execute(
        "select user_id, day, lead_magnet_id, downloads, replies "
        "from public.lead_magnet_daily_stats"
    ).fetchall()
    return {(u, d, m): (n, r) for u, d, m, n, r in rows if (n, r) != (0, 0)}


def assert_rollups_match(conn: psycopg.Connection, step: str) -> None:
    zones = dict(conn.execute("select id, time_zone from public.users").fetchall())
    leads = _frame(conn, "select * from public.leads")
    daily = expected_daily(leads, zones)
    assert stored_daily(conn) == daily, step
    assert stored_owner_daily(conn) == expected_owner_daily(daily), step
    assert stored_owner_totals(conn) == expected_owner_totals(conn, leads), step
    attempts = _frame(conn, "select * from public.apollo_usage")
    apollo = expected_apollo(attempts, zones)
    assert stored_apollo(conn) == apollo, step
    assert stored_apollo_months(conn) == expected_apollo_months(apollo), step
    downloads = _frame(
        conn,
        "select d.user_id, d.lead_magnet_id, d.downloaded_at, d.lead_replied, "
        f"{REPLIED_AFTER_DOWNLOAD} as replied "
        "from public.lead_magnet_downloads d join public.leads l on l.id = d.lead_id",
    )
    assert (downloads.lead_replied == downloads.replied).all(), step
    assert stored_magnets(conn) == expected_magnets(downloads, zones), step


@pytest.fixture(scope="module")
def small_world(server) -> Iterator[str]:
    """A small seeded database of its own: these tests rewrite its leads at random."""
    plan = seed.SeedPlan(clients=3, leads_min=60, leads_max=120, seed=5)
    with seeded_database(server, plan, "t_rollups") as (_, url):
        yield url


def test_the_seed_leaves_rollups_equal_to_the_raw_rows(small_world: str) -> None:
    with psycopg.connect(small_world) as conn:
        assert_rollups_match(conn, "after seeding")
        assert conn.execute("select count(*) from public.lead_daily_stats").fetchone()[0] > 0
        # a reply after a download, so the magnets' replies are counted too: a small seed
        # may have none (a conversion is a reply after the download since sql/0086)
        conn.execute(
            "update public.leads l set dm_status = 'replied', "
            "dm_delivered_at = least(l.dm_delivered_at, d.downloaded_at), "
            "dm_replied_at = d.downloaded_at + interval '1 hour' "
            "from (select lead_id, downloaded_at from public.lead_magnet_downloads "
            "order by downloaded_at, id limit 1) d where l.id = d.lead_id"
        )
        assert_rollups_match(conn, "after a reply to a download")
        magnets = "select count(*) from public.lead_magnet_daily_stats where replies > 0"
        assert conn.execute(magnets).fetchone()[0] > 0


@pytest.mark.parametrize("history", range(6))
def test_random_changes_keep_every_rollup_exact(small_world: str, history: int) -> None:
    rng = random.Random(history)
    with psycopg.connect(small_world) as conn:
        conn.execute("select setseed(%s)", [history / 10])
        for step in range(12):
            name = rng.choice(sorted(CHANGES))
            conn.execute(CHANGES[name])
            assert_rollups_match(conn, f"step {step}: {name}")
        conn.rollback()  # the next history starts from the seeded data again


def test_truncate_empties_the_rollups(small_world: str) -> None:
    with psycopg.connect(small_world) as conn:
        conn.execute("truncate public.leads, public.apollo_usage cascade")
        assert_rollups_match(conn, "after truncate")
        assert conn.execute("select count(*) from public.lead_daily_stats").fetchone()[0] == 0
        conn.rollback()


@pytest.mark.parametrize("table", ["public.messages", "public.posts cascade"])
def test_truncating_messages_or_posts_alone_zeroes_their_drafts(small_world: str, table) -> None:
    """Each table's drafts are counted apart: emptying one leaves the other's counts."""
    with psycopg.connect(small_world) as conn:
        conn.execute(f"truncate {table}")
        assert_rollups_match(conn, f"after truncating {table}")
        conn.rollback()


def test_truncating_downloads_alone_empties_their_rollup(small_world: str) -> None:
    with psycopg.connect(small_world) as conn:
        conn.execute("truncate public.lead_magnet_downloads")
        assert_rollups_match(conn, "after truncating the downloads")
        assert (
            conn.execute("select count(*) from public.lead_magnet_daily_stats").fetchone()[0] == 0
        )
        conn.rollback()


RECOUNTS = {
    "rebuild_rollups": "select private.rebuild_rollups()",
    "recount_rollups": (  # what a time zone change runs (for one owner)
        "select private.recount_rollups(array_agg(id)) from public.users where role = 'client'"
    ),
}


@pytest.mark.parametrize("replication_role", ["origin", "replica"])
@pytest.mark.parametrize("recount", sorted(RECOUNTS))
def test_recounts_mend_wrong_reply_flags(small_world: str, recount, replication_role) -> None:
    """Flags and owner counts written wrong past the triggers (as a bulk load could) are
    mended by a recount,
    and the download rollup counts the mended flags, whether the recount's own flag update
    fires the rollup's trigger (origin) or not (replica, as the seed runs it)."""
    with psycopg.connect(small_world) as conn:
        conn.execute("set local session_replication_role = replica")
        conn.execute("update public.lead_magnet_downloads set lead_replied = not lead_replied")
        # and the per-owner counts written wrong, past their triggers
        conn.execute("update public.lead_owner_totals set last_activity = null")
        conn.execute(
            "update public.lead_owner_drafts set message_drafts = message_drafts + 3, "
            "post_drafts = post_drafts + 1"
        )
        conn.execute("update public.lead_owner_daily_stats set new_leads = new_leads + 1")
        conn.execute("update public.apollo_monthly_usage set credits = credits + 1")
        conn.execute("select set_config('session_replication_role', %s, true)", [replication_role])
        conn.execute(RECOUNTS[recount])
        conn.execute("set local session_replication_role = origin")
        assert_rollups_match(conn, f"after {recount} ({replication_role})")
        conn.rollback()


def test_a_rebuild_waits_for_a_zone_change_instead_of_deadlocking(small_world: str) -> None:
    """A time zone change recounts its owner's rollups and may go on writing (a lead, here)
    in the same transaction. A rebuild started meanwhile must wait for it to end, not hold
    the tables that transaction writes next while it waits for the rows it recounted."""
    with (
        psycopg.connect(small_world) as zone,
        psycopg.connect(small_world) as rebuild,
        psycopg.connect(small_world, autocommit=True) as watcher,
    ):
        owner = zone.execute(
            "select id from public.users where role = 'client' order by id limit 1"
        ).fetchone()[0]
        zone.execute("update public.users set time_zone = 'Asia/Tokyo' where id = %s", [owner])
        rebuild.execute("set local lock_timeout = '60s'")  # a failure, never a hang
        with ThreadPoolExecutor(1) as pool:
            rebuilt = pool.submit(rebuild.execute, RECOUNTS["rebuild_rollups"])
            try:
                _wait_until_blocked(watcher, rebuild.info.backend_pid)
                zone.execute(CHANGES["insert leads"])  # the same owner's and others' leads
            finally:
                zone.rollback()
            rebuilt.result(timeout=120)
        assert_rollups_match(rebuild, "after a rebuild that waited for a zone change")
        rebuild.rollback()


def _oldest_draft(watcher: psycopg.Connection) -> tuple:
    """The oldest draft message's owner, lead, and that lead's campaign and comment time."""
    return watcher.execute(
        "select m.user_id, m.lead_id, l.campaign_id, l.commented_at from public.messages m "
        "join public.leads l on l.id = m.lead_id "
        "where m.status = 'draft' order by m.created_at limit 1"
    ).fetchone()


def _wait_until_blocked(watcher: psycopg.Connection, pid: int, by: int | None = None) -> None:
    """Until backend `pid` waits for a lock (held by backend `by`, when given)."""
    for _ in range(500):
        waiting = watcher.execute(
            "select wait_event_type = 'Lock' and (%s::int is null or %s = any "
            "(pg_blocking_pids(pid))) from pg_stat_activity where pid = %s",
            [by, by, pid],
        ).fetchone()[0]
        if waiting:
            return
        time.sleep(0.02)
    raise AssertionError(f"backend {pid} never waited for a lock" + (f" of {by}" if by else ""))


def test_nobody_writes_a_rollup_directly(small_world: str) -> None:
    with psycopg.connect(small_world) as conn:
        client = conn.execute(
            "select id::text from public.users where role = 'client' limit 1"
        ).fetchone()[0]
    for table in seed.ROLLUPS:
        for write in (
            f"update {table} set user_id = user_id",
            f"insert into {table} (user_id) values ('{client}')",
            f"delete from {table}",
        ):
            with (
                as_user(small_world, client) as conn,
                pytest.raises(psycopg.errors.InsufficientPrivilege),
            ):
                conn.execute(write)


def test_last_activity_holds_a_concurrent_writers_newer_lead(small_world: str) -> None:
    """A newer lead written meanwhile (not committed yet) and the owner's latest comment
    moved back: that update leaves the lead count alone, yet its recount of the last activity
    waits for the writer, then counts the writer's lead."""
    with (
        psycopg.connect(small_world) as writer,
        psycopg.connect(small_world) as mover,
        psycopg.connect(small_world, autocommit=True) as watcher,
    ):
        owner, campaign, latest = watcher.execute(
            "select user_id, campaign_id, id from public.leads order by commented_at desc limit 1"
        ).fetchone()
        newer = writer.execute(
            "insert into public.leads (user_id, campaign_id, linkedin_profile_url, name, "
            "commented_at) values (%s, %s, 'https://www.linkedin.com/in/p-newer', 'Newer', "
            "now() + interval '1 day') returning commented_at",
            [owner, campaign],
        ).fetchone()[0]
        mover.execute("set local lock_timeout = '60s'")  # a failure, never a hang
        with ThreadPoolExecutor(1) as pool:
            moved = pool.submit(
                mover.execute,
                "update public.leads set commented_at = commented_at - interval '2 days' "
                "where id = %s",
                [latest],
            )
            try:
                _wait_until_blocked(watcher, mover.info.backend_pid)
            finally:
                writer.commit()
            moved.result(timeout=120)
        mover.commit()
        try:
            stored = watcher.execute(
                "select last_activity from public.lead_owner_totals where user_id = %s", [owner]
            ).fetchone()[0]
            assert stored == newer
            assert_rollups_match(watcher, "after an update and an insert at once")
        finally:  # a lead a day ahead would stay every later test's latest
            watcher.execute("delete from public.leads where commented_at = %s", [newer])


def test_a_zone_change_and_a_tenant_s_drafts_and_leads_deleted_meanwhile(small_world) -> None:
    """A transaction deletes an owner's drafts, then (after a time zone change of that owner
    has begun) one of their leads. The drafts' count takes the owner's rollup lock, as the
    leads' does, so the zone change waits for that transaction instead of holding the lock
    while it waits for the drafts' (before 0069 the totals') row: no deadlock (sql/0068)."""
    with (
        psycopg.connect(small_world) as writer,
        psycopg.connect(small_world) as zone,
        psycopg.connect(small_world, autocommit=True) as watcher,
    ):
        owner, lead, *_ = _oldest_draft(watcher)
        writer.execute("delete from public.messages where lead_id = %s", [lead])
        zone.execute("set local lock_timeout = '60s'")  # a failure, never a hang
        with ThreadPoolExecutor(1) as pool:
            moved = pool.submit(
                zone.execute,
                "update public.users set time_zone = 'Asia/Tokyo' where id = %s",
                [owner],
            )
            try:
                _wait_until_blocked(watcher, zone.info.backend_pid)
                writer.execute("delete from public.leads where id = %s", [lead])
            finally:
                writer.rollback()
            moved.result(timeout=120)
        assert_rollups_match(zone, "after a zone change that waited for a writer")
        zone.rollback()


def test_an_approval_does_not_wait_for_an_open_import_of_its_tenant(small_world: str) -> None:
    """A tenant's import, open (its new leads not committed), holds the tenant's totals row.
    A reviewer's approval of that tenant's draft changes the drafts' count, kept in a table
    of its own, so it goes through at once (before sql/0069 it waited for the import)."""
    with (
        psycopg.connect(small_world) as importer,
        psycopg.connect(small_world, autocommit=True) as watcher,
    ):
        reviewer = watcher.execute(
            "select id::text from public.users where email = 'reviewer@revos.demo'"
        ).fetchone()[0]
        draft, owner, campaign, version = watcher.execute(
            "select m.id, m.user_id, l.campaign_id, m.version from public.messages m "
            "join public.leads l on l.id = m.lead_id "
            "join public.reviewer_assignments a on a.client_id = m.user_id "
            "where a.reviewer_id = %s and m.status = 'draft' order by m.created_at limit 1",
            [reviewer],
        ).fetchone()
        importer.execute(
            "insert into public.leads (user_id, campaign_id, linkedin_profile_url, name, "
            "commented_at) values (%s, %s, 'https://www.linkedin.com/in/p-importing', "
            "'Importing', now())",
            [owner, campaign],
        )
        try:
            with as_user(small_world, reviewer) as conn:
                conn.execute("set local lock_timeout = '5s'")  # waiting fails, never hangs
                [action] = conn.execute(
                    "select action from public.approve_draft(p_kind => 'message', "
                    "p_id => %s, p_version => %s)",
                    [draft, version],
                ).fetchone()
                drafts = conn.execute(
                    "select message_drafts from public.lead_owner_drafts where user_id = %s",
                    [owner],
                ).fetchone()[0]
                waiting = watcher.execute(  # committed: the approval is not, yet
                    "select count(*) from public.messages where user_id = %s and status = 'draft'",
                    [owner],
                ).fetchone()[0]
                assert action == "approved"
                assert drafts == waiting - 1
        finally:
            importer.rollback()


def _import_a_lead(conn: psycopg.Connection, owner, campaign, commented_at) -> object:
    """A lead like the given one's (same owner, campaign and day): the same rollup rows."""
    return conn.execute(
        "insert into public.leads (user_id, campaign_id, linkedin_profile_url, name, "
        "commented_at) values (%s, %s, 'https://www.linkedin.com/in/p-imported', 'Imported', "
        "%s) returning id",
        [owner, campaign, commented_at],
    ).fetchone()[0]


def test_a_lead_deleted_with_its_drafts_while_an_import_adds_a_lead_and_its_draft(
    small_world: str,
) -> None:
    """An import adds a tenant's lead, then its first draft; meanwhile a lead of that tenant
    with a draft is deleted. The delete cascades to the draft, yet the drafts' trigger runs
    after the leads' (the foreign key queues it behind), so the delete locks the totals row
    before the drafts' row, as the import does, and waits for the import instead of holding
    the drafts' row the import needs next (which would be a deadlock; sql/0070's notes)."""
    with (
        psycopg.connect(small_world) as importer,
        psycopg.connect(small_world) as deleter,
        psycopg.connect(small_world, autocommit=True) as watcher,
    ):
        owner, lead, campaign, commented_at = _oldest_draft(watcher)
        imported = _import_a_lead(importer, owner, campaign, commented_at)
        deleter.execute("set local lock_timeout = '60s'")  # a failure, never a hang
        try:
            with ThreadPoolExecutor(1) as pool:
                deleted = pool.submit(
                    deleter.execute, "delete from public.leads where id = %s", [lead]
                )
                _wait_until_blocked(watcher, deleter.info.backend_pid, importer.info.backend_pid)
                importer.execute(
                    "insert into public.messages (lead_id, channel, content) "
                    "values (%s, 'dm', 'Hello')",
                    [imported],
                )
                importer.commit()
                deleted.result(timeout=120)
            assert_rollups_match(deleter, "after a delete that waited for an import")
        finally:
            deleter.rollback()
            watcher.execute("delete from public.leads where id = %s", [imported])


def test_a_recount_of_drafts_waits_for_a_writer_of_that_owner(small_world: str) -> None:
    """An owner's drafts row is missing (what a recount mends) while a writer adds their
    draft, not committed yet. The recount must wait for the writer before it counts: counting
    first, it wrote the row the writer was inserting too (a duplicate key, before
    sql/0070)."""
    with (
        psycopg.connect(small_world) as writer,
        psycopg.connect(small_world) as recounter,
        psycopg.connect(small_world, autocommit=True) as watcher,
    ):
        owner, lead, *_ = _oldest_draft(watcher)
        watcher.execute("delete from public.lead_owner_drafts where user_id = %s", [owner])
        message = writer.execute(
            "insert into public.messages (lead_id, channel, content) values (%s, 'dm', 'Hi') "
            "returning id",
            [lead],
        ).fetchone()[0]
        recounter.execute("set local lock_timeout = '60s'")  # a failure, never a hang
        try:
            with ThreadPoolExecutor(1) as pool:
                recounted = pool.submit(
                    recounter.execute, "select private.recount_drafts(array[%s::uuid])", [owner]
                )
                _wait_until_blocked(watcher, recounter.info.backend_pid, writer.info.backend_pid)
                writer.commit()
                recounted.result(timeout=120)
            recounter.commit()
            stored, drafts = watcher.execute(
                "select (select message_drafts from public.lead_owner_drafts "
                "where user_id = %s), count(*) from public.messages "
                "where user_id = %s and status = 'draft'",
                [owner, owner],
            ).fetchone()
            assert stored == drafts
        finally:  # the writer's draft, committed or not, then the owner's count mended
            writer.rollback()
            recounter.rollback()
            with watcher.transaction():
                watcher.execute("set local lock_timeout = '60s'")
                watcher.execute("delete from public.messages where id = %s", [message])
                watcher.execute("select private.recount_drafts(array[%s::uuid])", [owner])


def test_a_recount_of_everyone_s_drafts_waits_for_a_zone_change(small_world: str) -> None:
    """A time zone change, not committed yet, has recounted its owner's drafts row. A recount
    of everyone's drafts must wait for it before it empties and counts: counting beside it,
    it wrote the row the zone change had written (a duplicate key, before sql/0071)."""
    with (
        psycopg.connect(small_world) as zone,
        psycopg.connect(small_world) as recounter,
        psycopg.connect(small_world, autocommit=True) as watcher,
    ):
        owner, time_zone = watcher.execute(
            "select u.id, u.time_zone from public.users u where exists (select 1 from "
            "public.messages m where m.user_id = u.id and m.status = 'draft') "
            "order by u.id limit 1"
        ).fetchone()
        moved = "Asia/Tokyo" if time_zone != "Asia/Tokyo" else "Europe/Paris"
        zone.execute("update public.users set time_zone = %s where id = %s", [moved, owner])
        recounter.execute("set local lock_timeout = '60s'")  # a failure, never a hang
        try:
            with ThreadPoolExecutor(1) as pool:
                recounted = pool.submit(recounter.execute, "select private.recount_drafts(null)")
                _wait_until_blocked(watcher, recounter.info.backend_pid, zone.info.backend_pid)
                zone.commit()
                recounted.result(timeout=120)
            assert_rollups_match(recounter, "after a recount that waited for a zone change")
        finally:
            zone.rollback()
            recounter.rollback()
            watcher.execute("set lock_timeout = '60s'")
            watcher.execute(
                "update public.users set time_zone = %s where id = %s", [time_zone, owner]
            )
