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


def test_a_sent_message_and_its_sent_step_are_told_once() -> None:
    import pandas as pd

    at, later = "2026-11-27T23:44:00+00:00", "2026-11-28T08:00:00+00:00"
    events = pd.DataFrame(
        [
            {"at": at, "event": "DM sent", "channel": "dm", "status": None},
            {"at": at, "event": "Message sent", "channel": "dm", "status": "sent"},
            {"at": later, "event": "Email sent", "channel": "email", "status": None},
            {"at": at, "event": "Message sent", "channel": "email", "status": "sent"},
        ]
    )
    kept = timeline.without_repeats(events)
    # the DM step goes (its message tells it); the email step stays (its message is another time)
    assert list(kept["event"]) == ["Message sent", "Email sent", "Message sent"]
    assert timeline.without_repeats(events.iloc[:0]).empty
