"""Print a random sample of extracted quantities with their context, for a person to judge precision.

Usage: PYTHONPATH=src python benchmarks/quantities_sample.py [--seed 1] [--n 100] [--shared ../shared]
Draws 60 articles from each corpus file (Traditional ones converted with OpenCC t2s), runs find_quantities and
prints n of the mentions at random: `context[mention]context | kind value-or-(low, high) unit hedge`.
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = ("news_zh_hans.jsonl", "news_zh_hant.jsonl", "with_refs.jsonl")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--n", type=int, default=100)
    args = parser.parse_args()

    import opencc

    from extract.extractors.quantities import find_quantities

    t2s = opencc.OpenCC("t2s")
    rng = random.Random(args.seed)
    pool = []
    for name in FILES:
        with (args.shared / "corpus" / name).open(encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh]
        for row in rng.sample(rows, 60):
            text = t2s.convert(row["text"])
            for q in find_quantities(text):
                context = text[max(0, q.start - 8):q.start] + "[" + q.text + "]" + text[q.end:q.end + 5]
                pool.append((context.replace("\n", " "), q))
    for i, (context, q) in enumerate(rng.sample(pool, min(args.n, len(pool)))):
        amount = q.value if q.value is not None else (q.low, q.high)
        print(f"{i:>3} {context} | {q.kind} {amount} {q.unit or ''} {q.hedge or ''}")


if __name__ == "__main__":
    main()
