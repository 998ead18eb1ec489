"""JSON-stat 2.0 datasets (json-stat.org/full), what ISTAT's data browser API returns, as raw rows.

A dataset is a cube: ``id`` names its dimensions in order, ``size`` the number of categories of
each, ``dimension[id].category.index`` orders each dimension's codes (an array, an object of
positions, or absent for a single category, named by ``label``). ``value`` holds the cells in
row-major order (the last dimension varies fastest): an array, with null for a missing cell, or
a sparse object of positions. ``status`` is one string for every cell, an array (one per cell,
or one for all) or an object of positions. Every cell becomes one row located by its JSON path.

Plain ``json`` rather than pyjstat: pyjstat builds a whole data frame with labels, drops the
status and the positions, and so cannot say which cell of the file is wrong.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from bulletin.data.istat.codes import REQUIRED_COLUMNS
from bulletin.data.istat.files import RawRows, finish, find_columns
from bulletin.errors import Problem

# The fields that are dimensions of a cube: all the CSV columns but OBS_VALUE, which is its `value`.
DIMENSION_FIELDS = {field: spellings for field, spellings in REQUIRED_COLUMNS.items() if field != "value"}


def is_json(text: str) -> bool:
    return text.lstrip().startswith("{")


def read_jsonstat(file: str, text: str, problems: list[Problem]) -> RawRows | None:
    """Every cell of the dataset (array or sparse value) as a row; None (reason noted) if unusable."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(Problem(file, exc.lineno, None, f"not valid JSON: {exc.msg} (column {exc.colno})"))
        return None
    if not isinstance(document, dict) or document.get("class") != "dataset":
        problems.append(Problem(file, None, None, 'not a JSON-stat 2.0 dataset: expected "class": "dataset" (a '
                                                  'collection or a JSON-stat 1.0 bundle holds several: download one)'))
        return None
    cube = _cube(file, document, problems)
    if cube is None:
        return None
    ids, codes = cube
    columns = find_columns(ids, file, problems, what="dimension", where="id", required=DIMENSION_FIELDS)
    cells = _cells(file, document, int(np.prod([len(c) for c in codes])), problems)
    if columns is None or cells is None:
        return None
    positions, values, where = cells
    if not positions:
        problems.append(Problem(file, "value", None, "the dataset has no cells"))
        return None
    status = _status(file, document.get("status"), positions, problems)
    if status is None:
        return None
    coordinates = np.unravel_index(np.array(positions, dtype=np.int64), [len(c) for c in codes])
    by_id = {name: np.asarray(dimension_codes, dtype=object)[coordinate]
             for name, dimension_codes, coordinate in zip(ids, codes, coordinates)}
    rows = pd.DataFrame({field: by_id[dimension] for field, dimension in columns.items()}, index=where)
    rows["value"] = values
    rows["status"] = status
    return finish(rows.astype(str).apply(lambda column: column.str.strip()),
                  {**columns, "value": "value", "status": "status"})


def _cube(file: str, document: dict, problems: list[Problem]) -> tuple[list[str], list[list[str]]] | None:
    """The dimension ids and each dimension's codes in index order, checked against ``size``."""
    ids, sizes, dimensions = document.get("id"), document.get("size"), document.get("dimension")
    if not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
        problems.append(Problem(file, "id", None, "expected the list of dimension ids"))
        return None
    if not (isinstance(sizes, list) and len(sizes) == len(ids) and all(isinstance(s, int) for s in sizes)):
        problems.append(Problem(file, "size", None, f"expected {len(ids)} whole numbers, one per dimension of id"))
        return None
    if not isinstance(dimensions, dict):
        problems.append(Problem(file, "dimension", None, "expected an object with each dimension by id"))
        return None
    codes = []
    for name, size in zip(ids, sizes):
        path = f"dimension.{name}.category"
        category = (dimensions.get(name) or {}).get("category") if isinstance(dimensions.get(name), dict) else None
        found = _category_codes(category) if isinstance(category, dict) else None
        if found is None:
            problems.append(Problem(file, path, None, "expected an index (array or object) or, for a single "
                                                      "category, a label"))
        elif len(found) != size:
            problems.append(Problem(file, path, None, f"{len(found)} categories but size says {size}"))
        codes.append(found)
    return None if any(c is None or len(c) != s for c, s in zip(codes, sizes)) else (ids, codes)


def _category_codes(category: dict) -> list[str] | None:
    index = category.get("index")
    if isinstance(index, list):
        return [str(code) for code in index]
    if isinstance(index, dict) and sorted(index.values()) == list(range(len(index))):
        return sorted(index, key=index.get)
    label = category.get("label")
    if index is None and isinstance(label, dict) and len(label) == 1:
        return list(label)
    return None


def _cells(file: str, document: dict, count: int,
           problems: list[Problem]) -> tuple[list[int], list[str], list[str]] | None:
    """Each cell's position, value as text ('' when null) and JSON path."""
    value = document.get("value")
    if isinstance(value, list):
        if len(value) != count:
            problems.append(Problem(file, "value", None, f"{len(value)} values but the sizes give {count} cells"))
            return None
        items = [(i, cell, f"value[{i}]") for i, cell in enumerate(value)]
    elif isinstance(value, dict):
        items = []
        for key, cell in value.items():
            position = int(key) if key.isascii() and key.isdigit() else -1
            if not 0 <= position < count:
                problems.append(Problem(file, f'value["{key}"]', None,
                                        f"not the position of a cell: expected 0 to {count - 1}"))
            items.append((position, cell, f'value["{key}"]'))
    else:
        problems.append(Problem(file, "value", None, "expected an array or an object of positions"))
        return None
    if any(position < 0 or position >= count for position, _, _ in items):
        return None
    return [i for i, _, _ in items], [_text(cell) for _, cell, _ in items], [w for _, _, w in items]


def _text(cell) -> str:
    """A cell as the CSV readers see it: null and NaN are empty (missing), numbers as written."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return ""
    return repr(cell) if isinstance(cell, float) else str(cell)


def _status(file: str, status, positions: list[int], problems: list[Problem]) -> list[str] | None:
    """Each cell's status, '' where none is given."""
    if status is None:
        return [""] * len(positions)
    if isinstance(status, str):
        return [status] * len(positions)
    if isinstance(status, list):
        if len(status) == 1:
            return [str(status[0] or "")] * len(positions)
        return [str(status[p] or "") if p < len(status) else "" for p in positions]
    if isinstance(status, dict):
        return [str(status.get(str(p)) or "") for p in positions]
    problems.append(Problem(file, "status", None, "expected a string, an array or an object of positions"))
    return None
