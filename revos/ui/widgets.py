"""Widgets every page shares: who we look at, over which period, and KPI tiles.

Pickers keep their value in the URL (`st.query_params`), so a view can be bookmarked and
shared, and in the session, so the client and period a user picked follow them from page to
page (the menu opens pages without the previous page's URL parameters).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from revos.domain import address_notes, metrics, periods
from revos.gateway import Gateway
from revos.ui import cookies, time_zone
from revos.ui.text import counted, literal

ALL = "__all__"
CLIENT_KEY = "revos_client"  # the client picked, carried from page to page
PERIOD_KEY = "revos_period"  # the period picked, carried from page to page
PERIOD_PAGE_KEY = "revos_period_page"  # the page whose period control ran last
PERIOD_COOKIE = "revos_period"  # the period this browser last showed, as URL parameters


def client_scope(gateway: Gateway) -> str | None:
    """For reviewers and admins, a client picker in the sidebar; None means all in scope."""
    if gateway.session.role == "client":
        _own_data_only(gateway)
        return None
    clients = gateway.rows("visible_clients")
    if not clients:
        st.info("No clients are assigned to you yet. Ask a super admin to assign some.")
        st.stop()
    everyone = gateway.session.role == "super_admin"
    labels = {ALL: "All clients" if everyone else "All my clients"}
    labels |= {c["id"]: f"{c['company'] or c['email']} ({c['email']})" for c in clients}
    # the URL first (a shared link), else what this user picked on another page
    wanted = st.query_params.get("client") or st.session_state.get(CLIENT_KEY, ALL)
    if wanted not in labels:
        address_note(
            address_notes.unusable(
                "a client",
                "who is not one you can see",
                "showing all clients" if everyone else "showing all of yours",
            )
        )
        wanted = ALL
    # the picker shows `wanted` on every run; a pick moves the URL and the session first
    st.session_state["client_scope"] = wanted
    chosen = st.sidebar.selectbox(
        "Client",
        list(labels),
        format_func=labels.__getitem__,
        key="client_scope",
        on_change=_client_picked,
    )
    st.session_state[CLIENT_KEY] = chosen
    _remember("client", None if chosen == ALL else chosen)
    return None if chosen == ALL else chosen


def _own_data_only(gateway: Gateway) -> None:
    """A client has no picker: a `client` in the address (a link made by their reviewer, or
    edited by hand) leaves it, and if it named someone else they are told what they see."""
    named = st.query_params.get("client")
    if named is None:
        return
    if named.strip().lower() not in ("", gateway.session.user_id.lower()):
        address_note(  # a client sees their own data only (RLS), whoever the link named
            address_notes.unusable("a client", "but you see your own data only", "showing yours")
        )
    _remember("client", None)


def name_clients(
    gateway: Gateway, frame, client_id: str | None, name: str, owner: str = "client_id"
):
    """Campaign (or other) names with their client's, where several clients' names mix:
    for a reviewer or admin looking at all their clients. Adds a `client` column too. A row
    without an owner (a global library magnet) keeps its name, and so does one that names
    its client already ("ICP Worksheet (Copperleaf)" read "… (Copperleaf) (Copperleaf
    Agency)")."""
    if not _mixes_clients(gateway, client_id) or frame.empty:
        return frame
    clients = frame[owner].map(_client_names(gateway)).fillna("")
    kept = [
        not client or names_client(str(text), client)
        for text, client in zip(frame[name], clients, strict=True)
    ]
    named = frame[name].where(kept, frame[name] + " (" + clients + ")")
    return frame.assign(client=clients, **{name: named})


def names_client(text: str, client: str) -> bool:
    """Whether `text` names `client` already: the first word of the client's name, as a
    word of the text (Northwind Growth's "ICP Worksheet (Northwind)")."""
    first = re.match(r"\w+", client)
    return bool(first) and re.search(rf"\b{re.escape(first.group())}\b", text, re.I) is not None


def name_campaigns(gateway: Gateway, campaigns: list[dict], client_id: str | None) -> list[dict]:
    """`campaign_options` rows named "Campaign (Client)" where several clients' mix."""
    if not _mixes_clients(gateway, client_id):
        return campaigns
    names = _client_names(gateway)
    return [{**c, "name": f"{c['name']} ({names.get(c['client_id'], '')})"} for c in campaigns]


def _mixes_clients(gateway: Gateway, client_id: str | None) -> bool:
    """A reviewer or admin looking at all their clients: names can repeat across clients."""
    return gateway.session.role != "client" and client_id is None


def _client_names(gateway: Gateway) -> dict[str, str]:
    return {c["id"]: c["company"] or c["email"] for c in gateway.rows("visible_clients")}


def _client_picked() -> None:
    chosen = st.session_state["client_scope"]
    st.session_state[CLIENT_KEY] = chosen
    _remember("client", None if chosen == ALL else chosen)


def period(gateway: Gateway, client_id: str | None) -> periods.Period:
    """The one period selector: presets or custom days, the same on every page.

    Seeded from the URL (a shared link), else from what the user chose on another page, else
    the default; what the address got wrong is said once and corrected. "Today" is today in
    the zone of the client shown (time_zone.of_page).
    """
    today = periods.today_in(time_zone.of_page(gateway, client_id))
    stored = st.session_state.get(PERIOD_KEY) or _remembered_period(today)
    chosen = periods.from_params(st.query_params.to_dict(), today, stored)
    for problem in chosen.problems:
        address_note(problem)
    # The widgets keep what the user clicks; they are (re)seeded when they have no state
    # yet, when the address asks for another period than the one last shown (a link), or on
    # another page than the last run's: there the control is a new widget, which showed no
    # option chosen although the period was carried over.
    page = _page_id()
    if (
        chosen != stored
        or "period_preset" not in st.session_state
        or st.session_state.get(PERIOD_PAGE_KEY) != page
    ):
        st.session_state["period_preset"] = chosen.preset
        st.session_state["period_days"] = (chosen.first, chosen.last)
    st.session_state[PERIOD_PAGE_KEY] = page
    preset_col, days_col = st.columns([3, 2])
    name = preset_col.segmented_control(
        "Period",
        list(periods.PRESETS),
        format_func=periods.PRESETS.get,
        required=True,  # a second click on the chosen one kept nothing chosen on screen
        key="period_preset",
    )
    if name == "custom":
        picked = days_col.date_input(
            "Days",
            min_value=today - dt.timedelta(days=periods.MAX_DAYS - 1),
            max_value=today,
            key="period_days",
        )
        if not isinstance(picked, tuple | list) or len(picked) != 2:
            st.info("Pick the last day of the period too.")
            st.stop()
        result = periods.custom(picked[0], picked[1], today)
    else:
        result = periods.preset(name or chosen.preset, today)
        days_col.caption(result.label())
    st.session_state[PERIOD_KEY] = result
    set_query(result.params(), owned=("period", "from", "to"))
    cookies.write(PERIOD_COOKIE, urlencode(result.params()), _in_a_year(), slot=st.sidebar)
    return result


def _remembered_period(today: dt.date) -> periods.Period | None:
    """The period this browser last showed, for a tab whose session starts empty: a reload
    of a page without a period, or a new tab, went back to the default (a trial). A cookie
    that no longer reads as a period is ignored, without a note: nobody typed it."""
    raw = cookies.read(PERIOD_COOKIE)
    if raw is None:
        return None
    params = {k: v for k, v in parse_qsl(raw) if k in ("period", "from", "to")}
    if not params:
        return None
    remembered = periods.from_params(params, today)
    return None if remembered.problems else remembered


def _in_a_year() -> dt.datetime:
    """A year from today's midnight (UTC): the same on every run of the day, so the frame that
    writes the cookie is not drawn anew (and reloaded) on each one."""
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + dt.timedelta(days=365)


def _page_id() -> str:
    """The page this run draws (Streamlit's id for it; empty outside a script run)."""
    ctx = get_script_run_ctx()
    return ctx.page_script_hash if ctx is not None else ""


# What a phone's width needs that Streamlit does not do (every signed-in page, from Home.py):
# - it stacks columns one to a row, and a page's five tiles filled the first screen (the
#   Approvals card began a screen down): `tile_columns` go two to a row, their labels
#   wrapping at half the width ("Lead-magnet do…" was cut);
# - a segmented control wider than the screen scrolled sideways with no sign of the options
#   past the edge ("Last 90 days | This m"): its options wrap onto a second line;
# - a tapped table's toolbar (44 px, above the table) covered the heading over it ("Top
#   performers (surely above the 24.1…"): tables keep that room free above them.
_PHONE_STYLE = """<style>
@media (max-width: 640px) {
  [class*="st-key-tiles-"] [data-testid="stHorizontalBlock"] {flex-wrap: wrap}
  [class*="st-key-tiles-"] [data-testid="stColumn"] {
    min-width: calc(50% - 0.5rem) !important; flex: 1 1 calc(50% - 0.5rem) !important
  }
  [class*="st-key-tiles-"] [data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"],
  [class*="st-key-tiles-"] [data-testid="stMetricLabel"] p {white-space: normal}
  [data-testid="stButtonGroup"] > div:last-child {flex-wrap: wrap; row-gap: 0.25rem}
  [data-testid="stElementContainer"]:has([data-testid="stDataFrame"]) {margin-top: 1.75rem}
}
</style>"""


def phone_layout() -> None:
    """The phone's styles (above), once per run of any signed-in page."""
    st.html(_PHONE_STYLE)


def on_a_phone() -> bool:
    """Whether the browser says it is a phone ("Mobi" in its user agent, as browsers
    advise). Only for a layout CSS cannot give: Streamlit stacks columns in the order they
    were written, so a form laid out in a grid for a wide screen reads out of order, and at
    length, on a narrow one."""
    return "Mobi" in (st.context.headers.get("User-Agent") or "")


def tile_columns(count: int, name: str) -> list[Any]:
    """`count` columns for metric tiles (two to a row on a phone); `name` tells this row
    from the page's others."""
    return st.container(key=f"tiles-{name}").columns(count)


def kpi_grid(
    tiles: list[metrics.Tile],
    lines: dict[str, list[float]] | None = None,
    columns: int = 4,
    name: str = "kpi",
) -> None:
    """Tiles in rows of `columns`, each count with its line; `name` tells this grid from
    another on the same page."""
    for offset in range(0, len(tiles), columns):
        row = tile_columns(columns, f"{name}-{offset}")
        for column, tile in zip(row, tiles[offset : offset + columns], strict=False):
            with column:
                kpi_tile(tile, (lines or {}).get(tile.metric.key))


def kpi_tile(tile: metrics.Tile, line: list[float] | None = None) -> None:
    metric = tile.metric
    help_text = metric.definition
    if metric.target is not None:
        help_text += f" Target: at least {metric.target:.0%}."
    unchanged = tile.delta == 0  # no change is news of nothing: grey, no arrow
    st.metric(
        metric.label,
        metrics.format_value(metric, tile.value),
        metrics.format_delta(metric, tile.delta),
        delta_color="off" if unchanged else "normal",
        delta_arrow="off" if unchanged else "auto",
        help=help_text,
        border=True,
        chart_data=line if line and len(line) > 1 else None,
        chart_type="area",
    )
    sample = f" · of {tile.sample:,.0f} {metric.sample_label}" if tile.sample is not None else ""
    if tile.on_target is True:
        st.caption(f":green[On target] (≥ {metric.target:.0%}){sample}")
    elif tile.on_target is False:
        st.caption(f":red[Below target] (≥ {metric.target:.0%}){sample}")


def _remember(name: str, value: str | None) -> None:
    if value is None:
        st.query_params.pop(name, None)
    elif st.query_params.get(name) != value:
        st.query_params[name] = value


def campaign_picker(campaigns: list[dict], key: str = "campaigns") -> tuple[str, ...]:
    """Several campaigns (none chosen: all of them), kept in the URL."""
    names = {c["id"]: f"{c['name']} ({c['status']})" for c in campaigns}
    requested = [c for c in st.query_params.get(key, "").split(",") if c]
    wanted = [c for c in requested if c in names]
    if len(wanted) < len(requested):  # a hand-edited or stale link: said once, then corrected
        unknown = counted(len(requested) - len(wanted), "campaign")
        instead = "the others" if wanted else "all campaigns"
        address_note(address_notes.unusable(unknown, "which you do not have", f"showing {instead}"))
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


def person_labels(people: dict[str, dict], me: str | None) -> dict[str, str]:
    """Each user as a picker names them, A to Z as read: name or company, then email and
    role; the user picking is marked, since picking oneself acts on this browser too."""
    labels = {
        i: f"{p['full_name'] or p['company'] or ''} ({p['email']}, "
        f"{p['role'].replace('_', ' ')}{'; you, this browser too' if i == me else ''})".strip()
        for i, p in people.items()
    }
    # by name, or by email for someone without one (their label starts with the bracket)
    return dict(sorted(labels.items(), key=lambda item: item[1].lstrip("(").casefold()))


def person_picker(
    slot: Any, label: str, people: dict[str, dict], me: str | None, help: str
) -> str | None:
    """A user picked from `people`, none until someone is: one click must not act on the
    first user in the list."""
    labels = person_labels(people, me)
    return slot.selectbox(
        label,
        list(labels),
        format_func=labels.get,
        index=None,
        placeholder="Pick a user",
        help=help,
    )


def choice(
    slot: Any, label: str, options: dict[str, str], *, param: str, default: str, key: str
) -> str:
    """One of a few options as a segmented control, kept in the URL under `param` (absent
    while it is the default), so that a reload, a bookmark or a shared link keeps it.

    Seeded from the address, else from what this session last showed (the menu opens a page
    without its parameters), else the default; an option the control does not have is said
    once and shows the default. A link to the page with another option reseeds the control.
    """
    shown_key = f"{key}_shown"
    shown = st.session_state.get(shown_key, default)
    wanted = st.query_params.get(param, shown)
    if wanted not in options:
        address_note(
            address_notes.unusable(
                f"{label.lower()} {address_notes.quoted(wanted)}",
                f"which is not one of {', '.join(options.values())}",
                f"showing {options[default]}",
            )
        )
        wanted = default
    if key not in st.session_state or wanted != shown:
        st.session_state[key] = wanted
    chosen = slot.segmented_control(
        label,
        list(options),
        format_func=options.__getitem__,
        required=True,  # a second click on the chosen one kept nothing chosen on screen
        key=key,
    )
    chosen = chosen or default
    st.session_state[shown_key] = chosen
    _remember(param, None if chosen == default else chosen)
    return chosen


def no_period(instead: str, params: tuple[str, ...] = ("period", "from", "to")) -> None:
    """On a page without a period control: a period in the address (a link made on another
    page, or typed) is said not to apply, with what the page shows `instead`, and leaves the
    address, which otherwise kept promising a period the page never used. `params` are the
    period's parameters the page does not read itself."""
    asked = {name: st.query_params.get(name) for name in params}
    if not any(asked.values()):
        return
    period = asked.get("period")
    what = f"period {address_notes.quoted(period)}" if period else "a period"
    address_note(address_notes.unusable(what, "which this page does not have", instead))
    set_query({}, owned=params)


def address_note(text: str) -> None:
    """What a link asked for that could not be shown, and what is shown instead. The page
    then writes what it shows into the address, so the note is said once. Shown literally:
    it quotes the address, which anyone can write (`?dm=[Sign in again](//evil.example)`
    made a link in the app's own warning)."""
    st.warning(literal(text), icon=":material/link_off:")


def set_query(params: dict[str, str], owned: tuple[str, ...]) -> None:
    """Make the URL carry exactly `params` for the keys this page owns; leave the rest."""
    for key in owned:
        _remember(key, params.get(key))


def page_param(name: str = "page") -> int:
    """The 1-based page number in the URL; anything that is not a positive number is page 1,
    with a note (nobody pages past a million pages)."""
    raw = st.query_params.get(name, "1")
    if not raw.isdigit() or len(raw) > 6 or int(raw) < 1:
        address_note(address_notes.not_a_page(raw))
        return 1
    return int(raw)


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
