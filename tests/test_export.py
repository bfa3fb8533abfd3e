"""CSV exports: formulas neutralised, readable headers, ISO seconds, percentages, no ids."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from revos.domain import export
from revos.ui.tables import readable


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode())))


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_that_would_run_as_formulas_are_neutralised(start: str) -> None:
    payload = f'{start}HYPERLINK("http://evil.example","x")'
    frame = pd.DataFrame({"name": [payload, "Ada Lovelace"]})
    [_, first, second] = _rows(export.to_csv(frame, {"name": "Name"}))
    assert first == ["'" + payload]
    assert second == ["Ada Lovelace"]


def test_headers_timestamps_rates_and_labels_are_readable() -> None:
    frame = pd.DataFrame(
        {
            "id": ["0b5e…uuid"],
            "client_id": ["7c1d…uuid"],
            "name": ["Ada"],
            "dm_status": ["replied"],
            "commented_at": ["2026-11-25T14:03:09.123456+00:00"],
            "enriched_at": [None],
            "reply_rate": [0.125],
        }
    )
    data = export.to_csv(
        frame,
        {
            "name": "Name",
            "dm_status": "DM status",
            "commented_at": "Commented at (UTC)",
            "enriched_at": "Enriched at (UTC)",
            "reply_rate": "Reply rate",
        },
        timestamps=("commented_at", "enriched_at"),
        percentages=("reply_rate",),
        labels=readable,
    )
    assert _rows(data) == [
        ["Name", "DM status", "Commented at (UTC)", "Enriched at (UTC)", "Reply rate"],
        ["Ada", "Replied", "2026-11-25T14:03:09Z", "", "12.5%"],
    ]
    assert b"uuid" not in data  # ids stay out unless a column asks for them


def test_negative_numbers_stay_numbers() -> None:
    frame = pd.DataFrame({"delta": [-3]})
    assert _rows(export.to_csv(frame, {"delta": "Change"})) == [["Change"], ["-3"]]


def test_every_export_goes_through_the_safe_writer() -> None:
    """Pages offer downloads only via revos.ui.tables.csv_download (which uses export.to_csv)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    sources = [*root.joinpath("app_pages").glob("*.py"), *root.joinpath("revos").rglob("*.py")]
    offenders = [
        p.relative_to(root).as_posix()
        for p in sources
        if "download_button(" in p.read_text() and p.name != "tables.py"
    ]
    assert offenders == []
    assert "csv_download(" in root.joinpath("app_pages", "leads.py").read_text()
