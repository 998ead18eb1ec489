"""Benchmark: a cold `bulletin build` of the sample edition against the cost of importing its libraries.

The goal (issue "The bulletin"): a cold build takes at most 2.5 times a bare
`python -c "import pandas, matplotlib, reportlab"` on the same machine, with peak memory under
400 MB. The two commands are run alternately, in fresh processes, and medians are compared.
Prints a table and writes it as JSON; it asserts nothing, so it never fails on a slow machine.

    python benchmarks/run.py [--runs 5] [--json benchmarks/latest.json]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FLOOR = [sys.executable, "-c", "import pandas, matplotlib, reportlab"]

# Runs a command and reports its wall time and the peak resident memory of it and its children.
MEASURE = """
import resource, subprocess, sys, time, json
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def measure(command: list[str], cwd: Path) -> dict:
    result = subprocess.run([sys.executable, "-c", MEASURE, *command], cwd=cwd, check=True,
                            capture_output=True, text=True)
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "latest.json")
    args = parser.parse_args()
    bulletin = str(Path(sys.executable).with_name("bulletin"))
    floors, builds = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(args.runs):
            out = Path(scratch) / f"out{run}"
            floors.append(measure(FLOOR, REPO))
            builds.append(measure([bulletin, "build", "--data", str(REPO / "data"), "--out", str(out)], REPO))
    floor = statistics.median(m["seconds"] for m in floors)
    build = statistics.median(m["seconds"] for m in builds)
    peak = max(m["peak_mb"] for m in builds)
    report = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "runs": args.runs,
        "floor_seconds": round(floor, 3),
        "build_seconds": round(build, 3),
        "ratio": round(build / floor, 2),
        "goal_ratio": 2.5,
        "build_peak_mb": round(peak, 1),
        "goal_peak_mb": 400,
    }
    print(f"machine            {report['machine']}")
    print(f"import floor       {floor:6.2f} s  (median of {args.runs})")
    print(f"cold build         {build:6.2f} s  (median of {args.runs})")
    print(f"ratio              {report['ratio']:6.2f}    (goal <= 2.5)")
    print(f"build peak memory  {peak:6.0f} MB (goal < 400)")
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
