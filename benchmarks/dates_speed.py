"""Print how fast extract.extractors.dates runs on real news: chars/s over 500 articles of news_zh_hans.jsonl.

Usage: python benchmarks/dates_speed.py [N] [--repeat R]   (needs ../shared/corpus beside the project)

Times are CPU seconds of this process (time.process_time), the best of R runs (default 3): on a machine
shared with other jobs, wall-clock times swing by a factor of two while CPU times stay within a few per cent.
To compare two versions, run this file with PYTHONPATH pointing at each version's src/ in turn.
"""
from __future__ import annotations

import json
import re
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.append(str(ROOT / "src"))     # after PYTHONPATH, so another version's src/ can be measured

from extract.extractors.dates import _grammar, find_dates, infer_published  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "news_zh_hans.jsonl"


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def main() -> int:
    argv = sys.argv[1:]
    repeat = 3
    if "--repeat" in argv:
        i = argv.index("--repeat")
        repeat = int(argv[i + 1])
        del argv[i:i + 2]
    n = int(argv[0]) if argv else 500
    with CORPUS.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for _, line in zip(range(n), fh)]
    pubs = []
    for row in rows:
        found = re.match(r"(\d{4})-(\d{2})-(\d{2})", row.get("date") or "")
        pubs.append(date(*map(int, found.groups())) if found else None)
    t0 = time.process_time()
    _grammar()
    compile_s = time.process_time() - t0
    mentions = sum(len(find_dates(r["text"], published=p)) for r, p in zip(rows, pubs))   # warm caches
    find_s = _best(lambda: [find_dates(r["text"], published=p) for r, p in zip(rows, pubs)], repeat)
    infer_s = _best(lambda: [infer_published(r["text"]) for r in rows], repeat)
    chars = sum(len(r["text"]) for r in rows)
    print(f"articles {len(rows)}, chars {chars:,}, mentions {mentions:,}  ({Path(sys.modules['extract'].__file__).parent})")
    print(f"grammar compile {compile_s:.3f} s")
    print(f"find_dates       {find_s:.2f} s  {chars / find_s:,.0f} chars/s  (CPU, best of {repeat})")
    print(f"infer_published  {infer_s:.2f} s  {chars / infer_s:,.0f} chars/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
