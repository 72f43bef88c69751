"""`zh-extract run` as a person sees it: a progress bar on a terminal, tables of counts at the end (slow: runs the flow)."""
from __future__ import annotations

import os
import pty
import re
import select
import subprocess

import pytest

pytest.register_assert_rewrite("flow_fixtures")
from flow_fixtures import cli_command, cli_env, write_tiny_corpus  # noqa: E402

pytest_plugins = ["flow_fixtures"]
_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _args(work, corpus):
    return [*cli_command(), "run", "--corpus", str(corpus), "--outputs", str(work / "outputs"),
            "--state-dir", str(work / "state"), "--batch-size", "2"]


def test_cli_run_ends_with_tables_of_counts(prefect_api, tmp_path):
    corpus = tmp_path / "corpus"
    write_tiny_corpus(corpus, 3)
    done = subprocess.run(_args(tmp_path, corpus), env=cli_env(prefect_api, COLUMNS="120"), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert not _ESCAPE.search(out) and not _ESCAPE.search(done.stderr), "terminal codes written to a pipe"
    assert re.search(r"processed +unchanged +removed +failed +with warnings +seconds", out)
    assert re.search(r"^ +3 +0 +0 +0 +0 +\d+\.\d *$", out, re.M), out
    assert re.search(r"^ documents +3 +3 *$", out, re.M)
    assert "articles/s" in done.stderr  # off a terminal the flow's own log lines report progress


def test_cli_run_shows_progress_on_a_terminal(prefect_api, tmp_path):
    corpus = tmp_path / "corpus"
    write_tiny_corpus(corpus, 4)
    leader, follower = pty.openpty()
    proc = subprocess.Popen(_args(tmp_path, corpus), env=cli_env(prefect_api, COLUMNS="120", TERM="xterm"),
                            stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, close_fds=True)
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 600)
        if not ready:
            proc.kill()
            pytest.fail("zh-extract run printed nothing for 10 minutes")
        try:
            data = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command has exited
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait(timeout=60) == 0
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert _ESCAPE.search(screen), "no progress bar drawn on a terminal"
    assert re.search(r"(planning|analysing).*\d+/4", _ESCAPE.sub("", screen)), screen[-2000:]
    assert "Rows per table" in screen
    assert "Finished in state" not in screen  # Prefect's INFO lines are held back while the bar shows
