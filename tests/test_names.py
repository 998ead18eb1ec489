"""How the text names territories, countries and product groups: the tables cover every code the
data may use, every article has its contracted forms, and the editions of Italy's regions and
provinces built from the national sample read as an editor wants ("della Spezia", "lo 0,3%",
"verso gli Stati Uniti", "Lombardy's")."""
from __future__ import annotations

import re
import tomllib

import pytest

from bulletin import reference
from bulletin.data.trade import load_dataset
from bulletin.errors import ConfigError
from bulletin.indicators.compute import compute_indicators
from bulletin.templates import SHIPPED_TEMPLATES, Templates
from bulletin.text.grammar import NO_ARTICLE, Figure, figure_article
from bulletin.text.narrative import Narrative, write_narrative
from conftest import SAMPLE_DATA, national_sample

TEMPLATES = Templates(None)
LANGUAGES = ("it", "en")


def shipped(lang: str, name: str) -> dict:
    return tomllib.loads((SHIPPED_TEMPLATES / lang / name).read_text(encoding="utf-8"))


def running_text(narrative: Narrative) -> str:
    return " ".join([narrative.headline, *narrative.summary, *narrative.exports, *narrative.products,
                     *narrative.destinations, *narrative.provinces, *narrative.services])


# --- the tables ----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_code_the_data_may_use_has_its_name_and_article(lang):
    territories = shipped(lang, "territories.toml")["territories"]
    assert set(territories) == set(reference.TERRITORIES)
    assert all(entry["name"].strip() and "/" not in entry["name"] for entry in territories.values())
    countries = shipped(lang, "countries.toml")
    assert set(countries["articles"]) == set(reference.partner_codes())
    assert set(countries["in_text"]) <= set(reference.partner_codes())
    assert set(shipped(lang, "narrative.toml")["product_in_text"]) == set(reference.PRODUCTS)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_article_has_every_contracted_form(lang):
    prepositions = shipped(lang, "narrative.toml")["prepositions"]
    used = {entry.get("article", NO_ARTICLE) for entry in shipped(lang, "territories.toml")["territories"].values()}
    used |= set(shipped(lang, "countries.toml")["articles"].values())
    used |= {entry.get("article", NO_ARTICLE) for entry in shipped(lang, "narrative.toml")["product_in_text"].values()}
    if lang == "it":
        used |= {"il", "lo", "l'"}  # the articles of figures
    for spec, forms in prepositions.items():
        assert used <= set(forms), (spec, used - set(forms))


def test_regions_and_the_provinces_that_take_an_article():
    names = shipped("it", "territories.toml")["territories"]
    article = {code: entry.get("article", NO_ARTICLE) for code, entry in names.items()}
    assert [article[c] for c in ("ITC4", "ITC1", "ITH5", "ITI3", "ITI4", "ITF4", "ITG2", "ITC2")] == \
        ["la", "il", "l'", "le", "il", "la", "la", "la"]
    assert all(article[code] != NO_ARTICLE for code in reference.regions())
    assert article["ITC4C"] == article["ITC11"] == NO_ARTICLE
    assert names["ITC2"]["name"] == "Valle d'Aosta" and names["ITH10"]["name"] == "Bolzano"
    english = shipped("en", "territories.toml")["territories"]
    assert [english[c]["name"] for c in ("ITC4", "ITC1", "ITC2", "ITF4", "ITI1", "ITC4C", "ITC11", "ITC33", "ITI14",
                                         "ITF33", "ITH35", "ITC4B", "ITH36", "ITG19", "ITI43", "ITI16")] == \
        ["Lombardy", "Piedmont", "Aosta Valley", "Apulia", "Tuscany", "Milan", "Turin", "Genoa", "Florence",
         "Naples", "Venice", "Mantua", "Padua", "Syracuse", "Rome", "Livorno"]


def test_figures_take_the_article_of_their_sound():
    assert [figure_article(text, "it") for text in ("13,0%", "8,1%", "11%", "1,5%", "0,3%", "0", "80,0%", "10,2%")] == \
        ["il", "l'", "l'", "l'", "lo", "lo", "l'", "il"]
    assert figure_article("0.3%", "en") == NO_ARTICLE
    prepositions = shipped("it", "narrative.toml")["prepositions"]
    forms = [format(Figure(text, figure_article(text, "it"), prepositions), spec)
             for text, spec in (("0,3%", "art"), ("0,3%", "di"), ("8,1%", "art"), ("1%", "di"), ("13,0%", "art"),
                                ("11%", "a"))]
    assert forms == ["lo 0,3%", "dello 0,3%", "l'8,1%", "dell'1%", "il 13,0%", "all'11%"]


def test_a_name_after_its_article_and_a_missing_form_named():
    prepositions = shipped("it", "narrative.toml")["prepositions"]
    spezia = Figure("La Spezia", "la", prepositions, stem="Spezia")
    assert f"{spezia} / {spezia:di} / {spezia:a} / {spezia:art} / {spezia:Art}" == \
        "La Spezia / della Spezia / alla Spezia / La Spezia / La Spezia"
    aquila = Figure("L'Aquila", "l'", prepositions, stem="Aquila")
    assert f"{aquila:art}, {aquila:di}, {aquila:da}" == "L'Aquila, dell'Aquila, dall'Aquila"
    with pytest.raises(ValueError, match="'poss'"):
        format(spezia, "poss")


def test_a_translator_renames_a_territory_in_a_file_of_their_own(tmp_path):
    (tmp_path / "it").mkdir()
    shipped_text = (SHIPPED_TEMPLATES / "it" / "territories.toml").read_text(encoding="utf-8")
    (tmp_path / "it" / "territories.toml").write_text(
        shipped_text.replace('ITC49 = { name = "Lodi" }', 'ITC49 = { name = "Lodigiano & <Co>", article = "il" }'),
        encoding="utf-8")
    indicators = _lombardy_and_lodi()
    narrative = write_narrative(indicators["ITC49"], "it", Templates(tmp_path))
    assert narrative.territory_of == "del Lodigiano & <Co>"  # plain text, for the title
    assert "del Lodigiano &amp; &lt;Co&gt;" in narrative.summary[0]
    (tmp_path / "it" / "territories.toml").write_text(shipped_text.replace('ITC49 = { name = "Lodi" }\n', ""),
                                                      encoding="utf-8")
    with pytest.raises(ConfigError, match=r"it/territories.toml: \[territories\] has no entry for 'ITC49'"):
        write_narrative(indicators["ITC49"], "it", Templates(tmp_path))


def _lombardy_and_lodi():
    dataset = load_dataset(SAMPLE_DATA)
    return {code: compute_indicators(dataset.trade, dataset.services, "2017Q1", code) for code in ("ITC4", "ITC49")}


# --- editions of the national sample ---------------------------------------------------------------

# Regions with each article (la Lombardia, il Piemonte, l'Emilia-Romagna, le Marche, il Lazio, la
# Sardegna, l'Abruzzo, and the bilingual Valle d'Aosta and Bolzano), and the provinces whose names
# test the rules: an article in the name (La Spezia, L'Aquila), a bilingual formal name (Bolzano),
# one that takes an article (il Verbano-Cusio-Ossola), an exonym (Milan); and Italy.
EDITIONS = ["ITC4", "ITC1", "ITC2", "ITC3", "ITH5", "ITI3", "ITI4", "ITG2", "ITF1", "ITH1",
            "ITC34", "ITF11", "ITH10", "ITC14", "ITC4C", reference.NATIONAL]


@pytest.fixture(scope="module")
def national_narratives(tmp_path_factory) -> dict[tuple[str, str], Narrative]:
    """The narratives of the national sample's 2017Q1 editions (a year apart from 2016Q1)."""
    data = tmp_path_factory.mktemp("national")
    national_sample(data, ("2016Q1", "2017Q1"))
    dataset = load_dataset(data)
    narratives = {}
    for code in EDITIONS:
        indicators = compute_indicators(dataset.trade, dataset.services, "2017Q1", code)
        for lang in LANGUAGES:
            narratives[code, lang] = write_narrative(indicators, lang, TEMPLATES)
    return narratives


def test_every_region_and_province_reads_as_an_editor_wants(national_narratives):
    territories = shipped("it", "territories.toml")["territories"]
    with_article = [entry["name"] for entry in territories.values() if entry.get("article", NO_ARTICLE) != NO_ARTICLE]
    articled_countries = [reference.partner_name(code, "it") for code, article
                          in shipped("it", "countries.toml")["articles"].items() if article != NO_ARTICLE]
    bare_name = re.compile(r"\b(di|a|da|verso) (%s)\b" % "|".join(map(re.escape, with_article)))
    bare_country = re.compile(r"\b(verso|Seguono|Segue) (%s)\b" % "|".join(map(re.escape, articled_countries)))
    for (code, lang), narrative in national_narratives.items():
        text = running_text(narrative)
        assert "/Vallée" not in text and "/Bozen" not in text and "Bolzano-Bozen" not in text, code
        assert "Hong Kong SAR" not in text and "RAS di Hong Kong" not in text, code
        assert "{" not in text and "}" not in text, code
        if lang == "it":
            assert not bare_name.search(text), (code, bare_name.search(text).group(0))
            assert not bare_country.search(text), (code, bare_country.search(text).group(0))
            assert not re.search(r"\b(il|del|al|dal|nel|sul|l') ?0,", text), (code, text)
            assert not re.search(r"\bdi (Piemonte|Lombardia|Emilia-Romagna|Lazio|Sardegna|Marche|La Spezia|L'Aquila)",
                                 text), code
            assert " è medicinali" not in text and "riguarda medicinali" not in text, code
            assert not re.search(r"\b(la Spezia|l'Aquila)\b", text), code  # the article is part of the name
        else:
            assert "Countries and territories not determined" not in text, code
            assert not re.search(r"\b(up|down) on Q\d", text) and "exports of" not in narrative.summary[0], code
    titles = {code: national_narratives[code, "it"].territory_of for code in ("ITC1", "ITH5", "ITI3", "ITC2", "ITC34",
                                                                               "ITF11", "ITH10", "ITC4C")}
    assert titles == {"ITC1": "del Piemonte", "ITH5": "dell'Emilia-Romagna", "ITI3": "delle Marche",
                      "ITC2": "della Valle d'Aosta", "ITC34": "della Spezia", "ITF11": "dell'Aquila",
                      "ITH10": "di Bolzano", "ITC4C": "di Milano"}
    assert [national_narratives[code, "en"].territory_of for code in ("ITC4", "ITC1", "ITI3", "ITC4C")] == \
        ["Lombardy's", "Piedmont's", "Marche's", "Milan's"]
    assert "tra le quattro province della Liguria" in " ".join(national_narratives["ITC34", "it"].summary)
    assert "verso gli Stati Uniti" in " ".join(national_narratives["ITC1", "it"].summary)
    assert re.search(r"rappresentano lo 0,\d%", " ".join(national_narratives["ITC2", "it"].exports))
