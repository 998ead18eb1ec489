"""Benchmarks of the bulletin generator on the machine it runs on. Prints a table, writes JSON.

It asserts nothing (a slow machine is not a failure); the goals are printed beside the figures:
1. the floor: a bare `python -c "import pandas, matplotlib, reportlab"`;
2. one cold `bulletin build` of the Lombardia sample edition (goal: at most 2.5 x the floor,
   peak memory under 400 MB), alternated with the floor, medians of --runs. Cold: a new
   process, an empty archive and no data cache, so every row is validated; the package's
   bytecode is compiled first, as pip does for the libraries the floor imports. For
   information, the same build with the data cache a previous run leaves;
3. the 13 Lombardia editions (region and 12 provinces) on the process pool, against 13 times
   the single edition (goal: at most 0.6 of it);
4. load + indicators for Lombardia on national-size data (all provinces, ~200 partners) at 1x,
   2x and 4x the rows (more quarters), cold (no cache) and warm (data cache)
   (goal: warm under 1 s at 1x, growth no worse than linear).
Every command runs in a fresh process; peak memory is that process's (and its children's) RSS.

    python benchmarks/run.py [--runs 5] [--skip-national] [--national-dir DIR] [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BULLETIN = str(Path(PYTHON).with_name("bulletin"))

# Runs a command and reports its wall time and the peak resident memory of it and its children.
MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""

LOAD_AND_COMPUTE = """
import sys
from pathlib import Path
from bulletin.data.trade import load_dataset
from bulletin.indicators.compute import compute_indicators, latest_quarter
dataset = load_dataset(Path(sys.argv[1]))
compute_indicators(dataset.trade, dataset.services, latest_quarter(dataset.trade), "ITC4")
print(len(dataset.trade))
"""

NATIONAL_SIZES = {"1x": "2017Q1", "2x": "2021Q1", "4x": "2029Q1"}  # 17, 33 and 65 quarters


def measure(command: list[str]) -> dict:
    result = subprocess.run([PYTHON, "-c", MEASURE, *command], cwd=REPO, check=True, capture_output=True, text=True)
    return json.loads(result.stdout)


def median_of(samples: list[dict]) -> dict:
    return {"seconds": statistics.median(s["seconds"] for s in samples), "peak_mb": max(s["peak_mb"] for s in samples)}


def compile_package() -> None:
    """Bytecode for the package, as pip writes it for installed libraries (an editable install
    writes it on first use, unless PYTHONDONTWRITEBYTECODE is set)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(REPO / "bulletin")], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def bench_single(runs: int, scratch: Path) -> tuple[dict, dict, dict]:
    """The floor and one cold edition, alternated so that both see the same machine state; then
    the edition again with the data cache in place."""
    floors, builds, cached = [], [], []
    for run in range(runs):
        floors.append(measure([PYTHON, "-c", "import pandas, matplotlib, reportlab"]))
        data = scratch / f"data-single-{run}"
        shutil.copytree(REPO / "data", data, ignore=shutil.ignore_patterns(".cache"))  # cold: no cache
        builds.append(measure([BULLETIN, "build", "--data", str(data), "--out", str(scratch / f"out-single-{run}")]))
        cached.append(measure([BULLETIN, "build", "--data", str(data), "--out", str(scratch / f"out-cached-{run}")]))
    return median_of(floors), median_of(builds), median_of(cached)


def bench_all_editions(runs: int, scratch: Path) -> dict:
    samples = []
    for run in range(runs):
        data = scratch / f"data-all-{run}"
        shutil.copytree(REPO / "data", data, ignore=shutil.ignore_patterns(".cache"))
        samples.append(measure([BULLETIN, "build", "--territory", "all", "--data", str(data),
                                "--out", str(scratch / f"out-all-{run}")]))
    return median_of(samples)


def bench_national(national_dir: Path, runs: int) -> list[dict]:
    rows = []
    for size, until in NATIONAL_SIZES.items():
        data = national_dir / size
        if not (data / "trade").is_dir():
            subprocess.run([PYTHON, str(REPO / "scripts" / "generate_sample.py"), "--scale", "national",
                            "--until", until, "--out", str(data), "--no-check"], check=True, capture_output=True)
        row_count = int(subprocess.run([PYTHON, "-c", LOAD_AND_COMPUTE, str(data)], check=True, capture_output=True,
                                       text=True).stdout)
        cold, warm = [], []
        for _ in range(runs):
            shutil.rmtree(data / ".cache", ignore_errors=True)
            cold.append(measure([PYTHON, "-c", LOAD_AND_COMPUTE, str(data)]))
            warm.append(measure([PYTHON, "-c", LOAD_AND_COMPUTE, str(data)]))
        rows.append({"size": size, "rows": row_count, "cold": median_of(cold), "warm": median_of(warm)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-national", action="store_true", help="leave out the national-size data sets")
    parser.add_argument("--national-dir", type=Path, help="keep the generated national data here between runs")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "latest.json")
    args = parser.parse_args()
    report: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                    "runs": args.runs}
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        compile_package()
        floor, single, cached = bench_single(args.runs, scratch)
        editions = bench_all_editions(max(1, args.runs // 2), scratch)
        national = [] if args.skip_national else bench_national(args.national_dir or scratch / "national",
                                                                max(1, args.runs // 3))
    report.update(floor=floor, single_edition=single, ratio_to_floor=single["seconds"] / floor["seconds"],
                  single_edition_data_cached=cached, cached_ratio_to_floor=cached["seconds"] / floor["seconds"],
                  all_13_editions=editions, all_vs_13_single=editions["seconds"] / (13 * single["seconds"]),
                  national=national)
    print(f"machine: {report['machine']} (medians of {args.runs} runs)\n")
    print(f"{'measure':44} {'seconds':>8} {'peak MB':>8}  goal")
    print(f"{'1. import pandas, matplotlib, reportlab':44} {floor['seconds']:8.2f} {floor['peak_mb']:8.0f}")
    print(f"{'2. one cold Lombardia edition':44} {single['seconds']:8.2f} {single['peak_mb']:8.0f}  "
          f"{report['ratio_to_floor']:.2f} x floor (<= 2.5); < 400 MB")
    print(f"{'   the same, data cache in place':44} {cached['seconds']:8.2f} {cached['peak_mb']:8.0f}  "
          f"{report['cached_ratio_to_floor']:.2f} x floor")
    print(f"{'3. 13 Lombardia editions, process pool':44} {editions['seconds']:8.2f} {editions['peak_mb']:8.0f}  "
          f"{report['all_vs_13_single']:.2f} of 13 x single (<= 0.6)")
    for row in national:
        for kind in ("cold", "warm"):
            label = f"4. national {row['size']} ({row['rows']:,} rows), {kind}"
            goal = "< 1 s" if (row["size"], kind) == ("1x", "warm") else ""
            print(f"{label:44} {row[kind]['seconds']:8.2f} {row[kind]['peak_mb']:8.0f}  {goal}")
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
