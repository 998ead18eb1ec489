"""The README's pictures: the Lombardy Italian edition of the shipped sample, built into a new
archive; three of its PDF's pages (the cover and the pages where the products and the provinces
sections start) rendered by poppler's `pdftoppm` at 60 dpi, and its web page opened in headless
Chromium at 1280 and 360 px.

    python scripts/screenshots.py [--out docs]

Needs poppler-utils (`pdftotext`, `pdftoppm`) and what the browser tests need (`scripts/install-test-tools`: chromium, chromedriver) and
selenium (`pip install -e ".[test]"`). The build is dated like the reference edition
(SOURCE_DATE_EPOCH), so the pictures change only when the page does.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

REPO = Path(__file__).resolve().parent.parent
WIDTHS = (1280, 360)
TALLEST = {1280: 2000, 360: 3100}  # px: the top of the page, where a reader starts
PAGES = {"cover": None, "products": "Prodotti", "provinces": "Province"}  # picture: the heading its page starts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "output"
        subprocess.run([sys.executable, "-m", "bulletin.cli", "build", "--data", str(REPO / "data"), "--out", str(out),
                        "--quarter", "2017Q1", "--territory", "ITC4", "--lang", "it"], check=True,
                       env={**os.environ, "SOURCE_DATE_EPOCH": "1489968000"})
        page = next(out.glob("2017Q1/ITC4/it-r*/index.html"))
        write_pages(next(page.parent.glob("*.pdf")), args.out)
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"):
            options.add_argument(flag)
        driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
        try:
            for width in WIDTHS:
                driver.set_window_size(width, 800)
                driver.get(page.as_uri())
                height = min(TALLEST[width], driver.execute_script("return document.documentElement.scrollHeight"))
                driver.set_window_size(width, height)
                target = args.out / f"web-{width}.png"
                driver.save_screenshot(str(target))
                print(target)
        finally:
            driver.quit()


def write_pages(pdf: Path, folder: Path) -> None:
    """`docs/page-<name>.png` for each of `PAGES`: the cover, or the first page after the contents
    whose text has a line that is the section's heading."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout.split("\f")
    for name, heading in PAGES.items():
        number = 1 if heading is None else next(
            index + 1 for index, page in enumerate(text) if index > 1
            and any(line.strip() == heading for line in page.splitlines()))
        stem = folder / f"page-{name}"
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(number), "-l", str(number), "-singlefile",
                        str(pdf), str(stem)], check=True)
        print(f"{stem}.png")


if __name__ == "__main__":
    main()
