"""Exceptions the library raises; only the command line turns them into messages and exit codes."""
from __future__ import annotations

from dataclasses import dataclass

MAX_PROBLEMS_SHOWN = 50


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located so that a person can find and fix it."""

    file: str
    row: int | None  # 1-based line number in the file (the header is line 1); None for the whole file
    column: str | None
    message: str
    value: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}" if self.row is not None else self.file
        what = f"column '{self.column}': {self.message}" if self.column else self.message
        got = f" (got '{_shorten(self.value)}')" if self.value is not None else ""
        return f"{where}: {what}{got}"


def _shorten(value: str, limit: int = 60) -> str:
    # Control and separator characters from the data are shown escaped, so a problem stays on one line.
    value = "".join(repr(c)[1:-1] if not c.isprintable() else c for c in value)
    return value if len(value) <= limit else value[: limit - 1] + "…"


class BulletinError(Exception):
    """Base of every error the package raises on purpose."""

    exit_code = 1


class DataError(BulletinError):
    """Input data is wrong; carries every problem found, not just the first."""

    exit_code = 2

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        lines = [str(p) for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        hidden = len(self.problems) - MAX_PROBLEMS_SHOWN
        if hidden > 0:
            lines.append(f"... and {hidden} more problems")
        return "\n".join(lines)


class ConfigError(BulletinError):
    """The configuration is wrong; names every offending option at once."""

    exit_code = 2


class ArchiveError(BulletinError):
    """The archive cannot be written as asked (locked, or an edition that must not change)."""


class DeliveryPending(BulletinError):
    """Some recipients could not be reached yet; the next run tries again."""


class MailError(BulletinError):
    """The mail configuration cannot work (a bad address list, a rejected login): retrying will not help."""

    exit_code = 2


class ConsistencyError(BulletinError):
    """An edition's figures do not match the data: it must not be sent."""
