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
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer

from bulletin.document import printed_tables
from bulletin.document.context import SectionContext
from bulletin.document.cover import colophon
from bulletin.document.flowables import Gap, KeptTogether, SectionTitle, tiles

Section = Callable[[SectionContext], list[Flowable]]


def summary(ctx: SectionContext) -> list[Flowable]:
    return ([tiles(ctx.styles, ctx.key_figures(), 5), Spacer(1, 6 * mm)]
            + ctx.paragraphs(ctx.narrative.summary, ctx.styles.lead))


def comment(ctx: SectionContext) -> list[Flowable]:
    """The editor's notes for the quarter, when there are any."""
    return ctx.blocks(ctx.inputs.notes) if ctx.inputs.notes else []


def exports(ctx: SectionContext) -> list[Flowable]:
    table, unit = printed_tables.flows_table(ctx)
    return ctx.paragraphs(ctx.narrative.exports) + together(ctx.chart("trend"),
                                                           ctx.table("flows", "table_flows", table, unit=unit))


def products(ctx: SectionContext) -> list[Flowable]:
    ind = ctx.indicators
    table, unit = printed_tables.ranked_table(ctx, "col_product", ind.products, ind.exports)
    return ctx.paragraphs(ctx.narrative.products) + together(ctx.chart("products"),
                                                            ctx.table("products", "table_products", table, unit=unit))


def destinations(ctx: SectionContext) -> list[Flowable]:
    """The first partners and the areas; every partner is in the appendix."""
    ind = ctx.indicators
    table, unit = printed_tables.ranked_table(ctx, "col_area", ind.areas, ind.exports)
    return (ctx.paragraphs(ctx.narrative.destinations) + ctx.chart("destinations")
            + together(ctx.chart("areas"), ctx.table("areas", "table_areas", table, unit=unit)))


def provinces(ctx: SectionContext) -> list[Flowable]:
    """The region's provinces; none in a province's edition, nor in a region of fewer than three
    (`Indicators.compares_provinces`), whose exports section names them."""
    if not ctx.indicators.compares_provinces:
        return []
    table, unit = printed_tables.provinces_table(ctx)
    return (ctx.paragraphs(ctx.narrative.provinces) + ctx.chart("provinces")
            + together(ctx.chart("heatmap"), ctx.table("provinces", "table_provinces", table, unit=unit)))


def services(ctx: SectionContext) -> list[Flowable]:
    """What the services are (a template), then what they did in the quarter (the figures), with
    the agencies as their source; only in the editions of the territories they serve
    (`[services] territories`). The chart comes first, as in the other sections; both are
    sourced to the agencies."""
    if not ctx.indicators.reports_services:
        return []
    flowables = ctx.blocks(ctx.inputs.services_text)
    flowables += [Paragraph(ctx.markup("services_activity"), ctx.styles.h2)] + ctx.paragraphs(ctx.narrative.services)
    if ctx.indicators.services:
        providers = list(dict.fromkeys(item.provider for item in ctx.indicators.services))
        source = ctx.markup("source_providers", providers=", ".join(providers))
        flowables += together(ctx.chart("services", source=source),
                              ctx.table("services", "table_services", printed_tables.services_table(ctx),
                                        source=source))
    return flowables


def methodology(ctx: SectionContext) -> list[Flowable]:
    return ctx.blocks(ctx.inputs.methodology, compact=True)


def appendix(ctx: SectionContext) -> list[Flowable]:
    """The partners, which the sections show only as a chart of the first: the first
    `TOP_PARTNERS_LISTED`, the others summed, and the total. Products, areas and provinces are
    printed in full in their sections, and not again here."""
    found = printed_tables.partners_table(ctx)
    return ctx.table("partners", "appendix_partners", found[0], appendix=True, **found[1]) if found else []


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


SECTION_ROOM = 70 * mm
"""A section starts on the page where the one before ends if this much is left, else on the next:
never a forced page break, which leaves the end of every short section white."""


def section_flowables(ctx: SectionContext) -> list[Flowable]:
    """Every registered section that has something to say, under its heading, one after another:
    the first shares its page with the contents, each other starts where the one before ends when
    `SECTION_ROOM` is left there; the colophon closes the last."""
    flowables: list[Flowable] = []
    for key, build in SECTIONS.items():
        content = build(ctx)
        if content:
            heading = ctx.label(f"section_{key}")
            flowables += ([CondPageBreak(SECTION_ROOM)] if flowables else [Spacer(1, 8 * mm)])
            flowables += [SectionTitle(escape(heading), ctx.styles.h1, key, plain=heading)] + content
    # Cited last: every table and figure has its number once every section is built.
    return ctx.cited(flowables + colophon(ctx) if flowables else flowables)


def together(chart: list[Flowable], table: list[Flowable]) -> list[Flowable]:
    """A chart and its table (`ctx.chart`, `ctx.table`) kept on one page where they fit, else
    parted (`KeptTogether`); each keeps its source under it, as an editor asks of every table
    and figure, even when both have the same."""
    flowables: list[Flowable] = []
    for flowable in chart + table:
        if isinstance(flowable, KeepTogether):  # reportlab measures one inside another as endless
            flowables += flowable._content
        elif not isinstance(flowable, CondPageBreak):
            flowables.append(flowable)
    while flowables and isinstance(flowables[-1], Spacer):  # room after, not to be kept on the page
        flowables.pop()
    return [KeptTogether(flowables, chart, table), Gap(4 * mm)] if flowables else []
