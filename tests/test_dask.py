"""Scale-out: `--runner dask` on a local two-worker cluster gives the same tables as the default runner."""
from __future__ import annotations

import subprocess

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
