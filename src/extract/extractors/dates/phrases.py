"""Splitting a candidate span into tokens (the rules' patterns) and the tokens into phrases."""
from __future__ import annotations

import re

from extract.extractors.dates.frame import Frame, Phrase
from extract.extractors.dates.grammar import grammar
from extract.extractors.dates.rules import RULES, groups


def tokens(text: str, start: int, end: int) -> list[tuple[str, re.Match]] | None:
    """Return the rule name and match of each token of text[start:end], or None where no rule matches."""
    lexer = grammar().lexer_by_char
    out, pos = [], start
    while pos < end:
        m = lexer.match(text, pos)
        if m is None or m.end() > end or m.end() == pos:
            m = lexer.match(text, pos, end)
        if m is None or m.end() == pos:
            if text[pos] in " \t\u3000":
                pos += 1
                continue
            return None
        out.append((m.lastgroup, m))
        pos = m.end()
    return out


# `other` rules whose phrase keeps the list of its tokens (durations go on: 一年零三个月, 7日内)
_TOKEN_LISTS = frozenset({"dur_piece", "dur_tail", "dur_range", "dur_range_units", "dur_days", "dur_pair",
                          "dur_few", "dur_vague", "dur_end"})


class _Builder:
    """Folds tokens into phrases: each token's rule says whether it extends the current frame or starts one."""

    def __init__(self, lex: dict):
        self.lex = lex
        self.phrases: list[Phrase] = []
        self.cur: Phrase | None = None
        self.frame: Frame | None = None
        self.pending_prefix: tuple[str, int] | None = None

    def close(self) -> None:
        cur = self.cur
        if cur is not None and not (cur.left.empty() and cur.other is None):
            if cur.right is not None and cur.right.empty():
                cur.right = None
                cur.end = cur.left.end
            self.phrases.append(cur)
        self.cur = self.frame = None

    def open(self, s: int) -> None:
        self.frame = Frame(s, s)
        self.cur = Phrase(s, s, self.frame)
        if self.pending_prefix:
            self.cur.prefix, self.cur.start = self.pending_prefix
            self.pending_prefix = None

    def add(self, name: str, m: re.Match) -> None:
        getattr(self, "on_" + RULES[name].role)(name, m)

    def on_other(self, name: str, m: re.Match) -> None:
        s, e = m.span()
        cur, rule = self.cur, RULES[name]
        if rule.extends and cur is not None and isinstance(cur.other, tuple) and cur.other[0] in rule.extends \
                and s == cur.end:
            cur.other[1].append((name, m))     # 一年零三个月, 7日内: one duration
            cur.end = e
            return
        if rule.extends and cur is not None and cur.other is None and m.group() in self.lex["suffix"]:
            self.on_suffix(name, m)            # 2025年内: after a date, 内 is its suffix
            return
        self.close()
        if name in _TOKEN_LISTS:
            self.cur = Phrase(s, e, Frame(s, e), other=(name, [(name, m)]))
        else:
            self.cur = Phrase(s, e, Frame(s, e), other=(name, m))

    def on_prefix(self, name: str, m: re.Match) -> None:
        self.close()
        self.pending_prefix = (m.group(0).strip(), m.start() + len(m.group(0)) - len(m.group(0).lstrip()))

    def on_join(self, name: str, m: re.Match) -> None:
        cur = self.cur
        if cur is not None and cur.right is None and cur.other is None:
            if cur.suffix and self.lex["suffix"].get(cur.suffix) == "since":
                cur.suffix = None          # 自X起至Y止: 起 belongs to the left side of a closed range
            self.frame = cur.right = Frame(m.end(), m.end())
            cur.end = m.end()
        elif m.group().strip() in self.lex["prefix"]:
            self.on_prefix(name, m)        # 至年底: nothing on its left to join, so it opens the date after it
        else:
            self.close()

    def on_end(self, name: str, m: re.Match) -> None:
        if self.cur is not None:
            self.cur.end = m.end()

    def on_suffix(self, name: str, m: re.Match) -> None:
        cur = self.cur
        if cur is not None and cur.other is None and cur.suffix is None:
            cur.suffix = m.group(0)
            cur.end = m.end()

    def _fits(self, name: str, m: re.Match) -> bool:
        return self.frame is not None and (self.frame.empty() or RULES[name].fits(self.frame, groups(m, name)))

    def on_range(self, name: str, m: re.Match) -> None:
        s, e = m.span()
        if self.cur is None or self.cur.other is not None or (self.frame is not None and not self._fits(name, m)):
            self.close()
            self.open(s)
        if self.cur.right is not None:     # 2017年8月至11-12月: keep the simple reading of the last range
            self.close()
            return
        left, right = self.cur.left, Frame(s, e)
        RULES[name].produce(left, right, groups(m, name), self.lex)
        left.end = e
        self.cur.right, self.cur.end, self.frame = right, e, right

    def on_frame(self, name: str, m: re.Match) -> None:
        s, e = m.span()
        frame, cur = self.frame, self.cur
        if name == "weekday" and frame is not None and not groups(m, name)("pre") and frame.d is not None \
                and frame.weekday is None and frame.d_rel is None and cur is not None and cur.end == s:
            frame.end = cur.end = e        # 2月20日周一: the weekday restates the date
            return
        if RULES[name].never_first and (frame is None or frame.empty() or not self._fits(name, m)):
            return                         # a tail (十五, 底, ，星期一) with nothing before it to attach to
        if cur is None or cur.other is not None or not self._fits(name, m):
            self.close()
            self.open(s)
        RULES[name].produce(self.frame, groups(m, name), self.lex)
        self.frame.end = self.cur.end = e


def phrases(text: str, start: int, end: int) -> list[Phrase]:
    """Split the candidate span into phrases (a frame, or a range of two frames, with open ends)."""
    toks = tokens(text, start, end)
    if not toks:
        return []
    builder = _Builder(grammar().lex)
    for name, m in toks:
        builder.add(name, m)
    builder.close()
    return builder.phrases
