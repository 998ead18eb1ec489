"""`bulletin check`: everything a scheduled run will need, checked at start-up, not mid-run.

A missing font, logo or template, an unreadable brand, bad data, an unwritable archive or a bad
recipients file is reported here, all at once, before the scheduler starts waiting for its time.
Each file is opened as a build opens it: the fonts parsed and every glyph drawn, the logo drawn,
the editor's notes decoded and their characters checked, the mail subjects made sure to be one line.
"""
from __future__ import annotations

import tempfile

from bulletin.brand import configured_brand, glyph_problems, load_brand
from bulletin.config import Config
from bulletin.data.quarters import QUARTER_PATTERN
from bulletin.data.trade import load_dataset
from bulletin.delivery.mail import recipients_of
from bulletin.errors import BulletinError
from bulletin.templates import SHIPPED_TEMPLATES, Templates
from bulletin.text.controls import control_characters
from bulletin.text.formatting import LOCALES
from bulletin.text.markup import is_notes_file, read_notes
from bulletin.text.printable import check_printable

TEMPLATES_PER_LANGUAGE = ("labels.toml", "tables.toml", "narrative.toml", "names.toml", "territories.toml",
                          "countries.toml", "mail.toml", "services.md", "methodology.md")


def run_checks(config: Config) -> list[str]:
    """Every problem found, one line each; empty when a run can go ahead."""
    problems: list[str] = []
    templates = Templates(config.paths.templates)
    for lang in config.edition.languages:
        for name in TEMPLATES_PER_LANGUAGE:
            _collect(problems, lambda: templates.find(f"{lang}/{name}"))
        problems += _collect(problems, lambda: _subject_problems(templates, lang)) or []
    brand = _collect(problems, lambda: configured_brand(config))
    if brand is not None:
        problems += glyph_problems(brand)
    # With a brand that cannot be read, the notes are still checked, in the shipped brand's font.
    font = (brand or load_brand(SHIPPED_TEMPLATES / "brand")).fonts["regular"]
    for notes in sorted(config.notes_dir.glob("*.md")) if config.notes_dir.is_dir() else []:
        if is_notes_file(notes, QUARTER_PATTERN, LOCALES):  # what a build of that quarter reads
            _collect(problems, lambda: check_printable([(str(notes), None, read_notes(notes) or "")], font))
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


PLACEHOLDER_DOMAIN = "example.org"  # the shipped brand's and settings' contact: an example, to be replaced


def placeholder_notes(config: Config) -> list[str]:
    """What may run but is most likely not meant: the shipped example contact printed on the
    cover and in the colophon, or the example sender of the mail. A line each, not a problem:
    the sample edition runs on them."""
    notes = []
    brand = _collect([], lambda: configured_brand(config))
    if brand is not None and PLACEHOLDER_DOMAIN in brand.contact:
        notes.append(f"brand {brand.folder}: contact {brand.contact!r} is the shipped example: "
                     f"set contact and contact_name in your brand.toml")
    if PLACEHOLDER_DOMAIN in config.mail.sender and config.mail.smtp_host:
        notes.append(f"mail.sender {config.mail.sender!r} is the shipped example: set [mail] sender")
    return notes


# The templates that become a mail's Subject: a line break there fails mid-send.
SUBJECT_TEMPLATES = (("mail.toml", "subject"), ("mail.toml", "alert_subject"), ("labels.toml", "title"))


def _subject_problems(templates: Templates, lang: str) -> list[str]:
    """A line for each subject template of the language with a line break or other control character."""
    problems = []
    for name, key in SUBJECT_TEMPLATES:
        text = templates.texts(f"{lang}/{name}").strings.get(key)
        found = control_characters(text) if isinstance(text, str) else []
        if found:
            problems.append(f"template {templates.find(f'{lang}/{name}')}: {key}: a mail subject must be one line "
                            f"without control characters ({', '.join(found)})")
    return problems


def _collect(problems: list[str], action):
    try:
        return action()
    except BulletinError as exc:
        # One problem a line; an error that lists several under a heading ("brand … is not
        # valid:" and an indented line each) gives a line each, with its heading.
        heading, *items = str(exc).splitlines()
        if items and heading.endswith(":"):
            problems.extend(f"{heading} {item.strip()}" for item in items)
        else:
            problems.extend([heading, *items])
        return None
