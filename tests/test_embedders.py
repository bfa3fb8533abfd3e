"""The embedders: the offline one is deterministic and meaningful; OpenAI's is batched,
retried and honest about failures (against a local fake server, never the internet)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from revos.config import load_settings
from revos.domain import embedders
from revos.domain.embedders import DIMENSIONS, EmbeddingFailed, HashEmbedder, OpenAIEmbedder
from tests.fake_openai import fake_openai


def test_offline_vectors_are_unit_length_and_the_same_in_every_process() -> None:
    text = "Agency Retainer Pricing Template: price retainers on value, not hours."
    vector = HashEmbedder().embed([text])[0]
    assert vector.shape == (DIMENSIONS,) and vector.dtype == np.float32
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
    script = (
        "import sys; from revos.domain.embedders import HashEmbedder; "
        "sys.stdout.write(HashEmbedder().embed([sys.argv[1]])[0].tobytes().hex())"
    )
    other = subprocess.run(
        [sys.executable, "-c", script, text],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    ).stdout
    assert bytes.fromhex(other) == vector.tobytes()


def test_offline_similarity_follows_shared_words_and_word_parts() -> None:
    query, pricing, hiring = HashEmbedder().embed(
        [
            "pricing for agencies",
            "Agency Retainer Pricing Template\nPrice retainers on value, not hours.",
            "Technical Hiring Scorecard\nStructured interviews for engineering roles.",
        ]
    )
    assert query @ pricing > query @ hiring
    # "hire" is not a word of "Hiring", but shares its letter triples
    [hire] = HashEmbedder().embed(["hire engineers"])
    assert hire @ hiring > hire @ pricing


def test_offline_embedder_refuses_text_without_words() -> None:
    with pytest.raises(EmbeddingFailed, match="no words"):
        HashEmbedder().embed(["  ... !!! "])


def test_openai_embeddings_are_batched_and_sent_where_configured() -> None:
    texts = [f"lead magnet number {i}" for i in range(250)]
    with fake_openai() as server:
        vectors = OpenAIEmbedder("sk-test", server.base_url).embed(texts)
    assert vectors.shape == (250, DIMENSIONS)
    assert [len(r["body"]["input"]) for r in server.requests] == [100, 100, 50]
    assert {r["path"] for r in server.requests} == {"/v1/embeddings"}
    assert {r["body"]["model"] for r in server.requests} == {embedders.OPENAI_MODEL}
    assert {r["authorization"] for r in server.requests} == {"Bearer sk-test"}
    # in order: the fake embeds with the offline model, so each row is its own text's
    assert np.allclose(vectors[7], HashEmbedder().embed([texts[7]])[0], atol=1e-6)


def test_openai_rate_limits_are_retried_with_growing_waits() -> None:
    waits: list[float] = []
    with fake_openai("flaky") as server:
        vectors = OpenAIEmbedder("sk-test", server.base_url, sleep=waits.append).embed(["a b"])
    assert vectors.shape == (1, DIMENSIONS)
    assert waits == [1.0, 2.0] and len(server.requests) == 3


def test_openai_server_errors_give_up_after_five_attempts_with_a_clear_message() -> None:
    waits: list[float] = []
    with fake_openai("error") as server:
        embedder = OpenAIEmbedder("sk-test", server.base_url, sleep=waits.append)
        with pytest.raises(EmbeddingFailed, match="failed 5 times in a row"):
            embedder.embed(["a b"])
    assert len(server.requests) == 5 and waits == [1.0, 2.0, 4.0, 8.0]


def test_openai_refusals_are_not_retried() -> None:
    refused = r"refused the embedding request \(400\)"
    with fake_openai("refused") as server, pytest.raises(EmbeddingFailed, match=refused):
        OpenAIEmbedder("sk-test", server.base_url, sleep=lambda _: None).embed(["a b"])
    assert len(server.requests) == 1


def test_vectors_of_the_wrong_size_are_refused() -> None:
    with fake_openai("short") as server, pytest.raises(EmbeddingFailed, match="shape"):
        OpenAIEmbedder("sk-test", server.base_url).embed(["a b"])


def test_the_model_follows_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    settings = load_settings()
    assert embedders.configured(settings).model == embedders.OFFLINE_MODEL
    # OpenAI vectors cannot be compared with without a key; offline ones always can
    assert embedders.for_model(embedders.OPENAI_MODEL, settings) is None
    assert embedders.for_model(embedders.OFFLINE_MODEL, settings) is embedders.OFFLINE
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert embedders.configured(load_settings()).model == embedders.OPENAI_MODEL
