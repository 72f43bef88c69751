"""Golden cases of reconciliation, whole articles through extract.analyze (tests/cases/references_reconcile.jsonl).

Each case gives an invented article with its reference list and says which sentences must cite which entry,
which entries no sentence draws on, and which conflicts (kind, entry, sentence) must be reported, no more.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

import extract

CASES = [json.loads(line) for line in
         (Path(__file__).parent / "cases" / "references_reconcile.jsonl").read_text(encoding="utf-8").splitlines()
         if line.strip()]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_reconcile_golden_case(case):
    tables = extract.analyze(case["text"], published=date.fromisoformat(case["published"]))
    sentences = tables["sentences"].set_index("sent_idx")["text"]
    cites = tables["citations"]
    found = [(int(r), sentences[int(s)]) for r, s in zip(cites.ref_idx, cites.sent_idx)]
    for want in case["citations"]:
        assert any(r == want["ref_idx"] and want["sentence_contains"] in s for r, s in found), found
    if case.get("exact_citations"):
        assert len(found) == len(case["citations"]), found
    refs = tables["references"].set_index("ref_idx")
    for ref_idx in case.get("not_cited", []):
        assert refs.status[ref_idx] == "not_cited"
        assert all(r != ref_idx for r, _ in found)
    if "titles" in case:
        assert list(refs.title) == case["titles"]
    if "publishers" in case:
        assert list(refs.publisher) == case["publishers"]
    conf = tables["conflicts"]
    got = sorted((k, int(r), t) for k, r, t in zip(conf.kind, conf.ref_idx, conf.article_text))
    assert len(got) == len(case["conflicts"]), got
    for want in case["conflicts"]:
        assert any(k == want["kind"] and r == want["ref_idx"] and want["article_contains"] in t
                   for k, r, t in got), got
