"""The Leads page's filter bar, sorting included: widgets seeded from the URL once.

`filter_bar` parses the address once and returns both what it asked for and what the
widgets now say; the page compares them to know whether the filters changed (a change
starts again on page 1).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from revos.domain import lead_filters as lf
from revos.ui.tables import readable
from revos.ui.widgets import address_note


def _multi(label: str, options: tuple[str, ...], current: tuple[str, ...], key: str) -> tuple:
    return tuple(
        st.multiselect(
            label, options, default=list(current), key=key, format_func=readable, placeholder="Any"
        )
    )


def filter_bar(campaigns: list[dict], today: dt.date) -> tuple[lf.LeadFilters, lf.LeadFilters]:
    """(what the address asked for, what the widgets say now). `today`: in the zone of the
    client shown, so a link from that client's funnel keeps its last day."""
    current = lf.from_query_params(st.query_params.to_dict(), today)
    for problem in current.problems:
        address_note(problem)
    names = {c["id"]: c["name"] for c in campaigns}
    with st.container(border=True):
        top = st.columns([3, 2, 2])
        search = top[0].text_input(
            "Search name, company, title or comment",
            current.search,
            max_chars=lf.MAX_SEARCH_LENGTH,
            key="lf_search",
        )
        chosen = top[1].multiselect(
            "Campaigns",
            list(names),
            default=[c for c in current.campaigns if c in names],
            format_func=names.__getitem__,
            placeholder="All campaigns",
            key="lf_campaigns",
        )
        start = top[2].date_input("Commented from", current.start, key="lf_start")
        row = st.columns(5)
        with row[0]:
            status = _multi("Status", lf.STATUSES, current.status, "lf_status")
        with row[1]:
            enrichment = _multi(
                "Enrichment", lf.ENRICHMENT_STATUSES, current.enrichment, "lf_enrichment"
            )
        with row[2]:
            dm = _multi("DM", lf.DM_STATUSES, current.dm, "lf_dm")
        with row[3]:
            email = _multi("Email", lf.EMAIL_STATUSES, current.email, "lf_email")
        end = row[4].date_input("Commented until", current.end, key="lf_end")
        sort_col, order_col = st.columns([2, 3])
        sort = sort_col.selectbox(
            "Sort by",
            list(lf.SORTS),
            index=list(lf.SORTS).index(current.sort),
            format_func=lf.SORTS.__getitem__,
            key="lf_sort",
        )
        descending = order_col.toggle("Descending", value=current.descending, key="lf_desc")
    filters = lf.LeadFilters(
        campaigns=tuple(chosen),
        status=status,
        enrichment=enrichment,
        dm=dm,
        email=email,
        start=start,
        end=end,
        search=search.strip(),
        sort=sort,
        descending=descending,
        page=current.page,
    )
    if filters.start and filters.end and filters.end < filters.start:
        st.error("The 'until' date is before the 'from' date: no lead can match. Fix the dates.")
        st.stop()
    return current, filters
