"""Read flow runs, artifacts and logs back from a Prefect server through its REST API (for the slow tests)."""
from __future__ import annotations

import json
import time
import urllib.request


def post(api_url: str, path: str, body: dict) -> list | dict:
    """Return the JSON answer of a POST to the Prefect API."""
    request = urllib.request.Request(f"{api_url}/{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def flow_runs(api_url: str, tag: str) -> list[dict]:
    """Return the flow runs carrying `tag`, newest first."""
    return post(api_url, "flow_runs/filter", {"flow_runs": {"tags": {"all_": [tag]}}, "sort": "START_TIME_DESC"})


def artifacts(api_url: str, flow_run_id: str) -> dict[str, dict]:
    """Return the artifacts of a flow run, by key."""
    found = post(api_url, "artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [flow_run_id]}}})
    return {a["key"]: a for a in found}


def task_runs(api_url: str, flow_run_id: str) -> list[dict]:
    """Return the task runs of a flow run."""
    return post(api_url, "task_runs/filter", {"flow_runs": {"id": {"any_": [flow_run_id]}}})


def logs(api_url: str, flow_run_id: str) -> list[str]:
    """Return the log messages of a flow run (its tasks' included)."""
    found = post(api_url, "logs/filter", {"logs": {"flow_run_id": {"any_": [flow_run_id]}}, "limit": 200})
    return [entry["message"] for entry in found]


def wait_for_report(api_url: str, tag: str, keys: tuple[str, ...], timeout: float = 60) -> tuple[dict, dict]:
    """Return (the newest flow run with `tag` holding every artifact of `keys`, its artifacts by key)."""
    deadline = time.monotonic() + timeout
    while True:
        for run in flow_runs(api_url, tag):
            found = artifacts(api_url, run["id"])
            if all(key in found for key in keys):
                return run, found
        if time.monotonic() > deadline:
            raise AssertionError(f"no flow run tagged {tag!r} with artifacts {keys} within {timeout} s")
        time.sleep(1)


def wait_for_log(api_url: str, flow_run_id: str, prefix: str, timeout: float = 60) -> list[str]:
    """Return the flow run's log messages once one starts with `prefix` (logs reach the API in batches)."""
    deadline = time.monotonic() + timeout
    while True:
        messages = logs(api_url, flow_run_id)
        if any(m.startswith(prefix) for m in messages):
            return messages
        if time.monotonic() > deadline:
            raise AssertionError(f"no log line starting {prefix!r} within {timeout} s: {messages[-5:]}")
        time.sleep(1)
