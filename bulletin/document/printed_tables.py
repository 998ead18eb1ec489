"""The tables the bulletin prints: which rows, in which unit, with which totals.

Every figure is the indicators' own, formatted by `text.formatting`: a table's amounts are all
in one unit, chosen from its largest (named in its title, not in its headers, which stay short);
a change on a base too small to mean anything is "n.s."; a ranking is cut after its first
`TOP_PARTNERS_LISTED` items, the rest summed as "Altri paesi"; a total closes every table whose
rows add up (products, partners, areas and provinces: the territory's exports, from the
indicators, which the rows sum to).
"""
from __future__ import annotations

from bulletin import reference
from bulletin.document.context import SectionContext
from bulletin.document.flowables import TableText
from bulletin.indicators.compute import Indicators, change_pct
from bulletin.indicators.figures import FlowFigures, RankedItem
from bulletin.text import formatting as fmt

TOP_PARTNERS_LISTED = 30  # countries listed one by one in the appendix; the others are one row


def flow_lines(ind: Indicators) -> list[tuple[str, float, float | None, float | None, FlowFigures | None]]:
    """The rows of Table 1, for print and for the workbook: each flow's key (its label is
    `row_<key>`), value, value a year before, change, and its figures where they go further
    (the contribution to Italy's change, the year to date)."""
    return [("exports", ind.exports.value_eur, ind.exports.previous_eur, ind.exports.yoy_pct, ind.exports),
            ("imports", ind.imports.value_eur, ind.imports.previous_eur, ind.imports.yoy_pct, ind.imports),
            ("trade", ind.trade_eur, ind.trade_previous_eur, ind.trade_yoy_pct, None),
            ("balance", ind.balance_eur, ind.balance_previous_eur, None, None),
            ("national_exports", ind.national_exports.value_eur, ind.national_exports.previous_eur,
             ind.national_exports.yoy_pct, None),
            ("national_imports", ind.national_imports.value_eur, ind.national_imports.previous_eur,
             ind.national_imports.yoy_pct, None)]


def flows_table(ctx: SectionContext) -> tuple[TableText, str]:
    """Exports, imports, trade, balance and Italy's exports and imports (the text gives the
    territory's share of both): the quarter, a year before, the
    change; the year to date beside them from the second quarter of a year on. Returns the
    table and its unit."""
    ind, lang, label = ctx.indicators, ctx.lang, ctx.label
    year_to_date = len(ind.exports.ytd_quarters) > 1
    lines = [(f"row_{code}", *figures) for code, *figures in flow_lines(ind)]
    unit = fmt.table_unit([v for line in lines for v in line[1:3]]
                          + ([ind.exports.ytd_value_eur, ind.imports.ytd_value_eur] if year_to_date else []))
    header = [label("col_flow"), ctx.quarter(short=True),
              fmt.quarter_label(ind.previous_year_quarter, lang, short=True), label("col_change")]
    # What the territory's flow adds to Italy's change, in points (ISTAT's regional table has it).
    contribution = ind.territory["code"] != reference.NATIONAL
    if contribution:
        header.append(label("col_contribution"))
    if year_to_date:
        header += [label("col_ytd", year=ind.quarter[:4]), label("col_ytd", year=ind.previous_year_quarter[:4]),
                   label("col_change")]
    rows = []
    for key, value, previous, change, flow in lines:
        row = [label(key), fmt.in_unit(value, unit, lang),
               fmt.in_unit(previous, unit, lang),
               "" if key == "row_balance" else _change(change, value, previous, lang)]  # a balance may change sign
        if contribution:
            row.append(fmt.points(flow.contribution_pp, lang) if flow else "")
        if year_to_date:
            row += ([fmt.in_unit(flow.ytd_value_eur, unit, lang), fmt.in_unit(flow.ytd_previous_eur, unit, lang),
                     _change(flow.ytd_yoy_pct, flow.ytd_value_eur, flow.ytd_previous_eur, lang)]
                    if flow else ["", "", ""])
        rows.append(row)
    return TableText(header, rows), fmt.unit_name(unit, lang)


def ranked_table(ctx: SectionContext, name_column: str, items: list[RankedItem], total: FlowFigures,
                 top: int | None = None) -> tuple[TableText, str]:
    """Name, value this quarter and a year before, change, share: products, partners, areas; the
    first `top` items (all if None), the others as one row, and the total. A ranking cut at
    `top` gives each item's rank too; a full list, in order, needs none."""
    lang, label = ctx.lang, ctx.label
    shown, others = (items, []) if top is None else (items[:top], items[top:])
    lines = [(str(i.rank), i.name[lang], i.value_eur, i.previous_eur, i.yoy_pct, i.share_pct) for i in shown]
    if others:
        value, previous = sum(i.value_eur for i in others), sum(i.previous_eur for i in others)
        lines.append(("", label("row_other_countries"), value, previous, change_pct(value, previous),
                      sum(i.share_pct or 0.0 for i in others)))
    lines.append(("", label("row_total"), total.value_eur, total.previous_eur, total.yoy_pct,
                  100.0 if total.value_eur else None))
    unit = fmt.table_unit([amount for line in lines for amount in line[2:4]])
    ranks = top is not None
    header = ([label("col_rank")] if ranks else []) + [
        label(name_column), ctx.quarter(short=True),
        fmt.quarter_label(ctx.indicators.previous_year_quarter, lang, short=True), label("col_change"),
        label("col_share")]
    rows = [([rank] if ranks else [])
            + [name, fmt.in_unit(value, unit, lang), fmt.in_unit(previous, unit, lang),
               _change(change, value, previous, lang), fmt.NIL if value == 0 else fmt.share(share, lang)]
            for rank, name, value, previous, change, share in lines]
    return TableText(header, rows, text_columns=(0, 1) if ranks else (0,), total_rows=1), fmt.unit_name(unit, lang)


def partners_table(ctx: SectionContext) -> tuple[TableText, dict] | None:
    """The appendix's partner table and its caption's values (unit, count): the first
    `TOP_PARTNERS_LISTED` partners, the others summed, and the total; None when no partner traded
    in either year. The PDF and the web page print the same."""
    ind = ctx.indicators
    partners = [d for d in ind.destinations if d.value_eur > 0 or d.previous_eur > 0]
    if not partners:
        return None
    cells, unit = ranked_table(ctx, "col_partner", partners, ind.exports, top=TOP_PARTNERS_LISTED)
    return cells, {"unit": unit, "count": min(len(partners), TOP_PARTNERS_LISTED)}


def provinces_table(ctx: SectionContext) -> tuple[TableText, str]:
    """Each province's exports and imports with their change and rank, and its main product;
    then the trade no province is credited with, and the region's total."""
    ind, lang, label = ctx.indicators, ctx.lang, ctx.label
    provinces = ind.provinces
    short = ctx.labels.table("product_short")
    unallocated = [(flow.value_eur - sum(values(p)[0] for p in provinces),
                    None if flow.previous_eur is None else flow.previous_eur - sum(values(p)[1] for p in provinces))
                   for flow, values in ((ind.exports, lambda p: (p.exports_eur, p.exports_previous_eur)),
                                        (ind.imports, lambda p: (p.imports_eur, p.imports_previous_eur)))]
    unit = fmt.table_unit([ind.exports.value_eur, ind.imports.value_eur, ind.exports.previous_eur,
                           ind.imports.previous_eur])
    header = [label("col_province"), label("col_exports"), label("col_change"), label("col_rank"),
              label("col_imports"), label("col_change"), label("col_rank"), label("col_top_product")]

    def amounts(now: float, before: float | None) -> list[str]:
        return [fmt.in_unit(now, unit, lang), _change(change_pct(now, before), now, before, lang)]

    names = ctx.narrative.province_names  # as the text names them
    rows = [[names.get(p.code, p.name[lang]), *amounts(p.exports_eur, p.exports_previous_eur), str(p.export_rank),
             *amounts(p.imports_eur, p.imports_previous_eur), str(p.import_rank),
             _product_name(p.top_export_product, short, lang)] for p in provinces]
    (exports_now, exports_before), (imports_now, imports_before) = unallocated
    rows.append([label("row_unallocated"), *amounts(exports_now, exports_before), "",
                 *amounts(imports_now, imports_before), "", ""])
    rows.append([label("row_total"), *amounts(ind.exports.value_eur, ind.exports.previous_eur), "",
                 *amounts(ind.imports.value_eur, ind.imports.previous_eur), "", ""])
    return TableText(header, rows, text_columns=(0, 7), total_rows=1), fmt.unit_name(unit, lang)


def services_table(ctx: SectionContext) -> TableText:
    """Firms served, of which SMEs, and activities by service, with the change in firms served:
    no total, since a firm may use several services."""
    lang, label = ctx.lang, ctx.label
    header = [label("col_provider"), label("col_service"), label("col_firms"), label("col_smes"),
              label("col_activities"), label("col_firms_change")]
    rows = [[x.provider, x.service, fmt.number(x.firms, lang), fmt.number(x.smes, lang), fmt.number(x.activities, lang),
             _change(x.firms_yoy_pct, x.firms, x.firms_previous, lang, counts=True)] for x in ctx.indicators.services]
    return TableText(header, rows, text_columns=(0, 1))


def _change(change: float | None, now: float, before: float | None, lang: str, counts: bool = False) -> str:
    """A change as the tables print it (`fmt.change`; counts of firms have no "n.s." threshold),
    but "–" when there is nothing in either year: there is nothing to compare, which is not a
    figure missing ("n.d.")."""
    if now == 0 and before == 0:
        return fmt.NIL
    return fmt.pct(change, lang) if counts else fmt.change(change, before, lang)


def _product_name(product, short: dict, lang: str) -> str:
    """A product group by its short name ("Medicinali"), its full one if it has none; "–" if none."""
    if product is None:
        return "\u2013"
    name = short.get(product.code)
    return name if isinstance(name, str) else product.name[lang]
