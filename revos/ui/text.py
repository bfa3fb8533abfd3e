"""Text from outside (lead names, comments, companies, campaign and tenant names) shown as text.

Prospects write LinkedIn comments and names; clients name campaigns. None of it may become a
link, an image (a tracking pixel), a heading or a coloured directive when a page puts it in
Markdown, so every such value goes through `literal` first.
"""

from __future__ import annotations

import re

# CommonMark lets a backslash escape any ASCII punctuation; Streamlit's extras (:red[...],
# :material/...:, $math$) start with punctuation too.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# GFM turns bare URLs and e-mail addresses into links after parsing, escapes or not; an
# invisible WORD JOINER inside "://", "www." and "@" keeps them plain text.
_AUTOLINKS = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def literal(value: object) -> str:
    """`value` as Markdown that renders exactly its characters, on one line."""
    text = "" if value is None else str(value)
    text = _AUTOLINKS.sub(WORD_JOINER, " ".join(text.split()))
    return _PUNCTUATION.sub(r"\\\1", text)


# A moment as `literal` escapes it: "2026\-11\-29 14\:05".
_ESCAPED_MOMENT = re.compile(r"(\d{4})\\-(\d{2})\\-(\d{2}) (\d{2}\\:\d{2})")


def unbroken_moments(markdown: str) -> str:
    """`literal` Markdown whose dates and times never wrap mid-moment: a narrow message
    broke "2026-11-" from "29 14:05". A non-breaking hyphen and space hold each together."""
    return _ESCAPED_MOMENT.sub("\\1\u2011\\2\u2011\\3\u00a0\\4", markdown)


def counted(n: int, noun: str) -> str:
    """'1 alert', '3 alerts': a count a person reads (regular plurals only)."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
