"""The spaCy pipeline: a registered jieba tokenizer and factories of thin components over the plain extractors.

A Doc comes in one of two forms. The analysis (`extract.analysis.article`) normalises an article itself and
builds the Doc over its Simplified text (`doc._.normalized` is None). The tokenizer `zh_extract.jieba_tokenizer.v2`
builds the Doc over the text exactly as given, in any Chinese script, and keeps the conversion in
`doc._.normalized` (the Simplified text and the exact offset map back). Either way the extractors read the
Simplified text, their records on `doc._.<kind>` carry Simplified offsets, and the spans of `doc.spans` and
`doc.ents` are in the Doc's own characters.

Every component is built by a registered factory from its config (spaCy's `span_ruler` is the model): the
entity model, for example, is the `model` setting of `zh_extract_entities`, not a value passed on the Doc.
`PIPES` lists them once; the spaCy package (`zh_extract`, `scripts/build_spacy_package.py`) holds them all.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from pathlib import Path

import dataclasses
from datetime import date

import numpy
import spacy
import srsly
from spacy.attrs import POS, SENT_START, TAG
from spacy.language import Language
from spacy.parts_of_speech import IDS as UPOS_IDS
from spacy.tokens import Doc, Span
from spacy.util import registry

from extract.errors import ExtractError
from extract.settings import Settings
from extract.text.segment import Segmenter, Token, merge_across

_EXTENSIONS = ("text_cache", "word_tokens", "entities", "quantities", "dates", "published", "normalized",
               "region", "variant")
for _name in _EXTENSIONS:
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)
if not Span.has_extension("canonical"):
    # The canonical (Simplified) name of an entity of doc.ents, kept as the span's kb_id (it serialises).
    Span.set_extension("canonical", getter=lambda span: span.kb_id_ or None)


# -- serialising the records of doc._ (Doc.to_bytes, DocBin, nlp.pipe with n_process > 1) -----------------------

_RECORD, _DATE = "__zh_extract_record__", "__zh_extract_date__"


@cache
def _record_types() -> dict[str, type]:
    from extract.extractors.dates import DateMention
    from extract.extractors.entities import Entity
    from extract.extractors.quantities import Quantity
    from extract.text.normalize import Normalized

    return {cls.__name__: cls for cls in (Entity, Quantity, DateMention, Normalized)}


@srsly.msgpack_encoders("zh_extract_records")
def _encode_record(obj, chain=None):
    """Encode our frozen records (and dates) for msgpack, which spaCy uses to serialise `doc.user_data`."""
    if dataclasses.is_dataclass(obj) and _record_types().get(type(obj).__name__) is type(obj):
        return {_RECORD: type(obj).__name__, "fields": [getattr(obj, f.name) for f in dataclasses.fields(obj)]}
    if type(obj) is date:
        return {_DATE: obj.isoformat()}
    return obj if chain is None else chain(obj)


@srsly.msgpack_decoders("zh_extract_records")
def _decode_record(obj, chain=None):
    """Decode what `_encode_record` encoded."""
    if isinstance(obj, dict):
        if _RECORD in obj:
            return _record_types()[obj[_RECORD]](*obj["fields"])
        if _DATE in obj:
            return date.fromisoformat(obj[_DATE])
    return obj if chain is None else chain(obj)


# -- tokenizer ---------------------------------------------------------------------------------------------

@cache
def segmenter(cache_dir: str | None = None) -> Segmenter:
    """Return the process-wide Segmenter loaded with the entity lexicon (built once: it takes about a second)."""
    from extract.lexicon import jieba_entries

    return Segmenter(jieba_entries(), cache_dir=Path(cache_dir) if cache_dir else None)


class JiebaTokenizer:
    """A spaCy tokenizer keeping the text exactly as given; Traditional text is segmented in its Simplified form.

    Each token is the original text of a jieba word of the Simplified conversion (a phrase OpenCC converted as a
    whole is never cut), so `doc.text` is the input and every token carries its jieba tag and Universal POS.
    """

    def __init__(self, vocab, cache_dir: str | None = None):
        self.vocab = vocab
        self.cache_dir = cache_dir

    @property
    def segmenter(self) -> Segmenter:
        return segmenter(self.cache_dir)

    def __call__(self, text: str) -> Doc:
        from extract.errors import EmptyTextError
        from extract.text.normalize import normalize

        try:
            norm = normalize(text)
        except EmptyTextError:  # no Chinese at all: nothing to convert
            norm = normalize(text, variant="zh-Hans", config="none")
        tokens = merge_across(self.segmenter.tokens(norm.simplified), norm.inner_offsets())
        if norm.simplified == text:
            doc = tokens_doc(self.vocab, tokens)
        else:
            words = [text[norm.orig_start[t.start]:norm.orig_end[t.end - 1]] for t in tokens]
            doc = tokens_doc(self.vocab, tokens, words=words)
        doc._.normalized = norm
        return doc

    # Nothing to store: the lexicon and jieba's dictionary ship with the package; the config holds the rest.
    def to_disk(self, path, *, exclude=()) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)
        (Path(path) / "tokenizer.txt").write_text("zh_extract.jieba_tokenizer.v2: nothing stored\n")

    def from_disk(self, path, *, exclude=()) -> JiebaTokenizer:
        return self

    def to_bytes(self, *, exclude=()) -> bytes:
        return b""

    def from_bytes(self, data: bytes, *, exclude=()) -> JiebaTokenizer:
        return self


@registry.tokenizers("zh_extract.jieba_tokenizer.v2")
def create_jieba_tokenizer(cache_dir: str | None = None) -> Callable[[Language], JiebaTokenizer]:
    """Return a factory making our jieba tokenizer for a Language's vocab."""

    def make(nlp: Language) -> JiebaTokenizer:
        return JiebaTokenizer(nlp.vocab, cache_dir)

    return make


def tokens_doc(vocab, tokens: list[Token], words: list[str] | None = None) -> Doc:
    """Return a Doc of jieba tokens (or of `words`, their original text) with tags, Universal POS and word list.

    `doc._.word_tokens` keeps the (word, start, end) triples in Simplified offsets for the components.
    """
    doc = Doc(vocab, words=words if words is not None else [t.text for t in tokens], spaces=[False] * len(tokens))
    doc.from_array([TAG, POS], _tag_rows(vocab, tokens))
    doc._.word_tokens = [t[:3] for t in tokens]  # (text, start, end): a slice of the named tuple is a plain one
    return doc


def analysis_doc(vocab, text: str, tokens: list[Token]) -> Doc:
    """Return the Doc the analysis runs its components on: the Simplified text and its words, without spaCy tokens.

    The components read the text (`doc._.text_cache`) and the words (`doc._.word_tokens`: iterating spaCy tokens
    from Python costs more than jieba), and the analysis reads their records, never the Doc's tokens: making
    them (a lexeme for every word not met before, tags and POS) cost a twelfth of the analysis for nothing.
    """
    doc = Doc(vocab)
    doc._.text_cache = text
    doc._.word_tokens = [t[:3] for t in tokens]  # (text, start, end): a slice of the named tuple is a plain one
    return doc


def _tag_rows(vocab, tokens: list[Token]) -> numpy.ndarray:
    """Return the (tag hash, Universal POS) row of each token, whitespace as SPACE.

    One row per distinct tag, then the tokens' rows picked by index: Doc(tags=...) sets tags token by token from
    Python, and even a row per token made in Python cost as much as building the Doc.
    """
    index: dict[str, int] = {}
    ids = [index.setdefault(tag, len(index)) for tag in map(itemgetter(3), tokens)]
    strings, upos, other = vocab.strings, upos_ids(), UPOS_IDS["X"]
    table = numpy.array([(strings.add(tag), upos.get(tag, other)) for tag in index], dtype=numpy.uint64)
    rows = table.reshape(-1, 2)[numpy.array(ids, dtype=numpy.intp)]
    rows[[i for i, word in enumerate(map(itemgetter(0), tokens)) if word.isspace()], 1] = UPOS_IDS["SPACE"]
    return rows


@cache
def upos_ids() -> dict[str, int]:
    """Return the Universal POS id of each jieba tag (data/spacy/upos.tsv)."""
    from extract.resources import load

    return {tag: UPOS_IDS[upos] for tag, upos in load("spacy/upos.tsv")}


# -- reading the Simplified text, writing spans in the Doc's characters --------------------------------------

def doc_text(doc: Doc) -> str:
    """Return the Simplified text the extractors read (computed once: spaCy rebuilds `doc.text` at every access)."""
    if doc._.normalized is not None:
        return doc._.normalized.simplified
    if doc._.text_cache is None:
        doc._.text_cache = doc.text
    return doc._.text_cache


def doc_span(doc: Doc, start: int, end: int, label: str, kb_id: str = "", *, alignment: str = "expand") -> Span | None:
    """Return the tokens of Doc covering Simplified span [start, end), or None where no token does.

    With `alignment="strict"`, None also where the span starts or ends inside a token.
    """
    norm = doc._.normalized
    if norm is not None:
        start, end = norm.to_original(*norm.expand(start, end))
    return doc.char_span(start, end, label=label, kb_id=kb_id, alignment_mode=alignment)


def _set_spans(doc: Doc, key: str, records, label_attr: str) -> None:
    spans = (doc_span(doc, r.start, r.end, getattr(r, label_attr)) for r in records)
    doc.spans[key] = [span for span in spans if span is not None]


def doc_region(doc: Doc) -> str:
    """Return the region (CN, TW, HK, MO) of the Doc: `doc._.region` as the analysis sets it, else read from the
    text and its script variant (a Doc made by the zh_extract tokenizer)."""
    if doc._.region is None:
        from extract.extractors.quantities import currency_region

        variant = doc._.normalized.variant if doc._.normalized is not None else None
        doc._.region = currency_region(doc_text(doc), variant=variant)
    return doc._.region


# -- components ------------------------------------------------------------------------------------------

@dataclass
class Extractor:
    """Run one plain extractor on the Simplified text; keep its records on `doc._.<key>` and in `doc.spans[key]`."""

    key: str
    find: Callable[[Doc], list]
    label_attr: str

    def __call__(self, doc: Doc) -> Doc:
        return self.annotate(doc)

    def annotate(self, doc: Doc, *, spans: bool = True) -> Doc:
        """Set the records on `doc._.<key>` and, with `spans`, their token spans in `doc.spans[key]`."""
        records = self.find(doc)
        doc._.set(self.key, records)
        if spans:
            _set_spans(doc, self.key, records, self.label_attr)
        return doc


@Language.factory("zh_extract_quantities", assigns=["doc._.quantities", "doc.spans"], default_config={})
def make_quantities(nlp: Language, name: str) -> Extractor:
    """Numbers and quantities (extract.extractors.quantities.find_quantities), labelled by kind."""
    from extract.extractors.quantities import find_quantities

    # the Doc's region (CN, TW, HK, MO) gives the currency of a bare 元
    return Extractor("quantities", lambda doc: find_quantities(doc_text(doc), region=doc_region(doc)), "kind")


@Language.factory("zh_extract_dates", assigns=["doc._.dates", "doc.spans"],
                  default_config={"infer_published": False})
def make_dates(nlp: Language, name: str, infer_published: bool) -> Extractor:
    """Dates, periods and durations (extract.extractors.dates.find_dates) resolved against `doc._.published`.

    With `infer_published`, a Doc without a publication date takes the one its text states, if any.
    """
    from extract.extractors.dates import find_dates, infer_published as published_in

    def find(doc: Doc) -> list:
        text = doc_text(doc)
        if doc._.published is None and infer_published:
            doc._.published = published_in(text)
        # whose festivals and fiscal years
        return find_dates(text, published=doc._.published, region=doc_region(doc))

    return Extractor("dates", find, "kind")


@Language.factory("zh_extract_entities", assigns=["doc._.entities", "doc.spans"], default_config={"model": "crf"})
def make_entities(nlp: Language, name: str, model: str) -> Extractor:
    """Named entities with canonical names (extract.extractors.entities.find_entities), reusing the Doc's words.

    `model` is the statistical model filling what the lexicon and rules leave: crf, cnn or off.
    """
    from extract.extractors.entities import MODELS, find_entities

    if model not in MODELS:
        raise ExtractError(f"entity_model must be one of {', '.join(MODELS)}, not {model!r}",
                           code="bad_setting", stage="settings")

    def find(doc: Doc) -> list:
        tokens = doc._.word_tokens or [(t.text, t.idx, t.idx + len(t.text)) for t in doc]
        # The script variant of the text as written says its region (央行: 中国人民银行 or Taiwan's 中央银行).
        variant = doc._.variant or (doc._.normalized.variant if doc._.normalized is not None else None)
        return find_entities(doc_text(doc), tokens=tokens, model=model, variant=variant)

    return Extractor("entities", find, "label")


@Language.factory("zh_extract_sentences", assigns=["token.is_sent_start"], default_config={})
def make_sentences(nlp: Language, name: str) -> Callable[[Doc], Doc]:
    """Sentence starts for `doc.sents`, as the analysis splits sentences (lines, then 。！？ and closing quotes)."""
    return set_sentence_starts


def set_sentence_starts(doc: Doc) -> Doc:
    """Mark the first token of every sentence of extract.text.structure (on the Simplified text)."""
    from extract.text import structure

    text = doc_text(doc)
    flags = numpy.full(len(doc), -1, dtype=numpy.int32)
    for sent in structure.sentences(text, structure.lines(text)):
        span = doc_span(doc, sent.start, sent.end, "")
        if span is not None:
            flags[span.start] = 1
    if len(doc):
        flags[0] = 1
        doc.from_array([SENT_START], flags.astype(numpy.uint64).reshape(-1, 1))
    return doc


@Language.factory("zh_extract_ents", assigns=["doc.ents"], requires=["doc._.entities"], default_config={})
def make_ents(nlp: Language, name: str) -> Callable[[Doc], Doc]:
    """`doc.ents` from the records: entities, dates and quantities, non-overlapping, labelled as spaCy's zh models."""
    return set_ents


def set_ents(doc: Doc) -> Doc:
    """Set `doc.ents`: the longest mention wins an overlap (on a tie, the kind first in data/spacy/ent_labels.yaml).

    A mention that starts or ends inside a token (華 of the word 對華) is left out of doc.ents, whose spans are
    whole tokens; it stays in `doc._` and, widened to its tokens, in `doc.spans`.
    """
    labels = _ent_labels()
    found = []  # (span, rank)
    for rank, key in enumerate(labels["priority"]):
        for record in doc._.get(key) or ():
            label, kb_id = ent_label(key, record, labels)
            span = doc_span(doc, record.start, record.end, label, kb_id, alignment="strict")
            if span is not None:
                found.append((span, rank))
    taken = numpy.zeros(len(doc), dtype=bool)
    ents = []
    for span, _ in sorted(found, key=lambda item: (item[0].start - item[0].end, item[1], item[0].start)):
        if not taken[span.start:span.end].any():
            taken[span.start:span.end] = True
            ents.append(span)
    doc.ents = sorted(ents, key=lambda span: span.start)
    return doc


def ent_label(key: str, record, labels: dict) -> tuple[str, str]:
    """Return the doc.ents label and kb_id (the canonical name, for entities) of one record."""
    if key == "entities":
        return record.label, record.canonical or ""
    if key == "dates":
        return labels["dates"], ""
    return labels["quantities"].get(record.kind, "CARDINAL"), ""


@cache
def _ent_labels() -> dict:
    from extract.resources import load

    return load("spacy/ent_labels.yaml")


# -- the list of pipes -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Pipe:
    """One component of the pipeline: its name, its factory, and how the analysis settings configure it.

    `setting` names the Settings flag that switches it on for the analysis; None marks a component only
    spaCy users need (the analysis reads the records, not doc.ents or doc.sents).
    """

    name: str
    factory: str
    setting: str | None
    config: Callable[[Settings], dict] = field(default=lambda settings: {})


PIPES: tuple[Pipe, ...] = (
    Pipe("sentences", "zh_extract_sentences", None),
    Pipe("quantities", "zh_extract_quantities", "quantities"),
    Pipe("dates", "zh_extract_dates", "dates"),
    Pipe("entities", "zh_extract_entities", "entities", lambda settings: {"model": settings.entity_model}),
    Pipe("ents", "zh_extract_ents", None),
)


def analysis_pipes(settings: Settings) -> tuple[tuple[str, str, tuple], ...]:
    """Return (name, factory, config items) of the components the analysis runs under `settings`."""
    return tuple((p.name, p.factory, tuple(sorted(p.config(settings).items()))) for p in PIPES
                 if p.setting is not None and getattr(settings, p.setting))


def build_nlp(settings: Settings = Settings()) -> Language:
    """Return the analysis pipeline under `settings` (built once per distinct configuration)."""
    return _nlp(settings.cache_dir, analysis_pipes(settings))


# The spaCy package's dates component infers the publication date from the text (the analysis passes its own).
_PACKAGE_CONFIG = {"dates": {"infer_published": True}}


def package_nlp(cache_dir: str | None = None) -> Language:
    """Return the full pipeline of the spaCy package (built once): every pipe, dates inferring the publication date."""
    return _nlp(cache_dir, _package_pipes())


def new_package_nlp(cache_dir: str | None = None) -> Language:
    """Return a new pipeline of the spaCy package, its vocabulary untouched (what scripts/build_spacy_package.py saves)."""
    return _new_nlp(cache_dir, _package_pipes())


def _package_pipes() -> tuple[tuple[str, str, tuple], ...]:
    return tuple((p.name, p.factory, tuple(sorted({**p.config(Settings()), **_PACKAGE_CONFIG.get(p.name, {})}.items())))
                 for p in PIPES)


@cache
def _nlp(cache_dir: str | None, pipes: tuple[tuple[str, str, tuple], ...]) -> Language:
    return _new_nlp(cache_dir, pipes)


def _new_nlp(cache_dir: str | None, pipes: tuple[tuple[str, str, tuple], ...]) -> Language:
    config = {"nlp": {"tokenizer": {"@tokenizers": "zh_extract.jieba_tokenizer.v2", "cache_dir": cache_dir}}}
    nlp = spacy.blank("zh", config=config)
    for name, factory, items in pipes:
        nlp.add_pipe(factory, name=name, config=dict(items))
    return nlp
