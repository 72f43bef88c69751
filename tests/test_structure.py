"""Tests of the layout recogniser and sentence splitting."""
from __future__ import annotations

import pytest

from extract.extractors.references import find_reference_section
from extract.text import structure
from extract.text.normalize import normalize
from extract.text.segment import sentence_spans


def test_structure_seed_sections(seed_text):
    norm = normalize(seed_text)
    text = norm.simplified
    lines = structure.lines(text, reference_span=find_reference_section(text))
    by_text = {text[l.start:l.end]: l.section for l in lines}
    assert by_text["竹未晞/文"] == "byline"
    assert by_text["![]()"] == "caption"
    assert by_text["图源:AI"] == "caption"
    assert by_text["图源:半导体行业观察"] == "caption"
    assert by_text["H200入华:谁会采购?影响几何?"] == "heading"
    assert by_text["国产芯片已从“遍地开花”到“优胜劣汰”"] == "heading"
    assert by_text["[引用]"] == "references"
    assert by_text["⑧ 各地竞速“芯”赛道.中国电子报.2025-08-22"] == "references"
    assert sum(1 for l in lines if l.section == "references") == 16
    assert [l.section for l in lines[-2:]] == ["boilerplate", "boilerplate"]
    first_body = next(l for l in lines if l.section == "body")
    assert text[first_body.start:first_body.end].startswith("据新华社报道")
    author = structure.byline_author(text, lines[0])
    assert text[author[0]:author[1]] == "竹未晞"


def test_structure_title_lines_from_metadata():
    text = "标题在这里\n正文第一句。第二句！"
    lines = structure.lines(text, title_lines=1)
    assert [l.section for l in lines] == ["title", "body"]
    sents = structure.sentences(text, lines)
    assert [text[s.start:s.end] for s in sents] == ["标题在这里", "正文第一句。", "第二句！"]


def test_segment_sentences_keep_closing_quotes():
    text = "他说：“我们会来。”然后走了！真的吗？是的……好\n下一行"
    assert [text[a:b] for a, b in sentence_spans(text)] == ["他说：“我们会来。”", "然后走了！", "真的吗？", "是的……", "好",
                                                            "下一行"]


@pytest.mark.parametrize("text, expected", [
    # A short line after a line that does not end a sentence is a fragment of a broken paragraph.
    ("据报道，公司表示今年将继续扩大在华东地区和华南地区多个城市的房地产项目投资\n甚至是上百层\n的高楼也在计划之中。", ["body", "body", "body"]),
    ("第一段结束。\n市场前景展望\n第二段的正文内容在这里展开。", ["body", "heading", "body"]),
    ("第一段结束。\n但是市场仍在观望\n第二段。", ["body", "body", "body"]),
    ("正文一。\n正文二。\n正文三。\n特别声明：以上内容为用户上传。\nNotice: uploaded by a user.",
     ["body", "body", "body", "boilerplate", "boilerplate"]),
    ("关注一下这家公司的发展。\n正文二。", ["body", "body"]),
    ("正文。\n发稿人：王小明\n发稿时间：114年1月23日09:30", ["body", "byline", "boilerplate"]),
    ("正文。\n-----------\n正文。", ["body", "body", "body"]),
])
def test_structure_sections_of_lines(text, expected):
    assert [l.section for l in structure.lines(text)] == expected
