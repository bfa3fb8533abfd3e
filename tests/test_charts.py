"""Figures are built from DataFrames alone, with the data the page promises to show."""

from __future__ import annotations

import pandas as pd

from revos import charts, metrics


def test_funnel_figure_shows_counts_and_both_percentages() -> None:
    stages = metrics.stage_table(
        {"commented": 100, "enriched": 70, "dm_sent": 50, "dm_delivered": 45, "dm_replied": 9},
        metrics.DM_PATH,
    )
    fig = charts.funnel_figure(stages, "DM path", charts.PALETTE["dm"])
    trace = fig.data[0]
    assert list(trace.x) == [100, 70, 50, 45, 9]
    assert "percentPrevious" in trace.texttemplate and "percentInitial" in trace.texttemplate


def test_trend_figure_has_four_series() -> None:
    trend = pd.DataFrame(
        {
            "bucket": ["2026-01-05", "2026-01-12"],
            "new_leads": [5, 6],
            "dms_sent": [3, 4],
            "dm_replies": [1, 0],
            "emails_sent": [2, 2],
            "email_replies": [0, 1],
        }
    )
    fig = charts.trend_figure(trend, "week")
    assert [t.name for t in fig.data] == [
        "New leads",
        "DMs sent",
        "Emails sent",
        "Replies (DM + email)",
    ]
    assert list(fig.data[3].y) == [1, 1]


def test_figures_leave_backgrounds_to_the_theme() -> None:
    fig = charts.ranking_figure(pd.DataFrame({"t": ["a", "b"], "v": [2, 1]}), "v", "t", "T")
    assert fig.layout.paper_bgcolor is None and fig.layout.plot_bgcolor is None
    assert list(fig.data[0].y) == ["b", "a"]  # best at the top
