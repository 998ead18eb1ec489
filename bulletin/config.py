"""The one configuration object: defaults, then `bulletin.toml`, then environment, then flags.

It is loaded once by the command line and passed to every stage. Every problem in the file is
collected and reported at once, naming the option. Secrets (the SMTP password) come only from
the environment and never appear in `repr`, logs or files. Each option is described once, in the
docstring under its field; the commented `bulletin.toml` that `bulletin init` writes (and
bulletin.example.toml) is generated from those descriptions.
"""
from __future__ import annotations

import ast
import inspect
import json
import os
import re
import sys
import tomllib
from dataclasses import Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bulletin import reference
from bulletin.errors import ConfigError
from bulletin.release_calendar import entry_problem, files_relative_to
from bulletin.text.controls import control_characters

CONFIG_FILE_NAME = "bulletin.toml"
PASSWORD_VARIABLE = "BULLETIN_SMTP_PASSWORD"
SECURITY_MODES = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class PathsConfig:
    """Where the data, the archive and the templates are."""

    data: Path = Path("data")
    """Folder with `trade/*.csv[.gz]`, `services.csv` and `notes/`."""
    output: Path = Path("output")
    """The archive: one folder per edition."""
    templates: Path = Path("templates")
    """Your templates: a file here (`it/narrative.toml`, `brand/logo.svg`) replaces the shipped one."""
    brand: Path | None = None
    """A brand folder with `brand.toml`; default: `brand/` found on the template search path."""
    notes: Path | None = None
    """Editor's comments, `<quarter>.md`; default: `<data>/notes`."""


@dataclass(frozen=True)
class EditionConfig:
    """Which editions `bulletin build` and `bulletin publish` make."""

    territories: tuple[str, ...] = ("ITC4",)
    """Territories to publish, NUTS codes; "all" adds each region with its provinces."""
    languages: tuple[str, ...] = ("it",)
    """Languages of each edition: it, en."""
    release_calendar: tuple[str, ...] = ()
    """Planned release dates, YYYY-MM-DD, or iCalendar files (.ics) of them. An edition is dated
    the first after its quarter ends (none, or a revision: the day it is built) and announces the
    first after the next quarter ends; with source.fetch, they are the days the schedule fetches."""
    release_lag_days: int = 70
    """Without a calendar date, the next release is announced this many days after the next
    quarter ends, as a rough date: ISTAT publishes the regions' exports about 70 days after."""
    web: bool = True
    """Write the web edition: a page for each edition, its charts as SVG, and the archive's index
    and feed. false makes editions for print and mail only (the PDF is the same either way)."""


@dataclass(frozen=True)
class ServicesConfig:
    """The agencies' services (`services.csv`): the territories they serve."""

    territories: tuple[str, ...] = ("ITC4",)
    """Editions that report the services, NUTS codes; the others have no services section."""

    def covers(self, territory: str) -> bool:
        return territory in self.territories


@dataclass(frozen=True)
class MailConfig:
    """How `bulletin send` and `bulletin publish` mail an edition to the distribution list."""

    sender: str = "Ufficio Studi <studi@example.org>"
    """From: address."""
    reply_to: str = ""
    """Reply-To: address, empty for none."""
    recipients: tuple[str, ...] = ()
    """The distribution list."""
    recipients_file: Path | None = None
    """A text file with one address a line, added to `recipients`."""
    admin: str = ""
    """Address that receives failure alerts; empty for none."""
    smtp_host: str = ""
    """SMTP server; empty writes messages as .eml files to `<output>/outbox/`."""
    smtp_port: int = 25
    """SMTP port."""
    security: str = "none"
    """starttls, ssl or none."""
    username: str = ""
    """SMTP user; the password comes only from BULLETIN_SMTP_PASSWORD."""
    bcc: bool = True
    """Put recipients in Bcc so that they do not see each other."""
    max_attachment_mb: float = 10.0
    """Above this size the PDF is not attached; the message gives its path or link instead."""
    download_url: str = ""
    """Base address where the archive (output/) is published: the e-mail links the web edition and a PDF too large to attach there, and the feed's links are absolute."""
    timeout_seconds: float = 30.0
    """Network timeout for one SMTP attempt."""
    attempts: int = 4
    """Attempts for transient failures, with exponential back-off."""
    password: str = field(default="", repr=False)


@dataclass(frozen=True)
class ScheduleConfig:
    """When `bulletin schedule` runs the publishing job."""

    at: str = "07:00"
    """Time of the daily run, HH:MM."""
    timezone: str = "Europe/Rome"
    """Time zone of `at`."""
    send_revisions: bool = False
    """Send a revised edition (data changed after publication) to the list."""


@dataclass(frozen=True)
class SourceConfig:
    """Where `bulletin data fetch` asks for new quarters: an SDMX REST service."""

    url: str = "https://esploradati.istat.it/SDMXWS/rest"
    """The SDMX REST service, ISTAT's by default: GET {url}/data/{dataflow}/{key}?startPeriod=...&endPeriod=..."""
    dataflow: str = ""
    """The dataflow by province, product (CPA) and partner country; no default: none is documented."""
    key: str = ""
    """Its series key: each dimension's codes in order, '.' between them, '+' between codes (no default)."""
    unit: str = ""
    """The unit of OBS_VALUE when the service gives no UNIT_MULT: eur, thousand or million."""
    fetch: bool = False
    """Fetch new quarters before `bulletin publish` and `bulletin schedule` look for one."""
    timeout_seconds: float = 60.0
    """Network timeout of one request (a slow one is tried again, as a server error or a lost connection)."""


@dataclass(frozen=True)
class Config:
    paths: PathsConfig = PathsConfig()
    edition: EditionConfig = EditionConfig()
    services: ServicesConfig = ServicesConfig()
    mail: MailConfig = MailConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    source: SourceConfig = SourceConfig()
    file: Path | None = None
    """The file this was read from, if any."""

    @property
    def notes_dir(self) -> Path:
        return self.paths.notes or self.paths.data / "notes"


# The tables of bulletin.toml, in the order the commented file lists them.
SECTIONS = {"paths": PathsConfig, "edition": EditionConfig, "services": ServicesConfig, "mail": MailConfig,
            "schedule": ScheduleConfig, "source": SourceConfig}
_ENVIRONMENT_ONLY = {"password"}  # never read from a file or a flag, never written to one


def file_options(section: type) -> list[Field]:
    """The options of a section that `bulletin.toml` may set."""
    return [f for f in fields(section) if f.name not in _ENVIRONMENT_ONLY]


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None,
                overrides: Mapping[str, Any] | None = None, cwd: Path | None = None) -> Config:
    """Build the configuration; `overrides` are command-line values as {"section.key": value}."""
    env = os.environ if env is None else env
    cwd = cwd or Path.cwd()
    errors: list[str] = []
    if path is None and (cwd / CONFIG_FILE_NAME).exists():
        path = cwd / CONFIG_FILE_NAME
    values: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS}
    base = cwd
    if path is not None:
        base = path.resolve().parent
        _read_file(path, values, errors)
    for dotted, value in (overrides or {}).items():
        if value is not None:
            section, key = dotted.split(".", 1)
            # A path on the command line is relative to where the command runs, not to the file.
            values[section][key] = cwd / value if isinstance(value, Path) else value
    sections = {name: _build_section(name, cls, values[name], base, errors) for name, cls in SECTIONS.items()}
    edition = sections["edition"]  # a calendar file is a path: relative to the file
    sections["edition"] = replace(edition, release_calendar=files_relative_to(base, edition.release_calendar))
    if env.get(PASSWORD_VARIABLE):
        sections["mail"] = replace(sections["mail"], password=env[PASSWORD_VARIABLE])
    config = Config(**sections, file=path)
    errors += _validate(config)
    if errors:
        where = f" in {path}" if path else ""
        raise ConfigError(f"configuration{where} is not valid:\n" + "\n".join(f"  {e}" for e in errors))
    return config


def _read_file(path: Path, values: dict[str, dict[str, Any]], errors: list[str]) -> None:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        errors.append(f"config file {path} not found")
        return
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        errors.append(f"config file {path} is not valid TOML: {exc}")
        return
    except IsADirectoryError:  # a usage mistake, said in one line: nothing else can be checked without the file
        raise ConfigError(f"config file {path} is a folder, not a file") from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror or exc}") from None
    for section, table in document.items():
        if section not in SECTIONS:
            errors.append(f"Config section '{section}': unknown (expected one of {', '.join(SECTIONS)})")
        elif not isinstance(table, dict):
            errors.append(f"Config section '{section}': must be a table")
        else:
            values[section].update(table)


def _build_section(name: str, cls, raw: dict[str, Any], base: Path, errors: list[str]):
    known = {f.name: f for f in file_options(cls)}
    kwargs = {}
    for key, value in raw.items():
        option = f"{name}.{key}"
        if key not in known:
            errors.append(f"Config value '{option}': unknown option")
            continue
        default = getattr(cls(), key)
        converted = _convert(option, value, default, known[key].type, base, errors)
        if converted is not _INVALID:
            kwargs[key] = converted
    section = cls(**kwargs)
    relative = {f.name: base / value for f in fields(cls)
                if isinstance(value := getattr(section, f.name), Path) and not value.is_absolute()}
    return replace(section, **relative)


_INVALID = object()


def _convert(option: str, value: Any, default: Any, declared: str, base: Path, errors: list[str]) -> Any:
    """Coerce a TOML or flag value to the option's type; relative paths are relative to the file."""
    if "Path" in str(declared):
        if not isinstance(value, (str, Path)):
            errors.append(f"Config value '{option}': expected a path, got {value!r}")
            return _INVALID
        candidate = Path(value).expanduser()
        return candidate if candidate.is_absolute() else base / candidate
    if isinstance(default, tuple):
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
            errors.append(f"Config value '{option}': expected a list of strings, got {value!r}")
            return _INVALID
        return tuple(items)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            errors.append(f"Config value '{option}': expected true or false, got {value!r}")
            return _INVALID
        return value
    if isinstance(default, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors.append(f"Config value '{option}': expected a number, got {value!r}")
            return _INVALID
        return type(default)(value)
    if not isinstance(value, str):
        errors.append(f"Config value '{option}': expected a string, got {value!r}")
        return _INVALID
    return value


MAX_ATTEMPTS = 10
MAX_TIMEOUT_SECONDS = 300


def _validate(config: Config) -> list[str]:
    errors = []
    for code in config.edition.territories:
        if code != "all" and code not in reference.TERRITORIES:
            errors.append(f"Config value 'edition.territories': unknown territory {code!r}")
    for lang in config.edition.languages:
        if lang not in reference.LANGUAGES:
            errors.append(f"Config value 'edition.languages': unknown language {lang!r} "
                          f"(expected {', '.join(reference.LANGUAGES)})")
    errors += _edition_problems(config)
    if config.mail.security not in SECURITY_MODES:
        errors.append(f"Config value 'mail.security': expected one of {', '.join(SECURITY_MODES)}, "
                      f"got {config.mail.security!r}")
    if not 0 < config.mail.timeout_seconds <= MAX_TIMEOUT_SECONDS:
        errors.append(f"Config value 'mail.timeout_seconds': expected seconds above 0, at most {MAX_TIMEOUT_SECONDS}, "
                      f"got {config.mail.timeout_seconds!r}")
    if not 1 <= config.mail.attempts <= MAX_ATTEMPTS:  # back-off doubles: 10 attempts wait 8.5 minutes in all
        errors.append(f"Config value 'mail.attempts': expected 1 to {MAX_ATTEMPTS}, got {config.mail.attempts!r}")
    errors += _header_problems(config.mail)
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", config.schedule.at):
        errors.append(f"Config value 'schedule.at': expected HH:MM, got {config.schedule.at!r}")
    try:
        ZoneInfo(config.schedule.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(f"Config value 'schedule.timezone': unknown time zone {config.schedule.timezone!r}")
    return errors + _source_problems(config.source)


def _source_problems(source: SourceConfig) -> list[str]:
    checks = {"url": (re.fullmatch(r"https?://\S+", source.url), "an http:// or https:// address"),
              "unit": (source.unit in ("", "eur", "thousand", "million"), "eur, thousand or million"),
              "timeout_seconds": (0 < source.timeout_seconds <= MAX_TIMEOUT_SECONDS, f"seconds, at most {MAX_TIMEOUT_SECONDS}"),
              **{option: (not re.search(r"[\s/?#]", getattr(source, option)), "no spaces, '/', '?' or '#' (it "
                          "goes into the request's path)") for option in ("dataflow", "key")}}
    return [f"Config value 'source.{option}': expected {expected}, got {getattr(source, option)!r}"
            for option, (ok, expected) in checks.items() if not ok]


def _edition_problems(config: Config) -> list[str]:
    """The release calendar's dates, the lag and the territories the services are reported for."""
    errors = [f"Config value 'edition.release_calendar': {problem}" for entry in config.edition.release_calendar
              if (problem := entry_problem(entry))]
    if not 1 <= config.edition.release_lag_days <= 366:
        errors.append(f"Config value 'edition.release_lag_days': expected 1 to 366 days, "
                      f"got {config.edition.release_lag_days!r}")
    for code in config.services.territories:
        if code not in reference.TERRITORIES:
            errors.append(f"Config value 'services.territories': unknown territory {code!r}")
    return errors


def _header_problems(mail: MailConfig) -> list[str]:
    """The options that go into mail headers must be one line without control characters: a line
    break would end the header (and could add a Bcc:), and Python refuses it mid-send."""
    errors = []
    for option in ("sender", "reply_to", "admin", "recipients"):
        value = getattr(mail, option)
        found = control_characters("".join(value) if isinstance(value, tuple) else value)
        if found:
            errors.append(f"Config value 'mail.{option}': a mail header must be one line without control "
                          f"characters ({', '.join(found)})")
    return errors


def option_docs() -> dict[str, str]:
    """{"section": ..., "section.option": ...}: the docstrings of the sections and options above.

    Read from the source, so that the descriptions stay where a reader of the code sees them and
    the file a user reads cannot disagree with the code that reads it.
    """
    names = {cls.__name__: name for name, cls in SECTIONS.items()}
    docs = {}
    for node in ast.parse(inspect.getsource(sys.modules[__name__])).body:
        if not (isinstance(node, ast.ClassDef) and node.name in names):
            continue
        section = names[node.name]
        docs[section] = ast.get_docstring(node) or ""
        for statement, following in zip(node.body, node.body[1:]):
            if (isinstance(statement, ast.AnnAssign) and isinstance(following, ast.Expr)
                    and isinstance(following.value, ast.Constant) and isinstance(following.value.value, str)):
                docs[f"{section}.{statement.target.id}"] = inspect.cleandoc(following.value.value)
    return docs


CONFIG_FILE_HEADER = """\
# The settings of `bulletin` in this folder (a command's `--config FILE` reads another file).
# Every option is listed with its default, commented out: uncomment a line to change it.
# Relative paths are relative to this file. Settings are read as: defaults, this file, the
# environment (the SMTP password only from BULLETIN_SMTP_PASSWORD), command-line flags.
"""


def commented_config() -> str:
    """The text of a `bulletin.toml` that lists every option with its default and description."""
    docs = option_docs()
    lines = [CONFIG_FILE_HEADER]
    for name, section in SECTIONS.items():
        lines += [*_comment(docs[name]), f"[{name}]", ""]
        for option in file_options(section):
            default = getattr(section(), option.name)
            # TOML has no null: an option that is unset by default shows where its value goes.
            value = '"PATH"' if default is None else _toml_value(default)
            lines += [*_comment(docs[f"{name}.{option.name}"]), f"# {option.name} = {value}", ""]
    return "\n".join(lines)


def _comment(text: str) -> list[str]:
    return [f"# {line}".rstrip() for line in text.splitlines()]


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(map(_toml_value, value)) + "]"
    if isinstance(value, Path):
        value = value.as_posix()
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
