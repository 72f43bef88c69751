"""A watchdog that stops what a `zh-extract` command started when the command dies, even by kill -9.

`zh-extract run` (Prefect's temporary server) and `serve` (the local Prefect server, flow runs) start
processes of their own; a command killed with SIGKILL cannot stop them, and a server left behind keeps its
port open. The watchdog is a separate process in its own session: it notes the command's descendants every
second and, once the command is gone, terminates them (SIGTERM, then SIGKILL after a grace period).
psutil checks each process's identity (start time), so a recycled pid is never signalled.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil

POLL_SECONDS = 1.0
GRACE_SECONDS = 3.0


def start_watchdog() -> subprocess.Popen:
    """Start the watchdog of this process; it exits on its own once this process is gone."""
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
    left = [p for p in known.values() if _alive(p)]
    stop_processes(left, GRACE_SECONDS)
    return len(left)


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


if __name__ == "__main__":
    sys.exit(0 if watch(int(sys.argv[1])) >= 0 else 1)
