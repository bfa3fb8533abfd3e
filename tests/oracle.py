"""An independent oracle: raw rows read as superuser, scoped and aggregated in pandas.

It knows the product's rules (who sees which tenant, what each funnel stage means) but
none of the SQL behind the page functions, so agreement between the two is evidence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

import pandas as pd
import psycopg

from revos.domain import metrics
from tests.support import DemoUser

LEAD_COLUMNS = (
    "id, user_id, campaign_id, name, company_name, job_title, comment_text, commented_at, "
    "status, enrichment_status, dm_status, email_status, dm_sent_at, dm_delivered_at, "
    "dm_replied_at, email_sent_at, email_opened_at, email_clicked_at, email_replied_at"
)


def _frame(conn: psycopg.Connection, query: str) -> pd.DataFrame:
    cursor = conn.execute(query)
    columns = [c.name for c in cursor.description]
    frame = pd.DataFrame(cursor.fetchall(), columns=columns)
    for column in columns:
        if column == "id" or column.endswith("_id"):
            frame[column] = frame[column].astype("string")
    return frame


@dataclass
class World:
    users: pd.DataFrame
    campaigns: pd.DataFrame
    leads: pd.DataFrame
    downloads: pd.DataFrame
    magnets: pd.DataFrame
    draft_messages: pd.DataFrame
    draft_posts: pd.DataFrame
    cartridges: pd.DataFrame

    @classmethod
    def load(cls, conn: psycopg.Connection) -> World:
        return cls(
            users=_frame(conn, "select id, email, company, role, time_zone from public.users"),
            campaigns=_frame(
                conn, "select id, user_id, name, status, cartridge_id from public.campaigns"
            ),
            leads=_frame(conn, f"select {LEAD_COLUMNS} from public.leads"),
            downloads=_frame(
                conn,
                "select id, user_id, lead_id, lead_magnet_id, downloaded_at "
                "from public.lead_magnet_downloads",
            ),
            magnets=_frame(conn, "select id, user_id, title, niche from public.lead_magnets"),
            draft_messages=_frame(
                conn,
                "select id, version, user_id, lead_id, channel, subject, content, created_at "
                "from public.messages where status = 'draft'",
            ),
            draft_posts=_frame(
                conn,
                "select id, version, user_id, cartridge_id, content, image_url, created_at "
                "from public.posts where status = 'draft'",
            ),
            cartridges=_frame(
                conn,
                "select id, user_id, name, system_prompt, writing_style, persona "
                "from public.cartridges",
            ),
        )

    @cached_property
    def drafts(self) -> pd.DataFrame:
        """The owner of every draft message and draft post."""
        return pd.concat([self.draft_messages[["user_id"]], self.draft_posts[["user_id"]]])

    def clients_of(self, user: DemoUser) -> set[str]:
        clients = set(self.users.loc[self.users.role == "client", "id"])
        if user.role == "super_admin":
            return clients
        if user.role == "reviewer":
            return set(user.assigned)
        return {user.id} & clients

    def scoped(self, frame: pd.DataFrame, user: DemoUser) -> pd.DataFrame:
        return frame[frame.user_id.isin(self.clients_of(user))]

    @cached_property
    def zones(self) -> dict[str, str]:
        """Each user's time zone, by id."""
        return dict(zip(self.users.id, self.users.time_zone, strict=True))

    def local_days(self, frame: pd.DataFrame, column: str) -> pd.Series:
        """Each row's day of `column` in its owner's time zone: the days counts are made in."""
        days = [
            None if pd.isna(t) else t.tz_convert(self.zones[owner]).date()
            for t, owner in zip(frame[column], frame.user_id, strict=True)
        ]
        return pd.Series(days, index=frame.index, dtype=object)

    def today_for(self, user_id: str) -> dt.date:
        """Today in a user's time zone: where a page showing that user's days starts."""
        return pd.Timestamp.now(tz="UTC").tz_convert(self.zones[user_id]).date()

    def local_today(self, owners: pd.Series) -> pd.Series:
        return pd.Series([self.today_for(o) for o in owners], index=owners.index)


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator to 4 places, a half rounded up as PostgreSQL's numeric round()
    does (Python's round() of a float goes to even: 5 / 32 gave 0.1562, not 0.1563)."""
    if denominator == 0:
        return None
    exact = Decimal(numerator) / Decimal(denominator)
    return float(exact.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def whole_days(start: pd.Timestamp, end: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end) widened to whole UTC days: the period's days, as the functions read them."""
    first = start.tz_convert("UTC").floor("D")
    last = (end - pd.Timedelta(microseconds=1)).tz_convert("UTC").floor("D")
    return first, last + pd.Timedelta(days=1)


def in_days(
    world: World, frame: pd.DataFrame, column: str, start: pd.Timestamp, end: pd.Timestamp
) -> pd.Series:
    """Rows whose `column` falls on one of the period's days, in the owner's own days."""
    first, after = whole_days(start, end)
    days = world.local_days(frame, column)
    return days.notna() & (days >= first.date()) & (days < after.date())


def funnel(
    world: World, user: DemoUser, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None
) -> dict[str, dict[str, int]]:
    leads = world.scoped(world.leads, user)
    if start is not None and end is not None:
        leads = leads[in_days(world, leads, "commented_at", start, end)]
    result = {}
    for campaign_id in world.scoped(world.campaigns, user).id:
        rows = leads[leads.campaign_id == campaign_id]
        result[campaign_id] = {
            "commented": len(rows),
            "enriched": int(rows.enrichment_status.isin(["enriched", "partial"]).sum()),
            "dm_sent": int(rows.dm_status.isin(["sent", "delivered", "replied"]).sum()),
            "dm_delivered": int(rows.dm_status.isin(["delivered", "replied"]).sum()),
            "dm_replied": int((rows.dm_status == "replied").sum()),
            "email_sent": int(
                rows.email_status.isin(["sent", "opened", "clicked", "replied"]).sum()
            ),
            "email_opened": int(rows.email_status.isin(["opened", "clicked", "replied"]).sum()),
            "email_clicked": int(rows.email_status.isin(["clicked", "replied"]).sum()),
            "email_replied": int((rows.email_status == "replied").sum()),
        }
    return result


def kpis(world: World, user: DemoUser, start: pd.Timestamp, end: pd.Timestamp) -> dict:
    leads = world.scoped(world.leads, user)
    commented = leads[in_days(world, leads, "commented_at", start, end)]
    dms = leads[in_days(world, leads, "dm_sent_at", start, end)]
    emails = leads[in_days(world, leads, "email_sent_at", start, end)]
    downloads = world.scoped(world.downloads, user)
    enriched = int(commented.enrichment_status.isin(["enriched", "partial"]).sum())
    dm_replies = int(dms.dm_replied_at.notna().sum())
    email_replies = int(emails.email_replied_at.notna().sum())
    # reply rates count sends at least 3 whole days old: sent on or before the owner's today - 3
    dms_mature = dms[_mature(world, dms, "dm_sent_at")]
    emails_mature = emails[_mature(world, emails, "email_sent_at")]
    return {
        "new_leads": len(commented),
        "enriched_leads": enriched,
        "enrichment_rate": rate(enriched, len(commented)),
        "dms_sent": len(dms),
        "dm_replies": dm_replies,
        "dm_reply_rate": rate(int(dms_mature.dm_replied_at.notna().sum()), len(dms_mature)),
        "dms_mature": len(dms_mature),
        "emails_sent": len(emails),
        "email_replies": email_replies,
        "email_reply_rate": rate(
            int(emails_mature.email_replied_at.notna().sum()), len(emails_mature)
        ),
        "emails_mature": len(emails_mature),
        "magnet_downloads": int(in_days(world, downloads, "downloaded_at", start, end).sum()),
        "drafts_waiting": len(world.scoped(world.drafts, user)),
    }


def _mature(world: World, frame: pd.DataFrame, column: str) -> pd.Series:
    if frame.empty:
        return pd.Series(False, index=frame.index)
    days = world.local_days(frame, column)
    last_mature = world.local_today(frame.user_id) - pd.Timedelta(days=3)
    return days <= last_mature


def weekly_trend(world: World, user: DemoUser, start: pd.Timestamp, end: pd.Timestamp) -> dict:
    leads = world.scoped(world.leads, user)
    buckets: dict[str, dict[str, int]] = {}
    for series, column in (
        ("new_leads", "commented_at"),
        ("dms_sent", "dm_sent_at"),
        ("dm_replies", "dm_replied_at"),
        ("emails_sent", "email_sent_at"),
        ("email_replies", "email_replied_at"),
    ):
        days = world.local_days(leads, column)[in_days(world, leads, column, start, end)]
        weeks = pd.to_datetime(days).dt.to_period("W-SUN")
        for week, count in weeks.dt.start_time.dt.date.astype(str).value_counts().items():
            buckets.setdefault(week, {})[series] = int(count)
    return buckets


def magnet_performance(
    world: World, user: DemoUser, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None
) -> dict[str, tuple[int, int]]:
    visible = world.magnets[
        world.magnets.user_id.isna()
        | world.magnets.user_id.isin(world.clients_of(user))
        | (user.role == "super_admin")
    ]
    downloads = world.scoped(world.downloads, user)
    if start is not None and end is not None:
        downloads = downloads[in_days(world, downloads, "downloaded_at", start, end)]
    downloads = downloads.merge(
        world.leads[["id", "dm_replied_at", "email_replied_at"]],
        left_on="lead_id",
        right_on="id",
        suffixes=("", "_lead"),
    )
    # a conversion is a reply after the download (sql/0086); a missing time compares False
    at = pd.to_datetime(downloads.downloaded_at, utc=True)
    replied = (pd.to_datetime(downloads.dm_replied_at, utc=True) > at) | (
        pd.to_datetime(downloads.email_replied_at, utc=True) > at
    )
    result = {}
    for magnet_id in visible.id:
        mine = downloads.lead_magnet_id == magnet_id
        result[magnet_id] = (int(mine.sum()), int((mine & replied).sum()))
    return result


QUEUE_COLUMNS = (
    "kind",
    "channel",
    "id",
    "version",
    "client_id",
    "client",
    "campaign_id",
    "campaign_name",
    "cartridge_name",
    "cartridge_system_prompt",
    "cartridge_writing_style",
    "cartridge_persona",
    "lead_name",
    "lead_title",
    "lead_company",
    "lead_comment",
    "subject",
    "content",
    "image_url",
    "created_at",
)


def queue(
    world: World, user: DemoUser, campaign_id: str | None = None, channel: str | None = None
) -> list[tuple]:
    """The drafts waiting for review, oldest first, each with what a reviewer reads."""
    lead_details = {
        "id": "lead_id",
        "name": "lead_name",
        "job_title": "lead_title",
        "company_name": "lead_company",
        "comment_text": "lead_comment",
    }
    messages = world.scoped(world.draft_messages, user).merge(
        world.leads[["campaign_id", *lead_details]].rename(columns=lead_details), on="lead_id"
    )
    messages = messages.merge(
        world.campaigns[["id", "name", "cartridge_id"]].rename(
            columns={"id": "campaign_id", "name": "campaign_name"}
        ),
        on="campaign_id",
    )
    messages["kind"] = "message"
    posts = world.scoped(world.draft_posts, user).assign(kind="post", channel="post")
    drafts = pd.concat([messages, posts], ignore_index=True)
    cartridge_details = {
        "id": "cartridge_id",
        "user_id": "cartridge_owner",
        "name": "cartridge_name",
        "system_prompt": "cartridge_system_prompt",
        "writing_style": "cartridge_writing_style",
        "persona": "cartridge_persona",
    }
    drafts = drafts.merge(
        world.cartridges.rename(columns=cartridge_details), on="cartridge_id", how="left"
    )
    foreign = drafts.cartridge_owner != drafts.user_id  # a cartridge is its owner's alone
    drafts.loc[foreign, list(cartridge_details.values())[2:]] = None
    names = world.users.company.fillna(world.users.email)
    drafts["client"] = drafts.user_id.map(dict(zip(world.users.id, names, strict=True)))
    if campaign_id is not None:
        drafts = drafts[drafts.campaign_id == campaign_id]
    if channel is not None:
        drafts = drafts[drafts.channel == channel]
    drafts = drafts.rename(columns={"user_id": "client_id"}).sort_values(["created_at", "id"])
    drafts = drafts.astype(object).where(drafts.notna(), None)
    return [tuple(row) for row in drafts[list(QUEUE_COLUMNS)].itertuples(index=False)]


def search_text(leads: pd.DataFrame) -> pd.Series:
    """What free-text search matches: name, company, title and comment, lower-cased."""
    return (
        leads.name.fillna("")
        + " "
        + leads.company_name.fillna("")
        + " "
        + leads.job_title.fillna("")
        + " "
        + leads.comment_text.fillna("")
    ).str.lower()


def movers(
    now: pd.DataFrame, before: pd.DataFrame, key: str, label: str, value: str, n: int = 3
) -> pd.DataFrame:
    """The n rows whose `value` changed most between two periods, biggest change first: what
    the Overview computed from every row before campaign_movers and lead_magnet_movers.

    Rows present in one period only count as 0 in the other; unchanged rows are left out.
    Returns columns label, before, now, change.
    """
    columns = ["label", "before", "now", "change"]
    if now.empty and before.empty:
        return pd.DataFrame(columns=columns)
    merged = pd.merge(
        now[[key, label, value]],
        before[[key, label, value]],
        on=key,
        how="outer",
        suffixes=("_now", "_before"),
    )
    merged["label"] = merged[f"{label}_now"].fillna(merged[f"{label}_before"])
    merged["now"] = merged[f"{value}_now"].fillna(0).astype(int)
    merged["before"] = merged[f"{value}_before"].fillna(0).astype(int)
    merged["change"] = merged["now"] - merged["before"]
    changed = merged[merged["change"] != 0]
    order = changed["change"].abs().sort_values(ascending=False, kind="stable").index
    return changed.loc[order, columns].head(n).reset_index(drop=True)


def tenant_alerts(stats: pd.DataFrame) -> pd.DataFrame:
    """The Tenants page's alerts as it computed them before session 22, row by row: the
    oracle of `metrics.tenant_alerts` and `metrics.alert_texts`, which work column by column."""
    targets = {m.key: m.target for m in metrics.KPIS}
    alerts: list[dict] = []
    for row in stats.to_dict("records"):
        company = row["company"]  # a missing company reads NaN here under pandas' str dtype
        tenant = company if isinstance(company, str) and company else row["email"]
        for key, label, target in (
            ("dm_reply_rate_30d", "DM reply rate under target", targets["dm_reply_rate"]),
            ("email_reply_rate_30d", "Email reply rate under target", targets["email_reply_rate"]),
        ):
            value = row.get(key)
            value = None if value is None or pd.isna(value) else float(value)
            if value is not None and value < target:
                alerts.append((tenant, label, value, target))
        failures = metrics.ratio(row["enrichment_failures_30d"], row["leads_30d"])
        if failures is not None and failures > metrics.ENRICHMENT_FAILURE_ALERT:
            alerts.append(
                (tenant, "Enrichment failures high", failures, metrics.ENRICHMENT_FAILURE_ALERT)
            )
        if row["apollo_credits_month"] > metrics.APOLLO_MONTHLY_CREDIT_ALERT:
            alerts.append(
                (
                    tenant,
                    "Apollo credits high this month",
                    row["apollo_credits_month"],
                    metrics.APOLLO_MONTHLY_CREDIT_ALERT,
                )
            )
    return pd.DataFrame(alerts, columns=["tenant", "alert", "value", "threshold"])


def alert_text(alert: pd.Series, column: str) -> str:
    """One alert's value or threshold as text, as the page formatted it row by row."""
    value = float(alert[column])
    if alert["alert"].startswith("Apollo"):
        return f"{value:,.0f}"
    return f"{value:.2%}"  # two decimals, as every table
