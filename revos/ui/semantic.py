"""The semantic panels: find a magnet, magnets for each campaign, similar approved messages.

Each says which model is in use, and turns itself into a one-line note (never a stopped
page) when search cannot run: nothing embedded yet, or OpenAI vectors without a key here.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from revos.domain import metrics
from revos.domain.embedders import EmbeddingFailed
from revos.gateway import Gateway, semantic
from revos.ui import context, errors, tables
from revos.ui.text import literal

KIND_LABELS = {"dm": "DM", "email": "Email", "post": "Post"}
RESULT_COLUMNS = {
    "title": "Lead magnet",
    "niche": "Niche",
    "library": "Library",
    "similarity": st.column_config.NumberColumn(
        "Similarity", format="%.2f", help="Cosine similarity of the magnet to your words (0 to 1)."
    ),
    # all time, whatever the page's period: what a magnet has proven, not what it did lately
    "conversion": tables.percent_column(
        "Conversion (all time)", "Replies / downloads of this magnet among your leads, all time."
    ),
    "downloads": st.column_config.NumberColumn(
        "Downloads (all time)", help="Downloads the conversion is of."
    ),
    "score": st.column_config.NumberColumn(
        "Score",
        format="%.2f",
        help="0.7 x similarity + 0.3 x the conversion's 95% lower bound (Wilson): a match "
        "that also converts, with enough downloads to be sure, ranks first.",
    ),
}


def load(gateway: Gateway) -> semantic.Semantic:
    with errors.banner_on_failure():
        return semantic.load(gateway, context.runtime().settings)


def model_note(state: semantic.Semantic) -> None:
    st.caption(f"Semantic search by {state.model_label}.")


def _unavailable(state: semantic.Semantic) -> bool:
    reason = state.unavailable_reason
    if reason:
        st.info(literal(reason), icon=":material/search_off:")
    return reason is not None


def _results(found: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The matches as the page's own table names them (a tenant's, numbered where titles
    repeat): two magnets of one title read as one listed twice."""
    ids = found["id"].astype(str)
    own = metrics.told_apart(found["title"], ids)
    return found.assign(
        title=[names.get(i, title) for i, title in zip(ids, own, strict=True)],
        library=found["is_custom"].map({True: "Custom", False: "Global library"}),
        conversion=found["conversion"].astype(float),
    )[list(RESULT_COLUMNS)]


def find_magnet(
    gateway: Gateway,
    state: semantic.Semantic,
    client_id: str | None,
    niches: list[str],
    names: dict[str, str],
) -> None:
    """A free-text search of the magnet library, ranked by score; `names` are the page's
    names of magnets by id."""
    st.subheader("Find a magnet")
    if _unavailable(state):
        return
    words, niche_col = st.columns([3, 1])
    text = words.text_input(
        "Describe the audience or the offer",
        key="magnet_search",
        placeholder="e.g. pricing for agencies, hiring engineers, cold email",
        max_chars=500,
    ).strip()
    niche = niche_col.selectbox("Niche", ["All niches", *niches], key="magnet_search_niche")
    if not text:
        model_note(state)
        return
    try:
        with errors.banner_on_failure():
            found = semantic.find_magnets(
                gateway,
                state,
                text,
                niche=None if niche == "All niches" else niche,
                client_id=client_id,
            )
    except EmbeddingFailed as exc:
        st.warning(literal(str(exc)))
        return
    if found.empty:
        st.info("No lead magnet matches those words.")
    else:
        tables.grid(_results(found, names), RESULT_COLUMNS)
    model_note(state)


def recommendations(gateway: Gateway, state: semantic.Semantic, client_id: str | None) -> None:
    """For each campaign, the three magnets nearest its post and its commenters' words."""
    st.subheader("Recommended for your campaigns")
    if client_id is None and gateway.session.role != "client":
        st.info("Pick a client in the sidebar to see magnets recommended for their campaigns.")
        return
    if _unavailable(state):
        return
    try:
        with errors.banner_on_failure():
            found = semantic.recommendations(gateway, state, client_id)
    except EmbeddingFailed as exc:
        st.warning(literal(str(exc)))
        return
    if found.empty:
        st.info("No campaigns to recommend for yet.")
        return
    # a less similar magnet above a more similar one read as a mistake: say how they rank
    st.caption(
        "Ranked by similarity to the campaign's post and comments (70%) and by the conversion "
        "a magnet surely reaches, the lower end of its 95% interval (30%)."
    )
    for campaign, rows in found.groupby("campaign", sort=False):
        lines = [
            f"{r['rank']}. **{literal(r['title'])}** · {semantic.why(r)}"
            for _, r in rows.iterrows()
        ]
        st.markdown(f"**{literal(str(campaign))}**  \n" + "  \n".join(lines))
    model_note(state)


def similar_messages(
    gateway: Gateway, state: semantic.Semantic, item: dict[str, Any], text: str
) -> list[str]:
    """The client's three approved messages closest to the draft, to keep the voice
    consistent; returns their texts (the AI rewrite's examples)."""
    with st.expander("Similar approved messages", icon=":material/history_edu:", expanded=True):
        if _unavailable(state) or not text.strip():
            return []
        try:
            with errors.banner_on_failure():
                found = semantic.similar_messages(
                    gateway, state, text, item["client_id"], draft_id=item["id"]
                )
        except EmbeddingFailed as exc:
            st.warning(literal(str(exc)))
            return []
        if not found:
            st.caption("No other approved messages of this client yet.")
        for memory in found:
            kind = KIND_LABELS.get(memory["metadata"].get("type"), "Message")
            st.markdown(f"**{kind}** · similarity {memory['similarity']:.2f}")
            st.text(memory["content"])
        model_note(state)
    return [memory["content"] for memory in found]
