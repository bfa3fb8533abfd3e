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


def counted(n: int, noun: str) -> str:
    """'1 alert', '3 alerts': a count a person reads (regular plurals only)."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
