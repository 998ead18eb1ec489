"""The bulletin's charts: what each shows, made into plain data, and the processes that draw them.

Every number a chart prints is formatted by `formatting`, so it reads exactly as in the text and
the tables, and is listed in `Chart.labels` so tests can check the two agree. Layout is computed
in points from measured text widths (no `bbox_inches="tight"`, no constrained layout): each file
is exactly `Chart.width_mm` x `Chart.height_mm` and nothing is clipped.

Colour is never the only cue: lines differ in style and marker, grouped bars name their series
with direct labels, and the brand's series colours differ in lightness (tested), so the charts
read in grey print and for colour-blind readers; no hatching is needed.

Each chart is a one-page PDF of exactly its size, drawn by matplotlib's PDF backend
(`chart_drawing`); the bulletin places that page as it is (see `archival`), so reportlab never
draws the charts. Text is written as outlines, one path per string, so the chart PDFs hold no
fonts and the bulletin embeds none for them. Output is byte-reproducible: no dates, no
producer, two-decimal coordinates.

This module does not import matplotlib. A `ChartDrawer` is started before the data are read:
its process imports matplotlib and warms its caches on the other core meanwhile, then measures
the charts (their sizes are all the layout needs) and draws them while this process lays out the
document. What crosses between the processes is plain data, so the same bytes are drawn under
the fork, forkserver and spawn start methods, and in this process when there is no drawer.
"""
from __future__ import annotations

import dataclasses
import multiprocessing
import os
import pickle
import sys
import threading
from concurrent.futures import Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bulletin import reference
from bulletin.brand import Brand
from bulletin.faults import die_with_parent, resume_garbage_collector
from bulletin.text.formatting import millions, number, pct, quarter_label, share

if TYPE_CHECKING:
    from bulletin.indicators.compute import Indicators

MM = 72.0 / 25.4          # points per millimetre
WIDTH_MM = 170.0          # the text frame of an A4 page with 20 mm margins
TREND_HEIGHT_MM = 70.0
MIN_HEIGHT_MM, MAX_HEIGHT_MM = 60.0, 120.0
FONT_SIZE = 8.0           # panel titles
SMALL = 7.5               # everything else: the smallest size printed
CHART_NAMES = ("trend", "products", "destinations", "areas", "provinces", "heatmap", "services")
TOP_PARTNERS = 15         # bars of the destinations chart
NO_BREAK = "\u00a0"        # a space that row labels are not wrapped at
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


def chart_style(brand: Brand) -> dict:
    """What drawing needs of the brand, as plain data that crosses to the drawing processes."""
    return {"colours": dict(brand.colours), "scale": list(brand.scale),
            "fonts": [str(brand.fonts[s]) for s in sorted(brand.fonts)], "regular": str(brand.fonts["regular"])}


def render_charts(indicators: Indicators, brand: Brand, lang: str, out_dir: Path, processes: int = 0,
                  *, png_dir: Path | None = None) -> dict[str, Chart]:
    """Draw every chart the indicators have data for into `out_dir/<name>.pdf`.

    A chart without data is skipped (no entry, no file). `labels` lists the data labels first
    (values, changes, shares, last values), then the axis tick labels. `processes` drawing
    processes share the charts (0: drawn in this one). `png_dir`, if given, also receives a
    100 dpi PNG of each chart for a person to look at.
    """
    if processes <= 0:
        with start_charts(indicators, brand, lang, out_dir, png_dir=png_dir) as job:
            return job.result()
    with ChartDrawer(brand, processes) as drawer:
        with start_charts(indicators, brand, lang, out_dir, drawer, png_dir=png_dir) as job:
            return job.result()


def start_charts(indicators: Indicators, brand: Brand, lang: str, out_dir: Path, drawer: ChartDrawer | None = None,
                 *, png_dir: Path | None = None) -> ChartJob:
    """Start drawing the charts, as `render_charts` does, and return with their sizes (`ChartJob.planned`).

    With a `drawer` the charts are drawn by its processes while the caller goes on; without,
    they are drawn in this process before this returns. Use the job as a context manager:
    leaving it early stops the drawing.
    """
    if lang not in WORDS:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(WORDS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    if png_dir is not None:
        png_dir.mkdir(parents=True, exist_ok=True)
    style = chart_style(brand)
    specs = _specs(indicators, lang)
    for name in set(CHART_NAMES) - {name for name, _ in specs}:  # not left over from an earlier run
        (out_dir / f"{name}.pdf").unlink(missing_ok=True)
    paths = {name: out_dir / f"{name}.pdf" for name, _ in specs}
    # Longest first, so that no process is left with a long one at the end.
    tasks = sorted([(name, spec, style, lang, str(paths[name]), None if png_dir is None else str(png_dir / f"{name}.png"))
                    for name, spec in specs], key=lambda task: -_COST.get(task[0], 1))
    return ChartJob([(name, paths[name]) for name, _ in specs], specs, style, lang, tasks, drawer)


# Milliseconds to draw each chart of the sample edition, warm: longest first keeps both drawing
# processes busy to the end.
_COST = {"heatmap": 52, "trend": 29, "provinces": 25, "services": 22, "destinations": 21, "products": 21, "areas": 15}


class ChartDrawer:
    """Processes that draw charts, started before there is anything to draw.

    Started first in a build, the drawer's process imports matplotlib and draws a sample chart
    while the caller reads the data, so that when the figures are known it measures and draws
    at once. When it draws, it forks `processes` - 1 twins that share the charts with it: they
    start warm, in a millisecond (on Linux; elsewhere it draws alone). One drawer serves one
    chart job at a time. Use it as a context manager: leaving it stops the processes.
    """

    def __init__(self, brand: Brand, processes: int = 2):
        import numpy  # noqa: F401  (both processes need it: forked, the drawer starts with it loaded)

        context = _pool_context()
        self.twins = max(0, processes - 1) if sys.platform.startswith("linux") else 0
        self._claims = context.Array("i", [0, 0])  # the next chart to take, and the number of charts
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context,
                                         initializer=_start_worker, initargs=(self._claims,))
        self._pool.submit(_warm_up, chart_style(brand))

    def start(self, specs: list[tuple[str, dict]], style: dict, lang: str, tasks: list[tuple]) -> tuple[Future, Future]:
        """Measure the charts, then draw them: the heights (points) and the drawn charts, to come."""
        with self._claims.get_lock():
            self._claims[0], self._claims[1] = 0, len(tasks)
        heights = self._pool.submit(_fork_twins_and_measure, specs, style, lang, tasks, self.twins)
        return heights, self._pool.submit(_draw_with_twins, tasks)

    def stop_drawing(self) -> None:
        """Charts not started are left undrawn; those being drawn are finished."""
        with self._claims.get_lock():
            self._claims[0] = self._claims[1]

    def close(self) -> None:
        if self._pool is not None:
            self.stop_drawing()
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ChartDrawer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class ChartJob:
    """Charts being drawn. `planned`: every chart that will be drawn, with its file and size but
    no labels yet (with a drawer, asking for it waits for the measuring); `result()`: the drawn
    charts."""

    def __init__(self, files: list[tuple[str, Path]], specs: list[tuple[str, dict]], style: dict, lang: str,
                 tasks: list[tuple], drawer: ChartDrawer | None):
        self._files, self._drawer = files, drawer
        if drawer is None:  # drawn here and now: the sizes are those drawn, nothing to measure
            from bulletin.charts.drawing import draw_chart

            self._results, self._futures = [draw_chart(task) for task in tasks], []
            drawn_mm = {name: height_mm for name, _, height_mm, _ in self._results}
            self._planned = self._charts([drawn_mm[name] for name, _ in files])
        else:
            self._heights, drawn = drawer.start(specs, style, lang, tasks)
            self._futures, self._results, self._planned = [drawn], [], None

    @property
    def planned(self) -> dict[str, Chart]:
        if self._planned is None:
            self._planned = self._charts([height / MM for height in self._heights.result()])
        return self._planned

    def _charts(self, heights_mm: list[float]) -> dict[str, Chart]:
        return {name: Chart(name=name, path=path, width_mm=WIDTH_MM, height_mm=height_mm, labels=[])
                for (name, path), height_mm in zip(self._files, heights_mm)}

    def result(self) -> dict[str, Chart]:
        try:
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
        if self._futures:
            self._drawer.stop_drawing()
            wait(self._futures)
            self._futures = []

    def __enter__(self) -> ChartJob:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


# --- in the drawing processes: plain data in and out ----------------------------------------------

_WORKER: dict = {}


def _start_worker(claims) -> None:
    die_with_parent()  # a killed build leaves no process waiting to draw forever
    _WORKER["claims"] = claims


def _warm_up(style: dict) -> None:
    from bulletin.charts.drawing import warm_up

    warm_up(style)
    resume_garbage_collector()  # matplotlib is loaded: collect only what the charts make


def _measure(specs: list[tuple[str, dict]], style: dict, lang: str) -> list[float]:
    """Each chart's height in points, computed as the drawing computes it."""
    from bulletin.charts.drawing import planned_height

    return [planned_height(spec, style, lang) for _, spec in specs]


def _fork_twins_and_measure(specs: list[tuple[str, dict]], style: dict, lang: str, tasks: list[tuple],
                            twins: int) -> list[float]:
    """The twins start drawing at once, while this process measures for the layout."""
    _WORKER["twins"] = [_fork_twin(tasks) for _ in range(twins)]
    return _measure(specs, style, lang)


def _draw_with_twins(tasks: list[tuple]) -> list[tuple]:
    """Draw the charts nobody has taken yet; then gather what the twins drew."""
    twins, _WORKER["twins"] = _WORKER.get("twins", []), []
    results = _draw_claimed(tasks)
    for reader, pid in twins:
        results += _twin_results(reader, pid)
    return results


def _draw_claimed(tasks: list[tuple]) -> list[tuple]:
    from bulletin.charts.drawing import draw_chart

    results = []
    while (index := _claim(_WORKER["claims"])) is not None:
        results.append(draw_chart(tasks[index]))
    return results


def _fork_twin(tasks: list[tuple]) -> tuple[int, int]:
    """A copy of this warm process that draws what it claims and sends the results down a pipe."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid:
        os.close(writer)
        return reader, pid
    try:  # the twin: no cleanup of the pool it was forked from, only its own results
        os.close(reader)
        die_with_parent()
        outcome = ("drawn", _draw_claimed(tasks))
    except BaseException as exc:
        outcome = ("failed", f"{type(exc).__name__}: {exc}")
    with os.fdopen(writer, "wb") as stream:
        pickle.dump(outcome, stream)
    os._exit(0)


def _twin_results(reader: int, pid: int) -> list[tuple]:
    with os.fdopen(reader, "rb") as stream:
        payload = stream.read()
    os.waitpid(pid, 0)
    if not payload:
        raise RuntimeError("a chart-drawing process died before it sent its charts")
    status, value = pickle.loads(payload)
    if status != "drawn":
        raise RuntimeError(f"drawing a chart failed: {value}")
    return value


def _claim(claims) -> int | None:
    """The index of the next chart nobody has taken; None when all are taken."""
    with claims.get_lock():
        if claims[0] >= claims[1]:
            return None
        claims[0] += 1
        return claims[0] - 1


def _pool_context():
    """Fork where it is safe (Linux, one thread): the drawing processes start in milliseconds.
    Elsewhere the platform's default (spawn, forkserver), which draws the same bytes."""
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


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
    top = ind.destinations[:TOP_PARTNERS]
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
            provider = s.provider.replace(" ", NO_BREAK)  # "(Innovhub SSI)" is never split over two lines
            rows.append({"label": f"{s.service} ({provider})", "bars": [
                {"value": float(s.firms), "colour": "primary",
                 "pieces": [(number(s.firms, lang), "text"), _change(s.firms_yoy_pct, lang)]},
                {"value": float(s.firms_previous or 0), "colour": "secondary", "pieces": [(before, "text")]},
            ]})
        specs.append(("services", {"kind": "bars", "rows": rows, "axis": words["firms"], "wrap_pt": 165.0,
                                   "tags": [quarter_label(ind.quarter, lang, short=True),
                                            quarter_label(ind.previous_year_quarter, lang, short=True)]}))
    return specs


