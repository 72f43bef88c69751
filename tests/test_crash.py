"""Crash safety: a run killed with SIGKILL while processing or while writing leaves readable tables, and the
next run completes them with no duplicate and no missing row."""
from __future__ import annotations

import os
import signal
import time

import pytest

pytest.register_assert_rewrite("flow_fixtures")
from flow_fixtures import *  # noqa: E402,F403  (helpers; the fixtures come from the plugin)

pytest_plugins = ["flow_fixtures"]

N_ARTICLES = 300
BATCH = ("--batch-size", "20")

# Run inside the `zh-extract run` process: SIGKILL itself halfway through publishing (after half of the
# renames of staged files over live ones), the moment a kill from outside can hardly hit on purpose.
KILL_HALFWAY_THROUGH_COMMIT = '''
import os, signal
from extract.io.writer import Outputs

_apply_moves = Outputs._apply_moves

def apply_half_then_die(self, moves):
    _apply_moves(self, moves[: len(moves) // 2])
    os.kill(os.getpid(), signal.SIGKILL)

Outputs._apply_moves = apply_half_then_die
'''


@pytest.fixture(scope="module")
def crash_corpus(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("crash") / "corpus"
    write_tiny_corpus(corpus, N_ARTICLES)
    return corpus


@pytest.fixture(scope="module")
def uninterrupted(prefect_api, crash_corpus, tmp_path_factory):
    """The tables of one uninterrupted run over the corpus."""
    work = tmp_path_factory.mktemp("uninterrupted")
    run = run_cli(prefect_api, work, crash_corpus, work / "outputs", *BATCH)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.summary["processed"] == N_ARTICLES
    return read_tables(work / "outputs")


def _staged_batches(outputs):
    return list((outputs / "_state" / "staging").glob("*/batches/documents/*.parquet"))


def test_crash_kill_9_while_processing_then_rerun_gives_equal_tables(prefect_api, crash_corpus, uninterrupted,
                                                                     tmp_path):
    outputs = tmp_path / "outputs"
    proc = start_cli(prefect_api, tmp_path, crash_corpus, outputs, *BATCH)
    try:
        deadline = time.monotonic() + 240
        while not _staged_batches(outputs):
            assert proc.poll() is None, f"the run ended before it was killed:\n{proc.stderr.read()[-3000:]}"
            assert time.monotonic() < deadline, "no batch was staged within 240 s"
            time.sleep(0.05)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert _staged_batches(outputs), "killed while batches were staged"
    assert not (outputs / "documents").exists(), "nothing is published before the commit"
    assert_tables_readable(outputs)

    run = run_cli(prefect_api, tmp_path, crash_corpus, outputs, *BATCH)
    assert run.returncode == 0, run.stderr[-3000:]
    assert (run.summary["processed"], run.summary["skipped"]) == (N_ARTICLES, 0)
    assert_tables_equal(read_tables(outputs), uninterrupted)
    staging = outputs / "_state" / "staging"
    assert not staging.exists() or not any(staging.iterdir()), "the abandoned staging files are gone"


def test_crash_kill_9_halfway_through_commit_then_rerun_gives_equal_tables(prefect_api, crash_corpus,
                                                                          uninterrupted, tmp_path):
    outputs = tmp_path / "outputs"
    killed = run_cli_with(prefect_api, tmp_path, KILL_HALFWAY_THROUGH_COMMIT, crash_corpus, outputs, *BATCH)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert (outputs / "_state" / "journal.json").exists(), "killed with the commit half done"
    assert not (outputs / "_state" / "manifest.json").exists(), "the manifest is published last"
    assert_tables_readable(outputs)

    run = run_cli(prefect_api, tmp_path, crash_corpus, outputs, *BATCH)
    assert run.returncode == 0, run.stderr[-3000:]
    # The journal replay finished the killed run's commit, so this run finds everything done.
    assert (run.summary["processed"], run.summary["skipped"]) == (0, N_ARTICLES)
    assert not (outputs / "_state" / "journal.json").exists()
    assert_tables_equal(read_tables(outputs), uninterrupted)
