"""The flow analyses batches in worker processes, one per core by default; `--workers N` sets how many."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.register_assert_rewrite("flow_fixtures")
from flow_fixtures import *  # noqa: E402,F403  (helpers; the fixtures come from the plugin)

pytest_plugins = ["flow_fixtures"]


def test_workers_default_runner_is_a_process_pool_of_one_per_core():
    from prefect.task_runners import ThreadPoolTaskRunner

    from pipeline.runners import LocalProcessRunner, default_workers, task_runner

    runner = task_runner("default")
    assert default_workers() >= 1
    if default_workers() > 1:
        assert isinstance(runner, LocalProcessRunner) and runner._max_workers == default_workers()
    assert isinstance(task_runner("default", workers=3), LocalProcessRunner)
    assert task_runner("default", workers=3)._max_workers == 3
    # One worker: the batches run in the flow's process, with no pool to start.
    assert isinstance(task_runner("default", workers=1), ThreadPoolTaskRunner)
    with pytest.raises(ValueError, match="--workers must be at least 1"):
        task_runner("default", workers=0)


def test_workers_analyse_batches_without_importing_prefect(tmp_path):
    # The default runner's workers analyse and stage a batch with neither Prefect nor the flow imported.
    from extract.io.delta import Outputs
    from extract.settings import Settings
    from extract.text.ingest import Article
    from pipeline import batches

    imported = ("sorted(m for m in __import__('sys').modules if m.split('.')[0] in ('prefect', 'prefect_dask') "
                "or m in ('pipeline.flow', 'pipeline.runners'))")  # evaluated in the worker
    pool = batches.start_workers(1, None)
    try:
        loaded = pool.submit(eval, imported).result(timeout=300)
        with Outputs(str(tmp_path / "out")) as outputs:
            staging = outputs.new_run()
        result = batches.analysed_batch([Article("a1", "a.txt", "新华社北京12月9日电 中芯国际营收增长12%。")],
                                        str(tmp_path / "out"), staging, "batch-00000", Settings())
        assert pool.submit(eval, imported).result(timeout=60) == loaded == []
    finally:
        batches.stop_workers(pool)
    assert [p[0] for p in result.processed] == ["a1"] and result.rows["documents"] == 1 and not result.failures


def test_workers_batches_analysed_ahead_are_taken_only_when_the_flow_plans_them_too(tmp_path):
    # The workers analyse the planned batches before the flow starts; the flow's batch with the same articles
    # takes that result and its staged files, a batch the plan did not have is analysed then; the folder of
    # what was analysed ahead goes with the workers.
    from extract.io.delta import Outputs
    from extract.settings import Settings
    from extract.text.ingest import Article
    from pipeline import batches

    first = [Article("a1", "a.txt", "新华社北京12月9日电 中芯国际营收增长12%。")]
    second = [Article("b1", "b.txt", "据《财经》报道，上海市2023年1月6日出台新规。")]
    changed = [Article("b1", "b.txt", "据《财经》报道，北京市2023年1月6日出台新规。")]
    out = str(tmp_path / "out")
    pool = batches.start_workers(1, Settings())
    try:
        batches.analyse_ahead([first, second], out, Settings())
        folders = list(batches._AHEAD_FOLDERS)
        with Outputs(out) as outputs:
            staging = outputs.new_run()
        taken = batches.analysed_batch(first, out, staging, "batch-00000", Settings())
        fresh = batches.analysed_batch(changed, out, staging, "batch-00001", Settings())
        assert len(batches._AHEAD) == 1  # the second batch as planned ahead, never asked for
    finally:
        batches.stop_workers(pool)
    assert [p[0] for p in taken.processed] == ["a1"] and [p[0] for p in fresh.processed] == ["b1"]
    staged = sorted(p.relative_to(staging).as_posix() for p in Path(staging).glob("batches/documents/*"))
    assert staged == ["batches/documents/batch-00000.parquet", "batches/documents/batch-00001.parquet"]
    assert folders and not any(Path(f).exists() for f in folders) and not batches._AHEAD


def test_workers_one_gives_the_pools_tables(prefect_api, baseline, tmp_path):
    # The baseline ran with the default pool (one process per core, three batches).
    run = run_cli(prefect_api, tmp_path, baseline["corpus"], tmp_path / "outputs", "--workers", "1",
                  "--batch-size", "3")
    assert run.returncode == 0, run.stderr[-3000:]
    assert (run.summary["processed"], run.summary["failed"]) == (9, 0)
    assert_tables_equal(read_tables(tmp_path / "outputs"), baseline["tables"])


@pytest.mark.slow
def test_workers_share_the_runs_temporary_prefect_server(tmp_path):
    # Without PREFECT_API_URL the run starts one temporary server; its worker processes must use it rather
    # than each start a server of its own.
    import subprocess

    write_tiny_corpus(tmp_path / "corpus", 4)
    done = subprocess.run(cli_command() + ["run", "--corpus", str(tmp_path / "corpus"), "--outputs",
                                           str(tmp_path / "outputs"), "--state-dir", str(tmp_path / "state"),
                                           "--workers", "2", "--batch-size", "1", "--json"],
                          cwd=tmp_path, env=cli_env(None), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr.count("Starting temporary server") == 1, done.stderr[-3000:]
    summary = Run(done.returncode, done.stdout, done.stderr).summary
    assert (summary["processed"], summary["failed"]) == (4, 0)
    # The run recorded itself in the temporary server's database (its services cut to what a run needs): read
    # back through the API of a server started over the same state folder once the run has ended.
    recorded = subprocess.run([sys.executable, "-c", _READ_RECORDED_RUN, str(tmp_path / "state")], cwd=tmp_path,
                              env=cli_env(None), capture_output=True, text=True, timeout=300)
    assert recorded.returncode == 0, recorded.stderr[-3000:]
    flows, tasks = json.loads(recorded.stdout)
    assert [(f["name"].startswith("extract-corpus-"), f["state_type"]) for f in flows] == [(True, "COMPLETED")]
    names = sorted(t["name"].rsplit("-", 1)[0] for t in tasks)
    assert names == ["analyze-batch"] * 4 + ["commit-run", "plan-run"], names
    assert {t["state_type"] for t in tasks} == {"COMPLETED"}


# Run in a fresh interpreter: PREFECT_HOME is read when Prefect is imported.
_READ_RECORDED_RUN = """
import json, sys
from pathlib import Path
from pipeline.settings import configure_prefect
configure_prefect(Path(sys.argv[1]))
from pipeline.runners import TemporaryServer
sys.path.insert(0, {tests!r})
from prefect_api import post
server = TemporaryServer()
try:
    url = server.wait()
    flows = post(url, "flow_runs/filter", {{}})
    tasks = post(url, "task_runs/filter", {{"flow_runs": {{"id": {{"any_": [f["id"] for f in flows]}}}}}})
    print(json.dumps([flows, tasks]))
finally:
    server.stop()
""".format(tests=str(Path(__file__).parent))


def test_workers_new_state_folder_starts_from_the_kept_empty_prefect_database(tmp_path, monkeypatch):
    # A server that migrated a new database leaves a copy (the template); a later new state folder starts
    # from it. A damaged template is not used: the server then migrates a new database as before.
    import sqlite3

    from pipeline import runners

    migrated = tmp_path / "first" / "prefect.db"
    migrated.parent.mkdir()
    with sqlite3.connect(migrated) as db:
        db.execute("create table alembic_version (version_num text)")
        db.execute("insert into alembic_version values ('27d8f4e1a6c9')")
    db.close()
    template = tmp_path / "cache" / "prefect-db" / "3.9.1.db"
    monkeypatch.setattr(runners, "_template", lambda: template)
    assert not runners._seed_database(tmp_path / "second" / "prefect.db")  # no template yet
    runners._keep_template(migrated)
    assert runners._seed_database(tmp_path / "second" / "prefect.db")
    copy = sqlite3.connect(tmp_path / "second" / "prefect.db")
    assert copy.execute("select version_num from alembic_version").fetchall() == [("27d8f4e1a6c9",)]
    copy.close()
    template.write_bytes(b"not a database" * 100)
    assert not runners._seed_database(tmp_path / "third" / "prefect.db")
    assert not (tmp_path / "third" / "prefect.db").exists()
