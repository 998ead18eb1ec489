"""The reference edition: what readers see, under review.

The Italian and English 2017Q1 editions of the sample are rebuilt with a fixed date and compared
with the text and figures committed under `tests/expected/`, as pelican's functional tests
compare a built site with its expected output. Any change to a sentence, a figure, a heading or
the page breaks shows up as a diff in review. When a change is intended, rewrite the expected
files with

    BULLETIN_UPDATE_REFERENCE=1 python -m pytest tests/test_reference_edition.py

and commit them with the change.
"""
from __future__ import annotations

import difflib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, SAMPLE_DATA

EXPECTED = Path(__file__).resolve().parent / "expected"
EPOCH = "1491782400"  # 2017-04-10, a plausible publication day for 2017Q1
UPDATE = os.environ.get("BULLETIN_UPDATE_REFERENCE") == "1"


@pytest.fixture(scope="module", params=["it", "en"])
def edition(request, tmp_path_factory) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp(f"reference-{request.param}")
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    subprocess.run([sys.executable, "-m", "bulletin.cli", "build", "--quarter", "2017Q1", "--territory", "ITC4",
                    "--lang", request.param, "--data", str(SAMPLE_DATA), "--out", str(out)],
                   check=True, cwd=out, env=env, capture_output=True, text=True, timeout=300)
    return request.param, out / "2017Q1" / "ITC4" / f"{request.param}-r1"


def _compare(actual: str, expected_file: Path) -> None:
    if UPDATE:
        expected_file.write_text(actual, encoding="utf-8")
        return
    expected = expected_file.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(list(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                                 str(expected_file.relative_to(REPO)), "rebuilt"))[:80])
        pytest.fail(f"the edition differs from the reference (if intended, see this module's docstring):\n{diff}")


def test_the_text_readers_see_is_the_reference(edition):
    lang, folder = edition
    pdf = next(folder.glob("*.pdf"))
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    _compare(text, EXPECTED / f"2017Q1-ITC4-{lang}.txt")


def test_the_figures_are_the_reference(edition):
    lang, folder = edition
    _compare((folder / "indicators.json").read_text(encoding="utf-8"), EXPECTED / "2017Q1-ITC4.indicators.json")
