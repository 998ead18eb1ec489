"""Publishing end to end, with a real SMTP server on 127.0.0.1: build, archive, mail exactly once."""
from __future__ import annotations

import email
import email.policy
import shutil
import subprocess
import sys

import pytest
from aiosmtpd.controller import Controller

from bulletin.archive.store import all_editions, latest_edition, verify
from bulletin.cli import main
from conftest import REPO, SAMPLE_DATA, Recorder, free_port


def write_config(folder, port: int, extra: str = "") -> None:
    (folder / "bulletin.toml").write_text(f"""
[paths]
data = "data"
output = "output"

[mail]
sender = "Ufficio Studi <studi@example.org>"
recipients = ["a@example.org", "b@example.org"]
smtp_host = "127.0.0.1"
smtp_port = {port}
security = "none"
{extra}
""", encoding="utf-8")


def make_site(tmp_path, monkeypatch, smtp, extra: str = ""):
    """A working folder with the sample data and a configuration that mails to the test server."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1490000000")
    shutil.copytree(SAMPLE_DATA, tmp_path / "data")
    port, recorder = smtp
    write_config(tmp_path, port, extra)
    return tmp_path, recorder


@pytest.fixture
def site(tmp_path, monkeypatch, smtp):
    return make_site(tmp_path, monkeypatch, smtp)


def attachment_of(envelope) -> tuple[str, bytes]:
    message = email.message_from_bytes(envelope.content)
    for part in message.walk():
        if part.get_content_type() == "application/pdf":
            return part.get_filename(), part.get_payload(decode=True)
    raise AssertionError("no PDF attached")


def test_publish_builds_archives_and_mails_once_then_follows_new_quarters_and_revisions(site):
    folder, recorder = site
    output = folder / "output"
    assert main(["publish"]) == 0
    assert len(recorder.envelopes) == 1
    envelope = recorder.envelopes[0]
    assert sorted(envelope.rcpt_tos) == ["a@example.org", "b@example.org"]
    edition = latest_edition(output, "2017Q1", "ITC4", "it")
    name, content = attachment_of(envelope)
    assert name == edition.pdf.name and content == edition.pdf.read_bytes()
    record = edition.manifest["deliveries"][0]
    assert sorted(record["delivered"]) == ["a@example.org", "b@example.org"]
    assert record["attempts"][0]["result"] == "sent"

    assert main(["publish"]) == 0  # nothing new: nothing sent
    assert len(recorder.envelopes) == 1

    # A new quarter appears (made by the sample generator) and the scheduler's job publishes it.
    subprocess.run([sys.executable, str(REPO / "scripts" / "generate_sample.py"), "--only", "2017Q2",
                    "--out", str(folder / "data"), "--no-check"], check=True, capture_output=True)
    result = subprocess.run([sys.executable, "-m", "bulletin.cli", "schedule", "--once"], cwd=folder,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert len(recorder.envelopes) == 2
    assert attachment_of(recorder.envelopes[1])[0] == "bollettino-hitech-lombardia-2017Q2.pdf"
    assert "last run" in subprocess.run([sys.executable, "-m", "bulletin.cli", "status"], cwd=folder,
                                        capture_output=True, text=True).stdout

    # ISTAT revises a 2017Q1 figure: a revision is archived but, by default, not sent.
    from test_archive import revise_2017q1_value
    revise_2017q1_value(folder)
    assert main(["publish"]) == 0
    revision = latest_edition(output, "2017Q1", "ITC4", "it")
    assert revision.revision == 2 and revision.manifest["revises"] == "it-r1" and not revision.sent
    assert len(recorder.envelopes) == 2
    assert verify(output) == []


def test_send_dry_run_and_force(site, capsys):
    folder, recorder = site
    assert main(["send", "--dry-run"]) == 0  # nothing archived yet: builds nothing either
    assert "r1, not built yet: would build it and send to a@example.org, b@example.org" in capsys.readouterr().out
    assert latest_edition(folder / "output", "2017Q1", "ITC4", "it") is None and recorder.envelopes == []
    assert main(["build"]) == 0
    assert main(["send", "--dry-run"]) == 0
    assert "would send to a@example.org, b@example.org" in capsys.readouterr().out
    assert recorder.envelopes == []
    assert main(["send"]) == 0 and len(recorder.envelopes) == 1
    assert main(["send"]) == 0 and len(recorder.envelopes) == 1  # already sent to everyone
    assert main(["send", "--to", "a@example.org", "--force"]) == 0
    assert len(recorder.envelopes) == 2 and recorder.envelopes[1].rcpt_tos == ["a@example.org"]
    assert len(latest_edition(folder / "output", "2017Q1", "ITC4", "it").manifest["deliveries"]) == 2


def test_without_smtp_host_messages_go_to_the_outbox(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SAMPLE_DATA, tmp_path / "data")
    (tmp_path / "bulletin.toml").write_text('[mail]\nrecipients = ["a@example.org"]\n', encoding="utf-8")
    assert main(["publish"]) == 0
    written = list((tmp_path / "output" / "outbox").glob("*.eml"))
    assert len(written) == 1
    message = email.message_from_bytes(written[0].read_bytes())
    assert message["Subject"] and any(p.get_content_type() == "application/pdf" for p in message.walk())


def test_smtp_down_twice_then_up_delivers_exactly_once(tmp_path, monkeypatch):
    """The first two publish runs find no server (each retries with back-off); the third delivers."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SAMPLE_DATA, tmp_path / "data")
    port = free_port()
    write_config(tmp_path, port, "attempts = 1\ntimeout_seconds = 2.0")
    assert main(["publish"]) == 1
    assert main(["publish"]) == 1
    edition = latest_edition(tmp_path / "output", "2017Q1", "ITC4", "it")
    assert [r["attempts"][0]["result"] for r in edition.manifest["deliveries"]] == ["transient", "transient"]
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert main(["publish"]) == 0
        assert main(["publish"]) == 0
    finally:
        controller.stop()
    assert len(recorder.envelopes) == 1


def test_two_concurrent_publish_runs_make_one_edition_and_one_delivery(site):
    folder, recorder = site
    runs = [subprocess.Popen([sys.executable, "-m", "bulletin.cli", "publish"], cwd=folder,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    assert len(recorder.envelopes) == 1
    assert len(all_editions(folder / "output")) == 1
    assert len(latest_edition(folder / "output", "2017Q1", "ITC4", "it").manifest["deliveries"]) == 1



def test_admin_alert_is_a_message_to_the_admin(tmp_path):
    from bulletin.config import load_config
    from bulletin.delivery.publish import alert_admin

    (tmp_path / "bulletin.toml").write_text('[mail]\nadmin = "ops@example.org"\n', encoding="utf-8")
    config = load_config(tmp_path / "bulletin.toml")
    alert_admin(config, "DataError", "data/trade/2017Q2.csv:3: column 'flow': unknown flow")
    [written] = (tmp_path / "output" / "outbox").glob("*.eml")
    message = email.message_from_bytes(written.read_bytes())
    assert message["To"] == "ops@example.org" and "DataError" in message["Subject"]
    assert "column 'flow': unknown flow" in message.get_payload()


def test_the_admin_alert_speaks_the_first_language_even_when_the_mail_template_is_broken(tmp_path, caplog):
    from bulletin.config import load_config
    from bulletin.delivery.publish import alert_admin

    (tmp_path / "templates" / "en").mkdir(parents=True)
    (tmp_path / "templates" / "en" / "mail.toml").write_text('alert_subject = "{nothing"\n', encoding="utf-8")
    (tmp_path / "bulletin.toml").write_text('[paths]\ntemplates = "templates"\n[edition]\nlanguages = ["en", "it"]\n'
                                           '[mail]\nadmin = "ops@example.org"\n', encoding="utf-8")
    config = load_config(tmp_path / "bulletin.toml")
    alert_admin(config, "DataError", "data/trade/2017Q2.csv:3: column 'flow': unknown flow")
    [written] = (config.paths.output / "outbox").glob("*.eml")
    message = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "[bulletin] run failed: DataError"
    assert message.get_content() == ("The publishing job failed.\n\ndata/trade/2017Q2.csv:3: column 'flow': unknown flow"
                                     f"\n\nSee {config.paths.output / 'logs' / 'bulletin.log'} for details.\n")
    assert "en/mail.toml: missing alert_text" in caplog.text

