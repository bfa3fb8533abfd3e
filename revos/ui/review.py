"""The review card: one draft with its context, an editor, AI rewrite and the actions.

Edits live in session state under the draft's id, so a failed approval (someone else was
first, or the input was refused) never loses what the reviewer typed.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from revos import metrics, rewrite
from revos.gateway import Conflict, Gateway, GatewayError, InvalidRequest

KIND_LABELS = {"dm": "DM", "email": "Email", "post": "Post"}
DM_LIMIT = 8000
SUBJECT_LIMIT = 200


def _keys(item: dict) -> dict[str, str]:
    return {name: f"{name}-{item['id']}" for name in ("content", "subject", "proposal", "reason")}


def waited(item: dict) -> str:
    created = dt.datetime.fromisoformat(item["created_at"])
    return metrics.humanize_duration((dt.datetime.now(dt.UTC) - created).total_seconds())


def context_panel(item: dict) -> None:
    kind = KIND_LABELS[item["channel"]]
    st.markdown(f"**{kind}** for **{item['client']}** · waiting {waited(item)}")
    details = [
        f"Campaign: {item['campaign_name']}" if item["campaign_name"] else None,
        f"Voice: {item['cartridge_name']}" if item["cartridge_name"] else None,
    ]
    st.caption(" · ".join(d for d in details if d) or "No campaign or voice attached.")
    if item["lead_name"]:
        who = ", ".join(p for p in (item["lead_title"], item["lead_company"]) if p)
        st.markdown(f"**{item['lead_name']}**" + (f" · {who}" if who else ""))
        if item["lead_comment"]:
            st.markdown(f"> {item['lead_comment']}")


def editor(item: dict) -> tuple[str, str | None]:
    """The editable draft (and subject for emails); returns what is in the editor now."""
    keys = _keys(item)
    st.session_state.setdefault(keys["content"], item["content"])
    subject = None
    if item["channel"] == "email":
        st.session_state.setdefault(keys["subject"], item["subject"] or "")
        subject = st.text_input("Subject", key=keys["subject"], max_chars=SUBJECT_LIMIT)
    content = st.text_area("Draft", key=keys["content"], height=220)
    limit = f" / {DM_LIMIT:,}" if item["channel"] == "dm" else ""
    st.caption(f"{len(content):,}{limit} characters")
    return content, subject


def rewrite_panel(item: dict, rewriter: rewrite.Rewriter | None) -> None:
    keys = _keys(item)
    clicked = st.button(
        "Rewrite in voice",
        icon=":material/auto_awesome:",
        disabled=rewriter is None,
        key=f"rewrite-{item['id']}",
    )
    if rewriter is None:
        st.caption(rewrite.DISABLED_REASON)
        return
    if clicked:
        with st.spinner("Rewriting in the cartridge's voice…"):
            try:
                st.session_state[keys["proposal"]] = rewriter.rewrite(
                    rewrite.Voice.from_row(item), item["channel"], st.session_state[keys["content"]]
                )
            except rewrite.RewriteFailed as exc:
                st.error(str(exc))
    proposal = st.session_state.get(keys["proposal"])
    if not proposal:
        return
    with st.container(border=True):
        st.markdown("**Proposed rewrite** (nothing is saved until you approve)")
        left, right = st.columns(2)
        left.caption("Current draft")
        left.text(st.session_state[keys["content"]])
        right.caption("Rewrite")
        right.text(proposal)
        with st.expander("What changed"):
            st.code(
                rewrite.diff(st.session_state[keys["content"]], proposal) or "No change.",
                language="diff",
            )
        accept, discard = st.columns(2)
        accept.button(
            "Use this rewrite",
            key=f"accept-{item['id']}",
            on_click=_accept,
            args=(keys,),
            type="primary",
        )
        discard.button("Discard", key=f"discard-{item['id']}", on_click=_discard, args=(keys,))


def _accept(keys: dict[str, str]) -> None:
    st.session_state[keys["content"]] = st.session_state.pop(keys["proposal"])


def _discard(keys: dict[str, str]) -> None:
    st.session_state.pop(keys["proposal"], None)


def actions(gateway: Gateway, item: dict, content: str, subject: str | None) -> None:
    """Approve (with any edits) or reject with a reason; on success, on to the next draft."""
    keys = _keys(item)
    kind = "post" if item["channel"] == "post" else "message"
    approve_col, reject_col = st.columns([1, 2])
    if approve_col.button(
        "Approve", type="primary", icon=":material/check:", key=f"approve-{item['id']}"
    ):
        edited = {
            "p_content": content if content != item["content"] else None,
            "p_subject": subject if subject not in (None, item["subject"]) else None,
        }
        _act(gateway, item, keys, "approve_draft", p_kind=kind, p_id=item["id"], **edited)
    with reject_col:
        reason = st.text_input(
            "Reason for rejecting", key=keys["reason"], placeholder="e.g. Too salesy for this lead"
        )
        if st.button("Reject", icon=":material/close:", key=f"reject-{item['id']}"):
            _act(gateway, item, keys, "reject_draft", p_kind=kind, p_id=item["id"], p_reason=reason)


def _act(gateway: Gateway, item: dict, keys: dict[str, str], function: str, **params) -> None:
    try:
        [result] = gateway.call(function, **params)
    except (Conflict, InvalidRequest) as exc:
        st.error(f"{exc} Your edits are kept.")
        return
    except GatewayError as exc:
        st.error(f"The review was not saved: {exc} Your edits are kept.")
        return
    for key in keys.values():
        st.session_state.pop(key, None)
    gateway.invalidate()
    verb = "Rejected" if result["status"] == "rejected" else "Approved"
    st.session_state["review_notice"] = (
        f"{verb} the {KIND_LABELS[item['channel']]} for {item['lead_name'] or item['client']}."
    )
    st.rerun()


def bulk_approve(gateway: Gateway, items: list[dict]) -> tuple[int, list[str]]:
    """Approve several drafts as they are; returns how many succeeded and why others failed."""
    approved, problems = 0, []
    for item in items:
        kind = "post" if item["channel"] == "post" else "message"
        try:
            gateway.call("approve_draft", p_kind=kind, p_id=item["id"])
            approved += 1
        except GatewayError as exc:
            problems.append(f"{item['lead_name'] or item['client']}: {exc}")
    gateway.invalidate()
    return approved, problems
