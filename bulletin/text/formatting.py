"""Numbers written the way the reader's language writes them: 3,2 miliardi; 409 milioni; +13,0%.

Text, tables, charts and the e-mail all format through these functions, so a figure printed
twice is printed the same way twice. Separators come from CLDR through Babel, not from
hand-written rules; the words ("miliardi", "di euro", "n.d.", "I trimestre") from the
language's `numbers.toml`, which also puts a no-break space between a figure and its unit.
A negative figure takes the minus sign (U+2212), not a hyphen.

The text gives each amount in the unit its size calls for ("3,1 miliardi", "832 mila euro"); a
table gives all its amounts in one unit, chosen from its largest figure (`table_unit`) and named
in its title. A change on a base too small to mean anything is "n.s." (`change`).

`numbers.toml` is read from the templates shipped with the package, not from a user's template
folder: every stage calls these functions with a language only, and a figure must read the same
in the text, the tables, the charts and the check made before sending.
"""
from __future__ import annotations

import decimal
import math
import re
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale
from babel.dates import format_date

from bulletin.errors import ConfigError
from bulletin.templates import Templates

LOCALES = {"it": "it_IT", "en": "en_GB"}
ROMAN_QUARTERS = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class NumberWords:
    """The words of one language's figures, from `templates/<lang>/numbers.toml`."""

    not_available: str           # "n.d."
    not_significant: str         # "n.s.": a change on a base below SIGNIFICANT_BASE_EUR
    billion: tuple[str, str]     # singular and plural, with {n}: "{n} miliardo", "{n} miliardi"
    million: tuple[str, str]
    thousand: tuple[str, str]    # "{n} mila"
    thousand_in_full: bool       # thousands as a rounded number ("€832,000"), not with the word
    table_units: dict[str, str]  # the unit of a table's amounts, by TableUnit.key: "milioni di euro"
    euro: str                    # an amount in full or in thousands: "{amount} euro" ("832 mila euro")
    euro_scaled: str             # an amount in millions or billions: "{amount} di euro"
    quarter: str                 # "{roman} trimestre {year}"; also {number}
    quarter_short: str           # "{roman} trim. {year}"
    day_one: str                 # the first of a month in a date: "1°" (1° dicembre), "1"


@lru_cache(maxsize=None)
def number_words(lang: str) -> NumberWords:
    texts = Templates(None).texts(f"{lang}/numbers.toml")

    def pair(key: str) -> tuple[str, str]:
        value = texts.strings.get(key)
        if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
            raise ConfigError(f"template {texts.name}: {key} must be a pair [singular, plural]")
        return value[0], value[1]

    units = texts.table("table_units")
    missing = [unit.key for unit in TABLE_UNITS if not isinstance(units.get(unit.key), str)]
    if missing:
        raise ConfigError(f"template {texts.name}: [table_units] must name {', '.join(missing)}")
    return NumberWords(not_available=texts.get("not_available"), not_significant=texts.get("not_significant"),
                       billion=pair("billion"), million=pair("million"), thousand=pair("thousand"),
                       thousand_in_full=_flag(texts, "thousand_in_full"),
                       table_units=units, euro=texts.get("euro"), euro_scaled=texts.get("euro_scaled"),
                       quarter=texts.get("quarter"), quarter_short=texts.get("quarter_short"),
                       day_one=texts.get("day_one"))


def _flag(texts, key: str) -> bool:
    value = texts.strings.get(key)
    if not isinstance(value, bool):
        raise ConfigError(f"template {texts.name}: {key} must be true or false")
    return value


@dataclass(frozen=True)
class TableUnit:
    """The one unit of a table's amounts: "thousand" (no decimals), "million" or "billion" (one)."""

    key: str
    divisor: float
    decimals: int
    below: float  # the unit serves tables whose largest amount, in euros, is below this


TABLE_UNITS = (TableUnit("thousand", 1e3, 0, 1e8), TableUnit("million", 1e6, 1, 1e12),
               TableUnit("billion", 1e9, 1, math.inf))
"""Millions up to 999.999,9 (as ISTAT's tables); below 100 million, thousands, so that a small
province's table does not read 0,0 row after row."""

SIGNIFICANT_BASE_EUR = 100_000.0
"""A change on a base (the value a year before) below this is printed "n.s.": from 30.000 to
80.000 euro is "+166,7%", which says nothing. The methodology notes state the threshold."""

MINUS = "\u2212"
NIL = "\u2013"  # a table's figure where there is nothing: an en dash


# What a table prints for a figure that has no value ("n.d."), per language.
NOT_AVAILABLE = {lang: number_words(lang).not_available for lang in LOCALES}


def number(value: float, lang: str, decimals: int = 0) -> str:
    """A plain number with the locale's grouping and decimal separators: 11.271.607 / 11,271,607.

    Rounded as `rounded` rounds (half away from zero, on the decimal figure), then written with
    the separators of the language's locale (CLDR, through Babel): what Babel's "#,##0.0" pattern
    writes for the value, rounding half up, at a fiftieth of its cost (an edition formats about
    two thousand numbers). Any float prints, the largest in full; what is not a number, as
    "n.d.". The data stage refuses such values; a figure derived from them (a ratio, a sum) must
    still never stop an edition.
    """
    if not math.isfinite(value):
        return number_words(lang).not_available
    text = f"{_rounded_decimal(value, decimals):,.{decimals}f}"
    text = text.translate(_separators(lang))
    return MINUS + text[1:] if text.startswith("-") else text


def rounded(value: float, decimals: int = 0) -> float:
    """`value` to `decimals` places as the bulletin prints it: half away from zero, on the decimal
    figure the float stands for (its shortest form, `repr`), as a reader rounds the figure of the
    data and as a spreadsheet's ROUND does: 3,15 billion is 3,2; 1,05 is 1,1. Python's `round`
    rounds the binary float instead (3.15 is 3.1499999…), half to even, and printed 3,1."""
    if not math.isfinite(value):
        return value
    return float(_rounded_decimal(value, decimals))


_EXACT = decimal.Context(prec=400)  # every digit of the largest float, and of its decimals


def _rounded_decimal(value: float, decimals: int) -> decimal.Decimal:
    exact = decimal.Decimal(repr(float(value)))  # float(): a NumPy scalar's repr names its type
    return exact.quantize(decimal.Decimal(1).scaleb(-decimals), decimal.ROUND_HALF_UP, _EXACT)


@lru_cache(maxsize=None)
def _separators(lang: str) -> dict[int, str]:
    """Python's separators (",", ".") to the locale's, as `str.translate` takes them."""
    symbols = _locale(lang).number_symbols
    symbols = symbols.get("latn", symbols)  # Babel 2.14 and later: by numbering system
    return str.maketrans({",": symbols["group"], ".": symbols["decimal"]})


@lru_cache(maxsize=None)
def _locale(lang: str) -> Locale:
    return Locale.parse(LOCALES[lang])


def pct(value: float | None, lang: str, decimals: int = 1, signed: bool = True) -> str:
    """A percentage change: +13,0%, −2,4%; "n.d." when there is no base to compare with."""
    if value is None or not math.isfinite(value):
        return number_words(lang).not_available
    printed = rounded(value, decimals)
    if printed == 0:
        printed = 0.0  # no "-0,0%"
    text = number(abs(printed), lang, decimals)
    sign = ("+" if printed > 0 else MINUS if printed < 0 else "") if signed else (MINUS if printed < 0 else "")
    return f"{sign}{text}%"


def points(value: float | None, lang: str, decimals: int = 1) -> str:
    """Percentage points, signed, without the unit the sentence or header names: +0,4, −1,5."""
    return pct(value, lang, decimals).removesuffix("%")


def change(value: float | None, base_eur: float | None, lang: str) -> str:
    """A change in a table: as `pct`, but "n.s." when its base is below SIGNIFICANT_BASE_EUR."""
    if value is not None and base_eur is not None and abs(base_eur) < SIGNIFICANT_BASE_EUR:
        return number_words(lang).not_significant
    return pct(value, lang)


def share(value: float | None, lang: str, decimals: int = 1) -> str:
    """A share of a whole: 31,6%."""
    return pct(value, lang, decimals, signed=False)


def money(value_eur: float, lang: str, decimals: int | None = None, unit: bool = True) -> str:
    """Euros in words a reader takes in at a glance: 3,2 miliardi, 409 milioni, 15,9 milioni, 832 mila.

    By default billions get one decimal, millions and thousands none from 100 up and one below,
    so that small provinces do not all read "0 milioni" (`decimals` adds to or replaces that).
    Only amounts below a thousand euros are printed in full: never "831.832 euro". A language
    whose `numbers.toml` sets `thousand_in_full` writes thousands as a rounded number instead of
    a word, as English prose does: "€832,000", not "€832 thousand".
    """
    words = number_words(lang)
    if not math.isfinite(value_eur):
        return words.not_available
    scale = _scale(value_eur)
    if scale is None:
        amount = number(value_eur, lang)
        return words.euro.format(amount=amount) if unit else amount
    divisor, places = scale
    places = places if decimals is None else decimals
    (singular, plural) = {1e9: words.billion, 1e6: words.million, 1e3: words.thousand}[divisor]
    text = number(value_eur / divisor, lang, places)
    if divisor == 1e3 and words.thousand_in_full:
        amount = number(rounded(value_eur / divisor, places) * divisor, lang)
    else:
        amount = (singular if text == "1" else plural).format(n=text)
    if not unit:
        return amount
    return (words.euro if divisor == 1e3 else words.euro_scaled).format(amount=amount)  # "832 mila euro"


def _scale(value_eur: float) -> tuple[float, int] | None:
    """The unit an amount is written in (1e9, 1e6 or 1e3) and its decimals; None below a thousand."""
    for divisor in (1e9, 1e6, 1e3):
        if abs(value_eur) >= divisor * 0.9995:
            scaled = value_eur / divisor
            return divisor, 1 if divisor == 1e9 or abs(rounded(scaled, 1)) < 100 else 0
    return None


def money_pair(first_eur: float, second_eur: float, lang: str) -> tuple[str, str]:
    """Two amounts a sentence compares, told apart as `money_apart` tells them:
    "5,83 contro 5,78 miliardi", not "5,8 contro 5,8 miliardi"."""
    first, second = money_apart([first_eur, second_eur], lang)
    return first, second


def money_apart(values_eur: list[float], lang: str) -> list[str]:
    """Amounts a sentence lists in order, as `money` prints them; a run of neighbours that would
    print alike ("3,7 milioni; 3,7 milioni; 3,7 milioni") but differ gets one more decimal at a
    time, up to three more, until its amounts read apart ("3,74; 3,71; 3,66 milioni"): a reader
    would otherwise take a ranking of equal figures for a misprint. The others keep their digits."""
    printed = [money(value, lang) for value in values_eur]
    start = 0
    while start < len(values_eur):
        end = start + 1
        while end < len(values_eur) and printed[end] == printed[start]:
            end += 1
        run = values_eur[start:end]
        scales = {_scale(value) for value in run}
        if len(run) > 1 and len(set(run)) > 1 and len(scales) == 1 and None not in scales:
            places = scales.pop()[1]
            for extra in (1, 2, 3):
                printed[start:end] = [money(value, lang, places + extra) for value in run]
                if len(set(printed[start:end])) == len(set(run)):
                    break
        start = end
    return printed


def millions(value_eur: float, lang: str, decimals: int = 1) -> str:
    """Millions of euros for charts, where the unit is on the axis: 409,3."""
    return number(value_eur / 1e6, lang, decimals)


def table_unit(values_eur) -> TableUnit:
    """The unit of a table whose amounts are `values_eur` (None for a missing one), from its largest."""
    largest = max((abs(v) for v in values_eur if v is not None and math.isfinite(v)), default=0.0)
    return next(unit for unit in TABLE_UNITS if largest < unit.below)


def in_unit(value_eur: float | None, unit: TableUnit, lang: str) -> str:
    """An amount in a table's unit, without the unit (it is in the title): 1.050,0; "n.d." if
    missing; "–" if nothing at all, as ISTAT's tables mark a nil figure (a small one is 0,0)."""
    if value_eur is None:
        return number_words(lang).not_available
    if value_eur == 0:
        return NIL
    return number(value_eur / unit.divisor, lang, unit.decimals)


def unit_name(unit: TableUnit, lang: str) -> str:
    """"milioni di euro", for a table's title."""
    return number_words(lang).table_units[unit.key]


def quarter_label(quarter: str, lang: str, short: bool = False) -> str:
    """2017Q1 -> "I trimestre 2017" / "Q1 2017"."""
    year, q = quarter[:4], int(quarter[-1])
    words = number_words(lang)
    return (words.quarter_short if short else words.quarter).format(roman=ROMAN_QUARTERS[q - 1], number=q, year=year)


def long_date(day, lang: str) -> str:
    """A date as the cover, the colophon and the text write it: "1° dicembre 2026", "20 March 2017"."""
    text = format_date(day, format="long", locale=LOCALES[lang])
    return re.sub(r"^1(?=\D)", number_words(lang).day_one, text) if day.day == 1 else text
