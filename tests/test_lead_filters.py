"""Lead filters: URL <-> SQL parameters, and bad input dropped with a reason."""

from __future__ import annotations

import datetime as dt

import pytest

from revos.domain import lead_filters as lf
from revos.domain import metrics

CAMPAIGN = "0f8fad5b-d9cb-469f-a165-70867728950e"


def test_round_trip_through_the_url() -> None:
    filters = lf.LeadFilters(
        campaigns=(CAMPAIGN,),
        dm=("replied",),
        email=("none", "sent"),
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 1, 31),
        search="head of",
        sort="name",
        descending=False,
        page=3,
    )
    assert lf.from_query_params(filters.query_params()) == filters


def test_sql_params_cover_whole_days_in_utc() -> None:
    params = lf.LeadFilters(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31)).sql_params(None)
    assert params["p_from"] == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert params["p_to"] == dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    assert params["p_dm_statuses"] is None and params["p_sort"] == "commented_at"


def test_bad_values_are_dropped_with_a_reason() -> None:
    filters = lf.from_query_params(
        {
            "campaigns": f"{CAMPAIGN},'; drop table leads;--",
            "dm": "replied,bogus",
            "from": "yesterday",
            "sort": "password",
            "page": "-4",
            "q": "x" * 500,
        }
    )
    assert filters.campaigns == (CAMPAIGN,) and filters.dm == ("replied",)
    assert filters.start is None and filters.sort == "commented_at" and filters.page == 1
    assert len(filters.search) == lf.MAX_SEARCH_LENGTH
    assert len(filters.problems) == 6  # the page too


def test_a_nul_is_taken_out_of_the_search_with_a_note() -> None:
    """PostgreSQL text cannot hold a NUL: a search with one never ran, and the page retried
    it as if the database were away (found by a browser trial)."""
    filters = lf.from_query_params({"q": "\x00ab\x00c "})
    assert filters.search == "abc"
    assert len(filters.problems) == 1 and "NUL character" in filters.problems[0]


@pytest.mark.parametrize("raw", ["0", "-3", "abc", "1.5"])
def test_a_page_that_is_not_a_positive_number_is_the_first_with_a_note(raw) -> None:
    filters = lf.from_query_params({"page": raw})
    assert filters.page == 1 and filters.offset == 0
    assert filters.problems == (
        f"The address asked for page {raw[:20]!r}, which is not a page number; "
        "showing the first page.",
    )


@pytest.mark.parametrize("page", [2, 50_000_000, 10**21])
def test_a_huge_page_asks_for_an_offset_the_sql_can_take(page) -> None:
    filters = lf.from_query_params({"page": str(page)})
    assert filters.page == page  # kept, for the note that there is no such page
    assert 0 < filters.offset < 2**31 and filters.offset % lf.PAGE_SIZE == 0
    assert filters.offset == (min(page, lf.MAX_PAGE) - 1) * lf.PAGE_SIZE


def test_a_start_date_in_the_future_is_today_with_a_note() -> None:
    filters = lf.from_query_params({"from": "9999-12-31"}, today=dt.date(2026, 11, 29))
    assert filters.start == dt.date(2026, 11, 29)
    assert len(filters.problems) == 1
    assert "no lead has commented in the future; showing today's" in filters.problems[0]


def test_reversed_dates_are_swapped() -> None:
    filters = lf.from_query_params({"from": "2026-02-01", "to": "2026-01-01"})
    assert (filters.start, filters.end) == (dt.date(2026, 1, 1), dt.date(2026, 2, 1))
    assert filters.problems


def test_every_funnel_stage_links_to_its_filter() -> None:
    assert set(metrics.STAGE_FILTERS) == set(metrics.STAGE_LABELS)
    query = lf.stage_query(
        metrics.STAGE_FILTERS["dm_delivered"],
        (CAMPAIGN,),
        dt.date(2026, 1, 1),
        dt.date(2026, 1, 31),
    )
    assert lf.from_query_params(query).dm == ("delivered", "replied")
    assert query["campaigns"] == CAMPAIGN


def test_a_search_with_more_matches_than_it_keeps_says_so() -> None:
    assert lf.matches_sentence(1234, False) == "**1,234** leads match"
    kept = lf.matches_sentence(lf.SEARCH_KEEPS, True)
    assert kept.startswith(f"**{lf.SEARCH_KEEPS:,}+** leads match the search")
    some = lf.matches_sentence(37, True)
    assert some.startswith("**37** of the search's newest") and f"{lf.SEARCH_KEEPS:,}" in some


def test_the_folded_summary_names_every_filter_but_the_search() -> None:
    filters = lf.LeadFilters(
        campaigns=(CAMPAIGN, "gone"),
        status=("replied",),
        dm=("sent", "replied"),
        end=dt.date(2026, 1, 31),
        search="head of",
        sort="name",
        descending=False,
    )
    summary = lf.folded_summary(filters, {CAMPAIGN: "Webinar"}, str.upper)
    assert summary == (
        "Campaign: Webinar or gone · Status: REPLIED · DM: SENT or REPLIED · "
        "commented on or before Jan 31, 2026 · sorted by Name, ascending"
    )


def test_the_folded_summary_is_empty_with_only_a_search_or_nothing() -> None:
    assert lf.folded_summary(lf.LeadFilters(search="acme"), {}) == ""
    both = lf.LeadFilters(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 2))
    assert lf.folded_summary(both, {}) == "commented Jan 1, 2026 to Jan 2, 2026"
