"""The package installs and runs anywhere: package data, `bulletin init`, the template search path.

The last test builds a wheel, installs it into a new virtual environment and makes an edition in
a folder that `bulletin init` wrote, as a new user would, far from the repository.
"""
from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from bulletin.brand import configured_brand, load_brand
from bulletin.cli import main
from bulletin.config import commented_config, load_config
from bulletin.errors import ConfigError
from bulletin.templates import SHIPPED_TEMPLATES, Templates
from bulletin.workspace import SAMPLE_DATA, init_workspace

from conftest import REPO

SAMPLE_FILES = ["services.csv", *(f"trade/{p.name}" for p in sorted((SAMPLE_DATA / "trade").glob("*.csv.gz")))]


def files_below(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_the_sample_shipped_with_the_package_is_the_repository_data():
    assert files_below(SAMPLE_DATA / "trade") and (SAMPLE_DATA / "services.csv").is_file()
    assert all((SAMPLE_DATA / name).read_bytes() == (REPO / "data" / name).read_bytes() for name in SAMPLE_FILES)


def test_init_writes_a_working_folder(tmp_path):
    init_workspace(tmp_path / "work")
    work = tmp_path / "work"
    assert files_below(work) == sorted(["bulletin.toml", "data/notes/README.txt", "templates/README.txt",
                                        *(f"data/{name}" for name in SAMPLE_FILES)])
    assert (work / "bulletin.toml").read_text(encoding="utf-8") == commented_config()
    assert all((work / "data" / name).read_bytes() == (SAMPLE_DATA / name).read_bytes() for name in SAMPLE_FILES)
    assert "templates/brand/logo.svg" in (work / "templates" / "README.txt").read_text(encoding="utf-8")
    config = load_config(env={}, cwd=work)
    assert (config.paths.data, config.paths.templates) == (work / "data", work / "templates")


def test_init_takes_an_empty_folder_and_refuses_one_with_anything_in_it(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["init", str(tmp_path / "empty")]) == 0
    assert "bulletin build" in capsys.readouterr().out
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me", encoding="utf-8")
    for folder in (tmp_path / "mine", tmp_path / "mine" / "notes.txt", tmp_path / "empty"):
        assert main(["init", str(folder)]) == 2
        assert capsys.readouterr().err == f"error: {folder} already exists and is not empty: give a new or empty folder\n"
    assert files_below(tmp_path / "mine") == ["notes.txt"]


def test_a_user_template_replaces_the_shipped_one_file_by_file(tmp_path):
    (tmp_path / "it").mkdir()
    (tmp_path / "it" / "labels.toml").write_text('title = "Il mio bollettino"\n', encoding="utf-8")
    templates = Templates(tmp_path)
    assert templates.find("it/labels.toml") == tmp_path / "it" / "labels.toml"
    assert templates.find("it/narrative.toml") == SHIPPED_TEMPLATES / "it" / "narrative.toml"


def test_a_user_logo_replaces_the_shipped_one_and_keeps_the_fonts(tmp_path):
    (tmp_path / "templates" / "brand").mkdir(parents=True)
    logo = tmp_path / "templates" / "brand" / "logo.svg"
    shutil.copyfile(SHIPPED_TEMPLATES / "brand" / "logo.svg", logo)
    brand = configured_brand(load_config(env={}, cwd=tmp_path))
    assert brand.logo == logo
    assert brand.fonts["regular"] == SHIPPED_TEMPLATES / "brand" / "fonts" / "OpenSans-Regular.ttf"
    assert brand.colours == load_brand(SHIPPED_TEMPLATES / "brand").colours


def test_a_missing_template_names_every_folder_searched(tmp_path):
    with pytest.raises(ConfigError) as raised:
        Templates(tmp_path / "mistyped").find("it/nowhere.toml")
    assert str(raised.value) == (f"template 'it/nowhere.toml' not found in {tmp_path / 'mistyped'} (missing), "
                                 f"{SHIPPED_TEMPLATES}")


def test_a_missing_brand_file_names_the_folders_searched(tmp_path):
    (tmp_path / "templates" / "brand").mkdir(parents=True)
    brand_toml = (SHIPPED_TEMPLATES / "brand" / "brand.toml").read_text(encoding="utf-8")
    (tmp_path / "templates" / "brand" / "brand.toml").write_text(brand_toml.replace("logo.svg", "mine.svg"),
                                                                 encoding="utf-8")
    config = load_config(env={}, cwd=tmp_path)
    with pytest.raises(ConfigError, match=r"logo: template 'brand/mine.svg' not found in .*templates, "):
        configured_brand(config)
    with pytest.raises(ConfigError, match=r"brand file .*elsewhere.brand.toml not found"):
        configured_brand(replace(config, paths=replace(config.paths, brand=tmp_path / "elsewhere")))


def test_a_wheel_installed_elsewhere_builds_an_edition_in_a_folder_from_init(tmp_path):
    """Built offline with the setuptools of this environment; the new environment borrows its
    dependencies from this one but can import `bulletin` only from the wheel."""
    source = tmp_path / "source"  # a copy, so that the build leaves nothing in the repository
    source.mkdir()
    shutil.copy(REPO / "pyproject.toml", source)
    shutil.copy(REPO / "README.md", source)
    shutil.copytree(REPO / "bulletin", source / "bulletin", ignore=shutil.ignore_patterns("__pycache__", ".*"))
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", tmp_path / "wheel", source], cwd=tmp_path)
    [wheel] = (tmp_path / "wheel").glob("bulletin-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    for name in ["bulletin/templates/brand/brand.toml", "bulletin/templates/brand/fonts/OpenSans-Regular.ttf",
                 "bulletin/templates/it/narrative.toml", "bulletin/templates/en/labels.toml",
                 *(f"bulletin/sample/{name}" for name in SAMPLE_FILES)]:
        assert name in shipped
    assert not [name for name in shipped if "/." in name or name.startswith("tests/")]

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", venv], cwd=tmp_path)
    python, bulletin = venv / "bin" / "python", venv / "bin" / "bulletin"
    [venv_site] = run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=tmp_path).split()
    # Plain paths, not site folders: the .pth files there (this repository's editable install) stay unread.
    (Path(venv_site) / "borrowed-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel],
        cwd=tmp_path)

    imported = run([python, "-c", "import bulletin; print(bulletin.__file__)"], cwd=tmp_path).strip()
    assert Path(imported).is_relative_to(venv_site), imported
    run([bulletin, "init", "work"], cwd=tmp_path)
    pdf = Path(run([bulletin, "build"], cwd=tmp_path / "work").strip())
    assert pdf.is_relative_to(tmp_path / "work" / "output" / "2017Q1" / "ITC4") and pdf.suffix == ".pdf"
    assert pdf.read_bytes().startswith(b"%PDF")


def run(command: list, cwd: Path) -> str:
    """Run a command with a clean environment; its output, or the failure with stderr."""
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, f"{command[:3]} failed:\n{done.stderr[-3000:]}"
    return done.stdout
