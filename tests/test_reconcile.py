"""Tests of extract.reconcile: markers, similarity links, conflicts, on records built by hand."""
from __future__ import annotations

import json
from datetime import date

import pytest

from extract import reconcile
from extract.extractors.dates import DateMention
from extract.extractors.quantities import Quantity
from extract.extractors.references import parse_reference_list
from extract.reconcile import Citation, Passage, citations, conflicts, inline_markers


def _q(passage_text: str, offset: int, text: str, value: float, unit: str = "%", kind: str = "percent") -> Quantity:
    start = offset + passage_text.index(text)
    return Quantity(start, start + len(text), text, kind, value, value, value, unit, False, None)


def _d(passage_text: str, offset: int, text: str, start: date, end: date, granularity: str = "month") -> DateMention:
    s = offset + passage_text.index(text)
    return DateMention(s, s + len(text), text, "date", start, end, granularity, None, None)


def _ref(text: str, n: int = 1):
    return parse_reference_list(text)[n - 1]


def test_reconcile_data_file_loads():
    reconcile.settings.cache_clear()
    cfg = reconcile.settings()
    assert cfg.measure_of["利润"] == "profit" and cfg.measure_of["收入"] == "revenue"
    assert reconcile.CITING_SECTIONS == cfg.citing_sections
    assert 0 < cfg.threshold < 1 and cfg.anchor_relative <= 1


@pytest.mark.parametrize("text,expected", [
    ("据报道[3]。", [[3]]),
    ("多家媒体报道［1］［2］", [[1], [2]]),
    ("研究显示[2,4]", [[2, 4]]),
    ("研究显示[2-4]", [[2, 3, 4]]),
    ("出口增长③。", [[3]]),
    ("研究表明^5。", [[5]]),
    ("成交价约57万/m^2^。", []),
    ("①加强管理；②提高效率。", []),
])
def test_reconcile_inline_markers(text, expected):
    assert [numbers for _, _, numbers in inline_markers(text)] == expected


LIST = "参考资料\n[1] 某市出台新规. 某某网. 2024-01-06\n[2] 某公司发布年度报告. 某某财经. 2024-03-01\n"


def test_reconcile_marker_links_and_opening_marker_belongs_before():
    refs = parse_reference_list(LIST)
    body = [Passage(0, 0, 10, "某市出台了新规定。"), Passage(1, 10, 13, "[1]"), Passage(2, 13, 30, "公司年报显示增长[2]。")]
    titles = [(r, Passage(r.ref_idx, r.title_start, r.title_end, LIST[r.title_start:r.title_end], "references"))
              for r in refs]
    found = citations(body, titles)
    assert [(c.ref_idx, c.sent_idx, c.method, c.score) for c in found] == [(1, 0, "marker", 1.0), (2, 2, "marker", 1.0)]
    json.dumps([c.evidence for c in found])


def _similarity_case():
    text = ("参考资料\n[1] 新能源汽车出口大增，电池企业扩产. 某某网. 2024-05-01\n"
            "[2] 某某乳业发布新品. 某某日报. 2024-05-02\n")
    refs = parse_reference_list(text)
    titles = [
        (refs[0], Passage(1, refs[0].title_start, refs[0].title_end, "新能源汽车出口大增，电池企业扩产", "references",
                          terms=("新能源", "汽车", "出口", "大增", "电池", "企业", "扩产"))),
        (refs[1], Passage(2, refs[1].title_start, refs[1].title_end, "某某乳业发布新品", "references",
                          terms=("乳业", "新品"), entities=(("某某乳业", "ORG"),))),
    ]
    body = [
        Passage(0, 0, 20, "今年新能源汽车出口大增，多家电池企业宣布扩产。",
                terms=("新能源", "汽车", "出口", "大增", "多家", "电池", "企业", "扩产")),
        Passage(1, 20, 40, "天气转暖，市民出行增多。", terms=("天气", "转暖", "市民", "出行", "增多")),
        Passage(2, 40, 60, "汽车消费也在回暖。", terms=("汽车", "消费", "回暖")),
    ]
    return body, titles


def test_reconcile_similarity_links_shared_terms_only():
    body, titles = _similarity_case()
    found = citations(body, titles)
    assert [(c.ref_idx, c.sent_idx) for c in found] == [(1, 0)]
    assert {e["text"] for e in found[0].evidence if e["type"] == "term"} >= {"电池", "扩产", "出口"}
    assert found[0].method == "similarity" and 0 < found[0].score


def test_reconcile_threshold_override():
    body, titles = _similarity_case()
    assert citations(body, titles, threshold=5.0) == []


def test_reconcile_term_mismatch_profit_vs_revenue():
    sent_text = "出口所得利润中需有25%上缴政府。"
    title_text = "某国宣布：出售芯片收入25%上缴政府"
    ref = _ref("参考资料\n① 某国宣布：出售芯片收入25%上缴政府.某某网.2025-12-09")
    sent = Passage(4, 100, 100 + len(sent_text), sent_text, quantities=(_q(sent_text, 100, "25%", 25.0),))
    title = Passage(1, 500, 500 + len(title_text), title_text, "references",
                    quantities=(_q(title_text, 500, "25%", 25.0),))
    found = [Citation(1, 4, 0.5)]
    result = conflicts([sent], [(ref, title)], found, published=date(2025, 12, 10))
    assert [(k.kind, k.ref_idx, k.sent_idx) for k in result] == [("term_mismatch", 1, 4)]
    assert "利润" in result[0].detail and "收入" in result[0].detail
    assert result[0].article_text == sent_text and result[0].reference_text == title_text


def test_reconcile_quantity_mismatch_same_measure():
    sent_text = "该公司营收增长22%。"
    title_text = "某公司营收增长25%"
    ref = _ref("参考资料\n[1] 某公司营收增长25%. 某某网. 2024-01-01")
    sent = Passage(0, 0, len(sent_text), sent_text, quantities=(_q(sent_text, 0, "22%", 22.0),))
    title = Passage(1, 50, 50 + len(title_text), title_text, "references",
                    quantities=(_q(title_text, 50, "25%", 25.0),))
    result = conflicts([sent], [(ref, title)], [Citation(1, 0, 0.5)])
    assert [k.kind for k in result] == ["quantity_mismatch"]


def test_reconcile_date_after_source_but_not_plans():
    sent_text = "该产线已于9月底试生产，12月正式通线，预计2026年3月达产。"
    ref = _ref("参考资料\n[1] 某产线正式投产. 某某网. 2025-11-28")
    title = Passage(1, 60, 67, "某产线正式投产", "references")
    sent = Passage(3, 0, len(sent_text), sent_text, dates=(
        _d(sent_text, 0, "9月底", date(2025, 9, 21), date(2025, 9, 30), "day"),
        _d(sent_text, 0, "12月", date(2025, 12, 1), date(2025, 12, 31)),
        _d(sent_text, 0, "2026年3月", date(2026, 3, 1), date(2026, 3, 31)),
    ))
    result = conflicts([sent], [(ref, title)], [Citation(1, 3, 0.5)], published=date(2025, 12, 10))
    assert [(k.kind, k.sent_idx) for k in result] == [("date_after_source", 3)]
    assert "12月" in result[0].detail and "2025-11-28" in result[0].detail


def test_reconcile_source_after_article():
    ref = _ref("参考资料\n[1] 某报告. 某某网. 2026-01-05")
    title = Passage(1, 10, 13, "某报告", "references")
    result = conflicts([], [(ref, title)], [], published=date(2025, 12, 10))
    assert [(k.kind, k.sent_idx) for k in result] == [("source_after_article", None)]


def test_reconcile_sentence_between_two_anchors_links():
    text = "参考资料\n[1] 某厂破产重整失败，烂尾工厂停工. 某某网. 2024-01-01\n"
    ref = parse_reference_list(text)[0]
    title = Passage(1, ref.title_start, ref.title_end, text[ref.title_start:ref.title_end], "references",
                    terms=("某厂", "破产", "重整", "失败", "烂尾", "工厂", "停工"))
    body = [
        Passage(0, 0, 10, "某厂破产重整。", terms=("某厂", "破产", "重整")),
        Passage(1, 10, 20, "项目资金链断裂。", terms=("项目", "资金链", "断裂")),
        Passage(2, 20, 30, "烂尾工厂停工失败。", terms=("烂尾", "工厂", "停工", "失败")),
        Passage(3, 30, 40, "天气晴朗。", terms=("天气", "晴朗")),
    ]
    found = citations(body, [(ref, title)])
    assert [(c.sent_idx, c.evidence[0]["type"]) for c in found if c.sent_idx == 1] == [(1, "between")]
    assert 3 not in {c.sent_idx for c in found}
