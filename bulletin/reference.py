"""Reference tables: the codes the data may use and their names in Italian and English.

Territories and products are fixed classifications (NUTS 2021, CPA 2008 hi-tech groups), so
they live here as small tables. Country names come from CLDR through Babel, a maintained
source, so that a new ISO code or a renamed country needs a library update, not an edit here.

These are the formal names, the ones the tables, charts and running heads print and
`indicators.json` keeps ("Valle d'Aosta/Vallée d'Aoste", as ISTAT's tables have it). How the
running text names a territory or a country, with its article, is the templates' business
(`templates/<lang>/territories.toml`, `countries.toml`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from babel import Locale

LANGUAGES = ("it", "en")


@dataclass(frozen=True)
class Territory:
    code: str
    name_it: str
    name_en: str
    level: str  # "country", "region" or "province"
    parent: str | None

    def name(self, lang: str) -> str:
        return self.name_it if lang == "it" else self.name_en


@dataclass(frozen=True)
class Product:
    code: str
    division: str
    name_it: str
    name_en: str

    def name(self, lang: str) -> str:
        return self.name_it if lang == "it" else self.name_en


# NUTS 2021 (Commission Regulation (EU) 2019/1755): Italy, its 21 NUTS-2 regions (the two
# autonomous provinces of Trentino-Alto Adige are regions of their own) and its 107 NUTS-3
# provinces, each after its region. Italian names are Eurostat's; English names use the
# customary English form where there is one (Milan, Apulia), else the Italian name.
_REGION_ROWS = (
    ("ITC1", "Piemonte", "Piedmont"),
    ("ITC2", "Valle d'Aosta/Vallée d'Aoste", "Aosta Valley"),
    ("ITC3", "Liguria", "Liguria"),
    ("ITC4", "Lombardia", "Lombardy"),
    ("ITF1", "Abruzzo", "Abruzzo"),
    ("ITF2", "Molise", "Molise"),
    ("ITF3", "Campania", "Campania"),
    ("ITF4", "Puglia", "Apulia"),
    ("ITF5", "Basilicata", "Basilicata"),
    ("ITF6", "Calabria", "Calabria"),
    ("ITG1", "Sicilia", "Sicily"),
    ("ITG2", "Sardegna", "Sardinia"),
    ("ITH1", "Provincia Autonoma di Bolzano/Bozen", "Autonomous Province of Bolzano/Bozen"),
    ("ITH2", "Provincia Autonoma di Trento", "Autonomous Province of Trento"),
    ("ITH3", "Veneto", "Veneto"),
    ("ITH4", "Friuli-Venezia Giulia", "Friuli-Venezia Giulia"),
    ("ITH5", "Emilia-Romagna", "Emilia-Romagna"),
    ("ITI1", "Toscana", "Tuscany"),
    ("ITI2", "Umbria", "Umbria"),
    ("ITI3", "Marche", "Marche"),
    ("ITI4", "Lazio", "Lazio"),
)
# (code, Italian name, English name); the region is the code without its last character.
_PROVINCE_ROWS = (
    ("ITC11", "Torino", "Turin"),
    ("ITC12", "Vercelli", "Vercelli"),
    ("ITC13", "Biella", "Biella"),
    ("ITC14", "Verbano-Cusio-Ossola", "Verbano-Cusio-Ossola"),
    ("ITC15", "Novara", "Novara"),
    ("ITC16", "Cuneo", "Cuneo"),
    ("ITC17", "Asti", "Asti"),
    ("ITC18", "Alessandria", "Alessandria"),
    ("ITC20", "Valle d'Aosta/Vallée d'Aoste", "Aosta Valley"),
    ("ITC31", "Imperia", "Imperia"),
    ("ITC32", "Savona", "Savona"),
    ("ITC33", "Genova", "Genoa"),
    ("ITC34", "La Spezia", "La Spezia"),
    ("ITC41", "Varese", "Varese"),
    ("ITC42", "Como", "Como"),
    ("ITC43", "Lecco", "Lecco"),
    ("ITC44", "Sondrio", "Sondrio"),
    ("ITC46", "Bergamo", "Bergamo"),
    ("ITC47", "Brescia", "Brescia"),
    ("ITC48", "Pavia", "Pavia"),
    ("ITC49", "Lodi", "Lodi"),
    ("ITC4A", "Cremona", "Cremona"),
    ("ITC4B", "Mantova", "Mantua"),
    ("ITC4C", "Milano", "Milan"),
    ("ITC4D", "Monza e della Brianza", "Monza and Brianza"),
    ("ITF11", "L'Aquila", "L'Aquila"),
    ("ITF12", "Teramo", "Teramo"),
    ("ITF13", "Pescara", "Pescara"),
    ("ITF14", "Chieti", "Chieti"),
    ("ITF21", "Isernia", "Isernia"),
    ("ITF22", "Campobasso", "Campobasso"),
    ("ITF31", "Caserta", "Caserta"),
    ("ITF32", "Benevento", "Benevento"),
    ("ITF33", "Napoli", "Naples"),
    ("ITF34", "Avellino", "Avellino"),
    ("ITF35", "Salerno", "Salerno"),
    ("ITF43", "Taranto", "Taranto"),
    ("ITF44", "Brindisi", "Brindisi"),
    ("ITF45", "Lecce", "Lecce"),
    ("ITF46", "Foggia", "Foggia"),
    ("ITF47", "Bari", "Bari"),
    ("ITF48", "Barletta-Andria-Trani", "Barletta-Andria-Trani"),
    ("ITF51", "Potenza", "Potenza"),
    ("ITF52", "Matera", "Matera"),
    ("ITF61", "Cosenza", "Cosenza"),
    ("ITF62", "Crotone", "Crotone"),
    ("ITF63", "Catanzaro", "Catanzaro"),
    ("ITF64", "Vibo Valentia", "Vibo Valentia"),
    ("ITF65", "Reggio di Calabria", "Reggio Calabria"),
    ("ITG11", "Trapani", "Trapani"),
    ("ITG12", "Palermo", "Palermo"),
    ("ITG13", "Messina", "Messina"),
    ("ITG14", "Agrigento", "Agrigento"),
    ("ITG15", "Caltanissetta", "Caltanissetta"),
    ("ITG16", "Enna", "Enna"),
    ("ITG17", "Catania", "Catania"),
    ("ITG18", "Ragusa", "Ragusa"),
    ("ITG19", "Siracusa", "Syracuse"),
    ("ITG2D", "Sassari", "Sassari"),
    ("ITG2E", "Nuoro", "Nuoro"),
    ("ITG2F", "Cagliari", "Cagliari"),
    ("ITG2G", "Oristano", "Oristano"),
    ("ITG2H", "Sud Sardegna", "South Sardinia"),
    ("ITH10", "Bolzano-Bozen", "Bolzano-Bozen"),
    ("ITH20", "Trento", "Trento"),
    ("ITH31", "Verona", "Verona"),
    ("ITH32", "Vicenza", "Vicenza"),
    ("ITH33", "Belluno", "Belluno"),
    ("ITH34", "Treviso", "Treviso"),
    ("ITH35", "Venezia", "Venice"),
    ("ITH36", "Padova", "Padua"),
    ("ITH37", "Rovigo", "Rovigo"),
    ("ITH41", "Pordenone", "Pordenone"),
    ("ITH42", "Udine", "Udine"),
    ("ITH43", "Gorizia", "Gorizia"),
    ("ITH44", "Trieste", "Trieste"),
    ("ITH51", "Piacenza", "Piacenza"),
    ("ITH52", "Parma", "Parma"),
    ("ITH53", "Reggio nell'Emilia", "Reggio Emilia"),
    ("ITH54", "Modena", "Modena"),
    ("ITH55", "Bologna", "Bologna"),
    ("ITH56", "Ferrara", "Ferrara"),
    ("ITH57", "Ravenna", "Ravenna"),
    ("ITH58", "Forlì-Cesena", "Forlì-Cesena"),
    ("ITH59", "Rimini", "Rimini"),
    ("ITI11", "Massa-Carrara", "Massa-Carrara"),
    ("ITI12", "Lucca", "Lucca"),
    ("ITI13", "Pistoia", "Pistoia"),
    ("ITI14", "Firenze", "Florence"),
    ("ITI15", "Prato", "Prato"),
    ("ITI16", "Livorno", "Livorno"),
    ("ITI17", "Pisa", "Pisa"),
    ("ITI18", "Arezzo", "Arezzo"),
    ("ITI19", "Siena", "Siena"),
    ("ITI1A", "Grosseto", "Grosseto"),
    ("ITI21", "Perugia", "Perugia"),
    ("ITI22", "Terni", "Terni"),
    ("ITI31", "Pesaro e Urbino", "Pesaro and Urbino"),
    ("ITI32", "Ancona", "Ancona"),
    ("ITI33", "Macerata", "Macerata"),
    ("ITI34", "Ascoli Piceno", "Ascoli Piceno"),
    ("ITI35", "Fermo", "Fermo"),
    ("ITI41", "Viterbo", "Viterbo"),
    ("ITI42", "Rieti", "Rieti"),
    ("ITI43", "Roma", "Rome"),
    ("ITI44", "Latina", "Latina"),
    ("ITI45", "Frosinone", "Frosinone"),
)
_TERRITORY_ROWS = (("IT", "Italia", "Italy", "country", None),) + tuple(
    row
    for region, name_it, name_en in _REGION_ROWS
    for row in ((region, name_it, name_en, "region", "IT"),
                *((code, it, en, "province", region) for code, it, en in _PROVINCE_ROWS if code[:4] == region))
)
TERRITORIES: dict[str, Territory] = {row[0]: Territory(*row) for row in _TERRITORY_ROWS}
NATIONAL = "IT"

_PRODUCT_ROWS = (
    ("21.1", "21", "Prodotti farmaceutici di base", "Basic pharmaceutical products"),
    ("21.2", "21", "Medicinali e preparati farmaceutici", "Pharmaceutical preparations"),
    ("26.1", "26", "Componenti elettronici e schede elettroniche", "Electronic components and boards"),
    ("26.2", "26", "Computer e unità periferiche", "Computers and peripheral equipment"),
    ("26.3", "26", "Apparecchiature per le telecomunicazioni", "Communication equipment"),
    ("26.4", "26", "Prodotti di elettronica di consumo audio e video", "Consumer electronics"),
    ("26.5", "26", "Strumenti e apparecchi di misurazione, prova e navigazione e orologi",
     "Measuring, testing and navigation instruments, watches and clocks"),
    ("26.6", "26", "Strumenti per irradiazione e apparecchiature elettromedicali ed elettroterapeutiche",
     "Irradiation, electromedical and electrotherapeutic equipment"),
    ("26.7", "26", "Strumenti ottici e attrezzature fotografiche", "Optical instruments and photographic equipment"),
    ("26.8", "26", "Supporti magnetici e ottici", "Magnetic and optical media"),
    ("30.3", "30", "Aeromobili, veicoli spaziali e relativi dispositivi", "Aircraft, spacecraft and related machinery"),
)
PRODUCTS: dict[str, Product] = {row[0]: Product(*row) for row in _PRODUCT_ROWS}

# Partner codes outside ISO 3166-1 that foreign-trade statistics use (Eurostat geonomenclature).
_SPECIAL_PARTNERS = {
    "QU": ("Paesi e territori non determinati", "Unspecified countries"),
    "QR": ("Provviste e dotazioni di bordo (UE)", "Stores and provisions (intra-EU)"),
    "QS": ("Provviste e dotazioni di bordo (extra UE)", "Stores and provisions (extra-EU)"),
    "QV": ("Paesi non specificati (intra UE)", "Unspecified countries (intra-EU)"),
    "QW": ("Paesi non specificati (extra UE)", "Unspecified countries (extra-EU)"),
    "XK": ("Kosovo", "Kosovo"),
}
# CLDR's display names that a statistics office does not print: "Hong Kong SAR China" is
# "Hong Kong" in trade statistics, as in ISTAT's and the ONS's tables.
_PUBLISHED_NAMES = {
    "HK": ("Hong Kong", "Hong Kong"),
    "MO": ("Macao", "Macao"),
    "CD": ("Repubblica Democratica del Congo", "Democratic Republic of the Congo"),
    "CG": ("Repubblica del Congo", "Republic of the Congo"),
    "MM": ("Myanmar", "Myanmar"),
    "TR": ("Turchia", "Turkey"),  # CLDR's "Türkiye" is not yet the English of trade statistics
}
# CLDR codes that are groupings or placeholders (XA, XB: pseudo-locales), not countries.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "ZZ", "AC", "CP", "CQ", "DG", "EA", "IC", "TA", "XA", "XB"}
# The CLDR locale of each language's names: British English ("St Lucia", not "St. Lucia").
_NAME_LOCALES = {"it": "it", "en": "en_GB"}

# ISTAT's geo-economic areas. EU membership is a legal list (EU27 from 2020); the rest follows
# ISTAT's grouping. Codes not listed fall in the last area, as ISTAT's own "other territories".
_AREA_ROWS = (
    ("EU27", "Unione europea (UE27)", "European Union (EU27)",
     "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"),
    ("EUR_OTHER", "Paesi europei non UE", "European countries outside the EU",
     "AD AL AM AZ BA BY CH FO GE GB GG GI IM IS JE LI MC MD ME MK NO RS RU SM TR UA VA XK"),
    ("AFR_NORTH", "Africa settentrionale", "North Africa", "DZ EG LY MA TN EH SD"),
    ("AFR_OTHER", "Altri paesi africani", "Other African countries",
     "AO BF BI BJ BW CD CF CG CI CM CV DJ ER ET GA GH GM GN GQ GW KE KM LR LS MG ML MR MU MW MZ "
     "NA NE NG RW SC SL SN SO SS ST SZ TD TG TZ UG ZA ZM ZW"),
    ("AM_NORTH", "America settentrionale", "North America", "US CA GL PM"),
    ("AM_LATIN", "America centro-meridionale", "Central and South America",
     "AG AI AR AW BB BL BM BO BQ BR BS BZ CL CO CR CU CW DM DO EC FK GD GT GY HN HT JM KN KY "
     "LC MF MS MX NI PA PE PR PY SR SV SX TC TT UY VC VE VG VI"),
    ("MIDDLE_EAST", "Medio Oriente", "Middle East", "AE BH IL IQ IR JO KW LB OM PS QA SA SY YE"),
    ("ASIA_CENTRAL", "Asia centrale", "Central Asia", "AF BD BT IN KG KZ LK MV NP PK TJ TM UZ"),
    ("ASIA_EAST", "Asia orientale", "East Asia",
     "BN CN HK ID JP KH KP KR LA MM MN MO MY PH SG TH TL TW VN"),
    ("OTHER", "Oceania e altri territori", "Oceania and other territories", ""),
)


@dataclass(frozen=True)
class Area:
    code: str
    name_it: str
    name_en: str

    def name(self, lang: str) -> str:
        return self.name_it if lang == "it" else self.name_en


AREAS: dict[str, Area] = {code: Area(code, it, en) for code, it, en, _ in _AREA_ROWS}
_AREA_OF_PARTNER = {partner: code for code, _, _, members in _AREA_ROWS for partner in members.split()}


@lru_cache(maxsize=None)
def _cldr_territories(lang: str) -> dict[str, str]:
    return dict(Locale.parse(_NAME_LOCALES[lang]).territories)


@lru_cache(maxsize=None)
def partner_codes() -> frozenset[str]:
    """Every partner code the data may use: ISO 3166-1 alpha-2 countries and the special codes."""
    iso = {code for code in _cldr_territories("en") if len(code) == 2 and code.isalpha()}
    return frozenset((iso - _NOT_COUNTRIES) | set(_SPECIAL_PARTNERS))


def partner_name(code: str, lang: str) -> str:
    """The country's name in the tables: CLDR's, except where a publication writes it otherwise.

    CLDR's English short names join with "&" ("Trinidad & Tobago"); printed text says "and".
    """
    names = _SPECIAL_PARTNERS.get(code) or _PUBLISHED_NAMES.get(code)
    if names:
        return names[0 if lang == "it" else 1]
    name = _cldr_territories(lang).get(code, code)
    return name.replace(" & ", " and ") if lang == "en" else name


def partner_area(code: str) -> str:
    return _AREA_OF_PARTNER.get(code, "OTHER")


def provinces_of(region: str) -> list[str]:
    return [t.code for t in TERRITORIES.values() if t.parent == region and t.level == "province"]


def regions() -> list[str]:
    """The NUTS-2 region codes, in NUTS order."""
    return [t.code for t in TERRITORIES.values() if t.level == "region"]


def provinces() -> list[str]:
    """The NUTS-3 province codes, each region's after the previous region's."""
    return [t.code for t in TERRITORIES.values() if t.level == "province"]
