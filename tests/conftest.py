"""Shared fixtures: small hand-made data folders whose figures the tests can compute by hand."""
from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DATA = REPO / "data"

HEADER = "period,flow,territory,product,partner,value_eur\n"

# A tiny but complete data set: Italy, Lombardia and two provinces, two quarters a year apart.
SMALL_ROWS = """\
2016Q1,export,IT,21.2,US,1000
2016Q1,export,IT,26.5,DE,500
2016Q1,import,IT,21.2,CN,800
2016Q1,export,ITC4,21.2,US,400
2016Q1,export,ITC4,26.5,DE,200
2016Q1,import,ITC4,21.2,CN,300
2016Q1,export,ITC4C,21.2,US,300
2016Q1,export,ITC49,26.5,DE,50
2016Q1,import,ITC4C,21.2,CN,250
2017Q1,export,IT,21.2,US,1200
2017Q1,export,IT,26.5,DE,600
2017Q1,import,IT,21.2,CN,900
2017Q1,export,ITC4,21.2,US,600
2017Q1,export,ITC4,26.5,DE,150
2017Q1,import,ITC4,21.2,CN,330
2017Q1,export,ITC4C,21.2,US,500
2017Q1,export,ITC49,26.5,DE,100
2017Q1,import,ITC4C,21.2,CN,300
"""

SMALL_SERVICES = """\
period,provider,service,firms,smes,activities
2016Q1,Innovhub SSI,Prove di laboratorio,40,30,120
2017Q1,Innovhub SSI,Prove di laboratorio,50,36,150
2017Q1,Promos,Assistenza personalizzata,20,18,25
"""


@pytest.fixture(scope="session", autouse=True)
def text_cache_folder(tmp_path_factory) -> Path:
    """The chart text cache of the whole run, in a temporary folder rather than the user's: set
    in the environment, so commands the tests run in other processes use it too."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BULLETIN_CACHE_DIR", str(folder))  # bulletin.charts.textcache.CACHE_VARIABLE
        yield folder


def write_data(folder: Path, rows: str = SMALL_ROWS, services: str | None = SMALL_SERVICES,
               name: str = "trade.csv") -> Path:
    (folder / "trade").mkdir(parents=True, exist_ok=True)
    (folder / "trade" / name).write_text(HEADER + rows, encoding="utf-8")
    if services is not None:
        (folder / "services.csv").write_text(services, encoding="utf-8")
    return folder


def folder_digest(folder: Path) -> dict[str, str]:
    """Every file below `folder` with the SHA-256 of its bytes, to prove nothing was written."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def small_data(tmp_path: Path) -> Path:
    return write_data(tmp_path / "data")


@pytest.fixture(scope="module")
def sample():
    """The shipped sample data and the Q1 2017 Lombardia indicators computed from it."""
    from bulletin.data.trade import load_dataset
    from bulletin.indicators.compute import compute_indicators

    dataset = load_dataset(SAMPLE_DATA)
    return dataset, compute_indicators(dataset.trade, dataset.services, "2017Q1", "ITC4")



@pytest.fixture(scope="module")
def region(sample):
    """The Q1 2017 Lombardia indicators of the shipped sample."""
    return sample[1]


@pytest.fixture(scope="module")
def brand():
    """The shipped brand, as the charts and the document read it."""
    from bulletin.brand import load_brand
    from bulletin.templates import SHIPPED_TEMPLATES

    return load_brand(SHIPPED_TEMPLATES / "brand")

def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Recorder:
    """An SMTP handler that keeps every envelope it accepts."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp():
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, recorder
    controller.stop()


def national_sample(data: Path, quarters: tuple[str, ...] = ("2016Q1", "2017Q1")) -> Path:
    """The national sample's `quarters` (every region and province) written into `data`, as
    `scripts/generate_sample.py --scale national` makes them; `data` is returned."""
    for quarter in quarters:
        subprocess.run([sys.executable, str(REPO / "scripts" / "generate_sample.py"), "--scale", "national",
                        "--out", str(data), "--only", quarter, "--no-check"], check=True, capture_output=True)
    return data
