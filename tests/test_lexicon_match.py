"""Tests of extract.lexicon_match: the compiled matcher finds what pyahocorasick's iter_long finds."""
from __future__ import annotations

import ahocorasick
import numpy
import pytest

from extract.lexicon import surface_automaton
from extract.lexicon_match import LongestMatcher
from extract.ner import crf as ner_crf
from extract.text.chars import lower_same_length


def _points(text: str) -> numpy.ndarray:
    return numpy.frombuffer(text.encode("utf-32-le"), dtype=numpy.uint32)


def _both(keys: list[str], text: str) -> tuple[list, list]:
    """Return (pyahocorasick's, the matcher's) (start, end, key index) matches of `keys` in `text`."""
    automaton = ahocorasick.Automaton()
    for i, key in enumerate(keys):
        automaton.add_word(key, (len(key), i))
    automaton.make_automaton()
    expected = [(end + 1 - length, end + 1, i) for end, (length, i) in automaton.iter_long(text)]
    starts, ends, payloads = LongestMatcher.build((key, i) for i, key in enumerate(keys)).matches(_points(text))
    return expected, list(zip(starts.tolist(), ends.tolist(), payloads.tolist()))


@pytest.mark.parametrize("keys, text, found", [
    # Leftmost-longest, and the search starts over after a name: 北京 is not found inside 北京市长.
    (["北京", "北京市", "市长"], "北京市长江大桥", ["北京市"]),
    (["he", "she", "hers"], "ushers", ["she"]),
    # A name reached through a failure link (京市 inside 北京市场 where 北京市场化 is a key): taken up where the
    # text leaves the trie, and the walk goes on from it.
    (["北京市场化", "京市"], "北京市场，", ["京市"]),
    (["法国巴黎银行", "法国", "巴黎"], "法国巴黎检察官", ["法国", "巴黎"]),
    # ... but not at the very end of the text (pyahocorasick's quirk, kept).
    (["北京市场化", "京市"], "北京市场", []),
    (["abcd", "bc"], "abc", []),
    (["abcd", "bc"], "abcx", ["bc"]),
    (["ab", "abcd", "cz"], "abcz", ["ab", "cz"]),
    # A key given twice carries its last payload; an empty text has no matches.
    (["ab", "ab"], "xab", ["ab"]),
    (["ab"], "", []),
])
def test_matches_are_pyahocorasick_iter_long(keys, text, found):
    expected, got = _both(keys, text)
    assert got == expected
    assert [text[s:e] for s, e, _ in got] == found


def test_matches_agree_with_pyahocorasick_on_random_keys_and_texts():
    # A small alphabet makes keys share prefixes and suffixes: every branch of the walk is met many times.
    rng = numpy.random.default_rng(16)
    alphabet = "abcd"
    for trial in range(400):
        keys = ["".join(rng.choice(list(alphabet), size=int(rng.integers(1, 6)))) for _ in range(int(rng.integers(1, 12)))]
        text = "".join(rng.choice(list(alphabet + "x"), size=int(rng.integers(0, 40))))
        expected, got = _both(keys, text)
        assert got == expected, (trial, keys, text)


def test_payloads_must_not_be_negative():
    with pytest.raises(ValueError, match="must not be negative"):
        LongestMatcher.build([("ab", -1)])


def test_gazetteer_matcher_finds_what_the_lexicon_automaton_finds():
    automaton, matcher = surface_automaton(lowercase=True), ner_crf.gazetteer_automaton()
    text = lower_same_length("法国巴黎检察官莫兰说，北京市长江大桥旁的Intel中国与华为技术有限公司在上海签约。IT之家报道。")
    expected = [(end + 1 - length, end + 1) for end, (length, _canonical, _label) in automaton.iter_long(text)]
    starts, ends, _codes = matcher.matches(_points(text))
    assert expected and list(zip(starts.tolist(), ends.tolist())) == expected


@pytest.mark.parametrize("text", [
    "法国巴黎检察官莫兰说，北京市长江大桥旁的Intel中国与华为技术有限公司在上海签约。IT之家报道。",
    "国家发展和改革委员会与国家发改委、商务部、海关总署；台湾的金管会和香港的入境事务处。",
    "", "abc", "美国" * 50,
])
def test_lexicon_names_are_what_the_lexicon_automaton_finds(text):
    from extract.lexicon import lexicon_names

    expected = [(end + 1 - length, end + 1, canonical, label)
                for end, (length, canonical, label) in surface_automaton().iter_long(text)]
    assert lexicon_names(text) == expected
    assert expected or len(text) < 5  # the Chinese texts hold names


def test_cached_matcher_is_built_once_then_read_and_rebuilt_when_damaged(tmp_path, monkeypatch):
    import extract.cache

    monkeypatch.setattr(extract.cache, "user_cache_dir", lambda: tmp_path)
    keys = [("北京", 1), ("北京大学", 2), ("大学", 3)]
    built = LongestMatcher.cached(keys, "test")
    (path,) = (tmp_path / "matchers").glob("test-*.npz")
    read = LongestMatcher.cached(keys, "test")
    text = _points("他在北京大学和大学城")
    for a, b in zip(built.matches(text), read.matches(text)):
        assert a.tolist() == b.tolist()
    assert [s.tolist() for s in read.matches(text)] == [[2, 7], [6, 9], [2, 3]]
    path.write_bytes(b"not a zip")
    again = LongestMatcher.cached(keys, "test")
    assert [s.tolist() for s in again.matches(text)] == [[2, 7], [6, 9], [2, 3]]
    LongestMatcher.cached(keys + [("城", 4)], "test")  # other keys: another file, the stale one removed
    assert [p.name for p in (tmp_path / "matchers").glob("test-*.npz")] != [path.name]
    assert len(list((tmp_path / "matchers").glob("test-*.npz"))) == 1
