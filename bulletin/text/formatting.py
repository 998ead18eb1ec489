"""Numbers written the way the reader's language writes them: 3,2 miliardi; 409 milioni; +13,0%.

Text, tables and charts all format through these functions, so a figure printed twice is
printed the same way twice. Separators come from CLDR through Babel, not from hand-written rules.
"""
from __future__ import annotations

from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern

LOCALES = {"it": "it_IT", "en": "en_GB"}
NOT_AVAILABLE = {"it": "n.d.", "en": "n.a."}

# Scale words: (threshold, divisor, singular, plural) per language, largest first.
_SCALES = {
    "it": ((1e9, 1e9, "miliardo", "miliardi"), (1e6, 1e6, "milione", "milioni"), (1e3, 1e3, "mila", "mila")),
    "en": ((1e9, 1e9, "billion", "billion"), (1e6, 1e6, "million", "million"), (1e3, 1e3, "thousand", "thousand")),
}


def number(value: float, lang: str, decimals: int = 0) -> str:
    """A plain number with the locale's grouping and decimal separators: 11.271.607 / 11,271,607."""
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
    if value is None:
        return NOT_AVAILABLE[lang]
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
    for threshold, divisor, singular, plural in _SCALES[lang][:2]:
        if abs(value_eur) >= threshold * 0.9995:
            scaled = value_eur / divisor
            places = decimals if decimals is not None else (1 if divisor == 1e9 or abs(scaled) < 100 else 0)
            text = number(scaled, lang, places)
            word = singular if text == "1" else plural
            return _with_unit(f"{text} {word}", lang, unit)
    return _with_unit(number(value_eur, lang), lang, unit)


def _with_unit(amount: str, lang: str, unit: bool) -> str:
    if not unit:
        return amount
    return f"{amount} di euro" if lang == "it" and not amount[-1].isdigit() else (
        f"{amount} euro" if lang == "it" else f"€{amount}")


def millions(value_eur: float, lang: str, decimals: int = 1) -> str:
    """Millions of euros for tables, where the unit is in the column header: 409,3."""
    return number(value_eur / 1e6, lang, decimals)


def quarter_label(quarter: str, lang: str, short: bool = False) -> str:
    """2017Q1 -> "I trimestre 2017" / "Q1 2017"."""
    year, q = quarter[:4], int(quarter[-1])
    if lang == "it":
        roman = ("I", "II", "III", "IV")[q - 1]
        return f"{roman} trim. {year}" if short else f"{roman} trimestre {year}"
    return f"Q{q} {year}"
