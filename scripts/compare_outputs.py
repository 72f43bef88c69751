"""Snapshot the analysis of N articles, then check after a change that it is identical.

    python scripts/compare_outputs.py snapshot /tmp/before.pkl [--articles 60] [--frames]
    python scripts/compare_outputs.py compare /tmp/before.pkl          # exit 1 and the first differences if any

The articles: the seed, then alternately long articles of `with_refs.jsonl` (`text_with_references`) and
short ones of the two news corpora, picked with a fixed seed. Without `--frames` the snapshot holds the rows
of `analyze_article`; with it, the DataFrames of the public `extract.analyze` (dtypes included). The write
time and the pipeline version (a digest of the code) are left out.
"""
from __future__ import annotations

import argparse
import json
import pickle
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus"
# The write time differs between any two runs; the pipeline version is a digest of the code, which changed.
VOLATILE = {"processed_at", "pipeline_version"}


def articles(n: int) -> list[tuple[str, str]]:
    """Return (name, text) of the seed and n - 1 corpus articles, long and short in turns."""
    out = [("seed", (ROOT / "corpus" / "h200-china-chips.txt").read_text(encoding="utf-8"))]
    rng = random.Random(13)
    with (SHARED / "with_refs.jsonl").open(encoding="utf-8") as fh:
        long = [json.loads(line) for line in fh]
    short = []
    for name in ("news_zh_hant.jsonl", "news_zh_hans.jsonl"):
        with (SHARED / name).open(encoding="utf-8") as fh:
            short.extend(json.loads(line) for line in fh)
    long, short = rng.sample(long, (n - 1 + 1) // 2), rng.sample(short, (n - 1) // 2)
    for k in range(n - 1):
        rec = long[k // 2] if k % 2 == 0 else short[k // 2]
        out.append((rec["id"], rec.get("text_with_references") or rec["text"]))
    return out


def analysis(text: str, frames: bool):
    """Return what the snapshot keeps of one text: rows without write times, or the API's DataFrames."""
    import extract

    return without_volatile(extract.analyze(text) if frames else extract.analyze_rows(text).rows, frames)


def without_volatile(result, frames: bool):
    """Return an analysis without the columns in VOLATILE (snapshots taken before a column was added there)."""
    if frames:
        return {name: frame.drop(columns=[c for c in VOLATILE if c in frame.columns]) for name, frame in result.items()}
    return {name: [{k: v for k, v in row.items() if k not in VOLATILE} for row in table]
            for name, table in result.items()}


def differences(before, after, frames: bool) -> list[str]:
    """Return where two analyses of one text differ (empty when identical)."""
    before, after = without_volatile(before, frames), without_volatile(after, frames)
    out = []
    for name in sorted(set(before) | set(after)):
        if name not in before or name not in after:
            out.append(f"table {name} only on one side")
            continue
        left, right = before[name], after[name]
        if frames:
            import pandas as pd

            try:
                pd.testing.assert_frame_equal(left, right, check_dtype=True)
            except AssertionError as exc:
                out.append(f"{name}: {str(exc)[:400]}")
        elif left != right:
            first = next((k for k, (a, b) in enumerate(zip(left, right)) if a != b), min(len(left), len(right)))
            a = left[first] if first < len(left) else {}
            b = right[first] if first < len(right) else {}
            changed = {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
            out.append(f"{name}: {len(left)} rows vs {len(right)}; first difference at row {first}: {changed}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("snapshot", "compare"))
    parser.add_argument("path", type=Path)
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--frames", action="store_true", help="the DataFrames of extract.analyze, not rows")
    args = parser.parse_args()
    if args.mode == "snapshot":
        texts = articles(args.articles)
        snap = {"frames": args.frames, "texts": texts,
                "results": [analysis(text, args.frames) for _, text in texts]}
        args.path.write_bytes(pickle.dumps(snap))
        print(f"{len(texts)} articles ({sum(len(t) for _, t in texts):,} chars) -> {args.path}")
        return 0
    snap = pickle.loads(args.path.read_bytes())
    bad = 0
    for (name, text), before in zip(snap["texts"], snap["results"]):
        diff = differences(before, analysis(text, snap["frames"]), snap["frames"])
        if diff:
            bad += 1
            print(f"{name}:\n  " + "\n  ".join(diff))
    print(f"{len(snap['texts']) - bad} of {len(snap['texts'])} articles identical")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
