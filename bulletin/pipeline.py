"""One edition from data to archive, read top to bottom as the list of its stages.

    data → indicators → narrative → charts → document → PDF/A → tables → web page → archive

Each stage is a function of plain data in and plain data out (see the subpackages named after
them); this module only calls them in order. `ensure_edition` decides whether an edition must be
built at all (unchanged figures build nothing; figures changed after sending make a revision).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from bulletin import __version__
from bulletin.archive.store import (ArchivedEdition, edition_folder, edition_workspace, latest_edition,
                                    output_hashes, pdf_name, read_edition, sha256_of, write_manifest)
from bulletin.brand import configured_brand
from bulletin.templates import Templates
from bulletin.charts import chart_specs, chart_style, draw_charts
from bulletin.config import Config
from bulletin.data.checks import require_both_flows
from bulletin.data.trade import Dataset
from bulletin.document import DocumentInputs, Masthead, compose_pdf, edition_tables, make_archival, write_tables
from bulletin.errors import ConfigError
from bulletin.faults import checkpoint
from bulletin.indicators.compute import Indicators, compute_indicators
from bulletin.release import release_dates
from bulletin.text.markup import applicable, markdown_blocks, notes_file, read_notes
from bulletin.text.narrative import write_narrative
from bulletin.text.printable import check_printable
from bulletin.text.revision import Revision, headline_changes
from bulletin.web import EditionFiles, WebPages, write_web_edition

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EditionContent:
    """What an edition says: its figures and the editor's notes. Same content, same edition."""

    quarter: str
    territory: str
    lang: str
    indicators: Indicators
    indicators_json: str
    notes: str | None
    digest: str
    notes_path: Path     # where `notes` are read from (`text.markup.notes_file`), whether or not it exists


def edition_content(config: Config, dataset: Dataset, quarter: str, territory: str, lang: str) -> EditionContent:
    """The figures and notes of one edition, and a digest of both (which decides whether to build)."""
    require_both_flows(dataset.trade, quarter, territory, config.paths.data)
    services = dataset.services if config.services.covers(territory) else None
    indicators = compute_indicators(dataset.trade, services, quarter, territory, dataset.warnings)
    figures = json.dumps(indicators.to_dict(), ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    notes_path = notes_file(config.notes_dir, quarter, lang)
    notes = read_notes(notes_path)
    digest = hashlib.sha256((figures + "\0" + (notes or "")).encode("utf-8")).hexdigest()
    return EditionContent(quarter, territory, lang, indicators, figures, notes, digest, notes_path)


@dataclass(frozen=True)
class EditionPlan:
    """What the archive needs for an edition's current figures and notes: the latest archived
    edition kept as it is (`build` false), or `revision` built (replacing `revises`, if any)."""

    content: EditionContent
    latest: ArchivedEdition | None
    build: bool
    revision: int
    revises: str | None


def plan_edition(config: Config, dataset: Dataset, quarter: str, territory: str, lang: str,
                 rebuild: bool = False) -> EditionPlan:
    """Unchanged figures build nothing; figures changed after sending make a new revision; an
    edition never sent is rebuilt in place (and, with `rebuild`, even if unchanged)."""
    content = edition_content(config, dataset, quarter, territory, lang)
    latest = latest_edition(config.paths.output, quarter, territory, lang)
    if latest is not None and latest.manifest.get("content_sha256") == content.digest and not (rebuild and not latest.sent):
        return EditionPlan(content, latest, False, latest.revision, latest.manifest.get("revises"))
    if latest is None:
        return EditionPlan(content, None, True, 1, None)
    if latest.sent:
        return EditionPlan(content, latest, True, latest.revision + 1, latest.folder.name)
    return EditionPlan(content, latest, True, latest.revision, latest.manifest.get("revises"))


def ensure_edition(config: Config, dataset: Dataset, quarter: str, territory: str, lang: str,
                   rebuild: bool = False) -> tuple[ArchivedEdition, EditionContent, bool]:
    """The archived edition for these figures: the existing one, or a new build (`plan_edition`).
    Returns the edition, its content and whether it was built. Call it holding the edition's
    lock (`archive.store.EditionLock`)."""
    plan = plan_edition(config, dataset, quarter, territory, lang, rebuild)
    if not plan.build:
        return plan.latest, plan.content, False
    edition = build_edition(config, dataset, plan.content, revision=plan.revision, revises=plan.revises)
    return edition, plan.content, True


def build_edition(config: Config, dataset: Dataset, content: EditionContent, revision: int = 1,
                  revises: str | None = None, built_at: dt.datetime | None = None) -> ArchivedEdition:
    """Draw, write and compose one edition in a temporary folder, then move it into the archive."""
    built_at = built_at or build_time()
    quarter, territory, lang = content.quarter, content.territory, content.lang
    templates = Templates(config.paths.templates)
    brand = configured_brand(config)
    indicators = content.indicators.with_service_names(service_names(templates, lang))
    check_printable(printed_texts(config, content, indicators, templates), brand.fonts["regular"])
    final = edition_folder(config.paths.output, quarter, territory, lang, revision)
    revised = revision_of(config, final.parent / revises, content.indicators, lang) if revises else None
    narrative = write_narrative(indicators, lang, templates, revised)
    with edition_workspace(final) as work:
        charts = draw_charts(chart_specs(indicators, lang, templates), chart_style(brand), work / "charts",
                             svg=config.edition.web)
        checkpoint("after-charts")
        dates = release_dates(config.edition, quarter, revision, built_at, dataset.source_files)
        masthead = Masthead(quarter=quarter, territory=territory, lang=lang, revision=revision,
                            number=dataset.quarters.index(quarter) + 1, published=dates.released, release=dates)
        inputs = DocumentInputs(
            indicators=indicators, narrative=narrative, charts=charts, labels=templates.texts(f"{lang}/labels.toml"),
            brand=brand, edition=masthead, notes=markdown_blocks(content.notes) if content.notes else None,
            services_text=markdown_blocks(templates.read(f"{lang}/services.md")),
            methodology=markdown_blocks(applicable(templates.read(f"{lang}/methodology.md"), indicators.facts)))
        info = compose_pdf(inputs, work / "draft.pdf", built_at)
        checkpoint("after-compose")
        pdf = work / pdf_name(quarter, territory, lang, revision)
        make_archival(work / "draft.pdf", pdf, info, built_at, producer=f"bulletin {__version__}",
                      charts={name: chart.path for name, chart in charts.items()})
        (work / "draft.pdf").unlink()
        tables = edition_tables(indicators, lang, templates)
        write_tables(tables, work, built_at)
        files = EditionFiles(pdf=pdf.name, workbook="tables.xlsx", csvs=[f"tables/{name}.csv" for name in tables])
        if config.edition.web:
            write_web_edition(inputs, files, work, WebPages(templates),
                              revises=read_edition(final.with_name(revises)) if revises else None)
        (work / "indicators.json").write_text(content.indicators_json, encoding="utf-8")
        write_manifest(work, {
            "quarter": quarter, "territory": territory, "language": lang, "revision": revision,
            "revises": revises, "version": __version__, "built_at": built_at.isoformat().replace("+00:00", "Z"),
            "published": dates.released.isoformat(), "pdf": pdf.name, "pages": info.pages, "title": info.title,
            "content_sha256": content.digest,
            "inputs": input_hashes(config, dataset, quarter, lang),
            "outputs": output_hashes(work), "deliveries": [],
        })
    log.info("built %s (%d pages)", final / pdf.name, info.pages)
    return read_edition(final)


def revision_of(config: Config, revised: Path, indicators: Indicators, lang: str) -> Revision | None:
    """What the readers of the revised edition (its folder `revised`) were told, for the note the
    revision opens with: the day it was published, and its headline figures against these (read
    from its `indicators.json`). None if that edition is no longer in the archive."""
    previous = read_edition(revised)
    if previous is None:
        return None
    figures = json.loads((revised / "indicators.json").read_text(encoding="utf-8"))
    built_at = dt.datetime.fromisoformat(previous.manifest["built_at"].replace("Z", "+00:00"))
    published = release_dates(config.edition, indicators.quarter, previous.revision, built_at, []).released
    return Revision(previous.revision, published, headline_changes(figures, indicators, lang))


def build_time() -> dt.datetime:
    """Now, or SOURCE_DATE_EPOCH when set, so that builds of the same inputs are byte-identical."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def service_names(templates: Templates, lang: str) -> dict[str, str]:
    """The services' names in the edition's language (`templates/<lang>/names.toml`, [services])."""
    names = templates.read_toml(f"{lang}/names.toml").get("services", {})
    if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
        raise ConfigError(f"template {templates.find(f'{lang}/names.toml')}: [services] must map names to names")
    return names


def printed_texts(config: Config, content: EditionContent, printed: Indicators,
                  templates: Templates) -> list[tuple[str, str | None, str]]:
    """Names as printed (from the data, or from `names.toml` where it renames them) and the
    editor's notes, each with the file it comes from: the brand's font must print them."""
    services = str(config.paths.data / "services.csv")
    names_file = str(templates.find(f"{content.lang}/names.toml"))
    texts = [(services, "provider", item.provider) for item in printed.services]
    texts += [(services if shown.service == data.service else names_file, "service", shown.service)
              for data, shown in zip(content.indicators.services, printed.services)]
    if content.notes:
        texts.append((str(content.notes_path), None, content.notes))
    return texts


def input_hashes(config: Config, dataset: Dataset, quarter: str, lang: str) -> dict[str, str]:
    """The SHA-256 of every file an edition is made from, as its manifest records them: the data
    files as they were when loaded (hashed once, by `load_dataset`), and the edition's notes."""
    hashes = {str(path): dataset.source_hashes[path] for path in dataset.source_files}
    notes = notes_file(config.notes_dir, quarter, lang)
    if notes.is_file():
        hashes[str(notes)] = sha256_of(notes)
    return hashes
