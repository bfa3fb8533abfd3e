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


def literal(value: object) -> str:
    """`value` as Markdown that renders exactly its characters, on one line."""
    text = "" if value is None else str(value)
    return _PUNCTUATION.sub(r"\\\1", " ".join(text.split()))
