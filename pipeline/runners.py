"""Task runners for the flow: a pool of processes on this machine (the default) or Dask through prefect-dask."""
from __future__ import annotations

import os


def default_workers() -> int:
    """Return how many worker processes the default runner starts: one per core this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def task_runner(name: str, *, workers: int | None = None, address: str | None = None):
    """Return the task runner for `name`: 'default' (processes on this machine) or 'dask'.

    `workers` is the number of processes (None: one per core). The analysis is CPU-bound Python, so
    threads would share one GIL; with one worker the batches run in this process, with no pool to start.
    """
    if workers is not None and workers < 1:
        raise ValueError(f"--workers must be at least 1, got {workers}")
    if name == "default":
        from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

        workers = workers or default_workers()
        return ProcessPoolTaskRunner(max_workers=workers) if workers > 1 else ThreadPoolTaskRunner(max_workers=1)
    if name == "dask":
        from prefect_dask import DaskTaskRunner

        if address:
            return DaskTaskRunner(address=address)
        # Processes, one thread each: the analysis is CPU-bound Python, so threads would share one GIL.
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers or default_workers(), "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None})
    raise ValueError(f"unknown runner {name!r} (choose default or dask)")


def shared_api():
    """Return a context in which this process and its worker processes talk to one Prefect API.

    Without PREFECT_API_URL, Prefect starts a temporary server for the process that runs the flow but does
    not tell worker processes its address, so each of them would start a server of its own (tens of seconds
    each, and their task runs spread over several servers). Starting that temporary server here and setting
    its address makes every process record the run in the same place.
    """
    from contextlib import nullcontext

    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        return nullcontext()
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()  # stopped at exit, as Prefect does for its own temporary server
    return temporary_settings({PREFECT_API_URL: server.api_url})
