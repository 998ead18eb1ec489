"""The house look of the bulletin: the page's geometry, the brand's fonts and the paragraph styles.

One definition of each measure and style, shared by the page templates, the flowables and the
sections, so that a margin or a font size is changed in one place.
"""
from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from bulletin.brand import Brand

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 20 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
HEADER_GAP = 12 * mm


def register_fonts(brand: Brand) -> str:
    """Register the brand's TrueType family with reportlab; returns the family name.

    Registration is process-wide in reportlab, so a family already registered (an earlier
    edition in the same run) is reused rather than loaded again.
    """
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
        # No line of running text left alone at the top of a page ("europei non UE."): a paragraph
        # that would leave one there carries a second line over with it.
        self.body = ParagraphStyle("body", fontSize=9.5, leading=13, spaceAfter=5, allowWidows=0, **base)
        self.lead = ParagraphStyle("lead", parent=self.body, fontSize=10.5, leading=15)
        self.small = ParagraphStyle("small", fontSize=7.5, leading=9.5, fontName=regular, textColor=c["muted"])
        self.caption = ParagraphStyle("caption", fontName=bold, fontSize=9, leading=12, textColor=c["primary"],
                                      spaceBefore=6, spaceAfter=3, keepWithNext=1)
        self.h1 = ParagraphStyle("h1", fontName=bold, fontSize=19, leading=23, textColor=c["primary"],
                                 spaceBefore=10, spaceAfter=7, keepWithNext=1)  # no space before at a page's top
        self.h2 = ParagraphStyle("h2", fontName=bold, fontSize=12, leading=15, textColor=c["primary"],
                                 spaceBefore=8, spaceAfter=4, keepWithNext=1)
        self.bullet = ParagraphStyle("bullet", parent=self.body, leftIndent=12, bulletIndent=2, spaceAfter=3)
        self.note = ParagraphStyle("note", parent=self.body, fontSize=8.5, leading=12, spaceAfter=4)
        self.note_bullet = ParagraphStyle("note_bullet", parent=self.note, leftIndent=12, bulletIndent=2, spaceAfter=2)
        self.cell = ParagraphStyle("cell", fontName=regular, fontSize=8, leading=10, textColor=c["text"])
        self.cell_right = ParagraphStyle("cell_right", parent=self.cell, alignment=TA_RIGHT)
        self.cell_bold = ParagraphStyle("cell_bold", parent=self.cell, fontName=bold)
        self.head = ParagraphStyle("head", fontName=bold, fontSize=7.5, leading=9.5, textColor=colors.white)
        self.head_right = ParagraphStyle("head_right", parent=self.head, alignment=TA_RIGHT)
        self.tile_value = ParagraphStyle("tile_value", fontName=bold, fontSize=15, leading=18,
                                         textColor=c["primary"], alignment=TA_LEFT)
        self.tile_label = ParagraphStyle("tile_label", fontName=regular, fontSize=7.5, leading=9.5,
                                         textColor=c["muted"])
        self.toc = ParagraphStyle("toc", fontName=regular, fontSize=10, leading=12.5, textColor=c["text"])
        for style in [v for v in vars(self).values() if isinstance(v, ParagraphStyle)]:
            style.bulletFontName = regular  # reportlab's default would pull in Helvetica
