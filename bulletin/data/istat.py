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

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bulletin import reference
from bulletin.data.trade import describe_parser_error, one_line
from bulletin.errors import ConfigError, DataError, Problem

CANONICAL_COLUMNS = ["period", "flow", "territory", "product", "partner", "value_eur"]
CANONICAL_KEY = CANONICAL_COLUMNS[:-1]

# Internal field -> accepted column spellings (old portal first, new portal second).
REQUIRED_COLUMNS = {
    "territory": ("ITTER107", "REF_AREA"),
    "data_type": ("TIPO_DATO", "DATA_TYPE"),
    "product": ("MERCE_ATECO_2007", "CPA_ATECO2007_COE"),
    "partner": ("PAESE_PARTNER", "PARTNER_COUNTRY"),
    "time": ("TIME_PERIOD",),
    "value": ("OBS_VALUE",),
}
UNIT_MULT_COLUMN = "UNIT_MULT"
_CODE_FIELDS = ("territory", "data_type", "product", "partner")

UNITS = {"eur": 1.0, "thousand": 1e3, "million": 1e6}
UNIT_HINT = "pass --unit eur|thousand|million"

FLOWS = {"EV": "export", "IV": "import"}

# ISTAT still uses pre-2010 codes for the two provinces whose NUTS code changed, and ITTOT for Italy.
TERRITORY_ALIASES = {"ITC45": "ITC4C", "IT108": "ITC4D", "ITTOT": "IT"}
# Trade ISTAT could not allocate to a province: it belongs to no province, so it is never used.
UNALLOCATED_TERRITORIES = frozenset({"ITNI1", "ITNI12", "ITNI13"})

# "0010" is ISTAT's total of all goods in 139_176; the others are generic totals.
PRODUCT_TOTALS = frozenset({"TOTAL", "_T", "00", "0010"})
HITECH_DIVISIONS = frozenset(p.division for p in reference.PRODUCTS.values())
_GROUP_OF_PREFIX = {code.replace(".", ""): code for code in reference.PRODUCTS}

# Digits are ASCII ones (here and in periods): \d would also take "２１２０" or "２０１７-Q1".
_PRODUCT_CODE = r"[0-9]+(\.[0-9]+)*"

# Partner aggregates: the world, EU/euro-area groupings in any composition (EU27_2020, EXT_EU28,
# EA19...) and EFTA. Their trade is already in the countries, so adding them would double count.
_PARTNER_AGGREGATE = re.compile(r"WORLD|EFTA|(EXT_?)?(EU|EA)\d*(_\d{4})?")

# Skip reasons, the keys of ImportReport.skipped_other.
SKIP_FLOW = "flow type not EV/IV"
SKIP_UNALLOCATED = "territory bucket not a province"
SKIP_TWO_DIGIT = "2-digit total"
SKIP_PRODUCT_TOTAL = "product total or section aggregate"
SKIP_PARTNER = "partner aggregate"
SKIP_DUPLICATE = "duplicate row"
SKIP_COVERED = "deeper product code covered by a shallower one"
SKIP_MONTHS_GIVEN_AS_QUARTER = "months also given as a quarter"
_NOT_HITECH = "not hi-tech"  # counted apart, in ImportReport.skipped_not_hitech


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
        read = _read_file(str(path), problems)
        if read is None:
            continue
        raw, columns = read
        rows_read += len(raw)
        frames.append(_observations(raw, columns, str(path), default_scale, problems, skipped))
    _raise_if_any(problems, paths)

    obs = pd.concat(frames, ignore_index=True) if frames else _empty_observations()
    obs = _drop_duplicates(obs, problems, skipped)
    obs = _drop_covered_codes(obs, skipped)
    _check_complete_months(obs, problems)
    _raise_if_any(problems, paths)
    rows, rows_used = _to_quarters(obs, problems, skipped)
    _raise_if_any(problems, paths)

    not_hitech = skipped.pop(_NOT_HITECH, 0)
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


# ---------------------------------------------------------------------------------- reading


def _read_file(file: str, problems: list[Problem]) -> tuple[pd.DataFrame, dict[str, str]] | None:
    """The file's rows as stripped strings under internal field names, indexed by line number,
    and the file's own name of each field's column (for messages).

    Returns None (after recording why) when the file cannot be used at all.
    """
    text = _read_text(file, problems)
    if text is None:
        return None
    header = text.split("\n", 1)[0]
    sep = ";" if header.count(";") > header.count(",") else ","
    # The header is checked before the body is parsed: a wrong header needs no body, and pandas
    # takes a minute over a header of 300,000 names. (A header the csv module cannot read is left
    # to pandas, which says where it fails.)
    try:
        names = next(csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True), [])
    except csv.Error:
        names = None
    if names is not None and _find_columns(names, file, problems) is None:
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
    table.columns = table.iloc[0]
    table = table.iloc[1:]
    table = table[(table != "").any(axis=1)]  # blank lines
    columns = _find_columns(table.columns, file, problems)
    if columns is None:
        return None
    if table.empty:
        problems.append(Problem(file, None, None, "file has a header but no data rows"))
        return None
    raw = pd.DataFrame({field: table[col].str.strip() for field, col in columns.items()})
    for field in _CODE_FIELDS:
        raw[field] = raw[field].str.upper()
    return raw, {field: one_line(str(col).strip()) for field, col in columns.items()}


def _parse_problem(file: str, error: str, sep: str) -> Problem:
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", error)
    if fields is None:
        line, detail = describe_parser_error(error)
        return Problem(file, line, None, f"cannot parse the CSV: {detail}")
    expected, line, saw = fields.groups()
    return Problem(file, int(line), None, f"{saw} fields but the header has {expected}: "
                                          f"is a value containing '{sep}' missing its quotes?")


def _read_text(file: str, problems: list[Problem]) -> str | None:
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


def _find_columns(header: pd.Index | list[str], file: str, problems: list[Problem]) -> dict[str, str] | None:
    """Map internal fields to this file's columns, whichever spelling it uses.

    A column the reader needs may appear only once: two of them would give each field a table,
    not a column, and nothing says which one holds the data.
    """
    spelled = Counter(str(name).strip().upper() for name in header)
    by_upper = {str(name).strip().upper(): name for name in header}
    columns, ok = {}, True
    for spelling in [s for spellings in REQUIRED_COLUMNS.values() for s in spellings] + [UNIT_MULT_COLUMN]:
        if spelled[spelling] > 1:
            problems.append(Problem(file, 1, None, f"column {spelling} appears {spelled[spelling]} times: keep only one"))
            ok = False
    for field, spellings in REQUIRED_COLUMNS.items():
        present = [by_upper[s] for s in spellings if s in by_upper]
        if not present:
            problems.append(Problem(file, 1, None,
                                    f"missing required column: looked for {' or '.join(spellings)}"))
            ok = False
        elif len(present) > 1:
            problems.append(Problem(file, 1, None,
                                    f"both {' and '.join(spellings)} are present: keep only one"))
            ok = False
        else:
            columns[field] = present[0]
    if UNIT_MULT_COLUMN in by_upper:
        columns["unit_mult"] = by_upper[UNIT_MULT_COLUMN]
    return columns if ok else None


# -------------------------------------------------------------------- rows of one file


def _observations(raw: pd.DataFrame, columns: dict[str, str], file: str, default_scale: float | None,
                  problems: list[Problem], skipped: Counter[str]) -> pd.DataFrame:
    """The in-scope, valid rows of one file as observations in euros; counts the skipped rows."""
    reasons = _skip_reasons(raw)
    skipped.update(reasons[reasons != ""].value_counts().to_dict())
    rows = raw[reasons == ""]

    def report(bad: pd.Series, field: str, message: str) -> None:
        for line, value in zip(rows.index[bad], rows.loc[bad, field]):
            problems.append(Problem(file, int(line), columns[field], message, value))

    territory = rows["territory"].replace(TERRITORY_ALIASES)
    bad_territory = ~territory.isin(reference.TERRITORIES)
    report(bad_territory, "territory",
           f"unknown territory code: expected a NUTS 2021 code of Italy (IT, a region such as ITC4, a "
           f"province such as ITC4C) or ISTAT's {', '.join(TERRITORY_ALIASES)}")
    code, group = _product_code_and_group(rows["product"])
    bad_product = group.isna()
    report(bad_product, "product", "not a product code: expected digits with optional dots, e.g. 2120 or 21.20")
    bad_partner = ~rows["partner"].isin(reference.partner_codes())
    report(bad_partner, "partner", "unknown partner code: expected an ISO 3166-1 alpha-2 code or a special code"
                                   " such as QU (aggregates such as WORLD, EU27_2020 are skipped)")
    periods = _parse_periods(rows["time"])
    bad_time = periods["period"].isna()
    report(bad_time, "time", "expected YYYY-Qn (quarterly) or YYYY-MM (monthly)")
    value = pd.to_numeric(rows["value"], errors="coerce")
    bad_number = ~np.isfinite(value)
    report(bad_number, "value", "not a number: use '.' for decimals and no thousands separator")
    bad_sign = value < 0
    report(bad_sign, "value", "negative value: trade values cannot be negative")
    scale, bad_scale = _scales(rows, file, columns, default_scale, problems)

    ok = ~(bad_territory | bad_product | bad_partner | bad_time | bad_number | bad_sign | bad_scale)
    value_eur = value * scale
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
        "tolerance": scale / 2,
    })[ok].reset_index(drop=True)


def _skip_reasons(raw: pd.DataFrame) -> pd.Series:
    """Why each row is out of scope ('' when it is in scope); the first reason that applies wins."""
    reasons = pd.Series("", index=raw.index, dtype=object)

    def mark(mask: pd.Series, reason: str) -> None:
        reasons[mask & (reasons == "")] = reason

    mark(~raw["data_type"].isin(FLOWS), SKIP_FLOW)
    mark(raw["territory"].isin(UNALLOCATED_TERRITORIES), SKIP_UNALLOCATED)
    product = raw["product"]
    numeric = product.str.fullmatch(_PRODUCT_CODE)
    code, group = _product_code_and_group(product)
    mark(product.isin(PRODUCT_TOTALS) | product.str.fullmatch(r"[A-Z_]+"), SKIP_PRODUCT_TOTAL)
    mark(numeric & code.isin(HITECH_DIVISIONS), SKIP_TWO_DIGIT)
    mark(numeric & group.isna(), _NOT_HITECH)
    mark(raw["partner"].str.fullmatch(_PARTNER_AGGREGATE.pattern), SKIP_PARTNER)
    return reasons


def _product_code_and_group(product: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The code without dots (21.20 -> 2120) and its hi-tech group by its first three digits.

    The group is NaN for codes that are not digits, or not at least three digits of a hi-tech
    group (2-digit totals included: 26 is the whole division, not one group).
    """
    numeric = product.str.fullmatch(_PRODUCT_CODE)
    code = product.str.replace(".", "", regex=False)
    group = code.str[:3].map(_GROUP_OF_PREFIX).where(numeric & (code.str.len() >= 3))
    return code, group


def _parse_periods(time: pd.Series) -> pd.DataFrame:
    """Columns obs_period (2017Q1 or 2017-01), period (the quarter) and freq (Q or M); NaN if bad.

    A file has few distinct periods, so each is parsed once and the results mapped onto the rows.
    """
    parsed = {text: _parse_period(text) for text in time.unique()}
    return pd.DataFrame({name: time.map({text: p[i] for text, p in parsed.items()})
                         for i, name in enumerate(("obs_period", "period", "freq"))})


def _parse_period(text: str) -> tuple[str | None, str | None, str | None]:
    if quarter := re.fullmatch(r"([0-9]{4})-?Q([1-4])", text):
        year, q = quarter.groups()
        return f"{year}Q{q}", f"{year}Q{q}", "Q"
    if month := re.fullmatch(r"([0-9]{4})-(0[1-9]|1[0-2])", text):
        year, m = month.groups()
        return f"{year}-{m}", f"{year}Q{(int(m) - 1) // 3 + 1}", "M"
    return None, None, None


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
        problems.append(Problem(file, int(line), columns["unit_mult"],
                                "expected a whole power of ten between 0 and 12", value))
    scale = (10.0 ** mult).where(~empty, default if default is not None else np.nan)
    if default is None:
        for line in rows.index[empty]:
            problems.append(Problem(file, int(line), columns["unit_mult"],
                                    f"empty, so the unit of OBS_VALUE is unknown: {UNIT_HINT}", ""))
        bad = bad | empty
    return scale, bad


def _empty_observations() -> pd.DataFrame:
    return pd.DataFrame(columns=["file", "line", "flow", "territory", "code", "product", "partner",
                                 "obs_period", "period", "freq", "value_eur", "tolerance"])


# ----------------------------------------------------------------------- across rows


def _key_text(row) -> str:
    return f"{row.flow} {row.territory} {row.code} {row.partner} {row.obs_period}"


def _drop_duplicates(obs: pd.DataFrame, problems: list[Problem], skipped: Counter[str]) -> pd.DataFrame:
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
            row.file, int(row.line), "OBS_VALUE",
            f"duplicate key {_key_text(row)} with a different value: {row.value_eur:,.2f} EUR here, "
            f"{seen.value_eur:,.2f} EUR at {seen.file}:{seen.line}"))
    skipped[SKIP_DUPLICATE] += int(repeated.sum())
    return obs[~repeated].reset_index(drop=True)


def _drop_covered_codes(obs: pd.DataFrame, skipped: Counter[str]) -> pd.DataFrame:
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


def _check_complete_months(obs: pd.DataFrame, problems: list[Problem]) -> None:
    """A quarter built from months needs all three; a partial quarter would look like a fall."""
    monthly = obs[obs["freq"] == "M"]
    count = monthly.groupby(CANONICAL_KEY, sort=False)["obs_period"].transform("nunique")
    partial = monthly[count < 3]
    for key, rows in partial.groupby(CANONICAL_KEY, sort=False):
        period, flow, territory, product, partner = key
        year, quarter = period.split("Q")
        expected = [f"{year}-{m:02d}" for m in range(3 * int(quarter) - 2, 3 * int(quarter) + 1)]
        present = sorted(set(rows["obs_period"]))
        missing = [m for m in expected if m not in present]
        first = rows.iloc[0]
        problems.append(Problem(
            first.file, int(first.line), "TIME_PERIOD",
            f"{period}: months {', '.join(missing)} missing for {flow} {territory} {product} {partner} "
            f"(a quarter needs all three months)", ", ".join(present)))


def _to_quarters(obs: pd.DataFrame, problems: list[Problem],
                 skipped: Counter[str]) -> tuple[pd.DataFrame, int]:
    """Sum observations into canonical rows; return them and how many observations they use.

    When a key has both a quarterly figure and three months, the quarterly figure is used and the
    months must agree with it (within rounding), or it is a duplicate with a different value.
    """
    sums = obs.groupby(CANONICAL_KEY + ["freq"], sort=False).agg(
        value_eur=("value_eur", "sum"), tolerance=("tolerance", "sum"), rows=("line", "size"),
        file=("file", "first"), line=("line", "first")).reset_index()
    both = sums.duplicated(CANONICAL_KEY, keep=False)
    months_dropped = both & (sums["freq"] == "M")
    if both.any():
        quarters = sums[both & (sums["freq"] == "Q")].set_index(CANONICAL_KEY)
        months = sums[months_dropped].set_index(CANONICAL_KEY).loc[quarters.index]
        gap = (months["value_eur"] - quarters["value_eur"]).abs()
        differs = gap > months["tolerance"] + quarters["tolerance"]
        for key in quarters.index[differs.to_numpy()]:
            q, m = quarters.loc[key], months.loc[key]
            problems.append(Problem(
                m.file, int(m.line), "OBS_VALUE",
                f"duplicate key {' '.join(key)}: the months sum to {m.value_eur:,.2f} EUR but the "
                f"quarter is {q.value_eur:,.2f} EUR at {q.file}:{q.line}"))
        skipped[SKIP_MONTHS_GIVEN_AS_QUARTER] += int(sums.loc[months_dropped, "rows"].sum())
    used = sums[~months_dropped]
    # OBS_VALUE x 10^UNIT_MULT, or the sum of a quarter's months, can overflow a float (1e308 thousand
    # euros): infinity is no value to write, and `data check` would refuse the file it went into.
    for row in used[~np.isfinite(used["value_eur"].astype(float))].itertuples(index=False):
        problems.append(Problem(
            row.file, int(row.line), "OBS_VALUE",
            f"{row.period} {row.flow} {row.territory} {row.product} {row.partner}: too large a value in euros"))
    rows = (used[CANONICAL_COLUMNS].astype({"value_eur": float})
            .sort_values(CANONICAL_KEY).reset_index(drop=True))
    return rows, int(used["rows"].sum())
