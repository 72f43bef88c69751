"""Print how often infer_published agrees with the corpus metadata date, per corpus file.

Usage: python benchmarks/dates_published.py   (needs ../shared/corpus beside the project)
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import opencc  # noqa: E402

from extract.extractors.dates import infer_published  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def main() -> int:
    t2s = opencc.OpenCC("t2s")
    print(f"{'file':<22}{'rows':>6}{'inferred':>9}{'= meta':>8}{'<=3 d':>7}{'other':>7}{'no meta':>8}")
    for name in ("news_zh_hans.jsonl", "news_zh_hant.jsonl", "with_refs.jsonl"):
        counts = Counter()
        with (CORPUS / name).open(encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                text = row.get("text_with_references") or row["text"]
                if "hant" in name:
                    text = t2s.convert(text)
                found = re.match(r"(\d{4})-(\d{2})-(\d{2})", row.get("date") or "")
                meta = date(*map(int, found.groups())) if found else None
                got = infer_published(text)
                counts["rows"] += 1
                if got is None:
                    continue
                counts["inferred"] += 1
                if meta is None:
                    counts["no meta"] += 1
                elif got == meta:
                    counts["= meta"] += 1
                elif abs((got - meta).days) <= 3:
                    counts["<=3 d"] += 1
                else:
                    counts["other"] += 1
        print(f"{name:<22}{counts['rows']:>6}{counts['inferred']:>9}{counts['= meta']:>8}{counts['<=3 d']:>7}"
              f"{counts['other']:>7}{counts['no meta']:>8}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
