"""The document stage: the edition's figures, text and charts laid out as the bulletin PDF.

    compose_pdf(DocumentInputs, path, built_at) -> DocumentInfo    reportlab lays out the pages
    make_archival(draft, pdf, DocumentInfo, ...)                    the charts put in; PDF/A-2b
    edition_tables(indicators, lang, templates) -> {sheet: frame}   the tables behind the figures
    write_tables(tables, folder, built_at)                          as tables.xlsx and CSV files

Modules: `model` (the plain data in and out), `styles` (geometry, fonts, paragraph styles),
`flowables` (the bulletin's own flowables and late-filled forms), `pages` (page templates and
decoration), `context` (what a section is built from), `cover` (cover and contents), `sections`
(the sections and `SECTIONS`, their order), `compose`, `pdfa` and `tables`.
"""
from bulletin.document.compose import compose_pdf
from bulletin.document.context import SectionContext
from bulletin.document.model import DocumentInfo, DocumentInputs, Masthead
from bulletin.document.pdfa import make_archival
from bulletin.document.sections import SECTIONS
from bulletin.document.tables import edition_tables, write_tables

__all__ = ["SECTIONS", "DocumentInfo", "DocumentInputs", "Masthead", "SectionContext", "compose_pdf",
           "edition_tables", "make_archival", "write_tables"]
