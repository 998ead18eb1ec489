"""ISTAT rows into observations in euros, then into one canonical row per key.

One file at a time, each in-scope row is checked and converted to euros (`observations`); then,
across all the files read together, repeated observations are dropped, deeper product codes
covered by shallower ones are left out, and months are summed into quarters. A missing or
confidential cell stays missing: a sum with a missing part is missing too, never the sum of the
parts that are known, and such rows are counted, not imported.
"""
from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from bulletin import reference
from bulletin.data.checks import MAX_VALUE, current_quarter, is_future_quarter
from bulletin.data.istat.codes import (CANONICAL_COLUMNS, CANONICAL_KEY, FLOWS, MISSING_VALUES, PROVISIONAL_STATUS,
                                       SKIP_COVERED, SKIP_DUPLICATE, SKIP_INCOMPLETE_QUARTER, SKIP_MISSING,
                                       SKIP_MONTHS_GIVEN_AS_QUARTER, TERRITORY_ALIASES, UNIT_HINT,
                                       UNIT_MULT_COLUMN, parse_periods, product_code_and_group, skip_reasons)
from bulletin.errors import Problem

# The canonical columns, and whether ISTAT flagged the figure (or a part of its sum) provisional.
IMPORTED_COLUMNS = CANONICAL_COLUMNS + ["provisional"]


def observations(raw: pd.DataFrame, columns: dict[str, str], file: str, default_scale: float | None,
                 problems: list[Problem], skipped: Counter[str]) -> pd.DataFrame:
    """The in-scope, valid rows of one file as observations in euros; counts the skipped rows."""
    reasons = skip_reasons(raw)
    skipped.update(reasons[reasons != ""].value_counts().to_dict())
    rows = raw[reasons == ""]
    missing = rows["value"].str.lower().isin(MISSING_VALUES)

    def report(bad: pd.Series, field: str, message: str) -> None:
        for line, value in zip(rows.index[bad], rows.loc[bad, field]):
            problems.append(Problem(file, location(line), columns[field], message, value))

    territory = rows["territory"].replace(TERRITORY_ALIASES)
    bad_territory = ~territory.isin(reference.TERRITORIES)
    report(bad_territory, "territory",
           f"unknown territory code: expected a NUTS 2021 code of Italy (IT, a region such as ITC4, a "
           f"province such as ITC4C) or ISTAT's {', '.join(TERRITORY_ALIASES)}")
    code, group = product_code_and_group(rows["product"])
    bad_product = group.isna()
    report(bad_product, "product", "not a product code: expected digits with optional dots, e.g. 2120 or 21.20")
    bad_partner = ~rows["partner"].isin(reference.partner_codes())
    report(bad_partner, "partner", "unknown partner code: expected an ISO 3166-1 alpha-2 code or a special code"
                                   " such as QU (aggregates such as WORLD, EU27_2020 are skipped)")
    periods = parse_periods(rows["time"])
    bad_time = periods["period"].isna()
    report(bad_time, "time", "expected YYYY-Qn (quarterly) or YYYY-MM (monthly)")
    future = periods["period"].map(lambda quarter: isinstance(quarter, str) and is_future_quarter(quarter)).astype(bool)
    report(future, "time", f"a quarter after the current one, {current_quarter()}")
    value = pd.to_numeric(rows["value"].where(~missing), errors="coerce")
    bad_number = ~missing & ~np.isfinite(value)
    report(bad_number, "value", "not a number: use '.' for decimals and no thousands separator "
                                "('..', ':', 'x' or nothing for a missing or confidential value)")
    bad_sign = value < 0
    report(bad_sign, "value", "negative value: trade values cannot be negative")
    scale, bad_scale = _scales(rows[~missing], file, columns, default_scale, problems)

    ok = ~(bad_territory | bad_product | bad_partner | bad_time | future | bad_number | bad_sign
           | bad_scale.reindex(rows.index, fill_value=False))
    value_eur = value * scale.reindex(rows.index)
    status = rows["status"] if "status" in rows else pd.Series("", index=rows.index)
    return pd.DataFrame({
        "file": file,
        "line": rows.index,
        "flow": rows["data_type"].map(FLOWS),
        "territory": territory,
        "code": code,
        "product": group,
        "partner": rows["partner"],
        "obs_period": periods["obs_period"],
        "period": periods["period"],
        "freq": periods["freq"],
        "value_eur": value_eur,
        # Half a unit of the published figure: how far two roundings of one value can differ.
        "tolerance": (scale / 2).reindex(rows.index, fill_value=0.0),
        "missing": missing,
        "provisional": status == PROVISIONAL_STATUS,
    })[ok].reset_index(drop=True)


def location(line) -> int | str:
    """Where a row came from, as a message names it: a line number, or a JSON path."""
    return line if isinstance(line, str) else int(line)


def _scales(rows: pd.DataFrame, file: str, columns: dict[str, str], default: float | None,
            problems: list[Problem]) -> tuple[pd.Series, pd.Series]:
    """Each row's multiplier to euros (10**UNIT_MULT, else the --unit) and which rows lack one."""
    if "unit_mult" not in columns:
        if default is None:
            problems.append(Problem(file, None, None,
                                    f"no {UNIT_MULT_COLUMN} column, so the unit of OBS_VALUE is unknown: "
                                    f"{UNIT_HINT}"))
        return pd.Series(default if default is not None else np.nan, index=rows.index), \
            pd.Series(default is None, index=rows.index)
    text = rows["unit_mult"]
    empty = text == ""
    mult = pd.to_numeric(text.where(~empty), errors="coerce")
    bad = ~empty & ~(mult.between(0, 12) & (mult == mult.round()))
    for line, value in zip(rows.index[bad], text[bad]):
        problems.append(Problem(file, location(line), columns["unit_mult"],
                                "expected a whole power of ten between 0 and 12", value))
    scale = (10.0 ** mult).where(~empty, default if default is not None else np.nan)
    if default is None:
        for line in rows.index[empty]:
            problems.append(Problem(file, location(line), columns["unit_mult"],
                                    f"empty, so the unit of OBS_VALUE is unknown: {UNIT_HINT}", ""))
        bad = bad | empty
    return scale, bad


def empty_observations() -> pd.DataFrame:
    return pd.DataFrame(columns=["file", "line", "flow", "territory", "code", "product", "partner",
                                 "obs_period", "period", "freq", "value_eur", "tolerance", "missing", "provisional"])


# ----------------------------------------------------------------------- across rows


def _key_text(row) -> str:
    return f"{row.flow} {row.territory} {row.code} {row.partner} {row.obs_period}"


def drop_duplicates(obs: pd.DataFrame, problems: list[Problem], skipped: Counter[str]) -> pd.DataFrame:
    """Keep one of the rows that give the same observation; they must agree.

    The same observation can come twice from overlapping downloads, or from one file under an
    old and a new territory code (ITC45 and ITC4C). Values agree when they differ by no more
    than the rounding of their published figures (e.g. 1234 thousand and 1234000 euros).
    """
    key = ["flow", "territory", "code", "partner", "obs_period"]
    repeated = obs.duplicated(key, keep="first")
    if not repeated.any():
        return obs
    first = obs.groupby(key, sort=False)[["value_eur", "tolerance", "file", "line"]].transform("first")
    differs = repeated & ((obs["value_eur"] - first["value_eur"]).abs()
                          > obs["tolerance"] + first["tolerance"])
    for i in obs.index[differs]:
        row, seen = obs.loc[i], first.loc[i]
        problems.append(Problem(
            row.file, location(row.line), "OBS_VALUE",
            f"duplicate key {_key_text(row)} with a different value: {row.value_eur:,.2f} EUR here, "
            f"{seen.value_eur:,.2f} EUR at {seen.file}:{seen.line}"))
    skipped[SKIP_DUPLICATE] += int(repeated.sum())
    return obs[~repeated].reset_index(drop=True)


def drop_covered_codes(obs: pd.DataFrame, skipped: Counter[str]) -> pd.DataFrame:
    """Drop product codes whose shallower code is also given for the same key.

    ISTAT publishes each level of the classification as its own total, so a download with both
    ``265`` and its parts ``2651``, ``2652`` holds the same trade twice. For each key (flow,
    territory, partner, period) a code is used only when none of its shorter prefixes (down to
    the 3-digit group) is present; so ``265`` wins over ``2651``, and ``2651`` over ``26510``.
    A group given only at a deeper level is the sum of its deeper codes. The rule holds across
    all the files read together, since the same trade in two downloads is still the same trade.
    """
    context = obs.groupby(["flow", "territory", "partner", "obs_period"], sort=False).ngroup()
    present = pd.MultiIndex.from_arrays([context, obs["code"]])
    lengths = obs["code"].str.len()
    covered = pd.Series(False, index=obs.index)
    for length in range(3, int(lengths.max()) if len(obs) else 3):
        prefix = pd.MultiIndex.from_arrays([context, obs["code"].str[:length]])
        covered |= (lengths > length) & prefix.isin(present)
    skipped[SKIP_COVERED] += int(covered.sum())
    return obs[~covered].reset_index(drop=True)


def complete_months(obs: pd.DataFrame, problems: list[Problem], skipped: Counter[str]) -> pd.DataFrame:
    """A quarter built from months needs all three; a partial quarter would look like a fall.

    A quarter of which no key has its three months is one ISTAT has not finished releasing (a
    download taken mid-quarter): its months are left out and counted. A quarter some keys of
    which have their three months and others not has a hole: that is a problem.
    """
    monthly = obs[obs["freq"] == "M"]
    count = monthly.groupby(CANONICAL_KEY, sort=False)["obs_period"].transform("nunique")
    finished = count.groupby(monthly["period"]).transform("max") == 3
    unfinished = monthly.index[~finished]
    skipped[SKIP_INCOMPLETE_QUARTER] += len(unfinished)
    partial = monthly[finished & (count < 3)]
    for key, rows in partial.groupby(CANONICAL_KEY, sort=False):
        period, flow, territory, product, partner = key
        year, quarter = period.split("Q")
        expected = [f"{year}-{m:02d}" for m in range(3 * int(quarter) - 2, 3 * int(quarter) + 1)]
        present = sorted(set(rows["obs_period"]))
        missing = [m for m in expected if m not in present]
        first = rows.iloc[0]
        problems.append(Problem(
            first.file, location(first.line), "TIME_PERIOD",
            f"{period}: months {', '.join(missing)} missing for {flow} {territory} {product} {partner} "
            f"(a quarter needs all three months)", ", ".join(present)))
    return obs.drop(index=unfinished).reset_index(drop=True)


def to_quarters(obs: pd.DataFrame, problems: list[Problem],
                 skipped: Counter[str]) -> tuple[pd.DataFrame, int]:
    """Sum observations into canonical rows; return them and how many observations they use.

    When a key has both a quarterly figure and three months, the quarterly figure is used and the
    months must agree with it (within rounding), or it is a duplicate with a different value. A
    row with a missing part is left out (counted), and a row with a provisional part is provisional.
    """
    sums = obs.groupby(CANONICAL_KEY + ["freq"], sort=False).agg(
        value_eur=("value_eur", "sum"), tolerance=("tolerance", "sum"), rows=("line", "size"),
        file=("file", "first"), line=("line", "first"), missing=("missing", "any"),
        provisional=("provisional", "any")).reset_index()
    both = sums.duplicated(CANONICAL_KEY, keep=False)
    months_dropped = both & (sums["freq"] == "M")
    if both.any():
        quarters = sums[both & (sums["freq"] == "Q")].set_index(CANONICAL_KEY)
        months = sums[months_dropped].set_index(CANONICAL_KEY).loc[quarters.index]
        gap = (months["value_eur"] - quarters["value_eur"]).abs()
        differs = ~months["missing"] & ~quarters["missing"] & (gap > months["tolerance"] + quarters["tolerance"])
        for key in quarters.index[differs.to_numpy()]:
            q, m = quarters.loc[key], months.loc[key]
            problems.append(Problem(
                m.file, location(m.line), "OBS_VALUE",
                f"duplicate key {' '.join(key)}: the months sum to {m.value_eur:,.2f} EUR but the "
                f"quarter is {q.value_eur:,.2f} EUR at {q.file}:{q.line}"))
        skipped[SKIP_MONTHS_GIVEN_AS_QUARTER] += int(sums.loc[months_dropped, "rows"].sum())
    used = sums[~months_dropped & ~sums["missing"].astype(bool)]
    skipped[SKIP_MISSING] += int(sums.loc[~months_dropped & sums["missing"].astype(bool), "rows"].sum())
    # OBS_VALUE x 10^UNIT_MULT, or the sum of a quarter's months, can be beyond any figure (1e308
    # thousand euros overflows to infinity): `data check` would refuse the file it went into.
    for row in used[~(used["value_eur"].astype(float) <= MAX_VALUE)].itertuples(index=False):
        problems.append(Problem(
            row.file, location(row.line), "OBS_VALUE",
            f"{row.period} {row.flow} {row.territory} {row.product} {row.partner}: above 10^15 euros"))
    rows = (used[IMPORTED_COLUMNS].astype({"value_eur": float, "provisional": bool})
            .sort_values(CANONICAL_KEY).reset_index(drop=True))
    return rows, int(used["rows"].sum())
