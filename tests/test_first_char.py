"""The copies of a pattern by first character match what the whole pattern matches."""
from __future__ import annotations

import re
from re import _compiler, _parser

import pytest

from extract.extractors.dates.grammar import grammar
from extract.extractors.first_char import FirstCharPatterns, can_start, pruned, unparse

_TEXTS = ["2025年3月5日至今", "今年一季度", "截至6月底", "上半年，营收12.5亿元", "（2024）", "近三年来", "x_9",
          "about 2025", "第3周", "\u3000春节期间", "12/25-1/1", "", "a"]


def _tree(pattern: str):
    tree = _parser.parse(pattern)
    return tree, {number: name for name, number in tree.state.groupdict.items()}


@pytest.mark.parametrize("pattern", [r"(?=[0-9])(?<![0-9])(?P<y>\d{4})年|今(?P<w>年|天)|(?:截至)?(?P<m>\d+)月",
                                     r"[^a]b|\bx(?!y)|(?>ab|a)c|a*?b|(?:)|[\s\w-]+?"])
def test_first_char_written_back_compiles_to_the_same_program(pattern):
    tree, names = _tree(pattern)
    again = _parser.parse(unparse(tree.data, names))
    assert _compiler._code(again, again.state.flags) == _compiler._code(tree, tree.state.flags)
    assert again.state.groupdict == tree.state.groupdict


def test_first_char_can_start_reads_look_aheads_and_optional_parts():
    tree, _ = _tree(r"(?:截至)?(?=[0-9])\d+月")
    assert can_start(tree.data, "5") and can_start(tree.data, "截")
    assert not can_start(tree.data, "今") and not can_start(tree.data, "月")
    assert can_start(_tree(r"a?")[0].data, "z")             # matches the empty string anywhere


def test_first_char_pruned_keeps_only_what_can_start_there():
    tree, names = _tree(r"(?:截至)?(?:(?P<y>\d{4})年|今(?P<w>年|天)|(?P<m>\d+)月)")
    assert unparse(pruned(tree.data, "今"), names) == "(?:今(?P<w>[年天]))"
    assert unparse(pruned(tree.data, "x"), names) == "(?!)"


def _reading(m: re.Match | None):
    """What the rules read of a lexer match: its span, its rule and the groups it set (a group a copy left out
    reads None, as an unset one does)."""
    return m and (m.span(), m.lastgroup, {k: v for k, v in m.groupdict().items() if v is not None})


def test_first_char_copies_match_as_the_whole_lexer():
    lexer = grammar().lexer
    copies = FirstCharPatterns(lexer)
    for text in _TEXTS:
        for pos in range(len(text)):
            for endpos in (len(text), pos + 1):
                assert _reading(copies.match(text, pos, endpos)) == _reading(lexer.match(text, pos, endpos))
    assert _reading(copies.match("2025年", 0)) == ((0, 5), "year", {"year": "2025年", "year__y4": "2025"})


def test_first_char_case_folding_patterns_are_used_whole():
    pattern = re.compile("abc|xyz", re.IGNORECASE)
    assert FirstCharPatterns(pattern).for_char("A") is pattern


def test_first_char_plain_tree_writes_back_the_same_pattern():
    from extract.extractors.first_char import _item_nullable, _plain

    tree, names = _tree(grammar().lexer.pattern)
    plain = _plain(tree.data)
    assert unparse(plain, names) == unparse(tree.data, names)
    alternatives = [alt for op, av in plain if op is _parser.BRANCH for alt in av[1]]
    assert alternatives and all(type(alt) is not _parser.SubPattern for alt in alternatives)
    # the nullability worked out once per sequence is what the walk down the tree finds
    for alt, parsed in zip(alternatives, [alt for op, av in tree.data if op is _parser.BRANCH for alt in av[1]]):
        assert alt.nullable == all(_item_nullable(op, av) for op, av in parsed)
    assert _tree(r"a?(?:b|)")[0].data and _plain(_tree(r"a?(?:b|)")[0].data).nullable
    assert not _plain(_tree(r"a?(?:b|c)")[0].data).nullable
    for ch in "今5截x":
        assert unparse(pruned(plain, ch), names) == unparse(pruned(tree.data, ch), names)


def test_first_char_copies_kept_across_processes_and_remade_when_damaged(tmp_path, monkeypatch):
    """The copies' texts are written to the cache folder and read back by a new object, which then parses nothing;
    a damaged file is remade; another pattern has its own file."""
    import extract.extractors.first_char as first_char

    monkeypatch.setattr(first_char, "user_cache_dir", lambda: tmp_path)
    lexer = grammar().lexer
    made = FirstCharPatterns(lexer)
    expected = [_reading(made.match(text, 0)) for text in _TEXTS if text]
    (kept,) = (tmp_path / "first_char").iterdir()
    again = FirstCharPatterns(lexer)
    assert [_reading(again.match(text, 0)) for text in _TEXTS if text] == expected
    assert again._tree is None and again.for_char("今").pattern == made.for_char("今").pattern
    kept.write_bytes(kept.read_bytes()[:100])
    remade = FirstCharPatterns(lexer)
    assert [_reading(remade.match(text, 0)) for text in _TEXTS if text] == expected and remade._tree is not None
    FirstCharPatterns(re.compile("今天|明天")).for_char("今")
    assert len(list((tmp_path / "first_char").iterdir())) == 2
