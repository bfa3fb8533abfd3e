"""The review card and bulk approval: one draft at a time, exactly as the reviewer read it.

The card holds on to the draft as it was opened (id and version) until the reviewer acts on
it or moves on. If someone else acts first, or its text changes underneath, the card stays on
that draft and says who did what, or shows the change; the reviewer's edits are kept (they
live in session state under the draft's id). Opening a draft claims it in the database for a
few minutes, so a second reviewer is offered the next unclaimed draft instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from revos.domain import metrics, periods, rewrite
from revos.domain.embedders import EmbeddingFailed
from revos.gateway import AccessDenied, Conflict, Gateway, GatewayError, semantic
from revos.ui import context, tables, time_zone
from revos.ui.text import counted, literal, unbroken_moments

KIND_LABELS = {"dm": "DM", "email": "Email", "post": "Post"}
DM_LIMIT = 8000
SUBJECT_LIMIT = 200
HISTORY_LIMIT = 500  # the reviews public.review_history returns at most (sql/0087)

OPENED = "review_opened"  # {"view": the queue filters, "item": the queue row as opened}
SKIPPED = "review_skipped"  # ids the reviewer skipped in this session
OUTCOMES = "review_outcomes"  # [(level, sentence)] shown once, after the rerun an action makes
ROUND = "review_round"  # bumped by every action, so the bulk selection starts empty again


@dataclass(frozen=True)
class Card:
    """The draft on the card as opened, and where it stands now when that differs."""

    item: dict[str, Any]
    now: dict[str, Any] | None = None


def kind_of(item: dict[str, Any]) -> str:
    return "post" if item["channel"] == "post" else "message"


def label(item: dict[str, Any]) -> str:
    """'DM for Ada Lovelace': plain text (outcome banners escape it as a whole)."""
    return f"{KIND_LABELS[item['channel']]} for {item['lead_name'] or item['client']}"


def waited(item: dict) -> str:
    created = dt.datetime.fromisoformat(item["created_at"])
    return metrics.humanize_duration((dt.datetime.now(dt.UTC) - created).total_seconds())


def _keys(item: dict) -> dict[str, str]:
    return {name: f"{name}-{item['id']}" for name in ("content", "subject", "proposal", "reason")}


def _claimed_by_other(item: dict, user_id: str) -> bool:
    return item.get("claimed_by") not in (None, user_id)


# --- which draft is on the card ------------------------------------------------------------


def open_card(gateway: Gateway, queue: list[dict], view: tuple) -> Card | None:
    """The draft the reviewer has open, else the oldest one nobody else is reviewing."""
    opened = st.session_state.get(OPENED)
    if opened is not None and opened["view"] != view:
        close(gateway)
        opened = None
    if opened is not None:
        return _reopen(gateway, queue, opened["item"])
    skipped = st.session_state.get(SKIPPED, set())
    for candidate in queue:
        if candidate["id"] in skipped or _claimed_by_other(candidate, gateway.session.user_id):
            continue
        try:
            [claim] = gateway.call("claim_draft", p_kind=kind_of(candidate), p_id=candidate["id"])
        except Conflict as exc:
            if str(exc).startswith("You are reviewing"):  # the cap on open drafts
                st.warning(literal(str(exc)))
                return None
            continue  # reviewed since the queue was read
        except AccessDenied:  # deleted since the queue was read
            continue
        if claim["mine"]:
            st.session_state[OPENED] = {"view": view, "item": candidate}
            return Card(candidate)
    return None


def _reopen(gateway: Gateway, queue: list[dict], item: dict) -> Card:
    """The opened draft again: unchanged (claim renewed), or what happened to it meanwhile."""
    try:
        [claim] = gateway.call("claim_draft", p_kind=kind_of(item), p_id=item["id"])
        mine = claim["mine"]
    except (Conflict, AccessDenied):  # reviewed, deleted or unassigned meanwhile
        mine = False
    fresh = next((q for q in queue if q["id"] == item["id"]), None)
    if mine and fresh is not None and fresh["version"] == item["version"]:
        return Card(fresh)
    rows = gateway.call("draft_state", p_kind=kind_of(item), p_id=item["id"])
    now = rows[0] if rows else {"status": "gone"}
    if mine and now["status"] == "draft" and now["version"] == item["version"]:
        return Card(item)  # as opened, just not on this page of the queue
    return Card(item, now)


def close(gateway: Gateway, *, skip: bool = False) -> None:
    """Put the opened draft down (after a review, a skip or a change of view)."""
    opened = st.session_state.pop(OPENED, None)
    if opened is None:
        return
    item = opened["item"]
    for key in _keys(item).values():
        st.session_state.pop(key, None)
    if skip:
        st.session_state.setdefault(SKIPPED, set()).add(item["id"])
    with contextlib.suppress(GatewayError):  # else the claim expires on its own in minutes
        gateway.call("release_draft", p_id=item["id"])


def _finish(gateway: Gateway, *outcomes: tuple[str, str]) -> None:
    """After any action: show what happened once, empty the bulk selection, reload."""
    st.session_state[OUTCOMES] = list(outcomes)
    st.session_state[ROUND] = st.session_state.get(ROUND, 0) + 1
    gateway.invalidate()
    st.rerun()


def show_outcomes(slot) -> None:
    """What the last action did, in a fixed place so it never shifts the layout below. A
    refusal is also a toast: the reviewer acted at the foot of a long draft, and the message
    above the tabs was drawn off screen (a trial saw nothing happen after Approve)."""
    outcomes = st.session_state.pop(OUTCOMES, [])
    with slot.container():
        for level, sentence in outcomes:  # names and database messages: shown literally
            getattr(st, level)(unbroken_moments(literal(sentence)))
    if outcomes and outcomes[0][0] in ("error", "warning"):  # the first line sums it up
        st.toast(literal(outcomes[0][1]), icon=":material/error:")


# --- the card ------------------------------------------------------------------------------


def context_panel(item: dict) -> None:
    """Who the draft is for and what they said. Their words are shown literally."""
    kind = KIND_LABELS[item["channel"]]
    st.markdown(f"**{kind}** for **{literal(item['client'])}** · waiting {waited(item)}")
    details = [
        f"Campaign: {literal(item['campaign_name'])}" if item["campaign_name"] else None,
        f"Voice: {literal(item['cartridge_name'])}" if item["cartridge_name"] else None,
    ]
    st.caption(" · ".join(d for d in details if d) or "No campaign or voice attached.")
    if item.get("image_url"):
        st.caption(f"Image (published with the post): {literal(item['image_url'])}")
    if item["lead_name"]:
        who = ", ".join(literal(p) for p in (item["lead_title"], item["lead_company"]) if p)
        st.markdown(f"**{literal(item['lead_name'])}**" + (f" · {who}" if who else ""))
        if item["lead_comment"]:
            st.markdown(f"> {literal(item['lead_comment'])}")


def conflict_panel(gateway: Gateway, card: Card) -> None:
    """Why the card's draft can no longer be reviewed as opened, and the ways on."""
    item, now = card.item, card.now or {}
    try:
        zone = time_zone.own(gateway)  # the reviewer's clock, as in the history below the queue
    except GatewayError:
        zone = "UTC"  # the page's next read says what is wrong; this panel still explains
    if now["status"] == "gone":
        st.warning(
            "This draft is no longer in your queue: it was deleted, or you no longer "
            "review this client. Nothing was saved."
        )
    elif now["status"] != "draft":
        verb = "rejected" if now["status"] == "rejected" else "approved"
        when = periods.clock(now["last_reviewed_at"], zone)
        st.warning(
            f"This draft was already {verb} by {literal(now['last_actor'] or 'someone')}"
            f"{f' at {when}' if when else ''}. Nothing you did was saved; your edits are "
            "still in the editor."
        )
    elif now["version"] != item["version"]:
        st.warning(
            f"This draft changed since you opened it (version {item['version']} is now "
            f"version {now['version']}). Nothing was saved; your edits are kept."
        )
    else:
        until = periods.clock(now["claim_expires_at"], zone)
        st.warning(
            f"{literal(now['claimed_by'] or 'Someone')} is reviewing this draft"
            f"{f' until {until}' if until else ''}. Your edits are kept."
        )
    if now.get("content") is not None and (
        now["content"] != item["content"] or now.get("subject") != item.get("subject")
    ):
        with st.expander("What changed", expanded=True):
            st.code(_change(item, now), language="diff")
    reload, move_on = st.columns(2)
    if now["status"] == "draft" and now["version"] != item["version"]:
        reload.button(
            "Review the new version",
            key=f"reload-{item['id']}",
            on_click=_take_new_version,
            args=(item, now),
            type="primary",
        )
    if move_on.button("Next draft", key=f"next-{item['id']}"):
        close(gateway)
        st.rerun()


def _change(item: dict, now: dict) -> str:
    parts = []
    if now.get("subject") != item.get("subject"):
        parts.append(f"- subject: {item.get('subject')}\n+ subject: {now.get('subject')}")
    if now["content"] != item["content"]:
        parts.append(rewrite.diff(item["content"], now["content"], "as you opened it", "now"))
    return "\n".join(parts)


def _take_new_version(item: dict, now: dict) -> None:
    """Open the current version; an editor the reviewer had not touched follows it."""
    keys = _keys(item)
    if st.session_state.get(keys["content"]) == item["content"]:
        st.session_state[keys["content"]] = now["content"]
    if st.session_state.get(keys["subject"]) == (item.get("subject") or ""):
        st.session_state[keys["subject"]] = now.get("subject") or ""
    opened = st.session_state[OPENED]
    opened["item"] = {
        **item,
        "version": now["version"],
        "content": now["content"],
        "subject": now.get("subject"),
    }


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
    count = f"{len(content):,}{limit} characters"
    over = item["channel"] == "dm" and len(content) > DM_LIMIT
    st.caption(f":red[{count}: {len(content) - DM_LIMIT:,} over the limit]" if over else count)
    return content, subject


def rewrite_panel(
    item: dict, rewriter: rewrite.Rewriter | None, examples: list[str] | None = None
) -> None:
    """Propose a rewrite in the cartridge's voice, shown with approved `examples` of the
    client's (the similar messages beside the draft) so the voice stays consistent."""
    keys = _keys(item)
    clicked = st.button(
        "Rewrite in voice",
        icon=":material/auto_awesome:",
        disabled=rewriter is None,
        key=f"rewrite-{item['id']}",
    )
    if rewriter is None:
        session = context.current_session()
        operator = session is not None and session.role == "super_admin"
        st.caption(rewrite.DISABLED_REASON if operator else rewrite.NOT_SET_UP)
        return
    if clicked:
        with st.spinner("Rewriting in the cartridge's voice…"):
            try:
                st.session_state[keys["proposal"]] = rewriter.rewrite(
                    rewrite.Voice.from_row(item),
                    item["channel"],
                    st.session_state[keys["content"]],
                    examples or (),
                )
            except rewrite.RewriteFailed as exc:
                st.error(literal(str(exc)))
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


def actions(
    gateway: Gateway,
    card: Card,
    content: str,
    subject: str | None,
    memory: semantic.Semantic | None = None,
    *,
    disabled: bool = False,
) -> None:
    """Approve (with any edits) at the version read, reject with a reason, or skip. An
    approval becomes a memory of the client at once when `memory` can embed it."""
    item = card.item
    keys = _keys(item)
    draft = {"p_kind": kind_of(item), "p_id": item["id"], "p_version": item["version"]}
    approve_col, reject_col, skip_col = st.columns([1, 2, 1])
    if approve_col.button(
        "Approve",
        type="primary",
        icon=":material/check:",
        key=f"approve-{item['id']}",
        disabled=disabled,
    ):
        edited = {
            "p_content": content if content != item["content"] else None,
            "p_subject": subject if subject not in (None, item["subject"]) else None,
        }
        _act(gateway, item, "approve_draft", **draft, **edited, memory=(memory, content))
    with reject_col:
        reason = st.text_input(
            "Reason for rejecting", key=keys["reason"], placeholder="e.g. Too salesy for this lead"
        )
        if st.button(
            "Reject", icon=":material/close:", key=f"reject-{item['id']}", disabled=disabled
        ):
            _act(gateway, item, "reject_draft", **draft, p_reason=reason)
    if skip_col.button(
        "Skip", icon=":material/skip_next:", key=f"skip-{item['id']}", help="Review it later."
    ):
        close(gateway, skip=True)
        _finish(gateway, ("info", f"Skipped the {label(item)}; it stays in the queue."))


def _act(
    gateway: Gateway,
    item: dict,
    function: str,
    memory: tuple[semantic.Semantic | None, str] | None = None,
    **params: Any,
) -> None:
    try:
        [result] = gateway.call(function, **params)
    except GatewayError as exc:
        # the card stays on this draft; the next run shows what happened to it
        _finish(gateway, ("error", f"{exc} Your edits are kept."))
        return
    close(gateway)
    edited = params.get("p_content") is not None or params.get("p_subject") is not None
    verb = (
        "Rejected"
        if result["status"] == "rejected"
        else "Edited, then approved"
        if edited
        else "Approved"
    )
    outcomes = [("success", f"{verb} the {label(item)}.")]
    if memory is not None and not remember(gateway, memory[0], item, memory[1]):
        outcomes.append(("info", "It becomes a memory of the client at the next `revos embed`."))
    _finish(gateway, *outcomes)


def remember(
    gateway: Gateway, memory: semantic.Semantic | None, item: dict, approved_text: str
) -> bool:
    """Make an approval a memory now; False when it must wait for `revos embed` (another
    model than this app can make, or an error: the approval itself stands either way)."""
    if memory is None:
        return False
    try:
        return semantic.remember(gateway, memory, item["id"], approved_text)
    except (GatewayError, EmbeddingFailed):
        return False


def skipped_note(gateway: Gateway) -> None:
    skipped = st.session_state.get(SKIPPED, set())
    if skipped and st.button(f"Bring back {len(skipped)} skipped", key="unskip"):
        st.session_state.pop(SKIPPED)
        st.rerun()


def _card_draft_id() -> str | None:
    """The id of the draft open on the Review card, if any."""
    opened = st.session_state.get(OPENED)
    return opened["item"]["id"] if opened is not None else None


def in_review_by(item: dict, user_id: str, on_card: str | None = None) -> str:
    """Who has the draft open: "you" for the reader's own claim (their name read as if
    someone else held it) and for the draft on their card (claimed after the queue was
    read, as the next draft is after an approval), else the name the claim recorded."""
    if item["id"] == on_card or item.get("claimed_by") == user_id:
        return "you"
    return (item["claimed_by_name"] or "someone") if _claimed_by_other(item, user_id) else ""


def claims_note(queue: list[dict], user_id: str) -> None:
    """Who else is reviewing drafts in this view right now."""
    others: dict[str, int] = {}
    for item in queue:
        if _claimed_by_other(item, user_id):
            name = item["claimed_by_name"] or "someone"
            others[name] = others.get(name, 0) + 1
    if others:
        st.caption(
            "Being reviewed by others, so not offered to you: "
            + ", ".join(f"{literal(name)} ({n})" for name, n in sorted(others.items()))
        )


# --- bulk approval -------------------------------------------------------------------------


def bulk_panel(
    gateway: Gateway, queue: list[dict], view: tuple, memory: semantic.Semantic | None = None
) -> None:
    """Tick drafts, read them in full, approve them as they are.

    The rows (and versions) approved are the ones drawn when the reviewer ticked them, kept
    with the table, never the queue as reloaded at the click; the selection starts empty
    after every action and for every view.
    """
    key = f"bulk_table-{hash(view)}-{st.session_state.get(ROUND, 0)}"
    if f"{key}-rows" not in st.session_state:  # a new view or round: forget the old snapshots
        for old in [k for k in st.session_state if str(k).startswith("bulk_table-")]:
            del st.session_state[old]
    shown = st.session_state.setdefault(f"{key}-rows", queue)
    on_card = _card_draft_id()
    listing = pd.DataFrame(
        [
            {
                "kind": KIND_LABELS[q["channel"]],
                "client": q["client"],
                "lead": q["lead_name"] or None,  # a post has no lead: the grid writes MISSING
                "waiting": waited(q),
                "in_review": in_review_by(q, gateway.session.user_id, on_card),
                "draft": (q["subject"] or q["content"])[:90],
            }
            for q in shown
        ]
    )
    picked = tables.grid(
        listing,
        {
            "kind": "Kind",
            "client": "Client",
            "lead": "Lead",
            "waiting": "Waiting",
            "in_review": "In review by",
            "draft": "Draft",
        },
        on_select="rerun",
        selection_mode="multi-row",
        key=key,
    )
    chosen = [shown[i] for i in picked.selection.rows if i < len(shown)]
    if chosen:
        st.markdown(f"**You are approving {counted(len(chosen), 'draft')}, exactly as written:**")
        for item in chosen:
            with st.container(border=True):
                st.caption(literal(label(item)))
                if item["subject"]:
                    st.text(f"Subject: {item['subject']}")
                st.text(item["content"])
    if st.button(
        f"Approve selected ({len(chosen)})",
        disabled=not chosen,
        type="primary",
        key=f"{key}-approve",
    ):
        approved, problems = bulk_approve(gateway, chosen, memory)
        if _card_draft_id() in approved:
            close(gateway)  # the Review card's own draft: done, so the card takes the next
        level = "success" if len(approved) == len(chosen) else "warning" if approved else "error"
        outcomes = [(level, f"Approved {len(approved)} of {counted(len(chosen), 'draft')}.")]
        outcomes += [("warning", problem) for problem in problems]
        _finish(gateway, *outcomes)


def bulk_approve(
    gateway: Gateway, items: list[dict], memory: semantic.Semantic | None = None
) -> tuple[set[str], list[str]]:
    """Approve each draft at the version listed; a refused one is reported by name alone.
    Returns the ids approved, and a sentence per refusal."""
    approved: set[str] = set()
    problems: list[str] = []
    for item in items:
        try:
            gateway.call(
                "approve_draft", p_kind=kind_of(item), p_id=item["id"], p_version=item["version"]
            )
        except GatewayError as exc:
            problems.append(f"{label(item)} was not approved: {exc}")
        else:
            approved.add(item["id"])
            remember(gateway, memory, item, item["content"])
    return approved, problems


def history_cap_note(history: pd.DataFrame) -> None:
    """Say so when the history stopped at its limit: the super admin's 7 days held 615
    reviews and the table showed 500 of them, with nothing to say a day was missing."""
    if len(history) >= HISTORY_LIMIT:  # at exactly the limit there may be no more: "up to"
        st.caption(
            f"The latest {HISTORY_LIMIT:,} reviews of the last 7 days: the history lists no "
            "more. A client or a kind picked above lists theirs."
        )
