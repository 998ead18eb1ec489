"""The bulletin's charts, registered in the order they are made: what each shows, from the
indicators, as the plain data its drawing takes.

Every number a chart prints is formatted here by `text.formatting`, so it reads exactly as in
the text and the tables; the drawing lists each in `Chart.labels` so tests can check the two
agree. Every word comes from the chart's table in `templates/<lang>/charts.toml`. A chart with
nothing to show returns None and is left out of the edition.
"""
from __future__ import annotations

from bulletin import reference
from bulletin.charts.bars import Bar, BarRow, Bars, draw_bars
from bulletin.charts.heatmap import HeatMap, draw_heatmap
from bulletin.charts.lines import LinePanel, Lines, draw_lines
from bulletin.charts.registry import ChartWords, register_chart
from bulletin.indicators.compute import Indicators, ProvinceFigures, RankedItem
from bulletin.text.formatting import millions, number, pct, quarter_label, share

TOP_PARTNERS = 15         # bars of the destinations chart
NO_BREAK = "\u00a0"        # a space that row labels are not wrapped at


@register_chart("trend", draw=draw_lines)
def trend(ind: Indicators, words: ChartWords) -> Lines | None:
    """Exports and imports over the quarters: the territory's, and Italy's beside them."""
    lang = words.lang
    series = [(ind.territory["name"][lang], [p.exports_eur for p in ind.trend], [p.imports_eur for p in ind.trend],
               "primary")]
    national = ([p.national_exports_eur for p in ind.trend], [p.national_imports_eur for p in ind.trend])
    if ind.territory["code"] != reference.NATIONAL and any(national[0] + national[1]):
        series.append((reference.TERRITORIES[reference.NATIONAL].name(lang), *national, "secondary"))
    if not any(v for _, exports, imports, _ in series for v in exports + imports):
        return None
    return Lines(quarters=tuple(p.quarter for p in ind.trend), panels=tuple(_line_panel(*s, words) for s in series),
                 legend=(words.get("exports"), words.get("imports")))


@register_chart("products", draw=draw_bars)
def products(ind: Indicators, words: ChartWords) -> Bars | None:
    """Each product's exports and their change, in rank order, in the tables' millions."""
    return _values_and_changes(ind.products, words, wrap_pt=165.0)


@register_chart("destinations", draw=draw_bars)
def destinations(ind: Indicators, words: ChartWords) -> Bars | None:
    """The largest partners only: the caption names as many as there are bars."""
    return _values_and_changes(ind.destinations[:TOP_PARTNERS], words, wrap_pt=150.0)


@register_chart("areas", draw=draw_bars)
def areas(ind: Indicators, words: ChartWords) -> Bars | None:
    """Each area's share of the exports: shares, not values, so areas of any size compare."""
    if not any(a.value_eur for a in ind.areas):
        return None
    lang = words.lang
    rows = [BarRow(a.name[lang], (Bar(a.share_pct or 0.0, "primary", ((share(a.share_pct, lang), "text"),)),))
            for a in ind.areas]
    return Bars(rows=tuple(rows), axis=words.get("axis"), wrap_pt=165.0)


@register_chart("provinces", draw=draw_bars)
def provinces(ind: Indicators, words: ChartWords) -> Bars | None:
    """Each province's exports (with their change) and imports, largest exporter first."""
    lang, ranked = words.lang, _provinces_ranked(ind)
    if not any(p.exports_eur or p.imports_eur for p in ranked):
        return None
    divisor, unit = _bar_unit(max(max(p.exports_eur, p.imports_eur) for p in ranked))
    rows = [BarRow(p.name[lang], (
        Bar(p.exports_eur / divisor, "primary", ((_amount(p.exports_eur, divisor, lang), "text"),
                                                  _change(p.exports_yoy_pct, lang))),
        Bar(p.imports_eur / divisor, "accent", ((_amount(p.imports_eur, divisor, lang), "text"),)),
    )) for p in ranked]
    return Bars(rows=tuple(rows), axis=words.unit(unit), wrap_pt=150.0,
                tags=(words.get("exports"), words.get("imports")))


@register_chart("heatmap", draw=draw_heatmap)
def heatmap(ind: Indicators, words: ChartWords) -> HeatMap | None:
    """A region's provinces by product: each product's share of the province's exports."""
    lang, ranked = words.lang, _provinces_ranked(ind)
    if ind.territory.get("level") != "region" or not any(p.exports_eur for p in ranked):
        return None
    codes = tuple(reference.PRODUCTS)
    short = words.table("short_products")
    values = []
    for p in ranked:
        total = sum(p.export_products_eur.values())
        values.append(tuple(p.export_products_eur.get(c, 0.0) / total * 100.0 if total > 0 else None for c in codes))
    # The unit is in the key's title: a "%" in every cell would double the text to read.
    labels = tuple(tuple(share(None, lang) if v is None else number(v, lang, 0) for v in row) for row in values)
    return HeatMap(rows=tuple(p.name[lang] for p in ranked), columns=codes, values=tuple(values), labels=labels,
                   key=tuple((c, short.get(c) or reference.PRODUCTS[c].name(lang)) for c in codes),
                   key_title=words.get("key_title"))


@register_chart("services", draw=draw_bars)
def services(ind: Indicators, words: ChartWords) -> Bars | None:
    """Firms served by each service this quarter (with the change) and a year before."""
    if not ind.services:
        return None
    lang, rows = words.lang, []
    for s in sorted(ind.services, key=lambda s: (-s.firms, s.provider, s.service)):
        before = pct(None, lang) if s.firms_previous is None else number(s.firms_previous, lang)
        provider = s.provider.replace(" ", NO_BREAK)  # "(Innovhub SSI)" is never split over two lines
        rows.append(BarRow(f"{s.service} ({provider})", (
            Bar(float(s.firms), "primary", ((number(s.firms, lang), "text"), _change(s.firms_yoy_pct, lang))),
            Bar(float(s.firms_previous or 0), "secondary", ((before, "text"),)),
        )))
    return Bars(rows=tuple(rows), axis=words.get("axis"), wrap_pt=165.0,
                tags=(quarter_label(ind.quarter, lang, short=True),
                      quarter_label(ind.previous_year_quarter, lang, short=True)))


# --- helpers --------------------------------------------------------------------------------------

def _line_panel(title: str, exports: list[float], imports: list[float], colour: str, words: ChartWords) -> LinePanel:
    """A panel in the largest unit its values reach, with the last values printed as `money` prints them."""
    divisor, unit = _line_unit(max(exports + imports))
    return LinePanel(title=title, unit=words.unit(unit), exports=tuple(v / divisor for v in exports),
                     imports=tuple(v / divisor for v in imports),
                     last_labels=(_scaled(exports[-1], divisor, words.lang), _scaled(imports[-1], divisor, words.lang)),
                     exports_colour=colour)


def _line_unit(largest_eur: float) -> tuple[float, str]:
    for divisor, unit in ((1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
        if largest_eur >= divisor * 0.9995:
            return divisor, unit
    return 1.0, "euro"


def _scaled(value: float, divisor: float, lang: str) -> str:
    """The digits `formatting.money` prints: billions with one decimal, millions with 0 or 1."""
    scaled = value / divisor
    return number(scaled, lang, 0 if divisor == 1 else 1 if divisor >= 1e9 or abs(scaled) < 100 else 0)


def _values_and_changes(items: list[RankedItem], words: ChartWords, wrap_pt: float) -> Bars | None:
    """One bar an item: its value, then its change on a year before."""
    if not any(item.value_eur for item in items):
        return None
    lang = words.lang
    divisor, unit = _bar_unit(max(item.value_eur for item in items))
    rows = [BarRow(item.name[lang], (Bar(item.value_eur / divisor, "primary", (
        (_amount(item.value_eur, divisor, lang), "text"), _change(item.yoy_pct, lang))),)) for item in items]
    return Bars(rows=tuple(rows), axis=words.unit(unit), wrap_pt=wrap_pt)


def _provinces_ranked(ind: Indicators) -> list[ProvinceFigures]:
    return sorted(ind.provinces, key=lambda p: (-p.exports_eur, p.code))


def _change(value: float | None, lang: str) -> tuple[str, str]:
    """A change label and its colour; the sign, not the colour, carries the meaning."""
    text = pct(value, lang)
    colour = "positive" if text.startswith("+") else "negative" if text.startswith("-") else "muted"
    return text, colour


def _bar_unit(largest_eur: float) -> tuple[float, str]:
    """Bars are in millions, as in the tables, unless the largest is below a million."""
    if largest_eur >= 1e6 * 0.9995:
        return 1e6, "million"
    return (1e3, "thousand") if largest_eur >= 1e3 * 0.9995 else (1.0, "euro")


def _amount(value_eur: float, divisor: float, lang: str) -> str:
    if divisor == 1e6:
        return millions(value_eur, lang)  # exactly the tables' figure
    return number(value_eur / divisor, lang, 1 if divisor > 1 else 0)
