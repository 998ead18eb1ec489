"""The last check before an edition is mailed: do its figures match the raw data?

The headline figures are derived again from the trade rows with plain sums, independently of
the indicators stage, and compared with the archived `indicators.json` and with the text of the
archived PDF as a reader would extract it. Any difference blocks the send.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pypdf import PdfReader

from bulletin.data.selection import territory_rows
from bulletin.reference import NATIONAL, TERRITORIES, regions
from bulletin.text import formatting as fmt


# The cover, the contents and the key figures: where a reader meets the headline figures, and
# enough to read back (extracting all pages costs seconds, and it runs before every sending).
HEADLINE_PAGES = 4


@dataclass(frozen=True)
class Headline:
    """The figures a reader takes away from an edition, derived straight from the rows."""

    exports_eur: float
    imports_eur: float
    exports_previous_eur: float | None
    national_exports_eur: float
    national_exports_previous_eur: float
    top_product: str
    top_partner: str
    region_rank: int | None
    """The rank of the territory's region (its own, or a province's) among Italy's regions by
    exports; None for Italy, or when a region has no rows in the quarter."""

    @property
    def exports_yoy_pct(self) -> float | None:
        if not self.exports_previous_eur:
            return None
        return (self.exports_eur / self.exports_previous_eur - 1) * 100

    @property
    def contribution_pp(self) -> float | None:
        """Percentage points of Italy's change a year on that the territory accounts for."""
        if self.exports_previous_eur is None or not self.national_exports_previous_eur:
            return None
        return (self.exports_eur - self.exports_previous_eur) / self.national_exports_previous_eur * 100

    @property
    def share_of_national_pct(self) -> float | None:
        return self.exports_eur / self.national_exports_eur * 100 if self.national_exports_eur else None


def derive_headline(trade: pd.DataFrame, quarter: str, territory: str) -> Headline:
    year, q = int(quarter[:4]), quarter[-1]
    previous = f"{year - 1}Q{q}"
    rows = territory_rows(trade, [territory, NATIONAL])
    period, flow, place = rows["period"].astype(str), rows["flow"].astype(str), rows["territory"].astype(str)

    def total(when: str, direction: str, where: str) -> float:
        return float(rows.loc[(period == when) & (flow == direction) & (place == where), "value_eur"].sum())

    exports_now = rows[(period == quarter) & (flow == "export") & (place == territory)]
    by_product = exports_now.groupby(exports_now["product"].astype(str))["value_eur"].sum()
    by_partner = exports_now.groupby(exports_now["partner"].astype(str))["value_eur"].sum()
    has_previous = bool(((period == previous) & (place == territory)).any())
    return Headline(
        exports_eur=total(quarter, "export", territory), imports_eur=total(quarter, "import", territory),
        exports_previous_eur=total(previous, "export", territory) if has_previous else None,
        national_exports_eur=total(quarter, "export", NATIONAL),
        national_exports_previous_eur=total(previous, "export", NATIONAL),
        top_product=min(by_product.index, key=lambda code: (-by_product[code], code)) if len(by_product) else "",
        top_partner=min(by_partner.index, key=lambda code: (-by_partner[code], code)) if len(by_partner) else "",
        region_rank=derive_region_rank(trade, quarter, territory),
    )


def derive_region_rank(trade: pd.DataFrame, quarter: str, territory: str) -> int | None:
    """1 + the number of regions that export more than the territory's region (ties by code)."""
    place = TERRITORIES[territory]
    region = territory if place.level == "region" else place.parent
    if region is None:
        return None
    rows = territory_rows(trade, regions(), [quarter])
    rows = rows[rows["flow"].astype(str) == "export"]
    exports = rows.groupby(rows["territory"].astype(str))["value_eur"].sum()
    if len(exports) < len(regions()):
        return None
    return 1 + sum(1 for code, value in exports.items()
                   if value > exports[region] or (value == exports[region] and code < region))


def check_edition(trade: pd.DataFrame, folder: Path, pdf: Path, quarter: str, territory: str, lang: str) -> list[str]:
    """Every difference between the raw data, the archived indicators and the PDF's text."""
    truth = derive_headline(trade, quarter, territory)
    figures = json.loads((folder / "indicators.json").read_text(encoding="utf-8"))
    problems = []
    for name, expected, found in [
        ("exports", truth.exports_eur, figures["exports"]["value_eur"]),
        ("imports", truth.imports_eur, figures["imports"]["value_eur"]),
        ("exports a year before", truth.exports_previous_eur, figures["exports"]["previous_eur"]),
        ("change of exports", truth.exports_yoy_pct, figures["exports"]["yoy_pct"]),
        ("Italy's exports", truth.national_exports_eur, figures["national_exports"]["value_eur"]),
        ("share of Italy", truth.share_of_national_pct, figures["exports"]["share_of_national_pct"]),
        ("contribution to Italy's change", truth.contribution_pp, figures["exports"]["contribution_pp"]),
    ]:
        if not _same(expected, found):
            problems.append(f"indicators.json: {name} is {found}, the data give {expected}")
    if figures["products"] and figures["products"][0]["code"] != truth.top_product:
        problems.append(f"indicators.json: first product is {figures['products'][0]['code']}, "
                        f"the data give {truth.top_product}")
    if figures["destinations"] and figures["destinations"][0]["code"] != truth.top_partner:
        problems.append(f"indicators.json: first destination is {figures['destinations'][0]['code']}, "
                        f"the data give {truth.top_partner}")
    printed_rank = (figures.get("region_rank") or {}).get("export_rank")
    if printed_rank != truth.region_rank:
        problems.append(f"indicators.json: the region's rank in Italy is {printed_rank}, the data give {truth.region_rank}")
    text = pdf_text(pdf, HEADLINE_PAGES)
    for name, printed in [("exports", fmt.money(truth.exports_eur, lang)),
                          ("change of exports", fmt.pct(truth.exports_yoy_pct, lang)),
                          ("share of Italy", fmt.share(truth.share_of_national_pct, lang)),
                          ("Italy's exports", fmt.money(truth.national_exports_eur, lang))]:
        if re.sub(r"\s+", " ", printed) not in text:  # folded as the text is: a no-break space is a space
            problems.append(f"{pdf.name}: {name} as the data give it, '{printed}', is not printed in the bulletin")
    return problems


def pdf_text(pdf: Path, pages: int | None = None) -> str:
    """The PDF's text as extracted by a reader's tool, with line breaks and runs of spaces folded."""
    reader = PdfReader(pdf)
    chosen = reader.pages[:pages] if pages else reader.pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in chosen))


def _same(expected: float | None, found: float | None) -> bool:
    if expected is None or found is None:
        return expected is None and found is None
    return math.isclose(expected, found, rel_tol=1e-9, abs_tol=1e-6)
