"""E-mail for an edition: who gets it, what it says, and a delivery that survives a flaky server.

The publish job calls four steps: `recipients_of` (who), `edition_letter` (the words, in the
edition's language), `compose_message` (the MIME message) and `send_message` (delivery).
`send_message` reports what became of each address, so the job can record who received the
edition and later send only to those still missing it; permanent refusals are never retried.
The SMTP password is handed to `login` and nowhere else: no text this module writes contains it.
Standard library only.
"""
from __future__ import annotations

import hashlib
import html
import logging
import re
import smtplib
import ssl
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import quote

from bulletin.text import formatting
from bulletin.templates import Templates
from bulletin.config import MailConfig
from bulletin.errors import BulletinError, ConfigError
from bulletin.files import write_atomically
from bulletin.indicators.compute import Indicators, RankedItem

log = logging.getLogger(__name__)

MEGABYTE = 1_000_000  # decimal, the smaller reading of "MB": a limit is never exceeded by a unit mix-up
TEMPLATE_KEYS = ("subject", "greeting", "intro", "figures_heading", "exports", "share", "trade", "top_product",
                 "top_destination", "value_change", "ranked_value", "attached", "not_attached", "automatic")

# Plain addresses only ("name@domain"): a display name in a list file is more often a typo than intended.
_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+")
_COMMENT = re.compile(r"(^|\s)#.*")  # "#" after a blank or at the start: '#' is legal inside an address


class MailError(BulletinError):
    """The mail configuration cannot work (a bad address list, a rejected login): retrying will not help."""

    exit_code = 2


@dataclass(frozen=True)
class Letter:
    subject: str
    text: str                 # plain-text body
    html: str                 # HTML body, every data string escaped
    attachment: Path | None   # the PDF, or None when it is too large
    attachment_name: str | None


@dataclass(frozen=True)
class Attempt:
    at: str                   # ISO 8601 UTC, e.g. "2017-03-20T08:53:20Z"
    number: int               # 1, 2, ...
    recipients: list[str]
    result: str               # "sent", "written" (outbox), "transient", "refused"
    detail: str               # e.g. "250 OK", "421 try later", "connection refused", "550 no such user"


@dataclass(frozen=True)
class DeliveryResult:
    message_id: str
    delivered: list[str]      # accepted by the server, or written to the outbox
    refused: dict[str, str]   # permanent failures (5xx) per recipient
    pending: list[str]        # still failing transiently after the last attempt
    attempts: list[Attempt]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# --- who -----------------------------------------------------------------------------------------

def recipients_of(mail: MailConfig) -> list[str]:
    """The distribution list: the configured addresses, then the file's, each once whatever its case.

    Lists kept by hand collect duplicates, and a reader who gets the bulletin twice unsubscribes.
    A malformed line stops everything and is named, because skipping it would silently drop a reader.
    """
    entries = [(address.strip(), "mail.recipients") for address in mail.recipients]
    if mail.recipients_file is not None:
        entries += _file_entries(mail.recipients_file)
    unique: dict[str, str] = {}
    for address, where in entries:
        if not _ADDRESS.fullmatch(address):
            raise MailError(f"{where}: not an e-mail address: {address!r}")
        unique.setdefault(address.lower(), address)
    return list(unique.values())


def _file_entries(path: Path) -> list[tuple[str, str]]:
    """(address, "file:line") for each line that is not blank or a comment."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise MailError(f"recipients file {path} cannot be read: {exc}") from None
    return [(text, f"{path}:{number}") for number, line in enumerate(lines, start=1)
            if (text := _COMMENT.sub("", line).strip())]


# --- what ----------------------------------------------------------------------------------------

class _Texts:
    """The `mail.toml` of one language, filled in as plain text or as escaped HTML."""

    def __init__(self, templates: Templates, lang: str):
        self.name = f"{lang}/mail.toml"
        self.texts = templates.read_toml(self.name)
        missing = [key for key in TEMPLATE_KEYS if not isinstance(self.texts.get(key), str)]
        if missing:
            raise ConfigError(f"template {self.name}: missing {', '.join(missing)}")

    def plain(self, key: str, **values: str) -> str:
        return self._fill(key, self.texts[key], values)

    def html(self, key: str, markup: dict[str, str] | None = None, **values: str) -> str:
        """The template escaped, data escaped, and `markup` (already safe HTML) inserted as is."""
        escaped = {name: html.escape(value, quote=False) for name, value in values.items()}
        return self._fill(key, html.escape(self.texts[key], quote=False), {**escaped, **(markup or {})})

    def _fill(self, key: str, template: str, values: dict[str, str]) -> str:
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(f"template {self.name}, {key}: unknown or malformed placeholder {exc}") from None


def edition_letter(indicators: Indicators, lang: str, templates: Templates, pdf: Path, title: str,
                   max_attachment_mb: float, download_url: str) -> Letter:
    """The message's words in the edition's language, with the figures a reader looks for first.

    A PDF over the limit is not attached, because many servers reject large messages outright;
    the reader gets its address (or path) instead. Every number goes through `formatting`, so
    the message prints exactly what the PDF prints.
    """
    texts = _Texts(templates, lang)
    edition = formatting.quarter_label(indicators.quarter, lang)
    size = pdf.stat().st_size
    attach = size <= max_attachment_mb * MEGABYTE
    closing = {"size": _megabytes(size / MEGABYTE, lang)}
    if not attach:
        closing["limit"] = _megabytes(max_attachment_mb, lang)
        closing["location"] = _location(pdf, indicators.quarter, download_url)
    parts = _Parts(texts, title=title, edition=edition, figures=_key_figures(indicators, lang, texts),
                   closing_key="attached" if attach else "not_attached", closing=closing)
    return Letter(subject=texts.plain("subject", title=title, edition=edition), text=parts.text(),
                  html=parts.html(lang), attachment=pdf if attach else None,
                  attachment_name=pdf.name if attach else None)


def _key_figures(indicators: Indicators, lang: str, texts: _Texts) -> list[tuple[str, str]]:
    """(label, value) rows: exports and their change, share of Italy, trade, top product and destination."""
    previous = formatting.quarter_label(indicators.previous_year_quarter, lang)

    def with_change(value_eur: float, change: float | None) -> str:
        value = formatting.money(value_eur, lang)
        if change is None:  # no base a year before: say nothing rather than "n.d."
            return value
        return texts.plain("value_change", value=value, change=formatting.pct(change, lang), previous=previous)

    def leader(item: RankedItem) -> str:
        return texts.plain("ranked_value", name=item.name[lang], value=formatting.money(item.value_eur, lang),
                           share=formatting.share(item.share_pct, lang))

    rows = [(texts.plain("exports"), with_change(indicators.exports.value_eur, indicators.exports.yoy_pct)),
            (texts.plain("share"), formatting.share(indicators.exports.share_of_national_pct, lang)),
            (texts.plain("trade"), with_change(indicators.trade_eur, indicators.trade_yoy_pct))]
    for key, items in (("top_product", indicators.products), ("top_destination", indicators.destinations)):
        if items and items[0].value_eur > 0:
            rows.append((texts.plain(key), leader(items[0])))
    return rows


@dataclass
class _Parts:
    """The blocks of the message, rendered once as plain text and once as HTML from the same values."""

    texts: _Texts
    title: str
    edition: str
    figures: list[tuple[str, str]]
    closing_key: str
    closing: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        t = self.texts
        figures = "\n".join(f"- {label}: {value}" for label, value in self.figures)
        return (f"{t.plain('greeting')}\n{t.plain('intro', title=self.title, edition=self.edition)}\n\n"
                f"{t.plain('figures_heading', edition=self.edition)}\n{figures}\n\n"
                f"{t.plain(self.closing_key, **self.closing)}\n\n-- \n{t.plain('automatic')}\n")

    def html(self, lang: str) -> str:
        t = self.texts
        rows = "\n".join(f'<tr><th scope="row" style="text-align:left;padding:2px 12px 2px 0;font-weight:normal">'
                         f"{html.escape(label, quote=False)}</th><td>{html.escape(value, quote=False)}</td></tr>"
                         for label, value in self.figures)
        closing = dict(self.closing)
        markup = {"location": _link(closing.pop("location"))} if "location" in closing else {}
        subject = t.plain("subject", title=self.title, edition=self.edition)
        return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head><meta charset="utf-8">'
                f"<title>{html.escape(subject, quote=False)}</title></head>\n"
                f'<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px">\n'
                f"<p>{t.html('greeting')}<br>\n{t.html('intro', title=self.title, edition=self.edition)}</p>\n"
                f"<p><strong>{t.html('figures_heading', edition=self.edition)}</strong></p>\n"
                f"<table>\n{rows}\n</table>\n"
                f"<p>{t.html(self.closing_key, markup, **closing)}</p>\n"
                f'<p style="color:#666666;font-size:12px">{t.html("automatic")}</p>\n</body>\n</html>\n')


def _link(location: str) -> str:
    """A web address as a link, a file path as text."""
    text = html.escape(location, quote=False)
    if re.match(r"https?://", location):
        return f'<a href="{html.escape(location, quote=True)}">{text}</a>'
    return text


def _megabytes(value_mb: float, lang: str) -> str:
    decimals = 0 if value_mb == int(value_mb) else 1 if value_mb >= 1 else 2
    return f"{formatting.number(value_mb, lang, decimals)} MB"


def _location(pdf: Path, quarter: str, download_url: str) -> str:
    """Where a reader finds a PDF too large to attach: its address in the published archive, else its path.

    The archive (output/) is published as it is, so the address is the path from the quarter's
    folder down; looking for that folder keeps this right whatever the layout below it.
    """
    if not download_url:
        return str(pdf)
    parts = pdf.parts
    starts = [index for index, part in enumerate(parts[:-1]) if part == quarter]
    relative = "/".join(parts[starts[-1]:] if starts else (pdf.name,))
    return f"{download_url.rstrip('/')}/{quote(relative)}"


# --- the message ---------------------------------------------------------------------------------

def compose_message(letter: Letter, mail: MailConfig, to: list[str], message_id: str,
                    date: datetime) -> EmailMessage:
    """The MIME message: text and HTML alternatives (the reader's client picks), the PDF attached.

    With `mail.bcc` the list stays out of the headers entirely (`To` is the sender) so that
    readers neither see nor reply-all to each other; the addresses travel only in the envelope.
    """
    message = EmailMessage()
    message["From"] = mail.sender
    if mail.reply_to:
        message["Reply-To"] = mail.reply_to
    message["To"] = mail.sender if mail.bcc else ", ".join(to)
    message["Subject"] = letter.subject
    message["Date"] = format_datetime(date if date.tzinfo else date.replace(tzinfo=timezone.utc))
    message["Message-ID"] = message_id
    message.set_content(letter.text)
    message.add_alternative(letter.html, subtype="html")
    if letter.attachment is not None:
        message.add_attachment(letter.attachment.read_bytes(), maintype="application", subtype="pdf",
                               filename=letter.attachment_name or letter.attachment.name)
    return message


def new_message_id(mail: MailConfig, key: str) -> str:
    """A Message-ID that is the same every time for the same key (edition, revision, delivery round).

    A run that crashed after sending and is repeated sends the same message again, which mail
    clients show once; the readable key tells whoever reads the headers which edition it was.
    """
    sender = _address(mail.sender)
    domain = re.sub(r"[^A-Za-z0-9.\-]+", "-", sender.rpartition("@")[2]).strip(".-") or "localhost"
    digest = hashlib.sha256(f"{key}\0{sender}".encode("utf-8")).hexdigest()[:8]
    readable = re.sub(r"[^A-Za-z0-9.\-]+", "-", key).strip(".-") or "message"
    return f"<{readable}.{digest}@{domain}>"


def _address(sender: str) -> str:
    return parseaddr(sender)[1] or sender


# --- delivery ------------------------------------------------------------------------------------

def send_message(message: EmailMessage, recipients: list[str], mail: MailConfig, outbox: Path,
                 sleep: Callable[[float], None] = time.sleep,
                 now: Callable[[], datetime] = utcnow) -> DeliveryResult:
    """Deliver `message` to `recipients` and say what became of each address.

    Transient failures (server down, 4xx) are retried with back-off for the addresses not yet
    accepted only, so nobody gets the message twice; 5xx refusals are final. Without an SMTP
    host the message goes to the outbox, for trials and for sending by hand.
    """
    if not recipients:
        raise MailError("no recipients: set mail.recipients or mail.recipients_file")
    message_id = str(message.get("Message-ID", ""))
    if not message_id:
        raise ValueError("the message has no Message-ID (see new_message_id)")
    if not mail.smtp_host:
        return _write_outbox(message, recipients, outbox, message_id, now)
    delivered: list[str] = []
    refused: dict[str, str] = {}
    attempts: list[Attempt] = []
    remaining = list(recipients)
    for number in range(1, max(1, mail.attempts) + 1):
        if number > 1:
            delay = 2 ** (number - 2)
            log.info("mail %s: retrying %d recipient(s) in %d s", message_id, len(remaining), delay)
            sleep(delay)
        at = _iso(now())
        outcome = _try_once(message, remaining, mail)
        attempts.append(Attempt(at=at, number=number, recipients=list(remaining), result=outcome.result,
                                detail=outcome.detail))
        _log_outcome(message_id, attempts[-1], outcome)
        delivered += outcome.accepted
        refused.update(outcome.refused)
        remaining = [address for address in remaining if address in outcome.transient]
        if not remaining:
            break
    return DeliveryResult(message_id=message_id, delivered=delivered, refused=refused, pending=remaining,
                          attempts=attempts)


@dataclass
class _Outcome:
    """One SMTP session's verdict per recipient."""

    accepted: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    transient: dict[str, str] = field(default_factory=dict)

    @property
    def result(self) -> str:
        return "transient" if self.transient else "sent" if self.accepted else "refused"

    @property
    def detail(self) -> str:
        if self.transient:
            return next(iter(self.transient.values()))
        if self.accepted:
            return "250 OK" + (f"; {len(self.refused)} refused" if self.refused else "")
        return next(iter(self.refused.values()))


def _try_once(message: EmailMessage, recipients: list[str], mail: MailConfig) -> _Outcome:
    """One SMTP session; every failure becomes a per-recipient verdict, except a configuration error."""
    try:
        with _session(mail) as smtp:
            refusals = smtp.send_message(message, from_addr=_address(mail.sender), to_addrs=recipients)
    except smtplib.SMTPRecipientsRefused as exc:
        # All refused, or a 421 aborted the transaction: those the server did not answer were not tried.
        return _sort_out(recipients, exc.recipients, unanswered="transaction aborted by the server")
    except smtplib.SMTPConnectError as exc:  # a greeting other than 220, whatever its code: try again later
        return _sort_out(recipients, {}, unanswered=_describe(exc))
    except smtplib.SMTPResponseException as exc:  # MAIL FROM, DATA, HELO: the reply applies to everyone
        return _sort_out(recipients, dict.fromkeys(recipients, (exc.smtp_code, exc.smtp_error)))
    except OSError as exc:  # refused, timed out, disconnected (smtplib's errors are OSErrors too: keep last)
        return _sort_out(recipients, {}, unanswered=_describe(exc))
    return _sort_out(recipients, refusals)


def _sort_out(recipients: list[str], replies: dict[str, tuple[int, bytes | str]],
              unanswered: str | None = None) -> _Outcome:
    """Split recipients by the server's reply: 5xx refused, other codes transient; without a reply,
    accepted, or transient with the reason `unanswered` when the transaction did not complete."""
    outcome = _Outcome()
    for address in recipients:
        if address in replies:
            code, text = replies[address]
            verdict = outcome.refused if 500 <= code < 600 else outcome.transient
            verdict[address] = _reply(code, text)
        elif unanswered is not None:
            outcome.transient[address] = unanswered
        else:
            outcome.accepted.append(address)
    return outcome


@contextmanager
def _session(mail: MailConfig) -> Iterator[smtplib.SMTP]:
    """An open, secured and logged-in connection, closed however the block ends.

    Problems that retrying cannot fix (certificate, missing STARTTLS or AUTH) become MailError.
    """
    context = ssl.create_default_context()
    where = f"{mail.smtp_host}:{mail.smtp_port}"
    try:
        if mail.security == "ssl":
            smtp = smtplib.SMTP_SSL(mail.smtp_host, mail.smtp_port, timeout=mail.timeout_seconds, context=context)
        else:
            smtp = smtplib.SMTP(mail.smtp_host, mail.smtp_port, timeout=mail.timeout_seconds)
    except ssl.SSLCertVerificationError as exc:
        raise MailError(f"SMTP server {where}: certificate not valid: {exc.verify_message}") from None
    try:
        if mail.security == "starttls":
            smtp.starttls(context=context)
        if mail.username:
            _login(smtp, mail, where)
        yield smtp
    except ssl.SSLCertVerificationError as exc:
        raise MailError(f"SMTP server {where}: certificate not valid: {exc.verify_message}") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise MailError(f"SMTP server {where}: {exc}") from None
    finally:
        _close(smtp)


def _login(smtp: smtplib.SMTP, mail: MailConfig, where: str) -> None:
    """Log in. A rejected login is a configuration error, reported without the password."""
    if not (mail.username + mail.password).isascii():
        # Checked first: smtplib would fail with a UnicodeEncodeError whose arguments hold the password.
        raise MailError(f"SMTP login as {mail.username!r}: the user name or password has characters other "
                        f"than ASCII, which Python's SMTP client cannot send")
    try:
        smtp.login(mail.username, mail.password)
    except smtplib.SMTPAuthenticationError as exc:
        if not 500 <= exc.smtp_code < 600:
            raise  # 4xx: the server's problem for now; retried like any transient failure
        reply = _reply(exc.smtp_code, exc.smtp_error)
        if mail.password:
            reply = reply.replace(mail.password, "***")
        raise MailError(f"SMTP server {where} refused the login of user {mail.username!r}: {reply} "
                        f"(check mail.username and BULLETIN_SMTP_PASSWORD)") from None
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException):
        raise
    except smtplib.SMTPException as exc:  # no AUTH offered, or no mechanism in common
        raise MailError(f"SMTP server {where}: cannot log in as {mail.username!r}: {exc}") from None


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _reply(code: int, text: bytes | str) -> str:
    """'550 no such user' from smtplib's code and (possibly multi-line, bytes) text."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}".strip()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"server disconnected: {exc}" if str(exc) else "server disconnected"
    return str(exc) or type(exc).__name__


def _log_outcome(message_id: str, attempt: Attempt, outcome: _Outcome) -> None:
    log.info("mail %s: attempt %d to %d recipient(s): %s (%s)", message_id, attempt.number,
             len(attempt.recipients), attempt.result, attempt.detail)
    for address, detail in outcome.refused.items():
        log.warning("mail %s: %s refused: %s", message_id, address, detail)
    for address, detail in outcome.transient.items():
        log.warning("mail %s: %s not delivered yet: %s", message_id, address, detail)


def _iso(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- outbox --------------------------------------------------------------------------------------

def _write_outbox(message: EmailMessage, recipients: list[str], outbox: Path, message_id: str,
                  now: Callable[[], datetime]) -> DeliveryResult:
    """Write the message as `<id>.eml`; through a temporary file, so a crash never leaves half a message."""
    target = outbox / f"{re.sub(r'[^A-Za-z0-9.@_-]+', '_', message_id.strip('<>')) or 'message'}.eml"
    at = _iso(now())
    try:
        write_atomically(target, message.as_bytes())
    except OSError as exc:
        raise MailError(f"cannot write {target}: {exc.strerror or exc}") from None
    attempt = Attempt(at=at, number=1, recipients=list(recipients), result="written", detail=str(target))
    log.info("mail %s: written to %s for %d recipient(s)", message_id, target, len(recipients))
    return DeliveryResult(message_id=message_id, delivered=list(recipients), refused={}, pending=[],
                          attempts=[attempt])
