"""Plan a run before paying for orchestration: a run with nothing to do needs neither Prefect nor the models.

Starting Prefect (its embedded server, or a client of a remote one) and loading the analysis take seconds to
tens of seconds; comparing the corpus with the manifest takes a fraction of one. `zh-extract run` asks
`idle_summary` first and starts the flow only when there is something to process, remove or report.
"""
from __future__ import annotations

import time
from pathlib import Path


def idle_summary(corpus: str, outputs: str, *, max_bytes: int, follow_symlinks: bool = False) -> dict | None:
    """Return the run summary when a run over `corpus` would change nothing in `outputs`, else None.

    Nothing to change: published tables exist, every article is unchanged (same content, same pipeline
    version), none was removed, and no file failed before or fails now. Holds the outputs lock while it reads,
    as the flow does (raises LockedError when another run writes), and finishes a commit a killed run left.
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
    return {"processed": 0, "skipped": plan.skipped, "removed": 0, "failed": 0, "warnings": 0,
            "rows_written": {table: 0 for table in totals}, "rows_total": totals, "failures": [],
            "seconds": round(time.perf_counter() - started, 2)}
