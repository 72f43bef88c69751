"""Tests of script detection, conversion and the offset map."""
from __future__ import annotations

import opencc
import pytest

from extract.errors import EmptyTextError
from extract.text.normalize import detect_variant, normalize


@pytest.mark.parametrize("text, variant, config", [
    ("这是简体中文的新闻报道，内容关于经济。", "zh-Hans", "none"),
    ("這是繁體中文的新聞報道，內容關於經濟發展與國際關係。", "zh-Hant", "t2s"),
    ("臺灣的軟體產業與網路資訊服務持續成長，行政院表示。", "zh-Hant-TW", "tw2sp"),
    ("港府表示，特區政府會繼續推動港鐵發展，恒指今日下跌。", "zh-Hant-HK", "hk2s"),
])
def test_normalize_detects_variant_and_config(text, variant, config):
    result = normalize(text)
    assert (result.variant, result.config) == (variant, config)


@pytest.mark.parametrize("text, expected", [
    ("輝達的軟體在伺服器上執行", "英伟达的软件在服务器上运行"),
    ("記憶體與滑鼠，臺灣", "内存与鼠标，台湾"),
])
def test_normalize_taiwan_phrases(text, expected):
    assert normalize(text, variant="zh-Hant-TW").simplified == expected


def test_normalize_keeps_protected_names():
    result = normalize("華為昇騰910B晶片與昇思框架", variant="zh-Hant")
    assert "昇腾910B" in result.simplified and "昇思" in result.simplified
    assert "升腾" not in result.simplified


def test_normalize_offset_map_when_length_changes():
    text = "記憶體價格上漲，計程車司機說。"
    result = normalize(text, variant="zh-Hant-TW")
    assert result.simplified == "内存价格上涨，出租车司机说。"
    assert len(result.simplified) != len(text)
    s = result.simplified.index("价格")
    a, b = result.to_original(s, s + 2)
    assert text[a:b] == "價格"
    a, b = result.to_original(0, 2)
    assert text[a:b] == "記憶體"
    # Cutting inside a converted phrase is not a boundary; expanding restores the whole phrase.
    assert not result.is_boundary(1)
    assert result.expand(0, 1) == (0, 2)


def test_normalize_every_block_converts_alone():
    text = "滑鼠和印表機的驅動程式，資料庫在硬碟上，乾隆年間"
    result = normalize(text, variant="zh-Hant-TW")
    converter = opencc.OpenCC("tw2sp")
    cuts = [j for j in range(len(result.simplified) + 1) if result.is_boundary(j)]
    for s, e in zip(cuts, cuts[1:]):
        a, b = result.to_original(s, e)
        assert converter.convert(text[a:b]) == result.simplified[s:e]


def test_normalize_rejects_text_without_chinese():
    with pytest.raises(EmptyTextError, match="no Chinese"):
        detect_variant("Only English here, 123.")


def test_normalize_inner_offsets_are_the_non_boundaries():
    from extract.text.segment import Token, merge_across

    result = normalize("記憶體和伺服器")
    inner = result.inner_offsets()
    assert inner == {j for j in range(len(result.simplified) + 1) if not result.is_boundary(j)}
    tokens = [Token(ch, i, i + 1, "x") for i, ch in enumerate(result.simplified)]
    assert merge_across(tokens, inner) == merge_across(tokens, result.is_boundary)
