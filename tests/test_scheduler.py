"""The daily scheduler, driven by a fake clock: no real waiting, every loop bounded."""
from __future__ import annotations

import json
import logging
import signal
import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bulletin.config import ScheduleConfig
from bulletin.delivery.scheduler import (JobOutcome, MAX_SLEEP_SECONDS, configure_logging, next_run_time, read_status,
                                run_job_once, run_scheduler)

ROME = ZoneInfo("Europe/Rome")
SPRING_FORWARD = date(2017, 3, 26)
FALL_BACK = date(2017, 10, 29)


class FakeClock:
    """`now` and `sleep` for the scheduler: sleeping advances the clock instantly."""

    def __init__(self, start: datetime, max_sleeps: int = 1_000_000):
        self.time = start.astimezone(UTC)  # UTC: arithmetic on a Rome datetime would be wall-clock
        self.sleeps = 0
        self.max_sleeps = max_sleeps
        self.on_sleep = None

    def now(self) -> datetime:
        return self.time

    def sleep(self, seconds: float) -> None:
        assert 0 < seconds <= MAX_SLEEP_SECONDS
        self.sleeps += 1
        if self.sleeps > self.max_sleeps:
            raise RuntimeError("the loop did not stop")  # keeps a broken loop from running forever
        self.time += timedelta(seconds=seconds)
        if self.on_sleep:
            self.on_sleep(self)


def rome(*args) -> datetime:
    return datetime(*args, tzinfo=ROME)


def local_runs(at: str, start: datetime, days: int) -> list[datetime]:
    """Successive runs from `start`, in Rome time."""
    runs, after = [], start
    for _ in range(days):
        after = next_run_time(at, "Europe/Rome", after)
        assert after.tzinfo is not None and after.utcoffset() == timedelta(0)
        runs.append(after.astimezone(ROME))
    return runs


# --- next_run_time ---------------------------------------------------------------------------------

@pytest.mark.parametrize("at", ["07:00", "02:30"])
@pytest.mark.parametrize("transition", [SPRING_FORWARD, FALL_BACK])
def test_one_run_per_local_day_across_dst(at, transition):
    start = datetime.combine(transition - timedelta(days=5), datetime.min.time(), tzinfo=ROME)
    runs = local_runs(at, start, 10)
    assert [r.date() for r in runs] == [transition + timedelta(days=d) for d in range(-5, 5)]
    assert runs == sorted(runs)
    hour, minute = map(int, at.split(":"))
    for run in runs:
        if not (at == "02:30" and run.date() == SPRING_FORWARD):
            assert (run.hour, run.minute) == (hour, minute)


def test_nonexistent_time_runs_at_first_valid_instant():
    run = next_run_time("02:30", "Europe/Rome", rome(2017, 3, 26, 0, 0))
    assert run == datetime(2017, 3, 26, 1, 0, tzinfo=UTC)  # 03:00 CEST, the end of the gap
    assert run.astimezone(ROME).strftime("%H:%M %Z") == "03:00 CEST"


def test_ambiguous_time_runs_once_at_first_occurrence():
    first = next_run_time("02:30", "Europe/Rome", rome(2017, 10, 29, 0, 0))
    assert first == datetime(2017, 10, 29, 0, 30, tzinfo=UTC)  # 02:30 CEST, not 02:30 CET
    # From inside the repeated hour (02:10 CET, the second reading) the next run is the next day.
    second_reading = datetime(2017, 10, 29, 1, 10, tzinfo=UTC)
    assert next_run_time("02:30", "Europe/Rome", second_reading) == datetime(2017, 10, 30, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize("at", ["07:00", "02:30"])
@pytest.mark.parametrize("transition", [SPRING_FORWARD, FALL_BACK])
def test_next_run_from_any_moment_is_the_next_daily_run(at, transition):
    """Asked at any moment (every 10 minutes, UTC) the answer is the first run after it: no day
    is skipped or doubled whatever the moment the previous run ended."""
    start = datetime.combine(transition - timedelta(days=2), datetime.min.time(), tzinfo=ROME)
    runs = [r.astimezone(UTC) for r in local_runs(at, start - timedelta(days=1), 6)]
    moment = start.astimezone(UTC)
    while moment < runs[-2]:
        expected = min(r for r in runs if r > moment)
        assert next_run_time(at, "Europe/Rome", moment) == expected
        moment += timedelta(minutes=10)


def test_next_run_time_is_strictly_after():
    at_seven = rome(2017, 5, 2, 7, 0)
    assert next_run_time("07:00", "Europe/Rome", at_seven) == rome(2017, 5, 3, 7, 0)
    assert next_run_time("07:00", "Europe/Rome", at_seven - timedelta(seconds=1)) == at_seven


def test_next_run_time_rejects_naive_and_malformed():
    with pytest.raises(ValueError):
        next_run_time("07:00", "Europe/Rome", datetime(2017, 5, 2, 7, 0))
    with pytest.raises(ValueError):
        next_run_time("7am", "Europe/Rome", rome(2017, 5, 2))


# --- run_job_once ----------------------------------------------------------------------------------

def test_exception_becomes_failed_outcome_logged_with_traceback(tmp_path, caplog):
    def job():
        raise OSError("disk full\nsecond line")

    outcome = run_job_once(job, tmp_path, None, lambda: rome(2017, 5, 2, 7))
    assert outcome == JobOutcome(ok=False, summary="OSError: disk full")
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert failures and failures[0].exc_info is not None
    heartbeat = json.loads((tmp_path / "heartbeat.json").read_text(encoding="utf-8"))
    assert heartbeat == {"last_run": "2017-05-02T05:00:00+00:00", "result": "failed",
                         "summary": "OSError: disk full", "next_run": None}


def test_keyboard_interrupt_is_not_swallowed(tmp_path):
    def job():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_job_once(job, tmp_path, None, lambda: rome(2017, 5, 2, 7))


def test_alert_once_per_kind_until_success(tmp_path):
    alerts = []
    script = [OSError("smtp down"), OSError("smtp down"), ValueError("bad row"), OSError("again"),
              "ok", OSError("new failure"), ValueError("bad row")]

    def job():
        step = script.pop(0)
        if isinstance(step, Exception):
            raise step
        return JobOutcome(True, "2017Q1 ITC4 it: sent to 2")

    for _ in range(7):
        run_job_once(job, tmp_path, lambda kind, summary: alerts.append((kind, summary)),
                     lambda: rome(2017, 5, 2, 7))
    assert alerts == [("OSError", "OSError: smtp down"), ("ValueError", "ValueError: bad row"),
                      ("OSError", "OSError: new failure"), ("ValueError", "ValueError: bad row")]


def test_not_ok_outcome_alerts_as_its_own_kind(tmp_path):
    alerts = []
    for _ in range(2):
        outcome = run_job_once(lambda: JobOutcome(False, "2017Q1 ITC4 it: 1 pending"), tmp_path,
                               lambda kind, summary: alerts.append(kind), lambda: rome(2017, 5, 2, 7))
        assert not outcome.ok
    assert alerts == ["JobFailed"]


def test_failing_alert_is_contained_and_retried(tmp_path, caplog):
    calls = []

    def alert(kind, summary):
        calls.append(kind)
        if len(calls) == 1:
            raise ConnectionError("mail server unreachable")

    def job():
        raise OSError("smtp down")

    for _ in range(3):
        assert run_job_once(job, tmp_path, alert, lambda: rome(2017, 5, 2, 7)).ok is False
    # The first alert failed, so the kind was not remembered; the second went out and stuck.
    assert calls == ["OSError", "OSError"]
    assert any("could not send the alert" in r.getMessage() and r.exc_info for r in caplog.records)


# --- run_scheduler ---------------------------------------------------------------------------------

@pytest.mark.parametrize("at", ["07:00", "02:30"])
def test_a_year_of_days_runs_the_job_once_a_day(tmp_path, at):
    clock = FakeClock(rome(2017, 1, 1, 10, 0))
    calls: list[datetime] = []
    stop = threading.Event()

    def job():
        calls.append(clock.now())
        if len(calls) == 366:
            stop.set()
        return JobOutcome(True, "nothing to do")

    assert run_scheduler(job, ScheduleConfig(at=at, timezone="Europe/Rome"), tmp_path,
                         now=clock.now, sleep=clock.sleep, stop=stop) == 0
    assert len(calls) == 366
    assert read_status(tmp_path).endswith("next run: not scheduled")  # stopped: no run promised
    assert calls[0] == rome(2017, 1, 1, 10, 0)  # the catch-up, at start
    daily = [c.astimezone(ROME) for c in calls[1:]]
    assert [d.date() for d in daily] == [date(2017, 1, 2) + timedelta(days=i) for i in range(365)]
    expected = {d.date(): at for d in daily}
    if at == "02:30":
        expected[SPRING_FORWARD] = "03:00"  # 02:30 does not exist that day
    assert {d.date(): d.strftime("%H:%M") for d in daily} == expected
    assert calls == sorted(calls)


def test_failures_are_retried_next_day_and_alerted_once_per_kind(tmp_path, caplog):
    clock = FakeClock(rome(2017, 3, 20, 12, 0))
    stop = threading.Event()
    calls, alerts = [], []
    failing = {1: OSError("smtp down"), 2: OSError("smtp down"), 3: KeyError("ITC4"), 5: OSError("smtp down")}

    def job():
        calls.append(clock.now())
        if len(calls) == 8:
            stop.set()
        if len(calls) - 1 in failing:
            raise failing[len(calls) - 1]
        return JobOutcome(True, "nothing to do")

    def alert(kind, summary):
        alerts.append(kind)
        if kind == "KeyError":
            raise RuntimeError("alerting is broken too")

    assert run_scheduler(job, ScheduleConfig(), tmp_path, alert=alert, now=clock.now, sleep=clock.sleep,
                         stop=stop) == 0
    assert [c.astimezone(ROME).date() for c in calls[1:]] == [date(2017, 3, 21) + timedelta(days=i) for i in range(7)]
    assert alerts == ["OSError", "KeyError", "OSError"]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and "failed" in r.getMessage()]
    assert len(errors) == 4
    # A traceback where it helps (a bug: the KeyError); an OSError says all in one line.
    assert [r.getMessage() for r in errors if r.exc_info] == ["the publishing job failed: KeyError: 'ITC4'"]


def test_heartbeat_has_next_run_and_status_reads_it(tmp_path):
    assert read_status(tmp_path) == "never run"
    clock = FakeClock(rome(2017, 3, 25, 12, 0))
    stop = threading.Event()
    calls, while_running = [], []

    def job():
        calls.append(clock.now())
        if len(calls) == 2:  # what status said between the first run and this one
            while_running.append(read_status(tmp_path))
            stop.set()
        return JobOutcome(True, "2017Q1 ITC4 it: sent to 2")

    run_scheduler(job, ScheduleConfig(at="02:30"), tmp_path, now=clock.now, sleep=clock.sleep, stop=stop)
    assert while_running == ["last run: 2017-03-25T11:00:00+00:00\nresult: ok (2017Q1 ITC4 it: sent to 2)\n"
                             "next run: 2017-03-26T01:00:00+00:00"]  # 02:30 does not exist that day: 03:00
    heartbeat = json.loads((tmp_path / "heartbeat.json").read_text(encoding="utf-8"))
    assert heartbeat == {"last_run": "2017-03-26T01:00:00+00:00", "result": "ok",
                         "summary": "2017Q1 ITC4 it: sent to 2", "next_run": None}  # stopped
    status = read_status(tmp_path)
    assert "last run: 2017-03-26T01:00:00+00:00" in status
    assert "result: ok (2017Q1 ITC4 it: sent to 2)" in status
    assert "next run: not scheduled" in status


def test_status_of_an_unreadable_heartbeat(tmp_path):
    (tmp_path / "heartbeat.json").write_text("{not json", encoding="utf-8")
    assert "unreadable" in read_status(tmp_path)


@pytest.mark.parametrize("ok, code", [(True, 0), (False, 1)])
def test_once_runs_the_catch_up_and_returns_its_result(tmp_path, ok, code):
    clock = FakeClock(rome(2017, 5, 2, 12, 0), max_sleeps=0)
    calls = []

    def job():
        calls.append(clock.now())
        if not ok:
            raise OSError("smtp down")
        return JobOutcome(True, "nothing to do")

    assert run_scheduler(job, ScheduleConfig(), tmp_path, once=True, now=clock.now, sleep=clock.sleep) == code
    assert len(calls) == 1
    heartbeat = json.loads((tmp_path / "heartbeat.json").read_text(encoding="utf-8"))
    assert heartbeat["result"] == ("ok" if ok else "failed") and heartbeat["next_run"] is None


def test_stop_while_waiting_ends_the_loop_between_jobs(tmp_path):
    clock = FakeClock(rome(2017, 5, 2, 12, 0))
    stop = threading.Event()
    calls = []

    def job():
        calls.append(clock.now())
        return JobOutcome(True, "nothing to do")

    def stop_after_an_hour(c):
        if c.now() >= rome(2017, 5, 2, 13, 0):
            stop.set()

    clock.on_sleep = stop_after_an_hour
    assert run_scheduler(job, ScheduleConfig(), tmp_path, now=clock.now, sleep=clock.sleep, stop=stop) == 0
    assert len(calls) == 1
    assert clock.sleeps == 60  # minute steps: the stop was seen at once


def test_an_already_stopped_scheduler_does_nothing(tmp_path):
    stop = threading.Event()
    stop.set()
    clock = FakeClock(rome(2017, 5, 2, 12, 0), max_sleeps=0)
    assert run_scheduler(lambda: JobOutcome(True, ""), ScheduleConfig(), tmp_path, now=clock.now,
                         sleep=clock.sleep, stop=stop) == 0
    assert read_status(tmp_path) == "never run"


def test_sigterm_lets_the_job_finish_then_stops(tmp_path):
    clock = FakeClock(rome(2017, 5, 2, 12, 0), max_sleeps=10)
    finished = []
    before = signal.getsignal(signal.SIGTERM)

    def job():
        signal.raise_signal(signal.SIGTERM)  # arrives while the job is in progress
        finished.append(True)
        return JobOutcome(True, "nothing to do")

    assert run_scheduler(job, ScheduleConfig(), tmp_path, now=clock.now, sleep=clock.sleep) == 0
    assert finished == [True]
    assert clock.sleeps == 0
    assert signal.getsignal(signal.SIGTERM) is before  # handlers restored


def test_outside_the_main_thread_no_signal_handlers_are_touched(tmp_path):
    clock = FakeClock(rome(2017, 5, 2, 12, 0), max_sleeps=0)
    result = []
    thread = threading.Thread(target=lambda: result.append(
        run_scheduler(lambda: JobOutcome(True, ""), ScheduleConfig(), tmp_path, once=True,
                      now=clock.now, sleep=clock.sleep)))
    thread.start()
    thread.join(timeout=10)
    assert result == [0]


def test_invalid_schedule_fails_at_start(tmp_path):
    with pytest.raises(ValueError):
        run_scheduler(lambda: JobOutcome(True, ""), ScheduleConfig(at="25:00"), tmp_path, once=True,
                      now=lambda: rome(2017, 5, 2), sleep=lambda s: None)


# --- configure_logging -----------------------------------------------------------------------------

@pytest.fixture
def restore_root_logger():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_configure_logging_writes_rotating_file_and_is_idempotent(tmp_path, restore_root_logger):
    root = restore_root_logger
    configure_logging(tmp_path / "logs", verbose=True)
    configure_logging(tmp_path / "logs", verbose=True)
    ours = [h for h in root.handlers if h.get_name() in ("bulletin-console", "bulletin-file")]
    assert len(ours) == 2
    file_handler = next(h for h in ours if isinstance(h, logging.handlers.RotatingFileHandler))
    assert file_handler.maxBytes == 1024 * 1024 and file_handler.backupCount == 4
    assert file_handler.encoding == "utf-8"

    logging.getLogger("bulletin.test").info("pubblicato è ok")
    file_handler.flush()
    lines = (tmp_path / "logs" / "bulletin.log").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    assert lines[0].endswith(" INFO bulletin.test: pubblicato è ok")


def test_configure_logging_console_level(tmp_path, restore_root_logger):
    root = restore_root_logger
    configure_logging(None)
    console = [h for h in root.handlers if h.get_name() == "bulletin-console"]
    assert len(console) == 1 and console[0].level == logging.WARNING
    assert not any(h.get_name() == "bulletin-file" for h in root.handlers)
    configure_logging(None, verbose=True)
    console = [h for h in root.handlers if h.get_name() == "bulletin-console"]
    assert len(console) == 1 and console[0].level == logging.INFO


# --- a full disk -------------------------------------------------------------------------------------

FULL_DISK_RUN = """
import logging, sys
from datetime import UTC, datetime
from pathlib import Path
from bulletin.delivery.scheduler import JobOutcome, configure_logging, run_job_once

state = Path(sys.argv[1])
configure_logging(state, verbose=True)

def job():
    for number in range(20):
        logging.getLogger("bulletin.publish").warning("step %d of the run", number)
    (state / "edition.pdf").write_bytes(b"%PDF" * 1000)  # the disk is full: this fails
    return JobOutcome(ok=True, summary="published")

run_job_once(job, state, None, lambda: datetime.now(UTC))
"""


def _no_room_beyond_a_few_bytes() -> None:
    """In the child: a file may not grow past 64 bytes, as on a disk that has filled up."""
    import resource

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails (EFBIG) instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))


def test_a_disk_filling_during_a_run_gives_one_line_and_status_shows_the_run_failed(tmp_path, restore_root_logger):
    """The kernel refuses every write past 64 bytes (RLIMIT_FSIZE): the log, the job's file and the
    heartbeat all fail as on a full disk. One line tells of the log; no traceback; `status` shows
    the run failed, not the earlier success."""
    import subprocess
    import sys

    configure_logging(tmp_path)
    run_job_once(lambda: JobOutcome(ok=True, summary="published"), tmp_path, None, FakeClock(rome(2017, 5, 2, 12, 0)).now)
    assert "result: ok" in read_status(tmp_path)

    result = subprocess.run([sys.executable, "-c", FULL_DISK_RUN, str(tmp_path)], capture_output=True, text=True,
                            preexec_fn=_no_room_beyond_a_few_bytes, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "Logging error" not in result.stderr, result.stderr
    assert [line for line in result.stderr.splitlines() if "cannot write the log" in line] == [
        f"cannot write the log {tmp_path / 'bulletin.log'}: File too large (logging to this console only)"]
    assert "the publishing job failed: OSError: [Errno 27] File too large" in result.stderr
    assert "result: failed" in read_status(tmp_path)
