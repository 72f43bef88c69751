"""The spaCy pipeline: a registered jieba tokenizer and thin components over the plain extractor functions.

The Doc's text is the Simplified text of an article. Components store the extractor records on Doc
extensions (`doc._.quantities`, …) and, aligned to tokens, on `doc.spans[...]` for spaCy users.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy
import spacy
from spacy.attrs import TAG
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import registry

from extract.text.segment import Segmenter, Token

_EXTENSIONS = ("text_cache", "word_tokens", "entities", "quantities", "dates", "published", "entity_model",
               "variant")
for _name in _EXTENSIONS:
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


class JiebaTokenizer:
    """A spaCy tokenizer over our own jieba Segmenter (Simplified text in, every character covered)."""

    def __init__(self, vocab, segmenter: Segmenter):
        self.vocab = vocab
        self.segmenter = segmenter

    def __call__(self, text: str) -> Doc:
        return tokens_doc(self.vocab, self.segmenter.tokens(text))


def tokens_doc(vocab, tokens: list[Token]) -> Doc:
    """Return a Doc of jieba tokens with their tags, and the (word, start, end) list components read."""
    doc = Doc(vocab, words=[t.text for t in tokens], spaces=[False] * len(tokens))
    # Tags go in as one array: Doc(tags=...) sets them token by token from Python, which costs as much as
    # building the Doc.
    strings, hashes = vocab.strings, _tag_hashes(vocab)
    doc.from_array([TAG], numpy.array([hashes.get(t.pos) or hashes.setdefault(t.pos, strings.add(t.pos))
                                       for t in tokens], dtype=numpy.uint64).reshape(-1, 1))
    doc._.word_tokens = [(t.text, t.start, t.end) for t in tokens]
    return doc


@cache
def _tag_hashes(vocab) -> dict[str, int]:
    return {}


@cache
def segmenter(cache_dir: str | None = None) -> Segmenter:
    """Return the process-wide Segmenter loaded with the entity lexicon (built once: it takes about a second)."""
    from extract.lexicon import jieba_entries

    return Segmenter(jieba_entries(), cache_dir=Path(cache_dir) if cache_dir else None)


@registry.tokenizers("zh_extract.jieba_tokenizer.v1")
def create_jieba_tokenizer(cache_dir: str | None = None):
    """Return a factory making our jieba tokenizer for a Language's vocab."""

    def make(nlp: Language) -> JiebaTokenizer:
        return JiebaTokenizer(nlp.vocab, segmenter(cache_dir))

    return make


def doc_text(doc: Doc) -> str:
    """Return the Doc's text, computed once (spaCy rebuilds `doc.text` from its tokens at every access)."""
    if doc._.text_cache is None:
        doc._.text_cache = doc.text
    return doc._.text_cache


def _set_spans(doc: Doc, key: str, records, label_attr: str | None = None) -> None:
    spans = []
    for record in records:
        span = doc.char_span(record.start, record.end, label=getattr(record, label_attr) if label_attr else key,
                             alignment_mode="expand")
        if span is not None:
            spans.append(span)
    doc.spans[key] = spans


@Language.component("zh_extract_quantities_v1", assigns=["doc._.quantities", "doc.spans"])
def quantities_component(doc: Doc) -> Doc:
    """Find numbers and quantities (extract.extractors.quantities.find_quantities) on the Simplified text."""
    from extract.extractors.quantities import find_quantities

    doc._.quantities = find_quantities(doc_text(doc))
    _set_spans(doc, "quantities", doc._.quantities, "kind")
    return doc


@Language.component("zh_extract_dates_v1", assigns=["doc._.dates", "doc.spans"])
def dates_component(doc: Doc) -> Doc:
    """Find dates, periods and durations, resolved against `doc._.published` (extract.extractors.dates.find_dates)."""
    from extract.extractors.dates import find_dates

    doc._.dates = find_dates(doc_text(doc), published=doc._.published)
    _set_spans(doc, "dates", doc._.dates, "kind")
    return doc


@Language.component("zh_extract_entities_v1", assigns=["doc._.entities", "doc.spans"])
def entities_component(doc: Doc) -> Doc:
    """Find named entities with canonical names (extract.extractors.entities.find_entities), reusing the Doc's tokens."""
    from extract.extractors.entities import find_entities

    tokens = doc._.word_tokens or [(t.text, t.idx, t.idx + len(t.text)) for t in doc]
    doc._.entities = find_entities(doc_text(doc), tokens=tokens, model=doc._.entity_model or "crf",
                                   variant=doc._.variant)
    _set_spans(doc, "entities", doc._.entities, "label")
    return doc


PIPES = ("zh_extract_quantities_v1", "zh_extract_dates_v1", "zh_extract_entities_v1")


@cache
def build_nlp(cache_dir: str | None = None, pipes: tuple[str, ...] = PIPES) -> Language:
    """Return the spaCy `zh` pipeline: our jieba tokenizer and the extractor components, built once."""
    config = {"nlp": {"tokenizer": {"@tokenizers": "zh_extract.jieba_tokenizer.v1", "cache_dir": cache_dir}}}
    nlp = spacy.blank("zh", config=config)
    for name in pipes:
        nlp.add_pipe(name)
    return nlp
