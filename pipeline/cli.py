"""The `zh-extract` command: run the flow once, serve it on a schedule, or analyse one file.

Exit status of `run` (a scheduler can tell them apart; the README lists them too):
0 every input was processed (warnings allowed), 1 some inputs failed (they are rows in `errors`), 2 a usage
error or an invalid setting, 3 the outputs cannot be written or are damaged, 4 another run holds the outputs
lock, 5 the run itself failed for another reason (the orchestrator, a bug outside any one article).
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from pipeline.settings import DEFAULT_BATCH_SIZE, configure_prefect

EXIT_OK, EXIT_FAILED_INPUTS, EXIT_USAGE = 0, 1, 2
# The outputs need a person: damaged or unwritable tables, or another writer; or the run itself failed.
EXIT_DAMAGED, EXIT_LOCKED, EXIT_RUN_FAILED = 3, 4, 5


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zh-extract", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="process new and changed articles once and print a summary")
    _corpus_args(run)
    run.add_argument("--full", action="store_true", help="reprocess every article")
    run.add_argument("--runner", choices=("default", "dask"), default="default")
    run.add_argument("--workers", type=int, default=None,
                     help="worker processes analysing batches (default: one per core; 1: in this process)")
    run.add_argument("--dask-address", default=None, help="an existing Dask scheduler (with --runner dask)")
    run.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                     help=f"articles per task (default: {DEFAULT_BATCH_SIZE})")
    run.add_argument("--max-bytes", type=int, default=None, help="refuse articles larger than this")
    run.add_argument("--follow-symlinks", action="store_true",
                     help="read symlinks whose target is outside the corpus folder (default: refused, an errors "
                          "row with code outside_corpus)")
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
    run.add_argument("--article-seconds", type=float, default=300.0,
                     help="the most seconds one article may take; past it the article is an errors row "
                          "(code timeout) and the run goes on (0: no limit; default 300)")
    run.add_argument("--entity-model", choices=("crf", "cnn", "off"), default="crf",
                     help="the statistical NER model: crf (default, reads everything), cnn (the spaCy model, "
                          "about six times slower, no better), off (lexicon and rules only)")
    run.add_argument("--retention-days", type=float, default=7.0,
                     help="history the tables keep for time travel and the change feed; vacuum deletes older "
                          "files (default: 7)")
    run.add_argument("--export-parquet", default=None, metavar="DEST",
                     help="after the run, write a plain Parquet snapshot of every table to DEST")
    export = sub.add_parser("export", help="write a plain Parquet snapshot of every table")
    export.add_argument("dest", help="folder to write, one subfolder per table")
    export.add_argument("--format", choices=("parquet",), default="parquet")
    export.add_argument("--outputs", default="outputs", help="folder or URL of the tables")
    export.add_argument("--run", default=None, help="a run id of the runs table (default: the latest)")
    serve = sub.add_parser("serve", help="serve the flow on a cron schedule")
    _corpus_args(serve)
    serve.add_argument("--cron", default="0 * * * *")
    analyze = sub.add_parser("analyze", help="print one article's tables")
    analyze.add_argument("file", type=Path)
    analyze.add_argument("--published", type=date.fromisoformat, default=None)
    analyze.add_argument("--json", action="store_true", help="print every table as JSON (rows as objects)")
    review = sub.add_parser("review", help="write the static review site (HTML) from the output tables")
    review.add_argument("--outputs", default="outputs", help="folder of the tables (default: outputs/)")
    review.add_argument("--out", type=Path, default=Path("review"), help="folder of the site (default: review/)")
    review.add_argument("--doc", action="append", default=None, metavar="ID",
                        help="write only this article's page (repeatable)")
    for command in (parser, *sub.choices.values()):
        command.add_argument("--version", action="version", version=_version())
    return parser


def _version() -> str:
    from importlib.metadata import version

    return f"zh-extract {version('zh-extract')}"


def _corpus_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", default="corpus", help="folder of articles (default: corpus/)")
    parser.add_argument("--outputs", default="outputs", help="folder or fsspec URL of the tables")
    parser.add_argument("--state-dir", type=Path, default=Path(".state"),
                        help="where Prefect keeps its database and settings (default: .state/)")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else EXIT_OK
    if args.command == "analyze":
        return _analyze(args)
    if args.command == "export":
        return _export(args)
    if args.command == "review":
        return _review(args)
    if not Path(args.corpus).is_dir():
        print(f"zh-extract: corpus folder {args.corpus!r} does not exist", file=sys.stderr)
        return EXIT_USAGE
    configure_prefect(args.state_dir, log_to_api=True if args.command == "serve" else None)
    if args.command == "run":
        return _run(args)  # starts the watchdog only when it starts the flow (a run with nothing to do needs none)
    from pipeline.watchdog import start_watchdog

    start_watchdog()  # the Prefect servers and runs this command starts die with it, even on kill -9
    from pipeline.serve import serve

    return serve(corpus=args.corpus, outputs=args.outputs, cron=args.cron, state_dir=args.state_dir)


def _export(args) -> int:
    from extract.errors import DamagedOutputsError, OutputError
    from extract.io.export import export_parquet

    try:
        counts = export_parquet(args.outputs, args.dest, run=args.run)
    except DamagedOutputsError as exc:
        print(f"zh-extract: {exc}", file=sys.stderr)
        return EXIT_DAMAGED
    except OutputError as exc:
        print(f"zh-extract: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print("exported: " + ", ".join(f"{name} {n}" for name, n in counts.items()))
    return EXIT_OK


def _usage_problems(args) -> list[str]:
    """Return what is wrong with the run's options and settings (empty when they can work)."""
    from extract.errors import SettingsError
    from extract.settings import Settings

    problems = []
    if args.batch_size < 1:
        problems.append(f"--batch-size must be at least 1, not {args.batch_size}")
    if args.max_bytes is not None and args.max_bytes < 1:
        problems.append(f"--max-bytes must be at least 1, not {args.max_bytes}")
    try:
        Settings(entity_model=args.entity_model, article_seconds=args.article_seconds)
    except SettingsError as exc:
        problems.append(str(exc).replace("article_seconds", "--article-seconds"))
    return problems


def _run(args) -> int:
    problems = _usage_problems(args)
    if problems:
        print(f"zh-extract: {'; '.join(problems)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        # Plan first: with nothing to do, answer without starting Prefect or loading the analysis.
        summary = None if args.full else _idle_summary(args)
        if summary is None:
            summary = _run_flow(args)
    except Exception as exc:  # noqa: BLE001 - each failure of the run itself has its exit code and one line
        code, message = _failure(exc)
        print(f"zh-extract: {message}", file=sys.stderr)
        return code
    _print_summary(summary, args.json)
    return EXIT_FAILED_INPUTS if summary["failed"] else EXIT_OK


class _UsageError(Exception):
    """A run option found unusable only when the run starts (the runner and its workers)."""


def _idle_summary(args) -> dict | None:
    """Return the summary of a run with nothing to do (writing the Parquet snapshot asked for), else None."""
    from extract.text.ingest import DEFAULT_MAX_BYTES
    from pipeline.plan import idle_summary

    summary = idle_summary(args.corpus, args.outputs, max_bytes=args.max_bytes or DEFAULT_MAX_BYTES,
                           follow_symlinks=args.follow_symlinks)
    if summary is not None and args.export_parquet:  # nothing changed, but the snapshot is still written
        from extract.io.export import export_parquet

        rows = export_parquet(args.outputs, args.export_parquet)
        summary["exported"] = {"dest": args.export_parquet, "rows": rows}
    return summary


def _run_flow(args) -> dict:
    """Run the Prefect flow over the corpus and return its summary.

    Prefect's temporary server takes 10-15 s to start and the models several seconds to load in each worker:
    the server starts at once, in its own process, while the workers (or, with one worker, this process) load
    the models, and the workers begin the batches of the run as planned now (pipeline.batches).
    """
    from extract.settings import Settings
    from pipeline.watchdog import start_watchdog

    settings = Settings(entity_model=args.entity_model, article_seconds=args.article_seconds)
    start_watchdog()  # the Prefect server and workers this run starts die with it, even on kill -9
    if args.runner == "default" and (args.workers is None or args.workers > 1):
        from pipeline.batches import prepare_workers

        prepare_workers(settings)  # the models load while Prefect is imported
    from prefect import tags

    from extract.text.ingest import DEFAULT_MAX_BYTES
    from pipeline import terminal
    from pipeline.report import RUN_TAGS
    from pipeline.batches import warm_models
    from pipeline.runners import SharedAPI, task_runner

    try:
        runner = task_runner(args.runner, workers=args.workers, address=args.dask_address, settings=settings)
    except ValueError as exc:
        raise _UsageError(str(exc)) from exc
    early = hasattr(runner, "start_early")
    # The progress display first: it sets the console level the workers read from the environment as they start.
    with SharedAPI() as api, terminal.run_progress(terminal.console(stderr=True)):
        try:
            if early:
                runner.start_early()
                runner.analyse_ahead(_planned_batches(args), args.outputs)
            elif args.runner == "default":
                warm_models(settings)  # one worker: the batches run in this process
            flow = _flow().with_options(task_runner=runner)
            with api.use(), tags(*RUN_TAGS), _reported_quietly():
                return flow(corpus_dir=args.corpus, output_dir=args.outputs, full=args.full,
                            batch_size=args.batch_size, max_bytes=args.max_bytes or DEFAULT_MAX_BYTES,
                            entity_model=args.entity_model, retention_days=args.retention_days,
                            export_parquet=args.export_parquet, article_seconds=args.article_seconds,
                            follow_symlinks=args.follow_symlinks)
        finally:
            if early:
                runner.stop_early()


def _planned_batches(args) -> list:
    """Return the flow's batches as the run would plan them now (for the workers to analyse ahead)."""
    from extract.text.ingest import DEFAULT_MAX_BYTES
    from pipeline.batches import batches_of
    from pipeline.plan import planned_articles

    articles = planned_articles(args.corpus, args.outputs, full=args.full,
                                max_bytes=args.max_bytes or DEFAULT_MAX_BYTES, follow_symlinks=args.follow_symlinks)
    return batches_of(articles, args.batch_size)


def _flow():
    """Return the flow, imported once the server and workers are starting (the import takes a second)."""
    from pipeline.flow import extract_corpus

    return extract_corpus


class _ReportedFailure(logging.Filter):
    """Drop the traceback Prefect logs for a failure this command reports in one line with its own exit code."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, Exception) and _failure(exc)[0] != EXIT_RUN_FAILED:
            record.exc_info = record.exc_text = None
        return True


@contextmanager
def _reported_quietly():
    """Filter the traceback of reported failures out of Prefect's task and flow run logs, for the run."""
    loggers = [logging.getLogger(name) for name in ("prefect.task_runs", "prefect.flow_runs")]
    quiet = _ReportedFailure()
    for logger in loggers:
        logger.addFilter(quiet)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(quiet)


def _failure(exc: Exception) -> tuple[int, str]:
    """Return the exit code and the message of a run that stopped on `exc`."""
    from extract.errors import DamagedOutputsError, LockedError, OutputError

    if isinstance(exc, LockedError):
        return EXIT_LOCKED, str(exc)
    if isinstance(exc, DamagedOutputsError):
        return EXIT_DAMAGED, str(exc)
    if isinstance(exc, OutputError) and exc.code == "v1_unfinished_commit":
        return EXIT_USAGE, str(exc)
    if isinstance(exc, _UsageError):
        return EXIT_USAGE, str(exc)
    if isinstance(exc, (OutputError, OSError)):
        return EXIT_DAMAGED, f"the outputs could not be written: {exc}"
    return EXIT_RUN_FAILED, f"the run failed: {type(exc).__name__}: {exc}"


def format_summary(summary: dict) -> str:
    """Return the run summary as plain lines for a person (the terminal shows it as tables)."""
    lines = [f"articles: {summary['processed']} processed, {summary['skipped']} unchanged (skipped), "
             f"{summary['removed']} removed, {summary['failed']} failed, {summary['warnings']} with warnings "
             f"({summary['seconds']} s)"]
    lines.append("rows written (total): " + ", ".join(
        f"{t} {summary['rows_written'].get(t, 0)} ({n})" for t, n in summary["rows_total"].items()))
    lines += housekeeping_lines(summary)
    from pipeline.terminal import failure_message

    for failure in summary["failures"]:
        lines.append(f"  {failure['code']}: {failure_message(failure)}")
    return "\n".join(lines)


def housekeeping_lines(summary: dict) -> list[str]:
    """Return what the run did to the tables beside its articles: healing, compaction, vacuum, export."""
    lines = []
    housekeeping = summary.get("housekeeping")
    if housekeeping:
        lines.append(f"run {summary['run_id']}: healed {', '.join(housekeeping['healed']) or 'nothing'}; "
                     f"compacted {_per_table(housekeeping['compacted'])}; vacuumed "
                     f"{_per_table(housekeeping['vacuumed'])} (history kept {housekeeping['retention_days']:g} days)")
    if summary.get("exported"):
        lines.append(f"exported a Parquet snapshot to {summary['exported']['dest']}")
    return lines


def _print_summary(summary: dict, as_json: bool) -> None:
    from pipeline import terminal

    if as_json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
        return
    terminal.console().print(terminal.run_summary_view(summary))
    for line in housekeeping_lines(summary):
        print(line)


def _per_table(done: dict) -> str:
    if not done:
        return "nothing"
    return ", ".join(f"{name} ({value['files_removed']} files into {value['files_added']})"
                     if isinstance(value, dict) else f"{name} ({value} files)" for name, value in done.items())


def _review(args) -> int:
    from extract.review import review_tables, write_site

    tables = review_tables(args.outputs)
    if not len(tables["documents"]):
        print(f"zh-extract: no documents in {args.outputs!r}; run `zh-extract run` first", file=sys.stderr)
        return EXIT_USAGE
    try:
        written = write_site(tables, args.out, doc_ids=args.doc)
    except KeyError as exc:
        print(f"zh-extract: {exc.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    index = args.out / "index.html"
    print(f"wrote {len(written)} pages under {args.out}/" + (f"; open {index}" if index in written else ""))
    for path in written if args.doc else ():
        print(path)
    return EXIT_OK


def _analyze(args) -> int:
    import extract
    from pipeline import terminal

    try:
        tables = extract.analyze_file_rows(args.file, published=args.published)  # rows: pandas is not imported
    except OSError as exc:
        print(f"zh-extract: {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED_INPUTS
    except extract.ExtractError as exc:
        print(f"zh-extract: {exc}", file=sys.stderr)
        return EXIT_FAILED_INPUTS
    if args.json:
        print(terminal.tables_json(tables))
    else:
        terminal.console().print(terminal.analysis_view(tables))
    return EXIT_FAILED_INPUTS if len(tables["errors"]) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
