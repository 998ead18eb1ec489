"""The shipped sample data are exactly what scripts/generate_sample.py produces."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "generate_sample.py"
DATA = ROOT / "data"


def _generate(out: Path, *args: str) -> None:
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(out), *args],
                   check=True, capture_output=True, text=True, timeout=120)


def test_committed_sample_data_is_reproducible(tmp_path):
    # The generator also re-reads its output and asserts every constraint of the sample data.
    _generate(tmp_path)
    committed = sorted(p.name for p in (DATA / "trade").glob("*.csv.gz"))
    generated = sorted(p.name for p in (tmp_path / "trade").glob("*.csv.gz"))
    assert len(committed) == 17 and committed[0] == "2013Q1.csv.gz" and committed[-1] == "2017Q1.csv.gz"
    assert generated == committed
    for name in committed:
        assert (tmp_path / "trade" / name).read_bytes() == (DATA / "trade" / name).read_bytes(), name
    assert (tmp_path / "services.csv").read_bytes() == (DATA / "services.csv").read_bytes()


def test_later_quarter_does_not_change_the_shipped_ones(tmp_path):
    _generate(tmp_path / "until", "--until", "2017Q2", "--no-check")
    _generate(tmp_path / "only", "--only", "2017Q2")
    for name in ("2016Q1.csv.gz", "2017Q1.csv.gz"):
        assert (tmp_path / "until" / "trade" / name).read_bytes() == (DATA / "trade" / name).read_bytes()
    later = (tmp_path / "only" / "trade" / "2017Q2.csv.gz").read_bytes()
    assert later == (tmp_path / "until" / "trade" / "2017Q2.csv.gz").read_bytes()
    assert sorted(p.name for p in (tmp_path / "only" / "trade").iterdir()) == ["2017Q2.csv.gz"]
    services = (tmp_path / "only" / "services.csv").read_text(encoding="utf-8")
    assert services.startswith((DATA / "services.csv").read_text(encoding="utf-8"))
    assert "2017Q2,Innovhub SSI,Finanziamenti all'innovazione," in services
