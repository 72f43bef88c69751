"""Caches that outlive the process: they give what the sources give, and a damaged cache is rebuilt."""
from __future__ import annotations

import jieba
import pytest

from extract.text.segment import read_dictionary, stock_dictionary


def _tags_from_source(path: str) -> dict[str, str]:
    with open(path, encoding="utf-8") as fh:
        return {p[0]: p[2] for p in (line.split() for line in fh) if len(p) == 3}


def _dictionary_tags(path, cache_dir) -> dict[str, str]:
    return read_dictionary(path, cache_dir)[0]


def test_caches_stock_dictionary_counts_equal_jiebas():
    import jieba

    tags, freqs = stock_dictionary()
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    assert freqs["中国"] == tokenizer.FREQ["中国"] and tags["中国"] == "ns"
    with open(tokenizer.get_dict_file().name, encoding="utf-8") as fh:
        parsed = {word: int(freq) for word, freq, _ in (line.split() for line in fh)}
    assert freqs == parsed  # a word listed twice keeps its last count, as before the cache


def test_caches_dictionary_tags_equal_the_dictionarys_and_persist(tmp_path):
    path = jieba.Tokenizer().get_dict_file().name
    first = _dictionary_tags(path, tmp_path)
    assert first == _tags_from_source(path)
    assert first["中国"] == "ns" and len(first) > 300_000
    cached = list(tmp_path.glob("dictionary.*.marshal"))
    assert len(cached) == 1
    assert _dictionary_tags(path, tmp_path) == first  # read back from the cache


def test_caches_damaged_tags_cache_is_rebuilt(tmp_path):
    path = jieba.Tokenizer().get_dict_file().name
    _dictionary_tags(path, tmp_path)
    cached = next(tmp_path.glob("dictionary.*.marshal"))
    cached.write_bytes(b"\x00not marshal")
    assert _dictionary_tags(path, tmp_path)["中国"] == "ns"
    assert _dictionary_tags(path, tmp_path) == _tags_from_source(path)


def test_caches_unwritable_folder_still_gives_tags(tmp_path):
    path = jieba.Tokenizer().get_dict_file().name
    blocked = tmp_path / "file"
    blocked.write_text("x")
    assert _dictionary_tags(path, blocked / "sub")["中国"] == "ns"


_WORDS = (("华为技术有限公司", "ORG"), ("英伟达", "ORG"), ("黄仁勋", "PERSON"), ("台积电", "ORG"))
_TEXT = "英伟达首席执行官黄仁勋周三表示，台积电和华为技术有限公司的芯片供应仍然紧张。"


def test_caches_segmenter_state_kept_gives_the_same_tokens(tmp_path):
    from extract.text.segment import Segmenter

    built = Segmenter(_WORDS, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("segmenter.*.marshal"))) == 1
    kept = Segmenter(_WORDS, cache_dir=tmp_path)  # read back from the state file
    tokens = built.tokens(_TEXT)
    assert kept.tokens(_TEXT) == tokens
    assert ("黄仁勋", "nr") in [(t.text, t.pos) for t in tokens] and ("台积电", "nt") in [(t.text, t.pos) for t in tokens]
    assert kept.state == built.state
    first = next(tmp_path.glob("segmenter.*.marshal"))
    other = Segmenter(_WORDS[:2], cache_dir=tmp_path)  # other words: another state file, replacing the first
    assert [p.name for p in tmp_path.glob("segmenter.*.marshal")] != [first.name]
    assert len(list(tmp_path.glob("segmenter.*.marshal"))) == 1
    assert ("黄仁勋", "nr") not in [(t.text, t.pos) for t in other.tokens(_TEXT)]  # not the lexicon's tag


def test_caches_damaged_segmenter_state_is_rebuilt(tmp_path):
    from extract.text.segment import Segmenter

    expected = Segmenter(_WORDS, cache_dir=tmp_path).tokens(_TEXT)
    state = next(tmp_path.glob("segmenter.*.marshal"))
    state.write_bytes(state.read_bytes()[:1000])
    assert Segmenter(_WORDS, cache_dir=tmp_path).tokens(_TEXT) == expected
    assert Segmenter(_WORDS, cache_dir=tmp_path).tokens(_TEXT) == expected  # rewritten whole


def test_caches_segmenter_cuts_as_jiebas_tokenizer_with_the_same_words(tmp_path):
    """The packed state and its cut give jieba's words: long lexicon names, fragments that only begin words,
    HMM runs, Latin, digits, spaces and CRLF, and the stock tags and counts read through the state."""
    import jieba

    from extract.text.segment import Segmenter, read_dictionary

    texts = [_TEXT, "中华人民共和国国务院总理在北京人民大会堂会见了来访的客人。", "ＡＢＣ１２３ abc-12.5% 我们\r\n去了  华为",
             "欧阳娜娜和司马懿谈笑风生，赵钱孙李周吴郑王。", "", "x", "\n\n"]
    segmenter = Segmenter(_WORDS, cache_dir=tmp_path)
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = str(tmp_path)
    tokenizer.initialize()
    Segmenter.lexicon_words(tokenizer, _WORDS)
    assert [segmenter.cut(t) for t in texts] == [list(tokenizer.cut(t, HMM=True)) for t in texts]
    assert "华为技术有限公司" in segmenter.cut(_TEXT)
    tags, counts = read_dictionary(tokenizer.get_dict_file().name, tmp_path)
    from extract.text.segment import _StockView

    assert dict(_StockView(segmenter.state, 1).items()) == tags
    assert dict(_StockView(segmenter.state, 0).items()) == counts
    assert _StockView(segmenter.state, 0)["中国"] == counts["中国"] and "英伟达" not in _StockView(segmenter.state, 0)


def test_caches_segmenter_trie_kept_beside_its_state_and_rebuilt_when_damaged(tmp_path):
    """The dictionary's trie (word_trie.py) is written beside the state, read back, and rebuilt whole from the
    state when damaged: the words are the same every time."""
    from extract.text.segment import Segmenter

    expected = Segmenter(_WORDS, cache_dir=tmp_path).cut(_TEXT)
    (trie,) = tmp_path.glob("segmenter.*.trie.npz")
    (state,) = tmp_path.glob("segmenter.*.marshal")
    assert trie.name == state.name.replace(".marshal", ".trie.npz")
    assert Segmenter(_WORDS, cache_dir=tmp_path).cut(_TEXT) == expected
    trie.write_bytes(trie.read_bytes()[:1000])
    assert Segmenter(_WORDS, cache_dir=tmp_path).cut(_TEXT) == expected
    assert Segmenter(_WORDS, cache_dir=tmp_path).cut(_TEXT) == expected  # rewritten whole
    Segmenter(_WORDS[:2], cache_dir=tmp_path).cut(_TEXT)  # another state: its trie replaces the first
    assert [p.name for p in tmp_path.glob("segmenter.*.trie.npz")] != [trie.name]
    assert len(list(tmp_path.glob("segmenter.*.trie.npz"))) == 1


def test_caches_word_trie_ends_on_the_longer_word_at_a_tie():
    """jieba's rule: of two paths with the same probability, the one whose first word is longer wins."""
    import math

    import numpy

    from extract.text.chars import code_points
    from extract.text.word_trie import best_ends, word_trie

    words = {"a": 1, "b": 1, "ab": 1, "abc": 4, "c": 2}
    trie = word_trie(words, 0, 0.0, None)  # a total of 1: "a" + "b" and "ab" both score log(1) = 0
    ends = best_ends(code_points("ab"), numpy.array([0]), numpy.array([2]), *trie, -1.0).tolist()
    assert ends[:2] == [2, 2]
    ends = best_ends(code_points("xabcx"), numpy.array([0]), numpy.array([5]), *trie, -1.0).tolist()
    assert ends[:5] == [1, 4, 3, 4, 5]  # x begins no word; abc (log 4) beats ab + c (log 2)


def test_caches_calendar_results_kept_across_processes(tmp_path, monkeypatch):
    """Lunar dates, solar terms and official holiday stretches are read back from the user cache folder (neither
    calendar package asked again), a date that does not exist included; a damaged file is worked out again."""
    from datetime import date

    from extract.extractors.dates import holidays

    def fresh():
        for cached in (holidays._kept, holidays._kept_file, holidays.lunar_day, holidays.lunar_month,
                       holidays.solar_terms, holidays._lunar_year, holidays._official):
            cached.cache_clear()

    def answers():
        with pytest.raises(ValueError, match="no lunar date"):
            holidays.lunar_day(2025, 2, 30)
        return (holidays.lunar_day(2025, 1, 1), holidays.lunar_month(2025, 6, True), holidays.solar_terms(2025)["立春"],
                holidays.holiday_stretch(date(2025, 10, 1), "CN"), holidays.holiday_stretch(date(2025, 3, 3), "CN"))

    monkeypatch.setattr(holidays, "user_cache_dir", lambda: tmp_path)
    fresh()
    expected = answers()
    assert expected[:3] == (date(2025, 1, 29), (date(2025, 7, 25), date(2025, 8, 22)), date(2025, 2, 3))
    assert expected[3] == (date(2025, 10, 1), date(2025, 10, 8)) and expected[4] is None
    (kept,) = (tmp_path / "dates").iterdir()
    fresh()
    with monkeypatch.context() as m:
        m.setattr(holidays, "_lunar_year", None)   # any computation would fail
        m.setattr(holidays, "_official", None)
        assert answers() == expected
    kept.write_bytes(kept.read_bytes()[:20])
    fresh()
    assert answers() == expected
    fresh()
