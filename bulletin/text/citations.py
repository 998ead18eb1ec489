"""Tables and figures cited from the text: "(Tavola 2)", "(Figura 1)".

The text is written before the document is laid out, and only the layout knows which tables
and charts an edition prints and in what order, hence their numbers. So a sentence template
writes `{table:products}` or `{figure:trend}` where the citation goes; the text stage leaves a
mark there (`Citation`), and the document, once it has numbered its tables and figures, puts
the citation in its place (`resolve`), or drops it, with the space before it, when the edition
does not print that table.
"""
from __future__ import annotations

import re
from collections.abc import Callable

_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use characters: never in a template, a name or a figure
_MARK = re.compile(rf"(\s?){_OPEN}(table|figure):([a-z_]+){_CLOSE}")
KINDS = ("table", "figure")


class Citation:
    """`{table:products}` in a sentence template: formats itself as the mark of that citation."""

    def __init__(self, kind: str):
        if kind not in KINDS:
            raise ValueError(f"no citation of a {kind!r}: one of {', '.join(KINDS)}")
        self.kind = kind

    def __format__(self, name: str) -> str:
        if not re.fullmatch(r"[a-z_]+", name):
            raise ValueError(f"{{{self.kind}:{name}}} must name a {self.kind}, as {{{self.kind}:products}}")
        return f"{_OPEN}{self.kind}:{name}{_CLOSE}"


def resolve(text: str, citation: Callable[[str, str], str | None]) -> str:
    """`text` with each mark replaced by `citation(kind, name)` ("(Tavola 2)"), or removed with
    the space before it when that gives None."""
    def replace(match: re.Match) -> str:
        printed = citation(match.group(2), match.group(3))
        return "" if printed is None else match.group(1) + printed
    return _MARK.sub(replace, text)
