"""Every state of an edition's delivery, reached against a real SMTP server on 127.0.0.1 that
misbehaves as real ones do: slow or silent after DATA, refusing the login, without STARTTLS,
refusing every recipient. Each test checks the exit code, the manifest, the admin's alert and
what the server received, then mends the fault and checks that the next run delivers exactly
once, or, when the delivery is unknown, does not send again.

The states and what each command does from each are in `bulletin/delivery/publish.py`.
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import multiprocessing
import os
import random
import shutil
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

import bulletin.delivery.publish  # noqa: F401 (loaded once here, not in each forked run)
from bulletin.archive.store import latest_edition
from bulletin.cli import main
from conftest import free_port, write_data

READERS = ["a@example.org", "b@example.org"]
ADMIN = "ops@example.net"
PASSWORD = "right-Pa55word"
TIMEOUT_SECONDS = 1.0


class Server:
    """An aiosmtpd handler that keeps what it stores and can misbehave after storing the bulletin.

    `after_data` is "" (answer at once), "slow" (answer after the client's timeout) or "drop"
    (close the connection without answering); messages to the admin are always answered at once,
    so that the alert of a fault can be read. `refuse(address)` is the reply to a reader's RCPT,
    "" to accept it.
    """

    def __init__(self):
        self.stored: list = []
        self.after_data = ""
        self.refuse: Callable[[str], str] = lambda address: ""
        self.rcpt_seconds = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await asyncio.sleep(self.rcpt_seconds)
        if address != ADMIN and self.refuse(address):
            return self.refuse(address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.stored.append(envelope)
        if envelope.rcpt_tos != [ADMIN]:
            if self.after_data == "slow":
                await asyncio.sleep(TIMEOUT_SECONDS * 2.5)
            elif self.after_data == "drop":
                server.transport.abort()
        return "250 OK"

    def copies(self, address: str) -> int:
        return sum(address in envelope.rcpt_tos for envelope in self.stored if envelope.rcpt_tos != [ADMIN])

    def alerts(self) -> list[str]:
        return [email.message_from_bytes(e.content, policy=email.policy.default).get_content()
                for e in self.stored if e.rcpt_tos == [ADMIN]]


def check_login(server, session, envelope, mechanism, auth_data):
    # handled=False: aiosmtpd itself answers a failure with 535 (with True it would stay silent).
    return AuthResult(success=auth_data.password == PASSWORD.encode(), handled=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """The small data and its 2017Q1 edition, built once into `site` and kept aside as `pristine`."""
    base = tmp_path_factory.mktemp("delivery")
    site, pristine = base / "site", base / "pristine"
    write_data(site / "data")
    (site / "bulletin.toml").write_text('[paths]\ndata = "data"\noutput = "output"\n', encoding="utf-8")
    here = Path.cwd()
    os.chdir(site)
    try:
        assert main(["build", "--quarter", "2017Q1"]) == 0
    finally:
        os.chdir(here)
    shutil.copytree(site, pristine)
    return site, pristine


def fresh_site(built: tuple[Path, Path], port: int, mail: str = "", security: str = "none") -> Path:
    """The site as it was built, where it was built: its inputs match the manifest, so a run does
    not derive the figures again (seconds saved on each of the many runs below)."""
    site, pristine = built
    shutil.rmtree(site)
    shutil.copytree(pristine, site)
    write_config(site, port, mail, security)
    return site


def write_config(folder: Path, port: int, mail: str = "", security: str = "none") -> None:
    (folder / "bulletin.toml").write_text(f"""
[paths]
data = "data"
output = "output"
[mail]
sender = "Ufficio Studi <studi@example.org>"
recipients = {READERS!r}
admin = "{ADMIN}"
smtp_host = "127.0.0.1"
smtp_port = {port}
security = "{security}"
attempts = 3
timeout_seconds = {TIMEOUT_SECONDS}
{mail}
""".replace("'", '"'), encoding="utf-8")


@pytest.fixture
def server():
    handlers = []

    def start(**parameters) -> tuple[Controller, Server]:
        handler = Server()
        controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **parameters)
        controller.start()
        handlers.append(controller)
        return controller, handler

    yield start
    for controller in handlers:
        controller.stop()


def last_record(folder: Path) -> dict:
    return latest_edition(folder / "output", "2017Q1", "ITC4", "it").manifest["deliveries"][-1]


def outbox_alerts(folder: Path) -> list[str]:
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default).get_content()
            for p in sorted((folder / "output" / "outbox").glob("*.eml"))]


# --- unknown: the message went out, its reply did not come back -------------------------------------

@pytest.mark.parametrize("after_data", ["slow", "drop"])
def test_a_reply_lost_after_data_is_unknown_told_once_and_never_sent_again(built, monkeypatch, server,
                                                                            after_data):
    controller, smtp = server()
    smtp.after_data = after_data
    monkeypatch.chdir(site := fresh_site(built, controller.port))

    assert main(["publish"]) == 1
    record = last_record(site)
    assert record["status"] == "unknown" and sorted(record["unknown"]) == READERS and record["alerted"]
    assert [a["result"] for a in record["attempts"]] == ["unknown"]  # no retry: the server has it
    [alert] = smtp.alerts()
    assert "may or may not have reached a@example.org, b@example.org" in alert and "--force --to" in alert

    smtp.after_data = ""  # the server behaves again: the next runs still do not send it a second time
    assert main(["publish"]) == 0
    assert main(["publish"]) == 0
    assert [smtp.copies(reader) for reader in READERS] == [1, 1]
    assert len(smtp.alerts()) == 1


# --- failed: what no retry can mend ----------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_refused_login_fails_at_once_is_told_and_the_run_after_the_fix_delivers_once(built, monkeypatch,
                                                                                       server, capsys):
    controller, smtp = server(authenticator=check_login, auth_required=True, auth_require_tls=False)
    monkeypatch.chdir(site := fresh_site(built, controller.port, 'username = "studi"'))
    monkeypatch.setenv("BULLETIN_SMTP_PASSWORD", "wrong-password")

    started = time.monotonic()
    assert main(["publish"]) == 1
    assert time.monotonic() - started < 10  # no back-off: a retry cannot mend a refused login
    record = last_record(site)
    assert record["status"] == "failed" and "refused the login of user 'studi'" in record["error"]
    assert [a["result"] for a in record["attempts"]] == ["failed"] and smtp.stored == []
    # The server refuses the alert too: it waits in the outbox, and the manifest says it was not told.
    [alert] = outbox_alerts(site)
    assert "was not sent to a@example.org, b@example.org" in alert and "refused the login" in alert
    assert not record.get("alerted")
    assert "wrong-password" not in alert
    capsys.readouterr()
    assert main(["archive"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].split()[-1] == "failed"  # the listing says so too

    monkeypatch.setenv("BULLETIN_SMTP_PASSWORD", PASSWORD)
    assert main(["publish"]) == 0
    assert main(["publish"]) == 0
    assert [smtp.copies(reader) for reader in READERS] == [1, 1]
    assert last_record(site)["status"] == "done" and smtp.alerts() == []  # delivered: nothing left to tell


def test_a_server_without_starttls_fails_and_the_run_after_the_fix_delivers_once(built, monkeypatch,
                                                                                 server):
    controller, smtp = server()
    monkeypatch.chdir(site := fresh_site(built, controller.port, security="starttls"))

    assert main(["publish"]) == 1
    record = last_record(site)
    assert record["status"] == "failed" and "STARTTLS extension not supported" in record["error"]
    assert smtp.stored == []
    [alert] = outbox_alerts(site)
    assert "STARTTLS" in alert and "a@example.org, b@example.org" in alert
    assert main(["publish"]) == 1  # still wrong: the alert could not be mailed, so it is tried again
    assert len(outbox_alerts(site)) == 2 and smtp.stored == []

    write_config(site, controller.port)  # security = "none": fixed
    assert main(["publish"]) == 0
    assert [smtp.copies(reader) for reader in READERS] == [1, 1]


def test_every_recipient_refused_is_a_failure_told_once_and_retried_after_the_fix(built, monkeypatch,
                                                                                 server):
    controller, smtp = server()
    smtp.refuse = lambda address: "554 5.7.1 relay access denied"
    monkeypatch.chdir(site := fresh_site(built, controller.port))

    assert main(["publish"]) == 1
    record = last_record(site)
    assert record["status"] == "failed" and "every recipient refused it (554 5.7.1 relay access denied)" in record[
        "error"]
    assert record["alerted"] and len(record["attempts"]) == 1
    assert main(["publish"]) == 1  # the server still refuses: the same failure is not told twice
    [alert] = smtp.alerts()
    assert "was not sent to a@example.org, b@example.org" in alert and "relay access denied" in alert

    smtp.refuse = lambda address: ""  # the relay is fixed
    assert main(["publish"]) == 0
    assert main(["publish"]) == 0
    assert [smtp.copies(reader) for reader in READERS] == [1, 1] and len(smtp.alerts()) == 1


def test_one_reader_refused_is_told_and_the_others_receive_it(built, monkeypatch, server):
    controller, smtp = server()
    monkeypatch.chdir(fresh_site(built, controller.port))
    smtp.refuse = lambda address: "550 5.1.1 no such user" if address == "b@example.org" else ""
    assert main(["publish"]) == 0  # the edition went out; the refusal is final and told
    assert main(["publish"]) == 0
    assert [smtp.copies(reader) for reader in READERS] == [1, 0]
    [alert] = smtp.alerts()
    assert "refused by b@example.org: 550 5.1.1 no such user" in alert


def test_a_timeout_out_of_range_is_refused_when_the_configuration_is_read(built, monkeypatch, capsys):
    monkeypatch.chdir(site := fresh_site(built, free_port()))
    settings = site / "bulletin.toml"
    settings.write_text(settings.read_text().replace("attempts = 3", "attempts = 1000000").replace(
        f"timeout_seconds = {TIMEOUT_SECONDS}", "timeout_seconds = -1"), encoding="utf-8")
    assert main(["publish"]) == 2
    err = capsys.readouterr().err
    assert "'mail.timeout_seconds': expected seconds above 0" in err and "'mail.attempts': expected 1 to 10" in err


# --- killed at random -----------------------------------------------------------------------------------

def _publish_in(folder: Path) -> None:
    os.chdir(folder)
    os._exit(main(["publish"]))


def publish_forked(folder: Path) -> multiprocessing.Process:
    """`bulletin publish` in a process of its own, forked from this one (the modules already loaded)."""
    run = multiprocessing.get_context("fork").Process(target=_publish_in, args=(folder,))
    run.start()
    return run


def test_killed_at_random_moments_every_reader_has_it_once_or_the_admin_was_told(built, server):
    """20 runs of publish, each killed (SIGKILL) at a random moment of its course, then run again.

    The server takes its time over each recipient, as a busy one does, so that some kills fall
    inside the SMTP transaction, before the server has stored anything.
    """
    controller, smtp = server()
    smtp.rcpt_seconds = 0.1
    started = time.monotonic()
    whole = publish_forked(fresh_site(built, controller.port))
    whole.join(60)
    course = time.monotonic() - started  # how long a run takes on this machine, now
    assert whole.exitcode == 0 and [smtp.copies(reader) for reader in READERS] == [1, 1]
    chance = random.Random(13)
    outcomes = []
    for trial in range(20):
        smtp.stored.clear()
        run = publish_forked(fresh_site(built, controller.port))
        time.sleep(chance.uniform(0.0, course))
        os.kill(run.pid, signal.SIGKILL)
        run.join()
        rerun = publish_forked(built[0])
        rerun.join(60)
        assert rerun.exitcode in (0, 1), f"trial {trial}: the rerun ended with {rerun.exitcode}"
        alerts = "\n".join(smtp.alerts())
        for reader in READERS:
            copies = smtp.copies(reader)
            assert copies <= 1, f"trial {trial}: {reader} got it {copies} times"
            assert copies == 1 or reader in alerts, f"trial {trial}: {reader} never got it and nobody was told"
            outcomes.append((copies, reader in alerts))
    assert (1, False) in outcomes  # the trials did reach the end of a delivery
