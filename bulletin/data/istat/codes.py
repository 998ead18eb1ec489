"""ISTAT's columns and codes in its foreign-trade dataflows, and what each means for the bulletin.

Which rows are out of scope (and why), which hi-tech group a product code belongs to, and which
quarter a period falls in: decided here from the codes alone, row by row.
"""
from __future__ import annotations

import re

import pandas as pd

from bulletin import reference

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
# Internal field -> accepted spellings of the columns a file may have: the power of ten of
# OBS_VALUE, the observation's status (P: provisional) and the seasonal adjustment (N: none).
OPTIONAL_COLUMNS = {
    "unit_mult": (UNIT_MULT_COLUMN,),
    "status": ("OBS_STATUS",),
    "adjustment": ("ADJUSTMENT",),
}
CODE_FIELDS = ("territory", "data_type", "product", "partner", "status", "adjustment")

# What statistical offices put in a cell without a figure: nothing, ".." and ":" (not available,
# Eurostat and ISTAT), "x" (confidential), NaN. Such a cell is missing, never zero.
MISSING_VALUES = frozenset({"", "..", ":", "x", "nan"})
# OBS_STATUS (SDMX code list CL_OBS_STATUS) and JSON-stat's status: P / p is provisional.
PROVISIONAL_STATUS = "P"
UNADJUSTED = ("", "N")

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
SKIP_MISSING = "missing or confidential value"
SKIP_ADJUSTED = "seasonally or calendar adjusted"
SKIP_INCOMPLETE_QUARTER = "quarter not complete yet (months missing)"
SKIP_ATTRIBUTE_ROW = "attribute row without an observation"
NOT_HITECH = "not hi-tech"  # counted apart, in ImportReport.skipped_not_hitech


def skip_reasons(raw: pd.DataFrame) -> pd.Series:
    """Why each row is out of scope ('' when it is in scope); the first reason that applies wins."""
    reasons = pd.Series("", index=raw.index, dtype=object)

    def mark(mask: pd.Series, reason: str) -> None:
        reasons[mask & (reasons == "")] = reason

    if "key_complete" in raw:  # SDMX-CSV 2.0: a row of attributes for a partial key
        mark(~raw["key_complete"], SKIP_ATTRIBUTE_ROW)
    mark(~raw["data_type"].isin(FLOWS), SKIP_FLOW)
    mark(raw["territory"].isin(UNALLOCATED_TERRITORIES), SKIP_UNALLOCATED)
    product = raw["product"]
    numeric = product.str.fullmatch(_PRODUCT_CODE)
    code, group = product_code_and_group(product)
    mark(product.isin(PRODUCT_TOTALS) | product.str.fullmatch(r"[A-Z_]+"), SKIP_PRODUCT_TOTAL)
    mark(numeric & code.isin(HITECH_DIVISIONS), SKIP_TWO_DIGIT)
    mark(numeric & group.isna(), NOT_HITECH)
    mark(raw["partner"].str.fullmatch(_PARTNER_AGGREGATE.pattern), SKIP_PARTNER)
    if "adjustment" in raw:
        mark(~raw["adjustment"].isin(UNADJUSTED), SKIP_ADJUSTED)
    return reasons


def product_code_and_group(product: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The code without dots (21.20 -> 2120) and its hi-tech group by its first three digits.

    The group is NaN for codes that are not digits, or not at least three digits of a hi-tech
    group (2-digit totals included: 26 is the whole division, not one group).
    """
    numeric = product.str.fullmatch(_PRODUCT_CODE)
    code = product.str.replace(".", "", regex=False)
    group = code.str[:3].map(_GROUP_OF_PREFIX).where(numeric & (code.str.len() >= 3))
    return code, group


def parse_periods(time: pd.Series) -> pd.DataFrame:
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
