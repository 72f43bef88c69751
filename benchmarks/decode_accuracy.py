"""Print how often `extract.text.ingest.decode` reads GB18030 and Big5 news right, whole and cut short.

Usage: python benchmarks/decode_accuracy.py [--every N]   (needs ../shared/corpus beside the project)

Each article of news_zh_hans.jsonl is encoded in GB18030, and each of news_zh_hant.jsonl that Big5 can hold
in Big5; the whole text and its first 30, 60 and 200 bytes (whole characters only) are decoded. Counts: read
right, read wrong (another encoding's characters), refused (an ingest error). To compare two versions, run
this file with PYTHONPATH pointing at each version's src/ in turn.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.append(str(ROOT / "src"))

from extract.errors import ExtractError  # noqa: E402
from extract.text.ingest import decode  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
CUTS = (30, 60, 200, None)  # None: the whole text


def _outcome(data: bytes, encoding: str) -> str:
    try:
        text = decode(data, source="bench")
    except ExtractError:
        return "refused"
    return "right" if text == data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n") else "wrong"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=1, help="take every N-th article (default: all)")
    args = parser.parse_args()
    for name, encoding in (("news_zh_hans.jsonl", "gb18030"), ("news_zh_hant.jsonl", "big5")):
        counts: dict[str, Counter] = {str(cut or "whole"): Counter() for cut in CUTS}
        with (CORPUS / name).open(encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                if i % args.every:
                    continue
                text = json.loads(line)["text"]
                try:
                    data = text.encode(encoding)
                except UnicodeEncodeError:
                    continue
                if data.isascii():
                    continue  # UTF-8 as well: not a test of GB18030 or Big5
                for cut in CUTS:
                    part = data if cut is None else data[:cut].decode(encoding, "ignore").encode(encoding)
                    if part.strip() and not part.isascii():
                        counts[str(cut or "whole")][_outcome(part, encoding)] += 1
        for cut, c in counts.items():
            total = sum(c.values())
            print(f"{encoding:8} {cut:>6}: {total:5} texts, {c['right']:5} right, {c['wrong']:4} wrong, "
                  f"{c['refused']:4} refused ({c['right'] / total:.1%} right)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
