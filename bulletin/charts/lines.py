"""Lines over quarters: exports and imports, one panel per territory, each panel on its own scale
but all in one unit, each series in the same colour, line and marker in every panel.

The two series differ in line style and marker as well as colour, and the legend draws both, so
the chart reads in grey print and for colour-blind readers. A panel's axis starts where its
figures do, not at zero, to show their movement: a break drawn across the axis at its foot says so.
"""
from __future__ import annotations

from dataclasses import dataclass

from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.transforms import blended_transform_factory, offset_copy

from bulletin.charts.canvas import FONT_SIZE, MM, SMALL, ChartCanvas, nice_ticks, tick_decimals
from bulletin.text.formatting import number, quarter_label

HEIGHT_MM = 70.0
HEADER, BOTTOM, GAP = 28.0, 24.0, 16.0   # points: title and legend above, quarters and years below
LINE_STYLES = ("-", (0, (3.5, 1.8)))     # exports solid, imports dashed
MARKERS = ("o", "s")
COLOURS = ("primary", "accent")          # exports, imports: as in every chart
BREAK = (3.5, 1.8, 1.6)                  # points: the axis break's half width, half height and gap
BREAK_ABOVE = 9.0                        # points from the foot of the axis to the break's middle


@dataclass(frozen=True)
class LinePanel:
    """One territory's two series, in the chart's unit, one value a quarter (those of `Lines.quarters`)."""

    title: str                      # the territory, in bold
    exports: tuple[float, ...]
    imports: tuple[float, ...]
    last_labels: tuple[str, str]    # the last exports and imports as printed at the lines' ends


@dataclass(frozen=True)
class Lines:
    quarters: tuple[str, ...]       # "2017Q1", oldest first; a quarter missing from them leaves a gap
    panels: tuple[LinePanel, ...]
    legend: tuple[str, str]         # the names of the two series: exports, imports
    unit: str                       # of every panel, printed after each panel's title: "miliardi di euro"


def draw_lines(c: ChartCanvas, lines: Lines) -> None:
    quarters = lines.quarters
    # x is the quarter's index from the first, so a quarter missing from the data leaves a gap.
    xs = [_quarter_index(q) - _quarter_index(quarters[0]) for q in quarters]
    n = xs[-1] + 1
    fig = c.start(HEIGHT_MM * MM)
    scales = []  # each panel's ticks, tick labels and margins: tick labels left, last values right
    for panel in lines.panels:
        values = panel.exports + panel.imports
        ticks = nice_ticks(min(values), max(values))
        tick_labels = [number(t, c.lang, tick_decimals(ticks)) for t in ticks]
        scales.append((ticks, tick_labels, max(c.width_of(t) for t in tick_labels) + 5.0,
                       max(c.width_of(t) for t in panel.last_labels) + 8.0))
    axes_width = (c.width - sum(left + right for _, _, left, right in scales) - GAP * (len(scales) - 1)) / len(scales)
    axes_height = c.height - HEADER - BOTTOM
    top = BOTTOM + axes_height
    parts = [quarter_label(q, c.lang, short=True).split() for q in quarters]  # ["I", "trim.", "2017"]
    x = 0.0
    for panel, (ticks, tick_labels, left, right) in zip(lines.panels, scales):
        x += left
        ax = c.axes(x, BOTTOM, axes_width, axes_height)
        colours = [c.colour(name) for name in COLOURS]
        series = (panel.exports, panel.imports)
        for values, colour, line, marker in zip(series, colours, LINE_STYLES, MARKERS):
            ax.plot(*_with_gaps(xs, values), color=colour, linestyle=line, linewidth=1.4,
                    marker=marker, markersize=3.4, markeredgewidth=0, clip_on=False)
        ax.set_xlim(-0.5, n - 0.5)
        ax.set_ylim(ticks[0], ticks[-1])
        ax.set_yticks(ticks, tick_labels)
        ax.set_xticks([])
        ax.grid(axis="y")
        if ticks[0] > 0:
            _axis_break(c, fig, x, BOTTOM)
        # Quarters under the axis, each year once below its quarters, a thin rule between years.
        below = blended_transform_factory(ax.transData, ax.transAxes)
        years: dict[str, list[int]] = {}
        for i, label in zip(xs, parts):
            ax.text(i, 0, label[0], transform=offset_copy(below, fig, y=-4, units="points"), ha="center", va="top")
            years.setdefault(label[-1], []).append(i)
        for year, idx in years.items():
            ax.text((idx[0] + idx[-1]) / 2, 0, year, transform=offset_copy(below, fig, y=-14, units="points"),
                    ha="center", va="top", color=c.colour("muted"))
            boundary = _quarter_index(f"{year}Q1") - _quarter_index(quarters[0]) - 0.5
            if boundary > 0:
                ax.axvline(boundary, color=c.colour("rule"), linewidth=0.5, zorder=0)
        # The last values at the ends of the lines, pushed apart if they would touch.
        span = ticks[-1] - ticks[0]
        ys = [(values[-1] - ticks[0]) / span * axes_height for values in series]
        for values, label, dy in zip(series, panel.last_labels, _separate(ys, SMALL * 1.3)):
            ax.text(n - 1, values[-1], label, va="center", ha="left",
                    transform=offset_copy(ax.transData, fig, x=axes_width / n / 2 + 4.0, y=dy, units="points"))
        c.labels += list(panel.last_labels) + tick_labels
        # Header: territory in bold and the unit; below it a legend drawn by hand (line, marker, name).
        c.text(x, top + HEADER - 9.0, panel.title, size=FONT_SIZE, weight="bold", va="baseline")
        c.text(x + c.width_of(panel.title, FONT_SIZE, "bold") + 5.0, top + HEADER - 9.0, lines.unit,
               colour="muted", va="baseline")
        lx, ly = x, top + 8.5
        for name, colour, line, marker in zip(lines.legend, colours, LINE_STYLES, MARKERS):
            fig.add_artist(Line2D([lx, lx + 20.0], [ly, ly], transform=c.points, color=colour, linestyle=line,
                                  linewidth=1.4))
            fig.add_artist(Line2D([lx + 10.0], [ly], transform=c.points, color=colour, marker=marker,
                                  markersize=3.4, markeredgewidth=0, linestyle="none"))
            c.text(lx + 24.0, ly, name, va="center_baseline")
            lx += 24.0 + c.width_of(name) + 14.0
        x += axes_width + right + GAP


def _axis_break(c: ChartCanvas, fig, x: float, y: float) -> None:
    """Two short slanted strokes across the axis just above its foot (x, y), the axis cut between
    them: the axis does not start at zero."""
    half_w, half_h, gap = BREAK
    middle = y + BREAK_ABOVE
    for dy in (-gap / 2, gap / 2):
        fig.add_artist(Line2D([x - half_w, x + half_w], [middle + dy - half_h, middle + dy + half_h],
                              transform=c.points, color=c.colour("muted"), linewidth=0.6))
    fig.add_artist(Rectangle((x - 1.0, middle - gap / 2 + 0.4), 2.0, gap - 0.8, transform=c.points,
                             facecolor="white", linewidth=0))


def _quarter_index(quarter: str) -> int:
    return int(quarter[:4]) * 4 + int(quarter[-1]) - 1


def _with_gaps(xs: list[int], ys: tuple[float, ...]) -> tuple[list[float], list[float]]:
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
