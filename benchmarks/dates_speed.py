"""Print how fast extract.extractors.dates runs on real news: chars/s over 500 articles of news_zh_hans.jsonl.

Usage: python benchmarks/dates_speed.py [N]   (needs ../shared/corpus beside the project)
"""
from __future__ import annotations

import json
import re
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from extract.extractors.dates import _grammar, find_dates, infer_published  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "news_zh_hans.jsonl"


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with CORPUS.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for _, line in zip(range(n), fh)]
    pubs = []
    for row in rows:
        found = re.match(r"(\d{4})-(\d{2})-(\d{2})", row.get("date") or "")
        pubs.append(date(*map(int, found.groups())) if found else None)
    t0 = time.perf_counter()
    _grammar()
    t1 = time.perf_counter()
    mentions = sum(len(find_dates(r["text"], published=p)) for r, p in zip(rows, pubs))
    t2 = time.perf_counter()
    for r in rows:
        infer_published(r["text"])
    t3 = time.perf_counter()
    chars = sum(len(r["text"]) for r in rows)
    print(f"articles {len(rows)}, chars {chars:,}, mentions {mentions:,}")
    print(f"grammar compile {t1 - t0:.3f} s")
    print(f"find_dates       {t2 - t1:.2f} s  {chars / (t2 - t1):,.0f} chars/s")
    print(f"infer_published  {t3 - t2:.2f} s  {chars / (t3 - t2):,.0f} chars/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
