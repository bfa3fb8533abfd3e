"""The app's tables: rates in percent with even decimals, the caller's frame left alone."""

from __future__ import annotations

import json
import math

import pytest
from streamlit.testing.v1 import AppTest


def _page(rates: list) -> None:
    import pandas as pd
    import streamlit as st

    from revos.ui import tables

    frame = pd.DataFrame({"name": ["a", "b", "c"], "rate": rates, "n": [1, 2, 3]})
    tables.grid(frame, {"name": "Name", "rate": tables.percent_column("Rate"), "n": "n"})
    st.session_state["after"] = frame["rate"].tolist()


def test_a_rate_column_reads_in_percent_with_two_decimals_each() -> None:
    """Streamlit's "percent" wrote "72.6%" above "71.39%": each rate is shown times 100 in
    one printf format now, and only the rate columns are scaled."""
    from decimal import Decimal

    at = AppTest.from_function(_page, args=([0.2, Decimal("0.7529"), None],)).run()
    assert not at.exception
    table = at.dataframe[0]
    assert list(table.value["rate"][:2]) == pytest.approx([20.0, 75.29])
    assert math.isnan(table.value["rate"][2])  # shown as the placeholder, not 0%
    assert list(table.value["n"]) == [1, 2, 3]
    columns = json.loads(table.proto.columns)
    assert columns["rate"]["type_config"]["format"] == "%.2f%%"
    assert at.session_state["after"] == [0.2, Decimal("0.7529"), None]  # the caller's frame


def _counts() -> None:
    import pandas as pd
    import streamlit as st

    from revos.ui import tables

    frame = pd.DataFrame({"a": [12480], "b": [3], "c": [-2], "d": [7], "e": ["x"], "f": [1]})
    tables.grid(
        frame,
        {
            "a": "Leads",
            "c": st.column_config.NumberColumn("Change", format="%+d"),
            "d": st.column_config.NumberColumn("DMs", help="sent"),
            "f": None,
        },
    )


def test_counts_read_with_separators_unless_a_column_says_otherwise() -> None:
    """Streamlit wrote "12480" where the tiles write "12,480"; a column's own format, and a
    column hidden on purpose, stay as they were."""
    at = AppTest.from_function(_counts).run()
    assert not at.exception
    columns = json.loads(at.dataframe[0].proto.columns)
    assert columns["a"]["type_config"]["format"] == "%,d"
    assert columns["a"]["label"] == "Leads"
    assert columns["b"]["type_config"]["format"] == "%,d"  # no config: grouped too
    assert columns["c"]["type_config"]["format"] == "%+d"
    assert columns["d"]["type_config"]["format"] == "%,d" and columns["d"]["help"] == "sent"
    assert columns["f"] == {"hidden": True}


def _wide(pin_name: bool) -> None:
    import pandas as pd
    import streamlit as st

    from revos.ui import tables

    frame = pd.DataFrame({"client": ["Acme"], "name": ["Ann"], "n": [1]})
    name = st.column_config.TextColumn("Name", pinned=True) if pin_name else "Name"
    tables.grid(frame, {"client": "Client", "name": name})


@pytest.mark.parametrize("pin_name", [False, True])
def test_the_first_column_stays_in_view_unless_another_is_pinned(pin_name) -> None:
    """Scrolled sideways, a table's rows showed numbers without their names."""
    at = AppTest.from_function(_wide, args=(pin_name,)).run()
    assert not at.exception
    columns = json.loads(at.dataframe[0].proto.columns)
    assert bool(columns["client"].get("pinned")) is not pin_name
    assert columns["client"]["label"] == "Client"
    assert bool(columns["name"].get("pinned")) is pin_name


def _first_column(setting: object) -> None:
    import pandas as pd

    from revos.ui import tables

    frame = pd.DataFrame([["x", 0.5, 0.25]], columns=["id", "rate", "n"])
    config = {"id": setting, "rate": tables.percent_column("Rate"), "gone": {"pinned": True}}
    tables.grid(frame, config)


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (None, {"hidden": True}),  # hidden on purpose: not brought back to pin it
        ("Id", {"label": "Id", "pinned": True}),  # a pin on a column not shown does not count
    ],
)
def test_a_hidden_first_column_stays_hidden_and_only_shown_pins_count(setting, expected) -> None:
    at = AppTest.from_function(_first_column, args=(setting,)).run()
    assert not at.exception
    columns = json.loads(at.dataframe[0].proto.columns)
    assert {k: v for k, v in columns["id"].items() if v is not None} == expected


def test_a_time_pandas_cannot_hold_shows_as_missing() -> None:
    """A lead stored at 'infinity' before sql/0080 made the Tenants page fail to read its
    tenant's last activity; the rest of the column still reads."""
    import pandas as pd

    from revos.ui import tables

    frame = pd.DataFrame(
        {"last_activity": ["2026-11-01T10:00:00+00:00", "infinity", "-infinity", None]}
    )
    read = tables.to_datetimes(frame, ["last_activity"], "Europe/Berlin")["last_activity"]
    assert read.iloc[0] == pd.Timestamp("2026-11-01 11:00", tz="Europe/Berlin")
    assert read.iloc[1:].isna().all()


def test_the_campaign_table_names_its_rates_apart_from_the_tiles_that_differ() -> None:
    """One label, one definition: the campaign table's reply shares count the last three
    days' sends, which the reply-rate tiles leave out, so they may not take the tiles' names
    (the Overview showed "DM reply rate" 9.1% in a tile and 3.6% across the table). Only the
    figures defined alike (new leads, enrichment rate of those leads) share a label."""
    from revos.domain import metrics
    from revos.ui import tables

    defined_alike = {"new_leads", "enrichment_rate"}
    differing = {kpi.label for kpi in metrics.KPIS if kpi.key not in defined_alike}
    labels = {
        setting if isinstance(setting, str) else setting["label"]
        for setting in tables.CAMPAIGN_COLUMNS.values()
    }
    assert labels & differing == set()
    assert {kpi.label for kpi in metrics.KPIS if kpi.key in defined_alike} <= labels
