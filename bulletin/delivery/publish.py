"""The publishing job: make sure each due edition is archived, then mail it to whoever still lacks it.

Every step is idempotent, so the job can run every day, after a crash, or twice at once (a lock
per edition serialises the runs): unchanged figures build nothing, an address that received an
edition is not sent it again, and a revision is mailed only when the configuration says so.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import multiprocessing
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field

from bulletin.archive.store import (ArchivedEdition, EditionLock, add_delivery, all_editions, edition_folder,
                                    latest_edition, replace_last_delivery)
from bulletin.config import Config
from bulletin.data.selection import territory_rows
from bulletin.data.trade import Dataset, load_dataset, require_quarter
from bulletin.delivery.mail import (ALERT_KEYS, alert_message, compose_message, edition_letter, mail_texts,
                                    new_message_id, recipients_of)
from bulletin.delivery.scheduler import LOG_FILE
from bulletin.delivery.sending import send_message
from bulletin.errors import BulletinError, ConfigError, ConsistencyError
from bulletin.faults import checkpoint, die_with_parent
from bulletin.files import write_atomically
from bulletin.indicators.consistency import check_edition
from bulletin.pipeline import EditionContent, edition_content, ensure_edition, input_hashes
from bulletin.reference import NATIONAL, TERRITORIES, provinces_of
from bulletin.templates import Templates

log = logging.getLogger(__name__)


@dataclass
class EditionOutcome:
    quarter: str
    territory: str
    lang: str
    revision: int
    pdf: str
    built: bool
    delivered: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def ok(self) -> bool:
        return not self.pending

    def summary(self) -> str:
        parts = [f"{self.quarter} {self.territory} {self.lang} r{self.revision}", "built" if self.built else "archived"]
        if self.delivered:
            parts.append(f"sent to {len(self.delivered)}")
        if self.refused:
            parts.append(f"refused by {len(self.refused)}")
        if self.pending:
            parts.append(f"{len(self.pending)} still pending")
        if self.note:
            parts.append(self.note)
        return ", ".join(parts)


def complete_quarters(dataset: Dataset, territory: str) -> list[str]:
    """Quarters with both flows for the territory and for Italy: the ones an edition can be made of."""
    rows = territory_rows(dataset.trade, [territory, NATIONAL])
    present = rows.groupby(["period", "territory"], observed=True)["flow"].nunique()
    return [q for q in dataset.quarters
            if present.get((q, territory), 0) == 2 and present.get((q, NATIONAL), 0) == 2]


def deliver(config: Config, dataset: Dataset, edition: ArchivedEdition, content: EditionContent | None,
            recipients: list[str] | None = None, force: bool = False, dry_run: bool = False) -> EditionOutcome:
    """Mail the edition to the addresses that have neither received nor refused it (all of them with `force`).

    Before anything is sent the figures are checked against the raw data. An intent record is
    written to the manifest just before the SMTP transaction: if the process dies during it, the
    next run does not send to those addresses again (the server may already have the message)
    but names them, so that a person can check and resend with `--force`.
    """
    outcome = EditionOutcome(edition.manifest["quarter"], edition.manifest["territory"], edition.manifest["language"],
                             edition.revision, str(edition.pdf), built=False)
    wanted = recipients if recipients is not None else recipients_of(config.mail)
    done = set() if force else edition.delivered_to | _refused_by(edition) | edition.unknown_to
    missing = [address for address in wanted if address.lower() not in done]
    unknown = sorted(edition.unknown_to & {address.lower() for address in wanted}) if not force else []
    if unknown:
        outcome.note = f"delivery unknown (interrupted) to {', '.join(unknown)}: check, then send --force"
        log.warning("%s: %s", edition.folder, outcome.note)
    if not missing:
        outcome.note = outcome.note or "nothing to send"
        return outcome
    if dry_run:
        outcome.note = f"would send to {', '.join(missing)}"
        return outcome
    problems = check_edition(dataset.trade, edition.folder, edition.pdf, outcome.quarter, outcome.territory,
                             outcome.lang)
    if problems:
        raise ConsistencyError(f"{edition.pdf} not sent: its figures do not match the data: " + "; ".join(problems))
    if content is None:
        content = edition_content(config, dataset, outcome.quarter, outcome.territory, outcome.lang)
    templates = Templates(config.paths.templates)
    letter = edition_letter(content.indicators, content.lang, templates, edition.pdf, edition.manifest["title"],
                            config.mail.max_attachment_mb, config.mail.download_url)
    key = f"{edition.folder.parent.parent.name}.{edition.folder.parent.name}.{edition.folder.name}." \
          f"{len(edition.manifest.get('deliveries', []))}"
    message_id = new_message_id(config.mail, key)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    message = compose_message(letter, config.mail, missing, message_id, now)
    record = {"message_id": message_id, "at": now.isoformat().replace("+00:00", "Z"), "requested": missing,
              "status": "sending", "delivered": [], "refused": {}, "pending": [], "attempts": []}
    checkpoint("before-send")
    edition = add_delivery(edition, record)
    result = send_message(message, missing, config.mail, config.paths.output / "outbox")
    checkpoint("after-send")
    replace_last_delivery(edition, {**record, "status": "done", "delivered": result.delivered,
                                    "refused": result.refused, "pending": result.pending,
                                    "attempts": [asdict(a) for a in result.attempts]})
    outcome.delivered, outcome.refused, outcome.pending = result.delivered, result.refused, result.pending
    return outcome


def _fingerprint(hashes: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()


def _read_text(path) -> str | None:
    return path.read_text() if path.is_file() else None


def _refused_by(edition: ArchivedEdition) -> set[str]:
    return {address.lower() for record in edition.manifest.get("deliveries", []) for address in record["refused"]}


def publish(config: Config, quarter: str | None = None) -> list[EditionOutcome]:
    """The daily job, for each configured territory and language.

    The newest complete quarter (or `quarter`) is archived and sent to whoever still lacks it.
    Quarters already in the archive are checked for revised figures: a changed one gets a new
    revision, mailed only if `schedule.send_revisions`; they are never mailed to new subscribers.
    """
    dataset = load_dataset(config.paths.data)
    outcomes = []
    for territory in expand_territories(dataset, config.edition.territories):
        newest = quarter or (complete_quarters(dataset, territory) or [None])[-1]
        if newest is None:
            log.warning("no complete quarter for %s in the data", territory)
            continue
        require_quarter(dataset, newest, config.paths.data)
        for lang in config.edition.languages:
            published = {e.manifest["quarter"] for e in all_editions(config.paths.output)
                         if (e.manifest["territory"], e.manifest["language"]) == (territory, lang)}
            for due in sorted((published & set(dataset.quarters)) | {newest}):
                outcome = _publish_one(config, dataset, due, territory, lang, current=due == newest)
                if outcome is not None:
                    log.info("%s", outcome.summary())
                    outcomes.append(outcome)
    return outcomes


def _publish_one(config: Config, dataset: Dataset, quarter: str, territory: str, lang: str,
                 current: bool) -> EditionOutcome | None:
    with EditionLock(config.paths.output, quarter, territory, lang):
        latest = latest_edition(config.paths.output, quarter, territory, lang)
        inputs = _fingerprint(input_hashes(config, dataset, quarter))
        checked = edition_folder(config.paths.output, quarter, territory, lang, 1).with_name(f".{lang}.checked")
        if latest is not None and inputs in (_fingerprint(latest.manifest.get("inputs", {})), _read_text(checked)):
            # Nothing it was made from has changed since it was built or last checked: no figure
            # to recompute, which keeps the daily run cheap.
            if not current:
                return None
            edition, content, built = latest, None, False
        else:
            edition, content, built = ensure_edition(config, dataset, quarter, territory, lang)
            if not built:  # same figures from changed files (e.g. a new quarter appeared): remember
                write_atomically(checked, inputs.encode())
        if not current and not built:
            return None  # an earlier quarter whose figures did not change
        if edition.revision > 1 and not config.schedule.send_revisions:
            return EditionOutcome(quarter, territory, lang, edition.revision, str(edition.pdf), built,
                                  note="revision archived, not sent (schedule.send_revisions = false)")
        outcome = deliver(config, dataset, edition, content)
        outcome.built = built
        return outcome


def alert_admin(config: Config, kind: str, summary: str) -> None:
    """Tell the administrator that a run failed; one message per failure kind (the scheduler decides).

    In the first language of the editions. When the user's mail template is what fails, the
    alert is worded by the shipped one: the administrator must hear of the failure all the same.
    """
    if not config.mail.admin:
        return
    lang = config.edition.languages[0]
    try:
        texts = mail_texts(Templates(config.paths.templates), lang, ALERT_KEYS)
    except ConfigError as exc:
        log.warning("alert worded by the shipped template: %s", exc)
        texts = mail_texts(Templates(None), lang, ALERT_KEYS)
    message_id = new_message_id(config.mail, f"alert.{kind}.{dt.datetime.now().timestamp()}")
    message = alert_message(config.mail, texts, kind, summary, config.paths.output / "logs" / LOG_FILE, message_id)
    send_message(message, [config.mail.admin], config.mail, config.paths.output / "outbox")


def expand_territories(dataset: Dataset, requested: Sequence[str]) -> list[str]:
    """The territories to publish; "all" adds, for each requested region (or each region in the
    data when none is named), the region itself and every one of its provinces present in the data."""
    named = [code for code in requested if code != "all"]
    if "all" not in requested:
        return list(dict.fromkeys(named))
    present = set(dataset.trade["territory"].unique())
    regions = [code for code in named if TERRITORIES[code].level == "region"] or \
        sorted(code for code in present if TERRITORIES[code].level == "region")
    expanded = [code for region in regions for code in [region, *provinces_of(region)] if code in present]
    return list(dict.fromkeys(expanded + named))


@dataclass
class BuildResult:
    quarter: str
    territory: str
    lang: str
    pdf: str = ""
    pages: int = 0
    seconds: float = 0.0
    built: bool = False
    error: str = ""


# The configuration and data of a many-editions build, inherited by forked workers instead of
# being pickled to each of them.
_SHARED: dict = {}


def build_editions(config: Config, dataset: Dataset, quarter: str, territories: list[str], languages: list[str],
                   workers: int, progress: Callable[[int, int, BuildResult], None] | None = None) -> list[BuildResult]:
    """Build every (territory, language) edition of a quarter, on `workers` processes.

    One edition failing does not stop the others: its result carries the error.
    """
    keys = [(territory, lang) for territory in territories for lang in languages]
    _SHARED.update(config=config, dataset=dataset, quarter=quarter)
    results: list[BuildResult] = []
    try:
        for result in in_processes(_build_one, keys, workers):
            results.append(result)
            if progress:
                progress(len(results), len(keys), result)
    finally:
        _SHARED.clear()
    order = {key: index for index, key in enumerate(keys)}
    return sorted(results, key=lambda r: order[(r.territory, r.lang)])


def in_processes(function: Callable, items: list, workers: int) -> Iterator:
    """`function(item)` for each item, in the order they finish, on up to `workers` processes.

    The processes are forked: they share the memory of this one (the loaded data) as it is when
    they start, instead of each receiving a copy.
    """
    if workers <= 1 or len(items) <= 1:
        yield from map(function, items)
        return
    with ProcessPoolExecutor(max_workers=min(workers, len(items)), mp_context=multiprocessing.get_context("fork"),
                             initializer=die_with_parent) as pool:
        for future in as_completed([pool.submit(function, item) for item in items]):
            yield future.result()


def _build_one(key: tuple[str, str]) -> BuildResult:
    config, dataset, quarter = _SHARED["config"], _SHARED["dataset"], _SHARED["quarter"]
    territory, lang = key
    result = BuildResult(quarter, territory, lang)
    started = time.perf_counter()
    try:
        with EditionLock(config.paths.output, quarter, territory, lang):
            edition, _, result.built = ensure_edition(config, dataset, quarter, territory, lang)
        result.pdf, result.pages = str(edition.pdf), int(edition.manifest["pages"])
    except BulletinError as exc:
        result.error = str(exc)
    except Exception as exc:  # reported in the summary; the other editions go on
        log.exception("edition %s %s %s failed", quarter, territory, lang)
        result.error = f"{type(exc).__name__}: {exc}"
    result.seconds = time.perf_counter() - started
    return result
