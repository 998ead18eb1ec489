"""Reading one download: its text, and for the CSV shapes its separator, header and rows as strings.

What the columns mean is left to the readers (`readers`); this module only turns bytes into a
table whose header is line 1 and whose rows keep their line numbers, and finds the columns the
importer needs under either of ISTAT's spellings.
"""
from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from bulletin.data.istat.codes import CODE_FIELDS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from bulletin.data.reading import describe_parser_error
from bulletin.errors import Problem


@dataclass
class RawRows:
    """A file's observations before any check: the internal fields as stripped strings, indexed by
    where each came from (a line number, or a JSON path such as ``value[17]``), and each field's
    own name in the file, for messages."""

    rows: pd.DataFrame
    columns: dict[str, str]


def finish(rows: pd.DataFrame, columns: dict[str, str]) -> RawRows:
    """Codes in capitals (ISTAT's are; a hand-edited file's may not be)."""
    for field in CODE_FIELDS:
        if field in rows:
            rows[field] = rows[field].str.upper()
    return RawRows(rows, columns)


def read_text(file: str, problems: list[Problem]) -> str | None:
    """The file's text (UTF-8, with or without a byte-order mark), or None with the reason noted."""
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


def separator(text: str) -> str:
    """',' or ';': SDMX-CSV allows the locale's separator; the header says which one a file uses."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def read_table(file: str, text: str, problems: list[Problem],
               header_id: Callable[[str], str] = str.strip) -> pd.DataFrame | None:
    """The rows as strings under the header's names (each made an id by `header_id`), indexed by
    line number, blank lines left out; None (with the reason noted) when the file cannot be used.

    The header is checked before the body is parsed: a wrong header needs no body, and pandas
    takes a minute over a header of 300,000 names. (A header the csv module cannot read is left
    to pandas, which says where it fails.)
    """
    sep = separator(text)
    try:
        names = next(csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True), [])
    except csv.Error:
        names = None
    if names is not None and find_columns([header_id(n) for n in names], file, problems) is None:
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
    table.columns = [header_id(str(name)) for name in table.iloc[0]]
    table = table.iloc[1:]
    table = table[(table != "").any(axis=1)]  # blank lines
    if find_columns(table.columns, file, problems) is None:
        return None
    if table.empty:
        problems.append(Problem(file, None, None, "file has a header but no data rows"))
        return None
    return table


def _parse_problem(file: str, error: str, sep: str) -> Problem:
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", error)
    if fields is None:
        line, detail = describe_parser_error(error)
        return Problem(file, line, None, f"cannot parse the CSV: {detail}")
    expected, line, saw = fields.groups()
    return Problem(file, int(line), None, f"{saw} fields but the header has {expected}: "
                                          f"is a value containing '{sep}' missing its quotes?")


def find_columns(header: pd.Index | list[str], file: str, problems: list[Problem], what: str = "column",
                 where: int | str | None = 1, required: dict = REQUIRED_COLUMNS) -> dict[str, str] | None:
    """Map internal fields to this file's columns (or dimensions), whichever spelling it uses.

    A column the reader needs may appear only once: two of them would give each field a table,
    not a column, and nothing says which one holds the data.
    """
    spelled = Counter(str(name).strip().upper() for name in header)
    by_upper = {str(name).strip().upper(): name for name in header}
    columns, ok = {}, True
    every = [s for spellings in (*required.values(), *OPTIONAL_COLUMNS.values()) for s in spellings]
    for spelling in every:
        if spelled[spelling] > 1:
            problems.append(Problem(file, where, None, f"{what} {spelling} appears {spelled[spelling]} times: "
                                                       f"keep only one"))
            ok = False
    for field, spellings in required.items():
        present = [by_upper[s] for s in spellings if s in by_upper]
        if not present:
            problems.append(Problem(file, where, None,
                                    f"missing required {what}: looked for {' or '.join(spellings)}"))
            ok = False
        elif len(present) > 1:
            problems.append(Problem(file, where, None, f"both {' and '.join(spellings)} are present: keep only one"))
            ok = False
        else:
            columns[field] = present[0]
    for field, spellings in OPTIONAL_COLUMNS.items():
        present = [by_upper[s] for s in spellings if s in by_upper]
        if present:
            columns[field] = present[0]
    return columns if ok else None
