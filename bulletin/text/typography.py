"""Printed text set as a typesetter would: typographic apostrophes and quotation marks, and
no-break spaces where a line must not break.

Templates, names and notes are written with the keyboard's straight ' and "; the printed bulletin
gives ’ and “ ”. A reference and its number ("Figura 2", "Table 1"), a quarter ("II trimestre
2016", "Q2 2016"), a figure and its points ("−1,5 punti") and a count and what it counts ("30
paesi") are joined by no-break spaces, so that no line ends inside them. The files an edition publishes as data (indicators.json, the CSV and
Excel tables) keep the characters as they are. The minus sign and the no-break space between a
figure and its unit come from `formatting` and `numbers.toml`.
"""
from __future__ import annotations

import re

# A tag (<b>, <a href="#x">) or an entity (&amp;) of reportlab's paragraph markup: left alone.
_MARKUP = re.compile(r"(<[^>]*>|&[#\w]+;)")
# A quote that opens: at the start, or after a space, a dash or an opening bracket.
_OPENS_AFTER = " \t\n\u00a0([{\u2013\u2014/\u201c\u2018"
NO_BREAK = "\u00a0"
# Where a line must not break: what matches is kept, its spaces made no-break spaces. One pattern
# of alternatives, so that each piece of text is scanned once.
_UNBREAKABLE = re.compile("|".join((
    r"\b(?:Figura|Tavola|Figure|Table) \d",            # Figura 2, Table 1
    r"\b(?:I|II|III|IV) trimestre \d{4}\b",           # II trimestre 2016
    r"\bQ[1-4] \d{4}\b",                              # Q2 2016
    r"\d (?:punti|punto|points|point|percentage)\b",   # −1,5 punti
    r"(?<![\d.,])\d{1,3} [^\W\d_]+",                    # 30 paesi, 12 trimestri, 21 regioni
)))


def _unbroken(match: re.Match) -> str:
    return match.group().replace(" ", NO_BREAK)


def last_word_joined(text: str) -> str:
    """`text` with its last word joined to the one before by a no-break space, so that it never
    stands alone on a last line; unchanged if it has one word."""
    head, space, last = text.rpartition(" ")
    return f"{head}{NO_BREAK}{last}" if space else text


def typographic(markup: str, unbreakable: bool = True) -> str:
    """`markup` (paragraph markup or plain text) with typographic apostrophes and quotes
    (dell'Italia -> dell’Italia, "n.d." -> “n.d.”) and, if `unbreakable`, no-break spaces where a
    line must not break ("Figura\u00a02"): not in a title that no line breaks, such as the
    document's, which viewers and mail programs show; tags and entities are left as they are."""
    parts = _MARKUP.split(markup)
    previous = " "  # what comes before the first character: a quote there opens
    quotes = "'" in markup or '"' in markup
    for i, part in enumerate(parts):
        if i % 2:  # a tag prints nothing; an entity prints a character that no quote opens after
            previous = "&" if part.startswith("&") else previous
            continue
        if quotes:
            chars = []
            for char in part:
                if char == "'":
                    char = "\u2018" if previous in _OPENS_AFTER else "\u2019"
                elif char == '"':
                    char = "\u201c" if previous in _OPENS_AFTER else "\u201d"
                chars.append(char)
                previous = char
            part = "".join(chars)
        parts[i] = _UNBREAKABLE.sub(_unbroken, part) if unbreakable else part
    return "".join(parts)
