"""AI rewrite against a fake OpenAI-compatible server: the request, and failures handled."""

from __future__ import annotations

from pathlib import Path

import pytest

from revos.config import load_settings
from revos.domain import rewrite
from tests.fake_openai import REWRITTEN, fake_openai

VOICE = rewrite.Voice(
    system_prompt="You write as a bootstrapped founder for small agency owners.",
    writing_style={"tone": "warm, curious, informal", "vocabulary": "first names"},
    persona={"role": "bootstrapped founder", "audience": "small agency owners"},
)
DRAFT = "Hey Ava, saw your comment. Want the pricing template?"


def test_the_request_carries_the_model_the_voice_and_the_draft() -> None:
    with fake_openai() as server:
        rewriter = rewrite.Rewriter("test-key", "gpt-test-model", server.base_url)
        assert rewriter.rewrite(VOICE, "dm", DRAFT) == REWRITTEN
    [request] = server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["authorization"] == "Bearer test-key"
    body = request["body"]
    assert body["model"] == "gpt-test-model"
    system, user = body["messages"]
    assert system["role"] == "system" and user["role"] == "user"
    assert VOICE.system_prompt in system["content"]
    assert "warm, curious, informal" in system["content"]
    assert "bootstrapped founder" in system["content"] and "LinkedIn DM" in system["content"]
    assert DRAFT in user["content"]


def test_a_server_error_is_a_readable_failure() -> None:
    with fake_openai("error") as server:
        rewriter = rewrite.Rewriter("k", "m", server.base_url)
        with pytest.raises(rewrite.RewriteFailed, match=r"error \(500\).*unchanged"):
            rewriter.rewrite(VOICE, "email", DRAFT)
    assert len(server.requests) == 1  # no silent retries


def test_a_timeout_is_a_readable_failure() -> None:
    with fake_openai("slow") as server:
        rewriter = rewrite.Rewriter("k", "m", server.base_url, timeout=0.5)
        with pytest.raises(rewrite.RewriteFailed, match=r"timed out.*unchanged"):
            rewriter.rewrite(VOICE, "post", DRAFT)


def test_no_key_means_the_feature_is_off(tmp_path: Path) -> None:
    settings = load_settings(env={}, secrets_file=tmp_path / "none.toml")
    assert rewrite.from_settings(settings) is None
    settings = load_settings(
        env={"OPENAI_API_KEY": "k", "OPENAI_MODEL": "m"}, secrets_file=tmp_path / "none.toml"
    )
    rewriter = rewrite.from_settings(settings)
    assert rewriter is not None and rewriter.model == "m"


def test_voice_from_a_queue_row_accepts_json_text() -> None:
    voice = rewrite.Voice.from_row(
        {
            "cartridge_system_prompt": "p",
            "cartridge_writing_style": '{"tone": "calm"}',
            "cartridge_persona": None,
        }
    )
    assert voice == rewrite.Voice("p", {"tone": "calm"}, {})


def test_diff_marks_changed_sentences() -> None:
    changed = rewrite.diff("One. Two. Three.", "One. Deux. Three.")
    assert "-Two." in changed and "+Deux." in changed and "-One." not in changed
