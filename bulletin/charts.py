"""The bulletin's charts: vector PDF files drawn from the indicators, sized for the page.

Every number a chart prints is formatted by `formatting`, so it reads exactly as in the text and
the tables, and is listed in `Chart.labels` so tests can check the two agree. Layout is computed
in points from measured text widths (no `bbox_inches="tight"`, no constrained layout): each file
is exactly `Chart.width_mm` x `Chart.height_mm` and nothing is clipped.

Colour is never the only cue: lines differ in style and marker, grouped bars name their series
with direct labels, and the brand's series colours differ in lightness (tested), so the charts
read in grey print and for colour-blind readers; no hatching is needed.

Each chart is a one-page PDF of exactly its size, drawn by matplotlib's PDF backend; the
bulletin places that page as it is (see `archival`), so reportlab never draws the charts. Text is
written as outlines, one path per string, so the chart PDFs hold no fonts and the bulletin embeds
none for them. Output is byte-reproducible: no dates, no producer, two-decimal coordinates.

Each chart's size is computed from its data before it is drawn (`start_charts`), so the document
can be laid out while worker processes draw; the calling process draws what is left when it
asks for the charts (`ChartJob.result`). The work function is top-level and takes plain data
only, so it draws the same bytes under the fork, forkserver and spawn start methods.
"""
from __future__ import annotations

import dataclasses
import gc
import hashlib
import math
import multiprocessing
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("pdf")  # never a GUI backend; figures below are attached to a PDF canvas

# Only what laying the charts out needs (fonts, measured text) is imported here; figures and the
# PDF backend, twice as long to import, when a chart is drawn (see `_Canvas.start`), so that a
# worker process imports them while this one goes on.
from matplotlib import font_manager  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap, to_rgb  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.textpath import text_to_path  # noqa: E402
from matplotlib.transforms import Affine2D, blended_transform_factory, offset_copy  # noqa: E402

from . import reference  # noqa: E402
from .brand import Brand  # noqa: E402
from .faults import die_with_parent  # noqa: E402
from .formatting import millions, number, pct, quarter_label, share  # noqa: E402
from .indicators import Indicators  # noqa: E402

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MM = 72.0 / 25.4          # points per millimetre
WIDTH_MM = 170.0          # the text frame of an A4 page with 20 mm margins
TREND_HEIGHT_MM = 70.0
MIN_HEIGHT_MM, MAX_HEIGHT_MM = 60.0, 120.0
FONT_SIZE = 8.0           # panel titles
SMALL = 7.5               # everything else: the smallest size printed
CHART_NAMES = ("trend", "products", "destinations", "areas", "provinces", "heatmap", "services")
SERIES_COLOURS = ("primary", "secondary", "accent")  # must stay apart in grey: see tests

WORDS = {
    "it": {"exports": "Esportazioni", "imports": "Importazioni", "exports_lc": "esportazioni",
           "imports_lc": "importazioni", "billion": "miliardi di euro", "million": "milioni di euro",
           "thousand": "migliaia di euro", "euro": "euro",
           "share": "% delle esportazioni", "firms": "imprese servite",
           "key": "Quota % di ciascun prodotto sulle esportazioni hi-tech della provincia"},
    "en": {"exports": "Exports", "imports": "Imports", "exports_lc": "exports", "imports_lc": "imports",
           "billion": "€ billion", "million": "€ million", "thousand": "€ thousand", "euro": "€",
           "share": "% of exports", "firms": "firms served",
           "key": "Share % of each product in the province's hi-tech exports"},
}

# Short product names for the heat map's key, where the full CPA names do not fit.
SHORT_PRODUCTS = {
    "21.1": ("Farmaceutici di base", "Basic pharmaceuticals"),
    "21.2": ("Medicinali", "Pharmaceutical preparations"),
    "26.1": ("Componenti elettronici", "Electronic components"),
    "26.2": ("Computer e periferiche", "Computers and peripherals"),
    "26.3": ("Telecomunicazioni", "Communication equipment"),
    "26.4": ("Elettronica di consumo", "Consumer electronics"),
    "26.5": ("Strumenti di misura; orologi", "Measuring instruments; watches"),
    "26.6": ("Elettromedicali", "Electromedical equipment"),
    "26.7": ("Ottica e fotografia", "Optical and photographic"),
    "26.8": ("Supporti magnetici e ottici", "Magnetic and optical media"),
    "30.3": ("Aeromobili e veicoli spaziali", "Aircraft and spacecraft"),
}


@dataclass(frozen=True)
class Chart:
    name: str            # "trend", "products", "destinations", "areas", "provinces", "heatmap", "services"
    path: Path           # the PDF file written: one page, width_mm x height_mm
    width_mm: float
    height_mm: float
    labels: list[str]    # every number label printed on the chart, as printed (for consistency tests)


def render_charts(indicators: Indicators, brand: Brand, lang: str, out_dir: Path, workers: int = 2,
                  *, png_dir: Path | None = None) -> dict[str, Chart]:
    """Draw every chart the indicators have data for into `out_dir/<name>.pdf`.

    A chart without data is skipped (no entry, no file). `labels` lists the data labels first
    (values, changes, shares, last values), then the axis tick labels. `png_dir`, if given, also
    receives a 100 dpi PNG of each chart for a person to look at.
    """
    with start_charts(indicators, brand, lang, out_dir, workers, png_dir=png_dir) as job:
        return job.result()


def start_charts(indicators: Indicators, brand: Brand, lang: str, out_dir: Path, workers: int = 2,
                 *, png_dir: Path | None = None) -> ChartJob:
    """Start drawing the charts, as `render_charts` does, and return at once with their sizes.

    `workers` counts the processes that draw, this one included. With more than one, the others
    start drawing at once while the caller goes on (the document needs only the sizes,
    `ChartJob.planned`), and this process draws its share when it asks for `result()`.
    With one, the charts are drawn before this returns. Use the job as a context manager:
    leaving it stops the workers.
    """
    if lang not in WORDS:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(WORDS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    if png_dir is not None:
        png_dir.mkdir(parents=True, exist_ok=True)
    style = {"colours": dict(brand.colours), "scale": list(brand.scale),
             "fonts": [str(brand.fonts[s]) for s in sorted(brand.fonts)], "regular": str(brand.fonts["regular"])}
    specs = _specs(indicators, lang)
    for name in set(CHART_NAMES) - {name for name, _ in specs}:  # not left over from an earlier run
        (out_dir / f"{name}.pdf").unlink(missing_ok=True)
    # Longest first: the workers take charts from the front of the list, this process from the back.
    tasks = sorted([(name, spec, style, lang, str(out_dir / f"{name}.pdf"),
                     None if png_dir is None else str(png_dir / f"{name}.png")) for name, spec in specs],
                   key=lambda task: -_COST.get(task[0], 1))
    job = ChartJob(tasks, min(workers, len(tasks)) - 1)
    # The sizes, from the layout code the drawing uses, while the workers start.
    job.planned = {name: Chart(name=name, path=out_dir / f"{name}.pdf", width_mm=WIDTH_MM,
                               height_mm=_height(spec, style, lang) / MM, labels=[])
                   for name, spec in specs}
    return job


class ChartJob:
    """Charts being drawn. `planned`: every chart that will be drawn, with its file and size but
    no labels yet; `result()`: the drawn charts.

    The charts are shared out as they are drawn: each process takes the next one left, the
    workers from the front of the list (the longest first), this process from the back when it
    gets to `result()`. So none waits while there is a chart to draw, whenever `result()` comes.
    """

    planned: dict[str, Chart]

    def __init__(self, tasks: list[tuple], workers: int):
        self._tasks, self._results, self._futures, self._pool, self._claims = tasks, [], [], None, None
        if workers <= 0:
            self._results = [_render_task(task) for task in tasks]
            return
        context = _pool_context()
        self._claims = context.Array("i", [0, len(tasks)])  # the next from the front; the end from the back
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker,
                                         initargs=(self._claims, tasks))
        self._futures = [self._pool.submit(_draw_from_front) for _ in range(workers)]

    def result(self) -> dict[str, Chart]:
        try:
            while (index := _claim(self._claims, front=False)) is not None:
                self._results.append(_render_task(self._tasks[index]))
            for future in self._futures:
                self._results += future.result()
        finally:
            self.close()
        charts = {}
        for name, path, height_mm, labels in self._results:
            if height_mm != self.planned[name].height_mm:  # the document was laid out with the planned size
                raise RuntimeError(f"chart {name!r} drawn {height_mm} mm high, planned {self.planned[name].height_mm}")
            charts[name] = dataclasses.replace(self.planned[name], labels=labels)
        return {name: charts[name] for name in CHART_NAMES if name in charts}

    def close(self) -> None:
        """Stop: charts not started are left undrawn, those being drawn are waited for."""
        if self._pool is not None:
            with self._claims.get_lock():
                self._claims[0] = self._claims[1]
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ChartJob:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _claim(claims, front: bool) -> int | None:
    """The index of the next chart nobody has taken, from the front or the back; None when done."""
    if claims is None:
        return None
    with claims.get_lock():
        first, end = claims[0], claims[1]
        if first >= end:
            return None
        if front:
            claims[0] = first + 1
            return first
        claims[1] = end - 1
        return end - 1


_WORKER: dict = {}


def _start_worker(claims, tasks: list[tuple]) -> None:
    die_with_parent()  # a killed build leaves no worker waiting for charts forever
    _WORKER.update(claims=claims, tasks=tasks)


def _draw_from_front() -> list[tuple]:
    results = []
    while (index := _claim(_WORKER["claims"], front=True)) is not None:
        results.append(_render_task(_WORKER["tasks"][index]))
    return results


def _pool_context():
    """Fork where it is safe (Linux, one thread): workers start in milliseconds with matplotlib
    already imported (they import its figures and PDF backend themselves). Elsewhere the
    platform's default (spawn, forkserver) re-imports it all, which costs about a second but
    draws the same bytes."""
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


_COST = {"heatmap": 3, "products": 2, "trend": 2, "provinces": 2, "destinations": 2}


# ---------------------------------------------------------------------------------------------
# From the indicators to plain data: picklable, in the edition's language, numbers formatted
# ---------------------------------------------------------------------------------------------

def _change(value: float | None, lang: str) -> tuple[str, str]:
    """A change label and its colour; the sign, not the colour, carries the meaning."""
    text = pct(value, lang)
    colour = "positive" if text.startswith("+") else "negative" if text.startswith("-") else "muted"
    return text, colour


def _bar_unit(largest_eur: float) -> tuple[float, str]:
    """Bars are in millions, as in the tables, unless the largest is below a million."""
    if largest_eur >= 1e6 * 0.9995:
        return 1e6, "million"
    return (1e3, "thousand") if largest_eur >= 1e3 * 0.9995 else (1.0, "euro")


def _amount(value_eur: float, unit: tuple[float, str], lang: str) -> str:
    if unit[0] == 1e6:
        return millions(value_eur, lang)  # exactly the tables' figure
    return number(value_eur / unit[0], lang, 1 if unit[0] > 1 else 0)


def _specs(ind: Indicators, lang: str) -> list[tuple[str, dict]]:
    words = WORDS[lang]
    specs: list[tuple[str, dict]] = []
    if ind.trend:
        panels = [{"title": ind.territory["name"][lang], "exports_colour": "primary",
                   "exports": [p.exports_eur for p in ind.trend], "imports": [p.imports_eur for p in ind.trend]}]
        national = {"exports": [p.national_exports_eur for p in ind.trend],
                    "imports": [p.national_imports_eur for p in ind.trend]}
        if ind.territory["code"] != reference.NATIONAL and any(national["exports"] + national["imports"]):
            panels.append({"title": reference.TERRITORIES[reference.NATIONAL].name(lang),
                           "exports_colour": "secondary", **national})
        if any(v for panel in panels for v in panel["exports"] + panel["imports"]):
            specs.append(("trend", {"kind": "trend", "quarters": [p.quarter for p in ind.trend], "panels": panels}))

    def value_and_change(items: list, unit: tuple) -> list[dict]:
        return [{"label": item.name[lang], "bars": [{
            "value": item.value_eur / unit[0], "colour": "primary",
            "pieces": [(_amount(item.value_eur, unit, lang), "text"), _change(item.yoy_pct, lang)]}]}
            for item in items]

    if any(p.value_eur for p in ind.products):
        unit = _bar_unit(max(p.value_eur for p in ind.products))
        specs.append(("products", {"kind": "bars", "rows": value_and_change(ind.products, unit),
                                   "axis": words[unit[1]], "wrap_pt": 165.0}))
    top = ind.destinations[:15]
    if any(d.value_eur for d in top):
        unit = _bar_unit(max(d.value_eur for d in top))
        specs.append(("destinations", {"kind": "bars", "rows": value_and_change(top, unit),
                                       "axis": words[unit[1]], "wrap_pt": 150.0}))
    if any(a.value_eur for a in ind.areas):
        rows = [{"label": a.name[lang], "bars": [{"value": a.share_pct or 0.0, "colour": "primary",
                                                  "pieces": [(share(a.share_pct, lang), "text")]}]}
                for a in ind.areas]
        specs.append(("areas", {"kind": "bars", "rows": rows, "axis": words["share"], "wrap_pt": 165.0}))
    provinces = sorted(ind.provinces, key=lambda p: (-p.exports_eur, p.code))
    if any(p.exports_eur or p.imports_eur for p in provinces):
        unit = _bar_unit(max(max(p.exports_eur, p.imports_eur) for p in provinces))
        rows = [{"label": p.name[lang], "bars": [
            {"value": p.exports_eur / unit[0], "colour": "primary",
             "pieces": [(_amount(p.exports_eur, unit, lang), "text"), _change(p.exports_yoy_pct, lang)]},
            {"value": p.imports_eur / unit[0], "colour": "accent",
             "pieces": [(_amount(p.imports_eur, unit, lang), "text")]},
        ]} for p in provinces]
        specs.append(("provinces", {"kind": "bars", "rows": rows, "axis": words[unit[1]], "wrap_pt": 150.0,
                                    "tags": [words["exports_lc"], words["imports_lc"]]}))
    if ind.territory.get("level") == "region" and any(p.exports_eur for p in provinces):
        codes = list(reference.PRODUCTS)
        matrix = []
        for p in provinces:
            total = sum(p.export_products_eur.values())
            matrix.append([p.export_products_eur.get(c, 0.0) / total * 100.0 if total > 0 else None for c in codes])
        key = [(c, SHORT_PRODUCTS[c][0 if lang == "it" else 1] if c in SHORT_PRODUCTS
                else reference.PRODUCTS[c].name(lang)) for c in codes]
        specs.append(("heatmap", {"kind": "heatmap", "rows": [p.name[lang] for p in provinces], "columns": codes,
                                  "matrix": matrix, "key": key, "key_title": words["key"]}))
    if ind.services:
        rows = []
        for s in sorted(ind.services, key=lambda s: (-s.firms, s.provider, s.service)):
            before = pct(None, lang) if s.firms_previous is None else number(s.firms_previous, lang)
            rows.append({"label": f"{s.service} ({s.provider})", "bars": [
                {"value": float(s.firms), "colour": "primary",
                 "pieces": [(number(s.firms, lang), "text"), _change(s.firms_yoy_pct, lang)]},
                {"value": float(s.firms_previous or 0), "colour": "secondary", "pieces": [(before, "text")]},
            ]})
        specs.append(("services", {"kind": "bars", "rows": rows, "axis": words["firms"], "wrap_pt": 165.0,
                                   "tags": [quarter_label(ind.quarter, lang, short=True),
                                            quarter_label(ind.previous_year_quarter, lang, short=True)]}))
    return specs


# ---------------------------------------------------------------------------------------------
# Drawing: runs in worker processes; plain data in, (name, file, height, labels) out
# ---------------------------------------------------------------------------------------------

def _render_task(task: tuple) -> tuple[str, str, float, list[str]]:
    name, spec, style, lang, pdf_path, png_path = task
    family = _register_fonts(tuple(style["fonts"]), style["regular"])
    # A figure is thousands of small objects; with pandas loaded, the cyclic garbage collector
    # walking the whole heap meanwhile cost a third of the drawing time. It runs again after.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with matplotlib.rc_context(_rc(style, family)):
            draw = {"trend": _draw_trend, "bars": _draw_bars, "heatmap": _draw_heatmap}[spec["kind"]]
            canvas = draw(spec, _Canvas(style, family, lang))
            canvas.save(pdf_path, png_path)
    finally:
        if collecting:
            gc.enable()
    return name, pdf_path, canvas.height / MM, canvas.labels


def _height(spec: dict, style: dict, lang: str) -> float:
    """The height in points the chart will be drawn at, computed as the drawing computes it."""
    family = _register_fonts(tuple(style["fonts"]), style["regular"])
    with matplotlib.rc_context(_rc(style, family)):
        c = _Canvas(style, family, lang)
        if spec["kind"] == "trend":
            return TREND_HEIGHT_MM * MM
        if spec["kind"] == "bars":
            return _bars_frame(spec, c)[1]
        return _heatmap_frame(spec, c)[1]


@lru_cache(maxsize=None)
def _register_fonts(paths: tuple[str, ...], regular: str) -> str:
    """Make the brand's TTF files known to matplotlib (once per process); return a family naming them.

    The family gets a name of its own: under its real name ("Open Sans") matplotlib could pick
    a system copy of the font, which may differ from the brand's file and from machine to machine.
    """
    family = "BulletinBrand" + hashlib.sha256("\n".join(paths).encode("utf-8")).hexdigest()[:12]
    for path in paths:
        entry = font_manager.ttfFontProperty(font_manager.get_font(path))
        font_manager.fontManager.ttflist.append(dataclasses.replace(entry, name=family))
    return family


def _rc(style: dict, family: str) -> dict:
    colours = style["colours"]
    return {"font.family": [family], "font.size": SMALL,
            "text.color": colours["text"], "axes.unicode_minus": False, "path.simplify": True,
            "grid.color": colours["rule"], "grid.linewidth": 0.5, "grid.linestyle": "-",
            "axes.edgecolor": colours["muted"], "axes.linewidth": 0.6,
            "xtick.color": colours["muted"], "ytick.color": colours["muted"],
            "xtick.labelcolor": colours["text"], "ytick.labelcolor": colours["text"],
            "xtick.labelsize": SMALL, "ytick.labelsize": SMALL, "xtick.major.size": 0, "ytick.major.size": 0,
            "xtick.major.pad": 3, "ytick.major.pad": 3}


@lru_cache(maxsize=8192)
def _text_width(family: str, text: str, size: float, weight: str, style: str) -> float:
    prop = FontProperties(family=family, size=size, weight=weight, style=style)
    return max(_metrics(prop, line, False)[0] for line in text.split("\n"))


@lru_cache(maxsize=8192)
def _metrics(prop: FontProperties, text: str, ismath) -> tuple[float, float, float]:
    """Width, height and descent of one line of text, unhinted: the layout above and matplotlib's
    own placing of the text (see `chart_canvas`) measure with this, each string once."""
    return text_to_path.get_text_width_height_descent(text, prop, ismath=ismath)


@lru_cache(maxsize=4096)
def _outline(prop: FontProperties, text: str, ismath) -> tuple:
    """A string's outline at the reference size: many labels ("12", "n.d.") repeat."""
    return text_to_path.get_text_path(prop, text, ismath=ismath)


class _Canvas:
    """Helpers shared by the charts: sizes in points, measured text, brand colours."""

    def __init__(self, style: dict, family: str, lang: str):
        self.colours, self.scale, self.family, self.lang = style["colours"], style["scale"], family, lang
        self.width = WIDTH_MM * MM
        self.height = 0.0
        self.fig: Figure | None = None
        self.labels: list[str] = []

    def start(self, height_pt: float) -> Figure:
        from matplotlib.figure import Figure

        from .chart_canvas import OutlineFigureCanvas

        self.height = height_pt
        self.fig = Figure(figsize=(self.width / 72.0, height_pt / 72.0), dpi=72)
        OutlineFigureCanvas(self.fig)
        self.fig.patch.set_visible(False)
        # Points from the lower left corner, whatever the dpi (the PNG preview uses 100).
        self.points = Affine2D().scale(1 / 72.0) + self.fig.dpi_scale_trans
        return self.fig

    def colour(self, name: str) -> str:
        return self.colours.get(name, name)

    def width_of(self, text: str, size: float = SMALL, weight: str = "normal", style: str = "normal") -> float:
        return _text_width(self.family, text, size, weight, style)

    def wrap(self, text: str, max_pt: float) -> str:
        """Greedy word wrap on measured widths (a single word longer than a line stays whole)."""
        lines: list[str] = []
        for word in text.split():
            if lines and self.width_of(f"{lines[-1]} {word}") <= max_pt:
                lines[-1] = f"{lines[-1]} {word}"
            else:
                lines.append(word)
        return "\n".join(lines)

    def axes(self, left: float, bottom: float, width: float, height: float):
        ax = self.fig.add_axes((left / self.width, bottom / self.height, width / self.width, height / self.height))
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_axisbelow(True)
        ax.patch.set_visible(False)
        return ax

    def text(self, x: float, y: float, text: str, colour: str = "text", size: float = SMALL, **kw):
        """Text at (x, y) points from the figure's lower left corner."""
        return self.fig.text(x, y, text, transform=self.points, fontsize=size, color=self.colour(colour), **kw)

    def save(self, pdf_path: str, png_path: str | None) -> None:
        self.fig.savefig(pdf_path, format="pdf")
        if png_path:
            self.fig.savefig(png_path, format="png", dpi=100, facecolor="white")


def _nice_ticks(low: float, high: float, bins: int = 5) -> list[float]:
    from matplotlib.ticker import MaxNLocator

    if high <= low:
        high = low + 1.0
    return [float(t) for t in MaxNLocator(nbins=bins, steps=[1, 2, 5, 10]).tick_values(low, high)]


def _decimals(ticks: list[float]) -> int:
    step = min((b - a for a, b in zip(ticks, ticks[1:])), default=1.0)
    return 0 if step >= 1 or step <= 0 else min(6, -math.floor(math.log10(step) + 1e-9))


def _clamp_height(content_pt: float) -> float:
    return min(max(content_pt, MIN_HEIGHT_MM * MM), MAX_HEIGHT_MM * MM)


# --- trend: two panels, each with its own scale ----------------------------------------------------

def _line_unit(largest_eur: float) -> tuple[float, str]:
    for divisor, word in ((1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
        if largest_eur >= divisor * 0.9995:
            return divisor, word
    return 1.0, "euro"


def _scaled(value: float, divisor: float, lang: str) -> str:
    """The digits `formatting.money` prints: billions with one decimal, millions with 0 or 1."""
    scaled = value / divisor
    return number(scaled, lang, 0 if divisor == 1 else 1 if divisor >= 1e9 or abs(scaled) < 100 else 0)


def _draw_trend(spec: dict, c: _Canvas) -> _Canvas:
    from matplotlib.lines import Line2D

    words = WORDS[c.lang]
    quarters = spec["quarters"]
    # x is the quarter's index from the first, so a quarter missing from the data leaves a gap.
    xs = [_quarter_index(q) - _quarter_index(quarters[0]) for q in quarters]
    n = xs[-1] + 1
    fig = c.start(TREND_HEIGHT_MM * MM)
    header, bottom, gap = 28.0, 24.0, 16.0
    series = (("exports", "-", "o"), ("imports", (0, (3.5, 1.8)), "s"))  # line style and marker
    panels = []
    for panel in spec["panels"]:
        values = panel["exports"] + panel["imports"]
        divisor, unit = _line_unit(max(values))
        ticks = _nice_ticks(min(values) / divisor, max(values) / divisor)
        tick_labels = [number(t, c.lang, _decimals(ticks)) for t in ticks]
        ends = [_scaled(panel[key][-1], divisor, c.lang) for key, _, _ in series]
        left = max(c.width_of(t) for t in tick_labels) + 5.0
        right = max(c.width_of(t) for t in ends) + 8.0
        panels.append((panel, divisor, unit, ticks, tick_labels, ends, left, right))
    axes_width = (c.width - sum(p[-2] + p[-1] for p in panels) - gap * (len(panels) - 1)) / len(panels)
    axes_height = c.height - header - bottom
    top = bottom + axes_height
    parts = [quarter_label(q, c.lang, short=True).split() for q in quarters]  # ["I", "trim.", "2017"]
    x = 0.0
    for panel, divisor, unit, ticks, tick_labels, ends, left, right in panels:
        x += left
        ax = c.axes(x, bottom, axes_width, axes_height)
        colours = [c.colour(panel["exports_colour"]), c.colour("accent")]
        for (key, line, marker), colour in zip(series, colours):
            ax.plot(*_with_gaps(xs, [v / divisor for v in panel[key]]), color=colour, linestyle=line, linewidth=1.4,
                    marker=marker, markersize=3.4, markeredgewidth=0, clip_on=False)
        ax.set_xlim(-0.5, n - 0.5)
        ax.set_ylim(ticks[0], ticks[-1])
        ax.set_yticks(ticks, tick_labels)
        ax.set_xticks([])
        ax.grid(axis="y")
        # Quarters under the axis, each year once below its quarters, a thin rule between years.
        below = blended_transform_factory(ax.transData, ax.transAxes)
        years: dict[str, list[int]] = {}
        for i, label in zip(xs, parts):
            ax.text(i, 0, label[0], transform=offset_copy(below, fig, y=-4, units="points"),
                    ha="center", va="top")
            years.setdefault(label[-1], []).append(i)
        for year, idx in years.items():
            ax.text((idx[0] + idx[-1]) / 2, 0, year, transform=offset_copy(below, fig, y=-14, units="points"),
                    ha="center", va="top", color=c.colour("muted"))
            boundary = _quarter_index(f"{year}Q1") - _quarter_index(quarters[0]) - 0.5
            if boundary > 0:
                ax.axvline(boundary, color=c.colour("rule"), linewidth=0.5, zorder=0)
        # The last values at the ends of the lines, pushed apart if they would touch.
        span = ticks[-1] - ticks[0]
        ys = [(panel[key][-1] / divisor - ticks[0]) / span * axes_height for key, _, _ in series]
        for (key, _, _), label, dy in zip(series, ends, _separate(ys, SMALL * 1.3)):
            ax.text(n - 1, panel[key][-1] / divisor, label, va="center", ha="left",
                    transform=offset_copy(ax.transData, fig, x=axes_width / n / 2 + 4.0, y=dy, units="points"))
        c.labels += ends + tick_labels
        # Header: territory in bold and the unit; below it a legend drawn by hand (line, marker, name).
        c.text(x, top + header - 9.0, panel["title"], size=FONT_SIZE, weight="bold", va="baseline")
        c.text(x + c.width_of(panel["title"], FONT_SIZE, "bold") + 5.0, top + header - 9.0, words[unit],
               colour="muted", va="baseline")
        lx, ly = x, top + 8.5
        for (key, line, marker), colour in zip(series, colours):
            fig.add_artist(Line2D([lx, lx + 20.0], [ly, ly], transform=c.points, color=colour, linestyle=line,
                                  linewidth=1.4))
            fig.add_artist(Line2D([lx + 10.0], [ly], transform=c.points, color=colour, marker=marker,
                                  markersize=3.4, markeredgewidth=0, linestyle="none"))
            c.text(lx + 24.0, ly, words[key], va="center_baseline")
            lx += 24.0 + c.width_of(words[key]) + 14.0
        x += axes_width + right + gap
    return c


def _quarter_index(quarter: str) -> int:
    return int(quarter[:4]) * 4 + int(quarter[-1]) - 1


def _with_gaps(xs: list[int], ys: list[float]) -> tuple[list[float], list[float]]:
    """Points with a NaN between quarters that are not consecutive, so the line breaks there."""
    out_x, out_y = [], []
    for i, (x, y) in enumerate(zip(xs, ys)):
        if i and x - xs[i - 1] > 1:
            out_x.append(x - 0.5)
            out_y.append(float("nan"))
        out_x.append(float(x))
        out_y.append(y)
    return out_x, out_y


def _separate(ys: list[float], min_gap: float) -> list[float]:
    """Vertical offsets (points) that keep two labels at heights `ys` at least `min_gap` apart."""
    if len(ys) != 2 or abs(ys[0] - ys[1]) >= min_gap:
        return [0.0] * len(ys)
    push = (min_gap - abs(ys[0] - ys[1])) / 2
    return [push, -push] if ys[0] >= ys[1] else [-push, push]


# --- ranked horizontal bars, single or grouped ---------------------------------------------------

def _bars_frame(spec: dict, c: _Canvas) -> tuple[list[str], float]:
    """The row names as wrapped, and the chart's height: the rows' pitch fits the longest name."""
    rows = spec["rows"]
    k = len(rows[0]["bars"])
    names = [c.wrap(row["label"], spec["wrap_pt"]) for row in rows]
    lines = max(name.count("\n") + 1 for name in names)
    pitch = max(k * _bar_pt(k) + 5.0, lines * SMALL * 1.2 + 4.0)
    return names, _clamp_height(BARS_BOTTOM + BARS_TOP + pitch * len(rows))


def _bar_pt(bars_per_row: int) -> float:
    return 9.0 if bars_per_row == 1 else 7.5


BARS_BOTTOM, BARS_TOP = 24.0, 3.0


def _draw_bars(spec: dict, c: _Canvas) -> _Canvas:
    from matplotlib.patches import Rectangle

    rows, tags = spec["rows"], spec.get("tags")
    k = len(rows[0]["bars"])
    bar_pt = _bar_pt(k)
    names, height = _bars_frame(spec, c)
    bottom, top = BARS_BOTTOM, BARS_TOP
    fig = c.start(height)
    left = max(c.width_of(name) for name in names) + 6.0
    axes_width, axes_height = c.width - left - 1.0, c.height - bottom - top
    pitch = axes_height / len(rows)
    ax = c.axes(left, bottom, axes_width, axes_height)
    # The text after each bar has a known width, so the x range can leave room for the longest.
    pad, space = 3.0, 3.5
    placed, xmax = [], 0.0
    for r, row in enumerate(rows):
        for b, bar in enumerate(row["bars"]):
            pieces = [(text, colour, "normal") for text, colour in bar["pieces"]]
            if tags and r == 0:
                pieces.append((tags[b], "muted", "italic"))
            widths = [c.width_of(text, style=style) for text, _, style in pieces]
            room = axes_width - pad - sum(widths) - space * (len(widths) - 1) - 1.0
            xmax = max(xmax, max(bar["value"], 0.0) * axes_width / max(room, 1.0))
            placed.append((r, b, bar, pieces, widths))
    largest = max(max(bar["value"] for row in rows for bar in row["bars"]), 0.0)
    xmax = max(xmax, largest, 1e-9)
    ticks = [t for t in _nice_ticks(0.0, largest or 1.0) if t <= xmax * (1 + 1e-9)]
    tick_labels = [number(t, c.lang, _decimals(ticks)) for t in ticks]
    ax.set_xlim(0, xmax)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xticks(ticks, tick_labels)
    ax.set_yticks([])
    ax.grid(axis="x")
    ax.spines["bottom"].set_visible(False)
    ax.set_xlabel(spec["axis"], color=c.colour("muted"), labelpad=4, loc="right")
    names_at = offset_copy(blended_transform_factory(ax.transAxes, ax.transData), fig, x=-6.0, units="points")
    for r, name in enumerate(names):
        ax.text(0, r, name, transform=names_at, ha="right", va="center", multialignment="right")
    bar_h = bar_pt / pitch
    for r, b, bar, pieces, widths in placed:
        y = r + (b - (k - 1) / 2) * bar_h
        ax.add_artist(Rectangle((0, y - bar_h * 0.46), max(bar["value"], 0.0), bar_h * 0.92,
                                facecolor=c.colour(bar["colour"]), linewidth=0, clip_on=False))
        offset = pad
        for (text, colour, style), width in zip(pieces, widths):
            ax.text(max(bar["value"], 0.0), y, text, ha="left", va="center_baseline", color=c.colour(colour),
                    style=style, transform=offset_copy(ax.transData, fig, x=offset, units="points"))
            if style != "italic":
                c.labels.append(text)
            offset += width + space
    c.labels += tick_labels
    return c


# --- heat map: each province's export composition by product --------------------------------------

def luminance(colour) -> float:
    """Relative luminance (WCAG): 0.2126 R + 0.7152 G + 0.0722 B on linearised sRGB."""
    def linear(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(v) for v in to_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: float, b: float) -> float:
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def _heatmap_frame(spec: dict, c: _Canvas) -> tuple[dict, float]:
    """The key's layout (as many columns of "code name" as fit) and the chart's height."""
    rows, key = spec["rows"], spec["key"]
    line = SMALL * 1.3
    code_w = max(c.width_of(code, weight="bold") for code, _ in key) + 4.0
    entry_w = code_w + max(c.width_of(name) for _, name in key) + 12.0
    key_cols = max(1, min(len(key), int(c.width // entry_w)))
    key_rows = math.ceil(len(key) / key_cols)
    key_height = line * (key_rows + 1)
    layout = {"line": line, "code_w": code_w, "entry_w": entry_w, "key_cols": key_cols, "key_rows": key_rows,
              "key_height": key_height}
    return layout, _clamp_height(key_height + HEAT_GAP + HEAT_CELL * len(rows) + HEAT_HEADER)


HEAT_CELL, HEAT_HEADER, HEAT_GAP = 14.5, 13.0, 9.0


def _draw_heatmap(spec: dict, c: _Canvas) -> _Canvas:
    from matplotlib.patches import Rectangle

    rows, columns, matrix, key = spec["rows"], spec["columns"], spec["matrix"], spec["key"]
    layout, height = _heatmap_frame(spec, c)
    line, code_w, entry_w = layout["line"], layout["code_w"], layout["entry_w"]
    key_cols, key_rows, key_height = layout["key_cols"], layout["key_rows"], layout["key_height"]
    header, gap = HEAT_HEADER, HEAT_GAP
    fig = c.start(height)
    left = max(c.width_of(r) for r in rows) + 6.0
    bottom = key_height + gap
    axes_height = c.height - bottom - header
    ax = c.axes(left, bottom, c.width - left - 1.0, axes_height)
    ax.set_axis_off()
    ax.set_xlim(0, len(columns))
    ax.set_ylim(len(rows), 0)
    values = [v for row in matrix for v in row if v is not None]
    vmax = max(10.0, math.ceil(max(values, default=10.0) / 10.0) * 10.0)
    cmap = LinearSegmentedColormap.from_list("brand", c.scale)
    text_luminance = luminance(c.colour("text"))
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            fill = cmap(0.0 if value is None else min(value / vmax, 1.0))[:3]
            ax.add_artist(Rectangle((j, i), 1, 1, facecolor=fill, edgecolor="white", linewidth=1.0, clip_on=False))
            # The unit is in the key's title: a "%" in every cell would double the text to draw.
            label = share(None, c.lang) if value is None else number(value, c.lang, 0)
            lum = luminance(fill)
            ink = "#FFFFFF" if _contrast(1.0, lum) > _contrast(text_luminance, lum) else c.colour("text")
            ax.text(j + 0.5, i + 0.5, label, ha="center", va="center_baseline", color=ink)
            c.labels.append(label)
    for j, code in enumerate(columns):
        ax.text(j + 0.5, 0, code, ha="center", va="baseline", weight="bold",
                transform=offset_copy(ax.transData, fig, y=4.0, units="points"))
    for i, name in enumerate(rows):
        ax.text(0, i + 0.5, name, ha="right", va="center_baseline",
                transform=offset_copy(ax.transData, fig, x=-5.0, units="points"))
    # The key: its title, then "code short name" in as many columns as fit.
    x0 = left if left + key_cols * entry_w <= c.width else 0.0
    y = key_height - line + 2.0
    c.text(x0, y, spec["key_title"], colour="muted", va="baseline", style="italic")
    for n, (code, name) in enumerate(key):
        col, row = divmod(n, key_rows)
        c.text(x0 + col * entry_w, y - line * (row + 1), code, va="baseline", weight="bold")
        c.text(x0 + col * entry_w + code_w, y - line * (row + 1), name, va="baseline")
    return c
