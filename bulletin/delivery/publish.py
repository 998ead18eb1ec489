"""The publishing job: make sure each due edition is archived, then mail it to whoever still lacks it.

Every step is idempotent, so the job can run every day, after a crash, or twice at once (a lock
per edition serialises the runs): unchanged figures build nothing, an address that received an
edition is not sent it again, and a revision is mailed only when the configuration says so.

The delivery of an edition, address by address, as its manifest records it ("deliveries"):

  not sent   no record names the address             publish, schedule, send: send it
  sending    an intent record ("status": "sending")  written just before the SMTP transaction; a run
                                                     that finds one (under the edition lock) knows
                                                     its process died inside it: it becomes unknown
  delivered  the server accepted the message         not sent again; send --force sends it again
  refused    a 5xx for this address, others took it  not sent again; send --force tries again
  pending    a transient failure (server down, 4xx,  the next run retries it; exit 1; the scheduler
             timeout before the message ended)       alerts once per kind of failure
  failed     a failure no retry can mend: TLS or     "status": "failed" with its "error"; exit 1;
             certificate, login refused, or every    the next run (after the fix) sends it again,
             address refused (5xx)                   so it is delivered exactly once
  unknown    killed inside the transaction, or the   never sent again by itself (at most once);
             reply to the end of DATA lost (timeout, exit 1 in the run that finds it; send --force
             dropped connection): maybe delivered    --to ADDRESS once a person has checked

Failed, unknown and refused records alert the admin once, naming the addresses ("alerted": true);
not a failure repeating the error just told, nor one a later run delivered. An alert that cannot be
mailed is written to the outbox and tried again by the next run.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from zoneinfo import ZoneInfo

from bulletin.archive.store import (ArchivedEdition, EditionLock, add_delivery, all_editions, edition_folder,
                                    latest_edition, replace_last_delivery, write_manifest)
from bulletin.config import Config
from bulletin.data.fetch import fetch_new_quarters
from bulletin.data.selection import territory_rows
from bulletin.data.trade import Dataset, load_dataset, require_quarter
from bulletin.delivery.mail import (ALERT_KEYS, alert_message, compose_message, delivery_alert, edition_letter,
                                    mail_texts, new_message_id, recipients_of)
from bulletin.delivery.scheduler import LOG_FILE
from bulletin.delivery.sending import DeliveryResult, send_message
from bulletin.errors import BulletinError, ConfigError, ConsistencyError, MailError
from bulletin.faults import checkpoint, in_processes
from bulletin.files import write_atomically
from bulletin.indicators.consistency import check_edition
from bulletin.pipeline import EditionContent, edition_content, ensure_edition, input_hashes
from bulletin.reference import NATIONAL, TERRITORIES, provinces_of
from bulletin.release import fetch_due
from bulletin.release_calendar import calendar_dates
from bulletin.templates import Templates
from bulletin.web import write_archive_pages

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
    unknown: list[str] = field(default_factory=list)  # found to be unknown by this run
    failure: str = ""
    alerted: bool = False     # not ok only for what the admin has been alerted of (never for pending)
    note: str = ""

    @property
    def ok(self) -> bool:
        """Nothing left to retry, nothing failed, nothing newly unknown: the run did its work."""
        return not (self.pending or self.failure or self.unknown)

    def summary(self) -> str:
        parts = [f"{self.quarter} {self.territory} {self.lang} r{self.revision}",
                 "built" if self.built else "already built"]
        if self.delivered:
            parts.append(f"sent to {len(self.delivered)}")
        if self.refused:
            parts.append(f"refused by {len(self.refused)}")
        if self.pending:
            parts.append(f"{len(self.pending)} still pending")
        if self.failure:
            parts.append(f"not sent: {self.failure}")
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
    but names them to the admin, so that a person can check and resend with `--force`. The
    states and what each command does from each are in the module's docstring. Call it holding
    the edition's lock.
    """
    outcome = EditionOutcome(edition.manifest["quarter"], edition.manifest["territory"], edition.manifest["language"],
                             edition.revision, str(edition.pdf), built=False)
    if not dry_run:
        edition = _settle_interrupted(edition, outcome)
    wanted = recipients if recipients is not None else recipients_of(config.mail)
    done = set() if force else edition.delivered_to | _refused_by(edition) | edition.unknown_to
    missing = [address for address in wanted if address.lower() not in done]
    unknown = sorted({a.lower() for a in wanted} & edition.unknown_to - edition.delivered_to) if not force else []
    if unknown:
        outcome.note = f"delivery unknown (maybe delivered) to {', '.join(unknown)}: check, then send --force --to"
        log.warning("%s: %s", edition.folder, outcome.note)
    if not missing:
        outcome.note = outcome.note or "nothing to send"
        outcome.alerted = dry_run or _tell_admin(config, edition)
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
    letter = edition_letter(content.indicators, content.lang, Templates(config.paths.templates), edition.pdf,
                            edition.manifest["title"], config.mail.max_attachment_mb, config.mail.download_url)
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
    status, error = _verdict(result)
    edition = replace_last_delivery(edition, {
        **record, "status": status, "delivered": result.delivered, "refused": result.refused,
        "pending": result.pending, "unknown": result.unknown, **({"error": error} if error else {}),
        "attempts": [asdict(a) for a in result.attempts]})
    outcome.delivered, outcome.refused, outcome.pending = result.delivered, result.refused, result.pending
    outcome.unknown += result.unknown
    outcome.failure = error
    outcome.alerted = _tell_admin(config, edition) and not outcome.pending  # pending: the scheduler alerts
    return outcome


def _verdict(result: DeliveryResult) -> tuple[str, str]:
    """The record's status ("done", "unknown", "failed") and, when it failed, why."""
    if result.failure:
        return "failed", result.failure
    if result.refused and not (result.delivered or result.pending or result.unknown):
        return "failed", f"every recipient refused it ({next(iter(result.refused.values()))})"
    return ("unknown" if result.unknown else "done"), ""


def _settle_interrupted(edition: ArchivedEdition, outcome: EditionOutcome) -> ArchivedEdition:
    """Turn the intent records of runs that died inside the SMTP transaction into "unknown" ones.

    Under the edition's lock no other run can be sending, so a "sending" record is a dead one.
    """
    deliveries = edition.manifest.get("deliveries", [])
    dead = [record for record in deliveries if record["status"] == "sending"]
    if not dead:
        return edition
    for record in dead:
        outcome.unknown += record["requested"]
    manifest = {**edition.manifest, "deliveries": [
        {**record, "status": "unknown", "unknown": record["requested"], "error": "the process ended during the "
         "SMTP transaction"} if record in dead else record for record in deliveries]}
    write_manifest(edition.folder, manifest)
    return ArchivedEdition(folder=edition.folder, manifest=manifest)


def _tell_admin(config: Config, edition: ArchivedEdition) -> bool:
    """Alert the admin, once, of every record that needs a person (failed, unknown, with refusals);
    say whether every such record has now been told.

    A failure with the same error as the failure before it was already told (the configuration
    is still wrong): it is marked, not sent again. If the alert cannot be sent, the records stay
    unmarked and the next run tries again.
    """
    deliveries = edition.manifest.get("deliveries", [])
    untold = [index for index, record in enumerate(deliveries)
              if _needs_a_person(record, edition.delivered_to) and not record.get("alerted")]
    if not untold:
        return True
    lines = [delivery_alert(edition.manifest, edition.folder, deliveries[index]) for index in untold
             if not _repeats_told_failure(deliveries, index)]
    if lines:
        kind = "DeliveryFailed" if any(deliveries[i]["status"] == "failed" for i in untold) else "DeliveryUnknown"
        try:
            alert_admin(config, kind, "\n".join(lines))
        except BulletinError as exc:
            log.error("%s: the admin could not be alerted (%s); the next run tries again", edition.folder, exc)
            return False
    marked = [{**record, "alerted": True} if index in untold else record for index, record in enumerate(deliveries)]
    write_manifest(edition.folder, {**edition.manifest, "deliveries": marked})
    return True


def _needs_a_person(record: dict, delivered_to: set[str]) -> bool:
    if record["status"] == "failed":  # unless a later run, after the fix, delivered it
        return any(address.lower() not in delivered_to for address in record["pending"] or record["requested"])
    return record["status"] == "unknown" or bool(record["refused"])


def _repeats_told_failure(deliveries: list[dict], index: int) -> bool:
    record, before = deliveries[index], deliveries[index - 1] if index else {}
    return record["status"] == before.get("status") == "failed" and before.get("alerted") and \
        record["error"] == before["error"]


def _fingerprint(hashes: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()


def _read_text(path) -> str | None:
    return path.read_text() if path.is_file() else None


def _refused_by(edition: ArchivedEdition) -> set[str]:
    """Addresses refused for good; those of a failed sending are tried again once the cause is fixed."""
    return {address.lower() for record in edition.manifest.get("deliveries", []) if record["status"] != "failed"
            for address in record["refused"]}


def publish(config: Config, quarter: str | None = None) -> list[EditionOutcome]:
    """The daily job, for each configured territory and language.

    The newest complete quarter (or `quarter`) is archived and sent to whoever still lacks it.
    Quarters already in the archive are checked for revised figures: a changed one gets a new
    revision, mailed only if `schedule.send_revisions`; they are never mailed to new subscribers.
    """
    # A release is published the day it appears (or, with a release calendar, in its week), unattended.
    today = dt.datetime.now(ZoneInfo(config.schedule.timezone)).date()
    if config.source.fetch and fetch_due(calendar_dates(config.edition.release_calendar), today):
        log.info("%s", fetch_new_quarters(config).summary().replace("\n", "; "))
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
    if any(outcome.built for outcome in outcomes):
        write_archive_pages(config)
    return outcomes


def _publish_one(config: Config, dataset: Dataset, quarter: str, territory: str, lang: str,
                 current: bool) -> EditionOutcome | None:
    with EditionLock(config.paths.output, quarter, territory, lang):
        latest = latest_edition(config.paths.output, quarter, territory, lang)
        inputs = _fingerprint(input_hashes(config, dataset, quarter, lang))
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
    outbox = config.paths.output / "outbox"
    result = send_message(message, [config.mail.admin], config.mail, outbox)
    if not result.delivered:  # the mail server is often the very problem: leave the alert where a person looks
        kept = send_message(message, [config.mail.admin], replace(config.mail, smtp_host=""), outbox)
        raise MailError(f"alert to {config.mail.admin} not delivered ({result.failure or result.attempts[-1].detail});"
                        f" written to {kept.attempts[0].detail}")


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
    if any(result.built for result in results):
        write_archive_pages(config)
    order = {key: index for index, key in enumerate(keys)}
    return sorted(results, key=lambda r: order[(r.territory, r.lang)])


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
