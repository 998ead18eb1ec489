"""The web edition and the archive's pages in a real browser: Debian's Chromium, headless, driven
through chromedriver by Selenium, the pages served over HTTP from the archive folder as a web
server would serve them. axe-core (npm, installed into tests/.node by scripts/install-test-tools)
checks WCAG 2.1 A and AA.

One archive is made for the whole module, as the publishing job makes it: the Italian edition
published (to the outbox) and then revised by an ISTAT correction (r2), and the English edition.
"""
from __future__ import annotations

import email
import email.policy
import functools
import gzip
import http.server
import json
import os
import shutil
import threading
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from bulletin.cli import main
from bulletin.templates import Templates
from bulletin.text import formatting as fmt
from bulletin.text.names import Names
from bulletin.text.typography import typographic
from conftest import REPO, SAMPLE_DATA

AXE = REPO / "tests" / ".node" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DOWNLOAD_URL = "https://bollettini.example.org/archivio"
ATOM = "{http://www.w3.org/2005/Atom}"


def browser_programs() -> tuple[str, str]:
    """Chromium and chromedriver. Missing in CI, the tests fail; on a developer's machine
    without them, they are skipped saying how to install them."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if chromium and driver and AXE.is_file():
        return chromium, driver
    missing = ", ".join(name for name, found in (("chromium", chromium), ("chromedriver", driver),
                                                  ("axe-core in tests/.node", AXE.is_file())) if not found)
    if os.environ.get("CI") or chromium:
        pytest.fail(f"the browser tests need {missing}: run scripts/install-test-tools")
    pytest.skip(f"{missing} not installed (run scripts/install-test-tools); CI runs these tests")


def revise_milano_exports(data: Path) -> None:
    """An ISTAT correction: one Milano export value of 2017Q1 changes, with the region's and Italy's."""
    path = data / "trade" / "2017Q1.csv.gz"
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    for index, line in enumerate(lines):
        period, flow, territory, product, partner, value = line.split(",")
        if (flow, product, partner) == ("export", "21.2", "US") and territory in ("IT", "ITC4", "ITC4C"):
            lines[index] = ",".join([period, flow, territory, product, partner, str(int(int(value) * 1.01))])
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """output/ after: publish (it-r1, mailed to the outbox), an ISTAT correction, publish again
    (it-r2), build --lang en (en-r1)."""
    folder = tmp_path_factory.mktemp("site")
    shutil.copytree(SAMPLE_DATA, folder / "data", ignore=shutil.ignore_patterns(".cache"))
    (folder / "bulletin.toml").write_text(f"""
[paths]
data = "data"
output = "output"

[mail]
sender = "Ufficio Studi <studi@example.org>"
recipients = ["a@example.org"]
download_url = "{DOWNLOAD_URL}/"
""", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        patch.setenv("SOURCE_DATE_EPOCH", "1490000000")
        assert main(["publish"]) == 0
        revise_milano_exports(folder / "data")
        assert main(["publish"]) == 0
        assert main(["build", "--lang", "en"]) == 0
    return folder / "output"


@pytest.fixture(scope="module")
def server(archive):
    """The archive served over HTTP on 127.0.0.1, as any static web server would serve it."""
    handler = functools.partial(QuietHandler, directory=str(archive))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module."""
    chromium, driver_path = browser_programs()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--hide-scrollbars", "--window-size=1280,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


PAGES = ["2017Q1/ITC4/it-r2/index.html", "2017Q1/ITC4/en-r1/index.html", "index.html"]


def open_page(browser, url: str, width: int = 1280) -> None:
    browser.set_window_size(width, 900)
    browser.get(url)
    browser.execute_async_script("document.fonts.ready.then(() => arguments[arguments.length - 1]())")


@pytest.mark.parametrize("page", PAGES)
def test_pages_pass_axe_wcag21_a_and_aa(browser, server, page):
    open_page(browser, f"{server}/{page}")
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    result = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: "tag", values: arguments[0]}})
           .then(r => done({violations: r.violations.map(v => ({id: v.id, help: v.help,
                             nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))})),
                            passes: r.passes.length}))
           .catch(e => done({error: String(e)}));""", WCAG_21_AA)
    assert "error" not in result, result
    assert result["violations"] == [], json.dumps(result["violations"], indent=1, ensure_ascii=False)
    assert result["passes"] > 10  # the rules did run


@pytest.mark.parametrize("page", PAGES)
def test_no_sideways_scroll_at_360_px(browser, server, page):
    open_page(browser, f"{server}/{page}", width=360)
    width, inner = browser.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]")
    assert inner <= 360 and width <= inner, f"{page}: {width} px wide in a {inner} px window"


def page_tables(browser, url: str) -> dict:
    """The page's tiles and every table's cells, as the browser shows them."""
    open_page(browser, url)
    return browser.execute_script("""
        const cells = row => Array.from(row.cells).map(c => c.textContent.trim());
        const tables = {};
        for (const table of document.querySelectorAll("main table")) {
            tables[table.id] = {caption: table.caption.textContent,
                                rows: Array.from(table.tBodies[0].rows).map(cells)};
        }
        return {tiles: Array.from(document.querySelectorAll(".tile-value")).map(t => t.textContent.trim()),
                tables: tables};""")


@pytest.mark.parametrize("folder, lang", [("it-r2", "it"), ("en-r1", "en")])
def test_every_figure_of_the_page_is_the_one_in_indicators_json(browser, server, archive, folder, lang):
    shown = page_tables(browser, f"{server}/2017Q1/ITC4/{folder}/index.html")
    ind = json.loads((archive / "2017Q1" / "ITC4" / folder / "indicators.json").read_text(encoding="utf-8"))
    exports = ind["exports"]
    assert shown["tiles"] == [fmt.money(exports["value_eur"], lang, unit=False), fmt.pct(exports["yoy_pct"], lang),
                              fmt.share(exports["share_of_national_pct"], lang),
                              fmt.money(ind["trade_eur"], lang, unit=False),
                              fmt.money(ind["balance_eur"], lang, unit=False)]
    tables = shown["tables"]

    def ranked(items: list[dict], rows: list[list[str]], rank: bool, top: int | None = None) -> None:
        listed, others = (items, []) if top is None else (items[:top], items[top:])
        lines = [(i["name"][lang], i["value_eur"], i["previous_eur"], i["yoy_pct"], i["share_pct"]) for i in listed]
        if others:
            value, previous = sum(i["value_eur"] for i in others), sum(i["previous_eur"] for i in others)
            lines.append((None, value, previous, None, None))
        lines.append((None, exports["value_eur"], exports["previous_eur"], exports["yoy_pct"], 100.0))
        unit = fmt.table_unit([amount for line in lines for amount in line[1:3]])
        assert len(rows) == len(lines)
        for row, (name, value, previous, change, share) in zip(rows, lines):
            figures = row[2:] if rank else row[1:]
            assert figures[:3] == [fmt.in_unit(value, unit, lang), fmt.in_unit(previous, unit, lang),
                                   fmt.change(change, previous, lang)] or name is None and change is None
            if name is not None:
                assert row[1 if rank else 0] == typographic(name)
                assert figures[3] == (fmt.NIL if value == 0 else fmt.share(share, lang))

    ranked(ind["products"], tables["table-products"]["rows"], rank=False)
    ranked(ind["areas"], tables["table-areas"]["rows"], rank=False)
    partners = [d for d in ind["destinations"] if d["value_eur"] > 0 or d["previous_eur"] > 0]
    ranked(partners, tables["table-partners"]["rows"], rank=True, top=30)

    flows = tables["table-flows"]["rows"]
    unit = fmt.table_unit([ind["exports"]["value_eur"], ind["exports"]["previous_eur"], ind["imports"]["value_eur"],
                           ind["imports"]["previous_eur"], ind["trade_eur"], ind["trade_previous_eur"],
                           ind["balance_eur"], None, ind["national_exports"]["value_eur"],
                           ind["national_exports"]["previous_eur"]])
    assert flows[0][1:4] == [fmt.in_unit(exports["value_eur"], unit, lang), fmt.in_unit(exports["previous_eur"], unit, lang),
                             fmt.change(exports["yoy_pct"], exports["previous_eur"], lang)]
    assert flows[0][4] == fmt.points(exports["contribution_pp"], lang)
    assert flows[3][1:3] == [fmt.in_unit(ind["balance_eur"], unit, lang),
                             fmt.in_unit(exports["previous_eur"] - ind["imports"]["previous_eur"], unit, lang)]

    provinces = tables["table-provinces"]["rows"]
    unit = fmt.table_unit([exports["value_eur"], ind["imports"]["value_eur"], exports["previous_eur"],
                           ind["imports"]["previous_eur"]])
    templates = Templates(None)
    names = Names(templates, lang, templates.texts(f"{lang}/narrative.toml"))  # as the text names them
    for province, row in zip(ind["provinces"], provinces):
        assert row[:4] == [typographic(names.territory_name(province["code"])),
                           fmt.in_unit(province["exports_eur"], unit, lang),
                           fmt.pct(province["exports_yoy_pct"], lang), str(province["export_rank"])]


def test_charts_are_inline_svg_named_and_described_by_their_figures(browser, server, archive):
    open_page(browser, f"{server}/2017Q1/ITC4/it-r2/index.html")
    charts = browser.execute_script("""
        return Array.from(document.querySelectorAll("figure.chart svg")).map(svg => ({
            role: svg.getAttribute("role"),
            title: document.getElementById(svg.getAttribute("aria-labelledby")).textContent,
            desc: document.getElementById(svg.getAttribute("aria-describedby")).textContent,
            texts: svg.querySelectorAll("text").length,
            family: getComputedStyle(svg.querySelector("text")).fontFamily}));""")
    drawn = sorted(path.stem for path in (archive / "2017Q1" / "ITC4" / "it-r2" / "charts").glob("*.pdf"))
    assert len(charts) == len(drawn) == 7
    for chart in charts:
        assert chart["role"] == "img" and chart["title"] and len(chart["desc"]) > len(chart["title"])
        assert chart["texts"] > 5 and chart["family"].startswith('Brand')  # text kept as text, in the brand's font
    assert browser.execute_script("return document.fonts.check('12px Brand')")


def test_feed_index_and_mail_follow_every_edition_and_revision(browser, server, archive):
    feed = ElementTree.parse(archive / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    ids = sorted(entry.findtext(f"{ATOM}id") for entry in entries)
    assert ids == ["urn:bulletin:2017Q1:ITC4:en-r1", "urn:bulletin:2017Q1:ITC4:it-r1", "urn:bulletin:2017Q1:ITC4:it-r2"]
    for entry in entries:
        assert entry.findtext(f"{ATOM}title") and entry.findtext(f"{ATOM}updated")
        links = {link.get("type"): link.get("href") for link in entry.findall(f"{ATOM}link")}
        assert links["text/html"].startswith(DOWNLOAD_URL + "/2017Q1/ITC4/")  # absolute with download_url
        assert links["application/pdf"].endswith(".pdf")
    summary = next(e for e in entries if e.findtext(f"{ATOM}id").endswith("it-r2")).findtext(f"{ATOM}summary")
    revised = json.loads((archive / "2017Q1" / "ITC4" / "it-r2" / "indicators.json").read_text(encoding="utf-8"))
    assert fmt.money(revised["exports"]["value_eur"], "it") in summary

    open_page(browser, f"{server}/index.html")
    rows = browser.execute_script("""
        return Array.from(document.querySelectorAll("table.editions tbody tr")).map(tr => ({
            id: tr.id, revised: tr.classList.contains("revised"),
            replaces: Array.from(tr.querySelectorAll(".replaces a")).map(a => a.getAttribute("href")),
            links: Array.from(tr.querySelectorAll("a")).map(a => a.getAttribute("href"))}));""")
    assert [row["id"] for row in rows] == ["2017Q1-ITC4-it-r2", "2017Q1-ITC4-en-r1", "2017Q1-ITC4-it-r1"]
    assert rows[0]["revised"] and rows[0]["replaces"] == ["2017Q1/ITC4/it-r1/index.html"]
    assert not rows[2]["revised"]
    assert all(not link.startswith(("/", "http")) for row in rows for link in row["links"])  # relative only
    browser.find_element("css selector", ".replaces a").click()  # the link leads to the replaced edition
    assert browser.current_url == f"{server}/2017Q1/ITC4/it-r1/index.html"

    mail = next((archive / "outbox").glob("*.eml"))
    text = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default).get_body(("plain",)).get_content()
    assert f"{DOWNLOAD_URL}/2017Q1/ITC4/it-r1/index.html" in text
