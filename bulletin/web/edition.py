"""The web edition: `index.html` beside the PDF, from the very inputs the PDF is composed from.

The page says what the PDF says, in the same order: its sections are registered in
`WEB_SECTIONS` under the keys of the document's `SECTIONS` (a test keeps the two lists equal),
each a function of the same `SectionContext` that returns the parts of the page (paragraphs, the
key-figure tiles, charts, tables). The tables are the printed ones (`document.printed_tables`),
the figures formatted once by `text.formatting`; tables and figures are numbered as the PDF
numbers them, and the text cites them by those numbers. The template (`templates/web/edition.html`)
only lays the parts out, and escapes every string that is not already markup.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar
from xml.sax.saxutils import escape

from markupsafe import Markup

from bulletin.archive.store import WEB_PAGE, ArchivedEdition
from bulletin.document import printed_tables
from bulletin.document.compose import document_info, typeset
from bulletin.document.context import SectionContext, Uncited
from bulletin.document.cover import colophon_lines, date_label
from bulletin.document.flowables import TableText
from bulletin.document.model import DocumentInputs
from bulletin.text.markup import Block
from bulletin.text.typography import typographic
from bulletin.web.pages import ARCHIVE_ASSETS, BRAND_FAMILY, WebPages
from bulletin.web.svg import inline_svg


@dataclass(frozen=True)
class WebChart:
    kind: ClassVar[str] = "chart"
    name: str
    caption: Markup      # "Figura 1 – <the finding>"
    subtitle: str
    svg: Markup          # the drawing, with its title and alternative text (`web.svg`)
    source: Markup


@dataclass(frozen=True)
class WebTable:
    kind: ClassVar[str] = "table"
    name: str
    caption: Markup      # "Tavola 2 – <title, unit>"
    table: TableText     # the cells as the PDF prints them
    source: Markup

    @property
    def row_header(self) -> int:
        """The column that names each row: the name after a rank (or a provider), else the first."""
        return 1 if self.table.text_columns[:2] == (0, 1) else 0


@dataclass(frozen=True)
class Tiles:
    kind: ClassVar[str] = "tiles"
    items: list[tuple[str, str, str]]  # value, label, note


Part = Markup | WebChart | WebTable | Tiles | Uncited
WebSection = Callable[[SectionContext], list[Part]]


@dataclass(frozen=True)
class EditionFiles:
    """The files of the edition folder the page links to, by their names in the folder."""

    pdf: str
    workbook: str
    csvs: list[str]


def write_web_edition(inputs: DocumentInputs, files: EditionFiles, folder: Path, pages: WebPages,
                      revises: ArchivedEdition | None = None) -> Path:
    """Write `folder/index.html`: the edition as a web page, linking its PDF, workbook and CSVs,
    and the edition it revises (`revises`), if any."""
    printed = typeset(inputs)
    ctx = SectionContext(printed, styles=None)
    edition, lang = inputs.edition, inputs.edition.lang
    facts = {"number": edition.number, "date": date_label(edition.published, lang)}
    page = pages.render("edition.html", lang, {
        "title": document_info(inputs).title,
        "organisation": inputs.brand.organisation,
        "department": ctx.label("brand_department", department=inputs.brand.department),
        "quarter": ctx.quarter(),
        "facts": (ctx.label("cover_facts_revised", revision=edition.revision, **facts) if edition.revision > 1
                  else ctx.label("cover_facts", **facts)),
        "revises": _revised_folder(revises, folder),
        "sections": web_sections(ctx),
        "contents": ctx.label("contents"),
        "files": files,
        "colophon_title": ctx.label("colophon_title"),
        "colophon": [Markup(line) for line in colophon_lines(ctx)],
        "assets": "../../../" + ARCHIVE_ASSETS,
        "archive": "../../../" + WEB_PAGE,
    })
    path = folder / WEB_PAGE
    path.write_text(page, encoding="utf-8")
    return path


def web_sections(ctx: SectionContext) -> list[tuple[str, str, list[Part]]]:
    """(key, heading, parts) of every section with something to say, in `WEB_SECTIONS` order.

    The tables and figures are numbered as their captions are made, in print order, as the PDF
    numbers them; the paragraphs' citations are resolved last, once every number is known, so the
    sections are built once."""
    found = []
    for key, build in WEB_SECTIONS.items():
        parts = build(ctx)
        if parts:
            found.append((key, ctx.label(f"section_{key}"), parts))
    return [(key, heading, [Markup(f"<p>{ctx.cite(part.text)}</p>") if isinstance(part, Uncited) else part
                            for part in parts])
            for key, heading, parts in found]


def _revised_folder(revises: ArchivedEdition | None, folder: Path) -> dict | None:
    """The edition this one replaces: its revision and the link to its page (its PDF, if it was
    built before editions had one), beside this one."""
    if revises is None:
        return None
    page = WEB_PAGE if (revises.folder / WEB_PAGE).is_file() else revises.pdf.name
    return {"revision": revises.revision, "href": f"../{revises.folder.name}/{page}"}


# --- the parts every section uses ---------------------------------------------------------------

def paragraphs(ctx: SectionContext, texts: list[str]) -> list[Part]:
    """The narrative's paragraphs (markup: escaped text, <b>, <i>), their tables and figures cited
    when the sections are all built (`web_sections`)."""
    return [Uncited(text) for text in texts]


def blocks(items: list[Block]) -> list[Part]:
    """Markdown blocks (notes, services, methodology) as HTML: a heading under a section's h2 is
    an h3; consecutive items of one kind make one list."""
    html: list[str] = []
    open_list = None
    for block in items:
        kind = {"bullet": "ul", "number": "ol"}.get(block.kind)
        if open_list and kind != open_list:
            html.append(f"</{open_list}>")
            open_list = None
        if kind and not open_list:
            html.append(f"<{kind}>")
            open_list = kind
        if kind:
            html.append(f"<li>{block.markup}</li>")
        elif block.kind == "heading":
            html.append(f"<h3>{block.markup}</h3>")
        else:
            html.append(f"<p>{block.markup}</p>")
    if open_list:
        html.append(f"</{open_list}>")
    return [Markup("\n".join(html))] if html else []


def chart(ctx: SectionContext, name: str, source: str | None = None) -> list[Part]:
    """The chart under its numbered title and subtitle, with its source; nothing if the edition
    has no such chart. Its title and alternative text are the drawing's accessible name and description."""
    drawn = ctx.inputs.charts.get(name)
    if drawn is None:
        return []
    if not drawn.svg:
        raise ValueError(f"chart {name!r} was drawn without its SVG (draw_charts(..., svg=True))")
    caption = Markup(ctx.caption("figure", name, typographic(escape(drawn.title))))
    svg = inline_svg(drawn.svg, name, typographic(drawn.title), typographic(drawn.alt), BRAND_FAMILY)
    return [WebChart(name, caption, typographic(drawn.subtitle), Markup(svg), Markup(source or ctx.data_source))]


def table(ctx: SectionContext, name: str, caption_key: str, cells: TableText, source: str | None = None,
          appendix: bool = False, **values) -> list[Part]:
    """The table `name` with its numbered caption (`caption_key`, filled with the quarter and `values`;
    in the `appendix`'s own series there)."""
    title = ctx.table_title(caption_key, **values)
    # Names and headers typeset as the PDF sets them; figures have no quote nor break to mind.
    typeset_cells = TableText([typographic(cell) for cell in cells.header],
                              [[typographic(cell) if i in cells.text_columns else cell for i, cell in enumerate(row)]
                               for row in cells.rows],
                              cells.text_columns, cells.total_rows)
    return [WebTable(name, Markup(ctx.caption("table", name, title, appendix=appendix)), typeset_cells,
                     Markup(source or ctx.data_source))]


# --- the sections, as `document.sections` prints them -------------------------------------------

def summary(ctx: SectionContext) -> list[Part]:
    return [Tiles(ctx.key_figures()), *paragraphs(ctx, ctx.narrative.summary)]


def comment(ctx: SectionContext) -> list[Part]:
    return blocks(ctx.inputs.notes) if ctx.inputs.notes else []


def exports(ctx: SectionContext) -> list[Part]:
    cells, unit = printed_tables.flows_table(ctx)
    return (paragraphs(ctx, ctx.narrative.exports) + chart(ctx, "trend")
            + table(ctx, "flows", "table_flows", cells, unit=unit))


def products(ctx: SectionContext) -> list[Part]:
    ind = ctx.indicators
    cells, unit = printed_tables.ranked_table(ctx, "col_product", ind.products, ind.exports)
    return (paragraphs(ctx, ctx.narrative.products) + chart(ctx, "products")
            + table(ctx, "products", "table_products", cells, unit=unit))


def destinations(ctx: SectionContext) -> list[Part]:
    ind = ctx.indicators
    cells, unit = printed_tables.ranked_table(ctx, "col_area", ind.areas, ind.exports)
    return (paragraphs(ctx, ctx.narrative.destinations) + chart(ctx, "destinations") + chart(ctx, "areas")
            + table(ctx, "areas", "table_areas", cells, unit=unit))


def provinces(ctx: SectionContext) -> list[Part]:
    if not ctx.indicators.compares_provinces:
        return []
    cells, unit = printed_tables.provinces_table(ctx)
    return (paragraphs(ctx, ctx.narrative.provinces) + chart(ctx, "provinces") + chart(ctx, "heatmap")
            + table(ctx, "provinces", "table_provinces", cells, unit=unit))


def services(ctx: SectionContext) -> list[Part]:
    if not ctx.indicators.reports_services:
        return []
    parts = blocks(ctx.inputs.services_text) + [Markup(f"<h3>{ctx.markup('services_activity')}</h3>")]
    parts += paragraphs(ctx, ctx.narrative.services)
    if ctx.indicators.services:
        providers = list(dict.fromkeys(item.provider for item in ctx.indicators.services))
        source = ctx.markup("source_providers", providers=", ".join(providers))
        parts += (table(ctx, "services", "table_services", printed_tables.services_table(ctx), source=source)
                  + chart(ctx, "services", source=source))
    return parts


def methodology(ctx: SectionContext) -> list[Part]:
    return blocks(ctx.inputs.methodology)


def appendix(ctx: SectionContext) -> list[Part]:
    found = printed_tables.partners_table(ctx)
    return table(ctx, "partners", "appendix_partners", found[0], appendix=True, **found[1]) if found else []


WEB_SECTIONS: dict[str, WebSection] = {
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
"""The sections of the page: the keys and order of `document.sections.SECTIONS`."""

