"""The shipped sample data reproduce every figure of the Q1 2017 press release and the published figures.

Each check is one statement of the press release (or a further published figure), with the
tolerance the statement itself allows ("oltre 3 miliardi", "+13%", "quasi 300 milioni").
"""
from __future__ import annotations

import pytest

from bulletin.data.trade import load_dataset
from bulletin.indicators.compute import compute_indicators
from conftest import SAMPLE_DATA

BN, M = 1e9, 1e6


@pytest.fixture(scope="module")
def q1_2017():
    dataset = load_dataset(SAMPLE_DATA)
    return compute_indicators(dataset.trade, dataset.services, "2017Q1", "ITC4")


def by_code(items):
    return {item.code: item for item in items}


def test_1_2_lombardy_exports_over_3_billion_up_13_percent(q1_2017):
    assert 3.1 * BN <= q1_2017.exports.value_eur <= 3.3 * BN
    assert 12.5 <= q1_2017.exports.yoy_pct <= 13.5


def test_3_4_italy_10_billion_up_6_percent(q1_2017):
    assert 9.8 * BN <= q1_2017.national_exports.value_eur <= 10.2 * BN
    assert 5.5 <= q1_2017.national_exports.yoy_pct <= 6.5


def test_5_lombardy_about_a_third_of_italy(q1_2017):
    assert 30 <= q1_2017.exports.share_of_national_pct <= 34


def test_6_7_8_9_products(q1_2017):
    products = by_code(q1_2017.products)
    medicines = products["21.2"]
    assert medicines.value_eur > 1.0 * BN and 49.0 <= medicines.yoy_pct <= 50.0 and medicines.rank == 1
    assert 0.45 * BN <= products["26.5"].value_eur <= 0.50 * BN and products["26.5"].rank == 2
    for code in ("26.3", "21.1", "26.2"):
        assert 300 * M <= products[code].value_eur <= 360 * M
        assert products[code].rank in (3, 4, 5)


def test_10_united_states_first_destination(q1_2017):
    us = by_code(q1_2017.destinations)["US"]
    assert 405 * M <= us.value_eur <= 413 * M and 67.5 <= us.yoy_pct <= 68.5 and us.rank == 1


def test_11_germany_and_switzerland_almost_300_million(q1_2017):
    partners = by_code(q1_2017.destinations)
    for code in ("DE", "CH"):
        assert 280 * M <= partners[code].value_eur <= 299 * M and partners[code].rank in (2, 3)


def test_12_13_united_kingdom_and_japan(q1_2017):
    partners = by_code(q1_2017.destinations)
    assert 169 * M <= partners["GB"].value_eur <= 173 * M and 48.5 <= partners["GB"].yoy_pct <= 49.5
    assert 130 * M <= partners["JP"].value_eur <= 134 * M and 44.5 <= partners["JP"].yoy_pct <= 45.5


def test_14_lombardy_trade_9_5_billion(q1_2017):
    assert 9.4 * BN <= q1_2017.trade_eur <= 9.6 * BN


def test_15_16_17_18_province_rankings(q1_2017):
    provinces = by_code(q1_2017.provinces)
    milano = provinces["ITC4C"]
    assert milano.export_rank == 1 and milano.import_rank == 1
    assert milano.exports_eur + milano.imports_eur > 6.0 * BN
    assert [provinces[c].export_rank for c in ("ITC4D", "ITC41", "ITC49")] == [2, 3, 4]
    assert 69.5 <= provinces["ITC4D"].exports_yoy_pct <= 70.5
    assert [provinces[c].import_rank for c in ("ITC49", "ITC4D", "ITC48")] == [2, 3, 4]


def test_19_20_22_specialisations(q1_2017):
    provinces = by_code(q1_2017.provinces)
    assert provinces["ITC4C"].top_export_product.code.startswith("21")
    assert provinces["ITC4D"].top_export_product.code == "26.1"
    assert provinces["ITC41"].top_export_product.code == "30.3"


def test_21_lodi_follows_milano_in_telecom_equipment(q1_2017):
    telecom = {p.code: p.export_products_eur["26.3"] for p in q1_2017.provinces}
    ranking = sorted(telecom, key=telecom.get, reverse=True)
    assert ranking[:2] == ["ITC4C", "ITC49"]


def test_milano_and_monza_shares_of_italy(q1_2017):
    provinces = by_code(q1_2017.provinces)
    assert provinces["ITC4C"].share_of_national_pct == pytest.approx(15.0, abs=0.05)
    assert provinces["ITC4C"].exports_yoy_pct == pytest.approx(13.1, abs=0.05)
    assert provinces["ITC4D"].share_of_national_pct == pytest.approx(5.7, abs=0.05)
    assert provinces["ITC4D"].exports_yoy_pct == pytest.approx(70.1, abs=0.05)


def test_cremona_exact_figures(q1_2017):
    cremona = by_code(q1_2017.provinces)["ITC4A"]
    assert (cremona.exports_previous_eur, cremona.exports_eur) == (11_271_607, 15_948_706)
    assert (cremona.imports_previous_eur, cremona.imports_eur) == (25_965_314, 23_178_971)


def test_varese_falls_led_by_aircraft_with_france_first():
    dataset = load_dataset(SAMPLE_DATA)
    varese = compute_indicators(dataset.trade, dataset.services, "2017Q1", "ITC41")
    assert varese.exports.previous_eur == pytest.approx(362 * M, abs=0.5 * M)
    assert varese.exports.value_eur == pytest.approx(258 * M, abs=0.5 * M)
    aircraft = by_code(varese.products)["30.3"]
    assert aircraft.rank == 1 and aircraft.value_eur == pytest.approx(139 * M, abs=0.5 * M)
    first = varese.destinations[0]
    assert first.code == "FR" and first.value_eur == pytest.approx(40 * M, abs=0.5 * M)


def test_sample_covers_what_the_bulletin_needs():
    dataset = load_dataset(SAMPLE_DATA)
    assert dataset.quarters[0] == "2013Q1" and dataset.quarters[-1] == "2017Q1" and len(dataset.quarters) == 17
    assert dataset.trade["partner"].nunique() >= 41
    assert dataset.trade["product"].nunique() == 11 and dataset.trade["territory"].nunique() == 14
    assert set(dataset.services["period"]) == set(dataset.quarters)


def test_the_tables_and_text_print_the_published_figures_in_their_units(q1_2017):
    """As printed: the products and partner tables in millions (their largest figure asks for it),
    the text in the unit each figure's size asks for, negative figures with the minus sign."""
    from bulletin.text import formatting as fmt
    products, partners = by_code(q1_2017.products), by_code(q1_2017.destinations)
    unit = fmt.table_unit([p.value_eur for p in q1_2017.products] + [q1_2017.exports.value_eur])
    assert fmt.unit_name(unit, "it") == "milioni di euro"
    assert fmt.in_unit(products["21.2"].value_eur, unit, "it") == "1.050,0"
    assert fmt.in_unit(partners["US"].value_eur, unit, "it") == "409,0"
    assert fmt.change(partners["US"].yoy_pct, partners["US"].previous_eur, "it") == "+68,0%"
    assert fmt.money(q1_2017.exports.value_eur, "it") == "3,2\u00a0miliardi di euro"
    assert fmt.money(partners["GB"].value_eur, "it") == "171\u00a0milioni di euro"
    assert fmt.money(q1_2017.balance_eur, "it", unit=False) == "\u22123,2\u00a0miliardi"
