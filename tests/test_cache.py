"""The cache of compiled regexes: the pattern it gives equals re.compile's, from a fresh, kept or damaged entry."""
from __future__ import annotations

import re

import pytest

from extract.cache import cached_pattern, compiled

PATTERNS = [
    (r"(?P<year>\d{4})年(?:(?P<month>\d{1,2})月)?", 0),
    (r"[零一二三四五六七八九十百千万亿两〇]+(?:点[零一二三四五六七八九]+)?", 0),
    (r"(?i)^abc(?=d)|x{2,5}?y\b", 0),
    (r"(?<![A-Za-z])(US\$|HK\$)\s*(\d+)", re.IGNORECASE | re.MULTILINE),
    (r"(a)|(?P<b>b)(?(1)c|d)", re.DOTALL),
]


@pytest.mark.parametrize("pattern,flags", PATTERNS)
def test_cache_pattern_equals_re_compile_fresh_and_kept(tmp_path, pattern, flags):
    expected = re.compile(pattern, flags)
    fresh = cached_pattern(pattern, flags, tmp_path)
    assert len(list(tmp_path.glob("*.marshal"))) == 1
    kept = cached_pattern(pattern, flags, tmp_path)  # read back from the file
    for got in (fresh, kept):
        assert got == expected  # Pattern equality compares the flags and the compiled programs
        assert (got.groupindex, got.groups, got.flags) == (expected.groupindex, expected.groups, expected.flags)
    text = "2024年3月 三百二十点五 abcd xxxy US$ 12 ab bd"
    assert [m.span() for m in kept.finditer(text)] == [m.span() for m in expected.finditer(text)]


def test_cache_damaged_entry_is_compiled_again(tmp_path):
    pattern = r"(?P<n>\d+)%"
    cached_pattern(pattern, 0, tmp_path)
    entry = next(tmp_path.glob("*.marshal"))
    entry.write_bytes(b"\x00not marshal")
    assert cached_pattern(pattern, 0, tmp_path) == re.compile(pattern)
    assert cached_pattern(pattern, 0, tmp_path) == re.compile(pattern)  # rewritten whole


def test_cache_refused_program_is_compiled_again(tmp_path):
    import marshal

    pattern = r"a+b"
    cached_pattern(pattern, 0, tmp_path)
    entry = next(tmp_path.glob("*.marshal"))
    flags, code, groups, groupindex, indexgroup = marshal.loads(entry.read_bytes())
    entry.write_bytes(marshal.dumps((flags, [9999, *code], groups, groupindex, indexgroup)))  # invalid program
    assert cached_pattern(pattern, 0, tmp_path) == re.compile(pattern)


def test_cache_unwritable_folder_still_compiles(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("x")
    assert cached_pattern(r"\d+", 0, blocked / "sub") == re.compile(r"\d+")


def test_cache_bad_pattern_raises_re_error(tmp_path):
    with pytest.raises(re.error):
        cached_pattern(r"(unclosed", 0, tmp_path)
    assert not list(tmp_path.glob("*.marshal"))


def test_cache_grammar_patterns_equal_re_compile():
    from extract.extractors.dates.grammar import grammar as dates_grammar
    from extract.extractors.quantities.grammar import grammar as quantities_grammar

    dates, quantities = dates_grammar(), quantities_grammar()
    for got in (dates.lexer, dates.master, quantities.master, quantities.member):
        assert got == re.compile(got.pattern)
    assert compiled(dates.lexer.pattern) is compiled(dates.lexer.pattern)  # once per process
