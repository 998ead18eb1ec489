"""Printed text set as a typesetter would: typographic apostrophes and quotation marks.

Templates, names and notes are written with the keyboard's straight ' and "; the printed bulletin
gives ’ and “ ”. The files an edition publishes as data (indicators.json, the CSV and Excel
tables) keep the characters as they are. The minus sign and the no-break space between a figure
and its unit come from `formatting` and `numbers.toml`.
"""
from __future__ import annotations

import re

# A tag (<b>, <a href="#x">) or an entity (&amp;) of reportlab's paragraph markup: left alone.
_MARKUP = re.compile(r"(<[^>]*>|&[#\w]+;)")
# A quote that opens: at the start, or after a space, a dash or an opening bracket.
_OPENS_AFTER = " \t\n\u00a0([{\u2013\u2014/\u201c\u2018"


def typographic(markup: str) -> str:
    """`markup` (paragraph markup or plain text) with typographic apostrophes and quotes:
    dell'Italia -> dell’Italia, "n.d." -> “n.d.”; tags and entities are left as they are."""
    if "'" not in markup and '"' not in markup:
        return markup
    parts = _MARKUP.split(markup)
    previous = " "  # what comes before the first character: a quote there opens
    for i, part in enumerate(parts):
        if i % 2:  # a tag prints nothing; an entity prints a character that no quote opens after
            previous = "&" if part.startswith("&") else previous
            continue
        chars = []
        for char in part:
            if char == "'":
                char = "\u2018" if previous in _OPENS_AFTER else "\u2019"
            elif char == '"':
                char = "\u201c" if previous in _OPENS_AFTER else "\u201d"
            chars.append(char)
            previous = char
        parts[i] = "".join(chars)
    return "".join(parts)
