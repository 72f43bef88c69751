"""Print the speed of extract.entities.find_entities against OpenCC + jieba, and how much text the model sees.

    PYTHONPATH=src .venv/bin/python benchmarks/entities_speed.py [--articles 300] [--corpus PATH ...]

Figures are characters per second in one process (run on an otherwise idle machine). `find_entities` is
given the jieba tokens, as the pipeline does, so its own figure excludes segmentation. The statistical
model runs only on clauses holding an unexplained name cue: the printed share of characters is what it
reads; where the trained model is shipped its real cost is measured too.
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
    parser.add_argument("--model-dir", type=Path, default=None,
                        help="a trained NER pipeline to use instead of the packaged one")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    import opencc

    from extract import entities, ner_model

    if args.model_dir is not None:
        ner_model.MODEL_DIR = args.model_dir
    from extract.entities import _Boundaries, _Taken, entity_rules, find_entities, model_windows, word_tokens

    raw = []
    for path in args.corpus:
        with path.open(encoding="utf-8") as fh:
            raw += [json.loads(line)["text"] for _, line in zip(range(args.articles), fh)]
    n_chars = sum(map(len, raw))

    # Warm every cache (dictionaries, automaton, tokenizer) so load time is not counted.
    find_entities("英伟达发布H200。", use_model=False)
    converter = opencc.OpenCC("t2s")

    began = time.perf_counter()
    simplified = [converter.convert(text) for text in raw]
    tokens = [word_tokens(text) for text in simplified]
    base_s = time.perf_counter() - began

    began = time.perf_counter()
    found = [find_entities(text, tokens=toks, use_model=False) for text, toks in zip(simplified, tokens)]
    rules_s = time.perf_counter() - began

    rules = entity_rules()
    model_chars = 0
    for text, toks, ents in zip(simplified, tokens, found):
        taken = _Taken(len(text))
        for ent in ents:
            taken.add(ent.start, ent.end)
        model_chars += sum(b - a for a, b in model_windows(text, _Boundaries(toks), taken, rules))
    share = model_chars / n_chars

    print(f"articles: {len(raw)}, characters: {n_chars}")
    print(f"OpenCC t2s + jieba:              {n_chars / base_s:10.0f} chars/s")
    print(f"find_entities, lexicon + rules:  {n_chars / rules_s:10.0f} chars/s "
          f"({sum(map(len, found))} mentions)")
    print(f"whole (OpenCC + jieba + entities, no model) / (OpenCC + jieba): {base_s / (base_s + rules_s):.3f}")
    print(f"share of characters the model reads: {share:.3f}")
    for model_speed in (12_000, 25_000):
        model_s = model_chars / model_speed
        print(f"  at {model_speed} chars/s model speed: whole / base = {base_s / (base_s + rules_s + model_s):.3f}")

    if entities._model_predict() is not None:
        find_entities("英伟达发布H200。" * 100, model_scope="all")
        for scope in ("cues", "all"):
            began = time.perf_counter()
            with_model = [find_entities(text, tokens=toks, model_scope=scope) for text, toks in zip(simplified, tokens)]
            full_s = time.perf_counter() - began
            print(f"find_entities with the model, scope {scope}: {n_chars / full_s:10.0f} chars/s "
                  f"({sum(map(len, with_model))} mentions); whole / (OpenCC + jieba): {base_s / (base_s + full_s):.3f}")
    else:
        print("the trained NER model is not shipped yet: no measured figure with the model")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
