"""Metric definitions and maths, in one place. Pure functions: no Streamlit, no database.

The SQL functions in sql/0006_page_functions.sql compute these numbers; the definitions
below are the words users read in help texts, and tests check the two agree.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

import pandas as pd


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
    sample_key: str | None = None  # rates: the count they are a share of (their n)
    sample_label: str = ""  # what that count is, after "of N"


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
        sample_key="new_leads",
        sample_label="new leads",
    ),
    Metric(
        "dms_sent",
        "DMs sent",
        Kind.COUNT,
        "Leads sent their first LinkedIn DM in the period (a follow-up DM to the same lead "
        "is not counted again, as in the funnel's DM sent).",
    ),
    Metric(
        "dm_reply_rate",
        "DM reply rate",
        Kind.RATE,
        "Share of the period's DMs sent before the last three days (today and the two days "
        "before it) that got a reply (at any time since). "
        "Newer DMs have not had time to be answered, so they wait a few days to count.",
        0.10,
        sample_key="dms_mature",
        sample_label="DMs sent before the last 3 days",
    ),
    Metric("emails_sent", "Emails sent", Kind.COUNT, "Emails sent in the period."),
    Metric(
        "email_reply_rate",
        "Email reply rate",
        Kind.RATE,
        "Share of the period's emails sent before the last three days (today and the two "
        "days before it) that got a reply (at any time since). "
        "Newer emails have not had time to be answered, so they wait a few days to count.",
        0.05,
        sample_key="emails_mature",
        sample_label="emails sent before the last 3 days",
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
    sample: float | None = None  # a rate's n

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
            _number(current.get(metric.sample_key)) if metric.sample_key else None,
        )
        for metric in KPIS
    ]


# KPI -> the trend column that draws its sparkline (counts only: a rate's weekly points would
# mix sends of one week with replies of another)
SPARKLINES = {"new_leads": "new_leads", "dms_sent": "dms_sent", "emails_sent": "emails_sent"}


def bucket_length(grain: str) -> int:
    """A bucket's days: funnel_trend counts by day or by week."""
    return 7 if grain == "week" else 1


def counted_days(
    buckets: pd.Series, first: dt.date, last: dt.date, not_over: dt.date, grain: str
) -> pd.Series:
    """How many of each day or week bucket's days its count holds in full: the days within
    `first`..`last` and over, before `not_over` (today in the counts' zone; a day holds its
    count in full only once it is over).

    A bucket the period starts or ends inside, or that is not over, holds fewer days than
    its length, and drawn beside whole ones it shows a dip that is not there."""
    end = min(last + dt.timedelta(days=1), not_over)  # the first day not counted
    length = bucket_length(grain)
    starts = pd.to_datetime(buckets).dt.date
    return pd.Series(
        [
            max(0, (min(start + dt.timedelta(days=length), end) - max(start, first)).days)
            for start in starts
        ],
        index=buckets.index,
        dtype="int64",
    )


def sparklines(
    trend: pd.DataFrame, first: dt.date, last: dt.date, not_over: dt.date, grain: str
) -> dict[str, list[float]]:
    """Each counted KPI's points over the period, from `funnel_trend` rows, whole buckets only.

    A sparkline has no room to mark a bucket cut short (`counted_days`), so it draws only
    the whole ones; the tile's number still counts every day of the period."""
    if trend.empty:
        return {}
    days = counted_days(trend["bucket"], first, last, not_over, grain)
    whole = trend[days == bucket_length(grain)]
    return {key: [float(v) for v in whole[column]] for key, column in SPARKLINES.items()}


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


STAGE_LABELS: dict[str, str] = {
    "commented": "Commented",
    "enriched": "Enriched",
    "dm_sent": "DM sent",
    "dm_delivered": "DM delivered",
    "dm_replied": "DM replied",
    "email_sent": "Email sent",
    "email_opened": "Opened",
    "email_clicked": "Clicked",
    "email_replied": "Replied",
}
DM_PATH = ("commented", "enriched", "dm_sent", "dm_delivered", "dm_replied")
EMAIL_PATH = ("email_sent", "email_opened", "email_clicked", "email_replied")

# The Leads page filters that select exactly the leads in a stage (see sql/0006 definitions).
STAGE_FILTERS: dict[str, dict[str, list[str]]] = {
    "commented": {},
    "enriched": {"enrichment": ["enriched", "partial"]},
    "dm_sent": {"dm": ["sent", "delivered", "replied"]},
    "dm_delivered": {"dm": ["delivered", "replied"]},
    "dm_replied": {"dm": ["replied"]},
    "email_sent": {"email": ["sent", "opened", "clicked", "replied"]},
    "email_opened": {"email": ["opened", "clicked", "replied"]},
    "email_clicked": {"email": ["clicked", "replied"]},
    "email_replied": {"email": ["replied"]},
}


def ratio(numerator: float, denominator: float) -> float | None:
    return None if not denominator else numerator / denominator


def ratios(numerators: pd.Series, denominators: pd.Series) -> pd.Series:
    """`ratio` of each pair: missing (NaN) where the denominator is 0."""
    return numerators / denominators.where(denominators != 0)


def stage_table(totals: dict[str, int], path: tuple[str, ...]) -> pd.DataFrame:
    """Each stage of a path with its count, % of the previous stage and % of the first."""
    counts = [int(totals.get(stage, 0)) for stage in path]
    return pd.DataFrame(
        {
            "stage": list(path),
            "label": [STAGE_LABELS[s] for s in path],
            "count": counts,
            "pct_previous": [None, *(ratio(c, p) for p, c in pairwise(counts))],
            "pct_top": [ratio(c, counts[0]) for c in counts],
        }
    )


def funnel_totals(funnel: pd.DataFrame) -> dict[str, int]:
    """Stage counts summed over the selected campaigns' rows of `campaign_funnel`."""
    if funnel.empty:
        return dict.fromkeys(STAGE_LABELS, 0)
    return {stage: int(funnel[stage].sum()) for stage in STAGE_LABELS}


def campaign_comparison(funnel: pd.DataFrame) -> pd.DataFrame:
    """One row per campaign: status, leads and the three conversion rates, each with its n;
    most new leads first, as the Overview's top campaigns (ties keep the funnel's order: a
    stable sort), so the Funnels page's table and the Overview's read alike."""
    columns = [
        "campaign",
        "status",
        "leads",
        "enrichment_rate",
        "dms",
        "dm_reply_rate",
        "emails",
        "email_reply_rate",
    ]
    if funnel.empty:
        return pd.DataFrame(columns=columns)
    # column by column: a super admin's funnel has a row per campaign of every tenant (55,000
    # over 12,250 tenants), which a row-by-row apply took 4 s to turn into this table
    return pd.DataFrame(
        {
            "campaign": funnel["campaign_name"],
            "status": funnel["campaign_status"],
            "leads": funnel["commented"].astype(int),
            "enrichment_rate": ratios(funnel["enriched"], funnel["commented"]),
            "dms": funnel["dm_sent"].astype(int),
            "dm_reply_rate": ratios(funnel["dm_replied"], funnel["dm_sent"]),
            "emails": funnel["email_sent"].astype(int),
            "email_reply_rate": ratios(funnel["email_replied"], funnel["email_sent"]),
        },
        columns=columns,
    ).sort_values("leads", ascending=False, kind="stable", ignore_index=True)


# Admin alerts: when a tenant needs a look. Credits: Apollo's usual monthly plan allowance.
# share of the last 30 days' new leads whose enrichment failed; ~30% is normal at the 70% target
ENRICHMENT_FAILURE_ALERT = 0.35
APOLLO_MONTHLY_CREDIT_ALERT = 1_000


def _target(key: str) -> float:
    """A rate's target, as its Metric defines it (one place for every target)."""
    target = next(m.target for m in KPIS if m.key == key)
    assert target is not None
    return target


ALERT_COLUMNS = ["tenant", "alert", "value", "threshold"]


def tenant_labels(tenants: pd.DataFrame) -> pd.Series:
    """What a tenant is called on the page: their company, else (none, or blank) their login."""
    company = tenants["company"].astype("object")
    return company.where(company.notna() & (company != ""), tenants["email"])


def told_apart(names: pd.Series, keys: pd.Series) -> pd.Series:
    """Names that repeat numbered in the order of their keys ("Guide #1", "Guide #2"), the
    rest as they are: a chart draws two bars of one name as one, and two same rows of a
    table read as one thing listed twice (a tenant's two custom magnets of one title). A
    number another name already has is skipped; a missing name reads "(untitled)"."""
    text = names.astype("object").where(names.notna(), "(untitled)")
    repeated = text.map(text.value_counts()) > 1
    taken = set(text[~repeated])
    told = text.copy()
    for name, group in text[repeated].groupby(text[repeated]):
        number = 0
        for index in keys.loc[group.index].astype(str).sort_values(kind="stable").index:
            number += 1
            while f"{name} #{number}" in taken:
                number += 1
            told[index] = f"{name} #{number}"
            taken.add(told[index])
    return told


def conversion_by_niche(downloaded: pd.DataFrame) -> pd.DataFrame:
    """Downloads, replies and conversion per niche, with the Wilson bounds and a label
    naming the downloads; magnets without a niche together as "No niche" (left out, they
    were in the page's Conversion but in no bar)."""
    niches = downloaded.assign(niche=downloaded["niche"].fillna("No niche"))
    summed = niches.groupby("niche", as_index=False)[["downloads", "replies"]].sum()
    summed["conversion_rate"] = summed["replies"] / summed["downloads"]
    ranked = rank_by_confidence(summed, "replies", "downloads")
    ranked["label"] = [
        f"{niche} (n={n:,})" for niche, n in zip(ranked["niche"], ranked["downloads"], strict=True)
    ]
    return ranked


def tenant_alerts(stats: pd.DataFrame) -> pd.DataFrame:
    """One row per (tenant, problem): reply rates under target, failures or credits high.

    Column by column, not row by row: over 12,250 tenants a loop over the rows took 0.6 s of
    the Tenants page, and formatting its alerts 0.9 s more. Rows come in the tenants' order,
    each tenant's problems in the order below."""
    tenant = tenant_labels(stats)
    dm = pd.to_numeric(stats["dm_reply_rate_30d"]).astype(float)
    email = pd.to_numeric(stats["email_reply_rate_30d"]).astype(float)
    failures = ratios(stats["enrichment_failures_30d"].astype(float), stats["leads_30d"])
    credits = stats["apollo_credits_month"].astype(float)
    dm_target, email_target = _target("dm_reply_rate"), _target("email_reply_rate")
    rules = (  # (alert, its values, threshold, which tenants have it: NaN compares false)
        ("DM reply rate under target", dm, dm_target, dm < dm_target),
        ("Email reply rate under target", email, email_target, email < email_target),
        (
            "Enrichment failures high",
            failures,
            ENRICHMENT_FAILURE_ALERT,
            failures > ENRICHMENT_FAILURE_ALERT,
        ),
        (
            "Apollo credits high this month",
            credits,
            APOLLO_MONTHLY_CREDIT_ALERT,
            credits > APOLLO_MONTHLY_CREDIT_ALERT,
        ),
    )
    rows = pd.Series(range(len(stats)), index=stats.index)
    parts = [
        pd.DataFrame(
            {
                "tenant": tenant[hit].to_numpy(),
                "alert": alert,
                "value": values[hit].to_numpy(),
                "threshold": float(threshold),
                "row": rows[hit].to_numpy(),
                "order": order,
            }
        )
        for order, (alert, values, threshold, hit) in enumerate(rules)
    ]
    alerts = pd.concat(parts, ignore_index=True).sort_values(["row", "order"], kind="stable")
    return alerts[ALERT_COLUMNS].reset_index(drop=True)


def alert_texts(alerts: pd.DataFrame) -> pd.DataFrame:
    """The alerts with value and threshold as text: credit counts as whole numbers, rates in
    percent with two decimals as every table writes them, so a rate just under its threshold
    reads under it (4.96% under 5.00%; a second decimal only where needed read "9.6%" above
    "4.98%" in one column)."""
    value, threshold = alerts["value"].astype(float), alerts["threshold"].astype(float)
    counts = alerts["alert"].str.startswith("Apollo")

    def text(numbers: pd.Series) -> pd.Series:
        return numbers.map("{:,.0f}".format).where(counts, numbers.map("{:.2%}".format))

    return alerts.assign(value=text(value), threshold=text(threshold))


FIRST_DRAFT_APPROVAL_TARGET = 0.80


def wilson_bounds(successes: float, n: float, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a rate: how sure a conversion rate of n downloads is.

    Ranking by the lower bound keeps a magnet with 2 replies of 6 downloads (33%, but maybe
    9%) below one with 40 of 300 (13%, surely above 10%).
    """
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    scale = 1 + z * z / n
    return max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)


def rank_by_confidence(frame: pd.DataFrame, successes: str, n: str) -> pd.DataFrame:
    """`frame` with the Wilson bounds of successes / n as `rate_low` and `rate_high`."""
    bounds = [wilson_bounds(s, t) for s, t in zip(frame[successes], frame[n], strict=True)]
    return frame.assign(rate_low=[low for low, _ in bounds], rate_high=[high for _, high in bounds])


def pooled_rate(frame: pd.DataFrame, successes: str = "replies", n: str = "downloads") -> float:
    """The rate over every row together: what a typical download converts at."""
    total = float(frame[n].sum())
    return float(frame[successes].sum()) / total if total > 0 else 0.0


@dataclass(frozen=True)
class Standouts:
    """The magnets surely better and surely worse than the conversion of all of them."""

    top: pd.DataFrame
    laggards: pd.DataFrame
    bar: float  # the rate both lists are held to


def standing(ranked: pd.DataFrame, bar: float) -> pd.Series:
    """Per row of a frame from `rank_by_confidence`: "above" where its rate is surely above
    `bar` (its lower bound is), "below" where surely below (its upper bound is), else
    "unsure". What the top performers and laggards are chosen by, and their bars drawn in."""
    where = pd.Series("unsure", index=ranked.index)
    where[ranked["rate_low"] > bar] = "above"
    where[ranked["rate_high"] < bar] = "below"
    return where


def standouts(ranked: pd.DataFrame, bar: float, n: int = 3) -> Standouts:
    """Of a frame from `rank_by_confidence`, the `n` surely above `bar` (their lower bound
    is; highest first) and the `n` surely below it (their upper bound is; lowest first). The
    page's bar is its Conversion tile, every magnet's downloads together (`pooled_rate`).
    One bar for both lists, so they never share a magnet: a lower bound merely above zero
    let a magnet surely below average top the list, and "the rest after the top" listed
    good magnets as laggards whenever there were few."""
    where = standing(ranked, bar)
    above, below = ranked[where == "above"], ranked[where == "below"]
    return Standouts(
        top=above.sort_values(["rate_low", "conversion_rate"], ascending=False).head(n),
        laggards=below.sort_values(["rate_high", "conversion_rate"]).head(n),
        bar=bar,
    )


def age_seconds(stamp: str | pd.Timestamp, now: pd.Timestamp | None = None) -> float:
    """Seconds since `stamp` (an ISO timestamp as the database returns it)."""
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    return max(0.0, (now - pd.Timestamp(stamp)).total_seconds())


def humanize_duration(seconds: float) -> str:
    """'45 min', '3 h', '2 d': how long a draft has waited, at a glance."""
    minutes = max(0, int(seconds // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"
