"""`bulletin data fetch` against a real HTTP server on 127.0.0.1 standing in for ISTAT's SDMX service.

The stand-in releases the quarters it is given (the cube of tests/fixtures/sdmx, relabelled to
the quarter asked for), answers 404 for the others, and can be told to fail with 503 or to answer
too slowly for the next requests. It records every request, so a test can check the path, the
query and the Accept header the service received.
"""
from __future__ import annotations

import email
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from bulletin.cli import main
from bulletin.config import load_config
from bulletin.data import fetch as fetch_module
from bulletin.data.istat import import_files
from bulletin.data.trade import load_dataset
from conftest import REPO, SAMPLE_DATA, folder_digest

FIXTURES = Path(__file__).parent / "fixtures" / "sdmx"
DATAFLOW, KEY = "IT1,TRADE,1.0", "Q.ITTOT+ITC4+ITC45+ITC49..."
ACCEPT = "application/vnd.sdmx.data+csv;version=1.0.0"


class StandIn(BaseHTTPRequestHandler):
    """GET /rest/data/{dataflow}/{key}?startPeriod=P&endPeriod=P, as the SDMX REST API has it."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        service = self.server.service
        url = urlsplit(self.path)
        service.requests.append({"path": url.path, "query": parse_qs(url.query), "accept": self.headers["Accept"]})
        failure = service.failures.pop(0) if service.failures else None
        if failure == "slow":
            time.sleep(service.slow_seconds)
        if failure == "503":
            return self._answer(503, b"Service Unavailable", "text/plain")
        period = parse_qs(url.query).get("startPeriod", [""])[0]
        if period not in service.released:
            return self._answer(404, b"NoResultsFound", "text/plain")
        self._answer(200, service.released[period], "application/vnd.sdmx.data+csv;version=1.0.0")

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up on a slow answer
            pass

    def log_message(self, *args) -> None:
        pass


class Service:
    def __init__(self):
        self.requests: list[dict] = []
        self.failures: list[str] = []
        self.released: dict[str, bytes] = {}
        self.slow_seconds = 2.5
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
        self.server.service = self
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/rest"

    def release(self, period: str, body: bytes) -> None:
        self.released[period] = body


@pytest.fixture
def service():
    stand_in = Service()
    thread = threading.Thread(target=stand_in.server.serve_forever, daemon=True)
    thread.start()
    yield stand_in
    stand_in.server.shutdown()
    stand_in.server.server_close()


@pytest.fixture(autouse=True)
def short_back_off(monkeypatch):
    """The back-off's first wait, 1 s in use, cut so that the tests wait a tenth of it."""
    monkeypatch.setattr(fetch_module, "FIRST_WAIT_SECONDS", 0.1)


def cube_as(shape: str, period: str) -> bytes:
    """The fixture cube's 2017-Q2 cells as the service would give the quarter `period`."""
    if shape == "json":
        # 2016-Q2 comes too, as the data have it already: unchanged.
        return (FIXTURES / "sparse.json").read_text().replace("2017-Q2", period).encode()
    lines = (FIXTURES / "codes.csv").read_text().splitlines()
    return ("\n".join([lines[0]] + [line.replace("2017-Q2", period) for line in lines if ",2017-Q2," in line])
            + "\n").encode()


def site(folder: Path, service: Service, extra: str = "") -> Path:
    """A data folder holding 2016Q2 of the cube, and a configuration naming the stand-in."""
    data = folder / "data"
    first = folder / "2016Q2.csv"
    lines = (FIXTURES / "codes.csv").read_text().splitlines()
    first.write_text("\n".join([lines[0]] + [line for line in lines if ",2016-Q2," in line]) + "\n")
    import_files(data, [first])
    (folder / "bulletin.toml").write_text(
        f'[source]\nurl = "{service.url}"\ndataflow = "{DATAFLOW}"\nkey = "{KEY}"\ntimeout_seconds = 1.0\n{extra}',
        encoding="utf-8")
    return data


@pytest.mark.parametrize("shape", ["csv", "json"])
def test_fetch_asks_for_the_next_quarter_retries_and_imports_it(shape, tmp_path, service, capsys):
    data = site(tmp_path, service)
    service.release("2016-Q3", cube_as(shape, "2016-Q3"))
    service.failures = ["503", "slow"]  # once down, once too slow: the third attempt gets it

    assert main(["data", "fetch", "--config", str(tmp_path / "bulletin.toml")]) == 0

    out = capsys.readouterr().out
    assert "2016Q3: read" in out and "added 47 rows" in out and "2016Q4: not released yet" in out
    asked = [(r["path"], r["query"]) for r in service.requests]
    expected_path = f"/rest/data/{DATAFLOW}/{KEY}"
    assert asked == [(expected_path, {"startPeriod": ["2016-Q3"], "endPeriod": ["2016-Q3"]})] * 3 + [
        (expected_path, {"startPeriod": ["2016-Q4"], "endPeriod": ["2016-Q4"]})]
    assert {r["accept"] for r in service.requests} == {ACCEPT}
    dataset = load_dataset(data)
    quarter = dataset.trade[dataset.trade["period"] == "2016Q3"]
    assert len(quarter) == 47 and quarter["provisional"].all()
    milano = quarter[(quarter["territory"] == "ITC4C") & (quarter["product"] == "26.5") & (quarter["partner"] == "US")
                     & (quarter["flow"] == "export")]
    assert milano["value_eur"].tolist() == [110_000]
    [download] = [p for p in (data / "raw").iterdir() if not p.name.endswith(".about.json")]
    note = json.loads((data / "raw" / (download.name + ".about.json")).read_text())
    assert download.read_bytes() == service.released["2016-Q3"]  # kept as it came
    assert note["url"] == f"{service.url}/data/{DATAFLOW}/{KEY}?startPeriod=2016-Q3&endPeriod=2016-Q3"
    assert note["sha256"] == hashlib.sha256(download.read_bytes()).hexdigest()
    assert note["fetched_at"].endswith("Z") and note["imported_at"]

    # The second fetch asks again for the provisional quarter (same bytes: not imported again)
    # and for the next one (not released): nothing changes.
    before = folder_digest(data)
    service.requests.clear()
    assert main(["data", "fetch", "--config", str(tmp_path / "bulletin.toml")]) == 0
    assert "nothing new" in capsys.readouterr().out
    assert [r["query"]["startPeriod"] for r in service.requests] == [["2016-Q3"], ["2016-Q4"]]
    assert folder_digest(data) == before


def test_a_service_that_stays_down_imports_nothing_and_says_so_in_one_line(tmp_path, service, capsys):
    data = site(tmp_path, service)
    service.release("2016-Q3", cube_as("csv", "2016-Q3"))
    service.failures = ["503", "slow", "503", "503"]
    before = folder_digest(data)

    assert main(["data", "fetch", "--config", str(tmp_path / "bulletin.toml")]) == 1

    message = capsys.readouterr().err.strip()
    assert "\n" not in message and "no answer after 4 attempts (last: HTTP 503" in message
    assert folder_digest(data) == before
    assert len(service.requests) == 4


def test_a_bad_download_is_kept_but_imports_nothing(tmp_path, service, capsys):
    data = site(tmp_path, service)
    service.release("2016-Q3", cube_as("csv", "2016-Q3").replace(b",ITC45,", b",ITC99,", 1))
    trade = folder_digest(data / "trade")

    assert main(["data", "fetch", "--config", str(tmp_path / "bulletin.toml")]) == 2

    message = capsys.readouterr().err.strip()
    assert "column 'REF_AREA': unknown territory code" in message and str(data / "raw") in message
    assert folder_digest(data / "trade") == trade


def test_fetch_without_dataflow_and_key_says_what_to_set(tmp_path, capsys):
    (tmp_path / "bulletin.toml").write_text("[source]\n", encoding="utf-8")
    assert main(["data", "fetch", "--config", str(tmp_path / "bulletin.toml"), "--data", str(SAMPLE_DATA)]) == 2
    message = capsys.readouterr().err
    assert "[source] dataflow and key not set" in message and "139_176 has only the total of goods" in message
    assert load_config(None, cwd=tmp_path).source.url == "https://esploradati.istat.it/SDMXWS/rest"


def sample_quarter_as_sdmx_csv(folder: Path, quarter: str) -> bytes:
    """The sample generator's next quarter, written as ISTAT's SDMX-CSV 1.0 with provisional figures."""
    made = folder / "made"
    subprocess.run([sys.executable, str(REPO / "scripts" / "generate_sample.py"), "--only", quarter,
                    "--out", str(made), "--no-check"], check=True, capture_output=True)
    rows = gzip.decompress((made / "trade" / f"{quarter}.csv.gz").read_bytes()).decode().splitlines()[1:]
    lines = ["DATAFLOW,FREQ,REF_AREA,DATA_TYPE,CPA_ATECO2007_COE,PARTNER_COUNTRY,TIME_PERIOD,OBS_VALUE,UNIT_MULT,"
             "OBS_STATUS"]
    for row in rows:
        period, flow, territory, product, partner, value = row.split(",")
        lines.append(f"IT1:TRADE(1.0),Q,{territory},{'EV' if flow == 'export' else 'IV'},{product},{partner},"
                     f"{period[:4]}-Q{period[-1]},{value},0,P")
    return ("\n".join(lines) + "\n").encode()


def source_section(service) -> str:
    """A `[source]` section asking the stand-in service, with fetching before publishing."""
    return f'[source]\nurl = "{service.url}"\ndataflow = "{DATAFLOW}"\nkey = "{KEY}"\nfetch = true\n'


def schedule_once(folder, epoch: str) -> subprocess.CompletedProcess:
    """A real `bulletin schedule --once` in `folder`, its build dated `epoch` (SOURCE_DATE_EPOCH)."""
    return subprocess.run([sys.executable, "-m", "bulletin.cli", "schedule", "--once"], cwd=folder,
                          capture_output=True, text=True, timeout=300, env={**os.environ, "SOURCE_DATE_EPOCH": epoch})


def test_schedule_once_with_fetch_publishes_the_quarter_the_service_released(tmp_path, service, smtp, monkeypatch):
    port, recorder = smtp
    shutil.copytree(SAMPLE_DATA, tmp_path / "data")
    service.release("2017-Q2", sample_quarter_as_sdmx_csv(tmp_path, "2017Q2"))
    (tmp_path / "bulletin.toml").write_text(f"""
[mail]
recipients = ["a@example.org"]
smtp_host = "127.0.0.1"
smtp_port = {port}

{source_section(service)}""", encoding="utf-8")

    result = schedule_once(tmp_path, "1500000000")

    assert result.returncode == 0, result.stderr
    assert [r["query"]["startPeriod"] for r in service.requests] == [["2017-Q2"], ["2017-Q3"]]
    [envelope] = recorder.envelopes
    names = [part.get_filename() for part in email.message_from_bytes(envelope.content).walk()]
    assert "bollettino-hitech-lombardia-2017Q2.pdf" in names
    indicators = json.loads((tmp_path / "output" / "2017Q2" / "ITC4" / "it-r1" / "indicators.json").read_text())
    assert indicators["quarter"] == "2017Q2" and indicators["provisional"] is True
