"""Compose the bulletin PDF with reportlab from the indicators, the narrative and the charts.

Each section is a small builder returning flowables; page decoration (header, footer,
"pagina X di Y") lives in the page templates. The document is laid out in one pass: the page
numbers in the contents and the page total in the footers are PDF forms that are referenced
where they are printed and filled in when the last page is known. Every heading becomes a PDF
bookmark.

Charts are placed the same way: each is an empty form of the chart's size (`chart_form`), drawn
where the chart goes; `archival` puts the chart's own PDF page into that form. reportlab never
draws the charts, and laying out needs only their sizes.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (BaseDocTemplate, CondPageBreak, Flowable, Frame, KeepTogether, NextPageTemplate,
                                PageBreak, PageTemplate, Paragraph, Spacer, Table, TableStyle)

from bulletin.text import formatting as fmt
from bulletin.brand import Brand

from bulletin.charts.specs import TOP_PARTNERS, Chart
from bulletin.indicators.compute import Indicators, RankedItem
from bulletin.text.markup import Block
from bulletin.text.narrative import Narrative, territory_phrase

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 20 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
HEADER_GAP = 12 * mm
PDF_LANGUAGES = {"it": "it-IT", "en": "en-GB"}


@dataclass(frozen=True)
class Masthead:
    """What identifies one edition on its cover and in its metadata."""

    quarter: str
    territory: str
    lang: str
    number: int
    published: dt.date
    revision: int = 1


@dataclass(frozen=True)
class DocumentInputs:
    indicators: Indicators
    narrative: Narrative
    charts: dict[str, Chart]
    labels: dict[str, str]
    brand: Brand
    edition: Masthead
    notes: list[Block] | None
    services_text: list[Block]
    methodology: list[Block]


@dataclass(frozen=True)
class DocumentInfo:
    title: str
    subject: str
    author: str
    keywords: list[str]
    language: str
    pages: int


class Labels:
    """Fixed strings of one language, with placeholders filled and escaped for paragraphs."""

    def __init__(self, strings: dict[str, str]):
        self.strings = strings

    def __call__(self, key: str, **values) -> str:
        return self.strings[key].format(**values)

    def markup(self, key: str, **values) -> str:
        return escape(self(key, **values))


# --- fonts and styles -------------------------------------------------------------------------

def register_fonts(brand: Brand) -> str:
    """Register the brand's TrueType family with reportlab; returns the family name."""
    family = "Brand-" + brand.fonts["regular"].stem.split("-")[0]
    names = {style: f"{family}-{style}" for style in brand.fonts}
    for style, path in brand.fonts.items():
        if names[style] not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(names[style], str(path)))
    pdfmetrics.registerFontFamily(family, normal=names["regular"], bold=names["bold"],
                                  italic=names["italic"], boldItalic=names["bold_italic"])
    return family


class Styles:
    """Paragraph styles of the house, from the brand's fonts and colours."""

    def __init__(self, brand: Brand, family: str):
        c = {name: colors.HexColor(value) for name, value in brand.colours.items()}
        self.colours = c
        regular, bold = f"{family}-regular", f"{family}-bold"
        self.regular, self.bold, self.italic = regular, bold, f"{family}-italic"
        base = dict(fontName=regular, textColor=c["text"])
        self.body = ParagraphStyle("body", fontSize=9.5, leading=13.5, spaceAfter=6, **base)
        self.lead = ParagraphStyle("lead", parent=self.body, fontSize=10.5, leading=15)
        self.small = ParagraphStyle("small", fontSize=7.5, leading=9.5, fontName=regular, textColor=c["muted"])
        self.caption = ParagraphStyle("caption", fontName=bold, fontSize=9, leading=12, textColor=c["primary"],
                                      spaceBefore=8, spaceAfter=3, keepWithNext=1)
        self.h1 = ParagraphStyle("h1", fontName=bold, fontSize=19, leading=23, textColor=c["primary"],
                                 spaceAfter=10, keepWithNext=1)
        self.h2 = ParagraphStyle("h2", fontName=bold, fontSize=12, leading=15, textColor=c["primary"],
                                 spaceBefore=8, spaceAfter=4, keepWithNext=1)
        self.bullet = ParagraphStyle("bullet", parent=self.body, leftIndent=12, bulletIndent=2, spaceAfter=3)
        self.note = ParagraphStyle("note", parent=self.body, fontSize=8.5, leading=12, spaceAfter=4)
        self.note_bullet = ParagraphStyle("note_bullet", parent=self.note, leftIndent=12, bulletIndent=2, spaceAfter=2)
        self.cell = ParagraphStyle("cell", fontName=regular, fontSize=8, leading=10, textColor=c["text"])
        self.cell_right = ParagraphStyle("cell_right", parent=self.cell, alignment=TA_RIGHT)
        self.head = ParagraphStyle("head", fontName=bold, fontSize=7.5, leading=9.5, textColor=colors.white)
        self.head_right = ParagraphStyle("head_right", parent=self.head, alignment=TA_RIGHT)
        self.tile_value = ParagraphStyle("tile_value", fontName=bold, fontSize=15, leading=18,
                                         textColor=c["primary"], alignment=TA_LEFT)
        self.tile_label = ParagraphStyle("tile_label", fontName=regular, fontSize=7.5, leading=9.5,
                                         textColor=c["muted"])
        self.toc = ParagraphStyle("toc", fontName=regular, fontSize=11, leading=14, textColor=c["text"])
        for style in [v for v in vars(self).values() if isinstance(v, ParagraphStyle)]:
            style.bulletFontName = regular  # reportlab's default would pull in Helvetica


# --- flowables that know about the outline -------------------------------------------------------

class SectionTitle(Paragraph):
    """A heading that becomes a contents entry and a PDF bookmark."""

    def __init__(self, text: str, style: ParagraphStyle, key: str, level: int = 0, plain: str | None = None):
        super().__init__(text, style)
        self.outline_key = key
        self.outline_level = level
        self.outline_text = plain or text


class ChartForm(Flowable):
    """A vector chart at its exact size: the form `chart_form(name)`, which `archival` fills with
    the chart's PDF page. Only the size is needed here, not the file."""

    def __init__(self, chart: Chart):
        super().__init__()
        self.name = chart.name
        self.width = chart.width_mm * mm
        self.height = chart.height_mm * mm

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        self.canv.doForm(chart_form(self.name))


class BulletinDocument(BaseDocTemplate):
    def __init__(self, path: Path, inputs: DocumentInputs, styles: Styles, labels: Labels, info: DocumentInfo,
                 build_time: dt.datetime, **kwargs):
        self.inputs, self.styles, self.labels, self.build_time = inputs, styles, labels, build_time
        self.section_pages: dict[str, int] = {}
        super().__init__(str(path), pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + HEADER_GAP,
                         bottomMargin=MARGIN + 6 * mm, title=info.title, author=info.author, subject=info.subject,
                         keywords=info.keywords, lang=info.language, creator="bulletin", invariant=1,
                         initialFontName=styles.regular,
                         displayDocTitle=1, **kwargs)
        content = Frame(MARGIN, MARGIN + 6 * mm, FRAME_WIDTH, PAGE_HEIGHT - 2 * MARGIN - HEADER_GAP - 6 * mm,
                        id="content", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        cover = Frame(MARGIN, MARGIN, FRAME_WIDTH, PAGE_HEIGHT - 2 * MARGIN, id="cover",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate("cover", [cover], onPage=self._decorate_cover),
                               PageTemplate("content", [content], onPage=self._decorate_page)])

    def afterFlowable(self, flowable):
        if isinstance(flowable, SectionTitle):
            self.canv.bookmarkPage(flowable.outline_key)
            self.canv.addOutlineEntry(flowable.outline_text, flowable.outline_key, level=flowable.outline_level)
            self.section_pages[flowable.outline_key] = self.page

    def _endBuild(self):
        """After the last page, fill in the forms the pages refer to, then save.

        The charts' forms stay empty, with the chart's box: `archival` fills them."""
        self._doSave = 0
        super()._endBuild()
        canvas, s = self.canv, self.styles
        _number_form(canvas, PAGE_TOTAL_FORM, str(self.page), s.regular, 7.5, self.styles.colours["muted"], right=False)
        for key, page in self.section_pages.items():
            _number_form(canvas, contents_form(key), str(page), s.toc.fontName, s.toc.fontSize, s.colours["text"],
                         right=True)
        for chart in self.inputs.charts.values():
            canvas.beginForm(chart_form(chart.name), lowerx=0, lowery=0, upperx=chart.width_mm * mm,
                             uppery=chart.height_mm * mm)
            canvas.endForm()
        canvas.save()

    def _decorate_cover(self, canvas, doc):
        c = self.styles.colours
        canvas.saveState()
        canvas.setFillColor(c["primary"])
        canvas.rect(0, PAGE_HEIGHT - 92 * mm, PAGE_WIDTH, 92 * mm, stroke=0, fill=1)
        canvas.setFillColor(c["accent"])
        canvas.rect(0, PAGE_HEIGHT - 94.5 * mm, PAGE_WIDTH, 2.5 * mm, stroke=0, fill=1)
        canvas.setFillColor(c["tint"])
        canvas.rect(0, 0, PAGE_WIDTH, 34 * mm, stroke=0, fill=1)
        brand = self.inputs.brand
        canvas.setFillColor(c["primary"])
        canvas.setFont(self.styles.bold, 9)
        canvas.drawString(MARGIN, 20 * mm, brand.organisation)
        canvas.setFillColor(c["muted"])
        canvas.setFont(self.styles.regular, 8)
        canvas.drawString(MARGIN, 15 * mm, brand.department)
        canvas.drawString(MARGIN, 10.5 * mm, brand.contact)
        canvas.restoreState()

    def _decorate_page(self, canvas, doc):
        c, s, brand = self.styles.colours, self.styles, self.inputs.brand
        canvas.saveState()
        top = PAGE_HEIGHT - MARGIN
        canvas.setFont(s.bold, 8)
        canvas.setFillColor(c["primary"])
        canvas.drawString(MARGIN, top, self.labels("running_title", territory=self.inputs.indicators.territory["name"][self.inputs.edition.lang]))
        canvas.setFont(s.regular, 8)
        canvas.setFillColor(c["muted"])
        canvas.drawRightString(PAGE_WIDTH - MARGIN, top, fmt.quarter_label(self.inputs.edition.quarter, self.inputs.edition.lang))
        canvas.setStrokeColor(c["rule"])
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN, top - 3 * mm, PAGE_WIDTH - MARGIN, top - 3 * mm)
        canvas.line(MARGIN, MARGIN + 2 * mm, PAGE_WIDTH - MARGIN, MARGIN + 2 * mm)
        canvas.setFont(s.regular, 7.5)
        canvas.drawString(MARGIN, MARGIN - 2 * mm, brand.footer)
        # "pagina 3 di " then the total, a form filled in at the end; room is kept for two digits.
        before, _, after = self.labels.strings["page_of"].partition("{pages}")
        room = pdfmetrics.stringWidth("00" + after, s.regular, 7.5)
        x = PAGE_WIDTH - MARGIN - room
        canvas.drawRightString(x, MARGIN - 2 * mm, before.format(page=doc.page))
        canvas.saveState()
        canvas.translate(x, MARGIN - 2 * mm)
        canvas.doForm(PAGE_TOTAL_FORM)
        canvas.restoreState()
        if after:
            canvas.drawRightString(PAGE_WIDTH - MARGIN, MARGIN - 2 * mm, after)
        canvas.restoreState()


PAGE_TOTAL_FORM = "page-total"


def contents_form(key: str) -> str:
    return f"contents-page-{key}"


def chart_form(name: str) -> str:
    """The form a chart is drawn from; in the PDF, the XObject `chart_xobject_name(name)`."""
    return f"chart-{name}"


def chart_xobject_name(name: str) -> str:
    """The name under which the pages' resources list the chart's form (reportlab's naming)."""
    from reportlab.pdfbase.pdfdoc import xObjectName
    return "/" + xObjectName(chart_form(name))


def _number_form(canvas, name: str, text: str, font: str, size: float, colour, right: bool) -> None:
    canvas.beginForm(name, lowerx=-100, lowery=-20, upperx=100, uppery=50)  # room on both sides of 0,0
    canvas.setFont(font, size)
    canvas.setFillColor(colour)
    (canvas.drawRightString if right else canvas.drawString)(0, 0, text)
    canvas.endForm()


class FormNumber(Flowable):
    """A page number that is known only when the document is finished: drawn from a form."""

    def __init__(self, form: str, style: ParagraphStyle):
        super().__init__()
        self.form, self.height = form, style.fontSize
        # Sit on the baseline of a one-line paragraph in `style` aligned to the bottom of the cell:
        # reportlab puts that baseline one font size below the top of the line's leading.
        self.baseline = style.leading - style.fontSize

    def wrap(self, available_width, available_height):
        self.width = available_width
        return available_width, self.height

    def draw(self):
        self.canv.saveState()
        self.canv.translate(self.width, self.baseline)
        self.canv.doForm(self.form)
        self.canv.restoreState()


# --- tables ------------------------------------------------------------------------------------

def data_table(styles: Styles, header: list[str], rows: list[list[str]], widths: list[float],
               numeric_from: int = 1) -> Table:
    """A house-style table: coloured header repeated on every page, striped rows, numbers right.

    Names are paragraphs (they may wrap, and carry markup); numbers are plain strings set in the
    cell's font, which reportlab draws without parsing: an appendix holds a thousand of them.
    """
    def cell(text: str, index: int, style_left, style_right):
        return Paragraph(text, style_right if index >= numeric_from else style_left)

    body = [[cell(escape(h), i, styles.head, styles.head_right) for i, h in enumerate(header)]]
    body += [[value if i >= numeric_from else cell(value, i, styles.cell, styles.cell_right)
              for i, value in enumerate(row)] for row in rows]
    c = styles.colours
    table = Table(body, colWidths=[w * FRAME_WIDTH for w in widths], repeatRows=1, hAlign="LEFT")
    number_cells = (numeric_from, 1), (-1, -1)
    commands = [
        ("FONTNAME", (0, 0), (-1, -1), styles.regular),
        ("FONTSIZE", *number_cells, styles.cell.fontSize), ("LEADING", *number_cells, styles.cell.leading),
        ("TEXTCOLOR", *number_cells, styles.cell.textColor), ("ALIGN", *number_cells, "RIGHT"),
        ("BACKGROUND", (0, 0), (-1, 0), c["primary"]),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LINEBELOW", (0, -1), (-1, -1), 0.6, c["primary"]),
    ]
    commands += [("BACKGROUND", (0, r), (-1, r), c["tint"]) for r in range(2, len(body), 2)]
    table.setStyle(TableStyle(commands))
    return table


def ranked_rows(items: list[RankedItem], lang: str) -> list[list[str]]:
    return [[str(item.rank), escape(item.name[lang]), fmt.millions(item.value_eur, lang),
             fmt.millions(item.previous_eur, lang), fmt.pct(item.yoy_pct, lang), fmt.share(item.share_pct, lang)]
            for item in items]


# --- section builders --------------------------------------------------------------------------

class Sections:
    """One method per section; each returns the flowables of that section."""

    def __init__(self, inputs: DocumentInputs, styles: Styles, labels: Labels):
        self.i, self.s, self.L = inputs, styles, labels
        self.lang = inputs.edition.lang
        self.ind = inputs.indicators

    def title(self, key: str, first: bool = False) -> list[Flowable]:
        text = self.L(f"section_{key}")
        return ([] if first else [PageBreak()]) + [SectionTitle(escape(text), self.s.h1, key, plain=text)]

    def paragraphs(self, texts: list[str], style: ParagraphStyle | None = None) -> list[Flowable]:
        return [Paragraph(text, style or self.s.body) for text in texts]

    def blocks(self, blocks: list[Block], compact: bool = False) -> list[Flowable]:
        body, bullet = (self.s.note, self.s.note_bullet) if compact else (self.s.body, self.s.bullet)
        flowables: list[Flowable] = []
        number = 0
        for block in blocks:
            if block.kind == "heading":
                flowables.append(Paragraph(block.markup, self.s.h2))
                number = 0
            elif block.kind == "bullet":
                flowables.append(Paragraph(block.markup, bullet, bulletText="•"))
            elif block.kind == "number":
                number += 1
                flowables.append(Paragraph(block.markup, bullet, bulletText=f"{number}."))
            else:
                flowables.append(Paragraph(block.markup, body))
                number = 0
        return flowables

    def chart(self, name: str, **values) -> list[Flowable]:
        chart = self.i.charts.get(name)
        if chart is None:
            return []
        caption = Paragraph(self.L.markup(f"chart_{name}", quarter=fmt.quarter_label(self.ind.quarter, self.lang),
                                          **values), self.s.caption)
        source = Paragraph(self.L.markup("source"), self.s.small)
        return [KeepTogether([caption, ChartForm(chart), Spacer(1, 1.5 * mm), source]), Spacer(1, 4 * mm)]

    def table_block(self, caption_key: str, table: Table) -> list[Flowable]:
        caption = Paragraph(self.L.markup(caption_key, quarter=fmt.quarter_label(self.ind.quarter, self.lang)),
                            self.s.caption)
        return [CondPageBreak(40 * mm), caption, table, Spacer(1, 2 * mm),
                Paragraph(self.L.markup("source"), self.s.small), Spacer(1, 4 * mm)]

    def tiles(self, items: list[tuple[str, str, str]], columns: int) -> Table:
        """Key-figure tiles: big value, label, and a small note (the change or the comparison)."""
        s = self.s
        value_style = ParagraphStyle("tile_value_n", parent=s.tile_value, fontSize=15 if columns < 5 else 12.5,
                                     leading=18 if columns < 5 else 15)
        cells = [[Paragraph(escape(value), value_style), Paragraph(escape(label), s.tile_label),
                  Paragraph(escape(note), s.tile_label)] for value, label, note in items]
        width = FRAME_WIDTH / columns
        table = Table([cells], colWidths=[width] * len(cells), hAlign="LEFT")
        c = s.colours
        table.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), s.regular),
            ("BACKGROUND", (0, 0), (-1, -1), c["tint"]),
            ("LINEBEFORE", (1, 0), (-1, -1), 2, colors.white),
            ("LINEABOVE", (0, 0), (-1, 0), 2.5, c["primary"]),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ("LEFTPADDING", (0, 0), (-1, -1), 7), ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        ]))
        return table

    def key_figures(self) -> list[tuple[str, str, str]]:
        ind, lang, L = self.ind, self.lang, self.L
        national = fmt.money(ind.national_exports.value_eur, lang)
        return [
            (fmt.money(ind.exports.value_eur, lang, unit=False), L("tile_exports"), L("tile_eur")),
            (fmt.pct(ind.exports.yoy_pct, lang), L("tile_change"),
             L("tile_change_note", previous=fmt.quarter_label(ind.previous_year_quarter, lang))),
            (fmt.share(ind.exports.share_of_national_pct, lang), L("tile_share"), L("tile_share_note", national=national)),
            (fmt.money(ind.trade_eur, lang, unit=False), L("tile_trade"), L("tile_trade_note")),
            (fmt.money(ind.balance_eur, lang, unit=False), L("tile_balance"), L("tile_eur")),
        ]

    # The sections, in the order they are printed.

    def cover(self) -> list[Flowable]:
        s, L, ed, brand = self.s, self.L, self.i.edition, self.i.brand
        white = ParagraphStyle("cover_white", fontName=s.regular, fontSize=11, leading=14, textColor=colors.white)
        big = ParagraphStyle("cover_title", fontName=s.bold, fontSize=30, leading=35, textColor=colors.white)
        edition = ParagraphStyle("cover_edition", fontName=s.bold, fontSize=15, leading=19,
                                 textColor=colors.HexColor(brand.colours["secondary"]))
        logo = _logo(brand, 22 * mm, s.regular)
        head = Table([[logo, Paragraph(f"<b>{escape(brand.organisation)}</b><br/>{escape(brand.department)}", white)]],
                     colWidths=[27 * mm, FRAME_WIDTH - 27 * mm], hAlign="LEFT")
        head.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), s.regular), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        published = _date_label(ed.published, self.lang)
        facts = L("cover_facts", number=ed.number, date=published)
        if ed.revision > 1:
            facts += " · " + L("cover_revision", revision=ed.revision)
        flowables = [
            head, Spacer(1, 12 * mm),
            Paragraph(escape(L("title", territory_of=territory_phrase(self.ind, self.lang))), big), Spacer(1, 3 * mm),
            Paragraph(escape(fmt.quarter_label(ed.quarter, self.lang)), edition), Spacer(1, 34 * mm),
            Paragraph(escape(L("cover_headline_label")), s.caption),
            Paragraph(self.i.narrative.headline, s.lead), Spacer(1, 6 * mm),
            self.tiles(self.key_figures()[:4], 4), Spacer(1, 10 * mm),
            Paragraph(escape(facts), s.body),
            Paragraph(escape(L("cover_source")), s.small),
        ]
        return [KeepTogether(flowables), NextPageTemplate("content"), PageBreak()]

    def contents(self, body: list[Flowable]) -> list[Flowable]:
        """One linked line per section of `body`, its page number filled in when the document ends."""
        s = self.s
        rows = [[Paragraph(f'<a href="#{f.outline_key}">{escape(f.outline_text)}</a>', s.toc),
                 FormNumber(contents_form(f.outline_key), s.toc)]
                for f in body if isinstance(f, SectionTitle) and f.outline_level == 0]
        table = Table(rows, colWidths=[FRAME_WIDTH - 15 * mm, 15 * mm], hAlign="LEFT")
        table.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), s.regular),
            ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, s.colours["rule"]),
        ]))
        return [Paragraph(self.L.markup("contents"), s.h1), Spacer(1, 4 * mm), table]

    def summary(self) -> list[Flowable]:
        return (self.title("summary") + [self.tiles(self.key_figures(), 5), Spacer(1, 6 * mm)]
                + self.paragraphs(self.i.narrative.summary, self.s.lead))

    def comment(self) -> list[Flowable]:
        if not self.i.notes:
            return []
        return self.title("comment") + self.blocks(self.i.notes)

    def exports(self) -> list[Flowable]:
        ind, lang, L = self.ind, self.lang, self.L
        header = [L("col_flow"), fmt.quarter_label(ind.quarter, lang), fmt.quarter_label(ind.previous_year_quarter, lang),
                  L("col_change"), L("col_ytd", year=ind.quarter[:4]), L("col_ytd", year=ind.previous_year_quarter[:4]),
                  L("col_change")]
        rows = []
        for key, flow in (("exports", ind.exports), ("imports", ind.imports)):
            rows.append([escape(L(f"row_{key}")), fmt.millions(flow.value_eur, lang),
                         _millions_or_na(flow.previous_eur, lang), fmt.pct(flow.yoy_pct, lang),
                         fmt.millions(flow.ytd_value_eur, lang), _millions_or_na(flow.ytd_previous_eur, lang),
                         fmt.pct(flow.ytd_yoy_pct, lang)])
        rows.append([escape(L("row_trade")), fmt.millions(ind.trade_eur, lang), _millions_or_na(ind.trade_previous_eur, lang),
                     fmt.pct(ind.trade_yoy_pct, lang), "", "", ""])
        rows.append([escape(L("row_balance")), fmt.millions(ind.balance_eur, lang), "", "", "", "", ""])
        rows.append([escape(L("row_national_exports")), fmt.millions(ind.national_exports.value_eur, lang),
                     _millions_or_na(ind.national_exports.previous_eur, lang), fmt.pct(ind.national_exports.yoy_pct, lang),
                     "", "", ""])
        table = data_table(self.s, header, rows, [0.25, 0.125, 0.125, 0.1, 0.15, 0.15, 0.1])
        return (self.title("exports") + self.paragraphs(self.i.narrative.exports) + self.chart("trend")
                + self.table_block("table_flows", table))

    def products(self) -> list[Flowable]:
        lang = self.lang
        table = data_table(self.s, self._ranked_header("col_product"), ranked_rows(self.ind.products, lang),
                           [0.08, 0.42, 0.13, 0.13, 0.12, 0.12], numeric_from=2)
        return (self.title("products") + self.paragraphs(self.i.narrative.products) + self.chart("products")
                + self.table_block("table_products", table))

    def destinations(self) -> list[Flowable]:
        table = data_table(self.s, self._ranked_header("col_area"), ranked_rows(self.ind.areas, self.lang),
                           [0.08, 0.42, 0.13, 0.13, 0.12, 0.12], numeric_from=2)
        return (self.title("destinations") + self.paragraphs(self.i.narrative.destinations)
                + self.chart("destinations", count=len(self.ind.destinations[:TOP_PARTNERS])) + self.chart("areas")
                + self.table_block("table_areas", table))

    def provinces(self) -> list[Flowable]:
        if not self.ind.provinces:
            return []
        table = self._provinces_table()
        return (self.title("provinces") + self.paragraphs(self.i.narrative.provinces) + self.chart("provinces")
                + self.chart("heatmap") + self.table_block("table_provinces", table))

    def services(self) -> list[Flowable]:
        lang, L = self.lang, self.L
        flowables = self.title("services") + self.blocks(self.i.services_text)
        flowables += [Paragraph(L.markup("services_activity"), self.s.h2)] + self.paragraphs(self.i.narrative.services)
        if self.ind.services:
            header = [L("col_provider"), L("col_service"), L("col_firms"), L("col_smes"), L("col_activities"),
                      L("col_firms_change")]
            rows = [[escape(x.provider), escape(x.service), fmt.number(x.firms, lang), fmt.number(x.smes, lang),
                     fmt.number(x.activities, lang), fmt.pct(x.firms_yoy_pct, lang)] for x in self.ind.services]
            table = data_table(self.s, header, rows, [0.16, 0.38, 0.11, 0.11, 0.11, 0.13], numeric_from=2)
            flowables += self.table_block("table_services", table) + self.chart("services")
        return flowables

    def methodology(self) -> list[Flowable]:
        return self.title("methodology") + self.blocks(self.i.methodology, compact=True)

    def appendix(self) -> list[Flowable]:
        lang = self.lang
        flowables = self.title("appendix")
        products = data_table(self.s, self._ranked_header("col_product"), ranked_rows(self.ind.products, lang),
                              [0.08, 0.42, 0.13, 0.13, 0.12, 0.12], numeric_from=2)
        partners = data_table(self.s, self._ranked_header("col_partner"),
                              ranked_rows([d for d in self.ind.destinations if d.value_eur > 0 or d.previous_eur > 0], lang),
                              [0.08, 0.42, 0.13, 0.13, 0.12, 0.12], numeric_from=2)
        flowables += self.table_block("appendix_products", products) + self.table_block("appendix_partners", partners)
        if self.ind.provinces:
            flowables += self.table_block("appendix_provinces", self._provinces_table(full=True))
        return flowables

    def _ranked_header(self, first: str) -> list[str]:
        L, lang, ind = self.L, self.lang, self.ind
        return [L("col_rank"), L(first), L("col_value_quarter", quarter=fmt.quarter_label(ind.quarter, lang, short=True)),
                L("col_value_quarter", quarter=fmt.quarter_label(ind.previous_year_quarter, lang, short=True)),
                L("col_change"), L("col_share")]

    def _provinces_table(self, full: bool = False) -> Table:
        L, lang = self.L, self.lang
        header = [L("col_province"), L("col_exports"), L("col_change"), L("col_rank"), L("col_imports"),
                  L("col_change"), L("col_rank"), L("col_top_product")]
        rows = [[escape(p.name[lang]), fmt.millions(p.exports_eur, lang), fmt.pct(p.exports_yoy_pct, lang),
                 str(p.export_rank), fmt.millions(p.imports_eur, lang), fmt.pct(p.imports_yoy_pct, lang),
                 str(p.import_rank), p.top_export_product.code if p.top_export_product else "-"]
                for p in self.ind.provinces]
        return data_table(self.s, header, rows, [0.25, 0.12, 0.1, 0.07, 0.12, 0.1, 0.07, 0.17])


def _millions_or_na(value: float | None, lang: str) -> str:
    return fmt.millions(value, lang) if value is not None else fmt.NOT_AVAILABLE[lang]


def _date_label(day: dt.date, lang: str) -> str:
    from babel.dates import format_date
    return format_date(day, format="long", locale=fmt.LOCALES[lang])


def _logo(brand: Brand, size: float, font_name: str) -> Flowable:
    if brand.logo is None:
        return Spacer(size, size)
    if brand.logo.suffix.lower() == ".svg":
        from svglib.svglib import svg2rlg
        drawing = svg2rlg(str(brand.logo))
        drawing.initialFontName = font_name
        factor = size / max(drawing.width, drawing.height)
        drawing.scale(factor, factor)
        drawing.width, drawing.height = drawing.width * factor, drawing.height * factor
        return drawing
    from reportlab.platypus import Image
    return Image(str(brand.logo), width=size, height=size, kind="proportional")


def document_info(inputs: DocumentInputs, labels: Labels) -> DocumentInfo:
    lang, ind = inputs.edition.lang, inputs.indicators
    place = ind.territory["name"][lang]
    title = f"{labels('title', territory_of=territory_phrase(ind, lang))} – {fmt.quarter_label(inputs.edition.quarter, lang)}"
    return DocumentInfo(title=title, subject=labels("subject", territory=place),
                        author=inputs.brand.organisation,
                        keywords=[labels("keyword_hitech"), place, inputs.edition.quarter, "ISTAT"],
                        language=PDF_LANGUAGES[lang], pages=0)


def compose_pdf(inputs: DocumentInputs, path: Path, build_time: dt.datetime) -> DocumentInfo:
    """Write the bulletin to `path` and return what its metadata say, with the page count."""
    family = register_fonts(inputs.brand)
    styles = Styles(inputs.brand, family)
    labels = Labels(inputs.labels)
    sections = Sections(inputs, styles, labels)
    body = (sections.summary() + sections.comment() + sections.exports() + sections.products()
            + sections.destinations() + sections.provinces() + sections.services() + sections.methodology()
            + sections.appendix())
    story = sections.cover() + sections.contents(body) + body
    info = document_info(inputs, labels)
    doc = BulletinDocument(path, inputs, styles, labels, info, build_time)
    doc.build(story)
    return DocumentInfo(**{**info.__dict__, "pages": doc.page})
