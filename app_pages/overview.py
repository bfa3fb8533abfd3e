"""Overview: this period's KPIs against the previous period of the same length."""

import streamlit as st

from revos.domain import metrics
from revos.ui import context, errors, rankings, tables, time_zone, widgets
from revos.ui.text import counted

st.title("Overview")
gateway = context.gateway()

with errors.banner_on_failure():
    client_id = widgets.client_scope(gateway)
    period = widgets.period(gateway, client_id)
    start, end = period.bounds()
    not_over = time_zone.first_day_not_over(gateway, client_id)  # its points would dip
    with st.spinner("Loading KPIs…"):
        current, previous = gateway.rows(
            "overview_kpis", p_from=start, p_to=end, p_client_id=client_id
        )
        grain = "day" if period.days <= 31 else "week"
        trend = gateway.frame(
            "funnel_trend", p_from=start, p_to=end, p_grain=grain, p_client_id=client_id
        )

if not current["new_leads"] and not current["dms_sent"] and not current["emails_sent"]:
    st.info(
        "No outreach activity in this period. Pick a longer period, or start a campaign "
        "to see leads arrive here."
    )

lines = metrics.sparklines(trend, period.first, period.last, not_over, grain)
widgets.kpi_grid(metrics.kpi_tiles(current, previous), lines)
days = time_zone.days_note(gateway, client_id)
st.caption(
    f"{period.label()}, compared with {period.previous().label()} (the "
    f"{counted(period.days, 'day')} before). Counts by the day each thing happened ({days}): "
    "new leads by comment date, DMs and emails by send date; reply rates are the replies so "
    "far to the sends from before the last three days (newer ones have not had time to be "
    "answered). The lines in the tiles draw "
    f"whole {grain}s only: one not over yet for every client shown, or cut by the period's "
    "edge, would look like a drop."
)

with errors.banner_on_failure(), st.spinner("Comparing campaigns and lead magnets…"):
    moved_campaigns = rankings.campaign_movers(gateway, period, client_id)
    moved_magnets = rankings.lead_magnet_movers(gateway, period, client_id)
    top = rankings.top_campaign_funnels(gateway, period, client_id)

st.subheader("What changed")
changes = {
    "label": st.column_config.TextColumn("Name"),
    "before": st.column_config.NumberColumn("Before"),
    "now": st.column_config.NumberColumn("Now"),
    "change": st.column_config.NumberColumn("Change", format="%+,d"),
}
# one above the other: side by side, at 1280 px a long name pushed Change out of sight
tables.listing_or_note(
    st,
    "**Campaigns: new leads**",
    moved_campaigns,
    "No campaign's new leads changed.",
    changes,
)
tables.listing_or_note(
    st,
    "**Lead magnets: downloads**",
    moved_magnets,
    "No lead magnet's downloads changed.",
    changes,
)

st.subheader("Top campaigns")
tables.campaign_table(metrics.campaign_comparison(top))
st.caption("Campaigns by their new leads in the period: the cohort view of the Funnels page.")
