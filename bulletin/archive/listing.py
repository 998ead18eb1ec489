"""The archive as the `bulletin archive` command lists it: one line an edition, with its status."""
from __future__ import annotations

from collections.abc import Iterable

from bulletin.archive.store import ArchivedEdition

HEADER = ("quarter", "territory", "lang", "rev", "pages", "size", "built", "sent to", "status")


def edition_rows(editions: Iterable[ArchivedEdition]) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The header and a row an edition. Its status is "sent" or "archived", unless the newest
    sending left something that needs a look: "failed", "unknown", "sending" or "pending"."""
    rows = []
    for edition in editions:
        m = edition.manifest
        size = edition.pdf.stat().st_size if edition.pdf.exists() else 0
        status = "sent" if edition.sent else "archived"
        for last in m.get("deliveries", [])[-1:]:
            if last.get("status") in ("failed", "unknown", "sending"):
                status = last["status"]
            elif last["pending"]:
                status = "pending"
        rows.append((m["quarter"], m["territory"], m["language"], str(edition.revision), str(m["pages"]),
                     f"{size / 1e6:.1f} MB", m["built_at"], str(len(edition.delivered_to)), status))
    return HEADER, rows


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """Columns as wide as their widest cell, two spaces apart."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
