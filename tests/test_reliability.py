"""The guarantees of an unattended service, each proved against real parts (files, processes, SMTP).

No wrong figure goes out; no edition is lost or sent twice when the process is killed; secrets
stay secret; missing resources are caught at start-up; a full disk leaves the archive intact.
"""
from __future__ import annotations

import email
import errno
import json
import os
import shutil
import subprocess
import sys

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from bulletin.archive.store import latest_edition, verify
from bulletin.cli import main
from conftest import SAMPLE_DATA, Recorder, free_port
from test_archive import revise_2017q1_value
from test_publish import make_site, write_config

PASSWORD = "Zx9-very-secret-Pa55w0rd"


@pytest.fixture
def site(tmp_path, monkeypatch, smtp):
    return make_site(tmp_path, monkeypatch, smtp, 'admin = "ops@example.org"')


def run_cli(folder, *args, env_extra=None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "bulletin.cli", *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=180)


# --- 1. No wrong figure goes out -------------------------------------------------------------------

def test_an_edition_whose_figures_disagree_with_the_data_is_not_sent(site):
    folder, recorder = site
    assert main(["build"]) == 0
    edition = latest_edition(folder / "output", "2017Q1", "ITC4", "it")
    figures = json.loads((edition.folder / "indicators.json").read_text())
    figures["exports"]["value_eur"] *= 1.001  # what a bug or a tampered archive would look like
    (edition.folder / "indicators.json").write_text(json.dumps(figures))
    result = run_cli(folder, "publish")
    assert result.returncode == 1
    assert "not sent: its figures do not match the data" in result.stderr
    assert "indicators.json: exports is" in result.stderr
    assert recorder.envelopes == []


def test_the_check_reads_the_figures_back_from_the_pdf(site):
    from bulletin.indicators.consistency import check_edition
    from bulletin.data.trade import load_dataset

    folder, _ = site
    assert main(["build"]) == 0
    edition = latest_edition(folder / "output", "2017Q1", "ITC4", "it")
    trade = load_dataset(folder / "data").trade
    assert check_edition(trade, edition.folder, edition.pdf, "2017Q1", "ITC4", "it") == []
    revise_2017q1_value(folder, factor=1.2)  # the data moved on, the archived edition did not
    problems = check_edition(load_dataset(folder / "data").trade, edition.folder, edition.pdf, "2017Q1", "ITC4", "it")
    assert any("is not printed in the bulletin" in p for p in problems)
    assert any(p.startswith("indicators.json: exports is") for p in problems)


def test_a_blocked_send_alerts_the_admin_once(site):
    folder, recorder = site
    assert main(["build"]) == 0
    edition = latest_edition(folder / "output", "2017Q1", "ITC4", "it")
    (edition.folder / "indicators.json").write_text(
        (edition.folder / "indicators.json").read_text().replace('"value_eur": 3', '"value_eur": 4', 1))
    for _ in range(2):
        assert run_cli(folder, "schedule", "--once").returncode == 1
    alerts = [e for e in recorder.envelopes if e.rcpt_tos == ["ops@example.org"]]
    assert len(alerts) == 1 and b"ConsistencyError" in alerts[0].content
    assert len(recorder.envelopes) == 1  # the edition itself never went out


# --- 2. No edition lost, none sent twice -------------------------------------------------------------

@pytest.mark.parametrize("point", ["before-store", "before-send", "after-send"])
def test_killed_at_any_point_a_rerun_finishes_and_nobody_gets_it_twice(site, point):
    folder, recorder = site
    killed = run_cli(folder, "publish", env_extra={"BULLETIN_KILL_AT": point})
    assert killed.returncode == -9, killed.stderr
    assert verify(folder / "output") == []
    rerun = run_cli(folder, "publish")
    assert rerun.returncode == (1 if point == "after-send" else 0), rerun.stderr
    assert run_cli(folder, "publish").returncode == 0
    editions = [e for e in recorder.envelopes if e.rcpt_tos != ["ops@example.org"]]
    assert len(editions) == 1
    edition = latest_edition(folder / "output", "2017Q1", "ITC4", "it")
    assert verify(folder / "output") == [] and edition.revision == 1
    if point == "after-send":
        # The server has it, the manifest only knows a sending started: it is not sent again, and the
        # admin is told, once, which addresses to check.
        assert "delivery unknown (maybe delivered)" in rerun.stdout
        [alert] = [e for e in recorder.envelopes if e.rcpt_tos == ["ops@example.org"]]
        assert "a@example.org, b@example.org" in email.message_from_bytes(alert.content).get_payload(decode=True).decode()
    else:
        assert edition.delivered_to == {"a@example.org", "b@example.org"}


@pytest.mark.parametrize("point", ["after-charts", "after-compose"])
def test_killed_while_composing_leaves_the_previous_edition(site, point):
    folder, _ = site
    assert main(["build"]) == 0
    before = latest_edition(folder / "output", "2017Q1", "ITC4", "it").pdf.read_bytes()
    revise_2017q1_value(folder)
    killed = run_cli(folder, "build", env_extra={"BULLETIN_KILL_AT": point})
    assert killed.returncode == -9
    assert latest_edition(folder / "output", "2017Q1", "ITC4", "it").pdf.read_bytes() == before
    assert verify(folder / "output") == []
    assert run_cli(folder, "build").returncode == 0
    assert latest_edition(folder / "output", "2017Q1", "ITC4", "it").pdf.read_bytes() != before


def test_killed_between_the_two_renames_the_next_run_restores_and_finishes(site):
    folder, _ = site
    assert main(["build"]) == 0
    revise_2017q1_value(folder)
    assert run_cli(folder, "build", env_extra={"BULLETIN_KILL_AT": "mid-swap"}).returncode == -9
    assert not (folder / "output" / "2017Q1" / "ITC4" / "it-r1").exists()
    assert any("moved aside" in problem for problem in verify(folder / "output"))
    assert run_cli(folder, "build").returncode == 0
    assert verify(folder / "output") == []
    assert latest_edition(folder / "output", "2017Q1", "ITC4", "it").revision == 1


# --- 5. Secrets stay secret --------------------------------------------------------------------------

class Authenticator:
    def __init__(self, accept: bool):
        self.accept = accept

    def __call__(self, server, session, envelope, mechanism, auth_data):
        # handled=False: aiosmtpd answers a failure itself (535); with True it never answers at all.
        return AuthResult(success=self.accept and auth_data.password.decode() == PASSWORD, handled=False)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("accept", [True, False])
def test_the_smtp_password_appears_nowhere(tmp_path, monkeypatch, accept):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SAMPLE_DATA, tmp_path / "data")
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port(), authenticator=Authenticator(accept),
                            auth_required=True, auth_require_tls=False)
    controller.start()
    try:
        write_config(tmp_path, controller.port, 'username = "studi"\nattempts = 1\nadmin = "ops@example.org"')
        env = {"BULLETIN_SMTP_PASSWORD": PASSWORD}
        outputs = [run_cli(tmp_path, "schedule", "--once", env_extra=env), run_cli(tmp_path, "publish", env_extra=env),
                   run_cli(tmp_path, "send", "--force", "-v", env_extra=env),
                   run_cli(tmp_path, "--help", env_extra=env), run_cli(tmp_path, "send", "--help", env_extra=env),
                   run_cli(tmp_path, "check", env_extra=env)]
    finally:
        controller.stop()
    assert (len(recorder.envelopes) >= 1) == accept
    for result in outputs:
        assert PASSWORD not in result.stdout + result.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "bulletin.log" for p in written) and any(p.name == "manifest.json" for p in written)
    for path in written:
        assert PASSWORD.encode() not in path.read_bytes(), path
    for envelope in recorder.envelopes:
        assert PASSWORD.encode() not in envelope.content


# --- 6. Resources -------------------------------------------------------------------------------------

def test_a_missing_font_logo_or_template_is_caught_at_start_up(tmp_path, monkeypatch):
    from conftest import REPO

    monkeypatch.chdir(tmp_path)
    brand = tmp_path / "brand"
    shutil.copytree(REPO / "bulletin" / "templates" / "brand", brand)
    (brand / "fonts" / "OpenSans-Bold.ttf").unlink()
    (brand / "logo.svg").unlink()
    (tmp_path / "templates" / "en").mkdir(parents=True)
    (tmp_path / "bulletin.toml").write_text('[paths]\nbrand = "brand"\ndata = "%s"\n[edition]\nlanguages = ["it", "en"]\n'
                                            % SAMPLE_DATA, encoding="utf-8")
    result = run_cli(tmp_path, "check")
    assert result.returncode == 2
    assert "fonts.bold: file" in result.stderr and "OpenSans-Bold.ttf not found" in result.stderr
    assert "logo: file" in result.stderr
    scheduler = run_cli(tmp_path, "schedule", "--once")
    assert scheduler.returncode == 2 and "fonts.bold" in scheduler.stderr
    assert not (tmp_path / "output" / "2017Q1").exists()


def test_a_full_disk_leaves_the_previous_edition_and_says_so(site, monkeypatch, caplog):
    import bulletin.pipeline

    folder, recorder = site
    assert main(["build"]) == 0
    edition = latest_edition(folder / "output", "2017Q1", "ITC4", "it")
    before = {p.name: p.read_bytes() for p in edition.folder.iterdir() if p.is_file()}
    revise_2017q1_value(folder)

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(edition.folder.parent / "tables.xlsx"))

    monkeypatch.setattr(bulletin.pipeline, "write_tables", disk_full)
    from bulletin.config import load_config
    from bulletin.delivery.publish import alert_admin, publish
    from bulletin.delivery.scheduler import JobOutcome, run_scheduler

    config = load_config(folder / "bulletin.toml")

    def job():
        publish(config)
        return JobOutcome(ok=True, summary="published")

    assert run_scheduler(job, config.schedule, folder / "output" / "logs",
                         alert=lambda kind, summary: alert_admin(config, kind, summary), once=True) == 1
    assert {p.name: p.read_bytes() for p in edition.folder.iterdir() if p.is_file()} == before
    assert verify(folder / "output") == []
    assert "No space left on device" in caplog.text
    [alert] = [e for e in recorder.envelopes if e.rcpt_tos == ["ops@example.org"]]
    assert b"No space left on device" in alert.content


def test_the_cli_reports_a_full_disk_in_one_line(site, monkeypatch, capsys):
    import bulletin.pipeline

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "output/2017Q1/ITC4/tables.xlsx")

    monkeypatch.setattr(bulletin.pipeline, "write_tables", disk_full)
    assert main(["build"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: cannot write output/2017Q1/ITC4/tables.xlsx: No space left on device"]
    assert not list((site[0] / "output" / "2017Q1" / "ITC4").glob("it-r*"))


def test_outbox_messages_parse_back(site):
    """A sanity check of the delivery record's message id against the message the server got."""
    folder, recorder = site
    assert main(["publish"]) == 0
    message = email.message_from_bytes(recorder.envelopes[0].content)
    record = latest_edition(folder / "output", "2017Q1", "ITC4", "it").manifest["deliveries"][0]
    assert message["Message-ID"] == record["message_id"] and record["status"] == "done"


# --- 4. Hostile strings are harmless ----------------------------------------------------------------

@pytest.mark.parametrize("name, character", [("Vetrine online 😀", "U+1F600"), ("خدمة التصدير", "U+0627"),
                                             ("שירות", "U+05E9")])
def test_text_the_font_cannot_print_is_refused_with_a_clear_message(tmp_path, monkeypatch, capsys, name, character):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SAMPLE_DATA, tmp_path / "data")
    with open(tmp_path / "data" / "services.csv", "a", encoding="utf-8") as stream:
        stream.write(f"2017Q1,Promos,{name},3,2,1\n")
    assert main(["build"]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(str(tmp_path / "data" / "services.csv") + ": column 'service': cannot be printed")
    assert character in line
    assert not (tmp_path / "output" / "2017Q1" / "ITC4" / "it-r1").exists()


def test_a_service_renamed_to_text_the_font_cannot_print_is_refused_naming_the_names_file(tmp_path, monkeypatch,
                                                                                           capsys):
    monkeypatch.chdir(tmp_path)
    names = tmp_path / "templates" / "en" / "names.toml"
    names.parent.mkdir(parents=True)
    names.write_text('[services]\n"Prove di laboratorio" = "Lab tests \U0001F600"\n', encoding="utf-8")
    assert main(["build", "--lang", "en", "--data", str(SAMPLE_DATA)]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"{names}: column 'service': cannot be printed") and "U+1F600" in line
    assert not (tmp_path / "output" / "2017Q1" / "ITC4" / "en-r1").exists()


def test_templates_cannot_reach_outside_their_folders(tmp_path):
    from bulletin.templates import Templates
    from bulletin.errors import ConfigError

    (tmp_path / "templates").mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    templates = Templates(tmp_path / "templates")
    for name in ("../secret.txt", "../../etc/passwd", "/etc/passwd"):
        with pytest.raises(ConfigError, match="outside the template folders"):
            templates.find(name)


@pytest.mark.parametrize("flag, value", [("--quarter", "../../etc"), ("--territory", "../../etc")])
def test_output_paths_cannot_escape_the_archive(tmp_path, monkeypatch, capsys, flag, value):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as refused:  # by the parser: neither is a quarter or territory code
        main(["build", flag, value, "--data", str(SAMPLE_DATA)])
    assert refused.value.code == 2 and value in capsys.readouterr().err
    assert not (tmp_path / "output").exists() or not any((tmp_path / "output").rglob("*.pdf"))

