"""Sections that fit the territory, from the national sample: the agencies' services only in the
editions configured for them, with the agencies as their source; no provinces section for a region
of one or two provinces (their figures in the text instead); the rank among Italy's regions and
the contribution to Italy's change, equal to a plain recomputation from the rows; the colophon."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import openpyxl
import pandas as pd
import pytest

from bulletin import reference
from bulletin.brand import load_brand
from bulletin.charts import chart_specs
from bulletin.cli import main
from bulletin.config import EditionConfig, load_config
from bulletin.data.trade import load_dataset
from bulletin.document import SECTIONS, DocumentInputs, Masthead, SectionContext
from bulletin.document.styles import Styles, register_fonts
from bulletin.errors import ConfigError
from bulletin.indicators.consistency import derive_headline
from bulletin.pipeline import edition_content
from bulletin.release import quarter_end, release_dates
from bulletin.templates import SHIPPED_TEMPLATES, Templates
from bulletin.text import formatting as fmt
from bulletin.text import grammar
from bulletin.text.markup import markdown_blocks
from bulletin.text.narrative import write_narrative
from conftest import national_sample

QUARTER, PREVIOUS = "2017Q1", "2016Q1"
TEMPLATES = Templates(None)
PROVINCE_EDITIONS = ["ITC4C", "ITC34", "ITF11", "ITC20"]  # Milano, La Spezia, L'Aquila, Aosta


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    """The national sample's 2016Q1 and 2017Q1 (every region and province), its configuration
    with the defaults, and the rows read back."""
    folder = tmp_path_factory.mktemp("national")
    national_sample(folder / "data", (PREVIOUS, QUARTER))
    config = load_config(None, env={}, overrides={"paths.data": folder / "data", "paths.output": folder / "output"},
                         cwd=folder)
    return folder, config, load_dataset(folder / "data")


@pytest.fixture(scope="module")
def editions(national):
    """Every region's and some provinces' Italian content, as the pipeline computes it."""
    _, config, dataset = national
    return {code: edition_content(config, dataset, QUARTER, code, "it").indicators
            for code in reference.regions() + PROVINCE_EDITIONS}


COUNT_WORDS = {2: "due", 3: "tre", 4: "quattro", 5: "cinque", 6: "sei", 7: "sette", 8: "otto", 9: "nove", 10: "dieci"}
ORDINAL_WORDS = {2: "secondo", 3: "terzo", 4: "quarto", 5: "quinto", 6: "sesto", 7: "settimo", 8: "ottavo",
                 9: "nono", 10: "decimo"}


def place(rank: int, count: int) -> str:
    """A rank as the text says it: "al primo", "all'ultimo", "al quinto", "all'ottavo", "all'11°"."""
    if rank in (1, count):
        return "al primo" if rank == 1 else "all'ultimo"
    said = ORDINAL_WORDS.get(rank, f"{rank}°")
    return f"all'{said}" if said[0] in "o8" or rank == 11 else f"al {said}"


def printed_sections(indicators, lang: str = "it") -> list[str]:
    """The keys of the sections an edition prints (each section's flowables, without laying out)."""
    inputs = DocumentInputs(
        indicators=indicators, narrative=write_narrative(indicators, lang, TEMPLATES), charts={},
        labels=TEMPLATES.texts(f"{lang}/labels.toml"), brand=load_brand(SHIPPED_TEMPLATES / "brand"),
        edition=Masthead(QUARTER, indicators.territory["code"], lang, 17, dt.date(2017, 6, 14)), notes=None,
        services_text=markdown_blocks(TEMPLATES.read(f"{lang}/services.md")),
        methodology=markdown_blocks(TEMPLATES.read(f"{lang}/methodology.md")))
    brand = inputs.brand
    ctx = SectionContext(inputs, Styles(brand, register_fonts(brand)))
    return [key for key, build in SECTIONS.items() if build(ctx)]


def test_services_only_where_configured_and_provinces_only_for_three_or_more(editions):
    for code, indicators in editions.items():
        place = reference.TERRITORIES[code]
        sections = printed_sections(indicators)
        charts = {spec.name for spec in chart_specs(indicators, "it", TEMPLATES)}
        assert ("services" in sections) == (code == "ITC4") == ("services" in charts), code
        assert indicators.reports_services == (code == "ITC4") and (indicators.services != []) == (code == "ITC4")
        compared = place.level == "region" and len(reference.provinces_of(code)) >= 3
        assert ("provinces" in sections) == compared == ("provinces" in charts) == ("heatmap" in charts), code
        narrative = write_narrative(indicators, "it", TEMPLATES)
        if place.level == "region" and not compared:  # Valle d'Aosta, Bolzano, Trento, Molise, Basilicata
            assert narrative.provinces == []
            summary = " ".join(narrative.summary)
            assert "Tra le province" not in summary, code
            brief = narrative.exports[-1]
            if len(indicators.provinces) > 1:  # each province's exports and share, in the text
                for province in indicators.provinces:
                    assert fmt.share(province.share_of_region_pct, "it") in brief, (code, brief)
            else:  # one province (an autonomous province is no region): only what no province has is told
                [only] = indicators.provinces
                rest = indicators.exports.value_eur - only.exports_eur
                assert "regional" not in brief and fmt.share(only.share_of_region_pct, "it") not in brief, brief
                share = fmt.share(rest / indicators.exports.value_eur * 100, "it")
                article = grammar.figure_article(share, "it")
                assert brief == (f"L'ISTAT non attribuisce ad alcuna provincia {article}{'' if article.endswith(chr(39)) else ' '}"
                                 f"{share} dell'export ({fmt.money(rest, 'it')}), classificato come "
                                 "“province diverse e non specificate”."), brief


def plain_region_exports(trade: pd.DataFrame, period: str) -> pd.Series:
    rows = trade[(trade["period"].astype(str) == period) & (trade["flow"].astype(str) == "export")]
    sums = rows.groupby(rows["territory"].astype(str))["value_eur"].sum()
    return sums[sums.index.isin(reference.regions())]


def test_ranks_and_contribution_equal_a_plain_recomputation_and_are_printed(national, editions):
    _, _, dataset = national
    trade = dataset.trade
    now, before = plain_region_exports(trade, QUARTER), plain_region_exports(trade, PREVIOUS)
    national_before = float(trade[(trade["territory"].astype(str) == "IT") & (trade["period"].astype(str) == PREVIOUS)
                                  & (trade["flow"].astype(str) == "export")]["value_eur"].sum())
    order = sorted(now.index, key=lambda code: (-now[code], code))
    for code in reference.regions():
        indicators = editions[code]
        assert indicators.region_rank.export_rank == order.index(code) + 1 and indicators.region_rank.regions == 21
        expected = (now[code] - before[code]) / national_before * 100
        assert indicators.exports.contribution_pp == pytest.approx(expected, rel=1e-9)
        headline = derive_headline(trade, QUARTER, code)  # the check before sending agrees
        assert headline.region_rank == order.index(code) + 1
        assert headline.contribution_pp == pytest.approx(expected, rel=1e-9)
        summary = " ".join(write_narrative(indicators, "it", TEMPLATES).summary)
        assert f"{place(order.index(code) + 1, 21)} posto tra le 21 regioni" in summary, summary
        if round(expected, 1) == 0:  # too small to print: said as such, never "+0,0 punti"
            assert "è pressoché nullo (inferiore a 0,05 punti percentuali in valore assoluto)" in summary
        else:
            assert f"è di {fmt.points(expected, 'it')} punti percentuali" in summary
    # The regions' contributions add up to Italy's change, less what no region is given.
    assert sum(editions[code].exports.contribution_pp for code in reference.regions()) <= \
        editions["ITC4"].national_exports.yoy_pct + 1e-9
    for code in PROVINCE_EDITIONS:  # a province: its rank among its region's provinces, and its region's in Italy
        indicators = editions[code]
        region = reference.TERRITORIES[code].parent
        siblings = trade[(trade["period"].astype(str) == QUARTER) & (trade["flow"].astype(str) == "export")
                         & trade["territory"].astype(str).isin(reference.provinces_of(region))]
        values = siblings.groupby(siblings["territory"].astype(str))["value_eur"].sum()
        ranking = sorted(reference.provinces_of(region), key=lambda c: (-values.get(c, 0.0), c))
        assert indicators.region.export_rank == ranking.index(code) + 1
        assert indicators.region_rank.code == region and indicators.region_rank.export_rank == order.index(region) + 1
        summary = " ".join(write_narrative(indicators, "it", TEMPLATES).summary)
        if len(ranking) > 1:
            assert f"{place(ranking.index(code) + 1, len(ranking))} posto tra le {COUNT_WORDS.get(len(ranking), len(ranking))} province" in summary, summary


def test_the_pdf_carries_the_colophon_and_fits_the_territory(national, monkeypatch):
    folder, _, _ = national
    (folder / "bulletin.toml").write_text(
        '[paths]\ndata = "data"\noutput = "output"\n'
        '[edition]\nrelease_calendar = ["2017-06-14", "2017-09-13", "2017-12-12"]\n', encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1498000000")  # 2017-06-20
    monkeypatch.chdir(folder)
    texts, pdfs = {}, {}
    for code, lang in (("ITC2", "it"), ("ITC4", "en")):
        assert main(["build", "--territory", code, "--lang", lang]) == 0
        [pdfs[code]] = (folder / "output" / QUARTER / code / f"{lang}-r1").glob("*.pdf")
        texts[code] = subprocess.run(["pdftotext", "-layout", str(pdfs[code]), "-"], check=True, capture_output=True,
                                     text=True).stdout
    aosta, lombardy = texts["ITC2"], texts["ITC4"]
    # Data files written now are dated at the latest the build's (SOURCE_DATE_EPOCH) day.
    for line in ("Data di pubblicazione: 14 giugno 2017", "Data di acquisizione dei dati: 20 giugno 2017",
                 "Prossima edizione (II trimestre 2017): 13 settembre 2017",
                 "licenza CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"):
        assert line in aosta, line
    for line in ("Published: 14 June 2017", "Next edition (Q2 2017): 13 September 2017",
                 "Enquiries: Maria Rossi, Research and Statistics Office",
                 "CC BY 4.0 licence"):
        assert line in lombardy, line
    # The brand's contact answers for Lombardy only (brand.toml, contact_territories): another
    # region's edition names its publisher, not the Lombard office's people and numbers.
    assert "Pubblicato da: Osservatorio Economia Lombarda, Ufficio Studi e Statistica" in aosta
    assert "Maria Rossi" not in aosta and "studi@example.org" not in aosta
    assert "studi@example.org" in lombardy and "Published by" not in lombardy
    # Valle d'Aosta as the text names it, kept whole, on the cover, in the running heads and the
    # file name; every table's title says whose figures they are.
    pages = aosta.split("\f")
    assert re.search(r"^\s*della Valle d’Aosta\s*$", pages[0], re.MULTILINE), pages[0]
    assert all(page.lstrip().startswith("Export hi-tech della Valle d’Aosta") for page in pages[1:-1])
    assert "Vallée" not in aosta and pdfs["ITC2"].name == "bollettino-hitech-valle-d-aosta-2017Q1.pdf"
    # The title a viewer shows in its window, as the pages print it: a typographic apostrophe, plain spaces.
    info = subprocess.run(["pdfinfo", str(pdfs["ITC2"])], check=True, capture_output=True, text=True).stdout
    assert re.search(r"^Title:\s+Export hi-tech della Valle d’Aosta – I trimestre 2017$", info, re.MULTILINE), info
    # Its subject and keywords too name it as the text does, not by its bilingual name.
    assert re.search(r"^Subject:.*: Valle d’Aosta$", info, re.MULTILINE) and "Vallée" not in info, info
    for text, whose in ((aosta, ("della Valle d’Aosta",)), (lombardy, ("Lombardy’s", "of Lombardy and Italy"))):
        captions = re.findall(r"^\s*(?:Tavola|Table) \d+ (?:\(\w+\) )?– .*\n.*", text, re.MULTILINE)
        assert len(captions) >= 4
        assert all(any(form in " ".join(caption.split()) for form in whose) for caption in captions
                   if "aziende speciali" not in caption and "special agencies" not in caption), captions
    # The workbook has the provinces where the PDF has their section, not for a one-province region.
    sheets = {code: openpyxl.load_workbook(pdf.parent / "tables.xlsx", read_only=True).sheetnames
              for code, pdf in pdfs.items()}
    assert "province" not in sheets["ITC2"] and "provinces" in sheets["ITC4"], sheets
    assert "Servizi per l" not in aosta and "Innovhub" not in aosta and "Promos" not in aosta
    assert not re.search(r"^\s*Province\s+\d+\s*$", aosta, re.MULTILINE) and "Tra le province" not in aosta
    assert "Services for innovation" in lombardy and "Source: Innovhub SSI, Promos" in lombardy
    assert re.search(r"^\s*Provinces\s+\d+\s*$", lombardy, re.MULTILINE)


def test_release_dates_follow_the_calendar_else_the_build_and_the_rough_rule(tmp_path):
    data = tmp_path / "trade.csv"
    data.write_text("x", encoding="utf-8")
    built = dt.datetime(2017, 7, 1, 9, tzinfo=dt.timezone.utc)
    calendar = EditionConfig(release_calendar=("2017-09-13", "2017-06-14"))
    dates = release_dates(calendar, QUARTER, 1, built, [data])
    assert (dates.released, dates.next_quarter, dates.next_release, dates.next_release_planned) == \
        (dt.date(2017, 6, 14), "2017Q2", dt.date(2017, 9, 13), True)
    assert dates.data_acquired == dt.date(2017, 7, 1)  # the file is newer than the build: the build's day
    assert release_dates(calendar, QUARTER, 2, built, [data]).released == dt.date(2017, 7, 1)  # a revision
    plain = release_dates(EditionConfig(), QUARTER, 1, built, [data])
    assert plain.released == dt.date(2017, 7, 1) and not plain.next_release_planned
    assert plain.next_release == quarter_end("2017Q2") + dt.timedelta(days=70) == dt.date(2017, 9, 8)
    # A back issue, built years later: no "next release" already past.
    late = release_dates(EditionConfig(), QUARTER, 1, dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc), [data])
    assert late.released == dt.date(2026, 12, 1) and late.next_release is None
    assert quarter_end("2016Q4") == dt.date(2016, 12, 31)


def test_the_new_options_are_checked(tmp_path):
    (tmp_path / "bulletin.toml").write_text(
        '[edition]\nrelease_calendar = ["2017-13-01"]\nrelease_lag_days = 0\n'
        '[services]\nterritories = ["ITC4", "XX9"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path / "bulletin.toml", env={})
    message = str(error.value)
    assert "'edition.release_calendar': expected dates as YYYY-MM-DD, got '2017-13-01'" in message
    assert "'edition.release_lag_days'" in message and "'services.territories': unknown territory 'XX9'" in message
    (tmp_path / "empty").mkdir()
    assert load_config(None, env={}, cwd=tmp_path / "empty").services.territories == ("ITC4",)


def test_a_brand_licence_of_its_own_needs_its_url(tmp_path):
    brand = tmp_path / "brand"
    shutil.copytree(SHIPPED_TEMPLATES / "brand", brand)
    text = (brand / "brand.toml").read_text(encoding="utf-8")
    (brand / "brand.toml").write_text(text.replace('licence = "CC BY 4.0"\nlicence_url = "https://creativecommons.org/licenses/by/4.0/"\n',
                                                   'licence = "IODL 2.0"\n'), encoding="utf-8")
    with pytest.raises(ConfigError, match="licence_url: missing"):
        load_brand(brand)
    shipped = load_brand(SHIPPED_TEMPLATES / "brand")
    assert (shipped.licence, shipped.contact_name) == ("CC BY 4.0", "Maria Rossi")
    assert shipped.contact_territories == ("ITC4",)
    (brand / "brand.toml").write_text(text.replace('contact_territories = ["ITC4"]', 'contact_territories = ["XX9"]'),
                                      encoding="utf-8")
    with pytest.raises(ConfigError, match="contact_territories: expected a list of territory codes"):
        load_brand(brand)
