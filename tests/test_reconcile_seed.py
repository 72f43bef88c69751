"""The seed article end to end through extract.analyze: its references, the links checked by hand, conflicts."""
from __future__ import annotations

import json
from datetime import date

import pytest

import extract


@pytest.fixture(scope="module")
def seed_tables(seed_text):
    return extract.analyze(seed_text, published=date(2025, 12, 10), source="h200-china-chips.txt")


def _sentences_citing(tables, ref_idx: int) -> list[str]:
    sents = tables["sentences"].set_index("sent_idx")["text"]
    cites = tables["citations"]
    return [sents[i] for i in cites.loc[cites.ref_idx == ref_idx, "sent_idx"]]


def test_reconcile_seed_reference_table(seed_tables):
    refs = seed_tables["references"]
    assert list(refs.ref_idx) == list(range(1, 16))
    assert list(refs.marker[:10]) == list("①②③④⑤⑥⑦⑧⑨⑩") and set(refs.marker[10:]) == {"?"}
    assert refs.title[3] == "江蘇時代芯存重整失敗,中國最后一座爛尾12英寸廠“死亡”"   # original script
    assert refs.publisher[6] == "齐鲁晚报" and refs.published[9] == date(2025, 11, 28)


@pytest.mark.slow
def test_reconcile_seed_links_checked_by_hand(seed_tables):
    # ① the opening sentences: Trump allows H200 exports; 25% of the proceeds to the US government
    first = _sentences_citing(seed_tables, 1)
    assert any("特朗普" in s and "H200" in s for s in first)
    assert any("25%上繳" in s for s in first)
    # ④ the 江蘇時代芯存 paragraph
    assert any(s.startswith("江蘇時代芯存300mm") for s in _sentences_citing(seed_tables, 4))
    assert any("官宣重整失敗" in s for s in _sentences_citing(seed_tables, 4))
    # ⑤ the 智譜 paragraph, ⑦ the 寒武紀 sentence
    assert any(s.startswith("以智譜AI為例") for s in _sentences_citing(seed_tables, 5))
    assert any("寒武紀思元590" in s for s in _sentences_citing(seed_tables, 7))
    # ⑪ (士蘭微) is listed but not drawn on
    refs = seed_tables["references"].set_index("ref_idx")
    assert refs.status[11] == "not_cited" and _sentences_citing(seed_tables, 11) == []
    for evidence in seed_tables["citations"].evidence:
        assert isinstance(json.loads(evidence), list)


@pytest.mark.slow
def test_reconcile_seed_conflicts(seed_tables):
    conf = seed_tables["conflicts"]
    term = conf[(conf.kind == "term_mismatch") & (conf.ref_idx == 1)]
    assert len(term) == 1
    assert "利润" in term.detail.iloc[0] and "收入" in term.detail.iloc[0]
    after = conf[conf.kind == "date_after_source"]
    assert {9, 10} <= set(after.ref_idx)
    tenth = after[after.ref_idx == 10]
    assert any("12月正式通" in t for t in tenth.article_text) and all("2025-11-28" in d for d in tenth.detail)
    assert any("2025年12月建成投片" in t for t in after[after.ref_idx == 9].article_text)
