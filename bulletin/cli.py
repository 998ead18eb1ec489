"""The `bulletin` command: parse flags, load the configuration once, run a stage, map errors to exit codes."""
from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import sys
from pathlib import Path

from bulletin import __version__
from bulletin.config import Config, EditionConfig, load_config
from bulletin.errors import BulletinError, ConfigError, DataError, DeliveryPending

log = logging.getLogger("bulletin")

EPILOG = """examples:
  bulletin data check                     validate the data folder
  bulletin data import istat-2017Q2.csv   add an ISTAT download (SDMX-CSV, JSON-stat) to the data
  bulletin data fetch                     download and import the quarters ISTAT has released since
  bulletin indicators --quarter 2017Q1    print the quarter's figures as JSON
"""


def _command(commands, name: str, run, help: str, description: str, examples: list[str],
             common: bool = True, archive: bool = True) -> argparse.ArgumentParser:
    """One sub-command with its help, examples and the options every command shares."""
    parser = commands.add_parser(name, help=help, description=description,
                                 epilog="example" + ("s" if len(examples) > 1 else "") + ":\n  " + "\n  ".join(examples),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    if common:
        parser.add_argument("--config", type=Path, help="configuration file (default: ./bulletin.toml if present)")
        parser.add_argument("--data", type=Path, help="data folder (default: paths.data in the configuration, or ./data)")
        parser.add_argument("-v", "--verbose", action="store_true", help="log progress and details")
    if common and archive:
        parser.add_argument("--out", type=Path, help="archive folder (default: paths.output, ./output)")
    parser.set_defaults(run=run)
    return parser


def _quarter_argument(text: str) -> str:
    """A quarter as the data name it, 2017Q1; "2017q1" is taken as that too."""
    from bulletin.data.quarters import QUARTER_PATTERN  # here: the data package imports pandas

    quarter = text.strip().upper()
    if not QUARTER_PATTERN.fullmatch(quarter):
        raise argparse.ArgumentTypeError(f"not a quarter like 2017Q1: {text!r}")
    return quarter


def _edition_options(parser: argparse.ArgumentParser, quarter_default: str) -> None:
    parser.add_argument("--quarter", type=_quarter_argument, help=f"quarter like 2017Q1 (default: {quarter_default})")
    parser.add_argument("--territory", help="NUTS code (default: the first in edition.territories)")
    parser.add_argument("--lang", choices=["it", "en"], help="language (default: the first in edition.languages)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bulletin", description="Quarterly bulletin of hi-tech exports: data, indicators, PDF, archive, mail.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"bulletin {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = _command(commands, "init", _run_init,
                    "write a working folder with the sample data, in which `bulletin build` works",
                    "Write DIR/bulletin.toml (every option with its default, commented out), the sample data "
                    "in DIR/data/, DIR/data/notes/ for the editor's comments and DIR/templates/, where a file "
                    "replaces the shipped one of the same name. DIR must be new or empty.",
                    ["bulletin init work && cd work && bulletin build"], common=False)
    init.add_argument("folder", type=Path, metavar="DIR", help="the folder to create")

    data = commands.add_parser("data", help="check or import trade data",
                               description="Check the data folder or import ISTAT downloads into it.")
    data_commands = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    _command(data_commands, "check", _run_data_check, "validate every data file and list all problems",
             "Validate data/trade/*.csv[.gz] and data/services.csv; print every problem as "
             "FILE:ROW: column 'x': what is wrong (got 'value'); exit 2 if any.",
             ["bulletin data check --data data"], archive=False)
    importer = _command(
        data_commands, "import", _run_data_import, "convert ISTAT downloads into the canonical files",
        "Convert ISTAT foreign-trade downloads (SDMX-CSV 1.0 with ids or labels, SDMX-CSV 2.0, JSON-stat 2.0, "
        "recognised from the file) into data/trade/<quarter>.csv.gz, "
        "merging with what is there: a newer value for the same key replaces the older. Nothing is written "
        "if any file has a problem.", ["bulletin data import downloads/istat-2017Q2.csv --unit eur"], archive=False)
    importer.add_argument("files", nargs="+", type=Path, metavar="FILE", help="SDMX-CSV or JSON-stat files from ISTAT")
    importer.add_argument("--unit", choices=["eur", "thousand", "million"],
                          help="unit of OBS_VALUE when the files have no UNIT_MULT column")
    fetcher = _command(
        data_commands, "fetch", _run_data_fetch, "download the quarters the data lack from an SDMX service, and import them",
        "Ask [source] url (ISTAT's SDMX REST service by default) for each quarter after the newest complete one, "
        "and those still provisional, up to the current one; keep each download in data/raw/ and import it as "
        "`data import` does. A quarter not released yet (HTTP 404) ends the run: exit 0, nothing written.",
        ["bulletin data fetch", "bulletin data fetch --quarter 2017Q2 --config /srv/bulletin/bulletin.toml"], archive=False)
    fetcher.add_argument("--quarter", type=_quarter_argument, help="fetch this quarter (like 2017Q2) only")

    indicators = _command(
        commands, "indicators", _run_indicators, "print the quarter's indicators as JSON",
        "Compute every figure of the bulletin for a quarter and territory and print it as JSON.",
        ["bulletin indicators --quarter 2017Q1 --territory ITC4 > indicators.json"], archive=False)
    indicators.add_argument("--quarter", type=_quarter_argument, help="quarter like 2017Q1 (default: the latest in the data)")
    indicators.add_argument("--territory", help="NUTS code (default: the first of edition.territories, as build)")

    build = _command(
        commands, "build", _run_build, "compose the quarterly bulletin PDF",
        "Compute the indicators, draw the charts and compose the bulletin PDF into the archive, "
        "<output>/<quarter>/<territory>/<lang>-r<revision>/, with its charts, tables, indicators.json and "
        "manifest.json. Unchanged figures build nothing; figures that changed after the edition was sent make "
        "a new revision. With no options: the latest quarter in the data, Lombardia, in Italian. "
        "--territory all: the region and each of its provinces (or every territory in the data).",
        ["bulletin build", "bulletin build --quarter 2017Q1 --territory ITC4 --lang en --out /srv/bulletin",
         "bulletin build --territory all"])
    _edition_options(build, "the latest in the data")
    build.add_argument("--workers", type=int, help="processes for --territory all (default: all cores)")
    build.add_argument("--rebuild", action="store_true",
                       help="rebuild an edition that was not sent yet even if its figures are unchanged")

    archive = _command(
        commands, "archive", _run_archive, "list the archived editions, or verify them",
        "List every edition in the archive, or (verify) re-hash every file against its manifest and report "
        "any file that is missing or changed, and anything an interrupted run left; exit 1 if any.",
        ["bulletin archive", "bulletin archive verify"])
    archive.add_argument("action", nargs="?", choices=["list", "verify"], default="list")

    send = _command(
        commands, "send", _run_send, "mail an edition to the distribution list",
        "Mail the archived edition (building it first if it is missing) to the addresses of the distribution "
        "list that have not received it yet. The SMTP password comes only from BULLETIN_SMTP_PASSWORD. "
        "Without [mail] smtp_host, messages are written to <output>/outbox/.",
        ["bulletin send --dry-run", "bulletin send --quarter 2017Q1 --to someone@example.org --force"])
    _edition_options(send, "the latest complete quarter")
    send.add_argument("--to", nargs="+", metavar="ADDR", help="send to these addresses instead of the list")
    send.add_argument("--dry-run", action="store_true", help="say who would receive it, send nothing")
    send.add_argument("--force", action="store_true", help="send even to addresses that already received it")

    _command(commands, "publish", _run_publish, "run the publishing job once (for cron, systemd or by hand)",
             "For each configured territory and language: find the newest complete quarter, build and archive "
             "it if needed, and mail it to whoever has not received it. Safe to run any number of times.",
             ["bulletin publish --config /etc/bulletin/bulletin.toml"])
    scheduler = _command(
        commands, "schedule", _run_schedule, "run the publishing job every day, in the foreground",
        "Run the publishing job at once (catching up on anything due), then every day at schedule.at in "
        "schedule.timezone. Logs to stderr and output/logs/bulletin.log; stops cleanly on SIGTERM or Ctrl-C.",
        ["bulletin schedule --config bulletin.toml"])
    scheduler.add_argument("--once", action="store_true", help="run the job once through the scheduler and exit")
    _command(commands, "check", _run_check,
             "check fonts, logo, templates, data, archive and mail settings before a run",
             "Check everything a run needs — brand fonts and logo, every template of every configured language, "
             "the data, that the archive is writable, the recipients — and list every problem; exit 2 if any. "
             "`bulletin schedule` runs this first.", ["bulletin check --config /etc/bulletin/bulletin.toml"])
    _command(commands, "status", _run_status, "when the scheduler last ran, with what result, and when it runs next",
             "Print the scheduler's heartbeat: last run, result, next run.", ["bulletin status"])
    return parser


def _config(args: argparse.Namespace) -> Config:
    return load_config(args.config, overrides={"paths.data": getattr(args, "data", None),
                                               "paths.output": getattr(args, "out", None)})


def _dataset_and_quarter(config: Config, quarter: str | None):
    """The validated data and the quarter asked for, or the latest one in the data."""
    from bulletin.data.trade import load_dataset, require_quarter
    from bulletin.indicators.compute import latest_quarter

    dataset = load_dataset(config.paths.data)
    quarter = quarter or latest_quarter(dataset.trade)
    require_quarter(dataset, quarter, config.paths.data)
    return dataset, quarter


def _run_init(args: argparse.Namespace) -> int:
    from bulletin.workspace import init_workspace

    init_workspace(args.folder)
    print(f"wrote {args.folder}: bulletin.toml, data/ with the sample, data/notes/, templates/\n"
          f"next: cd {args.folder} && bulletin build")
    return 0


def _run_data_check(args: argparse.Namespace) -> int:
    from bulletin.data.trade import load_dataset

    config = _config(args)
    dataset = load_dataset(config.paths.data)
    for warning in dataset.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    quarters = dataset.quarters
    print(f"{config.paths.data}: {len(dataset.trade):,} trade rows, quarters {quarters[0]}..{quarters[-1]}, "
          f"{len(dataset.services):,} services rows: OK")
    return 0


def _run_data_import(args: argparse.Namespace) -> int:
    from bulletin.data.istat import import_files

    config = _config(args)
    report, merged = import_files(config.paths.data, list(args.files), unit=args.unit)
    print(report.summary())
    print(f"added {merged.added} rows, replaced {merged.replaced}, unchanged {merged.unchanged}; "
          f"wrote {', '.join(str(p) for p in merged.files) or 'nothing'}")
    return 0


def _run_data_fetch(args: argparse.Namespace) -> int:
    from bulletin.data.fetch import fetch_new_quarters
    from bulletin.data.quarters import QUARTER_PATTERN

    if args.quarter and not QUARTER_PATTERN.fullmatch(args.quarter):
        raise ConfigError(f"--quarter: expected a quarter like 2017Q2, got {args.quarter!r}")
    print(fetch_new_quarters(_config(args), args.quarter).summary())
    return 0


def _run_indicators(args: argparse.Namespace) -> int:
    from bulletin.indicators.compute import compute_indicators

    config = _config(args)
    dataset, quarter = _dataset_and_quarter(config, args.quarter)
    territory = args.territory or _default_territory(config)
    services = dataset.services if config.services.covers(territory) else None
    figures = compute_indicators(dataset.trade, services, quarter, territory, dataset.warnings)
    json.dump(figures.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


def _counted(count: int, noun: str) -> str:
    """"1 problem", "2 problems": the console's English counts."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _edition_key(config: Config, args: argparse.Namespace) -> tuple[str, str]:
    """The edition a command makes when not told: the first configured territory and language."""
    return args.territory or _default_territory(config), args.lang or config.edition.languages[0]


def _default_territory(config: Config) -> str:
    """The first territory of `edition.territories` that is one ("all" only adds the others)."""
    return next((code for code in config.edition.territories if code != "all"), EditionConfig().territories[0])


def _run_build(args: argparse.Namespace) -> int:
    from bulletin.archive.store import EditionLock
    from bulletin.data.checks import require_both_flows
    from bulletin.pipeline import ensure_edition
    from bulletin.web import write_archive_pages

    config = _config(args)
    dataset, quarter = _dataset_and_quarter(config, args.quarter)
    # The modules and the data loaded so far live until the end: frozen, the collector no longer
    # walks them each time the charts and the document make their many small objects (a fifth of
    # the drawing time), and forked workers share their pages instead of copying them.
    gc.freeze()
    if args.territory == "all" or (args.territory is None and "all" in config.edition.territories):
        return _build_all(config, dataset, quarter, args)
    territory, lang = _edition_key(config, args)
    require_both_flows(dataset.trade, quarter, territory, config.paths.data)  # refused before any folder is made
    with EditionLock(config.paths.output, quarter, territory, lang):
        edition, _, built = ensure_edition(config, dataset, quarter, territory, lang, rebuild=args.rebuild)
    if built:
        write_archive_pages(config)
    else:
        print(f"unchanged since it was built on {edition.manifest['built_at']}: not rebuilt", file=sys.stderr)
    print(edition.pdf)
    return 0


def _build_all(config: Config, dataset, quarter: str, args: argparse.Namespace) -> int:
    """Every edition of the quarter on all cores, with progress on stderr and a summary at the end."""
    import time

    from bulletin.archive.listing import print_table
    from bulletin.delivery.publish import build_editions, expand_territories
    from bulletin.faults import available_cores

    territories = expand_territories(dataset, ["all", *config.edition.territories])
    languages = [args.lang] if args.lang else list(config.edition.languages)
    started = time.perf_counter()
    results = build_editions(config, dataset, quarter, territories, languages, workers=args.workers or available_cores(),
                             progress=_progress)
    print(file=sys.stderr)
    header = ("edition", "pages", "seconds", "result")
    rows = [(f"{r.quarter} {r.territory} {r.lang}", str(r.pages) if r.pages else "-", f"{r.seconds:.1f}",
             "failed: " + r.error.splitlines()[0] if r.error else ("built" if r.built else "unchanged"))
            for r in results]
    print_table(header, rows)
    failed = [r for r in results if r.error]
    print(f"{len(results) - len(failed)} of {len(results)} editions in {time.perf_counter() - started:.1f} s"
          + (f"; failed: {', '.join(f'{r.territory} {r.lang}' for r in failed)}" if failed else ""), file=sys.stderr)
    return 1 if failed else 0


def _progress(done: int, total: int, result) -> None:
    width = 30
    filled = width * done // total
    line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} editions ({result.territory} {result.lang})"
    if sys.stderr.isatty():
        print("\r" + line, end="", file=sys.stderr, flush=True)
    else:
        print(line, file=sys.stderr, flush=True)


def _run_archive(args: argparse.Namespace) -> int:
    from bulletin.archive.listing import edition_rows, print_table
    from bulletin.archive.store import all_editions, leftovers, verify

    config = _config(args)
    if args.action == "verify":
        problems = verify(config.paths.output) + leftovers(config.paths.output)
        for problem in problems:
            print(problem)
        count = len(all_editions(config.paths.output))
        print(f"{_counted(count, 'edition')} checked: "
              + (_counted(len(problems), "problem") if problems else "all files match"),
              file=sys.stderr)
        return 1 if problems else 0
    print_table(*edition_rows(all_editions(config.paths.output)))
    return 0


def _run_send(args: argparse.Namespace) -> int:
    from bulletin.archive.store import EditionLock
    from bulletin.data.checks import require_both_flows
    from bulletin.delivery.mail import recipients_of
    from bulletin.delivery.publish import complete_quarters, deliver
    from bulletin.pipeline import ensure_edition, plan_edition
    from bulletin.web import write_archive_pages

    config = _config(args)
    territory, lang = _edition_key(config, args)
    dataset, quarter = _dataset_and_quarter(config, args.quarter or None)
    if not args.quarter:  # the newest complete one; with none, the check below says what is missing
        quarter = (complete_quarters(dataset, territory) or [quarter])[-1]
    require_both_flows(dataset.trade, quarter, territory, config.paths.data)  # refused before any folder is made
    with EditionLock(config.paths.output, quarter, territory, lang):
        if args.dry_run:  # builds nothing: says what would be built and who would receive it
            plan = plan_edition(config, dataset, quarter, territory, lang)
            if plan.build:
                wanted = args.to if args.to is not None else recipients_of(config.mail)
                print(f"{quarter} {territory} {lang} r{plan.revision}, not built yet: would build it and send to "
                      f"{', '.join(wanted) or 'nobody (no recipients configured)'}")
                return 0
            edition, content = plan.latest, plan.content
        else:
            edition, content, built = ensure_edition(config, dataset, quarter, territory, lang)
            if built:
                write_archive_pages(config)
        outcome = deliver(config, dataset, edition, content, recipients=args.to, force=args.force,
                          dry_run=args.dry_run)
    print(outcome.summary())
    for address, reason in outcome.refused.items():
        print(f"refused: {address}: {reason}", file=sys.stderr)
    return 0 if outcome.ok else 1


def _run_publish(args: argparse.Namespace) -> int:
    from bulletin.delivery.publish import publish

    outcomes = publish(_config(args))
    for outcome in outcomes:
        print(outcome.summary())
    return 0 if all(outcome.ok for outcome in outcomes) else 1


def _run_schedule(args: argparse.Namespace) -> int:
    from bulletin.delivery.publish import alert_admin, publish
    from bulletin.delivery.preflight import placeholder_notes, run_checks
    from bulletin.delivery.scheduler import JobOutcome, configure_logging, run_scheduler

    config = _config(args)
    problems = run_checks(config)
    if problems:  # fail at start-up, not in the middle of a scheduled run
        print("\n".join(problems), file=sys.stderr)
        return 2
    configure_logging(config.paths.output / "logs", verbose=True)
    for note in placeholder_notes(config):
        log.warning(note)

    def job() -> JobOutcome:
        outcomes = publish(config)
        summary = "; ".join(o.summary() for o in outcomes) or "nothing to do"
        if not all(o.ok or o.alerted for o in outcomes):
            raise DeliveryPending(summary)
        # A failed or unknown delivery has alerted the admin itself (once, recorded in its manifest).
        return JobOutcome(ok=all(o.ok for o in outcomes), summary=summary, alerted=True)

    return run_scheduler(job, config.schedule, config.paths.output / "logs",
                         alert=lambda kind, summary: alert_admin(config, kind, summary), once=args.once)


def _run_check(args: argparse.Namespace) -> int:
    from bulletin.delivery.preflight import placeholder_notes, run_checks

    config = _config(args)
    problems = run_checks(config)
    for problem in problems:
        print(problem, file=sys.stderr)
    for note in placeholder_notes(config):
        print(f"note: {note}", file=sys.stderr)
    print(_counted(len(problems), "problem") if problems
          else "ready: fonts, templates, data, archive and mail settings OK",
          file=sys.stderr if problems else sys.stdout)
    return 2 if problems else 0


def _run_status(args: argparse.Namespace) -> int:
    from bulletin.delivery.scheduler import read_status

    print(read_status(_config(args).paths.output / "logs"))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "schedule":  # the scheduler sets up its own console and rotating file logs
        logging.basicConfig(level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
                            format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if getattr(args, "territory", None) not in (None, "all"):
        from bulletin.reference import TERRITORIES
        if args.territory not in TERRITORIES:
            parser.error(f"unknown territory {args.territory!r}; known: {', '.join(TERRITORIES)}")
    try:
        return args.run(args)
    except BulletinError as exc:
        print(exc.render() if isinstance(exc, DataError) else f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # a reader that went away (`bulletin indicators | head`): `entry` ends quietly
        raise
    except OSError as exc:  # disk full, permissions: the archive keeps its previous state
        where = f" {exc.filename}" if exc.filename else ""
        print(f"error: cannot write{where}: {exc.strerror or exc}", file=sys.stderr)
        return 1


def entry() -> None:
    """The console command."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:  # a reader that went away (`bulletin archive | head -1`): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # as Python's documentation advises
        code = 1
    sys.exit(code)


if __name__ == "__main__":
    entry()
