"""The analysis of batches in worker processes that import no Prefect (the default runner's processes).

Prefect's own process pool runs the whole task engine in each worker: Prefect imported there, a client, a
hydrated run context and the task run's state changes for every batch (measured: 10 of the 25 CPU-seconds the
two workers of a 1,000-article run spent went to it and to their start). Here the flow's task runs stay in the
flow's process, in threads (`pipeline.runners.LocalProcessRunner`), and each hands its batch to a worker of a
plain process pool: it loads the models once, analyses, stages the rows itself and sends back a small
BatchResult. This module imports neither Prefect nor the models: the workers unpickle its functions.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from extract.io.corpus import BatchResult, process_batch
from extract.settings import Settings

_WORKERS: ProcessPoolExecutor | None = None  # the pool batches of this process go to (None: they run here)


def warm_models(settings: Settings) -> None:
    """Load the analysis' models and data files in this process by analysing a short article.

    The initializer of each worker process: a worker loads while Prefect's server starts, not on its first
    batch. Never raises: an initializer that raises breaks the whole pool, and a real article reports the
    same problem as its own errors row.
    """
    try:
        # The batches' own warm-up: it notes the settings as loaded, so no batch repeats it.
        from extract.io.corpus import _warm_up

        _warm_up(settings)
    except Exception:  # noqa: BLE001 - see above
        pass


def _start_worker(settings: Settings | None) -> None:
    """Initialise a worker process: its log lines (an article's internal error) go to stderr; load the models."""
    logging.basicConfig(format="%(asctime)s | %(levelname)-7s | %(name)s - %(message)s")
    if settings is not None:
        warm_models(settings)


def start_workers(count: int, settings: Settings | None) -> ProcessPoolExecutor:
    """Start `count` worker processes now (each loads the models as it starts); batches go to them from now on."""
    global _WORKERS
    pool = ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(settings,))
    for _ in range(count):
        pool.submit(os.getpid)  # with no idle worker, each submit spawns one
    _WORKERS = pool
    return pool


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Stop the pool; batches of this process run here again."""
    global _WORKERS
    if _WORKERS is pool:
        _WORKERS = None
    pool.shutdown(wait=True, cancel_futures=True)


def analysed_batch(articles, output_dir: str, staging: str, batch_name: str, settings: Settings) -> BatchResult:
    """Return `process_batch` of the batch, run by a worker process when this process started some, else here
    (one worker, or a Dask worker)."""
    pool = _WORKERS
    if pool is None:
        return process_batch(articles, output_dir, staging, batch_name, settings)
    return pool.submit(process_batch, articles, output_dir, staging, batch_name, settings).result()
