"""The analysis of batches in worker processes that import no Prefect (the default runner's processes).

Prefect's own process pool runs the whole task engine in each worker: Prefect imported there, a client, a
hydrated run context and the task run's state changes for every batch (measured: 10 of the 25 CPU-seconds the
two workers of a 1,000-article run spent went to it and to their start). Here the flow's task runs stay in the
flow's process, in threads (`pipeline.runners.LocalProcessRunner`), and each hands its batch to a worker of a
plain process pool: it loads the models once, analyses, stages the rows itself and sends back a small
BatchResult. This module imports neither Prefect nor the models: the workers unpickle its functions.

Prefect's temporary server takes seconds to start (3 CPU-seconds of its own; 10-15 s on a busy machine), and
the flow, its plan and its staging folder wait for it. `analyse_ahead` lets the workers begin meanwhile: the
command plans the run as the flow will (without the outputs lock) and hands the pool the flow's batches, each
staged in a folder of its own; the flow's task run for a batch with the same articles and settings takes that
result and moves its files into the run's staging, any other batch is analysed then. A plan that changed in
between costs only the work done ahead: nothing of it is published but what the flow's own plan asks for.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import multiprocessing
import os
import shutil
import tempfile
from concurrent.futures import Future, ProcessPoolExecutor

from extract.io.corpus import BatchResult, process_batch
from extract.io.delta import Outputs
from extract.settings import Settings
from extract.text.ingest import Article

from pipeline.watchdog import AHEAD_PREFIX

_WORKERS: ProcessPoolExecutor | None = None  # the pool batches of this process go to (None: they run here)
# Batches analysed ahead of the flow: (articles, settings) -> (future, folder, name they are staged under).
_AHEAD: dict[tuple[tuple[Article, ...], Settings], tuple[Future, str, str]] = {}
_AHEAD_FOLDERS: list[str] = []


def batches_of(articles: list[Article], size: int) -> list[list[Article]]:
    """Return `articles` in batches of `size` (the last one shorter), in order: the flow's task runs."""
    return [articles[i:i + size] for i in range(0, len(articles), size)]


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
    """Start `count` worker processes now (with the models loaded); batches go to them from now on."""
    global _WORKERS
    pool = ProcessPoolExecutor(max_workers=count, mp_context=_worker_context(settings),
                               initializer=_start_worker, initargs=(settings,))
    for _ in range(count):
        pool.submit(os.getpid)  # with no idle worker, each submit spawns one
    _WORKERS = pool
    return pool


# The settings whose models the fork server loads (pipeline.preload), as JSON in its environment.
PRELOAD_ENV = "ZH_EXTRACT_PRELOAD_SETTINGS"


def _worker_context(settings: Settings | None):
    """Return how worker processes start: forked from a server process that loaded the models for them.

    Python's fork server is a process of its own (single-threaded, no Prefect) that imports the modules it is
    told to preload, then forks each worker: the models load once, not once per worker (2 CPU-seconds each, on
    the cores the analysis needs), and the workers share their pages until they write them. Where there is no
    fork server (not on Unix), each worker is spawned and loads them itself.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    if settings is not None:
        # Read by the fork server when it starts (the first pool of this process; later pools reuse it).
        os.environ[PRELOAD_ENV] = json.dumps(dataclasses.asdict(settings))
        context.set_forkserver_preload(["pipeline.preload"])
    return context


def prepare_workers(settings: Settings) -> None:
    """Start the fork server of the workers now, so that it loads the models while this process goes on
    (importing Prefect, starting its server); `start_workers` forks them from it later."""
    if _worker_context(settings).get_start_method() == "forkserver":
        import multiprocessing.forkserver

        multiprocessing.forkserver.ensure_running()


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Stop the pool (batches analysed ahead and not taken are dropped); batches of this process run here again."""
    global _WORKERS
    if _WORKERS is pool:
        _WORKERS = None
    pool.shutdown(wait=True, cancel_futures=True)
    _AHEAD.clear()
    while _AHEAD_FOLDERS:
        shutil.rmtree(_AHEAD_FOLDERS.pop(), ignore_errors=True)


def analyse_ahead(batches: list[list[Article]], output_dir: str, settings: Settings) -> None:
    """Have the workers analyse `batches` now, before the flow asks for them (see the module's docstring).

    They are staged in a temporary folder of their own (the watchdog removes it if this process is killed).
    """
    pool = _WORKERS
    if pool is None or not batches:
        return
    folder = tempfile.mkdtemp(prefix=f"{AHEAD_PREFIX}{os.getpid()}-")
    _AHEAD_FOLDERS.append(folder)
    for n, articles in enumerate(batches):
        name = f"ahead-{n:05d}"
        future = pool.submit(process_batch, articles, output_dir, folder, name, settings)
        _AHEAD[(tuple(articles), settings)] = (future, folder, name)


def analysed_batch(articles, output_dir: str, staging: str, batch_name: str, settings: Settings) -> BatchResult:
    """Return `process_batch` of the batch, run by a worker process when this process started some, else here
    (one worker, or a Dask worker); a batch the workers analysed ahead is taken from them."""
    ahead = _AHEAD.pop((tuple(articles), settings), None)
    if ahead is not None:
        future, folder, name = ahead
        result = future.result()
        Outputs(output_dir).adopt_staged(folder, name, staging, batch_name)
        return result
    pool = _WORKERS
    if pool is None:
        return process_batch(articles, output_dir, staging, batch_name, settings)
    return pool.submit(process_batch, articles, output_dir, staging, batch_name, settings).result()
