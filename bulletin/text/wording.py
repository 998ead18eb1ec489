"""What every section of the narrative shares: one language's sentences, and the pieces they are
made of (figures as the formatters print them, names with their articles, lists, levels).

Territories, countries and product groups are named by the language's tables (`names`), with the
article a sentence gives them; names from the data that no table inflects (services, agencies)
are escaped here, once, when they become figures. The sentences themselves are reportlab
paragraph markup as the translator wrote them (`<i>`, `&amp;`), so they are filled without
escaping.
"""
from __future__ import annotations

import re

from xml.sax.saxutils import escape

from bulletin.errors import ConfigError
from bulletin.indicators.compute import Indicators, ProvinceFigures, RankedItem
from bulletin.templates import Texts
from bulletin.text import formatting
from bulletin.text.citations import Citation
from bulletin.text.grammar import (HALF_BILLION, NO_ARTICLE, Figure, approximation, direction, figure_article,
                                   fraction, fraction_side, ordinal)
from bulletin.text.names import Names


ROUND_FROM_EUR = 1e9  # the smallest round amount a sentence gives beside the exact one


class Wording:
    """The sentences of one language (`templates/<lang>/narrative.toml`) filled for one edition,
    with the names of the language's tables (`names.Names`)."""

    def __init__(self, indicators: Indicators, lang: str, texts: Texts, names: Names):
        self.lang, self.texts, self.names = lang, texts, names
        self.prepositions = texts.table("prepositions")
        self.common = {
            "quarter": formatting.quarter_label(indicators.quarter, lang),
            "previous_quarter": formatting.quarter_label(indicators.previous_year_quarter, lang),
            "year": indicators.quarter[:4],
            "previous_year": indicators.previous_year_quarter[:4],
            "territory": names.territory(indicators.territory["code"]),
            # "{table:products}", "{figure:trend}": numbered by the document (`text.citations`).
            "table": Citation("table"),
            "figure": Citation("figure"),
        }

    def fill(self, key: str, **values) -> str:
        """The sentence `key`, with the edition's common values and `values` (already markup)."""
        return self.texts.fill(key, **{**self.common, **values})

    # Figures and names ----------------------------------------------------------------------------

    def fig(self, text: str) -> Figure:
        """A printed figure, with the article its sound asks for ("lo 0,3%")."""
        return Figure(text, figure_article(text, self.lang), self.prepositions)

    def money(self, value: float) -> Figure:
        return self.fig(formatting.money(value, self.lang))

    def amount(self, value: float) -> Figure:
        """An amount without its currency ("32,0 milioni"), where the sentence has just given it."""
        return self.fig(formatting.money(value, self.lang, unit=False))

    def pct(self, value: float | None) -> Figure:
        return self.fig(formatting.pct(value, self.lang))

    def abs_pct(self, value: float | None) -> Figure:
        return self.fig(formatting.pct(None if value is None else abs(value), self.lang, signed=False))

    def share(self, value: float | None) -> Figure:
        return self.fig(formatting.share(value, self.lang))

    def number(self, value: int) -> Figure:
        return self.fig(formatting.number(value, self.lang))

    def count(self, value: int) -> Figure:
        """How many of something (provinces, quarters) as a sentence says it: in words where the
        language's [counts] has them ("cinque"), as a figure otherwise ("12")."""
        word = self.texts.table("counts").get(str(value))
        return self.fig(word) if isinstance(word, str) else self.number(value)

    def money_pair(self, first: float, second: float) -> tuple[Figure, Figure]:
        """Two amounts a sentence compares, told apart by a decimal more if they print alike."""
        printed = formatting.money_pair(first, second, self.lang)
        return self.fig(printed[0]), self.fig(printed[1])

    def money_apart(self, values: list[float]) -> list[Figure]:
        """Amounts a sentence lists in rank order, neighbours that print alike told apart."""
        return [self.fig(text) for text in formatting.money_apart(values, self.lang)]

    def rank(self, rank: int, count: int) -> Figure:
        """A place in a ranking as a sentence says it: "primo" for the first, "ultimo" for the
        last of several ("all'ultimo posto", not "al 21° posto"), else the ordinal ("12°")."""
        words = self.texts.table("rank_words")
        if rank == 1 and isinstance(words.get("first"), str):
            return self.fig(words["first"])
        if rank == count > 1 and isinstance(words.get("last"), str):
            return self.fig(words["last"])
        return self.ordinal(rank)

    def ordinal(self, rank: int) -> Figure:
        """A place as a sentence says it: in words where the language's [ordinal_words] has it
        ("quinto", "fifth"), else from [ordinal] ("12°", "12th")."""
        word = self.texts.table("ordinal_words").get(str(rank))
        if isinstance(word, str):
            return self.fig(word)
        forms = self.texts.table("ordinal")
        if not isinstance(forms.get("other"), str):
            raise ConfigError(f"template {self.texts.name}: [ordinal] needs the form \"other\"")
        return self.fig(ordinal(rank, self.lang, forms))

    def name(self, text: str) -> Figure:
        """A name from the data that no table inflects (a service, an agency), escaped."""
        return Figure(escape(text), NO_ARTICLE, self.prepositions)

    def product(self, item: RankedItem, short: bool = False) -> Figure:
        return self.names.product(item.code, short)

    def country(self, item: RankedItem) -> Figure:
        return self.names.country(item.code, item.name[self.lang])

    def area(self, item: RankedItem) -> Figure:
        """The area as it reads after "verso" ("l'Asia orientale"), or its name."""
        in_text = self.texts.table("area_in_text").get(item.code)
        if not isinstance(in_text, str):
            return self.name(item.name[self.lang])
        return Figure(in_text, NO_ARTICLE, self.prepositions)

    def territory(self, code: str) -> Figure:
        return self.names.territory(code)

    def province(self, item: ProvinceFigures) -> Figure:
        return self.names.territory(item.code)

    def counted(self, count: int, key: str) -> str:
        """The singular or the plural of `key` in [plural], as `count` wants it."""
        forms = self.texts.table("plural").get(key)
        if not (isinstance(forms, list) and len(forms) == 2):
            raise ConfigError(f"template {self.texts.name}: [plural] {key} must be a pair [singular, plural]")
        return forms[0] if count == 1 else forms[1]

    def mover_words(self, rising: int, falling: int, kind: str = "", shown: int = 1) -> dict[str, str]:
        """{up_how} and {down_how} from [movers]: "la crescita più marcata", or "l'unica crescita"
        when only one rose (a superlative of one reads as an error), or "le uniche flessioni" when
        the `shown` named are all that fell ("le flessioni più ampie" of two promises others);
        `kind` "market_" for markets."""
        words = self.texts.table("movers")

        def word(change: str, count: int) -> str:
            key = f"{kind}{change}" + ("_only" if count == 1 else "_all" if 1 < count <= shown else "")
            if not isinstance(words.get(key), str):
                raise ConfigError(f"template {self.texts.name}: [movers] needs {key}")
            return words[key]
        return {"up_how": word("up", rising), "down_how": word("down", falling)}

    # Phrases ----------------------------------------------------------------------------------------

    def level(self, value: float) -> str:
        """"oltre 3 miliardi (3,1 miliardi di euro)", or just the exact figure when no round one is
        near, or when the round one is under a billion: it helps a reader take in billions, and
        beside millions only says the figure twice ("quasi 700 milioni (688 milioni di euro)")."""
        exact = self.money(value)
        approx = approximation(value)
        if approx is None or approx[1] < ROUND_FROM_EUR or formatting.money(approx[1], self.lang) == exact:
            return self.fill("level_exact", exact=exact)
        qualifier, target = approx
        words = self.texts.table("approx")
        if target == HALF_BILLION and "half_billion" in words:
            round_bare, round_unit = words["half_billion"], words.get("half_billion_unit", words["half_billion"])
        else:
            round_bare = formatting.money(target, self.lang, decimals=0, unit=False)
            round_unit = formatting.money(target, self.lang, decimals=0)
        return self.fill("level_approx", qualifier=words.get(qualifier, ""), round_bare=self.fig(round_bare),
                         round=self.fig(round_unit), exact=exact)

    def share_level(self, value: float) -> str:
        """"circa un terzo (31,5%)", "oltre un terzo (35,2%)" or "il 12,0%"."""
        key = fraction(value)
        words = self.texts.table("fractions")
        if key is None or key not in words:
            return self.fill("share_exact", share=self.share(value))
        qualifier = self.texts.table("approx").get(fraction_side(value, key), "")
        return self.fill("share_approx", approx=self.fig(f"{qualifier} {words[key]}".strip()), share=self.share(value))

    def direction(self, value: float | None, base: float | None = None) -> str:
        """The variant of a sentence for a change: "up", "down", "flat", "na" (no base to compare
        with) or "ns" (a base under `formatting.SIGNIFICANT_BASE_EUR`, where the tables print
        "n.s.": the text gives no percentage either)."""
        if value is not None and not significant(base):
            return "ns"
        return direction(value)

    def change_note(self, value: float | None, base: float | None = None) -> Figure:
        """The signed change for a parenthesis, "+13,0%", "var. n.d." or "var. non significativa";
        "nessuna variazione" for a figure exactly as it was (116 firms both years), where "0,0%"
        would read as a change rounded away."""
        kind = self.direction(value, base)
        if kind in ("na", "ns"):
            return self.fig(self.fill(f"change_note_{kind}", change=self.pct(None)))
        if value == 0:
            return self.fig(self.fill("change_note_same"))
        return self.pct(value)

    def change_clause(self, value: float | None, base: float | None = None) -> str:
        """"in crescita del 13,0%", "in calo del 2,4%", "senza variazioni (0,0%)", "variazione non
        disponibile (n.d.)", "variazione non significativa"."""
        return self.fill(f"change_{self.direction(value, base)}", change=self.abs_pct(value))

    def balance_side(self, balance: float) -> str:
        """"surplus", "deficit", or "even" when the balance prints as nothing."""
        if formatting.money(abs(balance), self.lang) == formatting.money(0, self.lang):
            return "even"
        return "surplus" if balance > 0 else "deficit"

    def balance_phrase(self, balance: float, kind: str = "balance") -> str:
        """"è passivo per 20,5 milioni di euro"; with `kind` "balance_before", the balance a year
        before as a sentence compares with it ("un saldo passivo di 18,4 milioni di euro")."""
        return self.fill(f"{kind}_{self.balance_side(balance)}", balance=self.money(abs(balance)))

    # Lists ------------------------------------------------------------------------------------------

    def join(self, items: list[str]) -> str:
        """"A, B e C"; "A; B; and C" when an item has a separator of its own outside brackets
        ("measuring, testing and navigation instruments, watches and clocks (…)"), if the language
        gives the stronger separators (`list_separator_long`, `list_and_long`, and for two items
        `list_pair_long`: "A; B", where "A; and B" would read as a list that lost an item)."""
        if len(items) <= 1:
            return "".join(items)
        separator, last = self.texts.get("list_separator"), self.texts.get("list_and")
        if any(separator in re.sub(r"\([^()]*\)", "", item) for item in items):
            separator = self.texts.strings.get("list_separator_long", separator)
            last = self.texts.strings.get("list_pair_long" if len(items) == 2 else "list_and_long", last)
        return separator.join(items[:-1]) + last + items[-1]

    def join_clauses(self, items: list[str]) -> str:
        return self.texts.get("clause_separator").join(items)

    def listing(self, key: str, items: list[str], **values) -> str | None:
        """A sentence with a list: `key` for two or more items, `key_one` for one, None for none."""
        if not items:
            return None
        return self.fill(key if len(items) > 1 else f"{key}_one", items=self.join(items), **values)


def significant(base_eur: float | None) -> bool:
    """Whether a change on this base (the value a year before) means something: the tables print
    "n.s." below `formatting.SIGNIFICANT_BASE_EUR`; None is a base nobody gave, taken as it is."""
    return base_eur is None or abs(base_eur) >= formatting.SIGNIFICANT_BASE_EUR
