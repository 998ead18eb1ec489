"""The note a revised edition opens with: which headline figures changed since the edition it
replaces, from what to what, as each edition printed them.

A revision (r2, r3 …) is made when the figures of an edition already sent change (ISTAT revises
its provisional figures). Its readers have the earlier edition in hand, so the revision says at
the top of its summary what they read there and what they read now. The note is derived from
the two editions' figures, never stored with them: `indicators.json` holds the figures only, and
its digest decides whether there is a revision at all.

The headline figures are those a reader takes away and the check before sending reads back
(`indicators.consistency.derive_headline`): exports, imports, the balance, the change of exports
and the share of Italy. A figure counts as changed when it prints differently; two amounts that
print alike but differ are given one decimal more (`formatting.money_pair`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


from bulletin.indicators.compute import Indicators
from bulletin.text import formatting
from bulletin.text.wording import Wording

# The headline figures in the order the note names them: key in narrative.toml
# (`revision_<figure>`), where the figure is in `indicators.json`, and how it is printed.
HEADLINE_FIGURES = (
    ("exports", ("exports", "value_eur"), "money"),
    ("imports", ("imports", "value_eur"), "money"),
    ("balance", ("balance_eur",), "money"),
    ("exports_change", ("exports", "yoy_pct"), "pct"),
    ("share_of_italy", ("exports", "share_of_national_pct"), "share"),
)


@dataclass(frozen=True)
class FigureChange:
    figure: str   # one of HEADLINE_FIGURES' keys
    old: str      # as the revised edition printed it
    new: str      # as this edition prints it


@dataclass(frozen=True)
class Revision:
    """What a revision's note says: the edition it replaces (its revision number and the day it
    was published) and the headline figures that changed."""

    previous: int
    published: dt.date
    changes: tuple[FigureChange, ...]


def headline_changes(previous: dict, current: Indicators, lang: str) -> tuple[FigureChange, ...]:
    """The headline figures that print differently in `current` than in `previous` (the revised
    edition's `indicators.json`), each as the two editions print it."""
    now = current.to_dict()
    changes = []
    for figure, path, kind in HEADLINE_FIGURES:
        old, new = _at(previous, path), _at(now, path)
        if old == new:
            continue
        if kind == "money":
            printed = formatting.money_pair(old, new, lang)
        else:
            printed = getattr(formatting, kind)(old, lang), getattr(formatting, kind)(new, lang)
        if printed[0] != printed[1]:
            changes.append(FigureChange(figure, *printed))
    return tuple(changes)


def revision_note(revision: Revision, w: Wording) -> str:
    """"Revisione: rispetto all'edizione del 1° dicembre 2026, le esportazioni passano da … a …"."""
    date = formatting.long_date(revision.published, w.lang)
    if not revision.changes:
        return w.fill("revision_note_unchanged", date=date, previous=revision.previous)
    changes = [w.fill(f"revision_{change.figure}", old=w.fig(change.old), new=w.fig(change.new))
               for change in revision.changes]
    return w.fill("revision_note", date=date, previous=revision.previous, changes=w.join_clauses(changes))


def _at(figures: dict, path: tuple[str, ...]):
    for key in path:
        figures = figures.get(key) if isinstance(figures, dict) else None
    return figures
