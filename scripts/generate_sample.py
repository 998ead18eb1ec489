#!/usr/bin/env python
"""Generate the sample data the project ships: hi-tech trade of Lombardy and the services file.

The data are synthetic but built to look like ISTAT's Coeweb extractions, and fully
deterministic: every random draw comes from a numpy Generator seeded with SEED and with keys that
name what is drawn (flow, purpose, quarter), so that running the script twice gives byte-identical
files and the quarters up to 2017Q1 do not depend on --until/--only.

Construction (per flow, export and import):

1. Two anchor quarters, 2016Q1 and 2017Q1. For each, a region matrix M[product, partner] is fitted
   by iterative proportional fitting (IPF) to the Lombardy product and partner totals below.
2. Each region cell is split into the 12 provinces plus an "unallocated" part (2-6% of the cell,
   about 3% overall: what the statistics office assigns to no province). The province x product
   totals are fitted first (IPF with pinned province totals and pinned cells), then the
   province x product x partner cube by a 3-way IPF whose margins are the province x product
   totals and the allocated part of the region matrix (plus a pinned Varese/France total).
   Small provinces are sparse: a (province, product, partner) cell exists only if it is expected
   to be worth something, and the same support is used for every quarter.
3. The rest of Italy is another matrix fitted to its own product and partner totals;
   Italy = Lombardy + rest of Italy, cell by cell.
4. Other quarters: 2016Q2..2016Q4 interpolate linearly between the anchors, quarters before 2016Q1
   go back from 2016Q1 with a per-product annual growth, quarters after 2017Q1 go forward from
   2017Q1 with the same growth. All are multiplied by a seasonal factor and by a noise factor that
   is the same for a (flow, product, partner, quarter) in every territory.
5. Each component (province, unallocated, rest of Italy) is rounded to integer euros with a
   largest-remainder step (so pinned integer totals are exact); Lombardy = provinces +
   unallocated and Italy = Lombardy + rest of Italy are computed after rounding, so
   provinces <= Lombardy <= Italy holds exactly, cell by cell, in every quarter.

National scale (--scale national): see the section of that name below.

Usage:
    python scripts/generate_sample.py [--out DIR] [--until 2017Q1 | --only 2017Q2 | --quarters N] [--no-check]
    python scripts/generate_sample.py --scale national --out DIR [--until 2021Q1 | --quarters N]
"""
from __future__ import annotations

import argparse
import csv
import gzip
import io
import re
import sys
import time
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bulletin.reference import PRODUCTS as _REF_PRODUCTS  # noqa: E402
from bulletin.reference import TERRITORIES, partner_area, partner_codes, provinces_of  # noqa: E402

SEED = 20170517
MN = 1e6  # the design tables below are in millions of euros

TRADE_HEADER = ["period", "flow", "territory", "product", "partner", "value_eur"]
SERVICES_HEADER = ["period", "provider", "service", "firms", "smes", "activities"]

FLOWS = ("export", "import")
REGION, NATIONAL = "ITC4", "IT"
PROVINCES = provinces_of(REGION)
PRODUCTS = list(_REF_PRODUCTS)
PARTNERS = (
    "US DE CH FR GB JP CN ES NL BE AT PL RU TR BR IN KR SG AE SA HK MX CA AU SE DK IE CZ HU RO "
    "GR PT IL EG ZA TW TH MY ID VN NO FI SK SI HR BG AR CL LU MA DZ TN QA KW NZ UA QU"
).split()
P, K, J = len(PROVINCES), len(PRODUCTS), len(PARTNERS)
PI = {c: i for i, c in enumerate(PROVINCES)}
KI = {c: i for i, c in enumerate(PRODUCTS)}
JI = {c: i for i, c in enumerate(PARTNERS)}

SEASONAL = {1: 1.00, 2: 1.06, 3: 0.90, 4: 1.05}
NOISE_SIGMA = 0.045
SPARSE_THRESHOLD = 0.15 * MN  # expected quarterly value under which a small-province cell is dropped
SPARSE_KEEP_SHARE = 0.85  # ... but each (province, product) keeps its top partners up to this share

FIRST_QUARTER = "2013Q1"
ANCHOR0, ANCHOR1 = "2016Q1", "2017Q1"
DEFAULT_UNTIL = "2017Q1"


# --------------------------------------------------------------------------------------------
# Quarters and random streams
# --------------------------------------------------------------------------------------------

def qindex(quarter: str) -> int:
    m = re.fullmatch(r"(\d{4})Q([1-4])", quarter)
    if not m:
        raise ValueError(f"not a quarter: {quarter!r} (expected e.g. 2017Q1)")
    return int(m.group(1)) * 4 + int(m.group(2)) - 1


def qlabel(n: int) -> str:
    return f"{n // 4}Q{n % 4 + 1}"


def rng(*keys: object) -> np.random.Generator:
    """A generator that depends only on SEED and on the keys naming what is drawn."""
    return np.random.default_rng([SEED] + [zlib.crc32(str(k).encode("utf-8")) for k in keys])


# --------------------------------------------------------------------------------------------
# Design tables (millions of euros unless said)
# --------------------------------------------------------------------------------------------
# Product order: 21.1 21.2 26.1 26.2 26.3 26.4 26.5 26.6 26.7 26.8 30.3

DESIGN = {
    "export": {
        "lombardy": (3150 / 1.13, 3150.0),  # 2016Q1, 2017Q1: +13.0%
        "italy": (10000 / 1.06, 10000.0),  # +6.0%
        # 2017Q1 value, 2016Q1->2017Q1 growth; pinned growths are kept exactly, the others are
        # rescaled together so that the 2016Q1 products add up to the region total.
        "products": {
            "21.1": (325, -0.04), "21.2": (1050, 0.495, "pin"), "26.1": (225, 0.10),
            "26.2": (310, -0.03), "26.3": (340, 0.12), "26.4": (15, -0.08), "26.5": (480, 0.08),
            "26.6": (110, 0.05), "26.7": (50, 0.02), "26.8": (5, -0.10), "30.3": (240, -0.12),
        },
        # 2017Q1 value (pinned values are kept, the others rescaled to the region total), growth
        "partners": {
            "US": (409, 0.68, "pin", "pin"), "DE": (293, 0.09, "pin"), "CH": (288, 0.07, "pin"),
            "FR": (255, 0.06), "GB": (171, 0.49, "pin", "pin"), "JP": (132, 0.45, "pin", "pin"),
            "CN": (150, 0.12), "BE": (125, 0.10), "ES": (120, 0.05), "NL": (110, 0.04),
            "RU": (60, -0.06), "TR": (60, 0.08), "PL": (55, 0.11), "BR": (50, -0.04),
            "KR": (52, 0.13), "AT": (55, 0.03), "AE": (50, 0.02), "IN": (42, 0.16),
            "HK": (42, 0.07), "CA": (40, 0.09), "AU": (38, 0.05), "SA": (38, -0.08),
            "SG": (38, 0.10), "MX": (35, 0.06), "SE": (32, 0.04), "IE": (32, 0.12),
            "CZ": (30, 0.07), "DK": (25, 0.03), "HU": (25, 0.09), "RO": (25, 0.10),
            "TW": (24, 0.08), "GR": (20, -0.02), "PT": (20, 0.05), "IL": (20, 0.06),
            "ZA": (18, 0.01), "EG": (15, -0.10), "TH": (15, 0.07), "MY": (12, 0.05),
            "NO": (12, 0.02), "FI": (10, 0.04), "SK": (10, 0.09), "SI": (8, 0.05), "AR": (8, 0.14),
            "ID": (8, 0.10), "VN": (8, 0.18), "QA": (8, 0.06), "HR": (7, 0.03), "BG": (6, 0.07),
            "CL": (6, 0.05), "MA": (6, 0.08), "DZ": (6, -0.09), "TN": (5, 0.04), "KW": (5, 0.02),
            "UA": (5, 0.15), "LU": (4, 0.03), "NZ": (4, 0.06), "QU": (3, 0.00),
        },
        # product x partner affinities of the region matrix (multiplied by lognormal noise)
        "affinity": {
            "21.2": {"US": 2.2, "GB": 1.6, "JP": 1.9, "BE": 1.5, "CH": 1.0, "NL": 1.2, "FR": 0.7,
                     "CN": 0.6, "DE": 0.9},
            "21.1": {"CH": 1.8, "IN": 2.0, "US": 1.3, "DE": 1.2, "IE": 1.8, "FR": 0.8},
            "26.5": {"CH": 2.0, "DE": 1.3, "US": 1.1, "CN": 1.4, "FR": 1.0, "GB": 0.8},
            "30.3": {"FR": 2.4, "US": 1.3, "GB": 1.8, "DE": 1.0, "TR": 2.0, "AE": 2.0, "SA": 1.6,
                     "CH": 0.3, "JP": 0.6},
            "26.3": {"ES": 1.6, "FR": 1.3, "DE": 1.2, "RU": 1.6, "TR": 1.5, "BR": 1.6, "JP": 0.6},
            "26.1": {"DE": 1.6, "CN": 1.8, "US": 1.1, "CH": 0.9, "FR": 1.2, "HU": 1.8},
            "26.2": {"DE": 1.3, "FR": 1.3, "ES": 1.3, "GB": 1.2, "CH": 0.8},
            "26.6": {"US": 1.2, "DE": 1.3, "FR": 1.2, "SA": 1.4},
            "26.7": {"CH": 1.5, "DE": 1.2, "HK": 1.5},
        },
        # 2016Q1 adjustments of the region matrix before refitting (the 2017 pharma surge)
        "anchor0_tweak": {("21.2", "US"): 0.70, ("21.2", "GB"): 0.80, ("21.2", "JP"): 0.80},
        # provinces: (2016Q1, 2017Q1, pinned?) totals; unpinned totals are rescaled together
        "provinces": {
            "ITC4C": (1500 / 1.131, 1500.0, True),  # Milano: 15.0% of Italy, +13.1%
            "ITC4D": (570 / 1.701, 570.0, True),  # Monza e della Brianza: 5.7% of Italy, +70.1%
            "ITC41": (362.0, 258.0, True),  # Varese
            "ITC4A": (11.271607, 15.948706, True),  # Cremona: exact euros
            "ITC49": (171.0, 180.0, False),  # Lodi
            "ITC46": (141.0, 150.0, False),  # Bergamo
            "ITC48": (115.0, 120.0, False),  # Pavia
            "ITC47": (83.0, 90.0, False),  # Brescia
            "ITC42": (68.0, 70.0, False),  # Como
            "ITC43": (45.5, 50.0, False),  # Lecco
            "ITC4B": (35.7, 35.0, False),  # Mantova
            "ITC44": (15.2, 16.0, False),  # Sondrio
        },
        # province x product profiles (relative weights; 0 = the province never trades it)
        "profiles": {
            "ITC4C": [12, 40, 3, 12, 10, 0.5, 15, 4, 2, 0.3, 2],
            "ITC4D": [4, 15, 40, 10, 6, 1, 14, 8, 3, 0.5, 1],
            "ITC41": [5, 12, 6, 4, 5, 0.5, 9, 6, 2, 0.2, 60],
            "ITC49": [15, 12, 2, 3, 50, 0.5, 6, 3, 1, 0, 0],
            "ITC46": [10, 25, 12, 5, 6, 1, 18, 10, 4, 0.5, 6],
            "ITC48": [30, 40, 3, 3, 3, 0.3, 8, 8, 2, 0, 0],
            "ITC47": [3, 10, 10, 5, 5, 2, 30, 15, 8, 0.5, 5],
            "ITC42": [5, 15, 15, 8, 5, 2, 25, 10, 10, 0.5, 0],
            "ITC43": [2, 5, 25, 5, 10, 2, 30, 8, 8, 0, 2],
            "ITC4B": [10, 30, 10, 5, 3, 2, 20, 10, 5, 0, 0],
            "ITC4A": [20, 30, 5, 5, 3, 0, 15, 15, 5, 0, 0],
            "ITC44": [5, 10, 20, 5, 5, 0, 30, 10, 15, 0, 0],
        },
        # pinned province x product cells: (province, product) -> (2016Q1, 2017Q1)
        "pinned_cells": {("ITC41", "30.3"): (200.0, 139.0)},
        # how much bigger a 2017Q1 province cell is than its 2016Q1 seed, beyond the product trend
        "province_hints": {
            "ITC4D": {"21.2": 2.4, "26.1": 1.2, "*": 1.5},
            "ITC41": {"*": 0.75},
        },
        # province x partner affinities
        "province_affinity": {
            "ITC41": {"FR": 5.0, "US": 0.5, "GB": 0.8, "DE": 0.8, "TR": 0.6, "AE": 0.6, "SA": 0.6},
            "ITC4D": {"CN": 1.5, "DE": 1.3, "HU": 1.5},
            "ITC49": {"ES": 1.5, "FR": 1.3},
            "ITC48": {"IN": 1.5, "CH": 1.4},
        },
        # pinned province x partner totals at 2017Q1
        "pinned_partner": {("ITC41", "FR"): 40.0},
        "rest_products": [500, 2600, 500, 300, 300, 100, 800, 300, 250, 50, 1150],
        "rest_growth": [0.03, 0.05, 0.02, -0.02, 0.04, -0.05, 0.03, 0.04, 0.02, -0.05, 0.01],
        # annual growth per product before 2016Q1 and after 2017Q1
        "trend": [0.03, 0.06, 0.02, -0.02, 0.04, -0.05, 0.035, 0.05, 0.03, -0.06, 0.04],
    },
    "import": {
        "lombardy": (6350 / 1.05, 6350.0),
        "italy": (11600 / 1.045, 11600.0),
        "products": {
            "21.1": (600, 0.04), "21.2": (1900, 0.08), "26.1": (500, 0.02), "26.2": (1100, 0.03),
            "26.3": (800, 0.06), "26.4": (250, -0.05), "26.5": (550, 0.05), "26.6": (300, 0.07),
            "26.7": (150, 0.02), "26.8": (50, -0.08), "30.3": (150, 0.10),
        },
        "partners": {
            "DE": (1100, 0.04), "CN": (900, 0.09), "US": (700, 0.05), "NL": (550, 0.06),
            "CH": (450, 0.03), "FR": (400, 0.02), "IE": (350, 0.12), "BE": (300, 0.05),
            "JP": (220, 0.03), "GB": (200, 0.01), "KR": (120, 0.10), "TW": (110, 0.08),
            "ES": (110, 0.04), "SG": (80, 0.06), "AT": (70, 0.03), "SE": (60, 0.02),
            "DK": (60, 0.07), "CZ": (60, 0.09), "HU": (50, 0.08), "PL": (50, 0.11),
            "MY": (50, 0.05), "IL": (45, 0.04), "TH": (40, 0.06), "IN": (40, 0.12),
            "HK": (40, -0.03), "MX": (30, 0.07), "VN": (30, 0.20), "SK": (25, 0.05),
            "RO": (25, 0.08), "FI": (20, 0.02), "SI": (15, 0.04), "PT": (15, 0.06),
            "TR": (15, 0.05), "CA": (15, 0.03), "ID": (12, 0.08),
            "BR": (10, -0.05), "NO": (8, 0.02), "AU": (6, 0.03), "BG": (6, 0.05),
            "HR": (5, 0.04), "RU": (5, -0.10), "AE": (5, 0.05), "GR": (4, 0.02), "LU": (4, 0.03),
            "ZA": (3, 0.02), "MA": (3, 0.05), "TN": (4, 0.06), "SA": (2, 0.01), "EG": (2, 0.03),
            "AR": (2, 0.02), "CL": (2, 0.03), "DZ": (1, 0.00), "QA": (1, 0.02), "KW": (1, 0.02),
            "NZ": (2, 0.04), "UA": (2, 0.05), "QU": (8, 0.00),
        },
        "affinity": {
            "21.2": {"DE": 1.3, "CH": 1.6, "US": 1.4, "IE": 2.5, "BE": 1.8, "NL": 1.3, "CN": 0.3},
            "21.1": {"CN": 2.0, "IN": 3.0, "CH": 1.5, "IE": 1.5, "DE": 1.0},
            "26.1": {"CN": 1.6, "TW": 2.5, "KR": 1.8, "MY": 2.0, "DE": 1.1, "JP": 1.4},
            "26.2": {"CN": 2.0, "NL": 1.5, "CZ": 1.8, "TW": 1.3, "US": 0.8},
            "26.3": {"CN": 2.2, "VN": 2.5, "KR": 1.5, "NL": 1.2, "DE": 0.8},
            "26.4": {"CN": 2.2, "KR": 1.3, "TH": 1.8},
            "26.5": {"DE": 1.5, "US": 1.3, "CH": 1.6, "JP": 1.3, "GB": 1.2},
            "26.6": {"US": 1.6, "DE": 1.5, "NL": 1.2, "JP": 1.2},
            "26.7": {"JP": 2.0, "CN": 1.3, "DE": 1.2},
            "30.3": {"US": 2.0, "FR": 2.2, "GB": 1.8, "DE": 1.2, "CN": 0.3},
        },
        "anchor0_tweak": {},
        "provinces": {
            "ITC4C": (4575 / 1.04, 4575.0, True),  # Milano
            "ITC4A": (25.965314, 23.178971, True),  # Cremona: exact euros
            "ITC49": (385.0, 400.0, False),  # Lodi
            "ITC4D": (315.0, 330.0, False),  # Monza e della Brianza
            "ITC48": (212.0, 220.0, False),  # Pavia
            "ITC46": (160.0, 170.0, False),  # Bergamo
            "ITC41": (150.0, 140.0, False),  # Varese
            "ITC47": (104.0, 110.0, False),  # Brescia
            "ITC42": (58.0, 60.0, False),  # Como
            "ITC43": (37.0, 40.0, False),  # Lecco
            "ITC4B": (31.0, 30.0, False),  # Mantova
            "ITC44": (4.8, 5.0, False),  # Sondrio
        },
        "profiles": {
            "ITC4C": [8, 30, 7, 20, 13, 4, 8, 5, 2, 1, 2],
            "ITC49": [20, 30, 3, 5, 30, 1, 4, 3, 1, 0.5, 0],
            "ITC4D": [4, 15, 25, 15, 10, 4, 12, 8, 4, 1, 1],
            "ITC48": [40, 30, 3, 4, 4, 2, 6, 8, 2, 0.5, 0],
            "ITC46": [10, 15, 15, 8, 8, 4, 15, 10, 5, 1, 8],
            "ITC41": [5, 10, 10, 8, 5, 3, 12, 8, 3, 1, 35],
            "ITC47": [5, 10, 15, 10, 8, 5, 20, 15, 8, 1, 3],
            "ITC42": [8, 15, 12, 10, 8, 5, 20, 12, 8, 1, 1],
            "ITC43": [3, 8, 25, 10, 10, 5, 25, 8, 5, 1, 0],
            "ITC4B": [10, 25, 10, 10, 5, 5, 15, 15, 5, 0, 0],
            "ITC4A": [15, 25, 8, 10, 5, 3, 15, 15, 4, 0, 0],
            "ITC44": [5, 10, 20, 10, 5, 5, 20, 15, 10, 0, 0],
        },
        "pinned_cells": {},
        "province_hints": {"ITC4A": {"*": 0.9}},
        "province_affinity": {
            "ITC49": {"US": 1.5, "IE": 1.5, "CN": 1.3},
            "ITC48": {"IN": 2.0, "CN": 1.5, "CH": 1.3},
            "ITC41": {"US": 1.8, "GB": 1.5, "FR": 1.4},
        },
        "pinned_partner": {},
        "rest_products": [500, 2100, 400, 600, 500, 250, 350, 250, 100, 50, 150],
        "rest_growth": [0.03, 0.05, 0.02, 0.01, 0.04, -0.03, 0.03, 0.05, 0.02, -0.05, 0.04],
        "trend": [0.035, 0.05, 0.02, 0.01, 0.05, -0.02, 0.03, 0.05, 0.02, -0.04, 0.03],
    },
}

SERVICES = [
    # provider, service, firms in 2016Q1, SME share, activities per firm, annual growth
    ("Innovhub SSI", "Prove di laboratorio", 310, 0.78, 4.6, 0.04),
    ("Innovhub SSI", "Ricerca applicata", 42, 0.62, 1.3, 0.06),
    ("Innovhub SSI", "Consulenza tecnico-scientifica", 115, 0.80, 1.7, 0.05),
    ("Innovhub SSI", "Progettazione europea", 24, 0.70, 1.2, 0.08),
    ("Innovhub SSI", "Finanziamenti all'innovazione", 58, 0.86, 1.1, 0.07),
    ("Promos", "Vetrine online per buyer esteri", 175, 0.92, 2.8, 0.09),
    ("Promos", "Assistenza personalizzata", 145, 0.88, 2.2, 0.05),
    ("Promos", "Incontri d'affari con buyer esteri", 120, 0.86, 5.8, 0.06),
    ("Promos", "Formazione per l'internazionalizzazione", 205, 0.90, 1.4, 0.04),
]
SERVICES_SEASONAL = {1: 1.00, 2: 1.07, 3: 0.72, 4: 1.10}
SERVICES_NOISE = 0.03


# --------------------------------------------------------------------------------------------
# Fitting
# --------------------------------------------------------------------------------------------

def _safe_ratio(target: np.ndarray, current: np.ndarray) -> np.ndarray:
    out = np.ones_like(current)
    np.divide(target, current, out=out, where=current > 0)
    return out


def ipf2(seed: np.ndarray, rows: np.ndarray, cols: np.ndarray, fixed: np.ndarray | None = None,
         tol: float = 1e-13, maxit: int = 20000) -> np.ndarray:
    """Scale seed so that its row and column sums are rows and cols; the last step fits rows.

    fixed: NaN where free, else the pinned value of the cell.
    """
    x = np.array(seed, dtype=float)
    rows = np.asarray(rows, dtype=float)
    cols = np.asarray(cols, dtype=float)
    pinned = np.zeros_like(x, dtype=bool) if fixed is None else ~np.isnan(fixed)
    fixed_vals = np.where(pinned, np.nan_to_num(fixed if fixed is not None else x), 0.0)
    x[pinned] = 0.0
    r, c = rows - fixed_vals.sum(1), cols - fixed_vals.sum(0)
    if (r < -1e-6).any() or (c < -1e-6).any():
        raise ValueError("pinned cells exceed the margins")
    for _ in range(maxit):
        x *= _safe_ratio(c, x.sum(0))[None, :]
        x *= _safe_ratio(r, x.sum(1))[:, None]
        err = np.abs(x.sum(0) - c).max() / max(c.max(), 1.0)
        if err < tol:
            break
    else:
        raise RuntimeError(f"ipf2 did not converge (error {err:.2e})")
    return x + fixed_vals


def ipf3(seed: np.ndarray, pk: np.ndarray, kj: np.ndarray,
         subsets: list[tuple[tuple, float]] = (), tol: float = 1e-12, maxit: int = 50000) -> np.ndarray:
    """Scale seed[p, k, j] to the margins pk = sum_j and kj = sum_p, and to subset totals.

    The last step fits pk, so province x product totals are exact.
    """
    x = np.array(seed, dtype=float)
    for _ in range(maxit):
        x *= _safe_ratio(kj, x.sum(0))[None, :, :]
        for index, total in subsets:
            x[index] *= total / x[index].sum()
        x *= _safe_ratio(pk, x.sum(2))[:, :, None]
        err = np.abs(x.sum(0) - kj).max() / kj.max()
        for index, total in subsets:
            err = max(err, abs(x[index].sum() - total) / total)
        if err < tol:
            break
    else:
        raise RuntimeError(f"ipf3 did not converge (error {err:.2e})")
    return x


def support(expected: np.ndarray, threshold: float, keep_share: float) -> np.ndarray:
    """The cells of a [province, product, partner] table that exist: those expected at `threshold`
    or more, and in any case each (province, product)'s biggest partners up to `keep_share` of it."""
    order = np.argsort(-expected, axis=2, kind="stable")
    ranked = np.take_along_axis(expected, order, axis=2)
    before = (np.cumsum(ranked, axis=2) - ranked) / np.maximum(ranked.sum(2, keepdims=True), 1e-9)
    keep = expected >= threshold
    np.put_along_axis(keep, order, np.take_along_axis(keep, order, axis=2) | (before < keep_share), axis=2)
    return keep


def _margin_pair(table: dict, index: dict, total0: float, total1: float) -> tuple[np.ndarray, np.ndarray]:
    """2016Q1 and 2017Q1 vectors from a design table {code: (value2017, growth, [pin17, [pin16]])}.

    2017Q1: entries with a 'pin' in third place keep their value, the others share what is left.
    2016Q1: value / (1 + growth); entries with 'pin' in fourth place (or the product table's third
    place when told so) keep that, the others are rescaled together to total0.
    """
    v1, pin1, g, pin0 = np.zeros(len(index)), np.zeros(len(index), bool), np.zeros(len(index)), \
        np.zeros(len(index), bool)
    for code, spec in table.items():
        i = index[code]
        v1[i], g[i] = spec[0] * MN, spec[1]
        pin1[i] = len(spec) > 2 and spec[2] == "pin"
        pin0[i] = len(spec) > 3 and spec[3] == "pin"
    free = ~pin1 & (v1 > 0)
    if free.any():
        v1[free] *= (total1 - v1[pin1].sum()) / v1[free].sum()
    v0 = v1 / (1 + g)
    free0 = ~pin0 & (v0 > 0)
    v0[free0] *= (total0 - v0[pin0].sum()) / v0[free0].sum()
    return v0, v1


def build_flow(flow: str) -> dict:
    """The anchor components of one flow: arrays [anchor(2), P+2, K, J], in euros (floats).

    Components: the 12 provinces, then the unallocated part of Lombardy, then the rest of Italy.
    """
    d = DESIGN[flow]
    lomb0, lomb1 = d["lombardy"][0] * MN, d["lombardy"][1] * MN
    ita0, ita1 = d["italy"][0] * MN, d["italy"][1] * MN

    # ---- region product and partner totals
    # every 2017Q1 product value is a target; a third "pin" pins the growth too
    prod_table = {c: (v[0], v[1], "pin", v[2] if len(v) > 2 else "free") for c, v in d["products"].items()}
    assert set(prod_table) == set(PRODUCTS) and set(d["partners"]) == set(PARTNERS), flow
    R0, R1 = _margin_pair(prod_table, KI, lomb0, lomb1)
    assert abs(R1.sum() - lomb1) < 1.0, (flow, R1.sum(), lomb1)
    C0, C1 = _margin_pair(d["partners"], JI, lomb0, lomb1)

    # ---- region matrix at the anchors
    g = rng(flow, "region-seed")
    aff = np.ones((K, J))
    for prod, row in d["affinity"].items():
        for partner, a in row.items():
            aff[KI[prod], JI[partner]] = a
    seed = np.outer(R1, C1) / lomb1 * aff * g.lognormal(0.0, 0.45, (K, J))
    M1 = ipf2(seed, R1, C1)
    tweak = g.lognormal(0.0, 0.06, (K, J))
    for (prod, partner), t in d["anchor0_tweak"].items():
        tweak[KI[prod], JI[partner]] *= t
    M0 = ipf2(M1 * tweak, R0, C0)

    # ---- unallocated share of each region cell
    g = rng(flow, "unallocated")
    u1 = np.clip(0.03 * g.lognormal(0.0, 0.3, (K, J)), 0.01, 0.06)
    u0 = np.clip(u1 * g.lognormal(0.0, 0.1, (K, J)), 0.01, 0.06)
    S = [((1 - u0) * M0).sum(1), ((1 - u1) * M1).sum(1)]  # allocated product totals

    # ---- province x product totals
    A = []
    fixed = [np.full((P, K), np.nan), np.full((P, K), np.nan)]
    for (prov, prod), vals in d["pinned_cells"].items():
        for a in (0, 1):
            fixed[a][PI[prov], KI[prod]] = vals[a] * MN
    profiles = np.array([d["profiles"][p] for p in PROVINCES], dtype=float)
    g = rng(flow, "province-profiles")
    for a in (1, 0):
        totals = np.array([d["provinces"][p][a] * MN for p in PROVINCES])
        pinned = np.array([d["provinces"][p][2] for p in PROVINCES])
        free_target = S[a].sum() - totals[pinned].sum()
        totals[~pinned] *= free_target / totals[~pinned].sum()
        if a == 1:
            seed = profiles / profiles.sum(1, keepdims=True) * totals[:, None]
            seed *= g.lognormal(0.0, 0.15, seed.shape)
        else:
            hint = np.tile(R1 / R0, (P, 1))
            for prov, row in d["province_hints"].items():
                for prod in PRODUCTS:
                    hint[PI[prov], KI[prod]] *= row.get(prod, row.get("*", 1.0))
            seed = A[0] / hint * g.lognormal(0.0, 0.05, (P, K))
        A.insert(0, ipf2(seed, totals, S[a], fixed[a]))
    # make the allocated product x partner totals agree with the fitted province x product totals
    B = []
    for a, (M, u) in enumerate(((M0, u0), (M1, u1))):
        alloc = (1 - u) * M
        B.append(alloc * (A[a].sum(0) / alloc.sum(1))[:, None])

    # ---- province x product x partner cube
    g = rng(flow, "province-partners")
    paff = g.lognormal(0.0, 0.35, (P, J))
    for prov, row in d["province_affinity"].items():
        for partner, v in row.items():
            paff[PI[prov], JI[partner]] *= v
    share1 = M1 / M1.sum(1, keepdims=True)
    expected = A[1][:, :, None] * share1[None, :, :] * paff[:, None, :]
    expected *= (A[1] / np.maximum(expected.sum(2), 1e-9))[:, :, None]
    # keep the cells worth something, and in any case the biggest partners of each
    # (province, product) up to SPARSE_KEEP_SHARE of it, so that its partner mix stays close to
    # the region's (otherwise the small provinces could not fit the region's partner totals)
    keep = support(expected, SPARSE_THRESHOLD, SPARSE_KEEP_SHARE)
    keep[PI["ITC4C"]] = True  # Milano trades with everyone
    for (prov, partner) in d["pinned_partner"]:
        keep[PI[prov], :, JI[partner]] = True
    keep &= expected > 0
    seed1 = expected * keep * g.lognormal(0.0, 0.25, expected.shape)
    subsets = [((PI[prov], slice(None), JI[partner]), v * MN)
               for (prov, partner), v in d["pinned_partner"].items()]
    X1 = ipf3(seed1, A[1], B[1], subsets)
    X0 = ipf3(X1 * g.lognormal(0.0, 0.08, X1.shape), A[0], B[0])

    # ---- unallocated = region - provinces (about u * M)
    U0 = np.maximum(M0 - X0.sum(0), 0.0)
    U1 = np.maximum(M1 - X1.sum(0), 0.0)

    # ---- rest of Italy
    g = rng(flow, "rest-of-italy")
    rp1 = np.array(d["rest_products"], dtype=float) * MN
    rp1 *= (ita1 - lomb1) / rp1.sum()
    rp0 = rp1 / (1 + np.array(d["rest_growth"]))
    rp0 *= (ita0 - lomb0) / rp0.sum()
    rc1 = C1 * g.lognormal(0.0, 0.35, J)
    rc1 *= (ita1 - lomb1) / rc1.sum()
    rc0 = rc1 / (1 + g.uniform(-0.05, 0.10, J))
    rc0 *= (ita0 - lomb0) / rc0.sum()
    rseed = np.outer(rp1, rc1) * aff * g.lognormal(0.0, 0.45, (K, J))
    RI1 = ipf2(rseed, rp1, rc1)
    RI0 = ipf2(RI1 * g.lognormal(0.0, 0.06, (K, J)), rp0, rc0)

    comps = np.zeros((2, P + 2, K, J))
    comps[0, :P], comps[0, P], comps[0, P + 1] = X0, U0, RI0
    comps[1, :P], comps[1, P], comps[1, P + 1] = X1, U1, RI1
    return {"anchors": comps, "trend": np.array(d["trend"], dtype=float)}


# --------------------------------------------------------------------------------------------
# Quarters
# --------------------------------------------------------------------------------------------

def quarter_components(model: dict, flow: str, n: int) -> np.ndarray:
    """Float components [P+2, K, J] of one flow in quarter n."""
    a0, a1 = qindex(ANCHOR0), qindex(ANCHOR1)
    c0, c1 = model["anchors"]
    growth = (1 + model["trend"])[None, :, None]
    if n < a0:
        base = c0 * growth ** (-(a0 - n) / 4)
    elif n <= a1:
        t = (n - a0) / (a1 - a0)
        base = c0 + t * (c1 - c0)
    else:
        base = c1 * growth ** ((n - a1) / 4)
    if n in (a0, a1):
        return base
    noise = rng(flow, "noise", qlabel(n)).lognormal(0.0, NOISE_SIGMA, (K, J))
    return base * SEASONAL[n % 4 + 1] * noise[None, :, :]


def round_largest_remainder(x: np.ndarray) -> np.ndarray:
    """Integers with the same (rounded) total as x; the cells with the largest remainders go up."""
    flat = x.ravel()
    out = np.floor(flat)
    deficit = int(np.floor(flat.sum() + 0.5) - out.sum())
    if deficit > 0:
        order = np.argsort(-(flat - out), kind="stable")
        out[order[:deficit]] += 1
    return out.reshape(x.shape).astype(np.int64)


def quarter_rows(models: dict, n: int) -> list[list]:
    period = qlabel(n)
    rows = []
    for flow in sorted(FLOWS):
        comps = quarter_components(models[flow], flow, n)
        ints = np.stack([round_largest_remainder(c) for c in comps])
        tables = {code: ints[PI[code]] for code in PROVINCES}
        tables[REGION] = ints[:P].sum(0) + ints[P]
        tables[NATIONAL] = tables[REGION] + ints[P + 1]
        order_k = sorted(range(K), key=lambda k: PRODUCTS[k])
        order_j = sorted(range(J), key=lambda j: PARTNERS[j])
        for territory in sorted(tables):
            table = tables[territory]
            for k in order_k:
                for j in order_j:
                    v = int(table[k, j])
                    if v:
                        rows.append([period, flow, territory, PRODUCTS[k], PARTNERS[j], v])
    return rows


def write_gz_csv(path: Path, header: list[str], rows: list[list]) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", fileobj=buf, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(text.getvalue().encode("utf-8"))
    path.write_bytes(buf.getvalue())


def services_rows(last: int) -> list[list]:
    rows = []
    a0 = qindex(ANCHOR0)
    for n in range(qindex(FIRST_QUARTER), last + 1):
        for s, (provider, service, firms0, sme, per_firm, growth) in enumerate(SERVICES):
            g = rng("services", qlabel(n), s)
            level = firms0 * (1 + growth) ** ((n - a0) / 4) * SERVICES_SEASONAL[n % 4 + 1]
            firms = max(1, int(round(level * g.lognormal(0.0, SERVICES_NOISE))))
            smes = min(firms, int(round(firms * sme * g.lognormal(0.0, 0.02))))
            activities = max(firms, int(round(firms * per_firm * g.lognormal(0.0, 0.05))))
            rows.append([qlabel(n), provider, service, firms, smes, activities])
    return rows


def write_services(path: Path, rows: list[list]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(SERVICES_HEADER)
        writer.writerows(rows)


def generate(out: Path, quarters: list[int]) -> list[Path]:
    models = {flow: build_flow(flow) for flow in FLOWS}
    (out / "trade").mkdir(parents=True, exist_ok=True)
    written = []
    for n in quarters:
        path = out / "trade" / f"{qlabel(n)}.csv.gz"
        write_gz_csv(path, TRADE_HEADER, quarter_rows(models, n))
        written.append(path)
    last = max(max(quarters), qindex(DEFAULT_UNTIL))
    path = out / "services.csv"
    write_services(path, services_rows(last))
    written.append(path)
    return written


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------

def _read_trade(paths: list[Path]):
    import pandas as pd

    frames = []
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
            assert fh.readline().rstrip("\n") == ",".join(TRADE_HEADER), f"{path}: bad header"
        df = pd.read_csv(path, dtype={"period": str, "flow": str, "territory": str, "product": str,
                                      "partner": str, "value_eur": "int64"},
                         keep_default_na=False)
        assert list(df.columns) == TRADE_HEADER
        key = list(zip(df.flow, df.territory, df["product"], df.partner))
        assert key == sorted(key), f"{path}: rows not sorted"
        assert len(set(key)) == len(key), f"{path}: duplicate rows"
        assert (df.value_eur > 0).all(), f"{path}: zero or negative values"
        assert (df.period == path.name.split(".")[0]).all(), f"{path}: wrong period"
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def check(out: Path, quarters: list[int]) -> str:
    """Assert the constraints the sample data must meet, re-reading the files; return a report."""
    import pandas as pd

    paths = [out / "trade" / f"{qlabel(n)}.csv.gz" for n in quarters]
    df = _read_trade(paths)
    partners_ok = partner_codes()
    assert set(df.flow) <= set(FLOWS)
    assert set(df.territory) <= set(TERRITORIES)
    assert set(df["product"]) <= set(_REF_PRODUCTS)
    assert set(df.partner) <= partners_ok
    lines = []

    # cell by cell: sum of provinces <= Lombardy <= Italy, every quarter and flow
    cell = ["period", "flow", "product", "partner"]
    prov = df[df.territory.isin(PROVINCES)].groupby(cell).value_eur.sum()
    lomb = df[df.territory == REGION].set_index(cell).value_eur
    ita = df[df.territory == NATIONAL].set_index(cell).value_eur
    joined = pd.concat({"prov": prov, "lomb": lomb, "ita": ita}, axis=1).fillna(0)
    assert (joined.prov <= joined.lomb).all(), "provinces exceed Lombardy in some cell"
    assert (joined.lomb <= joined.ita).all(), "Lombardy exceeds Italy in some cell"
    unalloc = (joined.lomb - joined.prov).groupby(level=["period", "flow"]).sum() / \
        joined.lomb.groupby(level=["period", "flow"]).sum()
    assert unalloc.between(0.015, 0.045).all(), unalloc
    lines.append(f"cells: provinces <= Lombardy <= Italy in {len(joined)} cells of "
                 f"{len(quarters)} quarter(s); unallocated {unalloc.min():.1%}..{unalloc.max():.1%}")

    labels = {qlabel(n) for n in quarters}
    if not {ANCHOR0, ANCHOR1} <= labels:
        return "\n".join(lines)

    q0, q1 = ANCHOR0, ANCHOR1

    def tot(flow, territory, period, by=None):
        s = df[(df.flow == flow) & (df.territory == territory) & (df.period == period)]
        return s.value_eur.sum() if by is None else s.groupby(by).value_eur.sum()

    def growth(a, b):
        return (b / a - 1) * 100

    def between(x, lo, hi, what):
        assert lo <= x <= hi, f"{what}: {x} not in [{lo}, {hi}]"
        return x

    bn, m = 1e9, 1e6
    ex0, ex1 = tot("export", REGION, q0), tot("export", REGION, q1)
    it0, it1 = tot("export", NATIONAL, q0), tot("export", NATIONAL, q1)
    im1 = tot("import", REGION, q1)
    # 1-2, 9
    between(ex1, 3.1 * bn, 3.3 * bn, "Lombardy exports")
    between(growth(ex0, ex1), 12.5, 13.5, "Lombardy export growth")
    between(it1, 9.8 * bn, 10.2 * bn, "Italy exports")
    between(growth(it0, it1), 5.5, 6.5, "Italy export growth")
    between(ex1 / it1 * 100, 30, 34, "Lombardy share of Italy")
    between(ex1 + im1, 9.4 * bn, 9.6 * bn, "Lombardy trade")
    lines.append(f"Lombardy exports {q1}: {ex1 / bn:.3f} bn ({growth(ex0, ex1):+.2f}%), "
                 f"Italy {it1 / bn:.3f} bn ({growth(it0, it1):+.2f}%), share {ex1 / it1:.1%}; "
                 f"imports {im1 / bn:.3f} bn ({growth(tot('import', REGION, q0), im1):+.2f}%), "
                 f"trade {(ex1 + im1) / bn:.3f} bn")

    # 3-5 products
    p0, p1 = tot("export", REGION, q0, "product"), tot("export", REGION, q1, "product")
    rank = p1.sort_values(ascending=False)
    assert p1["21.2"] > 1.0 * bn
    between(growth(p0["21.2"], p1["21.2"]), 49.0, 50.0, "21.2 growth")
    between(p1["26.5"], 0.45 * bn, 0.50 * bn, "26.5")
    for code in ("26.3", "21.1", "26.2"):
        between(p1[code], 300 * m, 360 * m, code)
    assert list(rank.index[:2]) == ["21.2", "26.5"], rank
    assert set(rank.index[2:5]) == {"26.3", "21.1", "26.2"}, rank
    assert (rank.iloc[5:] < 300 * m).all()
    others = growth(p0, p1).drop("21.2")
    assert others.between(-15, 30).all(), others
    lines.append("products " + q1 + ": " + ", ".join(
        f"{c} {v / m:.0f}m ({growth(p0[c], v):+.1f}%)" for c, v in rank.items()))

    # 6-8 partners
    c0, c1 = tot("export", REGION, q0, "partner"), tot("export", REGION, q1, "partner")
    crank = c1.sort_values(ascending=False)
    between(c1["US"], 405 * m, 413 * m, "US")
    between(growth(c0["US"], c1["US"]), 67.5, 68.5, "US growth")
    for code in ("DE", "CH"):
        between(c1[code], 280 * m, 299 * m, code)
    assert list(crank.index[:3]) == ["US", "DE", "CH"], crank.head()
    between(c1["GB"], 169 * m, 173 * m, "GB")
    between(growth(c0["GB"], c1["GB"]), 48.5, 49.5, "GB growth")
    between(c1["JP"], 130 * m, 134 * m, "JP")
    between(growth(c0["JP"], c1["JP"]), 44.5, 45.5, "JP growth")
    assert (crank.iloc[3:] < 280 * m).all()
    cg = growth(c0, c1).drop(["US", "GB", "JP"])
    assert cg.between(-15, 30).all(), cg[~cg.between(-15, 30)]
    lines.append("partners " + q1 + ": " + ", ".join(
        f"{c} {v / m:.1f}m ({growth(c0[c], v):+.1f}%)" for c, v in crank.head(8).items()))

    # 10-18 provinces
    pe0 = df[(df.flow == "export") & (df.period == q0) & df.territory.isin(PROVINCES)] \
        .groupby("territory").value_eur.sum()
    pe1 = df[(df.flow == "export") & (df.period == q1) & df.territory.isin(PROVINCES)] \
        .groupby("territory").value_eur.sum()
    pi0 = df[(df.flow == "import") & (df.period == q0) & df.territory.isin(PROVINCES)] \
        .groupby("territory").value_eur.sum()
    pi1 = df[(df.flow == "import") & (df.period == q1) & df.territory.isin(PROVINCES)] \
        .groupby("territory").value_eur.sum()
    erank, irank = pe1.sort_values(ascending=False), pi1.sort_values(ascending=False)
    assert list(erank.index[:4]) == ["ITC4C", "ITC4D", "ITC41", "ITC49"], erank
    assert list(irank.index[:4]) == ["ITC4C", "ITC49", "ITC4D", "ITC48"], irank
    assert pe1["ITC4C"] + pi1["ITC4C"] > 6.0 * bn
    between(pe1["ITC4C"] / it1 * 100, 14.95, 15.05, "Milano share of Italy")
    between(growth(pe0["ITC4C"], pe1["ITC4C"]), 13.05, 13.15, "Milano growth")
    between(pe1["ITC4D"] / it1 * 100, 5.65, 5.75, "Monza share of Italy")
    between(growth(pe0["ITC4D"], pe1["ITC4D"]), 70.05, 70.15, "Monza growth")
    assert (pe0["ITC4A"], pe1["ITC4A"]) == (11_271_607, 15_948_706), (pe0["ITC4A"], pe1["ITC4A"])
    assert (pi0["ITC4A"], pi1["ITC4A"]) == (25_965_314, 23_178_971), (pi0["ITC4A"], pi1["ITC4A"])
    between(pe0["ITC41"], 361.5 * m, 362.5 * m, "Varese 2016Q1")
    between(pe1["ITC41"], 257.5 * m, 258.5 * m, "Varese 2017Q1")
    special = {"ITC41", "ITC4D", "ITC4A"}
    eg = growth(pe0, pe1).drop(list(special))
    ig = growth(pi0, pi1).drop(["ITC4A"])
    assert eg.between(-15, 30).all(), eg
    assert ig.between(-15, 30).all(), ig

    def top(territory, by):
        s = tot("export", territory, q1, by).sort_values(ascending=False)
        return s.index[0], s.iloc[0], s
    tops = {code: top(code, "product")[2] for code in ("ITC4C", "ITC4D")}
    assert tops["ITC4C"].index[0] == "21.2", tops["ITC4C"].head()
    assert tops["ITC4D"].index[0] == "26.1", tops["ITC4D"].head()
    vcode, vval, _ = top("ITC41", "product")
    assert vcode == "30.3"
    between(vval, 138.5 * m, 139.5 * m, "Varese 30.3")
    fcode, fval, vpart = top("ITC41", "partner")
    assert fcode == "FR", vpart.head()
    between(fval, 39.5 * m, 40.5 * m, "Varese FR")
    t263 = df[(df.flow == "export") & (df.period == q1) & df.territory.isin(PROVINCES)
              & (df["product"] == "26.3")].groupby("territory").value_eur.sum().sort_values(ascending=False)
    assert list(t263.index[:2]) == ["ITC4C", "ITC49"], t263
    name = {c: TERRITORIES[c].name_it for c in PROVINCES}
    lines.append("province exports " + q1 + ": " + ", ".join(
        f"{name[c]} {v / m:.1f}m ({growth(pe0[c], v):+.1f}%)" for c, v in erank.items()))
    lines.append("province imports " + q1 + ": " + ", ".join(
        f"{name[c]} {v / m:.1f}m ({growth(pi0[c], v):+.1f}%)" for c, v in irank.items()))
    lines.append(f"Milano: exports {pe1['ITC4C'] / it1:.3%} of Italy ({growth(pe0['ITC4C'], pe1['ITC4C']):+.3f}%), "
                 f"exports+imports {(pe1['ITC4C'] + pi1['ITC4C']) / bn:.3f} bn; "
                 f"Monza {pe1['ITC4D'] / it1:.3%} of Italy ({growth(pe0['ITC4D'], pe1['ITC4D']):+.3f}%)")
    lines.append(f"Cremona exports {pe0['ITC4A']:,} -> {pe1['ITC4A']:,}, imports {pi0['ITC4A']:,} -> "
                 f"{pi1['ITC4A']:,}; Varese {pe0['ITC41'] / m:.2f}m -> {pe1['ITC41'] / m:.2f}m, "
                 f"30.3 {vval / m:.2f}m, first partner {fcode} {fval / m:.2f}m "
                 f"(next {vpart.index[1]} {vpart.iloc[1] / m:.1f}m); 26.3 by province: "
                 + ", ".join(f"{name[c]} {v / m:.1f}m" for c, v in t263.head(3).items()))
    lines.append("largest export products " + q1 + ": " + "; ".join(
        f"{name[c]} {t.index[0]} {t.iloc[0] / m:.1f}m (next {t.index[1]} {t.iloc[1] / m:.1f}m)"
        for c, t in tops.items()))
    imp = tot("import", REGION, q1, "partner").sort_values(ascending=False)
    lines.append("Lombardy import partners " + q1 + ": " + ", ".join(
        f"{c} {v / m:.0f}m" for c, v in imp.head(8).items()))

    # the quarterly trend: no wild jumps (2017Q1 may surge)
    series = df[df.territory.isin([REGION, NATIONAL])].groupby(["flow", "territory", "period"]) \
        .value_eur.sum()
    for (flow, territory), s in series.groupby(level=["flow", "territory"]):
        change = s.pct_change().dropna() * 100
        assert change.abs().max() < 25, (flow, territory, change)
        lines.append(f"{flow} {territory} by quarter (bn): "
                     + " ".join(f"{v / bn:.2f}" for v in s.values))

    # services
    sv = pd.read_csv(out / "services.csv", keep_default_na=False)
    assert list(sv.columns) == SERVICES_HEADER
    assert (sv.smes <= sv.firms).all() and (sv.firms > 0).all() and (sv.activities > 0).all()
    assert len(sv.groupby(["provider", "service"])) == len(SERVICES)
    s0 = sv[sv.period == q0].set_index("service")
    s1 = sv[sv.period == q1].set_index("service")
    grew = (s1.firms > s0.firms).sum()
    assert grew >= len(SERVICES) - 2, f"only {grew} services grew"
    lines.append(f"services {q1}: {s1.firms.sum()} firm-services ({grew}/{len(SERVICES)} services grew "
                 f"on {q0}), {s1.activities.sum()} activities")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# National scale (--scale national): every province, region and Italy, ~200 partners
# --------------------------------------------------------------------------------------------
# A data set of the size of ISTAT's national extraction, for trials and benchmarks: millions of
# rows, built with array operations only. It is not fitted to published figures (the Lombardy
# rows do not match the shipped sample) but keeps plausible magnitudes (Italy about 10 billion
# exports a quarter in 2017Q1, Lombardy about a third) and sparsity (small provinces trade few
# partners and products). Cell by cell and after rounding: region = its provinces + an
# unallocated part, Italy = the regions + an unallocated part, so `bulletin data check` passes.

N_PARTNERS = 200
NATIONAL_ITALY = {"export": 10_000 * MN, "import": 11_600 * MN}  # 2017Q1
# Italy's product mix (21.1 ... 30.3), relative
NATIONAL_PRODUCT_MIX = {
    "export": [8, 36, 7, 6, 6, 1, 13, 4, 3, 0.5, 14],
    "import": [9, 35, 8, 15, 11, 4, 8, 5, 2, 1, 3],
}
# regions: (export, import) weight, and the products they are strong in
NATIONAL_REGIONS = {
    "ITC1": (7.0, 5.0, {"30.3": 2.5, "26.5": 1.3}), "ITC2": (0.3, 0.2, {}),
    "ITC3": (2.5, 1.5, {"26.5": 1.5, "30.3": 1.5}), "ITC4": (32.0, 50.0, {}),
    "ITF1": (2.5, 1.5, {"21.2": 2.0, "26.1": 1.5}), "ITF2": (0.3, 0.2, {}),
    "ITF3": (5.0, 3.0, {"30.3": 3.0, "21.2": 1.2}), "ITF4": (2.5, 1.5, {"30.3": 2.0}),
    "ITF5": (0.3, 0.2, {}), "ITF6": (0.3, 0.3, {}), "ITG1": (3.0, 1.5, {"26.1": 5.0}),
    "ITG2": (0.4, 0.4, {}), "ITH1": (1.0, 1.0, {"26.5": 1.5}), "ITH2": (1.0, 0.8, {"26.7": 2.0}),
    "ITH3": (6.0, 6.0, {"26.5": 1.5, "26.7": 2.0}), "ITH4": (2.0, 1.5, {"26.3": 1.5}),
    "ITH5": (7.0, 6.0, {"26.6": 2.0, "26.5": 1.5}), "ITI1": (9.0, 5.0, {"21.2": 1.5, "26.5": 1.3}),
    "ITI2": (0.7, 0.5, {}), "ITI3": (2.0, 1.2, {"21.2": 1.5}), "ITI4": (13.0, 12.0, {"21.2": 2.5, "21.1": 1.5}),
}
# the provinces where each region's trade concentrates (weight multiplier)
NATIONAL_HUBS = {
    "ITC11": 5, "ITC33": 4, "ITF14": 2, "ITF13": 2, "ITF33": 4, "ITF47": 3, "ITG17": 4, "ITG12": 2,
    "ITG2F": 3, "ITH31": 2, "ITH36": 2, "ITH32": 2, "ITH42": 2, "ITH44": 2, "ITH55": 3, "ITH54": 2,
    "ITI14": 3, "ITI17": 2, "ITI21": 3, "ITI32": 3, "ITI43": 6, "ITI44": 2, "ITF51": 2, "ITF63": 2,
}
NATIONAL_SPARSE = 2_000.0  # euros a quarter: a province cell expected below this exists only ...
NATIONAL_KEEP_SHARE = 0.8  # ... among the top partners making this share of its (province, product)
NATIONAL_MIN_PRODUCT = 20_000.0  # a province trades a product only above this a quarter
NATIONAL_CELL_SIGMA = 0.20  # quarter-to-quarter noise of a cell
NATIONAL_DROPOUT = 0.15  # chance that a small cell is missing in a quarter


def national_partners() -> list[str]:
    """The sample's partners, then countries of ISTAT's areas drawn at random: N_PARTNERS, sorted."""
    candidates = {c for c in partner_codes() if partner_area(c) != "OTHER"} - {"IT"}
    candidates |= set(PARTNERS) | {"AU", "NZ", "FJ", "PG", "NC"}
    others = sorted(candidates - set(PARTNERS))
    weight = {code: rng("national", "partner-rank", code).random() for code in others}
    chosen = set(PARTNERS) | set(sorted(others, key=lambda c: -weight[c])[:N_PARTNERS - len(PARTNERS)])
    return sorted(chosen)


def build_national(flow: str, partners: list[str]) -> dict:
    """Expected 2017Q1 province cells [P, K, J] (zero outside the support), and what quarters need."""
    d = DESIGN[flow]
    regions_ = list(NATIONAL_REGIONS)
    assert set(regions_) == {c for c, t in TERRITORIES.items() if t.level == "region"}, regions_
    provinces = [p for r in regions_ for p in provinces_of(r)]
    region_of = np.array([regions_.index(TERRITORIES[p].parent) for p in provinces])
    nP, nJ = len(provinces), len(partners)
    jindex = {c: i for i, c in enumerate(partners)}
    g = rng("national", flow, "model")

    # unallocated shares, fixed over time: of a region cell, and of Italy's
    u_region = np.clip(0.03 * g.lognormal(0.0, 0.3, (len(regions_), K, nJ)), 0.01, 0.06)
    u_italy = np.clip(0.025 * g.lognormal(0.0, 0.3, (K, nJ)), 0.01, 0.05)
    provinces_total = NATIONAL_ITALY[flow] / (1.03 * 1.025)

    # region x product totals
    mix = np.array(NATIONAL_PRODUCT_MIX[flow], dtype=float)
    col = 0 if flow == "export" else 1
    rw = np.array([NATIONAL_REGIONS[r][col] for r in regions_])
    tilt = g.lognormal(0.0, 0.4, (len(regions_), K))
    for i, r in enumerate(regions_):
        for prod, t in NATIONAL_REGIONS[r][2].items():
            tilt[i, KI[prod]] *= t
    rk = mix[None, :] * tilt
    rk *= (rw / rw.sum() * provinces_total / rk.sum(1))[:, None]

    # province x product totals: Lombardy's from the sample design, the others drawn
    pw = g.lognormal(0.0, 0.9, nP) * np.array([NATIONAL_HUBS.get(p, 1) for p in provinces])
    profile = rk[region_of] / rk[region_of].sum(1, keepdims=True) * g.lognormal(0.0, 0.7, (nP, K))
    for i, p in enumerate(provinces):
        if p in d["provinces"]:
            pw[i] = d["provinces"][p][1]
            profile[i] = np.array(d["profiles"][p], dtype=float) * g.lognormal(0.0, 0.2, K)
    pk = np.zeros((nP, K))
    for r in range(len(regions_)):
        rows = region_of == r
        # fit province weights and product profiles to the region's product totals
        seed = profile[rows] / profile[rows].sum(1, keepdims=True) * (pw[rows] / pw[rows].sum())[:, None]
        seed = np.maximum(seed, 1e-12 * seed.max())
        target_rows = pw[rows] / pw[rows].sum() * rk[r].sum()
        pk[rows] = ipf2(seed, target_rows, rk[r], tol=1e-9) if rows.sum() > 1 else rk[r][None, :]
    pk[pk < NATIONAL_MIN_PRODUCT] = 0.0

    # partners: the sample's partner weights, small random ones for the others
    weights = np.exp(g.normal(np.log(0.8), 1.2, nJ)) * MN
    for code, spec in d["partners"].items():
        weights[jindex[code]] = spec[0] * MN
    aff = g.lognormal(0.0, 0.5, (K, nJ))
    for prod, row in d["affinity"].items():
        for partner, a in row.items():
            aff[KI[prod], jindex[partner]] *= a
    paff = g.lognormal(0.0, 0.6, (nP, nJ))
    pindex = {p: i for i, p in enumerate(provinces)}
    for prov, row in d["province_affinity"].items():
        for partner, v in row.items():
            paff[pindex[prov], jindex[partner]] *= v
    share = weights[None, :] * aff  # [K, J]
    expected = share[None, :, :] * paff[:, None, :]
    expected *= (pk / expected.sum(2))[:, :, None]

    # support: cells worth something, and the top partners of each (province, product)
    keep = support(expected, NATIONAL_SPARSE, NATIONAL_KEEP_SHARE)
    keep &= expected > 0
    kept = expected * keep
    kept *= (pk / np.maximum(kept.sum(2), 1e-9))[:, :, None]
    return {"expected": kept, "small": kept < 5 * NATIONAL_SPARSE, "region_of": region_of,
            "provinces": provinces, "regions": regions_, "u_region": u_region, "u_italy": u_italy,
            "trend": np.array(d["trend"], dtype=float)}


def national_quarter(model: dict, flow: str, n: int) -> dict[str, np.ndarray]:
    """Integer euros of one flow in quarter n: provinces [P, K, J], regions [R, K, J], Italy [K, J]."""
    g = rng("national", flow, "quarter", qlabel(n))
    e = model["expected"]
    nJ = e.shape[2]
    nR = len(model["regions"])
    growth = (1 + model["trend"]) ** ((n - qindex(ANCHOR1)) / 4)
    common = g.lognormal(0.0, NOISE_SIGMA, (K, nJ)) * growth[:, None] * SEASONAL[n % 4 + 1]
    regional = g.lognormal(0.0, 0.05, (nR, K))[model["region_of"]]
    cell = g.lognormal(0.0, NATIONAL_CELL_SIGMA, e.shape)
    present = ~(model["small"] & (g.random(e.shape) < NATIONAL_DROPOUT))
    provinces = np.rint(e * common[None] * regional[:, :, None] * cell * present).astype(np.int64)
    summed = np.zeros((nR, K, nJ), dtype=np.int64)
    np.add.at(summed, model["region_of"], provinces)
    regions_ = summed + np.rint(summed * model["u_region"]).astype(np.int64)
    national = regions_.sum(0)
    national = national + np.rint(national * model["u_italy"]).astype(np.int64)
    return {"provinces": provinces, "regions": regions_, "italy": national}


def _national_layout(model: dict) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Positions of provinces and regions in the territory-sorted table, and the sorted codes."""
    codes = sorted([NATIONAL] + model["regions"] + model["provinces"])
    tindex = {c: i for i, c in enumerate(codes)}
    return (np.array([tindex[p] for p in model["provinces"]]),
            np.array([tindex[r] for r in model["regions"]]), codes)


def national_prefixes(flow: str, territories: list[str], partners: list[str]) -> np.ndarray:
    """'flow,territory,product,partner,' for every cell of the sorted [T, K, J] table."""
    sdt = np.dtypes.StringDType()
    t = np.array([f"{flow},{c}," for c in territories], dtype=sdt)[:, None, None]
    k = np.array([f"{c}," for c in sorted(PRODUCTS)], dtype=sdt)[None, :, None]
    j = np.array([f"{c}," for c in partners], dtype=sdt)[None, None, :]
    return np.strings.add(np.strings.add(t, k), j).ravel()


def check_national(q: dict[str, np.ndarray], region_of: np.ndarray) -> None:
    """The constraints of `bulletin data check`, cell by cell, on the integers to be written."""
    summed = np.zeros_like(q["regions"])
    np.add.at(summed, region_of, q["provinces"])
    assert (q["provinces"] >= 0).all() and (q["regions"] >= summed).all(), "provinces exceed a region"
    assert (q["italy"] >= q["regions"].sum(0)).all(), "regions exceed Italy"


def generate_national(out: Path, quarters: list[int], check: bool = True) -> tuple[list[Path], int]:
    partners = national_partners()
    models = {flow: build_national(flow, partners) for flow in FLOWS}
    prov_pos, reg_pos, territories = _national_layout(models["export"])
    kperm = np.array([KI[c] for c in sorted(PRODUCTS)])  # product order of the files
    prefixes = {flow: national_prefixes(flow, territories, partners) for flow in FLOWS}
    nat_pos = territories.index(NATIONAL)
    (out / "trade").mkdir(parents=True, exist_ok=True)
    written, rows = [], 0
    header = ",".join(TRADE_HEADER) + "\n"
    for n in quarters:
        period = qlabel(n)
        parts = [header]
        for flow in sorted(FLOWS):
            q = national_quarter(models[flow], flow, n)
            if check:
                check_national(q, models[flow]["region_of"])
            table = np.zeros((len(territories), K, len(partners)), dtype=np.int64)
            table[prov_pos] = q["provinces"][:, kperm]
            table[reg_pos] = q["regions"][:, kperm]
            table[nat_pos] = q["italy"][kperm]
            values = table.ravel()
            nonzero = values > 0
            lines = np.strings.add(np.strings.add(period + ",", prefixes[flow][nonzero]),
                                   values[nonzero].astype(np.dtypes.StringDType()))
            parts.append("\n".join(lines.tolist()) + "\n")
            rows += int(nonzero.sum())
        path = out / "trade" / f"{period}.csv.gz"
        path.write_bytes(gzip.compress("".join(parts).encode("utf-8"), compresslevel=6, mtime=0))
        written.append(path)
    last = max(max(quarters), qindex(DEFAULT_UNTIL))
    path = out / "services.csv"
    write_services(path, services_rows(last))
    written.append(path)
    return written, rows


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=("lombardy", "national"), default="lombardy",
                        help="lombardy: the shipped sample (Italy, Lombardia, its provinces); national: "
                             "every province and region of Italy and ~200 partners, millions of rows, "
                             "for trials and benchmarks (needs --out)")
    parser.add_argument("--out", type=Path,
                        help="output folder (default: the repository's data/; required with --scale national)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--until", default=DEFAULT_UNTIL,
                       help=f"last quarter to generate, from {FIRST_QUARTER} (default {DEFAULT_UNTIL})")
    group.add_argument("--only", help="generate only this quarter's trade file "
                                      "(services.csv still covers every quarter up to it)")
    group.add_argument("--quarters", type=int, help=f"generate this many quarters from {FIRST_QUARTER}")
    parser.add_argument("--no-check", action="store_true", help="skip the checks")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    first = qindex(FIRST_QUARTER)
    if args.only:
        quarters = [qindex(args.only)]
    elif args.quarters is not None:
        if args.quarters < 1:
            parser.error("--quarters must be at least 1")
        quarters = list(range(first, first + args.quarters))
    else:
        quarters = list(range(first, qindex(args.until) + 1))
    if not quarters or min(quarters) < first:
        parser.error(f"quarters start at {FIRST_QUARTER}")
    if args.scale == "national":
        if args.out is None:
            parser.error("--scale national needs --out DIR (it never writes into the repository's data/)")
        if args.out.resolve() == (ROOT / "data").resolve():
            parser.error("--scale national must not write into the repository's data/")
        written, rows = generate_national(args.out, quarters, check=not args.no_check)
        elapsed = time.perf_counter() - start
        size = sum(p.stat().st_size for p in written)
        print(f"wrote {rows:,} rows in {len(written)} files ({size / 1e6:.1f} MB) to {args.out}: "
              f"{len(quarters)} quarters {qlabel(min(quarters))}..{qlabel(max(quarters))}, "
              f"in {elapsed:.1f} s")
        return 0
    out = args.out if args.out is not None else ROOT / "data"
    written = generate(out, quarters)
    elapsed = time.perf_counter() - start
    size = sum(p.stat().st_size for p in written)
    print(f"wrote {len(written)} files ({size / 1e6:.2f} MB) to {out} in {elapsed:.1f} s")
    if not args.no_check:
        print(check(out, quarters))
    return 0


if __name__ == "__main__":
    sys.exit(main())
