"""Fuzz `extract.analyze` with mutated corpus texts and hostile strings; count what raises anything else.

    .venv/bin/python benchmarks/fuzz.py [--inputs 2000] [--seed 1] [--max-chars 3000] [--seconds 60] [--save DIR]

`--inputs N` is the number of calls to `extract.analyze` (`--n` is the older spelling): about 90% are mutated
corpus texts, the rest strings of hostile pieces alone; the summary counts both. To reach a large count on a
loaded machine, run several seeds side by side (`nice ... --seed 1 & nice ... --seed 2 &`) and add the counts.

The library's documented errors are ExtractError (and its subclasses): a text it cannot analyse is refused
with one. Anything else (IndexError, ValueError, OverflowError, ...) is a bug; the script prints how many
inputs raised one, grouped by exception and place, with the smallest input of each, and with `--save` writes
those inputs as JSON lines (to turn into cases). An input over `--seconds` counts as slow.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
import traceback
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus"

# Pieces a hostile or careless input holds: odd code points, numerals at the edge of a float, broken markers.
HOSTILE = ["\ud800", "\udfff", "\x00", "\x1b[31m", "\u200b", "\u200f", "\u2028", "\ufeff", "\ufffd", "İ", "ß",
           "ﬃ", "\u0301", "🀄", "𠀀", "Ａ", "１２３", "1e309", "9" * 400, "-0", "0世纪70年代", "9999年12月31日",
           "0001年1月1日", "2月30日", "13月", "[1] Wang L (2024)", "[", "]", "【", "①", "⑳", "^", "注", "参考资料\n",
           "参考文献\n[1]", "http://", "https://x.cn/" + "a" * 300, "百分之", "亿亿亿", "三分之", "%", "‰", "约",
           "至", "——", "…", "\n\n\n", "\t", "  ", "“", "》", "《", "（", "）", "。", "，", "美元", "万", "亿",
           "上个月", "去年", "明天", "第" + "一" * 50, "公元前", "民国", "〇", "两", "廿", "卅"]


def corpus_texts(limit: int) -> list[str]:
    """Return up to `limit` article texts from ../shared/corpus (or the seed article)."""
    texts = []
    for name in ("news_zh_hans.jsonl", "news_zh_hant.jsonl", "with_refs.jsonl"):
        path = SHARED / name
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as fh:
            for _, line in zip(range(limit), fh):
                texts.append(json.loads(line)["text"])
    return texts or [(ROOT / "corpus" / "h200-china-chips.txt").read_text(encoding="utf-8")]


def mutate(text: str, rng: random.Random) -> str:
    """Return `text` with a few random edits: hostile pieces, deletions, duplications, random code points."""
    chars = list(text)
    for _ in range(rng.randint(1, 8)):
        op = rng.random()
        pos = rng.randint(0, len(chars))
        if op < 0.4:
            chars[pos:pos] = list(rng.choice(HOSTILE))
        elif op < 0.55 and chars:
            del chars[pos:pos + rng.randint(1, 50)]
        elif op < 0.7 and chars:
            piece = chars[pos:pos + rng.randint(1, 80)]
            chars[pos:pos] = piece * rng.randint(1, 5)
        elif op < 0.85:
            chars[pos:pos] = [chr(rng.choice((rng.randint(0, 0x2FF), rng.randint(0x3000, 0x9FFF),
                                               rng.randint(0xA000, 0x10FFFF)))) for _ in range(rng.randint(1, 5))]
        elif chars:
            a, b = sorted(rng.sample(range(len(chars) + 1), 2)) if len(chars) > 1 else (0, len(chars))
            chars[a:b] = chars[a:b][::-1]
    return "".join(chars)


def random_published(rng: random.Random) -> date | None:
    """Return a publication date: none, an ordinary one, or one at the edges of the calendar."""
    return rng.choice([None, date(2025, 12, 10), date(1, 1, 1), date(9999, 12, 31), date(2024, 2, 29)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inputs", "--n", dest="inputs", type=int, default=2000,
                        help="calls to extract.analyze to make (each one input)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-chars", type=int, default=3000, help="cut each corpus text to this many chars")
    parser.add_argument("--seconds", type=float, default=60.0, help="an input slower than this counts as slow")
    parser.add_argument("--save", type=Path, default=None, help="write the inputs that raised a bug here")
    args = parser.parse_args(argv)

    import extract
    from extract.analysis.budget import time_budget

    rng = random.Random(args.seed)
    texts = [t[:args.max_chars] for t in corpus_texts(max(50, args.inputs // 20))]
    bugs: Counter = Counter()
    examples: dict[tuple[str, str], dict] = {}
    refused = slow = mutated = 0
    started = time.perf_counter()
    for i in range(args.inputs):
        if rng.random() < 0.9:
            text = mutate(rng.choice(texts), rng)
            mutated += 1
        else:
            text = "".join(rng.choice(HOSTILE) for _ in range(rng.randint(1, 30)))
        published = random_published(rng)
        try:
            with time_budget(args.seconds):
                extract.analyze(text, published=published)
        except extract.ExtractError as exc:
            if exc.code == "timeout":
                slow += 1
            else:
                refused += 1
        except Exception as exc:  # noqa: BLE001  a bug: what this script is for
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            key = (type(exc).__name__, f"{Path(frame.filename).name}:{frame.lineno}")
            bugs[key] += 1
            if key not in examples or len(text) < len(examples[key]["text"]):
                examples[key] = {"text": text, "published": published and published.isoformat(),
                                 "error": f"{type(exc).__name__}: {exc}"}
        if (i + 1) % 500 == 0:
            print(f"{i + 1} inputs, {sum(bugs.values())} bugs, {time.perf_counter() - started:.0f} s",
                  file=sys.stderr, flush=True)
    total_bugs = sum(bugs.values())
    print(f"inputs: {args.inputs} (seed {args.seed}; {mutated} mutated corpus texts, {args.inputs - mutated} "
          f"hostile strings) in {time.perf_counter() - started:.0f} s; refused with ExtractError: {refused}; slower than "
          f"{args.seconds:g} s: {slow}; raised something else: {total_bugs}")
    for (name, where), count in bugs.most_common():
        example = examples[(name, where)]
        print(f"  {count:5d}  {name} at {where}: {example['error'][:120]}  (smallest input: "
              f"{len(example['text'])} chars)")
    if args.save and examples:
        args.save.mkdir(parents=True, exist_ok=True)
        with (args.save / "fuzz_failures.jsonl").open("w", encoding="utf-8") as fh:
            for example in examples.values():
                fh.write(json.dumps(example, ensure_ascii=True) + "\n")
    return 1 if total_bugs else 0


if __name__ == "__main__":
    raise SystemExit(main())
