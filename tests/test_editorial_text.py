"""The editor's corrections to the generated text, each checked on the editions the editor read:
Italian and English text of the Marche, the Aosta Valley, Monza e Brianza, Ancona and Lombardy
from the national sample, two of them built into PDFs and read back with `pdftotext`.

Verbs agree with plural names; names in running text as an editor writes them ("Monza e
Brianza", "ad Ancona", "the Aosta Valley"); no "(…) (Figura 2)"; no line broken inside "Figura 2",
"II trimestre 2016" or "−1,5 punti"; a product shared by the leading provinces said once; amounts
compared never print alike; "quasi" and "oltre" true of the number they approximate; one name per
product group in prose and tables; "primo" and "ultimo" posto; every figure and table cited; no
percentage change in prose on a base the tables mark "n.s."."""
from __future__ import annotations

import re
import subprocess

import pytest

from bulletin import reference
from bulletin.cli import main
from bulletin.data.trade import load_dataset
from bulletin.indicators.compute import compute_indicators
from bulletin.templates import Templates
from bulletin.text import formatting
from bulletin.text.citations import Citation, resolve
from bulletin.text.grammar import approximation, direction
from bulletin.text.names import Names
from bulletin.text.narrative import Narrative, write_narrative
from bulletin.text.typography import typographic
from bulletin.text.sections import MOVERS_AMONG
from bulletin.text.wording import Wording, significant
from conftest import SMALL_ROWS, national_sample, write_data

TEMPLATES = Templates(None)
QUARTER = "2017Q1"
EDITIONS = ["ITI3", "ITC2", "ITC20", "ITC4D", "ITI32", "ITC4"]  # Marche, Aosta (region, province), Monza, Ancona
NBSP = "\u00a0"


def prose(narrative: Narrative) -> str:
    """The running text of an edition, as the text stage writes it (citations still marks)."""
    return " ".join([narrative.headline, *narrative.summary, *narrative.exports, *narrative.products,
                     *narrative.destinations, *narrative.provinces])


@pytest.fixture(scope="module")
def national_data(tmp_path_factory):
    """The national sample's 2016Q1 and 2017Q1: every region and province, a year apart."""
    data = tmp_path_factory.mktemp("national") / "data"
    national_sample(data, ("2016Q1", QUARTER))
    return data


@pytest.fixture(scope="module")
def texts(national_data) -> dict[tuple[str, str], str]:
    dataset = load_dataset(national_data)
    found = {}
    for code in EDITIONS:
        indicators = compute_indicators(dataset.trade, dataset.services, QUARTER, code)
        for lang in ("it", "en"):
            found[code, lang] = prose(write_narrative(indicators, lang, TEMPLATES))
    return found


@pytest.fixture(scope="module")
def printed(national_data, tmp_path_factory) -> dict[tuple[str, str], str]:
    """The Marche in Italian and Lombardy in English (services, heat map, every figure), built
    with the real command and read back as a reader's tool reads them."""
    folder = tmp_path_factory.mktemp("editions")
    pages = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1491782400")
        patch.chdir(folder)
        for code, lang in (("ITI3", "it"), ("ITC4", "en")):
            assert main(["build", "--data", str(national_data), "--out", str(folder / "out"),
                         "--territory", code, "--lang", lang, "--quarter", QUARTER]) == 0
            pdf = next((folder / "out" / QUARTER / code / f"{lang}-r1").glob("*.pdf"))
            pages[code, lang] = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                                               capture_output=True, text=True).stdout
    return pages


# 1. Verbs agree with plural names ------------------------------------------------------------------

def test_a_verb_agrees_with_a_plural_name(texts):
    marche = texts["ITI3", "it"]
    assert "Le Marche si collocano al 12° posto" in marche and not re.search(r"Marche si colloca\b", marche)
    assert "Ancona si colloca al secondo posto tra le cinque province delle Marche" in texts["ITI32", "it"]
    assert "Le Marche, a sua volta, sono al 12° posto" in texts["ITI32", "it"]  # the region, in a province's edition


# 2. Monza e Brianza ------------------------------------------------------------------------------------

def test_monza_reads_monza_e_brianza_in_running_text(texts):
    monza = texts["ITC4D", "it"]
    assert "di Monza e Brianza" in monza and "della Brianza" not in monza
    assert "Monza e della Brianza" not in texts["ITC4", "it"] and "Monza e Brianza" in texts["ITC4", "it"]


# 3. Group leaders, "ad Ancona" ----------------------------------------------------------------------------

def test_group_leaders_read_as_sentences_and_a_takes_its_d_before_a(texts):
    marche = texts["ITI3", "it"]
    # the groups' leaders in one sentence, each province named once, each group by its short name
    assert (". Ancona è la prima provincia nei medicinali (38,0\u00a0milioni di euro, davanti a Pesaro e Urbino "
            "con 34,8\u00a0milioni); Pesaro e Urbino negli strumenti di misura e orologi (") in marche
    assert "Nel gruppo" not in marche and marche.count("Pesaro e Urbino negli") == 1
    assert not re.search(r"\) segue ", marche) and not re.search(r"\ba A", marche)
    names = Names(TEMPLATES, "it", TEMPLATES.texts("it/narrative.toml"))
    assert [format(names.territory(code), "a") for code in ("ITI32", "ITI34", "ITC31", "ITC4C", "ITC34")] == \
        ["ad Ancona", "ad Ascoli Piceno", "a Imperia", "a Milano", "alla Spezia"]


def test_a_province_that_leads_every_group_is_named_once(national_data):
    """Piemonte: Torino first in each of the three groups reads as one sentence, not three
    sentences that each say "la prima provincia è Torino"."""
    dataset = load_dataset(national_data)
    piemonte = compute_indicators(dataset.trade, dataset.services, QUARTER, "ITC1")
    italian = " ".join(write_narrative(piemonte, "it", TEMPLATES).provinces)
    english = " ".join(write_narrative(piemonte, "en", TEMPLATES).provinces)
    assert "Torino è la prima provincia in ciascuno dei tre principali gruppi di prodotto: i medicinali (" in italian
    assert "davanti ad Asti con" in italian and "la prima provincia è Torino" not in italian
    # the groups by their short names, the currency once a group: a sentence, not a paragraph
    [groups] = [sentence for sentence in italian.split(". ") if "ciascuno dei tre" in sentence]
    assert "gli aeromobili e veicoli spaziali (" in groups and "relativi dispositivi" not in groups
    assert groups.count("di euro") == 3 and len(groups.split()) <= 60, groups
    assert "Turin led in each of the three main product groups: pharmaceutical preparations (" in english
    # Puglia: Taranto first and Bari second in all three: both named once.
    puglia = compute_indicators(dataset.trade, dataset.services, QUARTER, "ITF4")
    italian = " ".join(write_narrative(puglia, "it", TEMPLATES).provinces)
    assert "Taranto è la prima provincia e Bari la seconda in ciascuno dei tre principali gruppi di prodotto" in italian
    [groups] = [sentence for sentence in italian.split(". ") if "ciascuno dei tre" in sentence]
    assert groups.count("Bari") == 1 and groups.count("Taranto") == 1, groups  # not once a group
    assert re.search(r"\(\d+,\d\smilioni e \d+,\d\smilioni di euro\)", groups), groups


# 4. English names and amounts ------------------------------------------------------------------------

def test_english_names_take_their_article_and_thousands_are_written_out(texts):
    for code in ("ITC2",):  # the region; its one province is Aosta (see the test below)
        aosta = texts[code, "en"]
        assert "the Aosta Valley's high-tech" in aosta and "The Aosta Valley's exports accounted" in aosta
        # After the sentence that ranks it by name, its contribution is "Its": the name is not said twice running.
        assert re.search(r"autonomous provinces for high-tech exports\. Its contribution", aosta), aosta
        assert not re.search(r"(?<!the )(?<!The )Aosta Valley", aosta), code
    assert re.search(r"province autonome italiane per esportazioni hi-tech\. Il loro contributo", texts["ITI3", "it"])
    for (code, lang), text in texts.items():
        if lang == "en":
            assert not re.search(r"€[\d.,]+\s?thousand", text), code
            assert "Türkiye" not in text, code
    assert re.search(r"€\d{3},\d{3}\b", texts["ITC20", "en"])  # "€614,000"
    assert "Turkey" in texts["ITC4D", "en"] and reference.partner_name("TR", "en") == "Turkey"
    assert formatting.money(632_400, "en") == "€632,000" and formatting.money(15_940, "en") == "€15,900"


# 5. and 12. Citations: folded into a parenthesis, every figure and table cited -------------------------

def test_a_citation_after_a_parenthesis_goes_inside_it():
    text = "{f:trend}, (+0,9%) {f:products} {t:products}. Poi {t:none}.".format(
        f=Citation("figure"), t=Citation("table"))
    numbers = {("figure", "trend"): 1, ("figure", "products"): 2, ("table", "products"): 2}
    cited = resolve(text, lambda kind, name: None if (kind, name) not in numbers else
                    f"({'Figura' if kind == 'figure' else 'Tavola'} {numbers[kind, name]})")
    assert cited == "(Figura 1), (+0,9%; Figura 2; Tavola 2). Poi."


def test_every_figure_and_table_is_cited_and_no_parenthesis_follows_another(printed):
    for (code, lang), text in printed.items():
        flat = re.sub(r"\s+", " ", text)
        figure, table = ("Figura", "Tavola") if lang == "it" else ("Figure", "Table")
        for kind in (figure, table):
            captioned = set(re.findall(rf"\b{kind} (\d+) – ", flat))
            cited = set(re.findall(rf"[(;] ?{kind} (\d+)[;)]", flat))
            assert captioned and captioned <= cited, (code, kind, captioned - cited)
        assert not re.search(rf"\) \((?:{figure}|{table}) \d", flat), (code, re.search(r".{40}\) \(\w+ \d", flat))


# 6. No line broken inside a reference, a quarter, points or a count -----------------------------------------------

def test_references_quarters_and_points_never_break_across_lines(printed):
    assert typographic("(Figura 2; Tavola 3), Table 1, Figure 4") == \
        f"(Figura{NBSP}2; Tavola{NBSP}3), Table{NBSP}1, Figure{NBSP}4"
    assert typographic("nel II trimestre 2016, in Q2 2016, −1,5 punti, +0.4 percentage points") == \
        f"nel II{NBSP}trimestre{NBSP}2016, in Q2{NBSP}2016, −1,5{NBSP}punti, +0.4{NBSP}percentage points"
    # A count and what it counts; not the last digits of an amount ("1.557,1 milioni" has its own).
    assert typographic("primi 30 paesi, tra le 21 regioni, 1.557,1 milioni, nel 2017 (dati)") == \
        f"primi 30{NBSP}paesi, tra le 21{NBSP}regioni, 1.557,1 milioni, nel 2017 (dati)"
    for (code, lang), text in printed.items():
        broken = re.search(r"\b(Figura|Tavola|Figure|Table|trimestre|I|II|III|IV|Q[1-4])\n\(?\d|"
                           r"\b(I|II|III|IV)\ntrimestre|\d\n(punti|points|percentage)|"
                           r"(?<![\d.,])\b\d{1,3}\n(paesi|regioni|province|trimestri|countries|regions|quarters)\b", text)
        assert not broken, (code, broken.group(0))


# 7. A product the leading provinces share is named once ----------------------------------------------

def test_a_main_product_shared_by_the_leading_provinces_is_named_once(texts):
    marche = texts["ITI3", "it"]
    specialisation = re.search(r"Quanto alle specializzazioni, [^.]*\.", marche).group(0)
    # All five share it, the fifth too: each named beside its share, not "rispettivamente".
    assert "in tutte e cinque le province il primo prodotto è quello dei medicinali" in specialisation
    assert specialisation.count("medicinali") == 1 and "rispettivamente" not in specialisation
    assert re.search(r"\(Pesaro e Urbino [\d,]+%, Ancona [\d,]+%, .* e Ascoli Piceno [\d,]+% del loro", specialisation)
    english = re.search(r"As for specialisation, [^.]*\.", texts["ITI3", "en"]).group(0)
    assert english.count("pharmaceutical preparations") == 1


# 8. Amounts compared never print alike --------------------------------------------------------------------

AMOUNT = r"€?[\d.,]+\u00a0(?:miliardi|miliardo|milioni|milione|mila|billion|million)?(?:\u00a0euro| di euro)?"


def test_amounts_compared_in_a_sentence_never_print_alike(texts):
    compared = re.compile(rf"({AMOUNT}), (?:contro|against) ({AMOUNT})|(?:tra|between) ({AMOUNT}) \([^)]*\) "
                          rf"(?:e|and) ({AMOUNT})|({AMOUNT}), (?:up|down) [\d.]+% from ({AMOUNT})")
    seen = 0
    for (code, lang), text in texts.items():
        for match in compared.finditer(text):
            first, second = [group for group in match.groups() if group]
            assert first != second, (code, match.group(0))
            seen += 1
    assert seen >= 20
    assert f"5,77{NBSP}miliardi di euro, contro 5,84{NBSP}miliardi" in texts["ITC4", "it"]
    assert formatting.money_pair(5.83e9, 5.78e9, "it") == (f"5,83{NBSP}miliardi di euro", f"5,78{NBSP}miliardi di euro")
    assert formatting.money_pair(5.83e9, 5.2e9, "it") == (f"5,8{NBSP}miliardi di euro", f"5,2{NBSP}miliardi di euro")


def test_a_ranking_never_lists_different_amounts_as_equal(texts):
    """"3,7 milioni; 3,7 milioni; 3,7 milioni" reads as a misprint: the tied neighbours get a
    decimal more, the others keep theirs."""
    tied = formatting.money_apart([9.6e6, 3.74e6, 3.71e6, 3.66e6, 1.2e6, 1.2e6], "it")
    assert [" ".join(amount.split()) for amount in tied] == [
        "9,6 milioni di euro", "3,74 milioni di euro", "3,71 milioni di euro", "3,66 milioni di euro",
        "1,2 milioni di euro", "1,2 milioni di euro"]  # equal amounts stay equal
    money = rf"(?:€\d[\d.,]*{NBSP}(?:million|billion)|\d[\d.,]*{NBSP}(?:milioni|miliardi) di euro)"
    for (code, lang), text in texts.items():
        listings = re.findall(r"(?:Seguono|Vengono poi|Next by value came|followed by)[^.]*", text)
        listings += [clause for movers in re.findall(r"(?:Tra i mercati|Among the markets)[^.]*", text)
                     for clause in movers.split(";")]  # those that rose, those that fell
        for listing in listings:
            amounts = re.findall(money, listing)
            assert all(a != b for a, b in zip(amounts, amounts[1:])), (code, listing)


# 9. "quasi", "oltre" and "circa" are true of the number --------------------------------------------------

def test_approximations_are_true_of_the_number_they_stand_for(sample, texts):
    assert approximation(574e6) is None and approximation(480e6) is None
    assert approximation(586e6) == ("under", 6e8) and approximation(3.15e9) == ("over", 3e9)
    units = {"milioni": 1e6, "miliardi": 1e9, "miliardo": 1e9, "million": 1e6, "billion": 1e9}
    stated = re.compile(r"\b(quasi|oltre|almost|over) €?(\d+|mezzo miliardo|half a billion)(?:\u00a0(\w+))? "
                        r"\(€?([\d.,]+)\u00a0(\w+)")
    all_text = dict(texts, sample=prose(write_narrative(sample[1], "it", TEMPLATES)))
    found = 0
    for code, text in all_text.items():
        for word, rounded, unit, exact, exact_unit in stated.findall(text):
            target = 5e8 if rounded in ("mezzo miliardo", "half a billion") else float(rounded) * units[unit]
            value = float(exact.replace(".", "").replace(",", ".") if "," in exact or code[1] != "en"
                          else exact.replace(",", "")) * units[exact_unit]
            assert target >= 1e9, (code, word, rounded)  # beside millions a round figure only repeats them
            if word in ("quasi", "almost"):
                assert 0.975 * target <= value < target, (code, word, rounded, exact)
            else:
                assert target < value <= 1.1 * target * 1.001, (code, word, rounded, exact)
            found += 1
    assert found >= 2
    assert "quasi mezzo miliardo" not in all_text["sample"]


# 10. One name per product group -------------------------------------------------------------------------

def test_prose_and_tables_call_each_product_group_the_same(texts, printed):
    for lang in ("it", "en"):
        names = Names(TEMPLATES, lang, TEMPLATES.texts(f"{lang}/narrative.toml"))
        for code, product in reference.PRODUCTS.items():
            table_name = product.name(lang)
            assert str(names.product(code)) == table_name[0].lower() + table_name[1:], (lang, code)
            assert ";" not in table_name, table_name  # a name a sentence can hold
    marche = re.sub(r"\s+", " ", printed["ITI3", "it"])
    assert "gli strumenti e apparecchi di misurazione, prova e navigazione e orologi" in marche
    assert "Strumenti e apparecchi di misurazione, prova e navigazione e orologi" in marche  # the table's row


# 11. First and last place in words -------------------------------------------------------------------

def test_first_and_last_place_are_said_in_words(texts):
    assert "La Valle d'Aosta si colloca all'ultimo posto tra le 21 regioni" in texts["ITC2", "it"]
    assert "The Aosta Valley ranked last among Italy's 21 regions" in texts["ITC2", "en"]
    assert "La Lombardia si colloca al primo posto tra le 21 regioni" in texts["ITC4", "it"]
    assert "Lombardy ranked first among" in texts["ITC4", "en"]
    for (code, lang), text in texts.items():
        assert not re.search(r"\b(1°|21°) posto|\b(1st|21st) (among|of)", text), code


# 13. No percentage on a base the tables mark "n.s." --------------------------------------------------

def test_prose_prints_no_change_on_a_base_too_small_to_mean_anything(tmp_path):
    dataset = load_dataset(write_data(tmp_path / "data", SMALL_ROWS))  # every base under 100 thousand euro
    indicators = compute_indicators(dataset.trade, dataset.services, QUARTER, "ITC4")
    assert indicators.exports.previous_eur < formatting.SIGNIFICANT_BASE_EUR
    for lang, words in (("it", "non significativa"), ("en", "not meaningful")):
        text = prose(write_narrative(indicators, lang, TEMPLATES))
        assert words in text, lang
        assert not re.search(r"[+−]\d+[,.]\d%", text), (lang, re.search(r".{60}[+−]\d+[,.]\d%", text))


def test_the_province_of_aosta_is_not_named_as_its_region(texts):
    """The province (ITC20) and the region (ITC2) have figures of their own: the province's text
    names Aosta, so that its exports are never read as the region's, ranked among the regions."""
    for lang, region in (("it", "Valle d'Aosta"), ("en", "Aosta Valley")):
        province = texts["ITC20", lang]
        assert "Aosta" in province
        amount = re.search(r"[^.]*(?:ammontano|amounted)[^.]*", province).group(0)  # whose exports, how much
        assert region not in amount and "Aosta" in amount, amount


def test_a_list_of_names_with_commas_of_their_own_is_split_by_semicolons(national_data, texts):
    """"measuring, testing and navigation instruments, watches and clocks (…); computers (…); and
    …": where a product's own name has a comma, commas alone would not tell the items apart.
    Bolzano lists that group among its other products; the other editions keep plain commas."""
    dataset = load_dataset(national_data)
    bolzano = compute_indicators(dataset.trade, dataset.services, QUARTER, "ITH10")
    for lang, start, name, last in (
            ("it", "Vengono poi", "strumenti e apparecchi di misurazione, prova e navigazione e orologi (", ") e "),
            ("en", "Next by value came", "measuring, testing and navigation instruments, watches and clocks (",
             "); and ")):
        [listing] = [s for s in write_narrative(bolzano, lang, TEMPLATES).products[0].split(". ") if s.startswith(start)]
        assert name in listing and "); " in listing and last in listing, listing
    seen = set()
    for (code, lang), text in texts.items():  # elsewhere: semicolons exactly where a name has a comma
        for listing in re.findall(r"(?:Next by value came|Vengono poi, per valore,) (.*?\))\.", text):
            separator = "); " if "); " in listing else "), "
            names = [re.sub(r"\([^)]*\)?", "", item) for item in listing.split(separator)]
            assert any(", " in name for name in names) == (separator == "); "), (code, listing)
            seen.add(separator)
    assert "); " in seen
    # Two such items are parted by the semicolon alone: "A (…); and B (…)" reads as a list that lost an item.
    two, three = ["watches, clocks (1)", "computers (2)"], ["watches, clocks (1)", "computers (2)", "phones (3)"]
    words = {lang: Wording(bolzano, lang, TEMPLATES.texts(f"{lang}/narrative.toml"),
                           Names(TEMPLATES, lang, TEMPLATES.texts(f"{lang}/narrative.toml"))) for lang in ("it", "en")}
    assert [words["en"].join(two), words["en"].join(three)] == \
        ["watches, clocks (1); computers (2)", "watches, clocks (1); computers (2); and phones (3)"]
    assert words["it"].join(two) == "watches, clocks (1) e computers (2)"


def test_the_markets_that_fell_are_called_the_largest_falls_only_when_there_were_more(national_data):
    """"Le flessioni più ampie sono quelle verso la Germania e la Francia" promises a third: where
    the two named are all the markets (2nd to 10th) that fell, they are "le uniche flessioni"
    ("the only falls"); one alone is "l'unica flessione"."""
    dataset = load_dataset(national_data)
    said = {}
    for code in reference.regions():
        indicators = compute_indicators(dataset.trade, None, QUARTER, code)
        leading = [d for d in indicators.destinations if 1 < d.rank <= MOVERS_AMONG and significant(d.previous_eur)]
        falling = sum(direction(d.yoy_pct) == "down" for d in leading)
        italian = " ".join(write_narrative(indicators, "it", TEMPLATES).destinations)
        english = " ".join(write_narrative(indicators, "en", TEMPLATES).destinations)
        expected = {1: ("l'unica flessione è quella", "the only fall was in"),
                    2: ("le uniche flessioni sono quelle", "the only falls were in")}.get(
            falling, ("le flessioni più ampie sono quelle", "the largest falls were in") if falling else None)
        if expected:
            assert expected[0] in italian and expected[1] in english, (code, falling, italian)
            said[falling if falling < 3 else 3] = code
    assert set(said) == {1, 2, 3}, said  # the sample has regions of each kind
