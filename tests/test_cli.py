"""The command line end to end: import into a copy of the sample data, help texts, exit codes."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bulletin.archive.store import verify
from bulletin.cli import main
from bulletin.data.cache import cache_path, file_hashes
from bulletin.data.trade import load_dataset, trade_files
from bulletin.faults import available_cores
from conftest import SAMPLE_DATA, folder_digest

# An ISTAT download for 2017Q2 in the old spelling: monthly values in thousands, old territory
# codes, deep product codes, a 2-digit total and a world aggregate that must not be added.
ISTAT_2017Q2 = """\
ITTER107,TIPO_DATO,MERCE_ATECO_2007,PAESE_PARTNER,TIME_PERIOD,OBS_VALUE,UNIT_MULT
{rows}"""


def istat_rows(extra: float = 0.0) -> str:
    rows = []
    for territory, value in (("ITTOT", 900.0), ("ITC4", 400.0), ("ITC45", 300.0)):
        for month in ("2017-04", "2017-05", "2017-06"):
            rows.append(f"{territory},EV,21201,US,{month},{value + extra},3")
            rows.append(f"{territory},EV,21,US,{month},{value * 5},3")          # 2-digit total: skipped
            rows.append(f"{territory},EV,21201,WORLD,{month},{value * 9},3")    # aggregate: skipped
            rows.append(f"{territory},EV,1011,US,{month},{value},3")            # not hi-tech: skipped
    return "\n".join(rows) + "\n"


@pytest.fixture
def data_copy(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(SAMPLE_DATA, target)
    return target


def test_import_adds_a_quarter_then_replaces_revised_values(tmp_path, data_copy, capsys):
    download = tmp_path / "istat.csv"
    download.write_text(ISTAT_2017Q2.format(rows=istat_rows()), encoding="utf-8")
    shutil.rmtree(data_copy / ".cache", ignore_errors=True)
    assert main(["data", "import", str(download), "--data", str(data_copy)]) == 0
    # The next build need not validate again: the import left the cache of exactly these files.
    assert [path.name for path in (data_copy / ".cache").iterdir()] == [cache_path(data_copy, file_hashes(trade_files(data_copy))).name]
    out = capsys.readouterr().out
    assert "skipped 9 outside hi-tech" in out
    assert "added 3 rows, replaced 0" in out
    trade = load_dataset(data_copy).trade
    q2 = trade[trade["period"] == "2017Q2"].set_index("territory")["value_eur"]
    assert q2.to_dict() == {"IT": 2_700_000.0, "ITC4": 1_200_000.0, "ITC4C": 900_000.0}
    assert (data_copy / "trade" / "2017Q2.csv.gz").is_file()

    download.write_text(ISTAT_2017Q2.format(rows=istat_rows(extra=1.0)), encoding="utf-8")
    assert main(["data", "import", str(download), "--data", str(data_copy)]) == 0
    assert "added 0 rows, replaced 3" in capsys.readouterr().out
    trade = load_dataset(data_copy).trade
    assert trade.loc[(trade["period"] == "2017Q2") & (trade["territory"] == "ITC4C"), "value_eur"].item() == 903_000


def test_import_of_a_bad_file_writes_nothing(tmp_path, data_copy, capsys):
    download = tmp_path / "istat.csv"
    download.write_text(ISTAT_2017Q2.format(rows=istat_rows()).replace("2017-06", "2017-13", 1), encoding="utf-8")
    before = folder_digest(data_copy)
    assert main(["data", "import", str(download), "--data", str(data_copy)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err and err[0].startswith(f"{download}:")
    assert folder_digest(data_copy) == before


def test_indicators_command_prints_the_json_contract(capsys):
    assert main(["indicators", "--quarter", "2017Q1", "--data", str(SAMPLE_DATA)]) == 0
    figures = json.loads(capsys.readouterr().out)
    for key in ("quarter", "territory", "previous_year_quarter", "exports", "imports", "trade_eur", "balance_eur",
                "national_exports", "trend", "products", "destinations", "areas", "provinces", "services"):
        assert key in figures
    assert figures["territory"]["code"] == "ITC4" and len(figures["trend"]) == 12
    assert set(figures["provinces"][0]) >= {"code", "name", "exports_eur", "imports_eur", "exports_yoy_pct",
                                             "imports_yoy_pct", "export_rank", "import_rank",
                                             "share_of_region_pct", "top_export_product"}


def test_indicators_are_of_the_edition_build_makes_when_no_territory_is_named(tmp_path, capsys):
    """The first configured territory, as `build` and `send` take it: the figures of that edition."""
    config = tmp_path / "bulletin.toml"
    config.write_text('[edition]\nterritories = ["all", "ITC4C"]\n', encoding="utf-8")
    assert main(["indicators", "--config", str(config), "--quarter", "2017Q1", "--data", str(SAMPLE_DATA)]) == 0
    assert json.loads(capsys.readouterr().out)["territory"]["code"] == "ITC4C"


@pytest.mark.parametrize("command", [[], ["data", "check"], ["data", "import"], ["indicators"], ["build"], ["archive"],
                                     ["send"], ["publish"], ["schedule"], ["status"]])
def test_every_command_has_help_with_an_example(command):
    result = subprocess.run([sys.executable, "-m", "bulletin.cli", *command, "--help"],
                            capture_output=True, text=True, check=True)
    assert "example" in result.stdout and "usage: bulletin" in result.stdout


def test_unknown_territory_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["indicators", "--territory", "../../etc"])
    assert exit_info.value.code == 2
    assert "unknown territory '../../etc'" in capsys.readouterr().err


def test_build_all_makes_the_region_and_every_province_and_reports_a_failure(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    output = tmp_path / "output"
    (output / "2017Q1").mkdir(parents=True)
    (output / "2017Q1" / "ITC41").write_text("not a folder")  # Varese's edition cannot be written
    code = main(["build", "--territory", "all", "--workers", "2", "--data", str(SAMPLE_DATA), "--out", str(output)])
    captured = capsys.readouterr()
    assert code == 1
    assert "12 of 13 editions" in captured.err and "failed: ITC41 it" in captured.err
    rows = [line.split() for line in captured.out.splitlines()[1:]]
    assert [row[1] for row in rows] == ["ITC4", "ITC41", "ITC42", "ITC43", "ITC44", "ITC46", "ITC47", "ITC48",
                                        "ITC49", "ITC4A", "ITC4B", "ITC4C", "ITC4D"]
    assert rows[1][5] == "failed:" and all(row[5] == "built" for row in rows if row[1] != "ITC41")
    assert len(list(output.glob("2017Q1/*/it-r1/*.pdf"))) == 12


def test_expand_territories():
    from bulletin.data.trade import load_dataset
    from bulletin.delivery.publish import expand_territories

    dataset = load_dataset(SAMPLE_DATA)
    assert expand_territories(dataset, ["ITC4"]) == ["ITC4"]
    everything = expand_territories(dataset, ["all"])
    assert everything[0] == "ITC4" and len(everything) == 13 and "IT" not in everything
    assert expand_territories(dataset, ["all", "ITC4C"]) == everything


BUILD_AND_REPORT = """
import gc, json, os, sys
from bulletin.cli import main
forks = []
os.register_at_fork(before=lambda: forks.append(1))
code = main(["build", "--data", sys.argv[1], "--out", sys.argv[2]])
print(json.dumps({"code": code, "matplotlib": "matplotlib" in sys.modules, "collector": gc.isenabled(),
                  "forks": len(forks)}))
"""


def test_a_build_spreads_its_charts_over_the_cores_it_may_use_and_leaves_the_collector_on(tmp_path):
    """Charts are a plain stage: drawn by `in_processes`, one forked process a core it may use
    (none with one core), and nothing else forks; the collector stays on."""
    done = subprocess.run([sys.executable, "-c", BUILD_AND_REPORT, str(SAMPLE_DATA), str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    cores = available_cores()
    assert report == {"code": 0, "matplotlib": True, "collector": True, "forks": min(cores, 7) if cores > 1 else 0}, done.stderr
    charts = sorted(path.name for path in (tmp_path / "out").rglob("charts/*.pdf"))
    assert charts == sorted(f"{name}.pdf" for name in ("trend", "products", "destinations", "areas", "provinces",
                                                       "heatmap", "services"))


def test_the_console_command_flushes_its_output_and_exit_code_before_it_ends(tmp_path):
    """The command ends without tearing down its modules: what it printed and its exit code must
    still reach the caller, and the edition must be complete."""
    shutil.copytree(SAMPLE_DATA, tmp_path / "data")
    command = [sys.executable, "-m", "bulletin.cli", "build", "--data", str(tmp_path / "data"),
               "--out", str(tmp_path / "out")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    pdf = Path(done.stdout.strip())
    assert pdf.name == "bollettino-hitech-lombardia-2017Q1.pdf" and pdf.read_bytes().rstrip().endswith(b"%%EOF")
    assert verify(tmp_path / "out") == []
    (tmp_path / "data" / "trade" / "2017Q1.csv.gz").write_bytes(b"not gzip")
    failed = subprocess.run(command[:-2] + ["--out", str(tmp_path / "other")], capture_output=True, text=True,
                            timeout=300)
    assert failed.returncode == 2 and failed.stdout == ""
    assert "2017Q1.csv.gz: not a readable gzip file" in failed.stderr


def test_a_quarter_is_read_in_either_case_and_anything_else_is_refused_by_the_parser(capsys):
    assert main(["indicators", "--quarter", "2017q1", "--data", str(SAMPLE_DATA)]) == 0
    assert json.loads(capsys.readouterr().out)["quarter"] == "2017Q1"
    with pytest.raises(SystemExit) as exited:
        main(["indicators", "--quarter", "2017Z1", "--data", str(SAMPLE_DATA)])
    assert exited.value.code == 2 and "not a quarter like 2017Q1: '2017Z1'" in capsys.readouterr().err


def test_a_reader_that_stops_early_ends_the_command_quietly():
    """`bulletin indicators | head -1`: the pipe closes under the command, which says nothing of it."""
    command = subprocess.Popen([sys.executable, "-m", "bulletin.cli", "indicators", "--data", str(SAMPLE_DATA)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    command.stdout.close()  # gone before the command writes anything (it reads the data first)
    assert command.wait(timeout=120) == 1 and command.stderr.read() == b""
