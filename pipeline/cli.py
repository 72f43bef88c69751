"""The `zh-extract` command: run the flow once, serve it on a schedule, or analyse one file.

Exit status of `run`: 0 when every input was processed, 1 when some failed (they are in `errors`),
2 on a usage or configuration error.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from pipeline.settings import configure_prefect

EXIT_OK, EXIT_FAILED_INPUTS, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zh-extract", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="process new and changed articles once and print a summary")
    _corpus_args(run)
    run.add_argument("--full", action="store_true", help="reprocess every article")
    run.add_argument("--runner", choices=("default", "dask"), default="default")
    run.add_argument("--workers", type=int, default=2, help="Dask worker processes (with --runner dask)")
    run.add_argument("--dask-address", default=None, help="an existing Dask scheduler (with --runner dask)")
    run.add_argument("--batch-size", type=int, default=25)
    run.add_argument("--max-bytes", type=int, default=None, help="refuse articles larger than this")
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
    run.add_argument("--entity-model", choices=("crf", "cnn", "off"), default="crf",
                     help="the statistical NER model: crf (default, reads everything), cnn (the spaCy model, "
                          "about six times slower, no better), off (lexicon and rules only)")
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
    if args.command == "review":
        return _review(args)
    if not Path(args.corpus).is_dir():
        print(f"zh-extract: corpus folder {args.corpus!r} does not exist", file=sys.stderr)
        return EXIT_USAGE
    configure_prefect(args.state_dir)
    if args.command == "run":
        return _run(args)
    from pipeline.serve import serve

    return serve(corpus=args.corpus, outputs=args.outputs, cron=args.cron, state_dir=args.state_dir)


def _run(args) -> int:
    from extract.errors import LockedError
    from extract.text.ingest import DEFAULT_MAX_BYTES
    from pipeline.flow import extract_corpus
    from pipeline.runners import task_runner

    try:
        runner = task_runner(args.runner, workers=args.workers, address=args.dask_address)
    except ValueError as exc:
        print(f"zh-extract: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from pipeline import terminal

    flow = extract_corpus.with_options(task_runner=runner) if runner is not None else extract_corpus
    try:
        with terminal.run_progress(terminal.console(stderr=True)):
            summary = flow(corpus_dir=args.corpus, output_dir=args.outputs, full=args.full,
                           batch_size=args.batch_size, max_bytes=args.max_bytes or DEFAULT_MAX_BYTES,
                           entity_model=args.entity_model)
    except LockedError as exc:
        print(f"zh-extract: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        terminal.console().print(terminal.run_summary_view(summary))
    return EXIT_FAILED_INPUTS if summary["failed"] else EXIT_OK


def format_summary(summary: dict) -> str:
    """Return the run summary as lines for a person."""
    lines = [f"articles: {summary['processed']} processed, {summary['skipped']} unchanged (skipped), "
             f"{summary['removed']} removed, {summary['failed']} failed, {summary['warnings']} with warnings "
             f"({summary['seconds']} s)"]
    lines.append("rows written (total): " + ", ".join(
        f"{t} {summary['rows_written'].get(t, 0)} ({n})" for t, n in summary["rows_total"].items()))
    for failure in summary["failures"]:
        lines.append(f"  {failure['code']}: {failure['message']}")
    return "\n".join(lines)


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
        tables = extract.analyze_file(args.file, published=args.published)
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
