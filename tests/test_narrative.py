"""The bulletin's text: figures as the formatters print them, ranks as the indicators give them,
names escaped, and wording that never claims a change the data cannot support."""
from __future__ import annotations

import copy
import dataclasses
import re
import string
import tomllib

import pytest
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph

from bulletin.templates import SHIPPED_TEMPLATES, Templates
from bulletin.data.trade import load_dataset, trade_files
from bulletin.errors import ConfigError
from bulletin.text.formatting import money, pct, share
from bulletin.text.formatting import points as points_of
from bulletin.indicators.compute import compute_indicators
from bulletin.text.grammar import Figure, approximation, direction, elides, fraction, fraction_side, ordinal
from bulletin.text.narrative import Narrative, write_narrative
from conftest import SAMPLE_DATA, SMALL_ROWS, write_data

TEMPLATES = Templates(None)
# Words that claim a rise or a fall.
CLAIMS = {"it": re.compile(r"\b(cresc\w*|in crescita|cal(a|ano|o)|in calo|aument\w*|diminu\w*|flession\w*)\b", re.I),
          "en": re.compile(r"\b(up|down|increase\w*|fall\w*|fell|grew|growth|rise|rose|decline\w*)\b", re.I)}


def paragraphs(narrative: Narrative) -> list[str]:
    return [narrative.headline, *narrative.summary, *narrative.exports, *narrative.products,
            *narrative.destinations, *narrative.provinces, *narrative.services]


def assert_renders(narrative: Narrative) -> None:
    """Every paragraph is valid reportlab mini-markup."""
    style = getSampleStyleSheet()["Normal"]
    for text in paragraphs(narrative):
        Paragraph(text, style).wrap(400, 2000)


def positions(text: str, names: list[str]) -> list[int]:
    found = [text.find(name) for name in names]
    assert all(p >= 0 for p in found), (names, text)
    return found


# --- the sample data (the Q1 2017 press release) -------------------------------------------------

needs_sample = pytest.mark.skipif(not trade_files(SAMPLE_DATA), reason="sample data not generated yet")


@pytest.fixture(scope="module")
def italian(sample):
    return write_narrative(sample[1], "it", TEMPLATES)


@needs_sample
def test_the_trend_range_tells_its_highest_apart_from_this_quarter_printed_alike(sample, italian):
    """3,15 billion this quarter and 3,22 in Q4 2016 both print "3,2 miliardi": the range then
    gives the highest a decimal more, or this quarter would read as the highest."""
    text = " ".join(paragraphs(italian))
    assert "ammontano a 3,2\u00a0miliardi di euro" in text
    assert "e 3,22\u00a0miliardi di euro (IV trimestre 2016)" in text
    assert "e 6,6\u00a0miliardi di euro (IV trimestre 2016)" in text  # imports: 6,4 this quarter, apart already


@needs_sample
def test_italian_summary_gives_the_figures_as_the_formatters_print_them(sample, italian):
    ind = sample[1]
    text = " ".join(italian.summary)
    assert money(ind.exports.value_eur, "it") in text
    assert f"in crescita del {pct(ind.exports.yoy_pct, 'it', signed=False)} rispetto al I trimestre 2016" in text
    assert share(ind.exports.share_of_national_pct, "it") in text
    assert money(ind.national_exports.value_eur, "it") in text
    assert pct(ind.national_exports.yoy_pct, "it") in text
    assert money(ind.trade_eur, "it") in text
    # The press release's approximations, each with the exact figure beside it.
    assert "oltre 3\u00a0miliardi (3,2\u00a0miliardi di euro)" in text  # no line break inside a figure
    assert "circa un terzo (31,5%)" in text
    assert "della Lombardia" in text and "in crescita" in text
    assert italian.headline == f"Export hi-tech a {money(ind.exports.value_eur, 'it')} ({pct(ind.exports.yoy_pct, 'it')})"
    assert_renders(italian)


@needs_sample
def test_products_name_the_two_leaders_with_their_figures(sample, italian):
    ind = sample[1]
    first, second = sorted(ind.products, key=lambda p: p.rank)[:2]
    text = italian.products[0]
    for item in (first, second):
        assert money(item.value_eur, "it") in text
        assert pct(abs(item.yoy_pct), "it", signed=False) in text
    # Product groups read as categories, with their article.
    assert "il gruppo dei medicinali e preparati farmaceutici" in text
    assert text.index("medicinali") < text.index("il gruppo degli strumenti e apparecchi di misurazione")
    assert "quello dei medicinali e preparati farmaceutici" in " ".join(italian.summary)
    # 480 million is not "quasi mezzo miliardo" (4% short): an approximation must be true as read.
    assert "oltre 1\u00a0miliardo" in text and "con 480\u00a0milioni di euro" in text and "quasi" not in text
    assert "del 49,5%" in text


@needs_sample
def test_destinations_name_the_united_states_with_value_and_change(sample, italian):
    us = next(d for d in sample[1].destinations if d.code == "US")
    assert us.rank == 1
    first = italian.destinations[0]
    assert f"verso gli Stati Uniti ({money(us.value_eur, 'it')}, {pct(us.yoy_pct, 'it')}" in first
    # The next markets in rank order, and the fastest-growing among the next ones.
    following = [d.name["it"] for d in sorted(sample[1].destinations, key=lambda d: d.rank)[1:5]]
    assert positions(first, following) == sorted(positions(first, following))
    assert "il Regno Unito (+49,0%)" in italian.destinations[1]  # its value is in the sentence before
    assert "il Giappone (132\u00a0milioni di euro, +45,0%)" in italian.destinations[1]
    assert "Seguono la Germania (" in first


@needs_sample
def test_provinces_follow_the_indicators_ranks(sample, italian):
    ind = sample[1]
    in_text = load("it", "territories.toml")["territories"]  # the names prose uses ("Monza e Brianza")
    by_export = [in_text[p.code]["name"] for p in sorted(ind.provinces, key=lambda p: p.export_rank)][:4]
    by_import = [in_text[p.code]["name"] for p in sorted(ind.provinces, key=lambda p: p.import_rank)][:4]
    assert by_export[0] == by_import[0] == "Milano"
    exports, imports = italian.provinces[0], italian.provinces[1]
    assert positions(exports, by_export) == sorted(positions(exports, by_export))
    assert positions(imports, by_import) == sorted(positions(imports, by_import))
    text = " ".join(italian.provinces)
    assert "oltre 6\u00a0miliardi" in text                   # Milano's total trade
    assert "Monza e Brianza (+70,1%)" in text                 # fastest growth
    assert "Milano è la prima provincia in ciascuno dei tre principali gruppi di prodotto" in text
    assert re.search(r"le apparecchiature per le telecomunicazioni \([^)]*, davanti a Lodi con ", text), text
    assert "; Varese gli aeromobili, veicoli spaziali" in text   # Varese's specialisation
    assert "province diverse e non specificate" in text


@needs_sample
def test_services_report_each_agency(sample, italian):
    """Each agency's most used service with its figures, where firms rose most, and where firms or
    else activities fell: the table gives every service, the text does not repeat it."""
    text = " ".join(italian.services)
    assert "<b>Innovhub SSI</b>" in text and "<b>Promos</b>" in text
    for provider in ("Innovhub SSI", "Promos"):
        items = [s for s in sample[1].services if s.provider == provider]
        top = max(items, key=lambda s: s.firms)
        rising = max(items, key=lambda s: s.firms_yoy_pct)
        assert f"è “{top.service}”, con {top.firms} imprese assistite ({pct(top.firms_yoy_pct, 'it')}), di cui" in text
        assert f"crescono di più nel servizio “{rising.service}” ({pct(rising.firms_yoy_pct, 'it')})" in text
        named = [s.service for s in items if f"“{s.service}”" in text]
        assert len(named) <= 3 < len(items), named
    # Innovhub: nothing fell. Promos: no firms fell (the business meetings, 116 in both years, are
    # no fall), but their activities did, and the text says so.
    assert "nessun servizio è in calo, né per imprese né per attività" in text
    assert "le attività calano solo in “Incontri d'affari con buyer esteri” (652 attività, −10,7%)" in text


@needs_sample
def test_english_edition_uses_english_numbers_and_words(sample):
    ind = sample[1]
    english = write_narrative(ind, "en", TEMPLATES)
    text = " ".join(english.summary)
    assert "13.0%" in text and "13,0%" not in text
    assert money(ind.exports.value_eur, "en") in text and share(ind.exports.share_of_national_pct, "en") in text
    assert "Lombardy's high-tech exports" in text and "about a third" in text
    assert "up 13.0% on Q1 2016" in text and "of Lombardy" not in text
    assert "the United States" in " ".join(english.destinations)
    assert "Milan" in english.provinces[0]
    assert_renders(english)


@needs_sample
def test_province_edition_has_no_province_section_but_says_where_it_stands(sample):
    dataset = sample[0]
    milano = compute_indicators(dataset.trade, dataset.services, "2017Q1", "ITC4C")
    narrative = write_narrative(milano, "it", TEMPLATES)
    assert narrative.provinces == []
    text = " ".join(narrative.summary)
    assert "di Milano" in text
    assert "al primo posto tra le 12 province della Lombardia" in text
    assert share(milano.region.share_of_region_pct, "it") in text
    assert_renders(narrative)


@needs_sample
def test_the_contribution_to_italys_change_is_said_in_points_in_both_languages(sample, italian):
    """+13,0% on a third of Italy: Lombardy adds about 4,5 points to Italy's change; the sample has
    no other region, so no rank among Italy's regions is claimed."""
    ind = sample[1]
    points = points_of(ind.exports.contribution_pp, "it")
    assert points.startswith("+") and "%" not in points
    sentence = f"Il contributo della Lombardia alla variazione dell'export hi-tech nazionale è di {points} punti percentuali."
    assert sentence in " ".join(italian.summary) and sentence not in " ".join(italian.exports)
    # The section gives both flows' contributions, as Table 1 does, not the summary's sentence again.
    imports = points_of(ind.imports.contribution_pp, "it")
    assert (f"Il contributo alla variazione nazionale è di {points} punti percentuali per le esportazioni "
            f"e di {imports} per le importazioni.") in " ".join(italian.exports)
    english = " ".join(write_narrative(ind, "en", TEMPLATES).summary)
    assert f"Lombardy's contribution to the change in national high-tech exports was " \
           f"{points_of(ind.exports.contribution_pp, 'en')} percentage points." in english
    assert "regioni e province autonome" not in " ".join(italian.summary) and ind.region_rank is None



@needs_sample
def test_a_contribution_too_small_to_print_is_said_to_be_under_half_a_tenth(sample):
    """A small region adds +0,02 points: "+0,0 punti percentuali" would read as a misprint, and
    "less than 0,05" as a small gain when it may be a small loss."""
    ind = dataclasses.replace(sample[1], exports=dataclasses.replace(sample[1].exports, contribution_pp=0.02))
    italian = " ".join(write_narrative(ind, "it", TEMPLATES).summary)
    english = " ".join(write_narrative(ind, "en", TEMPLATES).summary)
    assert "è pressoché nullo (inferiore a 0,05 punti percentuali in valore assoluto)." in italian
    assert "was negligible (less than 0.05 percentage points in absolute terms)." in english
    assert "0,0 punti" not in italian and "0.0 percentage" not in english

@needs_sample
def test_the_exports_section_gives_both_contributions_even_when_one_is_negligible(sample):
    """Never the summary's sentence again, never "+0,0 punti" for a flow."""
    ind = dataclasses.replace(sample[1], imports=dataclasses.replace(sample[1].imports, contribution_pp=0.02))
    narrative = write_narrative(ind, "it", TEMPLATES)
    summary, exports = " ".join(narrative.summary), " ".join(narrative.exports)
    points = points_of(ind.exports.contribution_pp, "it")
    assert (f"Il contributo alla variazione nazionale è di {points} punti percentuali per le esportazioni e pressoché "
            "nullo per le importazioni") in exports
    assert "Il contributo della Lombardia" in summary and "Il contributo della Lombardia" not in exports
    assert "0,0 punti" not in exports


@needs_sample
@pytest.mark.parametrize("quarter", ["2013Q1", "2014Q2", "2015Q3", "2016Q4"])
def test_every_quarter_and_language_renders(sample, quarter):
    dataset = sample[0]
    ind = compute_indicators(dataset.trade, dataset.services, quarter, "ITC4")
    for lang in ("it", "en"):
        assert_renders(write_narrative(ind, lang, TEMPLATES))


# --- hand-made edge cases ------------------------------------------------------------------------

# The small data set in thousands of euros: its changes stand on bases of 100 thousand euros and
# more, the least on which the text prints a percentage (the tables' "n.s." threshold).
SMALL_ROWS_THOUSANDS = re.sub(r"(\d+)$", r"\g<1>000", SMALL_ROWS, flags=re.M)


def small(tmp_path, rows=SMALL_ROWS_THOUSANDS, services=None, territory="ITC4"):
    kwargs = {} if services is None else {"services": services}
    dataset = load_dataset(write_data(tmp_path / "data", rows, **kwargs))
    return compute_indicators(dataset.trade, dataset.services, "2017Q1", territory)


def test_small_data_set_in_both_languages(tmp_path):
    ind = small(tmp_path)
    italian = write_narrative(ind, "it", TEMPLATES)
    assert "in crescita del 25,0%" in italian.summary[0] and "750\u00a0mila\u00a0euro" in italian.summary[0]
    assert "in crescita del 25,0%" in italian.exports[0]
    assert_renders(italian)
    english = write_narrative(ind, "en", TEMPLATES)
    assert "up 25.0% on Q1 2016" in english.summary[0]
    assert_renders(english)


def test_data_derived_names_are_escaped_once(tmp_path):
    services = ("period,provider,service,firms,smes,activities\n"
                "2016Q1,R&D <Lab>,Prove & <b>test</b>,1,1,1\n"
                "2017Q1,R&D <Lab>,Prove & <b>test</b>,1,1,0\n")
    ind = small(tmp_path, services=services)
    for lang in ("it", "en"):
        narrative = write_narrative(ind, lang, TEMPLATES)
        text = " ".join(narrative.services)
        assert "R&amp;D &lt;Lab&gt;" in text and "Prove &amp; &lt;b&gt;test&lt;/b&gt;" in text
        assert "R&D <Lab>" not in text and "&amp;amp;" not in text
        assert_renders(narrative)
    italian = write_narrative(ind, "it", TEMPLATES)
    assert "1 impresa assistita" in " ".join(italian.services)


def test_province_names_with_apostrophes_and_ampersands(tmp_path):
    ind = small(tmp_path)
    for lang, name in (("it", "Valle d'Aosta & <Co>"), ("en", "Aosta & <Co>")):
        (tmp_path / "templates" / lang).mkdir(parents=True)
        (tmp_path / "templates" / lang / "territories.toml").write_text(
            (SHIPPED_TEMPLATES / lang / "territories.toml").read_text(encoding="utf-8")
            .replace('name = "Milano"', f'name = "{name}"').replace('name = "Milan"', f'name = "{name}"')
            .replace('name = "Lodi"', 'name = "Forlì-Cesena"'), encoding="utf-8")
    templates = Templates(tmp_path / "templates")
    for lang in ("it", "en"):
        narrative = write_narrative(ind, lang, templates)
        text = " ".join(narrative.provinces + narrative.summary)
        assert "&amp; &lt;Co&gt;" in text and "<Co>" not in text and "Forlì-Cesena" in text
        assert_renders(narrative)
    assert "Valle d'Aosta &amp; &lt;Co&gt;" in " ".join(write_narrative(ind, "it", templates).provinces)


def test_a_missing_change_prints_nd_and_claims_nothing(tmp_path):
    rows = "\n".join(line for line in SMALL_ROWS_THOUSANDS.splitlines() if line.startswith("2017Q1")) + "\n"
    ind = small(tmp_path, rows=rows)
    assert ind.exports.yoy_pct is None
    for lang, na in (("it", "n.d."), ("en", "n.a.")):
        narrative = write_narrative(ind, lang, TEMPLATES)
        for text in (narrative.summary[0], narrative.exports[0], narrative.exports[1], narrative.headline):
            assert not CLAIMS[lang].search(text), text
        assert na in narrative.summary[0] and na in narrative.exports[0]
        assert narrative.headline == ("Export hi-tech a 750\u00a0mila\u00a0euro" if lang == "it"
                                      else "High-tech exports at €750,000")
        assert_renders(narrative)


def test_falling_and_unchanged_exports_are_said_so(tmp_path):
    ind = copy.deepcopy(small(tmp_path))
    ind.exports.yoy_pct = -2.4
    italian = write_narrative(ind, "it", TEMPLATES)
    assert "in calo del 2,4% rispetto al I trimestre 2016" in italian.summary[0]
    assert "in calo del 2,4%" in italian.exports[0]
    english = write_narrative(ind, "en", TEMPLATES)
    assert "down 2.4% on Q1 2016" in english.summary[0] and "down 2.4% from €600,000 in Q1 2016" in english.exports[0]
    ind.exports.yoy_pct = 0.04  # prints as 0,0%: neither a rise nor a fall
    italian = write_narrative(ind, "it", TEMPLATES)
    assert "invariate" in italian.summary[0] and "(0,0%)" in italian.summary[0]
    assert not CLAIMS["it"].search(italian.summary[0])


def test_italian_articles_elide_before_vowel_sounds(tmp_path):
    ind = copy.deepcopy(small(tmp_path))
    ind.exports.yoy_pct = 8.1
    assert "in crescita dell'8,1%" in write_narrative(ind, "it", TEMPLATES).exports[0]
    ind.exports.yoy_pct = 11.2
    assert "in crescita dell'11,2%" in write_narrative(ind, "it", TEMPLATES).exports[0]
    ind.exports.yoy_pct = 18.0
    assert "in crescita del 18,0%" in write_narrative(ind, "it", TEMPLATES).exports[0]
    ind.exports.yoy_pct = 0.3  # "zero" takes "lo"
    assert "in crescita dello 0,3%" in write_narrative(ind, "it", TEMPLATES).exports[0]


def test_no_services_in_the_quarter(tmp_path):
    services = "period,provider,service,firms,smes,activities\n2016Q1,Promos,Assistenza,1,1,1\n"
    ind = small(tmp_path, services=services)
    assert write_narrative(ind, "it", TEMPLATES).services == [
        "I dati sull'attività delle aziende speciali non sono disponibili per il I trimestre 2017."]
    assert "not available" in write_narrative(ind, "en", TEMPLATES).services[0]


def test_province_edition_of_the_small_data_set(tmp_path):
    ind = small(tmp_path, territory="ITC49")
    narrative = write_narrative(ind, "it", TEMPLATES)
    assert narrative.provinces == []
    # Its place among the region's provinces beside its share of Italy's, in the first paragraph.
    assert "Lodi si colloca al secondo posto tra le 12 province della Lombardia" in narrative.summary[0]
    assert "di Lodi" in narrative.summary[0]
    english = write_narrative(ind, "en", TEMPLATES)
    assert "Lodi ranked second among Lombardy's 12 provinces" in english.summary[0]


def test_a_template_changed_on_disk_is_read_again(tmp_path):
    """Templates are parsed once per process while unchanged; a change is seen at once."""
    (tmp_path / "it").mkdir()
    labels = tmp_path / "it" / "labels.toml"
    labels.write_text('title = "Primo"\n', encoding="utf-8")
    templates = Templates(tmp_path)
    assert templates.read_toml("it/labels.toml") is templates.read_toml("it/labels.toml")  # parsed once
    labels.write_text('title = "Secondo titolo"\n', encoding="utf-8")
    assert Templates(tmp_path).texts("it/labels.toml").get("title") == "Secondo titolo"


def test_a_user_template_with_a_missing_sentence_is_reported_by_key(tmp_path):
    (tmp_path / "it").mkdir()
    shipped = (SHIPPED_TEMPLATES / "it" / "narrative.toml").read_text(encoding="utf-8")
    (tmp_path / "it" / "narrative.toml").write_text(
        "\n".join(line for line in shipped.splitlines() if not line.startswith("headline_change")), encoding="utf-8")
    ind = small(tmp_path)
    with pytest.raises(ConfigError, match="it/narrative.toml: key 'headline_change' missing"):
        write_narrative(ind, "it", Templates(tmp_path))
    (tmp_path / "it" / "narrative.toml").write_text(
        (SHIPPED_TEMPLATES / "it" / "narrative.toml").read_text(encoding="utf-8")
        .replace("Export hi-tech a {exports} ({exports_change})", "Export {nonsense}"), encoding="utf-8")
    with pytest.raises(ConfigError, match="nonsense"):
        write_narrative(ind, "it", Templates(tmp_path))


# --- the rules -----------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (3.15e9, ("over", 3e9)), (480e6, None), (490e6, ("under", 5e8)), (1.1e9, None), (6.1e9, ("over", 6e9)),
    (1.04e9, ("over", 1e9)), (97.1e6, None), (3.2e9, None),
    (293e6, ("under", 3e8)), (409e6, ("over", 4e8)), (171e6, None), (132e6, None), (570e6, None), (574e6, None),
    (586e6, ("under", 6e8)), (549e6, None), (520e6, ("over", 5e8)),
    (750.0, None), (0.0, None)])
def test_approximation(value, expected):
    assert approximation(value) == expected


@pytest.mark.parametrize("share_pct, expected", [(31.5, "1/3"), (33.3, "1/3"), (50.0, "1/2"), (26.0, "1/4"),
                                                 (40.2, None), (47.6, None), (49.0, "1/2"), (13.0, None), (71.9, None),
                                                 (35.7, None), (9.6, "1/10"), (None, None)])
def test_fraction(share_pct, expected):
    assert fraction(share_pct) == expected


@pytest.mark.parametrize("share_pct, expected", [(31.5, "about"), (33.3, "about"), (34.3, "about"),
                                                 (34.4, "over"), (35.2, "over"), (51.5, "over"), (49.0, "about")])
def test_a_share_well_above_its_fraction_is_over_it(share_pct, expected):
    """"oltre un terzo (35,2%)": "circa" would understate it; below, "circa un terzo (31,5%)"."""
    assert fraction_side(share_pct, fraction(share_pct)) == expected


@pytest.mark.parametrize("change, expected", [(13.0, "up"), (-2.4, "down"), (0.04, "flat"), (-0.04, "flat"),
                                              (None, "na")])
def test_direction(change, expected):
    assert direction(change) == expected


@pytest.mark.parametrize("text, expected", [("8,1%", True), ("11,2%", True), ("1,5%", True), ("80,0%", True),
                                            ("18,0%", False), ("13,0%", False), ("110,0%", False),
                                            ("1.000", False), ("11.500", True), ("Unione", True), ("Milano", False)])
def test_elision(text, expected):
    assert elides(text) is expected


def test_figure_articles():
    prepositions = {"art": {"il": "il ", "l'": "l'"}, "di": {"il": "del ", "l'": "dell'"}}
    assert "{x:art} / {y:di} / {x}".format(x=Figure("8,1%", "l'", prepositions), y=Figure("31,5%", "il", prepositions)) \
        == "l'8,1% / del 31,5% / 8,1%"
    with pytest.raises(ValueError, match="no form 'su'"):
        format(Figure("8,1%", "l'", prepositions), "su")


def test_ordinals_and_territory_phrases(tmp_path):
    forms = {lang: TEMPLATES.texts(f"{lang}/narrative.toml").table("ordinal") for lang in ("it", "en")}
    assert [ordinal(n, "en", forms["en"]) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111, 1001)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th", "1,001st"]
    assert [ordinal(n, "it", forms["it"]) for n in (2, 8, 11)] == ["2°", "8°", "11°"]
    region, province = small(tmp_path), small(tmp_path, territory="ITC4D")
    assert write_narrative(region, "it", TEMPLATES).territory_of == "della Lombardia"
    assert write_narrative(region, "en", TEMPLATES).territory_of == "Lombardy's"
    assert write_narrative(province, "it", TEMPLATES).territory_of == "di Monza e Brianza"


def test_a_user_template_names_the_territory_and_the_ordinals(tmp_path):
    province = small(tmp_path, territory="ITC49")
    (tmp_path / "it").mkdir()
    (tmp_path / "it" / "territories.toml").write_text(
        (SHIPPED_TEMPLATES / "it" / "territories.toml").read_text(encoding="utf-8")
        .replace('ITC4 = { name = "Lombardia", article = "la" }', 'ITC4 = { name = "Regione Lombardia", article = "la" }')
        .replace('ITC49 = { name = "Lodi" }', 'ITC49 = { name = "Lodigiano", article = "il" }'), encoding="utf-8")
    (tmp_path / "it" / "narrative.toml").write_text(
        (SHIPPED_TEMPLATES / "it" / "narrative.toml").read_text(encoding="utf-8")
        .replace('other = "{n}°"', 'other = "{n}º"').replace('"2" = "secondo"\n', ""), encoding="utf-8")
    templates = Templates(tmp_path)
    narrative = write_narrative(province, "it", templates)
    assert narrative.territory_of == "del Lodigiano"
    assert "del Lodigiano" in narrative.summary[0]
    assert "Il Lodigiano si colloca al 2º posto tra le 12 province della Regione Lombardia" in narrative.summary[0]
    (tmp_path / "it" / "narrative.toml").write_text(
        (SHIPPED_TEMPLATES / "it" / "narrative.toml").read_text(encoding="utf-8").replace('other = "{n}°"', "")
        .replace('"2" = "secondo"\n', ""),
        encoding="utf-8")
    with pytest.raises(ConfigError, match=r"it/narrative.toml: \[ordinal\]"):
        write_narrative(province, "it", Templates(tmp_path))


# --- the template files --------------------------------------------------------------------------

def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


CONTEXT = {"quarter", "previous_quarter", "year", "previous_year", "territory", "territory_of", "round", "round_bare"}


def load(lang: str, name: str) -> dict:
    return tomllib.loads((SHIPPED_TEMPLATES / lang / name).read_text(encoding="utf-8"))


# The brand's words: each language uses those it needs (the Italian edition prints the brand's
# footer as it is, the English one its own words around the organisation's name).
BRAND_WORDS = {"footer": {"footer", "organisation"}, "brand_department": {"department"}}


def test_labels_have_the_same_keys_and_placeholders_in_both_languages():
    italian, english = load("it", "labels.toml"), load("en", "labels.toml")
    assert set(italian) == set(english)
    for key in italian:
        if isinstance(italian[key], dict):  # a table of names, by code: [product_short]
            assert set(italian[key]) == set(english[key]), key
            continue
        assert isinstance(italian[key], str) and isinstance(english[key], str), key
        if key in BRAND_WORDS:
            assert placeholders(italian[key]) | placeholders(english[key]) <= BRAND_WORDS[key], key
        else:
            assert placeholders(italian[key]) == placeholders(english[key]), key


def test_labels_cover_what_the_document_prints():
    labels = load("it", "labels.toml")
    required = {
        "title": {"territory_of"}, "page_of": {"page", "pages"}, "edition_number": {"number"},
        "published": {"date"}, "source": set(), "not_available": set(), "cover_subtitle": set(),
        "source_providers": {"providers"}, "colophon_title": set(), "colophon_released": {"date"},
        "colophon_data": {"date"}, "colophon_next": {"quarter", "date"}, "colophon_next_about": {"quarter", "date"},
        "colophon_contact": {"department", "contact"}, "colophon_contact_named": {"name", "department", "contact"},
        "colophon_licence": {"licence", "url"}, "col_contribution": set(),
        **{f"section_{key}": set() for key in ("contents", "summary", "comment", "exports", "products", "destinations",
                                               "provinces", "services", "methodology", "appendix")},
        **{f"tile_{key}": set() for key in ("exports", "change", "share", "trade", "balance")},
        **{f"col_{key}": set() for key in ("product", "country", "area", "province", "value", "change", "share",
                                           "rank", "exports", "imports", "top_product", "firms", "smes",
                                           "activities")},
    }
    for key, fields in required.items():
        assert key in labels, key
        assert placeholders(labels[key]) == fields, key
    assert labels["title"].format(territory_of="della Lombardia") == "Export hi-tech della Lombardia"
    assert labels["section_services"] == "Servizi per l'innovazione e l'internazionalizzazione"


def test_number_words_have_the_same_keys_in_both_languages_and_known_placeholders():
    fields = {"not_available": set(), "not_significant": set(), "billion": {"n"}, "million": {"n"},
              "thousand": {"n"}, "thousand_in_full": set(), "table_units": set(), "euro": {"amount"},
              "euro_scaled": {"amount"}, "quarter": {"roman", "number", "year"},
              "quarter_short": {"roman", "number", "year"}, "day_one": set()}
    for lang in ("it", "en"):
        words = load(lang, "numbers.toml")
        assert set(words) == set(fields), lang
        for key, value in words.items():
            if isinstance(value, bool):
                continue
            texts = value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else [value]
            for text in texts:
                assert placeholders(text) <= fields[key] and placeholders(text) >= fields[key] - {"roman", "number"}, key


def test_narrative_templates_have_the_same_keys_in_both_languages():
    italian, english = load("it", "narrative.toml"), load("en", "narrative.toml")
    assert set(italian) == set(english)
    for table in ("approx", "fractions", "ytd_period", "plural", "area_in_text", "product_in_text"):
        assert set(italian[table]) == set(english[table]), table
    for key, text in italian.items():
        if isinstance(text, str):
            # The same figures are printed; the context (quarter, territory) and the approximation's
            # unit may be worded differently, and an amount with its currency or without
            # ({first_value}, {first_amount}).
            def figures(text: str) -> set[str]:
                return {re.sub(r"_amount$", "_value", name) for name in placeholders(text) - CONTEXT}
            assert figures(text) == figures(english[key]), key


@pytest.mark.parametrize("before_exports, before_imports, italian, english", [
    (None, None, "il saldo commerciale è passivo per 3,2\u00a0miliardi di euro (3,3\u00a0miliardi nel I trimestre 2016).",
     "the trade balance showed a deficit of €3.2\u00a0billion (€3.3\u00a0billion in Q1 2016)."),
    (2.0e9, 5.2e9, "è passivo per 3,2\u00a0miliardi di euro, pressoché invariato rispetto al I trimestre 2016.",
     "showed a deficit of €3.2\u00a0billion, little changed from Q1 2016."),
    (6.0e9, 5.0e9, "è passivo per 3,2\u00a0miliardi di euro, contro un saldo attivo di 1,0\u00a0miliardi di euro nel I trimestre 2016.",
     "showed a deficit of €3.2\u00a0billion, against a surplus of €1.0\u00a0billion in Q1 2016."),
])
def test_the_exports_section_gives_the_balance_beside_the_one_a_year_before(sample, before_exports, before_imports,
                                                                           italian, english):
    """Its amount in brackets; "pressoché invariato" when both print alike; spelled out when it
    was of the other sign. The summary gives this quarter's alone."""
    ind = sample[1]
    if before_exports is not None:
        ind = dataclasses.replace(ind, exports=dataclasses.replace(ind.exports, previous_eur=before_exports),
                                  imports=dataclasses.replace(ind.imports, previous_eur=before_imports))
    for lang, expected in (("it", italian), ("en", english)):
        narrative = write_narrative(ind, lang, Templates(None))
        trade = next(paragraph for paragraph in narrative.exports if "saldo" in paragraph or "balance" in paragraph)
        assert trade.endswith(expected), trade
        assert "2016" not in next(p for p in narrative.summary if "saldo" in p or "balance" in p)
