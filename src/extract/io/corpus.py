"""Plan and run incremental passes over a corpus folder: what is new, changed, unchanged or removed.

The flow in `pipeline/` calls these three steps: `plan_run` (read the corpus, compare with the manifest),
`process_batch` (analyse articles, stage their rows) and `commit_run` (publish atomically). They are plain
functions so that tests and other schedulers can use them without Prefect.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa

from extract.analysis.budget import time_budget
from extract.errors import CONTENT_CODES, WARNING_CODES, ExtractError, OutputError
from extract.io.tables import TABLES, Columns, columns_of, columns_to_arrow, validate
from extract.io.delta import Manifest, Outputs, RunCounts, load_manifest
from extract.settings import Settings
from extract.text.ingest import (
    DEFAULT_MAX_BYTES,
    Article,
    CorpusListing,
    IngestFailure,
    walk_corpus,
    file_fingerprint,
    read_path,
    source_name,
)
from extract.version import PIPELINE_VERSION

_log = logging.getLogger(__name__)


@dataclass
class RunPlan:
    """What one run will do."""

    to_process: list[Article] = field(default_factory=list)
    skipped: int = 0
    removed: list[str] = field(default_factory=list)  # doc_ids whose rows leave the tables
    failures: list[IngestFailure] = field(default_factory=list)
    # The failures of unchanged files their content refused, found by an earlier run: not read again, their
    # `errors` rows stay as that run wrote them, and they still count as failed inputs.
    standing: list[IngestFailure] = field(default_factory=list)
    touched_sources: set[str] = field(default_factory=set)  # sources whose error rows this run replaces
    manifest: Manifest = field(default_factory=Manifest)  # the manifest after a successful run
    unlisted: list[str] = field(default_factory=list)  # folders (prefixes) that could not be listed: kept as is


@dataclass
class BatchResult:
    """What one batch produced: processed documents, failures and rows staged per table."""

    processed: list[tuple[str, str, str]] = field(default_factory=list)  # (doc_id, source, sha256)
    failures: list[IngestFailure] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    chars: int = 0
    seconds: float = 0.0


def plan_run(corpus: Path, outputs: Outputs, *, full: bool = False,
             max_bytes: int = DEFAULT_MAX_BYTES, follow_symlinks: bool = False) -> RunPlan:
    """Return the plan of a run: new and changed articles to process, unchanged ones skipped, removed ones."""
    old = load_manifest(outputs, damaged_ok=full)
    plan = RunPlan(manifest=Manifest(documents=dict(old.documents), files={}))
    listing = walk_corpus(corpus, follow_symlinks=follow_symlinks)
    seen_sources = _plan_walk_failures(listing, old, plan)
    for path in listing.files:
        source = source_name(path, corpus)
        seen_sources.add(source)
        try:
            fingerprint = file_fingerprint(path)
        except OSError:
            fingerprint = None  # read_path reports the problem
        previous = old.files.get(source)
        if not full and _kept_unchanged(source, fingerprint, previous, old, plan):
            continue
        plan.touched_sources.add(source)
        items = _read_items(path, corpus, source, max_bytes)
        if _kept_unreadable(items, source, previous, plan):
            continue
        doc_ids, failed = [], False
        for item in items:
            if isinstance(item, IngestFailure):
                plan.failures.append(item)
                if item.code in WARNING_CODES:  # the article itself follows
                    continue
                failed = True
                _remove(plan, old, [item.doc_id])
                continue
            doc_ids.append(item.doc_id)
            known = old.documents.get(item.doc_id)
            if (not full and known and known["sha256"] == item.content_sha256
                    and known["version"] == PIPELINE_VERSION):
                plan.skipped += 1
            else:
                plan.to_process.append(item)
        if previous:  # documents this file used to hold and holds no more
            _remove(plan, old, [d for d in previous["doc_ids"] if d not in set(doc_ids)])
        plan.manifest.files[source] = {"fingerprint": fingerprint, "version": PIPELINE_VERSION,
                                       "failed": failed, "doc_ids": doc_ids}
    for source, previous in old.files.items():
        if source not in seen_sources:
            plan.touched_sources.add(source)
            _remove(plan, old, previous["doc_ids"])
    return plan


def _kept_unchanged(source: str, fingerprint: str | None, previous: dict | None, old: Manifest,
                    plan: RunPlan) -> bool:
    """Keep a file that has not changed since the last run (same fingerprint and pipeline version) without
    reading it; return whether kept.

    A file that failed is kept only when every failure was its content's (CONTENT_CODES): reading the same
    bytes again would fail the same way. Its errors rows stay, and join the plan as standing failures.
    """
    if previous is None or fingerprint is None or previous["fingerprint"] != fingerprint \
            or previous["version"] != PIPELINE_VERSION:
        return False
    if previous["failed"]:
        rows = old.errors.get(source, [])
        failed = [row for row in rows if row["code"] not in WARNING_CODES]
        if not failed or any(row["code"] not in CONTENT_CODES for row in failed):
            return False
        plan.standing.extend(IngestFailure(row["source"], row["doc_id"], row["code"], row["message"],
                                           stage=row["stage"]) for row in rows)
    plan.skipped += len(previous["doc_ids"])
    plan.manifest.files[source] = previous
    return True


def _remove(plan: RunPlan, old: Manifest, doc_ids) -> None:
    """Add the published documents among `doc_ids` to the plan's removals."""
    for doc_id in doc_ids:
        if doc_id in old.documents:
            plan.removed.append(doc_id)
            plan.manifest.documents.pop(doc_id, None)


def _kept_unreadable(items: list, source: str, previous: dict | None, plan: RunPlan) -> bool:
    """Keep a published file's articles when the file cannot be read now (permissions); return whether kept.

    Like a folder that cannot be listed, it is an `errors` row, not a deletion; it is read again next run.
    """
    if not previous or len(items) != 1 or getattr(items[0], "code", None) != "unreadable":
        return False
    plan.failures.append(items[0])
    plan.manifest.files[source] = {**previous, "failed": True}
    plan.skipped += len(previous["doc_ids"])
    return True


def _plan_walk_failures(listing: CorpusListing, old: Manifest, plan: RunPlan) -> set[str]:
    """Add what the walk refused or could not list to `plan`; return the sources it accounts for.

    The articles under a folder that cannot be listed are kept as published (not removed, not read) until it
    can be read again. A refused symlink, or the folder itself, is a failed `_files` entry without documents,
    so that its `errors` row goes once it is fixed (the source is then gone, hence touched).
    """
    seen = set()
    plan.unlisted = list(listing.unreadable)
    for prefix in listing.unreadable:
        for source, previous in old.files.items():
            if source.startswith(prefix) and not source.endswith("/"):  # files, not an earlier folder row
                plan.manifest.files[source] = previous
                plan.skipped += len(previous["doc_ids"])
                seen.add(source)
    for failure in listing.failures:
        plan.failures.append(failure)
        plan.touched_sources.add(failure.source)
        seen.add(failure.source)
        previous = old.files.get(failure.source)
        _remove(plan, old, previous["doc_ids"] if previous else ())  # a link followed before, refused now
        plan.manifest.files[failure.source] = {"fingerprint": None, "version": PIPELINE_VERSION, "failed": True,
                                               "doc_ids": []}
    return seen


def _read_items(path: Path, corpus: Path, source: str, max_bytes: int) -> list[Article | IngestFailure]:
    """Return what one file holds; an unexpected exception while reading it becomes an internal_error failure."""
    items: list[Article | IngestFailure] = []
    try:
        for item in read_path(path, corpus, max_bytes=max_bytes):
            items.append(item)
    except Exception as exc:  # a bug in ingest costs this file's remaining records, never the run
        items.append(internal_failure(source, None, "ingest", exc))
    return items


def process_batch(articles: list[Article], outputs_url: str, staging: str, batch_name: str,
                  settings: Settings = Settings()) -> BatchResult:
    """Analyse a batch of articles and stage their rows; an article that fails becomes a failure, not an abort."""
    started = time.perf_counter()
    result = BatchResult()
    analysed = []
    for article in articles:
        doc, problems = _analyzed(article, settings)
        if doc is None:
            result.failures.extend(problems)
        else:
            analysed.append((article, doc, problems))
    tables, kept, refused = _checked_batch(analysed)
    result.failures.extend(refused)
    for article, _, warnings in kept:
        result.failures.extend(warnings)
        result.processed.append((article.doc_id, article.source, article.content_sha256))
        result.chars += len(article.text)
    result.rows = Outputs(outputs_url).stage_tables(staging, batch_name, tables, checked=True)
    result.seconds = time.perf_counter() - started
    return result


def _checked_batch(analysed: list) -> tuple[dict[str, pa.Table], list, list[IngestFailure]]:
    """Return the Arrow tables of a batch's analysed articles, the articles kept and the refused ones' failures.

    One conversion and check per table for the whole batch: per article they cost ~1 ms (nine tables of ten
    columns, an Arrow array each), a tenth of a short article's analysis. When a row does not fit, each article
    is checked alone and only the faulty ones are refused, with the failure they would have had alone.
    """
    try:
        return checked_tables(_merged_columns([doc.columns for _, doc, _ in analysed])), analysed, []
    except Exception:  # noqa: BLE001  some article's rows do not fit: find which, below
        pass
    parts: dict[str, list[pa.Table]] = {}
    kept, refused = [], []
    for article, doc, warnings in analysed:
        tables, failure = _checked(article, doc)
        if failure is not None:
            refused.append(failure)
            continue
        kept.append((article, doc, warnings))
        for name, table in tables.items():
            parts.setdefault(name, []).append(table)
    return {name: pa.concat_tables(tables) for name, tables in parts.items()}, kept, refused


def _merged_columns(documents: list[dict[str, Columns]]) -> dict[str, Columns]:
    """Return the columns of several documents as one set of columns per table, in document order."""
    if not documents:
        return {}
    return {name: {column: [value for doc in documents for value in doc[name][column]] for column in columns}
            for name, columns in documents[0].items()}


def analyze_article(article: Article, settings: Settings):
    """Return the rows of one article (`extract.analysis.article.analyze_article`).

    Imported on first use: planning a run (plan_run) needs neither spaCy, jieba nor the models. A module
    function, so that fault-injection tests can replace it.
    """
    from extract.analysis.article import analyze_article as analyze

    return analyze(article, settings)


def analyze_isolated(article: Article, settings: Settings = Settings()):
    """Return `(rows, problems)` for one article: rows None when it failed, problems as `errors` rows.

    Whatever goes wrong (an ExtractError, or any other exception: a bug) costs this article only.
    """
    doc, _, problems = _analyze_checked(article, settings)
    return doc, problems


def _analyze_checked(article: Article, settings: Settings):
    """Return `(rows, Arrow tables, problems)` for one article (see analyze_isolated); the tables are checked."""
    doc, problems = _analyzed(article, settings)
    if doc is None:
        return None, {}, problems
    tables, failure = _checked(article, doc)
    return (None, {}, [failure]) if failure is not None else (doc, tables, problems)


def _analyzed(article: Article, settings: Settings):
    """Return `(rows, warnings)` of one article, or `(None, [its failure])`: whatever goes wrong costs it alone."""
    try:
        if settings.article_seconds:
            _warm_up(settings)
        with time_budget(settings.article_seconds):
            doc = analyze_article(article, settings)
    except Exception as exc:  # an ExtractError, or a bug in one extractor: it costs its article, never the batch
        return None, [_failure(article, exc, "analyze")]
    return doc, [IngestFailure(article.source, article.doc_id, w.code, f"{article.doc_id}: {w.detail}",
                               stage=w.stage) for w in doc.warnings]


def _checked(article: Article, doc) -> tuple[dict[str, pa.Table], IngestFailure | None]:
    """Return one article's rows as checked Arrow tables, or `({}, its failure)` when a row does not fit."""
    try:
        return checked_tables(doc.columns), None
    except Exception as exc:  # noqa: BLE001  an OutputError, or a bug: the article's failure
        return {}, _failure(article, exc, "write")


def _failure(article: Article, exc: Exception, stage: str) -> IngestFailure:
    """Return the `errors` row of an article that failed at `stage` (an ExtractError names its own stage)."""
    if isinstance(exc, ExtractError):
        return IngestFailure(article.source, article.doc_id, exc.code, f"{article.doc_id}: {exc.detail}",
                             stage=exc.stage)
    return internal_failure(article.source, article.doc_id, stage, exc)


_WARM: set[Settings] = set()


def _warm_up(settings: Settings) -> None:
    """Load the models and data files once per process, outside any article's time budget.

    Loading takes seconds on a busy machine; counted against the first article's budget it could stop a load
    half way, and every later article would pay it again.
    """
    if settings in _WARM:
        return
    _WARM.add(settings)
    try:
        analyze_article(Article(doc_id="warm-up", source="warm-up", text=_WARM_UP_TEXT), settings)
    except Exception:  # noqa: BLE001  a real article will report the problem with its own row
        _log.debug("warm-up analysis failed", exc_info=True)


_WARM_UP_TEXT = "新华社北京12月9日电 中芯国际第二季度营收增长12%，据《财经》报道。\n参考资料\n[1] 某市出台新规. 某某网. 2023-01-06."


def internal_failure(source: str, doc_id: str | None, stage: str, exc: BaseException) -> IngestFailure:
    """Return the `errors` row of an unexpected exception (a bug), naming the input and what went wrong.

    The traceback goes to the log; the row keeps the exception's type and message.
    """
    _log.error("internal error in %s (%s) at stage %s", doc_id or source, source, stage, exc_info=exc)
    return IngestFailure(source, doc_id, "internal_error",
                         f"{doc_id or source}: internal error at stage {stage}: {type(exc).__name__}: {exc}",
                         stage=stage)


def check_rows(rows: dict[str, list[dict]]) -> None:
    """Check one document's rows against the table schemas (non-null keys, offsets inside the text).

    Raises OutputError, as `checked_tables` does.
    """
    checked_tables({name: columns_of(name, table_rows) for name, table_rows in rows.items()})


def checked_tables(columns: dict[str, Columns]) -> dict[str, pa.Table]:
    """Return one document's columns as Arrow tables, checked against the table schemas (non-null keys,
    offsets inside the text).

    Raises OutputError, so that a bug in one extractor costs the article (an `errors` row), not the batch:
    Parquet itself refuses a null in a non-null column with an ArrowInvalid that would abort every article.
    """
    documents = columns.get("documents", {})
    n_chars = dict(zip(documents.get("doc_id", ()), documents.get("n_chars", ())))
    tables = {}
    for name, table_columns in columns.items():
        try:
            tables[name] = columns_to_arrow(name, table_columns)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise OutputError(f"table {name}: a row does not fit the schema ({exc})", code="schema_mismatch") from exc
        validate(name, tables[name], n_chars)
    return tables


def commit_run(outputs: Outputs, staging: str, plan: RunPlan, results: list[BatchResult], *,
               full: bool = False, retention_days: float | None = None) -> dict:
    """Publish a run's tables, then its `runs` row, compaction and vacuum.

    Returns {"rows_total": rows per table, "run_id", "table_versions", "compacted", "vacuumed"}.
    """
    manifest = plan.manifest
    # A full run rewrites whole tables: the articles kept from a folder that could not be listed would go.
    full = full and not plan.unlisted
    published_before = set(manifest.documents) | set(plan.removed)
    failures = list(plan.failures)
    for result in results:
        failures.extend(result.failures)
        for doc_id, source, sha in result.processed:
            manifest.documents[doc_id] = {"source": source, "sha256": sha, "version": PIPELINE_VERSION}
    failed_docs = {f.doc_id for f in failures if f.doc_id and f.code not in WARNING_CODES}
    for doc_id in failed_docs:
        manifest.documents.pop(doc_id, None)
    for source, entry in manifest.files.items():
        if any(f.source == source and f.code not in WARNING_CODES for f in failures):
            entry["failed"] = True
            entry["doc_ids"] = [d for d in entry["doc_ids"] if d not in failed_docs]
    replaced = {a.doc_id for a in plan.to_process} | set(plan.removed) | failed_docs
    now = datetime.now(timezone.utc)
    errors = [{"source": f.source, "doc_id": f.doc_id, "stage": f.stage, "code": f.code, "message": f.message,
               "at": now} for f in failures]
    touched = set(plan.touched_sources) | {f.source for f in failures}
    versions = outputs.commit(staging, manifest, replaced_docs=replaced, published_before=published_before,
                              touched_sources=touched, errors=errors, full=full)
    n_failed = len([f for f in failures + plan.standing if f.code not in WARNING_CODES])
    counts = RunCounts(processed=sum(len(r.processed) for r in results), unchanged=plan.skipped,
                       removed=len(plan.removed), failed=n_failed)
    report = outputs.record_run(Path(staging).name, versions, counts, status="partial" if n_failed else "completed",
                                **({} if retention_days is None else {"retention_days": retention_days}))
    outputs.drop_staging(staging)
    report["rows_total"] = {name: outputs.count_rows(name) for name in TABLES}
    return report

