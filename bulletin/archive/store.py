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
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from bulletin import reference
from bulletin.files import write_atomically
from bulletin.errors import ArchiveError
from bulletin.faults import checkpoint
from bulletin.files import usual_mode

MANIFEST = "manifest.json"
PDF_PREFIX = {"it": "bollettino-hitech", "en": "hitech-bulletin"}
FOLDER_PATTERN = re.compile(r"^(it|en)-r(\d+)$")
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
        """Addresses of a sending that was interrupted: the server may or may not have them."""
        return {address.lower() for record in self.manifest.get("deliveries", [])
                if record.get("status") == "sending" for address in record["requested"]}

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
    """A file name a person can read: bollettino-hitech-lombardia-2017Q1.pdf, ...-2017Q1-r2.pdf."""
    place = reference.TERRITORIES[territory].name(lang)
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
    remove_abandoned_builds(final)
    work = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.building-"))
    work.chmod(usual_mode(folder=True))
    try:
        yield work
        store_edition(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def store_edition(work: Path, final: Path) -> None:
    """Move a finished edition folder into place; an unsent one of the same revision is replaced.

    The two renames leave a moment where `final` is absent; a crash there leaves `.<name>.old`,
    which the next store (or `archive verify`) puts back.
    """
    old = final.with_name(f".{final.name}.old")
    recover_interrupted(final)
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
    shutil.rmtree(old, ignore_errors=True)


def recover_interrupted(final: Path) -> None:
    old = final.with_name(f".{final.name}.old")
    if old.exists() and not final.exists():
        old.rename(final)


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
    """Re-hash every file against its manifest: one line per missing, changed or unlisted file."""
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
            problems.append(f"{old}: an edition moved aside by an interrupted store (the next build restores it)")
    return problems


def remove_abandoned_builds(final: Path) -> None:
    """Temporary folders of builds that were killed; call only while holding the edition's lock."""
    for leftover in final.parent.glob(f".{final.name}.building-*"):
        shutil.rmtree(leftover, ignore_errors=True)


class EditionLock:
    """One writer per edition at a time. The lock is the operating system's (flock), so a lock
    left by a process that died is free again at once; a live holder makes others wait."""

    def __init__(self, output: Path, quarter: str, territory: str, lang: str, timeout: float = LOCK_TIMEOUT_SECONDS):
        check_edition_key(quarter, territory, lang)
        folder = output / quarter / territory
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f".{lang}.lock"
        self.lock = FileLock(str(self.path), timeout=timeout)
        self.timeout = timeout

    def __enter__(self):
        try:
            self.lock.acquire()
        except Timeout:
            raise ArchiveError(f"another run is writing this edition (lock {self.path} held for over "
                               f"{self.timeout:.0f} s); try again later") from None
        return self

    def __exit__(self, *exc_info):
        self.lock.release()


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
