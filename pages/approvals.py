"""Approvals: work through draft DMs, emails and posts, oldest first."""

import pandas as pd
import streamlit as st

from revos import metrics
from revos.ui import context, errors, review, tables, widgets

KINDS = {"all": "All", "dm": "DMs", "email": "Emails", "post": "Posts"}

st.title("Approvals")
gateway = context.gateway()

with errors.banner_on_failure():
    client_id = widgets.client_scope(gateway)
    campaigns = {
        c["id"]: c["name"] for c in gateway.rows("campaign_options", p_client_id=client_id)
    }

left, right = st.columns([2, 3])
campaign_options = ["all", *campaigns]
wanted_campaign = st.query_params.get("campaign", "all")
campaign = left.selectbox(
    "Campaign",
    campaign_options,
    index=campaign_options.index(wanted_campaign) if wanted_campaign in campaigns else 0,
    format_func=lambda c: "All campaigns" if c == "all" else campaigns[c],
    key="queue_campaign",
)
kind = (
    right.segmented_control(
        "Kind",
        list(KINDS),
        format_func=KINDS.__getitem__,
        default=st.query_params.get("kind", "all")
        if st.query_params.get("kind") in KINDS
        else "all",
        key="queue_kind",
    )
    or "all"
)
widgets.set_query(
    {"campaign": campaign if campaign != "all" else None, "kind": kind if kind != "all" else None},
    ("campaign", "kind"),
)

with errors.banner_on_failure(), st.spinner("Loading the queue…"):
    queue = gateway.call(
        "approval_queue",
        p_client_id=client_id,
        p_campaign_id=None if campaign == "all" else campaign,
        p_kind=None if kind == "all" else kind,
    )
    [summary] = gateway.rows("review_summary", p_client_id=client_id) or [{}]

tiles = st.columns(4)
tiles[0].metric(
    "Waiting",
    f"{queue[0]['waiting_total'] if queue else 0:,}",
    border=True,
    help="Drafts in this queue (with the filters above).",
)
median = summary.get("median_minutes_to_review")
tiles[1].metric(
    "Median time to review",
    metrics.humanize_duration(float(median) * 60) if median is not None else "n/a",
    border=True,
    help="From draft to approval or rejection, last 30 days.",
)
rate = summary.get("first_draft_approval_rate")
tiles[2].metric(
    "First-draft approval",
    f"{float(rate):.0%}" if rate is not None else "n/a",
    border=True,
    help="Approved without edits / reviewed, last 30 days. "
    f"Target: at least {metrics.FIRST_DRAFT_APPROVAL_TARGET:.0%}.",
)
tiles[3].metric("Rejected (30 days)", f"{summary.get('rejected', 0):,}", border=True)

notice_slot = st.empty()  # a fixed place, so a notice never shifts the layout below it
if notice := st.session_state.pop("review_notice", None):
    notice_slot.success(notice)

review_tab, bulk_tab, history_tab = st.tabs(["Review", "Bulk approve", "History (7 days)"])

with review_tab:
    if not queue:
        st.success("Nothing is waiting for review. New drafts appear here as campaigns run.")
    else:
        item = queue[0]
        with st.container(border=True):
            review.context_panel(item)
            content, subject = review.editor(item)
            review.rewrite_panel(item, context.rewriter())
            review.actions(gateway, item, content, subject)
        st.caption(f"Next up: {len(queue) - 1} more in this view, oldest first.")

with bulk_tab:
    if queue:
        listing = pd.DataFrame(
            [
                {
                    "kind": review.KIND_LABELS[q["channel"]],
                    "client": q["client"],
                    "lead": q["lead_name"] or "",
                    "draft": (q["subject"] or q["content"])[:90],
                    "waiting": review.waited(q),
                }
                for q in queue
            ]
        )
        picked = st.dataframe(
            listing,
            hide_index=True,
            on_select="rerun",
            selection_mode="multi-row",
            key="bulk_table",
        )
        chosen = [queue[i] for i in picked.selection.rows]
        if st.button(f"Approve selected ({len(chosen)})", disabled=not chosen, type="primary"):
            approved, problems = review.bulk_approve(gateway, chosen)
            st.session_state["review_notice"] = f"Approved {approved} drafts."
            for problem in problems:
                st.warning(problem)
            if not problems:
                st.rerun()
    else:
        st.info("Nothing to approve.")

with history_tab:
    with errors.banner_on_failure():
        history = gateway.frame("review_history", p_days=7, p_client_id=client_id)
        reasons = gateway.frame("rejection_reasons", p_client_id=client_id)
    if history.empty:
        st.info("No reviews in the last 7 days.")
    else:
        history = tables.to_datetimes(history, ["reviewed_at"])
        history["changed"] = history["content_before"] != history["content_after"]
        st.dataframe(
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
            hide_index=True,
            column_config={
                "reviewed_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
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
        st.dataframe(
            reasons, hide_index=True, column_config={"reason": "Reason", "rejections": "Rejections"}
        )
