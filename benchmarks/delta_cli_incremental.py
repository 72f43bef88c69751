"""Bytes an incremental `zh-extract run` writes: 20 new real articles on top of 300, through the command line.

    python benchmarks/delta_cli_incremental.py [--base 300] [--new 20] [--corpus ../shared/corpus/news_zh_hans.jsonl]

Writes the first `--base + --new` articles of the corpus file as .txt files, runs `zh-extract run` on the
first `--base`, adds the `--new` others and runs again. Prints the bytes of every table's data files after the
second run and the bytes the second run wrote under outputs/ (data files, change feed, Delta logs, the runs
row; staging excluded), and the share. Version 1 (Parquet hash buckets) wrote 2.33 MB of 2.67 MB (88%) here.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def tree_sizes(root: Path) -> dict[str, int]:
    sizes = {}
    for folder, _, files in os.walk(root):
        if "_staging" in folder:
            continue
        for name in files:
            path = os.path.join(folder, name)
            sizes[path] = os.path.getsize(path)
    return sizes


def run(work: Path, corpus: Path, outputs: Path) -> dict:
    script = Path(sys.executable).parent / "zh-extract"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "pipeline.cli"]
    started = time.perf_counter()
    done = subprocess.run(command + ["run", "--corpus", str(corpus), "--outputs", str(outputs), "--state-dir",
                                     str(work / "state"), "--json"], capture_output=True, text=True, cwd=work)
    if done.returncode not in (0, 1):
        sys.exit(f"zh-extract run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    summary = json.loads(done.stdout)
    summary["wall_s"] = time.perf_counter() - started
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, default=300)
    parser.add_argument("--new", type=int, default=20)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "news_zh_hans.jsonl")
    args = parser.parse_args()
    from extract.io.delta import Outputs

    work = Path(tempfile.mkdtemp(prefix="delta-cli-bench-"))
    corpus, outputs = work / "corpus", work / "outputs"
    corpus.mkdir()
    with args.corpus.open(encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for _, line in zip(range(args.base + args.new), fh)]
    for i, text in enumerate(texts[:args.base]):
        (corpus / f"a{i:05d}.txt").write_text(text, encoding="utf-8")
    first = run(work, corpus, outputs)
    before = tree_sizes(outputs)
    for i, text in enumerate(texts[args.base:], start=args.base):
        (corpus / f"a{i:05d}.txt").write_text(text, encoding="utf-8")
    second = run(work, corpus, outputs)
    after = tree_sizes(outputs)
    written = sum(size for path, size in after.items() if before.get(path) != size)
    data_written = sum(size for path, size in after.items() if before.get(path) != size
                       and "_delta_log" not in path)
    total = Outputs(str(outputs)).total_bytes()
    print(f"{args.base} articles, then {args.new} new ({args.corpus.name}); work folder {work}")
    print(f"first run: {first['processed']} processed in {first['wall_s']:.0f} s; second run: "
          f"{second['processed']} processed, {second['skipped']} unchanged in {second['wall_s']:.0f} s")
    print(f"table data after the second run: {total / 1e6:.2f} MB")
    print(f"written by the second run: {written / 1e6:.3f} MB ({100 * written / total:.1f}% of the table bytes); "
          f"data files and change feed alone {data_written / 1e6:.3f} MB ({100 * data_written / total:.1f}%)")
    rewritten = [path for path in before if path not in after or before[path] != after[path]]
    print(f"files of the first run deleted or rewritten: {len(rewritten)}")


if __name__ == "__main__":
    main()
