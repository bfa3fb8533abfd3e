"""Funnels: where leads drop out, per campaign and over time."""

import datetime as dt

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from revos.domain import charts, lead_filters, metrics
from revos.ui import context, errors, tables, time_zone, widgets

st.title("Funnels")
gateway = context.gateway()

with errors.banner_on_failure():
    client_id = widgets.client_scope(gateway)
    campaigns = widgets.name_campaigns(
        gateway, gateway.rows("campaign_options", p_client_id=client_id), client_id
    )
if not campaigns:
    st.info(
        "No campaigns yet. Once a campaign scrapes the commenters of a post, its funnel "
        "appears here."
    )
    st.stop()

period = widgets.period(gateway, client_id)  # full width: five choices and dates
start, end = period.bounds()
chosen = widgets.campaign_picker(campaigns)
scope = {"p_campaign_ids": list(chosen) or None, "p_client_id": client_id}

with errors.banner_on_failure(), st.spinner("Counting the funnel…"):
    funnel = gateway.frame("campaign_funnel", p_from=start, p_to=end, **scope)
    funnel = widgets.name_clients(gateway, funnel, client_id, "campaign_name")
totals = metrics.funnel_totals(funnel)
if totals["commented"] == 0:
    st.info(
        "Nobody commented on these campaigns' posts in this period. Widen the period or "
        "pick other campaigns."
    )

st.caption(
    "A cohort: the leads who commented in the period, and how many of them reached each "
    "stage by now (the Overview counts DMs and emails by the day they were sent instead); "
    f"{time_zone.days_note(gateway, client_id)}."
)
last_day = (end - dt.timedelta(days=1)).date()
stage_queries = {  # the Leads page's address for exactly each stage's leads
    stage: lead_filters.stage_query(stage_filter, chosen, start.date(), last_day)
    | ({"client": client_id} if client_id else {})
    for stage, stage_filter in metrics.STAGE_FILTERS.items()
}


def stage_links(
    slot: DeltaGenerator, path: tuple[str, ...], counts: dict, queries: dict[str, dict]
) -> None:
    """A link from each stage of `path` to exactly its leads, under the path's funnel (in
    one grid for both paths, a phone stacked them as Commented, DM delivered, Opened…)."""
    for stage in path:
        slot.page_link(
            "app_pages/leads.py",
            label=f"{metrics.STAGE_LABELS[stage]}: {counts[stage]:,}",
            query_params=queries[stage],
            icon=":material/group:",
            help=metrics.FUNNEL_STAGES[stage],
        )


paths = (metrics.DM_PATH, metrics.EMAIL_PATH)
rows = max(map(len, paths))  # both funnels as tall: their links start level
for slot, path, title, color in zip(
    st.columns(2),
    paths,
    ("DM path", "Email path"),
    (charts.PALETTE["dm"], charts.PALETTE["email"]),
    strict=True,
):
    stages = metrics.stage_table(totals, path)
    slot.plotly_chart(charts.funnel_figure(stages, title, color, rows=rows))
    slot.caption("The leads at each stage:")
    stage_links(slot, path, totals, stage_queries)

grain = widgets.choice(
    st, "Trend per", {"day": "Day", "week": "Week"}, param="grain", default="week", key="grain"
)
with errors.banner_on_failure(), st.spinner("Loading the trend…"):
    trend = gateway.frame("funnel_trend", p_from=start, p_to=end, p_grain=grain, **scope)
    not_over = time_zone.first_day_not_over(gateway, client_id)
whole_days = metrics.counted_days(trend["bucket"], period.first, period.last, not_over, grain)
st.plotly_chart(charts.trend_figure(trend, grain, whole_days))
if (whole_days < metrics.bucket_length(grain)).any():
    st.caption(charts.CUT_SHORT_NOTES[grain])

st.subheader("Campaigns compared")
tables.campaign_table(metrics.campaign_comparison(funnel))
st.caption("Most new leads first, as on the Overview; click a column's name to sort by it.")

with errors.banner_on_failure():
    posts = gateway.frame("post_engagement", p_from=start, p_to=end, p_client_id=client_id)
if posts.empty:
    st.info("No posts were published in this period.")
else:
    zone = time_zone.of_page(gateway, client_id)
    st.plotly_chart(charts.engagement_figure(tables.to_datetimes(posts, ["published_at"]), zone))

with st.expander("What the stages mean"):
    for stage, definition in metrics.FUNNEL_STAGES.items():
        st.markdown(f"**{metrics.STAGE_LABELS[stage]}**: {definition}")
