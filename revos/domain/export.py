"""CSV exports people can open in a spreadsheet safely and read without a data dictionary.

- Readable headers, only the columns asked for (internal ids stay out unless listed).
- Timestamps as ISO 8601 in UTC to the second (`2026-11-25T14:03:09Z`).
- Rates as percentages (`12.5%`).
- Cells a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
  carriage return) get a leading `'`, as OWASP advises against CSV injection: lead names,
  comments and campaign names come from outside.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text cell as data, never as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _timestamps(values: pd.Series) -> pd.Series:
    moments = pd.to_datetime(values, utc=True, format="ISO8601")
    return moments.dt.strftime("%Y-%m-%dT%H:%M:%SZ").where(moments.notna(), "")


def _percentages(values: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    return numbers.map(lambda x: "" if pd.isna(x) else f"{x * 100:.1f}%")


def to_csv(
    frame: pd.DataFrame,
    columns: Mapping[str, str],
    *,
    timestamps: tuple[str, ...] = (),
    percentages: tuple[str, ...] = (),
    labels: Callable[[object], object] = lambda value: value,
) -> bytes:
    """`frame`'s `columns` (name -> header) as UTF-8 CSV, formatted as the module says."""
    shown = frame.reindex(columns=list(columns)).copy()
    for name in shown.columns:
        if name in timestamps:
            shown[name] = _timestamps(shown[name])
        elif name in percentages:
            shown[name] = _percentages(shown[name])
        else:
            shown[name] = shown[name].map(labels)
    shown = shown.map(neutralise).rename(columns=dict(columns))
    return shown.to_csv(index=False).encode()
