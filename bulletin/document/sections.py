"""The sections of the bulletin, and `SECTIONS`, the one place that says which are printed and in
what order.

A section is a function `(SectionContext) -> list[Flowable]`, registered in `SECTIONS` under its
key. Its heading is the label `section_<key>` (`templates/<lang>/labels.toml`): the heading, the
page break before it, the bookmark and the line in the contents are added here, not by the
section. A section with nothing to say returns `[]` and is left out altogether, heading and
contents line included.
"""
from __future__ import annotations

from collections.abc import Callable
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer, Table

from bulletin.charts import TOP_PARTNERS
from bulletin.document.context import SectionContext
from bulletin.document.flowables import SectionTitle, data_table, tiles
from bulletin.indicators.compute import RankedItem
from bulletin.text import formatting as fmt

Section = Callable[[SectionContext], list[Flowable]]

RANKED_WIDTHS = [0.08, 0.42, 0.13, 0.13, 0.12, 0.12]
PROVINCE_WIDTHS = [0.25, 0.12, 0.1, 0.07, 0.12, 0.1, 0.07, 0.17]


def summary(ctx: SectionContext) -> list[Flowable]:
    return ([tiles(ctx.styles, ctx.key_figures(), 5), Spacer(1, 6 * mm)]
            + ctx.paragraphs(ctx.narrative.summary, ctx.styles.lead))


def comment(ctx: SectionContext) -> list[Flowable]:
    """The editor's notes for the quarter, when there are any."""
    return ctx.blocks(ctx.inputs.notes) if ctx.inputs.notes else []


def exports(ctx: SectionContext) -> list[Flowable]:
    ind, lang, label = ctx.indicators, ctx.lang, ctx.label
    header = [label("col_flow"), ctx.quarter(), fmt.quarter_label(ind.previous_year_quarter, lang),
              label("col_change"), label("col_ytd", year=ind.quarter[:4]),
              label("col_ytd", year=ind.previous_year_quarter[:4]), label("col_change")]
    rows = []
    for key, flow in (("exports", ind.exports), ("imports", ind.imports)):
        rows.append([escape(label(f"row_{key}")), fmt.millions(flow.value_eur, lang),
                     _millions_or_na(flow.previous_eur, lang), fmt.pct(flow.yoy_pct, lang),
                     fmt.millions(flow.ytd_value_eur, lang), _millions_or_na(flow.ytd_previous_eur, lang),
                     fmt.pct(flow.ytd_yoy_pct, lang)])
    rows.append([escape(label("row_trade")), fmt.millions(ind.trade_eur, lang),
                 _millions_or_na(ind.trade_previous_eur, lang), fmt.pct(ind.trade_yoy_pct, lang), "", "", ""])
    rows.append([escape(label("row_balance")), fmt.millions(ind.balance_eur, lang), "", "", "", "", ""])
    rows.append([escape(label("row_national_exports")), fmt.millions(ind.national_exports.value_eur, lang),
                 _millions_or_na(ind.national_exports.previous_eur, lang), fmt.pct(ind.national_exports.yoy_pct, lang),
                 "", "", ""])
    table = data_table(ctx.styles, header, rows, [0.25, 0.125, 0.125, 0.1, 0.15, 0.15, 0.1])
    return ctx.paragraphs(ctx.narrative.exports) + ctx.chart("trend") + ctx.table("table_flows", table)


def products(ctx: SectionContext) -> list[Flowable]:
    table = _ranked_table(ctx, "col_product", ctx.indicators.products)
    return ctx.paragraphs(ctx.narrative.products) + ctx.chart("products") + ctx.table("table_products", table)


def destinations(ctx: SectionContext) -> list[Flowable]:
    table = _ranked_table(ctx, "col_area", ctx.indicators.areas)
    return (ctx.paragraphs(ctx.narrative.destinations)
            + ctx.chart("destinations", count=len(ctx.indicators.destinations[:TOP_PARTNERS])) + ctx.chart("areas")
            + ctx.table("table_areas", table))


def provinces(ctx: SectionContext) -> list[Flowable]:
    """The region's provinces; a province's own edition has none."""
    if not ctx.indicators.provinces:
        return []
    return (ctx.paragraphs(ctx.narrative.provinces) + ctx.chart("provinces") + ctx.chart("heatmap")
            + ctx.table("table_provinces", _provinces_table(ctx)))


def services(ctx: SectionContext) -> list[Flowable]:
    """What the services are (a template), then what they did in the quarter (the figures)."""
    lang, label = ctx.lang, ctx.label
    flowables = ctx.blocks(ctx.inputs.services_text)
    flowables += [Paragraph(ctx.markup("services_activity"), ctx.styles.h2)] + ctx.paragraphs(ctx.narrative.services)
    if ctx.indicators.services:
        header = [label("col_provider"), label("col_service"), label("col_firms"), label("col_smes"),
                  label("col_activities"), label("col_firms_change")]
        rows = [[escape(x.provider), escape(x.service), fmt.number(x.firms, lang), fmt.number(x.smes, lang),
                 fmt.number(x.activities, lang), fmt.pct(x.firms_yoy_pct, lang)] for x in ctx.indicators.services]
        table = data_table(ctx.styles, header, rows, [0.16, 0.38, 0.11, 0.11, 0.11, 0.13], numeric_from=2)
        flowables += ctx.table("table_services", table) + ctx.chart("services")
    return flowables


def methodology(ctx: SectionContext) -> list[Flowable]:
    return ctx.blocks(ctx.inputs.methodology, compact=True)


def appendix(ctx: SectionContext) -> list[Flowable]:
    """Every product, every partner with trade, every province: the full tables behind the sections."""
    ind = ctx.indicators
    partners = [d for d in ind.destinations if d.value_eur > 0 or d.previous_eur > 0]
    flowables = (ctx.table("appendix_products", _ranked_table(ctx, "col_product", ind.products))
                 + ctx.table("appendix_partners", _ranked_table(ctx, "col_partner", partners)))
    if ind.provinces:
        flowables += ctx.table("appendix_provinces", _provinces_table(ctx))
    return flowables


SECTIONS: dict[str, Section] = {
    "summary": summary,
    "comment": comment,
    "exports": exports,
    "products": products,
    "destinations": destinations,
    "provinces": provinces,
    "services": services,
    "methodology": methodology,
    "appendix": appendix,
}
"""The sections in the order they are printed, after the cover and the contents."""


def section_flowables(ctx: SectionContext) -> list[Flowable]:
    """Every registered section that has something to say, each on a new page under its heading."""
    flowables: list[Flowable] = []
    for key, build in SECTIONS.items():
        content = build(ctx)
        if content:
            heading = ctx.label(f"section_{key}")
            flowables += [PageBreak(), SectionTitle(escape(heading), ctx.styles.h1, key, plain=heading)] + content
    return flowables


def _ranked_table(ctx: SectionContext, name_column: str, items: list[RankedItem]) -> Table:
    """Rank, name, value this quarter and a year before, change, share: products, partners, areas."""
    label, ind, lang = ctx.label, ctx.indicators, ctx.lang
    header = [label("col_rank"), label(name_column),
              label("col_value_quarter", quarter=ctx.quarter(short=True)),
              label("col_value_quarter", quarter=fmt.quarter_label(ind.previous_year_quarter, lang, short=True)),
              label("col_change"), label("col_share")]
    rows = [[str(item.rank), escape(item.name[lang]), fmt.millions(item.value_eur, lang),
             fmt.millions(item.previous_eur, lang), fmt.pct(item.yoy_pct, lang), fmt.share(item.share_pct, lang)]
            for item in items]
    return data_table(ctx.styles, header, rows, RANKED_WIDTHS, numeric_from=2)


def _provinces_table(ctx: SectionContext) -> Table:
    label, lang = ctx.label, ctx.lang
    header = [label("col_province"), label("col_exports"), label("col_change"), label("col_rank"),
              label("col_imports"), label("col_change"), label("col_rank"), label("col_top_product")]
    rows = [[escape(p.name[lang]), fmt.millions(p.exports_eur, lang), fmt.pct(p.exports_yoy_pct, lang),
             str(p.export_rank), fmt.millions(p.imports_eur, lang), fmt.pct(p.imports_yoy_pct, lang),
             str(p.import_rank), p.top_export_product.code if p.top_export_product else "-"]
            for p in ctx.indicators.provinces]
    return data_table(ctx.styles, header, rows, PROVINCE_WIDTHS)


def _millions_or_na(value: float | None, lang: str) -> str:
    return fmt.millions(value, lang) if value is not None else fmt.NOT_AVAILABLE[lang]
