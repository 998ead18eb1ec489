"""Bad input never crashes and never corrupts: property-based tests of `data check` and `data import`.

Hypothesis spoils a small, valid data set (tests/conftest.py) and the ISTAT fixtures field by
field, row by row, in the header, the separators, the quoting, the line ends, the encoding and
the compression, and also feeds plain random text and bytes. Whatever comes in, the command

- exits 0 (the input was valid), or exits 2 with every stderr line located as `FILE:ROW: ...`
  or `FILE: ...` (starting with the path of an input file or of the data folder): no traceback,
  no exception text, no message broken over lines;
- on exit 2 leaves the data folder byte for byte as it was (the `.cache/` included);
- on exit 0 accepts only canonical data: ASCII quarters none after the current one, known codes,
  non-negative euros up to 10^15, and (for an import) a data folder that `data check` accepts
  afterwards.

The number of examples is sized so that the module runs in well under a minute; set
BULLETIN_FUZZ_SCALE=10 (say) for a longer hunt.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import re
import subprocess
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from bulletin import reference
from bulletin.cli import main
from bulletin.data.checks import MAX_VALUE, is_future_quarter
from bulletin.data.reading import decode_text, read_bytes, read_csv_text, read_plain_csv
from bulletin.data.trade import TRADE_COLUMNS, load_dataset, trade_files
from conftest import HEADER, SMALL_ROWS, SMALL_SERVICES, write_data

FIXTURES = Path(__file__).parent / "fixtures" / "istat"
SCALE = float(os.environ.get("BULLETIN_FUZZ_SCALE", "1"))


def fuzz_settings(examples: int) -> settings:
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example])


# --------------------------------------------------------------------------- running


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_cli(args: list[str]) -> Run:
    """`bulletin ARGS` in this process; an exception escaping `main` fails the test with its traceback."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exc:  # argparse
            code = exc.code
    return Run(code, out.getvalue(), err.getvalue())


def digest(folder: Path, with_cache: bool = True) -> dict[str, str]:
    """Every file below `folder` (optionally leaving out `.cache/`) and the SHA-256 of its bytes."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and (with_cache or p.relative_to(folder).parts[0] != ".cache")}


SUMMARY_LINE = re.compile(r"\.\.\. and \d+ more problems")


def assert_located(err: str, data: Path, inputs: list[Path]) -> None:
    """Every line is `FILE:ROW: message` or `FILE: message`, FILE an input file or inside the data folder."""
    assert err.strip(), "exit 2 without a message"
    assert "Traceback" not in err and "\r" not in err, err
    assert not re.search(r"\b[A-Z]\w*(Error|Exception)\b|C error", err), f"exception text in:\n{err}"
    places = [re.escape(str(p)) for p in inputs] + [re.escape(str(data)) + r"(/[^:\n]*)?"]
    located = re.compile(rf"(?:{'|'.join(places)})(?::\d+)?: \S.*")
    for line in err.rstrip("\n").split("\n"):
        assert located.fullmatch(line) or SUMMARY_LINE.fullmatch(line), f"unlocated line {line!r} in:\n{err}"


QUARTER = re.compile(r"[0-9]{4}Q[1-4]")


def assert_canonical(data: Path) -> None:
    """What was accepted is canonical: the rows the bulletin will compute from are all well-formed."""
    dataset = load_dataset(data)
    services = dataset.services
    assert services["period"].map(lambda p: QUARTER.fullmatch(p) is not None).all()
    for column in ("firms", "smes", "activities"):
        assert str(services[column].dtype) == "int64" and (services[column] >= 0).all(), services[column]
    assert (services["smes"] <= services["firms"]).all()
    trade = dataset.trade
    assert sorted(trade.columns) == sorted(TRADE_COLUMNS + ["provisional"])  # and whether ISTAT flagged it provisional
    periods = trade["period"].astype(str)
    assert periods.map(lambda p: QUARTER.fullmatch(p) is not None).all(), sorted(set(periods))
    assert not any(is_future_quarter(quarter) for quarter in set(periods)), sorted(set(periods))
    assert trade["flow"].astype(str).isin(["export", "import"]).all()
    assert trade["territory"].astype(str).isin(list(reference.TERRITORIES)).all()
    assert trade["product"].astype(str).isin(list(reference.PRODUCTS)).all()
    assert trade["partner"].astype(str).isin(list(reference.partner_codes())).all()
    values = trade["value_eur"]
    assert (values.notna() & (values >= 0) & (values <= MAX_VALUE)).all()
    totals = trade.groupby(["period", "flow", "territory"], observed=True)["value_eur"].sum()
    assert (totals < float("inf")).all(), "totals the bulletin prints must be numbers"


def check_outcome(run: Run, data: Path, before: dict[str, str], inputs: list[Path]) -> None:
    assert run.code in (0, 2), f"exit {run.code}:\n{run.err}"
    if currently_in_test_context():
        event(f"exit {run.code}")  # --hypothesis-show-statistics: how often the input was valid
    if run.code == 2:
        assert_located(run.err, data, inputs)
        assert digest(data) == before, "a refused input changed the data folder"


def data_check(data: Path) -> Run:
    """`bulletin data check` on a folder, with the promise checked; returns the run."""
    before = digest(data)
    run = run_cli(["data", "check", "--data", str(data)])
    check_outcome(run, data, before, [])
    if run.code == 0:
        assert digest(data, with_cache=False) == {k: v for k, v in before.items() if not k.startswith(".cache")}
        assert_canonical(data)
    return run


def data_import(data: Path, files: list[Path], unit: str | None, valid_before: bool = True) -> Run:
    """`bulletin data import FILES` into a folder, with the promise checked; returns the run.

    An import that succeeds into a valid folder must leave it valid for `data check`.
    """
    before = digest(data)
    run = run_cli(["data", "import", *map(str, files), "--data", str(data)] + (["--unit", unit] if unit else []))
    check_outcome(run, data, before, files)
    if run.code == 0:
        after = digest(data)
        changed = {name for name in set(before) | set(after) if before.get(name) != after.get(name)}
        assert all(name.startswith(("trade/", ".cache/")) for name in changed), changed  # the cache is derived
        assert data_check(data).code == 0 or not valid_before, "an import wrote data that `data check` refuses"
    return run


# ------------------------------------------------------------------------ CSV tables

Table = list[list[str]]  # rows of fields; the header is row 0; [] is a blank line


def table_of(text: str, sep: str = ",") -> Table:
    return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep)]


TRADE_TABLE = table_of(HEADER + SMALL_ROWS)
SERVICES_TABLE = table_of(SMALL_SERVICES)

# Values that have broken or fooled parsers: numbers at and beyond the edges of a float, words
# for not-a-number, lookalike digits and codes, quotes, control characters, stray whitespace.
NASTY = [
    "", " ", "\t", "0", "-0", "-0.0", "+0", "0.0", "1e308", "-1e308", "1e400", "-1e400", "1e-400",
    "99999999999999999999999", "18446744073709551616", "-9223372036854775809", "NaN", "nan", "-nan",
    "inf", "-inf", "Infinity", "1,5", "1.234,5", "1_000", "0x10", "1e3", "1.5", "-1", "5.", ".5",
    "\u0661\u0662", "\uff15", "\uff12\uff10\uff11\uff17Q1", "2017Q1\n", " 2017Q1", "2017Q1 ", "2017q1",
    "2017Q5", "2017Q0", "17Q1", "2017-Q1", "2017-01", "2017-13", "EXPORT", "Export", "export ", "EV",
    "IV", "SALDO", "ITC4c", "itc4", "ITC45", "IT108", "ITTOT", "ITNI1", "\u0131t", "us", "EU", "QU",
    "WORLD", "EU27_2020", "21.20", "2120", "21", "0010", "TOTAL", "26.5 ", "2651", "\uff12\uff11\uff12\uff10",
    '"', '""', '"x', 'x"', 'a"b', ",", ";", "\x00", "a\x00b", "a\nb", "a\rb", "\r\n", "\ufeff", "\u00e9",
    "\u2028", "\x0c", "\x85", "x" * 3000, "1" * 400, "3", "12", "13", "-3",
]
NASTY_VALUE = st.one_of(st.sampled_from(NASTY), st.text(max_size=12),
                        st.floats(allow_nan=True, allow_infinity=True).map(repr),
                        st.integers(min_value=-10**30, max_value=10**30).map(str))


@st.composite
def spoiled_table(draw, base: Table) -> Table:
    """The base table with a few things wrong (or harmlessly different) about it."""
    table = [list(row) for row in base]
    width = len(base[0])
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from([
            "field", "field", "field", "valid field", "pad", "drop row", "repeat row", "swap rows",
            "blank line", "drop column", "drop header name", "short row", "extra column", "extra field",
            "repeat column", "rename column", "shuffle columns", "raw line"]))
        rows = len(table)
        i = draw(st.integers(0, rows - 1)) if rows else 0
        j = draw(st.integers(0, width - 1))
        if kind in ("field", "valid field", "pad") and rows and table[i]:
            j = min(j, len(table[i]) - 1)
            if kind == "field":
                table[i][j] = draw(NASTY_VALUE)
            elif kind == "valid field":  # another row's value: duplicates, swapped codes
                table[i][j] = draw(st.sampled_from([row[j] for row in base if len(row) > j]))
            else:
                table[i][j] = draw(st.sampled_from([" ", "\t", "  "])) + table[i][j] + draw(st.sampled_from(["", " ", "\t"]))
        elif kind == "drop row" and rows > 1:
            del table[i]
        elif kind == "repeat row" and rows:
            table.insert(draw(st.integers(0, rows)), list(table[i]))
        elif kind == "swap rows" and rows > 2:
            k = draw(st.integers(1, rows - 1))
            table[max(i, 1)], table[k] = table[k], table[max(i, 1)]
        elif kind == "blank line":
            table.insert(draw(st.integers(0, rows)), [])
        elif kind == "drop column":
            table = [row[:j] + row[j + 1:] for row in table]
        elif kind == "drop header name" and rows:
            table[0] = table[0][:j] + table[0][j + 1:]
        elif kind == "short row" and rows and table[i]:
            table[i] = table[i][:draw(st.integers(0, len(table[i]) - 1))]
        elif kind == "extra column":
            name = draw(st.sampled_from(["note", "", "period", "value_eur", "OBS_VALUE", "REF_AREA", "UNIT_MULT"])
                        | st.text(max_size=8))
            table = [row + [name if n == 0 else draw(NASTY_VALUE)] if row else row for n, row in enumerate(table)]
        elif kind == "extra field" and rows and table[i]:
            table[i] = table[i] + [draw(NASTY_VALUE)]
        elif kind == "repeat column" and rows:
            table = [row + [row[j]] if len(row) > j else row for row in table]
        elif kind == "rename column" and rows and table[0]:
            table[0][min(j, len(table[0]) - 1)] = draw(NASTY_VALUE | st.sampled_from(
                [name.lower() for name in base[0]] + [name.upper() for name in base[0]]
                + ["ITTER107", "REF_AREA", "TIPO_DATO", "DATA_TYPE", "MERCE_ATECO_2007", "PAESE_PARTNER"]))
        elif kind == "shuffle columns":
            order = draw(st.permutations(range(width)))
            table = [[row[k] for k in order if k < len(row)] for row in table]
        elif kind == "raw line":
            table.insert(draw(st.integers(0, rows)), [draw(NASTY_VALUE)])
    return table


@st.composite
def rendered(draw, table: Table, sep: str = ",") -> str:
    """The table as CSV text: proper or naive quoting, this or another separator, any line end."""
    sep = draw(st.sampled_from([sep, sep, sep, ";" if sep == "," else ",", "\t", "|"]))
    end = draw(st.sampled_from(["\n", "\n", "\r\n", "\r"]))
    quoting = draw(st.sampled_from(["minimal", "all", "none"]))
    if quoting == "none":  # fields written as they are: stray quotes and separators stay stray
        lines = [sep.join(row) for row in table]
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=sep, lineterminator="\n",
                            quoting=csv.QUOTE_ALL if quoting == "all" else csv.QUOTE_MINIMAL)
        lines = []
        for row in table:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow(row)
            lines.append(buffer.getvalue()[:-1])
    text = end.join(lines) + draw(st.sampled_from([end, end, "", end * 3]))
    if draw(st.booleans()) and text:  # a quote or separator dropped in anywhere
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(['"', '"', sep, "\n", " ", "\x00"])) + text[at:]
    return text


@st.composite
def encoded(draw, text: str) -> bytes:
    """The text as bytes: UTF-8 (maybe with a BOM), another encoding, or with bytes spoiled."""
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16", "utf-32"]))
    raw = text.encode(encoding, errors="replace")
    damage = draw(st.sampled_from(["none", "none", "none", "insert", "truncate", "nul"]))
    if damage != "none" and raw:
        at = draw(st.integers(0, len(raw)))
        if damage == "insert":
            raw = raw[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\x80", b"\xe9", b"\xed\xa0\x80", b"\xef\xbb\xbf"])) + raw[at:]
        elif damage == "truncate":
            raw = raw[:at]
        else:
            raw = raw[:at] + b"\x00" * draw(st.integers(1, 3)) + raw[at:]
    return raw


@st.composite
def packed(draw, raw: bytes, stem: str) -> tuple[str, bytes]:
    """A file name and its bytes: plain CSV, or gzip (whole, truncated, spoiled) named .csv.gz."""
    how = draw(st.sampled_from(["plain", "plain", "plain", "gzip", "gzip", "truncated gzip",
                                "spoiled gzip", "plain named .gz", "gzip named .csv"]))
    compressed = gzip.compress(raw, mtime=0)
    if how == "plain":
        return f"{stem}.csv", raw
    if how == "gzip":
        return f"{stem}.csv.gz", compressed
    if how == "truncated gzip":
        return f"{stem}.csv.gz", compressed[:draw(st.integers(0, len(compressed) - 1))]
    if how == "spoiled gzip":
        at = draw(st.integers(10, len(compressed) - 1))
        return f"{stem}.csv.gz", compressed[:at] + bytes([compressed[at] ^ draw(st.integers(1, 255))]) + compressed[at + 1:]
    if how == "plain named .gz":
        return f"{stem}.csv.gz", raw
    return f"{stem}.csv", compressed


# ------------------------------------------------------------------ data check cases


@dataclass
class DataCase:
    """A data folder: trade files by name, and services.csv (None: no file)."""

    trade: dict[str, bytes]
    services: bytes | None = SMALL_SERVICES.encode()


def make_data(root: Path, case: DataCase) -> Path:
    data = root / "data"
    (data / "trade").mkdir(parents=True)
    for name, content in case.trade.items():
        (data / "trade" / name).write_bytes(content)
    if case.services is not None:
        (data / "services.csv").write_bytes(case.services)
    return data


@st.composite
def spoiled_file(draw, base: Table, stem: str) -> tuple[str, bytes]:
    text = draw(rendered(draw(spoiled_table(base))))
    return draw(packed(draw(encoded(text)), stem))


@st.composite
def spoiled_data(draw) -> DataCase:
    """The small data set with its trade file (mostly) or its services file spoiled; the trade
    rows in one file, or in one file per quarter (a row may land in both) with one spoiled."""
    stem = draw(st.sampled_from(["trade", "2017Q1"]))
    kind = draw(st.sampled_from(["trade", "trade", "trade", "two files", "services"]))
    if kind == "trade":
        name, content = draw(spoiled_file(TRADE_TABLE, stem))
        return DataCase({name: content}, draw(st.sampled_from([SMALL_SERVICES.encode(), None])))
    if kind == "two files":
        halves = [[TRADE_TABLE[0]] + [row for row in TRADE_TABLE[1:] if row[0] == q] for q in ("2016Q1", "2017Q1")]
        if draw(st.booleans()):  # the same row in both files
            halves[1].append(draw(st.sampled_from(halves[0][1:])))
        spoiled = draw(st.integers(0, 1))
        files = {}
        for n, half in enumerate(halves):
            if n == spoiled:
                name, content = draw(spoiled_file(half, f"q{n}"))
            else:
                name, content = f"q{n}.csv.gz", gzip.compress(("\n".join(map(",".join, half)) + "\n").encode(), mtime=0)
            files[name] = content
        return DataCase(files)
    _, services = draw(spoiled_file(SERVICES_TABLE, "services"))
    return DataCase({f"{stem}.csv": (HEADER + SMALL_ROWS).encode()}, services)


def trade_file(text: str, name: str = "trade.csv") -> DataCase:
    return DataCase({name: text.encode("utf-8", "surrogatepass")})  # a lone surrogate: invalid UTF-8


VALID = HEADER + SMALL_ROWS


def gzip_bytes(text: str) -> bytes:
    return gzip.compress(text.encode(), mtime=0)


@pytest.fixture(scope="module")
def workspace():
    """One temporary folder per example, inside a module-wide one that is removed at the end."""
    with tempfile.TemporaryDirectory(prefix="bulletin-fuzz-") as root:
        counter = iter(range(10**9))
        yield lambda: Path(tempfile.mkdtemp(dir=root, prefix=f"{next(counter)}-"))


@fuzz_settings(350)
@given(case=spoiled_data())
@example(case=trade_file(VALID.replace(",1200\n", ",1e400\n")))
@example(case=trade_file(VALID.replace(",1200\n", ",99999999999999999999999\n")))
@example(case=trade_file(VALID + "2017Q1,export,IT,21.2,XX,-1\n" * 300))  # more problems than are shown
@example(case=trade_file(VALID.replace("period,flow", "period,period,flow")))  # a column twice
# Regressions found by this test (each crashed, broke its message over lines, or was accepted).
@example(case=DataCase({"trade.csv.gz": gzip_bytes(VALID)[:12] + b"\x00" * 40}))  # zlib.error
@example(case=trade_file(VALID.replace("\n", "\r")))  # csv.Error on old-Mac line ends
@example(case=trade_file('"' + "x" * 200_000 + '",' + VALID))  # csv.Error: field larger than field limit
@example(case=trade_file(VALID.replace("period,", '"per\niod",')))  # column name over two lines
@example(case=trade_file(VALID.replace("2016Q1,export,IT,26.5,DE,500", '"2016Q1\n",export,IT,26.5,DE,500')))  # $ took '2016Q1\n'
@example(case=trade_file(VALID.replace("2016Q1", "\uff12\uff10\uff11\uff16Q1")))  # fullwidth digits
@example(case=trade_file(VALID.replace(",1200\n", ",1e308\n").replace(",600\n", ",1e308\n", 1)))  # total: inf
@example(case=DataCase({"trade.csv": VALID.encode()}, SMALL_SERVICES.replace(",40,", ",inf,").encode()))  # int cast
@example(case=DataCase({"trade.csv": VALID.encode()},  # counts beyond int64 wrapped to negatives
                       SMALL_SERVICES.replace(",40,30,120", ",1e300,30,1e19").encode()))
@example(case=trade_file(VALID.replace(",export,IT,21.2,US", ',"export,IT,21.2,US', 1)))  # pandas' "C error" text
# Accepted, then wrong or a traceback in the build (issue 13).
@example(case=trade_file(VALID.replace(",1200\n", ",1e300\n")))  # above 10^15: the build died formatting it
@example(case=trade_file(VALID.replace(",1200\n", ",1.200\n")))  # an Italian's thousand two hundred, read as 1.2
@example(case=trade_file(VALID + "2099Q1,export,IT,21.2,US,5\n2099Q1,import,IT,21.2,US,5\n"))  # a future quarter
def test_data_check_on_spoiled_data(workspace, case):
    data_check(make_data(workspace(), case))


@fuzz_settings(60)
@given(content=st.binary(max_size=3000), name=st.sampled_from(["trade.csv", "trade.csv.gz", "2017Q1.csv"]))
@example(content=b"", name="trade.csv")
@example(content=b"\x00" * 64, name="trade.csv")
@example(content=b"\xef\xbb\xbf", name="trade.csv")
@example(content=b"\n\n\nperiod", name="trade.csv")
@example(content=bytes(range(256)), name="trade.csv.gz")
def test_data_check_on_random_bytes(workspace, content, name):
    data_check(make_data(workspace(), DataCase({name: content})))


CSV_ISH = st.text(alphabet=st.sampled_from(list(',;"\r\n \t\x00\ufeffQ.-e') + list("period,flow") + list("0123456789"))
                  | st.characters(), max_size=400)


@fuzz_settings(60)
@given(text=CSV_ISH, with_header=st.booleans())
def test_data_check_on_random_text(workspace, text, with_header):
    data_check(make_data(workspace(), trade_file((HEADER if with_header else "") + text)))


# -------------------------------------------------------------- data import cases

SDMX_HEADER = ["DATAFLOW", "FREQ", "REF_AREA", "DATA_TYPE", "CPA_ATECO2007_COE", "PARTNER_COUNTRY",
               "TIME_PERIOD", "OBS_VALUE", "UNIT_MULT"]
_FLOW_CODE = {"export": "EV", "import": "IV"}


def sdmx_of(rows: str, quarter: str, scale: float = 1.0) -> Table:
    """SMALL_ROWS of one quarter as an ISTAT download (values in thousands), moved to `quarter`."""
    table = [list(SDMX_HEADER)]
    for line in rows.splitlines():
        period, flow, territory, product, partner, value = line.split(",")
        if period == "2017Q1":
            table.append(["IT1:139_176(1.0)", "Q", territory, _FLOW_CODE[flow], product.replace(".", "") + "0",
                          partner, quarter.replace("Q", "-Q"), f"{float(value) * scale / 1000:g}", "3"])
    return table


def fixture_table(name: str) -> Table:
    text = (FIXTURES / name).read_text(encoding="utf-8-sig")
    return table_of(text, ";" if name.startswith("semicolon") else ",")


# Downloads the small data set can take: a revision of 2017Q1 and a new quarter 2017Q2 (exit 0
# when unspoiled), and the reader's own fixtures (refused when merged: they bring provinces
# without their region, or need --unit).
SDMX_BASES = {
    "2017Q1 revised": sdmx_of(SMALL_ROWS, "2017Q1", 1.1),
    "2017Q2 new": sdmx_of(SMALL_ROWS, "2017Q2"),
    "monthly fixture": fixture_table("itter107_monthly_2017.csv"),
    "quarterly fixture": fixture_table("ref_area_quarterly_2017.csv"),
    "semicolon fixture": fixture_table("semicolon_2017q3.csv"),
}


@dataclass
class ImportCase:
    """Downloads by name, and the --unit option."""

    files: dict[str, bytes]
    unit: str | None = None
    data: DataCase = field(default_factory=lambda: DataCase({"trade.csv": VALID.encode()}))


def run_import(root: Path, case: ImportCase, valid_before: bool = True) -> Run:
    data = make_data(root, case.data)
    downloads = root / "downloads"
    downloads.mkdir()
    paths = []
    for name, content in case.files.items():
        (downloads / name).write_bytes(content)
        paths.append(downloads / name)
    return data_import(data, paths, case.unit, valid_before)


@st.composite
def spoiled_download(draw, stem: str) -> tuple[str, bytes]:
    base_name = draw(st.sampled_from(sorted(SDMX_BASES)))
    base = SDMX_BASES[base_name]
    sep = ";" if base_name.startswith("semicolon") else ","
    table = draw(spoiled_table(base)) if draw(st.integers(0, 5)) else base
    return draw(packed(draw(encoded(draw(rendered(table, sep)))), stem))


@st.composite
def spoiled_imports(draw) -> ImportCase:
    files = dict(draw(spoiled_download(f"download{n}")) for n in range(draw(st.integers(1, 2))))
    return ImportCase(files, draw(st.sampled_from([None, None, "eur", "thousand", "million"])))


def rendered_download(table: Table) -> bytes:
    return ("\n".join(",".join(row) for row in table) + "\n").encode()


def download(table: Table, unit: str | None = None) -> ImportCase:
    return ImportCase({"download.csv": rendered_download(table)}, unit)


def download_text(text: str, unit: str | None = None) -> ImportCase:
    return ImportCase({"download.csv": text.encode("utf-8", "surrogatepass")}, unit)


def with_value(table: Table, value: str, mult: str = "3") -> Table:
    """The table with its first row's OBS_VALUE and UNIT_MULT replaced."""
    return [table[0], table[1][:7] + [value, mult]] + table[2:]


NEW_QUARTER = SDMX_BASES["2017Q2 new"]


@fuzz_settings(300)
@given(case=spoiled_imports())
@example(case=download(NEW_QUARTER))
@example(case=download(SDMX_BASES["2017Q1 revised"], unit="eur"))
# Regressions found by this test.
@example(case=download([row[:3] + row[2:] for row in NEW_QUARTER]))  # REF_AREA twice: AttributeError
@example(case=download([row + [row[-1]] for row in NEW_QUARTER]))  # UNIT_MULT twice: the same
@example(case=download_text("\n\n\nREF_AREA"))  # EmptyDataError
@example(case=download(with_value(NEW_QUARTER, "1e308")))  # 1e308 thousand euros: inf written
@example(case=download([NEW_QUARTER[0]] + [row[:6] + [row[6].replace("2017", "\uff12\uff10\uff11\uff17")] + row[7:]
                                           for row in NEW_QUARTER[1:]]))  # fullwidth year
@example(case=download([NEW_QUARTER[0]] + [row[:4] + ["\uff12\uff11\uff12\uff10"] + row[5:]
                                           for row in NEW_QUARTER[1:]]))  # fullwidth product code
@example(case=download_text(rendered_download(NEW_QUARTER).decode()  # column name over two lines
                           .replace("REF_AREA", '"REF_AREA\n"', 1).replace("ITC4C", "ITC99", 1)))
def test_import_of_spoiled_downloads(workspace, case):
    run_import(workspace(), case)


@fuzz_settings(50)
@given(content=st.binary(max_size=3000), name=st.sampled_from(["download.csv", "download.csv.gz"]),
       unit=st.sampled_from([None, "eur"]))
@example(content=b"\x1f\x8b" + bytes(40), name="download.csv.gz", unit=None)
def test_import_of_random_bytes(workspace, content, name, unit):
    run_import(workspace(), ImportCase({name: content}, unit))


@fuzz_settings(50)
@given(text=CSV_ISH, header=st.sampled_from(["", ",".join(SDMX_HEADER) + "\n", "REF_AREA;DATA_TYPE\n"]),
       unit=st.sampled_from([None, "eur"]))
def test_import_of_random_text(workspace, text, header, unit):
    run_import(workspace(), download_text(header + text, unit))


@fuzz_settings(40)
@given(data=spoiled_data())
def test_import_into_a_spoiled_data_folder(workspace, data):
    """A valid download merged into a spoiled folder: refused with nothing written, or accepted
    and (if `data check` accepted the folder before) leaving a folder `data check` accepts."""
    root = workspace()
    valid = data_check(make_data(root / "copy", data)).code == 0
    run_import(root, ImportCase({"download.csv": rendered_download(NEW_QUARTER)}, None, data), valid)


# ------------------------------------------- and what is only written differently is accepted


def trade_rows(data: Path) -> list[tuple]:
    """The data folder's trade rows as sorted plain tuples, to compare two folders."""
    trade = load_dataset(data).trade.astype({column: str for column in TRADE_COLUMNS[:-1]})
    return sorted(trade[TRADE_COLUMNS].itertuples(index=False, name=None))


@st.composite
def reformatted(draw, base: Table, sep: str = ",") -> str:
    """The same table written another valid way: rows and columns reordered, quoting, line ends,
    blank lines, separator."""
    header, rows = base[0], [row for row in base[1:] if row]
    order = draw(st.permutations(range(len(header))))
    rows = draw(st.permutations(rows))
    table = [[row[k] for k in order] for row in [header, *rows]]
    for _ in range(draw(st.integers(0, 2))):
        table.insert(draw(st.integers(1, len(table))), [])
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator=draw(st.sampled_from(["\n", "\r\n", "\r"])),
               quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))).writerows(table)
    text = buffer.getvalue()
    return ("\ufeff" if draw(st.booleans()) else "") + (text if draw(st.booleans()) else text.rstrip("\r\n"))


@st.composite
def reformatted_data(draw) -> DataCase:
    """The small data set, values respelled (1000, 1000.0, 1e+03, ' 1000 '), in one or two files."""
    table = [list(row) for row in TRADE_TABLE]
    for row in table[1:]:
        value = float(row[5])
        row[5] = draw(st.sampled_from([row[5], f"{value:.1f}", f"{value:e}", f" {row[5]} ", f"+{row[5]}"]))
    files = {}
    parts = ([table[1:]] if draw(st.booleans()) else
             [[row for row in table[1:] if row[0] == quarter] for quarter in ("2016Q1", "2017Q1")])
    for n, rows in enumerate(parts):
        raw = draw(reformatted([table[0], *rows])).encode()
        if draw(st.booleans()):
            files[f"part{n}.csv.gz"] = gzip.compress(raw, mtime=0)
        else:
            files[f"part{n}.csv"] = raw
    return DataCase(files)


@fuzz_settings(40)
@given(case=reformatted_data())
def test_data_written_another_valid_way_is_accepted(workspace, baseline_trade, case):
    data = make_data(workspace(), case)
    run = data_check(data)
    assert run.code == 0, run.err
    assert trade_rows(data) == baseline_trade


@pytest.fixture(scope="module")
def baseline_trade(tmp_path_factory) -> list[tuple]:
    return trade_rows(write_data(tmp_path_factory.mktemp("baseline") / "data"))


@st.composite
def reformatted_download(draw) -> ImportCase:
    """The new quarter's download written another valid way: lower-case codes, spaces, dotted
    product codes, 2017Q2 for 2017-Q2, an extra column, the old portal's column names."""
    table = [list(row) for row in NEW_QUARTER]
    if draw(st.booleans()):
        renames = {"REF_AREA": "ITTER107", "DATA_TYPE": "TIPO_DATO", "CPA_ATECO2007_COE": "MERCE_ATECO_2007",
                   "PARTNER_COUNTRY": "PAESE_PARTNER"}
        table[0] = [renames.get(name, name) for name in table[0]]
    if draw(st.booleans()):
        table = [row + (["Territorio"] if n == 0 else ["Milano, e dintorni"]) for n, row in enumerate(table)]
    for row in table[1:]:
        row[2] = draw(st.sampled_from([row[2], row[2].lower(), f" {row[2]} "]))
        row[4] = draw(st.sampled_from([row[4], f"{row[4][:2]}.{row[4][2:]}"]))
        row[6] = draw(st.sampled_from([row[6], row[6].replace("-", "")]))
    sep = draw(st.sampled_from([",", ";"]))
    return ImportCase({"download.csv": draw(reformatted(table, sep)).encode()})


@fuzz_settings(30)
@given(case=reformatted_download())
def test_a_download_written_another_valid_way_imports_alike(workspace, baseline_import, case):
    root = workspace()
    assert run_import(root, case).code == 0
    assert trade_rows(root / "data") == baseline_import


@pytest.fixture(scope="module")
def baseline_import(tmp_path_factory) -> list[tuple]:
    """The small data set after importing the new quarter as it is."""
    root = tmp_path_factory.mktemp("baseline-import")
    assert run_import(root, download(NEW_QUARTER)).code == 0
    return trade_rows(root / "data")


# ----------------------------------------------------------- one-off, large inputs

TEN_MB = "7" * (10 * 1024 * 1024)


@pytest.mark.parametrize("where", ["header", "value", "code"])
def test_a_ten_megabyte_field(tmp_path, where):
    """One field of 10 MB, in the header or a row, in a trade file and in a download."""
    if where == "header":
        trade = VALID.replace("value_eur", TEN_MB)
        sdmx = [SDMX_HEADER[:-1] + [TEN_MB]] + NEW_QUARTER[1:]
    elif where == "value":
        trade = VALID.replace(",1200\n", f",{TEN_MB}\n")
        sdmx = with_value(NEW_QUARTER, TEN_MB)
    else:
        trade = VALID.replace(",US,1200", f',"{TEN_MB},x",1200')
        sdmx = [NEW_QUARTER[0], NEW_QUARTER[1][:5] + [f'"{TEN_MB}"'] + NEW_QUARTER[1][6:]] + NEW_QUARTER[2:]
    assert data_check(make_data(tmp_path / "check", trade_file(trade))).code == 2
    assert run_import(tmp_path / "import", download(sdmx)).code == 2


def test_very_long_lines(tmp_path):
    """Lines of 300,000 fields are refused at once (such a header used to keep pandas busy for a minute)."""
    wide = ",".join(["x"] * 300_000)
    assert data_check(make_data(tmp_path / "check", trade_file(VALID + wide + "\n"))).code == 2
    assert data_check(make_data(tmp_path / "header", trade_file(wide + "\n" + SMALL_ROWS))).code == 2
    assert run_import(tmp_path / "import", download_text(rendered_download(NEW_QUARTER).decode() + wide)).code == 2


# ------------------------------------------------- the same promise, in a real process


@pytest.mark.parametrize("name, content", [
    ("trade.csv.gz", gzip_bytes(VALID)[:30]),
    ("trade.csv.gz", b"\x1f\x8b\x08\x00" + bytes(range(200))),
    ("trade.csv", VALID.encode("utf-16")),
    ("trade.csv", VALID.replace("\n", "\r").encode()),
    ("trade.csv", VALID.replace("1200", '"1200').encode()),
], ids=["truncated gzip", "spoiled gzip", "utf-16", "old-Mac line ends", "unclosed quote"])
def test_check_in_a_subprocess(tmp_path, name, content):
    """The command line as a user runs it: nothing on stderr but located lines, logging included."""
    data = make_data(tmp_path, DataCase({name: content}))
    before = digest(data)
    done = subprocess.run([sys.executable, "-m", "bulletin.cli", "data", "check", "--data", str(data)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 2), done.stderr
    if done.returncode == 2:
        assert_located(done.stderr, data, [])
        assert digest(data) == before


def test_import_in_a_subprocess(tmp_path):
    data = make_data(tmp_path, DataCase({"trade.csv": VALID.encode()}))
    download_path = tmp_path / "download.csv"
    download_path.write_bytes(rendered_download(with_value(NEW_QUARTER, "1e308")))
    before = digest(data)
    done = subprocess.run([sys.executable, "-m", "bulletin.cli", "data", "import", str(download_path),
                           "--data", str(data)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert_located(done.stderr, data, [download_path])
    assert digest(data) == before


# ------------------------------------------------- the fast reader and the exact one

FIELDS = st.sampled_from(["", " ", "2017Q1", "2017Q5", "export", "import", "ITC4", "IT", "21.2", "26.5", "US",
                          "DE", "1200", "0", "-5", "1e3", " 7 ", "1.5", "12,5", "ñ", "\t", "'", "\\", "#", "é"])
ROW = st.lists(FIELDS, min_size=6, max_size=6).map(",".join)
ROWS = st.lists(st.one_of(ROW, ROW, ROW, ROW, ROW, st.lists(FIELDS, min_size=5, max_size=7).map(",".join)), max_size=8)


@fuzz_settings(300)
@given(rows=ROWS, line_end=st.sampled_from(["\n", "\n", "\n", "\r\n"]), final=st.booleans(),
       header=st.sampled_from([HEADER, HEADER, "flow,period,territory,product,partner,value_eur\n", HEADER.upper()]))
@example(rows=["2017Q1,export,IT,21.2,US,1200", ",,,,,"], line_end="\n", final=True, header=HEADER)
@example(rows=["2017Q1,export,IT,21.2,US,1200", ""], line_end="\n", final=False, header=HEADER)
def test_the_fast_reader_reads_what_it_takes_as_the_exact_reader_does(rows, line_end, final, header):
    """A file the fast reader takes must come out exactly as the exact reader reads it: same
    strings, same lines. What it declines goes to the exact reader, so declining is always safe."""
    raw = (header.replace("\n", line_end) + line_end.join(rows) + (line_end if final else "")).encode()
    path = Path("trade.csv")
    fast = read_plain_csv(path, raw, TRADE_COLUMNS)
    event("fast" if fast is not None else "declined")
    if fast is None:
        return
    problems = []
    exact = read_csv_text(path, decode_text(path, raw, problems), TRADE_COLUMNS, problems)
    assert problems == [] and exact is not None
    columns = TRADE_COLUMNS + ["_line"]
    assert fast.column_names == columns
    assert fast.to_pylist() == exact[columns].to_dict("records"), (fast, exact)


def test_the_sample_data_takes_the_fast_reader():
    """Files written by `data import` and by the sample generator are plain: read fast, every one."""
    sample = Path(__file__).resolve().parent.parent / "data"
    for path in trade_files(sample):
        assert read_plain_csv(path, read_bytes(path, []), TRADE_COLUMNS) is not None, path
