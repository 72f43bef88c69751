"""Characters per second of OpenCC alone, jieba alone and the whole analysis, on real Traditional news.

    python benchmarks/throughput.py [--articles 500] [--repeat 5] [--corpus ../shared/corpus/news_zh_hant.jsonl]

Prints one line per stage and the ratios the issues track: pipeline / jieba, and the whole analysis with
entities against OpenCC + jieba. Each stage is timed `--repeat` times, interleaved, and its best (least
disturbed) time is reported, as timeit does: on a shared machine other jobs only ever add time.
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
    # Wall-clock time counts whatever else the machine runs meanwhile; the process's CPU time counts only the
    # work done (the stages are single-threaded), so on a shared machine it moves much less between runs.
    clocks = {"wall": time.perf_counter, "cpu": time.process_time}
    best = {clock: {name: float("inf") for name in stages} for clock in clocks}
    for _ in range(args.repeat):
        for name, run in stages.items():
            started = {clock: read() for clock, read in clocks.items()}
            run()
            for clock, read in clocks.items():
                best[clock][name] = min(best[clock][name], read() - started[clock])
    rate = {clock: {name: chars / seconds for name, seconds in times.items()} for clock, times in best.items()}
    print(f"{'':<44} {'wall clock':>20}   {'CPU time':>20}")
    for name in stages:
        print(f"{name:<44} " + "   ".join(f"{rate[clock][name]:>9,.0f} chars/s ({best[clock][name]:5.2f} s)"
                                          for clock in clocks))
    for clock in clocks:
        r = rate[clock]
        jieba_rate = r["jieba alone (default dictionary)"]
        both = 1 / (1 / r["OpenCC t2s alone"] + 1 / jieba_rate)
        print(f"{clock:>4}: OpenCC + jieba (derived) {both:,.0f} chars/s; "
              f"ratio pipeline (no entities) / jieba {r['pipeline without entities'] / jieba_rate:.3f}; "
              f"ratio whole analysis / (OpenCC + jieba) {r['pipeline, everything (extract.analyze)'] / both:.3f}"
              "  (target >= 0.25)")

if __name__ == "__main__":
    main()
