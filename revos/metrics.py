"""Metric definitions and maths, in one place. Pure functions: no Streamlit, no database.

The SQL functions in sql/0006_page_functions.sql compute these numbers; the definitions
below are the words users read in help texts, and tests check the two agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    COUNT = "count"
    RATE = "rate"


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    kind: Kind
    definition: str
    target: float | None = None  # rates: the minimum we aim for
    period_bound: bool = True  # False: a count of now, with nothing to compare against


KPIS: tuple[Metric, ...] = (
    Metric(
        "new_leads",
        "New leads",
        Kind.COUNT,
        "People who commented on a campaign's post in the period.",
    ),
    Metric(
        "enrichment_rate",
        "Enrichment rate",
        Kind.RATE,
        "Share of the period's new leads that Apollo enriched fully or partially.",
        0.70,
    ),
    Metric("dms_sent", "DMs sent", Kind.COUNT, "LinkedIn DMs sent in the period."),
    Metric(
        "dm_reply_rate",
        "DM reply rate",
        Kind.RATE,
        "Share of the DMs sent in the period that got a reply (at any time since).",
        0.10,
    ),
    Metric("emails_sent", "Emails sent", Kind.COUNT, "Emails sent in the period."),
    Metric(
        "email_reply_rate",
        "Email reply rate",
        Kind.RATE,
        "Share of the emails sent in the period that got a reply (at any time since).",
        0.05,
    ),
    Metric(
        "magnet_downloads",
        "Lead-magnet downloads",
        Kind.COUNT,
        "Lead magnets downloaded by leads in the period.",
    ),
    Metric(
        "drafts_waiting",
        "Drafts waiting",
        Kind.COUNT,
        "DM, email and post drafts waiting for approval now (not period-bound).",
        period_bound=False,
    ),
)

FUNNEL_STAGES: dict[str, str] = {
    "commented": "Everyone who commented on the campaign's post.",
    "enriched": "Leads Apollo enriched fully or partially.",
    "dm_sent": "Leads who were sent a LinkedIn DM.",
    "dm_delivered": "DMs LinkedIn reports as delivered.",
    "dm_replied": "Leads who replied to a DM.",
    "email_sent": "Leads who were sent an email.",
    "email_opened": "Emails opened (tracked by Instantly).",
    "email_clicked": "Emails with a clicked link.",
    "email_replied": "Leads who replied to an email.",
}


@dataclass(frozen=True)
class Tile:
    metric: Metric
    value: float | None
    previous: float | None

    @property
    def delta(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def on_target(self) -> bool | None:
        if self.metric.target is None or self.value is None:
            return None
        return self.value >= self.metric.target


def _number(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def kpi_tiles(current: dict, previous: dict) -> list[Tile]:
    """One tile per KPI from the two rows `overview_kpis` returns."""
    return [
        Tile(
            metric,
            _number(current.get(metric.key)),
            _number(previous.get(metric.key)) if metric.period_bound else None,
        )
        for metric in KPIS
    ]


def format_value(metric: Metric, value: float | None) -> str:
    if value is None:
        return "n/a"
    if metric.kind is Kind.RATE:
        return f"{value:.1%}"
    return f"{value:,.0f}"


def format_delta(metric: Metric, delta: float | None) -> str | None:
    if delta is None:
        return None
    if metric.kind is Kind.RATE:
        return f"{delta * 100:+.1f} pts"
    return f"{delta:+,.0f}"
