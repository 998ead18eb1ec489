"""The web pages' templates (Jinja2), looked up like every other template, and their words.

The templates are `templates/web/*` (the page of an edition, the archive's index, its feed and the
one stylesheet), searched along the same path as the other templates: a file in the user's
`templates/web/` replaces the shipped one of the same name. Every value is escaped by the
template engine unless it is already markup (`markupsafe.Markup`); the words a page prints are
`templates/<lang>/web.toml`, filled by `Texts.fill` as every other text is.
"""
from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound, select_autoescape

from bulletin.errors import ConfigError
from bulletin.templates import Templates

ARCHIVE_ASSETS = "assets"
"""The archive's folder for what every page shares: the stylesheet and the brand's fonts."""
STYLESHEET = "bulletin.css"
BRAND_FAMILY = "'Brand', sans-serif"
"""The font family the stylesheet declares for the brand's fonts (`@font-face`), which the charts' text names."""


class WebPages:
    """The web templates on the template search path, rendered with the words of a language."""

    def __init__(self, templates: Templates):
        self.templates = templates
        self.environment = _environment(tuple(str(folder / "web") for folder in templates.folders))

    def render(self, name: str, lang: str | None, values: dict) -> str:
        """The template `web/<name>` filled with `values` and, given a language, its words (`words.fill`)."""
        words = self.templates.texts(f"{lang}/web.toml") if lang else None
        try:
            return self.environment.get_template(name).render(lang=lang, words=words, **values)
        except TemplateNotFound:
            self.templates.find(f"web/{name}")  # names every folder searched
            raise
        except TemplateError as exc:
            where = f"{exc.filename}:{exc.lineno}" if getattr(exc, "lineno", None) else f"web/{name}"
            raise ConfigError(f"template {where}: {exc.message}") from None


@lru_cache(maxsize=8)
def _environment(folders: tuple[str, ...]) -> Environment:
    """One environment per search path and process, so that each template is compiled once, not
    once per edition (a fifth of the web page's time in a many-editions build); it still reloads
    a template whose file changed (jinja2's `auto_reload`), as in a scheduler that runs for days."""
    return Environment(loader=FileSystemLoader(list(folders)), autoescape=select_autoescape(["html", "xml"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
