"""Crash safety through `zh-extract run`: a run killed with SIGKILL while processing or between its table
commits leaves readable tables, and the next run ends with tables equal to an uninterrupted run's."""
from __future__ import annotations

import json
import signal

import pytest

pytest.register_assert_rewrite("flow_fixtures")
from flow_fixtures import *  # noqa: E402,F403  (helpers; the fixtures come from the plugin)

pytest_plugins = ["flow_fixtures"]

N_ARTICLES = 120
BATCH = ("--batch-size", "20")

# Run inside the `zh-extract run` process: SIGKILL itself after its second batch was analysed and staged.
KILL_AFTER_TWO_BATCHES = '''
import os, signal
import extract.io.corpus as corpus
_process, done = corpus.process_batch, []
def process_then_die(*args, **kwargs):
    result = _process(*args, **kwargs)
    done.append(1)
    if len(done) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return result
corpus.process_batch = process_then_die  # before pipeline.flow imports it
'''

# SIGKILL itself right after the Nth table transaction of the commit (content tables, errors, _files,
# documents: the runs row is not written).
KILL_AFTER_N_COMMITS = '''
import os, signal
from extract.io.delta import Outputs
_commit, done = Outputs._commit_documents_table, []
def commit_then_die(self, *args, **kwargs):
    version = _commit(self, *args, **kwargs)
    done.append(1)
    if len(done) == {n}:
        os.kill(os.getpid(), signal.SIGKILL)
    return version
Outputs._commit_documents_table = commit_then_die
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


def test_crash_kill_9_while_processing_then_rerun_gives_equal_tables(prefect_api, crash_corpus, uninterrupted,
                                                                     tmp_path):
    outputs = tmp_path / "outputs"
    # One worker: the batches run in this process, where the injected process_batch is (a pool's worker
    # processes start fresh and would never see it).
    killed = run_cli_with(prefect_api, tmp_path, KILL_AFTER_TWO_BATCHES, crash_corpus, outputs, *BATCH,
                          "--workers", "1")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert list((outputs / "_staging").glob("*/batches/documents/*.parquet")), "killed while batches were staged"
    assert not has_completed_run(outputs), "nothing is published before the commit"
    assert_tables_readable(outputs)

    run = run_cli(prefect_api, tmp_path, crash_corpus, outputs, *BATCH)
    assert run.returncode == 0, run.stderr[-3000:]
    assert (run.summary["processed"], run.summary["skipped"]) == (N_ARTICLES, 0)
    assert_tables_equal(read_tables(outputs), uninterrupted)
    assert not any((outputs / "_staging").iterdir()), "the abandoned staging files are gone"


@pytest.mark.parametrize("n", [3, 9])  # after entities; after documents, before runs
def test_crash_kill_9_between_commits_then_rerun_gives_equal_tables(prefect_api, crash_corpus, uninterrupted,
                                                                   tmp_path, n):
    outputs = tmp_path / "outputs"
    killed = run_cli_with(prefect_api, tmp_path, KILL_AFTER_N_COMMITS.format(n=n), crash_corpus, outputs, *BATCH)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert not has_completed_run(outputs), "the runs row is committed last"
    assert_tables_readable(outputs)

    run = run_cli(prefect_api, tmp_path, crash_corpus, outputs, *BATCH)
    assert run.returncode == 0, run.stderr[-3000:]
    # The killed run's commits were restored away, so this run processes everything again.
    assert (run.summary["processed"], run.summary["skipped"]) == (N_ARTICLES, 0)
    assert run.summary["housekeeping"]["healed"], "the next run restored the tables the killed run committed"
    assert_tables_equal(read_tables(outputs), uninterrupted)
    assert_tables_readable(outputs)
    versions = json.loads(read_delta_table(outputs / "runs", "deltalake")["table_versions"].iloc[0])
    assert set(versions) >= {"documents", "sentences", "errors"}
