"""Publish synthetic documents through `extract.io.delta.Outputs` without the analysis (fast storage tests).

A document is a doc_id and a text; its rows are one documents row and one sentences row per line. A run
publishes a whole corpus state ({doc_id: text}): new and changed documents are written, missing ones removed,
exactly as `extract.io.corpus.commit_run` asks the writer to.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

from extract.io.delta import Manifest, Outputs, RunCounts, load_manifest


def doc_rows(doc_id: str, text: str) -> dict[str, list[dict]]:
    """Return the documents and sentences rows of one synthetic document."""
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    doc = {"doc_id": doc_id, "source": doc_id, "content_sha256": sha(text), "variant": "zh-Hans",
           "conversion": "t2s", "text": text, "text_simplified": text, "n_chars": len(text),
           "pipeline_version": "test", "processed_at": now}
    sentences, start = [], 0
    for i, line in enumerate(text.split("\n")):
        sentences.append({"doc_id": doc_id, "sent_idx": i, "start": start, "end": start + len(line),
                          "section": "body", "text": line, "text_simplified": line, "paragraph_idx": i})
        start += len(line) + 1
    return {"documents": [doc], "sentences": sentences}


def sha(text: str) -> str:
    """Return the SHA-256 of a text, as the corpus reader computes it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def publish(outputs: str | Path, corpus: dict[str, str], *, errors: list[dict] | None = None,
            retention_days: float = 7.0, full: bool = False) -> dict:
    """Run once over `corpus` ({doc_id: text}); return the run report (run_id, table_versions, …)."""
    with Outputs(str(outputs), rebuild=full) as out:
        return publish_in(out, corpus, errors=errors, retention_days=retention_days, full=full)


def publish_in(out: Outputs, corpus: dict[str, str], *, errors: list[dict] | None = None,
               retention_days: float = 7.0, full: bool = False) -> dict:
    """Like `publish`, inside an Outputs the caller entered (`full`: reprocess every document)."""
    old = load_manifest(out, damaged_ok=full)
    changed = [d for d, text in corpus.items() if full or old.documents.get(d, {}).get("sha256") != sha(text)]
    removed = [d for d in old.documents if d not in corpus]
    staging = out.new_run()
    rows: dict[str, list[dict]] = {}
    for doc_id in changed:
        for name, table_rows in doc_rows(doc_id, corpus[doc_id]).items():
            rows.setdefault(name, []).extend(table_rows)
    out.stage_batch(staging, "batch-00000", rows)
    manifest = Manifest(
        documents={d: {"source": d, "sha256": sha(t), "version": "test"} for d, t in corpus.items()},
        files={d: {"fingerprint": sha(t), "version": "test", "failed": False, "doc_ids": [d]}
               for d, t in corpus.items()})
    touched = set(changed) | set(removed)
    versions = out.commit(staging, manifest, replaced_docs=touched, published_before=set(old.documents),
                          touched_sources=touched, errors=errors or [], full=full)
    counts = RunCounts(processed=len(changed), unchanged=len(corpus) - len(changed), removed=len(removed))
    report = out.record_run(Path(staging).name, versions, counts, status="completed",
                            retention_days=retention_days)
    out.drop_staging(staging)
    return report
