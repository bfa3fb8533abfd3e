"""Leads: filter, sort and page through leads on the server; open one to see its timeline."""

import math
from dataclasses import replace

import pandas as pd
import streamlit as st

from revos.domain import address_notes, periods, timeline
from revos.domain import lead_filters as lf
from revos.ui import context, errors, tables, time_zone, widgets
from revos.ui.filter_bar import filter_bar
from revos.ui.text import counted, literal

OWNED_PARAMS = (
    "campaigns",
    "status",
    "enrichment",
    "dm",
    "email",
    "from",
    "to",
    "q",
    "sort",
    "asc",
    "page",
)
EXPORT_COLUMNS = {
    "name": "Name",
    "company_name": "Company",
    "job_title": "Title",
    "company_size": "Company size",
    "email": "Email",
    "linkedin_profile_url": "LinkedIn profile",
    "campaign_name": "Campaign",
    "comment_text": "Comment",
    "commented_at": "Commented at (UTC)",
    "status": "Status",
    "enrichment_status": "Enrichment",
    "enriched_at": "Enriched at (UTC)",
    "dm_status": "DM status",
    "dm_sent_at": "DM sent at (UTC)",
    "dm_replied_at": "DM replied at (UTC)",
    "email_status": "Email status",
    "email_sent_at": "Email sent at (UTC)",
    "email_replied_at": "Email replied at (UTC)",
}
DATE_COLUMNS = [
    "commented_at",
    "dm_sent_at",
    "dm_replied_at",
    "email_sent_at",
    "email_replied_at",
    "enriched_at",
]

st.title("Leads")
gateway = context.gateway()

with errors.banner_on_failure():
    client_id = widgets.client_scope(gateway)
    zone = time_zone.of_page(gateway, client_id)  # times shown in the client's zone
    campaigns = widgets.name_campaigns(
        gateway, gateway.rows("campaign_options", p_client_id=client_id), client_id
    )
if not campaigns:
    st.info("No campaigns yet, so no leads. Leads appear here as campaigns scrape comments.")
    st.stop()

# `from` and `to` here are the comment dates of the filters below, not a period's
widgets.no_period("filtering by the comment dates below", params=("period",))
from_url, filters = filter_bar(campaigns, periods.today_in(zone))
if replace(filters, page=1) != replace(from_url, page=1, problems=()):
    filters = filters.with_page(1)  # new filters start on the first page


def export_rows() -> list[dict]:
    return gateway.call("leads_export", **filters.sql_params(client_id), p_limit=lf.EXPORT_LIMIT)[
        0
    ]["rows"]


def fetch(limit: int, offset: int) -> dict:
    return gateway.rows(
        "leads_page", **filters.sql_params(client_id), p_limit=limit, p_offset=offset
    )[0]


with errors.banner_on_failure(), st.spinner("Finding leads…"):
    result = fetch(lf.PAGE_SIZE, filters.offset)
    pages = max(1, math.ceil(result["total"] / lf.PAGE_SIZE))
    past_the_end = filters.page if filters.page > pages else None
    if past_the_end:
        filters = filters.with_page(pages)
        result = fetch(lf.PAGE_SIZE, filters.offset)
if past_the_end and result["total"]:
    widgets.address_note(
        address_notes.unusable(
            f"page {past_the_end:,}",
            f"but these filters give {counted(pages, 'page')}",
            "showing the last",
        )
    )
widgets.set_query(filters.query_params(), OWNED_PARAMS)

total = result["total"]
if total == 0:
    st.info("No leads match these filters. Remove a filter or widen the dates.")
    st.stop()

leads = tables.to_datetimes(pd.DataFrame(result["rows"]), DATE_COLUMNS, zone)
# reviewers and admins looking at several clients see whose lead each row is
leads = widgets.name_clients(gateway, leads, client_id, "campaign_name")
several_clients = "client" in leads.columns
columns = [  # what people scan first comes first: no sideways scrolling at 1440 px for it
    *(["client"] if several_clients else []),
    "name",
    "company_name",
    "status",
    "dm_status",
    "email_status",
    "commented_at",
    "campaign_name",
    "job_title",
    "email",
    "dm_sent_at",
    "email_sent_at",
    "linkedin_profile_url",
]
leads["email_status"] = leads["email_status"].fillna("No email")  # a state, not a blank
shown = leads[columns].map(tables.readable)
st.caption(
    f"{lf.matches_sentence(total, result.get('more_matches', False))} · "
    f"page {filters.page} of {pages:,} · times in {zone} · select a row to open the lead"
)
selection = tables.grid(
    shown,
    {
        "client": "Client",
        "name": st.column_config.TextColumn("Name", pinned=True),  # in view, scrolled sideways
        "linkedin_profile_url": st.column_config.LinkColumn("LinkedIn", display_text="Profile"),
        "company_name": "Company",
        "job_title": "Title",
        "campaign_name": "Campaign",
        "commented_at": st.column_config.DatetimeColumn("Commented", format="YYYY-MM-DD HH:mm"),
        "status": "Status",
        "enrichment_status": "Enrichment",
        "dm_status": "DM",
        "email_status": "Email",
        "email": "Email address",
        "dm_sent_at": st.column_config.DatetimeColumn("DM sent", format="YYYY-MM-DD"),
        "email_sent_at": st.column_config.DatetimeColumn("Email sent", format="YYYY-MM-DD"),
    },
    on_select="rerun",
    selection_mode="single-row",
    key="leads_table",
)


@st.dialog("Lead", width="large")
def lead_detail(lead: pd.Series) -> None:
    """The lead where the user is looking: its steps and messages, oldest first."""
    st.subheader(f"{literal(lead['name'])} · {literal(lead['company_name'] or 'company unknown')}")
    with errors.banner_on_failure():
        events = timeline.without_repeats(gateway.frame("lead_timeline", p_lead_id=lead["id"]))
        events = tables.to_datetimes(events, ["at"], zone)
    st.caption(f"Times in {zone}.")
    for event in events.itertuples():
        line = timeline.describe(
            event.event, event.channel, event.status, event.subject, event.detail
        )
        st.markdown(f"**{event.at:%Y-%m-%d %H:%M}** · {literal(line.title)}")
        if line.subject:
            st.caption(f"Subject: {literal(line.subject)}")
        if line.detail:
            st.text(line.detail)


pager = st.columns([2, 2, 5, 4])
widgets.pager(pager[0], pager[1], filters.page, pages)
with pager[3]:
    exported = min(total, lf.EXPORT_LIMIT)
    tables.csv_download(
        f"Export {exported:,} leads (CSV)",
        "leads.csv",
        lambda: pd.DataFrame(export_rows()),
        EXPORT_COLUMNS,
        timestamps=tuple(c for c in EXPORT_COLUMNS if c.endswith("_at")),
    )
    if total > lf.EXPORT_LIMIT:
        st.caption(
            f"Exports hold at most {lf.EXPORT_LIMIT:,} leads; narrow the filters to "
            "export the rest."
        )

picked = selection.selection.rows
if picked and st.session_state.get("lead_opened") != leads.iloc[picked[0]]["id"]:
    st.session_state["lead_opened"] = leads.iloc[picked[0]]["id"]  # open once per pick
    lead_detail(leads.iloc[picked[0]])
elif not picked:
    st.session_state.pop("lead_opened", None)
