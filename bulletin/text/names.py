"""How the running text names territories, countries and product groups: each name with the
article a sentence gives it, read from the language's tables.

* `territories.toml`: the name of Italy, every region and every province in running text
  ("Valle d'Aosta", not the formal "Valle d'Aosta/Vallée d'Aoste" of the tables), its article
  ("la" Lombardia, none for Milano; "the" Aosta Valley), whether it is plural ("le Marche", so
  that a verb agrees with it), the name after an article when the article is part of the name
  (La Spezia, "della Spezia"), and in English the possessive ("Lombardy's", "the Aosta Valley's");
* `countries.toml`: the article of every country ("gli" Stati Uniti, "the" United States) and the
  few names a sentence writes otherwise than the tables ("unspecified countries");
* the product groups: the tables' name (`reference.PRODUCTS`), so that prose and tables call a
  group the same, with the article `[product_in_text]` of `narrative.toml` gives it ("i
  medicinali e preparati farmaceutici").

Every name becomes a `Figure`, so a sentence writes `{territory:di}` or `{country:art}` and the
contracted form comes from `[prepositions]`. A code missing from a table is an error naming the
file and the code: a name never goes out without its article.
"""
from __future__ import annotations

from collections.abc import Mapping
from xml.sax.saxutils import escape, unescape

from bulletin import reference
from bulletin.errors import ConfigError
from bulletin.templates import Templates, Texts
from bulletin.text.grammar import NO_ARTICLE, Figure


class Names:
    """The names of one language's tables, as figures a sentence can inflect."""

    def __init__(self, templates: Templates, lang: str, narrative: Texts):
        self.lang = lang
        self.prepositions = narrative.table("prepositions")
        self.territories_file = f"{lang}/territories.toml"
        territories = templates.read_toml(self.territories_file)
        self.territories = _table(territories, "territories", self.territories_file)
        self.possessive = territories.get("possessive")
        self.countries_file = f"{lang}/countries.toml"
        countries = templates.read_toml(self.countries_file)
        self.country_articles = _table(countries, "articles", self.countries_file)
        self.countries_in_text = _table(countries, "in_text", self.countries_file)
        self.products_file = narrative.name
        self.products = narrative.table("product_in_text")

    def territory(self, code: str) -> Figure:
        """"Lombardia" that reads "della Lombardia" as {x:di}; "Lombardy" with {x:poss} "Lombardy's",
        "Aosta Valley" with {x:poss} "the Aosta Valley's" and {x:Poss} "The Aosta Valley's"."""
        entry = self._entry(self.territories, code, self.territories_file, "territories")
        name = _text(entry, "name", code, self.territories_file)
        article = _article(entry.get("article", NO_ARTICLE), code, self.territories_file)
        plural = entry.get("plural", False)
        if not isinstance(plural, bool):
            raise ConfigError(f"template {self.territories_file}: plural of {code} must be true or false")
        forms = {}
        possessive = entry.get("possessive", self.possessive)
        if isinstance(possessive, str):
            for spec, article_spec in (("poss", "art"), ("Poss", "Art")):  # "the Aosta Valley's"
                before = self.prepositions.get(article_spec, {}).get(article, "")
                forms[spec] = escape(before + possessive.format(name=name))
        return Figure(escape(name), article, self.prepositions, stem=escape(entry.get("after_article", name)),
                      forms=forms, plural=plural)

    def territory_name(self, code: str) -> str:
        """The territory's name as the text gives it, plain: what tables and charts print beside
        the text ("Monza e Brianza", "Reggio Emilia"), not ISTAT's label ("Monza e della Brianza")."""
        return unescape(str(self.territory(code)))

    def country(self, code: str, name: str) -> Figure:
        """The country `name` (the tables' name) as a sentence names it, with its article."""
        article = self.country_articles.get(code)
        if not isinstance(article, str):
            raise ConfigError(f"template {self.countries_file}: [articles] has no article for the country {code!r}")
        in_text = self.countries_in_text.get(code, name)
        return Figure(escape(in_text), _article(article, code, self.countries_file), self.prepositions)

    def product(self, code: str, short: bool = False) -> Figure:
        """The group as the tables name it, in lower case inside a sentence, with its article:
        "medicinali e preparati farmaceutici", article "i", so {x:di} is "dei medicinali ...".

        `short` gives its `short` name instead, where it has one ("medicinali"; `short_article`
        if the article changes with it): for a sentence that lists several groups after the text
        has named each in full, as the heat map's columns do."""
        entry = self._entry(self.products, code, self.products_file, "product_in_text")
        product = reference.PRODUCTS.get(code)
        if product is None:
            raise ConfigError(f"template {self.products_file}: [product_in_text] names {code!r}, not a product group")
        name, article = _in_sentence(product.name(self.lang)), entry.get("article", NO_ARTICLE)
        if short and isinstance(entry.get("short"), str):
            name, article = entry["short"], entry.get("short_article", article)
        return Figure(escape(name), _article(article, code, self.products_file), self.prepositions)

    @staticmethod
    def _entry(table: Mapping, code: str, file: str, key: str) -> Mapping:
        entry = table.get(code)
        if not isinstance(entry, Mapping):
            raise ConfigError(f"template {file}: [{key}] has no entry for {code!r}")
        return entry


def _table(document: Mapping, key: str, file: str) -> Mapping:
    table = document.get(key, {})
    if not isinstance(table, Mapping):
        raise ConfigError(f"template {file}: [{key}] must be a table")
    return table


def _text(entry: Mapping, key: str, code: str, file: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"template {file}: {code} needs a {key} (text)")
    return value


def _article(article, code: str, file: str) -> str:
    if not isinstance(article, str):
        raise ConfigError(f"template {file}: the article of {code} must be text (\"{NO_ARTICLE}\" for none)")
    return article


def _in_sentence(name: str) -> str:
    """A table's name as it reads inside a sentence: "Medicinali ..." -> "medicinali ...", but an
    acronym keeps its capitals ("UE27")."""
    if len(name) > 1 and name[1].isupper():
        return name
    return name[:1].lower() + name[1:]
