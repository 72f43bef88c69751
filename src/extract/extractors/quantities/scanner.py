"""Stage one of the quantities extractor: find the spans where a quantity may be written.

A character scan jumps between the places where a number can start (`start` of patterns.yaml); at each, the
master pattern gives the candidate span. Links, dates, clock times and versions (`skip_regions`) and words
that merely contain numerals (`not_numbers`: 一切, 统一) yield no candidate. The parser (parser.py) reads each
candidate; the scan resumes where the parser says.
"""
from __future__ import annotations

import re

from extract.extractors.numerals import is_well_formed
from extract.extractors.quantities.grammar import Grammar, grammar

_BETWEEN_JOIN = re.compile(r"[ \t]*[和与][ \t]*")


class Scanner:
    """Finds candidate spans in one text (already folded to ASCII by numerals.to_ascii)."""

    def __init__(self, t: str):
        self.g = grammar()
        self.t = t
        self.skips = _skip_spans(self.g, t)
        self.skip_i = 0
        self.tight_until = 0

    def candidate(self, pos: int) -> tuple[Grammar, re.Match] | None:
        """Return the next candidate at or after `pos`: the grammar it was read with and its master match."""
        g, t, skips = self.g, self.t, self.skips
        while (sm := g.start.search(t, pos)) is not None:
            s = sm.start()
            while self.skip_i < len(skips) and skips[self.skip_i][1] <= s:
                self.skip_i += 1
            skip = skips[self.skip_i] if self.skip_i < len(skips) else None
            if skip is not None and skip[0] <= s:
                pos = skip[1]
                continue
            m = g.master.match(t, s)
            if m is None:
                pos = s + 1
                continue
            if skip is not None and skip[0] < m.end():
                pos = skip[1]
                continue
            word_end = _inside_word(g, t, s)
            if word_end:
                pos = max(s + 1, word_end)
                continue
            if s >= self.tight_until and " " not in m.group() and "\t" not in m.group():
                return g, m  # the common case: no space inside
            found = self._spaced(g, m, s)
            if found is None:
                pos = s + 1
                continue
            return found
        return None

    def _spaced(self, g: Grammar, m: re.Match, s: int) -> tuple[Grammar, re.Match] | None:
        """Return the candidate read without spaces where its spaced parts do not compose as one number.

        一百 五 十 二 is one number, 三十五 千分之五 two: a spaced run found not to compose is read tight to its end.
        """
        if s < self.tight_until:
            tight = grammar(True)
            m = tight.master.match(self.t, s)
            return None if m is None else (tight, m)
        if (" " in m.group() or "\t" in m.group()) and not _well_formed(g, self.t, m):
            self.tight_until = m.end()
            tight = grammar(True)
            m = tight.master.match(self.t, s)
            return None if m is None else (tight, m)
        return g, m


def members(g: Grammar, t: str, m: re.Match) -> tuple[list[tuple[re.Match, int]], list[str]]:
    """Split a candidate into its member matches (with where each numeral ends) and the separators between."""
    pos, end = m.start(), m.end("between") if m.group("between") else m.end("body")
    found: list[tuple[re.Match, int]] = []
    seps: list[str] = []
    while pos < end:
        mm = g.member.match(t, pos, end)
        if mm is None:
            return [], []
        found.append((mm, mm.end("num")))
        pos = mm.end()
        if pos >= end:
            break
        sep = g.separator.match(t, pos, end) or _BETWEEN_JOIN.match(t, pos, end)
        if sep is None or sep.end() == pos:
            if m.group("between"):
                break  # the rest is 之间
            return [], []
        seps.append(sep.group().strip())
        pos = sep.end()
    return found, seps


def resume_after_rejected(t: str, end: int) -> int:
    """Return where scanning resumes after a rejected candidate: past the rest of a code such as H200-Pro."""
    if not (end and t[end - 1].isascii() and t[end - 1].isalnum()):
        return end  # 一名16岁: after a refused 一名 the 16 is read
    while end < len(t) and (t[end].isascii() and (t[end].isalnum() or t[end] in "-_.")):
        end += 1
    return end


def _well_formed(g: Grammar, t: str, m: re.Match) -> bool:
    if m.group("special"):
        return True
    found, _ = members(g, t, m)
    return bool(found) and all(is_well_formed(mm.group("num")) for mm, _ in found)


def _skip_spans(g: Grammar, t: str) -> list[tuple[int, int]]:
    """Return the sorted, merged spans of links, dates, clock times and versions, where nothing is a quantity."""
    spans = sorted(m.span() for trigger, pattern in g.skip_regions if trigger in t for m in pattern.finditer(t))
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _inside_word(g: Grammar, t: str, s: int) -> int:
    """Return the end of a not-a-number word (一切, 统一) that covers position `s`, or 0."""
    reach = min(s, g.not_numbers_reach - 1)
    if g.not_number_firsts.search(t, s - reach, s + 1) is None:
        return 0                       # no such word starts within reach (most positions)
    best = 0
    for k in range(reach, -1, -1):
        pattern = g.not_numbers.get(t[s - k])
        if pattern is not None:
            wm = pattern.match(t, s - k)
            if wm is not None and wm.end() > s:
                best = max(best, wm.end())
    return best
