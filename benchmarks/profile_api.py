"""Profile `extract.analyze` on the texts of the `api` section of throughput.py, and print the top functions.

    python benchmarks/profile_api.py [--set short|long|both] [--top 40] [--sort cumulative|tottime] [--out FILE]

The same 200 random short news articles and 40 long articles with reference lists as
`benchmarks/throughput.py --only api`, analysed once to warm the caches, then once under cProfile.
`--out` keeps the raw profile (pstats) for a later comparison.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import SEED, long_texts, short_texts  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("short", "long", "both"), default="both")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", choices=("cumulative", "tottime"), default="tottime")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    import extract

    extract.analyze(SEED.read_text(encoding="utf-8"))  # warm: lexicon, segmenter, models
    texts = {"short": short_texts(200), "long": long_texts(40)}
    chosen = [t for name, group in texts.items() if args.set in (name, "both") for t in group]
    for text in chosen:  # every lazily built cache (lunar tables, compiled patterns) before the profile
        extract.analyze(text)
    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    for text in chosen:
        extract.analyze(text)
    profiler.disable()
    print(f"{len(chosen)} texts, {sum(map(len, chosen)):,} chars, {time.perf_counter() - t0:.2f} s under cProfile")
    stats = pstats.Stats(profiler)
    if args.out:
        stats.dump_stats(str(args.out))
    stats.sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
