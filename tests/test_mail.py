"""Mail: the letter's words and figures, the MIME message, and delivery to a real SMTP server.

The server is aiosmtpd on 127.0.0.1, so smtplib is exercised for real: retries, refusals and
login failures are the server's genuine replies, not mocks.
"""
from __future__ import annotations

import email
import email.policy
import html
import logging
import re
import string
import tomllib
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest

from conftest import free_port
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from reportlab.pdfgen import canvas

from bulletin.text import formatting
from bulletin.templates import SHIPPED_TEMPLATES, Templates
from bulletin.config import MailConfig
from bulletin.errors import ConfigError, MailError
from bulletin.delivery.mail import (TEMPLATE_KEYS, compose_message, edition_letter, new_message_id,
                                    recipients_of)
from bulletin.delivery.sending import send_message

SENDER = "Ufficio Studi <studi@example.org>"
TITLE = "Export hi-tech della Lombardia – I trimestre 2017"
DATE = datetime(2017, 5, 20, 8, 53, 20, tzinfo=timezone.utc)
READERS = ["anna@example.org", "Bruno@Example.org", "carla@example.net"]
SECRET = "Sup3r-s3cret-Passw0rd"


# --- the SMTP server ---------------------------------------------------------------------------------

@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.content, policy=email.policy.default)


class Recorder:
    """An aiosmtpd handler that keeps every message and can be told how to answer RCPT and DATA."""

    def __init__(self):
        self.received: list[Received] = []
        self.rcpt_calls = 0
        self.rcpt_reply = lambda address, call: None  # a reply such as "550 no such user", or None to accept
        self.data_reply: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_calls += 1
        reply = self.rcpt_reply(address, self.rcpt_calls)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


@pytest.fixture
def servers():
    """Start SMTP servers on demand (a test may start one late, on a chosen port); all stopped at the end."""
    started = []

    def start(handler: Recorder | None = None, port: int | None = None, **smtp_parameters) -> Controller:
        controller = Controller(handler or Recorder(), hostname="127.0.0.1", port=port or free_port(),
                                **smtp_parameters)
        controller.start()
        started.append(controller)
        return controller

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def server(servers) -> Controller:
    return servers()


def config_for(port: int, **changes) -> MailConfig:
    return replace(MailConfig(sender=SENDER, smtp_host="127.0.0.1", smtp_port=port, security="none",
                              timeout_seconds=5, attempts=4), **changes)


# --- the letter --------------------------------------------------------------------------------------

@pytest.fixture
def pdf(tmp_path) -> Path:
    """A small real PDF where the archive keeps editions: output/<quarter>/<territory>/<lang>-r<n>/."""
    path = tmp_path / "output" / "2017Q1" / "ITC4" / "it-r1" / "bollettino-hitech-lombardia-2017Q1.pdf"
    path.parent.mkdir(parents=True)
    page = canvas.Canvas(str(path))
    page.drawString(100, 750, "Export hi-tech della Lombardia")
    page.save()
    return path


@pytest.fixture
def indicators(sample):
    return sample[1]


def letter_for(indicators, pdf, lang="it", limit_mb=10.0, url="", title=TITLE):
    return edition_letter(indicators, lang, Templates(None), pdf, title, limit_mb, url)


def key_figures(ind, lang: str) -> list[str]:
    """The figures the message must show, formatted as the PDF prints them."""
    product, destination = ind.products[0], ind.destinations[0]
    return [formatting.money(ind.exports.value_eur, lang), formatting.pct(ind.exports.yoy_pct, lang),
            formatting.share(ind.exports.share_of_national_pct, lang), formatting.money(ind.trade_eur, lang),
            product.name[lang], formatting.money(product.value_eur, lang),
            destination.name[lang], formatting.money(destination.value_eur, lang)]


def test_message_arrives_with_headers_figures_and_the_pdf_and_bcc_hides_the_list(server, indicators, pdf, tmp_path):
    letter = letter_for(indicators, pdf)
    mail = config_for(server.port, reply_to="redazione@example.org", bcc=True)
    message_id = new_message_id(mail, "2017Q1.ITC4.it.r1")
    message = compose_message(letter, mail, READERS, message_id, DATE)

    result = send_message(message, READERS, mail, tmp_path / "outbox")

    assert result.delivered == READERS and result.refused == {} and result.pending == []
    assert result.message_id == message_id
    assert [(a.number, a.result, a.detail) for a in result.attempts] == [(1, "sent", "250 OK")]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", result.attempts[0].at)
    [received] = server.handler.received
    assert received.mail_from == "studi@example.org"
    assert received.rcpt_tos == READERS
    got = received.message
    assert got["From"] == SENDER and got["To"] == SENDER and got["Reply-To"] == "redazione@example.org"
    assert got["Subject"] == letter.subject == TITLE
    assert got["Date"] == format_datetime(DATE) and got["Message-ID"] == message_id
    assert "Bcc" not in got
    for address in READERS:
        assert address.lower().encode() not in received.content.lower()
    plain = got.get_body(("plain",)).get_content()
    rich = got.get_body(("html",)).get_content()
    for figure in key_figures(indicators, "it"):
        assert figure in plain
        assert html.escape(figure, quote=False) in rich
    assert "I trimestre 2017" in plain and "automaticamente" in plain
    [attachment] = got.iter_attachments()
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == pdf.name == letter.attachment_name
    assert attachment.get_content() == pdf.read_bytes()


def test_without_bcc_the_readers_are_in_the_to_header(server, indicators, pdf, tmp_path):
    mail = config_for(server.port, bcc=False)
    message = compose_message(letter_for(indicators, pdf), mail, READERS, new_message_id(mail, "k"), DATE)
    send_message(message, READERS, mail, tmp_path / "outbox")
    [received] = server.handler.received
    assert [a.addr_spec for a in received.message["To"].addresses] == READERS
    assert received.rcpt_tos == READERS


def test_a_pdf_over_the_limit_is_not_attached_and_the_body_gives_its_link(indicators, pdf, tmp_path):
    limit = pdf.stat().st_size / 1_000_000 / 2
    letter = letter_for(indicators, pdf, limit_mb=limit, url="https://example.org/bollettini/")
    link = f"https://example.org/bollettini/2017Q1/ITC4/it-r1/{pdf.name}"
    assert letter.attachment is None and letter.attachment_name is None
    assert link in letter.text
    assert f'<a href="{link}">{link}</a>' in letter.html
    assert "non è allegato" in letter.text

    mail = MailConfig(sender=SENDER)
    result = send_message(compose_message(letter, mail, READERS, new_message_id(mail, "k"), DATE), READERS,
                          mail, tmp_path / "outbox")
    [written] = (tmp_path / "outbox").glob("*.eml")
    assert list(email.message_from_bytes(written.read_bytes(), policy=email.policy.default).iter_attachments()) == []
    assert result.delivered == READERS


def test_without_a_download_address_the_body_gives_the_file_path(indicators, pdf):
    letter = letter_for(indicators, pdf, limit_mb=0.0001)
    assert letter.attachment is None
    assert str(pdf) in letter.text and html.escape(str(pdf), quote=False) in letter.html


def test_the_english_letter_uses_english_words_and_numbers(indicators, pdf):
    letter = letter_for(indicators, pdf, lang="en", title="High-tech exports of Lombardy – Q1 2017")
    for figure in key_figures(indicators, "en"):
        assert figure in letter.text
    assert "Q1 2017" in letter.text and "sent automatically" in letter.text
    assert letter.subject == "High-tech exports of Lombardy – Q1 2017"


def test_data_strings_are_escaped_in_html_only(indicators, pdf):
    letter = letter_for(indicators, pdf, title="R&D <export>")
    assert "R&D <export>" in letter.text and letter.subject == "R&D <export>"
    assert "R&amp;D &lt;export&gt;" in letter.html and "<export>" not in letter.html


def test_outbox_mode_writes_one_eml_that_parses_back_with_the_attachment(indicators, pdf, tmp_path):
    mail = MailConfig(sender=SENDER, smtp_host="")
    message_id = new_message_id(mail, "2017Q1.ITC4.it.r1")
    message = compose_message(letter_for(indicators, pdf), mail, READERS, message_id, DATE)

    result = send_message(message, READERS, mail, tmp_path / "outbox")

    files = list((tmp_path / "outbox").iterdir())
    assert len(files) == 1 and files[0].suffix == ".eml"  # no temporary file left behind
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert parsed["Message-ID"] == message_id and parsed["Subject"] == TITLE
    [attachment] = parsed.iter_attachments()
    assert attachment.get_filename() == pdf.name and attachment.get_content() == pdf.read_bytes()
    assert result.delivered == READERS and result.pending == [] and result.refused == {}
    assert [(a.result, a.detail) for a in result.attempts] == [("written", str(files[0]))]


def test_a_recipient_refused_with_550_is_refused_and_the_others_get_it(server, indicators, pdf, tmp_path, caplog):
    server.handler.rcpt_reply = lambda address, call: "550 no such user" if address == "nobody@example.org" else None
    to = ["anna@example.org", "nobody@example.org", "carla@example.net"]
    mail = config_for(server.port)
    sleeps = []

    with caplog.at_level(logging.INFO, logger="bulletin.delivery.sending"):
        result = send_message(compose_message(letter_for(indicators, pdf), mail, to, new_message_id(mail, "k"), DATE),
                              to, mail, tmp_path / "outbox", sleep=sleeps.append)

    assert result.refused == {"nobody@example.org": "550 no such user"}
    assert result.delivered == ["anna@example.org", "carla@example.net"] and result.pending == []
    assert len(result.attempts) == 1 and result.attempts[0].result == "sent" and sleeps == []
    [received] = server.handler.received
    assert received.rcpt_tos == ["anna@example.org", "carla@example.net"]
    assert any(r.levelno == logging.WARNING and "nobody@example.org" in r.getMessage() for r in caplog.records)


def test_a_554_on_data_refuses_everyone_without_retrying(server, indicators, pdf, tmp_path):
    server.handler.data_reply = "554 rejected as spam"
    mail = config_for(server.port)
    sleeps = []
    result = send_message(compose_message(letter_for(indicators, pdf), mail, READERS, new_message_id(mail, "k"), DATE),
                          READERS, mail, tmp_path / "outbox", sleep=sleeps.append)
    assert result.refused == dict.fromkeys(READERS, "554 rejected as spam")
    assert result.delivered == [] and result.pending == [] and sleeps == []
    assert [(a.result, a.detail) for a in result.attempts] == [("refused", "554 rejected as spam")]


def test_a_server_down_for_two_attempts_gets_the_message_once_after_backing_off(servers, indicators, pdf, tmp_path):
    port, handler, sleeps = free_port(), Recorder(), []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 2:
            servers(handler, port=port)

    mail = config_for(port)
    message = compose_message(letter_for(indicators, pdf), mail, READERS, new_message_id(mail, "k"), DATE)
    result = send_message(message, READERS, mail, tmp_path / "outbox", sleep=sleep)

    assert len(handler.received) == 1 and handler.received[0].rcpt_tos == READERS
    assert result.delivered == READERS and result.pending == [] and result.refused == {}
    assert [(a.number, a.result) for a in result.attempts] == [(1, "transient"), (2, "transient"), (3, "sent")]
    assert result.attempts[0].detail == "connection refused"
    assert all(a.recipients == READERS for a in result.attempts)
    assert sleeps == [1, 2]


def test_a_server_that_never_answers_leaves_everyone_pending(indicators, pdf, tmp_path):
    mail = config_for(free_port(), attempts=3)
    sleeps = []
    message = compose_message(letter_for(indicators, pdf), mail, READERS, new_message_id(mail, "k"), DATE)
    result = send_message(message, READERS, mail, tmp_path / "outbox", sleep=sleeps.append)
    assert result.pending == READERS and result.delivered == [] and result.refused == {}
    assert [a.result for a in result.attempts] == ["transient"] * 3 and sleeps == [1, 2]


def test_a_421_to_rcpt_is_retried_and_delivered_once(server, indicators, pdf, tmp_path):
    server.handler.rcpt_reply = lambda address, call: "421 try later" if call == 1 else None
    mail = config_for(server.port)
    sleeps = []
    message = compose_message(letter_for(indicators, pdf), mail, READERS, new_message_id(mail, "k"), DATE)

    result = send_message(message, READERS, mail, tmp_path / "outbox", sleep=sleeps.append)

    assert len(server.handler.received) == 1 and server.handler.received[0].rcpt_tos == READERS
    assert result.delivered == READERS and result.pending == []
    assert [(a.result, a.detail) for a in result.attempts] == [("transient", "421 try later"), ("sent", "250 OK")]
    assert sleeps == [1]


def test_a_transient_refusal_retries_only_that_recipient(server, indicators, pdf, tmp_path):
    server.handler.rcpt_reply = lambda address, call: ("450 mailbox busy"
                                                       if address == "carla@example.net" and call <= 3 else None)
    mail = config_for(server.port)
    message = compose_message(letter_for(indicators, pdf), mail, READERS, new_message_id(mail, "k"), DATE)
    result = send_message(message, READERS, mail, tmp_path / "outbox", sleep=lambda seconds: None)
    assert [r.rcpt_tos for r in server.handler.received] == [READERS[:2], ["carla@example.net"]]
    assert result.delivered == READERS
    assert [a.recipients for a in result.attempts] == [READERS, ["carla@example.net"]]


def rejecting(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=False, handled=False)


def accepting(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=auth_data.login == b"bulletin" and auth_data.password == SECRET.encode())


def no_secret_in(caplog) -> bool:
    return all(SECRET not in record.getMessage() and SECRET not in repr(record.args) for record in caplog.records)


def test_a_rejected_login_is_a_failure_not_retried_that_does_not_reveal_the_password(servers, indicators, pdf,
                                                                                       tmp_path, caplog):
    server = servers(authenticator=rejecting, auth_require_tls=False)
    mail = config_for(server.port, username="bulletin", password=SECRET)
    message = compose_message(letter_for(indicators, pdf), mail, READERS, new_message_id(mail, "k"), DATE)
    sleeps = []

    with caplog.at_level(logging.DEBUG):
        result = send_message(message, READERS, mail, tmp_path / "outbox", sleep=sleeps.append)

    assert "bulletin" in result.failure and "535" in result.failure
    assert result.pending == READERS and result.delivered == [] and sleeps == []  # a retry cannot mend it
    assert [a.result for a in result.attempts] == ["failed"]
    assert SECRET not in repr(result)
    assert no_secret_in(caplog)
    assert server.handler.received == [] and SECRET not in repr(mail)


def test_a_password_smtplib_cannot_send_is_a_mail_error_that_does_not_reveal_it(servers, indicators, pdf, tmp_path):
    accented = "pässword-" + SECRET  # smtplib sends credentials as ASCII; its own error would quote the password
    server = servers(authenticator=rejecting, auth_require_tls=False)
    mail = config_for(server.port, username="bulletin", password=accented)
    message = compose_message(letter_for(indicators, pdf), mail, READERS, new_message_id(mail, "k"), DATE)
    result = send_message(message, READERS, mail, tmp_path / "outbox")
    assert "ASCII" in result.failure and SECRET not in repr(result) and server.handler.received == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_password_is_used_for_login_and_appears_nowhere(servers, indicators, pdf, tmp_path, caplog):
    server = servers(authenticator=accepting, auth_require_tls=False, auth_required=True)
    mail = config_for(server.port, username="bulletin", password=SECRET)
    message = compose_message(letter_for(indicators, pdf), mail, READERS, new_message_id(mail, "k"), DATE)

    with caplog.at_level(logging.DEBUG):
        result = send_message(message, READERS, mail, tmp_path / "outbox")

    assert result.delivered == READERS and len(server.handler.received) == 1
    assert SECRET not in repr(result) and SECRET.encode() not in message.as_bytes()
    assert SECRET.encode() not in server.handler.received[0].content
    assert no_secret_in(caplog)


# --- message ids, recipients, templates -------------------------------------------------------------

def test_message_ids_are_deterministic_per_key():
    mail = MailConfig(sender=SENDER)
    first = new_message_id(mail, "2017Q1.ITC4.it.r1")
    assert re.fullmatch(r"<2017Q1\.ITC4\.it\.r1\.[0-9a-f]{8}@example\.org>", first)
    assert new_message_id(mail, "2017Q1.ITC4.it.r1") == first
    assert new_message_id(mail, "2017Q1.ITC4.it.r2") != first
    assert re.fullmatch(r"<[A-Za-z0-9.\-]+@example\.org>", new_message_id(mail, "alert data <x> 1.5"))


def test_recipients_come_from_the_config_and_the_file_once_each(tmp_path):
    listing = tmp_path / "readers.txt"
    listing.write_text("# lettori del bollettino\n\nanna@example.org\nAnna@Example.ORG   # di nuovo\n"
                       "  bruno@example.org # commento\ncarla#1@example.net\n", encoding="utf-8")
    mail = MailConfig(recipients=("Bruno@example.org", "dora@example.com"), recipients_file=listing)
    assert recipients_of(mail) == ["Bruno@example.org", "dora@example.com", "anna@example.org",
                                   "carla#1@example.net"]


@pytest.mark.parametrize("line", ["mario.example.org", "mario rossi@example.org", "Mario <mario@example.org>"])
def test_an_invalid_line_in_the_recipients_file_is_named_by_file_and_line(tmp_path, line):
    listing = tmp_path / "readers.txt"
    listing.write_text(f"# lettori\nanna@example.org\n{line}\n", encoding="utf-8")
    with pytest.raises(MailError, match=re.escape(f"{listing}:3")):
        recipients_of(MailConfig(recipients_file=listing))


def test_every_invalid_line_of_the_recipients_file_is_named(tmp_path):
    listing = tmp_path / "readers.txt"
    listing.write_text("anna@example.org\nmario.example.org\n# ok\nmario rossi@example.org\nbruno@example.org\n"
                       "Mario <mario@example.org>\n", encoding="utf-8")
    with pytest.raises(MailError) as raised:
        recipients_of(MailConfig(recipients=("nobody",), recipients_file=listing))
    assert str(raised.value).splitlines() == [
        "mail.recipients: not an e-mail address: 'nobody'",
        f"{listing}:2: not an e-mail address: 'mario.example.org'",
        f"{listing}:4: not an e-mail address: 'mario rossi@example.org'",
        f"{listing}:6: not an e-mail address: 'Mario <mario@example.org>'"]


def test_an_invalid_configured_address_and_a_missing_file_are_mail_errors(tmp_path):
    with pytest.raises(MailError, match="mail.recipients"):
        recipients_of(MailConfig(recipients=("nobody",)))
    with pytest.raises(MailError, match="missing.txt"):
        recipients_of(MailConfig(recipients_file=tmp_path / "missing.txt"))


def test_sending_to_nobody_is_a_mail_error(tmp_path):
    message = email.message.EmailMessage()
    message["Message-ID"] = "<x@example.org>"
    with pytest.raises(MailError, match="no recipients"):
        send_message(message, [], MailConfig(), tmp_path)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_mail_templates_have_the_same_keys_and_placeholders_in_both_languages():
    italian, english = ({k: v for k, v in tomllib.loads((SHIPPED_TEMPLATES / lang / "mail.toml")
                                                         .read_text(encoding="utf-8")).items()} for lang in ("it", "en"))
    assert set(italian) == set(english) == set(TEMPLATE_KEYS)
    for key in italian:
        assert placeholders(italian[key]) == placeholders(english[key]), key
    assert placeholders(italian["not_attached"]) == {"size", "limit", "location"}


def test_a_user_mail_template_missing_keys_names_them_all(tmp_path, indicators, pdf):
    (tmp_path / "templates" / "it").mkdir(parents=True)
    (tmp_path / "templates" / "it" / "mail.toml").write_text('subject = "{title}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"it/mail.toml: missing greeting, intro, .*, automatic$"):
        edition_letter(indicators, "it", Templates(tmp_path / "templates"), pdf, TITLE, 10.0, "")

