"""Tables and figures numbered in the order they are printed, and cited from the text by number.

A number is given the first time a caption asks for one, and kept: the document builds its
sections twice (`compose`), the first time only so that every table and figure has its number
when a text that comes before it cites it.
"""
from __future__ import annotations


class Numbering:
    """"Tavola 1", "Tavola 2"...; "Figura 1"...: one sequence for tables, one for figures."""

    def __init__(self):
        self._numbers: dict[tuple[str, str], int] = {}

    def number(self, kind: str, name: str) -> int:
        """The number of the table (kind "table") or figure ("figure") `name`, given now if new."""
        key = (kind, name)
        if key not in self._numbers:
            self._numbers[key] = 1 + sum(1 for known, _ in self._numbers if known == kind)
        return self._numbers[key]

    def known(self, kind: str, name: str) -> int | None:
        """The number if that table or figure has a caption, None if the edition does not print it."""
        return self._numbers.get((kind, name))
