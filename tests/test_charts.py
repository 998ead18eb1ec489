"""Charts: real one-page PDF files of the chart's size, with no fonts and nothing outside the page,
their labels checked against the indicators, reproducible to the byte, readable in grey print."""
from __future__ import annotations

import itertools
import multiprocessing
from pathlib import Path

import pikepdf
import pytest

from bulletin.charts import drawing as chart_drawing
from bulletin.charts import specs as charts_module
from bulletin.brand import load_brand
from bulletin.templates import SHIPPED_TEMPLATES
from bulletin.charts.drawing import luminance
from bulletin.charts.specs import CHART_NAMES, MM, WIDTH_MM, ChartDrawer, render_charts, start_charts
from bulletin.data.trade import load_dataset
from bulletin.text.formatting import millions, number, pct, share
from bulletin.indicators.compute import compute_indicators
from conftest import write_data



@pytest.fixture(scope="module")
def brand():
    return load_brand(SHIPPED_TEMPLATES / "brand")


@pytest.fixture(scope="module")
def region(sample):
    return sample[1]


@pytest.fixture(scope="module")
def rendered(region, brand, tmp_path_factory):
    """The region's edition in both languages: Italian in two drawing processes, English in this one."""
    root = tmp_path_factory.mktemp("charts")
    return {"it": render_charts(region, brand, "it", root / "it", processes=2),
            "en": render_charts(region, brand, "en", root / "en", processes=0)}


def test_a_region_gets_every_chart_as_a_pdf_page_of_the_page_width(rendered):
    for lang, charts in rendered.items():
        assert list(charts) == list(CHART_NAMES)
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
    again = render_charts(region, brand, "it", tmp_path / "again", processes=0)
    assert list(again) == list(rendered["it"])
    for name, chart in again.items():
        assert chart.path.read_bytes() == rendered["it"][name].path.read_bytes(), name
        assert chart.labels == rendered["it"][name].labels
        assert chart.height_mm == rendered["it"][name].height_mm


def test_sizes_are_known_before_the_charts_are_drawn(region, brand, rendered, tmp_path):
    """The document is laid out while the drawer draws: the planned sizes must be the drawn ones."""
    with ChartDrawer(brand) as drawer:
        with start_charts(region, brand, "it", tmp_path, drawer) as job:
            assert list(job.planned) == list(CHART_NAMES)
            planned = {name: (chart.path, chart.width_mm, chart.height_mm) for name, chart in job.planned.items()}
            assert all(chart.labels == [] for chart in job.planned.values())  # labels come with the drawing
            charts = job.result()
    assert {name: (chart.path, chart.width_mm, chart.height_mm) for name, chart in charts.items()} == planned
    for name, chart in charts.items():
        assert chart.labels == rendered["it"][name].labels, name
        assert chart.path.read_bytes() == rendered["it"][name].path.read_bytes(), name
    assert not multiprocessing.active_children()


@pytest.mark.parametrize("processes", [1, 3])
def test_every_chart_is_drawn_once_however_many_processes_share_them(region, brand, rendered, tmp_path, processes):
    charts = render_charts(region, brand, "it", tmp_path, processes=processes)
    assert list(charts) == list(CHART_NAMES)
    for name, chart in charts.items():
        assert chart.path.read_bytes() == rendered["it"][name].path.read_bytes(), name
        assert chart.labels == rendered["it"][name].labels, name


def test_one_drawer_draws_one_edition_after_another(sample, region, brand, rendered, tmp_path):
    milano = compute_indicators(sample[0].trade, sample[0].services, "2017Q1", "ITC4C")
    with ChartDrawer(brand) as drawer:
        with start_charts(milano, brand, "it", tmp_path / "milano", drawer) as job:
            assert set(job.result()) == {"trend", "products", "destinations", "areas", "services"}
        with start_charts(region, brand, "it", tmp_path / "region", drawer) as job:
            charts = job.result()
    assert list(charts) == list(CHART_NAMES)
    for name, chart in charts.items():
        assert chart.path.read_bytes() == rendered["it"][name].path.read_bytes(), name


def test_leaving_the_job_early_stops_the_drawing(region, brand, tmp_path):
    with ChartDrawer(brand) as drawer:
        with pytest.raises(RuntimeError, match="the document failed"):
            with start_charts(region, brand, "it", tmp_path, drawer):
                raise RuntimeError("the document failed")
        drawn = sorted(path.name for path in tmp_path.glob("*.pdf"))
        assert len(drawn) < len(CHART_NAMES)  # the ones not started were left
    assert not multiprocessing.active_children()


def test_a_drawer_that_never_draws_stops_cleanly(brand):
    """A build that finds its edition unchanged leaves its drawer unused."""
    with ChartDrawer(brand):
        pass
    assert not multiprocessing.active_children()


def test_a_province_edition_has_no_province_or_heat_map_chart(sample, brand, tmp_path):
    dataset, _ = sample
    milano = compute_indicators(dataset.trade, dataset.services, "2017Q1", "ITC4C")
    charts = render_charts(milano, brand, "en", tmp_path, processes=1)
    assert "provinces" not in charts and "heatmap" not in charts
    assert {"trend", "products", "destinations", "areas"} <= set(charts)
    assert not (tmp_path / "provinces.pdf").exists() and not (tmp_path / "heatmap.pdf").exists()
    assert pct(milano.products[0].yoy_pct, "en") in charts["products"].labels


def test_charts_without_data_are_skipped_and_tiny_values_get_a_readable_unit(brand, tmp_path):
    data = write_data(tmp_path / "data", services=None)
    figures = compute_indicators(*_load(data), "2017Q1", "ITC4")
    assert figures.services == []
    charts = render_charts(figures, brand, "it", tmp_path / "out")
    assert "services" not in charts and not (tmp_path / "out" / "services.pdf").exists()
    # Euros in the hundreds: printed as they are, not as "0,0" millions.
    assert "750" in charts["trend"].labels and "600" in charts["products"].labels
    # Products without a base year print "n.d.", never an infinite change.
    assert "n.d." in charts["products"].labels and "+50,0%" in charts["products"].labels
    for chart in charts.values():
        with pikepdf.open(chart.path) as pdf:
            assert float(pdf.pages[0].mediabox[2]) == pytest.approx(WIDTH_MM * MM, abs=1.0)


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

    family = chart_drawing._register_fonts(tuple(str(p) for p in brand.fonts.values()), str(brand.fonts["regular"]))
    for style, props in {"regular": {}, "bold": {"weight": "bold"}, "italic": {"style": "italic"},
                         "bold_italic": {"weight": "bold", "style": "italic"}}.items():
        found = font_manager.findfont(FontProperties(family=family, **props), fallback_to_default=False)
        assert Path(found).resolve() == brand.fonts[style].resolve(), style


def _family(brand) -> str:
    style = charts_module.chart_style(brand)
    return chart_drawing._register_fonts(tuple(style["fonts"]), style["regular"])


@pytest.mark.parametrize("text", ["1", "+13,0%", "n.d.", "1.050,0", "Côte d’Ivoire", "Jy", "'", "-", " ", "",
                                  "Prodotti farmaceutici di base", "Strumenti per irradiazione, apparecchiature"])
@pytest.mark.parametrize("weight", ["normal", "bold"])
def test_labels_are_measured_as_matplotlib_measures_them(brand, text, weight):
    """Lines are laid out from glyphs loaded once, not shaped anew by matplotlib: the sizes must
    agree with matplotlib's to a hundredth of a point, or labels would sit off their anchors."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(family=_family(brand), size=7.5, weight=weight)
    ours = chart_drawing._metrics(prop, text, False)
    theirs = text_to_path.get_text_width_height_descent(text, prop, ismath=False)
    assert ours == pytest.approx(theirs, abs=0.02)


def test_a_character_missing_from_the_brand_font_is_left_to_matplotlib(brand):
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(family=_family(brand), size=7.5)
    assert chart_drawing._glyph_line(prop, "Arrow \u2192 here") is None  # not in Open Sans
    with pytest.warns(UserWarning, match="missing from font"):
        width, height, _ = chart_drawing._metrics(prop, "Arrow \u2192 here", False)
    assert width > chart_drawing._metrics(prop, "Arrow  here", False)[0] and height > 0


def test_dollar_signs_in_a_name_are_text_not_mathematics(brand):
    import io

    from matplotlib.text import Text

    rows = [{"label": label, "bars": [{"value": 10.0, "colour": "primary", "pieces": [("10,0", "text")]}]}
            for label in ("Voucher da $5 e $10", "Altro")]
    canvas = chart_drawing._draw({"kind": "bars", "rows": rows, "axis": "euro", "wrap_pt": 165.0},
                                 charts_module.chart_style(brand), "it", io.BytesIO(), None)
    dollars = [t for t in canvas.fig.findobj(Text) if "$" in t.get_text()]
    assert dollars and not any(t.get_parse_math() for t in dollars)


def test_row_labels_wrap_at_spaces_but_not_inside_a_provider_name(brand):
    style = charts_module.chart_style(brand)
    canvas = chart_drawing._Canvas(style, _family(brand), "it")
    label = f"Consulenza tecnico-scientifica (Innovhub{charts_module.NO_BREAK}SSI)"
    for width in (60.0, 90.0, 120.0, 150.0):
        lines = canvas.wrap(label, width).split("\n")
        assert len(lines) > 1 and f"(Innovhub{charts_module.NO_BREAK}SSI)" in lines[-1]
        assert all(canvas.width_of(line) <= width for line in lines if " " in line)  # one word may be wider
