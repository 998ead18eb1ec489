"""Tagged PDF: the bulletin's logical structure, recorded while reportlab lays out the pages.

reportlab has no tagging of its own. Three hooks give it one, and the sections know nothing of it:
- `TaggedFrame` wraps each flowable its frame draws in a marked-content sequence with an MCID,
  of the role its kind and style give it (`role_of`): headings, paragraphs, list items, figures;
  a rule drawn between blocks is an artifact;
- tables are tagged cell by cell through reportlab's table render callback: a house table's
  caption, its header cells (TH, scope Column), its row names (TH, scope Row) and its figures
  (TD); the contents table as a TOC; the key-figure tiles and the cover's head as paragraphs and
  the logo. Backgrounds and rules, and the caption and header rows a continued table repeats on
  its next page, are artifacts;
- page decorations (running head, footer, page numbers, the cover's shapes) are artifacts
  (`artifact`).
What is recorded, `Element`, is plain data: roles with their kids (elements, marked content on a
page, link annotations) in reading order, the order the pages are drawn. `pdfa` writes it as the
PDF's structure tree.
"""
from __future__ import annotations

import copy

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from xml.sax.saxutils import unescape

from reportlab.graphics.shapes import Drawing
from reportlab.platypus import Flowable, Frame, Image, Paragraph, Spacer, Table
from reportlab.platypus.doctemplate import ActionFlowable
from reportlab.platypus.flowables import HRFlowable

from bulletin.document.flowables import ChartForm

HEADINGS = {"cover_title": "H1", "h1": "H2", "h2": "H3"}
"""Heading roles by paragraph style: the title on the cover, then sections and their parts."""
LIST_STYLES = {"bullet", "note_bullet"}


@dataclass(frozen=True)
class Marked:
    """A marked-content sequence: its page (from 0) and its MCID on that page."""

    page: int
    mcid: int


@dataclass(frozen=True)
class Annotation:
    """A link annotation: its page (from 0) and its place in the page's /Annots."""

    page: int
    index: int


@dataclass
class Element:
    """A structure element: a standard role, its kids in reading order, and what the role needs
    (an alternative text for a Figure, the scope of a TH, the words of a Link)."""

    role: str
    kids: list[Element | Marked | Annotation] = field(default_factory=list)
    alt: str | None = None
    scope: str | None = None
    text: str | None = None

    def add(self, role: str, **attributes) -> Element:
        kid = Element(role, **attributes)
        self.kids.append(kid)
        return kid

    def walk(self) -> Iterator[Element]:
        yield self
        for kid in self.kids:
            if isinstance(kid, Element):
                yield from kid.walk()


def role_of(flowable: Flowable) -> str | None:
    """The role a flowable drawn by a frame takes; None for what draws nothing."""
    if isinstance(flowable, (Spacer, ActionFlowable)):
        return None
    if isinstance(flowable, HRFlowable):
        return "Artifact"
    if isinstance(flowable, Table):
        return "Table"
    if isinstance(flowable, Paragraph):
        name = flowable.style.name
        return HEADINGS.get(name) or ("LI" if name in LIST_STYLES else "P")
    if isinstance(flowable, (Drawing, Image, ChartForm)):
        return "Figure"
    return "P"


class Tagger:
    """The structure of one document as it is drawn: `root`, the Document element.

    `figure_alt` gives the alternative text of a chart by its name; `logo_alt`, of the logo.
    """

    def __init__(self, figure_alt: Mapping[str, str], logo_alt: str):
        self.root = Element("Document")
        self.figure_alt, self.logo_alt = figure_alt, logo_alt
        self._mcids: dict[int, int] = {}
        self._list: Element | None = None       # the list the next bullet joins, if it follows one
        self._tables: dict[int, Element] = {}   # each table's element, by its parts' shared "(segue)" caption

    # --- marked content ---------------------------------------------------------------------

    def mark(self, canvas, element: Element) -> None:
        """Begin a marked-content sequence of `element`'s role, as its next kid."""
        page = canvas.getPageNumber() - 1
        mcid = self._mcids.get(page, 0)
        self._mcids[page] = mcid + 1
        canvas.addLiteral(f"/{element.role} <</MCID {mcid}>> BDC")
        element.kids.append(Marked(page, mcid))

    @staticmethod
    def end(canvas) -> None:
        canvas.addLiteral("EMC")

    @staticmethod
    @contextmanager
    def artifact(canvas) -> Iterator[None]:
        """What is drawn inside is not content: decoration, or repeated for layout."""
        canvas.addLiteral("/Artifact BMC")
        yield
        canvas.addLiteral("EMC")

    def links(self, canvas, element: Element, before: int) -> None:
        """Link elements for the annotations drawn since there were `before` on the page."""
        page = canvas.getPageNumber() - 1
        for index in range(before, len(canvas._annotationrefs)):
            element.add("Link", kids=[Annotation(page, index)], text=self._text_of(element))

    # --- flowables drawn by a frame ---------------------------------------------------------

    def add(self, draw: Callable, flowable: Flowable, canvas, split: int) -> int:
        """Draw `flowable` with the frame's `draw`, tagged; nothing is recorded if it did not fit."""
        role = role_of(flowable)
        if role is None:
            return draw(flowable, canvas, split)
        if role == "Artifact":
            with self.artifact(canvas):
                return draw(flowable, canvas, split)
        code, annotations, mcids = len(canvas._code), len(canvas._annotationrefs), dict(self._mcids)
        if role == "Table":
            element = self._table_element(flowable, canvas)
            done = draw(flowable, canvas, split)
            if done and element is not None:
                self.root.kids.append(element)
        else:
            element = Element("LBody" if role == "LI" else role, alt=self._alt(flowable, role),
                              text=_plain(flowable))
            self.mark(canvas, element)
            done = draw(flowable, canvas, split)
            self.end(canvas)
            if done:
                self.links(canvas, element, annotations)
                self._place(element, role)
        if not done:  # did not fit: nothing drawn, nothing recorded
            del canvas._code[code:]
            self._mcids = mcids
        return done

    def _place(self, element: Element, role: str) -> None:
        if role == "LI":
            if self._list is None or self.root.kids[-1] is not self._list:
                self._list = self.root.add("L")
            self._list.add("LI", kids=[element])
        else:
            self.root.kids.append(element)

    def _alt(self, flowable: Flowable, role: str) -> str | None:
        if role != "Figure":
            return None
        return self.figure_alt[flowable.name] if isinstance(flowable, ChartForm) else self.logo_alt

    # --- tables -----------------------------------------------------------------------------

    def _table_element(self, table: Table, canvas) -> Element | None:
        """Set the table's render callback; return a new element for the document, or None for
        the part of a table continued from an earlier page (it adds rows to that table's element:
        the parts of one table share their "(segue)" caption)."""
        cells = [cell for row in table._cellvalues for cell in row]
        if any(getattr(cell, "form", None) for cell in cells):  # page numbers: the contents
            element = Element("TOC")
            table._renderCB = self._contents_callback(element, canvas)
            return element
        if getattr(table, "continued", None) is None:  # a layout table: tiles, the cover's head
            element = Element("Div")
            table._renderCB = self._layout_callback(element, canvas)
            return element
        earlier = self._tables.get(id(table.continued))
        if table._cellvalues[0][0] is table.continued and earlier is not None and earlier.kids:
            body = earlier.kids[-1] if earlier.kids[-1].role == "TBody" else None
            table._renderCB = self._data_callback(earlier, body, canvas, repeated=2)
            return None
        element = self._tables[id(table.continued)] = Element("Table")
        table._renderCB = self._data_callback(element, None, canvas, repeated=0)
        return element

    def _cell_events(self, canvas, on_cell: Callable) -> Callable:
        """A render callback with backgrounds and rules as artifacts, `on_cell(row, column, value)`
        giving the element a cell's content is marked as (None: an artifact)."""
        state: dict = {}

        def callback(table, event, *args):
            if event in ("startBG", "startLines"):
                canvas.addLiteral("/Artifact BMC")
            elif event in ("endBG", "endLines"):
                canvas.addLiteral("EMC")
            elif event == "startCell":
                row, column, value = args[:3]
                element = on_cell(row, column, value)
                state["cell"], state["annotations"] = element, len(canvas._annotationrefs)
                if element is None:
                    canvas.addLiteral("/Artifact BMC")
                else:
                    element.text = element.text or _plain(value)
                    self.mark(canvas, element)
            elif event == "endCell":
                canvas.addLiteral("EMC")
                if state["cell"] is not None:
                    self.links(canvas, state["cell"], state["annotations"])
        return callback

    def _data_callback(self, table: Element, body: Element | None, canvas, repeated: int) -> Callable:
        """A house table: caption row, header row, then rows whose text cells name them."""
        rows: dict[int, Element] = {}
        parts = {"body": body}

        def on_cell(row: int, column: int, value) -> Element | None:
            if row < repeated:
                return None
            if row == 0:
                return table.add("Caption")
            if row not in rows:
                if row == 1:
                    group = table.add("THead")
                else:
                    if parts["body"] is None:
                        parts["body"] = table.add("TBody")
                    group = parts["body"]
                rows[row] = group.add("TR")
            if row == 1:
                return rows[row].add("TH", scope="Column")
            if column == 0 and _flowables(value):  # the row's name; other names and figures are data
                return rows[row].add("TH", scope="Row")
            return rows[row].add("TD")
        return self._cell_events(canvas, on_cell)

    def _contents_callback(self, toc: Element, canvas) -> Callable:
        """The contents: an entry a row, its linked title and its page number one reference."""
        rows: dict[int, Element] = {}

        def on_cell(row: int, column: int, value) -> Element:
            if row not in rows:
                rows[row] = toc.add("TOCI").add("Reference")
            return rows[row]
        return self._cell_events(canvas, on_cell)

    def _layout_callback(self, div: Element, canvas) -> Callable:
        """A table that only places things side by side: each cell a paragraph, or the logo."""
        def on_cell(row: int, column: int, value) -> Element | None:
            if value is None or value == "":
                return None
            if any(isinstance(flowable, (Drawing, Image)) for flowable in _flowables(value)):
                return div.add("Figure", alt=self.logo_alt)
            return div.add("P")
        return self._cell_events(canvas, on_cell)

    @staticmethod
    def _text_of(element: Element) -> str:
        return element.text or "link"


class TaggedFrame(Frame):
    """A frame that tags what it draws (`Tagger.add`)."""

    def __init__(self, *args, tagger: Tagger, **kwargs):
        super().__init__(*args, **kwargs)
        self.tagger = tagger

    def _add(self, flowable, canv, trySplit=0):
        return self.tagger.add(super()._add, flowable, canv, trySplit)

    add = _add  # reportlab's documents call `add`, an alias made when Frame was defined

    def __deepcopy__(self, memo):
        """A copy sharing the tagger. reportlab copies the frame to measure a KeepTogether's
        content, and draws nothing in the copy: copying the tagger, with everything tagged so
        far, cost more than the rest of the composition."""
        copied = copy.copy(self)
        copied.__dict__ = {key: (value if key == "tagger" else copy.deepcopy(value, memo))
                           for key, value in self.__dict__.items()}
        return copied


def _flowables(value) -> list[Flowable]:
    """The flowables of a table cell: reportlab keeps them in a tuple of its own; a string has none."""
    if isinstance(value, Flowable):
        return [value]
    return [item for item in value if isinstance(item, Flowable)] if isinstance(value, (list, tuple)) else []


def _plain(value) -> str | None:
    """The words of the paragraphs of a flowable or a cell, without markup (the words of a link)."""
    words = [frag.text for flowable in _flowables(value) if isinstance(flowable, Paragraph)
             for frag in flowable.frags if getattr(frag, "text", "")]
    return unescape("".join(words)).strip() or None
