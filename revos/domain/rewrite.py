"""Rewrite a draft in its cartridge's voice with the OpenAI Chat Completions API.

Nothing here saves anything: the proposal goes back to the reviewer, who accepts it into the
editor or discards it, and only an approval writes. Without an API key the feature is off;
API errors and timeouts become a `RewriteFailed` with a sentence for the reviewer.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import openai

from revos.config import Settings

CHANNEL_NAMES = {"dm": "LinkedIn DM", "email": "email", "post": "LinkedIn post"}
DEFAULT_TIMEOUT_SECONDS = 20.0
DISABLED_REASON = "AI rewrite is off: set OPENAI_API_KEY to turn it on."  # for whoever runs it
# What clients and reviewers read instead: they cannot set a server's environment.
NOT_SET_UP = "AI rewrite is not set up for this workspace yet."


class RewriteFailed(RuntimeError):
    """The rewrite did not happen; the message says why. The draft is untouched."""


@dataclass(frozen=True)
class Voice:
    system_prompt: str | None
    writing_style: dict[str, Any]
    persona: dict[str, Any]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Voice:
        return cls(
            row.get("cartridge_system_prompt"),
            _as_dict(row.get("cartridge_writing_style")),
            _as_dict(row.get("cartridge_persona")),
        )


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = json.loads(value or "{}")
    return dict(value or {})


def _describe(title: str, fields: dict[str, Any]) -> str:
    lines = [f"- {key.replace('_', ' ')}: {value}" for key, value in fields.items() if value]
    return f"{title}:\n" + "\n".join(lines) if lines else ""


def _examples(examples: Sequence[str]) -> str:
    if not examples:
        return ""
    shown = "\n---\n".join(example.strip() for example in examples)
    return (
        "Messages of this client that reviewers approved (match their voice and length; "
        f"never copy their names or facts):\n---\n{shown}\n---"
    )


def build_messages(
    voice: Voice, channel: str, draft: str, examples: Sequence[str] = ()
) -> list[dict[str, str]]:
    """The chat messages: the cartridge's voice and approved examples (retrieved by
    similarity: RAG) as the system prompt, the draft as the task."""
    kind = CHANNEL_NAMES.get(channel, "message")
    system = "\n\n".join(
        part
        for part in (
            voice.system_prompt or "You write outreach messages for a B2B founder.",
            _describe("Writing style", voice.writing_style),
            _describe("Persona", voice.persona),
            _examples(examples),
            f"Rewrite the {kind} the user gives you in this voice. Keep every fact, name and "
            "offer; do not invent new ones. Keep it about as long. Reply with the rewritten "
            "text only, no preamble or quotes.",
        )
        if part
    )
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": f"Rewrite this {kind}:\n\n{draft}"},
    ]


class Rewriter:
    def __init__(
        self,
        api_key: str,
        model: str,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.model = model
        self._client = openai.OpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0
        )

    def rewrite(self, voice: Voice, channel: str, draft: str, examples: Sequence[str] = ()) -> str:
        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=build_messages(voice, channel, draft, examples),
                temperature=0.7,
            )
        except openai.APITimeoutError as exc:
            raise RewriteFailed("The AI rewrite timed out. The draft is unchanged.") from exc
        except openai.APIStatusError as exc:
            raise RewriteFailed(
                f"The AI service answered with an error ({exc.status_code}). "
                "The draft is unchanged."
            ) from exc
        except openai.APIConnectionError as exc:
            raise RewriteFailed(
                "The AI service could not be reached. The draft is unchanged."
            ) from exc
        text = (response.choices[0].message.content or "").strip() if response.choices else ""
        if not text:
            raise RewriteFailed("The AI service returned nothing. The draft is unchanged.")
        return text


def from_settings(settings: Settings) -> Rewriter | None:
    """A rewriter when an API key is configured; None means the feature is off."""
    if not settings.openai_api_key:
        return None
    return Rewriter(settings.openai_api_key, settings.openai_model, settings.openai_base_url)


def _sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=[.!?])\s+|\n", text) if part.strip()]


def diff(original: str, proposal: str, before: str = "draft", after: str = "rewrite") -> str:
    """A sentence-by-sentence unified diff, readable for prose."""
    return "\n".join(
        difflib.unified_diff(
            _sentences(original), _sentences(proposal), before, after, lineterm="", n=1
        )
    )
