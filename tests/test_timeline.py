"""Timeline lines name the channel and never show a missing value as text."""

from __future__ import annotations

from revos.domain import timeline


def test_messages_say_dm_or_email_and_where_they_stand() -> None:
    draft = timeline.describe("Message draft", "email", "draft", "Hi", "Body")
    assert draft == timeline.Line("Email draft, waiting for review", "Hi", "Body")
    sent = timeline.describe("Message sent", "dm", "sent", None, "Hello")
    assert sent.title == "DM sent"


def test_missing_values_are_left_out() -> None:
    line = timeline.describe("DM delivered", "dm", float("nan"), float("nan"), None)
    assert line == timeline.Line("DM delivered", None, None)
    assert timeline.describe("Commented", "linkedin", None, None, "  ").detail is None
