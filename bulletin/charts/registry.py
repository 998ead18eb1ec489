"""The registry of charts, and the stage's two steps: `chart_specs` then `draw_charts`.

A chart is registered once, by name, with what it shows (a function from the indicators and
its words to its title, subtitle and plain data, `Titled`, or None when there is nothing to
show) and how it is drawn (a function that draws that data on a `ChartCanvas`); its words are its
own table in `templates/<lang>/charts.toml`. The registry's order is the order charts are made
and returned. `specs` registers the bulletin's charts; a new chart is one more function
registered there.

A title states the chart's finding in a few words ("Export in crescita del 13,0% sul I trimestre
2016"), the subtitle what, where, in which unit and when, as the UK ONS chart guidance asks; the
document prints both above the chart, as text a reader can search and copy.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any
from xml.sax.saxutils import escape, unescape

from bulletin.charts.description import describe
from bulletin.charts.canvas import MM, WIDTH_MM, ChartCanvas, ChartStyle, draw_chart
from bulletin.charts.textcache import save_kept_text
from bulletin.errors import ConfigError
from bulletin.faults import available_cores, in_processes
from bulletin import reference
from bulletin.indicators.compute import Indicators
from bulletin.templates import Templates, Texts
from bulletin.text.formatting import pct, quarter_label
from bulletin.text.grammar import Figure, direction, figure_article
from bulletin.text.names import Names
from bulletin.text.typography import NO_BREAK  # a space a line is not broken at


@dataclass(frozen=True)
class Chart:
    """A drawn chart, as the document places it."""

    name: str            # its name in the registry: "trend", "products", ...
    path: Path           # the PDF file written: one page, width_mm x height_mm
    width_mm: float
    height_mm: float
    labels: list[str]    # every number label printed on the chart, as printed (for consistency tests)
    title: str           # the finding, plain text, for the document to print above the chart
    subtitle: str        # what, where, unit and when
    alt: str = ""        # the alternative text, for readers who do not see the chart
    svg: str = ""        # the same drawing as an SVG document, when asked for (the web edition)


@dataclass(frozen=True)
class Titled:
    """What a registered chart shows: its title, its subtitle and the data its drawing takes."""

    title: str
    subtitle: str
    data: Any


@dataclass(frozen=True)
class ChartSpec:
    """What one chart of one edition shows: plain data in the edition's language, every label
    already formatted, for the drawing registered under `name`, under its title and subtitle."""

    name: str
    lang: str
    title: str
    subtitle: str
    data: Any            # whatever the chart's drawing takes: `Lines`, `Bars`, `HeatMap`, ...
    alt: str = ""        # the chart in words, for a reader who cannot see it (`description`)


class ChartWords:
    """The words one chart prints, in the edition's language: its own table in `charts.toml`
    (`[products]` for the products chart), the `[units]` and `[change]` every chart shares, and
    the names of territories, countries and products with their articles (`text.names`), so a
    title writes `{territory:di}` as the text does."""

    def __init__(self, texts: Texts, chart: str, lang: str, names: Names, common: Mapping[str, str]):
        self.lang, self.chart, self.file = lang, chart, texts.name
        self.own, self.units, self.changes = texts.table(chart), texts.table("units"), texts.table("change")
        self.names, self.common = names, common

    def get(self, key: str) -> str:
        return self._string(self.own, key, f"[{self.chart}] {key}")

    def unit(self, key: str) -> str:
        return self._string(self.units, key, f"[units] {key}")

    def fill(self, key: str, **values) -> str:
        """The chart's string `key` as plain text, filled with the edition's quarters and territory
        (`common`) and `values`; names and figures take their articles (`{product:art}`)."""
        return self._filled(self.get(key), f"[{self.chart}] {key}", values)

    def quarter(self, quarter: str) -> str:
        """A quarter as a subtitle names it, short and never broken over two lines: "II trim. 2014"."""
        return quarter_label(quarter, self.lang, short=True).replace(" ", NO_BREAK)

    def change(self, value: float | None) -> str:
        """A change as a title says it: "in crescita del 13,0% sul I trimestre 2016"; the digits
        are those `pct` prints in the tables."""
        printed = pct(None if value is None else abs(value), self.lang, signed=False)
        key = direction(value)
        return self._filled(self._string(self.changes, key, f"[change] {key}"), f"[change] {key}",
                            {"change": self.figure(printed)})

    def figure(self, printed: str) -> Figure:
        """A printed figure with the article its sound asks for: `{share:art}` "l'8,1%"."""
        return Figure(printed, figure_article(printed, self.lang), self.names.prepositions)

    def _filled(self, template: str, where: str, values: Mapping) -> str:
        """Names come from `text.names` escaped, as markup: the template and the plain values are
        escaped too, so that unescaping the whole gives back every character as written."""
        values = {key: escape(value) if type(value) is str else value
                  for key, value in {**self.common, **values}.items()}
        try:
            return unescape(escape(template).format(**values))
        except (KeyError, ValueError, IndexError) as exc:
            raise ConfigError(f"template {self.file}: {where} cannot be filled: {exc!r}") from None

    def table(self, key: str) -> Mapping[str, str]:
        value = self.own.get(key, {})
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ConfigError(f"template {self.file}: [{self.chart}.{key}] must map names to words")
        return value

    def _string(self, table: Mapping, key: str, where: str) -> str:
        value = table.get(key)
        if not isinstance(value, str):
            raise ConfigError(f"template {self.file}: {where} missing or not a string")
        return value


Shows = Callable[[Indicators, ChartWords], Titled | None]
Draws = Callable[[ChartCanvas, Any], None]


@dataclass(frozen=True)
class RegisteredChart:
    name: str
    shows: Shows         # indicators and words -> title, subtitle and the data `draw` takes, or None: no chart
    draw: Draws


_REGISTRY: dict[str, RegisteredChart] = {}
CHARTS: Mapping[str, RegisteredChart] = MappingProxyType(_REGISTRY)  # read-only: register to add


def register_chart(name: str, *, draw: Draws) -> Callable[[Shows], Shows]:
    """Register the decorated function as what chart `name` shows, drawn by `draw`, after every
    chart registered before it. Its words are the table `[name]` of `<lang>/charts.toml`."""
    def register(shows: Shows) -> Shows:
        if name in _REGISTRY:
            raise ValueError(f"a chart named {name!r} is already registered")
        _REGISTRY[name] = RegisteredChart(name, shows, draw)
        return shows
    return register


def unregister_chart(name: str) -> None:
    """Take a chart out again: a test that registers one leaves the bulletin's charts as they were."""
    if _REGISTRY.pop(name, None) is None:
        raise ValueError(f"no chart named {name!r} is registered")


def chart_specs(indicators: Indicators, lang: str, templates: Templates) -> list[ChartSpec]:
    """What each registered chart shows for these indicators, in registry order; a chart with
    nothing to show is left out."""
    texts = templates.texts(f"{lang}/charts.toml")
    names = Names(templates, lang, templates.texts(f"{lang}/narrative.toml"))
    quarters = {"quarter": quarter_label(indicators.quarter, lang),
                "previous_quarter": quarter_label(indicators.previous_year_quarter, lang),
                "quarter_short": quarter_label(indicators.quarter, lang, short=True),
                "previous_short": quarter_label(indicators.previous_year_quarter, lang, short=True)}
    # A title never breaks inside a quarter ("sul I / trimestre 2016"): its spaces do not break.
    common = {**{key: label.replace(" ", NO_BREAK) for key, label in quarters.items()},
              "territory": names.territory(indicators.territory["code"]),
              "national": names.territory(reference.NATIONAL)}
    specs = []
    for chart in CHARTS.values():
        shown = chart.shows(indicators, ChartWords(texts, chart.name, lang, names, common))
        if shown is None:
            continue
        if not isinstance(shown, Titled):
            raise TypeError(f"chart {chart.name!r} must show a Titled (title, subtitle, data) or None")
        alt = describe(shown.data, shown.title, shown.subtitle, ChartWords(texts, "description", lang, names, common),
                       lang)
        specs.append(ChartSpec(chart.name, lang, shown.title, shown.subtitle, shown.data, alt))
    return specs


def draw_charts(specs: Iterable[ChartSpec], style: ChartStyle, folder: Path,
                workers: int | None = None, svg: bool = False) -> dict[str, Chart]:
    """Draw each spec into `folder/<name>.pdf`, on up to `workers` processes (default: every core
    this process may use); the charts in registry order. With `svg`, each chart also carries the
    same figure as SVG (`Chart.svg`), from the same drawing: the figure is drawn once.

    Each process draws every n-th chart in registry order, which spreads the heavy ones (the
    trend's two panels, the heat map, the bars with many names) about evenly, and keeps the strings
    it shaped in the text cache before it returns.
    """
    specs = list(specs)
    unknown = [spec.name for spec in specs if spec.name not in CHARTS]
    if unknown:
        raise ValueError(f"no chart registered as {', '.join(map(repr, unknown))}")
    order = list(CHARTS)
    specs.sort(key=lambda spec: order.index(spec.name))
    folder.mkdir(parents=True, exist_ok=True)
    workers = max(1, min(workers or available_cores(), len(specs)))
    shares = [(specs[start::workers], style, folder, svg) for start in range(workers)]
    charts = {chart.name: chart for drawn in in_processes(_draw_share, shares, workers) for chart in drawn}
    return {spec.name: charts[spec.name] for spec in specs}


def _draw_share(share: tuple[list[ChartSpec], ChartStyle, Path, bool]) -> list[Chart]:
    specs, style, folder, svg = share
    charts = []
    for spec in specs:
        path = folder / f"{spec.name}.pdf"
        canvas = draw_chart(CHARTS[spec.name].draw, spec.data, style, spec.lang, path, svg=svg)
        charts.append(Chart(spec.name, path, WIDTH_MM, canvas.height / MM, canvas.labels, spec.title, spec.subtitle,
                            spec.alt, canvas.svg))
    save_kept_text()  # the strings shaped for these charts, for the editions and runs that follow
    return charts

