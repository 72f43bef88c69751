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
    folder = Path(outputs) / name
    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    if not files:
        return to_frame(name, [])
    import pyarrow.parquet as pq
    import pyarrow as pa

    from extract.io.tables import _pandas_type

    table = pa.concat_tables([pq.read_table(f) for f in files], promote_options="default")
    return table.to_pandas(types_mapper=_pandas_type)
