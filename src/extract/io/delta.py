"""Own the layout of `outputs/`: every table is a Delta Lake table, written through the `deltalake` package.

Layout (a local folder or an object-store URL such as `s3://bucket/prefix`):

    outputs/<table>/          a contract table (documents, sentences, …, errors): Parquet files + _delta_log/
    outputs/runs/             one row per completed run, committed after every other table
    outputs/_files/           per corpus file: fingerprint, pipeline version, doc_ids (what the planner skips)
    outputs/_writer/          the writer's claim: one row naming the run that may write
    outputs/_staging/<run>/   rows of a run's batches before the commit (local outputs; readers never look)

A run commits each table in one transaction (delete the rows of changed, failed and removed documents by
predicate and append the new rows), in the order content tables → errors → _files → documents → runs. The
`runs` row records the version every table reached, so a reader can read all tables as of one run. A run
killed between commits leaves tables ahead of the last `runs` row; the next run restores each of them to the
version that row recorded (Delta time travel) before it plans, so it ends as if the killed run had never
started. Readers of a single table always see whole commits: Delta never shows half a transaction.
"""
from __future__ import annotations

import errno
import functools
import json
import os
import re
import socket
import struct
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from extract.errors import DamagedOutputsError, LockedError, OutputError
from extract.io.tables import DOCUMENT_TABLES, SCHEMAS, TABLES, sort_key, to_arrow, validate

SCHEMA_VERSION = "2"
RUNS, FILES, WRITER = "runs", "_files", "_writer"
CONTENT_TABLES = tuple(name for name in DOCUMENT_TABLES if name != "documents")
# The order of a run's commits: the documents table is the manifest, so it goes after the rows it describes.
COMMIT_ORDER = (*CONTENT_TABLES, "errors", FILES, "documents")
# What a reader may open: every contract table and the runs table.
READABLE_TABLES = (*TABLES, RUNS)
# Commits that change no row: a table whose commits after a run's version are only these needs no restore.
ROWLESS_OPERATIONS = frozenset({"OPTIMIZE", "VACUUM START", "VACUUM END", "RESTORE", "CREATE TABLE",
                                "SET TBLPROPERTIES"})
# Every data file holds about DOCS_PER_FILE documents' rows, in every table. delta-rs writes no deletion
# vectors, so a changed or removed document costs a rewrite of the file holding its rows: sized by documents,
# that is at most one small file per table, the same at a thousand documents as at a million (a size in bytes
# shared by all tables would put thousands of documents' dates in one file). The bytes a document takes in a
# table are measured on the table itself (and on a run's staged rows); the bounds keep files neither tiny nor
# large. Compaction merges only files below the target and never beyond it. Readers cope with thousands of files.
DOCS_PER_FILE = 64
MIN_FILE_BYTES = 64 << 10
MAX_FILE_BYTES = 1 << 20
# Compaction rewrites a table's small files (under half the target) when this many pile up.
COMPACT_AT_SMALL_FILES = 16
# Tables whose files the writer cuts and merges itself, and the column that names a file's documents.
LAYOUT_KEYS = {**{name: "doc_id" for name in DOCUMENT_TABLES}, "_files": "source"}
DEFAULT_RETENTION_DAYS = 7.0
# A claim by a process on another machine is honoured for this long (a local claim is checked by its pid).
REMOTE_CLAIM_HOURS = 12

_TS = pa.timestamp("us", tz="UTC")
_RUN_ID = pa.field("run_id", pa.string(), nullable=False)


def _with_version(schema: pa.Schema) -> pa.Schema:
    return schema.with_metadata({"schema_version": SCHEMA_VERSION})


def stored_schema(name: str) -> pa.Schema:
    """Return the schema a table has on disk: the contract's columns, then `run_id` (the run that wrote the row)."""
    if name == RUNS:
        return RUNS_SCHEMA
    if name == FILES:
        return FILES_SCHEMA
    return _with_version(SCHEMAS[name].append(_RUN_ID))


RUNS_SCHEMA = _with_version(pa.schema([
    _RUN_ID, pa.field("started_at", _TS, False), pa.field("finished_at", _TS, False),
    pa.field("status", pa.string(), False), pa.field("pipeline_version", pa.string(), False),
    pa.field("processed", pa.int64(), False), pa.field("unchanged", pa.int64(), False),
    pa.field("removed", pa.int64(), False), pa.field("failed", pa.int64(), False),
    pa.field("table_versions", pa.string(), False),
]))
FILES_SCHEMA = _with_version(pa.schema([
    pa.field("source", pa.string(), False), pa.field("fingerprint", pa.string(), True),
    pa.field("pipeline_version", pa.string(), False), pa.field("failed", pa.bool_(), False),
    pa.field("doc_ids", pa.list_(pa.string()), False), _RUN_ID,
]))
WRITER_SCHEMA = pa.schema([
    pa.field("claim_id", pa.string(), False), pa.field("host", pa.string(), False),
    pa.field("pid", pa.int64(), False), pa.field("claimed_at", _TS, False), pa.field("state", pa.string(), False),
])


@dataclass
class Manifest:
    """What the published tables hold: per document its source, content hash and pipeline version; per file
    its fingerprint, pipeline version, whether some of it failed, and its doc_ids."""

    documents: dict[str, dict] = field(default_factory=dict)  # doc_id -> {source, sha256, version}
    files: dict[str, dict] = field(default_factory=dict)  # source -> {fingerprint, version, failed, doc_ids}
    errors: dict[str, list[dict]] = field(default_factory=dict)  # failed source -> its rows of the errors table


@dataclass
class FileSizing:
    """What sizes a table's data files: the documents the outputs hold after the commit, and the bytes of the
    rows a run staged per table (on top of the bytes the table holds)."""

    documents: int
    staged_bytes: dict[str, int] = field(default_factory=dict)

    def target(self, dt, name: str) -> int:
        """Return the data-file size for table `name` (open as `dt`): about DOCS_PER_FILE documents' rows."""
        stored = sum(_add_actions(dt).column("size_bytes").to_pylist())
        return file_target_bytes(stored + self.staged_bytes.get(name, 0), self.documents)


@dataclass
class RunCounts:
    """The counts a `runs` row records."""

    processed: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0


# -- locations -----------------------------------------------------------------------------------------------
def is_remote(url: str) -> bool:
    """Return whether `url` names an object store rather than a local folder."""
    return "://" in str(url) and not str(url).startswith("file://")


def table_uri(outputs: str | Path, name: str) -> str:
    """Return the location of one table (what Delta readers open)."""
    base = str(outputs).rstrip("/")
    if not is_remote(base):
        base = str(Path(base.removeprefix("file://")).resolve())
    return f"{base}/{name}"


def storage_options(outputs: str | Path) -> dict[str, str] | None:
    """Return delta-rs storage options for `outputs`: none for a local folder.

    Credentials are never passed here: delta-rs reads them (and AWS_ENDPOINT_URL, AWS_REGION, …) from the
    environment. For S3 we ask for conditional puts (If-None-Match), which make two commits of the same
    version impossible without a DynamoDB lock table; a user who configured AWS_S3_LOCKING_PROVIDER keeps it.
    """
    if not str(outputs).startswith(("s3://", "s3a://")):
        return None
    if os.environ.get("AWS_S3_LOCKING_PROVIDER"):
        return {}
    return {"conditional_put": "etag"}


def _quote(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def in_predicate(column: str, values: Iterable[str]) -> str:
    """Return the SQL predicate `column IN (…)` for a non-empty set of string values."""
    items = sorted(set(values))
    if not items:
        raise ValueError(f"empty IN list for {column}")
    return f"{column} IN ({', '.join(_quote(v) for v in items)})"


# -- reading -------------------------------------------------------------------------------------------------
# What repairs a table that lost commits or data files: a backup, or every table rewritten from the corpus.
REPAIR = "restore the table from a backup, or run `zh-extract run --full` (it rewrites every table from the corpus)"


def open_table(outputs: str | Path, name: str, version: int | None = None):
    """Return the DeltaTable `name` of `outputs` (at `version`), or None when the table does not exist.

    Raises DamagedOutputsError when the folder exists but its log cannot be read.
    """
    from deltalake import DeltaTable
    from deltalake.exceptions import DeltaError, TableNotFoundError

    uri, options = table_uri(outputs, name), storage_options(outputs)
    try:
        return DeltaTable(uri, version=version, storage_options=options)
    except TableNotFoundError:
        return None
    except (DeltaError, OSError, ValueError) as exc:
        if version is not None and "version" in str(exc).lower():
            raise OutputError(f"table {name} of {outputs} has no version {version} (vacuumed or never "
                              f"written): {exc}", code="no_such_version") from exc
        raise DamagedOutputsError(f"the Delta log of table {name} at {uri} cannot be read ({exc}); restore "
                                  f"the folder from a backup, or delete it and run `zh-extract run --full`",
                                  source=str(outputs)) from exc


def _tables_of(outputs: str | Path | Outputs):
    """Return what opens the tables of `outputs` (name, version -> DeltaTable or None): an Outputs keeps every
    table it loaded and reads only their new commits; a URL opens each table afresh."""
    if isinstance(outputs, Outputs):
        return outputs.table
    return functools.partial(open_table, outputs)


def completed_runs(outputs: str | Path | Outputs) -> list[dict]:
    """Return the rows of the runs table, oldest first (empty when no run completed)."""
    dt = _tables_of(outputs)(RUNS)
    if dt is None:
        return []
    rows = rows_of(read_arrow(dt, RUNS_SCHEMA))
    return sorted(rows, key=lambda row: (row["finished_at"], row["run_id"]))


def run_versions(outputs: str | Path | Outputs, run: str | None = None) -> dict[str, int]:
    """Return the version each table reached in `run` (the latest completed run when None).

    Returns {} when no run completed yet and `run` is None; raises OutputError for an unknown run id.
    """
    runs = completed_runs(outputs)
    if run is None:
        return json.loads(runs[-1]["table_versions"]) if runs else {}
    for row in runs:
        if row["run_id"] == run:
            return json.loads(row["table_versions"])
    known = ", ".join(r["run_id"] for r in runs[-5:]) or "none"
    raise OutputError(f"{outputs} has no completed run {run!r} (latest: {known})", code="no_such_run")


def snapshot(outputs: str | Path, name: str, run: str | None = None) -> pa.Table:
    """Return table `name` as of `run` (default: the latest completed run), as a pyarrow Table.

    Every table read with the same `run` comes from the same run: a consistent snapshot across tables.
    Raises OutputError (code no_such_table) when the table does not exist.
    """
    if name not in READABLE_TABLES and name != FILES:
        raise OutputError(f"no table {name!r}: the outputs hold {', '.join(READABLE_TABLES)}",
                          code="no_such_table")
    if name == RUNS:
        dt = open_table(outputs, RUNS)
        version = None
    else:
        versions = run_versions(outputs, run)
        if not versions:
            dt = open_table(outputs, name)
            if dt is None or open_table(outputs, RUNS) is None:
                raise OutputError(f"table {name} does not exist in {outputs}: no run has completed there yet "
                                  "(run `zh-extract run` first)", code="no_such_table")
            raise OutputError(f"{outputs} holds no completed run yet (a run was interrupted); run "
                              "`zh-extract run` to finish it", code="no_such_table")
        version = versions.get(name)
        dt = open_table(outputs, name, version=version) if version is not None else None
    if dt is None:
        raise OutputError(f"table {name} does not exist in {outputs}", code="no_such_table")
    table = _read_whole(dt, name, outputs)
    return table.sort_by([("finished_at", "ascending"), ("run_id", "ascending")]) if name == RUNS else table


def run_batches(outputs: str | Path, name: str, run_id: str, columns: list[str]) -> Iterator[dict[str, list]]:
    """Yield `columns` of the rows run `run_id` wrote to table `name`, a record batch at a time (column -> values).

    delta-rs's query engine reads only that run's rows, and they are never held at once: the run report reads
    them this way (reading the table as of the run held every run's rows, as pandas; delta-rs's own GROUP BY
    took 400 MB for a 3,000-article run). Nothing is yielded when the table does not exist.
    """
    from deltalake import QueryBuilder

    version = run_versions(outputs, run_id).get(name)
    dt = open_table(outputs, name, version=version) if version is not None else None
    if dt is None:
        return
    query = (f"SELECT {', '.join(map(_quote_name, columns))} FROM t "
             f"WHERE {_quote_name(_RUN_ID.name)} = {_quote(run_id)}")
    for batch in pa.RecordBatchReader.from_stream(QueryBuilder().register("t", dt).execute(query)):
        yield {column: batch.column(column).to_pylist() for column in columns}


def _read_whole(dt, name: str, outputs) -> pa.Table:
    try:
        return read_arrow(dt, stored_schema(name))
    except Exception as exc:  # delta-rs raises its own error types for a missing data file; others re-raised
        if "not found" in str(exc).lower() or "no such file" in str(exc).lower():
            raise DamagedOutputsError(f"table {name} of {outputs} refers to data files that are gone ({exc}); "
                                      f"{REPAIR}", source=str(outputs)) from exc
        if damaged_file(exc):
            raise DamagedOutputsError(f"a data file of table {name} of {outputs} is damaged ({exc}); {REPAIR}",
                                      source=str(outputs)) from exc
        raise


def read_arrow(dt, schema: pa.Schema, columns: list[str] | None = None) -> pa.Table:
    """Return the rows of the DeltaTable `dt` (at its loaded version) as a pyarrow Table of `schema`'s types.

    Read through delta-rs's own query engine and the Arrow stream interface: `to_pyarrow_table` goes through
    pyarrow.dataset, which imports pandas, and planning a run must stay light.
    """
    from deltalake import QueryBuilder

    names = columns or schema.names
    query = f"SELECT {', '.join(f'{_quote_name(n)}' for n in names)} FROM t"
    reader = QueryBuilder().register("t", dt).execute(query)
    table = pa.RecordBatchReader.from_stream(reader).read_all()
    target = pa.schema([schema.field(n) for n in names], metadata=schema.metadata)
    return table.cast(target)


def rows_of(table: pa.Table) -> list[dict]:
    """Return a table's rows as dicts, timestamps as UTC datetimes (pyarrow's own conversion imports pandas)."""
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    columns = {}
    for field in table.schema:
        column = table.column(field.name)
        if pa.types.is_timestamp(field.type):
            micros = column.cast(pa.timestamp("us", tz=field.type.tz)).cast(pa.int64()).to_pylist()
            columns[field.name] = [None if v is None else epoch + timedelta(microseconds=v) for v in micros]
        else:
            columns[field.name] = column.to_pylist()
    return [dict(zip(columns, values)) for values in zip(*columns.values())]


def table_of(rows: list[dict], schema: pa.Schema) -> pa.Table:
    """Return `rows` as a pyarrow Table of `schema` (the inverse of rows_of).

    Built through Arrow's JSON reader: `pa.array` and `Table.from_pylist` import pandas to look for
    DataFrames, and the claim, release and runs rows are written by runs that must stay light.
    """
    import io

    import pyarrow.json as pj

    def plain(value):
        return value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else value

    lines = "".join(json.dumps({f.name: plain(row.get(f.name)) for f in schema}, ensure_ascii=False) + "\n"
                    for row in rows)
    if not rows:
        return pa.Table.from_batches([], schema)  # not schema.empty_table(): it imports pandas
    options = pj.ParseOptions(explicit_schema=pa.schema([f.with_nullable(True) for f in schema]))
    table = pj.read_json(io.BytesIO(lines.encode("utf-8")), parse_options=options)
    return table.cast(schema)


def _quote_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _add_actions(dt) -> pa.Table:
    return pa.RecordBatchReader.from_stream(dt.get_add_actions(flatten=True)).read_all()


def read_manifest(outputs: str | Path) -> dict[str, str]:
    """Return {doc_id: content_sha256} of the documents the outputs hold as of the latest completed run.

    Empty for outputs where no run completed. The planner compares a corpus with it to know what is new.
    """
    return {doc_id: info["sha256"] for doc_id, info in load_manifest(outputs).documents.items()}


def load_manifest(outputs: str | Path | Outputs, *, damaged_ok: bool = False) -> Manifest:
    """Return the manifest (documents, files, the errors rows of failed files) as of the latest completed run.

    `damaged_ok` (a run that rewrites every table): a table that lost the version the last run recorded
    reads as empty instead of raising. A run passes its Outputs, whose tables are loaded already.
    """
    versions = run_versions(outputs)
    if not versions:
        return Manifest()
    manifest = Manifest()
    open_at = _tables_of(outputs)

    def recorded(name: str):
        try:
            return open_at(name, versions[name]) if name in versions else None
        except OutputError:
            if damaged_ok:
                return None
            raise

    docs = recorded("documents")
    if docs is not None:
        table = read_arrow(docs, stored_schema("documents"),
                           columns=["doc_id", "source", "content_sha256", "pipeline_version"])
        for doc_id, source, sha, version in zip(*(table.column(i).to_pylist() for i in range(4))):
            manifest.documents[doc_id] = {"source": source, "sha256": sha, "version": version}
    files = recorded(FILES)
    if files is not None:
        for row in rows_of(read_arrow(files, FILES_SCHEMA)):
            manifest.files[row["source"]] = {"fingerprint": row["fingerprint"], "version": row["pipeline_version"],
                                             "failed": row["failed"], "doc_ids": list(row["doc_ids"])}
    failed = {source for source, entry in manifest.files.items() if entry["failed"]}
    errors = recorded("errors") if failed else None
    if errors is not None:  # why the failed files failed: the planner re-reads only those that may pass now
        for row in rows_of(read_arrow(errors, stored_schema("errors"))):
            if row["source"] in failed:
                manifest.errors.setdefault(row["source"], []).append(row)
    return manifest


# -- writing -------------------------------------------------------------------------------------------------
def new_run_id(now: datetime | None = None) -> str:
    """Return a fresh run id: its UTC start time (sortable) and a random suffix."""
    now = now or datetime.now(timezone.utc)
    return f"{now:%Y%m%dT%H%M%S}.{now.microsecond:06d}Z-{uuid.uuid4().hex[:8]}"


def run_started_at(run_id: str) -> datetime:
    """Return the start time a run id encodes."""
    return datetime.strptime(run_id.split("Z-")[0], "%Y%m%dT%H%M%S.%f").replace(tzinfo=timezone.utc)


def _commit_properties(run_id: str, *, retries: int | None = None):
    from deltalake import CommitProperties

    return CommitProperties(custom_metadata={"zh_extract.run_id": run_id}, max_commit_retries=retries)


def _writer_properties():
    from deltalake import WriterProperties

    return WriterProperties(compression="ZSTD")


def file_target_bytes(stored_bytes: int, documents: int) -> int:
    """Return the size of a data file that holds about DOCS_PER_FILE documents of a table whose `documents`
    documents take `stored_bytes` (within MIN_FILE_BYTES and MAX_FILE_BYTES)."""
    per_document = stored_bytes / documents if documents else 0.0
    return int(min(MAX_FILE_BYTES, max(MIN_FILE_BYTES, DOCS_PER_FILE * per_document)))


def _write(dt, data: pa.Table, *, mode: str, run_id: str, target: int, predicate: str | None = None) -> None:
    from deltalake import write_deltalake

    write_deltalake(dt, data, mode=mode, predicate=predicate, target_file_size=target,
                    writer_properties=_writer_properties(), commit_properties=_commit_properties(run_id))


# OS errors after which no write to the outputs can succeed until a person acts (retrying would fail the same
# way): they stop the run with "the outputs could not be written" (`zh-extract` exits 3), naming the cause.
_UNWRITABLE = {errno.EFBIG: "a file would grow past the file-size limit (ulimit -f)",
               errno.ENOSPC: "no space left on the device", errno.EDQUOT: "the disk quota is exceeded",
               errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied"}
_OS_ERROR = re.compile(r"\(os error (\d+)\)")


def unwritable_reason(exc: BaseException) -> str | None:
    """Return why `exc` means the outputs cannot be written (a full disk, a file-size limit), else None.

    delta-rs reports an OS error as a DeltaError whose message ends in "(os error N)"; pyarrow and Python
    raise OSError with its errno.
    """
    if isinstance(exc, OSError) and exc.errno in _UNWRITABLE:
        return _UNWRITABLE[exc.errno]
    found = _OS_ERROR.search(str(exc))
    return _UNWRITABLE.get(int(found.group(1))) if found else None


def damaged_file(exc: BaseException) -> bool:
    """Return whether `exc` says a data file of a table cannot be parsed (overwritten, cut short)."""
    return "parquet error" in str(exc).lower()


def _writes(method):
    """Decorate an Outputs method that writes: an unwritable store or a damaged data file becomes an
    OutputError that says what happened and what to do."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except OutputError:
            raise
        except Exception as exc:  # noqa: BLE001 - re-raised unless it is an unwritable store or a damaged file
            first_line = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
            if damaged_file(exc):
                raise DamagedOutputsError(f"a data file of the outputs is damaged ({first_line}); {REPAIR}",
                                          source=self.url) from exc
            reason = unwritable_reason(exc)
            if reason is None:
                raise
            raise OutputError(f"{reason}: {first_line}", source=self.url, code="outputs_unwritable") from exc
    return wrapper


class Outputs:
    """The outputs: the writer's claim, healing, staging, per-table transactions, the runs table, housekeeping.

    Use as a context manager around a run: entering claims the outputs (LockedError when another writer
    holds them), converts a version-1 folder, and restores tables a killed run left ahead of the last run.
    """

    def __init__(self, url: str | Path, *, rebuild: bool = False):
        """`rebuild`: this run rewrites every table (`--full`), so a table that lost commits or data files is
        rewritten instead of refused: the repair the errors of damaged outputs name."""
        self.rebuild = rebuild
        url = str(url).rstrip("/")
        # A local folder is kept as an absolute path: Dask workers in other folders stage into the same place.
        self.url = url if is_remote(url) else str(Path(url.removeprefix("file://")).resolve())
        self.options = storage_options(self.url)
        self._claim_id: str | None = None
        self.healed: list[str] = []
        self._tables: dict = {}  # name -> DeltaTable at its latest version, loaded once

    def uri(self, name: str) -> str:
        """Return the location of a table."""
        return table_uri(self.url, name)

    def table(self, name: str, version: int | None = None):
        """Return the DeltaTable `name` (at `version`; default its latest), or None when it does not exist.

        Each table is loaded once per Outputs; later calls read only the commits made since (a listing of the
        log after the loaded version): loading a table's whole log, thousands of files' actions, is what
        grew with the table. A version older than the latest is opened apart (a killed run's tables).
        """
        dt = self._tables.get(name)
        if dt is None:
            dt = open_table(self.url, name)
            if dt is None:
                return None
            self._tables[name] = dt
        elif version is None or dt.version() < version:
            dt.update_incremental()
        if version is None or dt.version() == version:
            return dt
        return open_table(self.url, name, version)

    # -- claim, migration and healing ------------------------------------------------------------------------
    @_writes
    def __enter__(self) -> Outputs:
        from extract.io.migrate import migrate_v1

        if not is_remote(self.url):
            Path(self.url).mkdir(parents=True, exist_ok=True)
        self.claim()
        try:
            migrate_v1(self)
            self.ensure_tables()
            self.healed = self.heal()
            self.drop_abandoned_staging()
        except BaseException:
            self.release()
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is None:
            self.release()
            return
        try:  # the run's own error is the one to report; a claim left behind is taken over (its pid is gone)
            self.release()
        except Exception:  # noqa: BLE001
            pass

    def claim(self) -> None:
        """Claim the outputs for this process, or raise LockedError naming the writer that holds them.

        The claim is a one-row Delta table rewritten with no commit retry: of two writers claiming at the same
        moment, Delta's atomic commit lets one win. A claim left by a dead process of this machine is taken over.
        """
        from deltalake import DeltaTable, write_deltalake
        from deltalake.exceptions import CommitFailedError

        dt = self.table(WRITER)
        if dt is None:
            DeltaTable.create(self.uri(WRITER), WRITER_SCHEMA, mode="ignore", storage_options=self.options)
            dt = self.table(WRITER)
        rows = rows_of(read_arrow(dt, WRITER_SCHEMA))
        holder = next((r for r in rows if r["state"] == "held"), None)
        if holder is not None and _claim_alive(holder):
            raise LockedError(f"another run is writing to {self.url} (pid {holder['pid']} on {holder['host']} "
                              f"since {holder['claimed_at']:%Y-%m-%d %H:%M:%S} UTC); wait for it to finish or "
                              "stop it, then run again", source=self.url)
        claim_id = uuid.uuid4().hex
        row = {"claim_id": claim_id, "host": socket.gethostname(), "pid": os.getpid(),
               "claimed_at": datetime.now(timezone.utc), "state": "held"}
        try:
            write_deltalake(dt, table_of([row], WRITER_SCHEMA), mode="overwrite",
                            commit_properties=_commit_properties(claim_id, retries=0))
        except CommitFailedError as exc:
            raise LockedError(f"another run claimed {self.url} at the same moment; wait for it to finish, then "
                              "run again", source=self.url) from exc
        self._claim_id = claim_id

    def release(self) -> None:
        """Give up this process's claim (when it holds one)."""
        from deltalake import write_deltalake

        if self._claim_id is None:
            return
        row = {"claim_id": self._claim_id, "host": socket.gethostname(), "pid": os.getpid(),
               "claimed_at": datetime.now(timezone.utc), "state": "released"}
        write_deltalake(self.table(WRITER), table_of([row], WRITER_SCHEMA), mode="overwrite",
                        commit_properties=_commit_properties(self._claim_id))
        self._claim_id = None

    def ensure_tables(self) -> None:
        """Create every table that does not exist yet, empty, with the change data feed on (version 0)."""
        from deltalake import DeltaTable

        for name in (*COMMIT_ORDER, RUNS):
            dt = self.table(name)
            config = table_configuration(name)
            if dt is None:
                DeltaTable.create(self.uri(name), stored_schema(name), mode="ignore", configuration=config,
                                  storage_options=self.options,
                                  description=f"zh-extract {name}, schema_version {SCHEMA_VERSION}")
            elif any(dt.metadata().configuration.get(key) != value for key, value in config.items()):
                # Tables made before a setting was added get it once (a commit that changes no row).
                dt.alter.set_table_properties(config, commit_properties=_commit_properties("settings"))

    def heal(self) -> list[str]:
        """Restore every table a killed run left ahead of the last completed run; return the tables restored.

        Raises DamagedOutputsError when a table is behind the version the last run recorded (its log lost
        commits) or a data file it refers to is missing.
        """
        versions = run_versions(self)
        restored, killed = [], set()
        for name in COMMIT_ORDER:
            dt = self.table(name)
            target = versions.get(name, 0)
            if dt.version() == target:
                self._check_files(name, dt)
                continue
            if dt.version() < target and self.rebuild:
                continue  # rewritten whole by this run
            if dt.version() < target:
                raise DamagedOutputsError(f"table {name} is at version {dt.version()} but the last run wrote "
                                          f"version {target}: its log lost commits; {REPAIR}",
                                          source=self.url)
            ahead = [h for h in dt.history(limit=dt.version() - target) if h["version"] > target
                     and h["operation"] not in ROWLESS_OPERATIONS]
            if ahead:
                killed |= {h.get("zh_extract.run_id", "unknown") for h in ahead}
                dt.restore(target, commit_properties=_commit_properties("heal"))
                restored.append(name)
            self._check_files(name, dt)
        if restored:
            self._record_killed_runs(killed)
        return restored

    def _record_killed_runs(self, run_ids: set[str]) -> None:
        # A runs row with status failed, recording the restored versions: what a reader of that run gets.
        from deltalake import write_deltalake

        versions = json.dumps({name: self.table(name).version() for name in COMMIT_ORDER}, sort_keys=True)
        now = datetime.now(timezone.utc)
        rows = [{"run_id": run_id, "started_at": _started_or(run_id, now), "finished_at": now, "status": "failed",
                 "pipeline_version": _pipeline_version(), "processed": 0, "unchanged": 0, "removed": 0,
                 "failed": 0, "table_versions": versions} for run_id in sorted(run_ids)]
        write_deltalake(self.table(RUNS), table_of(rows, RUNS_SCHEMA), mode="append",
                        commit_properties=_commit_properties("heal"))

    def _check_files(self, name: str, dt) -> None:
        if is_remote(self.url) or self.rebuild:
            # A missing object surfaces when read (listing a bucket on every run costs too much); a rebuild
            # never reads the old files.
            return
        missing = [uri for uri in dt.file_uris() if not Path(uri.removeprefix("file://")).exists()]
        if missing:
            raise DamagedOutputsError(f"table {name} refers to {len(missing)} data files that are gone (first: "
                                      f"{missing[0]}); {REPAIR}", source=self.url)

    # -- staging ---------------------------------------------------------------------------------------------
    def new_run(self) -> str:
        """Return a fresh staging folder for one run's batch files; its name is the run id."""
        root = self._staging_root()
        run_id = new_run_id()
        path = root / run_id
        path.mkdir(parents=True, exist_ok=True)
        return str(path)

    def _staging_root(self) -> Path:
        if is_remote(self.url):
            digest = uuid.uuid5(uuid.NAMESPACE_URL, self.url).hex[:12]
            return Path(tempfile.gettempdir()) / f"zh-extract-staging-{digest}"
        return Path(self.url) / "_staging"

    def drop_abandoned_staging(self) -> None:
        """Remove staging folders of runs that never committed (a killed run's batches)."""
        import shutil

        root = self._staging_root()
        if root.exists():
            shutil.rmtree(root, ignore_errors=True)

    def drop_staging(self, staging: str) -> None:
        """Remove a committed run's staging folder."""
        import shutil

        shutil.rmtree(staging, ignore_errors=True)

    @_writes
    def stage_batch(self, staging: str, batch_name: str, rows: dict[str, list[dict]]) -> dict[str, int]:
        """Write one batch's rows as staged Parquet files (one per table); return rows written per table."""
        return self.stage_tables(staging, batch_name,
                                 {table: to_arrow(table, table_rows) for table, table_rows in rows.items() if table_rows})

    @_writes
    def stage_tables(self, staging: str, batch_name: str, tables: dict[str, pa.Table], *,
                     checked: bool = False) -> dict[str, int]:
        """Write one batch's Arrow tables as staged Parquet files, sorted; return rows written per table.

        Sorted here, in the worker that made them, so that the commit merges batches instead of sorting a run.
        `checked`: every document's rows passed `tables.validate` already (`corpus.checked_tables`), which the
        files note so that the commit does not read them a second time to check them again.
        """
        counts = {}
        for table, arrow in tables.items():
            if not arrow.num_rows:
                continue
            folder = Path(staging) / "batches" / table
            folder.mkdir(parents=True, exist_ok=True)
            if checked:
                arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}), **_CHECKED})
            # Compressed as the tables are: the staged bytes size the tables' data files (FileSizing).
            key = sort_key(table)
            pq.write_table(arrow.sort_by(key) if key else arrow, folder / f"{batch_name}.parquet",
                           compression="zstd")
            counts[table] = arrow.num_rows
        return counts

    @_writes
    def adopt_staged(self, source: str, source_name: str, staging: str, batch_name: str) -> None:
        """Move the files of batch `source_name`, staged in the folder `source`, into the run's `staging` as
        batch `batch_name`: a batch analysed before the run's staging folder existed (pipeline.batches)."""
        import shutil

        for path in sorted(Path(source).glob(f"batches/*/{source_name}.parquet")):
            folder = Path(staging) / "batches" / path.parent.name
            folder.mkdir(parents=True, exist_ok=True)
            shutil.move(path, folder / f"{batch_name}.parquet")  # a rename on the same file system

    # -- commit ----------------------------------------------------------------------------------------------
    @_writes
    def commit(self, staging: str, manifest: Manifest, *, replaced_docs: Iterable[str],
               published_before: Iterable[str], touched_sources: Iterable[str], errors: list[dict],
               full: bool = False) -> dict[str, int]:
        """Publish a run's tables, each in one transaction; return the version each table reached.

        `replaced_docs` are documents whose rows must go (reprocessed, failed or removed), `published_before`
        the documents the tables held before this run (only those can have rows to delete), `errors` this
        run's error rows, which replace the earlier error rows of `touched_sources`. The staged rows are
        validated before anything is written. The runs row is written by `record_run`, after this.
        """
        run_id = Path(staging).name
        replaced = set(replaced_docs)
        to_delete = replaced & set(published_before)
        staged = {name: StagedTable(staging, name) for name in DOCUMENT_TABLES}
        validate_staged(staged)
        sizing = FileSizing(documents=self.count_rows("documents") + staged["documents"].num_rows,
                            staged_bytes={name: table.bytes for name, table in staged.items()})
        # The content tables at once (delta-rs encodes and writes without the GIL: a run's commit takes half the
        # time on 2 cores), then the errors, the files and, last, the documents table, the manifest.
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as writers:
            content = writers.map(lambda name: self._commit_documents_table(name, run_id, staged[name], to_delete,
                                                                            sizing, full=full), CONTENT_TABLES)
            versions = dict(zip(CONTENT_TABLES, content))
        versions["errors"] = self._commit_errors(run_id, manifest, set(touched_sources), replaced, errors, sizing,
                                                 full=full)
        versions[FILES] = self._commit_files(run_id, manifest, set(touched_sources), sizing, full=full)
        versions["documents"] = self._commit_documents_table("documents", run_id, staged["documents"], to_delete,
                                                             sizing, full=full)
        return versions

    def _commit_documents_table(self, name: str, run_id: str, staged: StagedTable, to_delete: set[str],
                                sizing: FileSizing, *, full: bool) -> int:
        dt = self.table(name)
        target = sizing.target(dt, name)
        if full:
            _write(dt, staged.reader(run_id), mode="overwrite", run_id=run_id, target=target)
        elif to_delete and staged.num_rows:
            # One transaction: the predicate names the documents whose rows go and those whose rows come in.
            ids = to_delete | staged.doc_ids()
            _write(dt, staged.reader(run_id), mode="overwrite", predicate=in_predicate("doc_id", ids),
                   run_id=run_id, target=target)
        elif to_delete:
            dt.delete(in_predicate("doc_id", to_delete), writer_properties=_writer_properties(),
                      commit_properties=_commit_properties(run_id))
        elif staged.num_rows:
            _write(dt, staged.reader(run_id), mode="append", run_id=run_id, target=target)
        dt.update_incremental()
        return dt.version()

    def _commit_errors(self, run_id: str, manifest: Manifest, touched: set[str], replaced: set[str],
                       errors: list[dict], sizing: FileSizing, *, full: bool = False) -> int:
        # When a file is read again (or is gone), its errors go, except those of its articles still published
        # unchanged (warnings about them); an article's errors go when the article is processed again.
        dt = self.table("errors")
        target = sizing.target(dt, "errors")
        new = table_of(errors, SCHEMAS["errors"])  # not to_arrow: pa.array imports pandas (see table_of)
        validate("errors", new, {})
        touched = touched | {row["source"] for row in errors}  # a source with a new error was read again
        clauses = []
        if touched:
            published = {d for d, info in manifest.documents.items() if info["source"] in touched} - replaced
            keep = f" AND (doc_id IS NULL OR NOT {in_predicate('doc_id', published)})" if published else ""
            clauses.append(f"({in_predicate('source', touched)}{keep})")
        if replaced:
            clauses.append(in_predicate("doc_id", replaced))
        if full:  # every source was read again: no predicate of every doc_id
            _write(dt, _with_run_id(new, "errors", run_id), mode="overwrite", run_id=run_id, target=target)
        elif clauses:
            _write(dt, _with_run_id(new, "errors", run_id), mode="overwrite", predicate=" OR ".join(clauses),
                   run_id=run_id, target=target)
        elif new.num_rows:
            _write(dt, _with_run_id(new, "errors", run_id), mode="append", run_id=run_id, target=target)
        dt.update_incremental()
        return dt.version()

    def _commit_files(self, run_id: str, manifest: Manifest, touched: set[str], sizing: FileSizing, *,
                      full: bool = False) -> int:
        dt = self.table(FILES)
        target = sizing.target(dt, FILES)
        rows = [{"source": source, "fingerprint": entry["fingerprint"], "pipeline_version": entry["version"],
                 "failed": bool(entry["failed"]), "doc_ids": list(entry["doc_ids"]), "run_id": run_id}
                for source, entry in sorted(manifest.files.items()) if full or source in touched]
        if full:
            _write(dt, table_of(rows, FILES_SCHEMA), mode="overwrite", run_id=run_id, target=target)
        elif touched:
            _write(dt, table_of(rows, FILES_SCHEMA), mode="overwrite",
                   predicate=in_predicate("source", touched), run_id=run_id, target=target)
            dt.update_incremental()
        return dt.version()

    @_writes
    def record_run(self, run_id: str, versions: dict[str, int], counts: RunCounts, *, status: str,
                   retention_days: float = DEFAULT_RETENTION_DAYS) -> dict:
        """Compact tables whose small files piled up, commit the runs row, then vacuum; return what was done.

        Compaction goes before the runs row, so the versions it records include it; vacuum goes after, so a
        run killed before its runs row can always be restored to the previous run's versions.
        """
        from deltalake import write_deltalake

        previous = run_versions(self)
        compacted = self.compact(run_id, versions)
        row = {"run_id": run_id, "started_at": run_started_at(run_id), "finished_at": datetime.now(timezone.utc),
               "status": status, "pipeline_version": _pipeline_version(), "processed": counts.processed,
               "unchanged": counts.unchanged, "removed": counts.removed, "failed": counts.failed,
               "table_versions": json.dumps(versions, sort_keys=True)}
        write_deltalake(self.table(RUNS), table_of([row], RUNS_SCHEMA), mode="append",
                        commit_properties=_commit_properties(run_id))
        # Only a table this run changed can hold new unreferenced files (listing every table costs on S3).
        changed = [name for name in COMMIT_ORDER if versions.get(name) != previous.get(name)]
        vacuumed = self.vacuum(retention_days, (*changed, RUNS, WRITER))
        return {"run_id": run_id, "table_versions": versions, "compacted": compacted, "vacuumed": vacuumed}

    def compact(self, run_id: str, versions: dict[str, int]) -> dict[str, dict]:
        """Keep every table's data files about its target; update `versions` in place; return files per table.

        Files over twice the target are cut into files of whole documents; when COMPACT_AT_SMALL_FILES small
        files (under half the target) pile up, they are merged into files of at most the target. Both commits
        change no row (dataChange=false: the change feed shows nothing). The files are read and written
        through the table's own storage (TableStore), so a local folder and an object store get the same
        layout. For the errors table (no column names its documents), delta-rs's compaction does the merging.
        """
        sizing = FileSizing(documents=self.count_rows("documents"))
        done = {}
        for name in COMMIT_ORDER:
            dt = self.table(name)
            target = sizing.target(dt, name)
            if name in LAYOUT_KEYS:
                removed, added = self._relayout(dt, name, target, run_id)
            else:
                removed, added = self._optimize(dt, target, run_id)
            if removed:
                versions[name] = dt.version()
                done[name] = {"files_removed": removed, "files_added": added}
        return done

    def _optimize(self, dt, target: int, run_id: str) -> tuple[int, int]:
        sizes = _add_actions(dt).column("size_bytes").to_pylist()
        if sum(1 for size in sizes if size < target // 2) < COMPACT_AT_SMALL_FILES:
            return 0, 0
        metrics = dt.optimize.compact(target_size=target, writer_properties=_writer_properties(),
                                      commit_properties=_commit_properties(run_id))
        dt.update_incremental()
        return metrics.get("numFilesRemoved", 0), metrics.get("numFilesAdded", 0)

    def _relayout(self, dt, name: str, target: int, run_id: str) -> tuple[int, int]:
        """Cut the files of table `name` over twice `target`, merge its small files when enough piled up, in
        one commit that changes no row; return (files removed, files added).

        Cutting is needed because delta-rs checks its target only every 1,024 rows it writes: a run of many
        documents leaves files of 1,024 documents in tables of one row per document. Merging here rather
        than with delta-rs's compaction: that one bins files in log order, so small files between larger
        ones never merge and every run would compact again.
        """
        from deltalake.transaction import RemoveAction

        adds, first = _add_actions(dt), f"min.{LAYOUT_KEYS[name]}"
        if first not in adds.column_names:  # no file yet (or none with statistics)
            return 0, 0
        # Neighbouring documents merge together: small files in the order of their first document.
        files = sorted(zip(adds.column(first).to_pylist(), adds.column("path").to_pylist(),
                           adds.column("size_bytes").to_pylist()), key=lambda f: (f[0] is None, f[0] or ""))
        size_of = {path: size for _, path, size in files}
        groups = [[path] for _, path, size in files if size > 2 * target]
        small = [(path, size) for _, path, size in files if size < target // 2]
        if len(small) >= COMPACT_AT_SMALL_FILES:
            groups += [paths for paths in _bins(small, target) if len(paths) > 1]
        if not groups:
            return 0, 0
        store, now = TableStore(self.uri(name), self.options), int(datetime.now(timezone.utc).timestamp() * 1000)
        removes = [RemoveAction(path, False, now, size_of[path], {}) for paths in groups for path in paths]
        added = [action for paths in groups
                 for action in _rewritten(store, name, paths, sum(size_of[p] for p in paths), target)]
        dt.create_write_transaction([*removes, *added], mode="append", schema=dt.schema(),
                                    commit_properties=_commit_properties(run_id))
        dt.update_incremental()
        return len(removes), len(added)

    def vacuum(self, retention_days: float, names: Iterable[str] = (*COMMIT_ORDER, RUNS, WRITER)) -> dict[str, int]:
        """Delete data files no version younger than `retention_days` refers to; return files deleted per table."""
        done = {}
        for name in names:
            dt = self.table(name)
            deleted = dt.vacuum(retention_hours=int(retention_days * 24), dry_run=False,
                                enforce_retention_duration=False)
            if deleted:
                done[name] = len(deleted)
        return done

    def count_rows(self, name: str) -> int:
        """Return how many rows a table holds now."""
        dt = self.table(name)
        if dt is None:
            return 0
        return sum(_add_actions(dt).column("num_records").to_pylist())

    def total_bytes(self) -> int:
        """Return the bytes of the data files every table refers to now."""
        total = 0
        for name in (*COMMIT_ORDER, RUNS):
            dt = self.table(name)
            if dt is not None:
                total += sum(_add_actions(dt).column("size_bytes").to_pylist())
        return total


def read_parquet(source, *, columns: list[str] | None = None, schema: pa.Schema | None = None) -> pa.Table:
    """Return the rows of one Parquet file (a path or a file object), of `columns`, cast to `schema` if given.

    Not `pq.read_table`: it goes through pyarrow.dataset, which imports pandas, half a second of a run's commit
    while the workers wait idle (the flow's process has no other use for pandas).
    """
    table = pq.ParquetFile(source).read(columns=columns)
    return table if schema is None else table.cast(schema)


class StagedTable:
    """The rows a run staged for one table: its batches' Parquet files, each sorted, read a few at a time.

    A run's rows are never held at once (the commit's memory would grow with the run): validation reads one
    file at a time, and the writer is handed a stream of batches in the table's order. Each document's rows
    are in one file, so files whose ranges of doc_id do not overlap follow one another in order; only files
    whose ranges overlap are read together and sorted (in a run, neighbouring batches at most).
    """

    def __init__(self, staging: str, name: str):
        self.name = name
        self.paths = sorted((Path(staging) / "batches" / name).glob("*.parquet"))
        footers = [pq.ParquetFile(path).metadata for path in self.paths]
        self.num_rows = sum(footer.num_rows for footer in footers)
        self.bytes = sum(path.stat().st_size for path in self.paths)
        self.unchecked = [path for path, footer in zip(self.paths, footers)
                          if not _CHECKED.items() <= (footer.metadata or {}).items()]

    def parts(self, paths: list[Path] | None = None) -> Iterable[pa.Table]:
        """Yield the rows of each staged file (or of `paths`), in the table's schema."""
        for path in self.paths if paths is None else paths:
            yield read_parquet(path, schema=SCHEMAS[self.name])

    def doc_ids(self) -> set[str]:
        """Return the documents that have rows in this table."""
        ids: set[str] = set()
        for path in self.paths:
            ids.update(read_parquet(path, columns=["doc_id"]).column("doc_id").unique().to_pylist())
        return ids

    def groups(self) -> list[list[Path]]:
        """Return the staged files in groups whose ranges of doc_id overlap, the groups in doc_id order."""
        ranges = []
        for path in self.paths:
            bounds = pc.min_max(read_parquet(path, columns=["doc_id"]).column("doc_id"))
            ranges.append((bounds["min"].as_py() or "", bounds["max"].as_py() or "", path))
        groups: list[list[Path]] = []
        upper = ""
        for low, high, path in sorted(ranges, key=lambda r: (r[0], r[2])):
            if groups and low <= upper:
                groups[-1].append(path)
                upper = max(upper, high)
            else:
                groups.append([path])
                upper = high
        return groups

    def sorted_parts(self) -> Iterable[pa.Table]:
        """Yield the table's rows in its order (sort_key), a group of files at a time."""
        for group in self.groups():
            # Concatenated in file order and sorted stably: the order one sort of the whole run gives.
            parts = [read_parquet(path, schema=SCHEMAS[self.name]) for path in sorted(group)]
            yield parts[0] if len(parts) == 1 else pa.concat_tables(parts).sort_by(sort_key(self.name))

    def reader(self, run_id: str) -> pa.RecordBatchReader:
        """Return the rows, in order, with the run's id, as a stream the Delta writer reads batch by batch."""
        batches = (batch for part in self.sorted_parts()
                   for batch in _with_run_id(part, self.name, run_id).to_batches())
        return pa.RecordBatchReader.from_batches(stored_schema(self.name), batches)


def validate_staged(staged: dict[str, StagedTable]) -> None:
    """Check the staged tables against their schemas and the staged documents' lengths, one file at a time.

    Files staged as checked (each document's rows validated before they were staged) are not read again: that
    second reading was a third of the commit of a run. Raises OutputError (tables.validate) before anything is
    written.
    """
    n_chars: dict[str, int] = {}
    for path in staged["documents"].paths:
        part = read_parquet(path, columns=["doc_id", "n_chars"])
        n_chars.update(zip(part.column("doc_id").to_pylist(), part.column("n_chars").to_pylist()))
    for table in staged.values():
        for part in table.parts(table.unchecked):
            validate(table.name, part, n_chars)


# The key-value metadata of a staged file whose rows were validated before it was written (stage_tables).
_CHECKED = {b"zh_extract.checked": b"validate"}


def _bins(files: list[tuple[str, int]], target: int) -> list[list[str]]:
    """Return the paths of `files` ((path, size), in order) in consecutive groups of at most `target` bytes."""
    bins: list[list[str]] = [[]]
    total = 0
    for path, size in files:
        if bins[-1] and total + size > target:
            bins.append([])
            total = 0
        bins[-1].append(path)
        total += size
    return bins


class TableStore:
    """The data files of one table, read and written through delta-rs's storage of that table (the object
    store its commits go to): the same code cuts and merges files in a local folder and on S3, with the same
    storage options and credentials from the environment. Paths are relative to the table's root, as in the
    Delta log."""

    def __init__(self, uri: str, options: dict[str, str] | None = None):
        from deltalake.fs import DeltaStorageHandler

        self.uri = uri
        self.storage = DeltaStorageHandler(uri, options)

    def read(self, path: str) -> pa.Table:
        """Return the rows of the data file `path`."""
        with self.storage.open_input_file(path) as source:
            return read_parquet(source)

    def write(self, table: pa.Table, path: str) -> int:
        """Write `table` as the zstd Parquet file `path` (one upload on an object store); return its bytes."""
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="zstd")
        data = sink.getvalue().to_pybytes()
        # The handler's own stream: the pyarrow file that open_output_stream wraps it in hands it Arrow
        # buffers, which it refuses (it takes bytes).
        stream = self.storage._handler.open_output_stream(path, None)
        try:
            stream.write(data)
        finally:
            stream.close()
        return len(data)


def _rewritten(store: TableStore, name: str, paths: list[str], size: int, target: int) -> list:
    """Write the rows of data files `paths` (of table `name`, in `store`, `size` bytes together) again as
    files of about `target` bytes, whole documents each, sorted; return their add actions (no data change;
    stats: the rows and the ranges of the key column and run_id, as table_configuration asks)."""
    from deltalake.transaction import AddAction

    key = LAYOUT_KEYS[name]
    parts = [store.read(path) for path in paths]
    rows = pa.concat_tables([part.cast(parts[0].schema) for part in parts])
    rows = rows.sort_by([(key, "ascending")] if name == FILES else sort_key(name))
    keys = rows.column(key).to_pylist()
    starts = [i for i in range(len(keys)) if i == 0 or keys[i] != keys[i - 1]]
    cuts = [*starts[::max(1, int(target * len(starts) / size))], len(keys)]
    now = int(datetime.now(timezone.utc).timestamp() * 1000)
    actions = []
    for begin, end in zip(cuts, cuts[1:]):
        part, file_name = rows.slice(begin, end - begin), f"part-00000-{uuid.uuid4()}-c000.zstd.parquet"
        written = store.write(part, file_name)
        runs = pc.min_max(part.column("run_id"))
        stats = {"numRecords": part.num_rows, "nullCount": {key: 0, "run_id": 0},
                 "minValues": {key: keys[begin], "run_id": runs["min"].as_py()},
                 "maxValues": {key: keys[end - 1], "run_id": runs["max"].as_py()}}
        actions.append(AddAction(file_name, written, {}, now, False, json.dumps(stats)))
    return actions


def table_configuration(name: str) -> dict[str, str]:
    """Return the Delta settings of table `name`: the change data feed, and for the tables of thousands of
    files, statistics only for the columns runs and readers select files by (the documents a file holds, the
    run that wrote them): delta-rs parses every file's statistics on each commit and log load, so statistics
    of every column made both grow with the table."""
    config = {"delta.enableChangeDataFeed": "true"}
    if name in LAYOUT_KEYS:
        config["delta.dataSkippingStatsColumns"] = f"{LAYOUT_KEYS[name]},run_id"
    return config


def _with_run_id(rows: pa.Table, name: str, run_id: str) -> pa.Table:
    return rows.append_column(_RUN_ID, repeated_string(run_id, rows.num_rows)).cast(stored_schema(name))


def repeated_string(value: str, n: int) -> pa.Array:
    """Return `value` `n` times as an Arrow string array, built from buffers.

    pa.array and pa.scalar import pandas on their first call (to look for pandas objects): half a second of a
    run's commit, at its end, while the workers wait idle; the flow's process has no other use for pandas.
    """
    data = value.encode("utf-8")
    one = pa.Array.from_buffers(pa.string(), 1, [None, pa.py_buffer(struct.pack("<ii", 0, len(data))),
                                                 pa.py_buffer(data)])
    return one.take(pa.Array.from_buffers(pa.int32(), n, [None, pa.py_buffer(bytes(4 * n))]))


def _started_or(run_id: str, default: datetime) -> datetime:
    try:
        return run_started_at(run_id)
    except ValueError:
        return default


def _pipeline_version() -> str:
    from extract.version import PIPELINE_VERSION

    return PIPELINE_VERSION


def _claim_alive(holder: dict) -> bool:
    """Return whether the process that made a claim may still be writing."""
    import psutil

    claimed_at = holder["claimed_at"]
    if holder["host"] != socket.gethostname():
        return datetime.now(timezone.utc) - claimed_at < timedelta(hours=REMOTE_CLAIM_HOURS)
    try:
        process = psutil.Process(int(holder["pid"]))
    except psutil.NoSuchProcess:
        return False
    # A pid reused by a process started after the claim is not the claimant.
    started = datetime.fromtimestamp(process.create_time(), timezone.utc)
    return started <= claimed_at + timedelta(seconds=1) and process.status() != psutil.STATUS_ZOMBIE
