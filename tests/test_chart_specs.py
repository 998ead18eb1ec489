"""What each chart shows and says: titles that state the finding, subtitles with the detail,
names with their articles, the comparison with a year earlier, one unit a chart, and every
figure as the tables print it (`bulletin/charts/specs.py`)."""
from __future__ import annotations

import dataclasses
import re

import pytest
from matplotlib.lines import Line2D

from bulletin import reference
from bulletin.charts import CHARTS, chart_specs, chart_style, register_chart, unregister_chart
from bulletin.charts.bars import Bars, draw_bars
from bulletin.charts.canvas import draw_chart
from bulletin.charts.specs import NO_BREAK
from bulletin.templates import Templates
from bulletin.text.formatting import change, in_unit, number, pct, quarter_label, table_unit
from bulletin.text.narrative import write_narrative

TEMPLATES = Templates(None)
CHARTS_PRODUCTS = tuple(reference.PRODUCTS)  # the heat map's columns


def _specs(indicators, lang: str) -> dict:
    return {spec.name: spec for spec in chart_specs(indicators, lang, TEMPLATES)}


def test_the_products_chart_compares_each_product_with_the_same_quarter_a_year_earlier(region):
    """Its title and the caption promised the comparison: each product has a solid bar for this
    quarter and a hollow one for a year earlier, named directly with their quarters."""
    for lang in ("it", "en"):
        bars = _specs(region, lang)["products"].data
        assert bars.tags == (quarter_label("2017Q1", lang, short=True), quarter_label("2016Q1", lang, short=True))
        unit = table_unit([v for i in region.products for v in (i.value_eur, i.previous_eur)])
        for item, row in zip(region.products, bars.rows, strict=True):
            now, before = row.bars
            assert (now.value, now.hollow) == (item.value_eur / unit.divisor, False)
            assert (before.value, before.hollow) == (item.previous_eur / unit.divisor, True)
            assert now.colour == before.colour == "primary"  # told apart by fill, not colour
            assert before.pieces == ((in_unit(item.previous_eur, unit, lang), "text"),)


def test_the_provinces_chart_gives_the_change_of_exports_and_of_imports(region):
    bars = _specs(region, "it")["provinces"].data
    ranked = sorted(region.provinces, key=lambda p: (-p.exports_eur, p.code))
    for p, row in zip(ranked, bars.rows, strict=True):
        exports, imports = row.bars
        assert (exports.colour, imports.colour) == ("primary", "accent")
        assert exports.pieces[1][0] == change(p.exports_yoy_pct, p.exports_previous_eur, "it")
        assert imports.pieces[1][0] == change(p.imports_yoy_pct, p.imports_previous_eur, "it")


def test_the_provinces_charts_name_each_province_as_the_text_and_the_tables_do(region):
    """ "Monza e Brianza", as the text names it, not ISTAT's "Monza e della Brianza": one name in
    the text, the tables and both charts of an edition."""
    specs = _specs(region, "it")
    narrative = write_narrative(region, "it", TEMPLATES)
    ranked = sorted(region.provinces, key=lambda p: (-p.exports_eur, p.code))
    assert [row.label for row in specs["provinces"].data.rows] == [narrative.province_names[p.code] for p in ranked]
    assert set(specs["heatmap"].data.rows) == set(narrative.province_names.values())
    assert "Monza e Brianza" in specs["heatmap"].data.rows and "Monza e della Brianza" not in specs["heatmap"].data.rows


def test_the_heat_map_prints_shares_with_one_decimal_as_the_tables_do(region):
    """Never "0" for a share that is there: "0,3"; "–" where a province exports none of a product."""
    heat = _specs(region, "it")["heatmap"].data
    labels = [label for row in heat.labels for label in row]
    assert all(re.fullmatch(r"\d+,\d", label) or label == "–" for label in labels), labels
    ranked = sorted(region.provinces, key=lambda p: (-p.exports_eur, p.code))
    first = ranked[0]
    total = sum(first.export_products_eur.values())
    for code, label in zip(CHARTS_PRODUCTS, heat.labels[0]):
        value = first.export_products_eur.get(code, 0.0)
        assert label == ("–" if value == 0 else pct(value / total * 100, "it", signed=False).removesuffix("%"))


def test_the_heat_map_title_gives_the_product_first_in_most_provinces_else_the_first_provinces(region):
    ranked = sorted(region.provinces, key=lambda p: (-p.exports_eur, p.code))
    assert len({p.top_export_product.code for p in ranked}) > 1  # the sample: not everyone's
    assert _specs(region, "it")["heatmap"].title == \
        "Primo prodotto esportato nel maggior numero di province (5 su 12): medicinali"  # its column's name
    shared = [dataclasses.replace(p, top_export_product=ranked[0].top_export_product) for p in region.provinces]
    titles = {lang: _specs(dataclasses.replace(region, provinces=shared), lang)["heatmap"].title for lang in ("it", "en")}
    assert titles == {"it": "Primo prodotto esportato in tutte le province: medicinali",
                      "en": "Largest export in every province: pharmaceutical preparations"}
    # One product first in more than half of the provinces: that is the finding.
    most = len(ranked) // 2 + 1
    other = next(p.top_export_product for p in ranked if p.top_export_product.code != ranked[0].top_export_product.code)
    mostly = [dataclasses.replace(p, top_export_product=ranked[0].top_export_product if i < most else other)
              for i, p in enumerate(ranked)]
    assert _specs(dataclasses.replace(region, provinces=mostly), "it")["heatmap"].title == \
        f"Primo prodotto esportato in {most} province su {len(ranked)}: medicinali"
    # No majority: two first in as many provinces, more than any other; or one ahead of the rest.
    medicines = ranked[0].top_export_product
    assert medicines.code == "21.2" and len(ranked) == 12

    def title(codes: list[str]) -> str:
        provinces = [dataclasses.replace(p, top_export_product=dataclasses.replace(medicines, code=code))
                     for p, code in zip(ranked, codes)]
        return _specs(dataclasses.replace(region, provinces=provinces), "it")["heatmap"].title

    rest = ["26.2", "26.3", "26.4", "26.5", "26.6", "26.7"]  # one province each
    assert title(["21.2"] * 3 + ["26.1"] * 3 + rest) == "Medicinali e componenti elettronici primi ciascuno in 3 province su 12"
    assert title(["21.2"] * 3 + ["26.1"] * 2 + ["30.3"] + rest) == \
        "Primo prodotto esportato nel maggior numero di province (3 su 12): medicinali"
    assert title(["26.1", "21.2", "30.3", "21.1", "26.8"] + rest + ["26.1"]) == \
        "Primo prodotto esportato nel maggior numero di province (2 su 12): componenti elettronici"
    # Each province its own product (here five provinces): the first province's.
    assert title(["21.2", "26.1", "30.3", "21.1", "26.8"]) == "Primo prodotto esportato da Milano: medicinali"


def test_a_bar_with_nothing_in_either_year_has_no_change_to_print(region):
    nothing = dataclasses.replace(region.products[-1], value_eur=0.0, previous_eur=0.0, yoy_pct=None, share_pct=0.0)
    bars = _specs(dataclasses.replace(region, products=region.products[:-1] + [nothing]), "it")["products"].data
    assert bars.rows[-1].bars[0].pieces[1] == ("–", "muted")


def test_a_chart_gives_its_figures_in_the_unit_of_the_table_with_their_total(region):
    """A region whose largest partner buys under 100 million: the partner table is in millions
    (its total row is in the billions), and so is the chart, not in thousands."""
    smaller = [dataclasses.replace(d, value_eur=d.value_eur / 10, previous_eur=d.previous_eur / 10)
               for d in region.destinations]
    assert smaller[0].value_eur < 1e8 <= region.exports.value_eur
    bars = _specs(dataclasses.replace(region, destinations=smaller), "it")["destinations"].data
    assert bars.axis == "milioni di euro"
    assert bars.rows[0].bars[0].pieces[0][0] == number(smaller[0].value_eur / 1e6, "it", 1) == "40,9"


def test_the_trend_has_one_unit_and_its_axes_say_when_they_do_not_start_at_zero(region, brand, tmp_path):
    spec = _specs(region, "it")["trend"]
    assert spec.data.unit == "milioni di euro" and len(spec.data.panels) == 2
    canvas = draw_chart(CHARTS["trend"].draw, spec.data, chart_style(brand), "it", tmp_path / "trend.pdf")
    lows = [ax.get_ylim()[0] for ax in canvas.fig.axes]
    breaks = [a for a in canvas.fig.artists if isinstance(a, Line2D) and a.get_color() == brand.colours["muted"]]
    assert all(low > 0 for low in lows) and len(breaks) == 2 * len(lows)  # two strokes an axis
    bars = _specs(region, "it")["products"].data
    canvas = draw_chart(draw_bars, bars, chart_style(brand), "it", tmp_path / "products.pdf")
    assert [ax.get_xlim()[0] for ax in canvas.fig.axes] == [0.0]  # bars start at zero


def _read(specs: dict) -> dict:
    """The specs with their titles and subtitles as read, no-break spaces as spaces."""
    return {name: dataclasses.replace(spec, title=spec.title.replace(NO_BREAK, " "),
                                      subtitle=spec.subtitle.replace(NO_BREAK, " ")) for name, spec in specs.items()}


def test_titles_state_the_finding_and_subtitles_the_detail_from_the_indicators(region):
    unbroken = _specs(region, "it")["trend"]
    assert f"sul I{NO_BREAK}trimestre{NO_BREAK}2016" in unbroken.title  # a quarter is never split over two lines
    assert f"II{NO_BREAK}trim.{NO_BREAK}2014 – I{NO_BREAK}trim.{NO_BREAK}2017" in unbroken.subtitle
    it, en = _read(_specs(region, "it")), _read(_specs(region, "en"))
    assert pct(region.exports.yoy_pct, "it") == "+13,0%"
    assert it["trend"].title == "Export in crescita del 13,0% sul I trimestre 2016"
    assert en["trend"].title == "Exports up 13.0% on Q1 2016"
    assert it["trend"].subtitle == ("Esportazioni e importazioni hi-tech della Lombardia e dell'Italia, milioni di "
                                    "euro, II trim. 2014 – I trim. 2017")
    assert en["trend"].subtitle == ("High-tech exports and imports of Lombardy and Italy, € million, "
                                    "Q2 2014 – Q1 2017")
    # a title states the finding in a few words: the group by its short name
    assert it["products"].title == "Al primo posto i medicinali, in crescita del 49,5% sul I trimestre 2016"
    assert en["products"].title == "Largest group: pharmaceutical preparations, up 49.5% on Q1 2016"
    assert it["products"].subtitle.endswith("milioni di euro, I trim. 2017 e I trim. 2016")
    assert it["destinations"].title == "Al primo posto gli Stati Uniti, in crescita del 68,0% sul I trimestre 2016"
    assert en["destinations"].title == "Largest market: the United States, up 68.0% on Q1 2016"
    assert "i primi 15 paesi" in it["destinations"].subtitle
    assert it["provinces"].title == "Prima provincia per export: Milano, con il 47,6% del totale regionale"
    assert en["provinces"].title == "Largest exporter: Milan, with 47.6% of the regional total"
    assert it["services"].title.endswith("con 327 imprese assistite")
    assert it["services"].data.axis == "imprese assistite" and en["services"].data.axis == "firms assisted"
    for name, spec in it.items():
        assert spec.title and spec.subtitle and "{" not in spec.title + spec.subtitle, name


def test_titles_give_each_territory_its_article_as_the_text_does(region):
    for code, name, expected in (("ITC1", "Piemonte", "del Piemonte"), ("ITC34", "La Spezia", "della Spezia"),
                                 ("ITF11", "L'Aquila", "dell'Aquila")):
        elsewhere = dataclasses.replace(region, territory={"code": code, "name": {"it": name, "en": name},
                                                           "level": "region" if len(code) == 4 else "province"})
        specs = _specs(elsewhere, "it")
        assert f"Esportazioni hi-tech {expected} per gruppo di prodotto" in specs["products"].subtitle
        assert f" di {name}" not in specs["products"].subtitle
    piedmont = dataclasses.replace(region, territory={"code": "ITC1", "name": {"it": "Piemonte", "en": "Piedmont"},
                                                      "level": "region"})
    assert _specs(piedmont, "en")["products"].subtitle.startswith("Piedmont's high-tech exports")


def test_a_chart_without_a_title_is_refused(region):
    register_chart("untitled", draw=draw_bars)(lambda indicators, words: Bars(rows=(), axis="", wrap_pt=100.0))
    try:
        with pytest.raises(TypeError, match="'untitled' must show a Titled"):
            chart_specs(region, "it", TEMPLATES)
    finally:
        unregister_chart("untitled")
