"""What every section of the narrative shares: one language's sentences, and the pieces they are
made of (figures as the formatters print them, names escaped for reportlab, lists, levels).

Names from the data are escaped here, once, when they become figures; the sentences themselves
are reportlab paragraph markup as the translator wrote them (`<i>`, `&amp;`), so they are filled
without escaping.
"""
from __future__ import annotations

from xml.sax.saxutils import escape

from bulletin.errors import ConfigError
from bulletin.indicators.compute import Indicators, ProvinceFigures, RankedItem
from bulletin.templates import Texts
from bulletin.text import formatting
from bulletin.text.grammar import HALF_BILLION, Figure, approximation, direction, fraction, mid_sentence, ordinal


def territory_of(code: str, name: str, texts: Texts) -> str:
    """The territory after "of", as plain text (not escaped): "della Lombardia", "di Milano", "of Lombardy"."""
    special = texts.table("territory_of_names").get(code)
    return special if isinstance(special, str) else texts.fill("territory_of", name=name)


class Wording:
    """The sentences of one language (`templates/<lang>/narrative.toml`) filled for one edition."""

    def __init__(self, indicators: Indicators, lang: str, texts: Texts):
        self.lang, self.texts = lang, texts
        self.articles = texts.table("articles")
        self.common = {
            "quarter": formatting.quarter_label(indicators.quarter, lang),
            "previous_quarter": formatting.quarter_label(indicators.previous_year_quarter, lang),
            "year": indicators.quarter[:4],
            "previous_year": indicators.previous_year_quarter[:4],
            "territory": self.name(indicators.territory["name"][lang]),
            "territory_of": self.territory_of(indicators.territory["code"], indicators.territory["name"][lang]),
        }

    def fill(self, key: str, **values) -> str:
        """The sentence `key`, with the edition's common values and `values` (already markup)."""
        return self.texts.fill(key, **{**self.common, **values})

    def territory_of(self, code: str, name: str) -> str:
        """"della Lombardia", escaped."""
        return escape(territory_of(code, name, self.texts))

    # Figures and names ----------------------------------------------------------------------------

    def fig(self, text: str) -> Figure:
        return Figure(text, self.articles)

    def money(self, value: float) -> Figure:
        return self.fig(formatting.money(value, self.lang))

    def pct(self, value: float | None) -> Figure:
        return self.fig(formatting.pct(value, self.lang))

    def abs_pct(self, value: float | None) -> Figure:
        return self.fig(formatting.pct(None if value is None else abs(value), self.lang, signed=False))

    def share(self, value: float | None) -> Figure:
        return self.fig(formatting.share(value, self.lang))

    def number(self, value: int) -> Figure:
        return self.fig(formatting.number(value, self.lang))

    def ordinal(self, rank: int) -> Figure:
        forms = self.texts.table("ordinal")
        if not isinstance(forms.get("other"), str):
            raise ConfigError(f"template {self.texts.name}: [ordinal] needs the form \"other\"")
        return self.fig(ordinal(rank, self.lang, forms))

    def name(self, text: str) -> Figure:
        return self.fig(escape(text))

    def product(self, item) -> Figure:
        return self.name(mid_sentence(item.name[self.lang]))

    def country(self, item: RankedItem) -> Figure:
        return self.in_text("country_in_text", item)

    def area(self, item: RankedItem) -> Figure:
        return self.in_text("area_in_text", item)

    def in_text(self, table: str, item: RankedItem) -> Figure:
        """The name as it reads in a sentence when the template gives a form for it ("the United States")."""
        in_text = self.texts.table(table).get(item.code)
        return self.fig(in_text) if isinstance(in_text, str) else self.name(item.name[self.lang])

    def province(self, item: ProvinceFigures) -> Figure:
        return self.name(item.name[self.lang])

    def counted(self, count: int, key: str) -> str:
        """The singular or the plural of `key` in [plural], as `count` wants it."""
        forms = self.texts.table("plural").get(key)
        if not (isinstance(forms, list) and len(forms) == 2):
            raise ConfigError(f"template {self.texts.name}: [plural] {key} must be a pair [singular, plural]")
        return forms[0] if count == 1 else forms[1]

    # Phrases ----------------------------------------------------------------------------------------

    def level(self, value: float) -> str:
        """"oltre 3 miliardi (3,1 miliardi di euro)", or just the exact figure when no round one is near."""
        exact = self.money(value)
        approx = approximation(value)
        if approx is None or formatting.money(approx[1], self.lang) == exact:
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
        """"circa un terzo (31,5%)" or "il 12,0%"."""
        key = fraction(value)
        words = self.texts.table("fractions")
        if key is None or key not in words:
            return self.fill("share_exact", share=self.share(value))
        about = self.texts.table("approx").get("about", "")
        return self.fill("share_approx", approx=self.fig(f"{about} {words[key]}".strip()), share=self.share(value))

    def change_note(self, value: float | None) -> Figure:
        """The signed change for a parenthesis, "+13,0%", or "var. n.d."."""
        if value is None:
            return self.fig(self.fill("change_note_na", change=self.pct(None)))
        return self.pct(value)

    def change_clause(self, value: float | None) -> str:
        """"in crescita del 13,0%", "in calo del 2,4%", "senza variazioni (0,0%)", "variazione non disponibile (n.d.)"."""
        return self.fill(f"change_{direction(value)}", change=self.abs_pct(value))

    def balance_phrase(self, balance: float) -> str:
        if formatting.money(abs(balance), self.lang) == formatting.money(0, self.lang):
            return self.fill("balance_even")
        key = "balance_surplus" if balance > 0 else "balance_deficit"
        return self.fill(key, balance=self.money(abs(balance)))

    # Lists ------------------------------------------------------------------------------------------

    def join(self, items: list[str]) -> str:
        """"A, B e C"."""
        if len(items) <= 1:
            return "".join(items)
        return self.texts.get("list_separator").join(items[:-1]) + self.texts.get("list_and") + items[-1]

    def join_clauses(self, items: list[str]) -> str:
        return self.texts.get("clause_separator").join(items)

    def listing(self, key: str, items: list[str], **values) -> str | None:
        """A sentence with a list: `key` for two or more items, `key_one` for one, None for none."""
        if not items:
            return None
        return self.fill(key if len(items) > 1 else f"{key}_one", items=self.join(items), **values)
