"""Widgets every page shares: who we look at, over which period, and KPI tiles.

Pickers keep their value in the URL (`st.query_params`), so a view can be bookmarked and
shared, and links between pages land on the same selection.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from revos import metrics
from revos.gateway import Gateway

ALL = "__all__"


def client_scope(gateway: Gateway) -> str | None:
    """For reviewers and admins, a client picker in the sidebar; None means all in scope."""
    if gateway.session.role == "client":
        return None
    clients = gateway.rows("visible_clients")
    if not clients:
        st.info("No clients are assigned to you yet. Ask a super admin to assign some.")
        st.stop()
    labels = {ALL: "All clients" if gateway.session.role == "super_admin" else "All my clients"}
    labels |= {c["id"]: f"{c['company'] or c['email']} ({c['email']})" for c in clients}
    wanted = st.query_params.get("client", ALL)
    options = list(labels)
    chosen = st.sidebar.selectbox(
        "Client",
        options,
        index=options.index(wanted) if wanted in labels else 0,
        format_func=labels.__getitem__,
        key="client_scope",
    )
    _remember("client", None if chosen == ALL else chosen)
    return None if chosen == ALL else chosen


def period(default_days: int = 30) -> tuple[dt.datetime, dt.datetime]:
    """A date range (inclusive days) as [start, end) UTC datetimes for the SQL functions."""
    today = dt.datetime.now(dt.UTC).date()
    start = _date_param("from") or today - dt.timedelta(days=default_days - 1)
    end = _date_param("to") or today
    picked = st.date_input("Period", value=(start, end), max_value=today, key="period")
    if not isinstance(picked, tuple | list) or len(picked) != 2:
        st.info("Pick the last day of the period too.")
        st.stop()
    start, end = picked
    _remember("from", start.isoformat())
    _remember("to", end.isoformat())
    return _utc_midnight(start), _utc_midnight(end + dt.timedelta(days=1))


def kpi_grid(tiles: list[metrics.Tile], columns: int = 4) -> None:
    for offset in range(0, len(tiles), columns):
        for column, tile in zip(
            st.columns(columns), tiles[offset : offset + columns], strict=False
        ):
            with column:
                kpi_tile(tile)


def kpi_tile(tile: metrics.Tile) -> None:
    metric = tile.metric
    help_text = metric.definition
    if metric.target is not None:
        help_text += f" Target: at least {metric.target:.0%}."
    st.metric(
        metric.label,
        metrics.format_value(metric, tile.value),
        metrics.format_delta(metric, tile.delta),
        help=help_text,
        border=True,
    )
    if tile.on_target is True:
        st.caption(f":green[On target] (≥ {metric.target:.0%})")
    elif tile.on_target is False:
        st.caption(f":red[Below target] (≥ {metric.target:.0%})")


def _utc_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _date_param(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(st.query_params.get(name, ""))
    except ValueError:
        return None


def _remember(name: str, value: str | None) -> None:
    if value is None:
        st.query_params.pop(name, None)
    elif st.query_params.get(name) != value:
        st.query_params[name] = value


def campaign_picker(campaigns: list[dict], key: str = "campaigns") -> tuple[str, ...]:
    """Several campaigns (none chosen: all of them), kept in the URL."""
    names = {c["id"]: f"{c['name']} ({c['status']})" for c in campaigns}
    wanted = [c for c in st.query_params.get(key, "").split(",") if c in names]
    chosen = st.multiselect(
        "Campaigns",
        list(names),
        default=wanted,
        format_func=names.__getitem__,
        placeholder="All campaigns",
        key=f"{key}_picker",
    )
    _remember(key, ",".join(chosen) or None)
    return tuple(chosen)


def set_query(params: dict[str, str], owned: tuple[str, ...]) -> None:
    """Make the URL carry exactly `params` for the keys this page owns; leave the rest."""
    for key in owned:
        _remember(key, params.get(key))


def page_param(name: str = "page") -> int:
    """The 1-based page number in the URL; anything that is not a positive number is page 1."""
    raw = st.query_params.get(name, "1")
    return int(raw) if raw.isdigit() and int(raw) >= 1 else 1


def pager(previous_slot, next_slot, current: int, pages: int, name: str = "page") -> None:
    """Previous / Next buttons that move the page number in the URL."""

    def go_to(page: int) -> None:
        st.query_params[name] = str(page)

    previous_slot.button(
        "Previous",
        disabled=current <= 1,
        on_click=go_to,
        args=(current - 1,),
        icon=":material/chevron_left:",
        key=f"{name}_previous",
    )
    next_slot.button(
        "Next",
        disabled=current >= pages,
        on_click=go_to,
        args=(current + 1,),
        icon=":material/chevron_right:",
        key=f"{name}_next",
    )
