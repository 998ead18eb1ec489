"""Every figure the bulletin prints, computed once from the validated data.

The text, the tables and the charts all read this one object, so they cannot disagree. Its
JSON form (`indicators.json`) is a contract read by later tools: keep the keys stable.
A change against a zero or missing base is None ("n.d." in print), never infinity.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace

import pandas as pd

from bulletin import reference
from bulletin.data.trade import quarter_sort_key, shift_quarter

TREND_QUARTERS = 12


def change_pct(now: float | None, before: float | None) -> float | None:
    if now is None or before is None or before == 0 or math.isnan(before) or math.isnan(now):
        return None
    return (now / before - 1.0) * 100.0


def share_pct(part: float, whole: float | None) -> float | None:
    if not whole:
        return None
    return part / whole * 100.0


def names(entity) -> dict[str, str]:
    return {lang: entity.name(lang) for lang in reference.LANGUAGES}


def partner_names(code: str) -> dict[str, str]:
    return {lang: reference.partner_name(code, lang) for lang in reference.LANGUAGES}


@dataclass
class FlowFigures:
    value_eur: float
    previous_eur: float | None
    yoy_pct: float | None
    share_of_national_pct: float | None
    ytd_value_eur: float
    ytd_previous_eur: float | None
    ytd_yoy_pct: float | None
    ytd_quarters: list[str]


@dataclass
class NationalFigures:
    value_eur: float
    previous_eur: float | None
    yoy_pct: float | None


@dataclass
class TrendPoint:
    quarter: str
    exports_eur: float
    imports_eur: float
    national_exports_eur: float
    national_imports_eur: float


@dataclass
class RankedItem:
    """A product, partner or area: its value this quarter, a year before, change, share and rank."""

    code: str
    name: dict[str, str]
    value_eur: float
    previous_eur: float
    yoy_pct: float | None
    share_pct: float | None
    rank: int


@dataclass
class TopProduct:
    code: str
    name: dict[str, str]
    value_eur: float


@dataclass
class ProvinceFigures:
    code: str
    name: dict[str, str]
    exports_eur: float
    imports_eur: float
    exports_previous_eur: float
    imports_previous_eur: float
    exports_yoy_pct: float | None
    imports_yoy_pct: float | None
    export_rank: int
    import_rank: int
    share_of_region_pct: float | None
    share_of_national_pct: float | None
    top_export_product: TopProduct | None
    export_products_eur: dict[str, float]


@dataclass
class ParentFigures:
    """For a province edition: where it stands in its region."""

    code: str
    name: dict[str, str]
    exports_eur: float
    share_of_region_pct: float | None
    export_rank: int | None
    provinces: int


@dataclass
class ServiceFigures:
    provider: str
    service: str
    firms: int
    smes: int
    activities: int
    firms_previous: int | None
    smes_previous: int | None
    activities_previous: int | None
    firms_yoy_pct: float | None
    smes_yoy_pct: float | None
    activities_yoy_pct: float | None


@dataclass
class Indicators:
    quarter: str
    previous_year_quarter: str
    territory: dict
    exports: FlowFigures
    imports: FlowFigures
    trade_eur: float
    trade_previous_eur: float | None
    trade_yoy_pct: float | None
    balance_eur: float
    national_exports: NationalFigures
    national_imports: NationalFigures
    trend: list[TrendPoint]
    products: list[RankedItem]
    destinations: list[RankedItem]
    areas: list[RankedItem]
    provinces: list[ProvinceFigures]
    region: ParentFigures | None
    services: list[ServiceFigures]
    services_quarter_available: bool
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def with_service_names(self, names: Mapping[str, str]) -> Indicators:
        """The same figures, with each service named as an edition's language names it (a
        service not in `names` keeps the data's name)."""
        return replace(self, services=[replace(s, service=names.get(s.service, s.service)) for s in self.services])


def compute_indicators(trade: pd.DataFrame, services: pd.DataFrame, quarter: str,
                       territory: str, warnings: list[str] | None = None) -> Indicators:
    """All figures for one quarter and territory; `trade` and `services` as `data.load_dataset` gives them."""
    previous = shift_quarter(quarter, -4)
    place = reference.TERRITORIES[territory]
    # Only the territory, its provinces, its region and siblings, and Italy matter: on national
    # data that is a small part of the rows, and every group-by below runs on that part.
    relevant = {territory, reference.NATIONAL, *reference.provinces_of(territory)}
    if place.parent:
        relevant |= {place.parent, *reference.provinces_of(place.parent)}
    trade = trade[trade["territory"].isin(relevant)]
    totals = trade.groupby(["period", "flow", "territory"])["value_eur"].sum()

    def total(period: str, flow: str, code: str) -> float | None:
        value = totals.get((period, flow, code))
        return None if value is None else float(value)

    available = set(trade["period"].unique())
    exports = _flow_figures(total, available, quarter, "export", territory)
    imports = _flow_figures(total, available, quarter, "import", territory)
    trade_now = exports.value_eur + imports.value_eur
    trade_before = (None if exports.previous_eur is None or imports.previous_eur is None
                    else exports.previous_eur + imports.previous_eur)
    here = trade[(trade["territory"] == territory)]
    exports_here = here[here["flow"] == "export"]
    return Indicators(
        quarter=quarter,
        previous_year_quarter=previous,
        territory={"code": territory, "name": names(place), "level": place.level},
        exports=exports,
        imports=imports,
        trade_eur=trade_now,
        trade_previous_eur=trade_before,
        trade_yoy_pct=change_pct(trade_now, trade_before),
        balance_eur=exports.value_eur - imports.value_eur,
        national_exports=_national(total, quarter, previous, "export"),
        national_imports=_national(total, quarter, previous, "import"),
        trend=_trend(total, available, quarter, territory),
        products=_ranked(exports_here, "product", quarter, previous,
                         lambda code: names(reference.PRODUCTS[code]), all_codes=list(reference.PRODUCTS)),
        destinations=_ranked(exports_here, "partner", quarter, previous, partner_names),
        areas=_ranked(exports_here.assign(area=exports_here["partner"].map(reference.partner_area)), "area",
                      quarter, previous, lambda code: names(reference.AREAS[code])),
        provinces=_provinces(trade, total, quarter, previous, territory),
        region=_parent(total, quarter, territory),
        services=_services(services, quarter, previous),
        services_quarter_available=bool((services["period"] == quarter).any()),
        warnings=[w for w in (warnings or []) if quarter in w],
    )


def _flow_figures(total, available: set[str], quarter: str, flow: str, territory: str) -> FlowFigures:
    previous = shift_quarter(quarter, -4)
    value = total(quarter, flow, territory) or 0.0
    before = total(previous, flow, territory) if previous in available else None
    year, q = quarter[:4], int(quarter[-1])
    ytd_quarters = [f"{year}Q{i}" for i in range(1, q + 1)]
    ytd_value = sum(total(p, flow, territory) or 0.0 for p in ytd_quarters)
    previous_ytd = [shift_quarter(p, -4) for p in ytd_quarters]
    ytd_before = (sum(total(p, flow, territory) or 0.0 for p in previous_ytd)
                  if all(p in available for p in previous_ytd) else None)
    national = total(quarter, flow, reference.NATIONAL)
    return FlowFigures(
        value_eur=value, previous_eur=before, yoy_pct=change_pct(value, before),
        share_of_national_pct=share_pct(value, national),
        ytd_value_eur=ytd_value, ytd_previous_eur=ytd_before, ytd_yoy_pct=change_pct(ytd_value, ytd_before),
        ytd_quarters=ytd_quarters,
    )


def _national(total, quarter: str, previous: str, flow: str) -> NationalFigures:
    value = total(quarter, flow, reference.NATIONAL) or 0.0
    before = total(previous, flow, reference.NATIONAL)
    return NationalFigures(value_eur=value, previous_eur=before, yoy_pct=change_pct(value, before))


def _trend(total, available: set[str], quarter: str, territory: str) -> list[TrendPoint]:
    window = [shift_quarter(quarter, -i) for i in range(TREND_QUARTERS - 1, -1, -1)]
    return [TrendPoint(quarter=p,
                       exports_eur=total(p, "export", territory) or 0.0,
                       imports_eur=total(p, "import", territory) or 0.0,
                       national_exports_eur=total(p, "export", reference.NATIONAL) or 0.0,
                       national_imports_eur=total(p, "import", reference.NATIONAL) or 0.0)
            for p in window if p in available]


def _two_quarters(rows: pd.DataFrame, column: str, quarter: str, previous: str) -> pd.DataFrame:
    """Values by `column` in the quarter and a year before, side by side, zero where absent."""
    sums = (rows[rows["period"].isin([quarter, previous])]
            .groupby([column, "period"], observed=True)["value_eur"].sum())
    values = dict(zip(sums.index.tolist(), sums.tolist()))
    keys = sorted({key for key, _ in values})
    return pd.DataFrame({"now": [values.get((key, quarter), 0.0) for key in keys],
                         "before": [values.get((key, previous), 0.0) for key in keys]},
                        index=pd.Index(keys, name=column, dtype=object))


def _ranked(rows: pd.DataFrame, column: str, quarter: str, previous: str, name_of,
            all_codes: list[str] | None = None) -> list[RankedItem]:
    table = _two_quarters(rows, column, quarter, previous)
    if all_codes is not None:
        table = table.reindex(all_codes, fill_value=0.0)
    table = table[(table["now"] > 0) | (table["before"] > 0) | (all_codes is not None)]
    # Rank by value, ties broken by code, so the order is the same on every run.
    table = table.reset_index().sort_values(["now", column], ascending=[False, True])
    whole = float(table["now"].sum())
    return [RankedItem(code=code, name=name_of(code), value_eur=now, previous_eur=before,
                       yoy_pct=change_pct(now, before), share_pct=share_pct(now, whole), rank=rank)
            for rank, (code, now, before) in enumerate(zip(table[column].tolist(), table["now"].tolist(),
                                                           table["before"].tolist()), start=1)]


def _rank(values: pd.Series) -> pd.Series:
    order = sorted(values.index, key=lambda code: (-values[code], code))
    return pd.Series(range(1, len(order) + 1), index=order).reindex(values.index)


def _provinces(trade: pd.DataFrame, total, quarter: str, previous: str, territory: str) -> list[ProvinceFigures]:
    codes = reference.provinces_of(territory)
    rows = trade[trade["territory"].isin(codes)]
    if rows.empty:
        return []
    flows = {flow: _two_quarters(rows[rows["flow"] == flow], "territory", quarter, previous)
             .reindex(codes, fill_value=0.0) for flow in ("export", "import")}
    export_rank = _rank(flows["export"]["now"])
    import_rank = _rank(flows["import"]["now"])
    now_exports = rows[(rows["period"] == quarter) & (rows["flow"] == "export")]
    by_product = now_exports.pivot_table(index="territory", columns="product", values="value_eur",
                                         aggfunc="sum", fill_value=0.0).to_dict("index")
    region_exports = total(quarter, "export", territory)
    national_exports = total(quarter, "export", reference.NATIONAL)
    result = []
    for code in codes:
        exports, imports = flows["export"].loc[code], flows["import"].loc[code]
        products = {p: float(by_product.get(code, {}).get(p, 0.0)) for p in reference.PRODUCTS}
        top = max(products, key=lambda p: (products[p], p)) if any(products.values()) else None
        result.append(ProvinceFigures(
            code=code, name=names(reference.TERRITORIES[code]),
            exports_eur=float(exports["now"]), imports_eur=float(imports["now"]),
            exports_previous_eur=float(exports["before"]), imports_previous_eur=float(imports["before"]),
            exports_yoy_pct=change_pct(exports["now"], exports["before"]),
            imports_yoy_pct=change_pct(imports["now"], imports["before"]),
            export_rank=int(export_rank[code]), import_rank=int(import_rank[code]),
            share_of_region_pct=share_pct(exports["now"], region_exports),
            share_of_national_pct=share_pct(exports["now"], national_exports),
            top_export_product=(TopProduct(code=top, name=names(reference.PRODUCTS[top]), value_eur=products[top])
                                if top else None),
            export_products_eur=products,
        ))
    return sorted(result, key=lambda p: p.export_rank)


def _parent(total, quarter: str, territory: str) -> ParentFigures | None:
    place = reference.TERRITORIES[territory]
    if place.level != "province" or place.parent is None:
        return None
    siblings = reference.provinces_of(place.parent)
    values = pd.Series({code: total(quarter, "export", code) or 0.0 for code in siblings})
    exports = float(values[territory])
    return ParentFigures(code=place.parent, name=names(reference.TERRITORIES[place.parent]),
                         exports_eur=total(quarter, "export", place.parent) or 0.0,
                         share_of_region_pct=share_pct(exports, total(quarter, "export", place.parent)),
                         export_rank=int(_rank(values)[territory]), provinces=len(siblings))


def _services(services: pd.DataFrame, quarter: str, previous: str) -> list[ServiceFigures]:
    now = services[services["period"] == quarter].set_index(["provider", "service"])
    before = services[services["period"] == previous].set_index(["provider", "service"])
    result = []
    for (provider, service), row in now.iterrows():
        old = before.loc[(provider, service)] if (provider, service) in before.index else None

        def previous_of(column: str) -> int | None:
            return None if old is None else int(old[column])

        result.append(ServiceFigures(
            provider=provider, service=service,
            firms=int(row["firms"]), smes=int(row["smes"]), activities=int(row["activities"]),
            firms_previous=previous_of("firms"), smes_previous=previous_of("smes"),
            activities_previous=previous_of("activities"),
            firms_yoy_pct=change_pct(row["firms"], previous_of("firms")),
            smes_yoy_pct=change_pct(row["smes"], previous_of("smes")),
            activities_yoy_pct=change_pct(row["activities"], previous_of("activities")),
        ))
    return result


def latest_quarter(trade: pd.DataFrame) -> str:
    return max(trade["period"].unique(), key=quarter_sort_key)
