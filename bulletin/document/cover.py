"""The edition's own pages and blocks around the sections: the cover, the contents and the colophon.

They are not sections: the cover has its own page template and no heading, the contents lists
the sections that are printed, so it is made from their flowables once they are built, and the
colophon closes the last page, after whichever section ends the edition.
"""
from __future__ import annotations

import datetime as dt
import math
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, Image, KeepTogether, NextPageTemplate, PageBreak, Paragraph, Spacer, Table
from reportlab.platypus.flowables import HRFlowable
from reportlab.platypus import TableStyle
from svglib.svglib import svg2rlg

from bulletin.brand import Brand
from bulletin.document.context import SectionContext
from bulletin.document.flowables import FormNumber, SectionTitle, contents_form, tiles
from bulletin.document.styles import FRAME_WIDTH
from bulletin.text import formatting as fmt
from bulletin.text.typography import NO_BREAK, last_word_joined

TITLE_SIZE = 30.0  # points: the cover title's size, where the territory's name fits the width


def cover(ctx: SectionContext) -> list[Flowable]:
    """Logo and organisation, title, quarter, the headline with four key figures, edition facts."""
    s, edition, brand = ctx.styles, ctx.inputs.edition, ctx.inputs.brand
    white = ParagraphStyle("cover_white", fontName=s.regular, fontSize=11, leading=14, textColor=colors.white)
    title = last_word_kept(ctx.label("title", territory_of=ctx.territory_of))
    size = _title_size(title, s.bold)
    big = ParagraphStyle("cover_title", fontName=s.bold, fontSize=size, leading=size * 7 / 6, textColor=colors.white)
    quarter = ParagraphStyle("cover_edition", fontName=s.bold, fontSize=15, leading=19,
                             textColor=colors.HexColor(brand.colours["secondary"]))
    logo = _logo(brand, 22 * mm, s.regular)
    department = ctx.markup("brand_department", department=brand.department)
    head = Table([[logo, Paragraph(f"<b>{escape(brand.organisation)}</b><br/>{department}", white)]],
                 colWidths=[27 * mm, FRAME_WIDTH - 27 * mm], hAlign="LEFT")
    head.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), s.regular), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                              ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    facts = {"number": edition.number, "date": date_label(edition.published, ctx.lang)}
    if edition.revision > 1:
        facts_line = ctx.markup("cover_facts_revised", revision=edition.revision, **facts)
    else:
        facts_line = ctx.markup("cover_facts", **facts)
    flowables = [
        head, Spacer(1, 12 * mm),
        Paragraph(escape(title), big),
        Spacer(1, 3 * mm),
        Paragraph(escape(fmt.quarter_label(edition.quarter, ctx.lang)), quarter), Spacer(1, 34 * mm),
        Paragraph(ctx.markup("cover_headline_label"), s.caption),
        Paragraph(ctx.narrative.headline, s.lead), Spacer(1, 6 * mm),
        tiles(s, ctx.key_figures()[:4], 4), Spacer(1, 10 * mm),
        Paragraph(facts_line, s.body),
        Paragraph(ctx.markup("cover_source"), s.small),
    ]
    return [KeepTogether(flowables), NextPageTemplate("content"), PageBreak()]


def contents(ctx: SectionContext, body: list[Flowable]) -> list[Flowable]:
    """One linked line per section of `body`, its page number filled in when the document ends."""
    s = ctx.styles
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
    return [Paragraph(ctx.markup("contents"), s.h1), Spacer(1, 4 * mm), table]


def colophon(ctx: SectionContext) -> list[Flowable]:
    """At the foot of the last page: the release date, when the data were acquired, the next
    release (`bulletin.release`), whom to ask (or, outside the brand's `contact_territories`, who
    publishes) and the terms of reuse (`brand.toml`)."""
    s = ctx.styles
    rule = HRFlowable(width="100%", thickness=0.5, color=s.colours["rule"], spaceBefore=0, spaceAfter=2 * mm)
    return [Spacer(1, 8 * mm), KeepTogether([rule, Paragraph(ctx.markup("colophon_title"), s.caption)]
                                            + [Paragraph(line, s.small) for line in colophon_lines(ctx)])]


def colophon_lines(ctx: SectionContext) -> list[str]:
    """The colophon's lines as markup: the PDF's last page and the web edition's foot print them."""
    edition, brand, lang = ctx.inputs.edition, ctx.inputs.brand, ctx.lang
    lines = [ctx.markup("colophon_released", date=date_label(edition.published, lang))]
    dates = edition.release
    if dates is not None:
        lines.append(ctx.markup("colophon_data", date=date_label(dates.data_acquired, lang)))
        if dates.next_release is not None:
            lines.append(ctx.markup("colophon_next" if dates.next_release_planned else "colophon_next_about",
                                    quarter=fmt.quarter_label(dates.next_quarter, lang),
                                    date=date_label(dates.next_release, lang)))
    department = ctx.label("brand_department", department=brand.department)
    if not ctx.inputs.prints_contact:  # another territory's edition: the publisher, not its office's people
        lines.append(ctx.markup("colophon_publisher", organisation=brand.organisation, department=department))
    elif brand.contact_name:
        lines.append(ctx.markup("colophon_contact_named", name=brand.contact_name, department=department,
                                contact=brand.contact))
    else:
        lines.append(ctx.markup("colophon_contact", department=department, contact=brand.contact))
    lines.append(ctx.markup("colophon_licence", licence=brand.licence, url=brand.licence_url))
    return lines


def last_word_kept(title: str) -> str:
    """The title with its last word joined to the one before by a no-break space, when that word
    would otherwise stand alone on the title's last line ("The Aosta Valley’s high-tech / exports");
    a last run already held together (the territory, "della Valle d’Aosta") stays as it is."""
    return title if NO_BREAK in title.rpartition(" ")[2] else last_word_joined(title)


def _title_size(title: str, font: str) -> float:
    """The cover title's size: `TITLE_SIZE`, or less when the territory's name, which is never
    parted (no-break spaces), would not fit the width ("della Provincia autonoma di Bolzano").
    Rounded down to a tenth of a point: at the exact quotient the name was a rounding error wider
    than the frame, and reportlab parted it inside a word ("auton / oma")."""
    widest = max(pdfmetrics.stringWidth(run, font, 1.0) for run in title.split(" "))
    return min(TITLE_SIZE, math.floor(FRAME_WIDTH / widest * 10) / 10)


def date_label(day: dt.date, lang: str) -> str:
    return fmt.long_date(day, lang)


def _logo(brand: Brand, size: float, font_name: str) -> Flowable:
    """The brand's logo in a `size` square: an SVG stays vector; none leaves the square empty."""
    if brand.logo is None:
        return Spacer(size, size)
    if brand.logo.suffix.lower() == ".svg":
        drawing = svg2rlg(str(brand.logo))
        drawing.initialFontName = font_name  # reportlab's default would pull in Helvetica
        factor = size / max(drawing.width, drawing.height)
        drawing.scale(factor, factor)
        drawing.width, drawing.height = drawing.width * factor, drawing.height * factor
        return drawing
    return Image(str(brand.logo), width=size, height=size, kind="proportional")
