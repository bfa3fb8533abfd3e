"""campaign_movers and top_campaigns (0074) rank campaigns as the Overview used to from every
campaign's funnel in two periods (tests.oracle.movers, and the five with the most new leads)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from revos.gateway import InvalidRequest
from tests import oracle
from tests.support import DEMO_EMAILS

PERIODS = (7, 30, 90)


def _bounds(days: int) -> tuple[dt.datetime, dt.datetime, dt.datetime, dt.datetime]:
    """A period of whole UTC days ending tomorrow, and the one as long before it."""
    end = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    end += dt.timedelta(days=1)
    start = end - dt.timedelta(days=days)
    return start, end, start - dt.timedelta(days=days), start


def _funnels(gateway, start, end, client_id=None) -> pd.DataFrame:
    """Every campaign's funnel in scope, labelled by its id (what the rankings return)."""
    funnels = gateway.frame("campaign_funnel", p_from=start, p_to=end, p_client_id=client_id)
    return funnels.assign(id_label=funnels.campaign_id)


def _movers(gateway, function: str, bounds: tuple, **params) -> list[dict]:
    """A movers function's rows for a period and the one before it."""
    start, end, before_start, before_end = bounds
    return gateway.rows(
        function,
        p_from=start,
        p_to=end,
        p_before_from=before_start,
        p_before_to=before_end,
        **params,
    )


# each movers function: what the page read for both periods, its key, its count, its label
MOVERS = {
    "campaign_movers": ("campaign_funnel", "campaign_id", "commented", "campaign_name"),
    "lead_magnet_movers": ("lead_magnet_performance", "lead_magnet_id", "downloads", "title"),
}


@pytest.mark.parametrize("days", PERIODS)
@pytest.mark.parametrize("email", DEMO_EMAILS)
@pytest.mark.parametrize("function", sorted(MOVERS))
def test_movers_are_the_pages_movers(function, email, days, gateway_for) -> None:
    source, key, count, label = MOVERS[function]
    gateway = gateway_for(email)
    bounds = _bounds(days)
    now, before = (
        gateway.frame(source, p_from=a, p_to=b).pipe(lambda f: f.assign(id_label=f[key]))
        for a, b in (bounds[:2], bounds[2:])
    )
    for limit in (3, 10):
        expected = oracle.movers(now, before, key, "id_label", count, limit)
        got = _movers(gateway, function, bounds, p_limit=limit)
        assert [(r[key], r["before"], r["now"], r["change"]) for r in got] == [
            tuple(row) for row in expected.itertuples(index=False)
        ]
    labels = dict(zip(now[key], now[label], strict=True))
    assert all(r[label] == labels[r[key]] for r in got)


@pytest.mark.parametrize("function", sorted(MOVERS))
def test_the_demo_has_campaigns_and_magnets_that_moved(function, gateway_for) -> None:
    """Else the comparisons above would only ever compare empty lists."""
    assert len(_movers(gateway_for("admin@revos.demo"), function, _bounds(30))) == 3


@pytest.mark.parametrize("days", PERIODS)
@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_top_campaigns_are_the_pages_top_five(email, days, gateway_for) -> None:
    gateway = gateway_for(email)
    start, end, _, _ = _bounds(days)
    funnels = _funnels(gateway, start, end)
    expected = funnels.nlargest(5, "commented")
    got = gateway.rows("top_campaigns", p_from=start, p_to=end)
    assert [(r["campaign_id"], r["commented"]) for r in got] == list(
        zip(expected.campaign_id, expected.commented, strict=True)
    )


def test_rankings_of_one_client(gateway_for, demo_users) -> None:
    reviewer = gateway_for("reviewer@revos.demo")
    client = sorted(demo_users["reviewer@revos.demo"].assigned)[0]
    bounds = _bounds(30)
    start, end, before_start, before_end = bounds
    now = _funnels(reviewer, start, end, client)
    before = _funnels(reviewer, before_start, before_end, client)
    expected = oracle.movers(now, before, "campaign_id", "id_label", "commented")
    got = _movers(reviewer, "campaign_movers", bounds, p_client_id=client)
    assert [r["campaign_id"] for r in got] == list(expected.label)
    top = reviewer.rows("top_campaigns", p_from=start, p_to=end, p_client_id=client)
    assert [r["campaign_id"] for r in top] == list(now.nlargest(5, "commented").campaign_id)


def test_a_client_id_outside_the_scope_ranks_nothing(gateway_for, demo_users) -> None:
    other = demo_users["client2@revos.demo"].id
    bounds = _bounds(30)
    start, end = bounds[:2]
    client1 = gateway_for("client1@revos.demo")
    assert client1.rows("top_campaigns", p_from=start, p_to=end, p_client_id=other) == []
    assert _movers(client1, "campaign_movers", bounds, p_client_id=other) == []


def test_a_period_over_three_years_is_refused(gateway_for) -> None:
    end = dt.datetime.now(dt.UTC)
    with pytest.raises(InvalidRequest, match="three years"):
        gateway_for("client1@revos.demo").rows(
            "top_campaigns", p_from=end - dt.timedelta(days=1200), p_to=end
        )


def test_movers_are_the_biggest_changes_either_way() -> None:
    now = pd.DataFrame({"id": [1, 2, 3, 5], "name": ["a", "b", "c", "e"], "n": [10, 50, 7, 4]})
    before = pd.DataFrame({"id": [1, 2, 3, 4], "name": ["a", "b", "c", "d"], "n": [12, 20, 7, 9]})
    moved = oracle.movers(now, before, "id", "name", "n")
    assert moved.to_dict("records") == [
        {"label": "b", "before": 20, "now": 50, "change": 30},
        {"label": "d", "before": 9, "now": 0, "change": -9},  # gone this period
        {"label": "e", "before": 0, "now": 4, "change": 4},  # new this period
    ]
    assert oracle.movers(now.iloc[:0], before.iloc[:0], "id", "name", "n").empty
