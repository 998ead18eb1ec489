"""Ranked horizontal bars, one or a group of bars a row, each followed by its figures in words.

Grouped bars name their series with direct labels after the first row's bars (`Bars.tags`), and
differ by more than colour: the brand's series colours differ in lightness, and a comparison bar
(a year earlier) is drawn hollow, its outline in the colour of the bar it is compared with, so the
chart reads in grey print and for colour-blind readers. Every bar starts at zero.
"""
from __future__ import annotations

from dataclasses import dataclass

from matplotlib.patches import Rectangle
from matplotlib.transforms import blended_transform_factory, offset_copy

from bulletin.charts.canvas import SMALL, ChartCanvas, clamp_height, nice_ticks, tick_decimals
from bulletin.text.formatting import number

BOTTOM, TOP = 24.0, 3.0      # points: the axis and its unit below, nothing above
OUTLINE = 0.8                # points: the line of a hollow bar
NAME_GAP = 6.0               # between a row's name and the axis
PAD, SPACE = 3.0, 3.5        # before the first text after a bar, and between its texts


@dataclass(frozen=True)
class Bar:
    value: float                          # in the axis's unit; a negative value draws no bar
    colour: str                           # a brand colour name
    pieces: tuple[tuple[str, str], ...]   # the texts after the bar, each with its colour name
    hollow: bool = False                  # an outline in `colour` on white: the comparison (a year earlier)


@dataclass(frozen=True)
class BarRow:
    label: str                            # wrapped at spaces to `Bars.wrap_pt`, never at no-break spaces
    bars: tuple[Bar, ...]                 # as many in every row


@dataclass(frozen=True)
class Bars:
    rows: tuple[BarRow, ...]              # top to bottom
    axis: str                             # the unit, under the axis on the right
    wrap_pt: float
    tags: tuple[str, ...] = ()            # the grouped bars' names, after the first row's bars, in italics


def draw_bars(c: ChartCanvas, bars: Bars) -> None:
    """The rows' pitch fits the longest name; the x range leaves room for the longest text after a bar."""
    rows, per_row = bars.rows, len(bars.rows[0].bars)
    bar_pt = 9.0 if per_row == 1 else 7.5
    names = [c.wrap(row.label, bars.wrap_pt) for row in rows]
    lines = max(name.count("\n") + 1 for name in names)
    wanted_pitch = max(per_row * bar_pt + 5.0, lines * SMALL * 1.2 + 4.0)
    fig = c.start(clamp_height(BOTTOM + TOP + wanted_pitch * len(rows)))
    left = max(c.width_of(name) for name in names) + NAME_GAP
    # A tick at the axis's right end has half its label beyond it: room for the widest there can be.
    largest = max(max(bar.value for row in rows for bar in row.bars), 0.0)
    candidates = nice_ticks(0.0, largest or 1.0)
    right = max(c.width_of(number(t, c.lang, tick_decimals(candidates))) for t in candidates) / 2 + 1.0
    axes_width, axes_height = c.width - left - right, c.height - BOTTOM - TOP
    pitch = axes_height / len(rows)  # the wanted one, unless the height was clamped
    ax = c.axes(left, BOTTOM, axes_width, axes_height)
    placed, xmax = [], 0.0
    for r, row in enumerate(rows):
        for b, bar in enumerate(row.bars):
            pieces = [(text, colour, "normal") for text, colour in bar.pieces]
            if bars.tags and r == 0:
                pieces.append((bars.tags[b], "muted", "italic"))
            widths = [c.width_of(text, style=style) for text, _, style in pieces]
            room = axes_width - PAD - sum(widths) - SPACE * (len(widths) - 1) - 1.0
            xmax = max(xmax, max(bar.value, 0.0) * axes_width / max(room, 1.0))
            placed.append((r, b, bar, pieces, widths))
    xmax = max(xmax, largest, 1e-9)
    ticks = [t for t in candidates if t <= xmax * (1 + 1e-9)]
    tick_labels = [number(t, c.lang, tick_decimals(ticks)) for t in ticks]
    ax.set_xlim(0, xmax)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xticks(ticks, tick_labels)
    ax.set_yticks([])
    ax.grid(axis="x")
    ax.spines["bottom"].set_visible(False)
    ax.set_xlabel(bars.axis, color=c.colour("muted"), labelpad=4, loc="right")
    names_at = offset_copy(blended_transform_factory(ax.transAxes, ax.transData), fig, x=-NAME_GAP, units="points")
    for r, name in enumerate(names):
        ax.text(0, r, name, transform=names_at, ha="right", va="center", multialignment="right")
    bar_h = bar_pt / pitch
    for r, b, bar, pieces, widths in placed:
        y = r + (b - (per_row - 1) / 2) * bar_h
        fill, edge = ("white", c.colour(bar.colour)) if bar.hollow else (c.colour(bar.colour), "none")
        ax.add_artist(Rectangle((0, y - bar_h * 0.46), max(bar.value, 0.0), bar_h * 0.92, facecolor=fill,
                                edgecolor=edge, linewidth=OUTLINE if bar.hollow else 0, clip_on=False))
        offset = PAD
        for (text, colour, style), width in zip(pieces, widths):
            ax.text(max(bar.value, 0.0), y, text, ha="left", va="center_baseline", color=c.colour(colour),
                    style=style, transform=offset_copy(ax.transData, fig, x=offset, units="points"))
            if style != "italic":  # the tags are names, not figures
                c.labels.append(text)
            offset += width + SPACE
    c.labels += tick_labels
