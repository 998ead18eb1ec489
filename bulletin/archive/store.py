"""The archive under `output/`: one folder per edition, its manifest, revisions, locks, checks.

An edition is one quarter, territory, language and revision, kept in
`output/<quarter>/<territory>/<lang>-r<revision>/`. It is built in a temporary folder beside its
final place and renamed into it, so a reader (or a crash) sees either the previous state or the
new one, never a half-written file. An edition that was sent is never replaced: changed figures
make a new revision that points to the one it revises.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from filelock import FileLock, Timeout

from bulletin import reference
from bulletin.errors import ArchiveError
from bulletin.faults import checkpoint
from bulletin.files import temporary_files, usual_mode, write_atomically
from bulletin.templates import Templates

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
WEB_PAGE = "index.html"  # the edition as a web page (`bulletin.web`)
PDF_PREFIX = {"it": "bollettino-hitech", "en": "hitech-bulletin"}
SHIPPED = Templates(None)  # the shipped templates only: see `pdf_name`
FOLDER_PATTERN = re.compile(r"^(it|en)-r(\d+)$")
# What a run leaves beside an edition's folder while it works, and a killed run leaves behind:
# `.it-r1.building-x` (being built), `.it-r1.old` (moved aside), `.it-r1.trash-x` (being
# removed), `.it.checked.x.tmp` (being written).
LEFTOVER_PATTERN = re.compile(r"^\.(?P<edition>(?P<lang>it|en)-r\d+)\.(?P<kind>old$|building(?=-)|trash(?=-))")
TEMPORARY_PATTERN = re.compile(r"^\.(?P<lang>it|en)\..+\.tmp$")
LEFTOVER_WORDS = {"old": "an edition replaced by an interrupted store",
                  "building": "the folder of an interrupted build",
                  "trash": "a folder whose removal was interrupted",
                  "tmp": "a file whose writing was interrupted"}
LOCK_TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class ArchivedEdition:
    folder: Path
    manifest: dict

    @property
    def revision(self) -> int:
        return int(self.manifest["revision"])

    @property
    def pdf(self) -> Path:
        return self.folder / self.manifest["pdf"]

    @property
    def delivered_to(self) -> set[str]:
        return {address.lower() for record in self.manifest.get("deliveries", []) for address in record["delivered"]}

    @property
    def unknown_to(self) -> set[str]:
        """Addresses of a sending that was interrupted or whose reply was lost: the server may or may not have them."""
        return {address.lower() for record in self.manifest.get("deliveries", [])
                for address in (record["requested"] if record.get("status") == "sending" else record.get("unknown", []))}

    @property
    def sent(self) -> bool:
        return bool(self.delivered_to or self.unknown_to)


def check_edition_key(quarter: str, territory: str, lang: str) -> None:
    """Refuse anything that is not a known quarter, territory and language, so paths stay inside output/."""
    if not re.fullmatch(r"\d{4}Q[1-4]", quarter) or territory not in reference.TERRITORIES or lang not in PDF_PREFIX:
        raise ArchiveError(f"not an edition: quarter {quarter!r}, territory {territory!r}, language {lang!r}")


def edition_folder(output: Path, quarter: str, territory: str, lang: str, revision: int) -> Path:
    check_edition_key(quarter, territory, lang)
    return output / quarter / territory / f"{lang}-r{revision}"


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def pdf_name(quarter: str, territory: str, lang: str, revision: int = 1) -> str:
    """A file name a person can read: bollettino-hitech-lombardia-2017Q1.pdf, ...-2017Q1-r2.pdf.

    The territory is named as the text names it in the shipped `territories.toml` ("valle-d-aosta",
    not the formal "Valle d'Aosta/Vallée d'Aoste"): never from a user's templates, so that an
    archive's file names do not change with a translator's file."""
    place = SHIPPED.read_toml(f"{lang}/territories.toml")["territories"][territory]["name"]  # every code: a test
    suffix = f"-r{revision}" if revision > 1 else ""
    return f"{PDF_PREFIX[lang]}-{slug(place)}-{quarter}{suffix}.pdf"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def output_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file of an edition folder except its manifest, by relative path."""
    return {str(p.relative_to(folder)): sha256_of(p) for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != MANIFEST}


def read_edition(folder: Path) -> ArchivedEdition | None:
    path = folder / MANIFEST
    if not path.is_file():
        return None
    return ArchivedEdition(folder=folder, manifest=json.loads(path.read_text(encoding="utf-8")))


def editions_of(output: Path, quarter: str, territory: str, lang: str) -> list[ArchivedEdition]:
    """Every archived revision of one edition, oldest first."""
    check_edition_key(quarter, territory, lang)
    parent = output / quarter / territory
    found = []
    if parent.is_dir():
        for folder in parent.iterdir():
            match = FOLDER_PATTERN.match(folder.name)
            if match and match.group(1) == lang and (edition := read_edition(folder)) is not None:
                found.append(edition)
    return sorted(found, key=lambda e: e.revision)


def latest_edition(output: Path, quarter: str, territory: str, lang: str) -> ArchivedEdition | None:
    editions = editions_of(output, quarter, territory, lang)
    return editions[-1] if editions else None


def all_editions(output: Path) -> list[ArchivedEdition]:
    """Every edition in the archive, by quarter, territory, language and revision."""
    found = []
    for manifest in sorted(output.glob(f"*/*/*/{MANIFEST}")):
        if FOLDER_PATTERN.match(manifest.parent.name):
            found.append(read_edition(manifest.parent))
    return sorted(found, key=lambda e: (e.manifest["quarter"], e.manifest["territory"], e.manifest["language"],
                                        e.revision))


@contextmanager
def edition_workspace(final: Path) -> Iterator[Path]:
    """A temporary folder beside `final` to build an edition in, moved into place when the block
    ends without error and removed otherwise. Call only while holding the edition's lock."""
    final.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.building-"))
    work.chmod(usual_mode(folder=True))
    try:
        yield work
        store_edition(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)  # a kill here leaves it to the next run's clean-up
        raise


def store_edition(work: Path, final: Path) -> None:
    """Move a finished edition folder into place; an unsent one of the same revision is replaced.

    Every step is one rename, so a kill between two of them leaves a state that the next run on
    this edition finishes (`finish_interrupted_runs`): `final` moved aside to `.<name>.old` with
    nothing in its place (put back), or the new edition in place beside `.<name>.old` (removed).
    The replaced folder is removed under a trash name (`discard`): a removal cut short never
    stands in the way of the next store.
    """
    old = final.with_name(f".{final.name}.old")
    _settle_moved_aside(final)
    existing = read_edition(final)
    if existing is not None and existing.sent:
        raise ArchiveError(f"{final} was already sent and is never overwritten")
    _sync_folder(work)
    checkpoint("before-store")
    if final.exists():
        final.rename(old)
        checkpoint("mid-swap")
    work.rename(final)
    _sync_parent(final)
    checkpoint("after-swap")
    if old.exists():
        discard(old, final.name)


def finish_interrupted_runs(territory_folder: Path, lang: str) -> None:
    """Finish what killed runs left of one territory's editions in `lang`: an edition moved aside is
    put back (or removed, when its replacement is in place); temporary build folders, folders
    being removed and half-written manifests are removed.

    Call only while holding the edition lock: whatever a live run is building, it builds under
    that lock, so every such folder found then belongs to a run that is gone.
    """
    if not territory_folder.is_dir():
        return
    for path in sorted(territory_folder.iterdir()):
        leftover = _leftover(path.name)
        if leftover is None or leftover.lang != lang:
            continue
        if leftover.kind == "old":
            _settle_moved_aside(territory_folder / leftover.edition)
        elif leftover.kind == "tmp":
            path.unlink(missing_ok=True)
        elif leftover.kind == "trash":
            _remove_trash(path)
        else:
            discard(path, leftover.edition)
    for folder in territory_folder.glob(f"{lang}-r*"):
        for temporary in temporary_files(folder):
            temporary.unlink(missing_ok=True)


def _settle_moved_aside(final: Path) -> None:
    """`.<name>.old` is a whole edition (only its trash name is ever emptied): put it back if
    nothing took its place, else it is the replaced one, to remove."""
    old = final.with_name(f".{final.name}.old")
    if not old.exists():
        return
    if final.exists():
        discard(old, final.name)
    else:
        old.rename(final)
        _sync_parent(final)


def discard(folder: Path, edition: str) -> None:
    """Remove a folder beside the editions: renamed first to `.<edition>.trash-<random>`, so that a
    removal cut short leaves a name every later run knows to finish removing, and nothing else."""
    trash = folder.with_name(f".{edition}.trash-{secrets.token_hex(4)}")
    folder.rename(trash)
    _remove_trash(trash)


def _remove_trash(trash: Path) -> None:
    """Empty and remove a trash folder. One that cannot be removed (permissions) is only logged:
    it is in no one's way, and `archive verify` lists it."""
    try:
        # Entry by entry, with a kill point between two, so the tests can cut a removal short.
        for index, entry in enumerate(sorted(trash.iterdir())):
            if index:
                checkpoint("mid-removal")
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        trash.rmdir()
    except OSError as exc:
        log.warning("cannot remove %s: %s", trash, exc.strerror or exc)


def write_manifest(folder: Path, manifest: dict) -> None:
    write_atomically(folder / MANIFEST, (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


def add_delivery(edition: ArchivedEdition, record: dict) -> ArchivedEdition:
    """Append a delivery record to the edition's manifest, atomically; the files stay untouched."""
    return _with_deliveries(edition, [*edition.manifest.get("deliveries", []), record])


def replace_last_delivery(edition: ArchivedEdition, record: dict) -> ArchivedEdition:
    """Turn the last record (the intent written before sending) into the outcome."""
    return _with_deliveries(edition, [*edition.manifest.get("deliveries", [])[:-1], record])


def _with_deliveries(edition: ArchivedEdition, deliveries: list[dict]) -> ArchivedEdition:
    manifest = {**edition.manifest, "deliveries": deliveries}
    write_manifest(edition.folder, manifest)
    return ArchivedEdition(folder=edition.folder, manifest=manifest)


def verify(output: Path) -> list[str]:
    """Re-hash every file against its manifest: one line per missing, changed or unlisted file,
    and per edition moved aside by an interrupted store (not in its place)."""
    problems = []
    for edition in all_editions(output):
        listed = edition.manifest.get("outputs", {})
        actual = output_hashes(edition.folder)
        for name, digest in sorted(listed.items()):
            if name not in actual:
                problems.append(f"{edition.folder / name}: missing")
            elif actual[name] != digest:
                problems.append(f"{edition.folder / name}: changed (sha256 {actual[name][:12]}…, manifest {digest[:12]}…)")
        for name in sorted(set(actual) - set(listed)):
            problems.append(f"{edition.folder / name}: not in the manifest")
    for old in sorted(output.glob("*/*/.*.old")):
        if not old.with_name(old.name[1:-4]).exists():
            problems.append(f"{old}: an edition moved aside by an interrupted store "
                            "(the next run on this edition puts it back)")
    return problems


def leftovers(output: Path) -> list[str]:
    """What interrupted runs left beside the editions, one line each; the next run on the same
    edition removes it (`finish_interrupted_runs`). A run at work now holds its edition's lock:
    its folders are not leftovers."""
    found = []
    for path in sorted(output.glob("*/*/.*")):
        leftover = _leftover(path.name)
        if leftover is None or _held_by_a_run(path.parent, leftover.lang):
            continue
        if leftover.kind != "old" or path.with_name(leftover.edition).exists():  # else `verify` says it
            found.append(f"{path}: {LEFTOVER_WORDS[leftover.kind]} (the next run on this edition removes it)")
    return found


class Leftover(NamedTuple):
    lang: str
    edition: str  # the edition folder's name, "" for a temporary file
    kind: str  # old, building, trash or tmp


def _leftover(name: str) -> Leftover | None:
    """What a name beside the editions is, if a run leaves it there while at work (LEFTOVER_PATTERN)."""
    if match := LEFTOVER_PATTERN.match(name):
        return Leftover(match["lang"], match["edition"], match["kind"])
    if match := TEMPORARY_PATTERN.match(name):
        return Leftover(match["lang"], "", "tmp")
    return None


class EditionLock:
    """One writer per edition at a time. The lock is the operating system's (flock), so a lock
    left by a process that died is free again at once; a live holder makes others wait.

    Whoever takes it first finishes what runs killed on the edition left (`finish_interrupted_runs`),
    whether or not it goes on to build: nothing of a dead run outlives the next one.
    """

    def __init__(self, output: Path, quarter: str, territory: str, lang: str, timeout: float = LOCK_TIMEOUT_SECONDS):
        check_edition_key(quarter, territory, lang)
        self.folder = output / quarter / territory
        self.folder.mkdir(parents=True, exist_ok=True)
        self.lang = lang
        self.path = _lock_path(self.folder, lang)
        self.lock = FileLock(str(self.path), timeout=timeout)
        self.timeout = timeout

    def __enter__(self):
        try:
            self.lock.acquire()
        except Timeout:
            raise ArchiveError(f"another run is writing this edition (lock {self.path} held for over "
                               f"{self.timeout:.0f} s); try again later") from None
        try:
            finish_interrupted_runs(self.folder, self.lang)
        except BaseException:
            self.lock.release()
            raise
        return self

    def __exit__(self, *exc_info):
        self.lock.release()


def _lock_path(territory_folder: Path, lang: str) -> Path:
    return territory_folder / f".{lang}.lock"


def _held_by_a_run(territory_folder: Path, lang: str) -> bool:
    """Whether a live process holds the edition lock of this territory and language now."""
    probe = FileLock(str(_lock_path(territory_folder, lang)), timeout=0)
    try:
        probe.acquire()
    except Timeout:
        return True
    probe.release()
    return False


def _sync_folder(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as stream:
                os.fsync(stream.fileno())


def _sync_parent(path: Path) -> None:
    descriptor = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
