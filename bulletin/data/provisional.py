"""Which figures ISTAT flagged provisional, kept beside the trade files in `provisional.csv`.

ISTAT publishes a quarter's figures first as provisional (OBS_STATUS P) and revises them later.
An import records the keys it brought with the flag, and forgets the flag of every key it
brought without it, so that the final figures clear it. The file lists keys only
(``period,flow,territory,product,partner``): the figures stay in the trade files, in the
canonical format every reader of the data folder already knows.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from bulletin.errors import Problem
from bulletin.files import write_atomically

PROVISIONAL_FILE = "provisional.csv"
KEY = ["period", "flow", "territory", "product", "partner"]


def provisional_file(data_dir: Path) -> Path:
    return data_dir / PROVISIONAL_FILE


def read_provisional(data_dir: Path, problems: list[Problem]) -> pd.DataFrame:
    """The keys flagged provisional (none when there is no file); a bad file is a problem."""
    path = provisional_file(data_dir)
    if not path.is_file():
        return pd.DataFrame(columns=KEY, dtype=str)
    try:
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        problems.append(Problem(str(path), None, None, f"cannot read the provisional figures: {exc}"))
        return pd.DataFrame(columns=KEY, dtype=str)
    if not rows or rows[0] != KEY:
        problems.append(Problem(str(path), 1, None, f"expected the header {','.join(KEY)}"))
        return pd.DataFrame(columns=KEY, dtype=str)
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(KEY):
            problems.append(Problem(str(path), line, None, f"{len(row)} fields but the header has {len(KEY)}"))
    return pd.DataFrame([row for row in rows[1:] if len(row) == len(KEY)], columns=KEY, dtype=str)


def record_provisional(data_dir: Path, imported: pd.DataFrame) -> None:
    """Flag the imported keys whose `provisional` is true and clear the others; call holding the
    data folder's exclusive lock, after the trade files are written. The file is rewritten only
    when its keys change (and removed when none is left)."""
    problems: list[Problem] = []
    kept = read_provisional(data_dir, problems)  # a bad file is replaced: it only ever held flags
    brought = imported[KEY].astype(str)
    kept = kept.merge(brought, on=KEY, how="left", indicator=True)
    kept = kept[kept["_merge"] == "left_only"].drop(columns="_merge")
    flagged = pd.concat([kept, brought[imported["provisional"].to_numpy(dtype=bool)]], ignore_index=True)
    path = provisional_file(data_dir)
    if flagged.empty:
        path.unlink(missing_ok=True)
        return
    text = flagged.sort_values(KEY).to_csv(index=False, lineterminator="\n").encode("utf-8")
    if not path.is_file() or path.read_bytes() != text:
        write_atomically(path, text)


def flag_provisional(trade: pd.DataFrame, flagged: pd.DataFrame) -> pd.Series:
    """For each trade row, whether its key is flagged; only the quarters flagged are looked at."""
    result = pd.Series(False, index=trade.index)
    if flagged.empty:
        return result
    candidates = trade["period"].isin(flagged["period"].unique())
    keys = pd.MultiIndex.from_frame(trade.loc[candidates, KEY].astype(str))
    result[candidates] = keys.isin(pd.MultiIndex.from_frame(flagged[KEY]))
    return result
