"""The archive's own pages: `output/index.html`, every edition by territory, newest first, and
`output/feed.xml`, an Atom feed of them; beside them `output/assets/`, the one stylesheet and the
brand's fonts every page uses.

They are rewritten after every build from the editions' manifests and figures, each file
atomically (`files.write_atomically`) and under one lock, so that two builds finishing together
leave pages that list both. Links are relative, so the folder can be copied to any web server as
it is; with `mail.download_url` set, the feed's links are absolute (a feed reader has no folder
to resolve them against).
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from bulletin import reference
from bulletin.archive.store import FOLDER_PATTERN, WEB_PAGE, ArchivedEdition, all_editions
from bulletin.brand import FONT_STYLES, Brand, configured_brand
from bulletin.config import Config
from bulletin.files import write_atomically
from bulletin.templates import Templates
from bulletin.text import formatting as fmt
from bulletin.web.pages import ARCHIVE_ASSETS, STYLESHEET, WebPages

FEED = "feed.xml"
LOCK = ".pages.lock"


@dataclass(frozen=True)
class ListedEdition:
    """One edition as the index and the feed list it; paths relative to the archive's folder."""

    quarter: str
    quarter_label: str
    territory: str
    lang: str
    revision: int
    title: str
    published: dt.date
    built_at: str          # ISO 8601, UTC
    folder: str            # 2017Q1/ITC4/it-r2
    page: str | None       # its web page, when it has one (editions built before the web edition have none)
    pdf: str
    workbook: str | None
    revises: str | None    # the page (or, without one, the PDF) of the edition it replaces
    revises_revision: int | None
    summary: str           # the headline figures, in the edition's language

    @property
    def id(self) -> str:
        return f"urn:bulletin:{self.quarter}:{self.territory}:{self.lang}-r{self.revision}"


def write_archive_pages(config: Config) -> None:
    """Rewrite the archive's index, feed and shared assets from every edition in `paths.output`;
    nothing without the web edition (`edition.web = false`)."""
    if not config.edition.web:
        return
    output = config.paths.output
    templates = Templates(config.paths.templates)
    pages = WebPages(templates)
    lang = config.edition.languages[0]
    output.mkdir(parents=True, exist_ok=True)
    brand = configured_brand(config)
    with FileLock(str(output / LOCK)):
        write_assets(output, pages, brand)
        listed = [listed_edition(output, edition, templates) for edition in all_editions(output)]
        listed.sort(key=lambda e: e.lang)  # newest first; editions of one day by language
        listed.sort(key=lambda e: (e.quarter, e.published, e.built_at, e.revision), reverse=True)
        groups = [(code, reference.TERRITORIES[code].name(lang), [e for e in listed if e.territory == code])
                  for code in sorted({e.territory for e in listed})]
        index = pages.render("archive.html", lang, {"groups": groups, "organisation": brand.organisation, "feed": FEED,
                                          "assets": ARCHIVE_ASSETS})
        write_atomically(output / WEB_PAGE, index.encode("utf-8"))
        base = config.mail.download_url.rstrip("/") + "/" if config.mail.download_url else ""
        updated = max((e.built_at for e in listed), default="1970-01-01T00:00:00Z")
        feed = pages.render("feed.xml", lang, {"entries": listed, "base": base, "updated": updated,
                                         "organisation": brand.organisation})
        write_atomically(output / FEED, feed.encode("utf-8"))


def listed_edition(output: Path, edition: ArchivedEdition, templates: Templates) -> ListedEdition:
    """What the index and the feed say of one edition, from its manifest and `indicators.json`."""
    m = edition.manifest
    lang, folder = m["language"], edition.folder.relative_to(output).as_posix()
    built_at = m["built_at"]
    published = dt.date.fromisoformat(m.get("published") or built_at[:10])
    revises, revises_revision = None, None
    if m.get("revises"):
        replaced = edition.folder.with_name(m["revises"])
        revises = f"{replaced.relative_to(output).as_posix()}/" + (WEB_PAGE if (replaced / WEB_PAGE).is_file()
                                                                   else _pdf_of(replaced))
        revises_revision = int(FOLDER_PATTERN.match(m["revises"]).group(2))
    return ListedEdition(
        quarter=m["quarter"], quarter_label=fmt.quarter_label(m["quarter"], lang), territory=m["territory"],
        lang=lang, revision=int(m["revision"]), title=m["title"], published=published, built_at=built_at,
        folder=folder, page=f"{folder}/{WEB_PAGE}" if (edition.folder / WEB_PAGE).is_file() else None,
        pdf=f"{folder}/{m['pdf']}",
        workbook=f"{folder}/tables.xlsx" if (edition.folder / "tables.xlsx").is_file() else None,
        revises=revises, revises_revision=revises_revision, summary=headline_figures(edition.folder / "indicators.json", lang, templates))


def headline_figures(indicators_json: Path, lang: str, templates: Templates) -> str:
    """The exports, their change and their share of Italy's, as the edition prints them."""
    figures = json.loads(indicators_json.read_text(encoding="utf-8"))
    exports = figures["exports"]
    return templates.texts(f"{lang}/web.toml").fill(
        "feed_summary", exports=fmt.money(exports["value_eur"], lang),
        change=fmt.change(exports["yoy_pct"], exports["previous_eur"], lang),
        previous=fmt.quarter_label(figures["previous_year_quarter"], lang),
        share=fmt.share(exports["share_of_national_pct"], lang))


def write_assets(output: Path, pages: WebPages, brand: Brand) -> None:
    """The stylesheet, with the brand's colours, and the brand's fonts; a file already as it should
    be is left alone (the fonts are a megabyte)."""
    assets = output / ARCHIVE_ASSETS
    fonts = {style: f"fonts/{style}{brand.fonts[style].suffix.lower()}" for style in FONT_STYLES}
    wanted = {STYLESHEET: pages.render(STYLESHEET, None, {"colours": brand.colours, "fonts": fonts}).encode("utf-8")}
    wanted.update({fonts[style]: brand.fonts[style].read_bytes() for style in FONT_STYLES})
    for name, content in wanted.items():
        path = assets / name
        if not path.is_file() or path.read_bytes() != content:
            write_atomically(path, content)


def _pdf_of(folder: Path) -> str:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return manifest["pdf"]
