"""Chart text as matplotlib lays it out, kept in this process and from one run to the next.

matplotlib shapes every string anew: about a millisecond to measure it and as much again to
outline it, and a cold edition draws some 270 strings, most of which the edition before drew
too (names, quarters, "n.d.", small figures). So each string's measurements and outline, as
matplotlib's `TextToPath` computes them, are kept in memory and in one SQLite file in the user's
cache folder (`cache_folder`), keyed by the font file's content, the settings and version of
matplotlib that shape it, the text and, for measurements, the size.

The file is only ever a copy of what matplotlib computes, never needed to draw: it holds at most
`MAX_ENTRIES` strings (the oldest go first), each compressed by zlib, whose checksum turns a
damaged value into a miss; new strings are written in one transaction an edition; a file that
cannot be read, or of another format, is deleted and rebuilt; a folder that cannot be written
only means that nothing is kept. Tests draw every chart with a warm file and without one and
compare the bytes.
"""
from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import struct
import zlib
from functools import lru_cache
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.font_manager import FontProperties
from matplotlib.path import Path as Outline
from matplotlib.textpath import text_to_path

log = logging.getLogger(__name__)

CACHE_VARIABLE = "BULLETIN_CACHE_DIR"  # the folder, instead of $XDG_CACHE_HOME/bulletin
FILE_NAME = "chart-text.sqlite3"
FORMAT = 1                # of the file; a file of another format is rebuilt
MAX_ENTRIES = 40_000      # measurements and outlines; some 25 MB, most of it outlines


def cache_folder() -> Path:
    """`$BULLETIN_CACHE_DIR`, else `$XDG_CACHE_HOME/bulletin`, else `~/.cache/bulletin`."""
    if os.environ.get(CACHE_VARIABLE):
        return Path(os.environ[CACHE_VARIABLE])
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache") / "bulletin"


@lru_cache(maxsize=8192)
def text_extent(text: str, prop: FontProperties, ismath: bool | str) -> tuple[float, float, float]:
    """Width, height and descent in points of one line of `text` drawn as outlines, as matplotlib
    measures it. A chart measures each label more than once: for its layout here, then when
    matplotlib aligns it."""
    face = _face(prop, ismath)
    if face is None:
        return text_to_path.get_text_width_height_descent(text, prop, ismath=ismath)
    key = f"extent|{face}|{prop.get_size_in_points()!r}|{text}"
    kept = _read(key)
    if kept is not None and len(kept) == 24:
        return struct.unpack("<3d", kept)
    extent = text_to_path.get_text_width_height_descent(text, prop, ismath=ismath)
    _keep(key, struct.pack("<3d", *extent))
    return extent


@lru_cache(maxsize=2048)  # an outline is some 5 kB; an edition draws about 270 different strings
def text_outline(text: str, prop: FontProperties, ismath: bool | str) -> Outline:
    """The outline of one line of `text` at matplotlib's reference size (`TextToPath.FONT_SCALE`,
    whatever the size of `prop`), as matplotlib lays it out."""
    face = _face(prop, ismath)
    if face is None:
        return Outline(*text_to_path.get_text_path(prop, text, ismath=ismath))
    key = f"outline|{face}|{text}"
    kept = _read(key)
    if kept is not None and len(kept) % 17 == 0:  # 16 bytes of vertex and 1 of code a point
        points = len(kept) // 17
        vertices = np.frombuffer(kept, np.float64, 2 * points).reshape(points, 2)
        codes = np.frombuffer(kept, np.uint8, points, 16 * points)
        return Outline(vertices, codes if points else [])  # [] as matplotlib leaves it for no text
    outline = Outline(*text_to_path.get_text_path(prop, text, ismath=ismath))
    _keep(key, outline.vertices.astype(np.float64).tobytes() + np.asarray(outline.codes, np.uint8).tobytes())
    return outline


def save_kept_text() -> None:
    """Write the strings shaped since the last call, in one transaction (called after the charts
    of an edition)."""
    store = _store()
    if store is not None:
        store.save()


def _face(prop: FontProperties, ismath: bool | str) -> str | None:
    """What shapes plain text besides the text and its size, in 16 hexadecimal digits: the font
    file's content and the matplotlib that reads it, with its settings. None for mathematics, TeX
    or a list of fallback families: not kept."""
    if ismath or len(prop.get_family()) != 1:
        return None
    return _face_of(_font_file(prop), matplotlib.__version__, matplotlib.rcParams["text.kerning_factor"],
                    matplotlib.rcParams["font.enable_last_resort"])


@lru_cache(maxsize=64)
def _face_of(*what) -> str:
    return hashlib.sha256(repr(what).encode("utf-8")).hexdigest()[:16]


@lru_cache(maxsize=64)
def _font_file(prop: FontProperties) -> str:
    """The SHA-256 of the file `text_to_path` shapes `prop` with (for a single family, the one
    `findfont` finds) and its face index. Kept: finding it costs a fifth of a millisecond."""
    found = font_manager.findfont(prop)
    return f"{hashlib.sha256(Path(found).read_bytes()).hexdigest()} {getattr(found, 'face_index', 0)}"


def _read(key: str) -> bytes | None:
    store = _store()
    return None if store is None else store.get(key)


def _keep(key: str, value: bytes) -> None:
    store = _store()
    if store is not None:
        store.pending[key] = value


class TextStore:
    """The kept strings in one SQLite file: read one at a time, written an edition at a time."""

    def __init__(self, file: Path):
        self.file = file
        self.pending: dict[str, bytes] = {}
        file.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = _open(file)
        except sqlite3.DatabaseError as error:  # not a database, or damaged: start again
            log.info("chart text cache %s unreadable (%s): rebuilt", file, error)
            file.unlink(missing_ok=True)
            self.db = _open(file)

    def get(self, key: str) -> bytes | None:
        try:
            row = self.db.execute("SELECT value FROM text WHERE key = ?", (key,)).fetchone()
            return None if row is None else zlib.decompress(row[0])
        except zlib.error:  # a damaged value: shaped again and written anew
            return None
        except sqlite3.Error as error:
            self._give_up(error)
            return None

    def save(self) -> None:
        if not self.pending:
            return
        rows = [(key, zlib.compress(value, 1)) for key, value in self.pending.items()]
        self.pending.clear()
        try:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.executemany("INSERT OR REPLACE INTO text (key, value) VALUES (?, ?)", rows)
                # A replaced row is inserted anew, so rowids grow with use: keep the newest.
                self.db.execute("DELETE FROM text WHERE rowid <= (SELECT max(rowid) FROM text) - ?", (MAX_ENTRIES,))
        except sqlite3.Error as error:  # busy for long, disk full, read-only: nothing kept this time
            self._give_up(error)

    def _give_up(self, error: sqlite3.Error) -> None:
        """Stop using the file in this process; a damaged one is deleted, so the next run rebuilds it."""
        log.info("chart text cache %s not used (%s)", self.file, error)
        for key, store in list(_STORES.items()):
            if store is self:
                _STORES[key] = None
        self.db.close()
        if isinstance(error, sqlite3.DatabaseError) and not isinstance(error, sqlite3.OperationalError):
            self.file.unlink(missing_ok=True)


def _open(file: Path) -> sqlite3.Connection:
    db = sqlite3.connect(file, timeout=2.0, isolation_level=None)  # transactions begun explicitly
    try:
        # No flush to the disk at each transaction (2 ms instead of 15): a transaction stays atomic
        # if the process dies; what a power cut could damage, SQLite or zlib's checksum detects.
        db.execute("PRAGMA synchronous = OFF")
        if db.execute("PRAGMA user_version").fetchone()[0] != FORMAT:  # new, or of another format
            with db:
                db.execute("BEGIN IMMEDIATE")  # one process at a time makes the table
                if db.execute("PRAGMA user_version").fetchone()[0] != FORMAT:
                    db.execute("DROP TABLE IF EXISTS text")
                    db.execute("CREATE TABLE text (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
                    db.execute(f"PRAGMA user_version = {FORMAT}")
    except sqlite3.Error:
        db.close()
        raise
    return db


# One store a process and folder: a forked worker opens its own connection, as SQLite asks.
_STORES: dict[tuple, TextStore | None] = {}


def _store() -> TextStore | None:
    """This process's store of the cache folder, opened on first use; None when it cannot be used."""
    key = (os.getpid(), *(os.environ.get(name) for name in (CACHE_VARIABLE, "XDG_CACHE_HOME", "HOME")))
    if key not in _STORES:  # the folder is found once: making its Path costs more than a read
        _STORES[key] = _open_store()
    return _STORES[key]


def _open_store() -> TextStore | None:
    try:
        file = cache_folder() / FILE_NAME
    except RuntimeError:  # no home folder to find the cache in
        return None
    try:
        return TextStore(file)
    except (OSError, sqlite3.Error) as error:
        log.info("chart text cache %s not used (%s)", file, error)
        return None
