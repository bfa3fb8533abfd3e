"""Whose days a page counts in, and where a user sets their own time zone.

Counts are made in each tenant's own days (`users.time_zone`, kept by the database). A page
that shows one client shows that client's days; a client sees their own; a reviewer or admin
looking at all their clients sees each client's days summed, and "today" is their own.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import cache

import streamlit as st

from revos.domain import periods
from revos.gateway import Gateway
from revos.gateway.errors import GatewayError

KEY = "revos_time_zone"


@cache
def choices() -> list[str]:
    """IANA names Python knows (Postgres knows them too), UTC first."""
    names = zoneinfo.available_timezones() - {"localtime", "Factory"}
    return ["UTC", *sorted(n for n in names if "/" in n and not n.startswith(("Etc/", "SystemV/")))]


def own(gateway: Gateway) -> str:
    """The signed-in user's time zone."""
    rows = gateway.rows("me")
    return rows[0]["time_zone"] if rows else "UTC"


def of_page(gateway: Gateway, client_id: str | None) -> str:
    """The zone whose "today" a page starts its periods from: its client's, else the viewer's."""
    if client_id is not None:
        zones = {c["id"]: c["time_zone"] for c in gateway.rows("visible_clients")}
        if client_id in zones:
            return zones[client_id]
    return own(gateway)


def first_day_not_over(
    gateway: Gateway, client_id: str | None, now: dt.datetime | None = None
) -> dt.date:
    """The first day a page's counts may still grow in: today in its client's zone, or, over
    all of a reviewer's or admin's clients (each counted in their own days), the earliest
    of their todays: at 02:00 UTC yesterday is not over yet in Los Angeles."""
    if client_id is not None or gateway.session.role == "client":
        return periods.today_in(of_page(gateway, client_id), now)
    zones = {c["time_zone"] for c in gateway.rows("visible_clients")} or {own(gateway)}
    return min(periods.today_in(zone, now) for zone in zones)


def days_note(gateway: Gateway, client_id: str | None) -> str:
    """Which days a page's counts are in, for its caption."""
    if client_id is None and gateway.session.role != "client":
        return "each client's own days, in their time zone"
    return f"days in {of_page(gateway, client_id)}"


def setting(gateway: Gateway) -> None:
    """A sidebar picker for the user's own zone; a change recounts their days at once."""
    try:
        current = own(gateway)
    except GatewayError:
        return  # the page's own banner says what is wrong with the database
    options = choices() if current in choices() else [current, *choices()]
    st.session_state[KEY] = current
    st.expander(f"Time zone: {current}", icon=":material/schedule:").selectbox(
        "Your time zone",
        options,
        key=KEY,
        on_change=_changed,
        args=(gateway,),
        help="Days, weeks and months are counted in this zone: your own leads' days if you "
        "are a client, and your 'today' when you look at several clients.",
    )


def _changed(gateway: Gateway) -> None:
    wanted = st.session_state[KEY]
    try:
        gateway.call("set_my_time_zone", p_time_zone=wanted)
    except GatewayError as exc:
        st.toast(f"The time zone was not changed: {exc}")
        return
    gateway.invalidate()
    st.toast(f"Days are now counted in {wanted}.")
