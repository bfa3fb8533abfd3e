"""Turn text into 1536-dimension vectors: OpenAI's model with a key, a built-in one without.

Every vector the database stores names the model that made it (`Embedder.model`), because
similarities between two models' vectors mean nothing. The offline embedder is not a
language model: it hashes words, word pairs and letter triples into 1536 signed buckets
(the "hashing trick"), so it finds texts that share words and word parts ("pricing" finds
"Pricing Calculator", "hire" finds "Hiring Scorecard") but not synonyms. It needs no key and
no network, and the same text always gives the same vector, on every machine.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Protocol

import numpy as np
import openai

from revos.config import Settings

DIMENSIONS = 1536
OFFLINE_MODEL = "revos-hash-1536-v1"
OPENAI_MODEL = "text-embedding-3-small"
OPENAI_BATCH = 100  # inputs per request
OPENAI_ATTEMPTS = 5
MAX_INPUT_CHARS = 8_000  # well under the model's 8,191-token limit for any text
_WORD = re.compile(r"\w+", re.UNICODE)
# a trigram counts for less than a word: it matches parts of words, so it is weaker evidence
_WEIGHTS = {"w": 1.0, "b": 0.7, "c": 0.35}


class EmbeddingFailed(RuntimeError):
    """No vectors were made; the message says why in words a person can act on."""


class Embedder(Protocol):
    model: str

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length float32 row of DIMENSIONS per text, in order."""
        ...


def describe(model: str | None) -> str:
    """How the dashboard names a model to its users."""
    if model == OFFLINE_MODEL:
        return f"{OFFLINE_MODEL} (built in, offline: matches shared words and word parts)"
    if model is None:
        return "no model yet (run `revos embed`)"
    return f"{model} (OpenAI)"


@lru_cache(maxsize=200_000)
def _bucket(feature: str) -> tuple[int, float]:
    """A feature's dimension and sign, from a hash that is the same in every process."""
    digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "big")
    return digest % DIMENSIONS, 1.0 if (digest >> 63) & 1 else -1.0


def features(text: str) -> Counter[str]:
    """Words, adjacent word pairs and the letter triples of each word (padded with spaces)."""
    words = _WORD.findall(text.lower())
    counts: Counter[str] = Counter(f"w:{w}" for w in words)
    counts.update(f"b:{a} {b}" for a, b in itertools.pairwise(words))
    for word in words:
        padded = f" {word} "
        counts.update(f"c:{padded[i : i + 3]}" for i in range(len(padded) - 2))
    return counts


class HashEmbedder:
    """The built-in offline embedder: signed feature hashing, sublinear TF, unit length."""

    model = OFFLINE_MODEL

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature, count in features(text).items():
                index, sign = _bucket(feature)
                out[row, index] += sign * _WEIGHTS[feature[0]] * (1.0 + math.log(count))
            norm = float(np.linalg.norm(out[row]))
            if norm == 0.0:
                raise EmbeddingFailed(f"Nothing to embed in {text!r}: it has no words.")
            out[row] /= norm
        return out


class OpenAIEmbedder:
    """OpenAI embeddings in batches, retried with exponential backoff on transient errors."""

    model = OPENAI_MODEL

    def __init__(
        self,
        api_key: str,
        base_url: str | None = None,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        backoff: float = 1.0,
    ) -> None:
        self._client = openai.OpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0
        )
        self._sleep = sleep
        self._backoff = backoff

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = [
            self._batch([t[:MAX_INPUT_CHARS] for t in texts[i : i + OPENAI_BATCH]])
            for i in range(0, len(texts), OPENAI_BATCH)
        ]
        return np.vstack(rows) if rows else np.zeros((0, DIMENSIONS), dtype=np.float32)

    def _batch(self, texts: list[str]) -> np.ndarray:
        for attempt in range(1, OPENAI_ATTEMPTS + 1):
            try:
                response = self._client.embeddings.create(model=self.model, input=texts)
                break
            except (openai.RateLimitError, openai.InternalServerError) as exc:
                error: Exception = exc
            except openai.APIConnectionError as exc:  # includes timeouts
                error = exc
            except openai.APIStatusError as exc:  # 4xx other than 429: retrying cannot help
                raise EmbeddingFailed(
                    f"OpenAI refused the embedding request ({exc.status_code}): {exc.message}"
                ) from exc
            if attempt == OPENAI_ATTEMPTS:
                raise EmbeddingFailed(
                    f"OpenAI embeddings failed {OPENAI_ATTEMPTS} times in a row; last error: "
                    f"{error}"
                ) from error
            self._sleep(self._backoff * 2 ** (attempt - 1))
        vectors = np.array(
            [item.embedding for item in sorted(response.data, key=lambda d: d.index)],
            dtype=np.float32,
        )
        if vectors.shape != (len(texts), DIMENSIONS):
            raise EmbeddingFailed(
                f"OpenAI returned vectors of shape {vectors.shape}, expected "
                f"({len(texts)}, {DIMENSIONS})."
            )
        return vectors


OFFLINE = HashEmbedder()


@lru_cache(maxsize=4)
def _openai(api_key: str, base_url: str | None) -> OpenAIEmbedder:
    """One client per key and address (its connection pool is reused across calls)."""
    return OpenAIEmbedder(api_key, base_url)


def configured(settings: Settings) -> Embedder:
    """OpenAI's model when a key is set, else the offline one."""
    if settings.openai_api_key:
        return _openai(settings.openai_api_key, settings.openai_base_url)
    return OFFLINE


def for_model(model: str | None, settings: Settings) -> Embedder | None:
    """An embedder that makes vectors comparable with `model`'s, or None if none can here.

    No model yet (nothing embedded): the configured one.
    """
    if model is None:
        return configured(settings)
    if model == OFFLINE_MODEL:
        return OFFLINE
    if model == OPENAI_MODEL and settings.openai_api_key:
        return _openai(settings.openai_api_key, settings.openai_base_url)
    return None
