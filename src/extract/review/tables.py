"""Read the output tables the review pages are built from."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from extract.io.tables import DOCUMENT_TABLES, to_frame

# The tables a review page shows; `tokens` is left out (the pages never show tokens, and it is the largest).
REVIEW_TABLES = tuple(name for name in DOCUMENT_TABLES if name != "tokens")


def review_tables(outputs: str | Path, *, tables: tuple[str, ...] = REVIEW_TABLES) -> dict[str, pd.DataFrame]:
    """Return the current rows of each output table under `outputs`, keyed by table name.

    A table that was never written is an empty frame with the table's columns, so that a site can be built
    from outputs of a run that found, say, no references.
    """
    return {name: _read_table(outputs, name) for name in tables}


def _read_table(outputs: str | Path, name: str) -> pd.DataFrame:
    """Return table `name` as of the latest completed run (empty when it was never written)."""
    from extract.errors import OutputError
    from extract.io.delta import snapshot

    try:
        table = snapshot(outputs, name)
    except OutputError as exc:
        if exc.code != "no_such_table":
            raise
        return to_frame(name, [])
    return to_frame(name, table.to_pylist())  # the contract's columns and nullable types, as `analyze` gives
