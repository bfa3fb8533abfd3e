"""Metric maths and formatting, without Streamlit or a database."""

from __future__ import annotations

from revos import metrics


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
