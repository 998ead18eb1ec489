"""A heat map: a grid of cells shaded on the brand's colour scale, each cell printing its figure.

Every cell prints its number, in white or in the text colour, whichever contrasts more with its
fill, so the map reads without telling shades apart. The columns are headed by their names, set
upright when they fit the cells and turned a quarter when they do not; codes as headers (with a
key under the grid naming them) remain possible.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from matplotlib.colors import LinearSegmentedColormap
from matplotlib.patches import Rectangle

from bulletin.charts.canvas import SMALL, ChartCanvas, clamp_height, luminance

CELL, HEADER, GAP = 14.5, 13.0, 9.0   # points: a row's height, the column codes above, above the key
LINE = SMALL * 1.3                    # a line of the key


@dataclass(frozen=True)
class HeatMap:
    rows: tuple[str, ...]                        # row names, left of the grid
    columns: tuple[str, ...]                     # column headers (names, or codes explained by `key`), in bold
    values: tuple[tuple[float | None, ...], ...]  # a row's values, a column each: the shade (None: the lightest)
    labels: tuple[tuple[str, ...], ...]          # what each cell prints, as formatted
    key: tuple[tuple[str, str], ...]             # (column code, its name) for the key; () when headers are names
    key_title: str


def draw_heatmap(c: ChartCanvas, heat: HeatMap) -> None:
    # The key: "code name" in as many columns as fit the width, under its title.
    code_w = max((c.width_of(code, weight="bold") for code, _ in heat.key), default=0.0) + 4.0
    entry_w = code_w + max((c.width_of(name) for _, name in heat.key), default=0.0) + 12.0
    key_cols = max(1, min(len(heat.key), int(c.width // entry_w)))
    key_rows = math.ceil(len(heat.key) / key_cols)
    key_height = LINE * (key_rows + 1) if heat.key else 0.0  # headers that are names need no key
    # The grid in points, without axes: its cells, figures and names are the figure's own artists,
    # so none of them is clipped or placed through a transform of its own (a fifth of the time).
    left = max(c.width_of(name) for name in heat.rows) + 6.0
    cell_w = (c.width - left - 1.0) / len(heat.columns)
    widest = max(c.width_of(column, weight="bold") for column in heat.columns)
    upright = widest <= cell_w - 2.0
    header = HEADER if upright else widest + 6.0
    fig = c.start(clamp_height(key_height + GAP + CELL * len(heat.rows) + header))
    top = c.height - header
    cell_h = (top - key_height - GAP) / len(heat.rows)
    shown = [v for row in heat.values for v in row if v is not None]
    vmax = max(10.0, math.ceil(max(shown, default=10.0) / 10.0) * 10.0)
    cmap = LinearSegmentedColormap.from_list("brand", c.scale)
    text_luminance = luminance(c.colour("text"))
    for i, (values, labels) in enumerate(zip(heat.values, heat.labels)):
        y = top - (i + 1) * cell_h
        for j, (value, label) in enumerate(zip(values, labels)):
            x = left + j * cell_w
            fill = cmap(0.0 if value is None else min(value / vmax, 1.0))[:3]
            fig.add_artist(Rectangle((x, y), cell_w, cell_h, transform=c.points, facecolor=fill, edgecolor="white",
                                     linewidth=1.0))
            lum = luminance(fill)
            ink = "#FFFFFF" if _contrast(1.0, lum) > _contrast(text_luminance, lum) else c.colour("text")
            c.text(x + cell_w / 2, y + cell_h / 2, label, colour=ink, ha="center", va="center_baseline")
            c.labels.append(label)
    for j, column in enumerate(heat.columns):
        if upright:
            c.text(left + (j + 0.5) * cell_w, top + 4.0, column, ha="center", va="baseline", weight="bold")
        else:  # turned a quarter, reading upwards from the grid
            c.text(left + (j + 0.5) * cell_w, top + 3.0, column, ha="left", va="center", weight="bold",
                   rotation=90, rotation_mode="anchor")
    for i, name in enumerate(heat.rows):
        c.text(left - 5.0, top - (i + 0.5) * cell_h, name, ha="right", va="center_baseline")
    if not heat.key:  # its title would only say again what the subtitle says
        return
    x0 = left if left + key_cols * entry_w <= c.width else 0.0
    y = key_height - LINE + 2.0
    c.text(x0, y, heat.key_title, colour="muted", va="baseline", style="italic")
    for n, (code, name) in enumerate(heat.key):
        col, row = divmod(n, key_rows)
        c.text(x0 + col * entry_w, y - LINE * (row + 1), code, va="baseline", weight="bold")
        c.text(x0 + col * entry_w + code_w, y - LINE * (row + 1), name, va="baseline")


def _contrast(a: float, b: float) -> float:
    """WCAG contrast ratio of two luminances."""
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)
