"""Print how fast find_quantities runs next to jieba segmentation on the same text.

Usage: PYTHONPATH=src python benchmarks/quantities_speed.py [--articles 500] [--shared ../shared]
Takes the first N articles of corpus/news_zh_hant.jsonl, converts them with OpenCC t2s (not timed), then times (CPU time)
jieba.Tokenizer().cut over all of them and find_quantities over all of them (best of --repeat runs each).
The target: find_quantities adds at most 15% to the time of segmentation.
"""
from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import jieba
    import opencc

    from extract.extractors.quantities import find_quantities, grammar

    jieba.setLogLevel(logging.WARNING)
    cc = opencc.OpenCC("t2s")
    texts = []
    with (args.shared / "corpus" / "news_zh_hant.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            texts.append(cc.convert(json.loads(line)["text"]))
            if len(texts) == args.articles:
                break
    chars = sum(map(len, texts))
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    grammar()  # compile once, outside the timing, as the pipeline does

    def timed(fn) -> float:
        # CPU time of this process: on a shared machine, wall time mostly measures the neighbours
        t0 = time.process_time()
        fn()
        return time.process_time() - t0

    # interleaved, best of --repeat: the machine is shared, so both get the same chances
    seg = qty = float("inf")
    for _ in range(args.repeat):
        seg = min(seg, timed(lambda: [list(tokenizer.cut(t)) for t in texts]))
        qty = min(qty, timed(lambda: [find_quantities(t) for t in texts]))
    found = sum(len(find_quantities(t)) for t in texts)
    print(f"{len(texts)} articles, {chars} characters, {found} quantities")
    print(f"jieba.Tokenizer().cut : {chars / seg:>12,.0f} chars/s  ({seg:.3f} s)")
    print(f"find_quantities       : {chars / qty:>12,.0f} chars/s  ({qty:.3f} s)")
    print(f"ratio quantities/segmentation: {qty / seg:.1%} (target <= 15%)")


if __name__ == "__main__":
    main()
