"""Read ISTAT foreign-trade downloads into canonical rows.

ISTAT publishes the figures in several shapes (SDMX-CSV 1.0 with ids or with ``labels=both``,
SDMX-CSV 2.0, JSON-stat 2.0), from the old portal (dati.istat.it: columns ``ITTER107``,
``TIPO_DATO``, ``MERCE_ATECO_2007``, ``PAESE_PARTNER``) or the new one (esploradati.istat.it:
``REF_AREA``, ``DATA_TYPE``, ``CPA_ATECO2007_COE``, ``PARTNER_COUNTRY``). Each shape has its reader
(`readers.SHAPES`), recognised from the file itself, and every reader gives the same raw rows.
A download mixes what the bulletin needs with totals, aggregates and other data types, so every
row is sorted into one of three fates, in this order:

1. skipped, with a counted reason, when it is out of scope (a balance, a seasonally adjusted
   series, trade not allocated to a province, a product outside hi-tech, a product or partner
   aggregate that would double count its members). A skipped row is not checked further: its
   other fields cannot change the bulletin.
2. a problem, when an in-scope row is wrong (unknown code, bad period, bad value...). All
   problems of all files are collected and raised together as one ``DataError``.
3. an observation, converted to euros and summed with its siblings (deeper product codes,
   the three months of a quarter) into one canonical row per key. A missing or confidential
   cell (empty, ``..``, ``:``, ``x``, NaN) is missing, never zero: the row it would be part of
   is left out and counted.

Canonical rows: ``period`` (``YYYYQn``), ``flow`` (``export``/``import``), ``territory`` (a code
of ``reference.TERRITORIES``), ``product`` (a group of ``reference.PRODUCTS``), ``partner`` (a
code of ``reference.partner_codes()``) and ``value_eur``; plus ``provisional``, whether ISTAT
flagged the figure (or a part of it) provisional (OBS_STATUS P).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from bulletin.data.istat.codes import CANONICAL_COLUMNS, NOT_HITECH, UNITS
from bulletin.data.istat.readers import read_file
from bulletin.data.istat.rows import (IMPORTED_COLUMNS, complete_months, drop_covered_codes, drop_duplicates,
                                      empty_observations, observations, to_quarters)
from bulletin.data.trade import MergeReport, load_dataset, merge_trade
from bulletin.errors import ConfigError, DataError, Problem

__all__ = ["CANONICAL_COLUMNS", "IMPORTED_COLUMNS", "ImportReport", "import_files", "read_istat_files"]


@dataclass
class ImportReport:
    files: list[str]
    rows_read: int
    rows_used: int  # observations that became (part of) canonical rows
    skipped_not_hitech: int  # rows with a product code outside the hi-tech groups
    skipped_other: dict[str, int]  # reason -> count
    provisional: int = 0  # canonical rows ISTAT flagged provisional

    def summary(self) -> str:
        """What was read and skipped, and why, in one line."""
        skipped = ", ".join(f"{count} {reason}" for reason, count in sorted(self.skipped_other.items()))
        return (f"read {self.rows_read} rows from {len(self.files)} file(s); skipped {self.skipped_not_hitech} "
                f"outside hi-tech" + (f", {skipped}" if skipped else "")
                + (f"; {self.provisional} provisional" if self.provisional else ""))


def import_files(data_dir: Path, paths: list[Path], unit: str | None = None) -> tuple[ImportReport, MergeReport]:
    """`bulletin data import`: read the files, merge their rows into the data folder (nothing is
    written if any file has a problem), then read the data back as a build will, which leaves
    the validated rows in the data cache for the next build."""
    rows, report = read_istat_files(paths, unit=unit)
    merged = merge_trade(data_dir, rows)
    if merged.files:
        try:
            load_dataset(data_dir)
        except DataError:  # the import is done; what else is wrong in the folder, `data check` says
            pass
    return report, merged


def read_istat_files(paths: list[Path], unit: str | None = None) -> tuple[pd.DataFrame, ImportReport]:
    """Read ISTAT downloads into canonical rows and a report of what was used and skipped.

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
        rows_read += len(read.rows)
        frames.append(observations(read.rows, read.columns, str(path), default_scale, problems, skipped))
    _raise_if_any(problems, paths)

    obs = pd.concat(frames, ignore_index=True) if frames else empty_observations()
    obs = drop_duplicates(obs, problems, skipped)
    obs = drop_covered_codes(obs, skipped)
    obs = complete_months(obs, problems, skipped)
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
        provisional=int(rows["provisional"].sum()),
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
        # Lines before JSON paths: a file is one or the other, but its whole-file problems have no row.
        problems.sort(key=lambda p: (order.get(p.file, len(order)), isinstance(p.row, str), p.row or 0))
        raise DataError(problems)
