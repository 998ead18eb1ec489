"""Tests of the ISTAT SDMX-CSV reader against hand-made downloads in tests/fixtures/istat.

Expected values are worked out here from the figures in the fixtures, so a reader can check
each one against the file.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from bulletin.errors import ConfigError, DataError
from bulletin.data.istat import CANONICAL_COLUMNS, IMPORTED_COLUMNS, read_istat_files

FIXTURES = Path(__file__).parent / "fixtures" / "istat"
MONTHLY = FIXTURES / "itter107_monthly_2017.csv"  # ITTER107 spelling, months, UNIT_MULT=3
QUARTERLY = FIXTURES / "ref_area_quarterly_2017.csv"  # REF_AREA spelling, quarters, no UNIT_MULT, BOM

THOUSAND = 1e3

MONTHLY_ROWS = {
    # ITC45 -> Milano; 2120 over Jan-Mar; 21201 is inside 2120, so not added again.
    ("2017Q1", "export", "ITC4C", "21.2", "US"): (1000 + 1500.5 + 2000) * THOUSAND,
    # 265 is given, so 2651 and 2652 (its parts) are not added.
    ("2017Q1", "export", "ITC4C", "26.5", "DE"): (300 + 310 + 320) * THOUSAND,
    # IT108 -> Monza; no 261 given, so 2611 and 2612 add up.
    ("2017Q1", "import", "ITC4D", "26.1", "CN"): (50 + 60 + 70 + 5 + 6 + 7) * THOUSAND,
    # ITTOT -> Italy; QU kept as a partner of its own.
    ("2017Q1", "export", "IT", "30.3", "QU"): (12.5 + 0 + 7.5) * THOUSAND,
    # April-June make the second quarter.
    ("2017Q2", "export", "ITC4C", "21.1", "CH"): (10 + 20 + 30) * THOUSAND,
}
MONTHLY_SKIPPED = {
    "partner aggregate": 4,  # 3 WORLD + 1 EU27_2020
    "2-digit total": 3,  # 21 over three months
    "territory bucket not a province": 3,  # ITNI1
    "flow type not EV/IV": 1,  # SALDO
    "product total or section aggregate": 1,  # 0010
    "deeper product code covered by a shallower one": 7,  # 21201 + 3 x 2651 + 3 x 2652
}

QUARTERLY_ROWS = {  # values in euros, read with unit="eur"
    ("2017Q1", "export", "ITC4C", "21.2", "FR"): 5_000_000,  # 21.20; ITC45 repeats it
    ("2017Q1", "export", "ITC4C", "21.1", "FR"): 800_000,  # 211 wins over 21.10
    ("2017Q1", "export", "ITC4C", "21.2", "US"): 4_500_500,
    ("2017Q1", "export", "ITC4C", "30.3", "US"): 2_500_000,
    ("2017Q1", "export", "ITC46", "26.6", "CH"): 999,
    ("2017Q1", "export", "ITC46", "26.7", "CH"): 1,
    ("2017Q2", "import", "ITC4", "26.3", "JP"): 1234.5,
    ("2017Q2", "export", "ITC41", "26.8", "GB"): 0,
}
QUARTERLY_SKIPPED = {
    "flow type not EV/IV": 2,  # ESAV, TBV
    "territory bucket not a province": 2,  # ITNI12, ITNI13
    "partner aggregate": 2,  # EXT_EU27_2020, EA20
    "product total or section aggregate": 2,  # TOTAL, 00
    "2-digit total": 2,  # 26, 30
    "duplicate row": 1,  # ITC45 2120 FR = ITC4C 21.20 FR
    "deeper product code covered by a shallower one": 1,  # 21.10 under 211
}


def as_dict(rows) -> dict[tuple, float]:
    assert list(rows.columns) == IMPORTED_COLUMNS
    keys = [tuple(r) for r in rows[CANONICAL_COLUMNS[:-1]].itertuples(index=False)]
    assert len(keys) == len(set(keys)), "one row per key"
    return dict(zip(keys, rows["value_eur"]))


def problems_of(paths, unit=None):
    with pytest.raises(DataError) as caught:
        read_istat_files(paths, unit=unit)
    return caught.value.problems


def assert_accounted(report):
    """Every row read is either used or skipped for a counted reason."""
    skipped = report.skipped_not_hitech + sum(report.skipped_other.values())
    assert report.rows_read == report.rows_used + skipped


# ------------------------------------------------------------------------- good files


def test_monthly_old_spelling_builds_quarters():
    rows, report = read_istat_files([MONTHLY])

    assert as_dict(rows) == pytest.approx(MONTHLY_ROWS)
    assert rows["period"].tolist() == sorted(rows["period"])
    assert report.files == [str(MONTHLY)]
    assert report.rows_read == 39
    assert report.rows_used == 18  # 3 + 3 + 6 + 3 + 3 months
    assert report.skipped_not_hitech == 2  # 1011, 301
    assert report.skipped_other == MONTHLY_SKIPPED
    assert_accounted(report)


def test_quarterly_new_spelling_with_bom_labels_and_unit():
    rows, report = read_istat_files([QUARTERLY], unit="eur")

    assert as_dict(rows) == pytest.approx(QUARTERLY_ROWS)
    assert report.rows_read == 22
    assert report.rows_used == 8
    assert report.skipped_not_hitech == 2  # 29, 301
    assert report.skipped_other == QUARTERLY_SKIPPED
    assert_accounted(report)


def test_unit_argument_scales_values_without_unit_mult():
    rows, _ = read_istat_files([QUARTERLY], unit="thousand")
    assert as_dict(rows) == pytest.approx({k: v * THOUSAND for k, v in QUARTERLY_ROWS.items()})


def test_files_are_one_input_and_a_quarter_wins_over_the_same_months():
    rows, report = read_istat_files([MONTHLY, QUARTERLY], unit="eur")

    # Both files give export ITC4C 21.2 US 2017Q1 (months: 4,500.5 thousand; quarter: 4,500,500
    # euros): it is counted once.
    assert as_dict(rows) == pytest.approx({**MONTHLY_ROWS, **QUARTERLY_ROWS})
    assert report.rows_read == 39 + 22
    assert report.rows_used == 18 - 3 + 8
    assert report.skipped_other["months also given as a quarter"] == 3
    assert_accounted(report)


def test_semicolon_separator_blank_lines_and_unit_mult_zero():
    rows, report = read_istat_files([FIXTURES / "semicolon_2017q3.csv"])
    assert as_dict(rows) == pytest.approx({
        ("2017Q3", "export", "ITC4B", "21.2", "US"): 1500,
        ("2017Q3", "export", "ITC4B", "26.5", "US"): 250,
    })
    assert report.rows_read == 2 and report.rows_used == 2


def test_unit_mult_per_row_and_unit_for_empty_cells(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text(
        "REF_AREA,DATA_TYPE,CPA_ATECO2007_COE,PARTNER_COUNTRY,TIME_PERIOD,OBS_VALUE,UNIT_MULT\n"
        "ITC4C,EV,2120,US,2017-Q1,2,6\n"
        "ITC4C,EV,2110,US,2017-Q1,3,\n"
        "ITC4C,EV,2611,US,2017-Q1,4,0\n")
    rows, _ = read_istat_files([path], unit="thousand")
    assert as_dict(rows) == pytest.approx({
        ("2017Q1", "export", "ITC4C", "21.2", "US"): 2e6,
        ("2017Q1", "export", "ITC4C", "21.1", "US"): 3e3,  # empty UNIT_MULT: the --unit applies
        ("2017Q1", "export", "ITC4C", "26.1", "US"): 4,
    })


def test_only_skipped_rows_give_an_empty_table(tmp_path):
    path = tmp_path / "saldo.csv"
    path.write_text("ITTER107,TIPO_DATO,MERCE_ATECO_2007,PAESE_PARTNER,TIME_PERIOD,OBS_VALUE\n"
                    "ITC4C,SALDO,2120,US,2017-Q1,5\n")
    rows, report = read_istat_files([path], unit="eur")
    assert rows.empty and list(rows.columns) == IMPORTED_COLUMNS
    assert report.skipped_other == {"flow type not EV/IV": 1}


# -------------------------------------------------------------------------- bad files


def test_bad_rows_are_all_reported_with_line_and_column():
    path = FIXTURES / "bad_rows.csv"
    problems = problems_of([path])

    found = [(p.file, p.row, p.column, p.value) for p in problems]
    assert found == [
        (str(path), 2, "OBS_VALUE", "1.234,5"),
        (str(path), 3, "OBS_VALUE", "-5"),
        (str(path), 4, "TIME_PERIOD", "2017"),
        (str(path), 5, "ITTER107", "ITC99"),
        (str(path), 6, "PAESE_PARTNER", "UK"),
        (str(path), 7, "UNIT_MULT", "k"),
        (str(path), 8, "MERCE_ATECO_2007", "26-51"),
        # line 9 (SALDO with 'n.d.') is skipped, so its value is not checked
    ]
    messages = [p.message for p in problems]
    assert messages[0].startswith("not a number")
    assert messages[1].startswith("negative value")
    assert "YYYY-Qn" in messages[2] and "YYYY-MM" in messages[2]
    assert messages[3].startswith("unknown territory code")
    assert messages[4].startswith("unknown partner code")
    assert "power of ten" in messages[5]
    assert messages[6].startswith("not a product code")
    assert f"{path}:4: column 'TIME_PERIOD': expected YYYY-Qn" in str(problems[2])


def test_missing_months_of_a_quarter():
    path = FIXTURES / "bad_missing_month.csv"
    problems = problems_of([path])

    # 2017Q1 has a key with its three months (ITC46 2110 CH), so the key without March is a hole.
    # 2017Q2 has no key with its three months: a quarter not finished yet, left out (see below).
    assert [(p.row, p.column) for p in problems] == [(2, "TIME_PERIOD")]
    assert problems[0].message.startswith("2017Q1: months 2017-03 missing for export ITC4C 21.2 US")
    assert problems[0].value == "2017-01, 2017-02"


def test_a_quarter_released_in_part_is_left_out_and_counted(tmp_path):
    path = tmp_path / "mid-quarter.csv"
    header = "REF_AREA,DATA_TYPE,CPA_ATECO2007_COE,PARTNER_COUNTRY,TIME_PERIOD,OBS_VALUE\n"
    path.write_text(header + "".join(f"ITC4C,EV,2120,US,2017-0{m},100\n" for m in (1, 2, 3, 4, 5)))
    rows, report = read_istat_files([path], unit="eur")
    assert as_dict(rows) == {("2017Q1", "export", "ITC4C", "21.2", "US"): 300}
    assert report.skipped_other == {"quarter not complete yet (months missing)": 2}
    assert_accounted(report)


def test_no_unit_mult_and_no_unit_asks_for_unit():
    path = FIXTURES / "bad_no_unit.csv"
    [problem] = problems_of([path])
    assert (problem.file, problem.row) == (str(path), None)
    assert "UNIT_MULT" in problem.message
    assert "pass --unit eur|thousand|million" in problem.message

    rows, _ = read_istat_files([path], unit="thousand")
    assert as_dict(rows) == pytest.approx({("2017Q1", "export", "ITC4C", "21.2", "US"): 4500.5 * THOUSAND})


def test_missing_columns_name_both_spellings():
    path = FIXTURES / "bad_missing_column.csv"
    problems = problems_of([path])
    assert [(p.row, p.message) for p in problems] == [
        (1, "missing required column: looked for PAESE_PARTNER or PARTNER_COUNTRY"),
        (1, "missing required column: looked for OBS_VALUE"),
    ]


def test_duplicate_key_with_different_value():
    path = FIXTURES / "bad_duplicate.csv"
    # Line 3 repeats line 2 in euros (100 thousand = 100000): the same value, no problem.
    # Line 4 is the same key under Milano's old code with another value.
    [problem] = problems_of([path])
    assert (problem.row, problem.column) == (4, "OBS_VALUE")
    assert problem.message.startswith("duplicate key export ITC4C 2120 US 2017Q1 with a different value")
    assert f"{path}:2" in problem.message


def test_months_disagreeing_with_the_quarter(tmp_path):
    monthly, quarterly = tmp_path / "m.csv", tmp_path / "q.csv"
    header = "REF_AREA,DATA_TYPE,CPA_ATECO2007_COE,PARTNER_COUNTRY,TIME_PERIOD,OBS_VALUE\n"
    monthly.write_text(header + "".join(f"ITC4C,EV,2120,US,2017-0{m},100\n" for m in (1, 2, 3)))
    quarterly.write_text(header + "ITC4C,EV,2120,US,2017-Q1,400\n")
    [problem] = problems_of([monthly, quarterly], unit="eur")
    assert (problem.file, problem.row) == (str(monthly), 2)
    assert "duplicate key 2017Q1 export ITC4C 21.2 US" in problem.message


@pytest.mark.parametrize("name, row, fragment", [
    ("bad_not_utf8.csv", 3, "not UTF-8"),
    ("bad_empty.csv", None, "file is empty"),
    ("bad_header_only.csv", None, "no data rows"),
    ("bad_extra_field.csv", 3, "10 fields but the header has 9"),
    ("does_not_exist.csv", None, "file not found"),
])
def test_unreadable_files(name, row, fragment):
    path = FIXTURES / name
    [problem] = problems_of([path], unit="eur")
    assert (problem.file, problem.row) == (str(path), row)
    assert fragment in problem.message


def test_problems_of_all_files_are_collected_in_the_order_given():
    names = ["bad_missing_column.csv", "does_not_exist.csv", "bad_rows.csv", "bad_empty.csv"]
    problems = problems_of([FIXTURES / n for n in names] + [MONTHLY])
    files = [Path(p.file).name for p in problems]
    assert files == ["bad_missing_column.csv"] * 2 + ["does_not_exist.csv"] + ["bad_rows.csv"] * 7 + ["bad_empty.csv"]


def test_unknown_unit_is_a_config_error():
    with pytest.raises(ConfigError, match="eur, thousand, million"):
        read_istat_files([MONTHLY], unit="billion")
