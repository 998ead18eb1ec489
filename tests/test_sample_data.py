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


def test_national_scale_is_valid_data_for_every_territory(tmp_path):
    from bulletin import reference
    from bulletin.data.trade import load_dataset

    out = tmp_path / "national"
    result = subprocess.run([sys.executable, str(SCRIPT), "--scale", "national", "--out", str(out),
                             "--quarters", "2"], check=True, capture_output=True, text=True, timeout=120)
    assert "rows" in result.stdout and " s" in result.stdout
    assert sorted(p.name for p in (out / "trade").iterdir()) == ["2013Q1.csv.gz", "2013Q2.csv.gz"]

    dataset = load_dataset(out)  # raises DataError on any problem, e.g. a region below its provinces
    trade = dataset.trade
    assert dataset.quarters == ["2013Q1", "2013Q2"]
    level = trade["territory"].map(lambda code: reference.TERRITORIES[code].level)
    assert trade.loc[level == "region", "territory"].nunique() == 21
    assert trade.loc[level == "province", "territory"].nunique() == 107
    assert set(trade["territory"]) == set(reference.TERRITORIES)
    assert set(trade["product"]) == set(reference.PRODUCTS)
    assert set(trade["flow"]) == {"export", "import"}
    assert 190 <= trade["partner"].nunique() <= 210
    assert len(trade) > 200_000  # a national data set: about 165,000 rows a quarter
    exports = trade[trade["flow"] == "export"].groupby(["period", "territory"])["value_eur"].sum()
    italy, lombardy = exports[("2013Q2", "IT")], exports[("2013Q2", "ITC4")]
    assert 7e9 < italy < 12e9 and 0.25 < lombardy / italy < 0.40
    # small provinces trade with fewer partners than Milano
    partners = trade[level == "province"].groupby("territory")["partner"].nunique()
    assert partners["ITC4C"] > 2 * partners.min()

    # quarters do not depend on how many are generated
    _generate(tmp_path / "only", "--scale", "national", "--only", "2013Q2")
    assert (tmp_path / "only" / "trade" / "2013Q2.csv.gz").read_bytes() == \
        (out / "trade" / "2013Q2.csv.gz").read_bytes()


def test_national_scale_never_writes_into_the_repository_data(tmp_path):
    for args in (["--scale", "national"], ["--scale", "national", "--out", str(DATA)]):
        result = subprocess.run([sys.executable, str(SCRIPT), *args, "--quarters", "1"],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 2 and "data/" in result.stderr, result.stderr
