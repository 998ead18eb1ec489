"""`bulletin data fetch`: ask an SDMX REST service for the quarters the data lack, and import them.

The quarters asked for are those after the newest complete one in the data (both flows for
Italy and for each configured territory) up to the current one, and those whose figures ISTAT
still flags provisional, so that the final figures replace them. Each quarter is one request,

    GET {url}/data/{dataflow}/{key}?startPeriod=YYYY-Qn&endPeriod=YYYY-Qn
    Accept: application/vnd.sdmx.data+csv;version=1.0.0

as the SDMX REST API and SDMX-CSV 1.0 specify. HTTP 404 is SDMX's "no results": the quarter is
not released yet, and neither is any later one. A server error (5xx), a failed connection or a
timeout is tried again after 1, 2, 4 seconds. A response is read whole before anything is
written; it is kept as it came in ``<data>/raw/`` with a JSON note beside it (URL, time,
SHA-256), then imported exactly as `bulletin data import` imports a file, under the data
folder's lock: a service that fails midway leaves no quarter half imported.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bulletin import __version__
from bulletin.config import Config, SourceConfig
from bulletin.data.checks import current_quarter
from bulletin.data.istat import ImportReport, import_files
from bulletin.data.provisional import read_provisional
from bulletin.data.quarters import parse_quarter, quarter_sort_key, shift_quarter
from bulletin.data.trade import Dataset, MergeReport, load_dataset, trade_files
from bulletin.errors import BulletinError, ConfigError, DataError
from bulletin.files import write_atomically
from bulletin.reference import NATIONAL, TERRITORIES

log = logging.getLogger(__name__)

ACCEPT = "application/vnd.sdmx.data+csv;version=1.0.0"
ATTEMPTS = 4
FIRST_WAIT_SECONDS = 1.0
RAW_FOLDER = "raw"
NOTE_SUFFIX = ".about.json"  # beside each download: its URL, time, SHA-256 and when it was imported


class FetchError(BulletinError):
    """The service could not be asked, or refused the request: nothing was imported."""


@dataclass
class Fetched:
    """One quarter's download and what its import did."""

    quarter: str
    path: Path
    report: ImportReport | None = None  # None: the same bytes as the last download, not imported again
    merged: MergeReport | None = None


@dataclass
class FetchOutcome:
    asked: list[str]
    fetched: list[Fetched] = field(default_factory=list)
    not_released: str | None = None

    def summary(self) -> str:
        lines = []
        for item in self.fetched:
            if item.report is None:
                lines.append(f"{item.quarter}: unchanged since the last download ({item.path.name})")
            else:
                lines.append(f"{item.quarter}: {item.report.summary()}; added {item.merged.added} rows, "
                             f"replaced {item.merged.replaced}, unchanged {item.merged.unchanged}")
        if self.not_released:
            lines.append(f"{self.not_released}: not released yet")
        if not any(item.report for item in self.fetched):
            lines.append("nothing new")
        return "\n".join(lines)


def fetch_new_quarters(config: Config, quarter: str | None = None,
                       sleep: Callable[[float], None] = time.sleep) -> FetchOutcome:
    """Download and import the quarters the data lack (or `quarter`), stopping at the first one
    the service has not released."""
    source = config.source
    require_source(source)
    data_dir = config.paths.data
    asked = [quarter] if quarter else quarters_to_fetch(config)
    outcome = FetchOutcome(asked)
    for wanted in asked:
        url = request_url(source, wanted)
        body = download(url, source.timeout_seconds, sleep)
        if body is None:
            outcome.not_released = wanted
            break
        path, new = keep_download(data_dir, wanted, url, body)
        if not new:
            outcome.fetched.append(Fetched(wanted, path))
            continue
        report, merged = import_files(data_dir, [path], unit=source.unit or None)
        mark_imported(path)
        outcome.fetched.append(Fetched(wanted, path, report, merged))
        log.info("fetched %s from %s: %s", wanted, url, report.summary())
    return outcome


def require_source(source: SourceConfig) -> None:
    missing = [option for option in ("dataflow", "key") if not getattr(source, option)]
    if missing:
        raise ConfigError(
            f"[source] {' and '.join(missing)} not set: `bulletin data fetch` needs the dataflow that carries "
            "exports and imports by province, CPA product and partner country, and its key, in bulletin.toml, "
            'e.g. [source] dataflow = "AGENCY,ID,VERSION", key = "Q.ITC4+ITC4C..." (see the dataflow\'s '
            "structure on the service). ISTAT's 139_176 has only the total of goods by province.")


def quarters_to_fetch(config: Config) -> list[str]:
    """The quarters still flagged provisional, then those after the newest complete one up to now."""
    data_dir = config.paths.data
    if not trade_files(data_dir):
        raise ConfigError(f"no quarter in {data_dir / 'trade'} yet: say which to fetch with --quarter YYYYQn")
    dataset = load_dataset(data_dir)
    newest = complete_quarters(dataset, config.edition.territories)
    start = shift_quarter(newest[-1], 1) if newest else dataset.quarters[0]
    after, now = [], current_quarter()
    while quarter_sort_key(start) <= quarter_sort_key(now):
        after.append(start)
        start = shift_quarter(start, 1)
    problems = []
    provisional = sorted(set(read_provisional(data_dir, problems)["period"]) - set(after), key=quarter_sort_key)
    if problems:
        raise DataError(problems)
    return provisional + after


def complete_quarters(dataset: Dataset, territories: tuple[str, ...]) -> list[str]:
    """Quarters with both flows for Italy and every configured territory."""
    wanted = {NATIONAL} | {code for code in territories if code in TERRITORIES}
    flows = dataset.trade[dataset.trade["territory"].isin(wanted)].groupby(
        ["period", "territory"], observed=True)["flow"].nunique()
    return [q for q in dataset.quarters if all(flows.get((q, code), 0) == 2 for code in wanted)]


def request_url(source: SourceConfig, quarter: str) -> str:
    year, q = parse_quarter(quarter)
    period = f"{year}-Q{q}"
    return f"{source.url.rstrip('/')}/data/{source.dataflow}/{source.key}?startPeriod={period}&endPeriod={period}"


def download(url: str, timeout: float, sleep: Callable[[float], None]) -> bytes | None:
    """The response's body, or None when the service has no data for it (404, or a CSV header alone)."""
    request = urllib.request.Request(url, headers={"Accept": ACCEPT, "User-Agent": f"bulletin/{__version__}"})
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body = response.read()
            return body if _has_rows(body) else None
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            if exc.code < 500:
                raise FetchError(f"{url}: the service refused the request (HTTP {exc.code} {exc.reason}): "
                                 "check [source] url, dataflow and key") from None
            failure = f"HTTP {exc.code} {exc.reason}"
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:  # OSError: timeouts, resets
            failure = str(getattr(exc, "reason", None) or exc) or type(exc).__name__
        if attempt == ATTEMPTS:
            raise FetchError(f"{url}: no answer after {ATTEMPTS} attempts (last: {failure}); nothing imported")
        wait = FIRST_WAIT_SECONDS * 2 ** (attempt - 1)
        log.warning("%s: %s; trying again in %g s", url, failure, wait)
        sleep(wait)
    raise AssertionError("unreachable")


def _has_rows(body: bytes) -> bool:
    """A CSV answer of a header alone is "no results" too (a JSON-stat one is read as it is)."""
    return body.lstrip().startswith(b"{") or len([line for line in body.splitlines() if line.strip()]) > 1


def keep_download(data_dir: Path, quarter: str, url: str, body: bytes) -> tuple[Path, bool]:
    """Keep the body as it came, with a note beside it (URL, time, SHA-256); the path, and whether
    it is new: the same bytes as the quarter's last download, once imported, are not kept again."""
    folder = data_dir / RAW_FOLDER
    digest = hashlib.sha256(body).hexdigest()
    earlier = sorted(folder.glob(f"{quarter}-*{NOTE_SUFFIX}"))
    if earlier:
        last = json.loads(earlier[-1].read_text(encoding="utf-8"))
        if last.get("sha256") == digest and last.get("imported_at"):
            return earlier[-1].with_name(earlier[-1].name.removesuffix(NOTE_SUFFIX)), False
    fetched_at = _now()
    suffix = ".json" if body.lstrip().startswith(b"{") else ".csv"
    path = folder / f"{quarter}-{fetched_at.replace(':', '').replace('-', '')}{suffix}"
    write_atomically(path, body)
    _write_note(path, {"quarter": quarter, "url": url, "accept": ACCEPT, "fetched_at": fetched_at,
                       "sha256": digest, "bytes": len(body), "imported_at": None})
    return path, True


def mark_imported(path: Path) -> None:
    """Note that the download's figures are in the data: the same bytes need not be imported again."""
    note = path.with_name(path.name + NOTE_SUFFIX)
    _write_note(path, {**json.loads(note.read_text(encoding="utf-8")), "imported_at": _now()})


def _write_note(path: Path, note: dict) -> None:
    write_atomically(path.with_name(path.name + NOTE_SUFFIX), (json.dumps(note, indent=2) + "\n").encode())


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
