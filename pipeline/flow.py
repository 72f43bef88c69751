"""The Prefect flow: plan the run, analyse batches of articles in tasks, commit the tables atomically.

A thin layer over `extract.io.corpus`; each task is one logical step or side effect. Import this module only
after `pipeline.settings.configure_prefect` (the CLI does it).
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import TagsContext
from prefect.futures import as_completed
from prefect.utilities.annotations import quote

from extract.io.corpus import BatchResult, RunPlan, commit_run, plan_run
from extract.io.delta import DEFAULT_RETENTION_DAYS, Outputs
from extract.settings import Settings
from extract.text.ingest import DEFAULT_MAX_BYTES

from pipeline.batches import analysed_batch, batches_of
from pipeline.plan import failure_counts, summary_failures
from pipeline.report import publish_run_report, rows_of_run, run_name, transient_store_error
from pipeline.runners import LocalProcessRunner
from pipeline.settings import DEFAULT_BATCH_SIZE


# Our manifest decides what to reprocess (content hashes, exact); Prefect's input caching is switched off.
@task(name="plan-run", cache_policy=NO_CACHE)
def plan_task(corpus_dir: str, output_dir: str, full: bool, max_bytes: int,
              follow_symlinks: bool = False) -> RunPlan:
    """Compare the corpus with what the outputs hold."""
    return plan_run(Path(corpus_dir), Outputs(output_dir), full=full, max_bytes=max_bytes,
                    follow_symlinks=follow_symlinks)


@task(name="analyze-batch", cache_policy=NO_CACHE)
def batch_task(articles, output_dir: str, staging: str, batch_name: str, settings: Settings) -> BatchResult:
    """Analyse one batch of articles and stage its rows (in a worker process of the default runner)."""
    return analysed_batch(articles, output_dir, staging, batch_name, settings)


# A store that failed for a moment (a timeout, a dropped connection) gets two more tries; a validation error
# or the outputs lock fails the same way again and is not retried.
@task(name="commit-run", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2,
      retry_condition_fn=transient_store_error)
def commit_task(output_dir: str, staging: str, plan: RunPlan, results: list[BatchResult],
                full: bool, retention_days: float) -> dict:
    """Publish the run: one Delta transaction per table, then the runs row, compaction and vacuum."""
    return commit_run(Outputs(output_dir), staging, plan, results, full=full, retention_days=retention_days)


@task(name="export-parquet", cache_policy=NO_CACHE)
def export_task(output_dir: str, dest: str) -> dict[str, int]:
    """Write a plain Parquet snapshot of every table for tools with no Delta reader."""
    from extract.io.export import export_parquet

    return export_parquet(output_dir, dest)


# Batches are CPU-bound Python: threads would only contend for the GIL and share spaCy's vocabulary, which is
# not thread-safe (measured: 300 articles took 37 s and 2.4 GB in six threads, 14 s and 0.8 GB in one).
# The default runner is a pool of processes, one per core (each loads the models once and keeps them for
# every batch it is given), the task runs in threads here; `zh-extract run --workers N` sets their number,
# `--runner dask` spreads them.
@flow(name="extract-corpus", flow_run_name=run_name, log_prints=True, task_runner=LocalProcessRunner())
def extract_corpus(corpus_dir: str = "corpus", output_dir: str = "outputs", full: bool = False,
                   batch_size: int = DEFAULT_BATCH_SIZE, max_bytes: int = DEFAULT_MAX_BYTES, entities: bool = True,
                   entity_model: str = "crf", retention_days: float = DEFAULT_RETENTION_DAYS,
                   export_parquet: str | None = None, article_seconds: float | None = 300.0,
                   follow_symlinks: bool = False) -> dict:
    """Process new and changed articles of `corpus_dir` into the Delta tables of `output_dir`.

    Returns the run summary: articles processed, skipped, removed and failed, and rows per table.
    """
    logger = get_run_logger()
    started = time.perf_counter()
    settings = Settings(entities=entities, entity_model=entity_model, article_seconds=article_seconds)
    with untagged_task_runs(), Outputs(output_dir, rebuild=full) as outputs:
        plan = plan_task(corpus_dir, output_dir, full, max_bytes, follow_symlinks)
        logger.info("plan: %d to process, %d unchanged, %d removed, %d unreadable, %d failed before and unchanged",
                    len(plan.to_process), plan.skipped, len(plan.removed), len(plan.failures), len(plan.standing))
        staging = outputs.new_run()
        batches = batches_of(plan.to_process, batch_size)
        futures = [batch_task.submit(batch, output_dir, staging, f"batch-{n:05d}", settings)
                   for n, batch in enumerate(batches)]
        results, done, chars = [], 0, 0
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            done += len(result.processed) + len(result.failures)
            chars += result.chars
            elapsed = time.perf_counter() - started
            logger.info("batches %d/%d, articles %d/%d, %.1f articles/s, %.0f chars/s", len(results),
                        len(batches), done, len(plan.to_process), done / elapsed, chars / elapsed)
        # Quoted: Prefect would otherwise walk the plan and the results (thousands of articles) looking for futures
        # they never hold, 0.3 s of this process at the end of a run. (Not the batches: a Dask worker would get the
        # quote as a tuple.)
        report = commit_task(output_dir, staging, quote(plan), quote(results), full, retention_days)
        healed = outputs.healed
    totals = report["rows_total"]
    with untagged_task_runs():
        exported = export_task(output_dir, export_parquet) if export_parquet else None
    failures = summary_failures(plan.failures + [f for r in results for f in r.failures], plan.standing)
    summary = {
        "processed": sum(len(r.processed) for r in results),
        "skipped": plan.skipped,
        "removed": len(plan.removed),
        **failure_counts(failures),
        "rows_written": {t: sum(r.rows.get(t, 0) for r in results) for t in totals},
        "rows_total": totals,
        "failures": failures,
        "seconds": round(time.perf_counter() - started, 2),
        "run_id": report["run_id"],
        "table_versions": report["table_versions"],
        "housekeeping": {"healed": healed, "compacted": report["compacted"], "vacuumed": report["vacuumed"],
                         "retention_days": retention_days},
    }
    if exported is not None:
        summary["exported"] = {"dest": export_parquet, "rows": exported}
    logger.info("done: %d processed, %d unchanged, %d removed, %d failed in %.1f s", summary["processed"],
                summary["skipped"], summary["removed"], summary["failed"], summary["seconds"])
    _report(summary, output_dir)
    return summary


@contextmanager
def untagged_task_runs():
    """Within, the task runs this flow starts carry no tags.

    The run's tags (pipeline.report.RUN_TAGS) name the flow run, and task runs inherit them; a task run with
    tags asks the server for concurrency slots of each tag before it starts, a round trip per batch that took
    15% of a worker's time in batches of 50 on 2 cores (and server time while the workers analyse).
    """
    with TagsContext(current_tags=set()):
        yield


def _report(summary: dict, output_dir: str) -> None:
    """Publish the run report and the failures table as artifacts of this flow run (pipeline.report)."""
    from prefect.runtime import flow_run

    try:
        rows = rows_of_run(output_dir, run_id=summary["run_id"])
        publish_run_report(summary, rows, name=flow_run.name)
    except Exception as exc:  # noqa: BLE001 - the tables are committed; a report that fails must not fail the run
        get_run_logger().warning("the run report could not be published: %r", exc)
