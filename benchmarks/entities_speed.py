"""Print the speed of extract.extractors.entities.find_entities with each model against OpenCC + jieba.

    PYTHONPATH=src .venv/bin/python benchmarks/entities_speed.py [--articles 300] [--repeat 3] [--corpus PATH ...]

Figures are characters per second in one process, best of --repeat runs (other jobs on a shared machine
only ever add time). `find_entities` is given the jieba tokens, as the pipeline does, so its figures
exclude segmentation. Models: off (lexicon and rules), crf (the default), cnn (the spaCy model).
"""
from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, nargs="+",
                        default=[SHARED / "news_zh_hans.jsonl", SHARED / "news_zh_hant.jsonl"])
    parser.add_argument("--articles", type=int, default=300, help="articles taken from each corpus file")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--models", nargs="+", default=["off", "crf", "cnn"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    import opencc

    from extract.extractors.entities import find_entities, word_tokens

    raw = []
    for path in args.corpus:
        with path.open(encoding="utf-8") as fh:
            raw += [json.loads(line)["text"] for _, line in zip(range(args.articles), fh)]
    n_chars = sum(map(len, raw))
    for model in args.models:  # warm every cache (dictionaries, automata, models) so load time is not counted
        find_entities("英伟达发布H200。", model=model)
    converter = opencc.OpenCC("t2s")

    def timed(run) -> float:
        best = float("inf")
        for _ in range(args.repeat):
            began = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - began)
        return best

    simplified = [converter.convert(text) for text in raw]
    tokens = [word_tokens(text) for text in simplified]
    base_s = timed(lambda: [word_tokens(converter.convert(text)) for text in raw])
    print(f"articles: {len(raw)}, characters: {n_chars}")
    print(f"OpenCC t2s + jieba:              {n_chars / base_s:10.0f} chars/s")
    for model in args.models:
        found: list = []
        seconds = timed(lambda: found.__setitem__(slice(None), [
            find_entities(text, tokens=toks, model=model) for text, toks in zip(simplified, tokens)]))
        print(f"find_entities, model {model:<4}:     {n_chars / seconds:10.0f} chars/s "
              f"({sum(map(len, found))} mentions); (OpenCC + jieba + entities) / (OpenCC + jieba): "
              f"{base_s / (base_s + seconds):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
