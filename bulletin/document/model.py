"""The plain data of the document stage: what it is given and what it reports about the PDF.

Kept apart from the reportlab code so that the pipeline, the PDF/A step and the tests can name
these types without laying out anything.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bulletin import reference
from bulletin.brand import Brand
from bulletin.charts import Chart
from bulletin.indicators.compute import Indicators
from bulletin.release import ReleaseDates
from bulletin.templates import Texts
from bulletin.text.markup import Block
from bulletin.text.narrative import Narrative

if TYPE_CHECKING:  # the tagging module is reportlab code: named here, not imported
    from bulletin.document.tagging import Element


@dataclass(frozen=True)
class Masthead:
    """What identifies one edition on its cover and in its metadata."""

    quarter: str
    territory: str
    lang: str
    number: int
    published: dt.date
    revision: int = 1
    release: ReleaseDates | None = None
    """The colophon's dates (release, data acquired, next release); None prints no dates there."""


@dataclass(frozen=True)
class DocumentInputs:
    """Everything the PDF says, already computed and written: the document stage only lays it out."""

    indicators: Indicators
    narrative: Narrative
    charts: dict[str, Chart]
    labels: Texts
    """The fixed strings of the edition's language, `templates/<lang>/labels.toml`."""
    brand: Brand
    edition: Masthead
    notes: list[Block] | None
    services_text: list[Block]
    methodology: list[Block]

    @property
    def prints_contact(self) -> bool:
        """Whether the cover and colophon give the brand's contact and named person: only in the
        editions of `brand.contact_territories` (a territory within one of them too), or in all
        when it lists none. Another region's edition names only the publisher."""
        covered = self.brand.contact_territories
        code: str | None = self.edition.territory
        while code is not None and code not in covered:
            code = reference.TERRITORIES[code].parent
        return not covered or code is not None


@dataclass(frozen=True)
class DocumentInfo:
    """The PDF's metadata and page count, which the PDF/A step and the archive manifest repeat."""

    title: str
    subject: str
    author: str
    keywords: list[str]
    language: str
    pages: int
    structure: Element | None = None
    """The logical structure recorded while the pages were laid out (`tagging`), for `pdfa`."""
