"""Convert a version-1 outputs folder (Parquet hash buckets, `_state/manifest.json`) into Delta tables.

The conversion runs on the first run that finds a version-1 folder, under the writer's claim. It writes every
table as a Delta table in place, records a `runs` row, and only then deletes the bucket files and `_state/`;
a conversion killed halfway leaves `_state/` in place and is redone from the bucket files by the next run.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from extract.errors import OutputError
from extract.io.tables import SCHEMAS, TABLES

V1_STATE = "_state"
V1_BUCKET_GLOB = "part-[0-9][0-9].parquet"


def is_v1(outputs_url: str) -> bool:
    """Return whether a local outputs folder holds the version-1 layout."""
    return (Path(outputs_url) / V1_STATE / "manifest.json").is_file()


def migrate_v1(outputs) -> bool:
    """Convert the version-1 folder `outputs` (an `extract.io.delta.Outputs`) to Delta; return whether it did.

    Raises OutputError with code v1_unfinished_commit when the version-1 writer left a commit half done.
    """
    from extract.io.delta import FILES, FileSizing, Manifest, RunCounts, is_remote, new_run_id

    if is_remote(outputs.url) or not is_v1(outputs.url):
        return False
    root = Path(outputs.url)
    if (root / V1_STATE / "journal.json").exists():
        raise OutputError(f"{root} is a version-1 outputs folder whose last commit was interrupted; run the "
                          "previous release of zh-extract once to finish it, or delete the folder and run "
                          "`zh-extract run --full` to rebuild the tables", code="v1_unfinished_commit")
    old = json.loads((root / V1_STATE / "manifest.json").read_text(encoding="utf-8"))
    outputs.ensure_tables()
    run_id = new_run_id()
    versions = {}
    documents = len(old.get("documents", {}))
    for name in TABLES:
        versions[name] = _convert_table(outputs, root, name, run_id, documents)
    manifest = Manifest(files={source: {**entry, "doc_ids": entry.get("doc_ids", [])}
                               for source, entry in old.get("files", {}).items()})
    versions[FILES] = outputs._commit_files(run_id, manifest, set(manifest.files), FileSizing(documents))
    outputs.record_run(run_id, versions, RunCounts(processed=len(old.get("documents", {}))),
                       status="completed")
    for name in TABLES:
        for part in (root / name).glob(V1_BUCKET_GLOB):
            part.unlink()
    shutil.rmtree(root / V1_STATE)
    return True


def _convert_table(outputs, root: Path, name: str, run_id: str, documents: int) -> int:
    from deltalake import write_deltalake

    from extract.io.delta import _commit_properties, _with_run_id, file_target_bytes

    parts = sorted((root / name).glob(V1_BUCKET_GLOB))
    table = pa.concat_tables([_conform(pq.read_table(p), SCHEMAS[name]) for p in parts]) if parts \
        else SCHEMAS[name].empty_table()
    dt = outputs.table(name)
    # Files of about DOCS_PER_FILE documents, as a run writes them (the bucket files' bytes measure a document).
    target = file_target_bytes(sum(p.stat().st_size for p in parts), documents)
    write_deltalake(dt, _with_run_id(table, name, run_id), mode="overwrite", target_file_size=target,
                    commit_properties=_commit_properties(run_id))
    dt.update_incremental()
    return dt.version()


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    # A column added since the file was written is null (the contract only adds nullable columns).
    columns = [table.column(f.name) if f.name in table.column_names else pa.nulls(table.num_rows, f.type)
               for f in schema]
    return pa.Table.from_arrays(columns, schema=schema.remove_metadata())
