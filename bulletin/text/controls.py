"""Control characters: what must not reach a printed page or a mail header.

A NUL or an escape prints as an empty box; a line break in a header ends it and starts another
(`Bcc:` injected from a configuration value, or Python's `ValueError` mid-send); a bidirectional
override (U+202A-U+202E) or isolate (U+2066-U+2069) makes text read in another order than it is
written, the trick of the "Trojan Source" attacks. Text with them is refused, not cleaned: what
the editor or the administrator wrote is printed or sent as written, or not at all.
"""
from __future__ import annotations

import re
import unicodedata

# C0 and C1 controls, DEL, and the bidirectional embeddings, overrides and isolates.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

# Controls have no name in Unicode's character database; these are the ones people meet.
_CONTROL_NAMES = {0x00: "NULL", 0x08: "BACKSPACE", 0x09: "TAB", 0x0A: "LINE FEED", 0x0B: "LINE TABULATION",
                  0x0C: "FORM FEED", 0x0D: "CARRIAGE RETURN", 0x1B: "ESCAPE", 0x7F: "DELETE"}


def control_characters(text: str, allowed: str = "") -> list[str]:
    """The control characters in `text` (other than those `allowed`), each once, as U+001B ESCAPE."""
    found = dict.fromkeys(c for c in _CONTROLS.findall(text) if c not in allowed)
    return [describe(c) for c in found]


def describe(character: str) -> str:
    """U+202E RIGHT-TO-LEFT OVERRIDE: a character as a reader can look it up."""
    name = unicodedata.name(character, "") or _CONTROL_NAMES.get(ord(character), "CONTROL")
    return f"U+{ord(character):04X} {name}"
