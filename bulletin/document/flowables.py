"""The bulletin's own flowables, and the named forms that let the document be laid out in one pass.

Some things are known only when the last page is laid out (the page total, the page of each
section) or are drawn by another step (the charts, put in by `pdfa`). Each is a PDF form: drawn
by name where it goes, filled in later (see `pages.BulletinDocument`). Only sizes are needed to
lay out, never the content.
"""
from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import xObjectName
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from bulletin.charts import Chart
from bulletin.document.styles import FRAME_WIDTH, Styles

PAGE_TOTAL_FORM = "page-total"


def contents_form(key: str) -> str:
    """The form holding the page number of section `key`, printed in the contents."""
    return f"contents-page-{key}"


def chart_form(name: str) -> str:
    """The form a chart is drawn from; in the PDF, the XObject `chart_xobject_name(name)`."""
    return f"chart-{name}"


def chart_xobject_name(name: str) -> str:
    """The name under which the pages' resources list the chart's form (reportlab's naming)."""
    return "/" + xObjectName(chart_form(name))


class SectionTitle(Paragraph):
    """A heading that becomes a contents entry and a PDF bookmark."""

    def __init__(self, text: str, style: ParagraphStyle, key: str, level: int = 0, plain: str | None = None):
        super().__init__(text, style)
        self.outline_key = key
        self.outline_level = level
        self.outline_text = plain or text


class ChartForm(Flowable):
    """A vector chart at its exact size: the form `chart_form(name)`, which `pdfa` fills with
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


def data_table(styles: Styles, header: list[str], rows: list[list[str]], widths: list[float],
               numeric_from: int = 1) -> Table:
    """A house-style table: coloured header repeated on every page, striped rows, numbers right.

    Names are paragraphs (they may wrap, and carry markup); numbers are plain strings set in the
    cell's font, which reportlab draws without parsing: an appendix holds a thousand of them.
    `widths` are fractions of the frame's width.
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


def tiles(styles: Styles, items: list[tuple[str, str, str]], columns: int) -> Table:
    """Key-figure tiles: big value, label, and a small note (the change or the comparison).

    Five tiles are narrower than four, so their values are set smaller.
    """
    s = styles
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
