"""The bulletin's text: sentences from the language's templates, every figure from the indicators.

The sentences live in `templates/<lang>/narrative.toml` (one key per sentence, `str.format`
placeholders). Each section's paragraphs are written by one function of the indicators and the
shared wording (`sections`, `provinces`), which decides which sentence applies and fills it with
figures printed by `formatting`; the rules that choose words (approximations, fractions, rising or
falling, articles, ordinals) are in `grammar`, the names of territories, countries and products
with their articles in `names`, the pieces every sentence uses in `wording`. Every name is escaped
before it enters reportlab's paragraph mini-markup.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import unescape

from bulletin import reference
from bulletin.errors import ConfigError
from bulletin.indicators.compute import Indicators
from bulletin.templates import Templates
from bulletin.text.provinces import provinces, provinces_in_brief
from bulletin.text.revision import Revision, revision_note
from bulletin.text.sections import destinations, exports, headline, products, services, summary
from bulletin.text.names import Names
from bulletin.text.wording import Wording


@dataclass(frozen=True)
class Narrative:
    headline: str                # one sentence for the cover and the e-mail
    summary: list[str]           # Sintesi paragraphs; a revision's opens with its note (`revision`)
    exports: list[str]           # Esportazioni e importazioni
    products: list[str]
    destinations: list[str]
    provinces: list[str]         # empty without a provinces section (a province, a region of one or two)
    services: list[str]
    territory: str               # the territory's name in running text, plain: "Valle d'Aosta", not the bilingual one
    territory_of: str            # the territory as the title qualifies it, plain text: "della Lombardia", "Lombardy's"
    territory_and_national_of: str  # the same beside Italy, for a title over both: "della Lombardia e dell'Italia"
    province_names: dict[str, str] = field(default_factory=dict)  # code: the name the text gives ("Monza e
    # Brianza", not ISTAT's "Monza e della Brianza"), for the tables and charts to print the same


def write_narrative(indicators: Indicators, lang: str, templates: Templates,
                    revision: Revision | None = None) -> Narrative:
    """Every paragraph of the bulletin's text for one edition, as reportlab paragraph markup; a
    revision's summary opens with its note (`revision`)."""
    if lang not in reference.LANGUAGES:
        raise ConfigError(f"language {lang!r} is not one of {', '.join(reference.LANGUAGES)}")
    texts = templates.texts(f"{lang}/narrative.toml")
    w = Wording(indicators, lang, texts, Names(templates, lang, texts))
    note = [revision_note(revision, w)] if revision is not None else []
    return Narrative(headline=headline(indicators, w), summary=note + summary(indicators, w),
                     exports=exports(indicators, w) + provinces_in_brief(indicators, w),
                     products=products(indicators, w), destinations=destinations(indicators, w),
                     provinces=provinces(indicators, w), services=services(indicators, w),
                     territory=w.names.territory_name(indicators.territory["code"]),
                     territory_of=unescape(w.fill("title_territory")),
                     territory_and_national_of=unescape(w.fill("title_territory_national",
                                                               national=w.names.territory(reference.NATIONAL))),
                     province_names={p.code: w.names.territory_name(p.code) for p in indicators.provinces})
