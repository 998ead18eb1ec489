"""The alternative text of a chart, written from the data it draws, for a reader who cannot see it.

A screen reader reads a chart's words in place of the chart (the PDF's Figure /Alt, the web
edition's description): what kind of chart, what it shows (its subtitle), then its figures as
printed on it, in the order the eye meets them. Bars are ranked, so the first is the largest and
the last the smallest; for lines, each series' first and last value and its highest and lowest;
for the heat map, each row's largest share. The words around the figures are the language's
`[description]` table of `templates/<lang>/charts.toml`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bulletin.charts.bars import Bars
from bulletin.charts.heatmap import HeatMap
from bulletin.charts.lines import Lines
from bulletin.text.formatting import number, quarter_label

Words = Any  # the `[description]` table as `registry.ChartWords`, which imports this module


def describe(data: Any, title: str, subtitle: str, words: Words, lang: str) -> str:
    """The chart's finding, its kind and subject, then its figures: one text, plain, no markup."""
    describer = DESCRIBERS.get(type(data))
    figures = describer(data, words, lang) if describer else ""
    text = " ".join(part for part in (f"{title}.", words.fill(KINDS.get(type(data), "chart"), subject=subtitle),
                                      figures) if part)
    return text.replace("\u00a0", " ").replace("\n", " ")


def bars_figures(bars: Bars, words: Words, lang: str) -> str:
    rows = ["{} {}".format(row.label.replace("\n", " "), " / ".join(" ".join(text for text, _ in bar.pieces)
                                                                     for bar in row.bars if bar.pieces))
            for row in bars.rows]
    return words.fill("ranked", figures="; ".join(rows)) if rows else ""


def lines_figures(lines: Lines, words: Words, lang: str) -> str:
    def quarter(index: int) -> str:
        return quarter_label(lines.quarters[index], lang, short=True)

    def series(name: str, values: tuple[float, ...]) -> str:
        known = [(v, i) for i, v in enumerate(values) if v is not None]
        if not known:
            return ""
        (first, f), (last, la) = known[0], known[-1]
        (high, h), (low, lo) = max(known), min(known)
        return words.fill("series", series=name, first=number(first, lang, 1), first_quarter=quarter(f),
                          last=number(last, lang, 1), last_quarter=quarter(la), high=number(high, lang, 1),
                          high_quarter=quarter(h), low=number(low, lang, 1), low_quarter=quarter(lo))

    panels = []
    for panel in lines.panels:
        parts = [series(lines.legend[0], panel.exports), series(lines.legend[1], panel.imports)]
        panels.append(f"{panel.title} ({lines.unit}): " + "; ".join(part for part in parts if part))
    return ". ".join(panels) + "." if panels else ""


def heatmap_figures(heat: HeatMap, words: Words, lang: str) -> str:
    names = dict(heat.key)
    rows = []
    for row, values, labels in zip(heat.rows, heat.values, heat.labels):
        known = [(v, i) for i, v in enumerate(values) if v is not None]
        if known:
            _, i = max(known)
            rows.append(f"{row} {names.get(heat.columns[i], heat.columns[i])} {labels[i]}")
    return words.fill("largest_in_row", figures="; ".join(rows)) if rows else ""


DESCRIBERS: dict[type, Callable[[Any, Words, str], str]] = {
    Bars: bars_figures, Lines: lines_figures, HeatMap: heatmap_figures}
KINDS = {Bars: "bars", Lines: "lines", HeatMap: "heatmap"}
