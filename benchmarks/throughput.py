"""Characters per second of OpenCC alone, jieba alone and the whole analysis, on real Traditional news.

    python benchmarks/throughput.py [--articles 500] [--repeat 5] [--corpus ../shared/corpus/news_zh_hant.jsonl]

Prints one line per stage and the ratios the issues track: pipeline / jieba, and the whole analysis with
entities against OpenCC + jieba. Each stage is timed `--repeat` times, interleaved, and its best (least
disturbed) time is reported, as timeit does: on a shared machine other jobs only ever add time.

The whole-analysis ratio is printed three ways. The ratio of best times compares moments that may be minutes
apart, and this machine's speed drifts by 20-40% within minutes (jieba's best time alone ranges 0.73-1.12 s
between runs). The median of per-round ratios compares times seconds apart. The interleaved ratio, where
OpenCC + jieba and the analysis take turns on chunks of 25 articles, compares times a fraction of a second
apart: it is the steadiest (its rounds agree within a few per cent) and the one to read against a target.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import jieba
import opencc

from extract.analysis.article import analyze_article
from extract.extractors.dates import find_dates
from extract.extractors.entities import find_entities
from extract.extractors.quantities import find_quantities
from extract.settings import Settings
from extract.text.ingest import Article
from extract.text.normalize import normalize

ROOT = Path(__file__).resolve().parents[1]


def _load(path: Path, limit: int) -> list[str]:
    texts = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            texts.append(json.loads(line)["text"])
            if len(texts) == limit:
                break
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "news_zh_hant.jsonl")
    args = parser.parse_args()
    texts = _load(args.corpus, args.articles)
    chars = sum(map(len, texts))
    print(f"{len(texts)} articles, {chars:,} characters from {args.corpus.name}; best of {args.repeat} runs")

    converter = opencc.OpenCC("t2s")
    simplified = [converter.convert(t) for t in texts]
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    analyze_article(Article("warm", "warm", texts[0]))  # warm caches: lexicon, segmenter, models
    norms = [normalize(t) for t in texts]

    def analyze_all(settings: Settings) -> None:
        for i, text in enumerate(texts):
            analyze_article(Article(f"doc{i}", "bench", text), settings)

    stages = {
        "OpenCC t2s alone": lambda: [converter.convert(t) for t in texts],
        "jieba alone (default dictionary)": lambda: [list(tokenizer.tokenize(t)) for t in simplified],
        "normalize (variant detection + offset map)": lambda: [normalize(t) for t in texts],
        "quantities extractor alone": lambda: [find_quantities(n.simplified) for n in norms],
        "dates extractor alone": lambda: [find_dates(n.simplified) for n in norms],
        "entities extractor alone": lambda: [find_entities(n.simplified) for n in norms],
        "pipeline without entities": lambda: analyze_all(Settings(entities=False)),
        "pipeline, everything (extract.analyze)": lambda: analyze_all(Settings()),
    }
    times: dict[str, list[float]] = {name: [] for name in stages}
    for _ in range(args.repeat):
        for name, run in stages.items():
            t0 = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - t0)
    best = {name: min(seconds) for name, seconds in times.items()}
    rate = {name: chars / seconds for name, seconds in best.items()}
    for name, seconds in best.items():
        print(f"{name:<44} {rate[name]:>12,.0f} chars/s  ({seconds:.2f} s)")
    jieba_rate = rate["jieba alone (default dictionary)"]
    both = 1 / (1 / rate["OpenCC t2s alone"] + 1 / jieba_rate)
    print(f"{'OpenCC + jieba (derived)':<44} {both:>12,.0f} chars/s")
    print(f"ratio pipeline (no entities) / jieba: {rate['pipeline without entities'] / jieba_rate:.3f}")
    print(f"ratio whole analysis / (OpenCC + jieba): {rate['pipeline, everything (extract.analyze)'] / both:.3f}"
          "  (of best times: moves with the machine's drift, see the docstring)")
    # The best times of different stages may come from different moments of a shared machine, whose speed
    # drifts by 10-20% within minutes; the ratio of the times measured in one round, seconds apart, does not
    # depend on that drift. Their median is the steadier figure of the two.
    rounds = sorted((times["OpenCC t2s alone"][k] + times["jieba alone (default dictionary)"][k])
                    / times["pipeline, everything (extract.analyze)"][k] for k in range(args.repeat))
    print(f"same ratio, median of the {args.repeat} rounds: {statistics.median(rounds):.3f}"
          f"  (rounds {rounds[0]:.3f} to {rounds[-1]:.3f})")
    # Finer still: OpenCC + jieba and the whole analysis take turns on chunks of 25 articles (a fraction of a
    # second each), so a drift of the machine's speed weighs on both sides alike.
    interleaved = []
    for _ in range(args.repeat):
        baseline = whole = 0.0
        for k in range(0, len(texts), 25):
            chunk = texts[k:k + 25]
            t0 = time.perf_counter()
            for text in chunk:
                list(tokenizer.tokenize(converter.convert(text)))
            t1 = time.perf_counter()
            for i, text in enumerate(chunk):
                analyze_article(Article(f"doc{k + i}", "bench", text), Settings())
            t2 = time.perf_counter()
            baseline, whole = baseline + t1 - t0, whole + t2 - t1
        interleaved.append(baseline / whole)
    interleaved.sort()
    print(f"same ratio, interleaved by 25 articles, median of {args.repeat} rounds: "
          f"{statistics.median(interleaved):.3f}  (rounds {interleaved[0]:.3f} to {interleaved[-1]:.3f}; "
          "target >= 0.25)")

if __name__ == "__main__":
    main()
