"""One wording for what a link asked for that a page cannot show.

Notes were worded two ways ("Ignored page 'x': showing the first page." beside "The address
named a campaign you do not have; showing all campaigns."): every page now says what the
address asked for, why it cannot be, and what it shows or does instead.
"""


def unusable(asked: str, why: str, instead: str) -> str:
    """ "The address asked for page 'x', which is not a page number; showing the first page."."""
    return f"The address asked for {asked}, {why}; {instead}."


def quoted(value: str, limit: int = 20) -> str:
    """A value from the address as the note quotes it: cut (anyone can write a long one)."""
    return repr(value[:limit])


def not_a_page(raw: str) -> str:
    """A page number from the address that is not one (every paged table shows page 1)."""
    return unusable(f"page {quoted(raw)}", "which is not a page number", "showing the first page")
