"""The shapes of ISTAT's downloads (tests/fixtures/sdmx, made by its make.py) read to the same rows.

Every fixture holds the same small cube, with its traps: ISTAT's old codes for Italy and Milano,
a partner aggregate, a 2-digit total, a seasonally adjusted type, the bucket of trade no province
is given, two confidential cells, a month alone of a quarter not complete yet, and provisional
figures. Expected values are worked out here from the cube's formula (see make.py).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bulletin.cli import main
from bulletin.data.istat import read_istat_files
from bulletin.data.provisional import provisional_file
from bulletin.data.trade import load_dataset
from bulletin.errors import DataError
from bulletin.indicators.compute import compute_indicators
from conftest import folder_digest

FIXTURES = Path(__file__).parent / "fixtures" / "sdmx"
SHAPES = ["codes.csv", "labels.csv", "sdmx2.csv", "cube.json", "sparse.json"]
SKIPPED = {"partner aggregate": 1, "2-digit total": 1, "flow type not EV/IV": 1,
           "territory bucket not a province": 1, "quarter not complete yet (months missing)": 1,
           # the two confidential cells, and 2651, the part of 26.5 whose other part (2652) is confidential
           "missing or confidential value": 3}


def as_dict(rows) -> dict[tuple, tuple[float, bool]]:
    return {(r.period, r.flow, r.territory, r.product, r.partner): (r.value_eur, r.provisional)
            for r in rows.itertuples(index=False)}


@pytest.fixture(scope="module")
def reference_rows():
    return as_dict(read_istat_files([FIXTURES / "codes.csv"])[0])


@pytest.mark.parametrize("name", SHAPES)
def test_every_shape_reads_to_the_same_rows(name, reference_rows):
    rows, report = read_istat_files([FIXTURES / name])
    found = as_dict(rows)

    assert found == reference_rows
    # 2 quarters x 2 flows x 4 territories x 3 products x 2 partners, less the 2 confidential keys
    assert len(found) == 94
    assert found[("2017Q2", "export", "ITC4C", "26.5", "US")] == pytest.approx((110_000, True))  # ITC45, 2651 + 2652
    assert found[("2016Q2", "import", "IT", "21.2", "DE")] == pytest.approx((400_000, False))  # ITTOT
    assert found[("2017Q2", "import", "ITC49", "30.3", "DE")] == pytest.approx((2_200, True))  # "2,2" in labels.csv
    assert ("2017Q2", "import", "ITC49", "26.5", "DE") not in found  # 2652 is '..': the group is missing, not 2651
    assert ("2016Q2", "export", "ITC49", "30.3", "DE") not in found  # 'x': confidential
    assert not any(key[0] == "2017Q3" for key in found)  # July alone
    assert {period for (period, *_), (_, provisional) in found.items() if provisional} == {"2017Q2"}
    assert report.provisional == 47
    if name == "cube.json":  # the dense cube's empty cells are skipped for their codes first
        assert report.skipped_other["missing or confidential value"] == 3
    else:
        expected = {**SKIPPED, **({"attribute row without an observation": 1} if name == "sdmx2.csv" else {})}
        assert report.skipped_other == expected
    assert report.rows_read == report.rows_used + report.skipped_not_hitech + sum(report.skipped_other.values())


@pytest.fixture(scope="module")
def indicators_of_each_shape(tmp_path_factory):
    """Each fixture imported with `bulletin data import` into a data folder of its own."""
    figures = {}
    for name in SHAPES:
        data = tmp_path_factory.mktemp(name.replace(".", "-")) / "data"
        assert main(["data", "import", str(FIXTURES / name), "--data", str(data)]) == 0
        dataset = load_dataset(data)
        figures[name] = {quarter: compute_indicators(dataset.trade, None, quarter, "ITC4").to_dict()
                         for quarter in ("2016Q2", "2017Q2")}
    return figures


@pytest.mark.parametrize("name", SHAPES[1:])
def test_every_shape_imports_to_the_same_indicators(name, indicators_of_each_shape):
    assert indicators_of_each_shape[name] == indicators_of_each_shape["codes.csv"]


def test_figures_flagged_provisional_make_the_quarter_provisional(indicators_of_each_shape):
    figures = indicators_of_each_shape["sparse.json"]
    assert figures["2017Q2"]["provisional"] is True
    assert "provisional" not in figures["2016Q2"]  # said only when true: sent editions keep their digest
    assert figures["2017Q2"]["exports"]["value_eur"] == pytest.approx(
        400 * (1.0 + 0.3 + 0.2 + 0.1) * (1 + 0.5) * 1.1 * 1000)  # base x products x partners x growth, thousands


def test_the_final_figures_clear_the_provisional_flag(tmp_path, capsys):
    data = tmp_path / "data"
    assert main(["data", "import", str(FIXTURES / "sdmx2.csv"), "--data", str(data)]) == 0
    assert "47 provisional" in capsys.readouterr().out
    assert provisional_file(data).read_text().count("\n") == 48  # the header and 47 keys
    final = tmp_path / "final.csv"
    final.write_text((FIXTURES / "codes.csv").read_text().replace(",3,P\n", ",3,A\n"), encoding="utf-8")
    assert main(["data", "import", str(final), "--data", str(data)]) == 0
    assert not provisional_file(data).exists()
    dataset = load_dataset(data)
    assert compute_indicators(dataset.trade, None, "2017Q2", "ITC4").provisional is False


# ------------------------------------------------------------------------------------ bad files


def _jsonstat(**changes) -> str:
    document = json.loads((FIXTURES / "sparse.json").read_text(encoding="utf-8"))
    document.update(changes)
    return json.dumps(document)


def _cube_with(position: int, value) -> str:
    document = json.loads((FIXTURES / "cube.json").read_text(encoding="utf-8"))
    document["value"][position] = value
    return json.dumps(document)


def _labels_with(old: str, new: str) -> str:
    return (FIXTURES / "labels.csv").read_text(encoding="utf-8").replace(old, new, 1)


def _dimension_renamed(old: str, new: str) -> str:
    document = json.loads((FIXTURES / "sparse.json").read_text(encoding="utf-8"))
    document["id"] = [new if d == old else d for d in document["id"]]
    document["dimension"][new] = document["dimension"].pop(old)
    return json.dumps(document)


BAD_FILES = {
    # name: (text, where, column, what the message says)
    "labels_unknown_territory.csv": (_labels_with("ITC45: Milano", "ITC99: Nessuna"), "the line of ITC99",
                                     "REF_AREA", "unknown territory code"),
    "sdmx2_delete.csv": ((FIXTURES / "sdmx2.csv").read_text().replace(",R,", ",D,", 1), 4, "ACTION",
                         "D deletes"),
    "broken.json": ('{"version": "2.0", "class": "dataset",\n "id": [}', 2, None, "not valid JSON"),
    "collection.json": (_jsonstat(**{"class": "collection"}), None, None, "not a JSON-stat 2.0 dataset"),
    "short_value.json": (_jsonstat(value=[1, 2, 3]), "value", None, "3 values but the sizes give 675 cells"),
    "sparse_out_of_range.json": (_jsonstat(value={"675": 1}), 'value["675"]', None, "not the position of a cell"),
    "text_value.json": (_cube_with(1, "mille"), "value[1]", "value", "not a number"),
    "no_partner.json": (_dimension_renamed("PARTNER_COUNTRY", "PAESE"), "id", None,
                        "missing required dimension: looked for PAESE_PARTNER or PARTNER_COUNTRY"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_a_bad_file_gives_one_located_line_exit_2_and_writes_nothing(name, tmp_path, small_data, capsys):
    text, where, column, fragment = BAD_FILES[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    if where == "the line of ITC99":
        where = next(i for i, line in enumerate(text.splitlines(), 1) if "ITC99" in line)
    before = folder_digest(small_data)

    code = main(["data", "import", str(path), "--data", str(small_data)])

    message = capsys.readouterr().err.strip()
    assert code == 2
    assert folder_digest(small_data) == before
    assert "\n" not in message and "Traceback" not in message
    location = f"{path}:{where}: " if where is not None else f"{path}: "
    assert message.startswith(location), message
    assert (f"column '{column}'" in message) == (column is not None)
    assert fragment in message


def test_problems_in_json_and_csv_files_are_reported_together():
    with pytest.raises(DataError) as caught:
        read_istat_files([FIXTURES / "codes.csv", FIXTURES / "does-not-exist.json"])
    assert [str(p) for p in caught.value.problems] == [f"{FIXTURES / 'does-not-exist.json'}: file not found"]
