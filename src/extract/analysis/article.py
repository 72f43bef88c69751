"""Analyse one article end to end and return its rows for every output table.

ingest.Article → normalize → reference section and layout → tokens → spaCy Doc with extractor components →
reconcile → rows. Every span found on the Simplified text is mapped back to the original here, once.
"""
from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from spacy.tokens import Doc

from extract.analysis.nlp import build_nlp, tokens_doc
from extract.errors import ExtractError
from extract.extractors.entities import MODELS as ENTITY_MODELS
from extract.io.tables import DOCUMENT_TABLES
from extract.settings import Settings
from extract.text import structure
from extract.text.ingest import Article
from extract.text.normalize import Normalized, normalize
from extract.text.segment import merge_across
from extract.version import PIPELINE_VERSION


@dataclass(slots=True)
class DocumentRows:
    """The rows one article contributes to each table, plus problems worth an `errors` row."""

    doc_id: str
    rows: dict[str, list[dict]] = field(default_factory=lambda: {name: [] for name in DOCUMENT_TABLES})
    warnings: list[ExtractError] = field(default_factory=list)


class _Spans:
    """Maps Simplified spans to original ones and to sentence indices."""

    def __init__(self, norm: Normalized, sentences: list[structure.Sentence]):
        self.norm = norm
        self.starts = [s.start for s in sentences]

    def sent_idx(self, start: int) -> int:
        return max(bisect.bisect_right(self.starts, start) - 1, 0)

    def row(self, doc_id: str, start: int, end: int) -> dict:
        """Return the span columns shared by mention tables: doc_id, sent_idx, start, end, text, text_simplified."""
        s, e = self.norm.expand(start, end)
        a, b = self.norm.to_original(s, e)
        return {"doc_id": doc_id, "sent_idx": self.sent_idx(s), "start": a, "end": b,
                "text": self.norm.original[a:b], "text_simplified": self.norm.simplified[s:e]}


def _pipes(settings: Settings) -> tuple[str, ...]:
    names = []
    if settings.quantities:
        names.append("zh_extract_quantities_v1")
    if settings.dates:
        names.append("zh_extract_dates_v1")
    if settings.entities:
        names.append("zh_extract_entities_v1")
    return tuple(names)


def analyze_article(article: Article, settings: Settings = Settings()) -> DocumentRows:
    """Return the rows of every document table for one article.

    Raises an ExtractError subclass when the article cannot be analysed (for example, no Chinese text).
    """
    out = DocumentRows(article.doc_id)
    norm = normalize(article.text)
    simplified = norm.simplified
    reference_span = None
    if settings.references:
        from extract.extractors.references import find_reference_section

        reference_span = find_reference_section(simplified)
    lines = structure.lines(simplified, title_lines=article.title_lines, reference_span=reference_span)
    sentences = structure.sentences(simplified, lines)
    spans = _Spans(norm, sentences)

    published, basis = article.published, "metadata" if article.published else None
    if published is None and settings.dates:
        body_start = lines[article.title_lines].start if len(lines) > article.title_lines else 0
        from extract.extractors.dates import infer_published

        published = infer_published(simplified[body_start:])
        basis = "inferred" if published else None

    if settings.entity_model not in ENTITY_MODELS:
        raise ExtractError(f"entity_model must be one of {', '.join(ENTITY_MODELS)}, not {settings.entity_model!r}",
                           code="bad_setting", stage="settings")
    nlp = build_nlp(settings.cache_dir, _pipes(settings))
    seg = nlp.tokenizer.segmenter
    tokens = merge_across(seg.tokens(simplified), norm.inner_offsets())
    # Components read the words from doc._.word_tokens: iterating spaCy tokens from Python costs more than jieba.
    doc = tokens_doc(nlp.vocab, tokens)
    doc._.published = published
    doc._.text_cache = simplified
    doc._.entity_model = settings.entity_model
    doc._.variant = norm.variant
    for _, proc in nlp.pipeline:
        doc = proc(doc)

    rows = out.rows
    doc_id = article.doc_id
    author = article.author or _author_from_byline(norm, lines)
    rows["documents"].append({
        "doc_id": doc_id, "source": article.source, "content_sha256": article.content_sha256,
        "title": article.title, "author": author, "published": published, "published_basis": basis,
        "variant": norm.variant, "conversion": norm.config, "text": article.text, "text_simplified": simplified,
        "n_chars": len(article.text), "url": article.url, "outlet": article.outlet,
        "pipeline_version": PIPELINE_VERSION, "processed_at": datetime.now(timezone.utc),
    })
    for idx, sent in enumerate(sentences):
        a, b = norm.to_original(sent.start, sent.end)
        rows["sentences"].append({
            "doc_id": doc_id, "sent_idx": idx, "start": a, "end": b, "section": sent.section,
            "text": article.text[a:b], "text_simplified": simplified[sent.start:sent.end],
            "paragraph_idx": sent.line_idx,
        })
    # Tokens come in text order: walk the sentence starts alongside instead of searching them per token.
    token_rows, original = rows["tokens"], article.text
    orig_start, orig_end = norm.orig_start, norm.orig_end
    starts, n_sent = spans.starts, len(spans.starts)
    sent_idx, tok_idx = 0, 0
    for tok in tokens:
        if tok.text.isspace():
            continue
        while sent_idx + 1 < n_sent and starts[sent_idx + 1] <= tok.start:
            sent_idx, tok_idx = sent_idx + 1, 0
        a, b = orig_start[tok.start], orig_end[tok.end - 1]
        token_rows.append({
            "doc_id": doc_id, "sent_idx": sent_idx, "tok_idx": tok_idx, "start": a, "end": b,
            "text": original[a:b], "text_simplified": tok.text, "pos": tok.pos,
        })
        tok_idx += 1
    for ent in doc._.entities or ():
        rows["entities"].append({**spans.row(doc_id, ent.start, ent.end), "label": ent.label,
                                 "canonical": ent.canonical, "method": ent.method})
    for q in doc._.quantities or ():
        rows["quantities"].append({**spans.row(doc_id, q.start, q.end), "kind": q.kind, "value": q.value,
                                   "low": q.low, "high": q.high, "unit": q.unit, "approximate": q.approximate,
                                   "hedge": q.hedge})
    for d in doc._.dates or ():
        rows["dates"].append({**spans.row(doc_id, d.start, d.end), "kind": d.kind, "start_date": d.start_date,
                              "end_date": d.end_date, "granularity": d.granularity, "duration": d.duration,
                              "anchor": d.anchor})
    if settings.references and reference_span is not None:
        _reference_rows(out, doc, norm, sentences, spans, reference_span, published)
    return out


def _author_from_byline(norm: Normalized, lines: list[structure.Line]) -> str | None:
    """Return the author named in the byline, as written in the original script, or None."""
    for line in lines:
        if line.section == "byline":
            found = structure.byline_author(norm.simplified, line)
            if found:
                a, b = norm.to_original(*found)
                return norm.original[a:b]
    return None


def _reference_rows(out: DocumentRows, doc: Doc, norm: Normalized, sentences, spans: _Spans,
                    reference_span: tuple[int, int], published: date | None) -> None:
    from extract import reconcile
    from extract.extractors.references import parse_reference_list

    parsed = parse_reference_list(norm.simplified, reference_span)
    # An entry with neither a title nor a URL (a stray "——" or "……" line) is not a reference: report it.
    refs = [r for r in parsed if r.url or any(ch.isalnum() for ch in norm.simplified[r.title_start:r.title_end])]
    if not refs:
        out.warnings.append(ExtractError(
            f"a reference list was found but no entry could be parsed ({len(parsed)} lines without a title "
            "or URL)", code="references_unparsed", stage="references"))
        return
    for r in parsed:
        if r not in refs:
            a, b = norm.to_original(r.start, r.end)
            out.warnings.append(ExtractError(
                f"reference list entry {r.ref_idx} ({norm.original[a:b]!r}) has no title or URL and was skipped",
                code="references_unparsed", stage="references"))
    if len(refs) < len(parsed):
        from dataclasses import replace

        refs = [replace(r, ref_idx=k) for k, r in enumerate(refs, 1)]
    passages = reconcile.passages(doc, sentences)
    ref_passages = reconcile.reference_passages(doc, refs)
    body = [p for p in passages if p.section in reconcile.CITING_SECTIONS]
    found = reconcile.citations(body, list(zip(refs, ref_passages)), published=published)
    cited = {c.ref_idx for c in found}
    for ref in refs:
        a, b = norm.to_original(ref.start, ref.end)
        ta, tb = norm.to_original(ref.title_start, ref.title_end)
        out.rows["references"].append({
            "doc_id": out.doc_id, "ref_idx": ref.ref_idx, "marker": ref.marker, "start": a, "end": b,
            "title": norm.original[ta:tb], "publisher": ref.publisher, "published": ref.published, "url": ref.url,
            "raw": norm.original[a:b], "title_simplified": norm.simplified[ref.title_start:ref.title_end],
            "status": "cited" if ref.ref_idx in cited else "not_cited",
        })
    for c in found:
        out.rows["citations"].append({"doc_id": out.doc_id, "ref_idx": c.ref_idx, "sent_idx": c.sent_idx,
                                      "score": float(c.score), "method": getattr(c, "method", None),
                                      "evidence": json.dumps(c.evidence, ensure_ascii=False)})
    for k in reconcile.conflicts(body, list(zip(refs, ref_passages)), found, published=published):
        # The texts quote the article as written: map the Simplified spans back to the original script.
        article_text = _original_text(norm, k.article_span, k.article_text)
        reference_text = _original_text(norm, k.reference_span, k.reference_text)
        out.rows["conflicts"].append({"doc_id": out.doc_id, "ref_idx": k.ref_idx, "sent_idx": k.sent_idx,
                                      "kind": k.kind, "article_text": article_text,
                                      "reference_text": reference_text, "detail": k.detail})


def _original_text(norm: Normalized, span: tuple[int, int] | None, fallback: str | None) -> str | None:
    if span is None:
        return fallback
    a, b = norm.to_original(*norm.expand(*span))
    return norm.original[a:b]
