"""One edition from data to archive, read top to bottom as the list of its stages."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .archive import (ArchivedEdition, edition_folder, output_hashes, pdf_name, read_edition,
                      remove_abandoned_builds, sha256_of, store_edition, write_manifest)
from .brand import Brand, Templates, configured_brand
from .config import Config
from .data import Dataset
from .errors import ConfigError
from .faults import checkpoint
from .files import usual_mode
from .indicators import Indicators, compute_indicators

if TYPE_CHECKING:
    from .charts import ChartDrawer

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


def build_time() -> dt.datetime:
    """Now, or SOURCE_DATE_EPOCH when set, so that builds of the same inputs are byte-identical."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def edition_content(config: Config, dataset: Dataset, quarter: str, territory: str, lang: str) -> EditionContent:
    indicators = compute_indicators(dataset.trade, dataset.services, quarter, territory, dataset.warnings)
    figures = json.dumps(indicators.to_dict(), ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    notes_file = config.notes_dir / f"{quarter}.md"
    notes = notes_file.read_text(encoding="utf-8") if notes_file.is_file() else None
    digest = hashlib.sha256((figures + "\0" + (notes or "")).encode("utf-8")).hexdigest()
    return EditionContent(quarter, territory, lang, indicators, figures, notes, digest)


def build_edition(config: Config, dataset: Dataset, content: EditionContent, revision: int = 1,
                  revises: str | None = None, built_at: dt.datetime | None = None,
                  drawer: ChartDrawer | None = None) -> ArchivedEdition:
    """Draw, write and compose one edition in a temporary folder, then move it into the archive.

    With a `drawer` the charts are drawn in its processes while this one lays out the document
    (which needs only their sizes) and writes the tables; the charts go into the PDF in the
    archival step, once drawn. Without, they are drawn here first.
    """
    from .charts import start_charts

    built_at = built_at or build_time()
    quarter, territory, lang = content.quarter, content.territory, content.lang
    templates = Templates(config.paths.templates)
    indicators = content.indicators.with_service_names(service_names(templates, lang))
    brand = configured_brand(config)
    final = edition_folder(config.paths.output, quarter, territory, lang, revision)
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned_builds(final)
    work = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.building-"))
    work.chmod(usual_mode(folder=True))
    try:
        with start_charts(indicators, brand, lang, work / "charts", drawer) as chart_job:
            # After the start: the drawer waits for nothing.
            _check_printable(config, content, brand, indicators, templates.find(f"{lang}/names.toml"))
            # Imported only now, so that the drawer draws meanwhile.
            from .archival import make_archival
            from .document import DocumentInputs, Edition, compose_pdf
            from .markup import markdown_blocks
            from .narrative import write_narrative
            from .tables import edition_tables, write_tables

            edition = Edition(quarter=quarter, territory=territory, lang=lang,
                              number=dataset.quarters.index(quarter) + 1, published=built_at.date(), revision=revision)
            inputs = DocumentInputs(
                indicators=indicators, narrative=write_narrative(indicators, lang, templates),
                charts=chart_job.planned, labels=templates.read_toml(f"{lang}/labels.toml"), brand=brand,
                edition=edition, notes=markdown_blocks(content.notes) if content.notes else None,
                services_text=markdown_blocks(templates.read(f"{lang}/services.md")),
                methodology=markdown_blocks(templates.read(f"{lang}/methodology.md")))
            draft = work / "draft.pdf"
            info = compose_pdf(inputs, draft, built_at)
            checkpoint("after-compose")
            (work / "indicators.json").write_text(content.indicators_json, encoding="utf-8")
            write_tables(edition_tables(indicators, lang), work, built_at)
            charts = chart_job.result()
            checkpoint("after-charts")
        pdf = work / pdf_name(quarter, territory, lang, revision)
        make_archival(draft, pdf, info, built_at, producer=f"bulletin {__version__}",
                      charts={name: chart.path for name, chart in charts.items()})
        draft.unlink()
        write_manifest(work, {
            "quarter": quarter, "territory": territory, "language": lang, "revision": revision,
            "revises": revises, "version": __version__, "built_at": built_at.isoformat().replace("+00:00", "Z"),
            "pdf": pdf.name, "pages": info.pages, "title": info.title, "content_sha256": content.digest,
            "inputs": {str(path): sha256_of(path) for path in input_files(config, dataset, quarter)},
            "outputs": output_hashes(work), "deliveries": [],
        })
        store_edition(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    log.info("built %s (%d pages)", final / pdf.name, info.pages)
    return read_edition(final)


def service_names(templates: Templates, lang: str) -> dict[str, str]:
    """The services' names in the edition's language (`templates/<lang>/names.toml`, [services])."""
    names = templates.read_toml(f"{lang}/names.toml").get("services", {})
    if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
        raise ConfigError(f"template {templates.find(f'{lang}/names.toml')}: [services] must map names to names")
    return names


def _check_printable(config: Config, content: EditionContent, brand: Brand, printed: Indicators,
                     names_file: Path) -> None:
    """Names as printed (from the data, or from `names_file` where it renames them) and the
    editor's notes must be printable with the brand's font."""
    from .glyphs import check_printable

    services = str(config.paths.data / "services.csv")
    texts = [(services, "provider", item.provider) for item in printed.services]
    texts += [(services if shown.service == data.service else str(names_file), "service", shown.service)
              for data, shown in zip(content.indicators.services, printed.services)]
    if content.notes:
        texts.append((str(config.notes_dir / f"{content.quarter}.md"), None, content.notes))
    check_printable(texts, brand.fonts["regular"])


def input_files(config: Config, dataset: Dataset, quarter: str) -> list[Path]:
    notes = config.notes_dir / f"{quarter}.md"
    return list(dataset.source_files) + ([notes] if notes.is_file() else [])
