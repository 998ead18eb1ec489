"""The tables behind the bulletin, as data a reader can reuse: one Excel workbook and CSV files.

Values are the indicators' own numbers, unrounded, so that a spreadsheet reproduces the printed
figures; column names are in the edition's language.
"""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd

from .indicators import Indicators

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
    """`tables.xlsx` with a sheet per table and `tables/<name>.csv`; dated `built_at` for reproducibility."""
    from openpyxl import Workbook
    from openpyxl.utils.dataframe import dataframe_to_rows

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, frame in tables.items():
        sheet = workbook.create_sheet(name)
        for row in dataframe_to_rows(frame, index=False, header=True):
            sheet.append([None if isinstance(v, float) and v != v else v for v in row])
    stamp = built_at.astimezone(dt.timezone.utc).replace(tzinfo=None)
    workbook.properties.created = workbook.properties.modified = stamp
    buffer = io.BytesIO()
    workbook.save(buffer)
    (folder / "tables.xlsx").write_bytes(_fixed_zip_times(buffer.getvalue(), stamp))
    (folder / "tables").mkdir(exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / "tables" / f"{name}.csv", index=False, lineterminator="\n")


def _fixed_zip_times(data: bytes, stamp: dt.datetime) -> bytes:
    """Rewrite the workbook's zip with fixed member times, so the same figures give the same bytes."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    target_buffer = io.BytesIO()
    with zipfile.ZipFile(target_buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return target_buffer.getvalue()
