"""The brand: organisation, colours, fonts and logo.

It is data a customer edits without touching code: either a brand folder of their own
(`paths.brand`), or single files in their templates folder (`templates/brand/logo.svg`) that
replace the shipped ones; nothing outside those folders can be read.

Each font and the logo is opened when the brand is read, by the libraries and in the way a build
opens them (reportlab and matplotlib parse the fonts, the logo is drawn into a PDF in memory), so
that a damaged file is one line naming it, before any build, not a traceback in the middle of one.
"""
from __future__ import annotations

import io
import tomllib
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from matplotlib import font_manager
from reportlab.graphics import renderPDF
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from svglib.svglib import svg2rlg

from bulletin import reference
from bulletin.config import Config
from bulletin.errors import ConfigError
from bulletin.templates import Templates

FONT_STYLES = ("regular", "bold", "italic", "bold_italic")
# The terms of reuse when brand.toml names none: Creative Commons Attribution 4.0, as ISTAT's own.
DEFAULT_LICENCE = ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/")
COLOUR_NAMES = ("primary", "secondary", "accent", "text", "muted", "rule", "tint", "positive", "negative")


@dataclass(frozen=True)
class Brand:
    organisation: str
    short_name: str
    department: str
    contact: str
    contact_name: str
    """The person the colophon names for questions about the edition, with the department."""
    contact_territories: tuple[str, ...]
    """The territories whose editions print `contact` and `contact_name` (a region's cover its
    provinces); empty: every edition. Others name only the publisher, so that an edition of
    another region never gives this office's people and numbers as its own."""
    licence: str
    licence_url: str
    footer: str
    logo: Path | None
    fonts: dict[str, Path]
    colours: dict[str, str]
    scale: tuple[str, ...]
    folder: Path


def configured_brand(config: Config) -> Brand:
    """The brand folder `paths.brand` names, as it is; otherwise `brand/` on the template search path.

    On the search path every brand file is looked up on its own, so a user's
    `templates/brand/logo.svg` replaces the shipped logo and keeps the shipped fonts and colours.
    """
    if config.paths.brand is not None:
        return load_brand(config.paths.brand)
    templates = Templates(config.paths.templates)
    return _read_brand(templates.find("brand/brand.toml"), lambda name: templates.find(f"brand/{name}"))


def load_brand(folder: Path) -> Brand:
    """A brand folder of its own: `brand.toml` and every file it names, inside `folder`."""
    return _read_brand(folder / "brand.toml", lambda name: _inside(folder, name))


def _read_brand(path: Path, locate: Callable[[str], Path]) -> Brand:
    """Read `brand.toml`; every missing file or bad value is reported at once, before any build.

    `locate` turns a file name in `brand.toml` into a path, or raises ConfigError.
    """
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"brand file {path} not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"brand file {path} is not valid TOML: {exc}") from None
    errors = []
    fonts = {}
    for style in FONT_STYLES:
        font = raw.get("fonts", {}).get(style)
        if not font:
            errors.append(f"fonts.{style}: missing (a .ttf file)")
            continue
        fonts[style] = _brand_file(f"fonts.{style}", font, locate, (".ttf",), "is not a TrueType (.ttf) file", errors)
    colours = raw.get("colours", {})
    for name in COLOUR_NAMES:
        if not _is_colour(colours.get(name)):
            errors.append(f"colours.{name}: expected a colour like #12355B, got {colours.get(name)!r}")
    scale = colours.get("scale", [])
    if len(scale) < 3 or not all(_is_colour(c) for c in scale):
        errors.append("colours.scale: expected a list of at least three colours, light to dark")
    logo = None
    if raw.get("logo"):
        logo = _brand_file("logo", raw["logo"], locate, (".svg", ".png"), "must be .svg or .png", errors)
    for key in ("organisation", "footer"):
        if not isinstance(raw.get(key), str) or not raw.get(key):
            errors.append(f"{key}: missing")
    for key in ("contact", "contact_name", "licence", "licence_url"):
        if not isinstance(raw.get(key, ""), str):
            errors.append(f"{key}: expected text, got {raw[key]!r}")
    contact_territories = raw.get("contact_territories", [])
    if not isinstance(contact_territories, list) or not all(c in reference.TERRITORIES for c in contact_territories):
        errors.append(f"contact_territories: expected a list of territory codes, got {contact_territories!r}")
    for style, font in fonts.items():
        if font is not None and font.is_file() and (problem := _font_problem(font, _stamp(font))):
            errors.append(f"fonts.{style}: {font} {problem}")
    if logo is not None and logo.is_file() and (problem := _logo_problem(logo, _stamp(logo))):
        errors.append(f"logo: {logo} cannot be drawn ({problem})")
    # A licence of one's own needs its own URL (the colophon prints where its terms are); none is the default.
    licence, licence_url = (raw["licence"], raw.get("licence_url", "")) if raw.get("licence") else DEFAULT_LICENCE
    if not licence_url:
        errors.append("licence_url: missing (where the text of the licence is)")
    if errors:
        raise ConfigError(f"brand {path} is not valid:\n" + "\n".join(f"  {e}" for e in errors))
    return Brand(organisation=raw["organisation"], short_name=raw.get("short_name", raw["organisation"]),
                 department=raw.get("department", ""), contact=raw.get("contact", ""),
                 contact_name=raw.get("contact_name", ""), contact_territories=tuple(contact_territories),
                 licence=licence, licence_url=licence_url, footer=raw["footer"],
                 logo=logo, fonts=fonts, colours={n: colours[n] for n in COLOUR_NAMES},
                 scale=tuple(scale), folder=path.parent)


def _brand_file(option: str, name: str, locate: Callable[[str], Path], suffixes: tuple[str, ...], wrong_kind: str,
                errors: list[str]) -> Path | None:
    try:
        path = locate(name)
    except ConfigError as exc:
        errors.append(f"{option}: {exc}")
        return None
    if not path.is_file():
        errors.append(f"{option}: file {path} not found")
    elif path.suffix.lower() not in suffixes:
        errors.append(f"{option}: {path} {wrong_kind}")
    return path


def _inside(folder: Path, name: str) -> Path:
    candidate = (folder / name).resolve()
    if not candidate.is_relative_to(folder.resolve()):
        raise ConfigError(f"{name!r} points outside the brand folder")
    return candidate


def _is_colour(value) -> bool:
    return (isinstance(value, str) and len(value) == 7 and value.startswith("#")
            and all(c in "0123456789abcdefABCDEF" for c in value[1:]))


def _stamp(path: Path) -> tuple[int, int]:
    """What tells a changed file from the one already opened: its size and time of change."""
    status = path.stat()
    return status.st_size, status.st_mtime_ns


# A damaged file fails inside the libraries in their own ways (struct.error, IndexError,
# RuntimeError, PIL's errors...): there any exception means "cannot be used", and says so.

@lru_cache(maxsize=32)
def _font_problem(path: Path, stamp: tuple[int, int]) -> str | None:
    """Why a build could not open the font, or None: reportlab reads it for the document,
    matplotlib for the charts. Once per file and process (`stamp` tells a changed file)."""
    try:
        TTFont(f"brand-check-{path.stem}", str(path))
        font_manager.ttfFontProperty(font_manager.get_font(str(path)))
    except Exception as exc:  # noqa: BLE001 - see above
        return f"is not a font reportlab and matplotlib can read ({_one_line(exc)})"
    return None


@lru_cache(maxsize=8)
def _logo_problem(path: Path, stamp: tuple[int, int]) -> str | None:
    """Why the cover could not draw the logo, or None: drawn as the cover draws it, into a PDF in memory."""
    canvas = Canvas(io.BytesIO())
    try:
        if path.suffix.lower() == ".svg":
            if not _is_svg(path):
                return "not an SVG image"
            drawing = svg2rlg(str(path))
            if drawing is None or not (drawing.width > 0 and drawing.height > 0):
                return "an SVG image of no size"  # the cover scales it to its square: it would divide by 0
            renderPDF.draw(drawing, canvas, 0, 0)
        else:
            canvas.drawImage(ImageReader(str(path)), 0, 0, 10, 10)
        canvas.save()
    except Exception:  # noqa: BLE001 - see above; their texts name memory addresses, not the problem
        return f"not a {path.suffix.lstrip('.').upper()} image reportlab can draw"
    return None


def _is_svg(path: Path) -> bool:
    """Whether the file is XML whose root is <svg>. Asked first, because svglib logs an error of
    its own about anything else, which would be a second, unlocated line."""
    try:
        return ElementTree.parse(path).getroot().tag in ("svg", "{http://www.w3.org/2000/svg}svg")
    except (ElementTree.ParseError, OSError):
        return False


def glyph_problems(brand: Brand) -> list[str]:
    """Every glyph of each font drawn once, by matplotlib and by reportlab: a font damaged inside its
    outlines opens, then fails on the first character that uses them, mid-build.

    A tenth of a second a font, too slow for every build: `bulletin check` (which `bulletin
    schedule` runs first) does it.
    """
    problems = []
    for style, path in brand.fonts.items():
        try:
            outlines = font_manager.get_font(str(path))
            for code in outlines.get_charmap():
                outlines.load_char(code)
            name = f"brand-glyphs-{style}-{_stamp(path)[1]}"
            pdfmetrics.registerFont(font := TTFont(name, str(path)))
            canvas = Canvas(io.BytesIO())
            canvas.setFont(name, 10)
            canvas.drawString(0, 0, "".join(map(chr, sorted(font.face.charToGlyph))))
            canvas.save()
        except Exception as exc:  # noqa: BLE001 - see above
            problems.append(f"brand fonts.{style}: {path}: its glyphs cannot be drawn ({_one_line(exc)})")
    return problems


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__
