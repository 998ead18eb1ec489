"""What passes `bulletin check` and `data check` does not crash a build, and what is wrong is refused.

Each test is an input that an adversarial run got through the checks and then into a traceback
or a wrong bulletin: a value of 1e300, `1.234` meant as a thousand euros, a future or one-flow
quarter, a gzip bomb, notes in Latin-1 or with control characters, a logo that is no image, a
damaged font, a line break in a mail header, `--config` naming a folder. Every refusal is one
located line (file, row, column or option) and exit 2; nothing is written.
"""
from __future__ import annotations

import datetime as dt
import decimal
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tracemalloc

import pandas as pd
import pytest
from babel import Locale
from babel.numbers import parse_pattern
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin.cli import main
from bulletin.config import load_config
from bulletin.data.trade import load_dataset, merge_trade
from bulletin.errors import ConfigError, DataError
from bulletin.text import formatting
from conftest import HEADER, REPO, SMALL_ROWS, folder_digest, write_data

BRAND = REPO / "bulletin" / "templates" / "brand"


def run_cli(folder, *args, env_extra=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1490000000", **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "bulletin.cli", *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=180)


def written(folder) -> dict[str, str]:
    """The files below `folder` but a run's bookkeeping (the data cache, lock files: hidden names)."""
    return {name: digest for name, digest in folder_digest(folder).items()
            if not any(part.startswith(".") for part in name.split("/"))}


def refused(capsys, args: list[str], folder) -> list[str]:
    """Run the command, which must refuse (exit 2) and write nothing; its stderr lines."""
    before = written(folder)
    assert main(args) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines and not any("Traceback" in line for line in lines)
    assert written(folder) == before
    return lines


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A working folder with the small data set, built in."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1490000000")
    write_data(tmp_path / "data")
    return tmp_path


# --- numbers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["1e300", "1e40", "1000000000000001", "2e15"])
def test_a_value_above_ten_to_the_fifteen_euros_is_refused_where_it_is(tmp_path, capsys, value):
    data = write_data(tmp_path / "data", SMALL_ROWS.replace("2017Q1,export,IT,21.2,US,1200",
                                                            f"2017Q1,export,IT,21.2,US,{value}"))
    [line] = refused(capsys, ["data", "check", "--data", str(data)], tmp_path)
    assert line.startswith(f"{data / 'trade' / 'trade.csv'}:11: column 'value_eur': ")
    assert "10^15" in line and f"(got '{value}')" in line


def test_the_largest_value_accepted_builds(site, capsys):
    """10^15 euros passes the check, and the bulletin prints it (it died in `formatting.money`)."""
    rows = (SMALL_ROWS.replace("2017Q1,export,IT,21.2,US,1200", "2017Q1,export,IT,21.2,US,1000000000000000")
            .replace("2017Q1,export,ITC4,21.2,US,600", "2017Q1,export,ITC4,21.2,US,999999999999000"))
    write_data(site / "data", rows)
    assert main(["build"]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("value", [1e300, -1e300, 1e40, 1e27, float("inf"), float("nan")])
def test_money_and_numbers_format_any_value_without_raising(value):
    for lang in ("it", "en"):
        for text in (formatting.money(value, lang), formatting.millions(value, lang),
                     formatting.number(value, lang), formatting.pct(value, lang)):
            assert isinstance(text, str) and text
    assert formatting.money(float("nan"), "it") == formatting.number_words("it").not_available
    assert formatting.money(1e40, "it").startswith("10.000.000.000.000.00")  # every digit, grouped
    assert "000,0" in formatting.money(1e40, "it") and "miliardi" in formatting.money(1e40, "it")


@settings(max_examples=3000, deadline=None)
@given(value=st.floats(allow_nan=False, allow_infinity=False), decimals=st.integers(0, 3),
       lang=st.sampled_from(["it", "en"]))
def test_numbers_print_as_the_locales_pattern_prints_them(value, decimals, lang):
    """Written by hand for speed, a number reads exactly as Babel's "#,##0.0…" pattern of the
    language's locale writes it, rounding half up: separators, rounding, the largest floats."""
    with decimal.localcontext(prec=400, rounding=decimal.ROUND_HALF_UP):
        expected = parse_pattern("#,##0" + "." * bool(decimals) + "0" * decimals).apply(
            value, Locale.parse(formatting.LOCALES[lang]))
    assert formatting.number(value, lang, decimals) == expected.replace("-", formatting.MINUS, 1)


@pytest.mark.parametrize("value, decimals, printed", [
    (3.15, 1, "3,2"), (1.05, 1, "1,1"), (2.85, 1, "2,9"), (0.125, 2, "0,13"), (2.5, 0, "3"), (-2.5, 0, "−3"),
    (-0.05, 1, "−0,1"), (1.04999, 1, "1,0"), (3150000000 / 1e9, 1, "3,2")])
def test_a_figure_halfway_is_rounded_away_from_zero_as_a_reader_rounds_it(value, decimals, printed):
    """On the decimal figure, not on the binary float (3.15 is 3.1499999… in binary, which
    Python's round() and format() take down to 3,1)."""
    assert formatting.number(value, "it", decimals) == printed


def test_a_sample_total_of_exactly_3_15_billion_reads_3_2_billion():
    assert formatting.money(3_150_000_000, "it") == "3,2\u00a0miliardi di euro"
    assert formatting.pct(12.25, "it") == "+12,3%" and formatting.pct(-12.25, "it") == "−12,3%"


@pytest.mark.parametrize("value", ["1.234", "12.345.678", "1234.567", " 1.234 "])
def test_a_thousands_looking_dot_is_refused(tmp_path, capsys, value):
    data = write_data(tmp_path / "data", SMALL_ROWS.replace("2017Q1,export,IT,26.5,DE,600",
                                                            f"2017Q1,export,IT,26.5,DE,{value}"))
    [line] = refused(capsys, ["data", "check", "--data", str(data)], tmp_path)
    assert line.startswith(f"{data / 'trade' / 'trade.csv'}:12: column 'value_eur': ")
    assert "thousands separator" in line


def test_a_dot_is_decimal_when_another_value_of_the_file_shows_it(tmp_path):
    """`1.234` is 1.234 euros in a file that also writes 0.5 or 1200.25; elsewhere it is refused."""
    rows = (SMALL_ROWS.replace("2017Q1,export,ITC49,26.5,DE,100", "2017Q1,export,ITC49,26.5,DE,1.234")
            .replace("2017Q1,export,ITC4C,21.2,US,500", "2017Q1,export,ITC4C,21.2,US,500.25"))
    data = write_data(tmp_path / "data", rows)
    trade = load_dataset(data).trade
    values = trade.set_index(["period", "flow", "territory", "product"])["value_eur"]
    assert values[("2017Q1", "export", "ITC49", "26.5")].item() == 1.234
    assert values[("2017Q1", "export", "ITC4C", "21.2")].item() == 500.25
    # The same value in a second file with no decimal of its own is still refused: each file speaks for itself.
    (data / "trade" / "more.csv").write_text(HEADER + "2015Q1,export,IT,21.2,US,1.234\n2015Q1,import,IT,21.2,US,7\n")
    with pytest.raises(DataError) as raised:
        load_dataset(data)
    [problem] = raised.value.problems
    assert problem.file.endswith("more.csv") and problem.row == 2 and "thousands separator" in problem.message


def test_values_the_importer_writes_read_back_as_written(tmp_path):
    """The canonical writer never writes a value that reads as thousands: 12.345 euros becomes 12.3450."""
    data = write_data(tmp_path / "data")
    incoming = pd.DataFrame([["2017Q1", "export", "ITC49", "26.5", "DE", 12.345]],
                            columns=["period", "flow", "territory", "product", "partner", "value_eur"])
    merge_trade(data, incoming)
    trade = load_dataset(data).trade
    assert trade[(trade["territory"] == "ITC49") & (trade["period"] == "2017Q1")]["value_eur"].tolist() == [12.345]


# --- quarters -----------------------------------------------------------------------------------

def test_the_current_quarter_is_the_calendar_one():
    from bulletin.data.checks import current_quarter

    assert current_quarter(dt.date(2025, 3, 31)) == "2025Q1" and current_quarter(dt.date(2025, 4, 1)) == "2025Q2"


def test_a_quarter_after_the_current_one_is_refused_where_it_is(tmp_path, capsys):
    from bulletin.data.checks import current_quarter

    future = "2099Q1"
    rows = SMALL_ROWS + "".join(line.replace("2017Q1", future) + "\n" for line in SMALL_ROWS.splitlines()
                                if line.startswith("2017Q1"))
    data = write_data(tmp_path / "data", rows)
    with open(data / "services.csv", "a", encoding="utf-8") as stream:
        stream.write(f"{future},Promos,Assistenza personalizzata,1,1,1\n")
    lines = refused(capsys, ["data", "check", "--data", str(data)], tmp_path)
    assert lines == [
        f"{data / 'trade' / 'trade.csv'}:20: column 'period': quarter {future} is after the current quarter, "
        f"{current_quarter()} (got '{future}')",
        f"{data / 'services.csv'}:5: column 'period': quarter {future} is after the current quarter, "
        f"{current_quarter()} (got '{future}')"]


def test_a_future_quarter_in_an_istat_download_is_refused(tmp_path, capsys):
    from bulletin.data.checks import current_quarter
    from test_fuzz import rendered_download, sdmx_of

    data = write_data(tmp_path / "data")
    download = tmp_path / "download.csv"
    download.write_bytes(rendered_download(sdmx_of(SMALL_ROWS, "2099Q1")))
    lines = refused(capsys, ["data", "import", str(download), "--data", str(data)], tmp_path)
    assert lines[0] == f"{download}:2: column 'TIME_PERIOD': a quarter after the current one, {current_quarter()} (got '2099-Q1')"


def test_a_quarter_with_one_flow_is_checked_with_a_warning_and_not_built(site, capsys):
    """A quarter half imported (imports only) is no bulletin: `build` refused to print its exports
    as "0 euro (-100,0%)"; `publish` takes the newest quarter with both flows."""
    imports_only = "".join(line.replace("2017Q1", "2017Q2") + "\n" for line in SMALL_ROWS.splitlines()
                           if line.startswith("2017Q1,import"))
    data = write_data(site / "data", SMALL_ROWS + imports_only)
    assert main(["data", "check"]) == 0
    assert "quarter 2017Q2 has no export rows: no edition is made of it until both flows are in the data" in (
        capsys.readouterr().err)
    assert refused(capsys, ["build"], site) == [
        f"{data / 'trade'}: quarter 2017Q2 has no export rows for Lombardy (ITC4): a bulletin needs both flows "
        "(import them, or choose an earlier quarter with --quarter)"]


def test_a_territory_the_data_do_not_cover_is_refused_saying_so_and_leaves_no_folder(site, capsys):
    data = write_data(site / "data")
    assert refused(capsys, ["build", "--territory", "ITC1"], site) == [
        f"{data / 'trade'}: the data have no rows for Piedmont (ITC1) in any quarter: import its files, or choose "
        "a territory the data cover"]
    assert not (site / "output").exists()


def test_a_region_missing_one_flow_in_a_quarter_is_refused(tmp_path, capsys):
    rows = "".join(line + "\n" for line in SMALL_ROWS.splitlines()
                   if not line.startswith(("2017Q1,import,ITC4,", "2017Q1,import,ITC4C")))
    data = write_data(tmp_path / "data", rows)
    [line] = refused(capsys, ["data", "check", "--data", str(data)], tmp_path)
    assert line == (f"{data / 'trade' / 'trade.csv'}:14: column 'flow': quarter 2017Q1 has no import rows "
                    f"for Lombardy (ITC4)")


def test_an_import_leaving_a_region_without_one_flow_is_refused_and_writes_nothing(tmp_path):
    data = write_data(tmp_path / "data")
    before = folder_digest(data)
    incoming = pd.DataFrame([["2017Q2", flow, territory, "21.2", "CN", 100.0]
                             for flow, territory in (("export", "IT"), ("import", "IT"), ("export", "ITC4"))],
                            columns=["period", "flow", "territory", "product", "partner", "value_eur"])
    with pytest.raises(DataError, match="quarter 2017Q2 has no import rows for Lombardy"):
        merge_trade(data, incoming)
    assert folder_digest(data) == before


# --- files too large to unpack ------------------------------------------------------------------

def test_a_gzip_that_unpacks_beyond_the_limit_is_refused_while_reading(tmp_path, monkeypatch, capsys):
    """A 64 MB trade file packed into a small gzip, with the limit at 1 MB: refused, having held
    about the limit in memory (the whole file was unpacked at once before)."""
    monkeypatch.setenv("BULLETIN_MAX_UNPACKED_MB", "1")
    data = write_data(tmp_path / "data")
    rows = (HEADER + SMALL_ROWS).encode() + b"2017Q1,export,IT,21.2,US,1200\n" * (64 * 2 ** 20 // 30)
    (data / "trade" / "trade.csv").unlink()
    (data / "trade" / "bomb.csv.gz").write_bytes(gzip.compress(rows, compresslevel=9, mtime=0))
    tracemalloc.start()
    try:
        lines = refused(capsys, ["data", "check", "--data", str(data)], tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert lines == [f"{data / 'trade' / 'bomb.csv.gz'}: more than 1 MB once unpacked, the limit "
                     f"(BULLETIN_MAX_UNPACKED_MB, default 1024)"]
    assert peak < 16 * 2 ** 20, f"{peak / 2 ** 20:.0f} MB held to refuse it"


def test_the_unpacked_size_limit_reads_files_under_it_and_says_when_it_is_not_a_number(tmp_path, monkeypatch,
                                                                                       capsys):
    data = write_data(tmp_path / "data")
    (data / "trade" / "trade.csv").rename(data / "trade" / "plain.csv")
    monkeypatch.setenv("BULLETIN_MAX_UNPACKED_MB", "1")
    assert main(["data", "check", "--data", str(data)]) == 0
    monkeypatch.setenv("BULLETIN_MAX_UNPACKED_MB", "lots")
    assert refused(capsys, ["data", "check", "--data", str(data)], tmp_path) == [
        "error: BULLETIN_MAX_UNPACKED_MB must be a whole number of megabytes, got 'lots'"]


# --- every problem at once ----------------------------------------------------------------------

def test_every_new_kind_of_problem_in_a_file_is_reported_in_one_run(tmp_path, capsys):
    rows = (SMALL_ROWS.replace("2017Q1,export,IT,21.2,US,1200", "2017Q1,export,IT,21.2,US,1e300")
            .replace("2017Q1,export,IT,26.5,DE,600", "2017Q1,export,IT,26.5,DE,1.234")
            .replace("2016Q1,export,IT,26.5,DE,500", "2016Q1,export,IT,26.5,XX,500")
            + "2099Q1,export,IT,21.2,US,5\n")
    data = write_data(tmp_path / "data", rows, services="period,provider,service,firms,smes,activities\n"
                      "2017Q1,Promos,Assistenza,1.234,1,1e300\n")
    lines = refused(capsys, ["data", "check", "--data", str(data)], tmp_path)
    trade, services = data / "trade" / "trade.csv", data / "services.csv"
    assert [line.split(": column ")[0] + ": " + line.split(": column ")[1].split(":")[0] for line in lines] == [
        f"{trade}:20: 'period'", f"{trade}:3: 'partner'", f"{trade}:12: 'value_eur'", f"{trade}:11: 'value_eur'",
        f"{services}:2: 'firms'", f"{services}:2: 'activities'"]


# --- the editor's notes -------------------------------------------------------------------------

def test_notes_not_in_utf8_are_refused_located_by_check_and_build(site, capsys):
    notes = site / "data" / "notes" / "2017Q1.md"
    notes.parent.mkdir()
    notes.write_bytes("Un trimestre\n\nda record: più 13%.\n".encode("latin-1"))
    expected = f"{notes}:3: not UTF-8 text (byte 0xf9): save the notes as UTF-8"
    assert refused(capsys, ["build"], site) == [expected]
    assert main(["check"]) == 2
    assert expected in capsys.readouterr().err


@pytest.mark.parametrize("character, name", [("\0", "U+0000 NULL"), ("\x1b", "U+001B ESCAPE"),
                                             ("\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"),
                                             ("\u2066", "U+2066 LEFT-TO-RIGHT ISOLATE")])
def test_control_characters_in_notes_are_refused_naming_line_and_character(site, capsys, character, name):
    notes = site / "data" / "notes" / "2017Q1.md"
    notes.parent.mkdir()
    notes.write_text(f"Un trimestre\n\nda {character}record{character}.\n", encoding="utf-8")
    [line] = refused(capsys, ["build"], site)
    assert line.startswith(f"{notes}:3: control character {name}: ")
    assert main(["check"]) == 2
    assert line in capsys.readouterr().err


def test_a_note_for_one_language_is_printed_in_that_language_only(site, capsys):
    """`<quarter>.<lang>.md` replaces `<quarter>.md` for that language; alone, it is that
    language's note and the other language prints none."""
    notes = site / "data" / "notes"
    notes.mkdir()
    (notes / "2017Q1.md").write_text("Un trimestre **da record**.\n", encoding="utf-8")
    (notes / "2017Q1.en.md").write_text("A **record** quarter.\n", encoding="utf-8")

    def page(lang: str) -> str:
        assert main(["build", "--lang", lang]) == 0
        return (site / "output" / "2017Q1" / "ITC4" / f"{lang}-r1" / "index.html").read_text(encoding="utf-8")

    assert "Un trimestre <b>da record</b>" in page("it")
    english = page("en")
    assert "A <b>record</b> quarter" in english and "Un trimestre" not in english
    (notes / "2017Q1.md").rename(notes / "2017Q1.it.md")
    (notes / "2017Q1.en.md").unlink()
    assert main(["build", "--lang", "en"]) == 0  # unsent, rebuilt in place: now without a note
    english = (site / "output" / "2017Q1" / "ITC4" / "en-r1" / "index.html").read_text(encoding="utf-8")
    assert "<b>record</b>" not in english and "da record" not in english
    (notes / "2017Q1.en.md").write_text("A \x1b quarter.\n", encoding="utf-8")
    assert main(["check"]) == 2
    assert f"{notes / '2017Q1.en.md'}:1: control character U+001B ESCAPE" in capsys.readouterr().err


# --- brand files --------------------------------------------------------------------------------

def brand_folder(root, logo: tuple[str, bytes] | None = None, font: bytes | None = None):
    """A copy of the shipped brand, its logo or regular font replaced; a configuration naming it."""
    folder = root / "brand"
    shutil.copytree(BRAND, folder, ignore=shutil.ignore_patterns("__pycache__"))
    if logo is not None:
        name, content = logo
        (folder / name).write_bytes(content)
        toml = folder / "brand.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace('"logo.svg"', f'"{name}"'), encoding="utf-8")
    if font is not None:
        (folder / "fonts" / "OpenSans-Regular.ttf").write_bytes(font)
    (root / "bulletin.toml").write_text('[paths]\nbrand = "brand"\n', encoding="utf-8")
    return folder


def test_check_counts_each_problem_once_and_checks_the_notes_even_with_a_broken_brand(site, capsys):
    brand_folder(site, logo=("logo.svg", b"<svg><broken"))
    notes = site / "data" / "notes"
    notes.mkdir()
    (notes / "2017Q1.md").write_text("Un \x1b trimestre.\n", encoding="utf-8")
    assert main(["check"]) == 2
    *problems, summary = capsys.readouterr().err.strip().splitlines()
    assert summary == "2 problems" and len(problems) == 2, problems
    assert "logo" in problems[0] and "cannot be drawn (not an SVG image)" in problems[0]
    assert problems[1].startswith(f"{notes / '2017Q1.md'}:1: control character U+001B ESCAPE")


def test_check_notes_the_shipped_example_contact_until_a_brand_gives_its_own(site, capsys):
    """The sample runs on studi@example.org; `check` says so, without failing, until the brand
    gives a contact of its own."""
    assert main(["check"]) == 0
    assert "note: brand " in capsys.readouterr().err
    toml = brand_folder(site) / "brand.toml"
    toml.write_text(re.sub(r'(?m)^contact = .*$', 'contact = "studi@camera.example.it · +39 02 1234 5678"',
                           toml.read_text(encoding="utf-8")), encoding="utf-8")
    assert main(["check"]) == 0
    assert "note:" not in capsys.readouterr().err


@pytest.mark.parametrize("name, content", [("logo.svg", b"not an image at all\n"),
                                           ("logo.svg", (BRAND / "fonts" / "OpenSans-Bold.ttf").read_bytes()[:4000]),
                                           ("logo.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256))),
                                           ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="0" '
                                                        b'height="0"></svg>')],
                         ids=["text", "font bytes", "broken png", "empty svg"])
def test_a_logo_that_is_not_an_image_is_refused_by_check_and_by_build(site, name, content):
    brand_folder(site, logo=(name, content))
    check = run_cli(site, "check")
    assert check.returncode == 2 and "Traceback" not in check.stderr, check.stderr
    assert f"logo: {site / 'brand' / name} cannot be drawn" in check.stderr
    build = run_cli(site, "build")
    assert build.returncode == 2 and "Traceback" not in build.stderr, build.stderr
    assert f"logo: {site / 'brand' / name} cannot be drawn" in build.stderr
    assert written(site / "output") == {}


def spoiled_glyphs(font: bytes) -> bytes:
    """The font with its glyph outlines overwritten: its tables still parse, its glyphs do not draw."""
    import struct

    count = struct.unpack(">H", font[4:6])[0]
    for entry in range(count):
        tag, _, offset, length = struct.unpack(">4sLLL", font[12 + 16 * entry:28 + 16 * entry])
        if tag == b"glyf":
            return font[:offset + 100] + b"\xff" * (length - 200) + font[offset + length - 100:]
    raise AssertionError("no glyf table")


REGULAR = (BRAND / "fonts" / "OpenSans-Regular.ttf").read_bytes()


@pytest.mark.parametrize("font", [REGULAR[:len(REGULAR) // 3], REGULAR[:40], spoiled_glyphs(REGULAR)],
                         ids=["truncated", "a header only", "spoiled glyphs"])
def test_a_damaged_font_is_refused_by_check(site, font):
    brand_folder(site, font=font)
    check = run_cli(site, "check")
    assert check.returncode == 2 and "Traceback" not in check.stderr, check.stderr
    assert f"fonts.regular: {site / 'brand' / 'fonts' / 'OpenSans-Regular.ttf'}" in check.stderr


def test_a_truncated_font_is_refused_by_build_in_one_line(site):
    brand_folder(site, font=REGULAR[:len(REGULAR) // 3])
    build = run_cli(site, "build")
    assert build.returncode == 2 and "Traceback" not in build.stderr, build.stderr
    assert f"fonts.regular: {site / 'brand' / 'fonts' / 'OpenSans-Regular.ttf'} is not a font" in build.stderr
    assert written(site / "output") == {}


# --- mail headers -------------------------------------------------------------------------------

@pytest.mark.parametrize("option", ["sender", "reply_to", "admin", "recipients"])
@pytest.mark.parametrize("character", ["\n", "\r", "\x1b", "\u202e"])
def test_a_control_character_in_a_mail_header_option_is_refused_naming_it(tmp_path, option, character):
    value = json.dumps(f"studi@example.org{character}Bcc: all@example.org")  # a JSON string is a TOML string
    (tmp_path / "bulletin.toml").write_text(f"[mail]\n{option} = {f'[{value}]' if option == 'recipients' else value}\n",
                                            encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path / "bulletin.toml", env={})
    assert f"Config value 'mail.{option}': " in str(raised.value)
    assert f"U+{ord(character):04X}" in str(raised.value)


@pytest.mark.parametrize("key, template", [("subject", "mail.toml"), ("alert_subject", "mail.toml"),
                                           ("title", "labels.toml")])
def test_a_line_break_in_a_subject_template_is_refused_by_check(site, capsys, key, template):
    shipped = (REPO / "bulletin" / "templates" / "it" / template).read_text(encoding="utf-8")
    mine = site / "templates" / "it" / template
    mine.parent.mkdir(parents=True)
    line = next(line for line in shipped.splitlines() if line.startswith(f"{key} = "))
    mine.write_text(shipped.replace(line, line[:-1] + '\\nBcc: all@example.org"'), encoding="utf-8")
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert f"template {mine}: {key}: a mail subject must be one line without control characters (U+000A LINE FEED)" in err


def test_a_line_break_in_the_subject_stops_publish_in_one_line_before_anything_is_sent(site, capsys):
    """`publish` without a `check` first: the subject is refused where it is made, not by smtplib mid-send."""
    shipped = (REPO / "bulletin" / "templates" / "it" / "mail.toml").read_text(encoding="utf-8")
    mine = site / "templates" / "it" / "mail.toml"
    mine.parent.mkdir(parents=True)
    line = next(line for line in shipped.splitlines() if line.startswith("subject = "))
    mine.write_text(shipped.replace(line, line[:-1] + '\\nBcc: all@example.org"'), encoding="utf-8")
    (site / "bulletin.toml").write_text('[mail]\nrecipients = ["lettori@example.org"]\n', encoding="utf-8")
    assert main(["publish", "--config", str(site / "bulletin.toml")]) != 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"template {mine}: the subject" in err and "U+000A LINE FEED" in err
    assert not list((site / "output").rglob("*.eml"))


# --- the configuration file ---------------------------------------------------------------------

def test_config_naming_a_folder_exits_2_in_one_line(tmp_path):
    result = run_cli(tmp_path, "check", "--config", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"error: config file {tmp_path} is a folder, not a file"]
