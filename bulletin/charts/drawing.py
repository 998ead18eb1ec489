"""Drawing the charts with matplotlib: plain data in (`charts` makes it), one-page PDF files out.

Only the processes that draw import this module (see `charts.ChartDrawer`); the process that
lays out the document never loads matplotlib.
"""
from __future__ import annotations

import dataclasses
import gc
import hashlib
import io
import math
import os
from functools import lru_cache

import matplotlib
import numpy as np

matplotlib.use("pdf")  # never a GUI backend; figures below are attached to a PDF canvas

from matplotlib import _path as _mpl_path  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.backends.backend_mixed import MixedModeRenderer  # noqa: E402
from matplotlib.backends.backend_pdf import FigureCanvasPdf, PdfFile, RendererPdf, Verbatim  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap, to_rgb  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.ft2font import FT2Font, Kerning, LoadFlags  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402
from matplotlib.textpath import text_to_path  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from matplotlib.transforms import Affine2D, blended_transform_factory, offset_copy  # noqa: E402

from bulletin.charts.specs import (FONT_SIZE, MAX_HEIGHT_MM, MIN_HEIGHT_MM, MM, SMALL, TREND_HEIGHT_MM, WIDTH_MM,  # noqa: E402
                     WORDS)
from bulletin.text.formatting import number, quarter_label, share  # noqa: E402


def draw_chart(task: tuple) -> tuple[str, str, float, list[str]]:
    """Draw one chart into its PDF file (and PNG preview); return its name, file, height and labels."""
    name, spec, style, lang, pdf_path, png_path = task
    canvas = _draw(spec, style, lang, pdf_path, png_path)
    return name, pdf_path, canvas.height / MM, canvas.labels


def warm_up(style: dict) -> None:
    """Draw a small chart to nowhere: the first chart drawn in a process costs more (fonts opened,
    glyphs loaded, matplotlib's caches filled), and a drawer has time to spare while the data are
    read. One is enough: a second (bars) saved less than it cost, and the data may be ready."""
    quarters = [f"{2015 + i // 4}Q{i % 4 + 1}" for i in range(9)]
    values = [1.0e9 + 1.5e8 * i for i in range(9)]
    _draw({"kind": "trend", "quarters": quarters, "panels": [
        {"title": "Lombardia", "exports_colour": "primary", "exports": values, "imports": values[::-1]}]},
        style, "it", io.BytesIO(), None)


def _draw(spec: dict, style: dict, lang: str, pdf_target, png_path: str | None) -> _Canvas:
    family = _register_fonts(tuple(style["fonts"]), style["regular"])
    # A figure is thousands of small objects; with pandas loaded, the cyclic garbage collector
    # walking the whole heap meanwhile cost a third of the drawing time. It runs again after.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with matplotlib.rc_context(_rc(style, family)):
            draw = {"trend": _draw_trend, "bars": _draw_bars, "heatmap": _draw_heatmap}[spec["kind"]]
            canvas = draw(spec, _Canvas(style, family, lang))
            canvas.save(pdf_target, png_path)
    finally:
        if collecting:
            gc.enable()
    return canvas


def planned_height(spec: dict, style: dict, lang: str) -> float:
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
            "text.parse_math": False,  # "$5 e $10" in a name is money, not mathematics
            "text.color": colours["text"], "axes.unicode_minus": False, "path.simplify": True,
            "grid.color": colours["rule"], "grid.linewidth": 0.5, "grid.linestyle": "-",
            "axes.edgecolor": colours["muted"], "axes.linewidth": 0.6,
            "xtick.color": colours["muted"], "ytick.color": colours["muted"],
            "xtick.labelcolor": colours["text"], "ytick.labelcolor": colours["text"],
            "xtick.labelsize": SMALL, "ytick.labelsize": SMALL, "xtick.major.size": 0, "ytick.major.size": 0,
            "xtick.major.pad": 3, "ytick.major.pad": 3,
            # zlib's fastest level: the paths of the outlined text compress well at any level,
            # and the default (6) took a third of the drawing time for files a sixth smaller.
            "pdf.compression": 1}


@lru_cache(maxsize=8192)
def _text_width(family: str, text: str, size: float, weight: str, style: str) -> float:
    prop = FontProperties(family=family, size=size, weight=weight, style=style)
    return max(_metrics(prop, line, False)[0] for line in text.split("\n"))


@lru_cache(maxsize=8192)
def _metrics(prop: FontProperties, text: str, ismath) -> tuple[float, float, float]:
    """Width, height and descent of one line of text, unhinted, as matplotlib measures them (the
    advance; the outline's extent up and down): the layout above and matplotlib's own placing
    of the text (see `OutlineRendererPdf`) measure with this."""
    line = None if ismath else _glyph_line(prop, text)
    if line is None:
        return text_to_path.get_text_width_height_descent(text, prop, ismath=ismath)
    path, advance = line
    scale = prop.get_size_in_points() / text_to_path.FONT_SCALE
    heights = path.vertices[path.codes != MplPath.CLOSEPOLY, 1] if len(path.vertices) else np.zeros(1)
    return advance * scale, float(heights.max() - heights.min()) * scale, float(-heights.min()) * scale + 0.0


def _outline(prop: FontProperties, text: str, ismath) -> MplPath:
    """A string's outline at matplotlib's reference size (the glyph lines are kept: many labels,
    "12" or "n.d.", repeat, and the layout measures before it draws)."""
    line = None if ismath else _glyph_line(prop, text)
    return line[0] if line is not None else MplPath(*text_to_path.get_text_path(prop, text, ismath=ismath))


@lru_cache(maxsize=8192)
def _glyph_line(prop: FontProperties, text: str) -> tuple[MplPath, float] | None:
    return _face(font_manager.findfont(prop)).line(text)


@lru_cache(maxsize=None)
def _face(font_file: str) -> _Face:
    return _Face(font_file)


class _Face:
    """One font file at matplotlib's reference size, each glyph loaded from it once.

    matplotlib shapes every string anew with HarfBuzz and loads each of its glyphs again: nearly
    half the drawing time went there. Chart labels need no shaping; a line is its glyphs'
    outlines side by side, advanced by their unhinted widths and the font's kerning.
    """

    def __init__(self, font_file: str):
        self.file, self.opened_by, self._font = font_file, 0, None
        self.glyphs: dict[str, tuple[int, np.ndarray, np.ndarray, float]] = {}

    @property
    def font(self) -> FT2Font:
        """FreeType reads the file as it goes: a forked process opens its own, or it would move
        the file position under its parent (glyphs learnt before the fork are kept)."""
        if self.opened_by != os.getpid():
            self._font = FT2Font(self.file)
            self._font.set_size(text_to_path.FONT_SCALE, text_to_path.DPI)
            self.opened_by = os.getpid()
        return self._font

    def line(self, text: str) -> tuple[MplPath, float] | None:
        """One line's outline and advance; None if the font lacks a character (matplotlib then
        lays the string out, with its fallback fonts)."""
        font, vertices, codes, x, previous = self.font, [], [], 0.0, None
        for char in text:
            glyph = self.glyphs.get(char) or self._load(char)
            if glyph is None:
                return None
            index, glyph_vertices, glyph_codes, advance = glyph
            if previous is not None:
                x += font.get_kerning(previous, index, Kerning.UNFITTED) / 64.0
            if len(glyph_codes):
                vertices.append(glyph_vertices + (x, 0.0))
                codes.append(glyph_codes)
            x += advance
            previous = index
        if not vertices:
            return MplPath(np.empty((0, 2))), x
        return MplPath(np.concatenate(vertices), np.concatenate(codes)), x

    def _load(self, char: str) -> tuple[int, np.ndarray, np.ndarray, float] | None:
        index = self.font.get_char_index(ord(char))
        if index == 0:
            return None
        glyph = self.font.load_glyph(index, flags=LoadFlags.NO_HINTING)
        glyph_vertices, glyph_codes = self.font.get_path()
        self.glyphs[char] = (index, np.asarray(glyph_vertices, dtype=float).reshape(-1, 2),
                             np.asarray(glyph_codes, dtype=MplPath.code_type), glyph.linearHoriAdvance / 65536.0)
        return self.glyphs[char]


class _Canvas:
    """Helpers shared by the charts: sizes in points, measured text, brand colours."""

    def __init__(self, style: dict, family: str, lang: str):
        self.colours, self.scale, self.family, self.lang = style["colours"], style["scale"], family, lang
        self.width = WIDTH_MM * MM
        self.height = 0.0
        self.fig: Figure | None = None
        self.labels: list[str] = []

    def start(self, height_pt: float) -> Figure:
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
        """Greedy word wrap on measured widths, at spaces only (not at no-break spaces); a single
        word longer than a line stays whole."""
        lines: list[str] = []
        for word in (word for word in text.split(" ") if word):
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

    def save(self, pdf_target, png_path: str | None) -> None:
        self.fig.savefig(pdf_target, format="pdf")
        if png_path:
            self.fig.savefig(png_path, format="png", dpi=100, facecolor="white")


def _nice_ticks(low: float, high: float, bins: int = 5) -> list[float]:
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


# --- matplotlib's PDF backend as the charts use it: text as outlines, short coordinates, no dates ---

class OutlineRendererPdf(RendererPdf):
    """Matplotlib's PDF renderer, writing each string as one filled outline: no fonts in the file.

    Strings are measured from the same glyph lines they are drawn with (`_metrics`), the measure
    the charts are laid out with.
    """

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        size = self.points_to_pixels(prop.get_size_in_points())
        transform = Affine2D().scale(size / self._text2path.FONT_SCALE).rotate_deg(angle).translate(x, y)
        gc.set_linewidth(0.0)
        self.draw_path(gc, _outline(prop.copy(), s, ismath), transform, rgbFace=gc.get_rgb())

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath == "TeX":
            return super().get_text_width_height_descent(s, prop, ismath)
        return _metrics(prop.copy(), s, ismath)


class ShortPdfFile(PdfFile):
    """Path coordinates with two decimals (0.01 pt): six only made the files larger."""

    @staticmethod
    def pathOperations(path, transform, clip=None, simplify=None, sketch=None):
        return [Verbatim(_mpl_path.convert_to_string(path, transform, clip, simplify, sketch, 2,
                                                     [b"m", b"l", b"", b"c", b"h"], True))]


# Nothing in the file depends on when or with which matplotlib it was drawn.
PDF_METADATA = {"Creator": None, "Producer": None, "CreationDate": None}


class OutlineFigureCanvas(FigureCanvasPdf):
    def print_pdf(self, filename, *, bbox_inches_restore=None, metadata=None, **_other_savefig_options):
        self.figure.dpi = 72
        width, height = self.figure.get_size_inches()
        file = ShortPdfFile(filename, metadata=PDF_METADATA)
        try:
            file.newPage(width, height)
            renderer = MixedModeRenderer(self.figure, width, height, 72, OutlineRendererPdf(file, 72, height, width),
                                         bbox_inches_restore=bbox_inches_restore)
            self.figure.draw(renderer)
            renderer.finalize()
            file.finalize()
        finally:
            file.close()
