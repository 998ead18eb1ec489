"""Where editions live under `output/` and how a finished edition replaces the previous one.

An edition is built in a temporary folder beside its final place and then swapped in with
renames, so a reader (or a crash) sees either the old edition or the new one, never a mix.
"""
from __future__ import annotations

import os
import re
import shutil
import unicodedata
from pathlib import Path
from typing import Callable

from . import reference

PDF_PREFIX = {"it": "bollettino-hitech", "en": "hitech-bulletin"}


def edition_folder(output: Path, quarter: str, territory: str) -> Path:
    if not re.fullmatch(r"\d{4}Q[1-4]", quarter) or territory not in reference.TERRITORIES:
        raise ValueError(f"not an edition: {quarter!r} {territory!r}")  # keeps paths inside output/
    return output / quarter / territory


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def pdf_name(quarter: str, territory: str, lang: str) -> str:
    """A file name a person can read: bollettino-hitech-lombardia-2017Q1.pdf."""
    place = reference.TERRITORIES[territory].name(lang)
    return f"{PDF_PREFIX[lang]}-{slug(place)}-{quarter}.pdf"


def language_of(relative: Path) -> str | None:
    """The language a file of an edition folder belongs to, None if shared by all languages."""
    parts = relative.parts
    if len(parts) >= 2 and parts[0] == "charts":
        return parts[1]
    for lang, prefix in PDF_PREFIX.items():
        if relative.name.startswith(prefix):
            return lang
    return None


def replace_folder(new: Path, final: Path, keep_from_old: Callable[[Path], bool]) -> None:
    """Swap `new` in as `final`, carrying over the old folder's files that `keep_from_old` selects."""
    old = final.with_name(f".{final.name}.old")
    if old.exists() and not final.exists():
        old.rename(final)  # an earlier swap was interrupted between its two renames
    if final.exists():
        for path in sorted(final.rglob("*")):
            relative = path.relative_to(final)
            if path.is_file() and keep_from_old(relative) and not (new / relative).exists():
                (new / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, new / relative)
        shutil.rmtree(old, ignore_errors=True)
        final.rename(old)
    _sync_folder(new)
    new.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def _sync_folder(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as stream:
                os.fsync(stream.fileno())
