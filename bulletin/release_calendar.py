"""The release calendar, `[edition] release_calendar`: dates (YYYY-MM-DD) and iCalendar files.

A statistics office announces its releases in advance, often as an iCalendar file (RFC 5545); an
entry ending in `.ics` names such a file (relative to `bulletin.toml`, as every path there), and
it is read each time the calendar is, so a new year's file is taken without a restart.

Of a file only what a release calendar needs is read: the day of each event, from the `DTSTART` of each
`VEVENT` (`DTSTART;VALUE=DATE:20170614`, or a date and time, `DTSTART;TZID=Europe/Rome:20170614T100000`,
of which the day is kept). Long lines folded onto the next ones (a line break followed by a space
or a tab) are unfolded first. The standard library is enough for this; a calendar library would
be a dependency for one property.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from bulletin.errors import ConfigError

_DAY = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})(T[0-9]{6}Z?)?")


def is_calendar_file(entry: str) -> bool:
    return entry.lower().endswith(".ics")


def files_relative_to(base: Path, entries: tuple[str, ...]) -> tuple[str, ...]:
    """The entries, with a calendar file's relative path made relative to `base` (the config file's folder)."""
    return tuple(str(base / Path(entry).expanduser()) if is_calendar_file(entry) else entry for entry in entries)


def calendar_dates(entries: tuple[str, ...]) -> list[dt.date]:
    """Every release date of the calendar, sorted, each once; ConfigError for an entry that is
    neither a date nor a readable calendar file."""
    days: set[dt.date] = set()
    for entry in entries:
        if is_calendar_file(entry):
            days.update(read_ics_dates(Path(entry)))
        else:
            try:
                days.add(dt.date.fromisoformat(entry))
            except ValueError:
                raise ConfigError(f"expected dates as YYYY-MM-DD, got {entry!r}") from None
    return sorted(days)


def entry_problem(entry: str) -> str | None:
    """What is wrong with one entry of the calendar, for the configuration's check; None if nothing."""
    try:
        calendar_dates((entry,))
    except ConfigError as exc:
        return str(exc)
    return None


def read_ics_dates(path: Path) -> list[dt.date]:
    """The days of the file's events, in file order; ConfigError naming the file (and the line)
    when it cannot be read, holds no event with a start, or a start is not a date."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: release calendar not found") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: the release calendar is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{path}: the release calendar cannot be read ({exc.strerror or exc})") from None
    days: list[dt.date] = []
    in_event = False
    for number, line in _unfolded(text):
        name, _, value = line.partition(":")
        prop = name.split(";", 1)[0].upper()
        if prop in ("BEGIN", "END") and value.strip().upper() == "VEVENT":
            in_event = prop == "BEGIN"
        elif in_event and prop == "DTSTART":
            days.append(_day(value.strip(), path, number))
    if not days:
        raise ConfigError(f"{path}: the release calendar has no event with a start date (VEVENT with DTSTART)")
    return days


def _unfolded(text: str) -> list[tuple[int, str]]:
    """The logical lines with the number of the line each starts on (RFC 5545, 3.1)."""
    lines: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line[:1] in (" ", "\t") and lines:
            lines[-1] = (lines[-1][0], lines[-1][1] + line[1:])
        elif line.strip():
            lines.append((number, line))
    return lines


def _day(value: str, path: Path, number: int) -> dt.date:
    match = _DAY.fullmatch(value)
    try:
        if match is None:
            raise ValueError
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ConfigError(f"{path}:{number}: DTSTART: expected a date as YYYYMMDD "
                          f"(or YYYYMMDDTHHMMSS), got {value!r}") from None
