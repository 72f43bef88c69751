"""Print analysis time per character as an article grows: it should stay flat (linear cost), not climb.

    .venv/bin/python benchmarks/scaling.py [--sizes 10000 100000 300000] [--kinds news references]
                                           [--profile KIND:SIZE]

Kinds of text: `news` (corpus articles concatenated into one article), `references` (a short body and a
reference list of `[n]` entries up to the size), `short_lines` (news cut into lines of a few characters),
`repeated` (one character repeated). Each text is analysed once by `extract.analyze_rows` after a warm-up
(models and data load outside the timing); figures are µs per character of CPU time (this process's, so other
processes on a loaded machine do not count; wall time is printed beside it), and the ratio of the largest size
to the smallest (1.0: linear). `--profile news:300000` prints the top functions by cumulative CPU time.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus"


def news_text(size: int) -> str:
    """Return about `size` characters of news: corpus articles, one after another."""
    source = SHARED / "news_zh_hans.jsonl"
    parts, total = [], 0
    if source.exists():
        with source.open(encoding="utf-8") as fh:
            for line in fh:
                text = json.loads(line)["text"]
                parts.append(text)
                total += len(text) + 1
                if total >= size:
                    break
    seed = (ROOT / "corpus" / "h200-china-chips.txt").read_text(encoding="utf-8")
    while total < size:  # without ../shared, or past its end: the seed article again
        parts.append(seed)
        total += len(seed) + 1
    return "\n".join(parts)[:size]


def references_text(size: int) -> str:
    """Return a short body citing its sources, then a reference list of `[n]` entries up to `size` chars."""
    body = "据报道，中芯国际今年第二季度产能利用率达到92.5%[1]，营收同比增长12%[2]。\n\n参考资料\n"
    lines, n = [body], 0
    total = len(body)
    while total < size:
        n += 1
        line = f"[{n}] 第{n}篇：半导体产业观察报告. 某某财经网. 2024-03-{n % 28 + 1:02d}. https://example.com/a/{n}.html\n"
        lines.append(line)
        total += len(line)
    return "".join(lines)[:size]


def short_lines_text(size: int) -> str:
    """Return news cut into lines of six characters (a scraped table, a poem)."""
    flat = news_text(size).replace("\n", "")
    return "\n".join(flat[i:i + 6] for i in range(0, len(flat), 7))[:size]


def long_line_text(size: int) -> str:
    """Return news with its line breaks and sentence punctuation removed: one sentence, one line."""
    return re.sub(r"[\n。！？!?；;，,：:]", "", news_text(size * 2))[:size]


def repeated_text(size: int) -> str:
    """Return one character repeated (a broken export)."""
    return "好" * size


KINDS = {"news": news_text, "references": references_text, "short_lines": short_lines_text,
         "long_line": long_line_text, "repeated": repeated_text}


def measure(text: str) -> tuple[float, float]:
    """Return the (CPU, wall) seconds one analysis of `text` takes."""
    from extract import analyze_rows

    cpu, wall = time.process_time(), time.perf_counter()
    analyze_rows(text, source="scaling")
    return time.process_time() - cpu, time.perf_counter() - wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 300_000])
    parser.add_argument("--kinds", nargs="+", default=["news", "references"], choices=sorted(KINDS))
    parser.add_argument("--profile", default=None, help="KIND:SIZE: print where the time goes")
    args = parser.parse_args(argv)
    measure(news_text(2000))  # warm-up: models, lexicon, grammars
    if args.profile:
        kind, size = args.profile.split(":")
        text = KINDS[kind](int(size))
        profiler = cProfile.Profile(time.process_time)
        profiler.runcall(measure, text)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        return 0
    print(f"{'kind':<12} {'chars':>9} {'CPU s':>9} {'wall s':>9} {'µs/char':>8}")
    for kind in args.kinds:
        per_char = []
        for size in args.sizes:
            text = KINDS[kind](size)
            cpu, wall = measure(text)
            per_char.append(cpu * 1e6 / len(text))
            print(f"{kind:<12} {len(text):>9,} {cpu:>9.2f} {wall:>9.2f} {per_char[-1]:>8.1f}", flush=True)
        print(f"{kind:<12} growth from {args.sizes[0]:,} to {args.sizes[-1]:,} chars: "
              f"{per_char[-1] / per_char[0]:.2f}x per character", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
