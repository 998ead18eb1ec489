"""A chart's SVG, as matplotlib writes it, made fit to stand inside a web page.

matplotlib writes a whole document: an XML prolog, a doctype, ids of its clip paths and
markers that another chart's drawing may repeat, and the font family under the private name the
charts register the brand's fonts as (`charts.canvas.brand_family`). Inline, the ids of one
chart must not collide with another's, the text must name the family the stylesheet declares,
and the drawing must say what it is to a reader who cannot see it: `role="img"`, its title as
its accessible name, its alternative text (`Chart.alt`) as its description.
"""
from __future__ import annotations

import re
from html import escape

_PROLOG = re.compile(r"\A.*?(?=<svg[\s>])", re.S)
_ID = re.compile(r'\bid="([^"]+)"')
_REFERENCE = re.compile(r'(url\(#|xlink:href="#|href="#)([^)"]+)')
_FAMILY = re.compile(r"font-family: '?BulletinBrand[0-9a-f]+'?")
_OPEN_TAG = re.compile(r"<svg\b([^>]*)>")
_SIZE = re.compile(r'\s(width|height)="[^"]*"')


def inline_svg(svg: str, name: str, title: str, description: str, family: str) -> str:
    """The SVG document `svg` of chart `name` as an element to put in a page: ids prefixed with
    `chart-<name>-`, text in the CSS `family`, fixed width and height dropped (the stylesheet
    sizes it), and the title and description as its accessible name and description."""
    prefix = f"chart-{name}-"
    element = _PROLOG.sub("", svg, count=1)
    element = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', element)
    element = _REFERENCE.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", element)
    element = _FAMILY.sub(f"font-family: {family}", element)
    opening = _OPEN_TAG.search(element)
    if opening is None:
        raise ValueError(f"chart {name!r}: no <svg> element in its drawing")
    attributes = _SIZE.sub("", opening.group(1))
    accessible = (f'<svg{attributes} role="img" aria-labelledby="{prefix}title" aria-describedby="{prefix}desc" '
                  f'focusable="false">\n<title id="{prefix}title">{escape(title, quote=False)}</title>\n'
                  f'<desc id="{prefix}desc">{escape(description, quote=False)}</desc>')
    return element[:opening.start()] + accessible + element[opening.end():]
