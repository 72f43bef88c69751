"""Read the output tables the review pages are built from."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from extract.io.tables import DOCUMENT_TABLES, to_frame

# The tables a review page shows; `tokens` is left out (the pages never show tokens, and it is the largest).
REVIEW_TABLES = tuple(name for name in DOCUMENT_TABLES if name != "tokens")


def review_tables(outputs: str | Path, *, run: str | None = None,
                  tables: tuple[str, ...] = REVIEW_TABLES) -> dict[str, pd.DataFrame]:
    """Return the rows of each output table under `outputs` as of one run, keyed by table name.

    `run` is a run id of the `runs` table, by default the latest completed run; it is resolved once, so
    every table comes from the same run even while another run commits. A table that was never written is
    an empty frame with the table's columns (a run that found, say, no references); outputs where no run
    has completed give empty frames throughout.
    """
    run = run or latest_run(outputs)
    return {name: _read_table(outputs, name, run) for name in tables}


def latest_run(outputs: str | Path) -> str | None:
    """Return the id of the latest completed run recorded under `outputs`, or None when there is none."""
    import extract
    from extract.errors import OutputError

    try:
        runs = extract.read_table(outputs, "runs")
    except OutputError as exc:
        if exc.code != "no_such_table":
            raise
        return None
    if not len(runs):
        return None
    return runs.sort_values(["finished_at", "run_id"])["run_id"].iloc[-1]


def _read_table(outputs: str | Path, name: str, run: str | None) -> pd.DataFrame:
    import extract
    from extract.errors import OutputError

    if run is None:
        return to_frame(name, [])
    try:
        frame = extract.read_table(outputs, name, run=run)
    except OutputError as exc:
        if exc.code != "no_such_table":
            raise
        return to_frame(name, [])
    return _as_contract_types(name, frame)


def _as_contract_types(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Return `frame` with the nullable dtypes `extract.analyze` gives (pages read either the same way)."""
    empty = to_frame(name, [])
    for column, dtype in empty.dtypes.items():
        if column in frame.columns and str(dtype) in ("Int64", "boolean", "string"):
            frame[column] = frame[column].astype(dtype)
    return frame
