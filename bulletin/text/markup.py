"""The editor's Markdown, turned into blocks of reportlab paragraph mini-markup.

A small, predictable subset: paragraphs, `## ` headings (any level from `#` to `######`), bullet
lists (`- ` or `* `), numbered lists (`1. ` or `1) `), `**bold**`, `*italic*` and `_italic_`, and a
backslash to keep a `*`, `_` or `#` literal. Everything else prints as written: the text is
escaped before any tag is added, so `<font size=40>`, `<a href="x">` or `&amp;` print literally,
and a `**` with no partner stays `**`. Emphasis is matched like CommonMark's delimiter runs (the
nearest opener wins, intervening unmatched openers become text), so the tags produced are always
properly nested. Line breaks inside a paragraph or list item are spaces; very long words are left
as they are (the document wraps them). A separator line (`---`, `***`) only ends a block.
"""
from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from bulletin.errors import DataError, Problem

KINDS = ("heading", "paragraph", "bullet", "number")

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_BULLET = re.compile(r"^ {0,3}[-*+][ \t]+(.*)$")
_NUMBER = re.compile(r"^ {0,3}\d{1,9}[.)][ \t]+(.*)$")
_ESCAPABLE = "\\*_#-+.()[]`!<>&"
_ONLY = re.compile(r"^\s*<!--\s*only:\s*([\w, ]*?)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    kind: str     # "heading", "paragraph", "bullet", "number"
    markup: str   # reportlab mini-markup: text escaped first, then <b>/<i> added for ** and *


def notes_file(folder: Path, quarter: str, lang: str) -> Path:
    """The editor's note an edition prints: `<quarter>.<lang>.md` when there is one, written for
    that language's readers; else `<quarter>.md`, which every language of the quarter prints. A
    note for one language only is `<quarter>.<lang>.md` with no `<quarter>.md` beside it."""
    own = folder / f"{quarter}.{lang}.md"
    return own if own.is_file() else folder / f"{quarter}.md"


def is_notes_file(path: Path, quarters: re.Pattern, langs: Collection[str]) -> bool:
    """Whether a build reads `path` as notes (`notes_file`): `2017Q1.md` or `2017Q1.en.md`."""
    quarter, _, lang = path.name.removesuffix(".md").partition(".")
    return path.suffix == ".md" and bool(quarters.fullmatch(quarter)) and (not lang or lang in langs)


def read_notes(path: Path) -> str | None:
    """The editor's notes in `path`, or None when there is no such file.

    Notes not in UTF-8 (saved as Latin-1 by an old editor) are a DataError naming the line of the
    first byte that is not, rather than a decoding traceback in the middle of a build.
    """
    if not path.is_file():
        return None
    raw = path.read_bytes()
    try:  # line ends as `Path.read_text` gives them, which the digest of an archived edition was made from
        return raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DataError([Problem(str(path), line, None, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}): "
                                                        "save the notes as UTF-8")]) from None


def applicable(text: str, facts: Collection[str]) -> str:
    """`text` without the passages that do not apply to the edition. A line `<!-- only: provinces -->`
    (a comment, invisible in any Markdown viewer) keeps the paragraph or list item that follows it
    only in an edition that covers every fact it names (`Indicators.facts`); the line itself goes.
    So the shipped methodology explains the year-to-date figures only where the edition has them."""
    kept: list[str] = []
    skipping = started = False  # inside a passage that does not apply; its first line seen
    for line in text.split("\n"):
        only = _ONLY.match(line)
        if only:
            names = {name.strip() for name in only.group(1).split(",") if name.strip()}
            skipping, started = not names <= set(facts), False
            continue
        if skipping:
            if not line.strip():
                if not started:
                    continue
                skipping = False
            elif started and (_BULLET.match(line) or _NUMBER.match(line) or _HEADING.match(line)):
                skipping = False
            else:
                started = True
                continue
        kept.append(line)
    return "\n".join(kept)


def markdown_blocks(text: str) -> list[Block]:
    """The blocks of `text`, in order; empty blocks are dropped."""
    blocks: list[tuple[str, list[str]]] = []
    current: tuple[str, list[str]] | None = None  # the open paragraph or list item

    def close():
        nonlocal current
        if current is not None:
            blocks.append(current)
            current = None

    for line in text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.expandtabs(4)
        if not line.strip():
            close()
            continue
        heading = _HEADING.match(line)
        if heading:
            close()
            blocks.append(("heading", [heading.group(2) or ""]))
            continue
        if _is_rule(line):  # a separator line: ends the block, prints nothing
            close()
            continue
        bullet, numbered = _BULLET.match(line), _NUMBER.match(line)
        if bullet:
            close()
            current = ("bullet", [bullet.group(1)])
        elif numbered:
            close()
            current = ("number", [numbered.group(1)])
        elif current is not None:
            current[1].append(line.strip())  # continuation of the paragraph or item
        else:
            current = ("paragraph", [line.strip()])
    close()
    result = []
    for kind, lines in blocks:
        markup = inline(" ".join(part.strip() for part in lines if part.strip()))
        if markup:
            result.append(Block(kind, markup))
    return result


def _is_rule(line: str) -> bool:
    """`---`, `* * *` or `___`: a thematic break (the document has its own separators)."""
    compact = re.sub(r"\s", "", line)
    return len(compact) >= 3 and len(set(compact)) == 1 and compact[0] in "-*_"


# --- inline emphasis ---------------------------------------------------------------------------

@dataclass
class _Run:
    """A run of `*` or `_`: how many are left unmatched, and the tags attached to it."""

    char: str
    count: int
    can_open: bool
    can_close: bool
    opens: list[str] = field(default_factory=list)   # in matching order, innermost first
    closes: list[str] = field(default_factory=list)  # in matching order, innermost first

    def render(self) -> str:
        # Matched delimiters are taken from the inside of a run: leftovers sit on the outside.
        if self.closes:
            return "".join(self.closes) + self.char * self.count
        return self.char * self.count + "".join(reversed(self.opens))


def inline(text: str) -> str:
    """Escape `text` for reportlab, then turn emphasis markers into <b> and <i>."""
    tokens: list[str | _Run] = []
    buffer = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPABLE:
            buffer.append(escape(text[i + 1]))
            i += 2
            continue
        if char in "*_":
            j = i
            while j < len(text) and text[j] == char:
                j += 1
            before = text[i - 1] if i > 0 else " "
            after = text[j] if j < len(text) else " "
            left_flanking = not after.isspace()
            right_flanking = not before.isspace()
            if char == "_":  # no emphasis inside words: snake_case stays as it is
                can_open = left_flanking and not before.isalnum()
                can_close = right_flanking and not after.isalnum()
            else:
                can_open, can_close = left_flanking, right_flanking
            if buffer:
                tokens.append("".join(buffer))
                buffer = []
            tokens.append(_Run(char, j - i, can_open, can_close))
            i = j
            continue
        buffer.append(escape(char))
        i += 1
    if buffer:
        tokens.append("".join(buffer))
    _match(tokens)
    return "".join(t.render() if isinstance(t, _Run) else t for t in tokens).strip()


def _match(tokens: list) -> None:
    """Pair closers with the nearest compatible opener, taking two markers for <b>, one for <i>."""
    stack: list[_Run] = []
    for token in tokens:
        if not isinstance(token, _Run):
            continue
        if token.can_close:
            while token.count:
                index = next((k for k in range(len(stack) - 1, -1, -1)
                              if stack[k].char == token.char and stack[k].count), None)
                if index is None:
                    break
                opener = stack[index]
                del stack[index + 1:]  # openers inside the pair can no longer be closed
                used = 2 if opener.count >= 2 and token.count >= 2 else 1
                tag = "b" if used == 2 else "i"
                opener.count -= used
                token.count -= used
                opener.opens.append(f"<{tag}>")
                token.closes.append(f"</{tag}>")
                if not opener.count:
                    stack.pop()
        if token.can_open and token.count and not token.closes:
            stack.append(token)
