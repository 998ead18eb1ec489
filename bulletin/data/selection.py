"""Selecting trade rows by territory and quarter, without looking through all of them.

`load_dataset` holds the rows ordered by territory and quarter, so that the rows of a few
territories in a few quarters are found by binary search.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


def ordered_by_territory(trade: pd.DataFrame) -> pd.DataFrame:
    """The rows ordered by territory code, then quarter code; as read within each (a stable sort)."""
    territory, period = _codes(trade["territory"]), _codes(trade["period"])
    order = np.argsort(territory.astype(np.int64) * (period.max(initial=0) + 1) + period, kind="stable")
    return trade.take(order).reset_index(drop=True)


def territory_rows(trade: pd.DataFrame, territories: Iterable[str],
                   quarters: Iterable[str] | None = None) -> pd.DataFrame:
    """The rows of these territories (in these quarters), in their order in `trade`.

    In rows held as `load_dataset` holds them (`ordered_by_territory`), each territory's rows, and
    within them each quarter's, are found by binary search: what an edition reads costs the same
    on the data of one region and of all Italy. Rows held otherwise are looked through one by one.
    """
    territories, quarters = list(territories), None if quarters is None else list(quarters)
    if not _held_by_territory(trade):
        selected = trade["territory"].isin(territories)
        if quarters is not None:
            selected &= trade["period"].isin(quarters)
        return trade[selected]
    territory, period = trade["territory"].cat.codes.to_numpy(), trade["period"].cat.codes.to_numpy()
    wanted_quarters = None if quarters is None else _codes_of(trade["period"], quarters)
    positions = []
    for code in _codes_of(trade["territory"], territories):
        start, stop = _span(territory, code)
        periods = period[start:stop]
        if wanted_quarters is None:
            positions.append(np.arange(start, stop))
        elif not _ascending(periods):
            positions.append(start + np.flatnonzero(np.isin(periods, wanted_quarters)))
        else:
            for quarter in wanted_quarters:
                first, last = _span(periods, quarter)
                positions.append(np.arange(start + first, start + last))
    return trade.iloc[np.concatenate(positions) if positions else []]


def _held_by_territory(trade: pd.DataFrame) -> bool:
    """Whether the territories and quarters are coded and the rows ordered by territory code."""
    if not all(isinstance(trade[column].dtype, pd.CategoricalDtype) for column in ("territory", "period")):
        return False
    return _ascending(trade["territory"].cat.codes.to_numpy())


def _ascending(codes: np.ndarray) -> bool:
    return not (codes[1:] < codes[:-1]).any()


def _span(codes: np.ndarray, code: int) -> tuple[int, int]:
    """Where `code` stands in the ascending `codes`: its first position and the one after its last."""
    value = codes.dtype.type(code)
    return int(np.searchsorted(codes, value, "left")), int(np.searchsorted(codes, value, "right"))


def _codes_of(column: pd.Series, values: list[str]) -> np.ndarray:
    """The codes of these values among the column's categories, ascending; unknown values left out."""
    codes = np.unique(column.cat.categories.get_indexer(values))
    return codes[codes >= 0]


def _codes(column: pd.Series) -> np.ndarray:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy()
    return pd.factorize(column, sort=True)[0]
