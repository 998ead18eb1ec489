"""Quarters as the data write them: "2017Q1"."""
from __future__ import annotations

import re

# ASCII digits and nothing after: \d would take "２０１７Q1" and $ would take "2017Q1\n" as quarters.
QUARTER_PATTERN = re.compile(r"([0-9]{4})Q([1-4])")


def parse_quarter(quarter: str) -> tuple[int, int]:
    """The year and the quarter's number; ValueError if it is not a quarter like 2017Q1."""
    match = QUARTER_PATTERN.fullmatch(quarter)
    if not match:
        raise ValueError(f"not a quarter like 2017Q1: {quarter!r}")
    return int(match.group(1)), int(match.group(2))


def quarter_sort_key(quarter: str) -> tuple[int, int]:
    return parse_quarter(quarter)


def shift_quarter(quarter: str, quarters: int) -> str:
    """The quarter that many quarters later (earlier when negative)."""
    year, q = parse_quarter(quarter)
    index = year * 4 + (q - 1) + quarters
    return f"{index // 4}Q{index % 4 + 1}"
