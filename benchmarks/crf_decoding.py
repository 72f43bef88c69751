"""Speed of the CRF's parts, and what taking clause punctuation as O (settings.yaml `crf.clause_marks`) changes.

    PYTHONPATH=src .venv/bin/python benchmarks/crf_decoding.py [--articles 500]

On real articles (Traditional news, converted with OpenCC) and on the MSRA and BosonNLP dev texts: characters
per second of the features and scores and of Viterbi (best of 3, in one process), and how many texts (and
characters) decoding with the clause marks labels differently from plain Viterbi over the whole text.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import opencc

from extract.extractors.entities import word_tokens
from extract.ner.cnn import read_corpus
from extract.ner.crf import (
    char_features,
    clause_marks,
    default_word_info,
    gazetteer_automaton,
    load_crf_model,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=500)
    args = parser.parse_args()
    converter = opencc.OpenCC("t2s")
    sets = {}
    with (SHARED / "corpus" / "news_zh_hant.jsonl").open(encoding="utf-8") as fh:
        sets["articles"] = [converter.convert(json.loads(line)["text"]) for line, _ in zip(fh, range(args.articles))]
    sets["msra dev"] = [s.text for s in read_corpus(SHARED / "ner" / "msra" / "dev.jsonl", "msra")]
    sets["boson dev"] = [s.text for s in read_corpus(SHARED / "ner" / "boson" / "dev.jsonl", "boson")]
    model = load_crf_model()
    words, automaton = default_word_info(), gazetteer_automaton()

    def best_of_3(run) -> tuple[float, list]:
        best, result = float("inf"), None
        for _ in range(3):
            t0 = time.perf_counter()
            result = run()
            best = min(best, time.perf_counter() - t0)
        return best, result

    for name, texts in sets.items():
        tokens = [word_tokens(t) for t in texts]
        marks = [clause_marks(t) for t in texts]
        n_chars = sum(map(len, texts))
        scoring, emissions = best_of_3(lambda: [model.emissions(char_features(t, tk, words, automaton))
                                                 for t, tk in zip(texts, tokens)])
        exact_s, exact = best_of_3(lambda: [model.decode(e) for e in emissions])
        clause_s, clauses = best_of_3(lambda: [model.decode(e, fixed_outside=m) for e, m in zip(emissions, marks)])
        texts_differ = sum(bool((a != b).any()) for a, b in zip(exact, clauses))
        chars_differ = sum(int((a != b).sum()) for a, b in zip(exact, clauses))
        print(f"== {name}: {len(texts)} texts, {n_chars:,} chars")
        print(f"  features and scores {n_chars / scoring:,.0f} chars/s; Viterbi {n_chars / exact_s:,.0f} chars/s, "
              f"with clause marks {n_chars / clause_s:,.0f} chars/s")
        print(f"  with clause marks: {texts_differ} texts, {chars_differ} characters labelled differently")

if __name__ == "__main__":
    main()
