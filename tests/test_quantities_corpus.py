"""The quantities extractor over the shared corpus: offsets exact, records ordered, nothing crashes."""
from __future__ import annotations

import itertools
import json

import pytest

from extract.extractors.quantities import find_quantities

KINDS = {"percent", "money", "measure", "count", "multiplier", "number"}


@pytest.mark.shared
@pytest.mark.parametrize("name", ["news_zh_hans.jsonl", "news_zh_hant.jsonl", "with_refs.jsonl"])
def test_quantities_corpus_records_are_well_formed(shared_dir, name):
    import opencc

    t2s = opencc.OpenCC("t2s")
    with (shared_dir / "corpus" / name).open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in itertools.islice(fh, 0, 3000, 20)]
    total = 0
    for row in rows:
        text = t2s.convert(row.get("text_with_references") or row["text"])
        found = find_quantities(text)
        total += len(found)
        previous_end = 0
        for q in found:
            assert text[q.start:q.end] == q.text
            assert q.start >= previous_end
            previous_end = q.end
            assert q.kind in KINDS
            assert (q.value is None) or (q.low == q.value == q.high)
            assert q.low is None or q.high is None or q.low <= q.high
            assert not q.hedge or q.approximate
    assert total > 100
