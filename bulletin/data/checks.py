"""Checks of rows read as strings: values, duplicate keys, and totals against their parts.

Every check notes a `Problem` for each bad row instead of stopping at the first, so that a person
fixing a file sees all that is wrong in one run. Checks are vectorised: national files have
millions of rows. Rows carry their `_file` and `_line` for the messages.
"""
from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from bulletin import reference
from bulletin.errors import Problem

MAX_PROBLEMS = 200


def capped(problems: list[Problem]) -> list[Problem]:
    """The first MAX_PROBLEMS problems, and a line saying how many more there are."""
    extra = len(problems) - MAX_PROBLEMS
    more = [Problem("...", None, None, f"{extra} more problems not shown")] if extra > 0 else []
    return problems[:MAX_PROBLEMS] + more


def flag_rows(frame: pd.DataFrame, bad: pd.Series, column: str, message: str, problems: list[Problem]) -> None:
    """Note a problem for each row where `bad` is true, naming the value found."""
    if not bad.any():
        return
    for file, line, value in frame.loc[bad, ["_file", "_line", column]].head(MAX_PROBLEMS).itertuples(index=False):
        problems.append(Problem(file, int(line), column, message, str(value)))


def non_negative_numbers(frame: pd.DataFrame, column: str, problems: list[Problem],
                         integer: bool = False) -> pd.Series:
    """The column as floats, flagging what is not a non-negative (whole) number.

    Infinities are NaN in the result, like any other non-number, so that a caller's fillna() and
    cast to integers cannot fail on them; a count must also fit an int64, or the cast would wrap it.
    """
    numbers = _parse_numbers(frame[column])
    not_number = numbers.isna() | ~np.isfinite(numbers.fillna(0))
    flag_rows(frame, not_number, column, "not a number", problems)
    flag_rows(frame, ~not_number & (numbers < 0), column, "negative value", problems)
    if integer:
        flag_rows(frame, ~not_number & (numbers >= 0) & (numbers != np.floor(numbers.fillna(0))), column,
                  "not a whole number", problems)
        flag_rows(frame, ~not_number & (numbers >= 2.0 ** 63), column, "too large for a count", problems)
    return numbers.where(~not_number).astype(float)


def _parse_numbers(text: pd.Series) -> pd.Series:
    """The strings as floats, NaN where not a number, as pandas' `to_numeric` reads them.

    When every value is a whole number of up to 15 digits, as in nearly every file, pyarrow
    converts them in a tenth of the time; such numbers are exact either way.
    """
    values = pa.array(text.array, type=pa.string())
    if pc.all(pc.match_substring_regex(values, r"^[0-9]{1,15}$")).as_py():
        return pd.Series(pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False), index=text.index)
    return pd.to_numeric(text.str.strip(), errors="coerce")


def duplicate_problems(frame: pd.DataFrame, key: list[str]) -> list[Problem]:
    """A problem for each row whose key an earlier row already has, naming where that one is."""
    if frame.empty:
        return []
    dup = frame.duplicated(key, keep=False)
    if not dup.any():
        return []
    rows = frame.loc[dup].sort_values(["_file", "_line"])
    first = rows.drop_duplicates(key).set_index(key)[["_file", "_line"]]
    problems = []
    repeats = rows[rows.duplicated(key, keep="first")].head(MAX_PROBLEMS)
    for values, file, line in zip(repeats[key].itertuples(index=False, name=None), repeats["_file"], repeats["_line"]):
        original = first.loc[values]
        problems.append(Problem(file, int(line), None,
                                f"duplicate key {','.join(values)} (first at {original['_file']}:{original['_line']})"))
    return problems


def structure_problems(trade: pd.DataFrame, warnings: list[str]) -> list[Problem]:
    """Published totals must exist and be at least the sum of their parts.

    Worked out from the sums per quarter, flow, territory and product (a few thousand, from one
    pass over the rows); a problem then looks up the first row it is about, for its file and line.
    """
    problems: list[Problem] = []
    sums = trade.groupby(["period", "flow", "territory", "product"], observed=True)["value_eur"].sum()
    by_product = dict(zip(sums.index, sums.to_numpy().tolist()))
    totals: dict[tuple, float] = defaultdict(float)      # (period, flow, territory)
    parts: dict[tuple, float] = defaultdict(float)       # (period, flow, region or IT): its provinces or regions
    product_parts: dict[tuple, float] = defaultdict(float)  # (period, flow, region, product): its provinces
    for (period, flow, code, product), value in by_product.items():
        totals[(period, flow, code)] += value
        territory = reference.TERRITORIES[code]
        if territory.level in ("province", "region"):
            parts[(period, flow, territory.parent if territory.level == "province" else reference.NATIONAL)] += value
        if territory.level == "province":
            product_parts[(period, flow, territory.parent, product)] += value

    def first_row(period: str, flow: str, codes: list[str]) -> tuple[str, int]:
        row = trade[(trade["period"] == period) & (trade["flow"] == flow) & trade["territory"].isin(codes)].iloc[0]
        return str(row["_file"]), int(row["_line"])

    # Each value may be finite and their sum not (1e308 + 1e308): the bulletin would print infinity.
    for (period, flow, code), total in sorted(totals.items()):
        if not math.isfinite(total):
            problems.append(Problem(*first_row(period, flow, [code]), "value_eur",
                                    f"{code} {flow} total {period} is too large to add up", f"{total}"))
    for national in (False, True):  # provinces against their regions first, then regions against Italy
        for (period, flow, code), sum_of_parts in sorted(parts.items()):
            if (code == reference.NATIONAL) != national:
                continue
            children = [c for c, t in reference.TERRITORIES.items()
                        if t.level == ("region" if national else "province") and (national or t.parent == code)]
            for total_code in () if national else (code, reference.NATIONAL):  # provinces need both totals
                if (period, flow, total_code) not in totals:
                    name = reference.TERRITORIES[total_code].name_en
                    problems.append(Problem(*first_row(period, flow, children), "territory",
                                            f"quarter {period} has province rows but no {name} ({total_code}) rows for flow '{flow}'"))
            total = totals.get((period, flow, code))
            if total is not None and total < sum_of_parts - 0.5:
                whole = (f"Italy {flow} total {period} is smaller than the sum of its regions" if national
                         else f"{code} {flow} total {period} is smaller than the sum of its provinces")
                problems.append(Problem(*first_row(period, flow, children), "value_eur", whole,
                                        f"{total:.0f} < {sum_of_parts:.0f}"))
    # Provinces may exceed their region for one product while totals agree: worth a warning only.
    for (period, flow, region, product), sum_of_parts in sorted(product_parts.items()):
        published = by_product.get((period, flow, region, product), 0.0)
        if sum_of_parts > published + 0.5:
            warnings.append(f"{region} {flow} {period} product {product}: provinces sum to {sum_of_parts:.0f}, "
                            f"more than the published {published:.0f}")
    return problems
