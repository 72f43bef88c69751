"""Train the statistical NER model of extract.ner.cnn on the public corpora of ../shared/ner.

    PYTHONPATH=src OMP_NUM_THREADS=1 .venv/bin/python scripts/train_ner.py --data ../shared/ner \
        --output src/extract/ner/models/ner --minutes 65

    # continue training a saved model (its own config; --width/--depth/--hidden are ignored)
    PYTHONPATH=src OMP_NUM_THREADS=1 .venv/bin/python scripts/train_ner.py --data ../shared/ner \
        --resume src/extract/ner/models/ner --output /tmp/ner_resume --minutes 45

Trains on a mix of the train splits (MSRA, BosonNLP, CLUENER mapped to our labels, Weibo), selects the model
on dev splits (MSRA dev, BosonNLP dev, Weibo dev, and 500 sentences held out of CLUENER train, because
CLUENER dev is an evaluation split), never reads a test split. Stops after a time budget and keeps the best
checkpoint (averaged parameters) by the mean micro F1 over the MSRA, BosonNLP and CLUENER dev sets.
With --resume, the saved model is scored on the dev sets first and a checkpoint is written only if it beats
that score; the saved model's own training.json is kept under "resumed_from".
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
import warnings
from pathlib import Path

import spacy
from spacy.training import Example, offsets_to_biluo_tags
from spacy.util import compounding, minibatch
from thinc.api import Config

from extract.ner.cnn import (
    TOKENIZER_NAME,
    TOKENIZER_NAME_GAZETTEER,
    CorpusSentence,
    model_settings,
    spans_of_doc,
    training_splits,
)

CONFIG = """
[nlp]
lang = "zh"
pipeline = ["ner"]
batch_size = 32

[nlp.tokenizer]
@tokenizers = "%(tokenizer)s"

[components]

[components.ner]
factory = "ner"
incorrect_spans_key = null
moves = null
scorer = {"@scorers":"spacy.ner_scorer.v1"}
update_with_oracle_cut_size = 100

[components.ner.model]
@architectures = "spacy.TransitionBasedParser.v2"
state_type = "ner"
extra_state_tokens = false
hidden_width = %(hidden)d
maxout_pieces = 2
use_upper = true
nO = null

[components.ner.model.tok2vec]
@architectures = "spacy.Tok2Vec.v2"

[components.ner.model.tok2vec.embed]
@architectures = "spacy.MultiHashEmbed.v2"
width = %(width)d
attrs = ["ORTH", "NORM", "TAG", "LEMMA", "SHAPE"]
rows = [8000, 20000, %(tag_rows)d, 30000, 200]
include_static_vectors = false

[components.ner.model.tok2vec.encode]
@architectures = "spacy.MaxoutWindowEncoder.v2"
width = %(width)d
depth = %(depth)d
window_size = 1
maxout_pieces = 3

[training]
dropout = 0.1

[training.optimizer]
@optimizers = "Adam.v1"
beta1 = 0.9
beta2 = 0.999
L2_is_weight_decay = true
L2 = 0.01
grad_clip = 1.0
use_averages = true
eps = 0.00000001
learn_rate = 0.001
"""

RESUME_WARMUP_STEPS = 200


def log(message: str) -> None:
    print(time.strftime("%H:%M:%S"), message, flush=True)


def examples_of(nlp, sentences: list[CorpusSentence]) -> list[Example]:
    """Return training Examples; tokens of `missing` spans and of misaligned gold spans carry no loss."""
    examples = []
    for sentence in sentences:
        doc = nlp.make_doc(sentence.text)
        if len(doc) == 0:
            continue
        spans, last_end = [], -1
        for start, end, label in sentence.spans:  # the corpora hold a few overlapping spans: keep the first
            if start >= last_end:
                spans.append((start, end, label))
                last_end = end
        tags = offsets_to_biluo_tags(doc, spans, missing="O")
        for start, end in sentence.missing:
            for token in doc.char_span(start, end, alignment_mode="expand") or ():
                if tags[token.i] == "O":
                    tags[token.i] = "-"
        examples.append(Example.from_dict(doc, {"entities": tags}))
    return examples


def micro_f1(nlp, sentences: list[CorpusSentence]) -> dict[str, float]:
    """Return precision, recall and F1 of exact (start, end, label) spans over the sentences."""
    gold = pred = correct = 0
    for sentence, doc in zip(sentences, nlp.pipe((s.text for s in sentences), batch_size=64)):
        expected = set(sentence.spans)
        found = set(spans_of_doc(doc))
        gold += len(expected)
        pred += len(found)
        correct += len(expected & found)
    precision = correct / pred if pred else 0.0
    recall = correct / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"p": round(precision, 4), "r": round(recall, 4), "f1": round(f1, 4)}


def dev_scores(nlp, dev: dict[str, list[CorpusSentence]]) -> dict[str, dict[str, float]]:
    """Return the micro scores of the model on each dev set."""
    return {name: micro_f1(nlp, sentences) for name, sentences in dev.items()}


def selection_score(scores: dict[str, dict[str, float]]) -> float:
    """Return the model-selection score: mean F1 over MSRA dev, BosonNLP dev and the CLUENER held-out part."""
    return sum(scores[name]["f1"] for name in ("msra", "boson", "cluener-heldout")) / 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/ner"))
    parser.add_argument("--output", type=Path, default=Path("src/extract/ner/models/ner"))
    parser.add_argument("--minutes", type=float, default=65.0, help="training time budget")
    parser.add_argument("--eval-minutes", type=float, default=5.0, help="time between dev evaluations")
    parser.add_argument("--limit", type=int, default=0, help="use at most N sentences per train file (smoke runs)")
    parser.add_argument("--width", type=int, default=96)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--repeat", default="msra=1,boson=2,cluener=2,weibo=2",
                        help="how often each train corpus is seen per epoch")
    parser.add_argument("--gazetteer", action="store_true",
                        help="give each token the lexicon's label and position as a feature (tokenizer v2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", type=Path, default=None,
                        help="continue training the pipeline saved at this path instead of starting from scratch")
    args = parser.parse_args(argv)

    # W030: a gold span that does not align with tokens ("nec尼美根" run together); it is skipped, as intended.
    warnings.filterwarnings("ignore", message=r"\[W030\]")
    random.seed(args.seed)
    spacy.util.fix_random_seed(args.seed)
    if args.resume:
        nlp = spacy.load(args.resume)  # the tokenizer is registered by importing extract.ner.cnn
    else:
        tokenizer = TOKENIZER_NAME_GAZETTEER if args.gazetteer else TOKENIZER_NAME
        config = Config().from_str(CONFIG % {"tokenizer": tokenizer, "width": args.width, "depth": args.depth,
                                             "hidden": args.hidden, "tag_rows": 1024 if args.gazetteer else 64})
        nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)

    splits, dev = training_splits(args.data, args.repeat, limit=args.limit)
    train: list[CorpusSentence] = []
    for corpus, sentences, times in splits:
        train.extend(sentences * times)
        log(f"train {corpus}: {len(sentences)} sentences x{times}")
    if args.limit:
        dev = {name: sentences[:args.limit] for name, sentences in dev.items()}

    train_examples = examples_of(nlp, train)
    n_chars = sum(len(eg.reference.text) for eg in train_examples)
    log(f"{len(train_examples)} training examples, {n_chars} chars per epoch")
    args.output.mkdir(parents=True, exist_ok=True)
    best, history = -1.0, []
    previous = None
    if args.resume:
        # A fresh optimizer from the saved [training.optimizer]: the Adam moments were not saved.
        optimizer = nlp.resume_training()
        scores = dev_scores(nlp, dev)
        best = selection_score(scores)
        record = {"epoch": 0, "step": 0, "minutes": 0.0, "score": round(best, 4),
                  **{k: v["f1"] for k, v in scores.items()}}
        history.append(record)
        log(f"resumed from {args.resume}: {json.dumps(record)}")
        previous_log = args.resume / "training.json"
        if previous_log.is_file():
            previous = json.loads(previous_log.read_text(encoding="utf-8"))
        # The saved model ended its batch-size schedule at the maximum: continue there.
        batch_sizes = compounding(64.0, 64.0, 1.0)
        # Fresh Adam moments make the first updates full-size on every weight: ramp the rate up instead.
        warmup_steps = RESUME_WARMUP_STEPS
    else:
        for label in model_settings()["labels"]:
            nlp.get_pipe("ner").add_label(label)
        optimizer = nlp.initialize(lambda: train_examples[:2000])
        batch_sizes = compounding(8.0, 64.0, 1.001)
        warmup_steps = 0
    learn_rate = optimizer.learn_rate

    began = last_eval = time.monotonic()
    seen_chars, epoch, step = 0, 0, 0
    deadline = began + args.minutes * 60
    done = False
    while not done:
        epoch += 1
        random.shuffle(train_examples)
        losses: dict[str, float] = {}
        for batch in minibatch(train_examples, size=batch_sizes):
            if step < warmup_steps:
                optimizer.learn_rate = learn_rate * (step + 1) / warmup_steps
            nlp.update(batch, sgd=optimizer, drop=0.1, losses=losses)
            step += 1
            seen_chars += sum(len(eg.reference.text) for eg in batch)
            now = time.monotonic()
            if now - last_eval >= args.eval_minutes * 60 or now >= deadline:
                with nlp.use_params(optimizer.averages):
                    scores = dev_scores(nlp, dev)
                    score = selection_score(scores)
                    record = {"epoch": epoch, "step": step, "minutes": round((now - began) / 60, 1),
                              "chars_per_s": round(seen_chars / (now - began)), "loss": round(losses.get("ner", 0)),
                              "score": round(score, 4), **{k: v["f1"] for k, v in scores.items()}}
                    history.append(record)
                    log(json.dumps(record))
                    if score > best:
                        best = score
                        nlp.to_disk(args.output)
                        log(f"saved best model to {args.output}")
                losses = {}
                last_eval = time.monotonic()
                if now >= deadline:
                    done = True
                    break
    summary = {"args": {k: str(v) for k, v in vars(args).items()}, "history": history}
    if previous is not None:
        summary["resumed_from"] = previous
    (args.output / "training.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    log(f"best dev score {best:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
