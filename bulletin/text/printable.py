"""Refuse text the brand's font cannot print, instead of printing empty boxes in an official bulletin.

Emoji, right-to-left scripts or any character outside the font would come out as blanks or
boxes, control characters (NUL, ESC, bidirectional overrides) as boxes or text in another order;
an edition with them is refused with a message naming the character and where it is.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase.ttfonts import TTFont

from bulletin.errors import DataError, Problem
from bulletin.text.controls import control_characters

LINE_ENDS_AND_TABS = "\t\r"  # within a line of a file: a tab, or the CR of a Windows line end


@lru_cache(maxsize=8)
def _code_points(font: Path) -> frozenset[int]:
    return frozenset(TTFont(f"glyph-check-{font.stem}", str(font)).face.charToGlyph)


def check_printable(texts: list[tuple[str, str | None, str]], font: Path) -> None:
    """`texts` are (file, column, text), the text of a whole file when column is None; raise
    DataError naming every control character (with its line) and every character the font lacks."""
    available = _code_points(font)
    problems = []
    for file, column, text in texts:
        problems += _control_problems(file, column, text)
        missing = sorted({c for c in text if ord(c) not in available and not c.isspace()
                          and unicodedata.category(c) not in ("Cc", "Cf")})
        if missing:
            names = ", ".join(f"'{c}' (U+{ord(c):04X} {unicodedata.name(c, 'unnamed')})" for c in missing)
            problems.append(Problem(file, None, column, f"cannot be printed with the brand font {font.name}: {names}",
                                    text))
    if problems:
        raise DataError(problems)


def _control_problems(file: str, column: str | None, text: str) -> list[Problem]:
    """A problem for each line of a file (or each value of a column) with control characters in it."""
    lines = enumerate(text.split("\n"), start=1) if column is None else [(None, text)]
    problems = []
    for number, line in lines:
        found = control_characters(line, allowed=LINE_ENDS_AND_TABS if column is None else "")
        if found:
            what = "control character" + ("s" if len(found) > 1 else "")
            problems.append(Problem(file, number, column, f"{what} {', '.join(found)}: it would print as a box or "
                                    "reorder the text around it; delete it", None if column is None else text))
    return problems
