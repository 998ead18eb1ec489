"""The bulletin's charts, registered in the order they are made: what each shows, from the
indicators, as the plain data its drawing takes, under a title that states the finding and a
subtitle that says what, where, in which unit and when.

Every number a chart prints is formatted here by `text.formatting` as the tables print it: the
amounts in one unit a chart, chosen from the size of its figures by the tables' own rule
(`table_unit`), the changes as `change` prints them ("n.s." on a base too small to mean
anything). The drawing lists each in `Chart.labels` so tests can check the two agree. Every word
comes from the chart's table in `templates/<lang>/charts.toml`; names take their articles from
`text.names`. A chart with nothing to show returns None and is left out of the edition.

Colours mean the same in every chart: exports "primary", imports "accent"; a year earlier is
the same colour drawn hollow.
"""
from __future__ import annotations

from collections import Counter

from bulletin import reference
from bulletin.charts.bars import Bar, BarRow, Bars, draw_bars
from bulletin.charts.heatmap import HeatMap, draw_heatmap
from bulletin.charts.lines import LinePanel, Lines, draw_lines
from bulletin.charts.registry import NO_BREAK, ChartWords, Titled, register_chart
from bulletin.indicators.compute import Indicators, ProvinceFigures, RankedItem
from bulletin.text.formatting import (NIL, TableUnit, change, in_unit, number, pct, quarter_label, share, table_unit,
                                      unit_name)
from bulletin.text.grammar import direction

TOP_PARTNERS = 15         # bars of the destinations chart


@register_chart("trend", draw=draw_lines)
def trend(ind: Indicators, words: ChartWords) -> Titled | None:
    """Exports and imports over the quarters: the territory's, and Italy's beside them, in one unit."""
    lang = words.lang
    name = str(words.names.territory(ind.territory["code"]))  # the name of running text, not ISTAT's formal one
    series = [(name, [p.exports_eur for p in ind.trend], [p.imports_eur for p in ind.trend])]
    national = ([p.national_exports_eur for p in ind.trend], [p.national_imports_eur for p in ind.trend])
    compared = ind.territory["code"] != reference.NATIONAL and any(national[0] + national[1])
    if compared:
        series.append((reference.TERRITORIES[reference.NATIONAL].name(lang), *national))
    if not any(v for _, exports, imports in series for v in exports + imports):
        return None
    unit = table_unit(v for _, exports, imports in series for v in exports + imports)
    panels = tuple(LinePanel(title=title, exports=tuple(v / unit.divisor for v in exports),
                             imports=tuple(v / unit.divisor for v in imports),
                             last_labels=(in_unit(exports[-1], unit, lang), in_unit(imports[-1], unit, lang)))
                   for title, exports, imports in series)
    lines = Lines(quarters=tuple(p.quarter for p in ind.trend), panels=panels,
                  legend=(words.get("exports"), words.get("imports")), unit=unit_name(unit, lang))
    subtitle = words.fill("subtitle_compared" if compared else "subtitle", unit=unit_name(unit, lang),
                          first=words.quarter(ind.trend[0].quarter), last=words.quarter(ind.trend[-1].quarter))
    return Titled(words.fill("title", change=words.change(ind.exports.yoy_pct)), subtitle, lines)


@register_chart("products", draw=draw_bars)
def products(ind: Indicators, words: ChartWords) -> Titled | None:
    """Each product's exports beside those of the same quarter a year earlier, in rank order."""
    items = ind.products
    if not any(item.value_eur or item.previous_eur for item in items):
        return None
    lang = words.lang
    unit = _table_unit_with_total([v for item in items for v in (item.value_eur, item.previous_eur)],
                                  ind.exports.value_eur, ind.exports.previous_eur)
    rows = [BarRow(item.name[lang], (
        Bar(item.value_eur / unit.divisor, "primary", ((in_unit(item.value_eur, unit, lang), "text"),
                                                       _change(item.yoy_pct, item.value_eur, item.previous_eur, lang))),
        Bar(item.previous_eur / unit.divisor, "primary", ((in_unit(item.previous_eur, unit, lang), "text"),),
            hollow=True),
    )) for item in items]
    bars = Bars(rows=tuple(rows), axis=unit_name(unit, lang), wrap_pt=165.0, tags=_quarters(ind, lang))
    first = items[0]
    title = words.fill("title", product=words.names.product(first.code, short=True), change=words.change(first.yoy_pct))
    return Titled(title, words.fill("subtitle", unit=unit_name(unit, lang)), bars)


@register_chart("destinations", draw=draw_bars)
def destinations(ind: Indicators, words: ChartWords) -> Titled | None:
    """The largest partners only: the subtitle says how many there are bars."""
    items = ind.destinations[:TOP_PARTNERS]
    if not any(item.value_eur for item in items):
        return None
    lang, first = words.lang, items[0]
    unit = _table_unit_with_total([item.value_eur for item in items], ind.exports.value_eur, ind.exports.previous_eur)
    bars = _values_and_changes(items, unit, lang, wrap_pt=150.0)
    title = words.fill("title", country=words.names.country(first.code, first.name[lang]),
                       change=words.change(first.yoy_pct))
    return Titled(title, words.fill("subtitle", unit=unit_name(unit, lang), count=number(len(items), lang)), bars)


@register_chart("areas", draw=draw_bars)
def areas(ind: Indicators, words: ChartWords) -> Titled | None:
    """Each area's share of the exports: shares, not values, so areas of any size compare."""
    if not any(a.value_eur for a in ind.areas):
        return None
    lang = words.lang
    rows = [BarRow(a.name[lang], (Bar(a.share_pct or 0.0, "primary", ((share(a.share_pct, lang), "text"),)),))
            for a in ind.areas]
    first = ind.areas[0]
    title = words.fill("title", area=first.name[lang], share=words.figure(share(first.share_pct, lang)))
    return Titled(title, words.fill("subtitle"), Bars(rows=tuple(rows), axis=words.get("axis"), wrap_pt=165.0))


@register_chart("provinces", draw=draw_bars)
def provinces(ind: Indicators, words: ChartWords) -> Titled | None:
    """Each province's exports and imports, each with its change, largest exporter first."""
    lang, ranked = words.lang, _provinces_ranked(ind)
    if not ind.compares_provinces or not any(p.exports_eur or p.imports_eur for p in ranked):
        return None
    unit = _table_unit_with_total([v for p in ranked for v in (p.exports_eur, p.imports_eur)],
                                  ind.exports.value_eur, ind.exports.previous_eur, ind.imports.value_eur,
                                  ind.imports.previous_eur)
    rows = [BarRow(words.names.territory_name(p.code), (
        Bar(p.exports_eur / unit.divisor, "primary", ((in_unit(p.exports_eur, unit, lang), "text"), _change(
            p.exports_yoy_pct, p.exports_eur, p.exports_previous_eur, lang))),
        Bar(p.imports_eur / unit.divisor, "accent", ((in_unit(p.imports_eur, unit, lang), "text"), _change(
            p.imports_yoy_pct, p.imports_eur, p.imports_previous_eur, lang))),
    )) for p in ranked]
    bars = Bars(rows=tuple(rows), axis=unit_name(unit, lang), wrap_pt=150.0,
                tags=(words.get("exports"), words.get("imports")))
    first = ranked[0]
    province = words.names.territory(first.code)
    title = (words.fill("title_alone", province=province) if first.share_of_region_pct is None else
             words.fill("title", province=province, share=words.figure(share(first.share_of_region_pct, lang))))
    return Titled(title, words.fill("subtitle", unit=unit_name(unit, lang)), bars)


@register_chart("heatmap", draw=draw_heatmap)
def heatmap(ind: Indicators, words: ChartWords) -> Titled | None:
    """A region's provinces by product: each product's share of the province's exports."""
    lang, ranked = words.lang, _provinces_ranked(ind)
    if not ind.compares_provinces or not any(p.exports_eur for p in ranked):
        return None
    codes = tuple(reference.PRODUCTS)
    short = words.table("short_products")
    values = []
    for p in ranked:
        total = sum(p.export_products_eur.values())
        values.append(tuple(p.export_products_eur.get(c, 0.0) / total * 100.0 if total > 0 else None for c in codes))
    # The unit is in the key's title: a "%" in every cell would double the text to read.
    labels = tuple(tuple(_heat_label(v, lang) for v in row) for row in values)
    heat = HeatMap(rows=tuple(words.names.territory_name(p.code) for p in ranked), values=tuple(values), labels=labels,
                   columns=tuple(short.get(c) or reference.PRODUCTS[c].name(lang) for c in codes), key=(),
                   key_title=words.get("key_title"))
    return Titled(_heatmap_title(ranked, words), words.fill("subtitle"), heat)


def _heatmap_title(ranked: list[ProvinceFigures], words: ChartWords) -> str:
    """The finding of the heat map: the first product of every province, when they share it; of
    most provinces, when one leads in more than half; the two that lead in as many provinces,
    more than any other; the one that leads in more provinces than any other; else the first
    province's. The product by the short name its column has ("strumenti di misura e orologi"):
    the full CPA name made a title of two lines."""
    tops = [p.top_export_product.code for p in ranked if p.exports_eur > 0 and p.top_export_product is not None]
    counts = Counter(tops).most_common()  # equal counts in the order the ranked provinces give them
    common, count = counts[0]
    tied = [code for code, n in counts if n == count]
    numbers = dict(count=number(count, words.lang), total=number(len(tops), words.lang))
    if count == len(tops):
        return words.fill("title_shared", product=_short_product(common, words))
    if count * 2 > len(tops):
        return words.fill("title_most", product=_short_product(common, words), **numbers)
    if count > 1 and len(tied) == 2:
        return words.fill("title_tied", first=_capital(_short_product(tied[0], words)),
                          second=_short_product(tied[1], words), **numbers)
    if count > 1 and len(tied) == 1:
        return words.fill("title_plurality", product=_short_product(common, words), **numbers)
    first = ranked[0]
    return words.fill("title", province=words.names.territory(first.code),
                      product=_short_product(first.top_export_product.code, words))


def _short_product(code: str, words: ChartWords) -> str:
    """A product as a title names it after a colon: its short name in lower case ("medicinali"),
    or its full name where it has no short one."""
    short = words.table("short_products").get(code)
    if not isinstance(short, str):
        return str(words.names.product(code))
    return short[0].lower() + short[1:] if short[1:2].islower() else short


@register_chart("services", draw=draw_bars)
def services(ind: Indicators, words: ChartWords) -> Titled | None:
    """Firms assisted by each service this quarter (with the change) beside a year earlier."""
    if not ind.services:
        return None
    lang, rows = words.lang, []
    ranked = sorted(ind.services, key=lambda s: (-s.firms, s.provider, s.service))
    for s in ranked:
        before = share(None, lang) if s.firms_previous is None else number(s.firms_previous, lang)
        provider = s.provider.replace(" ", NO_BREAK)  # "(Innovhub SSI)" is never split over two lines
        rows.append(BarRow(f"{s.service} ({provider})", (
            Bar(float(s.firms), "primary", ((number(s.firms, lang), "text"),
                                            _change(s.firms_yoy_pct, s.firms, s.firms_previous, lang, counts=True))),
            Bar(float(s.firms_previous or 0), "primary", ((before, "text"),), hollow=True),
        )))
    bars = Bars(rows=tuple(rows), axis=words.get("axis"), wrap_pt=165.0, tags=_quarters(ind, lang))
    first = ranked[0]
    title = words.fill("title", service=first.service, provider=first.provider, firms=number(first.firms, lang))
    return Titled(title, words.fill("subtitle"), bars)


# --- helpers --------------------------------------------------------------------------------------

def _table_unit_with_total(values_eur: list[float], *totals_eur: float | None) -> TableUnit:
    """The unit of the table that prints `values_eur` and, in its total row, `totals_eur`: a chart
    gives its figures as that table does, even when its largest bar is far below the total (a
    region's largest partner, in thousands, in a table in millions)."""
    return table_unit([*values_eur, *totals_eur])


def _values_and_changes(items: list[RankedItem], unit: TableUnit, lang: str, wrap_pt: float) -> Bars:
    """One bar an item: its value, then its change on a year earlier, in `unit`."""
    rows = [BarRow(item.name[lang], (Bar(item.value_eur / unit.divisor, "primary", (
        (in_unit(item.value_eur, unit, lang), "text"),
        _change(item.yoy_pct, item.value_eur, item.previous_eur, lang))),)) for item in items]
    return Bars(rows=tuple(rows), axis=unit_name(unit, lang), wrap_pt=wrap_pt)


def _heat_label(value: float | None, lang: str) -> str:
    """A share in a heat map cell as the tables print a share, with one decimal ("0,3", never a
    "0" for a share that is there), without the "%" the key's title gives; "–" where the province
    exports nothing of the product (or nothing at all), as ISTAT's tables mark a nil figure."""
    if not value:
        return NIL
    return share(value, lang).removesuffix("%")


def _provinces_ranked(ind: Indicators) -> list[ProvinceFigures]:
    return sorted(ind.provinces, key=lambda p: (-p.exports_eur, p.code))


def _quarters(ind: Indicators, lang: str) -> tuple[str, str]:
    """The names of a bar and of its hollow twin: "I trim. 2017", "I trim. 2016"."""
    return quarter_label(ind.quarter, lang, short=True), quarter_label(ind.previous_year_quarter, lang, short=True)


def _change(value: float | None, now: float, before: float | None, lang: str,
            counts: bool = False) -> tuple[str, str]:
    """A change label as the tables print it, and its colour; the sign, not the colour, carries
    the meaning. `before` is the figure a year earlier; an amount in euros below the tables'
    threshold gives "n.s.", counts of firms (`counts`) never do. Nothing in either year is "–",
    as in the tables: nothing to compare, not a figure missing ("n.d.")."""
    if now == 0 and before == 0:
        return NIL, "muted"
    text = pct(value, lang) if counts else change(value, before, lang)
    significant = text == pct(value, lang)  # not "n.s."
    return text, {"up": "positive", "down": "negative"}.get(direction(value), "muted") if significant else "muted"


def _capital(text: str) -> str:
    """`text` as it starts a title: its first letter a capital, the rest as it is."""
    return text[:1].upper() + text[1:]
