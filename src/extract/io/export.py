"""Write a plain Parquet snapshot of the tables, for tools with no Delta reader."""
from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pyarrow.parquet as pq

from extract.io.delta import READABLE_TABLES, SCHEMA_VERSION, snapshot


def export_parquet(outputs: str | Path, dest: str | Path, *, run: str | None = None) -> dict[str, int]:
    """Write every table as of `run` (default: the latest completed run) to `dest/<table>/part-0.parquet`.

    Each folder holds exactly the current rows, so a plain Parquet glob over it is current. A table's folder is
    replaced whole (written aside, then renamed), so a reader never sees a half-written export of it. Returns
    the rows written per table.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name in READABLE_TABLES:
        table = snapshot(outputs, name, run)
        metadata = {**(table.schema.metadata or {}), b"schema_version": SCHEMA_VERSION.encode()}
        staging = dest / f".{name}.{uuid.uuid4().hex[:8]}"
        staging.mkdir()
        pq.write_table(table.replace_schema_metadata(metadata), staging / "part-0.parquet", compression="zstd")
        target = dest / name
        old = dest / f".{name}.old.{uuid.uuid4().hex[:8]}"
        if target.exists():
            target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
        counts[name] = table.num_rows
    return counts
