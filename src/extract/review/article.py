"""One article's review page: its text with every mention as a nested element, its references, citations and conflicts."""
from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from extract.review.format import date_range_text, date_text, is_missing, number_text, quantity_text
from extract.review.highlight import Span, nested_html

# The tables whose rows are highlighted in the text, the kind each shows as, and its nesting layer
# (sentences enclose reference entries, which enclose mentions).
MENTION_KINDS = {"entities": "entity", "quantities": "quantity", "dates": "date"}
_LAYER_SENTENCE, _LAYER_REFERENCE, _LAYER_MENTION = 0, 1, 2


def rows_of(frame: pd.DataFrame, doc_id: str) -> pd.DataFrame:
    """Return one document's rows of a mention table in page order: by (start, end), ties as stored.

    The position of a row in this order is its `data-row` on the page.
    """
    rows = frame[frame["doc_id"] == doc_id]
    if "start" in rows.columns:
        rows = rows.sort_values(["start", "end"], kind="stable")
    return rows.reset_index(drop=True)


def mention_title(table: str, row) -> str:
    """Return the hover text of a mention: canonical name, value with unit, or resolved range."""
    if table == "entities":
        return f"{row['label']} · {row['canonical']} · found by {row['method']}"
    if table == "quantities":
        approx = " (approximate)" if bool(row["approximate"]) else ""
        return f"{row['kind']} · {quantity_text(row['value'], row['low'], row['high'], row['unit'], row.get('hedge'))}{approx}"
    parts = [str(row["kind"])]
    span = date_range_text(row["start_date"], row["end_date"])
    if span:
        parts.append(span)
    for column in ("granularity", "duration", "anchor"):
        if not is_missing(row[column]):
            parts.append(f"{column} {row[column]}")
    return " · ".join(parts)


def mention_spans(tables: dict[str, pd.DataFrame], doc_id: str) -> list[Span]:
    """Return the highlighted mentions of one document: one span per row of entities, quantities and dates."""
    spans = []
    for table, kind in MENTION_KINDS.items():
        for i, row in rows_of(tables[table], doc_id).iterrows():
            label = f" m-{row['label']}" if table == "entities" else f" m-{row['kind']}"
            attrs = (("data-table", table), ("data-row", str(i)), ("data-start", str(row["start"])),
                     ("data-end", str(row["end"])), ("title", mention_title(table, row)))
            spans.append(Span(int(row["start"]), int(row["end"]), _LAYER_MENTION, f"m m-{kind}{label}", attrs))
    return spans


@dataclass(frozen=True, slots=True)
class SentenceMarks:
    """What a sentence element carries besides its text: the references citing it, and its conflicts."""

    refs: dict[int, list[int]]
    conflicts: dict[int, list[str]]


def sentence_marks(tables: dict[str, pd.DataFrame], doc_id: str) -> SentenceMarks:
    refs: dict[int, list[int]] = {}
    for _, row in rows_of(tables["citations"], doc_id).iterrows():
        refs.setdefault(int(row["sent_idx"]), []).append(int(row["ref_idx"]))
    conflicts: dict[int, list[str]] = {}
    for _, row in rows_of(tables["conflicts"], doc_id).iterrows():
        if not is_missing(row["sent_idx"]):
            conflicts.setdefault(int(row["sent_idx"]), []).append(f"[{row['ref_idx']}] {row['kind']}: {row['detail']}")
    return SentenceMarks(refs, conflicts)


def sentence_spans(tables: dict[str, pd.DataFrame], doc_id: str) -> list[Span]:
    """Return one span per sentence, naming the references that cite it and flagging its conflicts."""
    marks = sentence_marks(tables, doc_id)
    spans = []
    for _, row in rows_of(tables["sentences"], doc_id).iterrows():
        idx = int(row["sent_idx"])
        classes = f"sent sec-{row['section']}"
        attrs = [("data-sent", str(idx))]
        if idx in marks.refs:
            attrs.append(("data-refs", " ".join(str(r) for r in sorted(set(marks.refs[idx])))))
        if idx in marks.conflicts:
            classes += " conflict"
            attrs.append(("data-conflict", "; ".join(marks.conflicts[idx])))
        spans.append(Span(int(row["start"]), int(row["end"]), _LAYER_SENTENCE, classes, tuple(attrs)))
    return spans


def reference_spans(tables: dict[str, pd.DataFrame], doc_id: str) -> list[Span]:
    """Return one span per entry of the article's reference list, where it stands in the text."""
    return [Span(int(row["start"]), int(row["end"]), _LAYER_REFERENCE, "ref-entry",
                 (("data-ref", str(row["ref_idx"])),))
            for _, row in rows_of(tables["references"], doc_id).iterrows()]


def article_html(tables: dict[str, pd.DataFrame], doc_id: str, text: str) -> str:
    """Return the article's text as HTML with sentences, reference entries and mentions nested."""
    spans = sentence_spans(tables, doc_id) + reference_spans(tables, doc_id) + mention_spans(tables, doc_id)
    return nested_html(text, spans)


def reference_items(tables: dict[str, pd.DataFrame], doc_id: str) -> list[dict]:
    """Return the reference list beside the text: each entry with its citing sentences and its conflicts."""
    sentences = {int(r["sent_idx"]): r["text"] for _, r in rows_of(tables["sentences"], doc_id).iterrows()}
    citations = rows_of(tables["citations"], doc_id)
    conflicts = rows_of(tables["conflicts"], doc_id)
    items = []
    for i, row in rows_of(tables["references"], doc_id).iterrows():
        ref = int(row["ref_idx"])
        cites = citations[citations["ref_idx"] == ref].sort_values("sent_idx", kind="stable")
        items.append({
            "row": i, "ref_idx": ref, "marker": row["marker"], "title": row["title"],
            "publisher": None if is_missing(row["publisher"]) else row["publisher"],
            "published": date_text(row["published"]),
            "url": None if is_missing(row.get("url")) else row.get("url"),
            "status": row.get("status"),
            "citations": [{"sent_idx": int(c["sent_idx"]), "score": number_text(round(float(c["score"]), 3)),
                           "method": None if is_missing(c.get("method")) else c.get("method"),
                           "evidence": evidence_terms(c["evidence"]),
                           "sentence": sentences.get(int(c["sent_idx"]), "")}
                          for _, c in cites.iterrows()],
            "conflicts": [conflict_item(c) for _, c in conflicts[conflicts["ref_idx"] == ref].iterrows()],
        })
    return items


def conflict_item(row) -> dict:
    return {"kind": row["kind"], "detail": row["detail"], "article_text": row["article_text"],
            "reference_text": None if is_missing(row["reference_text"]) else row["reference_text"],
            "sent_idx": None if is_missing(row["sent_idx"]) else int(row["sent_idx"])}


def evidence_terms(evidence) -> list[str]:
    """Return the evidence of a citation (a JSON list in the table) as short phrases a person reads."""
    if is_missing(evidence) or not evidence:
        return []
    try:
        items = json.loads(evidence)
    except ValueError:
        return [str(evidence)]
    return [evidence_phrase(item) for item in (items if isinstance(items, list) else [items])]


def evidence_phrase(item) -> str:
    """Return one piece of evidence as a phrase: a shared term, entity, figure or date, or a neighbour link."""
    if not isinstance(item, dict):
        return str(item)
    kind = item.get("type")
    if kind in ("term", "marker", "url"):
        return f"{kind} {item.get('text')}"
    if kind == "term_part":
        return f"term {item.get('text')} (in {item.get('article')})"
    if kind == "entity":
        return f"entity {item.get('canonical')} ({item.get('label')})"
    if kind in ("quantity", "date"):
        return f"{kind} {item.get('article')} ↔ {item.get('reference')}"
    if kind in ("next_to", "continues", "between"):
        return f"{kind.replace('_', ' ')} sentence {item.get('sent_idx')}"
    return json.dumps(item, ensure_ascii=False)


def legend_counts(tables: dict[str, pd.DataFrame], doc_id: str) -> list[dict]:
    """Return the legend: each highlighted kind with its row count, and the entity labels present."""
    legend = []
    for table, kind in MENTION_KINDS.items():
        rows = rows_of(tables[table], doc_id)
        column = "label" if table == "entities" else "kind"
        legend.append({"table": table, "kind": kind, "count": len(rows),
                       "labels": sorted(rows[column].dropna().unique().tolist()) if len(rows) else []})
    return legend
