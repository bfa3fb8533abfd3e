"""Figures are built from DataFrames alone, with the data the page promises to show."""

from __future__ import annotations

import pandas as pd

from revos.domain import charts, metrics


def test_funnel_figure_shows_counts_and_both_percentages() -> None:
    stages = metrics.stage_table(
        {"commented": 100, "enriched": 70, "dm_sent": 50, "dm_delivered": 45, "dm_replied": 9},
        metrics.DM_PATH,
    )
    fig = charts.funnel_figure(stages, "DM path", charts.PALETTE["dm"])
    trace = fig.data[0]
    assert list(trace.x) == [100, 70, 50, 45, 9]
    assert "percentPrevious" in trace.texttemplate and "percentInitial" in trace.texttemplate
    # as the tiles: a bar's "70% of previous" sat beside a tile's 69.5%, "below target (70%)"
    assert trace.texttemplate.count(":.1%}") == 2


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
    fig = charts.trend_figure(trend, "week", pd.Series([7, 2]))
    assert [t.name for t in fig.data if t.showlegend is not False] == [
        "New leads",
        "DMs sent",
        "Emails sent",
        "Replies (DM + email)",
    ]
    replies = [t for t in fig.data if t.legendgroup == "Replies (DM + email)"]
    assert list(replies[-1].y) == [1, 1]  # its points, DM and email replies summed


def test_figures_leave_backgrounds_to_the_theme() -> None:
    fig = charts.ranking_figure(pd.DataFrame({"t": ["a", "b"], "v": [2, 1]}), "v", "t", "T")
    assert fig.layout.paper_bgcolor is None and fig.layout.plot_bgcolor is None
    assert list(fig.data[0].y) == ["b", "a"]  # best at the top


def test_post_engagement_is_on_a_date_axis_and_names_each_post() -> None:
    posts = pd.DataFrame(
        {
            "published_at": pd.to_datetime(["2026-11-02T14:05Z", "2026-11-09T09:30Z"]),
            "excerpt": ["How we doubled replies", "<b>Pricing</b> teardown"],
            "likes": [40, 12],
            "comments": [9, 3],
            "shares": [2, 0],
        }
    )
    fig = charts.engagement_figure(posts)
    assert fig.layout.xaxis.type == "date" and fig.layout.xaxis.title.text == "Published (UTC)"
    assert [str(x)[:10] for x in fig.data[0].x] == ["2026-11-02", "2026-11-09"]  # days
    # in the client's zone, a post at 09:30 UTC on Nov 9 is Nov 9 in New York, Nov 10 in Sydney
    sydney = charts.engagement_figure(posts, "Australia/Sydney")
    assert [str(x)[:10] for x in sydney.data[0].x] == ["2026-11-03", "2026-11-09"]
    assert sydney.layout.xaxis.title.text == "Published (Australia/Sydney)"
    # days written as the trend writes them ("Nov 4", not "Nov 04")
    assert "%d" not in fig.layout.xaxis.tickformat and "%d" not in fig.data[0].hovertemplate
    assert list(fig.data[0].customdata) == [
        "How we doubled replies",
        "&lt;b&gt;Pricing&lt;/b&gt; teardown",
    ]


def test_every_chart_titles_its_axes_and_keeps_the_legend_off_them() -> None:
    frame = pd.DataFrame({"t": ["a", "b"], "v": [0.2, 0.1]})
    figures = [
        charts.ranking_figure(frame, "v", "t", "Best", percent=True, axis_title="Conversion"),
        charts.grouped_bars(frame, "t", {"v": "V"}, "Compare", percent=True),
        charts.trend_figure(
            pd.DataFrame(
                {
                    "bucket": ["2026-01-05"],
                    "new_leads": [1],
                    "dms_sent": [1],
                    "dm_replies": [0],
                    "emails_sent": [0],
                    "email_replies": [0],
                }
            ),
            "day",
        ),
    ]
    for fig in figures:
        axis = fig.layout.xaxis if fig.data[0].orientation == "h" else fig.layout.yaxis
        assert axis.title.text, fig.layout.title.text
        # under the axis title, in the figure's own margin: not over the dates, and not up
        # into the title when it wraps on a phone
        legend = fig.layout.legend
        assert (legend.yref, legend.y, legend.yanchor) == ("container", 0, "bottom")
        # the title starts below plotly's toolbar (about 30 px), which covered it on phones
        layout = fig.layout
        assert layout.title.yref == "container" and layout.title.yanchor == "top"
        title_top = (1 - layout.title.y) * layout.height
        assert 30 <= title_top <= layout.margin.t - 40, title_top
        assert {"pan", "lasso", "select"} <= set(layout.modebar.remove)


def test_a_ranking_by_another_column_keeps_that_order_and_shows_the_interval() -> None:
    frame = pd.DataFrame(
        {"t": ["lucky", "sure"], "v": [0.5, 0.13], "low": [0.19, 0.10], "high": [0.81, 0.17]}
    )
    fig = charts.ranking_figure(frame, "v", "t", "Best", True, None, "low", ("low", "high"))
    assert list(fig.data[0].y) == ["sure", "lucky"]  # "lucky" (higher lower bound) on top
    assert [round(x, 2) for x in fig.data[0].error_x.arrayminus] == [0.03, 0.31]
    assert [round(x, 2) for x in fig.data[0].error_x.array] == [0.04, 0.31]


def test_a_ranking_with_an_interval_writes_each_value_after_its_whisker() -> None:
    frame = pd.DataFrame(
        {"t": ["lucky", "sure"], "v": [0.5, 0.13], "low": [0.19, 0.10], "high": [0.81, 0.17]}
    )
    fig = charts.ranking_figure(frame, "v", "t", "Best", True, None, "low", ("low", "high"))
    bars, labels = fig.data
    assert bars.textposition == "none"  # nothing inside the bar for the whisker to cross
    assert list(labels.x) == [0.17, 0.81] and list(labels.y) == ["sure", "lucky"]
    assert [t.strip() for t in labels.text] == ["13.0%", "50.0%"]
    assert bars.showlegend is False and labels.showlegend is False  # no "trace 0" legend
    assert labels.textposition == "middle right"


def test_trend_points_cut_short_are_white_on_dotted_lines_and_say_so() -> None:
    trend = pd.DataFrame(
        {
            "bucket": ["2026-11-02", "2026-11-09", "2026-11-16"],
            "new_leads": [2, 9, 4],
            "dms_sent": [1, 5, 2],
            "dm_replies": [0, 1, 0],
            "emails_sent": [0, 3, 1],
            "email_replies": [0, 1, 0],
        }
    )
    fig = charts.trend_figure(trend, "week", pd.Series([3, 7, 4]))
    line, dotted, points = [t for t in fig.data if t.legendgroup == "New leads"]
    # the solid line (the legend's entry) joins whole weeks only; dots join the cut ones
    assert line.showlegend is not False and line.hoverinfo == "skip"
    assert [None if pd.isna(y) else y for y in line.y] == [None, 9, None]
    monday = [pd.Timestamp(day) for day in trend["bucket"]]
    assert list(dotted.x) == [monday[0], monday[1], None, monday[1], monday[2], None]
    assert list(dotted.y) == [2, 9, None, 9, 4, None] and dotted.line.dash == "dot"
    # every point hovers with its value; the cut ones are white inside
    color = line.line.color
    assert list(points.marker.color) == ["white", color, "white"]
    assert list(points.y) == [2, 9, 4] and "New leads" in points.hovertemplate
    # the note once, in no legend group: hiding a series from the legend keeps it
    [note] = [t for t in fig.data if t.legendgroup is None]
    assert list(note.customdata) == [
        "(partial week: 3 of its 7 days in the period and over)",
        "(partial week: 4 of its 7 days in the period and over)",
    ]
    assert note.showlegend is False
    started = charts.trend_figure(trend, "week", pd.Series([7, 7, 0]))
    assert list(started.data[-1].customdata) == ["(not over yet)"]  # a week begun today
    today = charts.trend_figure(trend.iloc[2:], "day", pd.Series([0], index=[2]))
    assert list(today.data[-1].customdata) == ["(not over yet)"]
    whole = charts.trend_figure(trend, "week")
    assert len(whole.data) == 8  # a line and its points per series: nothing cut, no marks


def test_week_ticks_fall_on_the_weeks_own_mondays() -> None:
    """Plotly's own ticks fell on Sundays, a day before each "Week starting"; a lone week
    (the last 7 days) was zoomed into its millisecond."""
    weeks = pd.DataFrame(
        {
            "bucket": [str(d.date()) for d in pd.date_range("2026-09-07", periods=30, freq="7D")],
            **{c: [1] * 30 for c in ("new_leads", "dms_sent", "dm_replies")},
            **{c: [1] * 30 for c in ("emails_sent", "email_replies")},
        }
    )
    axis = charts.trend_figure(weeks, "week").layout.xaxis
    assert pd.Timestamp(axis.tick0) == pd.Timestamp("2026-09-07")  # a Monday
    assert axis.dtick == 3 * 7 * 86_400_000  # every third week: ten ticks for 30 weeks
    days = weeks.assign(
        bucket=[str(d.date()) for d in pd.date_range("2026-09-03", periods=30, freq="D")]
    )
    daily = charts.trend_figure(days, "day").layout.xaxis  # Thursday Sep 3 to Oct 2
    assert pd.Timestamp(daily.tick0) == pd.Timestamp("2026-09-07") and daily.dtick == 604_800_000
    short = charts.trend_figure(days.iloc[:10], "day").layout.xaxis
    assert pd.Timestamp(short.tick0) == pd.Timestamp("2026-09-03") and short.dtick == 86_400_000
    lone = charts.trend_figure(weeks.iloc[:1], "week").layout.xaxis
    assert [pd.Timestamp(t) for t in lone.tickvals] == [pd.Timestamp("2026-09-07")]
    assert pd.Timestamp(lone.range[1]) - pd.Timestamp(lone.range[0]) == pd.Timedelta(days=7)


def test_a_ranking_s_hover_names_what_it_shows() -> None:
    """The second trial: hovering a bar read "(9, Real Estate Lead Nurture Sequence)"."""
    frame = pd.DataFrame(
        {"t": ["a <b>", "b"], "v": [0.2, 0.1], "lo": [0.1, 0.05], "hi": [0.3, 0.2]}
    )
    plain = charts.ranking_figure(frame, "v", "t", "Most downloaded", axis_title="Downloads")
    assert plain.data[0].hovertemplate == "%{hovertext}<br>Downloads: %{x:,}<extra></extra>"
    sure = charts.ranking_figure(
        frame, "v", "t", "Best", percent=True, axis_title="Conversion", interval=("lo", "hi")
    )
    bars = sure.data[0]
    assert bars.hovertemplate == (
        "%{hovertext}<br>Conversion: %{x:.1%}<br>95% interval: %{customdata[0]:.1%} to "
        "%{customdata[1]:.1%}<extra></extra>"
    )
    assert [list(row) for row in bars.customdata] == [[0.05, 0.2], [0.1, 0.3]]  # as ordered


def test_an_average_line_is_drawn_at_its_value_and_named() -> None:
    frame = pd.DataFrame(
        {"t": ["lucky", "sure"], "v": [0.5, 0.13], "low": [0.19, 0.10], "high": [0.81, 0.17]}
    )
    fig = charts.ranking_figure(frame, "v", "t", "Best", True, None, "low", ("low", "high"))
    fig = charts.with_average(fig, 0.241, "All <b>downloads</b>", percent=True)
    [line] = fig.layout.shapes
    assert line.x0 == line.x1 == 0.241 and line.line.dash == "dot"
    [note] = fig.layout.annotations
    assert note.text == "All &lt;b&gt;downloads&lt;/b&gt; 24.1%"


def test_grouped_bars_hover_names_the_measure() -> None:
    """A phone trial: hovering a tenant's bar read "(Brightline Consulting, 71%)"."""
    frame = pd.DataFrame({"t": ["a", "b"], "dm": [0.2, 0.1], "email": [0.05, 0.3]})
    fig = charts.grouped_bars(frame, "t", {"dm": "DM reply", "email": "Email <i>reply"}, "R", True)
    assert [bar.hovertemplate for bar in fig.data] == [
        "%{x}<br>DM reply: %{y:.1%}<extra></extra>",
        "%{x}<br>Email &lt;i&gt;reply: %{y:.1%}<extra></extra>",
    ]


def test_a_ranking_s_axis_runs_from_zero_to_its_longest_whisker() -> None:
    """On a phone plotly stretched the conversion axis to -200% for the value labels."""
    frame = pd.DataFrame(
        {"t": ["lucky", "sure"], "v": [0.5, 0.13], "low": [0.19, 0.10], "high": [0.81, 0.17]}
    )
    fig = charts.ranking_figure(frame, "v", "t", "Best", True, None, "low", ("low", "high"))
    assert fig.layout.xaxis.range[0] == 0 and 0.81 <= fig.layout.xaxis.range[1] < 0.85
    counts = charts.ranking_figure(pd.DataFrame({"t": ["a"], "v": [0]}), "v", "t", "Leads")
    assert list(counts.layout.xaxis.range) == [0, 1]  # nothing yet: still an axis


def test_the_axis_reaches_an_average_beyond_every_bar() -> None:
    """The average counts magnets the chart does not draw (too few downloads, no niche):
    above every whisker, plotly clipped the line and hid its name."""
    frame = pd.DataFrame({"t": ["a"], "v": [0.0], "low": [0.0], "high": [0.036]})
    fig = charts.ranking_figure(frame, "v", "t", "Best", True, None, "low", ("low", "high"))
    fig = charts.with_average(fig, 0.25, "All downloads", percent=True)
    assert fig.layout.xaxis.range[1] >= 0.25
    counts = charts.with_average(
        charts.ranking_figure(pd.DataFrame({"t": ["a"], "v": [3]}), "v", "t", "Leads"),
        12.3456,
        "Average",
    )
    assert counts.layout.annotations[0].text == "Average 12.35"


def test_a_long_bar_name_is_cut_on_the_axis_and_whole_in_the_hover() -> None:
    """Plotly cut long names from the left ("ipeline Review Template…") and left a phone's
    plot a few pixels wide."""
    long = "Pipeline Review Template (Summit B2B Labs)"
    frame = pd.DataFrame(
        {"t": [f"{long} (n=1,204)", "Short (n=5)", f"{long} v2 (n=7)"], "v": [3, 2, 1]}
    )
    fig = charts.ranking_figure(frame, "v", "t", "Most downloaded")
    cut = "Pipeline Review Templat…"
    assert list(fig.data[0].y) == [f"{cut} (n=7)", "Short (n=5)", f"{cut} (n=1,204)"]
    alike = charts.ranking_figure(frame.assign(t=[long, "Short", f"{long} v2"]), "v", "t", "M")
    assert list(alike.data[0].y) == [f"{cut} #2", "Short", f"{cut} #1"]  # still two bars
    assert set(fig.data[0].hovertext) == set(frame["t"])  # the hover names each in full
    assert charts.short_label("x" * 40) == "x" * (charts.LABEL_CHARS - 1) + "…"


def test_a_conversion_s_bar_is_coloured_by_how_it_stands_to_the_average() -> None:
    """Top performers' bars green, laggards' red, the rest blue: a laggard's bar looked like
    any other, though the page lists it as one under the chart."""
    frame = pd.DataFrame(
        {
            "label": ["sure win", "unsure", "sure loss"],
            "conversion_rate": [0.5, 0.3, 0.05],
            "rate_low": [0.4, 0.1, 0.01],
            "rate_high": [0.6, 0.5, 0.15],
        }
    )
    fig = charts.conversion_ranking(frame, "Best conversion", 0.25)
    colors = dict(zip(fig.data[0].y, fig.data[0].marker.color, strict=True))
    labels = zip(fig.data[1].y, fig.data[1].text, strict=True)
    marks = {name: text.strip()[-1] for name, text in labels}
    assert marks == {"sure win": "▲", "unsure": "%", "sure loss": "▼"}  # not by colour alone
    assert colors == {
        "sure win": charts.STANDING_COLORS["above"],
        "unsure": charts.STANDING_COLORS["unsure"],
        "sure loss": charts.STANDING_COLORS["below"],
    }
    standing = metrics.standouts(frame, 0.25)
    assert list(standing.top["label"]) == ["sure win"]
    assert list(standing.laggards["label"]) == ["sure loss"]


def test_a_conversion_ranking_with_nothing_to_rank_is_an_empty_chart() -> None:
    """A week with no magnet ranked: joining the empty labels to their marks raised (pandas
    read the empty labels as numbers), and the page showed an error."""
    empty = pd.DataFrame(
        {"label": [], "conversion_rate": [], "rate_low": [], "rate_high": []}, dtype=float
    )
    fig = charts.conversion_ranking(empty, "Best conversion", 0.25)
    assert len(fig.data[0].y) == 0 and list(fig.data[1].text) == []
