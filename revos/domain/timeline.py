"""One lead's timeline as people read it: what happened, on which channel, and nothing blank.

Pure: `lead_timeline` rows in, display lines out. Messages say whether they are a DM or an
email and where they stand ("Email draft, waiting for review"); missing values are left out,
never shown as "None" or "nan".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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
