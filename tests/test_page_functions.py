"""Every page function, as every demo user, equals the oracle computed as superuser."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import psycopg
import pytest

from revos.domain import lead_filters, metrics
from revos.gateway import AccessDenied
from tests import oracle
from tests.support import DEMO_EMAILS, as_user

FUNNEL_LABELS = ("campaign_id", "campaign_name", "campaign_status", "client_id")


@pytest.fixture(scope="module")
def period() -> tuple[pd.Timestamp, pd.Timestamp]:
    end = pd.Timestamp(dt.datetime.now(dt.UTC)).floor("h")
    return end - pd.Timedelta(days=30), end


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_campaign_funnel(email, gateway_for, demo_users, world) -> None:
    rows = gateway_for(email).rows("campaign_funnel")
    got = {
        r["campaign_id"]: {
            k: r[k]
            for k in r
            if k not in ("campaign_id", "campaign_name", "campaign_status", "client_id")
        }
        for r in rows
    }
    assert got == oracle.funnel(world, demo_users[email])
    assert got  # every demo user has campaigns in scope


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_campaign_funnel_over_a_period_counts_whole_days(
    email, gateway_for, demo_users, world, period
) -> None:
    start, end = period  # not at midnight: the period's days count whole
    rows = gateway_for(email).rows("campaign_funnel", p_from=start, p_to=end)
    got = {r["campaign_id"]: {k: r[k] for k in r if k not in FUNNEL_LABELS} for r in rows}
    assert got == oracle.funnel(world, demo_users[email], start, end)


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_overview_kpis_current_and_previous(email, gateway_for, demo_users, world, period) -> None:
    start, end = period
    rows = gateway_for(email).rows("overview_kpis", p_from=start, p_to=end)
    assert [r["period"] for r in rows] == ["current", "previous"]
    user = demo_users[email]
    first, after = oracle.whole_days(start, end)
    windows = [(first, after), (first - (after - first), first)]
    assert [
        (pd.Timestamp(r["period_start"]), pd.Timestamp(r["period_end"])) for r in rows
    ] == windows
    for row, (lo, hi) in zip(rows, windows, strict=True):
        expected = oracle.kpis(world, user, lo, hi)
        assert {k: row[k] for k in expected} == expected


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_weekly_trend(email, gateway_for, demo_users, world, period) -> None:
    start, end = period
    rows = gateway_for(email).rows("funnel_trend", p_from=start, p_to=end, p_grain="week")
    expected = oracle.weekly_trend(world, demo_users[email], start, end)
    got = {r["bucket"]: {k: v for k, v in r.items() if k != "bucket" and v} for r in rows}
    assert {b: v for b, v in got.items() if v} == expected
    assert len(rows) in (5, 6)  # every week of the period, empty ones included


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_leads_page_total_order_and_filters(email, gateway_for, demo_users, world) -> None:
    gateway = gateway_for(email)
    leads = world.scoped(world.leads, demo_users[email])
    page = gateway.rows("leads_page", p_limit=25, p_offset=10)[0]
    ordered = leads.sort_values(["commented_at", "id"], ascending=False)
    assert page["total"] == len(leads)
    assert [r["id"] for r in page["rows"]] == list(ordered.id[10:35])

    text = oracle.search_text(leads)
    wanted = leads[(leads.dm_status == "replied") & text.str.contains("head of", regex=False)]
    filtered = gateway.rows("leads_page", p_dm_statuses=["replied"], p_search="Head of")[0]
    assert filtered["total"] == len(wanted) > 0
    wanted_order = wanted.sort_values(["commented_at", "id"], ascending=False).id
    assert [r["id"] for r in filtered["rows"]] == list(wanted_order[:50])


def test_leads_search_treats_wildcards_literally(gateway_for) -> None:
    assert gateway_for("client1@revos.demo").rows("leads_page", p_search="%")[0]["total"] == 0


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_search_alone_matches_the_oracle(email, gateway_for, demo_users, world) -> None:
    """The search runs through its own index (private.search_lead_ids): same rows, same count."""
    leads = world.scoped(world.leads, demo_users[email])
    wanted = leads[oracle.search_text(leads).str.contains("sales", regex=False)]
    page = gateway_for(email).rows("leads_page", p_search="SALES", p_limit=500)[0]
    assert page["total"] == len(wanted) > 0
    ordered = wanted.sort_values(["commented_at", "id"], ascending=False).id
    assert [r["id"] for r in page["rows"]] == list(ordered[:500])


def test_search_never_reaches_another_tenants_leads(gateway_for, demo_users) -> None:
    other = demo_users["client2@revos.demo"].id
    for email in ("client1@revos.demo", "client3@revos.demo"):
        page = gateway_for(email).rows("leads_page", p_client_id=other, p_search="a")[0]
        assert (page["total"], page["rows"]) == (0, [])


PAGE_IDS = (
    "select private.lead_page_ids(%s::uuid[], null, null, null, null, null, null, null, null,"
    " 'commented_at', true, 50000, 0)::text[]"
)


@pytest.mark.parametrize(
    "email, asked, sees",
    [
        ("client1@revos.demo", None, ["client1@revos.demo"]),
        ("client1@revos.demo", ["client2@revos.demo"], []),
        ("reviewer@revos.demo", None, ["client1@revos.demo", "client2@revos.demo"]),
        (
            "reviewer@revos.demo",
            ["client2@revos.demo", "client3@revos.demo"],
            ["client2@revos.demo"],
        ),
        ("admin@revos.demo", ["client3@revos.demo"], ["client3@revos.demo"]),
    ],
)
def test_a_pages_ids_called_directly_are_only_of_leads_the_caller_may_see(
    email, asked, sees, runtime, demo_users, world
) -> None:
    """private.lead_page_ids walks past the policy, so it is the guard itself: called over the
    API with any owners, it returns only ids of leads the caller could read anyway."""
    owners = None if asked is None else [demo_users[e].id for e in asked]
    with as_user(runtime.service_url, demo_users[email].id) as conn:
        ids = conn.execute(PAGE_IDS, [owners]).fetchone()[0]
    wanted = world.leads[world.leads.user_id.isin([demo_users[e].id for e in sees])]
    assert sorted(ids) == sorted(wanted.id) and len(ids) == len(set(ids))


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_lead_magnet_performance(email, gateway_for, demo_users, world) -> None:
    rows = gateway_for(email).rows("lead_magnet_performance")
    got = {r["lead_magnet_id"]: (r["downloads"], r["replies"]) for r in rows}
    assert got == oracle.magnet_performance(world, demo_users[email])
    for r in rows:
        expected = oracle.rate(r["replies"], r["downloads"])
        assert (r["conversion_rate"] is None and expected is None) or (
            float(r["conversion_rate"]) == pytest.approx(expected)
        )


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_lead_magnet_performance_over_a_period(
    email, gateway_for, demo_users, world, period
) -> None:
    """Each owner's downloads in the period's days of that owner (0040 reads a client's and a
    reviewer's owners one by one, and every tenant's in one pass for a super admin)."""
    start, end = period
    rows = gateway_for(email).rows("lead_magnet_performance", p_from=start, p_to=end)
    got = {r["lead_magnet_id"]: (r["downloads"], r["replies"]) for r in rows}
    assert got == oracle.magnet_performance(world, demo_users[email], start, end)
    assert any(downloads for downloads, _ in got.values())


def _queued(rows: list[dict]) -> list[tuple]:
    """The gateway's rows as the oracle's tuples (ids as text, times as Timestamps)."""

    def value(column: str, v: object) -> object:
        if v is None:
            return None
        if column.endswith("id"):
            return str(v)
        return pd.Timestamp(v) if column == "created_at" else v

    return [tuple(value(c, r[c]) for c in oracle.QUEUE_COLUMNS) for r in rows]


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_approval_queue(email, gateway_for, demo_users, world) -> None:
    """Every draft in scope with its client, lead, campaign and cartridge, oldest first,
    filtered and paged like the oracle (0041 pages the drafts before it reads the rest)."""
    gateway, user = gateway_for(email), demo_users[email]
    everything = oracle.queue(world, user)
    assert _queued(gateway.rows("approval_queue", p_limit=1000)) == everything
    page = gateway.rows("approval_queue", p_limit=5, p_offset=3)
    assert _queued(page) == everything[3:8]
    assert {r["waiting_total"] for r in page} == {len(everything)}
    campaign = next(row[6] for row in everything if row[0] == "message")
    in_campaign = gateway.rows("approval_queue", p_campaign_id=campaign, p_limit=1000)
    assert _queued(in_campaign) == oracle.queue(world, user, campaign_id=campaign)
    assert gateway.rows("approval_queue", p_campaign_id=campaign, p_channel="post") == []
    for channel in ("dm", "email", "post"):
        wanted = oracle.queue(world, user, channel=channel)
        got = gateway.rows("approval_queue", p_channel=channel, p_limit=1000)
        assert _queued(got) == wanted
        assert wanted  # every demo user has drafts of each kind in scope
    for client in sorted({row[4] for row in everything}):
        mine = gateway.rows("approval_queue", p_client_id=client, p_limit=1000)
        assert _queued(mine) == [row for row in everything if row[4] == client]


def test_the_queue_of_another_tenant_is_empty(gateway_for, demo_users) -> None:
    other = demo_users["client2@revos.demo"].id
    assert gateway_for("client1@revos.demo").rows("approval_queue", p_client_id=other) == []


@pytest.mark.parametrize("asked", [["client1@revos.demo"], ["client2@revos.demo"], None])
def test_magnet_counts_called_directly_count_only_what_the_caller_sees(
    asked, runtime, demo_users, world
) -> None:
    """private.magnet_counts is callable by any user with any owners: it counts only the
    downloads RLS lets the caller see (client2 sees its own; None is the every-tenant path)."""
    owners = None if asked is None else [demo_users[e].id for e in asked]
    with as_user(runtime.service_url, demo_users["client2@revos.demo"].id) as conn:
        rows = conn.execute(
            "select lead_magnet_id::text, downloads, replies "
            "from private.magnet_counts(%s::uuid[], null, null)",
            [owners],
        ).fetchall()
    seen = world.downloads[world.downloads.user_id == demo_users["client2@revos.demo"].id]
    if asked == ["client1@revos.demo"]:
        seen = seen.iloc[0:0]
    assert sum(r[1] for r in rows) == len(seen)
    assert {r[0] for r in rows} == set(seen.lead_magnet_id.astype(str))


def test_admin_tenant_stats_for_the_super_admin(gateway_for, world, runtime) -> None:
    rows = gateway_for("admin@revos.demo").rows("admin_tenant_stats")
    with psycopg.connect(runtime.service_url) as conn:
        cursor = conn.execute(
            "select user_id::text, created_at, credits_used, result from apollo_usage"
        )
        attempts = pd.DataFrame(cursor.fetchall(), columns=[c.name for c in cursor.description])
    clients = world.users[world.users.role == "client"]
    assert {r["client_id"] for r in rows} == set(clients.id)
    for r in rows:
        leads = world.leads[world.leads.user_id == r["client_id"]]
        campaigns = world.campaigns[world.campaigns.user_id == r["client_id"]]
        assert r["leads_total"] == len(leads)
        assert r["active_campaigns"] == int((campaigns.status == "active").sum())
        assert r["drafts_waiting"] == int((world.drafts.user_id == r["client_id"]).sum())
        stamp = r["last_activity"] and pd.Timestamp(r["last_activity"])  # JSON: a string
        got = {**r, "last_activity": stamp}
        assert got == {**got, **tenant_windows(world, r["client_id"])}
        assert r == {**r, **apollo_month(world, attempts, r["client_id"])}


def tenant_windows(world: oracle.World, client_id: str) -> dict:
    """A tenant's last 7 and 30 days (theirs), and last activity, from their raw leads."""
    leads = world.leads[world.leads.user_id == client_id]
    today = world.today_for(client_id)
    days = world.local_days(leads, "commented_at")
    last_30 = leads[days > today - dt.timedelta(days=30)]
    latest = leads[["commented_at", "dm_sent_at", "email_sent_at"]].max(axis=1).max()
    return {
        "leads_7d": int((days > today - dt.timedelta(days=7)).sum()),
        "leads_30d": len(last_30),
        "enrichment_failures_30d": int((last_30.enrichment_status == "failed").sum()),
        "enrichment_rate_30d": oracle.rate(
            int(last_30.enrichment_status.isin(["enriched", "partial"]).sum()), len(last_30)
        ),
        "last_activity": None if pd.isna(latest) else latest,
        "dm_reply_rate_30d": _mature_reply_rate(world, leads, "dm", today),
        "email_reply_rate_30d": _mature_reply_rate(world, leads, "email", today),
    }


def _mature_reply_rate(
    world: oracle.World, leads: pd.DataFrame, channel: str, today: dt.date
) -> float | None:
    """Of the sends of the last 30 days at least 3 days old (the tenant's days), replied."""
    sent = f"{channel}_sent_at"
    recent = leads[world.local_days(leads, sent) > today - dt.timedelta(days=30)]
    mature = recent[oracle._mature(world, recent, sent)]
    return oracle.rate(int(mature[f"{channel}_replied_at"].notna().sum()), len(mature))


def apollo_month(world: oracle.World, attempts: pd.DataFrame, client_id: str) -> dict:
    """The tenant's Apollo credits and success rate this month (theirs), from the attempts."""
    mine = attempts[attempts.user_id == client_id]
    month = world.today_for(client_id).replace(day=1)
    days = world.local_days(mine, "created_at")
    this_month = mine[days.map(lambda d: d.replace(day=1) == month)]
    return {
        "apollo_credits_month": int(this_month.credits_used.sum()),
        "apollo_success_rate_month": oracle.rate(
            int((this_month.result == "success").sum()), len(this_month)
        ),
    }


@pytest.mark.parametrize("email", [e for e in DEMO_EMAILS if e != "admin@revos.demo"])
def test_admin_tenant_stats_refuses_everyone_else(email, gateway_for) -> None:
    with pytest.raises(AccessDenied, match="super admins only"):
        gateway_for(email).rows("admin_tenant_stats")


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_pickers_list_exactly_the_scope(email, gateway_for, demo_users, world) -> None:
    gateway, user = gateway_for(email), demo_users[email]
    assert {r["id"] for r in gateway.rows("visible_clients")} == world.clients_of(user)
    assert {r["id"] for r in gateway.rows("campaign_options")} == set(
        world.scoped(world.campaigns, user).id
    )
    assert gateway.rows("me")[0]["role"] == user.role


def test_lead_timeline_shows_steps_and_messages_only_to_those_who_may_see_the_lead(
    gateway_for, service
) -> None:
    lead_id, owner = service.execute(
        "select l.id::text, u.email from public.leads l join public.users u on u.id = l.user_id "
        "where l.dm_replied_at is not null and u.email = 'client1@revos.demo' limit 1"
    ).fetchone()
    events = gateway_for(owner).rows("lead_timeline", p_lead_id=lead_id)
    names = [e["event"] for e in events]
    assert names[0] == "Commented" and "DM replied" in names and "Message sent" in names
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    assert gateway_for("client3@revos.demo").rows("lead_timeline", p_lead_id=lead_id) == []
    assert gateway_for("reviewer@revos.demo").rows("lead_timeline", p_lead_id=lead_id) != []


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_post_engagement_is_scoped(email, gateway_for, demo_users, world, service) -> None:
    rows = gateway_for(email).rows("post_engagement")
    owners = {r["client_id"] for r in rows}
    assert owners == world.clients_of(demo_users[email])
    published = service.execute(
        "select count(*) from public.posts "
        "where status = 'published' and user_id = any(%s::uuid[])",
        [sorted(owners)],
    ).fetchone()[0]
    assert len(rows) == published


@pytest.mark.parametrize("stage", sorted(metrics.STAGE_FILTERS))
def test_each_stage_link_selects_exactly_the_stage_count(stage, gateway_for) -> None:
    """The one place stages are defined (revos.domain.metrics) agrees with the SQL's counts."""
    gateway = gateway_for("reviewer@revos.demo")
    totals = metrics.funnel_totals(gateway.frame("campaign_funnel"))
    filters = lead_filters.from_query_params(
        lead_filters.stage_query(metrics.STAGE_FILTERS[stage], (), None, None)
    )
    page = gateway.rows("leads_page", **filters.sql_params(None), p_limit=1)[0]
    assert page["total"] == totals[stage] > 0
