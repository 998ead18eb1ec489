"""Benchmarks of the paths users run, on the machine at hand. Prints a table, writes JSON.

It asserts nothing (a slow machine is not a failure); the goals are printed beside the figures.
1. the floor: a bare `python -c "import pandas, matplotlib, reportlab"`, and what a build imports
   before any work (the share of the ratio below that the libraries fix), alternated with
2. one cold single edition: `bulletin build` of the shipped sample's last quarter in a new
   process, into a new archive, with no data cache (goal: at most 3.0 x the floor, peak memory
   under 400 MB); medians of --runs, in three states of the chart text cache: empty (the first
   build on the machine), as the previous quarter's edition left it (a build each quarter), and
   as the same edition left it (a rebuild); and, to show what the web edition costs, the first
   build once more without it (`edition.web = false`), back to back with it, the order alternating
   (goal: the web edition adds at most 10 %, the median of the pairs);
3. every edition of Italy: `bulletin build` with territories = ["all"] and languages it + en on
   the national sample (128 territories, 256 editions), after `bulletin data check` has left the
   data cache: wall time, its ratio to the floor, and the peak memory of the whole process tree
   (goal: under 1.2 GB), and without the web edition (goal: it adds at most 10 %), each twice
   (--national-pairs), alternately, medians; and, because whole builds scatter on a shared
   machine by as much as that cost, national editions built with and without it back to back in
   one process (`web_pairs.py`: processor time, 64 pairs); with
   the cost of an edition against that of a Lombardy one from
4. the 26 editions of Lombardy (region and provinces, it + en) on the shipped sample.
3 and 4 start from an empty chart text cache, as on a new machine. Every run uses a cache folder of
its own (BULLETIN_CACHE_DIR), never the user's.

Peak memory of a tree is the largest sum, sampled every 50 ms, of the proportional set sizes
(PSS) of the command and its descendants: a page that forked workers share counts once.

    python benchmarks/run.py [--runs 3] [--national DIR] [--skip-national] [--national-pairs 2] [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BULLETIN = str(Path(PYTHON).with_name("bulletin"))
FLOOR = [PYTHON, "-c", "import pandas, matplotlib, reportlab"]
# What `bulletin build` imports before it does anything (its modules import their libraries at the top).
BUILD_IMPORTS = [PYTHON, "-c", "import bulletin.cli, bulletin.pipeline, bulletin.web, bulletin.data.trade"]
QUARTER, PREVIOUS_QUARTER = "2017Q1", "2016Q4"  # the shipped sample's last quarter and the one before
# The cold single edition in each state of the chart text cache, as the table labels it.
SINGLE = {"first": "2. one cold edition, first on the machine",
          "last_quarter": "   after last quarter's edition",
          "same_edition": "   after the same edition",
          "print_only": "   first, without the web edition"}


def measure(command: list[str], text_cache: Path, cwd: Path = REPO) -> dict:
    """Wall time, processor time and peak PSS of the process tree, and the command's output."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["BULLETIN_CACHE_DIR"] = str(text_cache)
    cpu_before = _children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    sampler = threading.Thread(target=_sample_memory, args=(process, peak), daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    sampler.join()
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{stderr[-3000:]}")
    return {"seconds": seconds, "cpu_seconds": _children_cpu() - cpu_before, "peak_mb": peak[0] / 1024,
            "stdout": stdout}


def _children_cpu() -> float:
    """Processor time of the finished children and their waited-for descendants: unlike wall time,
    hardly moved by other work on the machine."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _sample_memory(process: subprocess.Popen, peak: list[int]) -> None:
    while process.poll() is None:
        peak[0] = max(peak[0], sum(_pss_kb(pid) for pid in _tree(process.pid)))
        time.sleep(0.05)


def _tree(root: int) -> list[int]:
    """The process and its descendants, from the parent of each process in /proc."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:  # gone since it was listed
        pass
    return 0


def compile_package() -> None:
    """Bytecode for the package, as pip writes it for installed libraries (an editable install
    writes it on first use, unless PYTHONDONTWRITEBYTECODE is set)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(REPO / "bulletin")], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def median_of(samples: list[dict]) -> dict:
    return {"seconds": statistics.median(s["seconds"] for s in samples),
            "cpu_seconds": statistics.median(s["cpu_seconds"] for s in samples),
            "peak_mb": max(s["peak_mb"] for s in samples)}


def bench_single(runs: int, scratch: Path) -> tuple[dict, dict, dict[str, dict]]:
    """The floor, a build's imports and one cold edition in each state of the chart text cache
    (`SINGLE`), alternated so that all of them see the same machine state."""
    floors, imports, builds = [], [], {kind: [] for kind in SINGLE}
    for run in range(runs):
        empty, last_quarter = scratch / f"text-cache-{run}", scratch / f"text-cache-last-quarter-{run}"
        single_build(scratch / f"previous-{run}", PREVIOUS_QUARTER, last_quarter)  # not measured: it fills
        floors.append(measure(FLOOR, scratch / "no-text-cache"))
        imports.append(measure(BUILD_IMPORTS, scratch / "no-text-cache"))
        # The first build and the one without the web edition back to back, the order alternating:
        # what the web edition adds is read from each pair, not from builds minutes apart.
        twins = {"first": (empty, True), "print_only": (scratch / f"text-cache-print-only-{run}", False)}
        for kind in (("first", "print_only") if run % 2 == 0 else ("print_only", "first")):
            text_cache, web = twins[kind]
            builds[kind].append(single_build(scratch / f"{kind}-{run}", QUARTER, text_cache, web=web))
        builds["last_quarter"].append(single_build(scratch / f"last-quarter-{run}", QUARTER, last_quarter))
        builds["same_edition"].append(single_build(scratch / f"same-{run}", QUARTER, empty))  # as "first" left it
    single = {kind: median_of(samples) for kind, samples in builds.items()}
    single["web_added_pct"] = {key: 100 * (statistics.median(with_web[key] / without[key] for with_web, without
                                                             in zip(builds["first"], builds["print_only"])) - 1)
                               for key in ("seconds", "cpu_seconds")}
    return median_of(floors), median_of(imports), single


def single_build(folder: Path, quarter: str, text_cache: Path, web: bool = True) -> dict:
    """`bulletin build` of the Lombardia edition of `quarter` in a new process, into a new archive,
    without the data cache (from a copy of the shipped sample without it); with or without the
    web edition."""
    shutil.copytree(REPO / "data", folder / "data", ignore=shutil.ignore_patterns(".cache"))
    config = folder / "bulletin.toml"
    config.write_text(f"[edition]\nweb = {str(web).lower()}\n", encoding="utf-8")
    return measure([BULLETIN, "build", "--config", str(config), "--quarter", quarter, "--data", str(folder / "data"),
                    "--out", str(folder / "out")], text_cache)


def bench_editions(config: Path, data: Path) -> dict:
    """`bulletin build` of every configured edition, after `data check` has left the data cache,
    with an empty chart text cache."""
    subprocess.run([BULLETIN, "data", "check", "--config", str(config), "--data", str(data)], check=True,
                   capture_output=True)
    shutil.rmtree(config.parent / "output", ignore_errors=True)
    run = measure([BULLETIN, "build", "--config", str(config), "--data", str(data)], config.parent / "text-cache",
                  cwd=config.parent)
    editions = _editions(run.pop("stdout"))
    seconds = [edition["seconds"] for edition in editions]
    per_page = [edition["seconds"] / edition["pages"] for edition in editions]
    return {**run, "editions": len(editions), "edition_seconds_median": statistics.median(seconds),
            "edition_seconds_max": max(seconds), "seconds_per_page_median": statistics.median(per_page),
            "seconds_per_page_max": max(per_page)}


def _editions(table: str) -> list[dict]:
    """The editions of `build --territory all`'s summary: quarter territory lang, pages, seconds, result."""
    editions = []
    for line in table.splitlines()[1:]:
        quarter, territory, lang, pages, seconds, result = line.split()[:6]
        if result != "built":
            raise SystemExit(f"not built: {line}")
        editions.append({"edition": f"{territory} {lang}", "pages": int(pages), "seconds": float(seconds)})
    return editions


def bench_italy(data: Path, scratch: Path, pairs: int) -> tuple[dict, dict]:
    """Every edition of Italy with the web edition and without, `pairs` times each, in the order
    without-with, with-without, ...: on a shared machine the first of two long runs was often the
    faster (one run of each once gave the web edition 26 %, four in this order 5 %). Medians."""
    runs: dict[bool, list[dict]] = {True: [], False: []}
    for pair in range(pairs):
        for web in ((False, True) if pair % 2 == 0 else (True, False)):
            name = f"italy-{'web' if web else 'print-only'}-{pair}"
            runs[web].append(bench_editions(edition_config(scratch / name, ["all"], web=web), data))
    return tuple(_median_run(runs[web]) for web in (True, False))


def _median_run(runs: list[dict]) -> dict:
    """The medians of each figure of several runs of one build (the maxima for the slowest and the peak)."""
    return {key: (max if key.endswith("_max") or key == "peak_mb" else statistics.median)(run[key] for run in runs)
            for key in runs[0]}


def edition_config(folder: Path, territories: list[str], web: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "bulletin.toml"
    config.write_text(f'[edition]\nterritories = {json.dumps(territories)}\nlanguages = ["it", "en"]\n'
                      f'web = {str(web).lower()}\n', encoding="utf-8")
    return config


def national_sample(folder: Path) -> Path:
    if not (folder / "trade").is_dir():
        subprocess.run([PYTHON, str(REPO / "scripts" / "generate_sample.py"), "--scale", "national",
                        "--out", str(folder)], check=True, capture_output=True)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs of the floor and of the single edition")
    parser.add_argument("--national", type=Path, help="keep the national sample here between runs")
    parser.add_argument("--skip-national", action="store_true", help="leave out every edition of Italy")
    parser.add_argument("--national-pairs", type=int, default=2,
                        help="builds of every edition of Italy with and without the web edition, each")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "latest.json")
    args = parser.parse_args()
    report: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                    "runs": args.runs}
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        compile_package()
        floor, imports, single = bench_single(args.runs, scratch)
        report.update(floor=floor, build_imports={**imports, **ratios(imports, floor)},
                      single_edition={kind: figures if kind == "web_added_pct" else {**figures, **ratios(figures, floor)}
                                      for kind, figures in single.items()})
        lombardy = bench_editions(edition_config(scratch / "lombardy", ["ITC4", "all"]), REPO / "data")
        report["lombardy_editions"] = lombardy
        if not args.skip_national:
            data = national_sample(args.national or scratch / "national")
            italy, print_only = bench_italy(data, scratch, args.national_pairs)
            report["all_italy"] = {**italy, "ratio_to_floor": italy["seconds"] / floor["seconds"],
                                   "seconds_per_page_vs_lombardy":
                                       italy["seconds_per_page_median"] / lombardy["seconds_per_page_median"]}
            report["all_italy_print_only"] = print_only
            report["web_pairs"] = json.loads(subprocess.run(
                [PYTHON, str(REPO / "benchmarks" / "web_pairs.py"), str(data)], check=True, capture_output=True,
                text=True, env={**os.environ, "BULLETIN_CACHE_DIR": str(scratch / "web-pairs-cache")}).stdout)
    print_table(report)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def ratios(figures: dict, floor: dict) -> dict:
    return {"ratio_to_floor": figures["seconds"] / floor["seconds"],
            "cpu_ratio_to_floor": figures["cpu_seconds"] / floor["cpu_seconds"]}


def print_table(report: dict) -> None:
    floor, lombardy = report["floor"], report["lombardy_editions"]
    print(f"machine: {report['machine']} (floor and single edition: medians of {report['runs']} runs)\n")
    print(f"{'measure':42} {'seconds':>8} {'cpu s':>8} {'peak MB':>8}  goal")

    def row(label: str, figures: dict, goal: str = "") -> None:
        print(f"{label:42} {figures['seconds']:8.2f} {figures['cpu_seconds']:8.2f} {figures['peak_mb']:8.0f}  {goal}")

    row("1. import pandas, matplotlib, reportlab", floor)
    imports = report["build_imports"]
    row("   what a build imports, before any work", imports,
        f"{imports['ratio_to_floor']:.2f} x floor, of the 3.0 x a cold edition may take")
    for kind, label in SINGLE.items():
        single = report["single_edition"][kind]
        row(label, single, f"{single['ratio_to_floor']:.2f} x floor (<= 3.0), {single['cpu_ratio_to_floor']:.2f} x "
                           f"in processor time; < 400 MB")
    added = report["single_edition"]["web_added_pct"]
    print(f"{'   the web edition adds (median of pairs)':42} {added['seconds']:7.1f}% {added['cpu_seconds']:7.1f}% "
          f"{'':8}  <= 10 %")
    if "all_italy" in report:
        italy = report["all_italy"]
        row("3. every edition of Italy (256)", italy, f"{italy['ratio_to_floor']:.0f} x floor; < 1200 MB")
        print(f"{'   an edition: median, slowest (s)':42} {italy['edition_seconds_median']:8.2f} "
              f"{italy['edition_seconds_max']:8.2f}")
        print(f"{'   a page (s), against Lombardy':42} {italy['seconds_per_page_median']:8.3f} {'':8} {'':8}  "
              f"{italy['seconds_per_page_vs_lombardy']:.2f} x; the slowest "
              f"{italy['seconds_per_page_max'] / lombardy['seconds_per_page_median']:.2f} x")
        row("   without the web edition", report["all_italy_print_only"])
        web_share("   the web edition adds", italy, report["all_italy_print_only"])
        pairs = report["web_pairs"]
        # The sum of the pairs: what the web edition adds to a run (the ratio of one pair swings
        # with which build a garbage collection or a neighbour's burst fell on).
        print(f"{'   the same, edition by edition':42} {'':8} {pairs['added_pct']:7.1f}% {'':8}  <= 10 % "
              f"({pairs['pairs']} pairs)")
    else:
        print("3. every edition of Italy: skipped")
    row("4. the 26 Lombardy editions", lombardy)
    print(f"{'   an edition: median, slowest (s)':42} {lombardy['edition_seconds_median']:8.2f} "
          f"{lombardy['edition_seconds_max']:8.2f}")


def web_share(label: str, with_web: dict, print_only: dict) -> None:
    """How much longer the build with the web edition took than the one without, in percent."""
    wall, cpu = (100 * (with_web[key] / print_only[key] - 1) for key in ("seconds", "cpu_seconds"))
    print(f"{label:42} {wall:7.1f}% {cpu:7.1f}% {'':8}  <= 10 %")


if __name__ == "__main__":
    main()
