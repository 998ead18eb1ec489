"""Compose the bulletin PDF with reportlab: the cover, the contents, then every registered section.

The document is laid out in one pass: the page numbers in the contents and the page total in the
footers are PDF forms, referenced where they are printed and filled in when the last page is
known (`pages`). Charts are placed the same way, as empty forms of the chart's size that `pdfa`
fills with the chart's own PDF page: reportlab never draws the charts, and laying out needs only
their sizes. Which sections are printed, and in what order, is `sections.SECTIONS`.

The sections are built once: the tables and figures are numbered as their captions are made,
and the paragraphs cited when all are built, so that a text can cite a table that comes after it
(`numbering`, `SectionContext.cited`). The text
is printed as typeset (`text.typography`): typographic apostrophes and quotes, while the
metadata and the published data keep the characters as written.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import fields, replace
from pathlib import Path

from bulletin.document.context import SectionContext
from bulletin.document.cover import contents, cover
from bulletin.document.model import DocumentInfo, DocumentInputs
from bulletin.document.pages import BulletinDocument
from bulletin.document.sections import section_flowables
from bulletin.document.styles import Styles, register_fonts
from bulletin.templates import Texts
from bulletin.text import formatting as fmt
from bulletin.text.markup import Block
from bulletin.text.typography import typographic

PDF_LANGUAGES = {"it": "it-IT", "en": "en-GB"}


def compose_pdf(inputs: DocumentInputs, path: Path, built_at: dt.datetime) -> DocumentInfo:
    """Write the bulletin to `path` and return what its metadata say, with the page count.

    `built_at` is not printed: the cover gives the publication date, and `pdfa` dates the file
    (reportlab's own dates are fixed, `invariant`, so that equal inputs give equal bytes).
    """
    info = document_info(inputs)
    printed = typeset(inputs)
    ctx = SectionContext(printed, Styles(inputs.brand, register_fonts(inputs.brand)))
    body = section_flowables(ctx)
    document = BulletinDocument(path, printed, ctx.styles, info)
    document.build(cover(ctx) + contents(ctx, body) + body)
    return replace(info, pages=document.page, structure=document.tagger.root)


def document_info(inputs: DocumentInputs) -> DocumentInfo:
    """Title, subject, author, keywords and language of the PDF, from the labels (page count 0)."""
    lang, labels = inputs.edition.lang, inputs.labels
    place = typographic(inputs.narrative.territory, unbreakable=False)  # as the text names it, not bilingual
    title = labels.fill("title", territory_of=inputs.narrative.territory_of)
    # Typographic apostrophes, as the pages print it: a viewer shows this title in its window.
    return DocumentInfo(title=typographic(f"{title} – {fmt.quarter_label(inputs.edition.quarter, lang)}",
                                          unbreakable=False),
                        subject=typographic(labels.fill("subject", territory=place), unbreakable=False),
                        author=inputs.brand.organisation,
                        keywords=[labels.fill("keyword_hitech"), place, inputs.edition.quarter,
                                  labels.fill("keyword_source")],
                        language=PDF_LANGUAGES[lang], pages=0)


class PrintedTexts(Texts):
    """An edition's labels as printed: typographic apostrophes and quotes in what they give."""

    def __init__(self, texts: Texts):  # the same strings, not read again
        self.name, self.strings = texts.name, texts.strings

    def get(self, key: str) -> str:
        return typographic(super().get(key))

    def fill(self, key: str, **values) -> str:
        return typographic(super().fill(key, **values))


def typeset(inputs: DocumentInputs) -> DocumentInputs:
    """The inputs whose text the document prints, typeset: labels, narrative, notes, methodology.
    Names from the data are typeset where tables set them (`flowables.data_table`)."""
    def blocks(items: list[Block] | None) -> list[Block] | None:
        return None if items is None else [replace(b, markup=typographic(b.markup)) for b in items]

    def text(value):
        """A paragraph or a list of them typeset; names (`province_names`) as they are: the
        tables set them."""
        if isinstance(value, str):
            return typographic(value)
        return [typographic(v) for v in value] if isinstance(value, list) else value

    narrative = replace(inputs.narrative, **{f.name: text(getattr(inputs.narrative, f.name))
                                              for f in fields(inputs.narrative)})
    return replace(inputs, labels=PrintedTexts(inputs.labels), narrative=narrative, notes=blocks(inputs.notes),
                   services_text=blocks(inputs.services_text), methodology=blocks(inputs.methodology))
