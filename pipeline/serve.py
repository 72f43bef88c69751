"""`zh-extract serve`: run the flow on a cron schedule as a Prefect deployment, and stop cleanly.

Prefect's embedded (ephemeral) server stores schedules but never runs them, so when no `PREFECT_API_URL`
is set we start a local `prefect server start` (SQLite in the state folder), wait until it answers, serve
the deployment, and on Ctrl-C or SIGTERM stop the flow runs and the server we started. Prefect's own
`serve` ignores SIGINT while a run is active, which is why this module drives the runner itself.
"""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from pipeline.settings import configure_prefect

DEPLOYMENT_NAME = "scheduled"
EXIT_OK, EXIT_SERVER = 0, 2  # 2: a usage or configuration error, as for `zh-extract run`
HEALTH_TIMEOUT_SECONDS = 120.0
# Seconds a flow run or the server gets to exit after SIGTERM before SIGKILL; the serve test allows 15 s
# in all from Ctrl-C to the last process gone.
STOP_GRACE_SECONDS = 3.0
RUNNER_STOP_SECONDS = 3.0


class ServerStartError(RuntimeError):
    """The local Prefect server did not become healthy."""


class _StopRequested(Exception):
    """SIGTERM arrived before the runner was serving."""


@dataclass
class LocalServer:
    """A `prefect server start` process we started, in its own session so we can stop all of it."""

    process: subprocess.Popen
    api_url: str
    log_path: Path

    @property
    def ui_url(self) -> str:
        """Return the address of the Prefect UI of this server."""
        return self.api_url.removesuffix("/api")

    @classmethod
    def launch(cls, home: Path, *, port: int | None = None) -> LocalServer:
        """Start a server whose SQLite database lives in `home` (its PREFECT_HOME); do not wait for it."""
        port = port or free_port()
        log_path = home / "server.log"
        env = {**os.environ, "PREFECT_HOME": str(home)}
        env.pop("PREFECT_API_URL", None)
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                start_new_session=True)
        return cls(process=process, api_url=f"http://127.0.0.1:{port}/api", log_path=log_path)

    def wait_healthy(self, timeout: float = HEALTH_TIMEOUT_SECONDS) -> None:
        """Return once the server answers its health check; raise ServerStartError if it dies or times out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerStartError(f"the Prefect server exited with status {self.process.returncode}; "
                                       f"its log ends:\n{self.log_tail()}")
            if api_healthy(self.api_url):
                return
            time.sleep(0.5)
        raise ServerStartError(f"the Prefect server did not answer at {self.api_url} within {timeout:.0f} s; "
                               f"its log ends:\n{self.log_tail()}")

    def log_tail(self, lines: int = 15) -> str:
        """Return the last lines of the server's log."""
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError as exc:
            return f"(log unreadable: {exc})"

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop the server and every process of its session: SIGTERM, then SIGKILL after `grace` seconds."""
        if self.process.poll() is None:
            _signal_group(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        # uvicorn workers may outlive the `prefect` parent: the whole group goes.
        _signal_group(self.process.pid, signal.SIGKILL)
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            pass


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api_healthy(api_url: str) -> bool:
    """Return whether a Prefect API answers its health check."""
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def serve(corpus: str, outputs: str, cron: str, state_dir: Path) -> int:
    """Serve the extract-corpus flow on `cron` until SIGINT or SIGTERM; return the exit status.

    Uses the Prefect server at PREFECT_API_URL, or starts a local one (SQLite under `state_dir`) and stops
    it on exit. Runs are limited to one at a time (the outputs lock would refuse a second anyway).
    """
    home = configure_prefect(Path(state_dir), log_to_api=True)
    corpus_dir = str(Path(corpus).resolve())
    output_dir = outputs if "://" in outputs else str(Path(outputs).resolve())
    server = None
    own_server = not os.environ.get("PREFECT_API_URL")
    if own_server:
        # Prefect reads its settings at import: the address must be in the environment before.
        port = free_port()
        os.environ["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"
        os.environ.setdefault("PREFECT_UI_URL", f"http://127.0.0.1:{port}")
    problem = cron_problem(cron)
    if problem:
        print(f"zh-extract: --cron {cron!r} is not a cron schedule: {problem}", file=sys.stderr)
        return EXIT_SERVER
    previous_term = signal.signal(signal.SIGTERM, _raise_stop)
    try:
        if own_server:
            server = LocalServer.launch(home, port=port)
            print(f"zh-extract: starting a local Prefect server (database in {home}) ...", flush=True)
            server.wait_healthy()
            print(f"zh-extract: Prefect UI at {server.ui_url}", flush=True)
        elif not api_healthy(os.environ["PREFECT_API_URL"]):
            print(f"zh-extract: no Prefect server answers at PREFECT_API_URL={os.environ['PREFECT_API_URL']}",
                  file=sys.stderr)
            return EXIT_SERVER
        return asyncio.run(_serve_deployment(corpus_dir, output_dir, cron, exclude=server))
    except ServerStartError as exc:
        print(f"zh-extract: {exc}", file=sys.stderr)
        return EXIT_SERVER
    except (KeyboardInterrupt, _StopRequested):
        return EXIT_OK
    finally:
        _stop_children(exclude=server)
        if server is not None:
            server.stop()
        signal.signal(signal.SIGTERM, previous_term)


def cron_problem(cron: str) -> str | None:
    """Return why `cron` is not a schedule Prefect accepts, or None when it is one."""
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    try:
        CronSchedule(cron=cron)
    except ValidationError as exc:
        return "; ".join(error["msg"] for error in exc.errors())
    return None


def _raise_stop(signum, frame) -> None:
    raise _StopRequested()


async def _serve_deployment(corpus_dir: str, output_dir: str, cron: str, *, exclude: LocalServer | None) -> int:
    from prefect.client.schemas.objects import (
        ConcurrencyLimitConfig,
        ConcurrencyLimitStrategy,
    )
    from prefect.deployments.runner import EntrypointType
    from prefect.runner import Runner

    from pipeline.flow import extract_corpus
    from pipeline.report import RUN_TAGS

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runner = Runner(name="zh-extract", limit=1, pause_on_shutdown=True)
    try:
        await runner.aadd_flow(
            extract_corpus, name=DEPLOYMENT_NAME, cron=cron, paused=False,
            parameters={"corpus_dir": corpus_dir, "output_dir": output_dir}, tags=[*RUN_TAGS, "scheduled"],
            # A run still going when the next is due: skip the new one; the next run catches up anyway.
            concurrency_limit=ConcurrencyLimitConfig(limit=1,
                                                     collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
            entrypoint_type=EntrypointType.MODULE_PATH)
    except ValueError as exc:  # pydantic's ValidationError (a ValueError) for a schedule the server refuses
        print(f"zh-extract: cannot serve with --cron {cron!r}: {exc}", file=sys.stderr)
        return EXIT_SERVER
    started = asyncio.create_task(runner.start())
    await asyncio.sleep(0)
    # Runner.start installs its own SIGTERM handler, which waits for runs; ours stops them.
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"zh-extract: serving deployment 'extract-corpus/{DEPLOYMENT_NAME}' on cron {cron!r}: corpus "
          f"{corpus_dir} -> {output_dir}. Ctrl-C stops.", flush=True)
    waiter = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({started, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if started in done:
        waiter.cancel()
        exc = started.exception()
        if exc is not None:
            print(f"zh-extract: the runner stopped: {exc}", file=sys.stderr)
            return EXIT_SERVER
        return EXIT_OK
    print("zh-extract: stopping: ending flow runs, then the server", flush=True)
    # Stop the runs first: the runner would otherwise wait up to 30 s for each one.
    await asyncio.to_thread(_stop_children, exclude)
    try:
        await asyncio.wait_for(_stop_runner(runner, started), RUNNER_STOP_SECONDS)
    except (TimeoutError, asyncio.CancelledError, RuntimeError):
        started.cancel()
    return EXIT_OK


async def _stop_runner(runner, started: asyncio.Task) -> None:
    # astop cancels the polling loops; `start` then pauses the schedule and returns.
    await runner.astop()
    await started


def _stop_children(exclude: LocalServer | None = None, grace: float = STOP_GRACE_SECONDS) -> None:
    """Stop every process this one started (flow runs and theirs), except the server `exclude`."""
    import psutil

    from pipeline.watchdog import stop_processes

    me = psutil.Process()
    keep = set()
    if exclude is not None:
        try:
            server = psutil.Process(exclude.process.pid)
            keep = {server.pid} | {p.pid for p in server.children(recursive=True)}
        except psutil.NoSuchProcess:
            pass
    stop_processes([p for p in me.children(recursive=True) if p.pid not in keep], grace)
