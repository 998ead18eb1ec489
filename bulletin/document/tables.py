"""The tables behind the bulletin, as data a reader can reuse: one Excel workbook and CSV files.

Values are the indicators' own numbers, unrounded, so that a spreadsheet reproduces the printed
figures; the names of the sheets and columns are words of the edition's language, in
`templates/<lang>/tables.toml`.
"""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
from xlsxwriter import Workbook

from bulletin import reference
from bulletin.document.printed_tables import flow_lines
from bulletin.errors import ConfigError
from bulletin.indicators.compute import Indicators
from bulletin.templates import Templates, Texts

TABLE_COLUMNS = {"flows": "flows", "products": "ranked", "destinations": "ranked", "areas": "ranked",
                 "provinces": "provinces", "trend": "trend", "services": "services"}
"""Each table, and the list of column names it takes from `tables.toml` ([columns.<list>])."""


def edition_tables(indicators: Indicators, lang: str, templates: Templates) -> dict[str, pd.DataFrame]:
    """Every table of the edition with something in it, named by sheet (`templates/<lang>/tables.toml`)."""
    words = templates.texts(f"{lang}/tables.toml")
    labels = templates.texts(f"{lang}/labels.toml")

    def ranked(items) -> pd.DataFrame:
        return pd.DataFrame([{"rank": i.rank, "code": i.code, "name": i.name[lang], "value_eur": i.value_eur,
                              "previous_eur": i.previous_eur, "yoy_pct": i.yoy_pct, "share_pct": i.share_pct}
                             for i in items])

    # The provinces only where the PDF has their section: a region of one or two names them in a sentence.
    compared = indicators.provinces if indicators.compares_provinces else []
    provinces = pd.DataFrame([{
        "code": p.code, "name": p.name[lang], "exports_eur": p.exports_eur, "exports_yoy_pct": p.exports_yoy_pct,
        "export_rank": p.export_rank, "imports_eur": p.imports_eur, "imports_yoy_pct": p.imports_yoy_pct,
        "import_rank": p.import_rank, "share_of_region_pct": p.share_of_region_pct,
        "top_export_product": p.top_export_product.code if p.top_export_product else None}
        for p in compared])
    # Table 1: the territory's flows and Italy's, named as the printed table names its rows.
    national = indicators.territory["code"] == reference.NATIONAL  # no contribution of Italy to itself
    flows = pd.DataFrame([{"code": code, "name": labels.get(f"row_{code}"), "value_eur": value,
                           "previous_eur": previous, "yoy_pct": change,
                           "contribution_pp": None if national or flow is None else flow.contribution_pp}
                          for code, value, previous, change, flow in flow_lines(indicators)])
    tables = {"flows": flows, "products": ranked(indicators.products), "destinations": ranked(indicators.destinations),
              "areas": ranked(indicators.areas), "provinces": provinces,
              "trend": pd.DataFrame([vars(point) for point in indicators.trend]),
              "services": pd.DataFrame([vars(s) for s in indicators.services])}
    return {_sheet_name(words, key): _named_columns(words, TABLE_COLUMNS[key], frame)
            for key, frame in tables.items() if not frame.empty}


def _sheet_name(words: Texts, table: str) -> str:
    name = words.table("sheets").get(table)
    if not isinstance(name, str):
        raise ConfigError(f"template {words.name}: [sheets] must name the sheet {table!r}")
    return name


def _named_columns(words: Texts, columns: str, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its columns named in the edition's language; every column must have a name."""
    names = words.table("columns").get(columns)
    unnamed = [c for c in frame.columns if not isinstance(names, dict) or not isinstance(names.get(c), str)]
    if unnamed:
        raise ConfigError(f"template {words.name}: [columns.{columns}] must name the columns {', '.join(unnamed)}")
    return frame.rename(columns=names)


def write_tables(tables: dict[str, pd.DataFrame], folder: Path, built_at: dt.datetime) -> None:
    """`tables.xlsx` with a sheet per table and `tables/<name>.csv`; dated `built_at` for reproducibility.

    Text is written as text, never as a formula or a link, whatever it starts with. XlsxWriter
    (rather than openpyxl) because it only writes: it loads in a fifth of the time, and dates
    the workbook's members with a fixed time, so the same figures give the same bytes.
    """
    stamp = built_at.astimezone(dt.timezone.utc).replace(tzinfo=None)
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    buffer = io.BytesIO()  # written by us, so that a full disk is an OSError like any other
    with Workbook(buffer, options) as workbook:
        workbook.set_properties({"created": stamp})
        for name, frame in tables.items():
            sheet = workbook.add_worksheet(name)
            sheet.write_row(0, 0, [str(column) for column in frame.columns])
            for row, values in enumerate(frame.itertuples(index=False), start=1):
                sheet.write_row(row, 0, [_cell(value) for value in values])
    (folder / "tables.xlsx").write_bytes(buffer.getvalue())
    (folder / "tables").mkdir(exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / "tables" / f"{name}.csv", index=False, lineterminator="\n")


def _cell(value):
    """A missing value is an empty cell; numbers go in as Python numbers."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value
