"""The small rules that turn figures into the words an analyst would use; the words themselves
are in the language's `narrative.toml`.

* a value is approximated by its first significant digit only when the words are true of it as a
  reader takes them: "oltre 3 miliardi" for 3.15 billion (at most 10% above the round figure),
  "quasi 300 milioni" for 293 million (at most 2.5% below it); 574 million is neither "quasi 600"
  nor "oltre 500", and is printed as it is;
* a share is called "circa un terzo" when it is within 8% (relative) of a simple fraction
  ("oltre un terzo" when more than a point above it);
* a change is rising or falling only if it is non-zero as printed with one decimal;
* a figure takes the Italian article its sound asks for ("il 13,0%", "l'8,1%", "lo 0,3%"), a name
  the article its table gives ("la Lombardia"); a template puts either after a preposition with a
  format spec, `{share:di}` "dello 0,3%", `{territory:di}` "della Lombardia" (the contracted forms
  are the language's `[prepositions]` table, never spelt out here); a bare name that begins with
  the preposition's own vowel takes its euphonic form when the table gives one ("ad Ancona");
* a verb agrees with a name that is plural ("le Marche si collocano"): a template writes both
  forms after the name's placeholder, `{territory:si colloca|si collocano}`;
* an ordinal takes the form of its CLDR ordinal category ("1st", "2nd", "3rd", "4th").
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from functools import lru_cache

from babel import Locale

from bulletin.text.formatting import LOCALES, number, rounded

OVER_TOLERANCE = 0.05     # "oltre 3 miliardi" for up to 5% above the round figure (not 97 million for 90)
UNDER_TOLERANCE = 0.025   # "quasi 300 milioni" for up to 2.5% below it (293 million, not 574 for 600)
FRACTION_TOLERANCE = 0.08  # "circa un terzo" within 8% of one third,
FRACTION_TOLERANCE_POINTS = 2.0  # and within 2 points: 71,9% is not "circa tre quarti"
FRACTION_OVER_POINTS = 1.0  # more than this above it is "oltre un terzo" (35,2%); below, "circa" (31,5%, the press release's)
FRACTIONS = (("1/2", 1 / 2), ("1/3", 1 / 3), ("2/3", 2 / 3), ("1/4", 1 / 4), ("3/4", 3 / 4),
             ("1/5", 1 / 5), ("1/10", 1 / 10))
HALF_BILLION = 5e8
NO_ARTICLE = "-"  # the article of a name that takes none ("di Milano"), in every table
AGREEMENT = "|"   # `{x:singular|plural}`: the form that agrees in number with the name x


def direction(change: float | None, decimals: int = 1) -> str:
    """"up", "down", "flat" (zero as printed) or "na" (no base to compare with)."""
    if change is None:
        return "na"
    printed = rounded(change, decimals)
    if printed == 0:
        return "flat"
    return "up" if printed > 0 else "down"


def approximation(value: float) -> tuple[str, float] | None:
    """("over", 3e9) for 3.15 billion, ("under", 3e8) for 293 million, None when no round figure is near.

    The round figures are the multiples of the value's first significant digit; values under a
    million are not approximated.
    """
    if not math.isfinite(value) or value < 1e6:
        return None
    step = 10.0 ** math.floor(math.log10(value))
    low = math.floor(value / step) * step
    high = low + step
    candidates = []
    if value > low and (value - low) / value <= OVER_TOLERANCE:
        candidates.append((value - low, "over", low))
    if value < high and (high - value) / high <= UNDER_TOLERANCE:
        candidates.append((high - value, "under", high))
    if not candidates:
        return None
    _, qualifier, target = min(candidates)
    return qualifier, target


def fraction(share_pct: float | None) -> str | None:
    """"1/3" for 31.5%, None when the share is not near a simple fraction."""
    if share_pct is None or not math.isfinite(share_pct):
        return None
    value = share_pct / 100.0
    key, target = min(FRACTIONS, key=lambda item: abs(value - item[1]))
    near = abs(value - target) <= min(FRACTION_TOLERANCE * target, FRACTION_TOLERANCE_POINTS / 100)
    return key if near else None


def fraction_side(share_pct: float, key: str) -> str:
    """"over" for a share more than `FRACTION_OVER_POINTS` above the fraction `key` it is near
    ("oltre un terzo (35,2%)"), else "about" ("circa un terzo (31,5%)", as the press release
    says it)."""
    return "over" if share_pct - 100 * dict(FRACTIONS)[key] > FRACTION_OVER_POINTS else "about"


def elides(text: str) -> bool:
    """True if an Italian article before `text` elides: l'8,1%, dell'11,0%, all'1,5%, l'Unione.

    A rule of pronunciation rather than a word list, so it stays here: a figure elides when it is
    read starting with a vowel (otto..., uno, undici, undicimila), a name when it starts with one.
    """
    match = re.match(r"\d[\d.]*", text)
    if match:
        digits = match.group(0).replace(".", "")
        return (digits.startswith("8") or digits in ("1", "11")
                or (len(digits) == 5 and digits.startswith("11")))
    return text[:1].lower() in "aeiouàèéìòóù"


def figure_article(text: str, lang: str) -> str:
    """The article a printed figure takes: Italian "il 13,0%", "l'8,1%", "lo 0,3%" ("zero" starts
    with a z); English none ("-"). Keys of the `[prepositions]` tables."""
    if lang != "it":
        return NO_ARTICLE
    if re.match(r"0(?![\d.])", text):
        return "lo"
    return "l'" if elides(text) else "il"


def ordinal(rank: int, lang: str, forms: Mapping[str, str]) -> str:
    """"2°", "2nd": `forms` maps CLDR ordinal categories ("one", "two", "few", "many", "other") to
    a template with {n}; a category without a form of its own takes "other", which must exist."""
    form = forms.get(_ordinal_rule(lang)(rank)) or forms["other"]
    return form.format(n=number(rank, lang))


@lru_cache(maxsize=None)
def _ordinal_rule(lang: str):
    return Locale.parse(LOCALES[lang]).ordinal_form


class Figure(str):
    """A printed figure or name that a template may put after a preposition: `{share:di}` prints
    "del 31,5%", "dell'8,1%" or "dello 0,3%"; `{territory:di}` "della Lombardia"; `{x:art}` the
    article alone ("lo 0,3%", "gli Stati Uniti"); `{x:esporta|esportano}` the verb (or any words)
    that agree with the name in number ("le Marche esportano").

    The form is the language's `[prepositions]` table's entry for the spec and the article,
    placed before `stem` (the name after an article: "Spezia" for La Spezia, so "della Spezia",
    while the article alone leaves "La Spezia" as it is); a name without an article that begins
    with a vowel takes the entry "-<vowel>" when there is one (`a` has "-a" = "ad ": "ad Ancona",
    but "a Imperia"); `forms` are forms of a name's own that win over the table ("Lombardy's").
    It formats itself, so `Texts.fill` passes it through unescaped (names are escaped before they
    become figures).
    """

    article: str
    prepositions: Mapping[str, Mapping[str, str]]
    stem: str
    forms: Mapping[str, str]
    plural: bool

    def __new__(cls, text: str, article: str = NO_ARTICLE, prepositions: Mapping[str, Mapping[str, str]] | None = None,
                stem: str | None = None, forms: Mapping[str, str] | None = None, plural: bool = False):
        obj = super().__new__(cls, text)
        obj.article, obj.prepositions = article, prepositions or {}
        obj.stem, obj.forms, obj.plural = text if stem is None else stem, forms or {}, plural
        return obj

    def __format__(self, spec: str) -> str:
        if not spec:
            return str(self)
        if AGREEMENT in spec:
            forms = spec.split(AGREEMENT)
            if len(forms) != 2:
                raise ValueError(f"{{x:{spec}}} must give two forms, singular|plural")
            return forms[1] if self.plural else forms[0]
        if spec in self.forms:
            return self.forms[spec]
        table = self.prepositions.get(spec)
        if not isinstance(table, Mapping):
            raise ValueError(f"no form {spec!r}: not in [prepositions] (nor a form of {str(self)!r})")
        prefix = table.get(self.article)
        if not isinstance(prefix, str):
            raise ValueError(f"[prepositions] {spec} has no form for the article {self.article!r} ({str(self)!r})")
        if self.stem != self and prefix.strip().lower() == self.article.lower():
            return str(self)  # a name that carries its article is its own articled form: "La Spezia"
        if self.article == NO_ARTICLE and self.stem[:1].isalpha():
            prefix = table.get(NO_ARTICLE + self.stem[:1].lower(), prefix)  # "ad Ancona"
        return prefix + self.stem
