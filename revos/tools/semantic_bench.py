"""`revos bench`'s semantic section: embedding speed, and the match functions under RLS.

After the seed, the library is embedded with the offline model: every lead magnet, every
Mem0 memory, and the big client's approvals (every tenant's would take most of the run at
1M leads; one big tenant is what stresses the index). Then, for each user, the match calls
through the gateway, timed, and each memory answer compared with the exact answer (every
visible memory, sorted by distance, as superuser): recall@k says what the HNSW path misses.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import psycopg

from revos.db import embedded, embedding_sync, vector_types
from revos.domain.embedders import OFFLINE, OFFLINE_MODEL
from revos.gateway import Gateway, UserSession
from revos.gateway.postgres import PostgresBackend

QUERIES = (
    "pricing template for agencies",
    "Hi, thanks for commenting on my post. Here is the playbook I mentioned.",
    "hiring engineers with a structured scorecard",
    "short follow-up email about the case study",
    "forecasting and pipeline review for RevOps",
)

_EXACT_SQL = """
select 1 - (e.embedding operator(extensions.<=>) %(query)s) from public.embeddings e
where e.model = %(model)s
  and (%(owners)s::uuid[] is null or e.user_id = any (%(owners)s::uuid[]))
  and (%(types)s::text[] is null or e.metadata ->> 'type' = any (%(types)s::text[]))
order by (e.embedding operator(extensions.<=>) %(query)s) + 0, e.id
limit %(count)s
"""


def embed_library(url: str, big_client_id: str, say: Callable[[str], None]) -> dict[str, Any]:
    with psycopg.connect(url, autocommit=True) as conn:
        report = embedding_sync.sync(conn, OFFLINE, approvals_of=[big_client_id])
    say(report.summary())
    return {
        "vectors": report.total,
        "seconds": round(report.seconds, 1),
        "per_second": round(report.total / report.seconds) if report.seconds else None,
    }


def _scope(conn: psycopg.Connection, user: Any) -> list[str] | None:
    if user.role == "super_admin":
        return None
    if user.role == "reviewer":
        return [
            r[0]
            for r in conn.execute(
                "select client_id::text from public.reviewer_assignments where reviewer_id = %s",
                [user.id],
            )
        ]
    return [user.id]


def _timed(action: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    action()  # warm-up
    samples, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result


CALLS = (  # (name, function, match_count, p_types)
    ("match_lead_magnets", "match_lead_magnets", 10, None),
    ("match_memories", "match_memories", 5, None),
    ("match_memories (rare type)", "match_memories", 5, ["preference"]),
)


def measure(
    server: embedded.EmbeddedServer,
    secret: str,
    users: list[Any],
    runs: int,
    say: Callable[[str], None],
) -> list[dict[str, Any]]:
    """Each match call per user: p50/p95 over the queries, fewest rows returned, recall@k."""
    backend = PostgresBackend(server.url(user=embedded.GATEWAY_USER), secret).open()
    results = []
    try:
        with psycopg.connect(server.url(), autocommit=True) as superuser:
            vector_types.register(superuser)
            for user in users:
                gateway = Gateway(
                    backend, UserSession(user.id, user.email, user.role, None), secret
                )
                owners = _scope(superuser, user)
                for call in CALLS:
                    result = _measure_call(gateway, superuser, owners, call, runs)
                    result["user"] = user.email
                    say(
                        f"  {result['call']:<28} {user.email:<22} p95 {result['p95_ms']:7.1f} ms"
                        f"  recall {result['recall']}"
                    )
                    results.append(result)
    finally:
        backend.close()
    return results


def _measure_call(
    gateway: Gateway,
    superuser: psycopg.Connection,
    owners: list[str] | None,
    call: tuple,
    runs: int,
) -> dict[str, Any]:
    name, function, count, types = call
    samples, returned, recalls = [], [], []
    for vector in OFFLINE.embed(list(QUERIES)):
        params = {"query_embedding": vector, "match_count": count}
        if types:
            params["p_types"] = types
        timings, rows = _timed(lambda p=params: gateway.call(function, **p), runs)
        samples += timings
        returned.append(len(rows))
        if function == "match_memories":
            recalls.append(_recall(superuser, owners, types, vector, count, rows))
    ordered = sorted(samples)
    return {
        "call": name,
        "memories_in_scope": _scope_size(superuser, owners),
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(ordered[max(0, round(0.95 * len(ordered)) - 1)], 1),
        "rows_returned_min": min(returned),
        "recall": round(statistics.mean(recalls), 3) if recalls else None,
    }


def _recall(superuser, owners, types, vector, count, rows) -> float:
    """Recall@k counting ties: the share of the k answers at least as similar as the exact
    k-th nearest visible memory. (Templated messages make thousands of near-identical
    vectors; which of them is "the" 5th nearest by id is arbitrary.)"""
    params = {"model": OFFLINE_MODEL, "owners": owners, "types": types, "query": vector}
    exact = [r[0] for r in superuser.execute(_EXACT_SQL, params | {"count": count})]
    if not exact:
        return 1.0
    hits = sum(1 for r in rows if r["similarity"] >= exact[-1] - 1e-6)
    return min(hits, len(exact)) / len(exact)


def _scope_size(superuser: psycopg.Connection, owners: list[str] | None) -> int:
    return superuser.execute(
        "select count(*) from public.embeddings where model = %s and "
        "(%s::uuid[] is null or user_id = any (%s::uuid[]))",
        [OFFLINE_MODEL, owners, owners],
    ).fetchone()[0]


def markdown(embedding: dict[str, Any] | None, results: list[dict[str, Any]]) -> list[str]:
    if not results:
        return []
    lines = [
        "",
        "Semantic search (offline model; memories: every Mem0 memory and the big client's "
        "approvals; recall@k against the exact nearest of the caller's visible memories, "
        "ties counted):",
        "",
        "| call | user | memories in scope | p50 ms | p95 ms | fewest rows | recall@k |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['call']} | {r['user']} | {r['memories_in_scope']:,} | {r['p50_ms']:,.1f} | "
        f"{r['p95_ms']:,.1f} | {r['rows_returned_min']} | "
        f"{'' if r['recall'] is None else format(r['recall'], '.2f')} |"
        for r in results
    ]
    if embedding:
        lines += [
            "",
            f"Embedding: {embedding['vectors']:,} vectors in {embedding['seconds']} s "
            f"({embedding['per_second']:,} per second, offline model, HNSW maintained).",
        ]
    return lines
