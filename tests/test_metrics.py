"""Metric maths and formatting, without Streamlit or a database."""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pytest

from revos.domain import metrics
from tests import oracle


def test_tiles_compare_with_the_previous_period_and_flag_targets() -> None:
    current = {
        "new_leads": 120,
        "dm_reply_rate": 0.08,
        "email_reply_rate": 0.06,
        "enrichment_rate": None,
        "drafts_waiting": 7,
    }
    previous = {
        "new_leads": 100,
        "dm_reply_rate": 0.12,
        "email_reply_rate": 0.05,
        "enrichment_rate": 0.7,
        "drafts_waiting": 7,
    }
    tiles = {t.metric.key: t for t in metrics.kpi_tiles(current, previous)}
    assert tiles["new_leads"].delta == 20 and tiles["new_leads"].on_target is None
    assert tiles["dm_reply_rate"].on_target is False
    assert tiles["email_reply_rate"].on_target is True
    assert tiles["enrichment_rate"].value is None and tiles["enrichment_rate"].delta is None
    assert tiles["drafts_waiting"].delta is None  # a count of now: nothing to compare


def test_formatting() -> None:
    rate = next(m for m in metrics.KPIS if m.key == "dm_reply_rate")
    count = next(m for m in metrics.KPIS if m.key == "new_leads")
    assert metrics.format_value(rate, 0.1234) == "12.3%"
    assert metrics.format_value(count, 12345) == "12,345"
    assert metrics.format_value(count, None) == "n/a"
    assert metrics.format_delta(rate, -0.021) == "-2.1 pts"
    assert metrics.format_delta(count, 5) == "+5"


def test_every_kpi_has_a_definition_and_rates_have_targets() -> None:
    for metric in metrics.KPIS:
        assert metric.definition.endswith(".")
        assert (metric.kind is metrics.Kind.RATE) == (metric.target is not None)


def test_stage_table_percentages() -> None:
    import pandas as pd

    table = metrics.stage_table(
        {"email_sent": 200, "email_opened": 100, "email_clicked": 25, "email_replied": 0},
        metrics.EMAIL_PATH,
    )
    assert list(table["count"]) == [200, 100, 25, 0]
    assert table["pct_previous"].tolist()[1:] == [0.5, 0.25, 0.0]
    assert pd.isna(table["pct_previous"][0])
    assert table["pct_top"].tolist() == [1.0, 0.5, 0.125, 0.0]
    empty = metrics.stage_table({}, metrics.DM_PATH)
    assert empty["pct_top"].isna().all()


def test_campaign_comparison_rates() -> None:
    import pandas as pd

    funnel = pd.DataFrame(
        [
            {
                "campaign_name": "A",
                "campaign_status": "active",
                "commented": 10,
                "enriched": 7,
                "dm_sent": 5,
                "dm_replied": 1,
                "email_sent": 0,
                "email_replied": 0,
            }
        ]
    )
    row = metrics.campaign_comparison(funnel).iloc[0]
    assert (row.leads, row.enrichment_rate, row.dm_reply_rate) == (10, 0.7, 0.2)
    assert pd.isna(row.email_reply_rate)  # no rate without an email sent


def test_campaign_comparison_puts_most_new_leads_first_and_keeps_ties_in_order() -> None:
    """A trial found "Campaigns compared" (Funnels) in another order than "Top campaigns"
    (Overview), neither saying how: both read most new leads first now."""
    import pandas as pd

    def campaign(name: str, commented: int) -> dict:
        return {
            "campaign_name": name,
            "campaign_status": "active",
            "commented": commented,
            "enriched": 0,
            "dm_sent": 0,
            "dm_replied": 0,
            "email_sent": 0,
            "email_replied": 0,
        }

    funnel = pd.DataFrame([campaign("B", 3), campaign("A", 9), campaign("C", 3)])
    table = metrics.campaign_comparison(funnel)
    assert list(table["campaign"]) == ["A", "B", "C"]
    assert list(table.index) == [0, 1, 2]


def test_tenant_alerts() -> None:
    import pandas as pd

    stats = pd.DataFrame(
        [
            {
                "company": "Low",
                "email": "a",
                "dm_reply_rate_30d": 0.05,
                "email_reply_rate_30d": 0.06,
                "enrichment_failures_30d": 40,
                "leads_30d": 100,
                "apollo_credits_month": 1500,
            },
            {
                "company": "Fine",
                "email": "b",
                "dm_reply_rate_30d": 0.15,
                "email_reply_rate_30d": None,
                "enrichment_failures_30d": 10,
                "leads_30d": 100,
                "apollo_credits_month": 10,
            },
        ]
    )
    alerts = metrics.tenant_alerts(stats)
    assert sorted(alerts["alert"]) == [
        "Apollo credits high this month",
        "DM reply rate under target",
        "Enrichment failures high",
    ]
    assert set(alerts["tenant"]) == {"Low"}


def test_age_is_seconds_since_a_database_timestamp() -> None:
    now = pd.Timestamp("2026-11-25T12:00:00Z")
    assert metrics.age_seconds("2026-11-25T10:30:00+00:00", now) == 5400
    assert metrics.age_seconds("2026-11-26T10:30:00+00:00", now) == 0  # never negative
    assert metrics.humanize_duration(metrics.age_seconds("2026-11-22T12:00:00Z", now)) == "3 d"


def test_wilson_bounds_rank_a_sure_rate_above_a_lucky_one() -> None:
    lucky_low, lucky_high = metrics.wilson_bounds(2, 6)
    sure_low, sure_high = metrics.wilson_bounds(40, 300)
    assert lucky_low < 2 / 6 < lucky_high and sure_low < 40 / 300 < sure_high
    assert sure_low > lucky_low  # 13% of 300 ranks above 33% of 6
    assert round(sure_low, 3) == 0.099  # the textbook value for 40/300
    assert metrics.wilson_bounds(0, 0) == (0.0, 1.0)
    frame = pd.DataFrame({"replies": [2, 40], "downloads": [6, 300]})
    ranked = metrics.rank_by_confidence(frame, "replies", "downloads")
    assert ranked.nlargest(1, "rate_low")["downloads"].item() == 300


def test_standouts_are_held_to_the_pooled_rate_and_never_share_a_magnet() -> None:
    frame = pd.DataFrame(
        {
            "title": ["sure", "lucky", "solid", "poor"],
            "replies": [40, 1, 20, 1],
            "downloads": [300, 5, 100, 90],
        }
    ).assign(conversion_rate=lambda f: f["replies"] / f["downloads"])
    ranked = metrics.rank_by_confidence(frame, "replies", "downloads")
    standing = metrics.standouts(ranked, metrics.pooled_rate(ranked))
    assert standing.bar == 62 / 495  # 12.5%
    # 20 of 100 is surely above 12.5% (13.3% at least); 40 of 300 could be 9.9%, 1 of 5 4%
    assert list(standing.top["title"]) == ["solid"]
    # 1 of 90 stays under 6%; 1 of 5 could be 62%
    assert list(standing.laggards["title"]) == ["poor"]


def test_a_magnet_surely_below_average_is_never_a_top_performer() -> None:
    """Found by review: with a lower bound merely above zero, B (50 of 1,000, surely under
    the pooled 9.1%) was listed among the top, and so never among the laggards."""
    frame = pd.DataFrame(
        {"title": ["A", "B", "C"], "replies": [60, 50, 1], "downloads": [200, 1000, 20]}
    ).assign(conversion_rate=lambda f: f["replies"] / f["downloads"])
    ranked = metrics.rank_by_confidence(frame, "replies", "downloads")
    standing = metrics.standouts(ranked, metrics.pooled_rate(ranked))
    assert list(standing.top["title"]) == ["A"]
    assert list(standing.laggards["title"]) == ["B"]


def test_an_alert_never_reads_as_its_own_threshold() -> None:
    alerts = pd.DataFrame(
        {
            "tenant": ["a", "b", "c"],
            "alert": ["Email reply rate under target"] * 2 + ["Apollo credits high this month"],
            "value": [0.0496, 0.031, 1234.0],
            "threshold": [0.05, 0.05, 1000.0],
        }
    )
    texts = metrics.alert_texts(alerts)
    assert list(texts["value"]) == ["4.96%", "3.10%", "1,234"]
    assert list(texts["threshold"]) == ["5.00%", "5.00%", "1,000"]


def _random_stats(rng: random.Random, tenants: int) -> pd.DataFrame:
    def rate() -> float | None:
        return rng.choice([None, float("nan"), round(rng.random() * 0.3, 4), 0.0496, 0.05])

    return pd.DataFrame(
        {
            "company": [rng.choice([None, "", f"Co {i}"]) for i in range(tenants)],
            "email": [f"t{i}@x.test" for i in range(tenants)],
            "dm_reply_rate_30d": [rate() for _ in range(tenants)],
            "email_reply_rate_30d": [rate() for _ in range(tenants)],
            "enrichment_failures_30d": [rng.randint(0, 60) for _ in range(tenants)],
            "leads_30d": [rng.choice([0, 10, 100, 150]) for _ in range(tenants)],
            "apollo_credits_month": [
                rng.choice([0, 999, 1000, 1001, 5000]) for _ in range(tenants)
            ],
        }
    )


@pytest.mark.parametrize("seed", range(20))
def test_alerts_are_the_row_by_row_alerts(seed: int) -> None:
    """Column by column, the alerts and their texts are what the page computed row by row."""
    rng = random.Random(seed)
    stats = _random_stats(rng, rng.randint(0, 40))
    stats.index = rng.sample(range(1000), len(stats))  # a filtered frame keeps its labels
    alerts = metrics.tenant_alerts(stats)
    expected = oracle.tenant_alerts(stats)
    pd.testing.assert_frame_equal(alerts, expected, check_dtype=False)
    texts = metrics.alert_texts(alerts)
    for column in ("value", "threshold"):
        assert list(texts[column]) == [oracle.alert_text(a, column) for _, a in alerts.iterrows()]


def test_a_magnet_without_replies_is_never_a_top_performer() -> None:
    """Found by a browser trial: with three magnets, two at 0 of 6 were "surely high"."""
    frame = pd.DataFrame(
        {
            "title": ["good", "none a", "none b", "low"],
            "replies": [13, 0, 0, 10],
            "downloads": [53, 6, 6, 400],
        }
    ).assign(conversion_rate=lambda f: f["replies"] / f["downloads"])
    ranked = metrics.rank_by_confidence(frame, "replies", "downloads")
    standing = metrics.standouts(ranked, metrics.pooled_rate(ranked))
    assert list(standing.top["title"]) == ["good"]
    # 0 of 6 could still be 39%: not surely below the pooled 4.9% either; 10 of 400 is
    assert list(standing.laggards["title"]) == ["low"]


def _trend(first: str, buckets: int, grain: str, value: float = 10.0) -> pd.DataFrame:
    step = 7 if grain == "week" else 1
    days = pd.date_range(first, periods=buckets, freq=f"{step}D")
    counts = [value] * buckets
    return pd.DataFrame(
        {"bucket": days.date, "new_leads": counts, "dms_sent": counts, "emails_sent": counts}
    )


def test_sparklines_leave_out_today_which_is_not_over() -> None:
    today = dt.date(2026, 11, 29)
    trend = _trend("2026-11-23", 7, "day")
    trend.loc[6, "new_leads"] = 1.0  # today so far: a dip that is not there
    lines = metrics.sparklines(trend, dt.date(2026, 11, 23), today, today, "day")
    assert lines["new_leads"] == [10.0] * 6
    past = metrics.sparklines(trend, dt.date(2026, 11, 23), today, dt.date(2026, 12, 5), "day")
    assert past["new_leads"][-1] == 1.0  # seen from a later day, the day is whole


def test_sparklines_leave_out_weeks_the_period_cuts_short() -> None:
    first, last = dt.date(2026, 9, 1), dt.date(2026, 11, 29)  # a Tuesday to a Sunday
    trend = _trend("2026-08-31", 13, "week")  # Monday-started weeks, the first cut short
    lines = metrics.sparklines(trend, first, last, dt.date(2026, 12, 1), "week")
    assert len(lines["dms_sent"]) == 12  # the week of Aug 31 starts before the period
    ongoing = metrics.sparklines(trend, first, last, last, "week")
    assert len(ongoing["dms_sent"]) == 11  # and the week holding today is not over


def test_counted_days_says_how_much_of_each_bucket_is_in_the_period_and_over() -> None:
    first, last = dt.date(2026, 11, 4), dt.date(2026, 11, 29)  # a Wednesday to a Sunday
    weeks = _trend("2026-11-02", 4, "week")["bucket"]  # Mondays: Nov 2, 9, 16, 23
    over = metrics.counted_days(weeks, first, last, dt.date(2026, 12, 2), "week")
    assert list(over) == [5, 7, 7, 7]  # Nov 2 and 3 are before the period
    ongoing = metrics.counted_days(weeks, first, last, dt.date(2026, 11, 26), "week")
    assert list(ongoing) == [5, 7, 7, 3]  # Nov 26 (today) on are not over
    days = _trend("2026-11-27", 3, "day")["bucket"]
    assert list(metrics.counted_days(days, first, last, last, "day")) == [1, 1, 0]
    assert list(metrics.counted_days(weeks.iloc[:0], first, last, last, "week")) == []


def test_names_that_repeat_are_told_apart_in_the_order_of_their_keys() -> None:
    names = pd.Series(["Guide", "Audit", "Guide", "Guide", "Playbook"], index=[9, 3, 1, 7, 5])
    keys = pd.Series(["c", "x", "a", "b", "y"], index=[9, 3, 1, 7, 5])
    told = metrics.told_apart(names, keys)
    assert list(told) == ["Guide #3", "Audit", "Guide #1", "Guide #2", "Playbook"]
    assert list(told.index) == [9, 3, 1, 7, 5]
    assert told.is_unique


def test_a_number_another_name_has_is_skipped() -> None:
    names = pd.Series(["Guide", "Guide", "Guide #1", None, None])
    told = metrics.told_apart(names, pd.Series(["a", "b", "c", "d", "e"]))
    assert list(told) == ["Guide #2", "Guide #3", "Guide #1", "(untitled) #1", "(untitled) #2"]


def test_conversion_by_niche_keeps_magnets_without_one() -> None:
    downloaded = pd.DataFrame(
        {
            "niche": ["SaaS", None, "SaaS", None],
            "downloads": [1000, 4, 234, 6],
            "replies": [100, 1, 0, 0],
        }
    )
    niches = metrics.conversion_by_niche(downloaded).set_index("niche")
    assert niches.loc["SaaS", "label"] == "SaaS (n=1,234)"
    assert niches.loc["No niche", "downloads"] == 10 and niches.loc["No niche", "replies"] == 1
    assert niches["downloads"].sum() == downloaded["downloads"].sum()
    assert (niches["rate_low"] <= niches["conversion_rate"]).all()
