"""Reference tables: the codes the data may use and their names in Italian and English.

Territories and products are fixed classifications (NUTS 2021, CPA 2008 hi-tech groups), so
they live here as small tables. Country names come from CLDR through Babel, a maintained
source, so that a new ISO code or a renamed country needs a library update, not an edit here.
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


_TERRITORY_ROWS = (
    ("IT", "Italia", "Italy", "country", None),
    ("ITC4", "Lombardia", "Lombardy", "region", "IT"),
    ("ITC41", "Varese", "Varese", "province", "ITC4"),
    ("ITC42", "Como", "Como", "province", "ITC4"),
    ("ITC43", "Lecco", "Lecco", "province", "ITC4"),
    ("ITC44", "Sondrio", "Sondrio", "province", "ITC4"),
    ("ITC46", "Bergamo", "Bergamo", "province", "ITC4"),
    ("ITC47", "Brescia", "Brescia", "province", "ITC4"),
    ("ITC48", "Pavia", "Pavia", "province", "ITC4"),
    ("ITC49", "Lodi", "Lodi", "province", "ITC4"),
    ("ITC4A", "Cremona", "Cremona", "province", "ITC4"),
    ("ITC4B", "Mantova", "Mantua", "province", "ITC4"),
    ("ITC4C", "Milano", "Milan", "province", "ITC4"),
    ("ITC4D", "Monza e della Brianza", "Monza and Brianza", "province", "ITC4"),
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
    ("26.5", "26", "Strumenti e apparecchi di misurazione, prova e navigazione; orologi",
     "Measuring, testing and navigation instruments; watches and clocks"),
    ("26.6", "26", "Strumenti per irradiazione, apparecchiature elettromedicali ed elettroterapeutiche",
     "Irradiation, electromedical and electrotherapeutic equipment"),
    ("26.7", "26", "Strumenti ottici e attrezzature fotografiche", "Optical instruments and photographic equipment"),
    ("26.8", "26", "Supporti magnetici ed ottici", "Magnetic and optical media"),
    ("30.3", "30", "Aeromobili, veicoli spaziali e relativi dispositivi", "Air and spacecraft and related machinery"),
)
PRODUCTS: dict[str, Product] = {row[0]: Product(*row) for row in _PRODUCT_ROWS}

# Partner codes outside ISO 3166-1 that foreign-trade statistics use (Eurostat geonomenclature).
_SPECIAL_PARTNERS = {
    "QU": ("Paesi e territori non determinati", "Countries and territories not determined"),
    "QR": ("Provviste e dotazioni di bordo (UE)", "Stores and provisions (intra-EU)"),
    "QS": ("Provviste e dotazioni di bordo (extra UE)", "Stores and provisions (extra-EU)"),
    "QV": ("Paesi non specificati (intra UE)", "Countries not specified (intra-EU)"),
    "QW": ("Paesi non specificati (extra UE)", "Countries not specified (extra-EU)"),
    "XK": ("Kosovo", "Kosovo"),
}
# CLDR codes that are groupings or placeholders, not countries.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "ZZ", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"}

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
    return dict(Locale.parse(lang).territories)


@lru_cache(maxsize=None)
def partner_codes() -> frozenset[str]:
    """Every partner code the data may use: ISO 3166-1 alpha-2 countries and the special codes."""
    iso = {code for code in _cldr_territories("en") if len(code) == 2 and code.isalpha()}
    return frozenset((iso - _NOT_COUNTRIES) | set(_SPECIAL_PARTNERS))


def partner_name(code: str, lang: str) -> str:
    if code in _SPECIAL_PARTNERS:
        return _SPECIAL_PARTNERS[code][0 if lang == "it" else 1]
    return _cldr_territories(lang).get(code, code)


def partner_area(code: str) -> str:
    return _AREA_OF_PARTNER.get(code, "OTHER")


def provinces_of(region: str) -> list[str]:
    return [t.code for t in TERRITORIES.values() if t.parent == region and t.level == "province"]
