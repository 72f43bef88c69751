"""Scale-out: `--runner dask` on a local two-worker cluster gives the same tables as the default runner."""
from __future__ import annotations

import subprocess
import sys

import pytest

pytest.register_assert_rewrite("flow_fixtures")
from flow_fixtures import *  # noqa: E402,F403  (helpers; the fixtures come from the plugin)

pytest_plugins = ["flow_fixtures"]


def test_dask_two_workers_give_the_default_runners_tables(prefect_api, baseline, tmp_path):
    outputs = tmp_path / "outputs"
    # An fsspec URL, as for object stores: the workers stage their batches through fsspec too.
    run = run_cli(prefect_api, tmp_path, baseline["corpus"], f"file://{outputs}", "--runner", "dask",
                  "--workers", "2", "--batch-size", "3")
    assert run.returncode == 0, run.stderr[-3000:]
    assert (run.summary["processed"], run.summary["failed"]) == (9, 0)
    assert "DaskTaskRunner" in run.stderr or "dask" in run.stderr.lower()
    assert_tables_equal(read_tables(outputs), baseline["tables"])


def test_dask_bad_worker_count_is_a_usage_error(tmp_path):
    (tmp_path / "corpus").mkdir()
    done = subprocess.run(cli_command() + ["run", "--corpus", str(tmp_path / "corpus"), "--outputs",
                                           str(tmp_path / "out"), "--state-dir", str(tmp_path / "state"),
                                           "--runner", "dask", "--workers", "0"],
                          env=cli_env(None), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "--workers must be at least 1" in done.stderr


def test_dask_existing_cluster_at_address_gives_the_default_runners_tables(prefect_api, baseline, tmp_path):
    from pipeline.serve import free_port

    port = free_port()
    env = cli_env(prefect_api)
    logs = (tmp_path / "scheduler.log").open("w"), (tmp_path / "worker.log").open("w")
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                  "--port", str(port), "--no-dashboard"], env=env, stdout=logs[0],
                                 stderr=subprocess.STDOUT)
    worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", f"tcp://127.0.0.1:{port}",
                               "--nworkers", "1", "--nthreads", "1", "--no-dashboard"], cwd=tmp_path, env=env,
                              stdout=logs[1], stderr=subprocess.STDOUT)
    try:
        outputs = tmp_path / "outputs"
        run = run_cli(prefect_api, tmp_path, baseline["corpus"], outputs, "--runner", "dask",
                      "--dask-address", f"tcp://127.0.0.1:{port}", "--batch-size", "3")
        assert run.returncode == 0, run.stderr[-3000:]
        assert run.summary["processed"] == 9
        assert_tables_equal(read_tables(outputs), baseline["tables"])
    finally:
        for proc in (worker, scheduler):
            proc.terminate()
        for proc in (worker, scheduler):
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for log in logs:
            log.close()
