"""The canonical trade and services files: loaded and validated into a `Dataset`, and imported rows
merged into them.

The trade files are read fast when plain (`reading`), checked as a whole (`checks`) and kept
validated in the data cache (`cache`), so that a later run reads only the cache. Bad data are
refused, every problem named, before anything is computed.
"""
from __future__ import annotations

import gzip
import io
import logging
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from bulletin import reference
from bulletin.data.cache import cache_path, file_hashes, read_cache, write_cache
from bulletin.data.checks import (FLOWS, capped, duplicate_problems, flag_rows, future_quarter_problems,
                                  non_negative_numbers, structure_problems)
from bulletin.data.lock import data_lock
from bulletin.data.provisional import flag_provisional, provisional_file, read_provisional, record_provisional
from bulletin.data.quarters import QUARTER_PATTERN, quarter_sort_key
from bulletin.data.reading import decode_text, read_bytes, read_csv_text, read_plain_csv, read_text
from bulletin.data.selection import ordered_by_territory
from bulletin.errors import DataError, Problem
from bulletin.faults import checkpoint
from bulletin.files import write_atomically

log = logging.getLogger(__name__)

TRADE_COLUMNS = ["period", "flow", "territory", "product", "partner", "value_eur"]
TRADE_KEY = ["period", "flow", "territory", "product", "partner"]
SERVICES_COLUMNS = ["period", "provider", "service", "firms", "smes", "activities"]
SERVICES_KEY = ["period", "provider", "service"]


@dataclass
class Dataset:
    """Validated inputs of one run: trade rows, services rows and the files they came from.

    The trade rows are ordered by territory and quarter (`selection.ordered_by_territory`), so
    that `selection.territory_rows` finds an edition's rows without looking through all of Italy.
    """

    trade: pd.DataFrame
    services: pd.DataFrame
    source_files: list[Path]
    warnings: list[str] = field(default_factory=list)
    source_hashes: dict[Path, str] = field(default_factory=dict)
    """The SHA-256 of each source file as it was read, for the manifests of the editions made from it."""

    @cached_property
    def quarters(self) -> list[str]:
        return sorted(self.trade["period"].unique(), key=quarter_sort_key)


def trade_files(data_dir: Path) -> list[Path]:
    folder = data_dir / "trade"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name.endswith((".csv", ".csv.gz")) and p.is_file())


def services_file(data_dir: Path) -> Path:
    return data_dir / "services.csv"


def load_dataset(data_dir: Path) -> Dataset:
    """Read and validate everything under `data_dir`; raise DataError listing every problem.

    Under the data folder's shared lock (`lock`): no import rewrites a file between its hash and
    its reading, so the hashes an edition records are those of the bytes its figures come from.
    """
    with data_lock(data_dir, exclusive=False):
        return _read_dataset(data_dir)


def _read_dataset(data_dir: Path) -> Dataset:
    problems: list[Problem] = []
    files = trade_files(data_dir)
    if not files:
        raise DataError([Problem(str(data_dir / "trade"), None, None,
                                 "no trade files found (expected *.csv or *.csv.gz)")])
    hashes = file_hashes(files)
    checkpoint("data-hashed")
    cache = cache_path(data_dir, hashes)
    cached = read_cache(cache)
    if cached is not None:
        trade, warnings = cached
    else:
        warnings = []
        trade = read_trade_rows(files, problems, warnings).drop(columns=["_file", "_line"])
    services_path = services_file(data_dir)
    services = _empty_services()
    if services_path.exists():
        services = _read_services_file(services_path, problems)
    flagged = read_provisional(data_dir, problems)
    if problems:
        raise DataError(capped(problems))
    if cached is None:
        trade = ordered_by_territory(trade)
        write_cache(cache, trade, warnings)
    trade["provisional"] = flag_provisional(trade, flagged)  # not cached: the flags are another file
    for warning in warnings:
        log.warning(warning)
    sources = files + [path for path in (services_path, provisional_file(data_dir)) if path.exists()]
    return Dataset(trade=trade, services=services.drop(columns=["_file", "_line"], errors="ignore"),
                   source_files=sources, warnings=warnings,
                   source_hashes={**hashes, **file_hashes(sources[len(files):])})


def read_trade_rows(files: list[Path], problems: list[Problem], warnings: list[str]) -> pd.DataFrame:
    """All trade rows, checked row by row and as a whole; each row keeps its `_file` and `_line`."""
    read = [(path, table) for path, table in ((path, _read_trade_file(path, problems)) for path in files)
            if table is not None]
    if not read:
        return _empty_trade()
    # Codes as categories: a fraction of the memory, and group-bys that need not hash strings.
    # Encoded by Arrow (sorted, as pandas sorts them) in a third of pandas' time.
    rows = pa.concat_tables(table for _, table in read).combine_chunks()
    trade = pa.table({name: rows.column(name).dictionary_encode() if name in TRADE_KEY else rows.column(name)
                      for name in rows.column_names}).to_pandas()
    for name in TRADE_KEY:
        trade[name] = trade[name].cat.reorder_categories(sorted(trade[name].cat.categories))
    trade["_file"] = pd.Categorical.from_codes(np.repeat(np.arange(len(read)), [table.num_rows for _, table in read]),
                                               categories=[str(path) for path, _ in read])
    # Checked once over all files: as categories, each distinct code is looked at once.
    flag_rows(trade, ~trade["period"].str.fullmatch(QUARTER_PATTERN), "period", "not a quarter like 2017Q1", problems)
    problems += future_quarter_problems(trade)
    flag_rows(trade, ~trade["flow"].isin(FLOWS), "flow", "unknown flow (expected export or import)", problems)
    flag_rows(trade, ~trade["territory"].isin(reference.TERRITORIES), "territory", "unknown territory code", problems)
    flag_rows(trade, ~trade["product"].isin(reference.PRODUCTS), "product", "unknown hi-tech product group", problems)
    flag_rows(trade, ~trade["partner"].isin(reference.partner_codes()), "partner",
              "unknown partner country code", problems)
    trade["value_eur"] = non_negative_numbers(trade, "value_eur", problems)
    problems += duplicate_problems(trade, TRADE_KEY)
    if not problems:
        problems += structure_problems(trade, warnings)
    return trade


def require_quarter(dataset: Dataset, quarter: str, data_dir: Path) -> None:
    """A quarter asked for but absent is an input problem: say which quarters there are."""
    if quarter not in set(dataset.quarters):
        available = dataset.quarters
        span = f"{available[0]}..{available[-1]}" if available else "none"
        raise DataError([Problem(str(data_dir / "trade"), None, None,
                                 f"quarter {quarter} is not in the data; available quarters: {span}")])


def _empty_trade() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float if c == "value_eur" else str) for c in TRADE_COLUMNS + ["_file", "_line"]})


def _empty_services() -> pd.DataFrame:
    columns = {c: pd.Series(dtype="int64" if c in ("firms", "smes", "activities") else str) for c in SERVICES_COLUMNS}
    return pd.DataFrame(columns)


def _read_trade_file(path: Path, problems: list[Problem]) -> pa.Table | None:
    """The file's rows as strings with their `_line`, read fast if it is plain, else exactly."""
    raw = read_bytes(path, problems)
    if raw is None:
        return None
    table = read_plain_csv(path, raw, TRADE_COLUMNS)
    if table is None:
        text = decode_text(path, raw, problems)
        frame = read_csv_text(path, text, TRADE_COLUMNS, problems) if text is not None else None
        if frame is None:
            return None
        schema = pa.schema([(name, pa.string()) for name in TRADE_COLUMNS] + [("_line", pa.int64())])
        table = pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)
    if table.num_rows == 0:
        problems.append(Problem(str(path), None, None, "file has a header but no rows"))
        return None
    return table


def _read_services_file(path: Path, problems: list[Problem]) -> pd.DataFrame:
    text = read_text(path, problems)
    frame = read_csv_text(path, text, SERVICES_COLUMNS, problems) if text is not None else None
    if frame is None:
        return _empty_services()
    flag_rows(frame, ~frame["period"].str.fullmatch(QUARTER_PATTERN), "period", "not a quarter like 2017Q1", problems)
    problems += future_quarter_problems(frame)
    for column in ("provider", "service"):
        flag_rows(frame, frame[column].str.strip() == "", column, "empty name", problems)
    counts = {column: non_negative_numbers(frame, column, problems, integer=True)
              for column in ("firms", "smes", "activities")}
    flag_rows(frame, counts["smes"] > counts["firms"], "smes", "more SMEs than firms", problems)
    problems += duplicate_problems(frame, SERVICES_KEY)
    return frame.assign(**{column: values.fillna(0).astype("int64") for column, values in counts.items()})


@dataclass
class MergeReport:
    added: int
    replaced: int
    unchanged: int
    files: list[Path]


def merge_trade(data_dir: Path, incoming: pd.DataFrame) -> MergeReport:
    """Merge canonical rows into the per-quarter files `trade/<quarter>.csv.gz`.

    A newer value for an existing key replaces the old one. The merged data are validated as a
    whole before anything is written, and each file is replaced atomically, so a failed import
    leaves the data folder as it was. The data folder's lock is held exclusively from the reading
    to the last write: two imports at once each keep the other's revisions. Rows with a
    `provisional` column also update which figures are provisional (`provisional`).
    """
    with data_lock(data_dir, exclusive=True):
        report = _merge_into_files(data_dir, incoming)
        if "provisional" in incoming:
            record_provisional(data_dir, incoming)
        return report


def _merge_into_files(data_dir: Path, incoming: pd.DataFrame) -> MergeReport:
    problems: list[Problem] = []
    current = read_trade_rows(trade_files(data_dir), problems, [])
    if problems:
        raise DataError(capped(problems))
    incoming = incoming[TRADE_COLUMNS].astype({column: str for column in TRADE_KEY})  # plain codes, not categories
    joined = incoming.merge(current[TRADE_KEY + ["value_eur", "_file"]], on=TRADE_KEY, how="left",
                            suffixes=("", "_old"))
    is_new = joined["_file"].isna()
    changed = ~is_new & (joined["value_eur"] != joined["value_eur_old"])
    targets: dict[str, Path] = {}
    for quarter in sorted(incoming["period"].unique(), key=quarter_sort_key):
        holders = sorted(current.loc[current["period"] == quarter, "_file"].unique())
        if len(holders) > 1:
            problems.append(Problem(holders[1], None, None,
                                    f"rows of {quarter} are spread over several files ({', '.join(holders)}); "
                                    "keep one file per quarter before importing"))
        targets[quarter] = Path(holders[0]) if holders else data_dir / "trade" / f"{quarter}.csv.gz"
    if problems:
        raise DataError(problems)
    kept = current.merge(incoming[TRADE_KEY], on=TRADE_KEY, how="left", indicator=True)
    kept = kept[kept["_merge"] == "left_only"].drop(columns="_merge")
    new_rows = incoming.assign(_file=incoming["period"].map(lambda q: str(targets[q])), _line=0)
    merged = pd.concat([kept, new_rows], ignore_index=True)
    problems = structure_problems(merged, [])
    if problems:
        raise DataError(problems)
    written = []
    for path in sorted({Path(p) for p in new_rows["_file"]}):
        write_trade_file(path, merged[merged["_file"] == str(path)])
        written.append(path)
    return MergeReport(added=int(is_new.sum()), replaced=int(changed.sum()),
                       unchanged=int((~is_new & ~changed).sum()), files=written)


def write_trade_file(path: Path, rows: pd.DataFrame) -> None:
    """Write canonical rows sorted by key, whole euros without decimals, atomically."""
    ordered = rows[TRADE_COLUMNS].sort_values(TRADE_KEY).copy()
    ordered["value_eur"] = ordered["value_eur"].map(_format_value)
    text = ordered.to_csv(index=False, lineterminator="\n").encode("utf-8")
    if path.name.endswith(".gz"):
        buffer = io.BytesIO()
        with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as stream:
            stream.write(text)
        text = buffer.getvalue()
    write_atomically(path, text)


def _format_value(value: float) -> str:
    """Whole euros without decimals; other values never with exactly three decimals (12.3450), which
    the reader would take for a thousands separator."""
    if float(value).is_integer():
        return str(int(value))
    text = repr(float(value))
    return text + "0" if re.fullmatch(r"[0-9]+\.[0-9]{3}", text) else text
