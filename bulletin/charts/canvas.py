"""One chart drawn with matplotlib: a figure measured in points, saved as a one-page PDF of
exactly the chart's size.

Layout is computed in points from text widths that matplotlib measures (no `bbox_inches="tight"`,
no constrained layout): each file is exactly `WIDTH_MM` wide and as high as its drawing decides,
and nothing is clipped. matplotlib lays out and draws all text itself; the PDF canvas below only
has it draw text the way matplotlib's generic renderer does, as filled outlines
(`RendererBase.draw_text`), and measure it as those outlines are measured (`TextToPath`), both
kept per string (`textcache`: matplotlib shapes every string anew at about a millisecond). So the
chart PDFs hold no fonts: the bulletin, which places each chart page as it is (`document.pdfa`),
embeds only the fonts of its own text, as PDF/A asks. Nothing in a file depends on when or with
which matplotlib it was drawn: no dates, no producer.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_mixed import MixedModeRenderer
from matplotlib.backends.backend_pdf import FigureCanvasPdf, PdfFile, RendererPdf
from matplotlib.backends.backend_svg import RendererSVG
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text
from matplotlib.textpath import text_to_path
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Affine2D

from bulletin.brand import Brand
from bulletin.charts.textcache import text_extent, text_outline
from bulletin.text.typography import typographic

MM = 72.0 / 25.4          # points per millimetre
WIDTH_MM = 170.0          # the text frame of an A4 page with 20 mm margins
MIN_HEIGHT_MM, MAX_HEIGHT_MM = 60.0, 120.0
FONT_SIZE = 8.0           # panel titles
SMALL = 7.5               # everything else: the smallest size printed
SERIES_COLOURS = ("primary", "accent")  # exports, imports, in every chart: must stay apart in grey (see tests)
INK_COLOURS = ("primary", "accent", "text", "muted", "positive", "negative")
"""Every colour a chart draws a figure, bar, line or word with: each 3:1 against white, at most
four of them not grey in one chart. ("rule" draws only grid lines; the brand's light "secondary"
fails 3:1 and draws nothing: a year earlier is a hollow bar instead.)"""

# Nothing in the file depends on when or with which matplotlib it was drawn.
PDF_METADATA = {"Creator": None, "Producer": None, "CreationDate": None}
SVG_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}


@dataclass(frozen=True)
class ChartStyle:
    """What drawing needs of the brand: its colours by name, its colour scale (light to dark, for
    the heat map) and its font files by style (regular, bold, italic, bold_italic)."""

    colours: Mapping[str, str]
    scale: tuple[str, ...]
    fonts: Mapping[str, Path]


def chart_style(brand: Brand) -> ChartStyle:
    """Only what the charts use, so drawing needs no brand file, logo or organisation."""
    return ChartStyle(colours=dict(brand.colours), scale=tuple(brand.scale), fonts=dict(brand.fonts))


def draw_chart(draw: Callable[[ChartCanvas, Any], None], data: Any, style: ChartStyle, lang: str,
               path: Path, svg: bool = False) -> ChartCanvas:
    """Draw `data` with `draw` into the one-page PDF `path`; the canvas tells its size and labels.
    With `svg`, the same drawing also makes an SVG (`ChartCanvas.svg`), for the web edition: the
    figure is drawn once, into both (`BothRenderers`)."""
    canvas = ChartCanvas(style, lang)
    # Text takes its font and colours from the settings when it is made, and the file its
    # compression when it is written: both happen inside.
    with matplotlib.rc_context({**_settings(style.colours, canvas.family), "svg.hashsalt": path.stem}):
        draw(canvas, data)
        if canvas.fig is None:
            raise RuntimeError(f"drawing {path.stem!r} made no figure (call ChartCanvas.start)")
        # Typographic apostrophes and quotes, as the pages print them ("dell’innovazione"), in
        # every string the drawing set: names from the data, the templates' words. The typographic
        # ones are narrower, so the layout measured on the typed ones still holds.
        for text in canvas.fig.findobj(Text):
            text.set_text(typographic(text.get_text(), unbreakable=False))
        buffer = io.StringIO() if svg else None
        canvas.fig.savefig(path, format="pdf", metadata=PDF_METADATA, svg=buffer)
        canvas.svg = buffer.getvalue() if buffer is not None else ""
    return canvas


class ChartCanvas:
    """One chart being drawn: its figure in points from the lower left corner, the brand's
    colours, text measured as it will be drawn, and the number labels printed (`labels`)."""

    def __init__(self, style: ChartStyle, lang: str):
        self.colours, self.scale, self.lang = style.colours, style.scale, lang
        self.family = brand_family(tuple(str(style.fonts[name]) for name in sorted(style.fonts)))
        self.width = WIDTH_MM * MM
        self.height = 0.0
        self.fig: Figure | None = None
        self.points = Affine2D()
        self.labels: list[str] = []
        self.svg = ""  # the figure as SVG, when asked for (`draw_chart`)

    def start(self, height_pt: float) -> Figure:
        """The figure, `height_pt` high: a drawing decides its height before it draws."""
        self.height = height_pt
        self.fig = Figure(figsize=(self.width / 72.0, height_pt / 72.0), dpi=72)
        OutlinePdfCanvas(self.fig)
        self.fig.patch.set_visible(False)
        self.points = Affine2D().scale(1 / 72.0) + self.fig.dpi_scale_trans
        return self.fig

    def colour(self, name: str) -> str:
        """A brand colour by name ("primary"), or a colour given as it is ("#FFFFFF")."""
        return self.colours.get(name, name)

    def width_of(self, text: str, size: float = SMALL, weight: str = "normal", style: str = "normal") -> float:
        """The width in points of `text` (its longest line) as matplotlib will draw it."""
        prop = FontProperties(family=self.family, size=size, weight=weight, style=style)
        return max(text_extent(line, prop, False)[0] for line in text.split("\n"))

    def wrap(self, text: str, max_pt: float) -> str:
        """Greedy word wrap on measured widths, at spaces only (not at no-break spaces); a single
        word longer than a line stays whole. A last line of one word takes the word before it
        along where that fits ("… di consumo audio / e video", not "… audio e / video"): no word
        is left alone under a label."""
        words = [word for word in text.split(" ") if word]
        if self.width_of(" ".join(words)) <= max_pt:  # most names fit: one measure, not one a word
            return " ".join(words)
        lines: list[str] = []
        for word in words:
            if lines and self.width_of(f"{lines[-1]} {word}") <= max_pt:
                lines[-1] = f"{lines[-1]} {word}"
            else:
                lines.append(word)
        if len(lines) > 1 and " " not in lines[-1] and lines[-2].count(" ") >= 1:
            head, moved = lines[-2].rsplit(" ", 1)
            if self.width_of(f"{moved} {lines[-1]}") <= max_pt:
                lines[-2:] = [head, f"{moved} {lines[-1]}"]
        return "\n".join(lines)

    def axes(self, left: float, bottom: float, width: float, height: float) -> Axes:
        """Axes placed in points, with only the left and bottom spines, drawn below the data."""
        ax = self.fig.add_axes((left / self.width, bottom / self.height, width / self.width, height / self.height))
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_axisbelow(True)
        ax.patch.set_visible(False)
        return ax

    def text(self, x: float, y: float, text: str, colour: str = "text", size: float = SMALL, **kw) -> Text:
        """Text at (x, y) points from the figure's lower left corner."""
        return self.fig.text(x, y, text, transform=self.points, fontsize=size, color=self.colour(colour), **kw)


def nice_ticks(low: float, high: float, bins: int = 5) -> list[float]:
    if high <= low:
        high = low + 1.0
    return [float(t) for t in MaxNLocator(nbins=bins, steps=[1, 2, 5, 10]).tick_values(low, high)]


def tick_decimals(ticks: list[float]) -> int:
    """As many decimals as the step between ticks needs: 0 for 1, 2, 5...; 1 for 0.5."""
    step = min((b - a for a, b in zip(ticks, ticks[1:])), default=1.0)
    return 0 if step >= 1 or step <= 0 else min(6, -math.floor(math.log10(step) + 1e-9))


def clamp_height(content_pt: float) -> float:
    """A chart's height from its content's, kept between the smallest and largest a page takes."""
    return min(max(content_pt, MIN_HEIGHT_MM * MM), MAX_HEIGHT_MM * MM)


def luminance(colour) -> float:
    """Relative luminance (WCAG): 0.2126 R + 0.7152 G + 0.0722 B on linearised sRGB."""
    def linear(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(v) for v in to_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@lru_cache(maxsize=None)
def brand_family(font_files: tuple[str, ...]) -> str:
    """Make the brand's TTF files known to matplotlib (once per process); return a family naming them.

    The family gets a name of its own: under its real name ("Open Sans") matplotlib could pick
    a system copy of the font, which may differ from the brand's file and from machine to machine.
    """
    family = "BulletinBrand" + hashlib.sha256("\n".join(font_files).encode("utf-8")).hexdigest()[:12]
    for path in font_files:
        entry = font_manager.ttfFontProperty(font_manager.get_font(path))
        font_manager.fontManager.ttflist.append(dataclasses.replace(entry, name=family))
    return family


def _settings(colours: Mapping[str, str], family: str) -> dict:
    return {"font.family": [family], "font.size": SMALL,
            "text.parse_math": False,  # "$5 e $10" in a name is money, not mathematics
            "text.color": colours["text"], "axes.unicode_minus": False, "path.simplify": True,
            "grid.color": colours["rule"], "grid.linewidth": 0.5, "grid.linestyle": "-",
            "axes.edgecolor": colours["muted"], "axes.linewidth": 0.6,
            "xtick.color": colours["muted"], "ytick.color": colours["muted"],
            "xtick.labelcolor": colours["text"], "ytick.labelcolor": colours["text"],
            "xtick.labelsize": SMALL, "ytick.labelsize": SMALL, "xtick.major.size": 0, "ytick.major.size": 0,
            "xtick.major.pad": 3, "ytick.major.pad": 3,
            "svg.fonttype": "none",  # text stays text in the web edition: searchable, read in the brand's font
            # zlib's fastest level: outlined text compresses well at any level, and the default
            # (6) cost a third of the drawing time for files a sixth smaller.
            "pdf.compression": 1}


class OutlineRendererPdf(RendererPdf):
    """matplotlib's PDF renderer with text drawn as filled outlines, as matplotlib's base renderer
    draws it (`RendererBase.draw_text`) but from kept outlines, and measured as those outlines
    are (unhinted), so text sits exactly where it is aligned."""

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath == "TeX":
            return RendererBase.draw_text(self, gc, x, y, s, prop, angle, ismath, mtext)
        scale = self.points_to_pixels(prop.get_size_in_points()) / text_to_path.FONT_SCALE
        gc.set_linewidth(0.0)
        self.draw_path(gc, text_outline(s, prop.copy(), ismath),  # a copy: the text may change its own later
                       Affine2D().scale(scale).rotate_deg(angle).translate(x, y), rgbFace=gc.get_rgb())

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath == "TeX":
            return super().get_text_width_height_descent(s, prop, ismath)
        return text_extent(s, prop.copy(), ismath)


class OutlinePdfCanvas(FigureCanvasPdf):
    """matplotlib's PDF canvas drawing with `OutlineRendererPdf`: one page, 72 dpi, of the figure's
    size; given a text file as `svg`, the same drawing goes into it as SVG (`BothRenderers`)."""

    def print_pdf(self, filename, *, bbox_inches_restore=None, metadata=None, svg=None, **_other_savefig_options):
        self.figure.dpi = 72
        width, height = self.figure.get_size_inches()
        file = PdfFile(filename, metadata=metadata)
        try:
            file.newPage(width, height)
            vector = OutlineRendererPdf(file, 72, height, width)
            if svg is not None:
                vector = BothRenderers(vector, KeptTextRendererSvg(width * 72, height * 72, svg, image_dpi=72,
                                                                   metadata=SVG_METADATA))
            renderer = MixedModeRenderer(self.figure, width, height, 72, vector, bbox_inches_restore=bbox_inches_restore)
            self.figure.draw(renderer)
            renderer.finalize()
            file.finalize()
        finally:
            file.close()


class KeptTextRendererSvg(RendererSVG):
    """matplotlib's SVG renderer, text kept as text (`svg.fonttype = "none"`) but measured as the
    PDF renderer measures it (`text_extent`, kept per string): the web's chart is laid out as the
    printed one, without shaping every string a second time.

    Some of its work is done once instead of at each call, because the web edition may add at
    most a tenth to an edition and a chart's SVG cost about an eighth of it: a level string is
    written as matplotlib writes it but with its style composed once per font, colour and alignment
    (`draw_text`), and the flip from the figure's upward y to the SVG's downward y is made once
    (`_make_flip_transform`); artists are not wrapped in `<g id="line2d_7">` groups, which nothing
    in the page uses (`open_group`). A test compares every element with those of matplotlib's own
    renderer."""

    def __init__(self, width, height, svgwriter, *args, **kwargs):
        self._flip = Affine2D().scale(1, -1).translate(0, height).frozen()
        super().__init__(width, height, svgwriter, *args, **kwargs)

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath == "TeX":
            return super().get_text_width_height_descent(s, prop, ismath)
        return text_extent(s, prop.copy(), ismath)

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        family = prop.get_family()
        if (ismath or angle != 0 or mtext is None or gc.get_url() is not None or len(family) != 1
                or matplotlib.rcParams["svg.fonttype"] != "none" or _generic_family(family[0])):
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        # As `RendererSVG._draw_text_as_text` places level text: at its anchor's x and its line's
        # y, reached as matplotlib reaches it (the anchor's y moved by the line's offset: the same
        # float, which plain `y` need not be).
        ax, ay = mtext.get_transform().transform(mtext.get_unitless_position())
        ay = self.height - ay
        ay += y - ay
        alpha = gc.get_alpha() if gc.get_forced_alpha() else gc.get_rgb()[3]
        style = _text_style(family[0], prop.get_style(), prop.get_variant(), prop.get_weight(), prop.get_size(),
                            prop.get_stretch(), mtext.get_ha(), tuple(gc.get_rgb()), alpha)
        clip = self._get_clip_attrs(gc)
        if clip:
            self.writer.start("g", **clip)
        self.writer.element("text", s, attrib={"style": style, "x": _svg_number(ax), "y": _svg_number(ay),
                                               "transform": f"rotate({_svg_number(-angle)} {_svg_number(ax)} "
                                                            f"{_svg_number(ay)})"})
        if clip:
            self.writer.end("g")

    def _make_flip_transform(self, transform):
        return transform + self._flip

    def open_group(self, s, gid=None):
        pass

    def close_group(self, s):
        pass


def _svg_number(value: float) -> str:
    """A number as matplotlib's SVG writes it: six decimals, trailing zeros dropped."""
    return f"{value:f}".rstrip("0").rstrip(".")


def _generic_family(name: str) -> bool:
    return name in font_manager.font_family_aliases or name in ("sans", "sans serif")


@lru_cache(maxsize=256)
def _text_style(family: str, style: str, variant: str, weight, size: float, stretch, align: str,
                rgb: tuple[float, ...], alpha: float) -> str:
    """A string's CSS, as `RendererSVG._draw_text_as_text` composes it, for one font, alignment
    and colour: the same few recur in every chart."""
    weight = font_manager.weight_dict.get(weight, weight)
    css = {"font-style": style if style != "normal" else None, "font-variant": variant if variant != "normal" else None,
           "font-weight": f"{weight}" if weight != 400 else None, "font-size": f"{_svg_number(size)}px",
           "font-family": repr(family), "font-stretch": stretch if stretch != "normal" else None,
           "text-anchor": {"left": "start", "right": "end", "center": "middle"}[align]}
    colour = to_hex(rgb)
    css.update({"fill": colour if colour != "#000000" else None, "opacity": _svg_number(alpha) if alpha != 1 else None})
    return "; ".join(f"{key}: {value}" for key, value in css.items() if value is not None)


def _to_both(name: str) -> Callable:
    """A method of `BothRenderers` that makes the same call on the SVG renderer, then the PDF one."""
    def method(self, *args, **kwargs):
        getattr(self.svg, name)(*args, **kwargs)
        return getattr(self.pdf, name)(*args, **kwargs)
    method.__name__ = name
    return method


class BothRenderers(RendererBase):
    """The PDF renderer and the SVG renderer fed by one drawing of the figure: matplotlib lays out
    every artist once (ticks, text, transforms: most of the time a chart takes) and each renderer
    writes its file from the same calls. Both draw at 72 dpi on a canvas of the same size and
    measure text alike (`text_extent`); the one difference is that SVG counts y downwards, so a
    string's position, which the figure computes for the PDF's upward y, is turned over for it
    (the SVG renderer turns paths over itself)."""

    def __init__(self, pdf: OutlineRendererPdf, svg: KeptTextRendererSvg):
        super().__init__()
        self.pdf, self.svg = pdf, svg

    draw_path = _to_both("draw_path")
    draw_markers = _to_both("draw_markers")
    draw_path_collection = _to_both("draw_path_collection")
    draw_quad_mesh = _to_both("draw_quad_mesh")
    draw_gouraud_triangles = _to_both("draw_gouraud_triangles")
    draw_image = _to_both("draw_image")
    open_group = _to_both("open_group")
    close_group = _to_both("close_group")
    finalize = _to_both("finalize")

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        # The SVG first: the PDF renderer sets the context's line width to nothing for outlines.
        self.svg.draw_text(gc, x, self.svg.height - y, s, prop, angle, ismath, mtext)
        self.pdf.draw_text(gc, x, y, s, prop, angle, ismath, mtext)

    def new_gc(self):
        return self.pdf.new_gc()

    def flipy(self):
        return self.pdf.flipy()

    def get_canvas_width_height(self):
        return self.pdf.get_canvas_width_height()

    def get_text_width_height_descent(self, s, prop, ismath):
        return self.pdf.get_text_width_height_descent(s, prop, ismath)

    def points_to_pixels(self, points):
        return self.pdf.points_to_pixels(points)

    def option_image_nocomposite(self):
        return self.pdf.option_image_nocomposite()

    def option_scale_image(self):
        return self.pdf.option_scale_image()
