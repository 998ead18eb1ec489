"""The paragraphs of each section of the narrative, one function per section: `(indicators,
wording) -> paragraphs`, each paragraph reportlab markup.

A function only decides which sentence applies (rising, falling, unchanged, not available; one
item or several) and with which figures; the sentences are the template's. Rankings are read
from the indicators' ranks: nothing here re-ranks what the indicators rank.
"""
from __future__ import annotations

from collections.abc import Callable

from bulletin import reference
from bulletin.indicators.compute import Indicators, RankedItem
from bulletin.text import formatting
from bulletin.text.formatting import quarter_label
from bulletin.text.grammar import Figure, direction
from bulletin.text.wording import Wording, significant

TOP_PRODUCTS = 5          # product groups named in the products section
TOP_DESTINATIONS = 5      # countries named in the destinations section
TOP_AREAS = 3             # areas named
MOVERS_AMONG = 10         # growth and falls are looked for among the first N destinations
MOVERS_SHOWN = 2          # how many rising (falling) destinations are named
MIN_SHARE_PCT = 1.0       # products and provinces below this share are left out of "fastest growth"


def headline(ind: Indicators, w: Wording) -> str:
    """One sentence for the cover and the e-mail."""
    flow = ind.exports
    if w.direction(flow.yoy_pct, flow.previous_eur) in ("na", "ns"):
        return w.fill("headline", exports=w.money(flow.value_eur))
    return w.fill("headline_change", exports=w.money(flow.value_eur), exports_change=w.pct(flow.yoy_pct))


def summary(ind: Indicators, w: Wording) -> list[str]:
    flow = ind.exports
    share_of_italy = None
    if flow.share_of_national_pct is not None and not is_national(ind):
        share_of_italy = w.fill("summary_share", share_level=w.share_level(flow.share_of_national_pct),
                                national_exports=w.money(ind.national_exports.value_eur),
                                national_change_note=w.change_note(ind.national_exports.yoy_pct,
                                                                   ind.national_exports.previous_eur))
    standing = _standing(ind, w)
    # A region's standing ends on its own name ("La Lombardia si colloca al primo posto…"), so the
    # contribution that follows says "Il suo contributo"; a province's ends on its region's.
    named_just_before = bool(standing) and ind.territory["level"] == "region"
    paragraphs = [
        paragraph(w.fill(f"summary_exports_{w.direction(flow.yoy_pct, flow.previous_eur)}",
                         exports_level=w.level(flow.value_eur),
                         exports_change=w.pct(flow.yoy_pct), exports_change_abs=w.abs_pct(flow.yoy_pct)),
                  share_of_italy, *standing, contribution(ind, w, named_just_before),
                  w.fill("summary_provisional") if ind.provisional else None),
        w.fill("summary_trade", trade=w.money(ind.trade_eur),
               trade_change_note=w.change_note(ind.trade_yoy_pct, ind.trade_previous_eur),
               balance_phrase=w.balance_phrase(ind.balance_eur))]
    leaders = _leaders(ind, w)
    if leaders:
        paragraphs.append(paragraph(*leaders))
    return paragraphs


def _leaders(ind: Indicators, w: Wording) -> list[str]:
    """The first product, destination and province."""
    leaders = []
    top_products = ranked(ind.products)
    if top_products:
        top = top_products[0]
        leaders.append(w.fill("summary_top_product", product=w.product(top), value=w.money(top.value_eur),
                              change_note=w.change_note(top.yoy_pct, top.previous_eur)))
    top_destinations = ranked(ind.destinations)
    if top_destinations:
        top = top_destinations[0]
        leaders.append(w.fill("summary_top_destination", country=w.country(top), value=w.money(top.value_eur),
                              change_note=w.change_note(top.yoy_pct, top.previous_eur)))
    by_exports = sorted(ind.provinces, key=lambda p: p.export_rank) if ind.compares_provinces else []
    if by_exports and by_exports[0].exports_eur > 0 and by_exports[0].share_of_region_pct is not None:
        top = by_exports[0]
        leaders.append(w.fill("summary_top_province", province=w.province(top), share=w.share(top.share_of_region_pct),
                              value=w.money(top.exports_eur),
                              change_note=w.change_note(top.exports_yoy_pct, top.exports_previous_eur)))
    return leaders


def _standing(ind: Indicators, w: Wording) -> list[str]:
    """Where the territory ranks, beside its share of Italy's exports: a region among Italy's
    regions; a province among its region's provinces, then its region among Italy's."""
    standing = []
    region = ind.region
    # A region of one province (Valle d'Aosta) has no ranking to speak of.
    if (region is not None and region.export_rank is not None and region.share_of_region_pct is not None
            and region.provinces > 1):
        standing.append(w.fill("summary_region_rank", rank_ordinal=w.rank(region.export_rank, region.provinces),
                               count=w.count(region.provinces),
                               region=w.territory(region.code),
                               share=w.share(region.share_of_region_pct), region_exports=w.money(region.exports_eur)))
    if ind.territory["level"] == "region" or region is not None:
        standing.append(_region_rank(ind, w))
    return [sentence for sentence in standing if sentence]


def _region_rank(ind: Indicators, w: Wording) -> str | None:
    """Where the edition's region stands among Italy's regions (for a province, its region, after
    the province's own place: "a sua volta")."""
    standing = ind.region_rank
    if standing is None:
        return None
    key = "region_rank_italy" if standing.code == ind.territory["code"] else "region_rank_italy_province"
    return w.fill(key, region=w.territory(standing.code),
                  rank_ordinal=w.rank(standing.export_rank, standing.regions), count=w.count(standing.regions))


def contribution(ind: Indicators, w: Wording, named_just_before: bool = False) -> str | None:
    """What the territory's exports add to Italy's change a year on, in percentage points; "Il
    suo contributo" when the sentence before ends on the territory's name."""
    points = ind.exports.contribution_pp
    if points is None or is_national(ind):
        return None
    key = "contribution_nil" if direction(points) == "flat" else "contribution"  # not "+0,0 punti"
    return w.fill(f"{key}_its" if named_just_before else key, contribution=w.fig(formatting.points(points, w.lang)),
                  national_change=w.change_note(ind.national_exports.yoy_pct, ind.national_exports.previous_eur))


def _trade(ind: Indicators, w: Wording) -> str:
    """Total trade and the balance, beside the balance a year before (the summary gave this
    quarter's alone): its amount in brackets, "pressoché invariato" when both print alike, or
    spelled out when it was of the other sign ("contro un saldo attivo di …")."""
    before = ind.balance_previous_eur
    if before is None:
        key = "exports_trade_alone"
    elif w.balance_side(before) != w.balance_side(ind.balance_eur):
        key = "exports_trade_turned"
    elif formatting.money(abs(before), w.lang) == formatting.money(abs(ind.balance_eur), w.lang):
        key = "exports_trade_flat"
    else:
        key = "exports_trade"
    return w.fill(key, trade=w.money(ind.trade_eur),
                  trade_change_note=w.change_note(ind.trade_yoy_pct, ind.trade_previous_eur),
                  balance_phrase=w.balance_phrase(ind.balance_eur),
                  balance_before=w.balance_phrase(before, "balance_before") if before is not None else "",
                  balance_before_value=w.money(abs(before)) if before is not None else "",
                  balance_before_amount=w.amount(abs(before)) if before is not None else "")


def exports(ind: Indicators, w: Wording) -> list[str]:
    paragraphs = []
    for flow_key, flow in (("exports", ind.exports), ("imports", ind.imports)):
        if flow.previous_eur is None:
            value, previous = w.money(flow.value_eur), w.pct(None)
        else:
            value, previous = w.money_pair(flow.value_eur, flow.previous_eur)
        paragraphs.append(paragraph(
            w.fill(f"{flow_key}_{w.direction(flow.yoy_pct, flow.previous_eur)}", value=value, previous=previous,
                   change=w.pct(flow.yoy_pct), change_abs=w.abs_pct(flow.yoy_pct)),
            _trend_sentence(ind, w, flow_key)))
    paragraphs.append(_trade(ind, w))
    year_to_date = _year_to_date(ind, w)
    if year_to_date:
        paragraphs.append(year_to_date)
    shares = _shares_of_italy(ind, w)
    if shares:
        paragraphs.append(paragraph(*shares, _contributions(ind, w)))
    return paragraphs


def _contributions(ind: Indicators, w: Wording) -> str | None:
    """Both flows' contributions to the national change, as Table 1 gives them: the summary has
    the exports' already, and the section does not repeat its sentence word for word. A
    contribution under half a tenth of a point is "pressoché nullo", never "+0,0 punti"."""
    exports_points, imports_points = ind.exports.contribution_pp, ind.imports.contribution_pp
    if exports_points is None or is_national(ind):
        return None
    if imports_points is None:
        return w.fill("contribution_flows_exports", exports_points=w.fig(formatting.points(exports_points, w.lang)))
    nil = ("flat" == direction(exports_points), "flat" == direction(imports_points))
    key = {(False, False): "contribution_flows", (True, False): "contribution_flows_exports_nil",
           (False, True): "contribution_flows_imports_nil", (True, True): "contribution_flows_nil"}[nil]
    return w.fill(key, exports_points=w.fig(formatting.points(exports_points, w.lang)),
                  imports_points=w.fig(formatting.points(imports_points, w.lang)))


def _trend_sentence(ind: Indicators, w: Wording, flow_key: str) -> str | None:
    """Where this quarter stands in the trend window: highest, lowest, or the range."""
    points = ind.trend
    if len(points) < 4 or points[-1].quarter != ind.quarter:
        return None
    values = [p.exports_eur if flow_key == "exports" else p.imports_eur for p in points]
    current, highest, lowest = values[-1], max(values), min(values)
    if highest == lowest:
        return None
    count = w.count(len(points))
    if current == highest and values.count(highest) == 1:
        return w.fill(f"trend_{flow_key}_highest", count=count)
    if current == lowest and values.count(lowest) == 1:
        return w.fill(f"trend_{flow_key}_lowest", count=count)
    top, bottom = points[values.index(highest)], points[values.index(lowest)]
    # This quarter's figure, given just before, lies between them: the highest or the lowest that
    # would print as it does though it differs ("3,2 miliardi" for 3,15 and for 3,22) takes a
    # decimal more, so that this quarter does not read as the highest (nor the two ends alike).
    max_value, _, min_value = w.money_apart([highest, current, lowest])
    return w.fill(f"trend_{flow_key}_range", count=count,
                  max_value=max_value, max_quarter=quarter_label(top.quarter, w.lang),
                  min_value=min_value, min_quarter=quarter_label(bottom.quarter, w.lang))


def _year_to_date(ind: Indicators, w: Wording) -> str | None:
    """From the second quarter on: the year so far, if the template names that period."""
    quarters_in_year = len(ind.exports.ytd_quarters)
    periods = w.texts.table("ytd_period")
    if quarters_in_year <= 1 or str(quarters_in_year) not in periods:
        return None
    flow = ind.exports
    period = periods[str(quarters_in_year)].format(year=w.common["year"])
    return w.fill(f"ytd_{w.direction(flow.ytd_yoy_pct, flow.ytd_previous_eur)}", ytd_period=period,
                  value=w.money(flow.ytd_value_eur), change=w.pct(flow.ytd_yoy_pct),
                  change_abs=w.abs_pct(flow.ytd_yoy_pct), imports=w.money(ind.imports.ytd_value_eur),
                  imports_change_note=w.change_note(ind.imports.ytd_yoy_pct, ind.imports.ytd_previous_eur))


def _shares_of_italy(ind: Indicators, w: Wording) -> list[str]:
    """Exports and imports as shares of Italy's (none in Italy's own edition)."""
    if is_national(ind):
        return []
    shares = []
    for key, flow, national in (("exports_share", ind.exports, ind.national_exports),
                                ("imports_share", ind.imports, ind.national_imports)):
        if flow.share_of_national_pct is not None:
            shares.append(w.fill(key, share_level=w.share_level(flow.share_of_national_pct),
                                 national=w.money(national.value_eur),
                                 national_change_note=w.change_note(national.yoy_pct, national.previous_eur)))
    return shares


def products(ind: Indicators, w: Wording) -> list[str]:
    items = ranked(ind.products)
    if not items:
        return [w.fill("products_none")]
    first, second = items[0], items[1] if len(items) > 1 else None
    amounts = w.money_apart([p.value_eur for p in items[1:TOP_PRODUCTS]])  # the second's first
    others = [w.fill("product_item", product=w.product(p), value=amount,
                     change_note=w.change_note(p.yoy_pct, p.previous_eur))
              for p, amount in zip(items[2:TOP_PRODUCTS], amounts[1:])]
    paragraphs = [paragraph(
        w.fill("products_first", product=w.product(first), value_level=w.level(first.value_eur),
               share=w.share(first.share_pct), change_clause=w.change_clause(first.yoy_pct, first.previous_eur),
               share_level=w.share_level(first.share_pct) if first.share_pct is not None else w.share(None)),
        w.fill("products_second", product=w.product(second), value=amounts[0],
               share=w.share(second.share_pct),
               change_clause=w.change_clause(second.yoy_pct, second.previous_eur)) if second else None,
        w.listing("products_others", others))]
    found = movers([p for p in items if p.share_pct is not None and p.share_pct >= MIN_SHARE_PCT
                    and significant(p.previous_eur)], lambda p: p.yoy_pct)
    if found:
        up, down, rising, falling = found
        paragraphs.append(w.fill(
            movers_key("products_movers_", up, down), threshold=w.share(MIN_SHARE_PCT), **w.mover_words(rising, falling),
            up_product=w.product(up) if up else "", up_change=w.pct(up.yoy_pct) if up else "",
            down_product=w.product(down) if down else "", down_change=w.pct(down.yoy_pct) if down else ""))
    return paragraphs


def destinations(ind: Indicators, w: Wording) -> list[str]:
    items = ranked(ind.destinations)
    if not items:
        return [w.fill("destinations_none")]
    first = items[0]

    def amounts(countries: list[RankedItem]) -> list[Figure]:
        """Their amounts in the text's order, those that would print alike told apart among them
        (only: a country the text leaves out does not add a decimal to one it names)."""
        return w.money_apart([d.value_eur for d in countries])

    def listed(countries: list[RankedItem], printed: list[Figure]) -> list[str]:
        """"la Francia (322 milioni di euro, −12,7%)" for each."""
        return [w.fill("destination_item", country=w.country(d), value=amount,
                       change_note=w.change_note(d.yoy_pct, d.previous_eur)) for d, amount in zip(countries, printed)]

    top = amounts(items[:TOP_DESTINATIONS])
    paragraphs = [paragraph(
        w.fill("destinations_first", country=w.country(first), value=top[0],
               change_note=w.change_note(first.yoy_pct, first.previous_eur), share=w.share(first.share_pct)),
        w.listing("destinations_next", listed(items[1:TOP_DESTINATIONS], top[1:])))]
    # The first market is described above; growth and falls are looked for among the next ones.
    leading = [d for d in items[1:] if d.rank <= MOVERS_AMONG]
    compared = [d for d in leading if significant(d.previous_eur)]
    rising = sorted((d for d in compared if direction(d.yoy_pct) == "up"), key=lambda d: -d.yoy_pct)
    falling = sorted((d for d in compared if direction(d.yoy_pct) == "down"), key=lambda d: d.yoy_pct)
    if (rising or falling) and len(leading) > 1:
        named_above = {d.code for d in items[1:TOP_DESTINATIONS]}

        def movers_listed(countries: list[RankedItem]) -> str:
            """One named above with its value: here its change alone; the others with both."""
            valued_countries = [d for d in countries if d.code not in named_above]
            valued = iter(listed(valued_countries, amounts(valued_countries)))
            return w.join([w.fill("destination_mover_item", country=w.country(d), change=w.pct(d.yoy_pct))
                           if d.code in named_above else next(valued) for d in countries])
        paragraphs.append(w.fill(movers_key("destinations_movers_", rising, falling),
                                 from_rank=w.ordinal(leading[0].rank), to_rank=w.ordinal(leading[-1].rank),
                                 **w.mover_words(len(rising), len(falling), "market_", shown=MOVERS_SHOWN),
                                 up_items=movers_listed(rising[:MOVERS_SHOWN]),
                                 down_items=movers_listed(falling[:MOVERS_SHOWN])))
    areas = _areas(ind, w)
    if areas:
        paragraphs.append(areas)
    return paragraphs


def _areas(ind: Indicators, w: Wording) -> str | None:
    areas = ranked(ind.areas)
    if not areas:
        return None
    top = areas[0]
    rest = [w.fill("area_item", area=w.area(a), share=w.share(a.share_pct)) for a in areas[1:TOP_AREAS]]
    key = "areas_alone" if not rest else "areas_first" if len(rest) > 1 else "areas_first_one"
    return w.fill(key, area=w.area(top), share=w.share(top.share_pct), value=w.money(top.value_eur),
                  change_note=w.change_note(top.yoy_pct, top.previous_eur), items=w.join(rest))


def services(ind: Indicators, w: Wording) -> list[str]:
    if not ind.services_quarter_available or not ind.services:
        return [w.fill("services_unavailable")]
    by_provider: dict[str, list] = {}
    for item in ind.services:
        by_provider.setdefault(item.provider, []).append(item)
    paragraphs = []
    for n, (provider, items) in enumerate(by_provider.items()):
        # The table gives every service; the text its most used one, where firms grew most, and
        # where firms or, if none, activities fell. The quarter is said in the first agency's.
        top = max(items, key=lambda s: (s.firms, s.activities))
        sentences = [w.fill("services_top_first" if n == 0 else "services_top", service=w.name(top.service),
                            firms=w.number(top.firms), firms_word=w.counted(top.firms, "firms"),
                            firms_change=w.change_note(top.firms_yoy_pct),
                            smes=w.number(top.smes), smes_word=w.counted(top.smes, "smes"),
                            activities=w.number(top.activities),
                            activities_word=w.counted(top.activities, "activities"),
                            activities_change=w.change_note(top.activities_yoy_pct))]
        if len(items) > 1:
            sentences.append(w.fill("services_movers", rise=_services_rise(items, w), fall=_services_fall(items, w)))
        paragraphs.append(w.fill("services_provider", provider=w.name(provider), sentences=" ".join(sentences)))
    return paragraphs + [w.fill("services_outro")]


def _services_rise(items: list, w: Wording) -> str:
    """Where the firms assisted grew most."""
    up = (movers(items, lambda s: s.firms_yoy_pct) or (None,))[0]
    if up is None:
        return w.fill("services_rise_none")
    return w.fill("services_rise", service=w.name(up.service), change=w.pct(up.firms_yoy_pct))


def _services_fall(items: list, w: Wording) -> str:
    """Where firms fell (most), else where activities fell (most), else that nothing fell."""
    for measure in ("firms", "activities"):
        found = movers(items, lambda s: getattr(s, f"{measure}_yoy_pct"))
        if found and found[1] is not None:
            _, down, _, falling = found
            value = getattr(down, measure)
            return w.fill(f"services_fall_{measure}" + ("_only" if falling == 1 else ""),
                          service=w.name(down.service), value=w.number(value),
                          value_word=w.counted(value, f"{measure}_short"),
                          change=w.pct(getattr(down, f"{measure}_yoy_pct")))
    return w.fill("services_fall_none")


# --- shared by the sections ----------------------------------------------------------------------

def paragraph(*sentences: str | None) -> str:
    """The sentences that apply (None for one that does not), as one paragraph."""
    return " ".join(sentence for sentence in sentences if sentence)


def ranked(items: list[RankedItem]) -> list[RankedItem]:
    """Items with a value this quarter, in the indicators' rank order."""
    return sorted((i for i in items if i.value_eur > 0), key=lambda i: i.rank)


def movers(items: list, change_of: Callable) -> tuple | None:
    """The fastest-rising and the fastest-falling item (either may be None), and how many rose and
    fell; None if none did either."""
    rising = [i for i in items if direction(change_of(i)) == "up"]
    falling = [i for i in items if direction(change_of(i)) == "down"]
    up = max(rising, key=change_of) if rising else None
    down = min(falling, key=change_of) if falling else None
    return (up, down, len(rising), len(falling)) if up or down else None


def movers_key(prefix: str, up, down) -> str:
    """The sentence for rises and falls: `<prefix>both`, `<prefix>up` or `<prefix>down`."""
    return prefix + ("both" if up and down else "up" if up else "down")


def is_national(ind: Indicators) -> bool:
    return ind.territory["code"] == reference.NATIONAL
