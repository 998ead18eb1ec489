"""Tables and figures cited from the text: "(Tavola 2)", "(Figura 1)".

The text is written before the document is laid out, and only the layout knows which tables
and charts an edition prints and in what order, hence their numbers. So a sentence template
writes `{table:products}` or `{figure:trend}` where the citation goes; the text stage leaves a
mark there (`Citation`), and the document, once it has numbered its tables and figures, puts
the citation in its place (`resolve`), or drops it, with the space before it, when the edition
does not print that table.

A citation never stands beside another parenthesis, "(+0,9%) (Figura 2)": one that follows a
closing bracket goes inside it, "(+0,9%; Figura 2)", which also joins two citations in a row,
"(Figura 2; Tavola 2)".
"""
from __future__ import annotations

import re
from collections.abc import Callable

_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use characters: never in a template, a name or a figure
_MARK = re.compile(rf"(\s?){_OPEN}(table|figure):([a-z_]+){_CLOSE}")
KINDS = ("table", "figure")
FOLD = "; "  # between what a bracket held and the citation folded into it


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
    the space before it when that gives None; a bracketed citation right after a closing bracket
    goes inside that bracket."""
    parts = _MARK.split(text)  # text, then (space, kind, name, text) for each mark
    printed = parts[0]
    for i in range(1, len(parts), 4):
        space, kind, name, after = parts[i:i + 4]
        cited = citation(kind, name)
        if cited is not None:
            if printed.endswith(")") and cited.startswith("(") and cited.endswith(")"):
                printed = printed[:-1] + FOLD + cited[1:]
            else:
                printed += space + cited
        printed += after
    return printed
