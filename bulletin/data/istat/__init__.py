"""Read ISTAT foreign-trade SDMX-CSV downloads into canonical rows.

The source is ISTAT's dataflow 139_176, "Importazioni ed esportazioni per paese e merce Ateco
2007", downloaded as SDMX-CSV either from the old portal (dati.istat.it: columns ``ITTER107``,
``TIPO_DATO``, ``MERCE_ATECO_2007``, ``PAESE_PARTNER``) or from the new one (esploradati.istat.it:
``REF_AREA``, ``DATA_TYPE``, ``CPA_ATECO2007_COE``, ``PARTNER_COUNTRY``). A download mixes what the
bulletin needs with totals, aggregates and other data types, so the reader sorts every row into
one of three fates, in this order:

1. skipped, with a counted reason, when it is out of scope (a balance, a seasonally adjusted
   series, trade not allocated to a province, a product outside hi-tech, a product or partner
   aggregate that would double count its members). A skipped row is not checked further: its
   other fields cannot change the bulletin.
2. a problem, when an in-scope row is wrong (unknown code, bad period, bad value...). All
   problems of all files are collected and raised together as one ``DataError``.
3. an observation, converted to euros and summed with its siblings (deeper product codes,
   the three months of a quarter) into one canonical row per key.

Canonical rows: ``period`` (``YYYYQn``), ``flow`` (``export``/``import``), ``territory`` (a code
of ``reference.TERRITORIES``), ``product`` (a group of ``reference.PRODUCTS``), ``partner`` (a
code of ``reference.partner_codes()``) and ``value_eur``.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from bulletin.data.istat.codes import CANONICAL_COLUMNS, NOT_HITECH, UNITS
from bulletin.data.istat.files import read_file
from bulletin.data.istat.rows import (check_complete_months, drop_covered_codes, drop_duplicates,
                                      empty_observations, observations, to_quarters)
from bulletin.errors import ConfigError, DataError, Problem

__all__ = ["CANONICAL_COLUMNS", "ImportReport", "read_istat_files"]


@dataclass
class ImportReport:
    files: list[str]
    rows_read: int
    rows_used: int  # observations that became (part of) canonical rows
    skipped_not_hitech: int  # rows with a product code outside the hi-tech groups
    skipped_other: dict[str, int]  # reason -> count


def read_istat_files(paths: list[Path], unit: str | None = None) -> tuple[pd.DataFrame, ImportReport]:
    """Read ISTAT SDMX-CSV files into canonical rows and a report of what was used and skipped.

    ``unit`` (eur, thousand, million) is the unit of OBS_VALUE for files without a UNIT_MULT
    column (and for rows whose UNIT_MULT is empty); UNIT_MULT, where given, always wins.

    The files are treated as one input: a key given twice must carry the same value, a quarter's
    months may come from different files, and a quarter given both monthly and quarterly is
    counted once. Raises ``DataError`` with every problem found. Row checks run first; the
    checks across rows (duplicates, missing months) run only once every row is valid, so that
    a bad row does not also show up as, say, a missing month.
    """
    default_scale = _unit_scale(unit)
    problems: list[Problem] = []
    skipped: Counter[str] = Counter()
    frames, rows_read = [], 0
    for path in paths:
        read = read_file(str(path), problems)
        if read is None:
            continue
        raw, columns = read
        rows_read += len(raw)
        frames.append(observations(raw, columns, str(path), default_scale, problems, skipped))
    _raise_if_any(problems, paths)

    obs = pd.concat(frames, ignore_index=True) if frames else empty_observations()
    obs = drop_duplicates(obs, problems, skipped)
    obs = drop_covered_codes(obs, skipped)
    check_complete_months(obs, problems)
    _raise_if_any(problems, paths)
    rows, rows_used = to_quarters(obs, problems, skipped)
    _raise_if_any(problems, paths)

    not_hitech = skipped.pop(NOT_HITECH, 0)
    report = ImportReport(
        files=[str(p) for p in paths],
        rows_read=rows_read,
        rows_used=rows_used,
        skipped_not_hitech=not_hitech,
        skipped_other={reason: n for reason, n in skipped.items() if n},
    )
    return rows, report


def _unit_scale(unit: str | None) -> float | None:
    if unit is None:
        return None
    try:
        return UNITS[unit.lower()]
    except KeyError:
        raise ConfigError(f"unknown unit '{unit}': use one of {', '.join(UNITS)}") from None


def _raise_if_any(problems: list[Problem], paths: list[Path]) -> None:
    """Raise the problems found so far, sorted by file (in the order given) and line."""
    if problems:
        order = {str(p): i for i, p in enumerate(paths)}
        problems.sort(key=lambda p: (order.get(p.file, len(order)), p.row or 0))
        raise DataError(problems)
