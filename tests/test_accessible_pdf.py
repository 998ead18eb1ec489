"""The accessible PDF: the Italian and English Lombardy editions and a province edition, read back.

Checked by an independent validator (`page`, PyPI `page-validation`) against PDF/A-2a, PDF/UA-1
and PDF/A-2b, and by reading the structure tree with pikepdf: headings as in the contents, tables
with header cells and their scope, figures with an alternative text written from the figures,
every marked-content sequence of every page in the parent tree, links inside Link elements.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import page
import pikepdf
import pytest

from bulletin.text import formatting as fmt
from conftest import SAMPLE_DATA

EDITIONS = [("ITC4", "it"), ("ITC4", "en"), ("ITC4C", "it")]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[tuple[str, str], Path]:
    out = tmp_path_factory.mktemp("accessible")
    pdfs = {}
    for territory, lang in EDITIONS:
        subprocess.run([sys.executable, "-m", "bulletin.cli", "build", "--data", str(SAMPLE_DATA), "--out", str(out),
                        "--quarter", "2017Q1", "--territory", territory, "--lang", lang],
                       check=True, capture_output=True, text=True, timeout=300)
        pdfs[territory, lang] = next((out / "2017Q1" / territory).glob(f"{lang}-r1/*.pdf"))
    return pdfs


@pytest.fixture(scope="module", params=EDITIONS, ids=lambda e: "-".join(e))
def pdf(request, built) -> Path:
    return built[request.param]


def _failed(path: Path, profile: str) -> set[str]:
    return {failure.rule_id for failure in page.validate_pdf(str(path), profile=profile).failures}


def test_the_validator_finds_nothing_against_pdf_ua_1_and_pdf_a_2a(pdf):
    assert _failed(pdf, "ua1") == set()
    assert _failed(pdf, "2a") == set()


def test_against_pdf_a_2b_only_the_declared_level_differs(pdf):
    """A tagged file declares the level it meets, A (ISO 19005-2, 6.6.4); the validator's 2b
    profile asks the letter B, and finds nothing else."""
    assert _failed(pdf, "2b") == {"PDFA2B-ID-CONFORMANCE-001"}
    with pikepdf.open(pdf) as opened, opened.open_metadata() as meta:
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("2", "A")
        assert "pdfuaid" in str(opened.Root.Metadata.read_bytes())


def _elements(element: pikepdf.Object):
    yield element
    for kid in element.get("/K", ()):
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
            yield from _elements(kid)


def _page_of(element: pikepdf.Object, pages: list) -> int:
    for kid in element.K:
        if kid.get("/Type") == "/MCR":
            return [p.objgen for p in pages].index(kid.Pg.objgen)
    raise AssertionError(f"{element.S} marks no content")


def test_headings_are_the_contents_entries_on_their_pages(pdf):
    with pikepdf.open(pdf) as opened:
        pages = [p.obj for p in opened.pages]
        document = opened.Root.StructTreeRoot.K
        assert document.S == "/Document" and opened.Root.MarkInfo.Marked is True
        elements = list(_elements(document))
        roles = [str(e.S) for e in elements]
        assert roles.count("/H1") == 1 and roles.index("/H1") < roles.index("/H2")  # the title, then the sections
        entries = [e for e in elements if e.S == "/TOCI"]
        links = [kid for entry in entries for element in _elements(entry) if element.S == "/Link"
                 for kid in element.K if kid.get("/Type") == "/OBJR"]
        assert len(links) == len(entries) > 4
        titles = [str(link.Obj.Contents) for link in links]
        outline = [(str(item.title), item.destination) for item in opened.open_outline().root]
        assert titles == [title for title, _ in outline]
        sections = [e for e in elements if e.S == "/H2"][1:]  # the first is the contents' own heading
        assert len(sections) == len(entries)
        section_pages = [_page_of(h, pages) for h in sections]
        assert section_pages == sorted(section_pages)
        printed = subprocess.run(["pdftotext", "-layout", "-f", "2", "-l", "2", str(pdf), "-"], check=True,
                                 capture_output=True, text=True).stdout
        for title, page_index in zip(titles, section_pages):
            line = next(line for line in printed.splitlines() if line.strip().startswith(title[:25]))
            assert line.split()[-1] == str(page_index + 1), (title, line)


def test_every_table_has_header_cells_with_a_scope_and_a_caption(pdf):
    """One Table element a printed table, also of a table split over two pages (the Italian
    Lombardy edition's Tavola 2)."""
    printed = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    starts = [n for n, text in enumerate(printed.split("\f")) for _ in re.findall(r"\b(?:Tavola|Table) A?\d+ –", text)]
    with pikepdf.open(pdf) as opened:
        tables = [e for e in _elements(opened.Root.StructTreeRoot.K) if e.S == "/Table"]
        pages = [p.obj for p in opened.pages]
        assert [_page_of(table.K[0], pages) for table in tables] == starts  # each from its first page
        assert len(tables) >= 3
        for table in tables:
            parts = [str(kid.S) for kid in table.K]
            assert parts[0] == "/Caption" and parts[1] == "/THead" and "/TBody" in parts
            head = [cell for row in table.K[1].K for cell in row.K]
            assert head and all(cell.S == "/TH" and cell.A.Scope == "/Column" for cell in head)
            for group in table.K[2:]:
                for row in group.K:
                    cells = list(row.K)
                    assert len(cells) == len(head)
                    assert cells[0].S == "/TH" and cells[0].A.Scope == "/Row"
                    assert all(cell.S == "/TD" for cell in cells[1:])


def test_every_figure_says_in_words_what_its_chart_shows(built):
    with pikepdf.open(built["ITC4", "it"]) as opened:
        figures = [e for e in _elements(opened.Root.StructTreeRoot.K) if e.S == "/Figure"]
        alts = [str(f.Alt) for f in figures]
    assert len(alts) == 8 and all(len(alt) > 20 for alt in alts)  # the logo and seven charts
    products = next(alt for alt in alts if "gruppo di prodotto" in alt and alt.startswith("Al primo posto"))
    assert "Grafico a barre" in products
    # The first product's value and change as the chart prints them, largest first.
    first = re.search(r"più basso: ([^;]+);", products).group(1)
    assert first.startswith("Medicinali e preparati farmaceutici") and fmt.pct(49.5, "it") in first
    trend = next(alt for alt in alts if alt.startswith("Export in crescita"))
    assert "Grafico a linee" in trend and "massimo" in trend and "minimo" in trend
    with pikepdf.open(built["ITC4", "en"]) as opened:
        english = [str(e.Alt) for e in _elements(opened.Root.StructTreeRoot.K) if e.S == "/Figure"]
    assert any(alt.startswith("Bar chart") or "Bar chart:" in alt for alt in english)


def test_every_marked_sequence_of_every_page_is_in_the_parent_tree(pdf):
    with pikepdf.open(pdf) as opened:
        tree = opened.Root.StructTreeRoot.ParentTree.Nums
        parents = {int(tree[i]): tree[i + 1] for i in range(0, len(tree), 2)}
        for index, page_object in enumerate(opened.pages):
            content = page_object.obj.Contents.read_bytes() if isinstance(page_object.obj.Contents, pikepdf.Stream) \
                else b"".join(part.read_bytes() for part in page_object.obj.Contents)
            mcids = [int(m) for m in re.findall(rb"<</MCID (\d+)>> BDC", content)]
            assert mcids == list(range(len(mcids)))
            assert len(parents[int(page_object.obj.StructParents)]) == len(mcids)
            # All that is drawn is either tagged or an artifact: as many begins as ends.
            assert content.count(b" BDC") + content.count(b"BMC") == len(re.findall(rb"\bEMC\b", content))
            if "/Annots" in page_object.obj:
                assert page_object.obj.Tabs == "/S"
                for annotation in page_object.obj.Annots:
                    assert str(annotation.Contents) and parents[int(annotation.StructParent)].S == "/Link"
