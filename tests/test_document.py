"""The real bulletin PDF, built from the sample data and read back: pages, text, fonts, metadata, outline;
and the document stage alone: the section registry and the words of the tables."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import struct
import tomllib

import pikepdf
import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from bulletin.brand import load_brand
from bulletin.charts import TOP_PARTNERS
from bulletin.cli import main
from bulletin.data.trade import load_dataset
from bulletin.document import SECTIONS, DocumentInputs, Masthead, SectionContext, compose_pdf, edition_tables
from bulletin.document.flowables import chart_xobject_name
from bulletin.errors import ConfigError
from bulletin.indicators.compute import Indicators, compute_indicators
from bulletin.templates import SHIPPED_TEMPLATES, Templates
from bulletin.text import formatting as fmt
from bulletin.text.markup import markdown_blocks
from bulletin.text.narrative import write_narrative
from conftest import SAMPLE_DATA

EPOCH = "1490000000"  # 2017-03-20, fixed so that builds are comparable byte for byte
SECTIONS_IT = ["Sintesi", "Esportazioni e importazioni", "Prodotti", "Destinazioni", "Province",
               "Servizi per l’innovazione e l’internazionalizzazione", "Note metodologiche"]


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
    pdf, _, _ = edition
    drawn = sorted(p.stem for p in (pdf.parent / "charts").glob("*.pdf"))
    assert len(drawn) == 7, drawn  # every chart of a region's edition
    placed = {}
    with pikepdf.open(pdf) as document:
        for number, page in enumerate(document.pages, start=1):
            for key, xobject in page.Resources.get("/XObject", {}).items():
                if key.startswith(chart_xobject_name("")):
                    placed.setdefault(key, (number, xobject.read_bytes(), [float(v) for v in xobject.BBox],
                                            [float(v) for v in xobject.Matrix]))
                    assert "/Font" not in xobject.Resources or not xobject.Resources.Font.keys(), key
        assert set(placed) == {chart_xobject_name(name) for name in drawn}
        for name in drawn:
            number, content, bbox, matrix = placed[chart_xobject_name(name)]
            with pikepdf.open(pdf.parent / "charts" / f"{name}.pdf") as chart:
                page = chart.pages[0]
                assert content == page.Contents.read_bytes() and len(content) > 1000, name
                assert bbox == pytest.approx([float(v) for v in page.mediabox], abs=1e-4), name
            # Drawn 1:1 (the chart's page is already the chart's size), on a page after the contents.
            assert matrix == pytest.approx([1, 0, 0, 1, 0, 0], abs=1e-3), name
            assert bbox[2] == pytest.approx(170 * mm, abs=0.01) and number > 2, name


def test_a4_pages_and_enough_of_them(edition):
    _, reader, pages = edition
    assert len(pages) >= 10
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


def test_seed_figures_are_printed_the_italian_way(edition):
    _, _, pages = edition
    text = flat(" ".join(pages))
    for figure in ["3,2 miliardi", "+13,0%", "10,0 miliardi", "+6,0%", "+49,5%", "409 milioni", "+68,0%",
                   "171 milioni", "+49,0%", "132 milioni", "+45,0%", "9,5 miliardi", "+70,1%", "31,5%"]:
        assert figure in text, figure
    for name in ["Stati Uniti", "Germania", "Svizzera", "Regno Unito", "Giappone", "Milano", "Monza e Brianza",
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


def test_every_annotation_is_printed_as_pdfa_asks(edition):
    """PDF/A (ISO 19005-2, 6.3.2): an annotation must carry the Print flag; the contents' links did not."""
    with pikepdf.open(edition[0]) as pdf:
        annotations = [a for page in pdf.pages for a in page.obj.get("/Annots", ())]
    assert annotations and all(int(a.get("/F", 0)) & 4 for a in annotations)


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
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "A"  # tagged: PDF/A-2a
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
    assert "+13.0%" in text and "€3.2 billion" in text and "United States" in text and "Contents" in text
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
    assert "R&D <Lab> “Società”" in text  # printed with typographic quotes
    assert "<font size=40>Big</font> &" in text
    assert "Commento" in text and "& dintorni <b>non grassetto</b>" in text


def test_the_last_page_carries_the_colophon(edition):
    """Release date (the build's, no calendar configured), data date (the files', never after the
    build), next release (about 70 days after the next quarter), contact and terms of reuse."""
    last = flat(edition[2][-1])
    for line in ("Data di pubblicazione: 20 marzo 2017", "Data di acquisizione dei dati: 20 marzo 2017",
                 "Prossima edizione (II trimestre 2017): 8 settembre 2017 (data indicativa)",
                 "Per informazioni: Maria Rossi, Ufficio Studi e Statistica · studi@example.org",
                 "licenza CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"):
        assert line in last, line


def test_indicators_json_agrees_with_the_printed_figures(edition):
    pdf, _, pages = edition
    figures = json.loads((pdf.parent / "indicators.json").read_text(encoding="utf-8"))
    text = flat(" ".join(pages))
    assert flat(fmt.money(figures["exports"]["value_eur"], "it")) in text
    unit = fmt.table_unit([p["value_eur"] for p in figures["products"]] + [figures["exports"]["value_eur"]])
    for product in figures["products"]:
        assert fmt.in_unit(product["value_eur"], unit, "it") in text
    for province in figures["provinces"]:
        assert fmt.pct(province["exports_yoy_pct"], "it") in text


def test_chart_titles_agree_with_what_the_charts_show(edition):
    """Above each chart its title (the finding) and subtitle (what, where, unit, when), written by
    the charts stage: as many countries as the chart has bars, the one unit of the trend's panels."""
    pdf, _, pages = edition
    text = flat(" ".join(pages))
    bars = json.loads((pdf.parent / "indicators.json").read_text(encoding="utf-8"))["destinations"][:TOP_PARTNERS]
    assert len(bars) == 15 and "verso i primi 15 paesi, milioni di euro" in text
    assert "Figura 1 – Export in crescita del 13,0% sul I trimestre 2016" in text
    assert "della Lombardia e dell’Italia, milioni di euro, II trim. 2014 – I trim. 2017" in text


# --- the document stage alone ------------------------------------------------------------------

@pytest.fixture(scope="module")
def lombardy() -> Indicators:
    dataset = load_dataset(SAMPLE_DATA)
    return compute_indicators(dataset.trade, dataset.services, "2017Q1", "ITC4", dataset.warnings)


def document_inputs(indicators: Indicators, templates: Templates, lang: str = "it") -> DocumentInputs:
    """What the pipeline gives the document stage, without charts (their places are then left out)."""
    return DocumentInputs(
        indicators=indicators, narrative=write_narrative(indicators, lang, templates), charts={},
        labels=templates.texts(f"{lang}/labels.toml"), brand=load_brand(SHIPPED_TEMPLATES / "brand"),
        edition=Masthead(quarter="2017Q1", territory="ITC4", lang=lang, number=17, published=dt.date(2017, 3, 20)),
        notes=None, services_text=markdown_blocks(templates.read(f"{lang}/services.md")),
        methodology=markdown_blocks(templates.read(f"{lang}/methodology.md")))


def with_labels(folder, lines: str) -> Templates:
    """Templates whose Italian labels are the shipped ones plus `lines`, as a user's folder would give
    (the lines go before the file's tables, as keys of its own)."""
    (folder / "it").mkdir(parents=True, exist_ok=True)
    shipped = (SHIPPED_TEMPLATES / "it" / "labels.toml").read_text(encoding="utf-8")
    keys, table, tables = shipped.partition("\n[")
    (folder / "it" / "labels.toml").write_text(keys + lines + table + tables, encoding="utf-8")
    return Templates(folder)


def outline_and_pages(pdf) -> tuple[dict[str, int], list[str]]:
    reader = PdfReader(pdf)
    outline = {item.title: reader.get_destination_page_number(item) + 1 for item in reader.outline}
    return outline, [flat(page.extract_text()) for page in reader.pages]


def test_a_registered_section_is_printed_under_its_heading_and_listed_in_the_contents(lombardy, tmp_path,
                                                                                      monkeypatch):
    """Adding a section is one function registered in `SECTIONS` and its heading in labels.toml;
    a section with nothing to say is left out, heading and contents line included."""
    templates = with_labels(tmp_path, '\nsection_outlook = "Prospettive & rischi"\nsection_silent = "Mai stampata"\n')

    def outlook(ctx: SectionContext) -> list[Flowable]:
        return ctx.paragraphs([f"Prodotti seguiti: {len(ctx.indicators.products)}."])

    shipped = list(SECTIONS)
    monkeypatch.setitem(SECTIONS, "outlook", outlook)
    monkeypatch.setitem(SECTIONS, "silent", lambda ctx: [])
    info = compose_pdf(document_inputs(lombardy, templates), tmp_path / "with.pdf", dt.datetime(2017, 3, 20))
    outline, pages = outline_and_pages(tmp_path / "with.pdf")
    assert info.pages == len(pages)
    assert list(outline)[-2:] == ["Appendice: tavole", "Prospettive & rischi"]  # printed in the registry's order
    page = outline["Prospettive & rischi"]
    assert re.search(r"Prospettive & rischi\s+" + str(page) + r"\b", pages[1])
    assert f"Prodotti seguiti: {len(lombardy.products)}." in pages[page - 1]
    assert f"pagina {page} di {len(pages)}" in pages[page - 1]
    assert not any("Mai stampata" in text for text in pages)

    monkeypatch.undo()
    assert list(SECTIONS) == shipped
    again = compose_pdf(document_inputs(lombardy, templates), tmp_path / "without.pdf", dt.datetime(2017, 3, 20))
    outline, pages = outline_and_pages(tmp_path / "without.pdf")
    assert again.pages == info.pages - 1 and "Prospettive & rischi" not in outline
    assert not any("Prospettive" in text for text in pages)


def test_a_section_without_its_heading_in_the_labels_names_the_missing_key(lombardy, monkeypatch, tmp_path):
    monkeypatch.setitem(SECTIONS, "outlook", lambda ctx: ctx.paragraphs(["Testo."]))
    with pytest.raises(ConfigError, match=r"it/labels.toml: key 'section_outlook' missing"):
        compose_pdf(document_inputs(lombardy, Templates(None)), tmp_path / "draft.pdf", dt.datetime(2017, 3, 20))


def test_cover_of_a_revision_says_so(lombardy, tmp_path):
    inputs = document_inputs(lombardy, Templates(None), lang="en")
    inputs = DocumentInputs(**{**vars(inputs), "edition": Masthead("2017Q1", "ITC4", "en", 17, dt.date(2017, 3, 20), 2)})
    compose_pdf(inputs, tmp_path / "draft.pdf", dt.datetime(2017, 3, 20))
    cover = flat(PdfReader(tmp_path / "draft.pdf").pages[0].extract_text())
    assert "Issue no. 17 · Published on 20 March 2017 · revision 2" in cover


def test_tables_are_named_in_the_editions_language(lombardy):
    tables = edition_tables(lombardy, "it", Templates(None))
    assert list(tables) == ["flussi", "prodotti", "paesi", "aree", "province", "andamento", "servizi"]
    assert list(tables["prodotti"].columns) == ["rango", "codice", "nome", "valore_eur", "anno_prima_eur", "var_pct",
                                                 "quota_pct"]
    assert list(tables["andamento"].columns)[0] == "trimestre"
    english = edition_tables(lombardy, "en", Templates(None))
    assert list(english) == ["flows", "products", "countries", "areas", "provinces", "trend", "services"]
    assert list(english["countries"].columns)[4:6] == ["year_before_eur", "change_pct"]
    assert english["products"].iloc[:, 3].tolist() == tables["prodotti"].iloc[:, 3].tolist()


def test_table_words_follow_a_users_template_and_a_missing_one_is_named(lombardy, tmp_path):
    (tmp_path / "it").mkdir()
    shipped = (SHIPPED_TEMPLATES / "it" / "tables.toml").read_text(encoding="utf-8")
    (tmp_path / "it" / "tables.toml").write_text(shipped.replace('products = "prodotti"', 'products = "gruppi"')
                                                 .replace('yoy_pct = "var_pct"', 'yoy_pct = "variazione_pct"'),
                                                 encoding="utf-8")
    tables = edition_tables(lombardy, "it", Templates(tmp_path))
    assert "gruppi" in tables and "prodotti" not in tables and "variazione_pct" in tables["gruppi"].columns
    (tmp_path / "it" / "tables.toml").write_text(shipped.replace('share_pct = "quota_pct"\n', ""), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"it/tables.toml: \[columns.ranked\] must name the columns share_pct"):
        edition_tables(lombardy, "it", Templates(tmp_path))


def test_table_templates_have_the_same_keys_in_both_languages():
    italian, english = (tomllib.loads((SHIPPED_TEMPLATES / lang / "tables.toml").read_text(encoding="utf-8"))
                        for lang in ("it", "en"))
    assert set(italian) == set(english) == {"sheets", "columns"}
    assert set(italian["sheets"]) == set(english["sheets"])
    assert {k: set(v) for k, v in italian["columns"].items()} == {k: set(v) for k, v in english["columns"].items()}
