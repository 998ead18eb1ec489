"""The brand: organisation, colours, fonts and logo.

It is data a customer edits without touching code: the user's own folders are searched
before the ones shipped with the package, and nothing outside those folders can be read.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bulletin.errors import ConfigError
from bulletin.templates import Templates

if TYPE_CHECKING:
    from bulletin.config import Config

FONT_STYLES = ("regular", "bold", "italic", "bold_italic")
COLOUR_NAMES = ("primary", "secondary", "accent", "text", "muted", "rule", "tint", "positive", "negative")


@dataclass(frozen=True)
class Brand:
    organisation: str
    short_name: str
    department: str
    contact: str
    footer: str
    logo: Path | None
    fonts: dict[str, Path]
    colours: dict[str, str]
    scale: tuple[str, ...]
    folder: Path


def configured_brand(config: Config) -> Brand:
    """The brand folder the configuration names, or `brand/` on the template search path."""
    return load_brand(config.paths.brand or Templates(config.paths.templates).find("brand/brand.toml").parent)


def load_brand(folder: Path) -> Brand:
    """Read `brand.toml`; every missing file or bad value is reported at once, before any build."""
    path = folder / "brand.toml"
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
        font_path = _inside(folder, font, f"fonts.{style}", errors)
        if font_path and not font_path.is_file():
            errors.append(f"fonts.{style}: file {font_path} not found")
        elif font_path and font_path.suffix.lower() != ".ttf":
            errors.append(f"fonts.{style}: {font_path} is not a TrueType (.ttf) file")
        fonts[style] = font_path
    colours = raw.get("colours", {})
    for name in COLOUR_NAMES:
        if not _is_colour(colours.get(name)):
            errors.append(f"colours.{name}: expected a colour like #12355B, got {colours.get(name)!r}")
    scale = colours.get("scale", [])
    if len(scale) < 3 or not all(_is_colour(c) for c in scale):
        errors.append("colours.scale: expected a list of at least three colours, light to dark")
    logo = None
    if raw.get("logo"):
        logo = _inside(folder, raw["logo"], "logo", errors)
        if logo and not logo.is_file():
            errors.append(f"logo: file {logo} not found")
        elif logo and logo.suffix.lower() not in (".svg", ".png"):
            errors.append(f"logo: {logo} must be .svg or .png")
    for key in ("organisation", "footer"):
        if not isinstance(raw.get(key), str) or not raw.get(key):
            errors.append(f"{key}: missing")
    if errors:
        raise ConfigError(f"brand {path} is not valid:\n" + "\n".join(f"  {e}" for e in errors))
    return Brand(organisation=raw["organisation"], short_name=raw.get("short_name", raw["organisation"]),
                 department=raw.get("department", ""), contact=raw.get("contact", ""), footer=raw["footer"],
                 logo=logo, fonts=fonts, colours={n: colours[n] for n in COLOUR_NAMES},
                 scale=tuple(scale), folder=folder)


def _inside(folder: Path, relative: str, option: str, errors: list[str]) -> Path | None:
    candidate = (folder / relative).resolve()
    if not candidate.is_relative_to(folder.resolve()):
        errors.append(f"{option}: {relative!r} points outside the brand folder")
        return None
    return candidate


def _is_colour(value) -> bool:
    return (isinstance(value, str) and len(value) == 7 and value.startswith("#")
            and all(c in "0123456789abcdefABCDEF" for c in value[1:]))
