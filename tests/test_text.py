"""Outside text is shown literally: Markdown escaping for pages, HTML escaping for charts."""

from __future__ import annotations

import re

import pandas as pd

from revos.domain import charts
from revos.ui.text import WORD_JOINER, counted, literal, unbroken_moments

PAYLOAD = "[x](https://evil.example) ![p](http://127.0.0.1:9/p.png)\n# Approved :red[hi] a@b.co"


def test_literal_escapes_every_markdown_punctuation_mark() -> None:
    escaped = literal(PAYLOAD)
    assert not re.search(r"(?<!\\)[\[\]()!#:<>@]", escaped)
    assert "\n" not in escaped  # no line can start a heading or a list
    unescaped = re.sub(r"\\(.)", r"\1", escaped).replace(WORD_JOINER, "")
    assert unescaped == " ".join(PAYLOAD.split())


def test_literal_breaks_bare_links_and_addresses_gfm_would_link() -> None:
    for text in ("https://evil.example", "www.evil.example", "someone@evil.example"):
        assert WORD_JOINER in literal(text)
    assert literal("Acme Corp") == "Acme Corp"
    assert literal(None) == ""


def test_chart_labels_from_outside_cannot_become_html() -> None:
    frame = pd.DataFrame(
        {"tenant": ['<a href="https://evil.example">Acme</a>', "R&D"], "n": [1, 2]}
    )
    figure = charts.ranking_figure(frame, "n", "tenant", "Leads")
    labels = list(figure.data[0].y)
    assert "<a" not in "".join(labels)
    # on the axis cut to its first characters, in the hover whole: escaped either way
    assert "&lt;a href=&quot;https://evil.e…" in labels
    assert (
        "&lt;a href=&quot;https://evil.example&quot;&gt;Acme&lt;/a&gt;" in figure.data[0].hovertext
    )
    assert "R&amp;D" in labels
    bars = charts.grouped_bars(frame, "tenant", {"n": "Leads"}, "Compare")
    assert "<a" not in "".join(bars.data[0].x)


def test_counts_read_as_words() -> None:
    assert counted(1, "alert") == "1 alert"
    assert counted(1200, "tenant") == "1,200 tenants"
    assert counted(0, "alert") == "0 alerts"


def test_a_moment_in_a_message_never_wraps_mid_moment() -> None:
    said = "Ana's claim: until 2026-11-29 14:05 (Europe/Berlin); drafted 2026-11-28 09:00."
    shown = unbroken_moments(literal(said))
    breakable = re.compile(r"\d{4}\\?-|\d{2}\\?-\d{2} \d")  # a hyphen or space to wrap at
    assert not breakable.search(shown), shown
    assert shown.count("\u2011") == 4 and shown.count("\u00a0") == 2
    readable = re.sub(r"\\(.)", r"\1", shown).replace("\u2011", "-").replace("\u00a0", " ")
    assert readable == said
