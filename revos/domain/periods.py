"""The period every page shares: a preset or custom days, read from the URL, never trusted.

Pure: pages hand it the URL's parameters and today's date and get back the period plus a
note for each thing in the URL it could not use. A period is whole days, first to last
inclusive. The SQL functions take them as the UTC midnights [first, last+1) and count each
tenant's rows on that tenant's own days (users.time_zone): [first 00:00, last+1 00:00) there.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from revos.domain.address_notes import quoted, unusable

PRESETS = {
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "month": "This month",
    "custom": "Custom",
}
DEFAULT = "30d"
MAX_DAYS = 1096  # the SQL functions refuse longer periods (three years)


@dataclass(frozen=True)
class Period:
    preset: str
    first: dt.date
    last: dt.date
    problems: tuple[str, ...] = field(default=(), compare=False)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The days as UTC midnights [first, last+1), what the SQL functions take."""
        return _midnight(self.first), _midnight(self.last + dt.timedelta(days=1))

    def previous(self) -> Period:
        """The same number of days just before this period."""
        last = self.first - dt.timedelta(days=1)
        return Period("custom", last - dt.timedelta(days=self.days - 1), last)

    def label(self) -> str:
        """ "Oct 27, 2026 to Nov 25, 2026"; one day is named once ("Nov 29, 2026 to Nov 29,
        2026" read as a typo)."""
        if self.first == self.last:
            return day_text(self.first)
        return f"{day_text(self.first)} to {day_text(self.last)}"

    def params(self) -> dict[str, str]:
        """The URL parameters that describe this period."""
        if self.preset != "custom":
            return {"period": self.preset}
        return {"period": "custom", "from": self.first.isoformat(), "to": self.last.isoformat()}


def zone_info(zone: str) -> dt.tzinfo:
    """A time zone by name; UTC for a name this Python's tz data lacks (the database only
    keeps names from its own tz data, which could be newer), never an error on a page."""
    try:
        return zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def today_in(zone: str, now: dt.datetime | None = None) -> dt.date:
    """Today's date in a time zone."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(zone_info(zone)).date()


def clock(moment: str | dt.datetime | None, zone: str) -> str | None:
    """A moment as a reader in `zone` reads it on their clock, the zone named (the approval
    history shows the same moments in the viewer's zone: a message must not say 14:00 UTC
    beside a table that says 15:00)."""
    if moment is None or moment == "":
        return None
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    reader = zone_info(zone)  # UTC for a name this Python does not know, and named so
    return f"{moment.astimezone(reader):%Y-%m-%d %H:%M} ({getattr(reader, 'key', 'UTC')})"


def preset(name: str, today: dt.date) -> Period:
    if name == "7d":
        return Period(name, today - dt.timedelta(days=6), today)
    if name == "90d":
        return Period(name, today - dt.timedelta(days=89), today)
    if name == "month":
        return Period(name, today.replace(day=1), today)
    return Period("30d", today - dt.timedelta(days=29), today)


def custom(first: dt.date, last: dt.date, today: dt.date) -> Period:
    """Custom days, clamped to what can be shown: not after today, at most three years."""
    problems = []
    earliest = today - dt.timedelta(days=MAX_DAYS - 1)
    if first > last:  # dates typed the wrong way round: the days between them were meant
        asked = f"a period from {day_text(first)} to {day_text(last)}"
        shown = f"showing {day_text(last)} to {day_text(first)}"
        problems.append(unusable(asked, "which ends before it starts", shown))
        first, last = last, first
    if first > today:  # wholly in the future: one note, not a second about its order
        asked = f"a period starting {day_text(first)}"
        shown = f"showing today, {day_text(today)}"
        problems.append(unusable(asked, "which is in the future", shown))
        first = last = today
    elif last > today:
        asked = f"a period ending {day_text(last)}"
        problems.append(unusable(asked, "after today", f"it ends today, {day_text(today)}"))
        last = today
    if first < earliest:  # the days kept are counted back from today, as the presets are
        asked = f"a period starting {day_text(first)}"
        why = "more than three years back"
        problems.append(unusable(asked, why, f"it starts {day_text(earliest)}"))
        first = earliest
    return Period("custom", first, last, tuple(problems))


def from_params(params: dict[str, str], today: dt.date, fallback: Period | None = None) -> Period:
    """The period the URL describes (`period`, and `from`/`to` for custom days).

    Without a `period` or dates in the URL, the fallback (what the user chose on another
    page) or the default. Anything unusable becomes a note, never an error.
    """
    name = params.get("period")
    if name is None and ("from" in params or "to" in params):
        name = "custom"  # older links carry only the dates
    if name is None:
        return fallback or preset(DEFAULT, today)
    if name not in PRESETS:
        default = preset(DEFAULT, today)
        why = f"which is not one of {', '.join(PRESETS.values())}"
        note = unusable(f"period {quoted(name)}", why, f"showing {PRESETS[DEFAULT].lower()}")
        return _with(default, note)
    if name != "custom":
        return preset(name, today)
    first, first_problem = _day(params.get("from"), "from")
    last, last_problem = _day(params.get("to"), "to")
    base = fallback or preset(DEFAULT, today)
    period = custom(first or base.first, last or base.last, today)
    return _with(period, *(p for p in (first_problem, last_problem) if p))


def _day(raw: str | None, name: str) -> tuple[dt.date | None, str | None]:
    if raw is None:
        return None, None
    try:
        return dt.date.fromisoformat(raw), None
    except ValueError:
        asked = f"the '{name}' date {quoted(raw)}"
        return None, unusable(asked, "which is not a date (YYYY-MM-DD)", "it is left out")


def day_text(day: dt.date) -> str:
    """A day as every label and note writes it: "Nov 3, 2026"."""
    return f"{day:%b %-d, %Y}"


def _with(period: Period, *problems: str) -> Period:
    return Period(period.preset, period.first, period.last, period.problems + problems)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
