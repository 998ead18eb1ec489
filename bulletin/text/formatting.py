"""Numbers written the way the reader's language writes them: 3,2 miliardi; 409 milioni; +13,0%.

Text, tables, charts and the e-mail all format through these functions, so a figure printed
twice is printed the same way twice. Separators come from CLDR through Babel, not from
hand-written rules; the words ("miliardi", "di euro", "n.d.", "I trimestre") from the
language's `numbers.toml`.

`numbers.toml` is read from the templates shipped with the package, not from a user's template
folder: every stage calls these functions with a language only, and a figure must read the same
in the text, the tables, the charts and the check made before sending.
"""
from __future__ import annotations

import decimal
import math
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern

from bulletin.errors import ConfigError
from bulletin.templates import Templates

LOCALES = {"it": "it_IT", "en": "en_GB"}
ROMAN_QUARTERS = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class NumberWords:
    """The words of one language's figures, from `templates/<lang>/numbers.toml`."""

    not_available: str           # "n.d."
    billion: tuple[str, str]     # singular and plural, with {n}: "{n} miliardo", "{n} miliardi"
    million: tuple[str, str]
    euro: str                    # an amount in full: "{amount} euro"
    euro_scaled: str             # an amount in words: "{amount} di euro"
    quarter: str                 # "{roman} trimestre {year}"; also {number}
    quarter_short: str           # "{roman} trim. {year}"


@lru_cache(maxsize=None)
def number_words(lang: str) -> NumberWords:
    texts = Templates(None).texts(f"{lang}/numbers.toml")

    def pair(key: str) -> tuple[str, str]:
        value = texts.strings.get(key)
        if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
            raise ConfigError(f"template {texts.name}: {key} must be a pair [singular, plural]")
        return value[0], value[1]

    return NumberWords(not_available=texts.get("not_available"), billion=pair("billion"), million=pair("million"),
                       euro=texts.get("euro"), euro_scaled=texts.get("euro_scaled"), quarter=texts.get("quarter"),
                       quarter_short=texts.get("quarter_short"))


# What a table prints for a figure that has no value ("n.d."), per language.
NOT_AVAILABLE = {lang: number_words(lang).not_available for lang in LOCALES}


_FULL_PRECISION = 400  # digits: the largest float, 1.8e308, in full with its decimals


def number(value: float, lang: str, decimals: int = 0) -> str:
    """A plain number with the locale's grouping and decimal separators: 11.271.607 / 11,271,607.

    Any float prints: the largest in full (Babel's default precision of 28 digits would fail on
    1e40), and what is not a number as "n.d.". The data stage refuses such values; a figure derived
    from them (a ratio, a sum) must still never stop an edition.
    """
    if not math.isfinite(value):
        return number_words(lang).not_available
    with decimal.localcontext(prec=_FULL_PRECISION):
        return _pattern(decimals).apply(round(value, decimals) if decimals else round(value), _locale(lang))


@lru_cache(maxsize=None)
def _pattern(decimals: int) -> NumberPattern:
    """Parsed once: an edition formats about a thousand numbers."""
    return parse_pattern("#,##0" + ("." + "0" * decimals if decimals else ""))


@lru_cache(maxsize=None)
def _locale(lang: str) -> Locale:
    return Locale.parse(LOCALES[lang])


def pct(value: float | None, lang: str, decimals: int = 1, signed: bool = True) -> str:
    """A percentage change: +13,0%, -2,4%; "n.d." when there is no base to compare with."""
    if value is None or not math.isfinite(value):
        return number_words(lang).not_available
    rounded = round(value, decimals)
    if rounded == 0:
        rounded = 0.0  # no "-0,0%"
    text = number(abs(rounded), lang, decimals)
    sign = ("+" if rounded > 0 else "-" if rounded < 0 else "") if signed else ("-" if rounded < 0 else "")
    return f"{sign}{text}%"


def share(value: float | None, lang: str, decimals: int = 1) -> str:
    """A share of a whole: 31,6%."""
    return pct(value, lang, decimals, signed=False)


def money(value_eur: float, lang: str, decimals: int | None = None, unit: bool = True) -> str:
    """Euros in words a reader takes in at a glance: 3,2 miliardi, 409 milioni, 15,9 milioni.

    Below a million the full figure is printed. By default billions get one decimal, millions
    none above 100 and one below, so that small provinces do not all read "0 milioni".
    """
    words = number_words(lang)
    if not math.isfinite(value_eur):
        return words.not_available
    for divisor, (singular, plural) in ((1e9, words.billion), (1e6, words.million)):
        if abs(value_eur) >= divisor * 0.9995:
            scaled = value_eur / divisor
            places = decimals if decimals is not None else (1 if divisor == 1e9 or abs(scaled) < 100 else 0)
            text = number(scaled, lang, places)
            amount = (singular if text == "1" else plural).format(n=text)
            return words.euro_scaled.format(amount=amount) if unit else amount
    amount = number(value_eur, lang)
    return words.euro.format(amount=amount) if unit else amount


def millions(value_eur: float, lang: str, decimals: int = 1) -> str:
    """Millions of euros for tables, where the unit is in the column header: 409,3."""
    return number(value_eur / 1e6, lang, decimals)


def quarter_label(quarter: str, lang: str, short: bool = False) -> str:
    """2017Q1 -> "I trimestre 2017" / "Q1 2017"."""
    year, q = quarter[:4], int(quarter[-1])
    words = number_words(lang)
    return (words.quarter_short if short else words.quarter).format(roman=ROMAN_QUARTERS[q - 1], number=q, year=year)
