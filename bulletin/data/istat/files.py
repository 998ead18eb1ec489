"""Reading one ISTAT download: its separator, its header and its rows as stripped strings."""
from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

import pandas as pd

from bulletin.data.istat.codes import CODE_FIELDS, REQUIRED_COLUMNS, UNIT_MULT_COLUMN
from bulletin.data.reading import describe_parser_error, one_line
from bulletin.errors import Problem


def read_file(file: str, problems: list[Problem]) -> tuple[pd.DataFrame, dict[str, str]] | None:
    """The file's rows as stripped strings under internal field names, indexed by line number,
    and the file's own name of each field's column (for messages).

    Returns None (after recording why) when the file cannot be used at all.
    """
    text = _read_text(file, problems)
    if text is None:
        return None
    header = text.split("\n", 1)[0]
    sep = ";" if header.count(";") > header.count(",") else ","
    # The header is checked before the body is parsed: a wrong header needs no body, and pandas
    # takes a minute over a header of 300,000 names. (A header the csv module cannot read is left
    # to pandas, which says where it fails.)
    try:
        names = next(csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True), [])
    except csv.Error:
        names = None
    if names is not None and _find_columns(names, file, problems) is None:
        return None
    try:
        # header=None: the header is read as line 1, so that a row with more fields than the
        # header is an error instead of silently becoming an index column.
        table = pd.read_csv(io.StringIO(text), sep=sep, header=None, dtype=str, keep_default_na=False,
                            skip_blank_lines=False)
    except ValueError as exc:  # ParserError, and EmptyDataError for a text with no columns at all
        problems.append(_parse_problem(file, str(exc), sep))
        return None
    table.index = table.index + 1  # line numbers
    table.columns = table.iloc[0]
    table = table.iloc[1:]
    table = table[(table != "").any(axis=1)]  # blank lines
    columns = _find_columns(table.columns, file, problems)
    if columns is None:
        return None
    if table.empty:
        problems.append(Problem(file, None, None, "file has a header but no data rows"))
        return None
    raw = pd.DataFrame({field: table[col].str.strip() for field, col in columns.items()})
    for field in CODE_FIELDS:
        raw[field] = raw[field].str.upper()
    return raw, {field: one_line(str(col).strip()) for field, col in columns.items()}


def _parse_problem(file: str, error: str, sep: str) -> Problem:
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", error)
    if fields is None:
        line, detail = describe_parser_error(error)
        return Problem(file, line, None, f"cannot parse the CSV: {detail}")
    expected, line, saw = fields.groups()
    return Problem(file, int(line), None, f"{saw} fields but the header has {expected}: "
                                          f"is a value containing '{sep}' missing its quotes?")


def _read_text(file: str, problems: list[Problem]) -> str | None:
    try:
        data = Path(file).read_bytes()
    except FileNotFoundError:
        problems.append(Problem(file, None, None, "file not found"))
        return None
    except OSError as exc:
        problems.append(Problem(file, None, None, f"cannot read the file: {exc.strerror}"))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(file, line, None, "file is not UTF-8 text: download or save it as UTF-8",
                                f"byte 0x{data[exc.start]:02x}"))
        return None
    if not text.strip():
        problems.append(Problem(file, None, None, "file is empty"))
        return None
    return text


def _find_columns(header: pd.Index | list[str], file: str, problems: list[Problem]) -> dict[str, str] | None:
    """Map internal fields to this file's columns, whichever spelling it uses.

    A column the reader needs may appear only once: two of them would give each field a table,
    not a column, and nothing says which one holds the data.
    """
    spelled = Counter(str(name).strip().upper() for name in header)
    by_upper = {str(name).strip().upper(): name for name in header}
    columns, ok = {}, True
    for spelling in [s for spellings in REQUIRED_COLUMNS.values() for s in spellings] + [UNIT_MULT_COLUMN]:
        if spelled[spelling] > 1:
            problems.append(Problem(file, 1, None, f"column {spelling} appears {spelled[spelling]} times: keep only one"))
            ok = False
    for field, spellings in REQUIRED_COLUMNS.items():
        present = [by_upper[s] for s in spellings if s in by_upper]
        if not present:
            problems.append(Problem(file, 1, None,
                                    f"missing required column: looked for {' or '.join(spellings)}"))
            ok = False
        elif len(present) > 1:
            problems.append(Problem(file, 1, None,
                                    f"both {' and '.join(spellings)} are present: keep only one"))
            ok = False
        else:
            columns[field] = present[0]
    if UNIT_MULT_COLUMN in by_upper:
        columns["unit_mult"] = by_upper[UNIT_MULT_COLUMN]
    return columns if ok else None
