"""The spaCy named-entity model: a spaCy NER component over character tokens with word features.

The entities extractor uses it with entity_model="cnn"; by default the faster and better-scoring CRF of
extract.ner.crf takes its place (figures in the README). The module also holds the corpus reader both
models train and evaluate on (read_corpus). The model finds PERSON, ORG and LOC names that no lexicon holds. It reads Simplified text and returns
half-open character spans. Its tokens are single CJK characters (so an entity boundary is never hidden
inside a jieba word, which happens for 3-12% of gold entities in the public corpora), and each character
carries jieba's view of the word around it as features (the word, the character's position in it, the
next-character bigram), which is what made word tokens learn faster in our experiments.

Training is `scripts/train_ner.py`; the trained pipeline ships in `extract/ner/models/ner/`.
"""
from __future__ import annotations

import json
import logging
import random
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Iterator

import numpy
from spacy.attrs import LEMMA, NORM, TAG
from spacy.language import Language
from spacy.strings import hash_string
from spacy.tokens import Doc
from spacy.util import registry
from spacy.vocab import Vocab

from extract.errors import ExtractError
from extract.resources import load
from extract.text.chars import lower_same_length

MODEL_DIR = Path(str(resources.files("extract") / "ner" / "models" / "ner"))
TOKENIZER_NAME = "zh_extract.ner_char_tokenizer.v1"
# v2 adds the lexicon's view to each token's TAG: the label of the lexicon name covering it and its place in
# that name (ORG-B, LOC-E, ...), so that the model learns how far to trust the lexicon.
TOKENIZER_NAME_GAZETTEER = "zh_extract.ner_char_tokenizer.v2"

# Word positions are few and common; longer words are folded into one length class.
_MAX_WORD_LENGTH_CLASS = 4


class NERModelError(ExtractError, stage="entities", code="ner_model"):
    """The NER model could not be loaded or run."""


class NERModelMissingError(NERModelError, code="ner_model_missing"):
    """The trained NER model is not where the package expects it."""


@dataclass(frozen=True, slots=True)
class CorpusSentence:
    """One annotated text of a training or evaluation corpus, labels already mapped to ours.

    `spans` are the entities we model; `missing` are spans of names we do not model (products, films),
    which training neither rewards nor penalises.
    """

    text: str
    spans: tuple[tuple[int, int, str], ...]
    missing: tuple[tuple[int, int], ...] = ()


@cache
def model_settings() -> dict:
    """Return the parsed settings of the NER model (token pattern, labels, corpus label maps)."""
    return load("ner_model/settings.yaml")


@cache
def _token_regex() -> re.Pattern[str]:
    return re.compile(model_settings()["token_pattern"])


@cache
def _jieba_tokenizer():
    # A private jieba Tokenizer with the stock dictionary: the model's word features must not change when
    # the project's lexicon (which the segmenter loads into its own jieba) grows.
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def _position_class(token_start: int, token_end: int, word_start: int, word_end: int) -> str:
    begins = token_start <= word_start
    ends = token_end >= word_end
    position = "S" if begins and ends else "B" if begins else "E" if ends else "M"
    return f"{position}{min(word_end - word_start, _MAX_WORD_LENGTH_CLASS)}"


@cache
def _position_hashes() -> dict[tuple[bool, bool, int], int]:
    """Return the feature hash of each (begins word, ends word, word length class) position."""
    hashes = {}
    for begins in (False, True):
        for ends in (False, True):
            for length in range(1, _MAX_WORD_LENGTH_CLASS + 1):
                hashes[(begins, ends, length)] = hash_string(_position_name((begins, ends, length)))
    return hashes


def _position_name(key: tuple[bool, bool, int]) -> str:
    """Return the class name (B2, M4, S1, ...) of a (begins word, ends word, word length class) position."""
    begins, ends, length = key
    # Expressed through token offsets so that the class names stay those the model was trained on.
    start, end = (0 if begins else 1), (length if ends else length - 1)
    return _position_class(start, end, 0, length)


def _gazetteer_marks(text: str) -> list[str]:
    """Return, per character of `text`, the lexicon label and position covering it ("ORG-B"), or ""."""
    from extract.lexicon import surface_automaton

    marks = [""] * len(text)
    for end_index, (length, _canonical, label) in surface_automaton(lowercase=True).iter_long(lower_same_length(text)):
        start = end_index + 1 - length
        if length == 1:
            marks[start] = f"{label}-S"
            continue
        marks[start] = f"{label}-B"
        for i in range(start + 1, end_index):
            marks[i] = f"{label}-I"
        marks[end_index] = f"{label}-E"
    return marks


class CharWordTokenizer:
    """Split Simplified text into character tokens that carry jieba word features.

    Token attributes set: NORM = the jieba word containing the token (lower-cased), TAG = its position in
    that word and the word's length class (B2, M4, S1, ...), LEMMA = the bigram of this and the next token.
    With `gazetteer`, TAG also holds the lexicon label and position covering the token's first character.
    """

    def __init__(self, vocab: Vocab, *, gazetteer: bool = False):
        self.vocab = vocab
        self.gazetteer = gazetteer

    def __call__(self, text: str) -> Doc:
        words: list[str] = []
        spaces: list[bool] = []
        starts: list[int] = []
        for match in _token_regex().finditer(text):
            piece = match.group()
            if piece == " " and words and not spaces[-1]:
                spaces[-1] = True
                continue
            words.append(piece)
            spaces.append(False)
            starts.append(match.start())
        doc = Doc(self.vocab, words=words, spaces=spaces)
        if not words:
            return doc
        # Per character: (hash of its jieba word, word start, word end); a list, as numpy scalars are slow here.
        word_of_char: list[tuple[int, int, int] | None] = [None] * len(text)
        for word, start, end in _jieba_tokenizer().tokenize(text, HMM=True):
            word_of_char[start:end] = [(hash_string(word.lower()), start, end)] * (end - start)
        lowered = [w.lower() for w in words]
        lowered.append("</s>")
        position_hashes = _position_hashes()
        marks = _gazetteer_marks(text) if self.gazetteer else None
        rows = []
        for i, start in enumerate(starts):
            piece = lowered[i]
            word_hash, word_start, word_end = word_of_char[start]
            key = (start <= word_start, start + len(piece) >= word_end, min(word_end - word_start, _MAX_WORD_LENGTH_CLASS))
            if marks is not None and marks[start]:
                position = _marked_position_hash(key, marks[start])
            else:
                position = position_hashes[key]
            rows.append((word_hash, position, hash_string(piece + lowered[i + 1])))
        features = numpy.array(rows, dtype=numpy.uint64)
        # Hashes only: the strings are never needed back, so the vocabulary's StringStore does not grow.
        doc.from_array([NORM, TAG, LEMMA], features)
        return doc

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)

    # The tokenizer has no state of its own: its pattern is package data, its dictionary is jieba's.
    def to_disk(self, path, *, exclude=tuple()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        name = TOKENIZER_NAME_GAZETTEER if self.gazetteer else TOKENIZER_NAME
        (path / "tokenizer.json").write_text(json.dumps({"name": name}), encoding="utf-8")

    def from_disk(self, path, *, exclude=tuple()) -> "CharWordTokenizer":
        return self

    def to_bytes(self, *, exclude=tuple()) -> bytes:
        return b""

    def from_bytes(self, data: bytes, *, exclude=tuple()) -> "CharWordTokenizer":
        return self


@cache
def _marked_position_hash(key: tuple[bool, bool, int], mark: str) -> int:
    return hash_string(_position_name(key) + "|" + mark)


@registry.tokenizers(TOKENIZER_NAME)
def create_char_word_tokenizer():
    """Return the factory spaCy calls to build the model's tokenizer from its config."""

    def make_tokenizer(nlp: Language) -> CharWordTokenizer:
        return CharWordTokenizer(nlp.vocab)

    return make_tokenizer


@registry.tokenizers(TOKENIZER_NAME_GAZETTEER)
def create_char_word_gazetteer_tokenizer():
    """Return the factory of the tokenizer whose TAG feature also carries the lexicon's view (v2)."""

    def make_tokenizer(nlp: Language) -> CharWordTokenizer:
        return CharWordTokenizer(nlp.vocab, gazetteer=True)

    return make_tokenizer


@cache
def load_model(path: Path | None = None) -> Language:
    """Return the trained NER pipeline (loaded once, offline), raising NERModelMissingError if it is absent."""
    import spacy

    model_dir = Path(path) if path is not None else MODEL_DIR
    if not (model_dir / "config.cfg").is_file():
        raise NERModelMissingError(
            f"no trained NER model at {model_dir} (config.cfg missing); train one with scripts/train_ner.py",
            source=str(model_dir),
        )
    try:
        return spacy.load(model_dir)
    except (OSError, ValueError) as exc:
        raise NERModelError(f"the NER model at {model_dir} could not be loaded: {exc}",
                            source=str(model_dir)) from exc


def spans_of_doc(doc: Doc) -> list[tuple[int, int, str]]:
    """Return the entity spans of a processed Doc as half-open character offsets with their labels."""
    return [(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents]


def predict_spans(texts: list[str], *, batch_size: int = 32,
                  model_path: Path | None = None) -> list[list[tuple[int, int, str]]]:
    """Return, for each Simplified text, the (start, end, label) spans of the PERSON, ORG and LOC it names."""
    nlp = load_model(model_path)
    return [spans_of_doc(doc) for doc in nlp.pipe(texts, batch_size=batch_size)]


def _split_at_sentence_ends(sentence: CorpusSentence, max_chars: int) -> list[CorpusSentence]:
    """Cut a long annotated paragraph into sentences, never inside an entity or a missing span."""
    text = sentence.text
    if len(text) <= max_chars:
        return [sentence]
    covered = numpy.zeros(len(text) + 1, dtype=bool)
    for start, end, *_ in (*sentence.spans, *sentence.missing):
        covered[start + 1:end] = True
    cuts = [0]
    for match in re.finditer(model_settings()["sentence_ends"], text):
        cut = match.end()
        if not covered[cut] and cut < len(text):
            cuts.append(cut)
    cuts.append(len(text))
    pieces = []
    for start, end in zip(cuts, cuts[1:]):
        if not text[start:end].strip():
            continue
        spans = tuple((s - start, e - start, label) for s, e, label in sentence.spans if start <= s and e <= end)
        missing = tuple((s - start, e - start) for s, e in sentence.missing if start <= s and e <= end)
        pieces.append(CorpusSentence(text[start:end], spans, missing))
    return pieces


def read_corpus(path: Path, corpus: str, *, max_chars: int | None = None) -> list[CorpusSentence]:
    """Return the texts of one JSONL file of ../shared/ner with labels mapped to ours.

    `corpus` names the label map (msra, boson, cluener, weibo, peoples_daily); with `max_chars`, longer
    paragraphs are cut into sentences.
    """
    label_map = model_settings()["label_map"][corpus]
    sentences = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            spans, missing = [], []
            for start, end, label in record["entities"]:
                ours = label_map.get(label)
                if ours == "missing":
                    missing.append((start, end))
                elif ours is not None:
                    spans.append((start, end, ours))
            sentence = CorpusSentence(record["text"], tuple(sorted(spans)), tuple(sorted(missing)))
            sentences.extend(_split_at_sentence_ends(sentence, max_chars) if max_chars else [sentence])
    return sentences


# Sentences held out of CLUENER train for model selection: CLUENER dev is an evaluation split.
CLUENER_HELD_OUT = 500


def training_splits(data: Path, repeat: str, *, limit: int = 0
                    ) -> tuple[list[tuple[str, list[CorpusSentence], int]], dict[str, list[CorpusSentence]]]:
    """Return the train sets and the dev sets both NER models train and select on (no test split is read).

    `repeat` is "corpus=times,..." (how often each train corpus is seen); the train sets come as
    (corpus, sentences, times), paragraphs cut into sentences of at most 200 characters, with `limit`
    sentences at most each (smoke runs). Dev sets: 1,000 sentences of MSRA dev, BosonNLP dev, Weibo dev and
    the last CLUENER_HELD_OUT sentences of CLUENER train.
    """
    train, dev = [], {}
    for item in repeat.split(","):
        corpus, times = item.split("=")
        sentences = read_corpus(Path(data) / corpus / "train.jsonl", corpus, max_chars=200)
        if corpus == "cluener":
            dev["cluener-heldout"] = sentences[-CLUENER_HELD_OUT:]
            sentences = sentences[:-CLUENER_HELD_OUT]
        if limit:
            sentences = sentences[:limit]
        train.append((corpus, sentences, int(times)))
    dev["msra"] = random.Random(1).sample(read_corpus(Path(data) / "msra" / "dev.jsonl", "msra"), 1000)
    dev["boson"] = read_corpus(Path(data) / "boson" / "dev.jsonl", "boson")
    dev["weibo"] = read_corpus(Path(data) / "weibo" / "dev.jsonl", "weibo")
    return train, dev
