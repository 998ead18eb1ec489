"""`bulletin init`: a working folder in which `bulletin build` works at once.

It holds what a new user needs, as plain files to read and change: `bulletin.toml` with every
option commented (generated from the configuration's own descriptions), the sample data the
package ships, `data/notes/` for the editor's comments and an empty `templates/` folder whose
files replace the shipped ones.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from bulletin.config import CONFIG_FILE_NAME, commented_config
from bulletin.errors import ConfigError
from bulletin.templates import SHIPPED_TEMPLATES

# Package data; in a source checkout a link to the repository's `data/`, so there is one copy.
SAMPLE_DATA = Path(__file__).resolve().parent / "sample"

NOTES_README = """\
The editor's comments. A Markdown file named after a quarter, such as 2017Q1.md, is printed as the
commentary of that quarter's editions, in every language. 2017Q1.en.md, if there is one, is printed
in the English editions instead (and 2017Q1.it.md in the Italian ones): a note for the Italian
editions only is 2017Q1.it.md alone. `paths.notes` in bulletin.toml can point elsewhere.
"""

TEMPLATES_README = """\
Your own texts and brand. A file put here replaces the shipped file of the same name, one file at
a time; every other file still comes from the package. For example:

  templates/brand/logo.svg        the logo on the cover and in the page header
  templates/brand/brand.toml      organisation, footer, colours and fonts
  templates/it/narrative.toml     the sentences of the Italian commentary
  templates/en/labels.toml        headings and labels of the English edition

Start from a copy of the shipped file; they are in
  {shipped}
"""


def init_workspace(folder: Path) -> None:
    """Write the working folder. A folder with anything in it is refused, so nothing is overwritten."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ConfigError(f"{folder} already exists and is not empty: give a new or empty folder")
    if not (SAMPLE_DATA / "services.csv").is_file():
        raise ConfigError(f"the sample data is not installed with the package (looked in {SAMPLE_DATA})")
    trade = folder / "data" / "trade"
    trade.mkdir(parents=True)
    # The same files as the package data in pyproject.toml: a checkout also has the data cache.
    for source in sorted((SAMPLE_DATA / "trade").glob("*.csv.gz")):
        shutil.copyfile(source, trade / source.name)
    shutil.copyfile(SAMPLE_DATA / "services.csv", folder / "data" / "services.csv")
    (folder / "data" / "notes").mkdir()
    (folder / "data" / "notes" / "README.txt").write_text(NOTES_README, encoding="utf-8")
    (folder / "templates").mkdir()
    (folder / "templates" / "README.txt").write_text(TEMPLATES_README.format(shipped=SHIPPED_TEMPLATES),
                                                      encoding="utf-8")
    (folder / CONFIG_FILE_NAME).write_text(commented_config(), encoding="utf-8")
