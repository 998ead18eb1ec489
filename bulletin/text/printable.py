"""Refuse text the brand's font cannot print, instead of printing empty boxes in an official bulletin.

Emoji, right-to-left scripts or any character outside the font would come out as blanks or
boxes; an edition with them is refused with a message naming the character and where it is.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase.ttfonts import TTFont

from bulletin.errors import DataError, Problem


@lru_cache(maxsize=8)
def _code_points(font: Path) -> frozenset[int]:
    return frozenset(TTFont(f"glyph-check-{font.stem}", str(font)).face.charToGlyph)


def check_printable(texts: list[tuple[str, str | None, str]], font: Path) -> None:
    """`texts` are (file, column, text); raise DataError naming every character the font lacks."""
    available = _code_points(font)
    problems = []
    for file, column, text in texts:
        missing = sorted({c for c in text if ord(c) not in available and not c.isspace()
                          and unicodedata.category(c) not in ("Cc", "Cf")})
        if missing:
            names = ", ".join(f"'{c}' (U+{ord(c):04X} {unicodedata.name(c, 'unnamed')})" for c in missing)
            problems.append(Problem(file, None, column, f"cannot be printed with the brand font {font.name}: {names}",
                                    text))
    if problems:
        raise DataError(problems)
