"""Analyse one article end to end and return its rows for every output table.

ingest.Article → normalize → reference section and layout → tokens → spaCy Doc with extractor components →
reconcile → an `Analysed` record → rows, built by each table's row builder in `extract.io.tables`. Every span
found on the Simplified text is mapped back to the original through `Analysed`, once.
"""
from __future__ import annotations

import bisect
import gc
import sys
from dataclasses import dataclass, field, replace
from datetime import date

from spacy.tokens import Doc

from extract.analysis.nlp import Extractor, analysis_doc, build_nlp
from extract.errors import ExtractError
from extract.io.tables import DOCUMENT_TABLES, REGISTRY, Columns, empty_columns, rows_of
from extract.settings import Settings
from extract.text import structure
from extract.text.ingest import Article
from extract.text.normalize import Normalized, normalize
from extract.text.segment import Token, merge_across


@dataclass(slots=True)
class DocumentRows:
    """The rows one article contributes to each table, plus problems worth an `errors` row.

    `columns` holds each table's values column by column (what DataFrames and Arrow tables are built from);
    `rows` gives the same as one dict per row, made on first use and kept (changes to it stay).
    """

    doc_id: str
    columns: dict[str, Columns] = field(
        default_factory=lambda: {name: empty_columns(name) for name in DOCUMENT_TABLES})
    warnings: list[ExtractError] = field(default_factory=list)
    _rows: dict[str, list[dict]] | None = field(default=None, repr=False, compare=False)

    @property
    def rows(self) -> dict[str, list[dict]]:
        """Return each table's rows as dicts keyed by column."""
        if self._rows is None:
            self._rows = {name: rows_of(name, columns) for name, columns in self.columns.items()}
        return self._rows


@dataclass
class Analysed:
    """What the analysis found in one article, as the tables' row builders read it.

    Records carry Simplified offsets; `span` and `original_text` map them back to the original text.
    """

    article: Article
    norm: Normalized
    sentences: list[structure.Sentence]
    tokens: list[Token]
    published: date | None = None
    published_basis: str | None = None
    author: str | None = None
    entities: list = field(default_factory=list)
    quantities: list = field(default_factory=list)
    dates: list = field(default_factory=list)
    references: list = field(default_factory=list)
    citations: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sentence_starts = [s.start for s in self.sentences]

    @property
    def doc_id(self) -> str:
        return self.article.doc_id

    def sent_idx(self, start: int) -> int:
        """Return the index of the sentence holding Simplified offset `start`."""
        return max(bisect.bisect_right(self.sentence_starts, start) - 1, 0)

    def spans(self, records) -> Columns:
        """Return the span columns shared by mention tables (doc_id, sent_idx, start, end, text, text_simplified)
        of records (anything with Simplified start and end): whole conversion blocks, in the original text."""
        norm, original, simplified = self.norm, self.norm.original, self.norm.simplified
        sent_col, start_col, end_col, text_col, simplified_col = [], [], [], [], []
        for record in records:
            s, e = norm.expand(record.start, record.end)
            a, b = norm.to_original(s, e)
            sent_col.append(self.sent_idx(s))
            start_col.append(a)
            end_col.append(b)
            text_col.append(original[a:b])
            simplified_col.append(simplified[s:e])
        return {"doc_id": [self.doc_id] * len(sent_col), "sent_idx": sent_col, "start": start_col, "end": end_col,
                "text": text_col, "text_simplified": simplified_col}

    def original_text(self, span: tuple[int, int] | None, fallback: str | None) -> str | None:
        """Return the original text of a Simplified span (whole conversion blocks), or `fallback` without one."""
        if span is None:
            return fallback
        a, b = self.norm.to_original(*self.norm.expand(*span))
        return self.norm.original[a:b]


def analyze_article(article: Article, settings: Settings = Settings()) -> DocumentRows:
    """Return the rows of every document table for one article.

    Raises an ExtractError subclass when the article cannot be analysed (for example, no Chinese text).
    """
    warnings: list[ExtractError] = []
    norm = normalize(article.text)
    reference_span = _reference_section(norm.simplified) if settings.references else None
    lines = structure.lines(norm.simplified, title_lines=article.title_lines, reference_span=reference_span)
    sentences = structure.sentences(norm.simplified, lines)
    tokens = merge_across(build_nlp(settings).tokenizer.segmenter.tokens(norm.simplified), norm.inner_offsets())
    found = Analysed(article, norm, sentences, tokens, author=article.author or _author_from_byline(norm, lines))
    found.published, found.published_basis = _published(article, norm.simplified, lines, settings)
    doc = _run_components(found, settings)
    found.entities, found.quantities, found.dates = (doc._.entities or [], doc._.quantities or [],
                                                     doc._.dates or [])
    if reference_span is not None:
        _reconcile(found, reference_span, warnings)
    # (the columns given, not the default empty ones replaced: making those cost ~1% of a short article's analysis)
    out = DocumentRows(article.doc_id, {name: REGISTRY[name].build(found) for name in DOCUMENT_TABLES}, warnings)
    freeze_loaded_state()
    return out


_frozen_at_modules = [0]  # len(sys.modules) when gc.freeze last ran


def freeze_loaded_state() -> None:
    """Take what is alive after the first analysis out of the garbage collector's full passes (gc.freeze), and
    again after an analysis that imported a library (pandas, by the first `extract.analyze`).

    That is the libraries, models, dictionaries and grammars loaded (some 250,000 objects), which live as long
    as the process: every full pass walked them all, a seventh of the time on long articles, which keep many
    objects alive long enough to trigger such passes. Reference counting still frees them when unused; only a
    cycle among them would stay.
    """
    if len(sys.modules) != _frozen_at_modules[0]:
        gc.freeze()
        _frozen_at_modules[0] = len(sys.modules)


def _reference_section(simplified: str) -> tuple[int, int] | None:
    from extract.extractors.references import find_reference_section

    return find_reference_section(simplified)


def _published(article: Article, simplified: str, lines: list[structure.Line],
               settings: Settings) -> tuple[date | None, str | None]:
    """Return the publication date and where it came from: the metadata, else a date line of the text."""
    if article.published is not None:
        return article.published, "metadata"
    if not settings.dates:
        return None, None
    from extract.extractors.dates import infer_published

    body_start = lines[article.title_lines].start if len(lines) > article.title_lines else 0
    published = infer_published(simplified[body_start:])
    return published, "inferred" if published else None


def _run_components(found: Analysed, settings: Settings) -> Doc:
    """Return the Doc of the Simplified text after the extractor components of `settings`."""
    from extract.extractors.quantities import currency_region

    nlp = build_nlp(settings)
    doc = analysis_doc(nlp.vocab, found.norm.simplified, found.tokens)
    doc._.published = found.published
    # one region per article: the currency of a bare 元, regional festivals and fiscal years
    doc._.region = currency_region(found.norm.simplified, variant=found.norm.variant, outlet=found.article.outlet)
    doc._.variant = found.norm.variant   # the region of short forms (央行) for entities
    # The analysis reads the records, not doc.spans: making a Span per record cost a tenth of OpenCC + jieba.
    for _, proc in nlp.pipeline:
        doc = proc.annotate(doc, spans=False) if isinstance(proc, Extractor) else proc(doc)
    return doc


def _author_from_byline(norm: Normalized, lines: list[structure.Line]) -> str | None:
    """Return the author named in the byline, as written in the original script, or None."""
    for line in lines:
        if line.section == "byline":
            found = structure.byline_author(norm.simplified, line)
            if found:
                a, b = norm.to_original(*found)
                return norm.original[a:b]
    return None


def _reconcile(found: Analysed, reference_span: tuple[int, int], warnings: list[ExtractError]) -> None:
    """Parse the reference list, then find which sentences cite which reference and where they disagree."""
    from extract import reconcile

    refs = _usable_references(found.norm, reference_span, warnings)
    if not refs:
        return
    # the text, its words and the records, read once for both
    view = reconcile.DocView.of_words(found.norm.simplified, found.tokens, entities=found.entities,
                                      quantities=found.quantities, dates=found.dates)
    passages = reconcile.passages(view, found.sentences)
    ref_passages = list(zip(refs, reconcile.reference_passages(view, refs)))
    body = [p for p in passages if p.section in reconcile.CITING_SECTIONS]
    found.references = refs
    found.citations = list(reconcile.citations(body, ref_passages, published=found.published))
    found.conflicts = list(reconcile.conflicts(body, ref_passages, found.citations, published=found.published))


def _usable_references(norm: Normalized, reference_span: tuple[int, int], warnings: list[ExtractError]) -> list:
    """Return the parsed reference entries with a title or URL, renumbered; warn about the others."""
    from extract.extractors.references import parse_reference_list

    parsed = parse_reference_list(norm.simplified, reference_span)
    # An entry with neither a title nor a URL (a stray "——" or "……" line) is not a reference: report it.
    usable = [bool(r.url or any(ch.isalnum() for ch in norm.simplified[r.title_start:r.title_end])) for r in parsed]
    refs = [r for r, ok in zip(parsed, usable) if ok]
    if not refs:
        warnings.append(ExtractError(
            f"a reference list was found but no entry could be parsed ({len(parsed)} lines without a title "
            "or URL)", code="references_unparsed", stage="references"))
        return []
    for r, ok in zip(parsed, usable):  # (not `r in refs`: a scan of the list per entry was quadratic)
        if not ok:
            a, b = norm.to_original(r.start, r.end)
            warnings.append(ExtractError(
                f"reference list entry {r.ref_idx} ({norm.original[a:b]!r}) has no title or URL and was skipped",
                code="references_unparsed", stage="references"))
    if len(refs) < len(parsed):
        refs = [replace(r, ref_idx=k) for k, r in enumerate(refs, 1)]
    return refs
