"""`zh-extract serve` runs the flow on its cron schedule and stops cleanly; prefect.yaml deploys as written."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest
import yaml

pytest.register_assert_rewrite("flow_fixtures")
from flow_fixtures import *  # noqa: E402,F403  (helpers; the fixtures come from the plugin)

pytest_plugins = ["flow_fixtures"]

SCHEDULE_DEADLINE = 180  # seconds from start until the first scheduled run has published its tables
STOP_DEADLINE = 15  # seconds from SIGINT until serve and everything it started are gone


def _prefect_processes_of(home_marker: str) -> list[psutil.Process]:
    """Return live processes whose environment points Prefect into the test's folder."""
    found = []
    for proc in psutil.process_iter():
        try:
            if home_marker in proc.environ().get("PREFECT_HOME", "") and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


@pytest.mark.slow
def test_serve_runs_on_schedule_then_stops_on_sigint_leaving_no_process(tmp_path):
    corpus, outputs, state = tmp_path / "corpus", tmp_path / "outputs", tmp_path / "state"
    write_tiny_corpus(corpus, 3)
    log = (tmp_path / "serve.log").open("w")
    # As a user runs it: serve itself sends the runs' logs to the API (cli_env switches that off for `run`).
    env = {k: v for k, v in cli_env(None).items() if k != "PREFECT_LOGGING_TO_API_ENABLED"}
    # No PREFECT_API_URL: serve must start its own server, since the embedded one runs no schedules.
    proc = subprocess.Popen(cli_command() + ["serve", "--corpus", str(corpus), "--outputs", str(outputs),
                                             "--state-dir", str(state), "--cron", "* * * * *"],
                            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    seen: dict[int, psutil.Process] = {}
    cmdlines: dict[int, str] = {}

    def note_children():
        # Re-read each child's command line at every look: a child seen between fork and exec still shows
        # its parent's command line.
        try:
            for child in psutil.Process(proc.pid).children(recursive=True):
                seen.setdefault(child.pid, child)
                try:
                    cmdlines[child.pid] = " ".join(child.cmdline())
                except psutil.Error:
                    pass
        except psutil.Error:
            pass

    started = time.monotonic()
    try:
        while not has_completed_run(outputs):
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            assert time.monotonic() - started < SCHEDULE_DEADLINE, (
                f"no run published within {SCHEDULE_DEADLINE} s:\n{(tmp_path / 'serve.log').read_text()[-3000:]}")
            note_children()
            time.sleep(0.5)
        note_children()
        assert len(read_tables(outputs)["documents"]) == 3
        _assert_report_and_logs_reached_the_ui((tmp_path / "serve.log").read_text())

        proc.send_signal(signal.SIGINT)
        stop_sent = time.monotonic()
        proc.wait(timeout=STOP_DEADLINE)
        stopped_after = time.monotonic() - stop_sent
    finally:
        if proc.poll() is None:  # the test failed: do not leave serve behind
            proc.kill()
            proc.wait()
        log.close()
    text = (tmp_path / "serve.log").read_text()
    assert proc.returncode == 0, text[-3000:]
    assert stopped_after < STOP_DEADLINE
    assert "Prefect UI at http://127.0.0.1:" in text
    assert "Traceback" not in text, text[-3000:]
    time.sleep(0.5)  # let init reap what it inherited
    left = [p for p in seen.values() if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not left, f"processes left behind: {[p.cmdline() for p in left]}"
    assert not _prefect_processes_of(str(tmp_path)), "a process still uses the test's Prefect home"
    commands = list(cmdlines.values())
    assert any("prefect server start" in c for c in commands), commands
    assert len(commands) >= 2, f"the server and a flow run were children: {commands}"


def _assert_report_and_logs_reached_the_ui(serve_log: str) -> None:
    # The scheduled run's report artifact and its log lines are on the server serve started (its UI shows them).
    import re

    from pipeline.report import FAILURES_KEY, REPORT_KEY
    from prefect_api import wait_for_log, wait_for_report

    api = re.search(r"Prefect UI at (http://127\.0\.0\.1:\d+)", serve_log).group(1) + "/api"
    run, found = wait_for_report(api, "scheduled", (REPORT_KEY, FAILURES_KEY))
    assert "| processed | 3 |" in found[REPORT_KEY]["data"] and run["name"].startswith("extract-corpus-20")
    wait_for_log(api, run["id"], "done: 3 processed")


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:  # gone already
        return []


def _serve_with_its_server(tmp_path) -> tuple[subprocess.Popen, dict[int, psutil.Process]]:
    """Start `zh-extract serve` on an empty corpus; return it once the Prefect server it starts exists."""
    (tmp_path / "corpus").mkdir()
    proc = subprocess.Popen(cli_command() + ["serve", "--corpus", str(tmp_path / "corpus"), "--outputs",
                                             str(tmp_path / "outputs"), "--state-dir", str(tmp_path / "state")],
                            cwd=tmp_path, env=cli_env(None), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    seen: dict[int, psutil.Process] = {}
    deadline = time.monotonic() + 60
    while not seen and time.monotonic() < deadline:  # wait until the server process exists
        # (the watchdog, started first, is a child too: it is not the server)
        seen.update({p.pid: p for p in psutil.Process(proc.pid).children(recursive=True)
                     if "pipeline.watchdog" not in " ".join(_cmdline(p))})
        time.sleep(0.2)
    assert seen, "serve did not start a server"
    return proc, seen


@pytest.mark.slow
def test_serve_kill_9_leaves_no_prefect_server(tmp_path):
    proc, seen = _serve_with_its_server(tmp_path)
    proc.kill()
    proc.communicate(timeout=STOP_DEADLINE)
    # The watchdog polls, then sends SIGTERM and after a grace period SIGKILL.
    _, alive = psutil.wait_procs(list(seen.values()), timeout=60)
    assert not [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


@pytest.mark.slow
def test_serve_sigterm_before_the_server_is_up_stops_it(tmp_path):
    proc, seen = _serve_with_its_server(tmp_path)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=STOP_DEADLINE)
    assert proc.returncode == 0, out[-3000:]
    time.sleep(0.5)
    assert not [p for p in seen.values() if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def test_serve_prefect_yaml_schedule_parses():
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    (deployment,) = config["deployments"]
    (schedule,) = deployment["schedules"]
    assert schedule["cron"] == "0 * * * *"
    path, function = deployment["entrypoint"].split(":")
    assert f"def {function}(" in (ROOT / path).read_text(encoding="utf-8")
    assert deployment["concurrency_limit"]["limit"] == 1
    from pipeline.cli import _parser

    serve_args = _parser().parse_args(["serve"])
    assert serve_args.cron == schedule["cron"], "prefect.yaml and `zh-extract serve` default to one schedule"


def test_serve_prefect_yaml_deploys_and_reads_back(prefect_api, tmp_path):
    env = cli_env(prefect_api, PREFECT_HOME=str(tmp_path / "home"), ZH_EXTRACT_HOME=str(ROOT))
    prefect = [sys.executable, "-m", "prefect"]
    subprocess.run(prefect + ["work-pool", "create", "zh-extract", "--type", "process"], cwd=ROOT, env=env,
                   capture_output=True, text=True, timeout=120)
    done = subprocess.run(prefect + ["--no-prompt", "deploy", "--all", "--prefect-file",
                                     str(ROOT / "prefect.yaml")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    with urllib.request.urlopen(f"{prefect_api}/deployments/name/extract-corpus/scheduled", timeout=30) as response:
        deployment = json.load(response)
    (schedule,) = deployment["schedules"]
    assert (schedule["schedule"]["cron"], schedule["schedule"]["timezone"], schedule["active"]) == (
        "0 * * * *", "UTC", True)
    assert deployment["entrypoint"] == "pipeline/flow.py:extract_corpus"
    assert deployment["parameters"] == {"corpus_dir": "corpus", "output_dir": "outputs", "batch_size": 25}
    assert deployment["work_pool_name"] == "zh-extract"
    assert set(deployment["tags"]) == {"zh-extract", "extract-corpus", "scheduled"}
    assert deployment["job_variables"]["env"] == {"PREFECT_LOGGING_TO_API_ENABLED": "true"}
    assert deployment["pull_steps"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": str(ROOT)}}]
    limit = deployment.get("global_concurrency_limit") or {}
    assert limit.get("limit") == 1 or deployment.get("concurrency_limit") == 1


def test_serve_bad_cron_is_a_usage_error_before_any_server_starts(tmp_path):
    (tmp_path / "corpus").mkdir()
    done = subprocess.run(cli_command() + ["serve", "--corpus", str(tmp_path / "corpus"), "--state-dir",
                                           str(tmp_path / "state"), "--cron", "every hour"],
                          cwd=tmp_path, env=cli_env(None), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "--cron 'every hour' is not a cron schedule" in done.stderr
    assert not (tmp_path / "state" / "prefect" / "server.log").exists(), "no server was started"


def test_serve_unreachable_prefect_api_url_is_reported(tmp_path):
    from pipeline.serve import free_port

    (tmp_path / "corpus").mkdir()
    dead = f"http://127.0.0.1:{free_port()}/api"
    done = subprocess.run(cli_command() + ["serve", "--corpus", str(tmp_path / "corpus"), "--state-dir",
                                           str(tmp_path / "state")],
                          cwd=tmp_path, env=cli_env(dead), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert f"no Prefect server answers at PREFECT_API_URL={dead}" in done.stderr
    assert not (tmp_path / "state" / "prefect" / "server.log").exists(), "it uses that server, starts none"
