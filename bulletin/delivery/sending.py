"""Delivery of a composed message that survives a flaky server, and the record of what became of it.

`send_message` reports what became of each address, so the publish job can record who received
the edition and later send only to those still missing it; permanent refusals are never retried,
and neither is an address the server may already have (see `_try_once`). A failure that no retry
can mend (TLS, login, settings) ends the sending at once and is reported as `failure`.
Without an SMTP host the message is written to the outbox instead. The SMTP password is handed to
`login` and nowhere else: no text this module writes contains it. Standard library only.
"""
from __future__ import annotations

import logging
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

from bulletin.config import MailConfig
from bulletin.delivery.mail import sender_address
from bulletin.errors import MailError
from bulletin.files import write_atomically

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    at: str                   # ISO 8601 UTC, e.g. "2017-03-20T08:53:20Z"
    number: int               # 1, 2, ...
    recipients: list[str]
    result: str               # "sent", "written" (outbox), "transient", "refused", "unknown", "failed"
    detail: str               # e.g. "250 OK", "421 try later", "connection refused", "550 no such user"


@dataclass(frozen=True)
class DeliveryResult:
    message_id: str
    delivered: list[str]      # accepted by the server, or written to the outbox
    refused: dict[str, str]   # permanent failures (5xx) per recipient
    pending: list[str]        # not delivered: failing transiently after the last attempt, or after `failure`
    attempts: list[Attempt]
    unknown: list[str] = field(default_factory=list)  # the whole message went out, its reply never came
    failure: str = ""         # why no attempt can succeed (TLS, login, settings): the sending stopped


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def send_message(message: EmailMessage, recipients: list[str], mail: MailConfig, outbox: Path,
                 sleep: Callable[[float], None] = time.sleep,
                 now: Callable[[], datetime] = utcnow) -> DeliveryResult:
    """Deliver `message` to `recipients` and say what became of each address.

    Transient failures (server down, 4xx) are retried with back-off for the addresses not yet
    accepted only, so nobody gets the message twice; 5xx refusals are final, and so is a reply
    lost after the whole message went out (those addresses are `unknown`, never retried). A
    `MailError` (certificate, STARTTLS or login refused) stops at once: retrying cannot mend it.
    Without an SMTP host the message goes to the outbox, for trials and for sending by hand.
    """
    if not recipients:
        raise MailError("no recipients: set mail.recipients or mail.recipients_file")
    message_id = str(message.get("Message-ID", ""))
    if not message_id:
        raise ValueError("the message has no Message-ID (see mail.new_message_id)")
    if not mail.smtp_host:
        return _write_outbox(message, recipients, outbox, message_id, now)
    delivered: list[str] = []
    refused: dict[str, str] = {}
    unknown: list[str] = []
    attempts: list[Attempt] = []
    remaining = list(recipients)
    for number in range(1, max(1, mail.attempts) + 1):
        if number > 1:
            delay = 2 ** (number - 2)
            log.info("mail %s: retrying %d recipient(s) in %d s", message_id, len(remaining), delay)
            sleep(delay)
        at = _iso(now())
        try:
            outcome = _try_once(message, remaining, mail)
        except MailError as exc:
            attempts.append(Attempt(at=at, number=number, recipients=list(remaining), result="failed",
                                    detail=str(exc)))
            log.error("mail %s: %s", message_id, exc)
            return DeliveryResult(message_id=message_id, delivered=delivered, refused=refused, pending=remaining,
                                  attempts=attempts, unknown=unknown, failure=str(exc))
        attempts.append(Attempt(at=at, number=number, recipients=list(remaining), result=outcome.result,
                                detail=outcome.detail))
        _log_outcome(message_id, attempts[-1], outcome)
        delivered += outcome.accepted
        refused.update(outcome.refused)
        unknown += outcome.unknown
        remaining = [address for address in remaining if address in outcome.transient]
        if not remaining:
            break
    return DeliveryResult(message_id=message_id, delivered=delivered, refused=refused, pending=remaining,
                          attempts=attempts, unknown=unknown)


@dataclass
class _Outcome:
    """One SMTP session's verdict per recipient."""

    accepted: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    transient: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    lost_reply: str = ""      # why the server's verdict on the whole message never arrived

    @property
    def result(self) -> str:
        if self.unknown:
            return "unknown"
        return "transient" if self.transient else "sent" if self.accepted else "refused"

    @property
    def detail(self) -> str:
        if self.unknown:
            return f"no reply after the message was sent ({self.lost_reply}): the server may have it"
        if self.transient:
            return next(iter(self.transient.values()))
        if self.accepted:
            return "250 OK" + (f"; {len(self.refused)} refused" if self.refused else "")
        return next(iter(self.refused.values()))


class _Client(smtplib.SMTP):
    """smtplib's client, noting the moment the whole message, up to its final dot, has gone out.

    From then on the server may store the message whatever becomes of its reply: a timeout or a
    dropped connection after that point means "maybe delivered", never "try again".
    """

    message_sent = False

    def send(self, s) -> None:
        super().send(s)
        if isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):  # smtplib sends the body and its dot in one go
            self.message_sent = True


class _SSLClient(_Client, smtplib.SMTP_SSL):
    pass


def _try_once(message: EmailMessage, recipients: list[str], mail: MailConfig) -> _Outcome:
    """One SMTP session; every failure becomes a per-recipient verdict, except a configuration error."""
    smtp: _Client | None = None
    try:
        with _session(mail) as smtp:
            refusals = smtp.send_message(message, from_addr=sender_address(mail.sender), to_addrs=recipients)
    except smtplib.SMTPRecipientsRefused as exc:
        # All refused, or a 421 aborted the transaction: those the server did not answer were not tried.
        return _sort_out(recipients, exc.recipients, unanswered="transaction aborted by the server")
    except smtplib.SMTPConnectError as exc:  # a greeting other than 220, whatever its code: try again later
        return _sort_out(recipients, {}, unanswered=_describe(exc))
    except smtplib.SMTPResponseException as exc:  # MAIL FROM, DATA, HELO: the reply applies to everyone
        return _sort_out(recipients, dict.fromkeys(recipients, (exc.smtp_code, exc.smtp_error)))
    except OSError as exc:  # refused, timed out, disconnected (smtplib's errors are OSErrors too: keep last)
        if smtp is not None and smtp.message_sent:  # the reply to the end of DATA was lost, not the message
            return _Outcome(unknown=list(recipients), lost_reply=_describe(exc))
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
def _session(mail: MailConfig) -> Iterator[_Client]:
    """An open, secured and logged-in connection, closed however the block ends.

    Problems that retrying cannot fix (certificate, missing STARTTLS or AUTH) become MailError.
    """
    context = ssl.create_default_context()
    where = f"{mail.smtp_host}:{mail.smtp_port}"
    try:
        if mail.security == "ssl":
            smtp = _SSLClient(mail.smtp_host, mail.smtp_port, timeout=mail.timeout_seconds, context=context)
        else:
            smtp = _Client(mail.smtp_host, mail.smtp_port, timeout=mail.timeout_seconds)
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
