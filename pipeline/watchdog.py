"""A watchdog that stops what a `zh-extract` command started when the command dies, even by kill -9.

`zh-extract run` (Prefect's temporary server) and `serve` (the local Prefect server, flow runs) start
processes of their own; a command killed with SIGKILL cannot stop them, and a server left behind keeps its
port open. The watchdog is a separate process in its own session: it notes the command's descendants every
second and, once the command is gone, terminates them (SIGTERM, then SIGKILL after a grace period).
psutil checks each process's identity (start time), so a recycled pid is never signalled. A child started
in the last second before the command died was never seen as its descendant; every process the command starts
inherits OWNER_ENV naming it, and the watchdog looks for that mark once the command is gone.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil

OWNER_ENV = "ZH_EXTRACT_WATCHDOG_OWNER"
# The temporary folders of batches analysed ahead of the flow (pipeline.batches): `<prefix><pid>-*`.
AHEAD_PREFIX = "zh-extract-ahead-"
POLL_SECONDS = 1.0
GRACE_SECONDS = 3.0


def start_watchdog() -> subprocess.Popen:
    """Start the watchdog of this process; it exits on its own once this process is gone."""
    os.environ[OWNER_ENV] = str(os.getpid())  # inherited by every process this one starts from now on
    return subprocess.Popen([sys.executable, "-m", "pipeline.watchdog", str(os.getpid())],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True)


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def watch(pid: int) -> int:
    """Watch process `pid`; when it is gone, stop every descendant it had; return the number stopped."""
    try:
        parent = psutil.Process(pid)
    except psutil.NoSuchProcess:
        remove_ahead_folders(pid)
        return 0
    known: dict[int, psutil.Process] = {}
    while _alive(parent):
        try:
            for child in parent.children(recursive=True):
                if child.pid != os.getpid():
                    known.setdefault(child.pid, child)
        except psutil.NoSuchProcess:
            break
        time.sleep(POLL_SECONDS)
    left = [p for p in known.values() if _alive(p)] + marked_orphans(pid, set(known))
    stop_processes(left, GRACE_SECONDS)
    remove_ahead_folders(pid)
    return len(left)


def remove_ahead_folders(owner: int) -> None:
    """Remove the folders of batches `owner` had analysed ahead (it removes them itself unless killed)."""
    import shutil
    import tempfile
    from pathlib import Path

    for folder in Path(tempfile.gettempdir()).glob(f"{AHEAD_PREFIX}{owner}-*"):
        shutil.rmtree(folder, ignore_errors=True)


def stop_processes(procs: list[psutil.Process], grace: float) -> None:
    """Terminate `procs`, kill those still running after `grace` seconds, and wait for them as long again."""
    for proc in procs:
        try:
            proc.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for proc in alive:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=grace)


def marked_orphans(owner: int, known: set[int]) -> list[psutil.Process]:
    """Return the running processes, not in `known`, whose environment names `owner` in OWNER_ENV."""
    found = []
    for proc in psutil.process_iter():
        if proc.pid in known or proc.pid == os.getpid():
            continue
        try:
            if proc.environ().get(OWNER_ENV) == str(owner) and _alive(proc):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, OSError):
            continue
    return found


if __name__ == "__main__":
    sys.exit(0 if watch(int(sys.argv[1])) >= 0 else 1)
