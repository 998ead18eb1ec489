"""The charts stage: what each chart of an edition shows, then each drawn as a one-page PDF.

    specs = chart_specs(indicators, lang, templates)       # [ChartSpec]: plain data, in registry order
    charts = draw_charts(specs, chart_style(brand), folder)  # {name: Chart}: folder/<name>.pdf

The charts are registered in `specs` (`register_chart`): each is what it shows under which
title and subtitle (`Titled`), how it is drawn (`lines`, `bars`, `heatmap`) and its words
(`templates/<lang>/charts.toml`).
"""
from __future__ import annotations

from bulletin.charts.canvas import ChartCanvas, ChartStyle, chart_style
from bulletin.charts.registry import (CHARTS, Chart, ChartSpec, ChartWords, RegisteredChart, Titled, chart_specs,
                                      draw_charts, register_chart, unregister_chart)
from bulletin.charts.specs import TOP_PARTNERS

__all__ = ["CHARTS", "TOP_PARTNERS", "Chart", "ChartCanvas", "ChartSpec", "ChartStyle", "ChartWords",
           "RegisteredChart", "Titled", "chart_specs", "chart_style", "draw_charts", "register_chart",
           "unregister_chart"]
