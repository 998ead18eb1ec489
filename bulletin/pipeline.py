"""One edition from data to archived PDF, read top to bottom as the list of its stages."""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .archive import edition_folder, pdf_name, replace_folder
from .brand import Templates, load_brand
from .config import Config
from .data import Dataset
from .indicators import Indicators, compute_indicators

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuiltEdition:
    quarter: str
    territory: str
    lang: str
    pdf: Path
    folder: Path
    pages: int
    indicators: Indicators


def build_time() -> dt.datetime:
    """Now, or SOURCE_DATE_EPOCH when set, so that builds of the same inputs are byte-identical."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def build_edition(config: Config, dataset: Dataset, quarter: str, territory: str, lang: str,
                  built_at: dt.datetime | None = None, chart_workers: int = 2) -> BuiltEdition:
    """Compute, draw, write and compose one edition, then move it into the archive in one step."""
    from .archival import make_archival
    from .charts import render_charts
    from .document import DocumentInputs, Edition, compose_pdf
    from .markup import markdown_blocks
    from .narrative import write_narrative

    built_at = built_at or build_time()
    indicators = compute_indicators(dataset.trade, dataset.services, quarter, territory, dataset.warnings)
    templates = Templates(config.paths.templates)
    brand = load_brand(config.paths.brand or templates.find("brand/brand.toml").parent)
    final = edition_folder(config.paths.output, quarter, territory)
    final.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{territory}.building-"))
    try:
        charts = render_charts(indicators, brand, lang, work / "charts" / lang, workers=chart_workers)
        narrative = write_narrative(indicators, lang, templates)
        notes_file = config.notes_dir / f"{quarter}.md"
        edition = Edition(quarter=quarter, territory=territory, lang=lang,
                          number=dataset.quarters.index(quarter) + 1, published=built_at.date())
        inputs = DocumentInputs(
            indicators=indicators, narrative=narrative, charts=charts,
            labels=templates.read_toml(f"{lang}/labels.toml"), brand=brand, edition=edition,
            notes=markdown_blocks(notes_file.read_text(encoding="utf-8")) if notes_file.is_file() else None,
            services_text=markdown_blocks(templates.read(f"{lang}/services.md")),
            methodology=markdown_blocks(templates.read(f"{lang}/methodology.md")))
        draft = work / "draft.pdf"
        info = compose_pdf(inputs, draft, built_at)
        pdf = work / pdf_name(quarter, territory, lang)
        make_archival(draft, pdf, info, built_at, producer=f"bulletin {__version__}")
        draft.unlink()
        (work / "indicators.json").write_text(
            json.dumps(indicators.to_dict(), ensure_ascii=False, indent=2, allow_nan=False) + "\n", encoding="utf-8")
        replace_folder(work, final, keep_from_old=lambda p: _other_language(p, lang))
    except BaseException:
        import shutil
        shutil.rmtree(work, ignore_errors=True)
        raise
    log.info("built %s (%d pages)", final / pdf.name, info.pages)
    return BuiltEdition(quarter=quarter, territory=territory, lang=lang, pdf=final / pdf.name, folder=final,
                        pages=info.pages, indicators=indicators)


def _other_language(relative: Path, lang: str) -> bool:
    """Files of the edition folder that belong to another language's build and must be kept."""
    from .archive import language_of
    return language_of(relative) not in (None, lang)
