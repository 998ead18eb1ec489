"""The tables behind the bulletin, as data a reader can reuse: one Excel workbook and CSV files.

Values are the indicators' own numbers, unrounded, so that a spreadsheet reproduces the printed
figures; column names are in the edition's language.
"""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd

from bulletin.indicators.compute import Indicators

_COLUMNS = {
    "it": {"rank": "rango", "code": "codice", "name": "nome", "value_eur": "valore_eur", "previous_eur": "anno_prima_eur",
           "yoy_pct": "var_pct", "share_pct": "quota_pct", "quarter": "trimestre"},
    "en": {"rank": "rank", "code": "code", "name": "name", "value_eur": "value_eur", "previous_eur": "year_before_eur",
           "yoy_pct": "change_pct", "share_pct": "share_pct", "quarter": "quarter"},
}
_SHEETS = {"it": {"products": "prodotti", "destinations": "paesi", "areas": "aree", "provinces": "province",
                  "trend": "andamento", "services": "servizi"},
           "en": {"products": "products", "destinations": "countries", "areas": "areas", "provinces": "provinces",
                  "trend": "trend", "services": "services"}}


def edition_tables(indicators: Indicators, lang: str) -> dict[str, pd.DataFrame]:
    """Every table of the edition, named by sheet."""
    names = _COLUMNS[lang]

    def ranked(items) -> pd.DataFrame:
        frame = pd.DataFrame([{"rank": i.rank, "code": i.code, "name": i.name[lang], "value_eur": i.value_eur,
                               "previous_eur": i.previous_eur, "yoy_pct": i.yoy_pct, "share_pct": i.share_pct}
                              for i in items])
        return frame.rename(columns=names)

    provinces = pd.DataFrame([{
        "code": p.code, "name": p.name[lang], "exports_eur": p.exports_eur, "exports_yoy_pct": p.exports_yoy_pct,
        "export_rank": p.export_rank, "imports_eur": p.imports_eur, "imports_yoy_pct": p.imports_yoy_pct,
        "import_rank": p.import_rank, "share_of_region_pct": p.share_of_region_pct,
        "top_export_product": p.top_export_product.code if p.top_export_product else None}
        for p in indicators.provinces])
    trend = pd.DataFrame([vars(point) for point in indicators.trend]).rename(columns={"quarter": names["quarter"]})
    services = pd.DataFrame([vars(s) for s in indicators.services])
    tables = {"products": ranked(indicators.products), "destinations": ranked(indicators.destinations),
              "areas": ranked(indicators.areas), "provinces": provinces, "trend": trend, "services": services}
    return {_SHEETS[lang][key]: frame for key, frame in tables.items() if not frame.empty}


def write_tables(tables: dict[str, pd.DataFrame], folder: Path, built_at: dt.datetime) -> None:
    """`tables.xlsx` with a sheet per table and `tables/<name>.csv`; dated `built_at` for reproducibility.

    Text is written as text, never as a formula or a link, whatever it starts with. XlsxWriter
    (rather than openpyxl) because it only writes: it loads in a fifth of the time, and dates
    the workbook's members with a fixed time, so the same figures give the same bytes.
    """
    from xlsxwriter import Workbook

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
