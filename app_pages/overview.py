"""Overview: this period's KPIs against the previous period of the same length."""

import streamlit as st

from revos import metrics
from revos.ui import context, errors, widgets

st.title("Overview")
gateway = context.gateway()

with errors.banner_on_failure():
    client_id = widgets.client_scope(gateway)
    start, end = widgets.period()
    with st.spinner("Loading KPIs…"):
        current, previous = gateway.rows(
            "overview_kpis", p_from=start, p_to=end, p_client_id=client_id
        )

if not current["new_leads"] and not current["dms_sent"] and not current["emails_sent"]:
    st.info(
        "No outreach activity in this period. Pick a longer period, or start a campaign "
        "to see leads arrive here."
    )

widgets.kpi_grid(metrics.kpi_tiles(current, previous))
st.caption(
    f"Compared with {previous['period_start'][:10]} to "
    f"{previous['period_end'][:10]} (the previous period of the same length)."
)
