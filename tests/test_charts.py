"""Charts: real SVG files, read back by svglib as the document does, their labels checked against
the indicators, reproducible to the byte, readable in grey print."""
from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from svglib.svglib import svg2rlg

from bulletin import charts as charts_module
from bulletin.brand import SHIPPED_TEMPLATES, load_brand
from bulletin.charts import CHART_NAMES, MM, WIDTH_MM, luminance, render_charts
from bulletin.data import load_dataset
from bulletin.formatting import millions, number, pct, share
from bulletin.indicators import compute_indicators
from conftest import write_data

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def brand():
    return load_brand(SHIPPED_TEMPLATES / "brand")


@pytest.fixture(scope="module")
def region(sample):
    return sample[1]


@pytest.fixture(scope="module")
def rendered(region, brand, tmp_path_factory):
    """The region's edition in both languages: Italian in two worker processes, English in one."""
    root = tmp_path_factory.mktemp("charts")
    return {"it": render_charts(region, brand, "it", root / "it", workers=2),
            "en": render_charts(region, brand, "en", root / "en", workers=1)}


def test_a_region_gets_every_chart_as_an_svg_of_the_page_width(rendered):
    for lang, charts in rendered.items():
        assert list(charts) == list(CHART_NAMES)
        for name, chart in charts.items():
            assert chart.name == name
            assert chart.path.name == f"{name}.svg" and chart.path.is_file()
            assert chart.width_mm == WIDTH_MM
            assert 60.0 <= chart.height_mm <= 120.0
            root = ET.parse(chart.path).getroot()
            assert root.tag == f"{SVG}svg"
            assert float(root.get("width").removesuffix("pt")) == pytest.approx(WIDTH_MM * MM, abs=0.01)
            assert float(root.get("height").removesuffix("pt")) == pytest.approx(chart.height_mm * MM, abs=0.01)


def test_svglib_reads_every_chart_at_its_size(rendered):
    for chart in rendered["it"].values():
        drawing = svg2rlg(str(chart.path))
        assert drawing is not None, chart.name
        assert drawing.width == pytest.approx(chart.width_mm * MM, abs=1.0)
        assert drawing.height == pytest.approx(chart.height_mm * MM, abs=1.0)
        assert drawing.getContents(), f"{chart.name} converted to an empty drawing"


def test_drawing_gives_the_conversion_done_while_drawing_as_a_fresh_object(region, brand, tmp_path):
    charts = render_charts(region, brand, "en", tmp_path, workers=2)
    chart = charts["areas"]
    first, second = charts_module.drawing(chart), charts_module.drawing(chart)
    assert first is not second  # the document scales what it gets
    direct = svg2rlg(str(chart.path))
    assert (first.width, first.height) == (direct.width, direct.height)
    assert len(first.getContents()) == len(direct.getContents())
    # A file changed since it was drawn is converted again, not taken from memory.
    text = chart.path.read_text(encoding="utf-8")
    width = re.search(r'<svg[^>]* width="([\d.]+)pt"', text).group(1)
    chart.path.write_text(text.replace(f'width="{width}pt"', 'width="400pt"', 1), encoding="utf-8")
    assert charts_module.drawing(chart).width == pytest.approx(400.0)


def test_text_is_outlined_and_nothing_svglib_cannot_draw_is_used(rendered):
    for chart in rendered["en"].values():
        text = chart.path.read_text(encoding="utf-8")
        assert "<text" not in text, f"{chart.name}: text must be paths, the PDF embeds no chart fonts"
        assert "<pattern" not in text and "url(#h" not in text, f"{chart.name}: svglib drops hatching"
        assert "<image" not in text, f"{chart.name}: charts are vector only"


def _drawn_points(element, inherited_skip=False):
    """Every coordinate of the paths drawn in the figure's own coordinates (not defs/clip paths)."""
    skip = inherited_skip or element.tag in (f"{SVG}defs", f"{SVG}clipPath") or element.get("transform")
    if element.tag == f"{SVG}path" and not skip:
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", element.get("d", ""))]
        yield from zip(numbers[0::2], numbers[1::2])
    for child in element:
        yield from _drawn_points(child, skip)


def test_nothing_is_drawn_outside_the_figure(rendered):
    """Labels running off the figure would be clipped on the page: every outline must be inside."""
    for lang, charts in rendered.items():
        for chart in charts.values():
            width, height = chart.width_mm * MM, chart.height_mm * MM
            points = list(_drawn_points(ET.parse(chart.path).getroot()))
            assert len(points) > 100, chart.name
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            assert min(xs) >= -0.5 and max(xs) <= width + 0.5, (lang, chart.name, min(xs), max(xs))
            assert min(ys) >= -0.5 and max(ys) <= height + 0.5, (lang, chart.name, min(ys), max(ys))


def test_labels_are_the_indicators_formatted_figures(region, rendered):
    for lang, charts in rendered.items():
        # Value and change of each bar, in rank order, then the axis ticks.
        expected = [label for item in region.products for label in (millions(item.value_eur, lang),
                                                                    pct(item.yoy_pct, lang))]
        assert charts["products"].labels[:len(expected)] == expected
        top = region.destinations[:15]
        assert len(top) == 15
        expected = [label for item in top for label in (millions(item.value_eur, lang), pct(item.yoy_pct, lang))]
        assert charts["destinations"].labels[:30] == expected
        areas = charts["areas"].labels
        assert [share(a.share_pct, lang) for a in region.areas] == areas[:len(region.areas)]
        provinces = charts["provinces"].labels
        for p in region.provinces:
            assert millions(p.exports_eur, lang) in provinces and millions(p.imports_eur, lang) in provinces
            assert pct(p.exports_yoy_pct, lang) in provinces
        services = charts["services"].labels
        for s in region.services:
            assert number(s.firms, lang) in services and pct(s.firms_yoy_pct, lang) in services
        last = region.trend[-1]
        trend = charts["trend"].labels
        for value in (last.exports_eur, last.imports_eur, last.national_exports_eur, last.national_imports_eur):
            assert number(value / 1e9, lang, 1) in trend
        # The heat map: one label per province and product, each province's shares summing to ~100.
        heat = charts["heatmap"].labels
        assert len(heat) == len(region.provinces) * 11
        milano = next(p for p in region.provinces if p.code == "ITC4C")
        row = sorted(region.provinces, key=lambda p: (-p.exports_eur, p.code)).index(milano)
        total = sum(milano.export_products_eur.values())
        expected = [number(milano.export_products_eur[c] / total * 100, lang, 0)
                    for c in charts_module.reference.PRODUCTS]
        assert heat[row * 11:(row + 1) * 11] == expected


def test_first_product_change_is_printed_exactly(region, rendered):
    first = region.products[0]
    assert pct(first.yoy_pct, "it") in rendered["it"]["products"].labels
    assert rendered["it"]["products"].labels[:2] == [millions(first.value_eur, "it"), pct(first.yoy_pct, "it")]


def test_italian_and_english_editions_differ_in_separators(region, rendered):
    # The largest province: over a thousand million, so grouping and decimals both show.
    value = max(p.exports_eur for p in region.provinces)
    assert value >= 1e9, "the sample's largest province should export over a billion a quarter"
    it_label, en_label = millions(value, "it"), millions(value, "en")
    assert "." in it_label and it_label.endswith(it_label[-2:]) and it_label[-2] == ","
    assert en_label == it_label.replace(".", "#").replace(",", ".").replace("#", ",")
    assert it_label in rendered["it"]["provinces"].labels and it_label not in rendered["en"]["provinces"].labels
    assert en_label in rendered["en"]["provinces"].labels and en_label not in rendered["it"]["provinces"].labels
    first = region.products[0].yoy_pct
    assert pct(first, "it") != pct(first, "en") and pct(first, "it") in rendered["it"]["products"].labels
    for name in CHART_NAMES:
        assert rendered["it"][name].path.read_bytes() != rendered["en"][name].path.read_bytes()


def test_output_is_byte_identical_on_a_second_run(region, brand, rendered, tmp_path):
    again = render_charts(region, brand, "it", tmp_path / "again", workers=1)
    assert list(again) == list(rendered["it"])
    for name, chart in again.items():
        assert chart.path.read_bytes() == rendered["it"][name].path.read_bytes(), name
        assert chart.labels == rendered["it"][name].labels
        assert chart.height_mm == rendered["it"][name].height_mm


def test_a_province_edition_has_no_province_or_heat_map_chart(sample, brand, tmp_path):
    dataset, _ = sample
    milano = compute_indicators(dataset.trade, dataset.services, "2017Q1", "ITC4C")
    charts = render_charts(milano, brand, "en", tmp_path, workers=2)
    assert "provinces" not in charts and "heatmap" not in charts
    assert {"trend", "products", "destinations", "areas"} <= set(charts)
    assert not (tmp_path / "provinces.svg").exists() and not (tmp_path / "heatmap.svg").exists()
    assert pct(milano.products[0].yoy_pct, "en") in charts["products"].labels


def test_charts_without_data_are_skipped_and_tiny_values_get_a_readable_unit(brand, tmp_path):
    data = write_data(tmp_path / "data", services=None)
    figures = compute_indicators(*_load(data), "2017Q1", "ITC4")
    assert figures.services == []
    charts = render_charts(figures, brand, "it", tmp_path / "out", workers=1)
    assert "services" not in charts and not (tmp_path / "out" / "services.svg").exists()
    # Euros in the hundreds: printed as they are, not as "0,0" millions.
    assert "750" in charts["trend"].labels and "600" in charts["products"].labels
    # Products without a base year print "n.d.", never an infinite change.
    assert "n.d." in charts["products"].labels and "+50,0%" in charts["products"].labels
    for chart in charts.values():
        drawing = svg2rlg(str(chart.path))
        assert drawing.width == pytest.approx(WIDTH_MM * MM, abs=1.0)


def _load(folder: Path):
    dataset = load_dataset(folder)
    return dataset.trade, dataset.services


def test_unknown_language_is_refused(region, brand, tmp_path):
    with pytest.raises(ValueError, match="language"):
        render_charts(region, brand, "de", tmp_path)


def test_series_colours_stay_apart_in_grey(brand):
    """Primary, secondary and accent must differ in luminance, for grey print and colour-blind readers."""
    assert luminance("#FFFFFF") == pytest.approx(1.0) and luminance("#000000") == pytest.approx(0.0)
    assert luminance("#808080") == pytest.approx(0.2159, abs=1e-3)  # sRGB mid grey, linearised
    values = {name: luminance(brand.colours[name]) for name in charts_module.SERIES_COLOURS}
    for a, b in itertools.combinations(values, 2):
        assert abs(values[a] - values[b]) >= 0.15, f"{a} {brand.colours[a]} and {b} {brand.colours[b]}: {values}"


def test_text_is_set_in_the_brand_font_files_not_a_system_copy(brand):
    from matplotlib import font_manager
    from matplotlib.font_manager import FontProperties

    family = charts_module._register_fonts(tuple(str(p) for p in brand.fonts.values()), str(brand.fonts["regular"]))
    for style, props in {"regular": {}, "bold": {"weight": "bold"}, "italic": {"style": "italic"},
                         "bold_italic": {"weight": "bold", "style": "italic"}}.items():
        found = font_manager.findfont(FontProperties(family=family, **props), fallback_to_default=False)
        assert Path(found).resolve() == brand.fonts[style].resolve(), style
