"""What a section is built from, and the pieces several sections share.

A section is a function of one `SectionContext`: the edition's inputs, the house styles and the
labels, with the few building blocks every section uses (paragraphs, a captioned chart, a
captioned table), so that a section function reads as the list of what it prints.
"""
from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer

from bulletin.document.flowables import ChartForm, Gap, SourceLine, TableText, data_table
from bulletin.document.model import DocumentInputs
from bulletin.document.numbering import Numbering
from bulletin.document.styles import Styles
from bulletin.indicators.compute import Indicators
from bulletin.templates import Texts
from bulletin.text import formatting as fmt
from bulletin.text.citations import resolve
from bulletin.text.markup import Block
from bulletin.text.narrative import Narrative
from bulletin.text.typography import NO_BREAK, last_word_joined, typographic


@dataclass(frozen=True)
class Uncited:
    """A paragraph of the narrative whose citations wait until every table and figure has its
    number: a text may cite one printed after it (the appendix's "Tavola A1"). The PDF and the
    web page each build their sections once, then cite (`SectionContext.cited`)."""

    text: str                           # markup, with the citation marks of `text.citations`
    style: ParagraphStyle | None = None  # the PDF's paragraph style


class SectionContext:
    """The edition being composed, seen from a section: its inputs, with the parts every section
    reads named directly, and the house styles."""

    def __init__(self, inputs: DocumentInputs, styles: Styles):
        self.inputs, self.styles = inputs, styles
        self.labels: Texts = inputs.labels
        self.lang: str = inputs.edition.lang
        self.indicators: Indicators = inputs.indicators
        self.narrative: Narrative = inputs.narrative
        self.numbering = Numbering()

    @property
    def territory_of(self) -> str:
        """The territory as the title qualifies it ("della Valle d'Aosta", "Lombardy's"), with
        no-break spaces: a name is never parted over two lines of a title or a caption."""
        return self.narrative.territory_of.replace(" ", NO_BREAK)

    @property
    def territory_and_national_of(self) -> str:
        """The territory and Italy as a title over both qualifies them ("della Lombardia e
        dell'Italia"), each name kept whole."""
        return self.narrative.territory_and_national_of.replace(" ", NO_BREAK)

    @property
    def data_source(self) -> str:
        """The source under charts and tables (markup): ISTAT's, "(dati provvisori)" when ISTAT
        flagged figures of the quarter provisional."""
        return self.markup("source_provisional" if self.indicators.provisional else "source")

    def label(self, key: str, **values) -> str:
        """The label `key` as plain text, for table headers and tiles (escaped where they are set)."""
        return self.labels.fill(key, **values)

    def markup(self, key: str, **values) -> str:
        """The label `key` as paragraph markup: the label and the values are text, never markup."""
        return self.labels.fill(key, escape=escape, **values)

    def quarter(self, short: bool = False) -> str:
        """The edition's quarter as printed: "I trimestre 2017"."""
        return fmt.quarter_label(self.indicators.quarter, self.lang, short=short)

    def paragraphs(self, texts: list[str], style: ParagraphStyle | None = None) -> list[Uncited]:
        """Paragraphs of the narrative, which is markup already; their tables and figures are
        cited when every section is built (`cited`)."""
        return [Uncited(text, style or self.styles.body) for text in texts]

    def cited(self, flowables: list) -> list[Flowable]:
        """`flowables` with each `Uncited` paragraph made, its tables and figures cited by the
        numbers their captions have now; also inside a group kept together."""
        made = []
        for flowable in flowables:
            if isinstance(flowable, Uncited):
                flowable = Paragraph(self.cite(flowable.text), flowable.style)
            elif isinstance(getattr(flowable, "_content", None), list):
                flowable._content = self.cited(flowable._content)
            made.append(flowable)
        return made

    def cite(self, text: str) -> str:
        """`text` with "{table:products}" as "(Tavola 2)", or without it if the edition has no such table."""
        def citation(kind: str, name: str) -> str | None:
            number = self.numbering.known(kind, name)
            return None if number is None else self.markup(f"cite_{kind}", number=number)
        return resolve(text, citation)

    def caption(self, kind: str, name: str, title: str, continued: bool = False, appendix: bool = False) -> str:
        """"Tavola 2 – <title>" (markup), numbered in print order; `continued` adds "(segue)"; in the
        `appendix`, numbered in the appendix's own series ("Tavola A1")."""
        key = f"caption_{kind}_continued" if continued else f"caption_{kind}"
        number = self.numbering.number(kind, name, self.label("appendix_series") if appendix else "")
        return self.labels.fill(key, escape=escape, number=number, markup={"title": title})

    def blocks(self, blocks: list[Block], compact: bool = False) -> list[Flowable]:
        """Markdown blocks (notes, services, methodology); `compact` sets them small, as notes."""
        s = self.styles
        body, bullet = (s.note, s.note_bullet) if compact else (s.body, s.bullet)
        flowables: list[Flowable] = []
        number = 0
        for block in blocks:
            if block.kind == "heading":
                flowables.append(Paragraph(block.markup, s.h2))
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

    def chart(self, name: str, source: str | None = None) -> list[Flowable]:
        """The chart under its numbered title (the finding) and subtitle (what, where, unit, when),
        both written by the charts stage, with its source (markup; default the label `source`),
        kept on one page; nothing if the edition has no such chart."""
        chart = self.inputs.charts.get(name)
        if chart is None:
            return []
        caption = Paragraph(self.caption("figure", name, typographic(escape(chart.title))), self.styles.caption)
        subtitle = Paragraph(typographic(escape(chart.subtitle)), self.styles.small)
        source = SourceLine(source or self.data_source, self.styles.small)
        return [KeepTogether([caption, subtitle, Spacer(1, 1.5 * mm), ChartForm(chart), Spacer(1, 1.5 * mm), source]),
                Spacer(1, 4 * mm)]

    def table(self, name: str, caption_key: str, table: TableText, source: str | None = None,
              appendix: bool = False, **values) -> list[Flowable]:
        """The table `name` with its numbered caption (`caption_key`, filled with the quarter and
        `values`, its unit; numbered in the `appendix`'s series there) and source (markup; default
        the label `source`); a table does not start at the foot of a page."""
        title = self.table_title(caption_key, **values)
        flowable = data_table(self.styles, self.caption("table", name, title, appendix=appendix),
                              self.caption("table", name, title, continued=True, appendix=appendix), table)
        flowable.kept_with = (Spacer(1, 2 * mm), SourceLine(source or self.data_source, self.styles.small))
        return [CondPageBreak(40 * mm), flowable, *flowable.kept_with, Gap(4 * mm)]

    def table_title(self, caption_key: str, **values) -> str:
        """A table's title (markup): the label `caption_key` with the quarter, the territory and `values`;
        its unit is never parted over two lines ("(milioni di euro)"), nor left alone on the last:
        a unit at the end goes with the word before it ("I trimestre 2017 (milioni di euro)")."""
        unit = values.get("unit")
        if unit:
            values["unit"] = unit.replace(" ", NO_BREAK)
        title = self.markup(caption_key, quarter=self.quarter(), territory_of=self.territory_of,
                            territory_and_national_of=self.territory_and_national_of, **values)
        return last_word_joined(title) if unit and values["unit"] in title.rpartition(" ")[2] else title

    def key_figures(self) -> list[tuple[str, str, str]]:
        """The tiles of the summary (all five) and of the cover (the first four): value, label, note."""
        ind, lang, label = self.indicators, self.lang, self.label
        # Italy's amount is never parted from its unit ("10,2 miliardi di / euro" in a narrow tile).
        national = fmt.money(ind.national_exports.value_eur, lang).replace(" ", NO_BREAK)
        return [
            (fmt.money(ind.exports.value_eur, lang, unit=False), label("tile_exports"), label("tile_eur")),
            (fmt.pct(ind.exports.yoy_pct, lang), label("tile_change"),
             label("tile_change_note", previous=fmt.quarter_label(ind.previous_year_quarter, lang))),
            (fmt.share(ind.exports.share_of_national_pct, lang), label("tile_share"),
             label("tile_share_note", national=national)),
            (fmt.money(ind.trade_eur, lang, unit=False), label("tile_trade"), label("tile_trade_note")),
            (fmt.money(ind.balance_eur, lang, unit=False), label("tile_balance"), label("tile_eur")),
        ]
