"""The provinces section of a regional edition: who leads exports and imports, who moves most,
what each province is known for (said once for the provinces that share it), and what the
provinces do not account for."""
from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from bulletin.indicators.compute import Indicators, ProvinceFigures, RankedItem, rank_by_value
from bulletin.text import formatting
from bulletin.text.grammar import Figure
from bulletin.text.sections import MIN_SHARE_PCT, movers, movers_key, paragraph, ranked
from bulletin.text.wording import Wording, significant

TOP_PROVINCES = 4         # provinces named in each ranking (the first and the next three)
TOP_GROUPS = 3            # product groups whose leading provinces are named
UNALLOCATED_MIN_PCT = 0.5  # regional exports not allocated to a province are mentioned above this share


def provinces(ind: Indicators, w: Wording) -> list[str]:
    """Empty for an edition without a provinces section (a province, Italy, a region of fewer
    than three provinces: `provinces_in_brief` says theirs)."""
    if not ind.compares_provinces:
        return []
    by_exports = sorted(ind.provinces, key=lambda p: p.export_rank)
    if by_exports[0].exports_eur <= 0:
        return [w.fill("provinces_none")]
    paragraphs = [_exporters(by_exports, w), _importers(ind, by_exports[0], w), _movers(ind, w),
                  _specialities(ind, by_exports, w), _unallocated(ind, w)]
    return [text for text in paragraphs if text]


def provinces_in_brief(ind: Indicators, w: Wording) -> list[str]:
    """A region of one or two provinces, which has no provinces section: their exports in one
    sentence, for the exports section."""
    if ind.territory["level"] != "region" or ind.compares_provinces or not ind.provinces:
        return []
    if len(ind.provinces) == 1:
        only = ind.provinces[0]
        if ind.exports.value_eur <= 0:  # nothing exported: nothing to attribute
            return []
        if only.share_of_region_pct is not None and formatting.share(only.share_of_region_pct, w.lang) == \
                formatting.share(100.0, w.lang):
            return [w.fill("provinces_brief_one_whole", province=w.province(only))]
        # Said of the rest: "ISTAT attributes 97.1% to the province of Bolzano" read, in the
        # edition of the Autonomous Province of Bolzano, as if the two were not one.
        rest = ind.exports.value_eur - only.exports_eur
        return [w.fill("provinces_brief_one", value=w.money(rest), share=w.share(rest / ind.exports.value_eur * 100))]
    items = [w.fill("province_brief_item", province=w.province(p), value=w.money(p.exports_eur),
                    change_note=w.change_note(p.exports_yoy_pct, p.exports_previous_eur),
                    share=w.share(p.share_of_region_pct))
             for p in sorted(ind.provinces, key=lambda p: p.export_rank)]
    return [w.fill("provinces_brief", items=w.join(items))]


def _ranked(provinces: list[ProvinceFigures], flow: str, w: Wording) -> tuple[list[Figure], list[str]]:
    """The amounts of `flow` ("exports", "imports") of the provinces with any, in the given order
    (the leader first), neighbours that print alike told apart, the leader from the second too;
    and "Monza e Brianza (586 milioni di euro, −6,9%)" for each province after the leader."""
    provinces = [p for p in provinces if getattr(p, f"{flow}_eur") > 0]
    amounts = w.money_apart([getattr(p, f"{flow}_eur") for p in provinces])
    items = [w.fill("province_item", province=w.province(p), value=amount,
                    change_note=w.change_note(getattr(p, f"{flow}_yoy_pct"), getattr(p, f"{flow}_previous_eur")))
             for p, amount in zip(provinces[1:], amounts[1:])]
    return amounts, items


def _exporters(by_exports: list[ProvinceFigures], w: Wording) -> str:
    first = by_exports[0]
    amounts, following = _ranked(by_exports[:TOP_PROVINCES], "exports", w)
    return paragraph(
        w.fill("provinces_exports_first", province=w.province(first), value=amounts[0] if amounts else
               w.money(first.exports_eur), share=w.share(first.share_of_region_pct),
               change_clause=w.change_clause(first.exports_yoy_pct, first.exports_previous_eur)),
        w.listing("provinces_exports_next", following))


def _importers(ind: Indicators, first_exporter: ProvinceFigures, w: Wording) -> str | None:
    by_imports = sorted(ind.provinces, key=lambda p: p.import_rank)
    first = by_imports[0]
    if first.imports_eur <= 0:
        return None
    amounts, following = _ranked(by_imports[:TOP_PROVINCES], "imports", w)
    values = dict(province=w.province(first), value=amounts[0],
                  change_note=w.change_note(first.imports_yoy_pct, first.imports_previous_eur))
    if first.code == first_exporter.code:
        leader = w.fill("provinces_imports_same", trade_level=w.level(first.exports_eur + first.imports_eur), **values)
        return paragraph(leader, w.listing("provinces_imports_next", following))
    # the leader and the provinces that follow it in one sentence, which names imports once
    return paragraph(w.listing("provinces_imports_first_next", following, **values)
                     or w.fill("provinces_imports_first", **values))


def _movers(ind: Indicators, w: Wording) -> str | None:
    """The fastest-rising and fastest-falling province among those that count."""
    found = movers([p for p in ind.provinces if p.share_of_region_pct is not None
                    and p.share_of_region_pct >= MIN_SHARE_PCT and significant(p.exports_previous_eur)],
                   lambda p: p.exports_yoy_pct)
    if not found:
        return None
    up, down, rising, falling = found
    return w.fill(movers_key("provinces_movers_", up, down), threshold=w.share(MIN_SHARE_PCT),
                  **w.mover_words(rising, falling),
                  up_province=w.province(up) if up else "", up_change=w.pct(up.exports_yoy_pct) if up else "",
                  down_province=w.province(down) if down else "",
                  down_change=w.pct(down.exports_yoy_pct) if down else "")


def _specialities(ind: Indicators, by_exports: list[ProvinceFigures], w: Wording) -> str | None:
    """The first product of each leading province, and the leading provinces of the first products."""
    return paragraph(_specialisations(ind, by_exports, w), *_group_leaders(ind, w)) or None


def _specialisations(ind: Indicators, by_exports: list[ProvinceFigures], w: Wording) -> str | None:
    """What the leading provinces export most, each product named once: "Ancona e Fermo esportano
    soprattutto i medicinali (rispettivamente il 59,8% e il 39,1%)", or, when they share it, "in
    tutte e cinque le province il primo prodotto è quello dei medicinali (Pesaro e Urbino 50,6%, …)"."""
    exporting = [p for p in by_exports if p.top_export_product is not None and p.exports_eur > 0]
    leading = [p for p in exporting if p in by_exports[:TOP_PROVINCES]]
    by_product: dict[str, list[ProvinceFigures]] = {}
    for p in leading:
        by_product.setdefault(p.top_export_product.code, []).append(p)
    if not by_product:
        return None

    def top_share(p: ProvinceFigures):
        return w.share(p.top_export_product.value_eur / p.exports_eur * 100)

    if len(by_product) == 1 and len(leading) > 1:
        product = leading[0].top_export_product
        if len(exporting) == len(ind.provinces) and all(p.top_export_product.code == product.code for p in exporting):
            leading = exporting  # beyond the leading ones: all of them share it
        key = "specialisation_all" if len(leading) == len(ind.provinces) else "specialisation_leading"
        named = w.join([w.fill("province_share", province=w.province(p), share=top_share(p)) for p in leading])
        return w.fill("provinces_specialisation", items=w.fill(
            key, count=w.count(len(leading)), product=w.product(product), shares=named))
    clauses = []
    for provinces in by_product.values():
        place = "first" if not clauses else "other"
        product = w.product(provinces[0].top_export_product)
        if len(provinces) == 1:
            clauses.append(w.fill(f"specialisation_{place}", province=w.province(provinces[0]), product=product,
                                  share=top_share(provinces[0])))
        else:
            clauses.append(w.fill(f"specialisation_shared_{place}", provinces=w.join([format(w.province(p), "art") for p in provinces]),
                                  product=product, shares=w.join([top_share(p) for p in provinces])))
    return w.fill("provinces_specialisation", items=w.join(clauses))


def _group_leaders(ind: Indicators, w: Wording) -> list[str]:
    """In each leading product group, the first province and the one that follows it: a sentence
    each, or one sentence for all when one province leads them all ("Torino è la prima provincia
    in ciascuno dei tre principali gruppi"), which three sentences would say three times.

    The indicators rank provinces overall, not within a product group; the order within a
    group uses the indicators' own ranking rule (`rank_by_value`: value, then code).
    """
    leaders: list[GroupLeader] = []
    by_code = {p.code: p for p in ind.provinces}
    for product in ranked(ind.products)[:TOP_GROUPS]:
        values = pd.Series({p.code: p.export_products_eur.get(product.code, 0.0) for p in ind.provinces})
        if values.empty or values.max() <= 0:
            continue
        order = rank_by_value(values).sort_values().index.tolist()
        first, second = by_code[order[0]], by_code[order[1]] if len(order) > 1 else None
        if second is not None and values[second.code] <= 0:
            second = None
        leaders.append(GroupLeader(product, first, values[first.code], second,
                                   values[second.code] if second else 0.0))

    def words(leader: GroupLeader) -> dict:
        # The groups by their short names: named in full in the products section, in full
        # they made three long sentences of one pattern, or one of seventy words.
        return dict(product=w.product(leader.product, short=True), first=w.province(leader.first),
                    first_value=w.money(leader.first_eur), first_amount=w.amount(leader.first_eur),
                    second=w.province(leader.second) if leader.second else "",
                    second_value=w.money(leader.second_eur), second_amount=w.amount(leader.second_eur))

    if len(leaders) > 1 and len({leader.first.code for leader in leaders}) == 1:
        seconds = {leader.second.code if leader.second else None for leader in leaders}
        pair = len(seconds) == 1 and None not in seconds  # the same two provinces, in the same order
        items = [w.fill("group_led_pair_item" if pair else "group_led_item" if leader.second else "group_led_item_alone",
                        **words(leader)) for leader in leaders]
        return [w.fill("group_leader_pair" if pair else "group_leader_all", first=w.province(leaders[0].first),
                       second=w.province(leaders[0].second) if pair else "", count=w.count(len(leaders)),
                       items=w.join(items))]
    if len(leaders) > 1:  # one sentence, which three of one pattern would say three times,
        by_province: dict[str, list[GroupLeader]] = {}  # each province named once, with its groups
        for leader in leaders:
            by_province.setdefault(leader.first.code, []).append(leader)
        clauses = [w.fill("group_leaders_first_clause" if n == 0 else "group_leaders_clause",
                          first=w.province(led[0].first),
                          groups=w.join([w.fill("group_leaders_item" if leader.second else "group_leaders_item_alone",
                                                **words(leader)) for leader in led]))
                   for n, led in enumerate(by_province.values())]
        return [w.fill("group_leaders", clauses=w.join_clauses(clauses))]
    return [w.fill("group_leader" if leader.second else "group_leader_alone", **words(leader)) for leader in leaders]


class GroupLeader(NamedTuple):
    """The first province in a product group, and the one that follows it (None if no other exports it)."""

    product: RankedItem
    first: ProvinceFigures
    first_eur: float
    second: ProvinceFigures | None
    second_eur: float


def _unallocated(ind: Indicators, w: Wording) -> str | None:
    """The part of the region's exports that no province accounts for, when it is not negligible."""
    region_exports = ind.exports.value_eur
    unallocated = region_exports - sum(p.exports_eur for p in ind.provinces)
    if region_exports <= 0 or unallocated / region_exports * 100 < UNALLOCATED_MIN_PCT:
        return None
    return w.fill("provinces_unallocated", value=w.money(unallocated), share=w.share(unallocated / region_exports * 100))
