"""The configuration: loaded as defaults, file, environment, flags; every option described once."""
from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from bulletin.config import (PASSWORD_VARIABLE, SECTIONS, commented_config, file_options, load_config,
                             option_docs)
from bulletin.errors import ConfigError

from conftest import REPO

OPTION_LINE = re.compile(r"^# (\w+) = (.*)$", re.MULTILINE)


def uncommented(text: str) -> str:
    """The commented file with every option line made live, except the ones unset by default."""
    return OPTION_LINE.sub(lambda m: "" if m[2] == '"PATH"' else f"{m[1]} = {m[2]}", text)


def test_every_option_is_described_and_listed_in_the_generated_file():
    docs = option_docs()
    listed = tomllib.loads(OPTION_LINE.sub(r"\1 = 0", commented_config()))
    for section, cls in SECTIONS.items():
        names = [f.name for f in file_options(cls)]
        assert docs[section] and all(docs[f"{section}.{name}"] for name in names), section
        assert list(listed[section]) == names
    assert "password" not in listed["mail"]  # only from the environment


def test_the_generated_file_loads_to_the_defaults_commented_or_not(tmp_path):
    defaults = load_config(env={}, cwd=tmp_path)
    for text in (commented_config(), uncommented(commented_config())):
        (tmp_path / "bulletin.toml").write_text(text, encoding="utf-8")
        assert replace(load_config(env={}, cwd=tmp_path), file=None) == defaults


def test_the_example_in_the_repository_is_the_generated_file():
    example = (REPO / "bulletin.example.toml").read_text(encoding="utf-8")
    assert example == commented_config(), (
        "bulletin.example.toml is out of date; regenerate it with\n  python -c \"from bulletin.config import "
        "commented_config; print(commented_config(), end='')\" > bulletin.example.toml")


def test_every_bad_option_is_reported_at_once_by_name(tmp_path):
    path = tmp_path / "bulletin.toml"
    path.write_text('[mail]\nsmtp_port = "x"\nsecurity = "tls"\npassword = "secret"\n[schedule]\nat = "7"\n'
                    '[edition]\nlanguages = ["fr"]\n[nonsense]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path, env={})
    message = str(raised.value)
    for option in ("mail.smtp_port", "mail.security", "mail.password", "schedule.at", "edition.languages"):
        assert f"'{option}'" in message
    assert "section 'nonsense'" in message and "secret" not in message


def test_file_then_environment_then_flags(tmp_path):
    path = tmp_path / "bulletin.toml"
    path.write_text('[paths]\ndata = "mine"\noutput = "/srv/archive"\n[mail]\nsmtp_port = 587\n', encoding="utf-8")
    config = load_config(path, env={PASSWORD_VARIABLE: "secret"}, overrides={"paths.output": tmp_path / "flag"})
    assert config.paths.data == tmp_path / "mine"  # relative to the file, not to the current folder
    assert config.paths.output == tmp_path / "flag"
    assert config.mail.smtp_port == 587 and config.mail.password == "secret" and "secret" not in repr(config)


def test_paths_on_the_command_line_are_relative_to_where_it_runs(tmp_path):
    """`--config /etc/x.toml --out out` writes to ./out, not next to the configuration file."""
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "bulletin.toml").write_text('[paths]\ndata = "data"\n', encoding="utf-8")
    here = tmp_path / "here"
    config = load_config(folder / "bulletin.toml", env={}, overrides={"paths.output": Path("out")}, cwd=here)
    assert config.paths.output == here / "out"
    assert config.paths.data == folder / "data"
