"""Every figure the bulletin prints (`figures.Indicators`), computed once from the validated data.

An edition reads only the rows its figures are made of (`data.territory_rows`), so that it costs
the same on the data of one region and on the data of all Italy.
"""
from __future__ import annotations

import math

import pandas as pd

from bulletin import reference
from bulletin.data.quarters import quarter_sort_key, shift_quarter
from bulletin.data.selection import territory_rows
from bulletin.indicators.figures import (FlowFigures, Indicators, NationalFigures, ParentFigures, ProvinceFigures,
                                         RankedItem, RegionRank, ServiceFigures, TopProduct, TrendPoint)

TREND_QUARTERS = 12
SERVICE_COUNTS = ("firms", "smes", "activities")


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


def rank_by_value(values: pd.Series) -> pd.Series:
    """1 for the largest value, 2 for the next...; ties ranked by code, so the order never changes."""
    order = sorted(values.index, key=lambda code: (-values[code], code))
    return pd.Series(range(1, len(order) + 1), index=order).reindex(values.index)


def compute_indicators(trade: pd.DataFrame, services: pd.DataFrame | None, quarter: str,
                       territory: str, warnings: list[str] | None = None) -> Indicators:
    """All figures for one quarter and territory; `trade` and `services` as `data.load_dataset`
    gives them. `services` None: the edition does not report the agencies' services (they serve
    some territories only, `config.ServicesConfig`)."""
    previous = shift_quarter(quarter, -4)
    place = reference.TERRITORIES[territory]
    trade = edition_rows(trade, quarter, territory)
    sums = trade.groupby(["period", "flow", "territory"], observed=True)["value_eur"].sum()
    totals = dict(zip(sums.index.tolist(), sums.tolist()))

    def total(period: str, flow: str, code: str) -> float | None:
        return totals.get((period, flow, code))

    available = set(trade["period"].unique())
    exports = _flow_figures(total, available, quarter, "export", territory)
    imports = _flow_figures(total, available, quarter, "import", territory)
    trade_now = exports.value_eur + imports.value_eur
    trade_before = (None if exports.previous_eur is None or imports.previous_eur is None
                    else exports.previous_eur + imports.previous_eur)
    exports_here = trade[(trade["territory"] == territory) & (trade["flow"] == "export")
                         & trade["period"].isin([previous, quarter])]
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
        region_rank=_region_rank(total, quarter, territory),
        services=_services(services, quarter, previous) if services is not None else [],
        services_quarter_available=services is not None and bool((services["period"] == quarter).any()),
        reports_services=services is not None,
        warnings=[w for w in (warnings or []) if quarter in w],
        provisional="provisional" in trade and bool(trade.loc[trade["period"] == quarter, "provisional"].any()),
    )


def edition_rows(trade: pd.DataFrame, quarter: str, territory: str) -> pd.DataFrame:
    """The rows an edition's figures are made of, out of all the data.

    The territory's, its region's and Italy's in the trend window, which holds every quarter a
    total is taken of (a year before, the year to date and the year before that); the provinces
    compared (the territory's own, or its region's) in the quarter and a year before; the other
    regions in the quarter, for the region's rank in Italy. Provinces
    have rows only in quarters their region has rows in (`data` checks it), so these rows hold
    every quarter that the data hold for any of these territories in the window.
    """
    place = reference.TERRITORIES[territory]
    totalled = {territory, reference.NATIONAL} | ({place.parent} if place.parent else set())
    compared = {*reference.provinces_of(territory), *(reference.provinces_of(place.parent) if place.parent else [])}
    return pd.concat([territory_rows(trade, totalled, _trend_window(quarter)),
                      territory_rows(trade, compared - totalled, [shift_quarter(quarter, -4), quarter]),
                      territory_rows(trade, set(reference.regions()) - totalled, [quarter])])


def _trend_window(quarter: str) -> list[str]:
    return [shift_quarter(quarter, -i) for i in range(TREND_QUARTERS - 1, -1, -1)]


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
    national_before = total(previous, flow, reference.NATIONAL) if previous in available else None
    return FlowFigures(
        value_eur=value, previous_eur=before, yoy_pct=change_pct(value, before),
        share_of_national_pct=share_pct(value, national),
        ytd_value_eur=ytd_value, ytd_previous_eur=ytd_before, ytd_yoy_pct=change_pct(ytd_value, ytd_before),
        ytd_quarters=ytd_quarters,
        contribution_pp=(None if before is None or not national_before
                         else (value - before) / national_before * 100.0),
    )


def _national(total, quarter: str, previous: str, flow: str) -> NationalFigures:
    value = total(quarter, flow, reference.NATIONAL) or 0.0
    before = total(previous, flow, reference.NATIONAL)
    return NationalFigures(value_eur=value, previous_eur=before, yoy_pct=change_pct(value, before))


def _trend(total, available: set[str], quarter: str, territory: str) -> list[TrendPoint]:
    return [TrendPoint(quarter=p,
                       exports_eur=total(p, "export", territory) or 0.0,
                       imports_eur=total(p, "import", territory) or 0.0,
                       national_exports_eur=total(p, "export", reference.NATIONAL) or 0.0,
                       national_imports_eur=total(p, "import", reference.NATIONAL) or 0.0)
            for p in _trend_window(quarter) if p in available]


def _two_quarters(rows: pd.DataFrame, column: str, quarter: str, previous: str) -> dict[str, tuple[float, float]]:
    """Values by `column` in the quarter and a year before (zero where absent), by code in order."""
    sums = (rows[rows["period"].isin([quarter, previous])]
            .groupby([column, "period"], observed=True)["value_eur"].sum())
    values = dict(zip(sums.index.tolist(), sums.tolist()))
    return {key: (values.get((key, quarter), 0.0), values.get((key, previous), 0.0))
            for key in sorted({key for key, _ in values})}


def _ranked(rows: pd.DataFrame, column: str, quarter: str, previous: str, name_of,
            all_codes: list[str] | None = None) -> list[RankedItem]:
    values = _two_quarters(rows, column, quarter, previous)
    if all_codes is not None:
        values = {code: values.get(code, (0.0, 0.0)) for code in all_codes}
    else:
        values = {code: (now, before) for code, (now, before) in values.items() if now > 0 or before > 0}
    # Rank by value, ties broken by code, so the order is the same on every run.
    order = sorted(values, key=lambda code: (-values[code][0], code))
    whole = float(pd.Series([values[code][0] for code in order], dtype=float).sum())
    return [RankedItem(code=code, name=name_of(code), value_eur=now, previous_eur=before,
                       yoy_pct=change_pct(now, before), share_pct=share_pct(now, whole), rank=rank)
            for rank, (code, (now, before)) in enumerate(((code, values[code]) for code in order), start=1)]


def _provinces(trade: pd.DataFrame, total, quarter: str, previous: str, territory: str) -> list[ProvinceFigures]:
    codes = reference.provinces_of(territory)
    rows = trade[trade["territory"].isin(codes)]
    if rows.empty:
        return []
    flows = {flow: _two_quarters(rows[rows["flow"] == flow], "territory", quarter, previous)
             for flow in ("export", "import")}
    now, before = ({flow: {code: values.get(code, (0.0, 0.0))[i] for code in codes} for flow, values in flows.items()}
                   for i in (0, 1))
    export_rank = rank_by_value(pd.Series(now["export"], dtype=float))
    import_rank = rank_by_value(pd.Series(now["import"], dtype=float))
    now_exports = rows[(rows["period"] == quarter) & (rows["flow"] == "export")]
    sums = now_exports.groupby(["territory", "product"], observed=True)["value_eur"].sum()
    by_product = dict(zip(sums.index.tolist(), sums.tolist()))
    region_exports = total(quarter, "export", territory)
    national_exports = total(quarter, "export", reference.NATIONAL)
    result = []
    for code in codes:
        products = {p: float(by_product.get((code, p), 0.0)) for p in reference.PRODUCTS}
        top = max(products, key=lambda p: (products[p], p)) if any(products.values()) else None
        exports, imports = now["export"][code], now["import"][code]
        result.append(ProvinceFigures(
            code=code, name=names(reference.TERRITORIES[code]),
            exports_eur=exports, imports_eur=imports,
            exports_previous_eur=before["export"][code], imports_previous_eur=before["import"][code],
            exports_yoy_pct=change_pct(exports, before["export"][code]),
            imports_yoy_pct=change_pct(imports, before["import"][code]),
            export_rank=int(export_rank[code]), import_rank=int(import_rank[code]),
            share_of_region_pct=share_pct(exports, region_exports),
            share_of_national_pct=share_pct(exports, national_exports),
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
                         export_rank=int(rank_by_value(values)[territory]), provinces=len(siblings))


def _region_rank(total, quarter: str, territory: str) -> RegionRank | None:
    """The rank of the edition's region (the territory, or a province's region) among Italy's
    regions by exports; None for Italy, and when a region has no data for the quarter."""
    place = reference.TERRITORIES[territory]
    region = territory if place.level == "region" else place.parent if place.level == "province" else None
    if region is None:
        return None
    values = {code: total(quarter, "export", code) for code in reference.regions()}
    if any(value is None for value in values.values()):
        return None
    return RegionRank(code=region, name=names(reference.TERRITORIES[region]),
                      export_rank=int(rank_by_value(pd.Series(values, dtype=float))[region]), regions=len(values))


def _services(services: pd.DataFrame, quarter: str, previous: str) -> list[ServiceFigures]:
    def counts_in(period: str) -> dict[tuple[str, str], dict[str, int]]:
        rows = services[services["period"] == period]
        return {(provider, service): dict(zip(SERVICE_COUNTS, counts))
                for provider, service, *counts in zip(rows["provider"], rows["service"],
                                                      *(rows[column].tolist() for column in SERVICE_COUNTS))}

    before = counts_in(previous)
    result = []
    for (provider, service), now in counts_in(quarter).items():
        old = before.get((provider, service), {})
        result.append(ServiceFigures(
            provider=provider, service=service, **now,
            **{f"{column}_previous": old.get(column) for column in SERVICE_COUNTS},
            **{f"{column}_yoy_pct": change_pct(now[column], old.get(column)) for column in SERVICE_COUNTS},
        ))
    return result


def latest_quarter(trade: pd.DataFrame) -> str:
    return max(trade["period"].unique(), key=quarter_sort_key)
