"""Where the pipeline keeps its state, set before Prefect is imported (Prefect reads its settings at import)."""
from __future__ import annotations

import os
from pathlib import Path


# Articles per batch, one Prefect task run each: a task run costs ~0.3 CPU-s of the flow's process and the
# server together. With the workers analysing every batch ahead, 1,000 mixed articles took 10.9-11.0 s
# (19.3-19.6 CPU-s) in batches of 100 against 12.3-15.0 s (22.0-23.7) in batches of 50 on 2 cores; peak memory
# for 3,000 articles 1.17x that for 300 (1.15x in batches of 50).
DEFAULT_BATCH_SIZE = 100


def configure_prefect(state_dir: Path, *, log_to_api: bool | None = None) -> Path:
    """Point Prefect at a home inside the project's state folder and quiet its logs; return that home.

    Must run before the first `import prefect`: PREFECT_HOME is read once, at import. Values the user has
    set in the environment win. Run logs go to the Prefect API when `log_to_api` (`serve` sets it), by default
    when a server is configured (PREFECT_API_URL): the embedded server of a plain run has no UI to show them.
    """
    if log_to_api is None:
        log_to_api = bool(os.environ.get("PREFECT_API_URL"))
    home = (state_dir / "prefect").resolve()
    home.mkdir(parents=True, exist_ok=True)
    defaults = {
        "PREFECT_HOME": str(home),
        "PREFECT_LOGGING_LEVEL": "INFO",
        "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
        "PREFECT_LOGGING_TO_API_ENABLED": "true" if log_to_api else "false",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL": "INFO",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    return home
