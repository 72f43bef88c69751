"""What `zh-extract` shows a person: aligned tables (rich measures CJK width), plain numbers, a progress bar.

Machine output (`--json`) never goes through here except `tables_json`; progress goes to stderr and only to a
terminal, so stdout stays a clean summary or JSON.
"""
from __future__ import annotations

import json
import logging
import math
import os
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:  # nothing here imports pandas: `zh-extract analyze` passes rows, a caller may pass frames
    import pandas as pd

    Rows = list[dict] | pd.DataFrame  # a table: its rows as dicts keyed by column, or a DataFrame

from extract.review.format import date_range_text, date_text, is_missing, number_text, quantity_text

COUNTED = ("sentences", "entities", "quantities", "dates", "references", "citations", "conflicts")


# Columns of short values that read badly when wrapped (a date range cut after its dash).
_NO_WRAP = {"sent", "ref", "#", "kind", "label", "means", "date", "granularity", "mentions", "code"}


def _table(title: str, *columns: str, numeric: tuple[str, ...] = ()) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
    for name in columns:
        table.add_column(name, justify="right" if name in numeric else "left", overflow="fold",
                         no_wrap=name in _NO_WRAP)
    return table


def _cell(value) -> str:
    return "" if is_missing(value) else str(value)


def document_header(doc, counts: dict[str, int]) -> Text:
    """Return the lines naming one article: title, author, outlet, date (or that it is unknown), script, size."""
    parts = [p for p in (_cell(doc.get("author")), _cell(doc.get("outlet"))) if p]
    if is_missing(doc["published"]):
        parts.append("publication date unknown")
    else:
        parts.append(f"published {date_text(doc['published'])} ({_cell(doc['published_basis']) or 'metadata'})")
    parts.append(f"{doc['variant']} ({doc['conversion']})")
    parts.append(f"{number_text(doc['n_chars'])} characters")
    text = Text()
    text.append(_cell(doc.get("title")) or doc["doc_id"], style="bold")
    if _cell(doc.get("title")):
        text.append(f"  {doc['doc_id']}", style="dim")
    text.append("\n" + " · ".join(parts))
    text.append("\n" + " · ".join(f"{counts[name]} {name}" for name in COUNTED))
    return text


def _records(table) -> list[dict]:
    """Return a table's rows as dicts: a list of rows as it is, a DataFrame's rows converted."""
    return table.to_dict("records") if hasattr(table, "to_dict") else list(table)


def entity_table(entities: Rows) -> Table:
    """Return the entities grouped by canonical name: label, mentions, and the forms the text used."""
    table = _table("Entities (by canonical name)", "canonical", "label", "mentions", "as written", numeric=("mentions",))
    grouped: dict[tuple[str, str], list[str]] = {}  # in the order of first mention
    for row in _records(entities):
        grouped.setdefault((row["canonical"], row["label"]), []).append(row["text"])
    rows = sorted(((name, label, len(texts), list(dict.fromkeys(texts))) for (name, label), texts in grouped.items()),
                  key=lambda r: (-r[2], r[0]))
    for name, label, n, forms in rows:
        table.add_row(name, label, str(n), "、".join(forms))
    return table


def quantity_table(quantities: Rows) -> Table:
    table = _table("Quantities", "sent", "as written", "kind", "value", numeric=("sent",))
    for row in _records(quantities):
        value = quantity_text(row["value"], row["low"], row["high"], row["unit"], row.get("hedge"))
        table.add_row(str(row["sent_idx"]), row["text"], row["kind"],
                      value + (" (approx.)" if bool(row["approximate"]) and is_missing(row.get("hedge")) else ""))
    return table


def date_table(dates: Rows) -> Table:
    table = _table("Dates", "sent", "as written", "kind", "means", "granularity", "anchor", numeric=("sent",))
    for row in _records(dates):
        means = date_range_text(row["start_date"], row["end_date"]) or _cell(row["duration"])
        table.add_row(str(row["sent_idx"]), row["text"], row["kind"], means, _cell(row["granularity"]),
                      _cell(row["anchor"]))
    return table


def reference_table(references: Rows, citations: Rows) -> Table:
    table = _table("References", "#", "title", "publisher", "date", "cited by sentences")
    citing: dict[int, list[int]] = {}
    for row in _records(citations):
        citing.setdefault(row["ref_idx"], []).append(int(row["sent_idx"]))
    for row in _records(references):
        cited = citing.get(row["ref_idx"], [])
        table.add_row(_cell(row["marker"]), row["title"], _cell(row["publisher"]), date_text(row["published"]),
                      ", ".join(map(str, sorted(cited))) or "none")
    return table


def conflict_table(conflicts: Rows) -> Table:
    table = _table("Conflicts", "ref", "sent", "kind", "detail", numeric=("ref", "sent"))
    for row in _records(conflicts):
        table.add_row(str(row["ref_idx"]), _cell(row["sent_idx"]), row["kind"], row["detail"])
    return table


def analysis_view(tables: dict[str, Rows]) -> Group:
    """Return what `zh-extract analyze` prints for a person: per article, a header and its tables.

    Each table is a list of rows (`extract.analyze_file_rows`) or a DataFrame (`extract.analyze_file`).
    """
    tables = {name: _records(table) for name, table in tables.items()}
    mine: dict[str, dict[str, list[dict]]] = {doc["doc_id"]: {name: [] for name in tables if name != "errors"}
                                              for doc in tables["documents"]}
    for name, rows in tables.items():
        if name != "errors":
            for row in rows:
                if row.get("doc_id") in mine:
                    mine[row["doc_id"]][name].append(row)
    parts = []
    for doc in tables["documents"]:
        own = mine[doc["doc_id"]]
        parts.append(document_header(doc, {name: len(own[name]) for name in COUNTED}))
        for build, names in ((entity_table, ("entities",)), (quantity_table, ("quantities",)),
                             (date_table, ("dates",)), (reference_table, ("references", "citations")),
                             (conflict_table, ("conflicts",))):
            if own[names[0]]:
                parts.append(build(*(own[n] for n in names)))
    if tables.get("errors"):
        errors = _table("Could not be analysed", "source", "code", "message")
        for row in tables["errors"]:
            errors.add_row(row["source"], row["code"], row["message"])
        parts.append(errors)
    return Group(*parts)


def _json_value(value):
    if is_missing(value):
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and math.isinf(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def tables_json(tables: dict[str, Rows]) -> str:
    """Return every table as JSON: a list of row objects per table, dates ISO 8601, missing values null."""
    out = {name: [{col: _json_value(v) for col, v in row.items()} for row in _records(table)]
           for name, table in tables.items()}
    return json.dumps(out, ensure_ascii=False, indent=1)


def run_summary_view(summary: dict) -> Group:
    """Return the end of `zh-extract run`: articles by outcome, rows per table, and the failures."""
    articles = _table("Articles", "processed", "unchanged", "removed", "failed", "with warnings", "seconds",
                      numeric=("processed", "unchanged", "removed", "failed", "with warnings", "seconds"))
    articles.add_row(*(number_text(summary[k]) for k in ("processed", "skipped", "removed", "failed", "warnings")),
                     f"{summary['seconds']:.1f}")
    rows = _table("Rows per table", "table", "written by this run", "total", numeric=("written by this run", "total"))
    for name, total in summary["rows_total"].items():
        rows.add_row(name, number_text(summary["rows_written"].get(name, 0)), number_text(total))
    parts = [articles, rows]
    if summary["failures"]:
        failures = _table("Failures and warnings", "source", "code", "message")
        for f in summary["failures"]:
            failures.add_row(_cell(f.get("doc_id")) or f["source"], f["code"], failure_message(f))
        parts.append(failures)
    return Group(*parts)


def failure_message(failure: dict) -> str:
    """Return a failure's message for a person, saying when an earlier run found it in a file unchanged since."""
    return failure["message"] + (" (unchanged since an earlier run found it)" if failure.get("standing") else "")


def console(*, stderr: bool = False) -> Console:
    """Return a console: rich where it is a terminal, plain text (no colour codes) in a pipe or file."""
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


class _FlowProgress(logging.Handler):
    """Moves a progress bar from the flow's own log lines (its plan and its per-batch counts)."""

    def __init__(self, progress, task_id):
        super().__init__(logging.INFO)
        self.progress, self.task_id = progress, task_id

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args if isinstance(record.args, tuple) else ()
        if str(record.msg).startswith("plan: ") and args:
            self.progress.update(self.task_id, total=args[0], description="analysing")
        elif str(record.msg).startswith("batches ") and len(args) >= 4:
            self.progress.update(self.task_id, completed=args[2], total=args[3])


def _console_handlers() -> list[logging.Handler]:
    # Prefect's console handler sits on the root logger (its run loggers propagate to it).
    loggers = [logging.getLogger(), *(logging.getLogger(n) for n in ("prefect", "prefect.flow_runs", "prefect.task_runs"))]
    return [h for logger in loggers for h in logger.handlers
            if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)]


# Prefect reads `PREFECT_LOGGING_<path in its logging.yml>` overrides when a process sets up its logging.
_WORKER_CONSOLE_LEVEL = "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"


@contextmanager
def run_progress(err: Console):
    """Show a progress bar (articles done, rate, ETA) on a terminal while the flow runs; plain log lines elsewhere.

    On a terminal Prefect's own console lines are held back to warnings for the duration, so that they do
    not tear the bar; they still reach the Prefect API and its UI.
    """
    if not err.is_terminal:
        yield
        return
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    class Rate(TextColumn):
        def render(self, task):
            speed = task.finished_speed or task.speed
            return Text(f"{speed:.1f} articles/s" if speed else "")

    handlers = _console_handlers()
    levels = [h.level for h in handlers]
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  Rate(""), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                  console=err, transient=True) as progress:
        task_id = progress.add_task("planning", total=None)
        watcher = _FlowProgress(progress, task_id)
        flow_logger = logging.getLogger("prefect.flow_runs")
        flow_logger.addHandler(watcher)
        for handler in handlers:
            handler.setLevel(logging.WARNING)
        # The process pool's workers configure their own logging from the environment when they start.
        worker_level = os.environ.get(_WORKER_CONSOLE_LEVEL)
        os.environ[_WORKER_CONSOLE_LEVEL] = "WARNING"
        try:
            yield
        finally:
            flow_logger.removeHandler(watcher)
            for handler, level in zip(handlers, levels):
                handler.setLevel(level)
            if worker_level is None:
                os.environ.pop(_WORKER_CONSOLE_LEVEL, None)
            else:
                os.environ[_WORKER_CONSOLE_LEVEL] = worker_level
