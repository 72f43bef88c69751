"""Plan a run before paying for orchestration: a run with nothing to do needs neither Prefect nor the models.

Starting Prefect (its embedded server, or a client of a remote one) and loading the analysis take seconds to
tens of seconds; comparing the corpus with the manifest takes a fraction of one. `zh-extract run` asks
`idle_summary` first and starts the flow only when there is something to process, remove or record: failures
an earlier run recorded for files that have not changed are reported from the `errors` table.
"""
from __future__ import annotations

import time
from pathlib import Path


def idle_summary(corpus: str, outputs: str, *, max_bytes: int, follow_symlinks: bool = False) -> dict | None:
    """Return the run summary when a run over `corpus` would change nothing in `outputs`, else None.

    Nothing to change: published tables exist, every article is unchanged (same content, same pipeline
    version), none was removed, and no file fails now that did not fail the same way before: a file whose own
    content was refused (no Chinese, bad JSON) and has not changed is a standing failure, reported again from
    its `errors` rows (so the run still exits 1) without being read. Holds the outputs lock while it reads, as
    the flow does (raises LockedError when another run writes), and finishes a commit a killed run left.
    """
    from extract.io.corpus import plan_run
    from extract.io.tables import TABLES
    from extract.io.delta import Outputs, completed_runs

    started = time.perf_counter()
    if not completed_runs(outputs):
        return None  # a first run: the flow creates the tables, even empty ones
    with Outputs(outputs) as out:
        plan = plan_run(Path(corpus), out, full=False, max_bytes=max_bytes, follow_symlinks=follow_symlinks)
        if plan.to_process or plan.removed or plan.failures or plan.touched_sources:
            return None
        totals = {table: out.count_rows(table) for table in TABLES}
    failures = summary_failures([], plan.standing)
    return {"processed": 0, "skipped": plan.skipped, "removed": 0, **failure_counts(failures),
            "rows_written": {table: 0 for table in totals}, "rows_total": totals, "failures": failures,
            "seconds": round(time.perf_counter() - started, 2)}


def planned_articles(corpus: str, outputs: str, *, full: bool, max_bytes: int,
                     follow_symlinks: bool = False) -> list:
    """Return the articles a run over `corpus` would process now, or [] when the outputs cannot tell.

    Planned without the outputs lock, for the workers to analyse ahead of the flow (pipeline.batches): the
    flow plans again under the lock, and a batch of this plan is used only when the flow's plan has it too.
    """
    from extract.errors import ExtractError
    from extract.io.corpus import plan_run

    try:
        return plan_run(Path(corpus), outputs, full=full, max_bytes=max_bytes,
                        follow_symlinks=follow_symlinks).to_process
    except (ExtractError, OSError):  # damaged or unreadable outputs: the flow reports it
        return []


def summary_failures(found: list, standing: list) -> list[dict]:
    """Return the summary's failures: those this run found, then the standing ones (`standing`: True) an earlier
    run found in files that have not changed since."""
    return [{"source": f.source, "doc_id": f.doc_id, "code": f.code, "message": f.message, "standing": old}
            for old, failures in ((False, found), (True, standing)) for f in failures]


def failure_counts(failures: list[dict]) -> dict[str, int]:
    """Return {"failed": inputs that failed, "warnings": problems that did not stop their article}."""
    from extract.errors import WARNING_CODES

    warnings = sum(f["code"] in WARNING_CODES for f in failures)
    return {"failed": len(failures) - warnings, "warnings": warnings}
