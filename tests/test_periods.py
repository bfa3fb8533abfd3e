"""The shared period: presets, custom days, and every way a URL can get it wrong."""

from __future__ import annotations

import datetime as dt

import pytest

from revos.domain import periods

TODAY = dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    ("name", "first", "days"),
    [("7d", "2026-11-19", 7), ("30d", "2026-10-27", 30), ("90d", "2026-08-28", 90)],
)
def test_presets_end_today_and_count_whole_days(name: str, first: str, days: int) -> None:
    period = periods.from_params({"period": name}, TODAY)
    assert (period.first.isoformat(), period.last, period.days) == (first, TODAY, days)
    start, end = period.bounds()
    assert (end - start).days == days and start.tzinfo is dt.UTC


def test_this_month_starts_on_the_first() -> None:
    period = periods.from_params({"period": "month"}, TODAY)
    assert (period.first, period.last) == (dt.date(2026, 11, 1), TODAY)


def test_the_previous_period_is_the_same_length_and_does_not_overlap() -> None:
    period = periods.from_params({"period": "30d"}, TODAY)
    previous = period.previous()
    assert previous.days == period.days
    assert previous.last == period.first - dt.timedelta(days=1)
    assert previous.label() == "Sep 27, 2026 to Oct 26, 2026"


def test_a_one_day_period_is_named_once() -> None:
    """A period clamped to today read "Nov 25, 2026 to Nov 25, 2026"."""
    period = periods.custom(TODAY, TODAY, TODAY)
    assert period.label() == "Nov 25, 2026"
    assert period.previous().label() == "Nov 24, 2026"


def test_nothing_in_the_url_means_what_was_picked_before_else_the_default() -> None:
    assert periods.from_params({}, TODAY).preset == periods.DEFAULT
    before = periods.preset("7d", TODAY)
    assert periods.from_params({"client": "x"}, TODAY, before) == before


def test_custom_days_round_trip_through_the_url() -> None:
    period = periods.from_params(
        {"period": "custom", "from": "2026-01-05", "to": "2026-02-01"}, TODAY
    )
    assert (period.first, period.last, period.problems) == (
        dt.date(2026, 1, 5),
        dt.date(2026, 2, 1),
        (),
    )
    assert periods.from_params(period.params(), TODAY) == period


@pytest.mark.parametrize(
    ("params", "expected", "note"),
    [
        ({"to": "2027-05-01"}, ("2026-10-27", "2026-11-25"), "after today; it ends today"),
        (
            {"from": "2026-11-20", "to": "2026-11-01"},
            ("2026-11-01", "2026-11-20"),
            "ends before it starts",
        ),
        (
            {"from": "2027-01-09", "to": "2026-11-01"},
            ("2026-11-01", "2026-11-25"),
            "ends before it starts",
        ),
        (
            {"from": "1999-01-01", "to": "2026-01-01"},
            ("2023-11-26", "2026-01-01"),
            "more than three years back",
        ),
        ({"from": "yesterday"}, ("2026-10-27", "2026-11-25"), "not a date"),
        ({"period": "x" * 5000}, ("2026-10-27", "2026-11-25"), "which is not one of"),
        ({"period": "custom", "to": "2026-13-45"}, ("2026-10-27", "2026-11-25"), "not a date"),
    ],
)
def test_a_tampered_url_is_clamped_with_a_note(params, expected, note) -> None:
    period = periods.from_params(params, TODAY)
    assert (period.first.isoformat(), period.last.isoformat()) == expected
    assert any(note in problem for problem in period.problems), period.problems
    assert all(len(problem) < 200 for problem in period.problems)
    assert period.days <= periods.MAX_DAYS


def test_a_period_wholly_in_the_future_gets_one_note_that_says_so() -> None:
    """One note, not also "cannot end after today": it has not even started yet."""
    period = periods.from_params(
        {"period": "custom", "from": "2030-01-01", "to": "2030-01-31"}, TODAY
    )
    assert (period.first, period.last) == (TODAY, TODAY)
    assert len(period.problems) == 1 and "in the future" in period.problems[0], period.problems


def test_a_moment_reads_on_the_reader_s_clock_with_the_zone_named() -> None:
    moment = "2026-11-29T04:46:00+00:00"
    assert periods.clock(moment, "Asia/Kolkata") == "2026-11-29 10:16 (Asia/Kolkata)"
    assert periods.clock(moment, "America/Los_Angeles") == "2026-11-28 20:46 (America/Los_Angeles)"
    assert periods.clock(None, "UTC") is None
    # a zone this Python does not know is read as UTC, and says so
    assert periods.clock(moment, "Mars/Olympus_Mons") == "2026-11-29 04:46 (UTC)"


@pytest.mark.parametrize(
    ("cookie", "expected"),
    [
        ("period=7d", ("7d", "2026-11-19")),
        ("period=custom&from=2026-10-01&to=2026-10-31", ("custom", "2026-10-01")),
        ("period=bogus", None),  # a cookie that no longer reads as a period: ignored, no note
        ("period=custom&from=2026-13-01&to=2026-10-31", None),
        ("theme=dark", None),
        (None, None),
    ],
)
def test_the_remembered_period_is_read_from_its_cookie_or_ignored(
    monkeypatch: pytest.MonkeyPatch, cookie: str | None, expected: tuple[str, str] | None
) -> None:
    from revos.ui import cookies, widgets

    monkeypatch.setattr(cookies, "read", lambda name: cookie if name == "revos_period" else None)
    remembered = widgets._remembered_period(TODAY)
    shown = None if remembered is None else (remembered.preset, remembered.first.isoformat())
    assert shown == expected
