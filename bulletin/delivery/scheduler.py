"""Run the publishing job every day, unattended, for years.

The job itself (publish what is due and not yet done) lives elsewhere and is idempotent; this
module only decides *when* it runs and leaves a trace of every run:

* `next_run_time` computes the daily instant from a wall-clock time and a time zone with
  `zoneinfo`. We do not use the `schedule` library's own time-zone support: it needs pytz, reads
  the real clock (`datetime.now()`) so a fake clock cannot drive it, stores the next run as a naive
  time of the *host's* zone (ambiguous when the host itself falls back), and moves a time that does
  not exist on the spring-forward day one whole offset later (02:30 -> 03:30) instead of to the
  first valid instant (03:00).
* `run_scheduler` still registers and dispatches the daily job through a `schedule.Scheduler`
  (the product requires that library); its job class only replaces the clock and the next-run
  computation with ours.
* `run_job_once` turns every failure into a `JobOutcome`, writes `heartbeat.json` (what
  `bulletin status` and an outside monitor read) and alerts the administrator once per kind of
  failure, not once a day while the same problem persists.
"""
from __future__ import annotations

import json
import logging
import logging.handlers
import re
import signal
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

import schedule

from bulletin.config import ScheduleConfig
from bulletin.errors import BulletinError
from bulletin.files import write_atomically

log = logging.getLogger(__name__)

HEARTBEAT_FILE = "heartbeat.json"
ALERTS_FILE = "alerts.json"
LOG_FILE = "bulletin.log"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_MAX_BYTES = 1024 * 1024
LOG_BACKUPS = 4  # bulletin.log plus four rotated files: five files, about 5 MB in all
MAX_SLEEP_SECONDS = 60.0
"""Longest single sleep: bounds how long a stop request or a clock change goes unnoticed."""
NOT_OK_KIND = "JobFailed"
"""Failure kind of a job that returned ok=False without raising."""

_HANDLER_NAMES = ("bulletin-console", "bulletin-file")


@dataclass(frozen=True)
class JobOutcome:
    ok: bool
    summary: str
    """One line, e.g. "2017Q1 ITC4 it: sent to 2" or "nothing to do"."""
    alerted: bool = False
    """The job has told the admin of its failure itself (a failed delivery): no second alert."""


def utc_now() -> datetime:
    return datetime.now(UTC)


# --- logging -----------------------------------------------------------------------------------

class _LogFile(logging.handlers.RotatingFileHandler):
    """The rotating log file, which must never stop a run nor bury its console under tracebacks.

    When a write fails (a full disk), one line says so on stderr, once; later records that fail
    are dropped in silence, and those that can be written still are.
    """

    told = False

    def handleError(self, record: logging.LogRecord) -> None:
        if not self.told:
            self.told = True
            error = sys.exc_info()[1]
            reason = error.strerror if isinstance(error, OSError) and error.strerror else error
            print(f"cannot write the log {self.baseFilename}: {reason} (logging to this console only)",
                  file=sys.stderr)


def configure_logging(log_dir: Path | None, verbose: bool = False) -> None:
    """Log to stderr and, given `log_dir`, to a rotating `bulletin.log` that outlives the console.

    Handlers go on the root logger so that warnings from libraries reach the file too. Calling
    again replaces the handlers this function added (and only those), so the call is idempotent
    and can also change the folder or the verbosity.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() in _HANDLER_NAMES:
            root.removeHandler(handler)
            handler.close()
    formatter = logging.Formatter(LOG_FORMAT)
    console = logging.StreamHandler()  # stderr
    console.set_name("bulletin-console")
    console.setLevel(logging.INFO if verbose else logging.WARNING)
    console.setFormatter(formatter)
    root.addHandler(console)
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        file = _LogFile(log_dir / LOG_FILE, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8")
        file.set_name("bulletin-file")
        file.setLevel(logging.INFO)
        file.setFormatter(formatter)
        root.addHandler(file)
    # The file wants INFO even when the console shows only warnings.
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)


# --- when ------------------------------------------------------------------------------------------

def _parse_at(at: str) -> wall_time:
    match = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)", at)
    if not match:
        raise ValueError(f"expected a time as HH:MM, got {at!r}")
    return wall_time(int(match[1]), int(match[2]))


def _run_instant(day: date, at: wall_time, zone: ZoneInfo) -> datetime:
    """The one instant (UTC) of `day` at which the daily job runs.

    An ambiguous wall time (fall-back day) is taken at its first occurrence (fold=0). A wall time
    that does not exist (spring-forward day) runs at the first instant after the gap, i.e. the
    transition itself, found by bisection between the two readings of the wall time.
    """
    local = datetime.combine(day, at, tzinfo=zone)  # fold=0: the earlier reading
    instant = local.astimezone(UTC)
    wall = local.replace(tzinfo=None)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    # In a gap, fold=0 reads the wall time with the offset before the transition (too late) and
    # fold=1 with the offset after it (too early). Find the first second whose wall time >= `wall`.
    early = local.replace(fold=1).astimezone(UTC)
    late = instant
    if early > late:
        early, late = late, early
    while late - early > timedelta(seconds=1):
        middle = early + (late - early) / 2
        if middle.astimezone(zone).replace(tzinfo=None) >= wall:
            late = middle
        else:
            early = middle
    return late.replace(microsecond=0)


def next_run_time(at: str, timezone: str, after: datetime) -> datetime:
    """The next daily run strictly after `after`, in UTC: one run per calendar day of `timezone`.

    Days are enumerated in local dates and each date has exactly one run instant, so a DST change
    can neither skip a day nor give a day two runs (which stepping by 24 h or by wall clock could).
    """
    if after.tzinfo is None or after.utcoffset() is None:
        raise ValueError("`after` must be an aware datetime")
    at_time = _parse_at(at)
    zone = ZoneInfo(timezone)
    # Start the day before: a run belonging to the previous local date can, in principle, fall
    # after `after` when a gap pushes it forward.
    day = after.astimezone(zone).date() - timedelta(days=1)
    for offset in range(5):
        candidate = _run_instant(day + timedelta(days=offset), at_time, zone)
        if candidate > after:
            return candidate
    raise AssertionError(f"no run found after {after.isoformat()}")  # a day always has one run


# --- one run ---------------------------------------------------------------------------------------

def _write_json_atomically(path: Path, data: Any) -> None:
    write_atomically(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def _read_json(path: Path) -> Any | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("cannot read %s, ignoring it: %s", path, exc)
        return None


def _write_heartbeat(state_dir: Path, last_run: datetime, outcome: JobOutcome,
                     next_run: datetime | None) -> None:
    """Record the run; when even that fails (a full disk), never leave the previous result standing.

    Without room for a new file the old one is overwritten in place (its own blocks are freed
    first); if that fails too it is left empty or cut short, which `read_status` reports as failed.
    """
    path = state_dir / HEARTBEAT_FILE
    heartbeat = {"last_run": last_run.astimezone(UTC).isoformat(), "result": "ok" if outcome.ok else "failed",
                 "summary": outcome.summary, "next_run": next_run.astimezone(UTC).isoformat() if next_run else None}
    try:
        _write_json_atomically(path, heartbeat)
    except OSError:
        if path.exists():
            with open(path, "wb") as stream:  # truncates at once; the write may still fail
                stream.write(json.dumps(heartbeat).encode("utf-8"))
        raise


def _set_heartbeat_next_run(state_dir: Path, next_run: datetime | None) -> None:
    """Fill in next_run once the scheduler knows it, keeping what the run wrote."""
    heartbeat = _read_json(state_dir / HEARTBEAT_FILE)
    if not isinstance(heartbeat, dict):
        return
    heartbeat["next_run"] = next_run.astimezone(UTC).isoformat() if next_run else None
    try:
        _write_json_atomically(state_dir / HEARTBEAT_FILE, heartbeat)
    except OSError as exc:
        log.error("cannot update the heartbeat in %s: %s", state_dir, exc.strerror or exc)


def _alerted_kinds(state_dir: Path) -> list[str]:
    data = _read_json(state_dir / ALERTS_FILE)
    kinds = data.get("alerted") if isinstance(data, dict) else None
    return [k for k in kinds if isinstance(k, str)] if isinstance(kinds, list) else []


def _handle_alerts(state_dir: Path, outcome: JobOutcome, kind: str | None,
                   alert: Callable[[str, str], None] | None) -> None:
    """Alert once per failure kind until the next success; a success forgets the kinds.

    A kind is remembered only once its alert went out: if alerting itself fails (say the mail
    server is the problem), the next failing run tries again rather than staying silent.
    """
    path = state_dir / ALERTS_FILE
    if outcome.ok:
        if path.exists():
            _write_json_atomically(path, {"alerted": []})
        return
    assert kind is not None
    alerted = _alerted_kinds(state_dir)
    if alert is None or kind in alerted or outcome.alerted:
        return
    try:
        alert(kind, outcome.summary)
    except Exception:
        log.exception("could not send the alert for %s", kind)
        return
    _write_json_atomically(path, {"alerted": alerted + [kind]})


def run_job_once(job: Callable[[], JobOutcome], state_dir: Path, alert: Callable[[str, str], None] | None,
                 now: Callable[[], datetime]) -> JobOutcome:
    """Run the job once and record it; never raises, so one bad day cannot stop the schedule.

    KeyboardInterrupt and SystemExit still propagate: they are requests to stop, not failures.
    """
    started = now()
    kind: str | None = None
    try:
        outcome = job()
        if not isinstance(outcome, JobOutcome):
            raise TypeError(f"the job returned {outcome!r}, not a JobOutcome")
    except Exception as exc:
        kind = type(exc).__name__
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        outcome = JobOutcome(ok=False, summary=f"{kind}: {first_line}" if first_line else kind)
        # A traceback helps with a bug, not with a full disk or bad data: those say all in one line.
        log.error("the publishing job failed: %s", outcome.summary,
                  exc_info=not isinstance(exc, (BulletinError, OSError)))
    else:
        if outcome.ok:
            log.info("the publishing job succeeded: %s", outcome.summary)
        else:
            kind = NOT_OK_KIND
            log.error("the publishing job reported a failure: %s", outcome.summary)
    try:
        _write_heartbeat(state_dir, started, outcome, None)
    except OSError as exc:
        log.error("cannot write the heartbeat in %s: %s", state_dir, exc.strerror or exc)
    try:
        _handle_alerts(state_dir, outcome, kind, alert)
    except OSError as exc:
        log.error("cannot record alerts in %s: %s", state_dir, exc.strerror or exc)
    return outcome


# --- the loop ------------------------------------------------------------------------------------

class _DailyJob(schedule.Job):
    """A `schedule` job that reads our clock and asks `next_run_time` when to run next.

    `next_run` is an aware UTC datetime here (schedule's own jobs hold naive host-local times);
    only this job lives in its scheduler, so the two never meet.
    """

    def __init__(self, scheduler: schedule.Scheduler, config_at: str, timezone: str,
                 now: Callable[[], datetime]):
        super().__init__(1, scheduler)
        self._daily_at = config_at
        self._timezone = timezone
        self._now = now

    @property
    def should_run(self) -> bool:
        return self._now() >= self.next_run

    def _schedule_next_run(self) -> None:
        # Called by schedule after registration (`do`) and after every run. It is a private hook
        # of schedule 1.2: tests/test_scheduler.py fails if a new version stops calling it.
        self.next_run = next_run_time(self._daily_at, self._timezone, self._now())


def _install_signal_handlers(stop: threading.Event) -> dict[int, Any]:
    """Turn SIGTERM/SIGINT into a stop request: the job in progress finishes, then the loop ends.

    Signal handlers can only be installed from the main thread; elsewhere the caller's `stop`
    event is the only way to stop.
    """
    if threading.current_thread() is not threading.main_thread():
        return {}

    def request_stop(signum: int, frame: Any) -> None:
        log.warning("received %s: stopping after the current job", signal.Signals(signum).name)
        stop.set()

    previous = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, request_stop)
    return previous


def run_scheduler(job: Callable[[], JobOutcome], config: ScheduleConfig, state_dir: Path,
                  alert: Callable[[str, str], None] | None = None, once: bool = False,
                  now: Callable[[], datetime] = utc_now, sleep: Callable[[float], None] | None = None,
                  stop: threading.Event | None = None) -> int:
    """Run the job now (catching up on whatever is due), then daily at `config.at`; return 0.

    With `once`, run only the catch-up and return 0 if it succeeded, 1 if not (for cron, systemd
    timers and manual runs). A failed run is retried at the next daily run, never sooner and never
    fatally. Sleeps are at most a minute long and the remaining time is recomputed from `now()`
    each time, so a stop request, a suspended machine or a clock correction is noticed promptly.
    """
    next_run_time(config.at, config.timezone, now())  # a bad time or zone fails here, at start
    stop = stop if stop is not None else threading.Event()
    sleep = sleep or stop.wait  # waiting on the stop event ends the wait as soon as a signal sets it
    previous_handlers = _install_signal_handlers(stop)
    outcomes: list[JobOutcome] = []

    def dispatch() -> None:
        outcomes.append(run_job_once(job, state_dir, alert, now))

    scheduler = schedule.Scheduler()
    daily = _DailyJob(scheduler, config.at, config.timezone, now)
    daily.day.at(config.at).do(dispatch)
    daily.next_run = now()  # catch up: the first run is due immediately
    log.info("scheduler started: daily at %s %s", config.at, config.timezone)
    try:
        while not stop.is_set():
            runs_before = len(outcomes)
            scheduler.run_pending()
            if len(outcomes) > runs_before:
                if once:
                    _set_heartbeat_next_run(state_dir, None)
                    return 0 if outcomes[-1].ok else 1
                _set_heartbeat_next_run(state_dir, daily.next_run)
                log.info("next run at %s", daily.next_run.astimezone(ZoneInfo(config.timezone)).isoformat())
            remaining = (daily.next_run - now()).total_seconds()
            if remaining > 0 and not stop.is_set():
                sleep(min(remaining, MAX_SLEEP_SECONDS))
        _set_heartbeat_next_run(state_dir, None)  # `bulletin status` no longer promises a run
        log.info("scheduler stopped")
        return 0
    finally:
        for signum, handler in previous_handlers.items():
            signal.signal(signum, handler)


def read_status(state_dir: Path) -> str:
    """What `bulletin status` prints: the last run, its result and the next run, from the heartbeat."""
    path = state_dir / HEARTBEAT_FILE
    if not path.exists():
        return "never run"
    try:
        heartbeat = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(heartbeat, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:  # cut short by a full disk (see _write_heartbeat), or damaged
        return f"last run: unknown\nresult: failed (heartbeat {path} is unreadable: {exc})"
    return "\n".join([
        f"last run: {heartbeat.get('last_run') or 'unknown'}",
        f"result: {heartbeat.get('result') or 'unknown'} ({heartbeat.get('summary') or ''})",
        f"next run: {heartbeat.get('next_run') or 'not scheduled'}",
    ])

