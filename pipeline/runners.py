"""Task runners for the flow: Prefect's default (threads in this process) or Dask through prefect-dask."""
from __future__ import annotations


def task_runner(name: str, *, workers: int = 2, address: str | None = None):
    """Return the task runner for `name` ('default' gives None: the flow's own default runner)."""
    if name == "default":
        return None
    if name == "dask":
        from prefect_dask import DaskTaskRunner

        if address:
            return DaskTaskRunner(address=address)
        if workers < 1:
            raise ValueError(f"--workers must be at least 1, got {workers}")
        # Processes, one thread each: the analysis is CPU-bound Python, so threads would share one GIL.
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None})
    raise ValueError(f"unknown runner {name!r} (choose default or dask)")
