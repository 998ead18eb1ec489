"""The brand: organisation, colours, fonts and logo.

It is data a customer edits without touching code: either a brand folder of their own
(`paths.brand`), or single files in their templates folder (`templates/brand/logo.svg`) that
replace the shipped ones; nothing outside those folders can be read.
"""
from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bulletin.config import Config
from bulletin.errors import ConfigError
from bulletin.templates import Templates

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
    if errors:
        raise ConfigError(f"brand {path} is not valid:\n" + "\n".join(f"  {e}" for e in errors))
    return Brand(organisation=raw["organisation"], short_name=raw.get("short_name", raw["organisation"]),
                 department=raw.get("department", ""), contact=raw.get("contact", ""), footer=raw["footer"],
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
