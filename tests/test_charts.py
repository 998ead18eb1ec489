"""Charts: the registry and its order, real one-page PDF files of the chart's size with no fonts
and nothing outside the page, their labels checked against the indicators, reproducible to the
byte, readable in grey print."""
from __future__ import annotations

import dataclasses
import io
import itertools
import multiprocessing
import os
import sqlite3
import tomllib
import zlib
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from pathlib import Path
from xml.etree import ElementTree

import matplotlib
import pikepdf
import pytest
from matplotlib import font_manager
from matplotlib.backends.backend_mixed import MixedModeRenderer
from matplotlib.backends.backend_svg import RendererSVG
from matplotlib.backend_bases import RendererBase
from matplotlib.colors import to_hex
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text

from bulletin import reference
from bulletin.charts import (CHARTS, ChartCanvas, ChartSpec, Titled, chart_specs, chart_style, draw_charts,
                             register_chart, unregister_chart)
from bulletin.charts import canvas as chart_canvas
from bulletin.charts import textcache
from bulletin.charts.bars import Bar, BarRow, Bars, draw_bars
from bulletin.charts.canvas import INK_COLOURS, MM, SERIES_COLOURS, WIDTH_MM, draw_chart, luminance
from bulletin.charts.specs import NO_BREAK, _heat_label
from bulletin.data.trade import load_dataset
from bulletin.errors import ConfigError
from bulletin.indicators.compute import compute_indicators
from bulletin.templates import SHIPPED_TEMPLATES, Templates
from bulletin.text.formatting import change, in_unit, number, pct, share, table_unit, unit_name
from conftest import write_data

THE_CHARTS = ["trend", "products", "destinations", "areas", "provinces", "heatmap", "services"]
TEMPLATES = Templates(None)


def draw(indicators, lang: str, folder: Path, brand) -> dict:
    """The charts stage as the pipeline runs it."""
    return draw_charts(chart_specs(indicators, lang, TEMPLATES), chart_style(brand), folder)


@pytest.fixture(scope="module")
def rendered(region, brand, tmp_path_factory):
    """The region's edition in both languages."""
    root = tmp_path_factory.mktemp("charts")
    return {lang: draw(region, lang, root / lang, brand) for lang in ("it", "en")}


def test_the_registry_lists_the_charts_in_the_order_they_are_drawn(region, brand, rendered, tmp_path):
    assert list(CHARTS) == THE_CHARTS
    specs = chart_specs(region, "it", TEMPLATES)
    assert [spec.name for spec in specs] == THE_CHARTS and {spec.lang for spec in specs} == {"it"}
    assert list(rendered["it"]) == THE_CHARTS
    # Whatever order the specs come in, the charts come back in the registry's.
    assert list(draw_charts(specs[::-1][:2], chart_style(brand), tmp_path)) == ["heatmap", "services"]


def test_a_spec_for_no_registered_chart_is_refused(brand, tmp_path):
    with pytest.raises(ValueError, match="'nothing'"):
        draw_charts([ChartSpec("nothing", "it", "", "", None)], chart_style(brand), tmp_path)


def test_a_chart_registered_by_a_new_function_is_drawn_after_the_others(region, brand, tmp_path):
    def exports_by_area(indicators, words):
        """Each area's exports, in the unit the tables would give them."""
        unit = table_unit(a.value_eur for a in indicators.areas)
        rows = [BarRow(a.name[words.lang], (Bar(a.value_eur / unit.divisor, "primary", (
            (in_unit(a.value_eur, unit, words.lang), "text"),)),)) for a in indicators.areas]
        return Titled("Exports by area", unit_name(unit, words.lang),
                      Bars(rows=tuple(rows), axis=unit_name(unit, words.lang), wrap_pt=165.0))

    register_chart("exports_by_area", draw=draw_bars)(exports_by_area)
    try:
        with pytest.raises(ValueError, match="already registered"):
            register_chart("exports_by_area", draw=draw_bars)(exports_by_area)
        assert list(CHARTS) == [*THE_CHARTS, "exports_by_area"]
        charts = draw(region, "en", tmp_path, brand)
        assert list(charts) == [*THE_CHARTS, "exports_by_area"]
        added = charts["exports_by_area"]
        assert added.path == tmp_path / "exports_by_area.pdf" and added.path.is_file()
        assert (added.title, added.subtitle) == ("Exports by area", "€ million")
        assert added.labels[:len(region.areas)] == [in_unit(a.value_eur, table_unit([3e9]), "en") for a in region.areas]
    finally:
        unregister_chart("exports_by_area")
    assert list(CHARTS) == THE_CHARTS
    with pytest.raises(ValueError, match="no chart named"):
        unregister_chart("exports_by_area")


def test_a_region_gets_every_chart_as_a_pdf_page_of_the_page_width(rendered):
    for lang, charts in rendered.items():
        for name, chart in charts.items():
            assert chart.name == name
            assert chart.path.name == f"{name}.pdf" and chart.path.is_file()
            assert chart.width_mm == WIDTH_MM
            assert 60.0 <= chart.height_mm <= 120.0
            with pikepdf.open(chart.path) as pdf:
                assert len(pdf.pages) == 1
                x0, y0, x1, y1 = (float(v) for v in pdf.pages[0].mediabox)
                assert (x0, y0) == (0.0, 0.0)
                assert x1 == pytest.approx(WIDTH_MM * MM, abs=1.0)
                assert y1 == pytest.approx(chart.height_mm * MM, abs=1.0)
                assert pdf.check_pdf_syntax() == [], name


def _fonts_and_images(resources) -> tuple[list, list]:
    """Fonts and images in `resources` and in the resources of the forms it uses (markers)."""
    fonts, images = list(resources.get("/Font", {}).keys()), []
    for xobject in resources.get("/XObject", {}).values():
        if xobject.get("/Subtype") == pikepdf.Name.Image:
            images.append(xobject)
        elif "/Resources" in xobject:
            more_fonts, more_images = _fonts_and_images(xobject.Resources)
            fonts += more_fonts
            images += more_images
    return fonts, images


def test_text_is_outlined_so_the_charts_hold_no_fonts_and_no_images(rendered):
    for charts in rendered.values():
        for chart in charts.values():
            with pikepdf.open(chart.path) as pdf:
                page = pdf.pages[0]
                fonts, images = _fonts_and_images(page.Resources)
                assert fonts == [], f"{chart.name}: text must be outlines, the bulletin embeds no chart fonts"
                assert images == [], f"{chart.name}: charts are vector only"
                operators = {str(op) for _, op in pikepdf.parse_content_stream(page)}
                assert not operators & {"BT", "Tj", "TJ", "Tf"}, chart.name
                assert "f" in operators or "f*" in operators, chart.name  # filled outlines
                assert "/Pattern" not in page.Resources or not page.Resources.Pattern.keys(), chart.name
                # Nothing depends on when or with which matplotlib the chart was drawn.
                assert "/CreationDate" not in pdf.docinfo and "/Producer" not in pdf.docinfo


def test_the_kept_outlines_draw_exactly_what_matplotlib_draws(region, brand, rendered, tmp_path, monkeypatch):
    """Text is drawn from outlines kept between labels: the bytes must be those of matplotlib's own
    text drawing (`RendererBase.draw_text`, which lays every string out anew)."""
    monkeypatch.setattr(chart_canvas.OutlineRendererPdf, "draw_text", RendererBase.draw_text)
    again = draw(region, "it", tmp_path, brand)
    for name, chart in again.items():
        assert chart.path.read_bytes() == rendered["it"][name].path.read_bytes(), name


def test_one_drawing_makes_the_pdf_and_the_svg_each_renderer_makes_alone(region, brand, rendered, tmp_path):
    """With the web edition, each figure is drawn once into both files (`BothRenderers`): the PDF
    must be byte for byte the one drawn without SVG, and the SVG the one matplotlib's SVG renderer
    draws from the figure alone (where y counts downwards: a string turned over wrongly, or a
    call one renderer missed, shows here)."""
    style = chart_style(brand)
    for spec in chart_specs(region, "it", TEMPLATES):
        path = tmp_path / f"{spec.name}.pdf"
        canvas = draw_chart(CHARTS[spec.name].draw, spec.data, style, "it", path, svg=True)
        assert path.read_bytes() == rendered["it"][spec.name].path.read_bytes(), spec.name
        alone = _drawn_alone(canvas, style, path, chart_canvas.KeptTextRendererSvg)
        assert canvas.svg.startswith("<?xml") and "<text" in canvas.svg, spec.name
        assert canvas.svg == alone, spec.name


def _drawn_alone(canvas: ChartCanvas, style, path: Path, renderer_class) -> str:
    """The figure of `canvas` drawn again by an SVG renderer of `renderer_class` alone, with the
    settings `draw_chart` drew it with."""
    drawing = io.StringIO()
    width, height = canvas.fig.get_size_inches()
    with matplotlib.rc_context({**chart_canvas._settings(style.colours, canvas.family), "svg.hashsalt": path.stem}):
        renderer = MixedModeRenderer(canvas.fig, width, height, 72, renderer_class(
            width * 72, height * 72, drawing, image_dpi=72, metadata=chart_canvas.SVG_METADATA))
        canvas.fig.draw(renderer)
        renderer.finalize()
    return drawing.getvalue()


class _MatplotlibsSvgRenderer(chart_canvas.KeptTextRendererSvg):
    """The web edition's SVG renderer with matplotlib's own text, flip and groups back."""
    draw_text = RendererSVG.draw_text
    _make_flip_transform = RendererSVG._make_flip_transform
    open_group = RendererSVG.open_group
    close_group = RendererSVG.close_group


def _svg_elements(svg: str) -> list[tuple[str, dict, str]]:
    """Every element of a drawing, in order: tag, attributes and text; an artist's group
    (`<g id="text_3">`) only by what it holds."""
    found = []

    def walk(element):
        for child in element:
            if child.tag.endswith("}g") and set(child.attrib) == {"id"}:
                walk(child)
                continue
            found.append((child.tag, dict(child.attrib), (child.text or "").strip()))
            walk(child)
    walk(ElementTree.fromstring(svg.encode("utf-8")))
    return found


@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_svg_says_what_matplotlibs_own_svg_renderer_says(region, brand, lang, tmp_path):
    """The web's renderer writes level text, and flips the figure, more cheaply than matplotlib's
    SVG renderer and leaves out its artists' groups: every other element, text, position, style
    and clip, must be the one matplotlib writes (a string anchored or styled wrongly shows here)."""
    style = chart_style(brand)
    texts = 0
    for spec in chart_specs(region, lang, TEMPLATES):
        path = tmp_path / f"{spec.name}.pdf"
        canvas = draw_chart(CHARTS[spec.name].draw, spec.data, style, lang, path, svg=True)
        own = _drawn_alone(canvas, style, path, _MatplotlibsSvgRenderer)
        assert '<g id="' in own and '<g id="' not in canvas.svg, spec.name
        ours, matplotlibs = _svg_elements(canvas.svg), _svg_elements(own)
        assert ours == matplotlibs, spec.name
        texts += sum(tag.endswith("}text") for tag, _, _ in ours)
    assert texts > 100


def _drawn_points(path: Path) -> list[tuple[float, float]]:
    """Every point of the paths drawn on the page, in page coordinates (`cm` followed, q/Q kept)."""
    with pikepdf.open(path) as pdf:
        return list(_points(pikepdf.parse_content_stream(pdf.pages[0])))


def _points(instructions):
    matrix, stack = pikepdf.Matrix(), []
    for operands, operator in instructions:
        op = str(operator)
        if op == "q":
            stack.append(matrix)
        elif op == "Q":
            matrix = stack.pop()
        elif op == "cm":
            matrix = pikepdf.Matrix(*[float(v) for v in operands]) @ matrix
        elif op in ("m", "l", "c", "v", "y"):
            values = [float(v) for v in operands]
            for x, y in zip(values[0::2], values[1::2]):
                yield matrix.transform((x, y))
        elif op == "re":
            x, y, w, h = (float(v) for v in operands)
            yield from (matrix.transform(p) for p in ((x, y), (x + w, y + h)))


def test_nothing_is_drawn_outside_the_figure(rendered):
    """Labels running off the figure would be clipped on the page: every outline must be inside."""
    for lang, charts in rendered.items():
        for chart in charts.values():
            width, height = chart.width_mm * MM, chart.height_mm * MM
            points = _drawn_points(chart.path)
            assert len(points) > 100, chart.name
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            assert min(xs) >= -0.5 and max(xs) <= width + 0.5, (lang, chart.name, min(xs), max(xs))
            assert min(ys) >= -0.5 and max(ys) <= height + 0.5, (lang, chart.name, min(ys), max(ys))


def test_a_tick_at_the_end_of_the_axis_keeps_its_label_inside_the_figure(brand, tmp_path):
    """A largest bar with no figures after it ends the axis on a tick (1,5): half its label lies
    beyond the axis, and must still lie inside the figure, not be cut by the page."""
    bars = Bars(rows=(BarRow("Uno", (Bar(1.5, "primary", ()),)), BarRow("Due", (Bar(0.2, "primary", ()),))),
                axis="milioni di euro", wrap_pt=120.0)
    canvas = draw_chart(draw_bars, bars, chart_style(brand), "it", tmp_path / "bars.pdf")
    assert "1,5" in canvas.labels
    assert max(x for x, _ in _drawn_points(tmp_path / "bars.pdf")) <= canvas.width + 0.5


def _table_amount(values_eur, lang: str):
    """How a table prints amounts: all in the unit its largest calls for (`formatting.table_unit`)."""
    unit = table_unit(list(values_eur))
    return lambda value: in_unit(value, unit, lang)


def test_labels_are_the_indicators_formatted_figures_as_the_tables_print_them(region, rendered):
    for lang, charts in rendered.items():
        # Each product: its value and change, then its value a year earlier; then the axis ticks.
        amount = _table_amount([v for i in region.products for v in (i.value_eur, i.previous_eur)], lang)
        expected = [label for i in region.products
                    for label in (amount(i.value_eur), change(i.yoy_pct, i.previous_eur, lang), amount(i.previous_eur))]
        assert charts["products"].labels[:len(expected)] == expected
        top = region.destinations[:15]
        assert len(top) == 15
        amount = _table_amount([i.value_eur for i in top], lang)
        expected = [label for i in top for label in (amount(i.value_eur), change(i.yoy_pct, i.previous_eur, lang))]
        assert charts["destinations"].labels[:30] == expected
        areas = charts["areas"].labels
        assert [share(a.share_pct, lang) for a in region.areas] == areas[:len(region.areas)]
        # Each province: exports and their change, imports and theirs, largest exporter first.
        ranked = sorted(region.provinces, key=lambda p: (-p.exports_eur, p.code))
        amount = _table_amount([v for p in ranked for v in (p.exports_eur, p.imports_eur)], lang)
        expected = [label for p in ranked for label in (
            amount(p.exports_eur), change(p.exports_yoy_pct, p.exports_previous_eur, lang),
            amount(p.imports_eur), change(p.imports_yoy_pct, p.imports_previous_eur, lang))]
        assert charts["provinces"].labels[:len(expected)] == expected
        services = charts["services"].labels
        for s in region.services:
            assert number(s.firms, lang) in services and pct(s.firms_yoy_pct, lang) in services
            assert number(s.firms_previous, lang) in services
        # The trend's last values, in the one unit of the chart: the flows table's millions.
        last, trend = region.trend[-1], charts["trend"].labels
        for value in (last.exports_eur, last.imports_eur, last.national_exports_eur, last.national_imports_eur):
            assert in_unit(value, table_unit([1e9]), lang) in trend
        # The heat map: one label per province and product, each province's shares summing to ~100.
        heat = charts["heatmap"].labels
        assert len(heat) == len(region.provinces) * 11
        milano = next(p for p in region.provinces if p.code == "ITC4C")
        row = ranked.index(milano)
        total = sum(milano.export_products_eur.values())
        expected = [_heat_label(milano.export_products_eur[c] / total * 100, lang) for c in reference.PRODUCTS]
        assert heat[row * 11:(row + 1) * 11] == expected


def test_first_product_change_is_printed_exactly(region, rendered):
    first = region.products[0]
    assert rendered["it"]["products"].labels[:2] == ["1.050,0", "+49,5%"]
    assert pct(first.yoy_pct, "it") == "+49,5%"


def test_italian_and_english_editions_differ_in_separators(region, rendered):
    # The largest province: over a thousand million, so grouping and decimals both show.
    value = max(p.exports_eur for p in region.provinces)
    assert value >= 1e9, "the sample's largest province should export over a billion a quarter"
    it_label, en_label = in_unit(value, table_unit([value]), "it"), in_unit(value, table_unit([value]), "en")
    assert "." in it_label and it_label[-2] == ","
    assert en_label == it_label.replace(".", "#").replace(",", ".").replace("#", ",")
    assert it_label in rendered["it"]["provinces"].labels and it_label not in rendered["en"]["provinces"].labels
    assert en_label in rendered["en"]["provinces"].labels and en_label not in rendered["it"]["provinces"].labels
    first = region.products[0].yoy_pct
    assert pct(first, "it") != pct(first, "en") and pct(first, "it") in rendered["it"]["products"].labels
    for name in THE_CHARTS:
        assert rendered["it"][name].path.read_bytes() != rendered["en"][name].path.read_bytes()


def test_output_is_byte_identical_on_a_second_run(region, brand, rendered, tmp_path):
    again = draw(region, "it", tmp_path / "again", brand)
    assert list(again) == list(rendered["it"])
    for name, chart in again.items():
        assert chart.path.read_bytes() == rendered["it"][name].path.read_bytes(), name
        assert chart.labels == rendered["it"][name].labels
        assert chart.height_mm == rendered["it"][name].height_mm


def test_the_chart_words_are_those_of_the_templates(region, rendered):
    """Legends, units and the heat map's key come from `charts.toml`, the same keys in both languages."""
    files = {lang: tomllib.loads((SHIPPED_TEMPLATES / lang / "charts.toml").read_text(encoding="utf-8"))
             for lang in ("it", "en")}

    def keys(table: dict, prefix: str = "") -> set[str]:
        return {k for key, value in table.items()
                for k in (keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}"})}
    assert keys(files["it"]) == keys(files["en"])
    for lang, words in files.items():
        specs = {spec.name: spec.data for spec in chart_specs(region, lang, TEMPLATES)}
        assert specs["trend"].legend == (words["trend"]["exports"], words["trend"]["imports"])
        assert specs["trend"].unit == specs["products"].axis == unit_name(table_unit([1e9]), lang)
        assert specs["areas"].axis == words["areas"]["axis"]
        assert specs["provinces"].tags == (words["provinces"]["exports"], words["provinces"]["imports"])
        assert specs["services"].axis == words["services"]["axis"]
        assert specs["heatmap"].key_title == words["heatmap"]["key_title"]
        short = words["heatmap"]["short_products"]
        assert specs["heatmap"].columns == tuple(short[code] for code in reference.PRODUCTS)  # names as headers


def test_a_user_template_changes_a_chart_word(region, tmp_path):
    (tmp_path / "en").mkdir()
    words = (SHIPPED_TEMPLATES / "en" / "charts.toml").read_text(encoding="utf-8")
    (tmp_path / "en" / "charts.toml").write_text(words.replace('axis = "firms assisted"', 'axis = "companies"'),
                                                 encoding="utf-8")
    specs = {spec.name: spec.data for spec in chart_specs(region, "en", Templates(tmp_path))}
    assert specs["services"].axis == "companies"
    (tmp_path / "en" / "charts.toml").write_text(words.replace('axis = "firms assisted"', ""), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"en/charts.toml: \[services\] axis missing"):
        chart_specs(region, "en", Templates(tmp_path))


def test_a_province_edition_has_no_province_or_heat_map_chart(sample, brand, tmp_path):
    dataset, _ = sample
    milano = compute_indicators(dataset.trade, dataset.services, "2017Q1", "ITC4C")
    charts = draw(milano, "en", tmp_path, brand)
    assert list(charts) == ["trend", "products", "destinations", "areas", "services"]
    assert not (tmp_path / "provinces.pdf").exists() and not (tmp_path / "heatmap.pdf").exists()
    assert pct(milano.products[0].yoy_pct, "en") in charts["products"].labels


def test_charts_without_data_are_skipped_and_small_values_print_as_the_tables_do(brand, tmp_path):
    dataset = load_dataset(write_data(tmp_path / "data", services=None))
    figures = compute_indicators(dataset.trade, dataset.services, "2017Q1", "ITC4")
    assert figures.services == []
    charts = draw(figures, "it", tmp_path / "out", brand)
    assert "services" not in charts and not (tmp_path / "out" / "services.pdf").exists()
    # Euros in the hundreds: in thousands, the tables' unit for them, never as "0,0" millions.
    thousands = table_unit([750.0])
    assert thousands.key == "thousand"
    assert in_unit(750.0, thousands, "it") in charts["trend"].labels
    assert in_unit(600.0, thousands, "it") in charts["products"].labels
    # Products with nothing in either year print "–" (nothing to compare), never "n.d." nor an
    # infinite change; a change on a base of a few hundred euros (+50,0%) says nothing and prints
    # "n.s.", as in the tables.
    assert "–" in charts["products"].labels and "n.d." not in charts["products"].labels
    assert "n.s." in charts["products"].labels
    assert "+50,0%" not in charts["products"].labels
    for chart in charts.values():
        with pikepdf.open(chart.path) as pdf:
            assert float(pdf.pages[0].mediabox[2]) == pytest.approx(WIDTH_MM * MM, abs=1.0)


def test_a_language_without_chart_words_is_refused(region):
    with pytest.raises(ConfigError, match="de/charts.toml"):
        chart_specs(region, "de", TEMPLATES)


def test_series_colours_stay_apart_in_grey(brand):
    """Primary, secondary and accent must differ in luminance, for grey print and colour-blind readers."""
    assert luminance("#FFFFFF") == pytest.approx(1.0) and luminance("#000000") == pytest.approx(0.0)
    assert luminance("#808080") == pytest.approx(0.2159, abs=1e-3)  # sRGB mid grey, linearised
    values = {name: luminance(brand.colours[name]) for name in SERIES_COLOURS}
    for a, b in itertools.combinations(values, 2):
        assert abs(values[a] - values[b]) >= 0.15, f"{a} {brand.colours[a]} and {b} {brand.colours[b]}: {values}"


def test_text_is_set_in_the_brand_font_files_not_a_system_copy(brand):
    family = ChartCanvas(chart_style(brand), "it").family
    for style, props in {"regular": {}, "bold": {"weight": "bold"}, "italic": {"style": "italic"},
                         "bold_italic": {"weight": "bold", "style": "italic"}}.items():
        found = font_manager.findfont(FontProperties(family=family, **props), fallback_to_default=False)
        assert Path(found).resolve() == brand.fonts[style].resolve(), style


def test_dollar_signs_in_a_name_are_text_not_mathematics(brand, tmp_path):
    rows = tuple(BarRow(label, (Bar(10.0, "primary", (("10,0", "text"),)),))
                 for label in ("Voucher da $5 e $10", "Altro"))
    canvas = draw_chart(draw_bars, Bars(rows=rows, axis="euro", wrap_pt=165.0), chart_style(brand), "it",
                        tmp_path / "dollars.pdf")
    dollars = [t for t in canvas.fig.findobj(Text) if "$" in t.get_text()]
    assert dollars and not any(t.get_parse_math() for t in dollars)


def test_row_labels_wrap_at_spaces_but_not_inside_a_provider_name(brand):
    canvas = ChartCanvas(chart_style(brand), "it")
    label = f"Consulenza tecnico-scientifica (Innovhub{NO_BREAK}SSI)"
    for width in (60.0, 90.0, 120.0, 150.0):
        lines = canvas.wrap(label, width).split("\n")
        assert len(lines) > 1 and f"(Innovhub{NO_BREAK}SSI)" in lines[-1]
        assert all(canvas.width_of(line) <= width for line in lines if " " in line)  # one word may be wider


def test_a_wrapped_label_leaves_no_word_alone_on_its_last_line(brand):
    canvas = ChartCanvas(chart_style(brand), "it")
    label = "Prodotti di elettronica di consumo audio e video"
    greedy = canvas.width_of("Prodotti di elettronica di consumo audio e") + 1.0  # "video" alone below
    lines = canvas.wrap(label, greedy).split("\n")
    assert lines == ["Prodotti di elettronica di consumo audio", "e video"], lines
    assert canvas.wrap("Supporti magnetici e ottici", 1000.0) == "Supporti magnetici e ottici"


def test_a_spec_is_plain_data_that_a_test_can_change(region, brand, tmp_path):
    """Specs are frozen dataclasses: a changed copy draws a changed chart, without the indicators."""
    spec = next(spec for spec in chart_specs(region, "it", TEMPLATES) if spec.name == "areas")
    fewer = dataclasses.replace(spec, data=dataclasses.replace(spec.data, rows=spec.data.rows[:2]))
    chart = draw_charts([fewer], chart_style(brand), tmp_path)["areas"]
    assert chart.labels[:2] == [share(a.share_pct, "it") for a in region.areas[:2]]
    assert share(region.areas[2].share_pct, "it") not in chart.labels


# --- colours ---------------------------------------------------------------------------------------

def _colours_drawn(path: Path) -> set[str]:
    """Every fill and stroke colour set on the chart's page, as #rrggbb."""
    with pikepdf.open(path) as pdf:
        return {to_hex([float(v) for v in operands]) for operands, op in pikepdf.parse_content_stream(pdf.pages[0])
                if str(op) in ("rg", "RG")}


def test_each_series_keeps_its_colour_in_every_chart_and_every_colour_reads_on_white(brand, rendered):
    """Exports one colour everywhere, imports another (the trend's Italy panel drew exports in
    the light blue); at most four colours that are not grey in a chart; each 3:1 against white."""
    colours = {name: to_hex(brand.colours[name]) for name in brand.colours}
    allowed = {colours[name] for name in INK_COLOURS} | {colours["rule"], "#ffffff"}
    neutral = {colours["text"], colours["muted"], colours["rule"], "#ffffff"}  # the brand's greys
    for name in INK_COLOURS:
        assert (1.05 / (luminance(brand.colours[name]) + 0.05)) >= 3.0, name
    for lang, charts in rendered.items():
        for name, chart in charts.items():
            if name == "heatmap":  # one hue in five shades, each cell printing its figure
                continue
            drawn = _colours_drawn(chart.path)
            assert drawn <= allowed, (lang, name, drawn - allowed)
            assert len(drawn - neutral) <= 4, (lang, name, drawn)
        trend = _colours_drawn(charts["trend"].path)
        assert {colours["primary"], colours["accent"]} <= trend and colours["secondary"] not in trend


# --- the chart text cache -------------------------------------------------------------------------

def _draw_afresh(region, brand, folder: Path, names=("trend", "heatmap")) -> dict[str, bytes]:
    """Charts of the region drawn by a process that has measured and outlined no string yet: by
    default the two that print in every style of the brand, and in both sizes."""
    textcache.text_extent.cache_clear()
    textcache.text_outline.cache_clear()
    specs = [spec for spec in chart_specs(region, "it", TEMPLATES) if spec.name in names]
    return {name: chart.path.read_bytes() for name, chart in draw_charts(specs, chart_style(brand), folder).items()}


def _kept(file: Path) -> int:
    with closing(sqlite3.connect(file)) as db:
        return db.execute("SELECT count(*) FROM text").fetchone()[0]


def test_charts_drawn_from_a_warm_text_cache_are_those_drawn_without_one(region, brand, tmp_path, monkeypatch):
    """The cache is only a copy of what matplotlib computes: the same bytes with no cache, while
    filling it, and from it in a new process with matplotlib's shaping taken away."""
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv(textcache.CACHE_VARIABLE, str(tmp_path / "a-file" / "cache"))  # cannot be made: no cache
    without = _draw_afresh(region, brand, tmp_path / "without")
    monkeypatch.setenv(textcache.CACHE_VARIABLE, str(tmp_path / "cache"))
    assert _draw_afresh(region, brand, tmp_path / "filling") == without
    kept = _kept(tmp_path / "cache" / textcache.FILE_NAME)
    assert kept > 150  # measurements and outlines of the charts' strings
    for shaping in ("get_text_path", "get_text_width_height_descent"):
        monkeypatch.setattr(textcache.text_to_path, shaping, _shaping_is_gone)
    assert _draw_afresh(region, brand, tmp_path / "warm") == without
    assert _kept(tmp_path / "cache" / textcache.FILE_NAME) == kept


def _shaping_is_gone(*args, **kwargs):
    raise AssertionError("a string was shaped again: it should have come from the cache")


def test_an_unreadable_outdated_or_damaged_text_cache_is_rebuilt(region, brand, tmp_path, monkeypatch):
    unreadable = tmp_path / "unreadable" / textcache.FILE_NAME
    unreadable.parent.mkdir()
    unreadable.write_bytes(b"not a database" * 100)
    monkeypatch.setenv(textcache.CACHE_VARIABLE, str(unreadable.parent))
    first = _draw_afresh(region, brand, tmp_path / "first", ["areas"])
    kept = _kept(unreadable)
    assert kept > 20
    with closing(sqlite3.connect(unreadable)) as db, db:
        db.execute("UPDATE text SET value = x'00'")  # every value damaged: each a miss, shaped again
    assert _draw_afresh(region, brand, tmp_path / "damaged", ["areas"]) == first
    with closing(sqlite3.connect(unreadable)) as db:
        assert all(zlib.decompress(value) for value, in db.execute("SELECT value FROM text"))

    outdated = tmp_path / "outdated" / textcache.FILE_NAME
    outdated.parent.mkdir()
    with closing(sqlite3.connect(outdated)) as db, db:
        db.execute("CREATE TABLE text (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
        db.execute("INSERT INTO text VALUES ('of another format', x'00')")
        db.execute(f"PRAGMA user_version = {textcache.FORMAT + 1}")
    monkeypatch.setenv(textcache.CACHE_VARIABLE, str(outdated.parent))
    assert _draw_afresh(region, brand, tmp_path / "other-format", ["areas"]) == first
    with closing(sqlite3.connect(outdated)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == textcache.FORMAT
        assert db.execute("SELECT count(*) FROM text WHERE key = 'of another format'").fetchone()[0] == 0
    assert _kept(outdated) == kept


def test_the_text_cache_keeps_only_the_newest_strings(region, brand, tmp_path, monkeypatch):
    spec = next(spec for spec in chart_specs(region, "it", TEMPLATES) if spec.name == "products")
    keys, unlimited = {}, textcache.MAX_ENTRIES
    for limit in (unlimited, 50):
        monkeypatch.setattr(textcache, "MAX_ENTRIES", limit)
        monkeypatch.setenv(textcache.CACHE_VARIABLE, str(tmp_path / str(limit)))
        textcache.text_extent.cache_clear()
        textcache.text_outline.cache_clear()
        draw_charts([spec], chart_style(brand), tmp_path)
        with closing(sqlite3.connect(tmp_path / str(limit) / textcache.FILE_NAME)) as db:
            keys[limit] = [key for key, in db.execute("SELECT key FROM text ORDER BY rowid")]
    everything = keys[unlimited]
    assert len(everything) > 80 and keys[50] == everything[-50:]


def test_the_text_cache_folder_is_the_users_unless_set(tmp_path, monkeypatch):
    monkeypatch.delenv(textcache.CACHE_VARIABLE)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert textcache.cache_folder() == tmp_path / "home" / ".cache" / "bulletin"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")  # ignored, as the XDG specification asks
    assert textcache.cache_folder() == tmp_path / "home" / ".cache" / "bulletin"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert textcache.cache_folder() == tmp_path / "xdg" / "bulletin"
    monkeypatch.setenv(textcache.CACHE_VARIABLE, str(tmp_path / "set"))
    assert textcache.cache_folder() == tmp_path / "set"


def test_two_processes_filling_one_text_cache_at_once_draw_the_same_charts(region, brand, tmp_path, monkeypatch):
    """Editions built at once (`build --territory all`) share the file: each forked process opens
    its own connection, and both write their strings without losing a chart or a byte."""
    monkeypatch.setenv(textcache.CACHE_VARIABLE, str(tmp_path / "cache"))
    textcache.text_extent.cache_clear()
    textcache.text_outline.cache_clear()
    folders = [tmp_path / "one", tmp_path / "two"]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        drawn = list(pool.map(_draw_afresh, [region] * 2, [brand] * 2, folders))
    assert drawn[0] == drawn[1] and set(drawn[0]) == {"trend", "heatmap"}
    assert _kept(tmp_path / "cache" / textcache.FILE_NAME) > 150
    assert _draw_afresh(region, brand, tmp_path / "three") == drawn[0]


# --- drawing on several processes ------------------------------------------------------------------

def test_charts_drawn_on_two_processes_are_those_drawn_on_one(region, brand, tmp_path, monkeypatch):
    """Spread over processes, the same files to the byte and the same charts in registry order;
    the strings each process shaped reach the text cache for the next run."""
    monkeypatch.setenv(textcache.CACHE_VARIABLE, str(tmp_path / "cache"))
    specs = chart_specs(region, "it", TEMPLATES)
    one = draw_charts(specs, chart_style(brand), tmp_path / "one", workers=1)
    kept_by_one = _kept(tmp_path / "cache" / textcache.FILE_NAME)
    (tmp_path / "cache" / textcache.FILE_NAME).unlink()
    textcache.text_extent.cache_clear()
    textcache.text_outline.cache_clear()
    two = draw_charts(specs, chart_style(brand), tmp_path / "two", workers=2)
    assert list(two) == list(one) == [spec.name for spec in specs]
    for name in one:
        assert two[name].path.read_bytes() == one[name].path.read_bytes(), name
        assert (two[name].height_mm, two[name].labels) == (one[name].height_mm, one[name].labels)
    assert _kept(tmp_path / "cache" / textcache.FILE_NAME) == kept_by_one


def test_work_spread_from_inside_a_worker_is_done_there_in_order(tmp_path):
    """A worker of a many-editions build draws its edition's charts itself: no process of its own."""
    from bulletin.faults import in_processes

    pids = list(in_processes(_spread_again, [1, 2], 2))
    assert {nested_pid for pid, nested in pids for nested_pid in nested} == {pid for pid, _ in pids}
    assert len({pid for pid, _ in pids} | {os.getpid()}) >= 2  # the outer items were spread


def _spread_again(item: int) -> tuple[int, list[int]]:
    from bulletin.faults import in_processes
    return os.getpid(), list(in_processes(_own_pid, [item, item], 2))


def _own_pid(_item: int) -> int:
    return os.getpid()


def test_chart_text_has_typographic_apostrophes_as_the_pages_do(region, brand, tmp_path):
    """A service named "Incontri d'affari" in the data, a row named "Reggio nell'Emilia": drawn
    with ’ in the printed chart and in the web's SVG (where the text stays text)."""
    specs = {spec.name: spec for spec in chart_specs(region, "en", TEMPLATES)}
    heat = specs["heatmap"].data
    renamed = dataclasses.replace(specs["heatmap"], data=dataclasses.replace(heat, rows=("Reggio nell'Emilia",) + heat.rows[1:]))
    drawn = draw_charts([renamed], chart_style(brand), tmp_path, svg=True)["heatmap"]
    assert "nell\u2019Emilia" in drawn.svg and "nell'Emilia" not in drawn.svg
    italian = [spec for spec in chart_specs(region, "it", TEMPLATES) if spec.name == "services"]
    services = draw_charts(italian, chart_style(brand), tmp_path / "it", svg=True)["services"].svg
    assert "d\u2019affari" in services and "d'affari" not in services
