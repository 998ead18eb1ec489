"""The pages around the content: page templates, their decoration, the outline, the late forms.

Header, footer and "pagina X di Y" are drawn by the page templates, never by the sections. Every
`SectionTitle` becomes a PDF bookmark, and its page is noted for the contents. When the last page
is laid out, the forms the pages refer to (page total, contents page numbers, the charts' empty
boxes) are filled in, so that the document is built in one pass.
"""
from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import BaseDocTemplate, PageTemplate
from reportlab.platypus.flowables import _listWrapOn  # how KeepTogether measures its content
from reportlab.platypus.frames import _FUZZ

from bulletin.document.flowables import PAGE_TOTAL_FORM, SectionTitle, chart_form, contents_form
from bulletin.document.model import DocumentInfo, DocumentInputs
from bulletin.document.styles import FRAME_WIDTH, HEADER_GAP, MARGIN, PAGE_HEIGHT, PAGE_WIDTH, Styles
from bulletin.document.tagging import TaggedFrame, Tagger
from bulletin.text import formatting as fmt

_TOTAL_MARK = "\x00"  # where the page total goes in `page_of`; never in a template


class HouseFrame(TaggedFrame):
    """A tagging frame that keeps a flowable with what it must not be parted from on its page
    (`kept_with`: a table's source line). It takes the flowable only if they fit together;
    otherwise the flowable splits leaving room for them, or goes to the next page whole."""

    def _add(self, flowable, canv, trySplit=0):
        kept = getattr(flowable, "kept_with", ())
        if kept and trySplit:  # reportlab adds the first part of a split without trying to split it
            room = self._y - self._y1p - (0 if self._atTop else flowable.getSpaceBefore())
            height = flowable.wrapOn(canv, self._getAvailableWidth(), room)[1]
            if height + _listWrapOn(list(kept), self._getAvailableWidth(), canv)[1] > room + _FUZZ:
                return 0
        return super()._add(flowable, canv, trySplit)

    add = _add  # reportlab's documents call `add`

    def split(self, flowable, canv):
        """Split `flowable` in the room left after what it keeps with it."""
        kept = getattr(flowable, "kept_with", ())
        tail = _listWrapOn(list(kept), self._getAvailableWidth(), canv)[1] if kept else 0.0
        self._y -= tail
        try:
            return super().split(flowable, canv)
        finally:
            self._y += tail


class BulletinDocument(BaseDocTemplate):
    """The A4 document: a cover template, then the content template with running head and footer."""

    def __init__(self, path: Path, inputs: DocumentInputs, styles: Styles, info: DocumentInfo, **kwargs):
        self.inputs, self.styles, self.labels = inputs, styles, inputs.labels
        self.section_pages: dict[str, int] = {}
        super().__init__(str(path), pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + HEADER_GAP,
                         bottomMargin=MARGIN + 6 * mm, title=info.title, author=info.author, subject=info.subject,
                         keywords=info.keywords, lang=info.language, creator="bulletin", invariant=1,
                         initialFontName=styles.regular,
                         displayDocTitle=1, **kwargs)
        self.tagger = Tagger(figure_alt={name: chart.alt for name, chart in inputs.charts.items()},
                             logo_alt=inputs.brand.organisation)
        content = HouseFrame(MARGIN, MARGIN + 6 * mm, FRAME_WIDTH, PAGE_HEIGHT - 2 * MARGIN - HEADER_GAP - 6 * mm,
                        id="content", tagger=self.tagger, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        cover = HouseFrame(MARGIN, MARGIN, FRAME_WIDTH, PAGE_HEIGHT - 2 * MARGIN, id="cover", tagger=self.tagger,
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate("cover", [cover], onPage=self._as_artifact(self._decorate_cover)),
                               PageTemplate("content", [content], onPage=self._as_artifact(self._decorate_page))])

    def _as_artifact(self, decorate):
        """A page decoration drawn as an artifact: read by no screen reader, as it repeats."""
        def draw(canvas, doc):
            with self.tagger.artifact(canvas):
                decorate(canvas, doc)
        return draw

    def afterFlowable(self, flowable):
        if isinstance(flowable, SectionTitle):
            self.canv.bookmarkPage(flowable.outline_key)
            self.canv.addOutlineEntry(flowable.outline_text, flowable.outline_key, level=flowable.outline_level)
            self.section_pages[flowable.outline_key] = self.page

    def _endBuild(self):
        """After the last page, fill in the forms the pages refer to, then save.

        The charts' forms stay empty, with the chart's box: `pdfa` fills them."""
        self._doSave = 0
        super()._endBuild()
        canvas, s = self.canv, self.styles
        _number_form(canvas, PAGE_TOTAL_FORM, str(self.page), s.regular, 7.5, s.colours["muted"], right=False)
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
        canvas.drawString(MARGIN, 15 * mm, self.labels.fill("brand_department", department=brand.department))
        if self.inputs.prints_contact:
            canvas.drawString(MARGIN, 10.5 * mm, brand.contact)
        canvas.restoreState()

    def _decorate_page(self, canvas, doc):
        c, s, brand, edition = self.styles.colours, self.styles, self.inputs.brand, self.inputs.edition
        canvas.saveState()
        top = PAGE_HEIGHT - MARGIN
        canvas.setFont(s.bold, 8)
        canvas.setFillColor(c["primary"])
        # The territory as the text names it ("della Valle d'Aosta"), not by its formal bilingual name.
        running_title = self.labels.fill("running_title", territory_of=self.inputs.narrative.territory_of)
        canvas.drawString(MARGIN, top, running_title)
        canvas.setFont(s.regular, 8)
        canvas.setFillColor(c["muted"])
        canvas.drawRightString(PAGE_WIDTH - MARGIN, top, fmt.quarter_label(edition.quarter, edition.lang))
        canvas.setStrokeColor(c["rule"])
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN, top - 3 * mm, PAGE_WIDTH - MARGIN, top - 3 * mm)
        canvas.line(MARGIN, MARGIN + 2 * mm, PAGE_WIDTH - MARGIN, MARGIN + 2 * mm)
        canvas.setFont(s.regular, 7.5)
        canvas.drawString(MARGIN, MARGIN - 2 * mm, self.labels.fill("footer", footer=brand.footer,
                                                                     organisation=brand.organisation))
        # "pagina 3 di " then the total, a form filled in at the end; room is kept for two digits.
        before, _, after = self.labels.fill("page_of", page=doc.page, pages=_TOTAL_MARK).partition(_TOTAL_MARK)
        room = pdfmetrics.stringWidth("00" + after, s.regular, 7.5)
        x = PAGE_WIDTH - MARGIN - room
        canvas.drawRightString(x, MARGIN - 2 * mm, before)
        canvas.saveState()
        canvas.translate(x, MARGIN - 2 * mm)
        canvas.doForm(PAGE_TOTAL_FORM)
        canvas.restoreState()
        if after:
            canvas.drawRightString(PAGE_WIDTH - MARGIN, MARGIN - 2 * mm, after)
        canvas.restoreState()


def _number_form(canvas, name: str, text: str, font: str, size: float, colour, right: bool) -> None:
    canvas.beginForm(name, lowerx=-100, lowery=-20, upperx=100, uppery=50)  # room on both sides of 0,0
    canvas.setFont(font, size)
    canvas.setFillColor(colour)
    (canvas.drawRightString if right else canvas.drawString)(0, 0, text)
    canvas.endForm()
