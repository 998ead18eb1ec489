"""The `bulletin` command: parse flags, load the configuration once, run a stage, map errors to exit codes."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from . import __version__
from .config import Config, load_config
from .errors import BulletinError, DataError

log = logging.getLogger("bulletin")

EPILOG = """examples:
  bulletin data check                     validate the data folder
  bulletin data import istat-2017Q2.csv   add an ISTAT SDMX-CSV download to the data
  bulletin indicators --quarter 2017Q1    print the quarter's figures as JSON
"""


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="configuration file (default: ./bulletin.toml if present)")
    parser.add_argument("--data", type=Path, help="data folder (default: paths.data in the configuration, or ./data)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and details")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bulletin", description="Quarterly bulletin of hi-tech exports: data, indicators, PDF, archive, mail.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"bulletin {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    data = commands.add_parser("data", help="check or import trade data",
                               description="Check the data folder or import ISTAT downloads into it.")
    data_commands = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    check = data_commands.add_parser(
        "check", help="validate every data file and list all problems",
        description="Validate data/trade/*.csv[.gz] and data/services.csv; print every problem as "
                    "FILE:ROW: column 'x': what is wrong (got 'value'); exit 2 if any.",
        epilog="example:\n  bulletin data check --data data", formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(check)
    check.set_defaults(run=_run_data_check)
    importer = data_commands.add_parser(
        "import", help="convert ISTAT SDMX-CSV downloads into the canonical files",
        description="Convert ISTAT foreign-trade downloads (SDMX-CSV, dataflow 139_176) into "
                    "data/trade/<quarter>.csv.gz, merging with what is there: a newer value for the "
                    "same key replaces the older. Nothing is written if any file has a problem.",
        epilog="example:\n  bulletin data import downloads/istat-2017Q2.csv --unit eur",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    importer.add_argument("files", nargs="+", type=Path, metavar="FILE", help="SDMX-CSV files from ISTAT")
    importer.add_argument("--unit", choices=["eur", "thousand", "million"],
                          help="unit of OBS_VALUE when the files have no UNIT_MULT column")
    _common(importer)
    importer.set_defaults(run=_run_data_import)

    indicators = commands.add_parser(
        "indicators", help="print the quarter's indicators as JSON",
        description="Compute every figure of the bulletin for a quarter and territory and print it as JSON.",
        epilog="example:\n  bulletin indicators --quarter 2017Q1 --territory ITC4 > indicators.json",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    indicators.add_argument("--quarter", help="quarter like 2017Q1 (default: the latest in the data)")
    indicators.add_argument("--territory", default="ITC4", help="NUTS code (default: ITC4, Lombardia)")
    _common(indicators)
    indicators.set_defaults(run=_run_indicators)
    build = commands.add_parser(
        "build", help="compose the quarterly bulletin PDF",
        description="Compute the indicators, draw the charts and compose the bulletin PDF into "
                    "<output>/<quarter>/<territory>/ with its charts and indicators.json. "
                    "With no options: the latest quarter in the data, Lombardia, in Italian.",
        epilog="examples:\n  bulletin build\n  bulletin build --quarter 2017Q1 --territory ITC4 --lang en --out /srv/bulletin",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    build.add_argument("--quarter", help="quarter like 2017Q1 (default: the latest in the data)")
    build.add_argument("--territory", help="NUTS code (default: the first in edition.territories, ITC4)")
    build.add_argument("--lang", choices=["it", "en"], help="language (default: the first in edition.languages, it)")
    build.add_argument("--out", type=Path, help="archive folder (default: paths.output, ./output)")
    _common(build)
    build.set_defaults(run=_run_build)
    return parser


def _config(args: argparse.Namespace) -> Config:
    return load_config(args.config, overrides={"paths.data": getattr(args, "data", None),
                                               "paths.output": getattr(args, "out", None)})


def _dataset_and_quarter(config: Config, quarter: str | None):
    """The validated data and the quarter asked for, or the latest one in the data."""
    from .data import load_dataset, require_quarter
    from .indicators import latest_quarter

    dataset = load_dataset(config.paths.data)
    quarter = quarter or latest_quarter(dataset.trade)
    require_quarter(dataset, quarter, config.paths.data)
    return dataset, quarter


def _run_data_check(args: argparse.Namespace) -> int:
    from .data import load_dataset

    config = _config(args)
    dataset = load_dataset(config.paths.data)
    for warning in dataset.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    quarters = dataset.quarters
    print(f"{config.paths.data}: {len(dataset.trade):,} trade rows, quarters {quarters[0]}..{quarters[-1]}, "
          f"{len(dataset.services):,} services rows: OK")
    return 0


def _run_data_import(args: argparse.Namespace) -> int:
    from .data import merge_trade
    from .istat import read_istat_files

    config = _config(args)
    rows, report = read_istat_files(list(args.files), unit=args.unit)
    merged = merge_trade(config.paths.data, rows)
    skipped = ", ".join(f"{count} {reason}" for reason, count in sorted(report.skipped_other.items()))
    print(f"read {report.rows_read} rows from {len(report.files)} file(s); "
          f"skipped {report.skipped_not_hitech} outside hi-tech" + (f", {skipped}" if skipped else ""))
    print(f"added {merged.added} rows, replaced {merged.replaced}, unchanged {merged.unchanged}; "
          f"wrote {', '.join(str(p) for p in merged.files) or 'nothing'}")
    return 0


def _run_indicators(args: argparse.Namespace) -> int:
    from .indicators import compute_indicators

    config = _config(args)
    dataset, quarter = _dataset_and_quarter(config, args.quarter)
    figures = compute_indicators(dataset.trade, dataset.services, quarter, args.territory, dataset.warnings)
    json.dump(figures.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


def _run_build(args: argparse.Namespace) -> int:
    from .pipeline import build_edition

    config = _config(args)
    dataset, quarter = _dataset_and_quarter(config, args.quarter)
    territory = args.territory or config.edition.territories[0]
    lang = args.lang or config.edition.languages[0]
    built = build_edition(config, dataset, quarter, territory, lang)
    print(built.pdf)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if getattr(args, "territory", None) not in (None, "all"):
        from .reference import TERRITORIES
        if args.territory not in TERRITORIES:
            parser.error(f"unknown territory {args.territory!r}; known: {', '.join(TERRITORIES)}")
    try:
        return args.run(args)
    except BulletinError as exc:
        print(exc.render() if isinstance(exc, DataError) else f"error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
