"""The bulletin laid out as a publication: its length, its tables (one unit, totals, headers
whose words are never broken, "(segue)" on a continued table), its typography (the minus sign,
no-break spaces, typographic apostrophes) and its tables and figures numbered and cited.

The sample edition is built once with the real command and read back with `pdftotext`, as a
reader's tool reads it; the tables are also checked where they are made, against the widths
reportlab sets them at.
"""
from __future__ import annotations

import dataclasses
import re
import subprocess

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import BaseDocTemplate, PageTemplate, Paragraph, SimpleDocTemplate, Spacer

from bulletin.brand import load_brand
from bulletin.cli import main
from bulletin.document import SectionContext, printed_tables
from bulletin.document.compose import typeset
from bulletin.document.cover import TITLE_SIZE, _title_size, last_word_kept
from bulletin.document.flowables import (CELL_PADDING, FEWEST_ROWS, WHOLE_ROWS, HouseTable, TableText,
                                         column_widths)
from bulletin.document.pages import HouseFrame
from bulletin.document.sections import section_flowables
from bulletin.document.styles import FRAME_WIDTH, Styles, register_fonts
from bulletin.document.tagging import Tagger
from bulletin.templates import SHIPPED_TEMPLATES, Templates
from bulletin.text import formatting as fmt
from bulletin.text.typography import typographic
from conftest import SAMPLE_DATA
from test_document import document_inputs

EPOCH = "1490000000"


@pytest.fixture(scope="module")
def sample_pdf(tmp_path_factory):
    folder = tmp_path_factory.mktemp("layout")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        patch.chdir(folder)
        assert main(["build", "--data", str(SAMPLE_DATA), "--out", str(folder / "output")]) == 0
    return folder / "output" / "2017Q1" / "ITC4" / "it-r1" / "bollettino-hitech-lombardia-2017Q1.pdf"


@pytest.fixture(scope="module")
def layout_text(sample_pdf) -> str:
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(sample_pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def context(sample) -> SectionContext:
    """The Lombardy edition as the sections see it (without charts: only the tables are looked at)."""
    inputs = typeset(document_inputs(sample[1], Templates(None)))
    return SectionContext(inputs, Styles(inputs.brand, register_fonts(inputs.brand)))


def house_tables(flowables) -> list[HouseTable]:
    found = []
    for flowable in flowables:
        if isinstance(flowable, HouseTable):
            found.append(flowable)
        found += house_tables(getattr(flowable, "_content", []))
    return found


# --- the publication as a whole ------------------------------------------------------------------

def test_the_sample_edition_takes_at_most_twelve_pages(sample_pdf):
    assert len(PdfReader(sample_pdf).pages) <= 12


def test_no_page_is_more_than_half_white_unless_a_section_ends_there(sample_pdf, layout_text):
    """A page's text lines (charts count as their caption and source) fill at least half the
    frame, or the next page starts a section (its first line is a heading in the contents)."""
    pages = layout_text.split("\f")[1:-1]  # the cover has its own layout; the last page ends a section
    headings = set(t.title for t in PdfReader(sample_pdf).outline)
    for number, (page, following) in enumerate(zip(pages, pages[1:]), start=2):
        starts_section = any(line.strip() in headings for line in following.splitlines()[:8])
        lines = [line for line in page.splitlines() if line.strip()]
        charts = page.count("Figura ")  # a chart prints no text lines: count its height instead
        assert starts_section or len(lines) + 12 * charts >= 25, (number, len(lines))


def test_the_contents_share_their_page_with_the_summary(layout_text):
    second = layout_text.split("\f")[1]
    assert "Sommario" in second and "Sintesi" in second.split("Appendice")[-1]


# --- typography ----------------------------------------------------------------------------------

def test_negative_figures_take_the_minus_sign_not_a_hyphen(layout_text):
    assert "−3,2 miliardi" in layout_text or "−3,2\u00a0miliardi" in layout_text  # the trade balance tile
    assert not re.search(r"(?<![\w-])-\d", layout_text), re.search(r".{30}(?<![\w-])-\d.{10}", layout_text)


def test_printed_text_has_typographic_apostrophes_and_quotes(layout_text):
    assert "dell’export" in layout_text and "L’interscambio" in layout_text
    assert "'" not in layout_text and '"' not in layout_text


def test_a_figure_and_its_unit_are_joined_by_a_no_break_space():
    assert fmt.money(3.15e9, "it") == "3,2\u00a0miliardi di euro"
    assert fmt.money(831_832, "it") == "832\u00a0mila\u00a0euro"   # never "831.832 euro" in prose
    assert fmt.money(831_832, "en") == "€832,000"  # English prose writes thousands out
    assert fmt.pct(-2.44, "it") == "−2,4%" and fmt.number(-3200, "it") == "−3.200"


def test_typographic_quotes_leave_markup_alone():
    assert typographic("dell'Italia") == "dell’Italia"
    markup = '"n.d." <a href="#x">l\'Asia</a> &amp; "R&amp;D"'
    assert typographic(markup) == '“n.d.” <a href="#x">l’Asia</a> &amp; “R&amp;D”'


# --- tables --------------------------------------------------------------------------------------

def test_no_header_word_is_wider_than_its_column(context):
    """Every table of the edition, as reportlab sets it: each header word fits its column."""
    tables = house_tables(section_flowables(context))
    assert len(tables) >= 5
    for table in tables:
        for cell, width in zip(table._cellvalues[1], table._colWidths):
            style = cell.style
            for word in cell.text.split():
                needed = pdfmetrics.stringWidth(word, style.fontName, style.fontSize) + 2 * CELL_PADDING
                assert needed <= width + 0.01, (word, width)


def test_no_header_word_is_broken_in_the_printed_tables(layout_text):
    """`pdftotext -layout` shows each header row as it is printed: no word there is cut short."""
    for broken in ("Esportazion", "Importazio", "Rang ", "Quot ", "(€"):
        assert not re.search(rf"\b{re.escape(broken)}(?!i|ni|o|a)", layout_text), broken


def test_a_table_that_runs_over_a_page_says_segue_on_the_next(context, tmp_path):
    rows = [[f"Paese {i}", fmt.number(i * 10, "it")] for i in range(150)]
    table = context.table("long", "table_areas", TableText(["Paese", "Valore"], rows), unit="migliaia di euro")
    SimpleDocTemplate(str(tmp_path / "long.pdf"), pagesize=A4).build(table)
    pages = [page.extract_text() for page in PdfReader(tmp_path / "long.pdf").pages]
    assert len(pages) >= 3
    number = context.numbering.known("table", "long")
    assert f"Tavola {number} – Esportazioni" in pages[0] and "(segue)" not in pages[0]
    for page in pages[1:]:
        assert f"Tavola {number} (segue) – Esportazioni" in page and re.search(r"Paese\s+Valore", page)


def test_a_page_never_carries_over_fewer_than_four_rows_besides_the_total(context):
    """Where a page would leave "(segue)" three rows and the total, or fewer (two countries,
    "Altri paesi" and the total), more go with them."""
    assert FEWEST_ROWS == 4
    rows = [[f"Paese {i}", fmt.number(i * 10, "it")] for i in range(14)] + [["Totale", fmt.number(660, "it")]]
    [table] = house_tables(context.table("short", "table_areas", TableText(["Paese", "Valore"], rows, total_rows=1),
                                         unit="migliaia di euro"))
    table.wrap(FRAME_WIDTH, 10_000)
    heights = table._rowHeights
    for carried in range(1, 8):  # room for all but the last `carried` rows, the total among them
        parts = table.split(FRAME_WIDTH, sum(heights[:-carried]) + 0.5)
        first, rest = parts[0], parts[-1]
        assert len(rest._cellvalues) - 2 - 1 == max(FEWEST_ROWS, carried - 1)
        # the rows held back start the next page, not the room they leave on this one
        assert [type(part).__name__ for part in parts[1:-1]] == (["_FrameBreak"] if carried - 1 < FEWEST_ROWS else [])
        assert len(first._cellvalues) + len(rest._cellvalues) - 4 == len(rows)


def build_in_house_frame(path, flowables) -> list[str]:
    """`flowables` laid out in the bulletin's own frame, on A4 pages; the text of each page."""
    document = BaseDocTemplate(str(path), pagesize=A4)
    frame = HouseFrame(document.leftMargin, document.bottomMargin, document.width, document.height,
                       tagger=Tagger({}, "logo"))
    document.addPageTemplates([PageTemplate("page", [frame])])
    document.build(flowables)
    return [page.extract_text() for page in PdfReader(path).pages]


def filler_and_table(context, rows: int, room_left: float) -> list:
    """A table of `rows` rows and a total, after a filler that leaves `room_left` points for it."""
    body = [[f"Paese {i}", fmt.number(i * 10, "it")] for i in range(rows)] + [["Totale", fmt.number(1, "it")]]
    table = context.table("short", "table_areas", TableText(["Paese", "Valore"], body, total_rows=1),
                          unit="migliaia di euro")[1:]  # without the CondPageBreak before it
    frame_height = A4[1] - 2 * 72  # BaseDocTemplate's default margins are an inch
    return [Spacer(1, frame_height - room_left - 12)] + table  # a frame pads 6 points above and below


def test_a_table_never_leaves_its_source_alone_at_the_top_of_a_page(context, tmp_path):
    """Whatever room the page leaves, the source line is on the page of the table's last rows."""
    [table] = house_tables(filler_and_table(context, 14, 1000))
    height = table.wrap(FRAME_WIDTH, 10_000)[1]
    for room in range(int(height) - 30, int(height) + 30, 3):  # around the table's own height
        pages = build_in_house_frame(tmp_path / "sourced.pdf", filler_and_table(context, 14, room))
        [source_page] = [n for n, page in enumerate(pages) if "Fonte" in page]
        assert "Totale" in pages[source_page], room
        assert re.search(r"Paese 13\s", pages[source_page]), room


def test_a_short_table_goes_whole_to_the_next_page_rather_than_split(context, tmp_path):
    [table] = house_tables(filler_and_table(context, WHOLE_ROWS - 1, 1000))
    half = table.wrap(FRAME_WIDTH, 10_000)[1] / 2
    pages = build_in_house_frame(tmp_path / "short.pdf", filler_and_table(context, WHOLE_ROWS - 1, half))
    assert "Paese" not in pages[0] and "(segue)" not in "".join(pages)
    assert all(f"Paese {i}" in pages[1] for i in range(WHOLE_ROWS - 1)) and "Fonte" in pages[1]
    pages = build_in_house_frame(tmp_path / "long.pdf", filler_and_table(context, WHOLE_ROWS + 5, half * 1.5))
    assert "Paese 0" in pages[0] and "(segue)" in pages[1]  # a longer one fills the page and runs on


def total_and_rows(table: TableText) -> tuple[float, float]:
    """The printed total of this quarter's column, and the sum of the printed rows above it."""
    def value(text: str) -> float:
        return 0.0 if text == fmt.NIL else float(text.replace(".", "").replace(",", ".").replace("−", "-"))
    column = table.header.index("I trim. 2017")
    body = [value(row[column]) for row in table.rows[:-1]]
    return value(table.rows[-1][column]), sum(body)


@pytest.mark.parametrize("which", ["products", "areas", "partners"])
def test_ranked_tables_end_with_a_total_equal_to_the_sum_of_their_rows(context, which):
    ind = context.indicators
    items = {"products": ind.products, "areas": ind.areas, "partners": ind.destinations}[which]
    top = printed_tables.TOP_PARTNERS_LISTED if which == "partners" else None
    table, unit = printed_tables.ranked_table(context, "col_product", items, ind.exports, top=top)
    assert unit == "milioni di euro" and table.rows[-1][table.text_columns[-1]] == "Totale"
    total, summed = total_and_rows(table)
    assert total == pytest.approx(summed, abs=0.05 * len(table.rows))  # the printed rows, rounded
    assert sum(i.value_eur for i in items) == pytest.approx(ind.exports.value_eur)  # the figures themselves


def test_the_partner_table_lists_thirty_countries_then_the_others_and_the_total(context):
    ind = context.indicators
    table, _ = printed_tables.ranked_table(context, "col_partner", ind.destinations, ind.exports, top=30)
    assert len(ind.destinations) > 32 and len(table.rows) == 32
    assert [row[1] for row in table.rows[-2:]] == ["Altri paesi", "Totale"] and table.rows[29][0] == "30"


def test_the_provinces_table_names_products_and_adds_up_to_the_region(context):
    table, _ = printed_tables.provinces_table(context)
    assert table.rows[0][0] == "Milano" and table.rows[0][-1] == "Medicinali"  # not the code 21.2
    assert not any(re.fullmatch(r"\d\d\.\d", row[-1]) for row in table.rows)
    assert [row[0] for row in table.rows[-2:]] == ["Province diverse e non specificate", "Totale"]
    exports = [float(row[1].replace(".", "").replace(",", ".")) for row in table.rows]
    assert exports[-1] == pytest.approx(sum(exports[:-1]), abs=0.05 * len(exports))


def test_a_change_on_a_tiny_base_is_not_significant_and_the_notes_say_so():
    assert fmt.change(153.3, 40_000, "it") == "n.s." and fmt.change(153.3, 400_000, "it") == "+153,3%"
    threshold = fmt.money(fmt.SIGNIFICANT_BASE_EUR, "it").replace("\u00a0", " ")
    notes = Templates(None).read("it/methodology.md")
    assert f"inferiore a {threshold}" in notes and "n.s." in notes


def test_a_table_unit_fits_its_figures():
    assert fmt.table_unit([3.15e9, 5e6]).key == "million"
    assert fmt.table_unit([16e6, 52e3]).key == "thousand"  # a small province: 16.000, not 16,0 and 0,1
    assert fmt.in_unit(16e6, fmt.table_unit([16e6]), "it") == "16.000"
    assert fmt.in_unit(0, fmt.TABLE_UNITS[1], "it") == "–"  # nothing at all, as ISTAT marks it


# --- numbered and cited --------------------------------------------------------------------------

def test_tables_and_figures_are_numbered_and_cited_from_the_text(layout_text):
    flat = re.sub(r"\s+", " ", layout_text)
    for number in ["1", "2", "3", "4", "5", "A1"]:
        assert f"Tavola {number} – " in flat
    for number in range(1, 8):
        assert f"Figura {number} – " in flat
    products_table = re.search(r"Tavola (\d) – Esportazioni hi-tech (?:della Lombardia )?per gruppo di prodotto",
                               flat).group(1)
    assert re.search(rf"dell’export hi-tech della Lombardia \((?:Figura \d; )?Tavola {products_table}\)", flat)
    assert re.search(r"\(Figura 1[;)]", flat) and "\ue000" not in flat


def test_the_text_cites_tables_and_figures_first_in_the_order_of_their_numbers(layout_text):
    """A reader meets "Tavola 3" before "Tavola 4"; the appendix's tables are a series of their
    own ("Tavola A1"), cited where the sections speak of them."""
    flat = re.sub(r"\s+", " ", layout_text)
    for kind in ("Tavola", "Figura"):
        cited = re.findall(rf"{kind} (A?\d+)(?! –| \(segue\))", flat)
        first = list(dict.fromkeys(cited))
        main = [int(number) for number in first if not number.startswith("A")]
        assert main == list(range(1, len(main) + 1)), (kind, first)
    assert "Tavola A1" in re.findall(r"Tavola A?\d+(?! –)", flat)


def test_the_web_page_cites_the_tables_and_figures_as_the_pdf_does(sample_pdf, layout_text):
    """The page resolves its citations once every caption has its number (it builds its sections
    once): the same citations, in the same order, as the PDF, the appendix's "Tavola A1" among them."""
    def citations(text: str) -> list[str]:
        return re.findall(r"(?:Tavola|Figura) A?\d+(?! –| \(segue\))", re.sub(r"\s+", " ", text))

    page = re.sub(r"<[^>]+>", " ", (sample_pdf.parent / "index.html").read_text(encoding="utf-8"))
    cited = citations(page)
    assert cited == citations(layout_text) and "Tavola A1" in cited and "{table:" not in page


def test_no_table_is_printed_twice(layout_text):
    flat = re.sub(r"\s+", " ", layout_text)
    assert flat.count("Medicinali e preparati farmaceutici 1.050,0") == 1
    assert flat.count("Monza e Brianza 570,0") == 1


def test_the_services_table_is_sourced_to_the_agencies_under_it(layout_text):
    """The chart comes first, as in every section; each has its source under it."""
    after = layout_text.split("Imprese assistite e attività delle aziende speciali")[1]
    table, _, _ = after.partition("Fonte:")
    assert "Figura " not in table and after.split("Fonte:")[1].startswith(" Innovhub SSI, Promos")


def test_every_figure_and_every_table_has_its_source_under_it(layout_text):
    """Between a caption and the next, one source line: a chart followed by its table names the
    source twice, as an editor asks (the source under each)."""
    flat = re.sub(r"\s+", " ", layout_text)
    parts = re.split(r"(?:Tavola|Figura) A?\d+ – ", flat)[1:]  # a continued table's "(segue)" is the same table
    assert len(parts) >= 12
    for part in parts:
        assert "Fonte:" in part.split("Note metodologiche")[0].split("Informazioni sull")[0], part[:200]


def test_the_flows_table_gives_the_balance_of_both_years_and_no_change_of_it(context):
    """A balance may change sign: its change in % would mislead, its value a year before does not."""
    ind = context.indicators
    table, unit = printed_tables.flows_table(context)
    [balance] = [row for row in table.rows if row[0] == "Saldo commerciale"]
    divisor = fmt.table_unit([ind.exports.value_eur, ind.imports.value_eur]).divisor
    assert balance[1:4] == [fmt.number(ind.balance_eur / divisor, "it", 1),
                            fmt.number((ind.exports.previous_eur - ind.imports.previous_eur) / divisor, "it", 1), ""]


def test_headers_go_on_one_line_when_the_table_has_room_for_all_of_them(context):
    """The services table has the room: "Azienda speciale" and "Imprese, var. %" on one line each
    (they wrapped while the room went to the figures alike). Where there is not room for every
    header, those that need least are widened first, twins alike (see the test below)."""
    services = printed_tables.services_table(context)
    widths = column_widths(context.styles, services)
    head = context.styles.head
    assert all(width >= pdfmetrics.stringWidth(text, head.fontName, head.fontSize) + 2 * CELL_PADDING - 0.01
               for width, text in zip(widths, services.header)), services.header
    assert sum(widths) == pytest.approx(FRAME_WIDTH)


def test_twin_headers_go_on_one_line_before_a_longer_one_does(context):
    """Where the names would take all the room (here the provinces table with long names, as some
    regions have), the two "Var. %" (after exports and after imports) still go on one line, both
    alike: they need a few points, and a "%" alone under "Var." reads as a misprint."""
    table, _ = printed_tables.provinces_table(context)
    long_name = "Provincia dal nome assai più lungo di ogni altro, e più ancora di quanto si creda"
    short_figures = ["1,0", "+1,0%", "1", "1,0", "+1,0%", "1"]  # narrower than their headers
    assert len(table.header) == len(short_figures) + 2
    table = dataclasses.replace(table, rows=[[long_name] + short_figures + [long_name]] * 8, total_rows=0)
    widths = column_widths(context.styles, table)
    head = context.styles.head

    def on_one_line(i: int) -> bool:
        return widths[i] >= pdfmetrics.stringWidth(table.header[i], head.fontName, head.fontSize) + 2 * CELL_PADDING - 0.01
    cell = context.styles.cell
    assert widths[0] < pdfmetrics.stringWidth(long_name, cell.fontName, cell.fontSize)  # the names wrap
    changes = [i for i, header in enumerate(table.header) if header == context.label("col_change")]
    assert len(changes) == 2 and all(on_one_line(i) for i in changes), table.header


def test_of_two_name_columns_the_one_that_would_wrap_more_rows_is_widened_first(context):
    """Where the names of two columns cannot both go on one line, the page shows fewest wrapped:
    the product of every row on one line, the one unallocated row on two. Widening first the
    column whose names need least (the provinces, held wide by "Barletta-Andria-Trani") had
    wrapped the product of seven rows instead."""
    table, _ = printed_tables.provinces_table(context)
    cell = context.styles.cell
    product, unallocated = "Aeromobili e veicoli spaziali e affini", "Province diverse e non specificate"
    figures = ["1,0", "+1,0%", "1", "1,0", "+1,0%", "1"]
    rows = [["Barletta-Andria-Trani"] + figures + [product]] * 7 + [[unallocated] + figures + ["Medicinali"]]
    widths = column_widths(context.styles, dataclasses.replace(table, rows=rows, total_rows=0))

    def fits(text: str, column: int) -> bool:
        return pdfmetrics.stringWidth(text, cell.fontName, cell.fontSize) + 2 * CELL_PADDING <= widths[column] + 0.01
    assert fits(product, 7) and fits("Barletta-Andria-Trani", 0) and not fits(unallocated, 0)


def test_a_table_title_never_leaves_its_unit_alone_on_the_last_line(context):
    """"(milioni di euro)" alone under a title of two lines read as a note: it goes down with the
    quarter before it, itself never parted ("I trimestre 2017 (milioni di euro)")."""
    title = context.table_title("table_provinces", unit="milioni di euro")
    assert title.endswith("I\u00a0trimestre\u00a02017\u00a0(milioni\u00a0di\u00a0euro)"), title
    paragraph = Paragraph(title, context.styles.caption)
    paragraph.wrap(FRAME_WIDTH * 0.6, 1000)  # two lines or more: the last holds the quarter too
    assert "trimestre" in " ".join(str(word) for word in paragraph.blPara.lines[-1][1])


def test_the_share_tile_never_parts_italys_amount_from_its_unit(context):
    _, _, note = context.key_figures()[2]
    amount = fmt.money(context.indicators.national_exports.value_eur, "it")
    assert note == "Italia: " + amount.replace(" ", "\u00a0") and " di euro" in amount


def test_a_paragraph_never_leaves_one_line_alone_at_the_top_of_a_page(context):
    body = context.styles.body
    paragraph = Paragraph(" ".join(["esportazioni"] * 120), body)
    _, height = paragraph.wrap(FRAME_WIDTH, 10_000)
    lines = round(height / body.leading)
    assert lines >= 5
    first, rest = paragraph.split(FRAME_WIDTH, (lines - 1) * body.leading + 1)  # room for all but one line
    heights = [part.wrap(FRAME_WIDTH, 10_000)[1] for part in (first, rest)]
    assert [round(h / body.leading) for h in heights] == [lines - 2, 2]


def test_a_row_with_nothing_in_either_year_has_no_change_to_print(context):
    """"–", not "n.d." (a figure missing): there is nothing to compare."""
    ind = context.indicators
    nothing = dataclasses.replace(ind.products[-1], value_eur=0.0, previous_eur=0.0, yoy_pct=None, share_pct=0.0)
    table, _ = printed_tables.ranked_table(context, "col_product", ind.products[:-1] + [nothing], ind.exports)
    assert table.rows[-2][1:] == ["–", "–", "–", "–"] and fmt.NOT_AVAILABLE["it"] not in table.rows[-2]
    appeared = dataclasses.replace(nothing, value_eur=5e6, yoy_pct=None, share_pct=0.1)  # from nothing: n.d.
    table, _ = printed_tables.ranked_table(context, "col_product", ind.products[:-1] + [appeared], ind.exports)
    assert table.rows[-2][3] == fmt.NOT_AVAILABLE["it"]


def test_the_cover_title_keeps_the_territory_whole_and_fits_the_page():
    """No-break spaces hold "della Provincia autonoma di Bolzano" on one line, in a smaller size
    when the usual one would not fit the width."""
    font = register_fonts(load_brand(SHIPPED_TEMPLATES / "brand")) + "-bold"
    short = "Export hi-tech della\u00a0Lombardia"
    long = "Export hi-tech della\u00a0Provincia\u00a0autonoma\u00a0di\u00a0Bolzano"
    assert _title_size(short, font) == TITLE_SIZE
    size = _title_size(long, font)
    assert size < TITLE_SIZE and pdfmetrics.stringWidth(long.split(" ")[-1], font, size) <= FRAME_WIDTH - 0.1
    # Laid out as reportlab lays it, in a frame a rounding error narrower: the name is whole on its line.
    title = Paragraph(long, ParagraphStyle("cover_title", fontName=font, fontSize=size, leading=size * 7 / 6))
    title.wrap(FRAME_WIDTH - 1e-9, 1000)
    assert [words for _, words in title.blPara.lines] == [["Export", "hi-tech"], [long.split(" ")[-1]]]


def test_the_cover_title_never_leaves_its_last_word_alone():
    """"The Aosta Valley’s high-tech / exports" became "The Aosta Valley’s / high-tech exports";
    a title ending on the territory, held together already, is left as it is."""
    font = register_fonts(load_brand(SHIPPED_TEMPLATES / "brand")) + "-bold"
    english = last_word_kept("The\u00a0Aosta\u00a0Valley’s high-tech exports")
    assert english == "The\u00a0Aosta\u00a0Valley’s high-tech\u00a0exports"
    italian = "Export hi-tech della\u00a0Valle\u00a0d’Aosta"
    assert last_word_kept(italian) == italian
    size = _title_size(english, font)
    title = Paragraph(english, ParagraphStyle("cover_title", fontName=font, fontSize=size, leading=size * 7 / 6))
    title.wrap(FRAME_WIDTH, 1000)
    assert all(len(" ".join(words).split()) > 1 for _, words in title.blPara.lines)
