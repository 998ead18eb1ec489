"""Provisional and revised figures as a reader meets them, and the release calendar that says
when to fetch them.

The sample's 2017Q1 edition is built with the real command three times, as it happens in use:
with final figures; with a figure ISTAT flagged provisional (`data/provisional.csv`, as an import
of OBS_STATUS P writes it); and, once that edition was sent, with a revised value, which makes
r2. Each PDF is read back with `pdftotext`, a reader's tool.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import re
import shutil
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bulletin.archive.store import add_delivery, edition_folder, latest_edition
from bulletin.cli import main
from bulletin.config import load_config
from bulletin.errors import ConfigError
from bulletin.release import FETCH_DAYS_AFTER_RELEASE, fetch_due, release_dates
from bulletin.release_calendar import calendar_dates
from bulletin.text import formatting
from conftest import SAMPLE_DATA, write_data
from test_archive import revise_2017q1_value
from test_fetch import schedule_once, service, source_section  # noqa: F401 (the stand-in SDMX service, a fixture)

# A key of the sample's 2017Q1 rows (Milano's medicines to the United States), flagged as an
# import of a figure with OBS_STATUS P flags it.
PROVISIONAL_CSV = "period,flow,territory,product,partner\n2017Q1,export,ITC4C,21.2,US\n"
EPOCH = "1490000000"  # 2017-03-20: the day every edition here is built, and r1 published


def pdf_text(pdf: Path, page: int | None = None) -> str:
    """The PDF's text as pdftotext gives it, with runs of spaces folded and straight apostrophes."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", *pages, str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    return re.sub(r"\s+", " ", text).replace("\u2019", "'")


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    """The texts and folders of: the plain edition, the provisional r1 (then sent) and its r2."""
    site = tmp_path_factory.mktemp("site")
    shutil.copytree(SAMPLE_DATA, site / "data")
    output = site / "output"

    def build() -> Path:
        assert main(["build", "--data", str(site / "data"), "--out", str(output)]) == 0
        return latest_edition(output, "2017Q1", "ITC4", "it").pdf

    found = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        patch.chdir(site)
        found["plain"] = pdf_text(build())
        (site / "data" / "provisional.csv").write_text(PROVISIONAL_CSV, encoding="utf-8")
        first = build()  # not sent yet: rebuilt in place as r1
        found["r1"], found["r1 folder"] = pdf_text(first), first.parent
        add_delivery(latest_edition(output, "2017Q1", "ITC4", "it"), {
            "message_id": "<r1@example.org>", "at": "2017-03-20T09:00:00Z", "requested": ["a@example.org"],
            "delivered": ["a@example.org"], "refused": {}, "pending": [], "attempts": []})
        revise_2017q1_value(site)  # ISTAT revises a figure, still provisional
        second = build()
        found["r2 summary"], found["r2 folder"] = pdf_text(second, page=2), second.parent
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            assert main(["indicators", "--data", str(site / "data"), "--quarter", "2017Q1", "--territory", "ITC4"]) == 0
        found["r2 figures"] = json.loads(printed.getvalue())
    return found


def test_provisional_figures_are_said_in_the_summary_and_under_every_table(editions):
    r1 = editions["r1"]
    assert "I dati del I trimestre 2017 sono provvisori." in r1
    assert r1.count("Fonte: elaborazioni su dati ISTAT (dati provvisori)") >= 5  # every table and chart of ISTAT's
    assert "Fonte: elaborazioni su dati ISTAT Fonte" not in r1
    indicators = json.loads((editions["r1 folder"] / "indicators.json").read_text(encoding="utf-8"))
    assert indicators["provisional"] is True
    plain = editions["plain"]
    assert "sono provvisori." not in plain and "(dati provvisori)" not in plain
    assert "Fonte: elaborazioni su dati ISTAT" in plain


def test_a_revision_opens_its_summary_with_the_figures_that_changed(editions):
    old = json.loads((editions["r1 folder"] / "indicators.json").read_text(encoding="utf-8"))
    new = json.loads((editions["r2 folder"] / "indicators.json").read_text(encoding="utf-8"))
    assert editions["r2 folder"].name == "it-r2"
    old_exports, new_exports = (" ".join(printed.split()) for printed in formatting.money_pair(
        old["exports"]["value_eur"], new["exports"]["value_eur"], "it"))
    assert old_exports != new_exports
    summary = editions["r2 summary"]
    note = (f"Revisione: rispetto all'edizione del 20 marzo 2017, le esportazioni passano da {old_exports} "
            f"a {new_exports}")
    assert note in summary
    assert "le importazioni passano" not in summary  # imports were not revised
    assert summary.index(note) < summary.index("Nel I trimestre 2017 le esportazioni")


def test_the_note_leaves_the_revision_figures_as_they_are(editions):
    """indicators.json holds the figures only: r2's has r1's structure, and is exactly what
    `bulletin indicators` prints for the revised data."""
    old = json.loads((editions["r1 folder"] / "indicators.json").read_text(encoding="utf-8"))
    written = (editions["r2 folder"] / "indicators.json").read_text(encoding="utf-8")

    def shape(value):
        if isinstance(value, dict):
            return {key: shape(item) for key, item in value.items()}
        if isinstance(value, list):
            return [shape(item) for item in value]
        return type(value).__name__ if value is not None else None

    assert shape(json.loads(written)) == shape(old)
    assert json.loads(written) == editions["r2 figures"]
    assert "Revisione" not in written
    manifest = json.loads((editions["r2 folder"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["revises"] == "it-r1"


# --- the release calendar -------------------------------------------------------------------------

ICS = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Istat//Calendario diffusione//IT\r
BEGIN:VEVENT\r
UID:1@istat.it\r
DTSTART;VALUE=DATE:20170614\r
SUMMARY:Esportazioni delle regioni italiane\r
  - I trimestre 2017\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:2@istat.it\r
DTSTART;TZID=Europe/Rome:20170913T100000\r
SUMMARY:Esportazioni delle regioni italiane - II trimestre 2017\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:3@istat.it\r
DTSTART;VALUE=DATE:\r
 20171212\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_an_ics_file_and_a_toml_list_give_the_same_release_dates(tmp_path):
    (tmp_path / "calendars").mkdir()
    (tmp_path / "calendars" / "istat.ics").write_text(ICS, encoding="utf-8", newline="")
    (tmp_path / "from-file.toml").write_text('[edition]\nrelease_calendar = "calendars/istat.ics"\n')
    (tmp_path / "listed.toml").write_text(
        '[edition]\nrelease_calendar = ["2017-12-12", "2017-06-14", "2017-09-13"]\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    from_file = load_config(tmp_path / "from-file.toml", env={}, cwd=elsewhere).edition  # relative to the file
    listed = load_config(tmp_path / "listed.toml", env={}, cwd=elsewhere).edition
    expected = [dt.date(2017, 6, 14), dt.date(2017, 9, 13), dt.date(2017, 12, 12)]
    assert calendar_dates(from_file.release_calendar) == calendar_dates(listed.release_calendar) == expected
    built = dt.datetime(2017, 6, 20, tzinfo=dt.timezone.utc)
    assert (release_dates(from_file, "2017Q1", 1, built, []) == release_dates(listed, "2017Q1", 1, built, []))
    assert release_dates(from_file, "2017Q1", 1, built, []).next_release == dt.date(2017, 9, 13)


def test_a_bad_calendar_file_is_named_with_its_line(tmp_path):
    (tmp_path / "bad.ics").write_text(ICS.replace("20170913T100000", "2017-09-13"), encoding="utf-8")
    (tmp_path / "bulletin.toml").write_text('[edition]\nrelease_calendar = ["bad.ics", "missing.ics"]\n')
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path / "bulletin.toml", env={})
    message = str(raised.value)
    assert f"'edition.release_calendar': {tmp_path / 'bad.ics'}:12: DTSTART: expected a date as YYYYMMDD" in message
    assert f"{tmp_path / 'missing.ics'}: release calendar not found" in message


def test_with_a_calendar_the_job_fetches_on_release_days_and_the_week_after():
    calendar = [dt.date(2017, 6, 14), dt.date(2017, 9, 13)]
    assert fetch_due(calendar, dt.date(2017, 6, 14))                    # the release day
    assert fetch_due(calendar, dt.date(2017, 6, 15))                    # a release after the day's run
    assert fetch_due(calendar, dt.date(2017, 6, 14) + dt.timedelta(days=FETCH_DAYS_AFTER_RELEASE))
    assert not fetch_due(calendar, dt.date(2017, 6, 13))                # not before it
    assert not fetch_due(calendar, dt.date(2017, 6, 22))                # nor weeks after
    assert not fetch_due(calendar, dt.date(2017, 8, 1))
    assert fetch_due([], dt.date(2017, 8, 1))                           # no calendar: every day


def test_schedule_once_fetches_on_a_release_day_of_the_calendar_file(tmp_path, service):  # noqa: F811
    """A real `bulletin schedule --once`: today is in the ICS calendar, so the job asks the
    stand-in service (which has nothing new) before publishing what the data hold."""
    write_data(tmp_path / "data")
    today = dt.datetime.now(ZoneInfo("Europe/Rome")).date()
    (tmp_path / "releases.ics").write_text(ICS.replace("20170614", today.strftime("%Y%m%d")), encoding="utf-8")
    (tmp_path / "bulletin.toml").write_text(f"""
[edition]
release_calendar = "releases.ics"

{source_section(service)}""", encoding="utf-8")
    result = schedule_once(tmp_path, EPOCH)
    assert result.returncode == 0, result.stderr
    assert [r["query"]["startPeriod"] for r in service.requests] == [["2017-Q2"]]  # 404: not released yet
    assert (edition_folder(tmp_path / "output", "2017Q1", "ITC4", "it", 1) / "manifest.json").is_file()
