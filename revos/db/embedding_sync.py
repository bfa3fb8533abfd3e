"""Bring the stored vectors up to date: what `revos embed` does (service role).

Three sources, each compared with what is stored by model and sha256 of the embedded text:
- lead magnets: title, description and niche, one vector per magnet and model;
- approvals: the approved text of every message or post a reviewer approved (review_audit),
  and every approved or published post, as memories of their client with metadata type,
  source_id, cartridge_id and campaign_id;
- every other memory (e.g. Mem0's), re-embedded in place from its own content.
Missing, stale (text changed) or other-model rows are embedded in batches, each batch
committed on its own: an interrupted run loses at most one batch and the next run goes on
from there; a run with nothing to do embeds nothing. When a run completes, its model becomes
the library's model, which the match functions compare with.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import psycopg
from psycopg.types.json import Jsonb

from revos.db import vector_types
from revos.domain.embedders import Embedder

BATCH = 256
Progress = Callable[[str, int, int], None]  # (source, done, total)

_MAGNETS_SQL = """
select m.id, concat_ws(E'\\n', m.title, m.description, 'Niche: ' || m.niche) as text
from public.lead_magnets m
left join public.lead_magnet_embeddings e on e.lead_magnet_id = m.id and e.model = %(model)s
where e.id is null
   or e.content_hash is distinct from encode(sha256(convert_to(
        concat_ws(E'\\n', m.title, m.description, 'Niche: ' || m.niche), 'UTF8')), 'hex')
order by m.id
"""

_APPROVALS_SQL = """
with approved as (
  select distinct on (a.item_id) a.item_id as source_id, a.client_id as user_id,
         a.channel as type, a.content_after as text, a.created_at, a.item_kind
  from public.review_audit a
  where a.action <> 'rejected'
  order by a.item_id, a.created_at desc
),
posts as (
  select p.id as source_id, p.user_id, 'post' as type, p.content as text,
         coalesce(p.published_at, p.created_at) as created_at, 'post' as item_kind
  from public.posts p
  where p.status in ('approved', 'published')
    and not exists (select 1 from approved a where a.source_id = p.id)
),
sources as (
  select * from approved
  union all
  select * from posts
)
select s.source_id, s.user_id, s.type, s.text, s.created_at,
       coalesce(p.cartridge_id, c.cartridge_id) as cartridge_id, c.id as campaign_id
from sources s
left join public.posts p on s.item_kind = 'post' and p.id = s.source_id
left join public.messages m on s.item_kind = 'message' and m.id = s.source_id
left join public.leads l on l.id = m.lead_id and l.user_id = m.user_id
left join public.campaigns c on c.id = l.campaign_id and c.user_id = l.user_id
left join public.embeddings e
  on e.user_id = s.user_id and e.metadata ? 'source_id'
 and e.metadata ->> 'source_id' = s.source_id::text
where (%(owners)s::uuid[] is null or s.user_id = any (%(owners)s::uuid[]))
  and (e.id is null
       or e.model is distinct from %(model)s
       or e.content_hash is distinct from encode(sha256(convert_to(s.text, 'UTF8')), 'hex'))
order by s.source_id
"""

_OTHER_MEMORIES_SQL = """
select e.id, e.content as text
from public.embeddings e
where not e.metadata ? 'source_id'
  and (e.model is distinct from %(model)s
       or e.content_hash is distinct from encode(sha256(convert_to(e.content, 'UTF8')), 'hex'))
order by e.id
"""

_UPSERT_MAGNET = """
insert into public.lead_magnet_embeddings (lead_magnet_id, embedding, model, content_hash)
values (%s, %s, %s, %s)
on conflict (lead_magnet_id, model) do update
set embedding = excluded.embedding, content_hash = excluded.content_hash, created_at = now()
"""

_UPSERT_APPROVAL = """
insert into public.embeddings (user_id, content, embedding, metadata, model, content_hash,
  created_at)
values (%s, %s, %s, %s, %s, %s, %s)
on conflict (user_id, (metadata ->> 'source_id')) where metadata ? 'source_id'
do update set content = excluded.content, embedding = excluded.embedding,
  metadata = excluded.metadata, model = excluded.model, content_hash = excluded.content_hash
"""

_UPDATE_MEMORY = """
update public.embeddings set embedding = %s, model = %s, content_hash = %s where id = %s
"""

_SET_MODEL = """
insert into private.embedding_model_setting (model) values (%s)
on conflict (singleton) do update set model = excluded.model, updated_at = now()
"""


@dataclass(frozen=True)
class Source:
    """Rows to embed (query), the text of one, and the write that stores its vector."""

    name: str
    query: str
    write: str
    text_of: Callable[[tuple], str]
    params: Callable[[tuple, np.ndarray, str], list[Any]]


def _approval_params(row: tuple, vector: np.ndarray, model: str) -> list[Any]:
    source_id, user_id, kind, text, created_at, cartridge_id, campaign_id = row
    metadata = {"type": kind, "source_id": str(source_id)}
    if cartridge_id:
        metadata["cartridge_id"] = str(cartridge_id)
    if campaign_id:
        metadata["campaign_id"] = str(campaign_id)
    return [user_id, text, vector, Jsonb(metadata), model, content_hash(text), created_at]


SOURCES = (
    Source(
        "magnets",
        _MAGNETS_SQL,
        _UPSERT_MAGNET,
        lambda row: row[1],
        lambda row, vector, model: [row[0], vector, model, content_hash(row[1])],
    ),
    Source(
        "approved messages and posts",
        _APPROVALS_SQL,
        _UPSERT_APPROVAL,
        lambda row: row[3],
        _approval_params,
    ),
    Source(
        "other memories",
        _OTHER_MEMORIES_SQL,
        _UPDATE_MEMORY,
        lambda row: row[1],
        lambda row, vector, model: [vector, model, content_hash(row[1]), row[0]],
    ),
)


@dataclass
class SyncReport:
    model: str
    embedded: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.embedded.values())

    def summary(self) -> str:
        if not self.total:
            return f"Nothing to embed: everything is up to date with {self.model}."
        parts = ", ".join(f"{n:,} {source}" for source, n in self.embedded.items() if n)
        return f"Embedded {parts} with {self.model} in {self.seconds:.1f} s."


def library_model(conn: psycopg.Connection) -> str | None:
    """The model the library is embedded with (None before the first complete run)."""
    row = conn.execute("select model from private.embedding_model_setting").fetchone()
    return row[0] if row else None


def content_hash(text: str) -> str:
    """What the database computes as encode(sha256(convert_to(text, 'UTF8')), 'hex')."""
    return hashlib.sha256(text.encode()).hexdigest()


def sync(
    conn: psycopg.Connection,
    embedder: Embedder,
    progress: Progress | None = None,
    batch: int = BATCH,
    approvals_of: list[str] | None = None,
) -> SyncReport:
    """Embed what is missing or stale with `embedder`, then make its model the library's.

    `approvals_of` limits the approvals to those owners' (benchmarks at 1M leads embed the
    big client's, not every tenant's)."""
    vector_types.register(conn)
    started = time.perf_counter()
    report = SyncReport(embedder.model)
    for source in SOURCES:
        with conn.transaction():
            rows = conn.execute(
                source.query, {"model": embedder.model, "owners": approvals_of}
            ).fetchall()
        report.embedded[source.name] = _embed(conn, embedder, source, rows, batch, progress)
    with conn.transaction():
        conn.execute(_SET_MODEL, [embedder.model])
    report.seconds = time.perf_counter() - started
    return report


def _embed(
    conn: psycopg.Connection,
    embedder: Embedder,
    source: Source,
    rows: list[tuple],
    batch: int,
    progress: Progress | None,
) -> int:
    """Embed and write `rows` a batch at a time, each batch in a transaction of its own."""
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        vectors = embedder.embed([source.text_of(row) for row in chunk])
        params = [
            source.params(row, v, embedder.model) for row, v in zip(chunk, vectors, strict=True)
        ]
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(source.write, params)
        if progress:
            progress(source.name, start + len(chunk), len(rows))
    return len(rows)
