"""The web edition's parts that need no browser: the sections, the charts' SVG, escaping, the archive pages."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

from bulletin.cli import main
from bulletin.document.sections import SECTIONS
from bulletin.templates import Templates
from bulletin.web.edition import WEB_SECTIONS
from bulletin.web.pages import WebPages
from bulletin.web.svg import inline_svg
from conftest import SMALL_SERVICES, write_data

DRAWING = """<?xml version="1.0" encoding="utf-8" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="481pt" height="198pt" viewBox="0 0 481 198" xmlns="http://www.w3.org/2000/svg">
 <defs><clipPath id="p8c1"><rect x="0" y="0" width="10" height="10"/></clipPath></defs>
 <g id="figure_1"><path clip-path="url(#p8c1)" d="M 0 0 L 1 1"/>
 <text style="font-size: 7.5px; font-family: 'BulletinBrand363fc68d0f63'; fill: #1f2328">2.000</text></g>
</svg>
"""


def test_the_page_has_the_sections_of_the_pdf_in_the_same_order():
    assert list(WEB_SECTIONS) == list(SECTIONS)


def test_a_chart_inline_has_its_own_ids_the_brand_font_and_an_accessible_name_and_description():
    svg = inline_svg(DRAWING, "trend", 'Export <in> "crescita"', "Due linee & un punto", "'Brand', sans-serif")
    assert svg.startswith("<svg") and "<?xml" not in svg and "DOCTYPE" not in svg
    assert set(re.findall(r'id="([^"]+)"', svg)) == {"chart-trend-title", "chart-trend-desc", "chart-trend-p8c1",
                                                     "chart-trend-figure_1"}
    assert 'clip-path="url(#chart-trend-p8c1)"' in svg
    assert "font-family: 'Brand', sans-serif" in svg and "BulletinBrand" not in svg
    assert 'width="481pt"' not in svg and 'viewBox="0 0 481 198"' in svg
    root = ElementTree.fromstring(svg)  # still well-formed, with the title escaped
    assert root.get("role") == "img" and root.get("aria-labelledby") == "chart-trend-title"
    assert root.find("{http://www.w3.org/2000/svg}title").text == 'Export <in> "crescita"'
    assert root.find("{http://www.w3.org/2000/svg}desc").text == "Due linee & un punto"


def test_names_from_the_data_are_escaped_in_the_web_edition(tmp_path, monkeypatch):
    """A provider named like markup prints literally: the template engine escapes it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1490000000")
    write_data(tmp_path / "data", services=SMALL_SERVICES.replace("Promos", "R&D <script>alert(1)</script>"))
    assert main(["build", "--data", "data", "--out", "output"]) == 0
    page = (tmp_path / "output" / "2017Q1" / "ITC4" / "it-r1" / "index.html").read_text(encoding="utf-8")
    assert "R&amp;D &lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert (tmp_path / "output" / "index.html").is_file() and (tmp_path / "output" / "assets" / "bulletin.css").is_file()
    feed = ElementTree.parse(tmp_path / "output" / "feed.xml").getroot()
    links = [link.get("href") for link in feed.iter("{http://www.w3.org/2005/Atom}link")]
    assert "2017Q1/ITC4/it-r1/index.html" in links  # relative without mail.download_url


def test_without_the_web_edition_the_pdf_is_the_same_and_no_page_is_linked(tmp_path, monkeypatch):
    """`edition.web = false`: no page, index or feed; the same PDF bytes; a mail that links no
    page even with a published archive."""
    import email
    import email.policy

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1490000000")
    write_data(tmp_path / "data")
    assert main(["build", "--data", "data", "--out", "with-web"]) == 0
    (tmp_path / "bulletin.toml").write_text('[edition]\nweb = false\n[mail]\nrecipients = ["a@example.org"]\n'
                                           'download_url = "https://example.org/bollettino/"\n', encoding="utf-8")
    assert main(["publish", "--data", "data", "--out", "print-only"]) == 0
    with_web, print_only = (tmp_path / "with-web" / "2017Q1" / "ITC4" / "it-r1",
                            tmp_path / "print-only" / "2017Q1" / "ITC4" / "it-r1")
    [pdf] = print_only.glob("*.pdf")
    assert pdf.read_bytes() == (with_web / pdf.name).read_bytes()
    assert "<svg" in (with_web / "index.html").read_text(encoding="utf-8")
    assert not (print_only / "index.html").exists()
    assert not (tmp_path / "print-only" / "index.html").exists() and not (tmp_path / "print-only" / "feed.xml").exists()
    [sent] = (tmp_path / "print-only" / "outbox").glob("*.eml")
    message = email.message_from_bytes(sent.read_bytes(), policy=email.policy.default)
    for part in ("plain", "html"):
        text = message.get_body(preferencelist=(part,)).get_content()
        assert "Lombardia" in text and "index.html" not in text


def test_web_words_have_the_same_keys_and_placeholders_in_both_languages():
    import tomllib

    from bulletin.templates import SHIPPED_TEMPLATES

    def placeholders(words: dict) -> dict:
        return {key: (set(re.findall(r"\{(\w+)", value)) if isinstance(value, str) else set(value))
                for key, value in words.items()}
    italian, english = (tomllib.loads((SHIPPED_TEMPLATES / lang / "web.toml").read_text(encoding="utf-8"))
                        for lang in ("it", "en"))
    assert placeholders(italian) == placeholders(english)


def test_the_web_templates_are_compiled_once_per_process_and_reread_when_changed(tmp_path):
    """Every edition of a many-editions build renders with the same compiled templates; a user's
    template edited while the scheduler runs is read again."""
    (tmp_path / "web").mkdir()
    page = tmp_path / "web" / "feed.xml"
    page.write_text("first {{ lang }}", encoding="utf-8")
    first, second = WebPages(Templates(tmp_path)), WebPages(Templates(tmp_path))
    assert first.environment is second.environment and first.render("feed.xml", None, {}) == "first None"
    page.write_text("second, longer {{ lang }}", encoding="utf-8")
    assert second.render("feed.xml", None, {}) == "second, longer None"
