"""The territory table: Italy, its 21 NUTS-2 regions and 107 NUTS-3 provinces (NUTS 2021)."""
from __future__ import annotations

from collections import Counter

from bulletin import reference
from bulletin.reference import NATIONAL, TERRITORIES, provinces, provinces_of, regions

LOMBARDY = [
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
]

# NUTS 2021: number of provinces of each region.
PROVINCES_PER_REGION = {
    "ITC1": 8, "ITC2": 1, "ITC3": 4, "ITC4": 12, "ITF1": 4, "ITF2": 2, "ITF3": 5, "ITF4": 6,
    "ITF5": 2, "ITF6": 5, "ITG1": 9, "ITG2": 5, "ITH1": 1, "ITH2": 1, "ITH3": 7, "ITH4": 4,
    "ITH5": 9, "ITI1": 10, "ITI2": 2, "ITI3": 5, "ITI4": 5,
}


def test_italy_is_the_only_country():
    countries = [t for t in TERRITORIES.values() if t.level == "country"]
    assert [(t.code, t.name_it, t.name_en, t.parent) for t in countries] == [("IT", "Italia", "Italy", None)]
    assert NATIONAL == "IT"


def test_21_regions_under_italy():
    assert regions() == list(PROVINCES_PER_REGION)
    assert all(TERRITORIES[code].parent == NATIONAL for code in regions())
    assert TERRITORIES["ITH1"].name_it == "Provincia Autonoma di Bolzano/Bozen"
    assert TERRITORIES["ITH2"].name_it == "Provincia Autonoma di Trento"
    assert TERRITORIES["ITC2"].name_it == "Valle d'Aosta/Vallée d'Aoste"


def test_107_provinces_each_under_a_region():
    codes = provinces()
    assert len(codes) == len(set(codes)) == 107
    region_codes = set(regions())
    for code in codes:
        territory = TERRITORIES[code]
        assert territory.parent in region_codes, code
        assert code.startswith(territory.parent) and len(code) == 5, code
    assert {region: len(provinces_of(region)) for region in regions()} == PROVINCES_PER_REGION
    assert sorted(c for region in regions() for c in provinces_of(region)) == sorted(codes)


def test_levels_and_codes():
    assert Counter(t.level for t in TERRITORIES.values()) == {"country": 1, "region": 21, "province": 107}
    assert all(code == t.code for code, t in TERRITORIES.items())
    assert all(t.name_it.strip() and t.name_en.strip() for t in TERRITORIES.values())


def test_nuts_2021_codes_that_changed_over_time():
    # Sardinia's provinces were recoded in NUTS 2021; Monza and Milano in NUTS 2010.
    assert provinces_of("ITG2") == ["ITG2D", "ITG2E", "ITG2F", "ITG2G", "ITG2H"]
    assert TERRITORIES["ITG2H"].name_it == "Sud Sardegna"
    assert provinces_of("ITH4") == ["ITH41", "ITH42", "ITH43", "ITH44"]
    assert provinces_of("ITI3") == ["ITI31", "ITI32", "ITI33", "ITI34", "ITI35"]
    assert provinces_of("ITF4") == ["ITF43", "ITF44", "ITF45", "ITF46", "ITF47", "ITF48"]
    assert TERRITORIES["ITF48"].name_it == "Barletta-Andria-Trani"
    assert provinces_of("ITH1") == ["ITH10"] and provinces_of("ITH2") == ["ITH20"]
    for old in ("ITC45", "ITG21", "ITG25", "ITG29", "ITG2A", "ITG2C", "ITF41", "ITF42"):
        assert old not in TERRITORIES, old


def test_names_are_unique_per_level():
    for level in ("region", "province"):
        rows = [t for t in TERRITORIES.values() if t.level == level]
        for lang in reference.LANGUAGES:
            names = Counter(t.name(lang) for t in rows)
            assert [n for n, count in names.items() if count > 1] == [], (level, lang)


def test_lombardy_is_unchanged():
    assert (TERRITORIES["ITC4"].name_it, TERRITORIES["ITC4"].name_en) == ("Lombardia", "Lombardy")
    assert provinces_of("ITC4") == [code for code, _, _ in LOMBARDY]
    assert [(t.code, t.name_it, t.name_en) for t in map(TERRITORIES.get, provinces_of("ITC4"))] == LOMBARDY
    assert all(TERRITORIES[code].parent == "ITC4" for code, _, _ in LOMBARDY)


def test_provinces_of_a_province_or_unknown_code_is_empty():
    assert provinces_of("ITC4C") == [] and provinces_of("XX") == []
