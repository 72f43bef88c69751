"""Link the article's sentences to the references they draw on, and report where the two disagree.

Inputs are plain `Passage` records (a body sentence, or a reference title) carrying what the extractors found in
them; `passages` and `reference_passages` build them from a spaCy Doc, `passage_from_text` from bare text.

`citations` links a sentence to a reference by an inline marker (`[3]`, `③`, `^3`) when the article has one;
otherwise by a score: BM25 of the reference title's terms against the sentence (divided by the title's total
IDF, so it reads as the weighted share of the title found in the sentence), plus bonuses for shared canonical
entities, equal quantities and overlapping dates. Sentences scoring `threshold` and near the reference's best
are anchors; their neighbours link when they share an entity or quantity with the title, and the rest of an
anchor's paragraph when it keeps naming the anchor's actor. The numbers live in
data/references/reconcile.yaml; benchmarks/references_eval.py prints the precision and recall they give.

`conflicts` looks at each link for: `term_mismatch` (an equal quantity attached to measures of different kinds,
利润 vs 收入), `quantity_mismatch` (the same measure with a different value), `date_after_source` (the sentence
dates something, not as a plan, after the reference was published), `source_after_article` (the reference is
dated after the article itself).
"""
from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from operator import itemgetter
from typing import Any

from extract.errors import DataFileError
from extract.extractors.references import Reference
from extract.extractors.references import grammar as reference_grammar
from extract.resources import compile_pattern, load

__all__ = [
    "CITING_SECTIONS", "Citation", "Conflict", "Passage", "citations", "conflicts", "passage_from_text",
    "passages", "reference_passages", "DocView",
]


@dataclass(frozen=True, slots=True)
class Passage:
    """A body sentence or a reference title, with what the extractors found in it.

    `idx` is the sentence index (sent_idx) for a sentence, the ref_idx for a reference title; `start`/`end` are
    offsets into the Simplified text; quantities and dates keep their own offsets into that same text.
    `paragraph` groups the sentences of one paragraph (None: the passage stands alone).
    """

    idx: int
    start: int
    end: int
    text: str
    section: str = "body"
    terms: tuple[str, ...] = ()
    entities: tuple[tuple[str, str], ...] = ()      # (canonical, label)
    quantities: tuple[Any, ...] = ()                # extract.extractors.quantities.Quantity
    dates: tuple[Any, ...] = ()                     # extract.extractors.dates.DateMention
    paragraph: int | None = None


@dataclass(frozen=True, slots=True)
class Citation:
    """A (reference, sentence) link: score (higher is stronger; 1.0 for an inline marker) and its evidence."""

    ref_idx: int
    sent_idx: int
    score: float
    evidence: list[dict] = field(default_factory=list)   # JSON-serialisable
    method: str = "similarity"                           # "marker" or "similarity"


@dataclass(frozen=True, slots=True)
class Conflict:
    """A disagreement between a sentence (or the article) and a reference it draws on."""

    ref_idx: int
    sent_idx: int | None
    kind: str
    article_text: str
    reference_text: str | None
    detail: str
    article_span: tuple[int, int] | None = None      # Simplified offsets of article_text
    reference_span: tuple[int, int] | None = None    # Simplified offsets of reference_text


# ------------------------------------------------------------------------------------------------- data

@dataclass(frozen=True, slots=True)
class _Settings:
    citing_sections: frozenset[str]
    k1: float
    b: float
    entity_bonus: float
    quantity_bonus: float
    date_bonus: float
    max_bonus: float
    threshold: float
    anchor_relative: float
    neighbour_evidence: frozenset[str]
    neighbour_min_score: float
    continuation_weight: float
    relative_floor: float
    max_per_reference: int
    min_terms_shared: int
    stop_terms: frozenset[str]
    date_weight: dict[str, float]
    actor_labels: frozenset[str]
    absent_entity_penalty: float
    measure_of: dict[str, str]             # word -> group name
    measure_gloss: dict[str, str]          # group name -> gloss
    measure_role: dict[str, str]           # group name -> "subject" or "change"
    measure_words: tuple[str, ...]         # longest first
    future_markers: tuple[str, ...]
    in_force_markers: tuple[str, ...]
    dateline_words: tuple[str, ...]
    measure_periods: dict[str, str]        # word before a measure -> period (month, year, cumulative, …)
    clause_break: re.Pattern


@cache
def settings() -> _Settings:
    """Return the reconciliation settings of data/references/reconcile.yaml (loaded once)."""
    raw = load("references/reconcile.yaml")
    try:
        sc = raw["scoring"]
        measure_of, gloss, role = {}, {}, {}
        for group in raw["measures"]:
            gloss[group["name"]] = group["gloss"]
            role[group["name"]] = group["role"]
            if group["role"] not in ("subject", "change"):
                raise DataFileError(f"data/references/reconcile.yaml: measure {group['name']!r} has role "
                                    f"{group['role']!r}, not subject or change")
            for word in group["words"]:
                if word in measure_of:
                    raise DataFileError(f"data/references/reconcile.yaml: measure word {word!r} is in two groups")
                measure_of[word] = group["name"]
        clause_break = compile_pattern(raw["clause_break"], "references/reconcile.yaml", "clause_break")
        return _Settings(
            citing_sections=frozenset(raw["citing_sections"]),
            k1=float(sc["bm25_k1"]), b=float(sc["bm25_b"]),
            entity_bonus=float(sc["entity_bonus"]), quantity_bonus=float(sc["quantity_bonus"]),
            date_bonus=float(sc["date_bonus"]), max_bonus=float(sc["max_bonus"]),
            threshold=float(sc["threshold"]), anchor_relative=float(sc["anchor_relative"]),
            neighbour_evidence=frozenset(sc["neighbour_evidence"]),
            neighbour_min_score=float(sc["neighbour_min_score"]),
            relative_floor=float(sc["relative_floor"]), continuation_weight=float(sc["continuation_weight"]),
            max_per_reference=int(sc["max_per_reference"]), min_terms_shared=int(sc["min_terms_shared"]),
            stop_terms=frozenset(str(t).lower() for t in raw["stop_terms"]),
            date_weight={str(k): float(v) for k, v in sc["date_weight"].items()},
            actor_labels=frozenset(sc["actor_labels"]),
            absent_entity_penalty=float(sc["absent_entity_penalty"]),
            measure_of=measure_of, measure_gloss=gloss, measure_role=role,
            measure_words=tuple(sorted(measure_of, key=len, reverse=True)),
            future_markers=tuple(raw["future_markers"]),
            in_force_markers=tuple(raw["in_force_markers"]),
            dateline_words=tuple(sorted(raw["dateline_words"], key=len, reverse=True)),
            measure_periods={str(k): str(v) for k, v in raw["measure_periods"].items()},
            clause_break=clause_break,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DataFileError(f"data/references/reconcile.yaml lacks or mistypes a key: {exc!r}") from exc


CITING_SECTIONS: frozenset[str] = frozenset({"body", "heading"})   # kept equal to the data file by a test


# -------------------------------------------------------------------------------------------- passages

def content_terms(words: Iterable[str]) -> tuple[str, ...]:
    """Return the words worth matching: two characters or more, not punctuation, not a stop term."""
    stop = settings().stop_terms
    known = _known_terms(stop)
    if len(known) > _KNOWN_TERMS_MAX:  # a long-lived worker meets ever more words: keep the memo bounded
        known.clear()
    out = []
    for w in words:
        term = known.get(w)
        if term is None:
            term = known[w] = _content_term(w, stop)
        if term:
            out.append(term)
    return tuple(out)


_KNOWN_TERMS_MAX = 200_000


@cache
def _known_terms(stop: frozenset[str]) -> dict[str, str]:
    """Return the memo of `content_terms` for one stop list: word -> its term, or "" for a word not worth matching.

    An article repeats its words, and the corpus repeats them across articles: each word is judged once.
    """
    return {}


def _content_term(word: str, stop: frozenset[str]) -> str:
    """Return a word as a term (stripped, lower case), or "" when it is not worth matching."""
    w = word.strip().lower()
    if len(w) < 2 or w in stop or not any(ch.isalnum() for ch in w):
        return ""
    if all(unicodedata.category(ch).startswith(("P", "S", "Z")) or ch.isdigit() for ch in w):
        return ""    # bare numbers are compared as quantities, not as terms
    return w


def _url_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Return the spans of URLs in text[start:end]: their pieces (https, com, id) are not topic terms."""
    return [(start + m.start(), start + m.end()) for m in reference_grammar().url.finditer(text[start:end])]


class _Spans:
    """Records (anything with start and end) found by the span they lie within, in their original order.

    Sorted by start once, so that each look-up visits only the records starting inside the span: asking each
    of an article's sentences for its records would otherwise cost sentences × records.
    """

    def __init__(self, records: Iterable[Any] | None):
        self.records = list(records or ())
        self.order = sorted(range(len(self.records)), key=lambda k: self.records[k].start)
        self.starts = [self.records[k].start for k in self.order]

    def within(self, start: int, end: int) -> tuple[Any, ...]:
        """Return the records with start <= record.start and record.end <= end in their original order."""
        lo, hi = bisect.bisect_left(self.starts, start), bisect.bisect_right(self.starts, end)
        found = sorted(k for k in self.order[lo:hi] if self.records[k].end <= end)
        return tuple(self.records[k] for k in found)


@dataclass(frozen=True, slots=True)
class DocView:
    """What passages read of a Doc, read once: its text and its tokens as (word, start, end), in text order.

    spaCy rebuilds `doc.text` by joining every token at each access, and iterating the Doc costs a Python
    object per token: read per sentence or per reference, both made reconciliation quadratic in the article.
    """

    text: str
    tokens: list[tuple[str, int, int]]
    token_starts: list[int]
    entities: _Spans
    quantities: _Spans
    dates: _Spans

    @classmethod
    def of(cls, doc) -> DocView:
        """Return the view of a Doc (a DocView is returned as it is)."""
        if isinstance(doc, DocView):
            return doc
        text = getattr(doc._, "text_cache", None) or doc.text
        return cls.of_words(text, _word_tokens(doc, text), entities=getattr(doc._, "entities", None),
                            quantities=getattr(doc._, "quantities", None), dates=getattr(doc._, "dates", None))

    @classmethod
    def of_words(cls, text: str, tokens: list[tuple[str, int, int]], *, entities=None, quantities=None,
                 dates=None) -> DocView:
        """Return the view of a text, its tokens as (word, start, end) tiling it, and the records found in it.

        The tokens may carry more after their end (segment.Token's tag): the analysis's own are read as they are.
        """
        return cls(text, tokens, list(map(itemgetter(1), tokens)), _Spans(entities), _Spans(quantities),
                   _Spans(dates))

    def words(self, start: int, end: int, *, first: int | None = None) -> list[str]:
        """Return the words of text[start:end] outside URLs: with `first` (a token index), every token from it
        that starts before `end`; without, the tokens lying wholly inside the span."""
        urls = _url_spans(self.text, start, end)
        lo = bisect.bisect_left(self.token_starts, start) if first is None else first
        hi = bisect.bisect_left(self.token_starts, end, lo)  # the tokens from lo that start before `end`
        # The tokens tile the text, so of those only the last can end past `end`: one test, not one per token.
        if first is None and hi > lo and self.tokens[hi - 1][2] > end:
            hi -= 1
        if urls:
            return [t[0] for t in self.tokens[lo:hi] if not any(a <= t[1] < b for a, b in urls)]
        return list(map(itemgetter(0), self.tokens[lo:hi]))


def _word_tokens(doc, text: str) -> list[tuple[str, int, int]]:
    """Return the Doc's tokens as (word, start, end), the words it was built of when they tile the text."""
    words = getattr(doc._, "word_tokens", None)
    # The Doc was built from these words without spaces: its token offsets are theirs when they tile the text.
    if (words and len(words) == len(doc) and words[0][1] == 0 and words[-1][2] == len(text)
            and all(a[2] == b[1] for a, b in zip(words, words[1:]))):
        return words
    return [(t.text, t.idx, t.idx + len(t.text)) for t in doc]


def passages(doc, sentences: Sequence[Any]) -> list[Passage]:
    """Return one Passage per sentence of a Doc or DocView (sentences: extract.text.structure.Sentence, in order)."""
    view = DocView.of(doc)
    out = []
    for i, sent in enumerate(sentences):
        out.append(Passage(
            idx=i, start=sent.start, end=sent.end, text=view.text[sent.start:sent.end], section=sent.section,
            terms=content_terms(_sentence_words(view, sent.start, sent.end)),
            entities=tuple((e.canonical, e.label) for e in view.entities.within(sent.start, sent.end)),
            quantities=view.quantities.within(sent.start, sent.end),
            dates=view.dates.within(sent.start, sent.end),
            paragraph=getattr(sent, "line_idx", None),
        ))
    return out


def _sentence_words(view: DocView, start: int, end: int) -> list[str]:
    # A sentence takes every token that starts before its end, from the first token ending after its start
    # (a token straddling the sentence start counts).
    k = bisect.bisect_left(view.token_starts, start)
    if k > 0 and view.tokens[k - 1][2] > start:
        k -= 1
    return view.words(start, end, first=k)


def reference_passages(doc, refs: Sequence[Reference]) -> list[Passage]:
    """Return one Passage per reference (of a Doc or DocView), over its title; its dates resolve against its date."""
    view = DocView.of(doc)
    out = []
    for ref in refs:
        s, e = ref.title_start, ref.title_end
        title_dates = view.dates.within(s, e)
        if ref.published is not None and title_dates:
            title_dates = _dates_against(view.text, s, e, ref.published) or title_dates
        out.append(Passage(
            idx=ref.ref_idx, start=s, end=e, text=view.text[s:e], section="references",
            terms=content_terms(view.words(s, e)),
            entities=tuple((x.canonical, x.label) for x in view.entities.within(s, e)),
            quantities=view.quantities.within(s, e), dates=title_dates,
        ))
    return out


def _dates_against(text: str, start: int, end: int, published: date) -> tuple[Any, ...]:
    """Return the dates of text[start:end] resolved against `published` (a title's "12月" is its own year)."""
    try:
        from extract.extractors.dates import find_dates
    except ImportError:
        return ()
    return tuple(_shift(d, start) for d in find_dates(text[start:end], published=published))


def _shift(record: Any, offset: int) -> Any:
    """Return a copy of an extractor record with its offsets moved by `offset`."""
    from dataclasses import replace

    return replace(record, start=record.start + offset, end=record.end + offset)


def passage_from_text(idx: int, start: int, end: int, text: str, *, section: str = "body",
                      published: date | None = None, paragraph: int | None = None) -> Passage:
    """Return a Passage for bare text (the span text[start:end] of some document), running the extractors.

    For scripts and notebooks without a Doc; extractors not installed yet are skipped.
    """
    from extract.analysis.nlp import segmenter

    urls = _url_spans(text, 0, len(text))
    words = [t.text for t in segmenter().tokens(text) if not any(a <= t.start < b for a, b in urls)]
    ents: tuple = ()
    qs: tuple = ()
    ds: tuple = ()
    try:
        from extract.extractors.entities import find_entities
        ents = tuple((e.canonical, e.label) for e in find_entities(text))
    except ImportError:
        pass
    try:
        from extract.extractors.quantities import find_quantities
        qs = tuple(_shift(q, start) for q in find_quantities(text))
    except ImportError:
        pass
    try:
        from extract.extractors.dates import find_dates
        ds = tuple(_shift(d, start) for d in find_dates(text, published=published))
    except ImportError:
        pass
    return Passage(idx=idx, start=start, end=end, text=text, section=section, terms=content_terms(words),
                   entities=ents, quantities=qs, dates=ds, paragraph=paragraph)


# ------------------------------------------------------------------------------------------- citations

def inline_markers(text: str) -> list[tuple[int, int, list[int]]]:
    """Return (start, end, numbers) of each inline citation marker in a sentence: [3], [3,4], [3-5], ③, ^3."""
    out = []
    for name, pattern in reference_grammar().inline:
        for m in pattern.finditer(text):
            groups = m.groupdict()
            numbers: list[int] = []
            if groups.get("list"):
                for part in re.split(r"\s*[,，、]\s*", groups["list"]):
                    bounds = re.split(r"\s*[\-–~]\s*", part)
                    if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit():
                        lo, hi = int(bounds[0]), int(bounds[1])
                        numbers.extend(range(lo, hi + 1) if 0 < hi - lo < 50 else [lo, hi])
                    elif part.isdigit():
                        numbers.append(int(part))
            elif groups.get("c"):
                # a circled number opening a clause enumerates ("①加强管理"); a citation follows the text
                nxt = text[m.end():m.end() + 1]
                if m.start() == 0 or (nxt and (unicodedata.category(nxt).startswith("L") or nxt.isdigit())):
                    continue
                value = unicodedata.numeric(groups["c"], None)
                numbers = [int(value)] if value is not None else []
            elif groups.get("sup"):
                numbers = [int(groups["sup"].translate(str.maketrans("¹²³⁴⁵⁶⁷⁸⁹⁰", "1234567890")))]
            if numbers:
                out.append((m.start(), m.end(), numbers))
    out.sort()
    return out


def citations(sentences: Sequence[Passage], references: Sequence[tuple[Reference, Passage]], *,
              published: date | None = None, threshold: float | None = None,
              use_markers: bool = True) -> list[Citation]:
    """Return the (reference, sentence) links, sorted by ref_idx then sent_idx.

    `sentences` are the body passages in text order; `references` pairs each entry with its title passage.
    References the article cites by inline marker are linked by the markers only; the others by score.
    `published` (the article's date) is accepted for symmetry with `conflicts`; scoring does not need it.
    `threshold` overrides the data file's anchor threshold; `use_markers=False` ignores inline markers (both
    for evaluation).
    """
    by_number: dict[int, Reference] = {}
    for ref, _ in references:
        # an unmarked list is cited by position ("[3]" is its third entry)
        by_number.setdefault(ref.number if ref.number is not None else ref.ref_idx, ref)
    found: dict[tuple[int, int], Citation] = {}
    body = list(sentences)
    for pos, sent in enumerate(body):
        for m_start, m_end, numbers in (inline_markers(sent.text) if use_markers else ()):
            # a marker opening a sentence belongs to the sentence before it ("…阴谋。[1]")
            target = body[pos - 1] if not sent.text[:m_start].strip() and pos > 0 else sent
            for n in numbers:
                ref = by_number.get(n)
                if ref is None:
                    continue
                key = (ref.ref_idx, target.idx)
                if key not in found:
                    found[key] = Citation(ref.ref_idx, target.idx, 1.0,
                                          [{"type": "marker", "text": sent.text[m_start:m_end]}], "marker")
    marked_refs = {ref_idx for ref_idx, _ in found}
    unmarked = [(ref, p) for ref, p in references if ref.ref_idx not in marked_refs]
    for c in _similarity_citations(body, unmarked, threshold=threshold):
        found.setdefault((c.ref_idx, c.sent_idx), c)
    return sorted(found.values(), key=lambda c: (c.ref_idx, c.sent_idx))


class _Index:
    """Document frequencies over the body sentences (terms, entities, quantity values), for rarity weights."""

    def __init__(self, body: Sequence[Passage]):
        self.n = max(len(body), 1)
        self.df = Counter(t for p in body for t in set(p.terms))
        self.entity_df = Counter(e for p in body for e in set(p.entities))
        self.entity_names = {e[0] for p in body for e in p.entities}
        self.quantity_df = Counter(k for p in body for k in {_quantity_key(q) for q in p.quantities})
        self.avg_len = sum(len(p.terms) for p in body) / self.n or 1.0
        self.vocabulary = tuple(self.df)
        self._parts: dict[str, tuple[str, ...]] = {}
        self._idf: dict[str, float] = {}
        self._titles: dict[int, tuple[Passage, frozenset[str], float]] = {}
        self._counts: dict[int, tuple[Sequence[str], Counter]] = {}
        self._vocabulary_set = set(self.vocabulary)
        self._by_bigram: dict[str, list[str]] = {}
        for word in self.vocabulary:
            for i in range(len(word) - 1):
                bucket = self._by_bigram.setdefault(word[i:i + 2], [])
                if not bucket or bucket[-1] != word:
                    bucket.append(word)

    def parts_of(self, term: str) -> tuple[str, ...]:
        """Return the article's words sharing a word part with `term` (cached per term)."""
        found = self._parts.get(term)
        if found is None:
            inside = {term[i:j] for i in range(len(term)) for j in range(i + 2, len(term) + 1)}
            around = self._by_bigram.get(term[:2], ())
            found = tuple(sorted(w for w in {*(inside & self._vocabulary_set), *around} if _partial(term, w)))
            self._parts[term] = found
        return found

    def idf(self, term: str) -> float:
        value = self._idf.get(term)
        if value is None:
            df = self.df.get(term, 0)
            value = self._idf[term] = math.log(1 + (self.n - df + 0.5) / (df + 0.5))
        return value

    def title_terms(self, query: Passage) -> tuple[tuple[str, ...], float]:
        """Return a title's distinct terms, sorted, and their total IDF (cached per title).

        Sorted, not a set: iteration order decides float sums and evidence order, which must not depend on
        the interpreter's hash seed (Dask workers and re-runs would otherwise write different rows).
        """
        found = self._titles.get(query.idx)
        if found is None or found[0] is not query:
            terms = tuple(sorted(set(query.terms)))
            found = self._titles[query.idx] = (query, terms, sum(self.idf(t) for t in terms) or 1.0)
        return found[1], found[2]

    def counts(self, terms: Sequence[str]) -> Counter:
        """Return the term frequencies of a passage's terms (cached: each title is scored against every sentence)."""
        found = self._counts.get(id(terms))
        if found is None or found[0] is not terms:
            found = self._counts[id(terms)] = (terms, Counter(terms))
        return found[1]

    def rarity(self, df: int) -> float:
        """Return 1.0 for something in one sentence, falling towards 0 for something in every sentence."""
        return 1.0 if df <= 1 else max(0.0, 1.0 - math.log(df) / math.log(self.n + 1))


def _quantity_key(q) -> tuple:
    b = _bounds(q)
    return (q.kind, q.unit or "", round(b[0], 6) if b else None, round(b[1], 6) if b else None)


def _prints_url(text: str, url: str) -> bool:
    """Say whether a text prints a URL, or at least 20 characters of its beginning (a sentence splitter
    may cut a URL at its '?')."""
    if url in text:
        return True
    for m in reference_grammar().url.finditer(text):
        printed = m.group()
        if len(printed) >= 20 and (url.startswith(printed) or printed.startswith(url)):
            return True
    return False


def _partial(term: str, other: str) -> bool:
    """Say whether two different words share a word part (产线 in 生产线): the shorter inside the longer."""
    short, long_ = (term, other) if len(term) <= len(other) else (other, term)
    return 2 <= len(short) < len(long_) and short in long_ and not short.isascii()


def _score(query: Passage, terms: Sequence[str], entities, quantities, dates, index: _Index,
           cfg: _Settings, text: str = "") -> tuple[float, float, list[dict], int]:
    """Return (score, term share, evidence, shared term count) of a reference title against some text.

    The term share is BM25 of the title's terms (a word part shared, as 产线 in 生产线, counts half) divided
    by the title's total IDF. Bonuses: shared entities, equal quantities, overlapping dates of month
    precision or finer, each weighted by its rarity in the article. A named actor of the title (ORG, PERSON,
    PRODUCT) named by the title, none of whom the article mentions, cost `absent_entity_penalty`: the source is
    about someone else.
    """
    url = query.text.strip()
    if text and url.startswith(("http://", "https://", "www.")) and _prints_url(text, url):
        # a reference known only by its URL is drawn on where the article prints that URL
        return 1.0, 1.0, [{"type": "url", "text": url}], 1
    share, evidence, n_terms = _term_share(query, terms, index, cfg)
    bonus = _entity_bonus(query, entities, index, cfg, evidence)
    bonus += _quantity_bonus(query, quantities, index, cfg, evidence)
    bonus += _date_bonus(query, dates, cfg, evidence)
    actors = {e[0] for e in query.entities if e[1] in cfg.actor_labels}
    penalty = cfg.absent_entity_penalty if actors and not actors & index.entity_names else 0.0
    score = max(0.0, share + min(bonus, cfg.max_bonus) - penalty)
    return score, share, evidence, n_terms


def _term_share(query: Passage, terms: Sequence[str], index: _Index,
                cfg: _Settings) -> tuple[float, list[dict], int]:
    """Return the BM25 share of the title's terms in `terms`, the term evidence and the shared term count."""
    q_terms, total_idf = index.title_terms(query)
    tf = index.counts(terms)
    length = len(terms) or 1
    bm25 = 0.0
    shared_terms, partial_terms = [], []
    for t in q_terms:
        f = float(tf.get(t, 0))
        if not f:
            parts = [w for w in index.parts_of(t) if w in tf]
            if not parts:
                continue
            f = 0.5 * sum(tf[w] for w in parts)
            partial_terms.append((t, parts[0]))
        else:
            shared_terms.append(t)
        bm25 += index.idf(t) * f * (cfg.k1 + 1) / (f + cfg.k1 * (1 - cfg.b + cfg.b * length / index.avg_len))
    evidence: list[dict] = [{"type": "term", "text": t, "idf": round(index.idf(t), 3)}
                            for t in sorted(shared_terms, key=lambda t: (-index.idf(t), t))]
    evidence += [{"type": "term_part", "text": t, "article": w, "idf": round(index.idf(t), 3)}
                 for t, w in partial_terms]
    return bm25 / total_idf, evidence, len(shared_terms) + len(partial_terms)


def _entity_bonus(query: Passage, entities, index: _Index, cfg: _Settings, evidence: list[dict]) -> float:
    """Return the bonus of the entities shared with the title (each by its rarity); add their evidence."""
    bonus = 0.0
    for ent in sorted(set(query.entities) & set(entities)):
        w = index.rarity(index.entity_df.get(ent, 0))
        bonus += cfg.entity_bonus * w
        evidence.append({"type": "entity", "canonical": ent[0], "label": ent[1], "weight": round(w, 3)})
    return bonus


def _quantity_bonus(query: Passage, quantities, index: _Index, cfg: _Settings, evidence: list[dict]) -> float:
    """Return the bonus of the quantities equal to the title's (each value once, by rarity); add evidence."""
    bonus = 0.0
    seen_quantities = set()
    for qa, qb in _equal_quantities(quantities, query.quantities):
        key = _quantity_key(qa)
        if key in seen_quantities:
            continue
        seen_quantities.add(key)
        w = index.rarity(index.quantity_df.get(key, 0))
        bonus += cfg.quantity_bonus * w
        evidence.append({"type": "quantity", "article": qa.text, "reference": qb.text, "unit": qa.unit,
                         "value": qa.value, "weight": round(w, 3)})
    return bonus


def _date_bonus(query: Passage, dates, cfg: _Settings, evidence: list[dict]) -> float:
    """Return the bonus of the dates overlapping the title's (weighted by both precisions); add evidence."""
    bonus = 0.0
    for da, db in _overlapping_dates(dates, query.dates):
        w = cfg.date_weight.get(da.granularity or "", 0.0) * cfg.date_weight.get(db.granularity or "", 0.0)
        if w <= 0:
            continue
        bonus += cfg.date_bonus * w
        evidence.append({"type": "date", "article": da.text, "reference": db.text,
                         "start": _iso(da.start_date), "end": _iso(da.end_date)})
    return bonus


def _similarity_citations(body: Sequence[Passage], references: Sequence[tuple[Reference, Passage]], *,
                          threshold: float | None = None) -> list[Citation]:
    """Return the links found by score, for references without inline markers.

    A sentence scoring `threshold` or more, and `anchor_relative` times the reference's best, is an anchor.
    News paragraphs spread what one source says over several sentences, so two more kinds of sentence link:
    one next to an anchor (or in its paragraph) sharing an entity or quantity with the title and scoring at
    least `neighbour_min_score` and `relative_floor` times the anchor; one in the anchor's paragraph that
    names the same actor as the anchor; and one between two anchors (these two scored `continuation_weight`
    times the anchor).
    """
    cfg = settings()
    threshold = cfg.threshold if threshold is None else threshold
    if not body or not references:
        return []
    index = _Index(body)
    position = {p.idx: k for k, p in enumerate(body)}
    out = []
    anchored: set[tuple[int, int]] = set()
    for ref, title in references:
        if not (title.terms or title.entities or title.quantities or title.text.startswith(("http", "www."))):
            continue
        scored = _scored_sentences(title, body, index, cfg)
        best = max((score for _, score, _ in scored.values()), default=0.0)
        anchors = [(p, score) for p, score, _ in scored.values()
                   if score >= threshold and score >= cfg.anchor_relative * best]
        keep = {p.idx: Citation(ref.ref_idx, p.idx, round(score, 4), scored[p.idx][2], "similarity")
                for p, score in anchors}
        for anchor, anchor_score in anchors:
            _add_continuations(ref, anchor, anchor_score, body, cfg, keep)
            _add_neighbours(ref, anchor, anchor_score, body, position[anchor.idx], scored, cfg, keep)
        _add_between(ref, anchors, body, cfg, keep)
        ranked = sorted(keep.values(), key=lambda c: -c.score)
        out.extend(ranked[:cfg.max_per_reference])
        anchored.update((p.idx, ref.ref_idx) for p, _ in anchors)
    # a sentence between two anchors that is itself an anchor of another reference draws on that one
    anchor_refs: dict[int, set[int]] = {}
    for sent_idx, ref_idx in anchored:
        anchor_refs.setdefault(sent_idx, set()).add(ref_idx)
    return [c for c in out if not (c.evidence and c.evidence[0].get("type") == "between"
                                   and anchor_refs.get(c.sent_idx, set()) - {c.ref_idx})]


def _scored_sentences(title: Passage, body: Sequence[Passage], index: _Index,
                      cfg: _Settings) -> dict[int, tuple[Passage, float, list[dict]]]:
    """Return {sent_idx: (passage, score, evidence)} of the sentences sharing enough with the title."""
    scored = {}
    for p in body:
        score, _share, evidence, n_terms = _score(title, p.terms, p.entities, p.quantities, p.dates, index, cfg,
                                                  p.text)
        strong = n_terms >= cfg.min_terms_shared or any(e["type"] in ("entity", "quantity", "url")
                                                        for e in evidence)
        if strong:
            scored[p.idx] = (p, score, evidence)
    return scored


def _add_continuations(ref: Reference, anchor: Passage, anchor_score: float, body: Sequence[Passage],
                       cfg: _Settings, keep: dict[int, Citation]) -> None:
    """Link the rest of the anchor's paragraph that keeps naming the anchor's actor ("某公司…。某公司…")."""
    actors = {e for e in anchor.entities if e[1] in cfg.actor_labels}
    for p in body:
        if (anchor.paragraph is None or p.paragraph != anchor.paragraph or p.idx in keep
                or not actors & set(p.entities)):
            continue
        shared = sorted(e[0] for e in actors & set(p.entities))
        keep[p.idx] = Citation(ref.ref_idx, p.idx, round(cfg.continuation_weight * anchor_score, 4), [
            {"type": "continues", "sent_idx": anchor.idx, "entities": shared}], "similarity")


def _add_neighbours(ref: Reference, anchor: Passage, anchor_score: float, body: Sequence[Passage], k: int,
                    scored: dict, cfg: _Settings, keep: dict[int, Citation]) -> None:
    """Link the sentences next to the anchor (body[k]; or in its paragraph) with specific evidence of the title."""
    near = [body[j] for j in (k - 1, k + 1) if 0 <= j < len(body)]
    if anchor.paragraph is not None:
        near += [p for p in body if p.paragraph == anchor.paragraph]
    for p in near:
        if p.idx in keep or p.idx not in scored:
            continue
        _, score, evidence = scored[p.idx]
        specific = any(e["type"] in cfg.neighbour_evidence for e in evidence)
        # The title's own figure (25%, 36亿元) next to an anchor is evidence enough, however much more
        # the anchor itself shares with the title.
        same_figure = any(e["type"] == "quantity" for e in evidence)
        if specific and score >= cfg.neighbour_min_score and (
                same_figure or score >= cfg.relative_floor * anchor_score):
            keep[p.idx] = Citation(ref.ref_idx, p.idx, round(score, 4), evidence + [
                {"type": "next_to", "sent_idx": anchor.idx}], "similarity")


def _add_between(ref: Reference, anchors: list[tuple[Passage, float]], body: Sequence[Passage],
                 cfg: _Settings, keep: dict[int, Citation]) -> None:
    """Link a sentence between two anchors of the same reference: it carries on what they both draw from."""
    anchor_score = {p.idx: score for p, score in anchors}
    for k in range(1, len(body) - 1):
        before, here, after = body[k - 1], body[k], body[k + 1]
        if here.idx not in keep and before.idx in anchor_score and after.idx in anchor_score:
            keep[here.idx] = Citation(ref.ref_idx, here.idx, round(cfg.continuation_weight * min(
                anchor_score[before.idx], anchor_score[after.idx]), 4), [
                {"type": "between", "sent_idx": [before.idx, after.idx]}], "similarity")


# ------------------------------------------------------------------------------------- values and dates

def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _bounds(q) -> tuple[float, float] | None:
    lo = q.low if q.low is not None else q.value
    hi = q.high if q.high is not None else q.value
    if lo is None or hi is None:
        return None
    return float(lo), float(hi)


def _same_value(a, b) -> bool:
    ba, bb = _bounds(a), _bounds(b)
    if ba is None or bb is None:
        return False
    return all(math.isclose(x, y, rel_tol=5e-3, abs_tol=1e-9) for x, y in zip(ba, bb))


def _disagree(a, b) -> bool:
    """Say whether two values cannot describe the same thing: both exact, and their ranges do not overlap
    (约20% and 18%至20% agree; 近两百亿 and 198.17亿 agree; 上亿 is a bound, not a value)."""
    if getattr(a, "approximate", False) or getattr(b, "approximate", False):
        return False
    ba, bb = _bounds(a), _bounds(b)
    if ba is None or bb is None:
        return False
    return ba[1] < bb[0] or bb[1] < ba[0]


def _comparable(a, b) -> bool:
    """Say whether two quantities measure in the same way (same kind and unit)."""
    return a.kind == b.kind and (a.unit or "") == (b.unit or "") and a.kind != "number"


def _equal_quantities(article: Iterable, reference: Iterable) -> list[tuple[Any, Any]]:
    return [(a, b) for a in article for b in reference if _comparable(a, b) and _same_value(a, b)]


def _overlapping_dates(article: Iterable, reference: Iterable) -> list[tuple[Any, Any]]:
    out = []
    for a in article:
        for b in reference:
            if None in (a.start_date, a.end_date, b.start_date, b.end_date):
                continue
            if a.start_date <= b.end_date and b.start_date <= a.end_date:
                out.append((a, b))
    return out


# ------------------------------------------------------------------------------------------- conflicts

def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    """Return the clause of `text` around [start, end): between clause-breaking punctuation."""
    brk = settings().clause_break
    left = 0
    for m in brk.finditer(text, 0, start):
        left = m.end()
    m = brk.search(text, end)
    return left, (m.start() if m else len(text))


def _measure(passage: Passage, q, role: str = "subject") -> tuple[str, str] | None:
    """Return (word, group) of the measure of `role` a quantity is attached to: the nearest one before it in
    its clause, else the nearest one after it."""
    found = _measure_at(passage, q, role)
    return found[:2] if found else None


def _measure_at(passage: Passage, q, role: str = "subject") -> tuple[str, str, int] | None:
    """Return (word, group, offset of the word in passage.text) of the measure `_measure` finds."""
    cfg = settings()
    rel_s, rel_e = q.start - passage.start, q.end - passage.start
    if not (0 <= rel_s <= rel_e <= len(passage.text)):
        return None
    c_s, c_e = _clause(passage.text, rel_s, rel_e)
    before, after = passage.text[c_s:rel_s], passage.text[rel_e:c_e]
    words = [w for w in cfg.measure_words if cfg.measure_role[cfg.measure_of[w]] == role]
    best = None
    for word in words:
        pos = before.rfind(word)
        if pos >= 0:
            distance = len(before) - (pos + len(word))
            if best is None or distance < best[0]:
                best = (distance, word, c_s + pos)
    if best is None:
        for word in words:
            pos = after.find(word)
            if pos >= 0 and (best is None or pos < best[0]):
                best = (pos, word, rel_e + pos)
    if best is None:
        return None
    return best[1], cfg.measure_of[best[1]], best[2]


def _period(passage: Passage, q) -> str:
    """Return how the measure a quantity is attached to is counted: the period or way named just before (or
    at the start of) the measure word (月产能 -> month, 一季度营收 -> quarter, 累计投资 -> cumulative); "whole"
    for none, and for a year, which is what an unqualified figure usually covers."""
    cfg = settings()
    found = _measure_at(passage, q)
    if found is None:
        return "whole"
    word, _, pos = found
    c_s, _ = _clause(passage.text, pos, pos + len(word))
    window = passage.text[max(c_s, pos - 4):pos + len(word)]
    best = None
    for key, period in cfg.measure_periods.items():
        at = window.rfind(key, 0, len(window) - len(word) + len(key))
        if at >= 0 and (best is None or (at + len(key), len(key)) > best[0]):
            best = ((at + len(key), len(key)), period)
    period = best[1] if best else "whole"
    return "whole" if period == "year" else period


def _clause_dates(passage: Passage, q) -> list[Any]:
    """Return the dates (not durations) in the clause of a quantity: the time the figure is given for."""
    rel_s, rel_e = q.start - passage.start, q.end - passage.start
    if not (0 <= rel_s <= rel_e <= len(passage.text)):
        return []
    c_s, c_e = _clause(passage.text, rel_s, rel_e)
    return [d for d in passage.dates if d.kind != "duration" and d.start_date is not None
            and d.end_date is not None and c_s <= d.start - passage.start and d.end - passage.start <= c_e]


def _same_footing(sent: Passage, qa, title: Passage, qb) -> bool:
    """Say whether two figures of the same measure are counted alike: the same period or way (a monthly and an
    annual capacity are not), and, where both clauses date them, overlapping dates (2022年 and 2023年 revenue
    are not the same figure)."""
    if _period(sent, qa) != _period(title, qb):
        return False
    da, db = _clause_dates(sent, qa), _clause_dates(title, qb)
    return not (da and db and not _overlapping_dates(da, db))


def _also_given(passage: Passage, value_of, group: str, role: str = "subject") -> bool:
    """Say whether the passage gives a figure equal to `value_of` attached to a measure of `group`."""
    for q in passage.quantities:
        if q is value_of or not _comparable(q, value_of) or not _same_value(q, value_of):
            continue
        found = _measure(passage, q, role)
        if found and found[1] == group:
            return True
    return False


def _is_planned(passage: Passage, d) -> bool:
    """Say whether a date sits in a clause that speaks of a plan or forecast (预计明年投产)."""
    rel_s, rel_e = d.start - passage.start, d.end - passage.start
    c_s, c_e = _clause(passage.text, max(rel_s, 0), max(rel_e, 0))
    clause = passage.text[c_s:c_e]
    return any(marker in clause for marker in settings().future_markers)


def _label(ref: Reference) -> str:
    return ref.marker or f"#{ref.ref_idx}"


def conflicts(sentences: Sequence[Passage], references: Sequence[tuple[Reference, Passage]],
              found: Sequence[Citation], *, published: date | None = None) -> list[Conflict]:
    """Return the disagreements between linked sentences and their references, and between the article and
    the dates of its references; each with both texts and a plain-language `detail`."""
    cfg = settings()
    by_sent = {p.idx: p for p in sentences}
    by_ref = {ref.ref_idx: (ref, p) for ref, p in references}
    out: list[Conflict] = []
    for c in found:
        if c.sent_idx not in by_sent or c.ref_idx not in by_ref:
            continue
        sent = by_sent[c.sent_idx]
        ref, title = by_ref[c.ref_idx]
        out.extend(_quantity_conflicts(sent, ref, title, cfg))
        out.extend(_date_conflicts(sent, ref, title, published))
    if published is not None:
        for ref, title in references:
            if ref.published is not None and ref.published > published:
                out.append(Conflict(
                    ref.ref_idx, None, "source_after_article", "", title.text,
                    f"reference {_label(ref)} is dated {ref.published.isoformat()}, after the article itself "
                    f"({published.isoformat()})", None, (title.start, title.end)))
    seen = set()
    unique = []
    for k in out:
        key = (k.ref_idx, k.sent_idx, k.kind, k.detail)
        if key not in seen:
            seen.add(key)
            unique.append(k)
    return unique


def _quantity_conflicts(sent: Passage, ref: Reference, title: Passage, cfg: _Settings) -> list[Conflict]:
    """Equal values attached to different measures or opposite changes (term_mismatch); the same measure and
    change with different values (quantity_mismatch)."""
    out = []
    for qa in sent.quantities:
        sa, ca = _measure(sent, qa), _measure(sent, qa, "change")
        if sa is None and ca is None:
            continue
        for qb in title.quantities:
            if not _comparable(qa, qb):
                continue
            sb, cb = _measure(title, qb), _measure(title, qb, "change")
            same_value = _same_value(qa, qb)
            detail = None
            kind = "term_mismatch"
            if (same_value and sa and sb and sa[1] != sb[1]
                    # the article also gives the figure for the source's measure, or the source for the
                    # article's (营收增长20%，净利润增长20%): two figures that happen to be equal
                    and not _also_given(sent, qb, sb[1]) and not _also_given(title, qa, sa[1])):
                detail = (f"the article attaches {qa.text} to {sa[0]} ({cfg.measure_gloss[sa[1]]}); reference "
                          f"{_label(ref)} attaches {qb.text} to {sb[0]} ({cfg.measure_gloss[sb[1]]})")
            elif (same_value and ca and cb and ca[1] != cb[1] and (sa is None or sb is None or sa[1] == sb[1])
                  and not _also_given(sent, qb, cb[1], "change") and not _also_given(title, qa, ca[1], "change")):
                detail = (f"the article says {qa.text} of {ca[0]} ({cfg.measure_gloss[ca[1]]}); reference "
                          f"{_label(ref)} says {qb.text} of {cb[0]} ({cfg.measure_gloss[cb[1]]})")
            elif (not same_value and _disagree(qa, qb) and sa and sb and sa[1] == sb[1]
                  and (ca is None) == (cb is None) and (ca is None or ca[1] == cb[1])
                  # the sentence also gives the source's figure for this measure (another year, company or
                  # target beside it), or the source gives the article's
                  and not _also_given(sent, qb, sa[1]) and not _also_given(title, qa, sb[1])
                  and _same_footing(sent, qa, title, qb)):
                kind = "quantity_mismatch"
                what = f"{sa[0]} {ca[0]}" if ca else sa[0]
                detail = (f"the article gives {what} ({cfg.measure_gloss[sa[1]]}) as {qa.text}; reference "
                          f"{_label(ref)} gives it as {qb.text}")
            if detail:
                out.append(Conflict(ref.ref_idx, sent.idx, kind, sent.text, title.text, detail,
                                    (sent.start, sent.end), (title.start, title.end)))
    return out


def _date_conflicts(sent: Passage, ref: Reference, title: Passage, published: date | None) -> list[Conflict]:
    """A date in the sentence after the reference's publication, not planned, and not after the article's own
    date (which would make it a forecast, not something reported as done). Not either: the day something
    announced takes effect (7月1日生效), a dateline of the article's own post (2024/12/19转发动态：), a date the
    reference's title gives itself, and a date without its own year that, read in the reference's time, is not
    after it (the year was only inferred from the article's date)."""
    if ref.published is None:
        return []
    out = []
    for d in sent.dates:
        if d.start_date is None or d.start_date <= ref.published or d.kind == "duration":
            continue
        if (published is not None and d.start_date > published) or _is_planned(sent, d):
            continue
        if _in_force(sent, d) or _is_dateline(sent, d) or _overlapping_dates([d], title.dates):
            continue
        if _year_inferred_before(sent, d, ref.published):
            continue
        out.append(Conflict(
            ref.ref_idx, sent.idx, "date_after_source", sent.text, title.text,
            f"the sentence reports {d.text} (from {d.start_date.isoformat()}) as having happened, but reference "
            f"{_label(ref)} was published on {ref.published.isoformat()}, before it",
            (sent.start, sent.end), (title.start, title.end)))
    return out


def _in_force(passage: Passage, d) -> bool:
    """Say whether a date is the day something takes effect (于5月1日起施行, 2020年实施): its clause says so."""
    rel_s, rel_e = d.start - passage.start, d.end - passage.start
    c_s, c_e = _clause(passage.text, max(rel_s, 0), max(rel_e, 0))
    after = passage.text[max(rel_e, 0):c_e]
    return any(marker in after for marker in settings().in_force_markers)


def _is_dateline(passage: Passage, d) -> bool:
    """Say whether a date opens the sentence as the dateline of the article's own post: "2024/12/19转发动态："."""
    rel_s, rel_e = d.start - passage.start, d.end - passage.start
    if rel_s < 0 or passage.text[:rel_s].strip(" \t>*#-—·•【[「“\"'"):
        return False
    rest = passage.text[rel_e:].lstrip()
    # a bare "2024年6月10日：" opens a timeline entry, an event: only a word of posting makes it a dateline
    return any(rest.startswith(word) and rest[len(word):].lstrip()[:1] in ("：", ":")
               for word in settings().dateline_words)


def _year_inferred_before(passage: Passage, d, source_date: date) -> bool:
    """Say whether a date the sentence prints without its year (3月17日, 2号) falls on or before the source's
    date when read against that date: only the year taken from the article's own date put it after."""
    if getattr(d, "anchor", None) is None or d.kind == "relative" or re.search(r"\d{4}|[〇零一二三四五六七八九]{4}", d.text):
        return False
    try:
        from extract.extractors.dates import find_dates
    except ImportError:
        return False
    rel_s, rel_e = d.start - passage.start, d.end - passage.start
    for other in find_dates(passage.text, published=source_date):
        if other.start == rel_s and other.end == rel_e and other.start_date is not None:
            return other.start_date <= source_date
    return False
