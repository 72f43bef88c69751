"""Time and bytes of one run's commit on Delta tables of 1,000, 10,000 and 100,000 documents (synthetic rows).

    python benchmarks/delta_commit.py [--sizes 1000 10000 100000] [--new 20] [--changed 0] [--where newest]

For each size it builds outputs of that many documents (documents, sentences, tokens, entities, quantities and
dates rows; 10 appends of a tenth each, as ten earlier runs would have written them), then commits one run of
`--new` new documents and `--changed` changed ones through `extract.io.delta.Outputs` (validation, one
transaction per table, the runs row; compaction and vacuum are timed apart). It prints the time of the commit
and the bytes it wrote (new files under outputs/: data, change feed and log), against the bytes of the tables.

The base tables are appends of 500 documents compacted into files of about TARGET_FILE_BYTES, as the flow's
compaction leaves them; text is random CJK characters, so files are about as large as real ones.
`--where newest` changes documents of the last earlier run (corrections to recent news); `--where random`
changes documents anywhere. Each changed document costs a rewrite of the files holding its rows (at most one per
table, at most TARGET_FILE_BYTES each), so the bytes grow with the file size, not with the table.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
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
    docs = {"doc_id": ids, "source": ids, "content_sha256": [f"{hash((d, edition)) & (1 << 64) - 1:064x}" for d in ids],
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


def build(outputs: Path, size: int) -> None:
    """Write outputs of `size` documents as appends of RUN_DOCS, compact them as the flow would, record a run."""
    from deltalake import write_deltalake

    from extract.io.delta import TARGET_FILE_BYTES

    with Outputs(str(outputs)) as out:
        run_id = "bench-base"
        for start in range(0, size, RUN_DOCS):
            for name, table in synthetic([doc_id(i) for i in range(start, min(size, start + RUN_DOCS))]).items():
                write_deltalake(out.uri(name), _with_run_id(table, name, run_id), mode="append")
        for name in ("documents", *ROWS_PER_DOC):
            out.table(name).optimize.compact(target_size=TARGET_FILE_BYTES)
        versions = {name: out.table(name).version() for name in ("documents", "sentences", "tokens", "entities",
                                                                   "quantities", "dates", "references", "citations",
                                                                   "conflicts", "errors", "_files")}
        from extract.io.delta import new_run_id

        out.record_run(new_run_id(), versions, RunCounts(processed=size), status="completed")


def tree_sizes(root: Path) -> dict[str, int]:
    sizes = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            sizes[path] = os.path.getsize(path)
    return sizes


def table_bytes(root: Path) -> int:
    out = Outputs(str(root))
    return out.total_bytes()


def commit_once(outputs: Path, size: int, new: int, changed: list[int]) -> dict:
    new_ids = [doc_id(i) for i in range(size, size + new)]
    changed_ids = [doc_id(i) for i in changed]
    before = tree_sizes(outputs)
    with Outputs(str(outputs)) as out:
        staging = out.new_run()
        rows = {name: pa.concat_tables([synthetic(new_ids)[name], synthetic(changed_ids, edition=1)[name]])
                .to_pylist() for name in ("documents", *ROWS_PER_DOC)}
        out.stage_batch(staging, "batch-00000", rows)
        manifest = Manifest(documents={d: {"source": d, "sha256": "x", "version": "bench"}
                                       for d in new_ids + changed_ids})
        started = time.perf_counter()
        versions = out.commit(staging, manifest, replaced_docs=set(new_ids) | set(changed_ids),
                              published_before=set(changed_ids), touched_sources=set(), errors=[])
        commit_seconds = time.perf_counter() - started
        after_commit = tree_sizes(outputs)
        started = time.perf_counter()
        report = out.record_run(Path(staging).name, versions, RunCounts(processed=new + len(changed)),
                                status="completed")
        record_seconds = time.perf_counter() - started
        out.drop_staging(staging)
    written = sum(size for path, size in after_commit.items() if before.get(path) != size
                  and "/_staging/" not in path)
    return {"commit_s": commit_seconds, "record_s": record_seconds, "written": written,
            "compacted": report["compacted"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--new", type=int, default=20)
    parser.add_argument("--changed", type=int, default=0)
    parser.add_argument("--where", choices=("newest", "random"), default="newest")
    parser.add_argument("--keep", type=Path, default=None, help="build the outputs under this folder and keep them")
    args = parser.parse_args()
    rng = random.Random(7)
    print(f"commit of {args.new} new and {args.changed} changed documents ({args.where}); rows per document: "
          f"documents 1, " + ", ".join(f"{k} {v}" for k, v in ROWS_PER_DOC.items()))
    print(f"{'documents':>10} {'tables MB':>10} {'commit s':>9} {'runs row s':>10} {'written KB':>11} {'written %':>10}")
    for size in args.sizes:
        root = Path(tempfile.mkdtemp(prefix="delta-bench-", dir=args.keep))
        outputs = root / "outputs"
        build(outputs, size)
        total = table_bytes(outputs)
        pool = range(size - RUN_DOCS, size) if args.where == "newest" else range(size)
        changed = rng.sample(list(pool), args.changed)
        result = commit_once(outputs, size, args.new, changed)
        print(f"{size:>10,} {total / 1e6:>10.1f} {result['commit_s']:>9.2f} {result['record_s']:>10.2f} "
              f"{result['written'] / 1e3:>11.1f} {100 * result['written'] / total:>9.2f}%")
        if args.keep is None:
            shutil.rmtree(root)


if __name__ == "__main__":
    main()
