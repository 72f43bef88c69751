"""Faults around a run's start-up and commit, through `zh-extract run` (issue 19).

A run over an updated corpus (new and edited articles) is killed while it starts, or meets a file-size limit
while it commits; the tables published before stay readable as they were, no Prefect server outlives the
command, and the next run ends with tables equal to an uninterrupted run's. A reader in another process that
loops over the tables while runs commit only ever sees whole runs.
"""
from __future__ import annotations

import errno
import json
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

pytest.register_assert_rewrite("flow_fixtures")
from flow_fixtures import *  # noqa: E402,F403  (helpers; the fixtures come from the plugin)
from flow_fixtures import tiny_article  # noqa: E402

pytest_plugins = ["flow_fixtures"]

N_BEFORE, N_AFTER, EDITED = 8, 12, (1, 5)
# One worker: the batches run in the command's own process (faults injected there reach them), and a loaded
# machine loads the models once instead of once per pool process.
BATCH = ("--batch-size", "4", "--workers", "1")


def write_corpus(folder, n: int, *, edited=()) -> None:
    """Write `n` tiny articles into `folder`, the `edited` ones in their second edition."""
    write_tiny_corpus(folder, n)
    for i in edited:
        (folder / f"a{i:04d}.txt").write_text(tiny_article(i, edition=1), encoding="utf-8")


def update_corpus(folder) -> None:
    """Turn the corpus published first into the updated one: new articles and edited ones."""
    write_corpus(folder, N_AFTER, edited=EDITED)


@pytest.fixture(scope="module")
def published(prefect_api, tmp_path_factory) -> dict:
    """Outputs of a run over the first corpus, and their tables; tests copy them before changing them."""
    work = tmp_path_factory.mktemp("published")
    write_corpus(work / "corpus", N_BEFORE)
    run = run_cli(prefect_api, work, work / "corpus", work / "outputs", *BATCH)
    assert run.returncode == 0, run.stderr[-3000:]
    return {"corpus": work / "corpus", "outputs": work / "outputs", "tables": read_tables(work / "outputs")}


@pytest.fixture(scope="module")
def uninterrupted(prefect_api, tmp_path_factory) -> dict:
    """The tables of one uninterrupted run over the updated corpus."""
    work = tmp_path_factory.mktemp("uninterrupted")
    write_corpus(work / "corpus", N_AFTER, edited=EDITED)
    run = run_cli(prefect_api, work, work / "corpus", work / "outputs", *BATCH)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.summary["processed"] == N_AFTER
    return read_tables(work / "outputs")


def copy_published(published: dict, tmp_path) -> tuple:
    """Return (corpus, outputs): a copy of the published outputs and the corpus, updated since."""
    corpus, outputs = tmp_path / "corpus", tmp_path / "outputs"
    shutil.copytree(published["corpus"], corpus)
    shutil.copytree(published["outputs"], outputs)
    update_corpus(corpus)
    return corpus, outputs


def assert_rerun_equals_uninterrupted(prefect_api, tmp_path, corpus, outputs, uninterrupted) -> None:
    run = run_cli(prefect_api, tmp_path, corpus, outputs, *BATCH)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.summary["failed"] == 0
    assert_tables_equal(read_tables(outputs), uninterrupted)
    assert_tables_readable(outputs)


# -- an unwritable store, in this process -------------------------------------------------------------------

@pytest.mark.parametrize("exc, reason", [
    (Exception("Failed to parse parquet: External: Generic LocalFileSystem error: Unable to copy data to file: "
               "File too large (os error 27)"), "file-size limit"),
    (OSError(errno.ENOSPC, "No space left on device"), "no space left"),
    (Exception("Generic LocalFileSystem error: Read-only file system (os error 30)"), "read-only"),
    (OSError(errno.ECONNRESET, "Connection reset by peer"), None),
    (ValueError("os error 27 is not in parentheses"), None),
])
def test_faults_unwritable_reason_reads_os_errors_of_delta_and_python(exc, reason):
    from extract.io.delta import unwritable_reason

    found = unwritable_reason(exc)
    assert (found is None) if reason is None else (reason in found)


def test_faults_staging_on_a_full_disk_is_an_output_error(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    from extract.errors import OutputError
    from extract.io.delta import Outputs

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq, "write_table", full_disk)
    outputs = Outputs(tmp_path / "outputs")
    rows = {"errors": [{"source": "a.txt", "doc_id": "a.txt", "stage": "ingest", "code": "x", "message": "m",
                        "at": None}]}
    with pytest.raises(OutputError, match="no space left on the device") as raised:
        outputs.stage_batch(str(tmp_path / "staging"), "batch-00000", rows)
    assert raised.value.code == "outputs_unwritable" and isinstance(raised.value.__cause__, OSError)


# -- kill -9 while the run starts ----------------------------------------------------------------------------

# Inside the `zh-extract run` process: note the pid of the Prefect server it starts (in SERVER_PID), and
# SIGKILL itself at one moment of the start-up (KILL_AT).
KILL_AT_STARTUP = '''
import os, signal, threading
from pathlib import Path
from pipeline.settings import configure_prefect
configure_prefect(Path("state"))  # as the command does, before Prefect is imported (it reads them at import)
import extract.io.corpus as corpus
from pipeline.runners import TemporaryServer

KILL_AT, SERVER_PID = {kill_at!r}, Path({server_pid!r})
_plan, plans = corpus.plan_run, []
def plan_then_die(*args, **kwargs):
    plans.append(1)
    if (KILL_AT, len(plans)) in (("idle-plan", 1), ("flow-plan", 2)):
        os.kill(os.getpid(), signal.SIGKILL)
    return _plan(*args, **kwargs)
corpus.plan_run = plan_then_die  # before pipeline.plan and pipeline.flow import it

_spawn = TemporaryServer._launch
def spawn_and_note(self):
    process = _spawn(self)
    SERVER_PID.write_text(str(process.pid))
    if KILL_AT == "server-starting":  # while the server starts, before it answers
        threading.Timer(3.0, os.kill, (os.getpid(), signal.SIGKILL)).start()
    return process
TemporaryServer._launch = spawn_and_note
'''


def assert_gone(pid: int, seconds: float = 30.0) -> None:
    """Assert process `pid` ends within `seconds` (the watchdog stops it: poll, SIGTERM, grace, SIGKILL)."""
    import psutil

    try:
        proc = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        time.sleep(0.5)
    proc.kill()
    raise AssertionError(f"the Prefect server (pid {pid}) outlived the killed command")


@pytest.mark.slow
@pytest.mark.parametrize("kill_at", ["idle-plan", "server-starting", "flow-plan"])
def test_faults_kill_9_during_startup_leaves_outputs_and_no_server(prefect_api, published, uninterrupted,
                                                                   tmp_path, kill_at):
    corpus, outputs = copy_published(published, tmp_path)
    server_pid = tmp_path / "server.pid"
    prelude = KILL_AT_STARTUP.format(kill_at=kill_at, server_pid=str(server_pid))
    # No PREFECT_API_URL: the command starts a Prefect server of its own, which must die with it.
    killed = run_cli_with(None, tmp_path, prelude, corpus, outputs, *BATCH)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    if kill_at == "idle-plan":  # planned before Prefect: no server was started
        assert not server_pid.exists()
    else:
        assert_gone(int(server_pid.read_text()))
    assert_tables_readable(outputs)
    assert_tables_equal(read_tables(outputs), published["tables"])
    assert_rerun_equals_uninterrupted(prefect_api, tmp_path, corpus, outputs, uninterrupted)


# -- a file-size limit during the commit ---------------------------------------------------------------------

# Inside the `zh-extract run` process: from the commit on, no file may grow past LIMIT bytes (`ulimit -f`);
# SIGXFSZ is ignored, so a write past the limit fails with EFBIG instead of killing the process.
FILE_SIZE_LIMIT = '''
import resource, signal
import extract.io.corpus as corpus
_commit = corpus.commit_run
def commit_under_limit(*args, **kwargs):
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
    return _commit(*args, **kwargs)
corpus.commit_run = commit_under_limit  # before pipeline.flow imports it
'''


@pytest.mark.slow
@pytest.mark.parametrize("limit", [1024, 6000])  # the first table's files; a later one's
def test_faults_file_size_limit_during_commit_exits_3_and_keeps_tables(prefect_api, published, uninterrupted,
                                                                       tmp_path, limit):
    corpus, outputs = copy_published(published, tmp_path)
    run = run_cli_with(prefect_api, tmp_path, FILE_SIZE_LIMIT.format(limit=limit), corpus, outputs, *BATCH)
    assert run.returncode == 3, run.stderr[-3000:]
    lines = [line for line in run.stderr.splitlines() if line.startswith("zh-extract:")]
    assert len(lines) == 1 and "could not be written" in lines[0] and "file-size limit" in lines[0], \
        run.stderr[-3000:]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert_tables_equal(read_tables(outputs), published["tables"])
    assert_rerun_equals_uninterrupted(prefect_api, tmp_path, corpus, outputs, uninterrupted)


# -- a reader looping over the tables while runs commit ------------------------------------------------------

# In another process: read the tables as of the latest run, again and again, until told to stop; print one line
# per read: row counts, the content hash of each document, and whether every sentence row is the text of its
# document between its offsets (documents and sentences of one run agree).
READER = textwrap.dedent('''
    import json, sys
    from pathlib import Path
    from deltalake import DeltaTable
    import extract
    outputs, stop, log = sys.argv[1], Path(sys.argv[2]), open(sys.argv[3], "a")
    while not stop.exists():
        try:
            run = extract.read_table(outputs, "runs")["run_id"].iloc[-1]  # one run for every table
            docs = extract.read_table(outputs, "documents", run=run)
            sents = extract.read_table(outputs, "sentences", run=run)
            ents = extract.read_table(outputs, "entities", run=run)
            current = DeltaTable(outputs + "/documents").to_pandas()  # a plain Delta reader, latest version
        except Exception as exc:
            print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), file=log, flush=True)
            continue
        text = dict(zip(docs["doc_id"], docs["text"]))
        agree = all(d in text and text[d][a:b] == t
                    for d, a, b, t in zip(sents["doc_id"], sents["start"], sents["end"], sents["text"]))
        print(json.dumps({"documents": len(docs), "sentences": len(sents), "entities": len(ents),
                          "agree": agree and set(sents["doc_id"]) == set(text),
                          "hashes": sorted(docs["content_sha256"]),
                          "current": sorted(current["content_sha256"])}), file=log, flush=True)
''')


def published_state(outputs) -> dict:
    """Return what the reader prints for the tables as of the latest run."""
    tables = read_tables(outputs)
    return {"documents": len(tables["documents"]), "sentences": len(tables["sentences"]),
            "entities": len(tables["entities"]), "agree": True,
            "hashes": sorted(tables["documents"]["content_sha256"])}


@pytest.mark.slow
def test_faults_reader_looping_while_runs_commit_sees_only_whole_runs(prefect_api, tmp_path):
    corpus, outputs = tmp_path / "corpus", tmp_path / "outputs"
    write_corpus(corpus, N_BEFORE)
    assert run_cli(prefect_api, tmp_path, corpus, outputs, *BATCH).returncode == 0
    states = [published_state(outputs)]
    stop, log = tmp_path / "stop", tmp_path / "reads.jsonl"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(outputs), str(stop), str(log)], cwd=tmp_path,
                              env=cli_env(None), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for update in (lambda: write_corpus(corpus, N_AFTER, edited=EDITED),  # new and edited articles
                       lambda: write_corpus(corpus, N_AFTER + 3, edited=(0, 2, 9))):
            update()
            run = run_cli(prefect_api, tmp_path, corpus, outputs, *BATCH)
            assert run.returncode == 0, run.stderr[-3000:]
            states.append(published_state(outputs))
        seen = len(log.read_text().splitlines())
        deadline = time.monotonic() + 300
        while len(log.read_text().splitlines()) < seen + 2 and time.monotonic() < deadline:
            time.sleep(1)  # a read that started after the last run ended (the machine may be loaded)
    finally:
        stop.touch()
        _, err = reader.communicate(timeout=300)
    reads = [json.loads(line) for line in log.read_text().splitlines()]
    assert reader.returncode == 0, err[-3000:]
    assert len(reads) >= 3, err[-3000:]
    assert [r for r in reads if "error" in r] == []
    # The documents table alone, at its latest version, holds one run's documents (Delta commits are whole).
    current = [r.pop("current") for r in reads]
    assert [c for c in current if c not in [s["hashes"] for s in states]] == []
    assert [r for r in reads if r not in states] == [], "a read saw tables of no completed run"
    assert reads[-1] == states[-1] and len({json.dumps(s) for s in states}) == 3


@pytest.mark.slow
def test_faults_watchdog_stops_a_child_started_just_before_the_kill(tmp_path):
    import psutil

    # A command that starts the watchdog, then a server, and is killed at once: the watchdog never saw the
    # server as a child, and finds it by the mark it inherited.
    script = ("import os, signal, subprocess, sys\n"
              "from pipeline.watchdog import start_watchdog\n"
              "start_watchdog()\n"
              "import time; time.sleep(3)\n"  # the watchdog is running and polling
              "server = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'], "
              "start_new_session=True)\n"
              "print(server.pid, flush=True)\n"
              "os.kill(os.getpid(), signal.SIGKILL)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              env=cli_env(None))
    server = psutil.Process(int(parent.stdout.readline()))
    parent.wait()
    gone, alive = psutil.wait_procs([server], timeout=30)
    for proc in alive:
        proc.kill()
    assert gone and not alive, "the server outlived the command that started it"


def test_faults_prefect_logs_no_traceback_for_a_failure_the_command_reports():
    import logging

    from extract.errors import OutputError
    from pipeline.cli import _ReportedFailure

    def record(exc):
        return logging.LogRecord("prefect.task_runs", logging.ERROR, __file__, 1, "Task run failed", None,
                                 (type(exc), exc, None))

    unwritable, bug = record(OutputError("disk full", code="outputs_unwritable")), record(KeyError("x"))
    assert _ReportedFailure().filter(unwritable) and unwritable.exc_info is None  # exit 3 and one line
    assert _ReportedFailure().filter(bug) and bug.exc_info[1].args == ("x",)  # exit 5: the traceback stays
