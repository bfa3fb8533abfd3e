"""Tables with readable columns and a CSV export, shared by every page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from revos.domain import export, metrics, periods

STATUS_LABELS = {
    "scraped": "Scraped",
    "enriched": "Enriched",
    "contacted": "Contacted",
    "replied": "Replied",
    "pending": "Pending",
    "partial": "Partial",
    "failed": "Failed",
    "sent": "Sent",
    "delivered": "Delivered",
    "queued": "Queued",
    "opened": "Opened",
    "clicked": "Clicked",
    "active": "Active",
    "paused": "Paused",
    "completed": "Completed",
    "none": "None",
    "draft": "Draft",
    "approved": "Approved",
    "edited_and_approved": "Edited, then approved",
    "rejected": "Rejected",
    "dm": "DM",
    "email": "Email",
    "post": "Post",
}


MISSING = "—"  # what a table shows for a missing value (Streamlit wrote "None")
# Rates are fractions everywhere but on screen: `grid` shows a percent column's values times
# 100 in this format. Streamlit's own "percent" dropped trailing zeros, so one column read
# "72.6%" above "71.39%"; two decimals also keep a tenant at 4.98% apart from its 5% target.
PERCENT_FORMAT = "%.2f%%"
# Counts as the tiles write them, "12,480" in every browser: Streamlit's "localized" followed
# the browser's language ("12.480" in German, beside "64.89%" and tiles reading "2,230").
COUNT_FORMAT = "%,d"
# A column's setting in st.dataframe's column_config: a label, a column type's settings, or
# None, which hides the column.
Setting = str | dict | None


def readable(value: object) -> object:
    return STATUS_LABELS.get(value, value) if isinstance(value, str) else value


def percent_column(label: str, help_text: str | None = None) -> st.column_config.NumberColumn:
    """A rate's column (a fraction, 0.7529), for `grid` to show as "75.29%"."""
    return st.column_config.NumberColumn(label, format=PERCENT_FORMAT, help=help_text)


def grid(
    rows: pd.DataFrame, column_config: dict[str, Setting], *, slot: Any = st, **options: Any
) -> Any:
    """Every table of the app, in `slot`: no index, MISSING where a value is missing, each
    `percent_column` in percent, counts with separators, and the first column pinned (unless
    the caller pinned one). The caller's frame is left as it is (its rates stay fractions
    for charts and exports); `options` go to st.dataframe (selection, key)."""
    shown = _in_percent(rows, column_config)
    config = _first_pinned(shown, _counts_grouped(shown, column_config))
    return slot.dataframe(
        shown, hide_index=True, placeholder=MISSING, column_config=config, **options
    )


def _in_percent(rows: pd.DataFrame, column_config: dict[str, Setting]) -> pd.DataFrame:
    """A copy with each percent column's fractions times 100."""
    shown = rows.copy()
    for column, setting in column_config.items():
        if column in shown and _is_percent(setting):
            shown[column] = pd.to_numeric(shown[column], errors="coerce") * 100
    return shown


def _counts_grouped(shown: pd.DataFrame, column_config: dict[str, Setting]) -> dict:
    """Every integer column written with separators, unless hidden or given a format."""
    config = dict(column_config)
    for column in shown.columns:
        if pd.api.types.is_integer_dtype(shown[column]) and not _hidden(config, column):
            config[column] = _grouped(config.get(column), column)
    return config


def _first_pinned(shown: pd.DataFrame, config: dict[str, Setting]) -> dict:
    """What names the row stays in view when the table scrolls sideways (scrolled, rows
    showed numbers without their names), unless the caller pinned a shown column, hid the
    first, or said it is not to be pinned (`pinned=False`)."""
    if not len(shown.columns) or any(_pinned(config.get(c)) for c in shown.columns):
        return config
    first = shown.columns[0]
    setting = config.get(first)
    if _hidden(config, first) or (isinstance(setting, dict) and setting.get("pinned") is False):
        return config
    return {**config, first: _pin(setting, first)}


def _hidden(config: dict[str, Setting], column: str) -> bool:
    return column in config and config[column] is None  # Streamlit's "hide it"


def _pinned(setting: Setting) -> bool:
    return isinstance(setting, dict) and bool(setting.get("pinned"))


def _pin(setting: Setting, column: str) -> dict:
    if isinstance(setting, dict):
        return {**setting, "pinned": True}
    return {"label": setting or column, "pinned": True}


def _is_percent(setting: Setting) -> bool:
    return isinstance(setting, dict) and _type_config(setting).get("format") == PERCENT_FORMAT


def _type_config(setting: dict) -> dict:
    return setting.get("type_config") or {}


def _grouped(setting: Setting, column: str) -> Setting:
    """A count's column shown "12,480", not "12480" (Streamlit's default for integers); a
    column given its own number format keeps it."""
    if setting is None or isinstance(setting, str):  # none given, or only its label
        return st.column_config.NumberColumn(setting or column, format=COUNT_FORMAT)
    kind = _type_config(setting)
    if kind.get("type") == "number" and kind.get("format") is None:
        return {**setting, "type_config": {**kind, "format": COUNT_FORMAT}}
    return setting


def csv_download(
    label: str,
    file_name: str,
    frame: Callable[[], pd.DataFrame],
    columns: dict[str, str],
    *,
    timestamps: tuple[str, ...] = (),
    percentages: tuple[str, ...] = (),
) -> None:
    """A download button that builds the CSV (see revos.domain.export) only when clicked."""
    st.download_button(
        label,
        data=lambda: export.to_csv(
            frame(), columns, timestamps=timestamps, percentages=percentages, labels=readable
        ),
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )


def listing_or_note(
    slot: Any, heading: str, rows: pd.DataFrame, empty: str, column_config: dict
) -> None:
    """A headed short table, or under the heading a note on why it has no rows: an empty
    grid says nothing."""
    slot.markdown(heading)
    if rows.empty:
        slot.info(empty)
    else:
        grid(rows, column_config, slot=slot)


def to_datetimes(frame: pd.DataFrame, columns: list[str], zone: str = "UTC") -> pd.DataFrame:
    """ISO strings from the gateway as datetimes in `zone`, for date columns. A time pandas
    cannot hold (PostgreSQL's 'infinity', a year past 2262) shows as missing: one such row,
    stored before sql/0080 held lead times to real dates, made the whole Tenants page fail."""
    for column in columns:
        if column in frame:
            stamps = pd.to_datetime(frame[column], utc=True, format="ISO8601", errors="coerce")
            frame[column] = stamps.dt.tz_convert(periods.zone_info(zone))
    return frame


# `metrics.campaign_comparison`'s columns. Its rates follow the period's new leads and count
# sends of the last three days, which the reply-rate tiles leave out: named apart from them.
CAMPAIGN_COLUMNS: dict[str, Setting] = {
    "campaign": "Campaign",
    "status": "Status",
    "leads": st.column_config.NumberColumn("New leads", help=metrics.FUNNEL_STAGES["commented"]),
    "dms": st.column_config.NumberColumn(
        "DMs", help="DMs sent to these leads (the n of DM replied)."
    ),
    "emails": st.column_config.NumberColumn(
        "Emails", help="Emails sent to these leads (the n of Email replied)."
    ),
    "enrichment_rate": percent_column("Enrichment rate", "Enriched / new leads."),
    "dm_reply_rate": percent_column(
        "DM replied",
        "Share of these leads sent a DM who replied, DMs of the last three days included "
        "(the DM reply rate tile leaves them out until they could have been answered).",
    ),
    "email_reply_rate": percent_column(
        "Email replied",
        "Share of these leads sent an email who replied, emails of the last three days "
        "included (the email reply rate tile leaves them out).",
    ),
}


def campaign_table(comparison: pd.DataFrame) -> None:
    """`metrics.campaign_comparison` rows, each rate beside its n: Overview and Funnels alike."""
    grid(comparison.map(readable), CAMPAIGN_COLUMNS)
