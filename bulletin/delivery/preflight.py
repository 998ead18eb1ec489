"""`bulletin check`: everything a scheduled run will need, checked at start-up, not mid-run.

A missing font, logo or template, an unreadable brand, bad data, an unwritable archive or a bad
recipients file is reported here, all at once, before the scheduler starts waiting for its time.
"""
from __future__ import annotations

import tempfile

from reportlab.pdfbase.ttfonts import TTFError, TTFont

from bulletin.brand import configured_brand
from bulletin.config import Config
from bulletin.data.trade import load_dataset
from bulletin.delivery.mail import recipients_of
from bulletin.errors import BulletinError
from bulletin.templates import Templates

TEMPLATES_PER_LANGUAGE = ("labels.toml", "tables.toml", "narrative.toml", "names.toml", "mail.toml", "services.md", "methodology.md")


def run_checks(config: Config) -> list[str]:
    """Every problem found, one line each; empty when a run can go ahead."""
    problems: list[str] = []
    templates = Templates(config.paths.templates)
    for lang in config.edition.languages:
        for name in TEMPLATES_PER_LANGUAGE:
            _collect(problems, lambda: templates.find(f"{lang}/{name}"))
    brand = _collect(problems, lambda: configured_brand(config))
    if brand is not None:
        for style, path in brand.fonts.items():
            try:
                TTFont(f"check-{style}", str(path))
            except (TTFError, OSError) as exc:
                problems.append(f"brand font {path}: not a usable TrueType font ({exc})")
    dataset = _collect(problems, lambda: load_dataset(config.paths.data))
    if dataset is not None and not len(dataset.trade):
        problems.append(f"{config.paths.data}: no trade rows")
    _collect(problems, lambda: recipients_of(config.mail))
    try:
        config.paths.output.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=config.paths.output):
            pass
    except OSError as exc:
        problems.append(f"{config.paths.output}: the archive folder is not writable ({exc.strerror or exc})")
    if config.mail.smtp_host and config.mail.username and not config.mail.password:
        problems.append("mail.username is set but BULLETIN_SMTP_PASSWORD is not")
    return problems


def _collect(problems: list[str], action):
    try:
        return action()
    except BulletinError as exc:
        problems.extend(str(exc).splitlines())
        return None
