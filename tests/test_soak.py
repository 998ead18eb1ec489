"""Four simulated years of the daily scheduler: new quarters appear, the mail server has bad days.

The real scheduler, the real publishing job and a real SMTP server on 127.0.0.1; only the clock
is simulated. At the end each quarter has exactly one edition and reached each recipient exactly
once, in order, and the process's memory did not grow with the years.
"""
from __future__ import annotations

import datetime as dt
import os
import threading

import pytest
from aiosmtpd.controller import Controller

import bulletin.delivery.scheduler
from bulletin.archive.store import all_editions, verify
from bulletin.config import load_config
from bulletin.data.quarters import shift_quarter
from bulletin.delivery.publish import publish
from bulletin.delivery.scheduler import JobOutcome, run_scheduler
from conftest import HEADER, Recorder, free_port
from test_publish import write_config

START = dt.datetime(2014, 1, 1, 5, 0, tzinfo=dt.timezone.utc)
END = dt.datetime(2018, 1, 1, tzinfo=dt.timezone.utc)


def quarter_rows(quarter: str, index: int) -> str:
    """A small, complete quarter: Italy, Lombardia and Milano, both flows, growing a little each quarter."""
    grow = 1 + index / 50
    rows = []
    for territory, scale in (("IT", 3.0), ("ITC4", 1.0), ("ITC4C", 0.6)):
        for flow, product, partner, base in (("export", "21.2", "US", 400e6), ("export", "26.5", "DE", 200e6),
                                             ("import", "21.2", "CN", 300e6)):
            rows.append(f"{quarter},{flow},{territory},{product},{partner},{round(base * scale * grow)}")
    return HEADER + "\n".join(rows) + "\n"


def release_day(quarter: str) -> dt.date:
    """ISTAT publishes a quarter about 45 days after it ends."""
    year, q = int(quarter[:4]), int(quarter[-1])
    end = dt.date(year + (q == 4), (q * 3) % 12 + 1, 1)
    return end + dt.timedelta(days=45)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_four_years_of_daily_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(bulletin.delivery.scheduler, "MAX_SLEEP_SECONDS", 7 * 86400)  # the fake clock needs no naps
    trade = tmp_path / "data" / "trade"
    trade.mkdir(parents=True)
    quarters = [shift_quarter("2013Q1", i) for i in range(20)]  # 2013Q1 .. 2017Q4
    for index, quarter in enumerate(quarters[:4]):
        (trade / f"{quarter}.csv").write_text(quarter_rows(quarter, index))
    pending = quarters[4:]

    port = free_port()
    recorder = Recorder()
    servers = [Controller(recorder, hostname="127.0.0.1", port=port)]  # a stopped one cannot restart
    servers[0].start()
    write_config(tmp_path, port, "attempts = 1\ntimeout_seconds = 10.0")
    config = load_config(tmp_path / "bulletin.toml")
    outage_days = {release_day(q) for q in pending[::3]}  # the server is down on some release days

    clock = [START]
    stop = threading.Event()
    server_up = [True]
    memory = []

    def now():
        return clock[0]

    def sleep(seconds):
        clock[0] += dt.timedelta(seconds=seconds)
        today = clock[0].date()
        while pending and release_day(pending[0]) <= today:
            quarter = pending.pop(0)
            (trade / f"{quarter}.csv").write_text(quarter_rows(quarter, quarters.index(quarter)))
        down = today in outage_days
        if down and server_up[0]:
            servers[-1].stop()
            server_up[0] = False
        elif not down and not server_up[0]:
            servers.append(Controller(recorder, hostname="127.0.0.1", port=port))
            servers[-1].start()
            server_up[0] = True
        if today.month == 1 and today.day <= 2 and (not memory or memory[-1][0] != today.year):
            memory.append((today.year, resident_bytes()))
        if clock[0] >= END:
            stop.set()

    runs = []

    def job():
        outcomes = publish(config)
        runs.append(clock[0])
        if not all(outcome.ok for outcome in outcomes):
            raise RuntimeError("some recipients are still pending")
        return JobOutcome(ok=True, summary="; ".join(o.summary() for o in outcomes) or "nothing to do")

    try:
        assert run_scheduler(job, config.schedule, tmp_path / "output" / "logs", now=now, sleep=sleep, stop=stop) == 0
    finally:
        if server_up[0]:
            servers[-1].stop()

    days = (END - START).days
    assert days - 2 <= len(runs) <= days + 2  # one run a day (plus the catch-up at start)
    published = quarters[3:]  # 2013Q4 at start, then one each release
    editions = all_editions(tmp_path / "output")
    assert [e.manifest["quarter"] for e in editions] == published[:len(editions)]
    assert len(editions) == len(published) - 1  # 2017Q4 is released in 2018, after the simulation
    assert all(e.revision == 1 and e.delivered_to == {"a@example.org", "b@example.org"} for e in editions)
    received = [envelope.content for envelope in recorder.envelopes]
    assert len(received) == len(editions)  # exactly once each, outages notwithstanding
    order = [next(q for q in published if f"-{q}.pdf".encode() in content) for content in received]
    assert order == [e.manifest["quarter"] for e in editions]
    assert verify(tmp_path / "output") == []
    # Flat: from the second year on (the caches of chart text are full by then), no growth with
    # the days. A leak of 50 kB a run would add 55 MB over the three years compared.
    growth = memory[-1][1] - memory[1][1]
    assert len(memory) >= 4 and growth < 48 * 1024 * 1024, memory


def resident_bytes() -> int:
    """The process's resident memory, as the kernel counts it (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
