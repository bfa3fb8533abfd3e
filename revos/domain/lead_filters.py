"""The Leads page's filters, as URL query parameters and as `leads_page` parameters.

One format serves bookmarks, shared links and the Funnels page's links to a stage's leads.
Values that do not parse are dropped with a note, never passed on to the database.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from revos.domain.address_notes import not_a_page, quoted, unusable
from revos.domain.periods import day_text

STATUSES = ("scraped", "enriched", "contacted", "replied")
ENRICHMENT_STATUSES = ("pending", "enriched", "partial", "failed")
DM_STATUSES = ("pending", "sent", "delivered", "replied")
EMAIL_STATUSES = ("none", "queued", "sent", "opened", "clicked", "replied")
SORTS = {
    "commented_at": "Comment date",
    "name": "Name",
    "company_name": "Company",
    "job_title": "Title",
    "status": "Status",
    "enrichment_status": "Enrichment",
    "dm_status": "DM status",
    "email_status": "Email status",
    "dm_sent_at": "DM sent",
    "email_sent_at": "Email sent",
}
PAGE_SIZE = 50
MAX_PAGE = 2**31 // PAGE_SIZE  # the last page whose offset is a PostgreSQL integer
EXPORT_LIMIT = 50_000
MAX_SEARCH_LENGTH = 200
MAX_RANGE_DAYS = 1096  # leads_export refuses longer date ranges (three years)
SEARCH_KEEPS = 10_000  # a search keeps its newest matches, this many (leads_export)


@dataclass(frozen=True)
class LeadFilters:
    campaigns: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    enrichment: tuple[str, ...] = ()
    dm: tuple[str, ...] = ()
    email: tuple[str, ...] = ()
    start: dt.date | None = None  # commented on or after
    end: dt.date | None = None  # commented on or before
    search: str = ""
    sort: str = "commented_at"
    descending: bool = True
    page: int = 1
    problems: tuple[str, ...] = field(default=(), compare=False)

    def with_page(self, page: int) -> LeadFilters:
        return replace(self, page=max(1, page))

    @property
    def offset(self) -> int:
        """The page's first row for `leads_page`. A page past any tenant's leads asks for the
        last page the SQL offset (an integer) can name: it is past the end all the same, and
        the page says there is no such page (a huge ?page= gave "integer out of range")."""
        return (min(self.page, MAX_PAGE) - 1) * PAGE_SIZE

    def sql_params(self, client_id: str | None) -> dict[str, Any]:
        """Parameters for `leads_page` (without limit and offset)."""
        return {
            "p_client_id": client_id,
            "p_campaign_ids": list(self.campaigns) or None,
            "p_statuses": list(self.status) or None,
            "p_enrichment_statuses": list(self.enrichment) or None,
            "p_dm_statuses": list(self.dm) or None,
            "p_email_statuses": list(self.email) or None,
            "p_from": _midnight(self.start) if self.start else None,
            "p_to": _midnight(self.end + dt.timedelta(days=1)) if self.end else None,
            "p_search": self.search or None,
            "p_sort": self.sort,
            "p_descending": self.descending,
        }

    def query_params(self) -> dict[str, str]:
        """The non-default filters as URL query parameters."""
        params = {
            "campaigns": ",".join(self.campaigns),
            "status": ",".join(self.status),
            "enrichment": ",".join(self.enrichment),
            "dm": ",".join(self.dm),
            "email": ",".join(self.email),
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
            "q": self.search,
            "sort": "" if self.sort == "commented_at" else self.sort,
            "asc": "" if self.descending else "1",
            "page": "" if self.page == 1 else str(self.page),
        }
        return {key: value for key, value in params.items() if value}


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _choices(raw: str, allowed: tuple[str, ...], name: str, problems: list[str]) -> tuple:
    values = tuple(v for v in raw.split(",") if v)
    unknown = [v for v in values if v not in allowed]
    if unknown:
        asked = f"{name} {', '.join(quoted(v) for v in unknown)}"
        left_out = "it is left out" if len(unknown) == 1 else "they are left out"
        problems.append(unusable(asked, "which leads do not have", left_out))
    return tuple(v for v in values if v in allowed)


def _uuids(raw: str, problems: list[str]) -> tuple[str, ...]:
    good = []
    for value in (v for v in raw.split(",") if v):
        try:
            good.append(str(uuid.UUID(value)))
        except ValueError:
            asked = f"campaign id {quoted(value, 40)}"
            problems.append(unusable(asked, "which is not a valid id", "it is left out"))
    return tuple(good)


def _date(raw: str, name: str, problems: list[str]) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        asked = f"{name} date {quoted(raw)}"
        problems.append(unusable(asked, "which is not a date (YYYY-MM-DD)", "it is left out"))
        return None


def _page(raw: str, problems: list[str]) -> int:
    """A page number of 1 or more; any other value is the first page, with a note."""
    if not raw:
        return 1
    try:
        page = int(raw)
    except ValueError:
        page = 0
    if page < 1:
        problems.append(not_a_page(raw))
        return 1
    return page


def from_query_params(params: Mapping[str, str], today: dt.date | None = None) -> LeadFilters:
    problems: list[str] = []
    today = today or dt.datetime.now(dt.UTC).date()
    start = _date(params.get("from", ""), "start", problems)
    end = _date(params.get("to", ""), "end", problems)
    if start and end and end < start:
        asked = f"comments from {start} to {end}"
        shown = f"showing {end} to {start}"
        problems.append(unusable(asked, "which ends before it starts", shown))
        start, end = end, start
    future = "but no lead has commented in the future"
    if end and end > today:
        problems.append(unusable(f"comments until {end}", future, f"showing until today, {today}"))
        end = today
    if start and start > today:
        problems.append(unusable(f"comments from {start}", future, f"showing today's, {today}"))
        start = today
    if start and end and (end - start).days >= MAX_RANGE_DAYS:
        # the days kept are counted back from the range's end (the lead table's own dates)
        asked = f"comments from {start} to {end}"
        start = end - dt.timedelta(days=MAX_RANGE_DAYS - 1)
        why = "more than three years of them"
        problems.append(unusable(asked, why, f"showing those from {start}"))
    sort = params.get("sort", "commented_at")
    if sort not in SORTS:
        asked = f"sort {quoted(sort, 40)}"
        problems.append(
            unusable(asked, "which is not one of the table's orders", "sorting by comment date")
        )
        sort = "commented_at"
    page = _page(params.get("page", ""), problems)
    search = params.get("q", "").strip()
    if "\x00" in search:  # PostgreSQL text cannot hold one; the search would never run
        problems.append(
            unusable("a search with a NUL character", "which no text can hold", "it is removed")
        )
        search = search.replace("\x00", "").strip()
    if len(search) > MAX_SEARCH_LENGTH:
        asked = f"a search of {len(search):,} characters"
        cut = f"it is cut to {MAX_SEARCH_LENGTH}"
        problems.append(unusable(asked, f"longer than {MAX_SEARCH_LENGTH}", cut))
        search = search[:MAX_SEARCH_LENGTH]
    return LeadFilters(
        campaigns=_uuids(params.get("campaigns", ""), problems),
        status=_choices(params.get("status", ""), STATUSES, "status", problems),
        enrichment=_choices(
            params.get("enrichment", ""), ENRICHMENT_STATUSES, "enrichment status", problems
        ),
        dm=_choices(params.get("dm", ""), DM_STATUSES, "DM status", problems),
        email=_choices(params.get("email", ""), EMAIL_STATUSES, "email status", problems),
        start=start,
        end=end,
        search=search,
        sort=sort,
        descending=params.get("asc", "") != "1",
        page=page,
        problems=tuple(problems),
    )


def stage_query(
    stage_filter: Mapping[str, list[str]],
    campaigns: tuple[str, ...],
    start: dt.date | None,
    end: dt.date | None,
) -> dict[str, str]:
    """URL parameters for the Leads page showing exactly one funnel stage's leads."""
    filters = LeadFilters(
        campaigns=campaigns,
        start=start,
        end=end,
        enrichment=tuple(stage_filter.get("enrichment", ())),
        dm=tuple(stage_filter.get("dm", ())),
        email=tuple(stage_filter.get("email", ())),
    )
    return filters.query_params()


def matches_sentence(total: int, more_matches: bool) -> str:
    """How many leads match, in words. A search with more matches than it keeps says so:
    its total then counts only what passes among the newest SEARCH_KEEPS matches."""
    if not more_matches:
        return f"**{total:,}** leads match"
    if total == SEARCH_KEEPS:
        return (
            f"**{SEARCH_KEEPS:,}+** leads match the search: its newest {SEARCH_KEEPS:,} are "
            "listed (add words to narrow it)"
        )
    return (
        f"**{total:,}** of the search's newest {SEARCH_KEEPS:,} matches pass the other "
        f"filters (over {SEARCH_KEEPS:,} leads match the search: add words to narrow it)"
    )


def folded_summary(
    filters: LeadFilters,
    campaign_names: Mapping[str, str],
    label: Callable[[str], object] = str,
) -> str:
    """The filters besides the search, in one line ("" when none is set): on a phone they
    fold away under one heading, and a list opened from a funnel's link to its repliers
    must still say that it holds only them. `label` names a status as the pickers do."""
    chosen = [
        ("Campaign", [campaign_names.get(c, c) for c in filters.campaigns]),
        ("Status", [str(label(s)) for s in filters.status]),
        ("Enrichment", [str(label(s)) for s in filters.enrichment]),
        ("DM", [str(label(s)) for s in filters.dm]),
        ("Email", [str(label(s)) for s in filters.email]),
    ]
    parts = [f"{name}: {' or '.join(values)}" for name, values in chosen if values]
    if filters.start or filters.end:
        parts.append(_comment_days(filters.start, filters.end))
    if filters.sort != "commented_at" or not filters.descending:
        order = "descending" if filters.descending else "ascending"
        parts.append(f"sorted by {SORTS[filters.sort]}, {order}")
    return " · ".join(parts)


def _comment_days(start: dt.date | None, end: dt.date | None) -> str:
    if start and end:
        return f"commented {day_text(start)} to {day_text(end)}"
    if start:
        return f"commented on or after {day_text(start)}"
    return f"commented on or before {day_text(end)}"
