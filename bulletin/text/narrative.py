"""The bulletin's text: sentences from the language's templates, every figure from the indicators.

The sentences live in `templates/<lang>/narrative.toml` (one key per sentence, `str.format`
placeholders); this module only decides which sentence applies (rising, falling, unchanged, not
available), fills it with figures printed by `formatting`, and escapes every name that comes from
the data before it enters reportlab's paragraph mini-markup.

Small rules, stated once here, turn figures into the words an analyst would use:

* a value is approximated by its first significant digit ("oltre 3 miliardi" for 3.15 billion:
  at most 15% above the round figure; "quasi mezzo miliardo" for 480 million: at most 4.5% below
  it), and only when the exact figure printed by `money` differs from the round one; the exact
  figure is always printed too;
* a share is called "circa un terzo" when it is within 8% (relative) of a simple fraction;
* a change is rising or falling only if it is non-zero as printed with one decimal; a change of
  None prints as "n.d."/"n.a." with wording that claims neither.

Italian templates may put an article before a figure with a format spec: `{share:il}` prints
"il 31,5%" or "l'8,1%", `{change:del}` "del 13,0%" or "dell'11,2%" (forms in `[articles]`).
Rankings are read from the indicators' ranks; nothing here re-ranks what the indicators rank.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

import pandas as pd

from bulletin import reference
from bulletin.templates import Templates
from bulletin.errors import ConfigError
from bulletin.text.formatting import money, number, pct, quarter_label, share
from bulletin.indicators.compute import Indicators, ProvinceFigures, RankedItem, _rank

TOP_PRODUCTS = 5          # product groups named in the products section
TOP_DESTINATIONS = 5      # countries named in the destinations section
TOP_AREAS = 3             # areas named
TOP_PROVINCES = 4         # provinces named in each ranking (the first and the next three)
TOP_GROUPS = 3            # product groups whose leading provinces are named
MOVERS_AMONG = 10         # growth and falls are looked for among the first N destinations
MOVERS_SHOWN = 2          # how many rising (falling) destinations are named
MIN_SHARE_PCT = 1.0       # products and provinces below this share are left out of "fastest growth"
UNALLOCATED_MIN_PCT = 0.5  # regional exports not allocated to a province are mentioned above this share

OVER_TOLERANCE = 0.15     # "oltre 3 miliardi" for up to 15% above the round figure
UNDER_TOLERANCE = 0.045   # "quasi 500 milioni" for up to 4.5% below it
FRACTION_TOLERANCE = 0.08  # "circa un terzo" within 8% of one third
FRACTIONS = (("1/2", 1 / 2), ("1/3", 1 / 3), ("2/3", 2 / 3), ("1/4", 1 / 4), ("3/4", 3 / 4),
             ("1/5", 1 / 5), ("1/10", 1 / 10))
HALF_BILLION = 5e8

# How a territory is named after "of": Italian needs the article for regions and countries.
_TERRITORY_OF = {"it": {"IT": "dell'Italia", "ITC4": "della Lombardia"}, "en": {}}
_TERRITORY_OF_RULE = {"it": "di {name}", "en": "of {name}"}


@dataclass(frozen=True)
class Narrative:
    headline: str                # one sentence for the cover and the e-mail
    summary: list[str]           # Sintesi paragraphs
    exports: list[str]           # Esportazioni e importazioni
    products: list[str]
    destinations: list[str]
    provinces: list[str]         # empty for a province edition
    services: list[str]


def territory_phrase(indicators: Indicators, lang: str) -> str:
    """The territory after "of", as plain text (not escaped): "della Lombardia", "di Milano", "of Lombardy"."""
    code = indicators.territory["code"]
    return _territory_of(code, indicators.territory["name"][lang], lang)


def _territory_of(code: str, name: str, lang: str) -> str:
    return _TERRITORY_OF.get(lang, {}).get(code) or _TERRITORY_OF_RULE[lang].format(name=name)


def write_narrative(indicators: Indicators, lang: str, templates: Templates) -> Narrative:
    """Every paragraph of the bulletin's text for one edition, as reportlab paragraph markup."""
    if lang not in reference.LANGUAGES:
        raise ConfigError(f"language {lang!r} is not one of {', '.join(reference.LANGUAGES)}")
    writer = _Writer(indicators, lang, _Texts(templates, f"{lang}/narrative.toml"))
    return Narrative(headline=writer.headline(), summary=writer.summary(), exports=writer.exports(),
                     products=writer.products(), destinations=writer.destinations(),
                     provinces=writer.provinces(), services=writer.services())


# --- rules -------------------------------------------------------------------------------------

def direction(change: float | None, decimals: int = 1) -> str:
    """"up", "down", "flat" (zero as printed) or "na" (no base to compare with)."""
    if change is None:
        return "na"
    printed = round(change, decimals)
    if printed == 0:
        return "flat"
    return "up" if printed > 0 else "down"


def approximation(value: float) -> tuple[str, float] | None:
    """("over", 3e9) for 3.15 billion, ("under", 5e8) for 480 million, None when no round figure is near.

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
    return key if abs(value - target) <= FRACTION_TOLERANCE * target else None


def elides(text: str) -> bool:
    """True if an Italian article before `text` elides: l'8,1%, dell'11,0%, all'1,5%, l'Unione."""
    match = re.match(r"\d[\d.]*", text)
    if match:
        digits = match.group(0).replace(".", "")
        return (digits.startswith("8") or digits in ("1", "11")
                or (len(digits) == 5 and digits.startswith("11")))  # otto..., uno, undici, undicimila
    return text[:1].lower() in "aeiouàèéìòóù"


def mid_sentence(name: str) -> str:
    """A capitalised group name as it reads inside a sentence ("Computer e ..." -> "computer e ...")."""
    if len(name) > 1 and name[0].isupper() and name[1].islower():
        return name[0].lower() + name[1:]
    return name


def ordinal(rank: int, lang: str) -> str:
    text = number(rank, lang)
    if lang == "it":
        return f"{text}°"
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{text}{suffix}"


class Figure(str):
    """A printed figure or name that a template may prefix with an article: `{share:il}`."""

    articles: dict[str, list[str]]

    def __new__(cls, text: str, articles: dict[str, list[str]]):
        obj = super().__new__(cls, text)
        obj.articles = articles
        return obj

    def __format__(self, spec: str) -> str:
        if not spec:
            return str(self)
        forms = self.articles.get(spec)
        if not (isinstance(forms, list) and len(forms) == 2):
            raise ValueError(f"no article {spec!r} in [articles] (expected a pair like [\"il \", \"l'\"])")
        return (forms[1] if elides(self) else forms[0]) + str(self)


# --- templates ---------------------------------------------------------------------------------

class _Texts:
    """The sentences of one language, with errors that name the file and the key."""

    def __init__(self, templates: Templates, name: str):
        self.name = name
        self.raw = templates.read_toml(name)
        self.articles = self.raw.get("articles", {})

    def get(self, key: str) -> str:
        value = self.raw.get(key)
        if not isinstance(value, str):
            raise ConfigError(f"template {self.name}: key {key!r} missing or not a string")
        return value

    def table(self, key: str) -> dict:
        value = self.raw.get(key, {})
        if not isinstance(value, dict):
            raise ConfigError(f"template {self.name}: [{key}] must be a table")
        return value

    def fill(self, key: str, **values) -> str:
        try:
            return self.get(key).format(**values)
        except KeyError as exc:
            raise ConfigError(f"template {self.name}: key {key!r} uses unknown placeholder {{{exc.args[0]}}}") from None
        except (ValueError, IndexError, AttributeError) as exc:
            raise ConfigError(f"template {self.name}: key {key!r} cannot be filled: {exc}") from None


# --- the writer --------------------------------------------------------------------------------

class _Writer:
    def __init__(self, indicators: Indicators, lang: str, texts: _Texts):
        self.ind, self.lang, self.t = indicators, lang, texts
        self.common = {
            "quarter": quarter_label(indicators.quarter, lang),
            "previous_quarter": quarter_label(indicators.previous_year_quarter, lang),
            "year": indicators.quarter[:4],
            "previous_year": indicators.previous_year_quarter[:4],
            "territory": self.fig(escape(indicators.territory["name"][lang])),
            "territory_of": escape(territory_phrase(indicators, lang)),
        }

    # Pieces ------------------------------------------------------------------------------------

    def fill(self, key: str, **values) -> str:
        return self.t.fill(key, **{**self.common, **values})

    def fig(self, text: str) -> Figure:
        return Figure(text, self.t.articles)

    def money(self, value: float) -> Figure:
        return self.fig(money(value, self.lang))

    def pct(self, value: float | None) -> Figure:
        return self.fig(pct(value, self.lang))

    def abs_pct(self, value: float | None) -> Figure:
        return self.fig(pct(None if value is None else abs(value), self.lang, signed=False))

    def share(self, value: float | None) -> Figure:
        return self.fig(share(value, self.lang))

    def number(self, value: int) -> Figure:
        return self.fig(number(value, self.lang))

    def name(self, text: str) -> Figure:
        return self.fig(escape(text))

    def product(self, item) -> Figure:
        return self.name(mid_sentence(item.name[self.lang]))

    def country(self, item: RankedItem) -> Figure:
        in_text = self.t.table("country_in_text").get(item.code)
        return self.fig(in_text) if isinstance(in_text, str) else self.name(item.name[self.lang])

    def area(self, item: RankedItem) -> Figure:
        in_text = self.t.table("area_in_text").get(item.code)
        return self.fig(in_text) if isinstance(in_text, str) else self.name(item.name[self.lang])

    def province(self, item: ProvinceFigures) -> Figure:
        return self.name(item.name[self.lang])

    def level(self, value: float) -> str:
        """"oltre 3 miliardi (3,1 miliardi di euro)", or just the exact figure when no round one is near."""
        exact = self.money(value)
        approx = approximation(value)
        if approx is None or money(approx[1], self.lang) == exact:
            return self.fill("level_exact", exact=exact)
        qualifier, target = approx
        words = self.t.table("approx")
        if target == HALF_BILLION and "half_billion" in words:
            round_bare, round_unit = words["half_billion"], words.get("half_billion_unit", words["half_billion"])
        else:
            round_bare = money(target, self.lang, decimals=0, unit=False)
            round_unit = money(target, self.lang, decimals=0)
        return self.fill("level_approx", qualifier=words.get(qualifier, ""), round_bare=self.fig(round_bare),
                         round=self.fig(round_unit), exact=exact)

    def share_level(self, value: float) -> str:
        """"circa un terzo (31,5%)" or "il 12,0%"."""
        key = fraction(value)
        words = self.t.table("fractions")
        if key is None or key not in words:
            return self.fill("share_exact", share=self.share(value))
        about = self.t.table("approx").get("about", "")
        return self.fill("share_approx", approx=self.fig(f"{about} {words[key]}".strip()), share=self.share(value))

    def change_note(self, value: float | None) -> Figure:
        """The signed change for a parenthesis, "+13,0%", or "var. n.d."."""
        if value is None:
            return self.fig(self.fill("change_note_na", change=self.pct(None)))
        return self.pct(value)

    def change_clause(self, value: float | None) -> str:
        """"in crescita del 13,0%", "in calo del 2,4%", "senza variazioni (0,0%)", "variazione non disponibile (n.d.)"."""
        return self.fill(f"change_{direction(value)}", change=self.abs_pct(value))

    def join(self, items: list[str]) -> str:
        if len(items) <= 1:
            return "".join(items)
        return self.t.get("list_separator").join(items[:-1]) + self.t.get("list_and") + items[-1]

    def join_clauses(self, items: list[str]) -> str:
        return self.t.get("clause_separator").join(items)

    def listing(self, key: str, items: list[str], **values) -> str | None:
        """A sentence with a list: `key` for two or more items, `key_one` for one, None for none."""
        if not items:
            return None
        return self.fill(key if len(items) > 1 else f"{key}_one", items=self.join(items), **values)

    def balance_phrase(self) -> str:
        balance = self.ind.balance_eur
        if money(abs(balance), self.lang) == money(0, self.lang):
            return self.fill("balance_even")
        key = "balance_surplus" if balance > 0 else "balance_deficit"
        return self.fill(key, balance=self.money(abs(balance)))

    def is_national(self) -> bool:
        return self.ind.territory["code"] == reference.NATIONAL

    # Sections ----------------------------------------------------------------------------------

    def headline(self) -> str:
        exports = self.ind.exports
        if exports.yoy_pct is None:
            return self.fill("headline", exports=self.money(exports.value_eur))
        return self.fill("headline_change", exports=self.money(exports.value_eur),
                         exports_change=self.pct(exports.yoy_pct))

    def summary(self) -> list[str]:
        ind = self.ind
        exports = ind.exports
        first = [self.fill(f"summary_exports_{direction(exports.yoy_pct)}",
                           exports_level=self.level(exports.value_eur), exports_change=self.pct(exports.yoy_pct))]
        if exports.share_of_national_pct is not None and not self.is_national():
            first.append(self.fill("summary_share", share_level=self.share_level(exports.share_of_national_pct),
                                   national_exports=self.money(ind.national_exports.value_eur),
                                   national_change_note=self.change_note(ind.national_exports.yoy_pct)))
        paragraphs = [" ".join(first)]
        paragraphs.append(self.fill("summary_trade", trade=self.money(ind.trade_eur),
                                    trade_change_note=self.change_note(ind.trade_yoy_pct),
                                    balance_phrase=self.balance_phrase()))
        leaders = []
        products = _ranked(ind.products)
        if products:
            top = products[0]
            leaders.append(self.fill("summary_top_product", product=self.product(top), value=self.money(top.value_eur),
                                     change_note=self.change_note(top.yoy_pct)))
        destinations = _ranked(ind.destinations)
        if destinations:
            top = destinations[0]
            leaders.append(self.fill("summary_top_destination", country=self.country(top),
                                     value=self.money(top.value_eur), change_note=self.change_note(top.yoy_pct)))
        provinces = sorted(ind.provinces, key=lambda p: p.export_rank)
        if provinces and provinces[0].exports_eur > 0 and provinces[0].share_of_region_pct is not None:
            top = provinces[0]
            leaders.append(self.fill("summary_top_province", province=self.province(top),
                                     share=self.share(top.share_of_region_pct), value=self.money(top.exports_eur),
                                     change_note=self.change_note(top.exports_yoy_pct)))
        region = ind.region
        if region is not None and region.export_rank is not None and region.share_of_region_pct is not None:
            leaders.append(self.fill("summary_region_rank", rank_ordinal=self.fig(ordinal(region.export_rank, self.lang)),
                                     count=self.number(region.provinces),
                                     region_of=escape(_territory_of(region.code, region.name[self.lang], self.lang)),
                                     share=self.share(region.share_of_region_pct),
                                     region_exports=self.money(region.exports_eur)))
        if leaders:
            paragraphs.append(" ".join(leaders))
        return paragraphs

    def exports(self) -> list[str]:
        ind = self.ind
        paragraphs = []
        for flow_key, flow in (("exports", ind.exports), ("imports", ind.imports)):
            sentences = [self.fill(
                f"{flow_key}_{direction(flow.yoy_pct)}", value=self.money(flow.value_eur),
                previous=self.money(flow.previous_eur) if flow.previous_eur is not None else self.pct(None),
                change=self.pct(flow.yoy_pct), change_abs=self.abs_pct(flow.yoy_pct))]
            trend = self.trend_sentence(flow_key)
            if trend:
                sentences.append(trend)
            paragraphs.append(" ".join(sentences))
        paragraphs.append(self.fill("exports_trade", trade=self.money(ind.trade_eur),
                                    trade_change_note=self.change_note(ind.trade_yoy_pct),
                                    balance_phrase=self.balance_phrase()))
        quarters_in_year = len(ind.exports.ytd_quarters)
        periods = self.t.table("ytd_period")
        if quarters_in_year > 1 and str(quarters_in_year) in periods:
            exports = ind.exports
            period = periods[str(quarters_in_year)].format(year=self.common["year"])
            paragraphs.append(self.fill(
                f"ytd_{direction(exports.ytd_yoy_pct)}", ytd_period=period, value=self.money(exports.ytd_value_eur),
                change=self.pct(exports.ytd_yoy_pct), change_abs=self.abs_pct(exports.ytd_yoy_pct),
                imports=self.money(ind.imports.ytd_value_eur),
                imports_change_note=self.change_note(ind.imports.ytd_yoy_pct)))
        if not self.is_national():
            shares = []
            if ind.exports.share_of_national_pct is not None:
                shares.append(self.fill("exports_share", share_level=self.share_level(ind.exports.share_of_national_pct),
                                        national=self.money(ind.national_exports.value_eur),
                                        national_change_note=self.change_note(ind.national_exports.yoy_pct)))
            if ind.imports.share_of_national_pct is not None:
                shares.append(self.fill("imports_share", share_level=self.share_level(ind.imports.share_of_national_pct),
                                        national=self.money(ind.national_imports.value_eur),
                                        national_change_note=self.change_note(ind.national_imports.yoy_pct)))
            if shares:
                paragraphs.append(" ".join(shares))
        return paragraphs

    def trend_sentence(self, flow_key: str) -> str | None:
        """Where this quarter stands in the trend window: highest, lowest, or the range."""
        points = self.ind.trend
        if len(points) < 4 or points[-1].quarter != self.ind.quarter:
            return None
        values = [p.exports_eur if flow_key == "exports" else p.imports_eur for p in points]
        current, highest, lowest = values[-1], max(values), min(values)
        if highest == lowest:
            return None
        count = self.number(len(points))
        if current == highest and values.count(highest) == 1:
            return self.fill(f"trend_{flow_key}_highest", count=count)
        if current == lowest and values.count(lowest) == 1:
            return self.fill(f"trend_{flow_key}_lowest", count=count)
        top, bottom = points[values.index(highest)], points[values.index(lowest)]
        return self.fill(f"trend_{flow_key}_range", count=count,
                         max_value=self.money(highest), max_quarter=quarter_label(top.quarter, self.lang),
                         min_value=self.money(lowest), min_quarter=quarter_label(bottom.quarter, self.lang))

    def products(self) -> list[str]:
        items = _ranked(self.ind.products)
        if not items:
            return [self.fill("products_none")]
        first = items[0]
        sentences = [self.fill("products_first", product=self.product(first), value_level=self.level(first.value_eur),
                               share=self.share(first.share_pct), change_clause=self.change_clause(first.yoy_pct),
                               share_level=(self.share_level(first.share_pct) if first.share_pct is not None
                                            else self.share(None)))]
        if len(items) > 1:
            second = items[1]
            sentences.append(self.fill("products_second", product=self.product(second),
                                       value_level=self.level(second.value_eur), share=self.share(second.share_pct),
                                       change_clause=self.change_clause(second.yoy_pct)))
        others = [self.fill("product_item", product=self.product(p), value=self.money(p.value_eur),
                            change_note=self.change_note(p.yoy_pct)) for p in items[2:TOP_PRODUCTS]]
        listing = self.listing("products_others", others)
        if listing:
            sentences.append(listing)
        paragraphs = [" ".join(sentences)]
        movers = self.movers([p for p in items if p.share_pct is not None and p.share_pct >= MIN_SHARE_PCT],
                             lambda p: p.yoy_pct)
        if movers:
            up, down = movers
            key = "products_movers_" + ("both" if up and down else "up" if up else "down")
            paragraphs.append(self.fill(
                key, threshold=self.share(MIN_SHARE_PCT),
                up_product=self.product(up) if up else "", up_change=self.pct(up.yoy_pct) if up else "",
                down_product=self.product(down) if down else "", down_change=self.pct(down.yoy_pct) if down else ""))
        return paragraphs

    @staticmethod
    def movers(items: list, change_of) -> tuple | None:
        """The fastest-rising and the fastest-falling item (either may be None); None if neither."""
        rising = [i for i in items if direction(change_of(i)) == "up"]
        falling = [i for i in items if direction(change_of(i)) == "down"]
        up = max(rising, key=change_of) if rising else None
        down = min(falling, key=change_of) if falling else None
        return (up, down) if up or down else None

    def destinations(self) -> list[str]:
        items = _ranked(self.ind.destinations)
        if not items:
            return [self.fill("destinations_none")]
        first = items[0]
        sentences = [self.fill("destinations_first", country=self.country(first), value=self.money(first.value_eur),
                               change_note=self.change_note(first.yoy_pct), share=self.share(first.share_pct))]
        following = [self.fill("destination_item", country=self.country(d), value=self.money(d.value_eur),
                               change_note=self.change_note(d.yoy_pct)) for d in items[1:TOP_DESTINATIONS]]
        listing = self.listing("destinations_next", following)
        if listing:
            sentences.append(listing)
        paragraphs = [" ".join(sentences)]
        # The first market is described above; growth and falls are looked for among the next ones.
        leading = [d for d in items[1:] if d.rank <= MOVERS_AMONG]
        rising = sorted((d for d in leading if direction(d.yoy_pct) == "up"), key=lambda d: -d.yoy_pct)[:MOVERS_SHOWN]
        falling = sorted((d for d in leading if direction(d.yoy_pct) == "down"), key=lambda d: d.yoy_pct)[:MOVERS_SHOWN]
        if (rising or falling) and len(leading) > 1:
            def listed(group):
                return self.join([self.fill("destination_item", country=self.country(d), value=self.money(d.value_eur),
                                            change_note=self.change_note(d.yoy_pct)) for d in group])
            key = "destinations_movers_" + ("both" if rising and falling else "up" if rising else "down")
            paragraphs.append(self.fill(key, from_rank=self.fig(ordinal(leading[0].rank, self.lang)),
                                        to_rank=self.fig(ordinal(leading[-1].rank, self.lang)),
                                        up_items=listed(rising), down_items=listed(falling)))
        areas = _ranked(self.ind.areas)
        if areas:
            top = areas[0]
            rest = [self.fill("area_item", area=self.area(a), share=self.share(a.share_pct)) for a in areas[1:TOP_AREAS]]
            values = dict(area=self.area(top), share=self.share(top.share_pct), value=self.money(top.value_eur),
                          change_note=self.change_note(top.yoy_pct), items=self.join(rest))
            key = "areas_alone" if not rest else "areas_first" if len(rest) > 1 else "areas_first_one"
            paragraphs.append(self.fill(key, **values))
        return paragraphs

    def provinces(self) -> list[str]:
        provinces = self.ind.provinces
        if not provinces:
            return []
        by_exports = sorted(provinces, key=lambda p: p.export_rank)
        by_imports = sorted(provinces, key=lambda p: p.import_rank)
        first = by_exports[0]
        if first.exports_eur <= 0:
            return [self.fill("provinces_none")]
        paragraphs = []
        sentences = [self.fill("provinces_exports_first", province=self.province(first),
                               value=self.money(first.exports_eur), share=self.share(first.share_of_region_pct),
                               change_clause=self.change_clause(first.exports_yoy_pct))]
        following = [self.fill("province_item", province=self.province(p), value=self.money(p.exports_eur),
                               change_note=self.change_note(p.exports_yoy_pct))
                     for p in by_exports[1:TOP_PROVINCES] if p.exports_eur > 0]
        listing = self.listing("provinces_exports_next", following)
        if listing:
            sentences.append(listing)
        paragraphs.append(" ".join(sentences))

        importer = by_imports[0]
        if importer.imports_eur > 0:
            if importer.code == first.code:
                sentences = [self.fill("provinces_imports_same", province=self.province(importer),
                                       value=self.money(importer.imports_eur),
                                       change_note=self.change_note(importer.imports_yoy_pct),
                                       trade_level=self.level(importer.exports_eur + importer.imports_eur))]
            else:
                sentences = [self.fill("provinces_imports_first", province=self.province(importer),
                                       value=self.money(importer.imports_eur),
                                       change_note=self.change_note(importer.imports_yoy_pct))]
            following = [self.fill("province_item", province=self.province(p), value=self.money(p.imports_eur),
                                   change_note=self.change_note(p.imports_yoy_pct))
                         for p in by_imports[1:TOP_PROVINCES] if p.imports_eur > 0]
            listing = self.listing("provinces_imports_next", following)
            if listing:
                sentences.append(listing)
            paragraphs.append(" ".join(sentences))

        movers = self.movers([p for p in provinces if p.share_of_region_pct is not None
                              and p.share_of_region_pct >= MIN_SHARE_PCT], lambda p: p.exports_yoy_pct)
        if movers:
            up, down = movers
            key = "provinces_movers_" + ("both" if up and down else "up" if up else "down")
            paragraphs.append(self.fill(
                key, threshold=self.share(MIN_SHARE_PCT),
                up_province=self.province(up) if up else "", up_change=self.pct(up.exports_yoy_pct) if up else "",
                down_province=self.province(down) if down else "",
                down_change=self.pct(down.exports_yoy_pct) if down else ""))

        specialisations = []
        for p in by_exports[:TOP_PROVINCES]:
            if p.top_export_product is None or p.exports_eur <= 0:
                continue
            key = "specialisation_first" if not specialisations else "specialisation_other"
            specialisations.append(self.fill(key, province=self.province(p), product=self.product(p.top_export_product),
                                             share=self.share(p.top_export_product.value_eur / p.exports_eur * 100)))
        sentences = []
        if specialisations:
            sentences.append(self.fill("provinces_specialisation", items=self.join(specialisations)))
        groups = self.group_leaders()
        if groups:
            sentences.append(self.fill("provinces_groups", items=self.join_clauses(groups)))
        if sentences:
            paragraphs.append(" ".join(sentences))

        region_exports = self.ind.exports.value_eur
        unallocated = region_exports - sum(p.exports_eur for p in provinces)
        if region_exports > 0 and unallocated / region_exports * 100 >= UNALLOCATED_MIN_PCT:
            paragraphs.append(self.fill("provinces_unallocated", value=self.money(unallocated),
                                        share=self.share(unallocated / region_exports * 100)))
        return paragraphs

    def group_leaders(self) -> list[str]:
        """In each leading product group, the first province and the one that follows it.

        The indicators rank provinces overall, not within a product group; the order within a
        group uses the indicators' own ranking rule (`indicators._rank`: value, then code).
        """
        clauses = []
        for product in _ranked(self.ind.products)[:TOP_GROUPS]:
            values = pd.Series({p.code: p.export_products_eur.get(product.code, 0.0) for p in self.ind.provinces})
            if values.empty or values.max() <= 0:
                continue
            order = _rank(values).sort_values().index.tolist()
            by_code = {p.code: p for p in self.ind.provinces}
            first, second = by_code[order[0]], by_code[order[1]] if len(order) > 1 else None
            values_of = dict(product=self.product(product), first=self.province(first),
                             first_value=self.money(values[first.code]))
            if second is None or values[second.code] <= 0:
                clauses.append(self.fill("group_leader_alone", **values_of))
            else:
                clauses.append(self.fill("group_leader", second=self.province(second),
                                         second_value=self.money(values[second.code]), **values_of))
        return clauses

    def services(self) -> list[str]:
        ind = self.ind
        if not ind.services_quarter_available or not ind.services:
            return [self.fill("services_unavailable")]
        by_provider: dict[str, list] = {}
        for item in ind.services:
            by_provider.setdefault(item.provider, []).append(item)
        plural = self.t.table("plural")

        def counted(n: int, key: str) -> str:
            forms = plural.get(key)
            if not (isinstance(forms, list) and len(forms) == 2):
                raise ConfigError(f"template {self.t.name}: [plural] {key} must be a pair [singular, plural]")
            return forms[0] if n == 1 else forms[1]

        paragraphs = [self.fill("services_intro")]
        for provider, items in by_provider.items():
            lines = [self.fill("service_item", service=self.name(s.service),
                               firms=self.number(s.firms), firms_word=counted(s.firms, "firms"),
                               firms_change=self.change_note(s.firms_yoy_pct),
                               smes=self.number(s.smes), smes_word=counted(s.smes, "smes"),
                               activities=self.number(s.activities), activities_word=counted(s.activities, "activities"),
                               activities_change=self.change_note(s.activities_yoy_pct)) for s in items]
            paragraphs.append(self.fill("services_provider", provider=self.name(provider),
                                        items=self.join_clauses(lines)))
        return paragraphs


def _ranked(items: list[RankedItem]) -> list[RankedItem]:
    """Items with a value this quarter, in the indicators' rank order."""
    return sorted((i for i in items if i.value_eur > 0), key=lambda i: i.rank)
