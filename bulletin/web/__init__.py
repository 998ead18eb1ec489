"""The web stage: the edition as a web page beside its PDF, and the archive's own pages.

    write_web_edition(inputs, files, folder, WebPages(templates))  # folder/index.html, from the PDF's inputs
    write_archive_pages(config)                                    # output/index.html, feed.xml, assets/

The page of an edition is written by every build, in the edition's folder before it is archived
(`edition`); the archive's index and feed are rewritten after every build (`archive`). Both are
Jinja2 templates under `templates/web/` (`pages`), the charts their SVG drawings (`svg`).
"""
from __future__ import annotations

from bulletin.web.archive import write_archive_pages
from bulletin.web.edition import EditionFiles, write_web_edition
from bulletin.web.pages import WebPages

__all__ = ["EditionFiles", "WebPages", "write_archive_pages", "write_web_edition"]
