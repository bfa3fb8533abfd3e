"""The Leads page's filter bar, sorting included: widgets seeded from the URL once.

`filter_bar` parses the address once and returns both what it asked for and what the
widgets now say; the page compares them to know whether the filters changed (a change
starts again on page 1).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from revos.domain import lead_filters as lf
from revos.ui import widgets
from revos.ui.tables import readable
from revos.ui.text import literal


def _multi(label: str, options: tuple[str, ...], current: tuple[str, ...], key: str) -> tuple:
    return tuple(
        st.multiselect(
            label, options, default=list(current), key=key, format_func=readable, placeholder="Any"
        )
    )


@dataclass(frozen=True)
class _Slots:
    """Where each filter is drawn."""

    search: DeltaGenerator
    campaigns: DeltaGenerator
    start: DeltaGenerator
    end: DeltaGenerator
    status: DeltaGenerator
    enrichment: DeltaGenerator
    dm: DeltaGenerator
    email: DeltaGenerator
    sort: DeltaGenerator
    order: DeltaGenerator


def _wide_slots() -> _Slots:
    """A grid of three rows in one box."""
    box = st.container(border=True)
    search, campaigns, start = box.columns([3, 2, 2])
    status, enrichment, dm, email, end = box.columns(5)
    sort, order = box.columns([2, 3])
    return _Slots(search, campaigns, start, end, status, enrichment, dm, email, sort, order)


def _phone_slots() -> _Slots:
    """The search, then the rest folded under one heading in reading order: the grid's
    columns, stacked, took a screen and a half before the first lead and put "Commented
    until" five fields after "Commented from"."""
    box = st.container(border=True)
    search = box.container()
    folded = box.expander("Filters and sort")
    rest = [folded.container() for _ in fields(_Slots)[1:]]  # in the fields' order
    return _Slots(search, *rest)


def filter_bar(campaigns: list[dict], today: dt.date) -> tuple[lf.LeadFilters, lf.LeadFilters]:
    """(what the address asked for, what the widgets say now). `today`: in the zone of the
    client shown, so a link from that client's funnel keeps its last day."""
    current = lf.from_query_params(st.query_params.to_dict(), today)
    for problem in current.problems:
        widgets.address_note(problem)
    names = {c["id"]: c["name"] for c in campaigns}
    phone = widgets.on_a_phone()
    slots = _phone_slots() if phone else _wide_slots()
    search = slots.search.text_input(
        "Search name, company, title or comment",
        current.search,
        max_chars=lf.MAX_SEARCH_LENGTH,
        key="lf_search",
    )
    chosen = slots.campaigns.multiselect(
        "Campaigns",
        list(names),
        default=[c for c in current.campaigns if c in names],
        format_func=names.__getitem__,
        placeholder="All campaigns",
        key="lf_campaigns",
    )
    start = slots.start.date_input("Commented from", current.start, key="lf_start")
    end = slots.end.date_input("Commented until", current.end, key="lf_end")
    with slots.status:
        status = _multi("Status", lf.STATUSES, current.status, "lf_status")
    with slots.enrichment:
        enrichment = _multi(
            "Enrichment", lf.ENRICHMENT_STATUSES, current.enrichment, "lf_enrichment"
        )
    with slots.dm:
        dm = _multi("DM", lf.DM_STATUSES, current.dm, "lf_dm")
    with slots.email:
        email = _multi("Email", lf.EMAIL_STATUSES, current.email, "lf_email")
    sort = slots.sort.selectbox(
        "Sort by",
        list(lf.SORTS),
        index=list(lf.SORTS).index(current.sort),
        format_func=lf.SORTS.__getitem__,
        key="lf_sort",
    )
    descending = slots.order.toggle("Descending", value=current.descending, key="lf_desc")
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
    if phone and (summary := lf.folded_summary(filters, names, readable)):
        st.caption("Filtered: " + literal(summary))  # campaign names are the clients' text
    if filters.start and filters.end and filters.end < filters.start:
        st.error("The 'until' date is before the 'from' date: no lead can match. Fix the dates.")
        st.stop()
    return current, filters
