"""Train the CRF named-entity model of extract.ner.crf on the public corpora of ../shared/ner.

    PYTHONPATH=src .venv/bin/python scripts/train_ner_crf.py --data ../shared/ner \
        --output src/extract/ner/models/ner_crf/model.npz

Needs python-crfsuite (`pip install -e .[train]`); the exported model needs only numpy.
Trains on the train splits (MSRA, BosonNLP, CLUENER, Weibo, mapped to our labels; the names we do not model,
such as CLUENER's films and games, are a MISC label the pipeline drops, so that they are neither taught as
names nor as "no name"), prints micro F1 on the dev splits (MSRA dev, BosonNLP dev, Weibo dev and sentences
held out of CLUENER train, because CLUENER dev is an evaluation split), never reads a test split.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy

from extract.extractors.entities import word_tokens
from extract.ner.cnn import CorpusSentence, training_splits
from extract.ner.crf import (
    BUCKET_BITS,
    CRFModel,
    char_features,
    default_word_info,
    gazetteer_automaton,
    predict_spans,
)

TYPES = ("PERSON", "ORG", "LOC", "MISC")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def bio_labels(sentence: CorpusSentence) -> list[str]:
    """Return the BIO label of each character; overlapping gold spans keep the first."""
    labels = ["O"] * len(sentence.text)
    spans = [(s, e, label) for s, e, label in sentence.spans] + [(s, e, "MISC") for s, e in sentence.missing]
    taken = [False] * len(sentence.text)
    for start, end, label in sorted(spans):
        if any(taken[start:end]):
            continue
        labels[start] = f"B-{label}"
        for i in range(start + 1, end):
            labels[i] = f"I-{label}"
        taken[start:end] = [True] * (end - start)
    return labels


def features_of(text: str) -> numpy.ndarray:
    return char_features(text, word_tokens(text), default_word_info(), gazetteer_automaton())


def micro_f1(model: CRFModel, sentences: list[CorpusSentence]) -> dict[str, float]:
    gold = pred = correct = 0
    for sentence in sentences:
        expected = set(sentence.spans)
        found = set(predict_spans(sentence.text, word_tokens(sentence.text), model=model))
        gold += len(expected)
        pred += len(found)
        correct += len(expected & found)
    p = correct / pred if pred else 0.0
    r = correct / gold if gold else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 4)}


def export(crf_path: Path, output: Path) -> CRFModel:
    """Write the crfsuite model's weights as the numpy arrays extract.ner.crf reads; return the model."""
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    tagger.open(str(crf_path))
    info = tagger.info()
    labels = sorted(info.labels.keys(), key=lambda name: (name != "O", name))
    column = {name: i for i, name in enumerate(labels)}
    rows: dict[int, numpy.ndarray] = {}
    for (attribute, label), weight in info.state_features.items():
        row = rows.setdefault(int(attribute), numpy.zeros(len(labels), dtype=numpy.float32))
        row[column[label]] = weight
    transitions = numpy.zeros((len(labels), len(labels)), dtype=numpy.float32)
    for (source, target), weight in info.transitions.items():
        transitions[column[source], column[target]] = weight
    buckets = numpy.array(sorted(rows), dtype=numpy.uint32)
    state = numpy.stack([rows[b] for b in buckets.tolist()]).astype(numpy.float16)
    output.parent.mkdir(parents=True, exist_ok=True)
    numpy.savez_compressed(output, buckets=buckets, state=state, transitions=transitions,
                           labels=numpy.array(labels), bucket_bits=numpy.array(BUCKET_BITS))
    log(f"exported {len(buckets)} feature buckets x {len(labels)} labels to {output} "
        f"({output.stat().st_size / 1e6:.1f} MB)")
    return CRFModel.load(output)


def check_decoding(crf_path: Path, model: CRFModel, texts: list[str]) -> None:
    """Fail unless the exported model labels `texts` exactly as crfsuite's own tagger does."""
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    tagger.open(str(crf_path))
    differ = 0
    for text in texts:
        rows = features_of(text)
        theirs = tagger.tag(pycrfsuite.ItemSequence([[str(x) for x in row] for row in rows.T.tolist()]))
        ours = [model.labels[i] for i in model.decode(model.emissions(rows)).tolist()]
        differ += theirs != ours
    log(f"decoding check: {differ} of {len(texts)} texts labelled differently from crfsuite")
    if differ > len(texts) // 100:
        raise SystemExit("the exported model does not decode as crfsuite does")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/ner"))
    parser.add_argument("--output", type=Path, default=Path("src/extract/ner/models/ner_crf/model.npz"))
    parser.add_argument("--repeat", default="msra=1,boson=2,cluener=2,weibo=2",
                        help="how often each train corpus is seen")
    parser.add_argument("--limit", type=int, default=0, help="use at most N sentences per train file (smoke runs)")
    parser.add_argument("--iterations", type=int, default=150)
    parser.add_argument("--c1", type=float, default=0.1, help="L1 penalty (sparsity: a smaller model)")
    parser.add_argument("--c2", type=float, default=0.01, help="L2 penalty")
    parser.add_argument("--min-freq", type=float, default=1, help="drop features seen fewer times")
    args = parser.parse_args(argv)
    import pycrfsuite

    splits, dev = training_splits(args.data, args.repeat, limit=args.limit)
    trainer = pycrfsuite.Trainer(verbose=False)
    n_chars = 0
    for corpus, sentences, times in splits:
        for sentence in sentences:
            if not sentence.text:
                continue
            rows = features_of(sentence.text).T.tolist()
            xseq = pycrfsuite.ItemSequence([[str(x) for x in row] for row in rows])
            yseq = bio_labels(sentence)
            for _ in range(times):
                trainer.append(xseq, yseq)
            n_chars += len(sentence.text) * times
        log(f"train {corpus}: {len(sentences)} sentences x{times}")
    log(f"{n_chars} training characters")
    trainer.set_params({"c1": args.c1, "c2": args.c2, "max_iterations": args.iterations,
                        "feature.minfreq": args.min_freq, "feature.possible_transitions": True})
    started = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        crf_path = Path(tmp) / "model.crfsuite"
        trainer.train(str(crf_path))
        log(f"trained in {(time.time() - started) / 60:.1f} min; last iteration: "
            f"{trainer.logparser.last_iteration}")
        model = export(crf_path, args.output)
        check_decoding(crf_path, model, [s.text for s in dev["msra"][:300]])
    scores = {name: micro_f1(model, sentences) for name, sentences in dev.items()}
    for name, score in scores.items():
        log(f"dev {name}: {score}")
    (args.output.parent / "training.json").write_text(json.dumps({
        "repeat": {corpus: times for corpus, _, times in splits}, "iterations": args.iterations, "c1": args.c1, "c2": args.c2,
        "min_freq": args.min_freq, "training_chars": n_chars, "dev": scores,
        "minutes": round((time.time() - started) / 60, 1)}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
