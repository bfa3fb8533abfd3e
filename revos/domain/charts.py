"""Plotly figures for every page. Pure functions of DataFrames: tested without Streamlit.

Figures set colours and labels but no backgrounds or fonts: Streamlit's theme supplies those,
so the same figure reads well in light and dark mode. One palette for the whole app.
"""

from __future__ import annotations

import html
import re

import pandas as pd
import plotly.graph_objects as go

from revos.domain import metrics
from revos.domain.periods import zone_info

PALETTE = {
    "primary": "#2563eb",
    "dm": "#2563eb",
    "email": "#0d9488",
    "reply": "#f59e0b",
    "neutral": "#64748b",
}
# a conversion's bar by how it stands to the average (metrics.standing): the top performers
# green, the laggards red, the ones no one can tell apart from the average yet in blue
STANDING_COLORS = {"above": "#16a34a", "below": "#dc2626", "unsure": PALETTE["primary"]}
# and marked after its value, for a reader who cannot tell red from green
STANDING_MARKS = {"above": " ▲", "below": " ▼", "unsure": ""}
SERIES_COLORS = ["#2563eb", "#0d9488", "#f59e0b", "#8b5cf6", "#ec4899", "#64748b"]


def as_text(values: pd.Series) -> pd.Series:
    """Names and snippets from outside as plotly shows them literally.

    Plotly reads a subset of HTML in every label and hover text (`<a href>` makes a link), so
    tenant, campaign and magnet names, reasons and post excerpts are entity-escaped first.
    """
    return values.astype(str).map(html.escape)


# The top margin, from the top: plotly's toolbar (about 30 px, shown on hover and on a tap),
# then the title, then room for a line's name above the plot (an average's). On a phone a
# title placed in the margin's middle ran under the toolbar.
TITLE_TOP_PX = 36
TOP_MARGIN_PX = 84


def _layout(fig: go.Figure, title: str, height: int = 360) -> go.Figure:
    fig.update_layout(
        title={
            "text": title,
            "x": 0,
            "xanchor": "left",
            "yref": "container",
            "y": 1 - TITLE_TOP_PX / height,
            "yanchor": "top",
        },
        height=height,
        margin={"l": 10, "r": 10, "t": TOP_MARGIN_PX, "b": 10},
        # the legend sits at the bottom, under the axis title, in a margin plotly grows to
        # fit it: above the plot, a legend that wrapped on a phone reached up into the title
        legend={
            "orientation": "h",
            "yref": "container",
            "y": 0,
            "yanchor": "bottom",
            "x": 0,
            "xanchor": "left",
        },
        # the toolbar keeps download, zoom and reset: eight buttons covered a phone's title
        modebar={"remove": ["zoomin", "zoomout", "autoscale", "pan", "select", "lasso"]},
        colorway=SERIES_COLORS,
    )
    return fig


def funnel_figure(
    stages: pd.DataFrame, title: str, color: str, rows: int | None = None
) -> go.Figure:
    """A funnel with each stage's count, % of the previous stage and % of the first;
    as tall as `rows` stages if given, so that funnels side by side end level (and what
    stands under them starts level)."""
    fig = go.Figure(
        go.Funnel(
            y=stages["label"],
            x=stages["count"],
            texttemplate=(
                # one decimal, as the tiles: "70% of previous" beside a tile's 69.5% read
                # as a contradiction of its "below target (70%)"
                "%{value:,}<br>%{percentPrevious:.1%} of previous<br>%{percentInitial:.1%} of top"
            ),
            marker={"color": color},
            connector={"line": {"color": PALETTE["neutral"], "width": 1}},
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    return _layout(fig, title, height=TOP_MARGIN_PX + 10 + 60 * (rows or len(stages)))


TREND_SERIES = (
    ("new_leads", "New leads", PALETTE["neutral"]),
    ("dms_sent", "DMs sent", PALETTE["dm"]),
    ("emails_sent", "Emails sent", PALETTE["email"]),
    ("replies", "Replies (DM + email)", PALETTE["reply"]),
)


def trend_figure(trend: pd.DataFrame, grain: str, whole_days: pd.Series | None = None) -> go.Figure:
    """New leads, DMs and emails sent, and replies per day or week.

    `whole_days` (`metrics.counted_days`) marks the buckets cut short, the weeks the period
    starts or ends inside and a day or week not over: white points joined by dotted lines,
    and a hover note on how many days they hold, so that their lower counts do not read as
    a drop (a solid line to today's few leads looked like a crash)."""
    fig = go.Figure()
    frame = trend.assign(
        replies=trend["dm_replies"] + trend["email_replies"],
        bucket=pd.to_datetime(trend["bucket"]),
    ).reset_index(drop=True)
    notes = pd.Series(_cut_short_notes(whole_days, grain, len(frame)))
    cut = notes != ""
    for column, name, color in TREND_SERIES:
        _trend_series(fig, frame["bucket"], frame[column], cut, name, color)
    if cut.any():  # the note once, in no series: hiding one from the legend keeps it
        fig.add_scatter(
            x=frame["bucket"][cut],
            y=[0] * int(cut.sum()),
            name="",
            mode="markers",
            marker={"opacity": 0},
            showlegend=False,
            customdata=notes[cut].str.strip(),
            hovertemplate="%{customdata}<extra></extra>",
        )
    fig.update_yaxes(rangemode="tozero", title=f"Count per {grain}")
    # the days are each client's own (their time zone), summed across clients
    fig.update_xaxes(
        title="Week starting" if grain == "week" else "Day", **_bucket_ticks(frame["bucket"], grain)
    )
    fig.update_layout(hovermode="x unified")
    return _layout(fig, f"Activity per {grain}", height=400)  # the legend under it too


def _trend_series(
    fig: go.Figure, x: pd.Series, y: pd.Series, cut: pd.Series, name: str, color: str
) -> None:
    """One series: a solid line between whole buckets (its legend entry), a dotted one
    along every step that touches a bucket cut short, and its points, white where cut."""
    fig.add_scatter(
        x=x,
        y=y.where(~cut),
        name=name,
        legendgroup=name,
        mode="lines",
        line={"color": color},
        hoverinfo="skip",
    )
    dotted_x: list = []
    dotted_y: list = []
    for i in range(len(x) - 1):
        if cut[i] or cut[i + 1]:
            dotted_x += [x[i], x[i + 1], None]
            dotted_y += [y[i], y[i + 1], None]
    if dotted_x:
        fig.add_scatter(
            x=dotted_x,
            y=dotted_y,
            name=f"{name}, cut short",
            legendgroup=name,
            mode="lines",
            line={"color": color, "dash": "dot"},
            showlegend=False,
            hoverinfo="skip",
        )
    fig.add_scatter(
        x=x,
        y=y,
        name=name,
        legendgroup=name,
        mode="markers",
        showlegend=False,
        marker={
            "color": ["white" if short else color for short in cut],
            "size": 8,
            "line": {"color": color, "width": 2},
        },
        hovertemplate=f"{name}: %{{y:,}}<extra></extra>",
    )


def _bucket_ticks(buckets: pd.Series, grain: str) -> dict:
    """Ticks on the buckets' own days, about a dozen at most: weekly ones on Mondays, where
    weeks start (plotly's own fell on Sundays, a day before each "Week starting"), and
    every day of a short period; one bucket alone gets a day or a week of room (plotly
    zoomed into its millisecond)."""
    if buckets.empty:
        return {}
    step = pd.Timedelta(days=metrics.bucket_length(grain))
    ticks: dict = {"tickformat": "%b %-d, %Y" if len(buckets) == 1 else "%b %-d"}
    if len(buckets) == 1:
        return ticks | {
            "tickvals": list(buckets),
            "range": [buckets[0] - step / 2, buckets[0] + step / 2],
        }
    day_ms = 86_400_000
    if grain == "day" and len(buckets) <= 14:
        return ticks | {"tick0": buckets.iloc[0], "dtick": day_ms}
    weeks = max(1, -(-len(buckets) // (12 if grain == "week" else 84)))  # a dozen ticks at most
    first = buckets.iloc[0]
    monday = first + pd.Timedelta(days=(7 - first.weekday()) % 7)  # days: the first Monday
    return ticks | {"tick0": monday, "dtick": weeks * 7 * day_ms}


# The caption under a trend with buckets cut short, by grain.
CUT_SHORT_NOTES = {
    "day": "White points on dotted lines are days not over yet, in the zone of every client "
    "shown: their counts may still grow.",
    "week": "White points on dotted lines are weeks that the period cuts or that are not over "
    "yet: they hold fewer days, so they sit lower. Hover or tap one for how many days it holds.",
}


def _cut_short_notes(whole_days: pd.Series | None, grain: str, buckets: int) -> list[str]:
    """Each bucket's hover note: empty for a whole one, else how much of it is counted."""
    if whole_days is None:
        return [""] * buckets
    length = metrics.bucket_length(grain)
    return [
        ""
        if days == length
        else " (not over yet)"
        if days == 0
        else f" (partial week: {days} of its 7 days in the period and over)"
        for days in whole_days
    ]


def engagement_figure(posts: pd.DataFrame, zone: str = "UTC") -> go.Figure:
    """Likes, comments and shares of each published post, on a date axis; hover names it.

    Posts fall on their day in `zone` (the time zone of the client the page shows)."""
    fig = go.Figure()
    published = pd.to_datetime(posts["published_at"], utc=True).dt.tz_convert(zone_info(zone))
    days = published.dt.tz_localize(None).dt.normalize()
    colors = {"likes": PALETTE["dm"], "comments": PALETTE["email"], "shares": PALETTE["reply"]}
    for column, name in (("likes", "Likes"), ("comments", "Comments"), ("shares", "Shares")):
        fig.add_bar(
            x=days,
            y=posts[column],
            name=name,
            marker={"color": colors[column]},
            customdata=as_text(posts["excerpt"]),
            hovertemplate="%{x|%b %-d, %Y}<br>%{customdata}<br>" + name + ": %{y:,}<extra></extra>",
        )
    fig.update_layout(barmode="group")
    fig.update_xaxes(type="date", tickformat="%b %-d", title=f"Published ({zone})")
    fig.update_yaxes(rangemode="tozero", title="Interactions per post")
    return _layout(fig, "Post engagement")


LABEL_CHARS = 24  # a bar's name on the axis, before its "(n=…)": longer ones are cut


def short_label(text: str) -> str:
    """A bar's name as the axis shows it: cut to LABEL_CHARS with an ellipsis, its "(n=…)"
    kept. Plotly gives the names at most part of the width and cut longer ones from the
    left ("ipeline Review Template…"), leaving a phone's plot a few pixels wide."""
    head, count = re.fullmatch(r"(.*?)((?: \(n=[\d,]+\))?)", text, re.S).groups()
    if len(head) > LABEL_CHARS:
        head = head[: LABEL_CHARS - 1].rstrip() + "…"
    return head + count


def ranking_figure(
    frame: pd.DataFrame,
    value: str,
    label: str,
    title: str,
    percent: bool = False,
    axis_title: str | None = None,
    rank_by: str | None = None,
    interval: tuple[str, str] | None = None,
    colors: pd.Series | None = None,
    marks: pd.Series | None = None,
) -> go.Figure:
    """Horizontal bars, best at the top; the value axis titled (default: the title).

    `rank_by` orders the bars by another column than the one they show (a conversion ranked
    by how sure it is), and `interval` (low, high columns) draws that uncertainty as whiskers,
    so the order can be read off the chart. `colors` (by the frame's index) colours each bar
    apart; without it every bar is the primary colour. `marks` (by the index, with an
    interval) follow each value's label."""
    ordered = frame.sort_values([rank_by or value, value], ascending=True)
    whiskers = None
    if interval is not None:
        low, high = interval
        whiskers = {
            "type": "data",
            "array": ordered[high] - ordered[value],
            "arrayminus": ordered[value] - ordered[low],
            "color": PALETTE["neutral"],
        }
    full = ordered[label].astype(str)
    names = as_text(metrics.told_apart(full.map(short_label), full))
    text = "%{x:.1%}" if percent else "%{x:,}"
    # the hover names what it shows (plotly's own read "(9, Real Estate ...)"), in full
    hover = f"%{{hovertext}}<br>{html.escape(axis_title or title)}: {text}"
    if interval is not None:
        share = ".1%" if percent else ","
        hover += f"<br>95% interval: %{{customdata[0]:{share}}} to %{{customdata[1]:{share}}}"
    fig = go.Figure(
        go.Bar(
            x=ordered[value],
            y=names,
            orientation="h",
            marker={"color": PALETTE["primary"] if colors is None else colors.loc[ordered.index]},
            error_x=whiskers,
            texttemplate=text if interval is None else None,
            textposition="outside" if interval is None else "none",
            cliponaxis=False,
            showlegend=False,
            customdata=ordered[list(interval)].to_numpy() if interval is not None else None,
            hovertext=as_text(full),
            hovertemplate=hover + "<extra></extra>",
        )
    )
    if interval is not None:  # each value after its whisker: inside the bar the line crossed it
        fig.add_scatter(
            x=ordered[interval[1]],
            y=names,
            mode="text",
            text=_value_labels(ordered, value, percent, marks),
            textposition="middle right",
            hoverinfo="skip",
            showlegend=False,
            cliponaxis=False,
        )
    if percent:
        fig.update_xaxes(tickformat=".0%")
    # from zero to the longest bar or whisker: on a phone plotly stretched the axis to -200%
    # to make room for the value labels, which have the right margin for that; and at most
    # three ticks, which a phone's narrow plot writes level rather than crowded on end
    reach = ordered[[value, *(interval or ())]].max().max() if len(ordered) else 0
    fig.update_xaxes(title=axis_title or title, range=[0, float(reach) * 1.02 or 1], nticks=3)
    _layout(fig, title, height=max(286, TOP_MARGIN_PX + 10 + 26 * len(ordered)))
    fig.update_layout(margin={"r": 70})  # room for the labels outside the longest bar
    return fig


def _value_labels(
    ordered: pd.DataFrame, value: str, percent: bool, marks: pd.Series | None
) -> list[str]:
    """Each bar's value as written after its whisker (spaced off the cap), then its mark."""
    shown = "  {:.1%}" if percent else "  {:,}"
    after = [""] * len(ordered) if marks is None else list(marks.loc[ordered.index])
    return [shown.format(v) + m for v, m in zip(ordered[value], after, strict=True)]


def with_average(fig: go.Figure, value: float, label: str, percent: bool = False) -> go.Figure:
    """A dotted line across horizontal bars at the value of every row together (a page's
    Conversion tile), named at its top: a bar whose whisker lies wholly to one side is surely
    above or below it, as the page's top performers and laggards are. The axis reaches the
    line: the bars drawn may all end short of an average that counts rows not drawn."""
    shown = f"{value:.1%}" if percent else f"{value:,.4g}"
    fig.add_vline(
        x=value,
        line={"dash": "dot", "color": PALETTE["neutral"], "width": 1.5},
        annotation={"text": f"{html.escape(label)} {shown}", "font": {"size": 11}},
        annotation_position="top",
    )
    reach = fig.layout.xaxis.range
    if reach is not None and value * 1.05 > reach[1]:
        fig.update_xaxes(range=[reach[0], value * 1.05])
    return fig


def conversion_ranking(frame: pd.DataFrame, title: str, average: float) -> go.Figure:
    """Conversions ranked by how sure they are (their 95% lower bound), each with its
    interval, beside the conversion of every download together: a frame from
    `metrics.rank_by_confidence` with `conversion_rate` and a `label` per bar."""
    standing = metrics.standing(frame, average)
    fig = ranking_figure(
        frame,
        "conversion_rate",
        "label",
        title,  # the caption below says how it ranks: a phone cut "(ranked by its 95% …)"
        percent=True,
        axis_title="Conversion (95% interval)",
        rank_by="rate_low",
        interval=("rate_low", "rate_high"),
        # surely above the dotted line, surely below it, or not yet known: drawn, not only
        # listed under the charts (a laggard's bar looked like any other)
        colors=standing.map(STANDING_COLORS),
        marks=standing.map(STANDING_MARKS),
    )
    return with_average(fig, average, "All downloads", percent=True)


def grouped_bars(
    frame: pd.DataFrame,
    category: str,
    values: dict[str, str],
    title: str,
    percent: bool = False,
    axis_title: str | None = None,
) -> go.Figure:
    """Bars per category for a few measures (e.g. tenants compared on their rates)."""
    fig = go.Figure()
    shown = "%{y:.1%}" if percent else "%{y:,}"
    for column, name in values.items():
        fig.add_bar(
            x=as_text(frame[category]),
            y=frame[column],
            name=name,
            # the hover names the measure (plotly's own read "(Brightline Consulting, 71%)")
            hovertemplate=f"%{{x}}<br>{html.escape(name)}: {shown}<extra></extra>",
        )
    fig.update_layout(barmode="group")
    if percent:
        fig.update_yaxes(tickformat=".0%")
    fig.update_yaxes(title=axis_title or ("Share" if percent else "Count"))
    return _layout(fig, title)
