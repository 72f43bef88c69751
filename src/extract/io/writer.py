"""Own the layout of `outputs/` and write the tables so that readers only ever see whole, current data.

Layout (every path through fsspec, so outputs may live on a local disk or any fsspec URL):

    outputs/<table>/part-NN.parquet     one file per bucket; a document's rows live in bucket hash(doc_id) % N
    outputs/_state/manifest.json        what is in the tables: doc_id → source, content hash, pipeline version
    outputs/_state/journal.json         a commit in progress: the renames still to do
    outputs/_state/staging/<run>/...    files being written by a run (readers never look here)
    outputs/_state/lock                 held by the run that writes

A commit writes every new bucket file and the new manifest into staging, then writes the journal (atomic
rename), then renames the staged files over the live ones, then deletes the journal. A run killed at any
point leaves either the old files or the new ones in each place, never a half-written file; the next run
replays an unfinished journal before anything else, so the tables end as if the commit had completed.
Readers skip `_state` (pyarrow and pandas ignore paths starting with `_`, and globs of `<table>/**/*.parquet`
never reach it).
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import fsspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from extract.errors import LockedError
from extract.io.tables import DOCUMENT_TABLES, SCHEMAS, TABLES, to_arrow, validate

STATE = "_state"
DEFAULT_BUCKETS = 8


def bucket_of(key: str, buckets: int) -> int:
    """Return the bucket of a doc_id (or, for `errors`, a source): stable across processes and runs."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=4).digest(), "big") % buckets


@dataclass
class Manifest:
    """What the published tables hold: per document its source, content hash and pipeline version."""

    buckets: int = DEFAULT_BUCKETS
    documents: dict[str, dict] = field(default_factory=dict)  # doc_id -> {source, sha256, version}
    files: dict[str, dict] = field(default_factory=dict)  # source -> {fingerprint, version, failed}

    def to_json(self) -> str:
        return json.dumps({"format": 1, "buckets": self.buckets, "documents": self.documents,
                           "files": self.files}, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        return cls(buckets=int(data["buckets"]), documents=data["documents"], files=data.get("files", {}))


class Outputs:
    """The outputs folder: lock, recovery, manifest, staging and atomic commits of the tables."""

    def __init__(self, url: str, *, buckets: int = DEFAULT_BUCKETS):
        self.url = str(url).rstrip("/")
        self.fs, self.root = fsspec.core.url_to_fs(self.url)
        self._default_buckets = buckets
        self._lock_fh = None

    # -- paths -------------------------------------------------------------------------------------------
    def _path(self, *parts: str) -> str:
        return "/".join([self.root.rstrip("/"), *parts])

    def table_dir(self, table: str) -> str:
        """Return the folder of a table (what readers open)."""
        return self._path(table)

    def _bucket_file(self, table: str, bucket: int) -> str:
        return self._path(table, f"part-{bucket:02d}.parquet")

    def _is_local(self) -> bool:
        protocol = self.fs.protocol
        return "file" in (protocol if isinstance(protocol, tuple) else (protocol,))

    # -- locking and recovery ----------------------------------------------------------------------------
    def __enter__(self) -> Outputs:
        self.fs.makedirs(self._path(STATE), exist_ok=True)
        self._acquire_lock()
        self.recover()
        return self

    def __exit__(self, *exc) -> None:
        self._release_lock()

    def _acquire_lock(self) -> None:
        lock_path = self._path(STATE, "lock")
        if self._is_local():
            fh = open(lock_path, "a+")
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                fh.close()
                raise LockedError(f"another run is writing to {self.url} ({holder}); wait for it to finish "
                                  "or stop it, then run again", source=self.url) from None
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()} since {datetime.now(timezone.utc).isoformat(timespec='seconds')}")
            fh.flush()
            self._lock_fh = fh
        # Object stores have no locks: a deployment writing to one must run one flow at a time
        # (the `serve` deployment sets a concurrency limit of one).

    def _release_lock(self) -> None:
        if self._lock_fh is not None:
            fcntl.flock(self._lock_fh, fcntl.LOCK_UN)
            self._lock_fh.close()
            self._lock_fh = None

    def recover(self) -> bool:
        """Finish a commit a killed run left half done, and drop abandoned staging files. Return whether it did."""
        journal = self._path(STATE, "journal.json")
        replayed = False
        if self.fs.exists(journal):
            with self.fs.open(journal, "r") as fh:
                moves = json.load(fh)["moves"]
            self._apply_moves(moves)
            self.fs.rm(journal)
            replayed = True
        staging = self._path(STATE, "staging")
        if self.fs.exists(staging):
            self.fs.rm(staging, recursive=True)
        return replayed

    def _apply_moves(self, moves: list[list[str]]) -> None:
        for src, dst in moves:
            if self.fs.exists(src):
                self.fs.makedirs(dst.rsplit("/", 1)[0], exist_ok=True)
                if self.fs.exists(dst) and not self._is_local():
                    self.fs.rm(dst)
                self.fs.mv(src, dst)

    # -- manifest ----------------------------------------------------------------------------------------
    def manifest(self) -> Manifest:
        """Return the manifest of the published tables (empty for a new outputs folder)."""
        path = self._path(STATE, "manifest.json")
        if not self.fs.exists(path):
            return Manifest(buckets=self._default_buckets)
        with self.fs.open(path, "r", encoding="utf-8") as fh:
            return Manifest.from_json(fh.read())

    # -- staging -----------------------------------------------------------------------------------------
    def new_run(self) -> str:
        """Return a fresh staging folder for one run's batch files."""
        run = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        path = self._path(STATE, "staging", run)
        self.fs.makedirs(path, exist_ok=True)
        return path

    def stage_batch(self, staging: str, batch_name: str, rows: dict[str, list[dict]]) -> dict[str, int]:
        """Write one batch's rows as staged Parquet files (one per table); return rows written per table."""
        counts = {}
        for table, table_rows in rows.items():
            if not table_rows:
                continue
            arrow = to_arrow(table, table_rows)
            path = f"{staging}/batches/{table}/{batch_name}.parquet"
            self.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
            with self.fs.open(path, "wb") as fh:
                pq.write_table(arrow, fh)
            counts[table] = arrow.num_rows
        return counts

    def _staged(self, staging: str, table: str) -> pa.Table:
        folder = f"{staging}/batches/{table}"
        if not self.fs.exists(folder):
            return SCHEMAS[table].empty_table()
        parts = []
        for path in sorted(self.fs.ls(folder, detail=False)):
            with self.fs.open(path, "rb") as fh:
                parts.append(pq.read_table(fh, schema=SCHEMAS[table]))
        return pa.concat_tables(parts) if parts else SCHEMAS[table].empty_table()

    def _read_bucket(self, table: str, bucket: int) -> pa.Table:
        path = self._bucket_file(table, bucket)
        if not self.fs.exists(path):
            return SCHEMAS[table].empty_table()
        with self.fs.open(path, "rb") as fh:
            return pq.read_table(fh, schema=SCHEMAS[table])

    # -- commit ------------------------------------------------------------------------------------------
    def commit(self, staging: str, manifest: Manifest, *, replaced_docs: Iterable[str],
               touched_sources: Iterable[str], errors: list[dict], full: bool = False) -> dict[str, int]:
        """Publish a run: replace the rows of `replaced_docs` by the staged rows, atomically per file.

        `replaced_docs` are documents whose old rows must go (reprocessed, failed or removed); `errors` are the
        error rows of this run, which replace earlier error rows of `touched_sources`. Returns the number of
        rows each table holds after the commit.
        """
        replaced = set(replaced_docs)
        buckets = manifest.buckets
        affected = set(range(buckets)) if full else {bucket_of(d, buckets) for d in replaced}
        moves: list[list[str]] = []
        totals: dict[str, int] = {}
        n_chars = None
        for table in DOCUMENT_TABLES:
            staged = self._staged(staging, table)
            if table == "documents":
                n_chars = dict(zip(staged.column("doc_id").to_pylist(), staged.column("n_chars").to_pylist()))
            validate(table, staged, n_chars or {})
            staged_buckets = pa.array([bucket_of(d, buckets) for d in staged.column("doc_id").to_pylist()],
                                      pa.int32())
            missing = {b for b in range(buckets) if not self.fs.exists(self._bucket_file(table, b))}
            for bucket in sorted(affected | missing):
                old = self._read_bucket(table, bucket) if not full else SCHEMAS[table].empty_table()
                if replaced and old.num_rows:
                    old = old.filter(pc.invert(pc.is_in(old.column("doc_id"), pa.array(sorted(replaced)))))
                new = staged.filter(pc.equal(staged_buckets, bucket)) if staged.num_rows else staged
                combined = pa.concat_tables([old, new]).sort_by([("doc_id", "ascending")]
                                                                 + _row_order(table))
                moves.append(self._write_staged_file(staging, table, bucket, combined))
        moves.append(self._write_errors(staging, set(touched_sources), replaced, errors, set(manifest.documents)))
        manifest_path = f"{staging}/manifest.json"
        with self.fs.open(manifest_path, "w", encoding="utf-8") as fh:
            fh.write(manifest.to_json())
        moves.append([manifest_path, self._path(STATE, "manifest.json")])
        journal = self._path(STATE, "journal.json")
        with self.fs.open(journal + ".tmp", "w") as fh:
            json.dump({"moves": moves}, fh)
        self.fs.mv(journal + ".tmp", journal)
        self._apply_moves(moves)
        self.fs.rm(journal)
        self.fs.rm(staging, recursive=True)
        for table in TABLES:
            totals[table] = self.count_rows(table)
        return totals

    def _write_staged_file(self, staging: str, table: str, bucket: int, data: pa.Table) -> list[str]:
        path = f"{staging}/tables/{table}/part-{bucket:02d}.parquet"
        self.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        with self.fs.open(path, "wb") as fh:
            pq.write_table(data.replace_schema_metadata(SCHEMAS[table].metadata), fh, compression="zstd")
        return [path, self._bucket_file(table, bucket)]

    def _write_errors(self, staging: str, touched_sources: set[str], replaced: set[str],
                      errors: list[dict], published: set[str]) -> list[str]:
        # When a file is read again (or is gone), its errors go, except those of articles still published
        # unchanged (warnings about them); an article's errors go when the article is processed again. An
        # article that failed is never published, so a file that was deleted takes its errors with it.
        old = self._read_bucket("errors", 0)
        if old.num_rows:
            unpublished = pc.invert(pc.fill_null(pc.is_in(old.column("doc_id"), pa.array(sorted(published),
                                                                                         pa.string())), False))
            file_level = pc.and_(pc.or_(pc.is_null(old.column("doc_id")), unpublished),
                                 pc.is_in(old.column("source"), pa.array(sorted(touched_sources), pa.string())))
            doc_level = pc.is_in(old.column("doc_id"), pa.array(sorted(replaced), pa.string()))
            old = old.filter(pc.invert(pc.or_(pc.fill_null(file_level, False), pc.fill_null(doc_level, False))))
        new = to_arrow("errors", errors)
        validate("errors", new, {})
        return self._write_staged_file(staging, "errors", 0, pa.concat_tables([old, new]))

    def count_rows(self, table: str) -> int:
        """Return how many rows a published table holds."""
        total = 0
        folder = self.table_dir(table)
        if not self.fs.exists(folder):
            return 0
        for path in self.fs.ls(folder, detail=False):
            if path.endswith(".parquet"):
                with self.fs.open(path, "rb") as fh:
                    total += pq.ParquetFile(fh).metadata.num_rows
        return total


def _row_order(table: str) -> list[tuple[str, str]]:
    if table == "documents":
        return []
    if table in ("references",):
        return [("ref_idx", "ascending")]
    if table == "citations":
        return [("ref_idx", "ascending"), ("sent_idx", "ascending")]
    if table == "conflicts":
        return [("ref_idx", "ascending")]
    if table == "tokens":
        return [("sent_idx", "ascending"), ("tok_idx", "ascending")]
    return [("sent_idx", "ascending"), ("start", "ascending")] if table != "sentences" else [("sent_idx", "ascending")]

