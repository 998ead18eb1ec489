"""Reading a CSV file into columns of strings: fast when the file is plain, exactly otherwise.

Every reader notes what is wrong as a `Problem` (file, line, column) and returns None instead
of raising, so that a run reports every bad file at once.
"""
from __future__ import annotations

import csv
import gzip
import io
import os
import re
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import csv as arrow_csv

from bulletin.errors import ConfigError, Problem

UNPACKED_LIMIT_VARIABLE = "BULLETIN_MAX_UNPACKED_MB"
DEFAULT_UNPACKED_MB = 1024
MEGABYTE = 2 ** 20


def read_text(path: Path, problems: list[Problem]) -> str | None:
    """File contents as text, or None with a problem noted: missing, unreadable, not UTF-8, empty."""
    raw = read_bytes(path, problems)
    return None if raw is None else decode_text(path, raw, problems)


def read_bytes(path: Path, problems: list[Problem]) -> bytes | None:
    """File contents, decompressed if the name ends in .gz; or None with a problem noted.

    At most `max_unpacked_bytes()` are read, and a gzip is unpacked only that far: a few megabytes
    that unpack to gigabytes would otherwise take the machine's memory before anything is checked.
    """
    limit = max_unpacked_bytes()
    try:
        if path.name.endswith(".gz"):
            raw = _unpacked(path, limit)
        else:
            raw = path.read_bytes() if path.stat().st_size <= limit else None
    except FileNotFoundError:
        problems.append(Problem(str(path), None, None, "file not found"))
        return None
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:  # zlib.error: a damaged deflate stream inside
        problems.append(Problem(str(path), None, None, f"not a readable gzip file: {exc}"))
        return None
    except OSError as exc:
        problems.append(Problem(str(path), None, None, f"cannot read file: {exc.strerror or exc}"))
        return None
    if raw is None:
        problems.append(Problem(str(path), None, None, f"more than {limit // MEGABYTE} MB once unpacked, the limit "
                                                       f"({UNPACKED_LIMIT_VARIABLE}, default {DEFAULT_UNPACKED_MB})"))
        return None
    return raw


def _unpacked(path: Path, limit: int) -> bytes | None:
    """The gzip's contents, read a megabyte at a time; None as soon as they pass `limit` bytes."""
    chunks, size = [], 0
    with gzip.open(path, "rb") as stream:
        while chunk := stream.read(MEGABYTE):
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
    return b"".join(chunks)


def max_unpacked_bytes() -> int:
    """The most bytes one data file may hold once unpacked: BULLETIN_MAX_UNPACKED_MB, or 1024 MB.

    A quarter of all Italy is about 6 MB, every quarter since 2013 in one file about 100 MB: the
    default leaves room for any real file while a bomb stops at a size the machine can hold.
    """
    text = os.environ.get(UNPACKED_LIMIT_VARIABLE, str(DEFAULT_UNPACKED_MB))
    if not re.fullmatch(r"\s*[0-9]+\s*", text) or int(text) < 1:
        raise ConfigError(f"{UNPACKED_LIMIT_VARIABLE} must be a whole number of megabytes, got {text!r}")
    return int(text) * MEGABYTE


def decode_text(path: Path, raw: bytes, problems: list[Problem]) -> str | None:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problems.append(Problem(str(path), line, None, f"not UTF-8 text (byte 0x{raw[exc.start]:02x})"))
        return None
    if not text.strip():
        problems.append(Problem(str(path), None, None, "file is empty"))
        return None
    return text


def read_plain_csv(path: Path, raw: bytes, expected: list[str]) -> pa.Table | None:
    """The common file read fast, as an Arrow table of the `expected` columns and `_line`; or None:
    the exact reader (`read_csv_text`) then reads it.

    Plain means the header names each expected column once, and there are no quotes, no CR, no
    NUL, no blank lines and no rows of empty fields; pyarrow must then find every row complete
    and every byte UTF-8.
    Such a file reads the same in both readers (tested), and its row on line n is row n - 2.
    Anything else, right or wrong, goes to the exact reader, which alone words the problems.
    """
    header, _, body = raw.partition(b"\n")
    empty_row = b"\n" + b"," * (len(expected) - 1)
    if (not body or sorted(header.split(b",")) != sorted(name.encode() for name in expected)
            or b'"' in raw or b"\r" in raw or b"\0" in raw or b"\n\n" in raw
            or empty_row + b"\n" in raw or raw.endswith(empty_row)):
        return None
    try:
        table = arrow_csv.read_csv(
            pa.py_buffer(raw), read_options=arrow_csv.ReadOptions(use_threads=False),
            parse_options=arrow_csv.ParseOptions(quote_char=False, ignore_empty_lines=False),
            convert_options=arrow_csv.ConvertOptions(column_types={name: pa.string() for name in expected},
                                                     strings_can_be_null=False))
    except pa.ArrowException:
        return None
    return table.select(expected).append_column("_line", pa.array(np.arange(2, table.num_rows + 2)))


def one_line(text: str) -> str:
    """Text from a file (say a column name) made safe for a one-line message: line breaks escaped."""
    return text.replace("\n", "\\n").replace("\r", "\\r")


def read_csv_text(path: Path, text: str, expected: list[str], problems: list[Problem]) -> pd.DataFrame | None:
    """Parse CSV text as strings, checking the header; rows keep their line number in `_line`.

    The header is read with newline="" so that old-Mac line ends (a bare CR) and a field over the
    csv module's size limit are malformed-CSV problems, not exceptions. It is checked before the
    body is parsed: a wrong header needs no body, and pandas takes a minute over 300,000 columns.
    """
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), strict=True), [])
    except csv.Error as exc:
        problems.append(Problem(str(path), 1, None, f"malformed CSV header: {exc}"))
        return None
    repeated = [name for name, count in Counter(header).items() if count > 1]
    missing = [c for c in expected if c not in header]
    unknown = [c for c in dict.fromkeys(header) if c not in expected]
    for column in repeated:
        problems.append(Problem(str(path), 1, one_line(column), "column given more than once"))
    for column in missing:
        problems.append(Problem(str(path), 1, column, "missing column", ",".join(header)))
    for column in unknown:
        problems.append(Problem(str(path), 1, one_line(column), f"unknown column (expected {','.join(expected)})"))
    if repeated or missing or unknown:
        return None
    try:
        # Naming the columns from the header makes a row with extra fields an error, not an index.
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, header=0,
                            names=header, skip_blank_lines=False, engine="c")
    except (pd.errors.ParserError, ValueError) as exc:
        line, detail = describe_parser_error(str(exc))
        problems.append(Problem(str(path), line, None, f"malformed CSV: {detail}"))
        return None
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas turns extra fields on the first data row into an index instead of failing.
        problems.append(Problem(str(path), 2, None, f"malformed CSV: more fields than the {len(header)} in the header"))
        return None
    return _numbered(path, frame, expected)


def _numbered(path: Path, frame: pd.DataFrame, expected: list[str]) -> pd.DataFrame:
    """Each row with its file and line; rows with every field empty left out (a trailing ",,,,,")."""
    frame["_line"] = np.arange(2, len(frame) + 2)
    frame["_file"] = str(path)
    blank = (frame[expected] == "").all(axis=1)
    return frame[~blank].reset_index(drop=True) if blank.any() else frame


def describe_parser_error(error: str) -> tuple[int | None, str]:
    """pandas' parser error as a line number and plain words, without its "C error:" jargon."""
    error = " ".join(error.split())
    if quote := re.search(r"EOF inside string starting at row (\d+)", error):
        return int(quote.group(1)) + 1, "a quote opened here is never closed"
    if fields := re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", error):
        expected, line, saw = fields.groups()
        return int(line), f"{saw} fields but the header has {expected}"
    return None, error.removeprefix("Error tokenizing data. C error: ")
