"""The data folder's lock, with real processes: imports one after the other, and no build reading
while an import writes, so that no revision is lost and an edition records the inputs it read."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

from bulletin.archive.store import latest_edition
from bulletin.data.trade import load_dataset
from conftest import write_data
from test_publish import make_site

ISTAT_HEADER = "DATAFLOW,FREQ,REF_AREA,DATA_TYPE,CPA_ATECO2007_COE,PARTNER_COUNTRY,TIME_PERIOD,OBS_VALUE\n"


def istat_download(path, *rows: tuple[str, str, str, int]):
    """An ISTAT SDMX-CSV download of 2017Q1 exports: (territory, product, partner, euros) per row."""
    path.write_text(ISTAT_HEADER + "".join(f"IT1:139_176(1.0),Q,{territory},EV,{product},{partner},2017-Q1,{value}\n"
                                           for territory, product, partner, value in rows), encoding="utf-8")
    return path


def start_import(download, data, *extra: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bulletin.cli", "data", "import", str(download), "--unit", "eur",
                             "--data", str(data), *extra], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def value_of(data, territory: str, product: str, partner: str) -> float:
    trade = load_dataset(data).trade
    row = (trade["period"] == "2017Q1") & (trade["flow"] == "export") & (trade["territory"] == territory) & \
        (trade["product"] == product) & (trade["partner"] == partner)
    return trade.loc[row, "value_eur"].item()


def test_two_imports_at_once_keep_both_revisions(tmp_path):
    """Two imports revising different keys of one quarter: before the lock, the second to write
    wrote back the rows it had read, without the first one's revision, and both said all was well."""
    milano = istat_download(tmp_path / "milano.csv", ("ITC4C", "21.20", "US", 550))  # was 500
    lodi = istat_download(tmp_path / "lodi.csv", ("ITC49", "26.50", "DE", 120))  # was 100
    for trial in range(3):
        data = write_data(tmp_path / f"data-{trial}")
        imports = [start_import(download, data) for download in (milano, lodi)]
        for process in imports:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
            assert "replaced 1" in out
        assert (value_of(data, "ITC4C", "21.2", "US"), value_of(data, "ITC49", "26.5", "DE")) == (550, 120), trial


@pytest.fixture
def site(tmp_path, monkeypatch, smtp):
    return make_site(tmp_path, monkeypatch, smtp)


def test_an_import_while_publish_reads_the_data_waits_and_the_next_publish_archives_the_revision(site):
    """`publish` is stopped (SIGSTOP) just after hashing the data files, where an import used to
    slip in: the manifest then paired one version's hash with the other version's figures, and a
    later run could take the revision for already archived."""
    folder, recorder = site
    data = folder / "data"
    trade_file = data / "trade" / "2017Q1.csv.gz"
    before = hashlib.sha256(trade_file.read_bytes()).hexdigest()
    added = 1_000_000  # to Lombardia's and Italy's medicines exports to the United States
    revision = istat_download(folder / "revision.csv", *[
        (territory, "21.20", "US", value_of(data, territory, "21.2", "US") + added) for territory in ("IT", "ITC4")])
    shutil.rmtree(data / ".cache")  # publish reads the files themselves, not the cache of validated rows

    publish = subprocess.Popen([sys.executable, "-m", "bulletin.cli", "publish"], cwd=folder,
                               env={**os.environ, "BULLETIN_STOP_AT": "data-hashed"})
    importer = None
    try:
        _, status = os.waitpid(publish.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status), "publish did not stop in the data load"
        importer = start_import(revision, data, "-v")
        for line in importer.stderr:  # the import must wait for the data load to end
            if "waiting for another run to finish with the data folder" in line:
                break
        else:
            pytest.fail(f"the import did not wait for the data load: {importer.wait()}, {importer.stdout.read()}")
        assert importer.poll() is None
        os.kill(publish.pid, signal.SIGCONT)
        assert publish.wait(timeout=180) == 0
        assert importer.wait(timeout=120) == 0
    finally:
        for process in (publish, importer):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()

    first = latest_edition(folder / "output", "2017Q1", "ITC4", "it")
    assert first.revision == 1 and first.sent and len(recorder.envelopes) == 1
    assert recorded_hash(first, trade_file.name) == before  # the file its figures were read from
    after = hashlib.sha256(trade_file.read_bytes()).hexdigest()
    assert after != before

    publish_again = subprocess.run([sys.executable, "-m", "bulletin.cli", "publish"], cwd=folder,
                                   capture_output=True, text=True, timeout=180)
    assert publish_again.returncode == 0, publish_again.stderr
    second = latest_edition(folder / "output", "2017Q1", "ITC4", "it")
    assert second.revision == 2 and second.manifest["revises"] == "it-r1"
    assert recorded_hash(second, trade_file.name) == after
    exports = [json.loads((edition.folder / "indicators.json").read_text())["exports"]["value_eur"]
               for edition in (first, second)]
    assert exports[1] == exports[0] + added
    assert len(recorder.envelopes) == 1  # a revision is archived, not sent (send_revisions = false)


def recorded_hash(edition, name: str) -> str:
    """The SHA-256 the edition's manifest records for the input file called `name`."""
    return next(digest for path, digest in edition.manifest["inputs"].items() if os.path.basename(path) == name)
