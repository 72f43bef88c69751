"""Print how long `extract.text.ingest.decode` takes per file: UTF-8, GB18030 and Big5 news of 1 KiB to 8 MiB.

Usage: python benchmarks/decode_speed.py [--repeat R]   (needs ../shared/corpus beside the project)

Times are CPU milliseconds of this process (time.process_time), the best of R runs (default 3). The first
decode of a non-UTF-8 file also loads the common-character table once (printed apart).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.append(str(ROOT / "src"))

from extract.text.ingest import decode  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
SIZES = (1 << 10, 100 << 10, 8 << 20)


def _text(name: str, encoding: str) -> str:
    """Return the corpus's articles that the encoding can hold, joined."""
    texts = []
    with (CORPUS / name).open(encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line)["text"]
            try:
                text.encode(encoding)
            except UnicodeEncodeError:
                continue
            texts.append(text)
    return "\n".join(texts)


def _sample(text: str, encoding: str, size: int) -> bytes:
    data = (text * (size // len(text.encode(encoding)) + 1)).encode(encoding)[:size]
    return data.decode(encoding, "ignore").encode(encoding)  # no character cut at the end


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    started = time.process_time()
    try:
        decode("中文".encode("gb18030"), source="warm-up")  # loads the common-character table once
    except Exception:  # noqa: BLE001  a version of decode without the table refuses two characters: no matter
        pass
    print(f"first decode (tables loaded) in {(time.process_time() - started) * 1000:.0f} ms CPU")
    for encoding, name in (("utf-8", "news_zh_hans.jsonl"), ("gb18030", "news_zh_hans.jsonl"),
                           ("big5", "news_zh_hant.jsonl")):
        text = _text(name, encoding)
        for size in SIZES:
            data = _sample(text, encoding, size)
            best, decoded = float("inf"), None
            for _ in range(args.repeat):
                t0 = time.process_time()
                try:
                    decoded = decode(data, source="bench")
                except Exception as exc:  # noqa: BLE001  an older version may refuse the file: say so
                    decoded = f"refused: {exc}"
                best = min(best, time.process_time() - t0)
            right = "read right" if decoded == data.decode(encoding) else f"WRONG ({str(decoded)[:60]})"
            print(f"{encoding:8} {len(data):>10,} bytes  {best * 1000:8.1f} ms CPU  {right}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
