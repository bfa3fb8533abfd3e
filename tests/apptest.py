"""AppTest helpers for the tests (they live in the package so `revos bench` shares them)."""

import re

from revos.tools.apptesting import HOME, open_page, signed_in

__all__ = ["HOME", "open_page", "signed_in", "warnings_read"]


def warnings_read(at) -> list[str]:
    """The page's warnings as a person reads them: text from outside is shown literally, so
    its Markdown punctuation arrives backslash-escaped."""
    return [re.sub(r"\\(.)", r"\1", w.value) for w in at.warning]
