"""The charts stage: what each chart shows (`chart_specs`), drawn into one-page PDFs (`draw_charts`)."""
from __future__ import annotations

from pathlib import Path

from bulletin.templates import Templates
from bulletin.charts.specs import CHART_NAMES, Chart, _specs, chart_style
from bulletin.indicators.compute import Indicators

__all__ = ["Chart", "chart_specs", "chart_style", "draw_charts"]


def chart_specs(indicators: Indicators, lang: str, templates: Templates) -> list[tuple[str, dict]]:
    return [(name, {**spec, "lang": lang}) for name, spec in _specs(indicators, lang)]


def draw_charts(specs: list[tuple[str, dict]], style: dict, folder: Path) -> dict[str, Chart]:
    from bulletin.charts.drawing import draw_chart

    folder.mkdir(parents=True, exist_ok=True)
    charts = {}
    for name, spec in specs:
        spec = dict(spec)
        lang = spec.pop("lang")
        _, path, height_mm, labels = draw_chart((name, spec, style, lang, str(folder / f"{name}.pdf"), None))
        charts[name] = Chart(name=name, path=Path(path), width_mm=170.0, height_mm=height_mm, labels=labels)
    return {name: charts[name] for name in CHART_NAMES if name in charts}
