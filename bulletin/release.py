"""The dates an edition prints in its colophon: when it is released, when its data were taken
in, and when the next edition is due.

* Released: the first date of `[edition] release_calendar` after the quarter ends, as a
  statistics office publishes to a calendar announced in advance; without one, or for a
  revision (published when the revised figures come), the day the edition is built.
* Data acquired: the day the newest of the data files read was last written, that is, when the
  last of them was imported or replaced in the data folder (`bulletin data import` writes each
  file whole). Not the day ISTAT extracted them, which the files do not record. Never later than
  the build, so that a build with SOURCE_DATE_EPOCH prints the same date on any copy of the files.
* Next release: the first calendar date after the next quarter ends; without one, about
  `release_lag_days` after it ends (ISTAT's regional exports come out about 70 days after the
  quarter), printed as a rough date. None for a back issue, released after that date: a "next"
  release already past would read as a mistake.

The calendar's dates are given in `bulletin.toml` or in an iCalendar file (`release_calendar`);
with `[source] fetch = true` they are also the days the publishing job asks the data service
for new figures (`fetch_due`).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bulletin.config import EditionConfig
from bulletin.data.quarters import parse_quarter, shift_quarter
from bulletin.release_calendar import calendar_dates


@dataclass(frozen=True)
class ReleaseDates:
    released: dt.date
    data_acquired: dt.date
    next_quarter: str
    next_release: dt.date | None
    next_release_planned: bool
    """True for a date of the release calendar, False for the rough "about N days" rule."""


def release_dates(edition: EditionConfig, quarter: str, revision: int, built_at: dt.datetime,
                  data_files: Iterable[Path]) -> ReleaseDates:
    built_on = built_at.date()
    calendar = calendar_dates(edition.release_calendar)
    planned = _first_after(calendar, quarter_end(quarter))
    released = planned if planned is not None and revision == 1 else built_on
    next_quarter = shift_quarter(quarter, 1)
    next_planned = _first_after(calendar, max(quarter_end(next_quarter), released))
    next_release = next_planned or quarter_end(next_quarter) + dt.timedelta(days=edition.release_lag_days)
    if next_release <= released:
        next_release = None
    return ReleaseDates(released=released, data_acquired=data_acquired(data_files, built_at),
                        next_quarter=next_quarter, next_release=next_release,
                        next_release_planned=next_planned is not None)


FETCH_DAYS_AFTER_RELEASE = 7
"""With a release calendar, the days after a release date on which the job still fetches."""


def fetch_due(release_days: list[dt.date], today: dt.date) -> bool:
    """Whether the publishing job of `today` asks the data service for new figures first
    (`[source] fetch`, in `bulletin publish` and every run of `bulletin schedule`).

    Without a release calendar, every day: a release is published the day it appears. With one,
    on a release date and the week after it: a release that comes out after the day's run, or a
    day late, is still taken, and the service is not asked every day of a quarter for figures it
    has announced it will not publish (each request is a chance to fail and alert the admin).
    """
    return not release_days or any(
        day <= today <= day + dt.timedelta(days=FETCH_DAYS_AFTER_RELEASE) for day in release_days)


def quarter_end(quarter: str) -> dt.date:
    """The last day of the quarter: 2017Q1 -> 31 March 2017."""
    year, number = parse_quarter(shift_quarter(quarter, 1))
    return dt.date(year, 3 * number - 2, 1) - dt.timedelta(days=1)


def data_acquired(files: Iterable[Path], built_at: dt.datetime) -> dt.date:
    """The day the newest data file was written, in UTC as the build date, at the latest the build's."""
    newest = max((path.stat().st_mtime for path in files), default=built_at.timestamp())
    return min(dt.datetime.fromtimestamp(newest, tz=dt.timezone.utc), built_at).date()


def _first_after(calendar: list[dt.date], day: dt.date) -> dt.date | None:
    return next((planned for planned in calendar if planned > day), None)
