"""E-mail for an edition: who gets it and what it says; `sending` delivers it.

The publish job calls four steps: `recipients_of` (who), `edition_letter` (the words, in the
edition's language, from `templates/<lang>/mail.toml`), `compose_message` (the MIME message) and
`sending.send_message` (delivery). The administrator's alert is composed here too
(`alert_message`). Standard library only.
"""
from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from urllib.parse import quote

from bulletin.archive.store import WEB_PAGE
from bulletin.config import MailConfig
from bulletin.errors import ConfigError, MailError
from bulletin.indicators.compute import Indicators, RankedItem
from bulletin.templates import Templates, Texts
from bulletin.text import formatting
from bulletin.text.controls import control_characters

MEGABYTE = 1_000_000  # decimal, the smaller reading of "MB": a limit is never exceeded by a unit mix-up
LETTER_KEYS = ("subject", "greeting", "intro", "figures_heading", "exports", "share", "trade", "top_product",
               "top_destination", "value_change", "ranked_value", "attached", "not_attached", "megabytes",
               "automatic")
ALERT_KEYS = ("alert_subject", "alert_text")
WEB_KEY = "web_edition"  # the link to the web edition: read only when `download_url` is set
TEMPLATE_KEYS = LETTER_KEYS + (WEB_KEY,) + ALERT_KEYS

# Plain addresses only ("name@domain"): a display name in a list file is more often a typo than intended.
_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+")
_COMMENT = re.compile(r"(^|\s)#.*")  # "#" after a blank or at the start: '#' is legal inside an address


@dataclass(frozen=True)
class Letter:
    subject: str
    text: str                 # plain-text body
    html: str                 # HTML body, every data string escaped
    attachment: Path | None   # the PDF, or None when it is too large
    attachment_name: str | None


# --- who -----------------------------------------------------------------------------------------

def recipients_of(mail: MailConfig) -> list[str]:
    """The distribution list: the configured addresses, then the file's, each once whatever its case.

    Lists kept by hand collect duplicates, and a reader who gets the bulletin twice unsubscribes.
    A malformed line stops everything and is named (every one of them, one line each), because
    skipping it would silently drop a reader.
    """
    entries = [(address.strip(), "mail.recipients") for address in mail.recipients]
    if mail.recipients_file is not None:
        entries += _file_entries(mail.recipients_file)
    problems = [f"{where}: not an e-mail address: {address!r}" for address, where in entries
                if not _ADDRESS.fullmatch(address)]
    if problems:
        raise MailError("\n".join(problems))
    unique: dict[str, str] = {}
    for address, _ in entries:
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

def mail_texts(templates: Templates, lang: str, keys: tuple[str, ...] = LETTER_KEYS) -> Texts:
    """The language's `mail.toml`, with every key in `keys` (all missing ones named at once)."""
    texts = templates.texts(f"{lang}/mail.toml")
    missing = [key for key in keys if not isinstance(texts.strings.get(key), str)]
    if missing:
        raise ConfigError(f"template {texts.name}: missing {', '.join(missing)}")
    return texts


def _html(texts: Texts, key: str, markup: dict[str, str] | None = None, **values: str) -> str:
    """The template and the data escaped for HTML, and `markup` (already safe HTML) inserted as is."""
    return texts.fill(key, escape=_escape, markup=markup, **values)


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def edition_letter(indicators: Indicators, lang: str, templates: Templates, pdf: Path, title: str,
                   max_attachment_mb: float, download_url: str) -> Letter:
    """The message's words in the edition's language, with the figures a reader looks for first.

    A PDF over the limit is not attached, because many servers reject large messages outright;
    the reader gets its address (or path) instead. Every number goes through `formatting`, so
    the message prints exactly what the PDF prints.
    """
    texts = mail_texts(templates, lang)
    edition = formatting.quarter_label(indicators.quarter, lang)
    size = pdf.stat().st_size
    attach = size <= max_attachment_mb * MEGABYTE
    closing = {"size": _megabytes(size / MEGABYTE, lang, texts)}
    if not attach:
        closing["limit"] = _megabytes(max_attachment_mb, lang, texts)
        closing["location"] = _location(pdf, indicators.quarter, download_url)
    # The web edition beside the PDF, when the archive is published: its address (`web`).
    page = pdf.parent / WEB_PAGE
    web = _location(page, indicators.quarter, download_url) if download_url and page.is_file() else ""
    parts = _Parts(texts, title=title, edition=edition, figures=_key_figures(indicators, lang, texts),
                   closing_key="attached" if attach else "not_attached", closing=closing, web=web)
    subject = texts.fill("subject", title=title, edition=edition)
    found = control_characters(subject)
    if found:  # a line break would end the header mid-send; `bulletin check` says so earlier
        raise ConfigError(f"template {templates.find(f'{lang}/mail.toml')}: the subject {subject!r} must be one line without "
                          f"control characters ({', '.join(found)})")
    return Letter(subject=subject, text=parts.text(),
                  html=parts.html(lang), attachment=pdf if attach else None,
                  attachment_name=pdf.name if attach else None)


def _key_figures(indicators: Indicators, lang: str, texts: Texts) -> list[tuple[str, str]]:
    """(label, value) rows: exports and their change, share of Italy, trade, top product and destination."""
    previous = formatting.quarter_label(indicators.previous_year_quarter, lang)

    def with_change(value_eur: float, change: float | None) -> str:
        value = formatting.money(value_eur, lang)
        if change is None:  # no base a year before: say nothing rather than "n.d."
            return value
        return texts.fill("value_change", value=value, change=formatting.pct(change, lang), previous=previous)

    def leader(item: RankedItem) -> str:
        return texts.fill("ranked_value", name=item.name[lang], value=formatting.money(item.value_eur, lang),
                          share=formatting.share(item.share_pct, lang))

    rows = [(texts.fill("exports"), with_change(indicators.exports.value_eur, indicators.exports.yoy_pct)),
            (texts.fill("share"), formatting.share(indicators.exports.share_of_national_pct, lang)),
            (texts.fill("trade"), with_change(indicators.trade_eur, indicators.trade_yoy_pct))]
    for key, items in (("top_product", indicators.products), ("top_destination", indicators.destinations)):
        if items and items[0].value_eur > 0:
            rows.append((texts.fill(key), leader(items[0])))
    return rows


@dataclass
class _Parts:
    """The blocks of the message, rendered once as plain text and once as HTML from the same values."""

    texts: Texts
    title: str
    edition: str
    figures: list[tuple[str, str]]
    closing_key: str
    closing: dict[str, str] = field(default_factory=dict)
    web: str = ""  # the web edition's address, or nothing

    def text(self) -> str:
        t = self.texts
        figures = "\n".join(f"- {label}: {value}" for label, value in self.figures)
        return (f"{t.fill('greeting')}\n{t.fill('intro', title=self.title, edition=self.edition)}\n\n"
                f"{t.fill('figures_heading', edition=self.edition)}\n{figures}\n\n"
                + (f"{t.fill(WEB_KEY, web=self.web)}\n\n" if self.web else "")
                + f"{t.fill(self.closing_key, **self.closing)}\n\n-- \n{t.fill('automatic')}\n")

    def html(self, lang: str) -> str:
        t = self.texts
        rows = "\n".join(f'<tr><th scope="row" style="text-align:left;padding:2px 12px 2px 0;font-weight:normal">'
                         f"{_escape(label)}</th><td>{_escape(value)}</td></tr>" for label, value in self.figures)
        closing = dict(self.closing)
        markup = {"location": _link(closing.pop("location"))} if "location" in closing else {}
        subject = t.fill("subject", title=self.title, edition=self.edition)
        return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head><meta charset="utf-8">'
                f"<title>{_escape(subject)}</title></head>\n"
                f'<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px">\n'
                f"<p>{_html(t, 'greeting')}<br>\n{_html(t, 'intro', title=self.title, edition=self.edition)}</p>\n"
                f"<p><strong>{_html(t, 'figures_heading', edition=self.edition)}</strong></p>\n"
                f"<table>\n{rows}\n</table>\n"
                + (f"<p>{_html(t, WEB_KEY, {'web': _link(self.web)})}</p>\n" if self.web else "")
                + f"<p>{_html(t, self.closing_key, markup, **closing)}</p>\n"
                f'<p style="color:#666666;font-size:12px">{_html(t, "automatic")}</p>\n</body>\n</html>\n')


def _link(location: str) -> str:
    """A web address as a link, a file path as text."""
    text = _escape(location)
    if re.match(r"https?://", location):
        return f'<a href="{html.escape(location, quote=True)}">{text}</a>'
    return text


def _megabytes(value_mb: float, lang: str, texts: Texts) -> str:
    decimals = 0 if value_mb == int(value_mb) else 1 if value_mb >= 1 else 2
    return texts.fill("megabytes", value=formatting.number(value_mb, lang, decimals))


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


def alert_message(mail: MailConfig, texts: Texts, kind: str, summary: str, log_file: Path,
                  message_id: str) -> EmailMessage:
    """A plain-text message telling the administrator that a run failed, and where its log is."""
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = mail.admin
    message["Subject"] = texts.fill("alert_subject", kind=kind)
    message["Message-ID"] = message_id
    message.set_content(texts.fill("alert_text", kind=kind, summary=summary, log=str(log_file)))
    return message


def delivery_alert(manifest: dict, folder: Path, record: dict) -> str:
    """What the admin must know of a delivery record that needs a person: which edition, which
    addresses, what happened, what to do. In English, like every message of the program."""
    name = f"{manifest['quarter']} {manifest['territory']} {manifest['language']} r{manifest['revision']} ({folder})"
    resend = (f"bulletin send --quarter {manifest['quarter']} --territory {manifest['territory']} "
              f"--lang {manifest['language']} --force --to ADDRESS")
    if record["status"] == "failed":
        return (f"{name} was not sent to {', '.join(record['pending'] or record['requested'])}: {record['error']}. "
                f"Once this is fixed, the next run sends it.")
    if record["status"] == "unknown":
        reason = record.get("error") or next((a["detail"] for a in reversed(record["attempts"])
                                              if a["result"] == "unknown"), "no reply")
        return (f"{name} may or may not have reached {', '.join(record['unknown'])} ({reason}); it will not be "
                f"sent to them again by itself. Check with them, then for each who lacks it: {resend}")
    refusals = "; ".join(f"{address}: {reason}" for address, reason in record["refused"].items())
    return f"{name} was refused by {refusals}. To try again: {resend}"


def new_message_id(mail: MailConfig, key: str) -> str:
    """A Message-ID that is the same every time for the same key (edition, revision, delivery round).

    A run that crashed after sending and is repeated sends the same message again, which mail
    clients show once; the readable key tells whoever reads the headers which edition it was.
    """
    sender = sender_address(mail.sender)
    domain = re.sub(r"[^A-Za-z0-9.\-]+", "-", sender.rpartition("@")[2]).strip(".-") or "localhost"
    digest = hashlib.sha256(f"{key}\0{sender}".encode("utf-8")).hexdigest()[:8]
    readable = re.sub(r"[^A-Za-z0-9.\-]+", "-", key).strip(".-") or "message"
    return f"<{readable}.{digest}@{domain}>"


def sender_address(sender: str) -> str:
    """"studi@example.org" from "Ufficio Studi <studi@example.org>"."""
    return parseaddr(sender)[1] or sender
