"""Templates: the texts and brand shipped with the package, overridable file by file, and the one
way every text template is filled in.

The user's folder (`paths.templates`) is searched before the one shipped inside the package, so
a customer changes one sentence or the logo by copying that one file; nothing outside these
folders can be read.
"""
from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path

from bulletin.errors import ConfigError

SHIPPED_TEMPLATES = Path(__file__).resolve().parent / "templates"


class Templates:
    """Text templates looked up in the user's folder first, then in the shipped one."""

    def __init__(self, user_folder: Path | None):
        # A configured folder that does not exist stays on the path, so that the message for a
        # missing template names it: a mistyped `paths.templates` is then plain to see.
        folders = [user_folder, SHIPPED_TEMPLATES]
        self.folders = list(dict.fromkeys(f.resolve() for f in folders if f is not None))

    def find(self, name: str) -> Path:
        for folder in self.folders:
            candidate = (folder / name).resolve()
            if not candidate.is_relative_to(folder):
                raise ConfigError(f"template {name!r} points outside the template folders")
            if candidate.is_file():
                return candidate
        searched = ", ".join(str(f) if f.is_dir() else f"{f} (missing)" for f in self.folders)
        raise ConfigError(f"template {name!r} not found in {searched}")

    def read(self, name: str) -> str:
        return self.find(name).read_text(encoding="utf-8")

    def read_toml(self, name: str) -> dict:
        """The template `name` parsed; the same file unchanged is parsed once per process (an
        edition reads a dozen, a many-editions build the same ones hundreds of times). The dict is
        shared: callers read it and never change it."""
        path = self.find(name)
        stat = path.stat()
        try:
            return _parsed_toml(path, stat.st_mtime_ns, stat.st_size)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"template {path} is not valid TOML: {exc}") from None

    def texts(self, name: str) -> Texts:
        return Texts(self, name)


@lru_cache(maxsize=64)
def _parsed_toml(path: Path, modified_ns: int, size: int) -> dict:
    """A TOML file as it was when last modified at `modified_ns` with `size` bytes (the cache key)."""
    return tomllib.loads(path.read_text(encoding="utf-8"))


class Texts:
    """The strings of one TOML template, filled in with `str.format`; every error names the file and key."""

    def __init__(self, templates: Templates, name: str):
        self.name = name
        self.strings = templates.read_toml(name)

    def get(self, key: str) -> str:
        value = self.strings.get(key)
        if not isinstance(value, str):
            raise ConfigError(f"template {self.name}: key {key!r} missing or not a string")
        return value

    def table(self, key: str) -> dict:
        value = self.strings.get(key, {})
        if not isinstance(value, dict):
            raise ConfigError(f"template {self.name}: [{key}] must be a table")
        return value

    def fill(self, key: str, *, escape: Callable[[str], str] | None = None, markup: Mapping[str, str] | None = None,
             **values) -> str:
        """The string `key` with its placeholders filled in.

        With `escape` (for HTML or reportlab's paragraph markup), the template and every string
        value are escaped, and `markup` (already safe) is inserted as it is; values that are not
        strings format themselves (a narrative figure chooses its article, see `text.narrative`).
        """
        template = self.get(key)
        if escape is not None:
            template = escape(template)
            values = {name: escape(value) if type(value) is str else value for name, value in values.items()}
        try:
            return template.format(**values, **(markup or {}))
        except KeyError as exc:
            raise ConfigError(f"template {self.name}: key {key!r} uses unknown placeholder {{{exc.args[0]}}}") from None
        except (ValueError, IndexError, AttributeError) as exc:
            raise ConfigError(f"template {self.name}: key {key!r} cannot be filled: {exc}") from None
