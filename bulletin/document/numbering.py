"""Tables and figures numbered in the order they are printed, and cited from the text by number.

A number is given the first time a caption asks for one, and kept; the paragraphs are cited
only when every section is built (`SectionContext.cited`), so a text may cite a table or figure
printed after it. The appendix's tables are a series of their own
("Tavola A1"), as in ISTAT's releases: the sections cite a table in the appendix before the
tables printed after them, and one sequence would then read out of order ("Tavola 6; … Tavola 3").
"""
from __future__ import annotations


class Numbering:
    """"Tavola 1", "Tavola 2"...; "Figura 1"...: one sequence for tables, one for figures, and one
    for each series of either (the appendix's "A1", "A2"...)."""

    def __init__(self):
        self._numbers: dict[tuple[str, str], tuple[str, int]] = {}

    def number(self, kind: str, name: str, series: str = "") -> str:
        """The number of the table (kind "table") or figure ("figure") `name`, given now if new,
        prefixed by its `series`."""
        key = (kind, name)
        if key not in self._numbers:
            given = sum(1 for (known, _), (in_series, _) in self._numbers.items()
                        if known == kind and in_series == series)
            self._numbers[key] = (series, given + 1)
        series, number = self._numbers[key]
        return f"{series}{number}"

    def known(self, kind: str, name: str) -> str | None:
        """The number if that table or figure has a caption, None if the edition does not print it."""
        return self.number(kind, name) if (kind, name) in self._numbers else None
