"""Pages filled as a publication fills them: no page of an edition is more than half white unless
a section ends there, and the editions keep to their length (the Lombardy sample in 12 pages, the
national sample's Lombardy in 14).

Editions are built with the real command, from the shipped sample and from two quarters of the
national sample (a region of one province, a small region, Lombardy), and measured as a reader's
tool reads them: `pdftotext -bbox-layout` gives every text line with its box; the lowest line
between the running head and the footer says how far down the page is printed. A chart prints
no text of its own (its words are outlines), but a source line is printed under every chart or
under the table kept with it, so the measure does not stop short of a chart.
"""
from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from bulletin.cli import main
from conftest import SAMPLE_DATA, national_sample

MM = 72 / 25.4
HEAD, FOOT = 32 * MM, 26 * MM  # the content frame's top and bottom margins (bulletin/document/pages.py)
XHTML = "{http://www.w3.org/1999/xhtml}"
NATIONAL = [("ITC2", "it"), ("ITC4", "it")]  # Valle d'Aosta (one province), Lombardia


@dataclass(frozen=True)
class Page:
    number: int
    white: float      # the part of the frame's height below the lowest line of text
    first_line: str   # the first line under the running head


def measured_pages(pdf: Path) -> list[Page]:
    """Every page but the cover, as `pdftotext -bbox-layout` reads it."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", "-enc", "UTF-8", str(pdf), "-"], check=True,
                         capture_output=True, text=True).stdout
    root = ElementTree.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", xml))
    pages = []
    for number, page in enumerate(root.iter(f"{XHTML}page"), start=1):
        height = float(page.get("height"))
        bottom = height - FOOT
        lines = sorted((float(line.get("yMin")), float(line.get("yMax")),
                        " ".join(word.text or "" for word in line.iter(f"{XHTML}word")))
                       for line in page.iter(f"{XHTML}line"))
        body = [line for line in lines if line[0] >= HEAD - 2 and line[1] <= bottom + 2]
        lowest = max((line[1] for line in body), default=HEAD)
        if number > 1:
            pages.append(Page(number, (bottom - lowest) / (bottom - HEAD), body[0][2] if body else ""))
    return pages


@pytest.fixture(scope="module")
def editions(tmp_path_factory) -> dict[tuple[str, str, str], Path]:
    """The sample's Lombardy editions, and the national sample's of `NATIONAL`, by (data, code, lang)."""
    folder = tmp_path_factory.mktemp("fill")
    national = folder / "national"
    national_sample(national, ("2016Q1", "2017Q1"))
    built = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1498000000")
        patch.chdir(folder)
        for data, name, jobs in ((SAMPLE_DATA, "sample", [("ITC4", "it"), ("ITC4", "en")]),
                                 (national, "national", NATIONAL)):
            for code, lang in jobs:
                out = folder / f"out-{name}"
                assert main(["build", "--data", str(data), "--out", str(out), "--quarter", "2017Q1",
                             "--territory", code, "--lang", lang]) == 0
                [built[name, code, lang]] = (out / "2017Q1" / code / f"{lang}-r1").glob("*.pdf")
    return built


def test_no_page_is_more_than_half_white_unless_a_section_ends_there(editions):
    """A page more than half white is the last, or the page before one that starts a section
    (its first line is a heading of the outline)."""
    for key, pdf in editions.items():
        headings = {item.title for item in PdfReader(pdf).outline}
        pages = measured_pages(pdf)
        for page, following in zip(pages, pages[1:]):
            assert page.white <= 0.5 or following.first_line in headings, (key, page)


def test_the_editions_keep_to_their_length(editions):
    """At most 12 pages for the sample's Lombardy in both languages, 14 for the national sample's;
    a region of one province takes fewer."""
    pages = {key: len(PdfReader(pdf).pages) for key, pdf in editions.items()}
    assert pages["sample", "ITC4", "it"] <= 12 and pages["sample", "ITC4", "en"] <= 12
    assert pages["national", "ITC2", "it"] < pages["national", "ITC4", "it"] <= 14, pages
