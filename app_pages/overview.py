"""Overview: this period's KPIs against the previous period of the same length."""

import streamlit as st

from revos import metrics
from revos.ui import context, errors, widgets

st.title("Overview")
gateway = context.gateway()

with errors.banner_on_failure():
    client_id = widgets.client_scope(gateway)
    period = widgets.period()
    start, end = period.bounds()
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

widgets.kpi_grid(metrics.kpi_tiles(current, previous), metrics.sparklines(trend))
st.caption(
    f"{period.label()}, compared with {period.previous().label()} (the {period.days} days "
    "before). Counts by the day each thing happened, in UTC: new leads by comment date, DMs "
    "and emails by send date; reply rates are the replies so far to those sends."
)
