"""The registry of charts, and the stage's two steps: `chart_specs` then `draw_charts`.

A chart is registered once, by name, with what it shows (a function from the indicators and
its words to plain data, or None when there is nothing to show) and how it is drawn (a function
that draws that data on a `ChartCanvas`); its words are its own table in
`templates/<lang>/charts.toml`. The registry's order is the order charts are made and returned.
`specs` registers the bulletin's charts; a new chart is one more function registered there.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bulletin.charts.canvas import MM, WIDTH_MM, ChartCanvas, ChartStyle, draw_chart
from bulletin.charts.textcache import save_kept_text
from bulletin.errors import ConfigError
from bulletin.indicators.compute import Indicators
from bulletin.templates import Templates, Texts


@dataclass(frozen=True)
class Chart:
    """A drawn chart, as the document places it."""

    name: str            # its name in the registry: "trend", "products", ...
    path: Path           # the PDF file written: one page, width_mm x height_mm
    width_mm: float
    height_mm: float
    labels: list[str]    # every number label printed on the chart, as printed (for consistency tests)


@dataclass(frozen=True)
class ChartSpec:
    """What one chart of one edition shows: plain data in the edition's language, every label
    already formatted, for the drawing registered under `name`."""

    name: str
    lang: str
    data: Any            # whatever the chart's drawing takes: `Lines`, `Bars`, `HeatMap`, ...


class ChartWords:
    """The words one chart prints, in the edition's language: its own table in `charts.toml`
    (`[products]` for the products chart) and the `[units]` every chart shares."""

    def __init__(self, texts: Texts, chart: str, lang: str):
        self.lang, self.chart, self.file = lang, chart, texts.name
        self.own, self.units = texts.table(chart), texts.table("units")

    def get(self, key: str) -> str:
        return self._string(self.own, key, f"[{self.chart}] {key}")

    def unit(self, key: str) -> str:
        return self._string(self.units, key, f"[units] {key}")

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


Shows = Callable[[Indicators, ChartWords], Any]
Draws = Callable[[ChartCanvas, Any], None]


@dataclass(frozen=True)
class RegisteredChart:
    name: str
    shows: Shows         # indicators and words -> the data `draw` takes, or None: no chart
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
    specs = []
    for chart in CHARTS.values():
        data = chart.shows(indicators, ChartWords(texts, chart.name, lang))
        if data is not None:
            specs.append(ChartSpec(chart.name, lang, data))
    return specs


def draw_charts(specs: Iterable[ChartSpec], style: ChartStyle, folder: Path) -> dict[str, Chart]:
    """Draw each spec into `folder/<name>.pdf`, one after another; the charts in registry order."""
    specs = list(specs)
    unknown = [spec.name for spec in specs if spec.name not in CHARTS]
    if unknown:
        raise ValueError(f"no chart registered as {', '.join(map(repr, unknown))}")
    order = list(CHARTS)
    folder.mkdir(parents=True, exist_ok=True)
    charts = {}
    for spec in sorted(specs, key=lambda spec: order.index(spec.name)):
        path = folder / f"{spec.name}.pdf"
        canvas = draw_chart(CHARTS[spec.name].draw, spec.data, style, spec.lang, path)
        charts[spec.name] = Chart(spec.name, path, WIDTH_MM, canvas.height / MM, canvas.labels)
    save_kept_text()  # the strings shaped for these charts, for the editions and runs that follow
    return charts
