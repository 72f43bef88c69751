"""Characters per second of OpenCC alone, jieba alone and the whole analysis, on real Traditional news.

    python benchmarks/throughput.py [--articles 500] [--corpus ../shared/corpus/news_zh_hant.jsonl]

Prints one line per stage and the ratios the issues track: pipeline / jieba, and the whole analysis with
entities against OpenCC + jieba. Timings are wall-clock on a shared machine: run it twice and read both.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import jieba
import opencc

from extract.document import Settings, analyze_article
from extract.ingest import Article
from extract.normalize import normalize
from extract.quantities import find_quantities
from extract.dates import find_dates
from extract.entities import find_entities

ROOT = Path(__file__).resolve().parents[1]


def _load(path: Path, limit: int) -> list[str]:
    texts = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            texts.append(json.loads(line)["text"])
            if len(texts) == limit:
                break
    return texts


def _rate(label: str, chars: int, seconds: float) -> float:
    rate = chars / seconds
    print(f"{label:<44} {rate:>12,.0f} chars/s  ({seconds:.2f} s)")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "news_zh_hant.jsonl")
    args = parser.parse_args()
    texts = _load(args.corpus, args.articles)
    chars = sum(map(len, texts))
    print(f"{len(texts)} articles, {chars:,} characters from {args.corpus.name}")

    converter = opencc.OpenCC("t2s")
    t0 = time.perf_counter()
    simplified = [converter.convert(t) for t in texts]
    opencc_rate = _rate("OpenCC t2s alone", chars, time.perf_counter() - t0)

    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    t0 = time.perf_counter()
    for text in simplified:
        list(tokenizer.tokenize(text))
    jieba_rate = _rate("jieba alone (default dictionary)", chars, time.perf_counter() - t0)
    both = 1 / (1 / opencc_rate + 1 / jieba_rate)
    print(f"{'OpenCC + jieba (derived)':<44} {both:>12,.0f} chars/s")

    norms = [normalize(t) for t in texts[:5]]  # warm caches: lexicon, segmenter, models
    analyze_article(Article("warm", "warm", texts[0]))
    t0 = time.perf_counter()
    norms = [normalize(t) for t in texts]
    _rate("normalize (variant detection + offset map)", chars, time.perf_counter() - t0)
    for name, fn in (("quantities", lambda s: find_quantities(s)), ("dates", lambda s: find_dates(s)),
                     ("entities", lambda s: find_entities(s))):
        t0 = time.perf_counter()
        for norm in norms:
            fn(norm.simplified)
        _rate(f"{name} extractor alone", chars, time.perf_counter() - t0)

    results = {}
    for label, settings in (("pipeline without entities", Settings(entities=False)),
                            ("pipeline, everything (extract.analyze)", Settings())):
        t0 = time.perf_counter()
        for i, text in enumerate(texts):
            analyze_article(Article(f"doc{i}", "bench", text), settings)
        results[label] = _rate(label, chars, time.perf_counter() - t0)
    print(f"ratio pipeline (no entities) / jieba: {results['pipeline without entities'] / jieba_rate:.3f}")
    print(f"ratio whole analysis / (OpenCC + jieba): {results['pipeline, everything (extract.analyze)'] / both:.3f}"
          "  (target >= 0.25)")


if __name__ == "__main__":
    main()
