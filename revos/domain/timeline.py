"""One lead's timeline as people read it: what happened, on which channel, and nothing blank.

Pure: `lead_timeline` rows in, display lines out. Messages say whether they are a DM or an
email and where they stand ("Email draft, waiting for review"); missing values are left out,
never shown as "None" or "nan".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

CHANNELS = {"dm": "DM", "email": "Email", "post": "Post"}
MESSAGE_STATES = {
    "draft": "draft, waiting for review",
    "approved": "approved, waiting to be sent",
    "rejected": "rejected in review",
    "sent": "sent",
    "failed": "failed to send",
}


@dataclass(frozen=True)
class Line:
    title: str
    subject: str | None
    detail: str | None


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def describe(event: str, channel: object, status: object, subject: object, detail: object) -> Line:
    state = _text(status)
    if state is not None:  # a message: say which kind and where it stands
        kind = CHANNELS.get(_text(channel) or "", "Message")
        title = f"{kind} {MESSAGE_STATES.get(state, state)}"
    else:
        title = event
    return Line(title, _text(subject), _text(detail))


# the lead's own step that a sent message of the same channel tells as well
SENT_STEPS = {"DM sent": "dm", "Email sent": "email"}


def without_repeats(events: pd.DataFrame) -> pd.DataFrame:
    """`lead_timeline` rows without a lead's "DM sent" or "Email sent" step when the sent
    message of that channel has the same time: the message says it, with its text. (Both
    were shown: "DM sent" twice in a row, found by a browser trial.)"""
    if events.empty:
        return events
    sent = events[events["status"].eq("sent")]
    told = set(zip(sent["channel"], sent["at"], strict=True))
    repeated = [
        event in SENT_STEPS and (SENT_STEPS[event], at) in told
        for event, at in zip(events["event"], events["at"], strict=True)
    ]
    return events[[not r for r in repeated]]
