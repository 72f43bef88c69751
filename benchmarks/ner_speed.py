"""Print the speed of the NER model (extract.ner.cnn.predict_spans) against OpenCC + jieba on news articles.

    PYTHONPATH=src .venv/bin/python benchmarks/ner_speed.py [--articles 200] [--batch-size 32]

Figures are characters per second on one process; run it on an otherwise idle machine. The entities
recogniser must keep the whole analysis at >= 1/4 of OpenCC + jieba, so the ratio printed last says how
much text the model may see.
"""
from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
from pathlib import Path


def chars_per_second(function, texts: list[str]) -> float:
    began = time.perf_counter()
    function(texts)
    return sum(map(len, texts)) / (time.perf_counter() - began)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "corpus" / "news_zh_hans.jsonl")
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)

    import jieba
    import opencc

    from extract.ner.cnn import CharWordTokenizer, load_model, predict_spans

    with args.corpus.open(encoding="utf-8") as fh:
        articles = [json.loads(line)["text"] for _, line in zip(range(args.articles), fh)]
    sentences = [s for text in articles for s in re.findall(r"[^。！？\n]+[。！？]?", text) if s.strip()]
    print(f"{len(articles)} articles, {sum(map(len, articles))} chars, {len(sentences)} sentences")

    jieba.setLogLevel(logging.WARNING)
    segmenter = jieba.Tokenizer()
    segmenter.initialize()
    converter = opencc.OpenCC("t2s")
    nlp = load_model()
    predict_spans(sentences[:10])

    baseline = chars_per_second(lambda ts: [list(segmenter.tokenize(converter.convert(t))) for t in ts], articles)
    figures = {
        "OpenCC t2s + jieba (baseline)": baseline,
        "jieba alone": chars_per_second(lambda ts: [list(segmenter.tokenize(t)) for t in ts], articles),
        "model tokenizer alone (chars + jieba features)":
            chars_per_second(lambda ts: [CharWordTokenizer(nlp.vocab)(t) for t in ts], articles),
        "predict_spans, whole articles":
            chars_per_second(lambda ts: predict_spans(ts, batch_size=args.batch_size), articles),
        "predict_spans, sentences":
            chars_per_second(lambda ts: predict_spans(ts, batch_size=args.batch_size * 8), sentences),
    }
    for name, speed in figures.items():
        print(f"{name:<50} {speed:>10,.0f} chars/s   {speed / baseline:6.3f} x baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
