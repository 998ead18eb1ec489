"""Loading and validation: every kind of bad input gives its located one-line message, exit 2, no writes."""
from __future__ import annotations

import gzip
import hashlib

import pytest

from bulletin.cli import main
from bulletin.data.selection import territory_rows
from bulletin.data.trade import load_dataset, merge_trade, write_trade_file
from bulletin.errors import DataError
from conftest import HEADER, SMALL_ROWS, folder_digest, write_data


def replace_line(rows: str, old: str, new: str) -> str:
    assert old in rows
    return rows.replace(old, new, 1)


# Each case: how to spoil the small data set, and the message expected (file name, row, column, text).
BAD_ROWS = [
    ("bad period", "2017Q1,export,ITC4C,21.2,US,500", "2017-1,export,ITC4C,21.2,US,500",
     "trade.csv:17: column 'period': not a quarter like 2017Q1 (got '2017-1')"),
    ("unknown flow", "2017Q1,export,ITC4C,21.2,US,500", "2017Q1,exports,ITC4C,21.2,US,500",
     "trade.csv:17: column 'flow': unknown flow (expected export or import) (got 'exports')"),
    ("unknown territory", "2017Q1,export,ITC4C,21.2,US,500", "2017Q1,export,ITC45,21.2,US,500",
     "trade.csv:17: column 'territory': unknown territory code (got 'ITC45')"),
    ("unknown product", "2017Q1,export,ITC4C,21.2,US,500", "2017Q1,export,ITC4C,29.1,US,500",
     "trade.csv:17: column 'product': unknown hi-tech product group (got '29.1')"),
    ("unknown partner", "2017Q1,export,ITC4C,21.2,US,500", "2017Q1,export,ITC4C,21.2,USA,500",
     "trade.csv:17: column 'partner': unknown partner country code (got 'USA')"),
    ("aggregate partner", "2017Q1,export,ITC4C,21.2,US,500", "2017Q1,export,ITC4C,21.2,EU,500",
     "trade.csv:17: column 'partner': unknown partner country code (got 'EU')"),
    ("negative value", "2017Q1,export,ITC4C,21.2,US,500", "2017Q1,export,ITC4C,21.2,US,-500",
     "trade.csv:17: column 'value_eur': negative value (got '-500')"),
    ("non-numeric value", "2017Q1,export,ITC4C,21.2,US,500", "2017Q1,export,ITC4C,21.2,US,5OO",
     "trade.csv:17: column 'value_eur': not a number (got '5OO')"),
    ("missing value", "2017Q1,export,ITC4C,21.2,US,500", "2017Q1,export,ITC4C,21.2,US,",
     "trade.csv:17: column 'value_eur': not a number (got '')"),
    ("duplicate key", "2017Q1,export,ITC49,26.5,DE,100", "2017Q1,export,ITC4C,21.2,US,100",
     "trade.csv:18: duplicate key 2017Q1,export,ITC4C,21.2,US"),
    ("no region row", "2017Q1,import,ITC4,21.2,CN,330\n", "",
     "column 'territory': quarter 2017Q1 has province rows but no Lombardy (ITC4) rows for flow 'import'"),
    ("no national row", "2017Q1,import,IT,21.2,CN,900\n", "",
     "column 'territory': quarter 2017Q1 has province rows but no Italy (IT) rows for flow 'import'"),
    ("region below provinces", "2017Q1,export,ITC4,21.2,US,600", "2017Q1,export,ITC4,21.2,US,400",
     "column 'value_eur': ITC4 export total 2017Q1 is smaller than the sum of its provinces (got '550 < 600')"),
    ("italy below region", "2017Q1,export,IT,21.2,US,1200", "2017Q1,export,IT,21.2,US,100",
     "column 'value_eur': Italy export total 2017Q1 is smaller than the sum of its regions (got '700 < 750')"),
]


@pytest.mark.parametrize("case, old, new, expected", BAD_ROWS, ids=[c[0] for c in BAD_ROWS])
def test_bad_rows_are_reported_with_file_row_and_column(tmp_path, capsys, case, old, new, expected):
    data = write_data(tmp_path / "data", replace_line(SMALL_ROWS, old, new))
    before = folder_digest(tmp_path)
    assert main(["data", "check", "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert all(line.startswith(str(data)) for line in err.splitlines()), err
    assert folder_digest(tmp_path) == before


def test_every_problem_is_listed_at_once(tmp_path, capsys):
    rows = SMALL_ROWS.replace("2017Q1,export,ITC4C,21.2,US,500", "2017Q1,export,ITC4C,21.2,XX,-1")
    data = write_data(tmp_path / "data", rows)
    assert main(["data", "check", "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert "column 'partner'" in err and "column 'value_eur': negative value" in err


@pytest.mark.parametrize("content, expected", [
    (b"", "trade.csv: file is empty"),
    (HEADER.encode(), "trade.csv: file has a header but no rows"),
    (b"period,flow,territory,product,value_eur\n2017Q1,export,IT,21.2,1\n",
     "trade.csv:1: column 'partner': missing column"),
    (HEADER.replace("\n", ",note\n").encode() + b"2017Q1,export,IT,21.2,US,1,x\n",
     "trade.csv:1: column 'note': unknown column"),
    (HEADER.encode() + "2017Q1,export,IT,21.2,US,1\n2017Q1,export,IT,21.2,DE,\xe9\n".encode("latin-1"),
     "trade.csv:3: not UTF-8 text (byte 0xe9)"),
    (HEADER.encode() + b"2017Q1,export,IT,21.2,US,1,2,3\n",
     "trade.csv:2: malformed CSV"),
], ids=["empty", "header only", "missing column", "unknown column", "not utf-8", "too many fields"])
def test_bad_files(tmp_path, capsys, content, expected):
    data = tmp_path / "data"
    (data / "trade").mkdir(parents=True)
    (data / "trade" / "trade.csv").write_bytes(content)
    before = folder_digest(tmp_path)
    assert main(["data", "check", "--data", str(data)]) == 2
    assert expected in capsys.readouterr().err
    assert folder_digest(tmp_path) == before


def test_missing_trade_folder(tmp_path, capsys):
    assert main(["data", "check", "--data", str(tmp_path / "nowhere")]) == 2
    assert "nowhere/trade: no trade files found" in capsys.readouterr().err


def test_missing_quarter_names_the_available_ones(small_data, capsys):
    assert main(["indicators", "--quarter", "2018Q1", "--data", str(small_data)]) == 2
    assert "quarter 2018Q1 is not in the data; available quarters: 2016Q1..2017Q1" in capsys.readouterr().err


def test_bad_services_rows(tmp_path, capsys):
    services = ("period,provider,service,firms,smes,activities\n"
                "2017Q1,Promos,Assistenza personalizzata,20,25,3\n"
                "2017Q1,,Vetrine,1.5,1,2\n")
    data = write_data(tmp_path / "data", services=services)
    assert main(["data", "check", "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert "services.csv:2: column 'smes': more SMEs than firms (got '25')" in err
    assert "services.csv:3: column 'provider': empty name (got '')" in err
    assert "services.csv:3: column 'firms': not a whole number (got '1.5')" in err


def test_services_file_is_optional(tmp_path):
    dataset = load_dataset(write_data(tmp_path / "data", services=None))
    assert dataset.services.empty and len(dataset.trade) == 18


def test_gzip_and_plain_files_load_alike(tmp_path):
    plain = load_dataset(write_data(tmp_path / "a"))
    folder = tmp_path / "b" / "trade"
    folder.mkdir(parents=True)
    (folder / "all.csv.gz").write_bytes(gzip.compress((HEADER + SMALL_ROWS).encode()))
    zipped = load_dataset(tmp_path / "b")
    assert zipped.trade.equals(plain.trade)


def test_bom_and_windows_line_ends_are_accepted(tmp_path):
    data = tmp_path / "data"
    (data / "trade").mkdir(parents=True)
    (data / "trade" / "t.csv").write_bytes(("\ufeff" + HEADER + SMALL_ROWS).replace("\n", "\r\n").encode())
    assert load_dataset(data).trade["value_eur"].sum() == pytest.approx(
        sum(float(line.rsplit(",", 1)[1]) for line in SMALL_ROWS.splitlines()))


def test_merge_adds_replaces_and_keeps_one_file_per_quarter(tmp_path):
    data = tmp_path / "data"
    (data / "trade").mkdir(parents=True)
    dataset = load_dataset(write_data(tmp_path / "src", services=None))
    for quarter in ("2016Q1", "2017Q1"):
        write_trade_file(data / "trade" / f"{quarter}.csv.gz", dataset.trade[dataset.trade["period"] == quarter])
    incoming = dataset.trade[dataset.trade["period"] == "2017Q1"].copy()
    incoming.loc[incoming["territory"] == "IT", "value_eur"] += 10
    report = merge_trade(data, incoming)
    assert (report.added, report.replaced, report.unchanged) == (0, 3, 6)
    assert [p.name for p in report.files] == ["2017Q1.csv.gz"]
    merged = load_dataset(data).trade
    assert merged.loc[(merged["territory"] == "IT") & (merged["period"] == "2017Q1"), "value_eur"].sum() == 2730


def test_merge_refuses_data_that_breaks_the_totals_and_writes_nothing(tmp_path):
    data = write_data(tmp_path / "data", services=None)
    dataset = load_dataset(data)
    incoming = dataset.trade[(dataset.trade["territory"] == "ITC4C") & (dataset.trade["period"] == "2017Q1")].copy()
    incoming["value_eur"] *= 10
    before = folder_digest(tmp_path)
    with pytest.raises(DataError, match="smaller than the sum of its provinces"):
        merge_trade(data, incoming)
    assert folder_digest(tmp_path) == before


def test_validated_rows_are_cached_by_the_hash_of_the_files(tmp_path, caplog):
    rows = SMALL_ROWS.replace("2016Q1,export,ITC49,26.5,DE,50", "2016Q1,export,ITC49,21.2,US,150")  # gives a warning
    data = write_data(tmp_path / "data", rows)
    (data / ".cache").mkdir()
    (data / ".cache" / "trade-0123456789abcdef.parquet").write_bytes(b"a cache of an earlier version")
    first = load_dataset(data)
    [cache] = (data / ".cache").iterdir()  # the earlier version's cache is gone
    assert cache.name.startswith("trade-") and cache.suffix == ".arrow"
    again = load_dataset(data)
    assert again.trade.equals(first.trade) and again.warnings == first.warnings and first.warnings
    assert cache.stat().st_mtime_ns == next((data / ".cache").glob("trade-*.arrow")).stat().st_mtime_ns
    # A changed source file makes a new cache and removes the old one.
    (data / "trade" / "trade.csv").write_text(HEADER + rows.replace(",1200", ",1300"), encoding="utf-8")
    changed = load_dataset(data)
    assert changed.trade["value_eur"].sum() == first.trade["value_eur"].sum() + 100
    assert [p.name for p in (data / ".cache").glob("*.arrow")] != [cache.name]
    assert len(list((data / ".cache").glob("*.arrow"))) == 1
    # A damaged cache is ignored with a warning and rebuilt.
    [current] = (data / ".cache").glob("*.arrow")
    current.write_bytes(b"not arrow")
    assert load_dataset(data).trade.equals(changed.trade)
    assert "ignoring unreadable data cache" in caplog.text


def test_bad_data_is_never_cached(tmp_path):
    data = write_data(tmp_path / "data", SMALL_ROWS.replace(",1200", ",-1200"))
    with pytest.raises(DataError):
        load_dataset(data)
    assert not (data / ".cache").exists()


def test_rows_are_held_by_territory_and_quarter(small_data):
    dataset = load_dataset(small_data)
    trade = dataset.trade
    keys = list(zip(trade["territory"].cat.codes, trade["period"].cat.codes))
    assert keys == sorted(keys)
    for territories, quarters in [(["ITC4C", "IT"], ["2017Q1"]), (["ITC4"], None), (["ITC4D", "XX"], ["2017Q1", "1999Q1"]),
                                  ([], None)]:
        wanted = trade["territory"].isin(territories) & (trade["period"].isin(quarters) if quarters else True)
        found = territory_rows(trade, territories, quarters)
        assert found.equals(trade[wanted])
        shuffled = trade.sample(frac=1, random_state=3)
        assert territory_rows(shuffled, territories, quarters).sort_index().equals(found)


def test_source_files_are_hashed_once_as_read(small_data):
    dataset = load_dataset(small_data)
    assert dataset.source_hashes == {path: hashlib.sha256(path.read_bytes()).hexdigest()
                                     for path in dataset.source_files}
