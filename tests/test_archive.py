"""The archive: manifest, no rebuild of unchanged figures, revisions, verification, locks, crashes."""
from __future__ import annotations

import gzip
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import pytest

from bulletin.archive.store import (EditionLock, add_delivery, edition_folder, latest_edition, leftovers,
                                    read_edition, sha256_of, verify)
from bulletin.errors import ArchiveError
from bulletin.cli import main
from conftest import SAMPLE_DATA


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A copy of the sample data and an empty archive, with fixed build dates."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1490000000")
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SAMPLE_DATA, tmp_path / "data")
    return tmp_path


def build(workspace, *extra) -> int:
    return main(["build", "--data", str(workspace / "data"), "--out", str(workspace / "output"), *extra])


def revise_2017q1_value(workspace, factor: float = 1.01) -> None:
    """What an ISTAT revision looks like: one Milano value of 2017Q1 changes (region and Italy follow)."""
    path = workspace / "data" / "trade" / "2017Q1.csv.gz"
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    for index, line in enumerate(lines):
        period, flow, territory, product, partner, value = line.split(",")
        if (flow, product, partner) == ("export", "21.2", "US") and territory in ("IT", "ITC4", "ITC4C"):
            lines[index] = ",".join([period, flow, territory, product, partner, str(int(int(value) * factor))])
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))


def test_manifest_records_inputs_outputs_and_pages(workspace):
    assert build(workspace) == 0
    edition = latest_edition(workspace / "output", "2017Q1", "ITC4", "it")
    manifest = edition.manifest
    assert (manifest["quarter"], manifest["territory"], manifest["language"], manifest["revision"]) == \
        ("2017Q1", "ITC4", "it", 1)
    assert manifest["built_at"] == "2017-03-20T08:53:20Z" and manifest["pages"] >= 10
    assert manifest["pdf"] == "bollettino-hitech-lombardia-2017Q1.pdf"
    inputs = {os.path.basename(path): digest for path, digest in manifest["inputs"].items()}
    assert inputs["2017Q1.csv.gz"] == sha256_of(workspace / "data" / "trade" / "2017Q1.csv.gz")
    assert "services.csv" in inputs and len(inputs) == 18
    assert manifest["outputs"][manifest["pdf"]] == sha256_of(edition.pdf)
    assert {"indicators.json", "tables.xlsx", "tables/prodotti.csv", "charts/products.pdf"} <= set(manifest["outputs"])
    assert manifest["deliveries"] == []


def test_tables_workbook_has_a_sheet_per_table(workspace):
    from openpyxl import load_workbook

    build(workspace)
    edition = latest_edition(workspace / "output", "2017Q1", "ITC4", "it")
    workbook = load_workbook(edition.folder / "tables.xlsx")
    assert workbook.sheetnames == ["flussi", "prodotti", "paesi", "aree", "province", "andamento", "servizi"]
    products = list(workbook["prodotti"].values)
    assert products[0][:3] == ("rango", "codice", "nome") and products[1][1] == "21.2"
    figures = json.loads((edition.folder / "indicators.json").read_text())
    assert products[1][3] == figures["products"][0]["value_eur"]
    # Table 1, as printed: the flows of the territory and of Italy, with the contribution to Italy's change.
    flows = {row[0]: row for row in list(workbook["flussi"].values)[1:]}
    assert list(workbook["flussi"].values)[0] == ("codice", "nome", "valore_eur", "anno_prima_eur", "var_pct",
                                                  "contributo_pp")
    assert flows["exports"][1:4] == ("Esportazioni", figures["exports"]["value_eur"], figures["exports"]["previous_eur"])
    assert flows["exports"][4:6] == pytest.approx((figures["exports"]["yoy_pct"], figures["exports"]["contribution_pp"]),
                                                  rel=1e-12)  # Excel keeps 15 digits
    assert flows["balance"][2] == figures["balance_eur"] and flows["balance"][4] is None
    assert flows["national_imports"][2] == figures["national_imports"]["value_eur"]


def test_table_text_stays_text_and_missing_values_stay_empty(tmp_path):
    """A name from the data that looks like a formula or a link must not become one in Excel."""
    import datetime as dt

    import pandas as pd
    from openpyxl import load_workbook

    from bulletin.document.tables import write_tables

    frame = pd.DataFrame({"name": ["=1+1", "http://example.org", "R&D <Lab>"], "value_eur": [1.5, float("nan"), 3.0],
                          "rank": pd.array([1, 2, 3], dtype="int64")})
    write_tables({"paesi": frame}, tmp_path, dt.datetime(2017, 5, 1, tzinfo=dt.timezone.utc))
    sheet = load_workbook(tmp_path / "tables.xlsx")["paesi"]
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["name", "value_eur", "rank"], ["=1+1", 1.5, 1], ["http://example.org", None, 2], ["R&D <Lab>", 3.0, 3]]
    assert sheet["A2"].data_type == "s" and sheet["A3"].hyperlink is None
    first = (tmp_path / "tables.xlsx").read_bytes()
    write_tables({"paesi": frame}, tmp_path, dt.datetime(2017, 5, 1, tzinfo=dt.timezone.utc))
    assert (tmp_path / "tables.xlsx").read_bytes() == first
    write_tables({"paesi": frame}, tmp_path, dt.datetime(2017, 5, 2, tzinfo=dt.timezone.utc))
    assert (tmp_path / "tables.xlsx").read_bytes() != first


def test_the_archive_is_readable_by_others_as_the_umask_allows(workspace):
    """Temporary files and folders start private; an edition must not stay so, or colleagues and a
    web server serving the archive could not read it."""
    previous = os.umask(0o022)
    try:
        assert build(workspace) == 0
    finally:
        os.umask(previous)
    edition = latest_edition(workspace / "output", "2017Q1", "ITC4", "it")
    assert edition.folder.stat().st_mode & 0o777 == 0o755
    for path in [edition.pdf, edition.folder / "manifest.json", edition.folder / "indicators.json",
                 edition.folder / "tables.xlsx"]:
        assert path.stat().st_mode & 0o777 == 0o644, path


def test_unchanged_figures_build_nothing(workspace, capsys):
    build(workspace)
    folder = edition_folder(workspace / "output", "2017Q1", "ITC4", "it", 1)
    before = sha256_of(folder / "manifest.json")
    capsys.readouterr()
    assert build(workspace) == 0
    assert "not rebuilt" in capsys.readouterr().err
    assert sha256_of(folder / "manifest.json") == before
    assert not (folder.parent / "it-r2").exists()


def test_changed_figures_after_sending_make_a_revision(workspace):
    build(workspace)
    output = workspace / "output"
    first = latest_edition(output, "2017Q1", "ITC4", "it")
    add_delivery(first, {"message_id": "<m@x>", "at": "2017-03-20T09:00:00Z", "requested": ["a@example.org"],
                         "delivered": ["a@example.org"], "refused": {}, "pending": [], "attempts": []})
    first_pdf = sha256_of(first.pdf)
    revise_2017q1_value(workspace)
    assert build(workspace) == 0
    second = latest_edition(output, "2017Q1", "ITC4", "it")
    assert second.revision == 2 and second.manifest["revises"] == "it-r1"
    assert second.pdf.name == "bollettino-hitech-lombardia-2017Q1-r2.pdf"
    assert sha256_of(first.pdf) == first_pdf  # the sent edition is untouched
    assert verify(output) == []


def test_changed_figures_before_sending_rebuild_in_place(workspace):
    build(workspace)
    revise_2017q1_value(workspace)
    build(workspace)
    output = workspace / "output"
    assert latest_edition(output, "2017Q1", "ITC4", "it").revision == 1
    assert not edition_folder(output, "2017Q1", "ITC4", "it", 2).exists()


def test_verify_finds_changed_and_missing_files(workspace, capsys):
    build(workspace)
    assert main(["archive", "verify", "--out", str(workspace / "output")]) == 0
    edition = latest_edition(workspace / "output", "2017Q1", "ITC4", "it")
    (edition.folder / "charts" / "trend.pdf").unlink()
    with open(edition.pdf, "ab") as stream:
        stream.write(b"tampered")
    capsys.readouterr()
    assert main(["archive", "verify", "--out", str(workspace / "output")]) == 1
    out = capsys.readouterr().out
    assert "charts/trend.pdf: missing" in out and f"{edition.pdf.name}: changed" in out


def test_archive_lists_editions(workspace, capsys):
    build(workspace)
    capsys.readouterr()
    assert main(["archive", "--out", str(workspace / "output")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["quarter", "territory", "lang", "rev"]
    assert lines[1].split()[:5] == ["2017Q1", "ITC4", "it", "1", str(read_edition(
        edition_folder(workspace / "output", "2017Q1", "ITC4", "it", 1)).manifest["pages"])]
    assert lines[1].split()[-2:] == ["0", "archived"]


def test_a_held_lock_makes_a_second_writer_give_up_with_a_message(tmp_path):
    with EditionLock(tmp_path, "2017Q1", "ITC4", "it"):
        with pytest.raises(ArchiveError, match="another run is writing this edition"):
            with EditionLock(tmp_path, "2017Q1", "ITC4", "it", timeout=0.2):
                pass


def test_a_lock_left_by_a_killed_process_is_free(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from bulletin.archive.store import EditionLock\n"
        f"lock = EditionLock(Path({str(tmp_path)!r}), '2017Q1', 'ITC4', 'it'); lock.__enter__()\n"
        "print('held', flush=True); time.sleep(60)")], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with EditionLock(tmp_path, "2017Q1", "ITC4", "it", timeout=1):
        pass


def test_paths_cannot_escape_the_archive(tmp_path):
    for quarter, territory in (("../../etc", "ITC4"), ("2017Q1", "../../etc"), ("2017Q5", "ITC4")):
        with pytest.raises(ArchiveError, match="not an edition"):
            edition_folder(tmp_path, quarter, territory, "it", 1)


def test_a_build_killed_midway_leaves_the_archive_consistent(workspace):
    build(workspace)
    output = workspace / "output"
    good = sha256_of(latest_edition(output, "2017Q1", "ITC4", "it").pdf)
    revise_2017q1_value(workspace)  # so that the next build really rebuilds
    process = subprocess.Popen([sys.executable, "-m", "bulletin.cli", "build", "--data", str(workspace / "data"),
                                "--out", str(output)], cwd=workspace)
    deadline = time.monotonic() + 30
    while not list((output / "2017Q1" / "ITC4").glob(".it-r1.building-*/charts/*.pdf")):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert verify(output) == []
    assert [line.split(": ", 1)[1] for line in leftovers(output)] == [
        "the folder of an interrupted build (the next run on this edition removes it)"]
    assert sha256_of(latest_edition(output, "2017Q1", "ITC4", "it").pdf) == good
    assert build(workspace) == 0  # the rerun finishes the job and clears the abandoned folder
    assert not list((output / "2017Q1" / "ITC4").glob(".it-r1.building-*"))
    assert verify(output) == [] and sha256_of(latest_edition(output, "2017Q1", "ITC4", "it").pdf) != good


# --- Kills at each step of a store and of the clean-up after it ------------------------------------

# One small edition stored as a build stores it (under the edition lock, through a temporary
# folder), in a process of its own that a kill point can end: `python -c STORE OUTPUT LABEL`.
STORE = """
import sys
from pathlib import Path
from bulletin.archive.store import EditionLock, edition_folder, edition_workspace, output_hashes, write_manifest
output, label = Path(sys.argv[1]), sys.argv[2]
with EditionLock(output, "2017Q1", "ITC4", "it"):
    with edition_workspace(edition_folder(output, "2017Q1", "ITC4", "it", 1)) as work:
        (work / "charts").mkdir()
        for name in ("edition.pdf", "indicators.json", "charts/a.pdf", "charts/b.pdf"):
            (work / name).write_text(label)
        write_manifest(work, {"quarter": "2017Q1", "territory": "ITC4", "language": "it", "revision": 1,
                              "pdf": "edition.pdf", "outputs": output_hashes(work), "deliveries": []})
        if len(sys.argv) > 3:  # a live build: says where it builds, then waits to be killed
            print(work, flush=True)
            sys.stdin.read()
"""


def store_small_edition(output, label: str, kill_at: str = "") -> int:
    """Store an edition whose files all say `label`, in another process; its exit code (-9: killed)."""
    return subprocess.run([sys.executable, "-c", STORE, str(output), label], timeout=60,
                          env={**os.environ, "BULLETIN_KILL_AT": kill_at}).returncode


def stored_label(output) -> str:
    return (edition_folder(output, "2017Q1", "ITC4", "it", 1) / "edition.pdf").read_text()


@pytest.mark.parametrize("point", ["before-store", "mid-swap", "after-swap", "mid-removal"])
def test_killed_at_any_step_of_a_store_or_of_its_clean_up_the_next_run_finishes(tmp_path, point):
    """before-store: the new folder is complete; mid-swap: the old edition is moved aside, nothing in
    its place; after-swap: the new one is in place beside the old; mid-removal: the old one is half
    removed (the issue's edition stuck for ever). Then the next run is killed while it clears that."""
    output = tmp_path / "output"
    assert store_small_edition(output, "first") == 0
    assert store_small_edition(output, "second", kill_at=point) == -9
    assert [p for p in verify(output) if "moved aside" not in p] == []  # no edition is ever half there
    if point != "mid-swap":
        assert stored_label(output) == ("first" if point == "before-store" else "second")
    assert verify(output) + leftovers(output) != []  # what the kill left is reported
    assert store_small_edition(output, "third", kill_at="mid-removal") == -9  # killed clearing it
    assert store_small_edition(output, "fourth") == 0
    assert stored_label(output) == "fourth"
    assert verify(output) == [] and leftovers(output) == []
    assert sorted(p.name for p in (output / "2017Q1" / "ITC4").iterdir()) == [".it.lock", "it-r1"]


def test_a_half_removed_replaced_edition_does_not_block_the_next_store(tmp_path, capsys):
    """What a kill during the removal of `.it-r1.old` used to leave: every later store failed with
    'Directory not empty' while `archive verify` said all was well."""
    output = tmp_path / "output"
    assert store_small_edition(output, "first") == 0
    folder = edition_folder(output, "2017Q1", "ITC4", "it", 1)
    half_removed = folder.with_name(".it-r1.old")
    shutil.copytree(folder, half_removed)
    (half_removed / "edition.pdf").unlink()
    assert main(["archive", "verify", "--out", str(output)]) == 1
    assert f"{half_removed}: an edition replaced by an interrupted store" in capsys.readouterr().out
    assert store_small_edition(output, "second") == 0
    assert stored_label(output) == "second" and not half_removed.exists()
    assert main(["archive", "verify", "--out", str(output)]) == 0


def test_the_next_run_clears_a_dead_runs_folder_even_without_building_but_never_a_live_ones(tmp_path):
    output = tmp_path / "output"
    assert store_small_edition(output, "dead", kill_at="before-store") == -9
    assert len(leftovers(output)) == 1
    with EditionLock(output, "2017Q1", "ITC4", "it"):  # a run that finds nothing to build
        pass
    assert leftovers(output) == [] and not list((output / "2017Q1" / "ITC4").glob(".it-r1.*"))

    live = subprocess.Popen([sys.executable, "-c", STORE, str(output), "live", "wait"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        work = pathlib.Path(live.stdout.readline().strip())
        assert work.is_dir() and work.name.startswith(".it-r1.building-")
        assert leftovers(output) == []  # a build at work is not a leftover
        with pytest.raises(ArchiveError, match="another run is writing this edition"):
            with EditionLock(output, "2017Q1", "ITC4", "it", timeout=0.2):
                pass
        assert work.is_dir()
    finally:
        live.kill()
        live.wait()
    assert leftovers(output) == [
        f"{work}: the folder of an interrupted build (the next run on this edition removes it)"]
    with EditionLock(output, "2017Q1", "ITC4", "it"):
        assert not work.exists()


def test_killed_while_the_replaced_edition_is_removed_the_next_rebuild_succeeds(workspace, capsys):
    """The issue's stuck edition, through the command line: the kill falls while `.it-r1.old` is
    being removed; a later revision of the figures must still be built."""
    output = workspace / "output"
    assert build(workspace) == 0
    revise_2017q1_value(workspace)
    killed = subprocess.run([sys.executable, "-m", "bulletin.cli", "build", "--data", str(workspace / "data"),
                             "--out", str(output)], cwd=workspace,
                            env={**os.environ, "BULLETIN_KILL_AT": "mid-removal"})
    assert killed.returncode == -9
    capsys.readouterr()
    assert main(["archive", "verify", "--out", str(output)]) == 1
    assert "a folder whose removal was interrupted" in capsys.readouterr().out
    revise_2017q1_value(workspace, factor=1.02)
    assert build(workspace) == 0
    assert main(["archive", "verify", "--out", str(output)]) == 0
    assert sorted(p.name for p in (output / "2017Q1" / "ITC4").iterdir()) == [".it.lock", "it-r1"]
