"""The shapes ISTAT publishes its foreign-trade figures in, each read into the same raw rows.

A shape is recognised from the file itself, never from its name, and read by one function
registered in `SHAPES`; everything after (codes, aggregation, checks, the report) is shared.
Each reader follows its published specification:

- SDMX-CSV 1.0 (github.com/sdmx-twg/sdmx-csv, tag v1.0, data-message/docs/sdmx-csv-field-guide.md):
  one row per observation, the first column DATAFLOW, comma or the locale's semicolon (whose
  decimal separator may then be a comma), and with ``labels=both`` every header and coded cell
  written ``ID: localised name``, split at the first ": ".
- SDMX-CSV 2.0 (same repository, tag v2.0.0): the first columns STRUCTURE (``STRUCTURE[;]`` when
  values are multi-valued), STRUCTURE_ID and, optionally, ACTION (I, A, R: the observations to
  take; D: a deletion, which an import cannot carry out). A row may carry only the attributes of
  a partial key: it has no observation and is skipped.
- JSON-stat 2.0 (json-stat.org/full, `jsonstat`): a dataset with its dimensions by id.

A reader returns `RawRows`: the internal fields of `codes.REQUIRED_COLUMNS` and
`codes.OPTIONAL_COLUMNS` as stripped strings, indexed by where each row came from (its line, or
for JSON its path, e.g. ``value[17]``), and each field's own name in the file, for messages.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from bulletin.data.istat.files import RawRows, finish, find_columns, read_table, read_text, separator
from bulletin.data.istat.jsonstat import is_json, read_jsonstat
from bulletin.data.reading import one_line
from bulletin.errors import Problem

LABEL_SEPARATOR = ": "
SDMX_CSV_2_FIRST_COLUMN = re.compile(r"STRUCTURE(\[.*\])?")
ACTIONS_TAKEN = frozenset({"I", "A", "R"})  # information, append, replace: observations to import


@dataclass(frozen=True)
class Shape:
    name: str
    recognises: Callable[[str], bool]
    read: Callable[[str, str, list[Problem]], RawRows | None]


def read_file(file: str, problems: list[Problem]) -> RawRows | None:
    """The file's rows in the first shape that recognises it; None (the reason noted) if unusable."""
    text = read_text(file, problems)
    if text is None:
        return None
    shape = next(shape for shape in SHAPES if shape.recognises(text))
    return shape.read(file, text, problems)


# ------------------------------------------------------------------------------ SDMX-CSV


def _header(text: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=separator(text)), [])
    except csv.Error:
        return []


def _without_label(name: str) -> str:
    """``REF_AREA: Territorio`` -> ``REF_AREA``: an id never holds ": ", a localised name may."""
    return name.split(LABEL_SEPARATOR, 1)[0].strip()


def is_sdmx_csv_2(text: str) -> bool:
    first = _header(text)[:1]
    return bool(first) and SDMX_CSV_2_FIRST_COLUMN.fullmatch(_without_label(first[0]).upper()) is not None


def has_labels(text: str) -> bool:
    return any(LABEL_SEPARATOR in name for name in _header(text))


def read_sdmx_csv(file: str, text: str, problems: list[Problem]) -> RawRows | None:
    """SDMX-CSV 1.0 with ids: the columns as they are."""
    table = read_table(file, text, problems)
    return None if table is None else _raw_rows(file, table, separator(text), labels=False)


def read_sdmx_csv_labelled(file: str, text: str, problems: list[Problem]) -> RawRows | None:
    """SDMX-CSV 1.0 with ``labels=both``: the ids of the headers and of the coded cells."""
    table = read_table(file, text, problems, header_id=_without_label)
    return None if table is None else _raw_rows(file, table, separator(text), labels=True)


def read_sdmx_csv_2(file: str, text: str, problems: list[Problem]) -> RawRows | None:
    """SDMX-CSV 2.0: the observations of the rows whose ACTION is I, A or R (I when no ACTION)."""
    table = read_table(file, text, problems, header_id=_without_label)
    if table is None:
        return None
    raw = _raw_rows(file, table, separator(text), labels=has_labels(text))
    action = table["ACTION"].str.strip().str.upper() if "ACTION" in table.columns else pd.Series("I", table.index)
    refused = ~action.isin(ACTIONS_TAKEN)
    for line, value in zip(table.index[refused], action[refused]):
        problems.append(Problem(file, int(line), "ACTION", "only I, A and R (observations to add or replace) can "
                                                           "be imported; D deletes, which an import does not do",
                                value))
    # Only a row of attributes for a partial key leaves a dimension empty; it holds no observation.
    raw.rows["key_complete"] = (raw.rows[["territory", "data_type", "product", "partner", "time"]] != "").all(axis=1)
    return None if refused.any() else raw


def _raw_rows(file: str, table: pd.DataFrame, sep: str, labels: bool) -> RawRows:
    columns = find_columns(table.columns, file, [])
    rows = pd.DataFrame({field: table[column].str.strip() for field, column in columns.items()})
    if labels:
        for field in rows.columns.drop("value"):
            rows[field] = rows[field].str.split(LABEL_SEPARATOR, n=1).str[0].str.strip()
    if sep == ";":  # the locale that separates with ';' may write 12,4 for 12.4 (SDMX-CSV 1.0, example 2)
        rows["value"] = rows["value"].str.replace(r"^(-?[0-9]+),([0-9]+)$", r"\1.\2", regex=True)
    return finish(rows, {field: one_line(str(column)) for field, column in columns.items()})


# -------------------------------------------------------------------------------- registry

SHAPES = [  # the first that recognises a file reads it; SDMX-CSV 1.0 with ids takes any other
    Shape("JSON-stat 2.0", is_json, read_jsonstat),
    Shape("SDMX-CSV 2.0", is_sdmx_csv_2, read_sdmx_csv_2),
    Shape("SDMX-CSV 1.0, labels=both", has_labels, read_sdmx_csv_labelled),
    Shape("SDMX-CSV 1.0", lambda text: True, read_sdmx_csv),
]
