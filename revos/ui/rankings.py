"""Campaigns and lead magnets ranked in SQL for the Overview: the few rows it shows.

A super admin's scope holds every tenant's campaigns (55,000 over 12,250 tenants at 10M
leads); fetching all their funnels twice to keep eight rows took seconds (0074, 0075).
"""

from __future__ import annotations

import pandas as pd

from revos.domain.periods import Period
from revos.gateway import Gateway
from revos.ui import widgets

CHANGE_COLUMNS = ["label", "before", "now", "change"]


def campaign_movers(gateway: Gateway, period: Period, client_id: str | None) -> pd.DataFrame:
    """The campaigns whose new leads changed most since the period before, as the "What
    changed" table shows them (label, before, now, change), biggest change first."""
    moved = _movers(gateway, "campaign_movers", period, client_id)
    if moved.empty:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    named = widgets.name_clients(gateway, moved, client_id, "campaign_name")
    return named.rename(columns={"campaign_name": "label"})[CHANGE_COLUMNS]


def lead_magnet_movers(gateway: Gateway, period: Period, client_id: str | None) -> pd.DataFrame:
    """The lead magnets whose downloads changed most since the period before, as the "What
    changed" table shows them, biggest change first."""
    moved = _movers(gateway, "lead_magnet_movers", period, client_id)
    if moved.empty:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    return moved.rename(columns={"title": "label"})[CHANGE_COLUMNS]


def _movers(gateway: Gateway, function: str, period: Period, client_id: str | None):
    """A movers function's rows for the period against the one just before it."""
    start, end = period.bounds()
    before_start, before_end = period.previous().bounds()
    return gateway.frame(
        function,
        p_from=start,
        p_to=end,
        p_before_from=before_start,
        p_before_to=before_end,
        p_client_id=client_id,
    )


def top_campaign_funnels(
    gateway: Gateway, period: Period, client_id: str | None, limit: int = 5
) -> pd.DataFrame:
    """The funnels (campaign_funnel's rows) of the campaigns with the most new leads in the
    period, most first."""
    start, end = period.bounds()
    scope = {"p_from": start, "p_to": end, "p_client_id": client_id}
    ids = [r["campaign_id"] for r in gateway.rows("top_campaigns", p_limit=limit, **scope)]
    if not ids:
        return pd.DataFrame()
    funnels = gateway.frame("campaign_funnel", p_campaign_ids=ids, **scope)
    rank = {campaign: n for n, campaign in enumerate(ids)}
    ranked = funnels.sort_values("campaign_id", key=lambda c: c.map(rank), kind="stable")
    return widgets.name_clients(gateway, ranked.reset_index(drop=True), client_id, "campaign_name")
