"""Compose the bulletin PDF with reportlab: the cover, the contents, then every registered section.

The document is laid out in one pass: the page numbers in the contents and the page total in the
footers are PDF forms, referenced where they are printed and filled in when the last page is
known (`pages`). Charts are placed the same way, as empty forms of the chart's size that `pdfa`
fills with the chart's own PDF page: reportlab never draws the charts, and laying out needs only
their sizes. Which sections are printed, and in what order, is `sections.SECTIONS`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from bulletin.document.context import SectionContext
from bulletin.document.cover import contents, cover
from bulletin.document.model import DocumentInfo, DocumentInputs
from bulletin.document.pages import BulletinDocument
from bulletin.document.sections import section_flowables
from bulletin.document.styles import Styles, register_fonts
from bulletin.text import formatting as fmt

PDF_LANGUAGES = {"it": "it-IT", "en": "en-GB"}


def compose_pdf(inputs: DocumentInputs, path: Path, built_at: dt.datetime) -> DocumentInfo:
    """Write the bulletin to `path` and return what its metadata say, with the page count.

    `built_at` is not printed: the cover gives the publication date, and `pdfa` dates the file
    (reportlab's own dates are fixed, `invariant`, so that equal inputs give equal bytes).
    """
    ctx = SectionContext(inputs, Styles(inputs.brand, register_fonts(inputs.brand)))
    body = section_flowables(ctx)
    info = document_info(inputs)
    document = BulletinDocument(path, inputs, ctx.styles, info)
    document.build(cover(ctx) + contents(ctx, body) + body)
    return replace(info, pages=document.page)


def document_info(inputs: DocumentInputs) -> DocumentInfo:
    """Title, subject, author, keywords and language of the PDF, from the labels (page count 0)."""
    lang, ind, labels = inputs.edition.lang, inputs.indicators, inputs.labels
    place = ind.territory["name"][lang]
    title = labels.fill("title", territory_of=inputs.narrative.territory_of)
    return DocumentInfo(title=f"{title} – {fmt.quarter_label(inputs.edition.quarter, lang)}",
                        subject=labels.fill("subject", territory=place), author=inputs.brand.organisation,
                        keywords=[labels.fill("keyword_hitech"), place, inputs.edition.quarter,
                                  labels.fill("keyword_source")],
                        language=PDF_LANGUAGES[lang], pages=0)
