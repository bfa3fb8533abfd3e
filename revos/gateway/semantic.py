"""Semantic search as the signed-in user: embed a query here, compare in the database.

The query is embedded in this process with the library's own model (`semantic_status`), so
it is only ever compared with vectors of that model; if that model cannot be made here
(OpenAI vectors and no key), `Semantic.embedder` is None and the page says why. The
database functions run under the user's JWT, so RLS decides which magnets and memories can
match. Results come back as DataFrames for the pages and the pure helpers below.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from revos.config import Settings
from revos.domain.embedders import Embedder, EmbeddingFailed, describe, for_model
from revos.gateway import Gateway

APPROVED_KINDS = ("dm", "email", "post")
_CAMPAIGN_NUMBER = re.compile(r"\s*#\d+$")


@dataclass(frozen=True)
class Semantic:
    """The library's model as the caller sees it, and an embedder for queries (or None)."""

    model: str | None
    magnets: int
    magnets_embedded: int
    memories: int
    memories_embedded: int
    embedder: Embedder | None

    @property
    def model_label(self) -> str:
        return describe(self.model)

    @property
    def unavailable_reason(self) -> str | None:
        """Why search cannot run here, in words for the user; None when it can."""
        if self.model is None:
            return "Nothing is embedded yet: run `revos embed` to turn semantic search on."
        if self.embedder is None:
            return (
                f"The library is embedded with {self.model}, which needs OPENAI_API_KEY here. "
                "Set the key, or run `revos embed --offline` to switch to the built-in model."
            )
        return None


def load(gateway: Gateway, settings: Settings) -> Semantic:
    [row] = gateway.rows("semantic_status")
    return Semantic(
        model=row["model"],
        magnets=row["magnets"],
        magnets_embedded=row["magnets_embedded"],
        memories=row["memories"],
        memories_embedded=row["memories_embedded"],
        embedder=for_model(row["model"], settings) if row["model"] else None,
    )


_VECTORS: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_VECTORS_LOCK = threading.Lock()  # every browser session's script thread shares it
_REMEMBERED = 256


def _query_vector(semantic: Semantic, text: str) -> np.ndarray:
    """The query's vector in the library's model; the last few are remembered, because a
    page asks again on every rerun and an OpenAI call costs time and money."""
    if semantic.embedder is None:
        raise EmbeddingFailed(semantic.unavailable_reason or "Semantic search is off.")
    key = (semantic.embedder.model, text)
    with _VECTORS_LOCK:
        found = _VECTORS.get(key)
    if found is None:
        found = semantic.embedder.embed([text])[0]
        with _VECTORS_LOCK:
            _VECTORS[key] = found
            if len(_VECTORS) > _REMEMBERED:
                _VECTORS.popitem(last=False)
    return found


def find_magnets(
    gateway: Gateway,
    semantic: Semantic,
    text: str,
    *,
    niche: str | None = None,
    client_id: str | None = None,
    count: int = 10,
) -> pd.DataFrame:
    """Lead magnets ranked by score (similarity and proven conversion), best first."""
    return gateway.frame(
        "match_lead_magnets",
        query_embedding=_query_vector(semantic, text),
        match_count=count,
        p_niche=niche,
        p_client_id=client_id,
        p_model=semantic.model,
    )


def similar_messages(
    gateway: Gateway,
    semantic: Semantic,
    text: str,
    client_id: str,
    count: int = 3,
    draft_id: str | None = None,
) -> list[dict[str, Any]]:
    """The client's approved messages and posts closest to `text`, most similar first, each
    text once: a template approved for several leads would otherwise fill every place.
    The draft `text` is from (`draft_id`) is never its own example: once someone else
    approves it, it would be the closest of all."""
    rows = gateway.rows(
        "match_memories",
        query_embedding=_query_vector(semantic, text),
        match_count=count * 3,
        p_client_id=client_id,
        p_types=list(APPROVED_KINDS),
        p_model=semantic.model,
    )
    distinct: dict[str, dict[str, Any]] = {}
    for row in rows:
        if draft_id is None or (row["metadata"] or {}).get("source_id") != draft_id:
            distinct.setdefault(row["content"].strip(), row)
    return list(distinct.values())[:count]


def topic_text(campaign: dict[str, Any]) -> str:
    """What a campaign is about: its name (without "#3"), its post and its commenters' words."""
    parts = [
        _CAMPAIGN_NUMBER.sub("", campaign["campaign_name"]),
        campaign.get("post_text") or "",
        campaign.get("comments") or "",
    ]
    return "\n".join(part for part in parts if part)


def recommendations(
    gateway: Gateway, semantic: Semantic, client_id: str, per_campaign: int = 3
) -> pd.DataFrame:
    """For each of the client's campaigns, the best `per_campaign` magnets it could offer."""
    campaigns = gateway.rows("campaign_topics", p_client_id=client_id)
    if not campaigns or semantic.embedder is None:
        return pd.DataFrame()
    vectors = semantic.embedder.embed([topic_text(c) for c in campaigns])
    frames = []
    for campaign, vector in zip(campaigns, vectors, strict=True):
        found = gateway.frame(
            "match_lead_magnets",
            query_embedding=vector,
            match_count=per_campaign,
            p_client_id=client_id,
            p_model=semantic.model,
        )
        frames.append(
            found.assign(campaign=campaign["campaign_name"], rank=range(1, len(found) + 1))
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def why(row: dict[str, Any] | pd.Series, subject: str = "your post") -> str:
    """One line a person reads: "similar to your post (0.41) · converts 8.1% of 310 downloads
    (all time)": a magnet's whole record, whatever period the page shows."""
    downloads = int(row["downloads"])
    similar = f"similar to {subject} ({float(row['similarity']):.2f})"
    if downloads == 0:
        return f"{similar} · no downloads yet"
    rate = float(row["conversion"])
    return f"{similar} · converts {rate:.1%} of {downloads:,} downloads (all time)"


def remember(gateway: Gateway, semantic: Semantic, item_id: str, approved_text: str) -> bool:
    """Make a just-approved draft a memory of its client now (False: `revos embed` will)."""
    if semantic.embedder is None or semantic.model is None:
        return False
    gateway.call(
        "remember_approval",
        p_item_id=item_id,
        p_embedding=_query_vector(semantic, approved_text),
        p_model=semantic.model,
    )
    return True
