"""The semantic layer against the embedded Postgres: `revos embed`'s sync, the match
functions under RLS, their input checks, and approvals becoming memories.

Runs on a small seeded database of its own (`review_world`), embedded once per module with
the offline model; tests that embed again or switch models use one more database.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import psycopg
import pytest

from revos.config import load_settings
from revos.db import embedding_sync, seed, vector_types
from revos.domain import metrics
from revos.domain.embedders import (
    OFFLINE,
    OFFLINE_MODEL,
    EmbeddingFailed,
    HashEmbedder,
    OpenAIEmbedder,
)
from revos.gateway import AccessDenied, InvalidRequest, semantic
from revos.gateway.postgres import act_as
from tests.fake_openai import fake_openai
from tests.support import ReviewWorld, as_user, review_world, seeded_database

CLIENT, OTHER_CLIENT, REVIEWER, ADMIN = (
    "client1@revos.demo",
    "client3@revos.demo",
    "reviewer@revos.demo",
    "admin@revos.demo",
)
# a memory of an approval written straight to the table, as the REST API allows: owner,
# text, vector, kind of draft, the draft's id, model
MEMORY_INSERT = (
    "insert into public.embeddings (user_id, content, embedding, metadata, model) "
    "values (%s, %s, %s, jsonb_build_object('type', %s::text, 'source_id', %s::text), %s)"
)


@pytest.fixture(scope="module")
def library(server, runtime) -> Iterator[ReviewWorld]:
    with review_world(server, runtime.jwt_secret) as made:
        with psycopg.connect(made.service_url, autocommit=True) as conn:
            embedding_sync.sync(conn, OFFLINE)
        yield made


def _vector(text: str) -> np.ndarray:
    return HashEmbedder().embed([text])[0]


def _rows(world: ReviewWorld, query: str, *params) -> list[tuple]:
    with psycopg.connect(world.service_url) as conn:
        return conn.execute(query, params).fetchall()


def _visible_magnets(world: ReviewWorld, email: str) -> set[str]:
    user_id = world.id(email)
    with as_user(world.service_url, user_id) as conn:
        return {
            str(r[0])
            for r in conn.execute(
                "select m.id from public.lead_magnets m join public.lead_magnet_embeddings e "
                "on e.lead_magnet_id = m.id and e.model = %s",
                [OFFLINE_MODEL],
            )
        }


# --- revos embed -------------------------------------------------------------------------


def test_a_run_embeds_every_source_and_a_second_run_embeds_nothing(library: ReviewWorld) -> None:
    magnets = _rows(library, "select count(*) from public.lead_magnets")[0][0]
    approvals = _rows(
        library,
        "select count(*) from (select item_id from public.review_audit where action <> "
        "'rejected' union select id from public.posts where status in ('approved', "
        "'published')) s",
    )[0][0]
    stored = dict(
        _rows(
            library,
            "select coalesce(metadata ->> 'type' in ('dm', 'email', 'post'), false), count(*) "
            "from public.embeddings where model = %s group by 1",
            OFFLINE_MODEL,
        )
    )
    assert (
        _rows(
            library,
            "select count(*) from public.lead_magnet_embeddings where model = %s",
            OFFLINE_MODEL,
        )[0][0]
        == magnets
    )
    assert stored[True] == approvals > 0
    assert stored[False] > 0  # the seeded Mem0 memories, re-embedded from their content
    with psycopg.connect(library.service_url, autocommit=True) as conn:
        again = embedding_sync.sync(conn, OFFLINE)
        assert again.total == 0 and "Nothing to embed" in again.summary()
        assert embedding_sync.library_model(conn) == OFFLINE_MODEL


def test_stored_hashes_are_what_the_database_computes(library: ReviewWorld) -> None:
    rows = _rows(
        library,
        "select content, content_hash, encode(sha256(convert_to(content, 'UTF8')), 'hex') "
        "from public.embeddings order by id limit 50",
    )
    assert rows and all(
        stored == db == embedding_sync.content_hash(text) for text, stored, db in rows
    )


@pytest.fixture
def own_library(server) -> Iterator[str]:
    """A seeded, not yet embedded database for one test that changes what is embedded."""
    plan = seed.SeedPlan(clients=2, leads_min=60, leads_max=80, seed=5)
    with seeded_database(server, plan, "embed") as (_, url):
        yield url


class BreaksOnSecondBatch:
    model = OFFLINE_MODEL

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts):
        self.calls += 1
        if self.calls == 2:
            raise EmbeddingFailed("the network went away")
        return OFFLINE.embed(texts)


def test_an_interrupted_run_keeps_its_batches_and_the_next_one_does_the_rest(
    own_library: str,
) -> None:
    with psycopg.connect(own_library, autocommit=True) as conn:
        with pytest.raises(EmbeddingFailed):
            embedding_sync.sync(conn, BreaksOnSecondBatch(), batch=8)
        assert embedding_sync.library_model(conn) is None  # the run did not complete
        kept = conn.execute(
            "select count(*) from public.lead_magnet_embeddings where model = %s",
            [OFFLINE_MODEL],
        ).fetchone()[0]
        assert kept == 8
        report = embedding_sync.sync(conn, OFFLINE, batch=8)
        magnets = conn.execute("select count(*) from public.lead_magnets").fetchone()[0]
        assert report.embedded["magnets"] == magnets - 8


def test_changed_text_is_re_embedded_and_nothing_else(own_library: str) -> None:
    with psycopg.connect(own_library, autocommit=True) as conn:
        embedding_sync.sync(conn, OFFLINE)
        conn.execute(
            "update public.lead_magnets set title = title || ' (2nd edition)' "
            "where id = (select min(id::text)::uuid from public.lead_magnets)"
        )
        conn.execute(
            "update public.embeddings set content = content || ' Really.' "
            "where id = (select min(id::text)::uuid from public.embeddings "
            "where not metadata ? 'source_id')"
        )
        report = embedding_sync.sync(conn, OFFLINE)
    assert report.embedded == {
        "magnets": 1,
        "approved messages and posts": 0,
        "other memories": 1,
    }


def test_switching_models_re_embeds_everything_and_never_mixes_them(own_library: str) -> None:
    with psycopg.connect(own_library, autocommit=True) as conn:
        first = embedding_sync.sync(conn, OFFLINE)
        with fake_openai() as server:
            switched = embedding_sync.sync(conn, OpenAIEmbedder("sk-test", server.base_url))
        assert switched.total == first.total
        assert embedding_sync.library_model(conn) == "text-embedding-3-small"
        magnets = conn.execute("select count(*) from public.lead_magnets").fetchone()[0]
        admin = conn.execute("select id::text from public.users where email = %s", [ADMIN])
        admin_id = admin.fetchone()[0]
    # the old model's magnet vectors are still stored, but never compared with
    with as_user(own_library, admin_id) as conn:
        vector_types.register(conn)
        found = conn.execute(
            "select count(*) from public.match_lead_magnets(%s, 50)", [_vector("pricing")]
        ).fetchone()[0]
        assert found == min(50, magnets)
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="embedded with text-emb"):
            conn.execute(
                "select * from public.match_lead_magnets(%s, 5, p_model => %s)",
                [_vector("pricing"), OFFLINE_MODEL],
            )


# --- match_lead_magnets ------------------------------------------------------------------


@pytest.mark.parametrize("email", [CLIENT, OTHER_CLIENT, REVIEWER, ADMIN])
def test_magnet_matches_are_exactly_what_the_caller_may_see(
    library: ReviewWorld, email: str
) -> None:
    found = library.gateway(email).rows(
        "match_lead_magnets", query_embedding=_vector("outbound pricing playbook"), match_count=50
    )
    visible = _visible_magnets(library, email)
    # iterative index scans: as many as asked for when that many are visible
    assert {r["id"] for r in found} == visible if len(visible) <= 50 else len(found) == 50
    owners = dict(_rows(library, "select id::text, user_id::text from public.lead_magnets"))
    foreign = {library.id(e) for e in (CLIENT, OTHER_CLIENT)} - {library.id(email)}
    if email in (CLIENT, OTHER_CLIENT):
        assert not {owners[r["id"]] for r in found} & foreign


@pytest.mark.parametrize("email", [CLIENT, REVIEWER, ADMIN])
def test_magnet_scores_are_similarity_and_the_conversions_lower_bound(
    library: ReviewWorld, email: str
) -> None:
    """Downloads and replies as the Lead magnets page counts them, for one owner, a
    reviewer's several (counted from the rollup, 0060) and every tenant (from the
    downloads)."""
    found = library.gateway(email).rows(
        "match_lead_magnets", query_embedding=_vector("agency pricing template"), match_count=10
    )
    performance = {
        r["lead_magnet_id"]: r for r in library.gateway(email).rows("lead_magnet_performance")
    }
    assert len(found) == 10
    for row in found:
        expected = performance[row["id"]]
        assert row["downloads"] == expected["downloads"]
        low, _ = metrics.wilson_bounds(expected["replies"], expected["downloads"])
        assert float(row["conversion_lower"]) == pytest.approx(low, abs=1e-4)
        assert row["score"] == pytest.approx(
            0.7 * row["similarity"] + 0.3 * float(row["conversion_lower"]), abs=1e-6
        )
    scores = [r["score"] for r in found]
    assert scores == sorted(scores, reverse=True)
    # the best match for these words is the agency pricing template, whatever it converts
    assert max(found, key=lambda r: r["similarity"])["title"] == "Agency Retainer Pricing Template"


def test_a_magnet_whose_downloads_were_deleted_counts_as_never_downloaded(
    library: ReviewWorld,
) -> None:
    """Deleting a client's downloads leaves their rollup row at 0. 0060 summed it and the
    Wilson bound divided by 0 ("division by zero" for every match that had it as a
    candidate); 0061 leaves it out. The other magnets' counts are the raw downloads the
    client may see."""
    client = library.id(CLIENT)
    with psycopg.connect(library.service_url) as conn:
        vector_types.register(conn)
        magnet, query = conn.execute(
            "select d.lead_magnet_id, e.embedding from public.lead_magnet_downloads d "
            "join public.lead_magnet_embeddings e on e.lead_magnet_id = d.lead_magnet_id "
            "and e.model = %s where d.user_id = %s limit 1",
            [OFFLINE_MODEL, client],
        ).fetchone()
        conn.execute(
            "delete from public.lead_magnet_downloads where user_id = %s and lead_magnet_id = %s",
            [client, magnet],
        )
        act_as(conn, client, "authenticated")
        found = conn.execute(
            "select id, downloads from public.match_lead_magnets(%s, 50)", [query]
        ).fetchall()
        raw = dict(
            conn.execute(
                "select lead_magnet_id, count(*) from public.lead_magnet_downloads "
                "group by lead_magnet_id"
            ).fetchall()
        )
        conn.rollback()
    assert dict(found)[magnet] == 0
    assert {m: n for m, n in found if n} == {m: raw[m] for m, _ in found if m in raw}


def test_a_niche_narrows_the_matches(library: ReviewWorld) -> None:
    found = library.gateway(ADMIN).rows(
        "match_lead_magnets",
        query_embedding=_vector("pricing"),
        match_count=50,
        p_niche="RevOps",
    )
    expected = _rows(
        library,
        "select count(*) from public.lead_magnets where niche = 'RevOps'",
    )[0][0]
    assert len(found) == expected > 0 and {r["niche"] for r in found} == {"RevOps"}


def test_a_clients_library_among_many_tenants_magnets_is_matched_exactly(
    library: ReviewWorld,
) -> None:
    """Another tenant holds 300 custom magnets near the query. Through the HNSW index the
    walk met them first and, cut short by hnsw.max_scan_tuples (12,250 tenants' magnets
    outnumber it at 10M), left the client's own out: 0059 compares a small library exactly,
    so the client gets every magnet they may see, whatever other tenants hold."""
    query = _vector("outbound pricing playbook")
    other = library.id(OTHER_CLIENT)
    visible = _visible_magnets(library, CLIENT)  # the other tenant's are never among them
    with psycopg.connect(library.service_url) as conn:
        vector_types.register(conn)
        ids = conn.execute(
            "insert into public.lead_magnets (user_id, title, niche, is_custom) "
            "select %s, 'Outbound pricing playbook ' || n, 'RevOps', true "
            "from generate_series(1, 300) n returning id",
            [other],
        ).fetchall()
        with conn.cursor() as cur:
            cur.executemany(
                "insert into public.lead_magnet_embeddings (lead_magnet_id, embedding, model) "
                "values (%s, %s, %s)",
                [
                    (i, _vector(f"outbound pricing playbook {n}"), OFFLINE_MODEL)
                    for n, (i,) in enumerate(ids)
                ],
            )
        act_as(conn, library.id(CLIENT), "authenticated")
        # as at scale: the planner walks the index (a few hundred rows it would sort)
        for setting in ("hnsw.max_scan_tuples = 1", "enable_seqscan = off", "enable_sort = off"):
            conn.execute(f"set local {setting}")
        found = conn.execute(
            "select id::text from public.match_lead_magnets(%s, 50)", [query]
        ).fetchall()
        conn.rollback()
    assert 0 < len(visible) <= 50
    assert {r[0] for r in found} == visible


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"query_embedding": None}, "query_embedding is required"),
        ({"query_embedding": [0.1, 0.2, 0.3]}, "1536 dimensions, not 3"),
        ({"match_count": 0}, "between 1 and 50"),
        ({"match_count": 51}, "between 1 and 50"),
        ({"p_model": "text-embedding-3-small"}, "embedded with revos-hash-1536-v1"),
    ],
)
@pytest.mark.parametrize("function", ["match_lead_magnets", "match_memories"])
def test_bad_input_gets_a_clear_message(
    library: ReviewWorld, function: str, params: dict, message: str
) -> None:
    base = {"query_embedding": _vector("pricing"), "match_count": 5}
    call = base | params
    if call["query_embedding"] is None:  # the gateway leaves a None out: send SQL null
        with (
            as_user(library.service_url, library.id(CLIENT)) as conn,
            pytest.raises(psycopg.errors.NullValueNotAllowed, match=message),
        ):
            conn.execute(f"select * from public.{function}(null)")
        return
    with pytest.raises(InvalidRequest, match=message):
        library.gateway(CLIENT).call(function, **call)


# --- match_memories ----------------------------------------------------------------------


def _memories(world: ReviewWorld) -> list[tuple[str, str, np.ndarray]]:
    with psycopg.connect(world.service_url) as conn:
        vector_types.register(conn)
        rows = conn.execute(
            "select id::text, user_id::text, embedding from public.embeddings where model = %s",
            [OFFLINE_MODEL],
        ).fetchall()
    return [(i, owner, vector.to_numpy()) for i, owner, vector in rows]


@pytest.mark.parametrize("email", [CLIENT, REVIEWER])
def test_memories_are_the_exact_nearest_of_what_the_caller_may_see(
    library: ReviewWorld, email: str
) -> None:
    query = _vector("Hi, thanks for commenting on my post, here is the playbook")
    allowed = {library.id(email)} | (
        {library.id(CLIENT), library.id("client2@revos.demo")} if email == REVIEWER else set()
    )
    candidates = [(i, float(v @ query)) for i, owner, v in _memories(library) if owner in allowed]
    expected = [i for i, _ in sorted(candidates, key=lambda c: -c[1])[:5]]
    found = library.gateway(email).rows("match_memories", query_embedding=query, match_count=5)
    assert [r["id"] for r in found] == expected
    assert [r["similarity"] for r in found] == pytest.approx(
        sorted((s for _, s in candidates), reverse=True)[:5], abs=1e-5
    )


def test_a_client_never_matches_another_clients_memories(library: ReviewWorld) -> None:
    found = library.gateway(OTHER_CLIENT).rows(
        "match_memories",
        query_embedding=_vector("Hi, thanks for commenting"),
        match_count=50,
        p_client_id=library.id(CLIENT),  # asking for someone else's gives nothing
    )
    assert found == []


def test_the_index_path_still_returns_match_count_rows_under_a_rare_filter(
    library: ReviewWorld,
) -> None:
    """A super admin's scope is everyone's: the HNSW index with iterative scans. Of ~1,000
    memories 12 are 'preference', and the query reads like a DM: a plain HNSW scan (ef_search
    40, measured) finds none of them among the 40 nearest."""
    with as_user(library.service_url, library.id(ADMIN)) as conn:
        vector_types.register(conn)
        # as on a big table, where reading every visible row and sorting costs more
        for plan_type in ("seqscan", "bitmapscan", "sort"):
            conn.execute(f"set local enable_{plan_type} = off")
        found = conn.execute(
            "select metadata ->> 'type' from public.match_memories(%s, 5, p_types => %s)",
            [_vector("Hi, thanks for commenting on my post, here is the playbook"), ["preference"]],
        ).fetchall()
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                "explain select id from public.embeddings where model = %s "
                "order by embedding operator(extensions.<=>) %s limit 5",
                [OFFLINE_MODEL, _vector("x y")],
            )
        )
    assert "embeddings_embedding_hnsw_idx" in plan
    assert [t for (t,) in found] == ["preference"] * 5


def _exact_nearest(
    conn: psycopg.Connection, query: np.ndarray, kind: str, owner: str | None = None
) -> list:
    """The ids of the five memories of one type nearest the query, compared exactly (as
    superuser: every owner's, or `owner`'s)."""
    return [
        r[0]
        for r in conn.execute(
            "select id from public.embeddings where model = %s and metadata ->> 'type' = %s "
            "and (%s::uuid is null or user_id = %s::uuid) "
            "order by (embedding operator(extensions.<=>) %s), id limit 5",
            [OFFLINE_MODEL, kind, owner, owner, query],
        )
    ]


def test_a_rare_type_among_many_memories_is_matched_exactly(library: ReviewWorld) -> None:
    """A client with over 2,000 memories asks for a type they have three of. Those few are
    compared exactly (0057); through the HNSW index, which on a big table stops after
    hnsw.max_scan_tuples (set low here, as 66,000 memories make it), they were missed: at
    1M leads the big client's 'preference' memories came back 0 to 2 of 5 after 0055."""
    client = library.id(CLIENT)
    insert = (
        "insert into public.embeddings (user_id, content, embedding, metadata, model) "
        "values (%s, %s, %s, jsonb_build_object('type', %s::text), %s)"
    )
    dms = [f"Hi, thanks for commenting on post {n}, here is the playbook" for n in range(2001)]
    notes = ["Prefers short DMs", "Never mentions pricing first", "Signs off with first name"]
    with psycopg.connect(library.service_url) as conn:
        vector_types.register(conn)
        with conn.cursor() as cur:
            cur.executemany(
                insert,
                [(client, t, _vector(t), "dm", OFFLINE_MODEL) for t in dms]
                + [(client, t, _vector(t), "preference", OFFLINE_MODEL) for t in notes],
            )
        query = _vector("Hi, thanks for commenting, here is the playbook")
        expected = _exact_nearest(conn, query, "preference", owner=client)
        act_as(conn, client, "authenticated")
        conn.execute("set local hnsw.max_scan_tuples = 100")
        found = conn.execute(
            "select id from public.match_memories(%s, 5, p_client_id => %s, p_types => %s)",
            [query, client, ["preference"]],
        ).fetchall()
        conn.rollback()
    assert len(expected) >= len(notes)
    assert [r[0] for r in found] == expected


def test_an_index_walk_cut_short_is_answered_exactly(library: ReviewWorld) -> None:
    """A super admin's scope goes through the HNSW index, whose walk stops after
    hnsw.max_scan_tuples entries (set as low as it goes here: on a big table a type that is a
    small share of the index is not met in time). Coming back short, the function compares
    that type's memories exactly (0058): the same five as an exact top-5."""
    query = _vector("Hi, thanks for commenting on my post, here is the playbook")
    with psycopg.connect(library.service_url) as conn:
        vector_types.register(conn)
        expected = _exact_nearest(conn, query, "preference")
    with as_user(library.service_url, library.id(ADMIN)) as conn:
        vector_types.register(conn)
        conn.execute("set local hnsw.max_scan_tuples = 1")
        found = conn.execute(
            "select id from public.match_memories(%s, 5, p_types => %s)", [query, ["preference"]]
        ).fetchall()
    assert len(expected) == 5
    assert [r[0] for r in found] == expected


# --- campaign topics and recommendations ---------------------------------------------------


def test_campaign_topics_are_the_callers_campaigns_with_their_post_and_comments(
    library: ReviewWorld,
) -> None:
    topics = library.gateway(CLIENT).rows("campaign_topics")
    owned = _rows(
        library, "select count(*) from public.campaigns where user_id = %s", library.id(CLIENT)
    )[0][0]
    assert len(topics) == owned > 0
    assert {t["client_id"] for t in topics} == {library.id(CLIENT)}
    assert all(t["post_text"] and t["comments"] for t in topics)
    assert (
        library.gateway(CLIENT).rows("campaign_topics", p_client_id=library.id(OTHER_CLIENT)) == []
    )


def test_recommendations_give_three_magnets_per_campaign(library: ReviewWorld, monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    gateway = library.gateway(CLIENT)
    state = semantic.load(gateway, load_settings())
    found = semantic.recommendations(gateway, state, None)
    campaigns = gateway.rows("campaign_topics")
    assert len(found) == 3 * len(campaigns)
    assert set(found["campaign"]) == {c["campaign_name"] for c in campaigns}
    line = semantic.why(found.iloc[0])
    assert line.startswith("similar to your post (") and (
        "converts" in line or "no downloads" in line
    )


# --- approvals become memories -------------------------------------------------------------


def _approve(world: ReviewWorld, email: str, owner: str, text: str) -> str:
    draft = world.new_draft(owner)
    world.gateway(email).call(
        "approve_draft",
        p_kind="message",
        p_id=draft,
        p_version=world.version(draft),
        p_content=text,
    )
    return draft


def test_an_approval_becomes_a_memory_of_its_client(library: ReviewWorld, monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    text = "Hi Dana, here is the pricing calculator we talked about. Worth a look?"
    draft = _approve(library, REVIEWER, CLIENT, text)
    gateway = library.gateway(REVIEWER)
    state = semantic.load(gateway, load_settings())
    assert semantic.remember(gateway, state, draft, text)
    stored = _rows(
        library,
        "select user_id::text, content, model, metadata ->> 'type' from public.embeddings "
        "where metadata ->> 'source_id' = %s",
        draft,
    )
    assert stored == [(library.id(CLIENT), text, OFFLINE_MODEL, "dm")]
    # it is found at once, and a second call adds nothing
    found = semantic.similar_messages(gateway, state, text, library.id(CLIENT), count=1)
    assert found[0]["content"] == text and found[0]["similarity"] == pytest.approx(1.0, abs=1e-5)
    # but the draft itself, open on a reviewer's card when someone else approved it, is
    # never its own example
    beside = semantic.similar_messages(gateway, state, text, library.id(CLIENT), draft_id=draft)
    assert beside and all(row["metadata"]["source_id"] != draft for row in beside)
    assert text not in [row["content"] for row in beside]
    again = gateway.call(
        "remember_approval", p_item_id=draft, p_embedding=_vector(text), p_model=OFFLINE_MODEL
    )
    assert again == [None]
    assert _rows(
        library, "select count(*) from public.embeddings where metadata ->> 'source_id' = %s", draft
    ) == [(1,)]


def test_similar_messages_show_each_text_once(library: ReviewWorld, monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    template = "Hi there, our onboarding checklist saves a week of setup. Want a copy?"
    gateway = library.gateway(REVIEWER)
    state = semantic.load(gateway, load_settings())
    for _ in range(3):  # one template approved for three leads: three memories, one text
        assert semantic.remember(
            gateway, state, _approve(library, REVIEWER, CLIENT, template), template
        )
    found = semantic.similar_messages(gateway, state, template, library.id(CLIENT), count=3)
    texts = [row["content"] for row in found]
    assert texts[0] == template
    assert len(texts) == len(set(texts)) == 3  # the places go to other messages


def test_only_the_approver_can_remember_an_approval(library: ReviewWorld) -> None:
    text = "Hi Sam, the ICP worksheet is attached."
    draft = _approve(library, REVIEWER, CLIENT, text)
    for email in (CLIENT, ADMIN, OTHER_CLIENT):
        with pytest.raises(AccessDenied, match="reviewer who approved"):
            library.gateway(email).call(
                "remember_approval",
                p_item_id=draft,
                p_embedding=_vector(text),
                p_model=OFFLINE_MODEL,
            )


@pytest.mark.parametrize(
    "change",
    ["other text", "other client", "other model"],
)
def test_a_reviewer_cannot_insert_a_memory_past_the_policy(
    library: ReviewWorld, change: str
) -> None:
    """What the REST API allows: a direct insert. Only the approver's exact approved text,
    for its client, in the library's model."""
    text = f"Hi Lee, as promised: the case study pack ({change})."
    draft = _approve(library, REVIEWER, CLIENT, text)
    owner = library.id(OTHER_CLIENT if change == "other client" else CLIENT)
    content = "Something else entirely." if change == "other text" else text
    model = "text-embedding-3-small" if change == "other model" else OFFLINE_MODEL
    with as_user(library.service_url, library.id(REVIEWER)) as conn:
        vector_types.register(conn)
        conn.execute("savepoint honest")
        honest = [library.id(CLIENT), text, _vector(text), "dm", draft, OFFLINE_MODEL]
        conn.execute(MEMORY_INSERT, honest)
        conn.execute("rollback to savepoint honest")  # the honest insert is allowed
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(MEMORY_INSERT, [owner, content, _vector(content), "dm", draft, model])


def test_a_memory_of_an_approval_is_stored_only_while_its_reviewer_may_review(
    library: ReviewWorld,
) -> None:
    """A reviewer taken off a client kept their audit rows, and with them a way to write
    into that client's library, as any kind of memory (sql/0080). Now only while they may
    review the client, and only as the kind of draft an approval is of."""
    text = "Hi Noor, the webinar replay is here, as promised."
    draft = _approve(library, REVIEWER, CLIENT, text)
    reviewer, client = library.id(REVIEWER), library.id(CLIENT)
    with as_user(library.service_url, reviewer) as conn:
        vector_types.register(conn)
        conn.execute("savepoint honest")
        conn.execute(MEMORY_INSERT, [client, text, _vector(text), "dm", draft, OFFLINE_MODEL])
        conn.execute("rollback to savepoint honest")  # while assigned, as a DM: allowed
        for kind in ("preference", "post"):  # not a kind of draft; not this draft's (0083)
            conn.execute("savepoint wrong_kind")
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
                conn.execute(
                    MEMORY_INSERT, [client, text, _vector(text), kind, draft, OFFLINE_MODEL]
                )
            conn.execute("rollback to savepoint wrong_kind")
    with psycopg.connect(library.service_url) as service:
        service.execute(
            "delete from public.reviewer_assignments where reviewer_id = %s and client_id = %s",
            [reviewer, client],
        )
    try:
        with (
            as_user(library.service_url, reviewer) as conn,
            pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"),
        ):
            vector_types.register(conn)
            conn.execute(MEMORY_INSERT, [client, text, _vector(text), "dm", draft, OFFLINE_MODEL])
    finally:
        with psycopg.connect(library.service_url) as service:
            service.execute(
                "insert into public.reviewer_assignments (reviewer_id, client_id) values (%s, %s)",
                [reviewer, client],
            )


def test_one_approval_is_one_memory_whatever_the_case_of_its_id(library: ReviewWorld) -> None:
    """The policy read a memory's source id without regard to case and the one-per-draft
    index compares it as text, so "01A2…" and "01a2…" stored one approval twice (0085)."""
    text = "Hi Ravi, the cold email teardown you asked about is attached."
    draft = _approve(library, REVIEWER, CLIENT, text)
    with as_user(library.service_url, library.id(REVIEWER)) as conn:
        vector_types.register(conn)
        values = [library.id(CLIENT), text, _vector(text), "dm"]
        conn.execute(MEMORY_INSERT, [*values, draft, OFFLINE_MODEL])
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(MEMORY_INSERT, [*values, draft.upper(), OFFLINE_MODEL])
