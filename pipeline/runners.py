"""Task runners for the flow: a pool of processes on this machine (the default) or Dask through prefect-dask.

Import after `pipeline.settings.configure_prefect`: this module imports Prefect.
"""
from __future__ import annotations

import os
from contextlib import contextmanager

from prefect.task_runners import ThreadPoolTaskRunner

from extract.settings import Settings


def default_workers() -> int:
    """Return how many worker processes the default runner starts: one per core this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class LocalProcessRunner(ThreadPoolTaskRunner):
    """Task runs in threads of this process; the batches they run are analysed by worker processes without Prefect.

    `start_early` starts the workers (pipeline.batches, forked with the models loaded) while Prefect's temporary
    server starts, and `analyse_ahead` has them begin the planned batches; the flow later enters this same runner
    (`duplicate` returns it), and each `analyze-batch` task run, in a thread here, takes its batch's result from
    the workers or hands it to one and waits. Without `start_early` the flow starts them on entry.
    """

    def __init__(self, max_workers: int | None = None, settings: Settings | None = None):
        # None: one process per core (Prefect's own default, no limit, is no number of processes).
        super().__init__(max_workers=max_workers or default_workers())
        self._settings = settings
        self._workers = None

    def start_early(self) -> None:
        """Start the worker processes now; the flow enters the runner later."""
        from pipeline.batches import start_workers

        if self._workers is None:
            self._workers = start_workers(self._max_workers, self._settings)

    def analyse_ahead(self, batches: list, output_dir: str) -> None:
        """Have the started workers analyse `batches`, the flow's batches as planned now, before the flow asks."""
        from pipeline.batches import analyse_ahead

        if self._workers is not None and self._settings is not None:
            analyse_ahead(batches, output_dir, self._settings)

    def stop_early(self) -> None:
        """Stop the worker processes (the flow has left the runner, or never entered it)."""
        from pipeline.batches import stop_workers

        if self._workers is not None:
            stop_workers(self._workers)
            self._workers = None

    def duplicate(self) -> LocalProcessRunner:
        if self._workers is not None:
            return self
        return type(self)(max_workers=self._max_workers, settings=self._settings)

    def __reduce__(self):
        return type(self), (self._max_workers, self._settings)

    def __enter__(self) -> LocalProcessRunner:
        self.start_early()
        return super().__enter__()

    def __exit__(self, *exc) -> None:
        super().__exit__(*exc)
        self.stop_early()


def task_runner(name: str, *, workers: int | None = None, address: str | None = None,
                settings: Settings | None = None):
    """Return the task runner for `name`: 'default' (processes on this machine) or 'dask'.

    `workers` is the number of processes (None: one per core). The analysis is CPU-bound Python, so
    threads would share one GIL; with one worker the batches run in this process, with no pool to start.
    With `settings`, the pool's workers load the models for them as they start.
    """
    if workers is not None and workers < 1:
        raise ValueError(f"--workers must be at least 1, got {workers}")
    if name == "default":
        workers = workers or default_workers()
        return LocalProcessRunner(max_workers=workers, settings=settings) if workers > 1 else \
            ThreadPoolTaskRunner(max_workers=1)
    if name == "dask":
        from prefect_dask import DaskTaskRunner

        if address:
            return DaskTaskRunner(address=address)
        # Processes, one thread each: the analysis is CPU-bound Python, so threads would share one GIL.
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers or default_workers(), "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None})
    raise ValueError(f"unknown runner {name!r} (choose default or dask)")


class SharedAPI:
    """The Prefect API this process and its worker processes record the run in, started in the background.

    Without PREFECT_API_URL, Prefect starts a temporary server for the process that runs the flow but does
    not tell worker processes its address, so each of them would start a server of its own (tens of seconds
    each, and their task runs spread over several servers). This starts that temporary server once, at once,
    so the caller can spawn workers and load the models while it comes up (10-15 s here); `use()` waits for
    it. A context: on leaving, the address is unset again. The server is stopped at exit.
    """

    def __init__(self):
        from prefect.settings import PREFECT_API_URL

        self.server = None if PREFECT_API_URL.value() else TemporaryServer()
        self._before = os.environ.get("PREFECT_API_URL")
        if self.server is not None:
            # Its address is known at once: every thread and worker process started from now on reads it from
            # the environment and the process-wide settings. Threads Prefect starts outside the flow's context
            # (the pool's message forwarder) would otherwise start a temporary server of their own.
            self._set_environment(self.server.url)

    @staticmethod
    def _set_environment(url: str | None) -> None:
        from prefect.context import refresh_global_settings_context

        if url is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = url
        refresh_global_settings_context()

    def __enter__(self) -> SharedAPI:
        return self

    def __exit__(self, *exc) -> None:
        if self.server is not None:
            self._set_environment(self._before)

    @contextmanager
    def use(self):
        """Wait for the server; within, this process and its workers talk to it."""
        if self.server is None:
            yield
            return
        from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        # No flow-run heartbeats: they tell a lasting server that a run is alive; this one dies with the run, and a
        # sync flow waits up to a second at its end for the heartbeat thread.
        with temporary_settings({PREFECT_API_URL: self.server.wait(), PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield


# What a run's temporary server does not need (values the user set in the environment win). It records the flow
# run through the API and its task runs through the task-run recorder, which stays on. Off: the events table and
# the services that act on events (automations, event log, streams out to a UI that is not served), and block
# registration at start, which imports every Prefect collection (prefect-dask, hence Dask) to register block
# types no run of ours uses. Measured: the server's CPU to answer its health check 4.4-5.2 -> 2.8-3.5 s.
TEMPORARY_SERVER_SETTINGS = {
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_EVENT_LOGGER_ENABLED": "false",
    "PREFECT_SERVER_EVENTS_STREAM_OUT_ENABLED": "false",
    "PREFECT_SERVER_LOGS_STREAM_OUT_ENABLED": "false",
    "PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
    "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
}


class TemporaryServer:
    """Prefect's temporary API server (what `SubprocessASGIServer` runs), launched without waiting for it.

    Prefect's own class is imported with the whole server application (2 s of this process's time on a busy
    machine) and blocks until the server answers; this launches the same command at once and waits only in
    `wait()`.
    """

    def __init__(self):
        import atexit

        self.database = _default_database()
        self.new_database = self.database is not None and not self.database.exists()
        self.seeded = self.new_database and _seed_database(self.database)
        self.process = self._launch()
        atexit.register(self.stop)

    def _launch(self):
        import socket
        import subprocess
        import sys

        import prefect
        from prefect.settings import get_current_settings

        with socket.socket() as sock:  # a port free now (taken meanwhile: the run fails)
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/api"
        sys.stderr.write(f"Starting temporary server on http://127.0.0.1:{self.port}\n")
        env = {**TEMPORARY_SERVER_SETTINGS, **os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
               "PREFECT__SERVER_FINAL": "1", **get_current_settings().to_environment_variables(exclude_unset=True)}
        return subprocess.Popen([sys.executable, "-m", "uvicorn", "--app-dir", str(prefect.__module_path__.parent),
                                 "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
                                 "--port", str(self.port), "--log-level", "error", "--lifespan", "on"], env=env)

    def wait(self) -> str:
        """Wait until the server answers its health check; return its API address."""
        import time
        import urllib.request

        from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

        deadline = time.monotonic() + PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()
        while time.monotonic() < deadline:
            if self.process.poll() == 3:  # uvicorn's startup failure: the port was taken meanwhile
                raise RuntimeError(f"Prefect's temporary server could not use port {self.port}")
            if self.process.poll() is not None:
                raise RuntimeError(f"Prefect's temporary server exited with code {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=5) as response:
                    if response.status == 200:
                        if self.new_database and not self.seeded:  # migrated here, no run in it yet
                            _keep_template(self.database)
                        return self.url
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("Timed out while attempting to connect to Prefect's temporary server")

    def stop(self) -> None:
        """Stop the server (at exit), as Prefect stops its own temporary server."""
        import subprocess

        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# A new database takes Prefect's server about 6 s of migrations (10 s to start instead of 4 here). A state
# folder without one starts from a copy of an empty migrated database, kept in the user cache folder per Prefect
# version the first time a server migrates one itself (before any run is recorded in it).
def _default_database():
    """Return the server's SQLite file when it is Prefect's default (in PREFECT_HOME), else None."""
    from pathlib import Path

    from prefect.settings import get_current_settings

    settings = get_current_settings()
    url = settings.server.database.connection_url
    path = Path(settings.home) / "prefect.db"
    return path if url is not None and url.get_secret_value() == f"sqlite+aiosqlite:///{path}" else None


def _template():
    import prefect

    from extract.cache import user_cache_dir

    return user_cache_dir() / "prefect-db" / f"{prefect.__version__}.db"


def _seed_database(path) -> bool:
    """Copy the kept empty database to `path`; return whether it was (no template, or a damaged one: False)."""
    import shutil
    import sqlite3

    template = _template()
    try:
        db = sqlite3.connect(f"file:{template}?mode=ro", uri=True)
        try:  # a damaged or unfinished copy is not used
            if not db.execute("select version_num from alembic_version").fetchall():
                return False
        finally:
            db.close()
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, path)
        return True
    except (OSError, sqlite3.Error):
        return False


def _keep_template(path) -> None:
    """Keep a consistent copy of the database at `path` (SQLite's backup) as the template, written whole."""
    import sqlite3

    template = _template()
    partial = template.with_name(f"{template.name}.{os.getpid()}.tmp")
    try:
        template.parent.mkdir(parents=True, exist_ok=True)
        source, copy = sqlite3.connect(path), sqlite3.connect(partial)
        try:
            source.backup(copy)
        finally:
            source.close()
            copy.close()
        os.replace(partial, template)
    except (OSError, sqlite3.Error):
        partial.unlink(missing_ok=True)
