"""Time and bytes of one run's commit on Delta tables of 1,000, 10,000 and 100,000 documents (synthetic rows).

    python benchmarks/delta_commit.py [--sizes 1000 10000 100000] [--new 50] [--changed 5] [--where random]
                                      [--repeat 5]

For each size it builds outputs of that many documents (documents, sentences, tokens, entities, quantities,
dates and _files rows, as runs of 500 documents would have written them: the first through
`extract.io.delta.Outputs.commit`, the others appended with the file size the writer would choose, then the
flow's compaction), then commits `--repeat` runs of `--new` new documents and `--changed` changed ones, each
on a fresh `Outputs` as a run does: opening it (claim, healing check: every table's log is loaded here, once),
`Outputs.commit` (validation, one transaction per table: documents, content tables and _files) and the runs
row (compaction, the runs row, vacuum). It prints, per size, the median and the maximum of the commit's wall
time, its CPU time (the process's, all threads: less sensitive to a busy machine) and the bytes it wrote (new
files under outputs/: data, change feed and Delta log), against the bytes of the tables; then the opening and
the runs row, timed apart. The last lines give the ratio of the largest size's figures to the smallest's,
median to median and maximum to maximum (issue 17 asks for at most 2).

`--where random` (the default) changes documents anywhere in the table, `--where newest` documents of the
last earlier run. delta-rs writes no deletion vectors, so each changed document costs a rewrite of the file
holding its rows in each table; the writer sizes files to hold about DOCS_PER_FILE documents, so that cost
does not grow with the table. Text is random CJK characters, so files are about as large as real ones.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa

from extract.io.delta import Manifest, Outputs, RunCounts, _with_run_id
from extract.io.tables import SCHEMAS

ROWS_PER_DOC = {"sentences": 6, "tokens": 60, "entities": 4, "quantities": 3, "dates": 2}
TEXT_CHARS = 600
RUN_DOCS = 500  # documents per earlier run: the base tables are appends of this many


def random_texts(rng: np.random.Generator, n: int, length: int) -> list[str]:
    """Return `n` strings of `length` random common CJK characters (they compress as poorly as real text)."""
    codes = rng.integers(0x4E00, 0x4E00 + 3000, size=(n, length), dtype=np.int32)
    return [row.tobytes().decode("utf-32-le") for row in codes]


def doc_id(i: int) -> str:
    return f"news/{i // 1000:04d}/{i:08d}.txt"


def _repeat(values: list[str], n: int) -> pa.Array:
    return pa.array(np.repeat(np.array(values, dtype=object), n), pa.string())


def synthetic(ids: list[str], edition: int = 0) -> dict[str, pa.Table]:
    """Return the rows of documents `ids` for every table that has rows, as Arrow tables."""
    n = len(ids)
    rng = np.random.default_rng(hash((tuple(ids[:1]), n, edition)) & 0xFFFFFFFF)
    texts = random_texts(rng, n, TEXT_CHARS)
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    docs = {"doc_id": ids, "source": ids, "content_sha256": [sha256(f"{d}/{edition}") for d in ids],
            "title": ["标题"] * n, "author": [None] * n, "published": [None] * n, "published_basis": [None] * n,
            "variant": ["zh-Hans"] * n, "conversion": ["t2s"] * n, "text": texts, "text_simplified": texts,
            "n_chars": [TEXT_CHARS] * n, "url": [None] * n, "outlet": [None] * n, "pipeline_version": ["bench"] * n,
            "processed_at": [now] * n}
    tables = {"documents": pa.Table.from_pydict(docs, schema=SCHEMAS["documents"])}
    for name, per in ROWS_PER_DOC.items():
        rows = n * per
        idx = np.tile(np.arange(per, dtype=np.int32), n)
        start = idx * 3
        columns = {"doc_id": _repeat(ids, per), "sent_idx": pa.array(idx // 10 if name == "tokens" else idx),
                   "start": pa.array(start), "end": pa.array(start + 2)}
        for field in SCHEMAS[name]:
            if field.name in columns:
                continue
            if field.name in ("text", "text_simplified", "canonical"):
                columns[field.name] = pa.array(random_texts(rng, rows, 2 if name == "tokens" else 8), pa.string())
            elif pa.types.is_string(field.type):
                columns[field.name] = pa.array([field.name[:4]] * rows, pa.string())
            elif pa.types.is_boolean(field.type):
                columns[field.name] = pa.array(np.zeros(rows, dtype=bool))
            elif field.name == "tok_idx" or field.name == "paragraph_idx":
                columns[field.name] = pa.array(idx)
            elif pa.types.is_floating(field.type):
                columns[field.name] = pa.array(np.full(rows, 5.8))
            else:
                columns[field.name] = pa.nulls(rows, field.type)
        tables[name] = pa.Table.from_pydict(columns, schema=SCHEMAS[name])
    return tables


def sha256(text: str) -> str:
    """Return a SHA-256 hex digest: fingerprints and content hashes as random as real ones (they compress poorly)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def files_rows(ids: list[str], run_id: str) -> pa.Table:
    """Return the _files rows of documents `ids`, one corpus file per document."""
    from extract.io.delta import FILES_SCHEMA

    n = len(ids)
    return pa.Table.from_pydict({"source": ids, "fingerprint": [sha256(f"file:{d}") for d in ids],
                                 "pipeline_version": ["bench"] * n, "failed": [False] * n,
                                 "doc_ids": [[d] for d in ids], "run_id": [run_id] * n}, schema=FILES_SCHEMA)


def build(outputs: Path, size: int) -> None:
    """Write outputs of `size` documents as runs of RUN_DOCS would have, compact as the flow would, record a run."""
    from deltalake import write_deltalake

    from extract.io.delta import COMMIT_ORDER, FILES, FileSizing, new_run_id

    commit_once(outputs, 0, min(size, RUN_DOCS), [])  # the first run through the writer (it sizes the files)
    with Outputs(str(outputs)) as out:
        run_id = new_run_id()
        for start in range(RUN_DOCS, size, RUN_DOCS):
            ids = [doc_id(i) for i in range(start, min(size, start + RUN_DOCS))]
            sizing = FileSizing(documents=out.count_rows("documents"))
            for name, table in {**synthetic(ids), FILES: files_rows(ids, run_id)}.items():
                dt = out.table(name)
                data = table if name == FILES else _with_run_id(table, name, run_id)
                write_deltalake(dt, data, mode="append", target_file_size=sizing.target(dt, name))
        versions = {name: out.table(name).version() for name in COMMIT_ORDER}
        out.compact(run_id, versions)
        out.record_run(run_id, versions, RunCounts(processed=size), status="completed")


def tree_sizes(root: Path) -> dict[str, int]:
    sizes = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            sizes[path] = os.path.getsize(path)
    return sizes


def written_since(before: dict[str, int], root: Path) -> int:
    """Return the bytes of files under `root` that are new or changed since `before` (staging excluded)."""
    return sum(size for path, size in tree_sizes(root).items() if before.get(path) != size
               and "/_staging/" not in path)


def commit_once(outputs: Path, first_new: int, new: int, changed: list[int]) -> dict:
    """Commit one run of documents first_new… (`new` of them) and new editions of `changed` on a fresh Outputs,
    as a run does; return figures."""
    new_ids = [doc_id(i) for i in range(first_new, first_new + new)]
    changed_ids = [doc_id(i) for i in changed]
    ids = new_ids + changed_ids
    tables = {name: pa.concat_tables([synthetic(new_ids)[name], synthetic(changed_ids, edition=1)[name]])
              for name in ("documents", *ROWS_PER_DOC)}
    shas = dict(zip(tables["documents"].column("doc_id").to_pylist(),
                    tables["documents"].column("content_sha256").to_pylist()))
    rows = {name: table.to_pylist() for name, table in tables.items()}
    manifest = Manifest(documents={d: {"source": d, "sha256": shas[d], "version": "bench"} for d in ids},
                        files={d: {"fingerprint": sha256(f"file:{d}/1"), "version": "bench", "failed": False,
                                   "doc_ids": [d]} for d in ids})
    before = tree_sizes(outputs)
    started = time.perf_counter()
    with Outputs(str(outputs)) as out:
        open_seconds = time.perf_counter() - started
        staging = out.new_run()
        out.stage_batch(staging, "batch-00000", rows)
        started, cpu = time.perf_counter(), time.process_time()
        versions = out.commit(staging, manifest, replaced_docs=set(ids), published_before=set(changed_ids),
                              touched_sources=set(ids), errors=[])
        commit_seconds, commit_cpu = time.perf_counter() - started, time.process_time() - cpu
        written = written_since(before, outputs)
        before, started = tree_sizes(outputs), time.perf_counter()
        report = out.record_run(Path(staging).name, versions, RunCounts(processed=len(ids)), status="completed")
        record_seconds = time.perf_counter() - started
        out.drop_staging(staging)
    return {"commit_s": commit_seconds, "commit_cpu": commit_cpu, "record_s": record_seconds, "written": written,
            "record_written": written_since(before, outputs), "open_s": open_seconds,
            "compacted": report["compacted"]}


FIGURES = ("commit_s", "commit_cpu", "written", "open_s", "record_s", "record_written")


def measure(size: int, args: argparse.Namespace, rng: random.Random) -> dict:
    """Build outputs of `size` documents, commit `args.repeat` runs on them; return the median and the maximum
    of every figure ({"median": {…}, "max": {…}, "total", "files"})."""
    root = Path(tempfile.mkdtemp(prefix="delta-bench-", dir=args.keep))
    outputs = root / "outputs"
    build(outputs, size)
    total = Outputs(str(outputs)).total_bytes()
    files = sum(len(Outputs(str(outputs)).table(name).file_uris()) for name in ("documents", *ROWS_PER_DOC))
    results = []
    for attempt in range(args.repeat):
        pool = range(size - RUN_DOCS, size) if args.where == "newest" else range(size)
        changed = rng.sample(list(pool), args.changed)
        results.append(commit_once(outputs, size + attempt * args.new, args.new, changed))
    if args.keep is None:
        shutil.rmtree(root)
    return {"median": {key: statistics.median(r[key] for r in results) for key in FIGURES},
            "max": {key: max(r[key] for r in results) for key in FIGURES}, "total": total, "files": files}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--new", type=int, default=50)
    parser.add_argument("--changed", type=int, default=5)
    parser.add_argument("--where", choices=("newest", "random"), default="random")
    parser.add_argument("--repeat", type=int, default=5, help="commits per size (median and maximum printed)")
    parser.add_argument("--keep", type=Path, default=None, help="build the outputs under this folder and keep them")
    args = parser.parse_args()
    from extract.io.delta import DOCS_PER_FILE

    rng = random.Random(7)
    print(f"commit of {args.new} new and {args.changed} changed documents ({args.where}), each on a fresh "
          f"Outputs, median / max of {args.repeat}; data files of about {DOCS_PER_FILE} documents; rows per "
          "document: documents 1, " + ", ".join(f"{k} {v}" for k, v in ROWS_PER_DOC.items()) + ", _files 1")
    print(f"{'documents':>10} {'tables MB':>10} {'files':>6} {'commit s':>13} {'cpu s':>11} {'written KB':>15} "
          f"{'written %':>9} {'open s':>11} {'runs row s':>11} {'runs row KB':>11}")
    rows = []
    for size in args.sizes:
        r = measure(size, args, rng)
        rows.append(r)
        med, top = r["median"], r["max"]
        print(f"{size:>10,} {r['total'] / 1e6:>10.1f} {r['files']:>6} "
              f"{med['commit_s']:>6.2f} /{top['commit_s']:>5.2f} {med['commit_cpu']:>5.2f} /{top['commit_cpu']:>4.2f} "
              f"{med['written'] / 1e3:>7.0f} /{top['written'] / 1e3:>6.0f} {100 * med['written'] / r['total']:>8.2f}% "
              f"{med['open_s']:>5.2f} /{top['open_s']:>4.2f} {med['record_s']:>5.2f} /{top['record_s']:>4.2f} "
              f"{med['record_written'] / 1e3:>11.1f}", flush=True)
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        for kind in ("median", "max"):
            a, b = first[kind], last[kind]
            print(f"{args.sizes[-1]:,} against {args.sizes[0]:,} documents, {kind}: commit time "
                  f"x{b['commit_s'] / a['commit_s']:.2f}, cpu x{b['commit_cpu'] / a['commit_cpu']:.2f}, "
                  f"bytes written x{b['written'] / a['written']:.2f} (opening x{b['open_s'] / a['open_s']:.2f})")
        print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
