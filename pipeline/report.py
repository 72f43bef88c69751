"""What a flow run did, for a person looking at the Prefect UI: a markdown report and a table of failures.

`run_report` and `failure_rows` are plain functions of the run summary and of the rows this run wrote (so they
are tested without Prefect); `publish_run_report` creates the two artifacts inside a flow run. The run's name
(`run_name`), its tags and the commit task's retry rule (`transient_store_error`) live here too.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

REPORT_KEY = "extract-corpus-report"
FAILURES_KEY = "extract-corpus-failures"
RUN_TAGS = ("zh-extract", "extract-corpus")
TOP_ENTITIES = 15
MAX_LISTED = 50  # failures and conflicts listed one by one in the markdown (the table artifact has them all)


def run_name() -> str:
    """Return the name of a new flow run: extract-corpus-<UTC minute>, e.g. extract-corpus-2026-12-03T10:00Z."""
    return f"extract-corpus-{datetime.now(timezone.utc):%Y-%m-%dT%H:%MZ}"


# Errors a second attempt can cure: a store or network that failed for a moment. A missing file, a refused
# permission, the outputs lock or a validation error (OutputError) fail the same way again.
_PERMANENT_OS_ERRORS = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)


def is_transient(exc: BaseException | None) -> bool:
    """Return whether `exc` is a transient store error (an OSError such as a timeout or a dropped connection)."""
    return isinstance(exc, OSError) and not isinstance(exc, _PERMANENT_OS_ERRORS)


def transient_store_error(task, task_run, state) -> bool:
    """Prefect `retry_condition_fn`: retry the task only when it failed on a transient store error."""
    try:
        state.result()
    except Exception as exc:  # noqa: BLE001 - the state's own exception, re-raised by result()
        return is_transient(exc)
    return False


def rows_of_run(output_dir: str, *, run_id: str) -> dict[str, list[dict]]:
    """Return what the report shows of the rows this run wrote, as dicts: its top entities (canonical, label,
    mentions, articles), its conflicts by kind and its first conflicts in table order.

    Only this run's rows are read, a record batch at a time (extract.io.delta.run_batches), and counted here.
    """
    from extract.io.delta import run_batches

    mentions, pairs = Counter(), set()
    for batch in run_batches(output_dir, "entities", run_id, ["doc_id", "canonical", "label"]):
        names = list(zip(batch["canonical"], batch["label"]))
        mentions.update(names)
        pairs.update(zip(names, batch["doc_id"]))
    articles = Counter(name for name, _doc in pairs)
    top = sorted(mentions.items(), key=lambda item: (-item[1], item[0]))[:TOP_ENTITIES]
    conflicts = [dict(zip(_CONFLICT_COLUMNS, row)) for batch in
                 run_batches(output_dir, "conflicts", run_id, list(_CONFLICT_COLUMNS))
                 for row in zip(*(batch[c] for c in _CONFLICT_COLUMNS))]
    conflicts.sort(key=lambda c: (c["doc_id"], c["ref_idx"], c["sent_idx"] is None, c["sent_idx"] or 0, c["kind"]))
    kinds = sorted(Counter(c["kind"] for c in conflicts).items(), key=lambda kv: (-kv[1], kv[0]))
    return {"top_entities": [{"canonical": c, "label": label, "mentions": n, "articles": articles[c, label]}
                             for (c, label), n in top],
            "conflict_kinds": [{"kind": k, "conflicts": n} for k, n in kinds],
            "conflicts": [{k: c[k] for k in ("doc_id", "ref_idx", "kind", "detail")} for c in conflicts[:MAX_LISTED]]}


_CONFLICT_COLUMNS = ("doc_id", "ref_idx", "sent_idx", "kind", "detail")


def failure_rows(summary: dict) -> list[dict]:
    """Return one row per failed or warned input: source, doc_id, code and message (the table artifact)."""
    return [{"source": f["source"], "doc_id": f.get("doc_id") or "", "code": f["code"], "message": f["message"]}
            for f in summary.get("failures", ())]


def run_report(summary: dict, rows: dict[str, list[dict]], *, name: str | None = None) -> str:
    """Return the markdown report of a run: counts, failures with reasons, rows per table, top entities, conflicts."""
    parts = [f"# {name or 'extract-corpus run'}", "", _counts(summary), "", "## Failures", "", _failures(summary),
             "", "## Rows per table", "", _rows_per_table(summary), "", "## Top entities of this run", "",
             _top_entities(rows.get("top_entities")), "", "## Conflicts found", "",
             _conflicts(rows.get("conflict_kinds"), rows.get("conflicts"))]
    return "\n".join(parts) + "\n"


def _table(header: list[str], rows: list[list]) -> str:
    def cell(value) -> str:
        return str("" if value is None else value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _counts(summary: dict) -> str:
    return _table(["articles", "count"], [
        ["processed", summary["processed"]], ["unchanged (skipped)", summary["skipped"]],
        ["removed", summary["removed"]], ["failed", summary["failed"]],
        ["processed with warnings", summary.get("warnings", 0)], ["seconds", summary.get("seconds", "")]])


def _failures(summary: dict) -> str:
    failures = failure_rows(summary)
    if not failures:
        return "None."
    by_code = Counter(f["code"] for f in failures)
    reasons = _table(["reason (code)", "inputs"], [[code, n] for code, n in by_code.most_common()])
    listed = _table(["source", "doc_id", "code", "message"],
                    [[f["source"], f["doc_id"], f["code"], f["message"]] for f in failures[:MAX_LISTED]])
    more = f"\n\n… and {len(failures) - MAX_LISTED} more (table artifact `{FAILURES_KEY}`)." \
        if len(failures) > MAX_LISTED else ""
    return f"{reasons}\n\n{listed}{more}"


def _rows_per_table(summary: dict) -> str:
    written, total = summary.get("rows_written", {}), summary.get("rows_total", {})
    return _table(["table", "rows written by this run", "rows in the table"],
                  [[t, written.get(t, 0), total.get(t, "")] for t in total or written])


def _top_entities(top: list[dict] | None) -> str:
    if not top:
        return "None."
    return _table(["canonical", "label", "mentions", "articles"],
                  [[e["canonical"], e["label"], e["mentions"], e["articles"]] for e in top])


def _conflicts(kinds: list[dict] | None, listed: list[dict] | None) -> str:
    if not kinds:
        return "None."
    total = sum(k["conflicts"] for k in kinds)
    by_kind = _table(["kind", "conflicts"], [[k["kind"], k["conflicts"]] for k in kinds])
    first = _table(["doc_id", "ref_idx", "kind", "detail"],
                   [[c["doc_id"], c["ref_idx"], c["kind"], c["detail"]] for c in (listed or [])[:MAX_LISTED]])
    return f"{total} conflicts.\n\n{by_kind}\n\n{first}"


def publish_run_report(summary: dict, rows: dict[str, list[dict]], *, name: str | None = None) -> None:
    """Create the run's markdown report and its table of failures as artifacts of the current flow run."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    create_markdown_artifact(run_report(summary, rows, name=name), key=REPORT_KEY,
                             description="What this run processed, skipped, removed and failed, and what it found.")
    create_table_artifact(failure_rows(summary), key=FAILURES_KEY, description="Inputs this run could not process, with the reason.")
