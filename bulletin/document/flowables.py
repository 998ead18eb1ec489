"""The bulletin's own flowables, and the named forms that let the document be laid out in one pass.

Some things are known only when the last page is laid out (the page total, the page of each
section) or are drawn by another step (the charts, put in by `pdfa`). Each is a PDF form: drawn
by name where it goes, filled in later (see `pages.BulletinDocument`). Only sizes are needed to
lay out, never the content.
"""
from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import xObjectName
from reportlab.platypus import Flowable, FrameBreak, KeepTogether, Paragraph, Spacer, Table, TableStyle
from reportlab.platypus.flowables import _listWrapOn  # how KeepTogether measures its content

from bulletin.charts import Chart
from bulletin.document.styles import FRAME_WIDTH, Styles
from bulletin.errors import ConfigError
from bulletin.text.typography import typographic

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


class Gap(Spacer):
    """Room after a chart or a table, dropped at the foot of a page rather than carried over to
    the next (where it would make a page of its own before a section's page break)."""

    def __init__(self, height: float):
        super().__init__(1, height)

    def split(self, available_width, available_height):
        return [Spacer(1, 0)]


class SourceLine(Paragraph):
    """"Fonte: ..." under a chart or a table: a chart and its table of one source name it once."""


MOST_WHITE = 0.25
"""The largest part of a page left white to keep a chart with its table (see `KeptTogether`)."""


class KeptTogether(KeepTogether):
    """A chart and its table, on one page when they fit in what is left of it.

    When they do not, they go together to the next page if that leaves at most `MOST_WHITE` of
    this one white. Otherwise they are parted, each kept with its caption and source: the chart
    first if it fits here, else the table, which starts here and runs on with "(segue)"; either
    way the page is filled rather than left mostly white."""

    def __init__(self, whole: list[Flowable], chart: list[Flowable], table: list[Flowable]):
        super().__init__(whole)
        self.chart, self.table = chart, table

    def split(self, available_width, available_height):
        parts = super().split(available_width, available_height)  # measures the whole: `_H`
        frame = getattr(self, "_frame", None)
        if self._H <= available_height or frame is None or available_height <= MOST_WHITE * frame._height:
            return parts
        chart = [g for f in self.chart for g in (f._content if isinstance(f, KeepTogether) else [f])]
        _, chart_height = _listWrapOn(chart, available_width, self.canv)
        first, second = (self.chart, self.table) if chart_height <= available_height else (self.table, self.chart)
        return [self.NullActionFlowable()] + first + second  # laid out anew, one by one


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


@dataclass(frozen=True)
class TableText:
    """A table as printed, before it is set: plain-text cells (escaped when set), figures formatted."""

    header: list[str]
    rows: list[list[str]]
    text_columns: tuple[int, ...] = (0,)
    """The columns that hold names (left-aligned, wrapped at spaces); the others hold figures."""
    total_rows: int = 0
    """The last rows are totals, set in bold under a rule."""


FEWEST_ROWS = 4  # rows of a table left at the foot of a page, and carried over to the next (totals not counted)
WHOLE_ROWS = 10   # a table of at most this many rows, totals included, is never split


class HouseTable(Table):
    """A table whose first row is its caption: repeated with the header on every page it runs
    over, there with `continued`, the caption saying "(segue)". A page never ends it with fewer
    than `FEWEST_ROWS` rows carried over, totals not counted (two rows and the total alone under
    "(segue)"): more go with them. A short table (`WHOLE_ROWS`) is not split at all: it goes
    whole to the next page, as an editor asks of a table a reader takes in at a glance.

    `kept_with` are the flowables that follow it on the same page, its source line: the frame
    (`pages.HouseFrame`) takes the table only with room for them, so a source never opens a page
    alone; split, only the last part keeps them."""

    continued: Flowable | None = None
    total_rows = 0  # the last rows, totals
    kept_with: tuple[Flowable, ...] = ()

    def split(self, available_width, available_height):
        if _body_rows(self) <= WHOLE_ROWS:
            return []
        parts = super().split(available_width, available_height)
        shortened = False
        while (len(parts) == 2 and _body_rows(parts[1]) - self.total_rows < FEWEST_ROWS
               and _body_rows(parts[0]) > FEWEST_ROWS):
            available_height -= self._rowHeights[len(parts[0]._cellvalues) - 1]  # one row less here
            parts = super().split(available_width, available_height)
            shortened = True
        for index, part in enumerate(parts):  # reportlab builds the parts as this class, caption row first
            part.continued, part.total_rows = self.continued, self.total_rows
            part.kept_with = self.kept_with if index == len(parts) - 1 else ()
            if index and self.continued is not None:
                part._cellvalues[0] = [self.continued] + list(part._cellvalues[0][1:])
        if shortened:  # the rows held back go to the next page, not into the room they leave here
            parts.insert(1, FrameBreak)
        return parts


def _body_rows(table: Table) -> int:
    """The rows of a part of a house table below its caption and header."""
    return len(table._cellvalues) - 2


CELL_PADDING = 4.0     # points left and right of a cell's text
MIN_FIGURE_WIDTH = 9 * mm
LONGEST_NAME_WORD = 40 * mm  # a longer word in a name (not a word: a string from the data) is broken
SHORT_HEADER_NEED = 12.0  # points a column may widen to set its header on one line before names widen


def data_table(styles: Styles, caption: str, continued: str, table: TableText) -> HouseTable:
    """A house-style table under its caption (markup): header repeated on every page, the caption
    too ("(segue)" after the first), striped rows, figures right, totals in bold.

    Every column is at least as wide as the longest word of its header and of its names and the
    widest figure, so no word is ever broken (`column_widths`). Names are paragraphs (they wrap at
    spaces); figures are plain strings set in the cell's font, which reportlab draws without
    parsing: an appendix holds hundreds of them.
    """
    first_total = len(table.rows) - table.total_rows + 2  # the caption and header rows come first

    def name(text: str, row: int) -> Paragraph:
        return Paragraph(typographic(escape(text)), styles.cell_bold if row >= first_total else styles.cell)

    body: list[list] = [[Paragraph(caption, styles.caption)] + [""] * (len(table.header) - 1)]
    body.append([Paragraph(typographic(escape(h)), styles.head if i in table.text_columns else styles.head_right)
                 for i, h in enumerate(table.header)])
    body += [[name(value, r) if i in table.text_columns else value for i, value in enumerate(row)]
             for r, row in enumerate(table.rows, start=2)]
    c = styles.colours
    result = HouseTable(body, colWidths=column_widths(styles, table), repeatRows=2, hAlign="LEFT")
    result.continued = Paragraph(continued, styles.caption)
    result.total_rows = table.total_rows
    commands = [
        ("SPAN", (0, 0), (-1, 0)), ("LEFTPADDING", (0, 0), (0, 0), 0), ("BOTTOMPADDING", (0, 0), (-1, 0), 4),
        ("FONTNAME", (0, 0), (-1, -1), styles.regular),
        ("FONTSIZE", (0, 2), (-1, -1), styles.cell.fontSize), ("LEADING", (0, 2), (-1, -1), styles.cell.leading),
        ("TEXTCOLOR", (0, 2), (-1, -1), styles.cell.textColor), ("ALIGN", (0, 2), (-1, -1), "RIGHT"),
        ("BACKGROUND", (0, 1), (-1, 1), c["primary"]),
        ("VALIGN", (0, 1), (-1, -1), "BOTTOM"),  # a figure beside a name of two lines: on the last
        ("LEFTPADDING", (0, 1), (-1, -1), CELL_PADDING), ("RIGHTPADDING", (0, 1), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 1), (-1, -1), 1.6), ("BOTTOMPADDING", (0, 1), (-1, -1), 1.6),
        ("LINEBELOW", (0, -1), (-1, -1), 0.6, c["primary"]),
    ]
    commands += [("BACKGROUND", (0, r), (-1, r), c["tint"]) for r in range(3, first_total, 2)]
    if table.total_rows:
        commands += [("LINEABOVE", (0, first_total), (-1, first_total), 0.6, c["primary"]),
                     ("FONTNAME", (0, first_total), (-1, -1), styles.bold)]
    result.setStyle(TableStyle(commands))
    return result


def column_widths(styles: Styles, table: TableText) -> list[float]:
    """Widths that break no word: each column takes at least its longest header word, its longest
    name word and its widest figure; the room left goes to the names, up to what they need on one
    line (in the order of columns that leaves fewest names wrapped), then to the headers, one line each,
    those that need least first, twins alike (a "Var. %" over one column and "Var. / %" over its
    twin read as two kinds of column), then to the figures alike, so that the table fills the frame.
    A header that needs only a little more (`SHORT_HEADER_NEED`: "Var. / %") is set on one line
    before the names are widened: a unit alone under its header reads as a misprint, where a
    quarter over its year ("I trim. / 2017") reads as a header set in two lines."""
    def width(text: str, font: str, size: float) -> float:
        return pdfmetrics.stringWidth(text, font, size)

    def words(text: str) -> list[str]:
        return text.split() or [""]

    head, cell = styles.head, styles.cell
    first_total = len(table.rows) - table.total_rows
    fonts = [styles.regular] * first_total + [styles.bold] * table.total_rows  # totals are bold
    least, most, header_lines = [], [], []
    for i, header in enumerate(table.header):
        column = [(row[i], font) for row, font in zip(table.rows, fonts)]
        header_word = max(width(w, head.fontName, head.fontSize) for w in words(header))
        header_lines.append(width(" ".join(words(header)), head.fontName, head.fontSize) + 2 * CELL_PADDING)
        if i in table.text_columns:
            longest_word = min(LONGEST_NAME_WORD, max((width(w, font, cell.fontSize)
                                                       for v, font in column for w in words(v)), default=0.0))
            whole = max((width(v, font, cell.fontSize) for v, font in column), default=0.0)
            least.append(max(header_word, longest_word) + 2 * CELL_PADDING)
            most.append(max(least[-1], whole + 2 * CELL_PADDING))
        else:
            widest = max((width(v, font, cell.fontSize) for v, font in column), default=0.0)
            least.append(max(header_word + 2 * CELL_PADDING, widest + 2 * CELL_PADDING, MIN_FIGURE_WIDTH))
            most.append(least[-1])
    spare = FRAME_WIDTH - sum(least)
    if spare < 0:
        raise ConfigError(f"template labels.toml: the table headed {' | '.join(table.header)} needs "
                          f"{sum(least) / mm:.0f} mm, the page has {FRAME_WIDTH / mm:.0f}: shorten its headers")
    widths = least[:]
    twins: dict[str, list[int]] = {}  # columns of one header but for its figures ("Var. %" after
    for i, header in enumerate(table.header):  # exports and after imports; "I trim. 2017", "I trim. 2016")
        twins.setdefault(re.sub(r"\d", "0", header), []).append(i)

    def need(columns: list[int]) -> float:
        return sum(max(0.0, header_lines[i] - widths[i]) for i in columns)

    def headers_on_one_line(most_a_column: float) -> None:
        """Widen the headers that need least first, twins alike, each by at most `most_a_column`."""
        nonlocal spare
        for columns in sorted(twins.values(), key=need):
            if 0.0 < need(columns) <= spare and all(header_lines[i] - widths[i] <= most_a_column for i in columns):
                spare -= need(columns)
                for i in columns:
                    widths[i] = max(widths[i], header_lines[i])

    headers_on_one_line(SHORT_HEADER_NEED)  # a unit or a year alone on a line ("Var. / %") first
    names = {i: [width(v, font, cell.fontSize) + 2 * CELL_PADDING for v, font in zip((row[i] for row in table.rows), fonts)]
             for i in table.text_columns}

    def widened(order: tuple[int, ...]) -> tuple[list[float], float]:
        """The widths and the room left when the names of the columns in `order` are widened in turn."""
        result, left = widths[:], spare
        for i in order:
            extra = max(0.0, min(most[i] - result[i], left))
            result[i], left = result[i] + extra, left - extra
        return result, left

    def wrapped(result: list[float]) -> int:
        return sum(need > result[i] + 0.01 for i, column in names.items() for need in column)

    # The order that leaves the fewest names on two lines ("Aeromobili e veicoli / spaziali" in
    # four rows, or "Province diverse e non / specificate" in one); of those, the first found.
    widths, spare = min((widened(order) for order in itertools.permutations(sorted(names))),
                        key=lambda option: wrapped(option[0]))
    headers_on_one_line(math.inf)
    figures = [i for i in range(len(widths)) if i not in table.text_columns and table.header[i].strip()]
    widened = figures or range(len(widths))
    left = (FRAME_WIDTH - sum(widths)) / len(widened)
    return [w + (left if i in widened else 0.0) for i, w in enumerate(widths)]


def tiles(styles: Styles, items: list[tuple[str, str, str]], columns: int) -> Table:
    """Key-figure tiles: big value, label, and a small note (the change or the comparison).

    Five tiles are narrower than four, so their values are set smaller.
    """
    s = styles
    value_style = ParagraphStyle("tile_value_n", parent=s.tile_value, fontSize=15 if columns < 5 else 12.5,
                                 leading=18 if columns < 5 else 15)
    cells = [[Paragraph(typographic(escape(text)), style) for text, style in
              ((value, value_style), (label, s.tile_label), (note, s.tile_label))] for value, label, note in items]
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
