"""What the web edition adds to an edition of Italy, edition by edition: run by `run.py`.

Whole national builds with and without the web edition scatter by ±10 % on a shared machine,
as much as the cost they are meant to show. Here each of a few national editions is built
twice in one process, with and without the web edition, back to back, the order alternating,
for several rounds: the machine's drift falls on both builds of a pair alike. The process runs
on one core, as each worker of a many-editions build draws its own edition's charts on one.
Processor time of `pipeline.build_edition` only; prints one JSON object.

    python benchmarks/web_pairs.py DATA [--rounds 4] [--territories ITC1,ITF4,...]
"""
from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bulletin.config import Config, load_config
from bulletin.data.trade import Dataset, load_dataset
from bulletin.pipeline import build_edition, edition_content

# Regions and provinces of the north, centre, south and islands, small and large.
TERRITORIES = ("ITC1", "ITF4", "ITG2", "ITH3", "ITI3", "ITC4C", "ITF11", "ITC34")


def build_seconds(config: Config, dataset: Dataset, quarter: str, territory: str, lang: str) -> float:
    """Processor seconds of one edition built into an archive of its own (removed after)."""
    output = Path(tempfile.mkdtemp())
    try:
        config = dataclasses.replace(config, paths=dataclasses.replace(config.paths, output=output))
        content = edition_content(config, dataset, quarter, territory, lang)
        started = time.process_time()
        build_edition(config, dataset, content)
        return time.process_time() - started
    finally:
        shutil.rmtree(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--territories", default=",".join(TERRITORIES))
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    base = load_config(None, overrides={"paths.data": str(args.data)})
    configs = {web: dataclasses.replace(base, edition=dataclasses.replace(base.edition, web=web)) for web in (True, False)}
    dataset = load_dataset(args.data)
    gc.freeze()  # as `bulletin build` does once the data are loaded
    quarter = dataset.quarters[-1]
    editions = [(territory, lang) for territory in args.territories.split(",") for lang in ("it", "en")]
    for territory, lang in editions:  # every string shaped once, before anything is counted
        build_seconds(configs[True], dataset, quarter, territory, lang)
    seconds = {True: 0.0, False: 0.0}
    ratios = []
    for index, (territory, lang) in enumerate(editions * args.rounds):
        pair = {web: build_seconds(configs[web], dataset, quarter, territory, lang)
                for web in ((True, False) if index % 2 else (False, True))}
        seconds[True] += pair[True]
        seconds[False] += pair[False]
        ratios.append(pair[True] / pair[False])
    print(json.dumps({"pairs": len(ratios), "cpu_seconds": seconds[True], "print_only_cpu_seconds": seconds[False],
                      "added_pct": 100 * (seconds[True] / seconds[False] - 1),
                      "median_pair_added_pct": 100 * (statistics.median(ratios) - 1)}))


if __name__ == "__main__":
    main()
