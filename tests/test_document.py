"""The real bulletin PDF, built from the sample data and read back: pages, text, fonts, metadata, outline."""
from __future__ import annotations

import json
import re
import shutil
import struct

import pikepdf
import pytest
from pypdf import PdfReader

from bulletin.text import formatting as fmt
from bulletin.cli import main
from conftest import SAMPLE_DATA

EPOCH = "1490000000"  # 2017-03-20, fixed so that builds are comparable byte for byte
SECTIONS_IT = ["Sintesi", "Esportazioni e importazioni", "Prodotti", "Destinazioni", "Province",
               "Servizi per l'innovazione e l'internazionalizzazione", "Note metodologiche"]


def build(tmp_path, monkeypatch, *extra, data=SAMPLE_DATA):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "output"
    assert main(["build", "--data", str(data), "--out", str(out), *extra]) == 0
    return out


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    try:
        out = build(tmp_path_factory.mktemp("it"), monkeypatch)
    finally:
        monkeypatch.undo()
    pdf = out / "2017Q1" / "ITC4" / "it-r1" / "bollettino-hitech-lombardia-2017Q1.pdf"
    reader = PdfReader(pdf)
    pages = [page.extract_text() for page in reader.pages]
    return pdf, reader, pages


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_archive_folder_holds_pdf_charts_and_indicators(edition):
    pdf, _, _ = edition
    folder = pdf.parent
    assert (folder / "indicators.json").is_file()
    assert {p.name for p in (folder / "charts").glob("*.pdf")} >= {"trend.pdf", "products.pdf", "destinations.pdf",
                                                                          "provinces.pdf", "heatmap.pdf"}
    assert (folder / "tables.xlsx").is_file() and (folder / "manifest.json").is_file()
    assert not [p for p in folder.parent.glob(".*") if not p.name.endswith(".lock")]  # no temporary folder left


def test_each_chart_is_its_own_pdf_page_placed_at_its_size(edition):
    """The pages draw each chart's form; the form holds the archived chart page, scaled to the chart's box."""
    from bulletin.charts.specs import CHART_NAMES, MM
    from bulletin.document.compose import chart_xobject_name

    pdf, _, _ = edition
    placed = {}
    with pikepdf.open(pdf) as document:
        for number, page in enumerate(document.pages, start=1):
            for key, xobject in page.Resources.get("/XObject", {}).items():
                if key.startswith(chart_xobject_name("")):
                    placed.setdefault(key, (number, xobject.read_bytes(), [float(v) for v in xobject.BBox],
                                            [float(v) for v in xobject.Matrix]))
                    assert "/Font" not in xobject.Resources or not xobject.Resources.Font.keys(), key
        assert set(placed) == {chart_xobject_name(name) for name in CHART_NAMES}
        for name in CHART_NAMES:
            number, content, bbox, matrix = placed[chart_xobject_name(name)]
            with pikepdf.open(pdf.parent / "charts" / f"{name}.pdf") as chart:
                page = chart.pages[0]
                assert content == page.Contents.read_bytes() and len(content) > 1000, name
                assert bbox == pytest.approx([float(v) for v in page.mediabox], abs=1e-4), name
            # Drawn 1:1 (the chart's page is already the chart's size), on a page after the contents.
            assert matrix == pytest.approx([1, 0, 0, 1, 0, 0], abs=1e-3), name
            assert bbox[2] == pytest.approx(170 * MM, abs=0.01) and number > 2, name


def test_a4_pages_and_enough_of_them(edition):
    _, reader, pages = edition
    assert len(pages) >= 10
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


def test_seed_figures_are_printed_the_italian_way(edition):
    _, _, pages = edition
    text = flat(" ".join(pages))
    for figure in ["3,1 miliardi", "+13,0%", "10,0 miliardi", "+6,0%", "+49,5%", "409 milioni", "+68,0%",
                   "171 milioni", "+49,0%", "132 milioni", "+45,0%", "9,5 miliardi", "+70,1%", "31,5%"]:
        assert figure in text, figure
    for name in ["Stati Uniti", "Germania", "Svizzera", "Regno Unito", "Giappone", "Milano", "Monza e della Brianza",
                 "Varese", "Lodi", "Pavia", "Innovhub SSI", "Promos"]:
        assert name in text, name


def test_fonts_are_embedded_subsets_with_no_base14_left(edition):
    pdf, _, _ = edition
    seen = set()
    with pikepdf.open(pdf) as document:
        for page in document.pages:
            for font in page.Resources.get("/Font", {}).values():
                name = str(font.BaseFont)
                seen.add(name)
                descriptor = font.FontDescriptor if "/FontDescriptor" in font else font.DescendantFonts[0].FontDescriptor
                assert "/FontFile2" in descriptor, name
                assert re.match(r"/[A-Z]{6}\+", name), name
    assert seen and not any(base in name for name in seen for base in ("Helvetica", "Times", "Courier", "Symbol"))


def test_metadata_and_pdfa_declaration(edition):
    pdf, reader, _ = edition
    info = reader.metadata
    assert info.title == "Export hi-tech della Lombardia – I trimestre 2017"
    assert info.author == "Osservatorio Economia Lombarda"
    assert "Lombardia" in info.subject and "2017Q1" in info.get("/Keywords")
    assert info.get("/CreationDate") == "D:20170320085320Z"
    assert not reader.is_encrypted
    with pikepdf.open(pdf) as document:
        assert str(document.Root.Lang) == "it-IT"
        meta = document.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        intent = document.Root.OutputIntents[0]
        profile = intent.DestOutputProfile.read_bytes()
        assert str(intent.S) == "/GTS_PDFA1" and len(profile) > 400 and profile[36:40] == b"acsp"
        # Dated like the edition, not when it was built: equal inputs, equal bytes.
        assert struct.unpack(">6H", profile[24:36]) == (2017, 3, 20, 8, 53, 20)
        assert document.check_pdf_syntax() == []


def test_outline_and_contents_match_the_pages_headings_are_on(edition):
    _, reader, pages = edition
    outline = {item.title: reader.get_destination_page_number(item) + 1 for item in reader.outline}
    assert list(outline)[:len(SECTIONS_IT)] == SECTIONS_IT
    contents = flat(pages[1])
    for title, page in outline.items():
        assert re.search(re.escape(title) + r"\s+" + str(page) + r"\b", contents), (title, page)
        assert flat(pages[page - 1]).lstrip().startswith("Export hi-tech") and title in flat(pages[page - 1])


def test_header_and_page_x_of_y_on_every_page_but_the_cover(edition):
    _, _, pages = edition
    total = len(pages)
    assert "pagina" not in pages[0]
    for number, text in enumerate(pages[1:], start=2):
        assert f"pagina {number} di {total}" in flat(text)


def test_same_inputs_give_the_same_bytes(edition, tmp_path, monkeypatch):
    pdf, _, _ = edition
    again = build(tmp_path, monkeypatch) / "2017Q1" / "ITC4" / "it-r1" / pdf.name
    assert again.read_bytes() == pdf.read_bytes()
    assert (again.parent / "tables.xlsx").read_bytes() == (pdf.parent / "tables.xlsx").read_bytes()


def test_english_edition(tmp_path, monkeypatch):
    out = build(tmp_path, monkeypatch, "--lang", "en")
    pdf = out / "2017Q1" / "ITC4" / "en-r1" / "hitech-bulletin-lombardy-2017Q1.pdf"
    text = flat(" ".join(page.extract_text() for page in PdfReader(pdf).pages))
    assert "+13.0%" in text and "€3.1 billion" in text and "United States" in text and "Contents" in text
    assert "+13,0%" not in text
    with pikepdf.open(pdf) as document:
        assert str(document.Root.Lang) == "en-GB"
    # Services are named in English (templates/en/names.toml); the figures file keeps the data's names.
    assert "Laboratory testing" in text and "Prove di laboratorio" not in text and "Innovhub SSI" in text
    figures = (pdf.parent / "indicators.json").read_text(encoding="utf-8")
    assert "Prove di laboratorio" in figures and "Laboratory testing" not in figures
    assert "Laboratory testing" in (pdf.parent / "tables" / "services.csv").read_text(encoding="utf-8")


def test_hostile_names_and_notes_print_literally(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE_DATA, data)
    services = (data / "services.csv").read_text(encoding="utf-8")
    services += '2017Q1,R&D <Lab> "Società",<font size=40>Big</font> & <a href="x">link</a>,10,5,7\n'
    (data / "services.csv").write_text(services, encoding="utf-8")
    (data / "notes").mkdir()
    (data / "notes" / "2017Q1.md").write_text(
        "## Il commento\n\nUn trimestre **eccezionale** per *Milano* & dintorni <b>non grassetto</b>.\n\n"
        "- primo punto\n- secondo punto con una parolalunghissima" + "x" * 120 + "\n", encoding="utf-8")
    out = build(tmp_path, monkeypatch, data=data)
    pdf = out / "2017Q1" / "ITC4" / "it-r1" / "bollettino-hitech-lombardia-2017Q1.pdf"
    text = flat(" ".join(page.extract_text() for page in PdfReader(pdf).pages))
    assert 'R&D <Lab> "Società"' in text
    assert "<font size=40>Big</font> &" in text
    assert "Commento" in text and "& dintorni <b>non grassetto</b>" in text


def test_indicators_json_agrees_with_the_printed_figures(edition):
    import json
    pdf, _, pages = edition
    figures = json.loads((pdf.parent / "indicators.json").read_text(encoding="utf-8"))
    text = flat(" ".join(pages))
    assert fmt.money(figures["exports"]["value_eur"], "it") in text
    for product in figures["products"]:
        assert fmt.millions(product["value_eur"], "it") in text
    for province in figures["provinces"]:
        assert fmt.pct(province["exports_yoy_pct"], "it") in text


def test_chart_captions_agree_with_what_the_charts_show(edition):
    """A caption names as many countries as the chart has bars, and no unit that its panels contradict."""
    from bulletin.charts.specs import TOP_PARTNERS

    pdf, _, pages = edition
    text = flat(" ".join(pages))
    bars = json.loads((pdf.parent / "indicators.json").read_text(encoding="utf-8"))["destinations"][:TOP_PARTNERS]
    assert len(bars) == 15 and "Primi 15 paesi di destinazione" in text
    trend = re.search(r"ultimi 12 trimestri fino al I trimestre 2017 ?(\([^)]*\))?", text)
    assert trend and trend.group(1) is None, trend.group(0)  # the panels give their own unit: miliardi
