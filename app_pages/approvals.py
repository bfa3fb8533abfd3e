"""Approvals: work through draft DMs, emails and posts, oldest first."""

import math

import streamlit as st

from revos.domain import address_notes, metrics
from revos.ui import context, errors, review, semantic, tables, time_zone, widgets
from revos.ui.text import counted

KINDS = {"all": "All", "dm": "DMs", "email": "Emails", "post": "Posts"}
PAGE_SIZE = 200

st.title("Approvals")
gateway = context.gateway()

with errors.banner_on_failure():
    client_id = widgets.client_scope(gateway)
    campaigns = {
        c["id"]: c["name"]
        for c in widgets.name_campaigns(
            gateway, gateway.rows("campaign_options", p_client_id=client_id), client_id
        )
    }

left, right = st.columns([2, 3])
campaign_options = ["all", *campaigns]
wanted_campaign = st.query_params.get("campaign", "all")
if wanted_campaign not in campaign_options:
    widgets.address_note(
        address_notes.unusable("a campaign", "which you do not have", "showing all campaigns")
    )
campaign = left.selectbox(
    "Campaign",
    campaign_options,
    index=campaign_options.index(wanted_campaign) if wanted_campaign in campaigns else 0,
    format_func=lambda c: "All campaigns" if c == "all" else campaigns[c],
    key="queue_campaign",
)
kind = widgets.choice(right, "Kind", KINDS, param="kind", default="all", key="queue_kind")
widgets.no_period("showing every draft waiting")
page = widgets.page_param()
view = (client_id, campaign, kind)
if st.session_state.get("queue_view", view) != view:
    page = 1  # a new view starts on its first page
st.session_state["queue_view"] = view


def load_queue(page: int) -> list[dict]:
    return gateway.call(
        "approval_queue",
        p_client_id=client_id,
        p_campaign_id=None if campaign == "all" else campaign,
        p_channel=None if kind == "all" else kind,
        p_limit=PAGE_SIZE,
        p_offset=(page - 1) * PAGE_SIZE,
    )


with errors.banner_on_failure(), st.spinner("Loading the queue…"):
    queue, summaries = gateway.at_once(
        lambda: load_queue(page), lambda: gateway.rows("review_summary", p_client_id=client_id)
    )
    emptied = not queue and page > 1  # past the end (the queue shrank, or a hand-edited URL)
    if emptied:
        queue = load_queue(1)
    [summary] = summaries or [{}]
total = queue[0]["waiting_total"] if queue else 0
pages = max(1, math.ceil(total / PAGE_SIZE))
if emptied:  # "has no drafts now" read as an empty queue, above "Waiting 81"
    widgets.address_note(
        address_notes.unusable(
            f"page {page:,} of the queue",
            f"which has {counted(pages, 'page')} now",
            "showing page 1",
        )
    )
    page = 1
widgets.set_query(
    {
        "campaign": campaign if campaign != "all" else None,
        "page": str(page) if page > 1 else None,
    },
    ("campaign", "page"),
)

tiles = widgets.tile_columns(5, "queue")
tiles[0].metric(
    "Waiting",
    f"{total:,}",
    border=True,
    help="Drafts in this queue (with the filters above).",
)
oldest = metrics.age_seconds(queue[0]["created_at"]) if queue and page == 1 else None
tiles[1].metric(
    "Oldest waiting",
    metrics.humanize_duration(oldest) if oldest is not None else "n/a",
    border=True,
    help="How long the oldest draft in this queue has waited for a review.",
)
median = summary.get("median_minutes_to_review")
tiles[2].metric(  # labels short enough for a fifth of the page at 1280 px
    "Review time",
    metrics.humanize_duration(float(median) * 60) if median is not None else "n/a",
    border=True,
    help="The median time from draft to approval or rejection, last 30 days.",
)
rate = summary.get("first_draft_approval_rate")
tiles[3].metric(
    "Approved as is",
    f"{float(rate):.0%}" if rate is not None else "n/a",
    border=True,
    help="First-draft approval: approved without edits / reviewed, last 30 days. "
    f"Target: at least {metrics.FIRST_DRAFT_APPROVAL_TARGET:.0%}.",
)
tiles[4].metric("Rejected (30 days)", f"{summary.get('rejected', 0):,}", border=True)

review.show_outcomes(st.empty())
if total > len(queue):
    first = (page - 1) * PAGE_SIZE + 1
    paging = st.columns([6, 1, 1])
    paging[0].caption(
        f"Showing drafts {first:,} to {first + len(queue) - 1:,} of {total:,}, oldest first."
    )
    widgets.pager(paging[1], paging[2], page, pages)

memory = semantic.load(gateway)
review_tab, bulk_tab, history_tab = st.tabs(["Review", "Bulk approve", "History (7 days)"])

with review_tab:
    with errors.banner_on_failure():
        card = review.open_card(gateway, queue, view) if queue else None
    if not queue:
        st.success("Nothing is waiting for review. New drafts appear here as campaigns run.")
    elif card is None:
        st.info("Every draft on this page is being reviewed by someone else or skipped.")
    else:
        with st.container(border=True):
            review.context_panel(card.item)
            if card.now is not None:
                review.conflict_panel(gateway, card)
            content, subject = review.editor(card.item)
            # the decision right under the draft, its aids after: on a phone Approve was
            # three and a half screens down, below the similar messages and the rewrite
            review.actions(gateway, card, content, subject, memory, disabled=card.now is not None)
            examples = semantic.similar_messages(gateway, memory, card.item, content)
            review.rewrite_panel(card.item, context.rewriter(), examples)
    review.claims_note(queue, gateway.session.user_id)
    review.skipped_note(gateway)

with bulk_tab:
    if queue:
        review.bulk_panel(gateway, queue, (*view, page), memory)
    else:
        st.info("Nothing to approve.")

with history_tab:
    with errors.banner_on_failure():
        history = gateway.frame(
            "review_history",
            p_days=7,
            p_client_id=client_id,
            p_channel=None if kind == "all" else kind,
        )
        reasons = gateway.frame("rejection_reasons", p_client_id=client_id)
    if campaign != "all":  # the audit keeps a review's client and kind, not its campaign
        st.caption("Reviews of every campaign: the history is by client and kind.")
    if history.empty:
        st.info("No reviews in the last 7 days.")
    else:
        review.history_cap_note(history)
        zone = time_zone.own(gateway)  # when the reviews happened, on the viewer's clock
        history = tables.to_datetimes(history, ["reviewed_at"], zone)
        history["changed"] = history["content_before"] != history["content_after"]
        tables.grid(
            history[
                [
                    "reviewed_at",
                    "reviewer",
                    "client",
                    "channel",
                    "action",
                    "reason",
                    "changed",
                    "content_before",
                    "content_after",
                ]
            ].map(tables.readable),
            {
                "reviewed_at": st.column_config.DatetimeColumn(
                    f"When ({zone})", format="YYYY-MM-DD HH:mm"
                ),
                "reviewer": "Reviewer",
                "client": "Client",
                "channel": "Kind",
                "action": "Action",
                "reason": "Reason",
                "changed": "Edited",
                "content_before": "Before",
                "content_after": "After",
            },
        )
    if not reasons.empty:
        st.markdown("**Rejection reasons (30 days)**")
        tables.grid(reasons, {"reason": "Reason", "rejections": "Rejections"})
