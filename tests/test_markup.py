"""The editor's Markdown: each construct, hostile input printed literally, and the shipped texts."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph

from bulletin.templates import SHIPPED_TEMPLATES, Templates
from bulletin.text.markup import Block, applicable, inline, markdown_blocks

STYLE = getSampleStyleSheet()["Normal"]


def renders(markup: str) -> None:
    Paragraph(markup, STYLE).wrap(300, 5000)


def visible(markup: str) -> str:
    """The text a reader sees: tags dropped, entities decoded."""
    text = re.sub(r"</?[bi]>", "", markup)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def test_paragraphs_join_lines_and_split_on_blank_lines():
    assert markdown_blocks("Prima riga\nseconda riga.\n\n\nAltro paragrafo.\n") == [
        Block("paragraph", "Prima riga seconda riga."), Block("paragraph", "Altro paragrafo.")]


def test_headings():
    assert markdown_blocks("## Il trimestre\ntesto") == [Block("heading", "Il trimestre"), Block("paragraph", "testo")]
    assert markdown_blocks("# Uno\n### Tre ###") == [Block("heading", "Uno"), Block("heading", "Tre")]
    assert markdown_blocks("#hashtag")[0] == Block("paragraph", "#hashtag")
    assert markdown_blocks("##") == []


def test_bullets_numbers_and_continuation_lines():
    text = "Introduzione:\n- primo\n* secondo\n  che continua\n1. uno\n2) due\n\nFine."
    assert markdown_blocks(text) == [
        Block("paragraph", "Introduzione:"), Block("bullet", "primo"), Block("bullet", "secondo che continua"),
        Block("number", "uno"), Block("number", "due"), Block("paragraph", "Fine.")]


def test_separator_lines_end_a_block_and_print_nothing():
    assert markdown_blocks("a\n---\nb\n\n* * *") == [Block("paragraph", "a"), Block("paragraph", "b")]


@pytest.mark.parametrize("source, markup", [
    ("**grassetto**", "<b>grassetto</b>"),
    ("*corsivo* e _corsivo_", "<i>corsivo</i> e <i>corsivo</i>"),
    ("***entrambi***", "<i><b>entrambi</b></i>"),
    ("*fuori **dentro** fuori*", "<i>fuori <b>dentro</b> fuori</i>"),
    ("__sottolineato__", "<b>sottolineato</b>"),
    ("un ** solo", "un ** solo"),
    ("**non chiuso", "**non chiuso"),
    ("chiuso** e basta", "chiuso** e basta"),
    ("**a*", "*<i>a</i>"),
    ("5 * 3 = 15", "5 * 3 = 15"),
    ("nome_di_file.csv", "nome_di_file.csv"),
    (r"\*letterale\*", "*letterale*"),
])
def test_emphasis(source, markup):
    assert inline(source) == markup
    renders(markup)


@pytest.mark.parametrize("source, markup", [
    ("<font size=40>grande</font>", "&lt;font size=40&gt;grande&lt;/font&gt;"),
    ('<a href="x">link</a>', '&lt;a href="x"&gt;link&lt;/a&gt;'),
    ("&amp; e &", "&amp;amp; e &amp;"),
    ("**<b>x</b>**", "<b>&lt;b&gt;x&lt;/b&gt;</b>"),
    ("R&D <Lab> *ok*", "R&amp;D &lt;Lab&gt; <i>ok</i>"),
    ("<br/> </para> <img src='x'/>", "&lt;br/&gt; &lt;/para&gt; &lt;img src='x'/&gt;"),
])
def test_hostile_input_prints_literally(source, markup):
    assert inline(source) == markup
    renders(markup)
    assert visible(markup) == source.replace("*", "")


def test_long_words_are_left_alone():
    word = "x" * 500
    [block] = markdown_blocks(word)
    assert block.markup == word


def test_windows_line_endings_and_byte_order_mark():
    assert markdown_blocks("\ufeff## Titolo\r\n\r\n- voce\r\n") == [Block("heading", "Titolo"), Block("bullet", "voce")]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab *_#-<>&\\\n1.")), max_size=60))
def test_any_input_gives_valid_markup(text):
    for block in markdown_blocks(text):
        assert block.kind in ("heading", "paragraph", "bullet", "number")
        renders(block.markup)
        assert "<" not in re.sub(r"</?[bi]>", "", block.markup)


# --- the shipped texts rendered with markdown_blocks ----------------------------------------------

@pytest.mark.parametrize("lang", ["it", "en"])
def test_services_text_has_two_headed_parts_of_two_paragraphs(lang):
    blocks = markdown_blocks((SHIPPED_TEMPLATES / lang / "services.md").read_text(encoding="utf-8"))
    assert [b.kind for b in blocks] == ["heading", "paragraph", "paragraph"] * 2
    assert "Innovhub SSI" in blocks[0].markup and "Promos" in blocks[3].markup
    text = " ".join(b.markup for b in blocks)
    assert "2011" in text
    for block in blocks:
        renders(block.markup)


@pytest.mark.parametrize("lang, words", [
    ("it", ["139_176", "Coeweb", "FOB", "CIF", "province diverse e non specificate", "n.d.", "UE27", "PMI",
            "CPA 2008", "30.3"]),
    ("en", ["139_176", "Coeweb", "FOB", "CIF", "other and unspecified provinces", "n.a.", "EU27", "SME",
            "CPA 2008", "30.3"]),
])
def test_methodology_is_complete_and_concise(lang, words):
    source = (SHIPPED_TEMPLATES / lang / "methodology.md").read_text(encoding="utf-8")
    blocks = markdown_blocks(applicable(source, {"provinces", "services", "year_to_date"}))
    text = " ".join(visible(b.markup) for b in blocks)
    for word in words:
        assert word in text, word
    assert 300 <= len(text.split()) <= 500
    assert sum(b.kind == "heading" for b in blocks) == 4
    for block in blocks:
        renders(block.markup)


def test_a_passage_marked_only_for_some_editions_is_kept_where_it_applies():
    text = ("## Note\n\nSempre.\n\n<!-- only: provinces -->\nLe province\nnon sommano.\n\n"
            "<!-- only: year_to_date, services -->\nDa inizio anno.\n\n- **CIF**: costo\n"
            "<!-- only: services -->\n- **PMI**: piccole\n  e medie imprese\n- **UE27**: Unione\n")
    def printed(facts):
        return [block.markup for block in markdown_blocks(applicable(text, facts))]
    assert printed({"provinces", "year_to_date", "services"}) == [
        "Note", "Sempre.", "Le province non sommano.", "Da inizio anno.", "<b>CIF</b>: costo",
        "<b>PMI</b>: piccole e medie imprese", "<b>UE27</b>: Unione"]
    assert printed({"year_to_date"}) == ["Note", "Sempre.", "<b>CIF</b>: costo", "<b>UE27</b>: Unione"]
    assert "only" not in applicable(text, set())


def test_the_shipped_methodology_explains_only_what_the_edition_has(sample):
    """The sample's first-quarter Lombardy edition: provinces and services, no year-to-date figures."""
    indicators = sample[1]
    for lang, year_to_date, provinces, sme in (("it", "da inizio anno", "province diverse", "PMI"),
                                               ("en", "Year-to-date", "unspecified provinces", "SME")):
        text = applicable(Templates(None).read(f"{lang}/methodology.md"), indicators.facts)
        assert year_to_date not in text and provinces in text and sme in text
        assert indicators.facts == {"provinces", "services"}
