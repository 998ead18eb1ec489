"""Indicators on a small data set whose every figure is worked out by hand here."""
from __future__ import annotations

import json

import pytest

from bulletin.data.trade import load_dataset
from bulletin.indicators.compute import change_pct, compute_indicators
from conftest import SMALL_ROWS, write_data


@pytest.fixture
def figures(small_data):
    dataset = load_dataset(small_data)
    return compute_indicators(dataset.trade, dataset.services, "2017Q1", "ITC4")


def test_headline_flows(figures):
    assert figures.previous_year_quarter == "2016Q1"
    assert figures.exports.value_eur == 750 and figures.exports.previous_eur == 600
    assert figures.exports.yoy_pct == pytest.approx(25.0)
    assert figures.exports.share_of_national_pct == pytest.approx(750 / 1800 * 100)
    assert figures.imports.value_eur == 330 and figures.imports.yoy_pct == pytest.approx(10.0)
    assert figures.trade_eur == 1080 and figures.balance_eur == 420
    assert figures.trade_yoy_pct == pytest.approx(20.0)
    assert figures.national_exports.value_eur == 1800 and figures.national_exports.yoy_pct == pytest.approx(20.0)
    assert figures.exports.ytd_quarters == ["2017Q1"] and figures.exports.ytd_value_eur == 750


def test_products_partners_and_areas_are_ranked(figures):
    products = {p.code: p for p in figures.products}
    assert len(products) == 11  # every group is listed, even at zero
    assert products["21.2"].rank == 1 and products["21.2"].yoy_pct == pytest.approx(50.0)
    assert products["26.5"].rank == 2 and products["26.5"].yoy_pct == pytest.approx(-25.0)
    assert products["26.1"].value_eur == 0 and products["26.1"].yoy_pct is None
    assert products["21.2"].share_pct == pytest.approx(80.0)
    assert [(d.code, d.rank) for d in figures.destinations] == [("US", 1), ("DE", 2)]
    assert figures.destinations[0].name == {"it": "Stati Uniti", "en": "United States"}
    assert [(a.code, a.value_eur) for a in figures.areas] == [("AM_NORTH", 600), ("EU27", 150)]


def test_provinces(figures):
    by_code = {p.code: p for p in figures.provinces}
    milano, lodi = by_code["ITC4C"], by_code["ITC49"]
    assert (milano.export_rank, lodi.export_rank) == (1, 2)
    assert milano.exports_yoy_pct == pytest.approx(500 / 300 * 100 - 100)
    assert lodi.exports_yoy_pct == pytest.approx(100.0)
    assert milano.share_of_region_pct == pytest.approx(500 / 750 * 100)
    assert milano.top_export_product.code == "21.2" and lodi.top_export_product.code == "26.5"
    assert milano.import_rank == 1 and milano.imports_yoy_pct == pytest.approx(20.0)
    # A province with no trade at all is listed with zeros and a change of None, never an error.
    varese = by_code["ITC41"]
    assert varese.exports_eur == 0 and varese.exports_yoy_pct is None and varese.top_export_product is None


def test_province_edition_knows_its_region(small_data):
    dataset = load_dataset(small_data)
    lodi = compute_indicators(dataset.trade, dataset.services, "2017Q1", "ITC49")
    assert lodi.provinces == []
    assert lodi.region.code == "ITC4" and lodi.region.export_rank == 2
    assert lodi.region.share_of_region_pct == pytest.approx(100 / 750 * 100)


@pytest.mark.parametrize("territory", ["ITC4", "ITC4C", "IT"])
def test_figures_do_not_depend_on_how_the_rows_are_held(sample, territory):
    """An edition finds its rows by binary search in the rows as loaded (ordered by territory and
    quarter); in rows of any other order, or of plain strings, it looks through them all alike."""
    dataset, _ = sample
    expected = compute_indicators(dataset.trade, dataset.services, "2016Q3", territory).to_dict()
    shuffled = dataset.trade.sample(frac=1, random_state=7)
    plain = dataset.trade.astype({column: str for column in ("period", "flow", "territory", "product", "partner")})
    for trade in (shuffled, plain):
        assert compute_indicators(trade, dataset.services, "2016Q3", territory).to_dict() == expected


def test_services_changes(figures):
    services = {(s.provider, s.service): s for s in figures.services}
    lab = services[("Innovhub SSI", "Prove di laboratorio")]
    assert (lab.firms, lab.firms_previous, lab.firms_yoy_pct) == (50, 40, pytest.approx(25.0))
    new = services[("Promos", "Assistenza personalizzata")]
    assert new.firms_previous is None and new.firms_yoy_pct is None
    assert figures.services_quarter_available


def test_contribution_to_italys_change_and_no_rank_without_every_region(figures):
    """(value now − a year before) / Italy's value a year before × 100, as ISTAT's release has it."""
    assert figures.exports.contribution_pp == pytest.approx((750 - 600) / 1500 * 100)
    assert figures.imports.contribution_pp == pytest.approx((330 - 300) / 800 * 100)
    assert figures.region_rank is None  # Lombardia alone in the data: no rank among Italy's regions
    assert figures.to_dict()["exports"]["contribution_pp"] == pytest.approx(10.0)


def test_an_edition_the_services_do_not_serve_has_none_of_their_figures(small_data):
    dataset = load_dataset(small_data)
    served = compute_indicators(dataset.trade, dataset.services, "2017Q1", "ITC4")
    unserved = compute_indicators(dataset.trade, None, "2017Q1", "ITC4")
    assert served.reports_services and len(served.services) == 2
    assert not unserved.reports_services and unserved.services == [] and not unserved.services_quarter_available


def test_no_services_file_gives_empty_services(tmp_path):
    dataset = load_dataset(write_data(tmp_path / "data", services=None))
    figures = compute_indicators(dataset.trade, dataset.services, "2017Q1", "ITC4")
    assert figures.services == [] and not figures.services_quarter_available


def test_missing_previous_year_gives_none(tmp_path):
    rows = "\n".join(line for line in SMALL_ROWS.splitlines() if line.startswith("2017Q1")) + "\n"
    dataset = load_dataset(write_data(tmp_path / "data", rows))
    figures = compute_indicators(dataset.trade, dataset.services, "2017Q1", "ITC4")
    assert figures.exports.previous_eur is None and figures.exports.yoy_pct is None
    assert figures.exports.ytd_yoy_pct is None and figures.trade_yoy_pct is None
    json.dumps(figures.to_dict(), allow_nan=False)


@pytest.mark.parametrize("now, before, expected", [(110, 100, 10.0), (5, 0, None), (5, None, None), (0, 10, -100.0)])
def test_change_pct(now, before, expected):
    assert change_pct(now, before) == (pytest.approx(expected) if expected is not None else None)


def test_services_can_be_named_in_the_edition_language_without_touching_the_figures(sample, tmp_path):
    from bulletin.templates import Templates
    from bulletin.errors import ConfigError
    from bulletin.pipeline import service_names

    _, indicators = sample
    english = indicators.with_service_names(service_names(Templates(None), "en"))
    assert [s.service for s in english.services if s.provider == "Innovhub SSI"][0] == "Laboratory testing"
    assert [(s.provider, s.firms, s.firms_yoy_pct) for s in english.services] == \
        [(s.provider, s.firms, s.firms_yoy_pct) for s in indicators.services]
    assert indicators.services[0].service == "Prove di laboratorio"  # the original is unchanged
    assert indicators.with_service_names(service_names(Templates(None), "it")) == indicators
    # A user's own names file overrides the shipped one; a wrong one is a located one-line error.
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "names.toml").write_text('[services]\n"Prove di laboratorio" = "Lab tests"\n', encoding="utf-8")
    assert service_names(Templates(tmp_path), "en") == {"Prove di laboratorio": "Lab tests"}
    (tmp_path / "en" / "names.toml").write_text('[services]\n"Prove di laboratorio" = 3\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"en/names.toml: \[services\] must map names to names"):
        service_names(Templates(tmp_path), "en")
