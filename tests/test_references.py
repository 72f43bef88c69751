"""Tests of extract.extractors.references: the data files, the golden cases, the seed article's list."""
from __future__ import annotations

import json
from datetime import date

import opencc
import pytest

from extract.extractors import references
from extract.extractors.references import (
    Reference,
    find_reference_section,
    parse_reference_list,
    reference_number,
)


def test_references_data_files_load_and_compile():
    references.grammar.cache_clear()
    g = references.grammar()
    assert "参考资料" in g.headings and "references" in g.headings
    assert {name for name, _ in g.entry_styles} >= {"bracket", "circled", "note", "paren", "dotted", "dun", "mangled"}
    assert g.publisher_suffixes and g.publishers_known


@pytest.mark.parametrize("marker,number", [("①", 1), ("⑳", 20), ("㉑", 21), ("[12]", 12), ("［3］", 3), ("注4", 4),
                                           ("(5)", 5), ("6.", 6), ("7、", 7), ("?", None),
                                           ("（8）", 8), ("注释9：", 9), ("［10］", 10), ("㉒", 22)])
def test_references_marker_number(marker, number):
    assert reference_number(marker) == number


@pytest.mark.parametrize("heading", ["[引用]", "引用", "参考资料", "参考文献：", "【参考资料】", "## References",
                                     "资料来源:", "来源", "注释", "References", "**参考链接：**",
                                     "参考文献", "资料来源", "来源：", "注释："])
def test_references_heading_variants_found(heading):
    text = f"正文一句。\n{heading}\n[1] 某报告. 某某网. 2024-01-01\n"
    section = find_reference_section(text)
    assert section is not None
    assert text[section[0]:section[1]] == f"{heading}\n[1] 某报告. 某某网. 2024-01-01"


def test_references_no_section_without_list():
    assert find_reference_section("一句话。\n又一句话。") is None
    assert parse_reference_list("一句话。\n又一句话。") == []


def test_references_record_is_frozen():
    ref = parse_reference_list("正文。\n参考资料\n[1] 标题. 某某网. 2024-01-01")[0]
    assert isinstance(ref, Reference)
    with pytest.raises(AttributeError):
        ref.title_start = 0  # type: ignore[misc]


SEED_EXPECTED = [
    (1, "①", "每日经济新闻", date(2025, 12, 9)),
    (2, "②", "中芯国际", date(2025, 8, 7)),
    (3, "③", "腾讯网", date(2025, 5, 31)),
    (4, "④", "电子工程专辑", date(2025, 7, 9)),
    (5, "⑤", "今日头条", date(2025, 7, 30)),
    (6, "⑥", "东方财富证券", date(2025, 7, 15)),
    (7, "⑦", "齐鲁晚报", date(2025, 8, 27)),
    (8, "⑧", "中国电子报", date(2025, 8, 22)),
    (9, "⑨", "新浪财经", date(2025, 1, 6)),
    (10, "⑩", "腾讯网", date(2025, 11, 28)),
    (11, "?", "腾讯网", date(2025, 10, 20)),
    (12, "?", "央视网", date(2025, 5, 25)),
    (13, "?", "中证网", date(2025, 9, 16)),
    (14, "?", "科创板日报", date(2025, 5, 23)),
    (15, "?", "证券时报网", date(2025, 7, 6)),
]


def test_references_seed_fifteen_entries(seed_text):
    text = opencc.OpenCC("t2s").convert(seed_text)
    refs = parse_reference_list(text)
    assert [(r.ref_idx, r.marker, r.publisher, r.published) for r in refs] == SEED_EXPECTED
    assert [r.number for r in refs] == list(range(1, 16))
    titles = [text[r.title_start:r.title_end] for r in refs]
    assert titles[0].startswith("特朗普宣布:允许英伟达") and titles[0].endswith("“在华市场份额已降到0%”")
    assert titles[4] == "智谱GLM团队:正全力增加机器资源,建议用户先使用GLM-4.5-Air"
    assert titles[6] == "果然财评|寒武纪股价狂飙,能否按下国产AI芯片替代加速键?"
    assert titles[10] == "200亿加码!士兰微投建12英寸模拟芯片产线 行业扩产潮再起"
    section = find_reference_section(text)
    assert text[section[0]:section[0] + 4] == "[引用]"
    assert text[section[1] - 5:section[1]] == "07-06"    # the NetEase footer is not part of the list


def test_references_seed_spans_map_to_traditional(seed_text):
    # OpenCC t2s keeps lengths on this text, so the spans slice the original too
    text = opencc.OpenCC("t2s").convert(seed_text)
    assert len(text) == len(seed_text)
    ref = parse_reference_list(text)[3]
    assert seed_text[ref.title_start:ref.title_end] == "江蘇時代芯存重整失敗,中國最后一座爛尾12英寸廠“死亡”"


def test_references_shared_corpus_entries(shared_dir):
    """The 320 articles of with_refs.jsonl: at least 95% of entries parsed with the dataset's raw text."""
    rows = [json.loads(line) for line in
            (shared_dir / "corpus" / "with_refs.jsonl").read_text(encoding="utf-8").splitlines()]
    t2s = opencc.OpenCC("t2s")
    n_entries = n_raw_ok = n_found = 0
    for row in rows:
        text = row["text_with_references"]
        simp = t2s.convert(text) if row["lang"].startswith("zh-Hant") else text
        refs = parse_reference_list(simp)
        n_found += bool(refs)
        gold = row["references"]
        n_entries += len(gold)
        n_raw_ok += sum(k < len(refs) and text[refs[k].start:refs[k].end].strip() == g.strip()
                        for k, g in enumerate(gold))
    assert n_found == len(rows)
    assert n_raw_ok / n_entries >= 0.95
