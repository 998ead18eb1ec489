"""Checks of rows read as strings: values, quarters, duplicate keys, and totals against their parts.

Every check notes a `Problem` for each bad row instead of stopping at the first, so that a person
fixing a file sees all that is wrong in one run. Checks are vectorised: national files have
millions of rows. Rows carry their `_file` and `_line` for the messages.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from bulletin import reference
from bulletin.data.quarters import QUARTER_PATTERN, quarter_sort_key
from bulletin.data.selection import territory_rows
from bulletin.errors import DataError, Problem

MAX_PROBLEMS = 200
MAX_VALUE = 1e15
"""No figure of the data may exceed this: a thousand billion euros is a thousand times Italy's
yearly trade, so a larger value is a mistake (a unit, a misplaced exponent), not a figure to print."""
FLOWS = ("export", "import")
# 1.234, 12.345.678, 1234.567: a dot before exactly three digits, as an Italian groups thousands.
_GROUPED = r"^\s*\+?[0-9]+(\.[0-9]{3})+\s*$"


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
    """The column as floats, flagging what is not a non-negative (whole) number up to MAX_VALUE.

    Infinities are NaN in the result, like any other non-number, so that a caller's fillna() and
    cast to integers cannot fail on them. A value whose dot may separate thousands is refused
    rather than read as a decimal (see `_thousands_separated`).
    """
    values = pa.array(frame[column].array, type=pa.string())
    numbers = _parse_numbers(frame[column], values)
    grouped = _thousands_separated(frame, values, numbers)
    flag_rows(frame, grouped, column, "a dot before three digits reads as a thousands separator: write whole "
              "numbers without separators (a dot is decimal in a file whose other values show 1, 2 or 4+ "
              "decimals)", problems)
    not_number = (numbers.isna() | ~np.isfinite(numbers.fillna(0))) & ~grouped
    flag_rows(frame, not_number, column, "not a number", problems)
    usable = ~not_number & ~grouped
    flag_rows(frame, usable & (numbers < 0), column, "negative value", problems)
    flag_rows(frame, usable & (numbers > MAX_VALUE), column, "above 10^15: no figure of the bulletin is that large",
              problems)
    if integer:
        flag_rows(frame, usable & (numbers >= 0) & (numbers != np.floor(numbers.fillna(0))), column,
                  "not a whole number", problems)
    return numbers.where(usable).astype(float)


def _thousands_separated(frame: pd.DataFrame, values: pa.Array, numbers: pd.Series) -> pd.Series:
    """The values written like 1.234 or 12.345.678, which an Italian means as thousands, not decimals.

    Such a value with one dot is read as a decimal only when its file shows elsewhere a dot that
    can only be decimal (0.5, 1200.25, 1.5e3); with more dots it is never a number.
    """
    def mask(result: pa.Array) -> pd.Series:
        return pd.Series(result.to_numpy(zero_copy_only=False), index=frame.index)

    dotted = mask(pc.match_substring(values, "."))
    grouped = dotted & mask(pc.match_substring_regex(values, _GROUPED)) if dotted.any() else dotted
    if not grouped.any():
        return grouped
    decimal = dotted & ~grouped & numbers.notna()
    several_dots = mask(pc.count_substring(values, ".")) > 1
    return grouped & (several_dots | ~frame["_file"].isin(frame.loc[decimal, "_file"].unique()))


def _parse_numbers(text: pd.Series, values: pa.Array) -> pd.Series:
    """The strings (`values` is `text` in Arrow) as floats, NaN where not a number, as pandas'
    `to_numeric` reads them.

    When every value is a whole number of up to 15 digits, as in nearly every file, pyarrow
    converts them in a tenth of the time; such numbers are exact either way.
    """
    if pc.all(pc.match_substring_regex(values, r"^[0-9]{1,15}$")).as_py():
        return pd.Series(pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False), index=text.index)
    return pd.to_numeric(text.str.strip(), errors="coerce")


def current_quarter(today: dt.date | None = None) -> str:
    """The calendar quarter of `today` (the machine's date): no data can be later than it."""
    today = today or dt.date.today()
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


def is_future_quarter(quarter: str, today: dt.date | None = None) -> bool:
    """Whether a well-formed quarter ("2099Q1") comes after the current one."""
    return quarter_sort_key(quarter) > quarter_sort_key(current_quarter(today))


def future_quarter_problems(frame: pd.DataFrame) -> list[Problem]:
    """A problem for the first row of each quarter after the current one, in each file.

    Trade figures of a quarter that has not happened are a typo (2099Q1) or a wrong date; one line
    per file and quarter says so without repeating it for each of the quarter's rows.
    """
    periods = frame["period"].astype(str)
    future = [quarter for quarter in periods.unique() if QUARTER_PATTERN.fullmatch(quarter) and is_future_quarter(quarter)]
    if not future:
        return []
    current = current_quarter()
    first = frame[periods.isin(future)].drop_duplicates(["_file", "period"])
    return [Problem(str(file), int(line), "period", f"quarter {quarter} is after the current quarter, {current}",
                    str(quarter)) for file, line, quarter in first[["_file", "_line", "period"]].itertuples(index=False)]


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

    def first_row(period: str, flow: str | None, codes: list[str] | None) -> tuple[str, int | None]:
        """Where the first row of these is; no line for a row being imported (not in a file yet)."""
        rows = trade[trade["period"] == period]
        if flow is not None:
            rows = rows[rows["flow"] == flow]
        row = rows[rows["territory"].isin(codes)].iloc[0] if codes is not None else rows.iloc[0]
        return str(row["_file"]), int(row["_line"]) or None

    missing: set[tuple] = set()  # (period, flow, total) already reported as missing
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
                    missing.add((period, flow, total_code))
                    problems.append(Problem(*first_row(period, flow, children), "territory",
                                            f"quarter {period} has province rows but no {name} ({total_code}) rows for flow '{flow}'"))
            total = totals.get((period, flow, code))
            if total is not None and total < sum_of_parts - 0.5:
                whole = (f"Italy {flow} total {period} is smaller than the sum of its regions" if national
                         else f"{code} {flow} total {period} is smaller than the sum of its provinces")
                problems.append(Problem(*first_row(period, flow, children), "value_eur", whole,
                                        f"{total:.0f} < {sum_of_parts:.0f}"))
    problems += _flow_problems(totals, missing, first_row, warnings)
    # Provinces may exceed their region for one product while totals agree: worth a warning only.
    for (period, flow, region, product), sum_of_parts in sorted(product_parts.items()):
        published = by_product.get((period, flow, region, product), 0.0)
        if sum_of_parts > published + 0.5:
            warnings.append(f"{region} {flow} {period} product {product}: provinces sum to {sum_of_parts:.0f}, "
                            f"more than the published {published:.0f}")
    return problems


def _flow_problems(totals: dict[tuple, float], missing: set[tuple], first_row, warnings: list[str]) -> list[Problem]:
    """Italy and each region with rows in a quarter need both flows in it.

    A quarter with one flow only is a quarter half imported (a warning: `require_quarter` refuses
    to make an edition of it); a territory missing a flow that the quarter has elsewhere is wrong
    data. `missing` holds the totals already reported as absent under provinces that have them,
    so that nothing is said twice.
    """
    problems = []
    present: dict[str, set[str]] = defaultdict(set)              # period: flows
    by_total: dict[tuple, set[str]] = defaultdict(set)           # (period, Italy or region): flows
    for period, flow, code in totals:
        present[period].add(flow)
        if reference.TERRITORIES[code].level != "province":
            by_total[(period, code)].add(flow)
    for period in sorted(present, key=quarter_sort_key):
        if (flow := missing_flow(present[period])) is not None:
            warnings.append(f"quarter {period} has no {flow} rows: no edition is made of it until both flows are "
                            "in the data")
    for (period, code), flows in sorted(by_total.items(), key=lambda item: (quarter_sort_key(item[0][0]), item[0][1])):
        for flow in FLOWS:
            if missing_flow(present[period]) is None and flow not in flows and (period, flow, code) not in missing:
                name = reference.TERRITORIES[code].name_en
                problems.append(Problem(*first_row(period, None, [code]), "flow",
                                        f"quarter {period} has no {flow} rows for {name} ({code})"))
    return problems


def missing_flow(flows) -> str | None:
    """The flow missing from these (the flows of a quarter's rows), if one is: exports of 0 euro
    (-100,0%) would be printed for a quarter of imports only."""
    return next((flow for flow in FLOWS if flow not in set(flows)), None)


def require_both_flows(trade: pd.DataFrame, quarter: str, territory: str, data_dir: Path) -> None:
    """An edition is made only of a quarter with both flows for its territory and for Italy (the
    quarters `publish` calls complete): with one, the bulletin would print the other as 0 euro."""
    rows = territory_rows(trade, [territory, reference.NATIONAL], [quarter])
    for code in dict.fromkeys([territory, reference.NATIONAL]):
        flow = missing_flow(rows.loc[rows["territory"] == code, "flow"].unique())
        if flow is not None:
            name = reference.TERRITORIES[code].name_en
            if code not in set(trade["territory"].unique()):
                raise DataError([Problem(str(data_dir / "trade"), None, None,
                                         f"the data have no rows for {name} ({code}) in any quarter: import its "
                                         "files, or choose a territory the data cover")])
            raise DataError([Problem(str(data_dir / "trade"), None, None,
                                     f"quarter {quarter} has no {flow} rows for {name} ({code}): a bulletin needs "
                                     "both flows (import them, or choose an earlier quarter with --quarter)")])
