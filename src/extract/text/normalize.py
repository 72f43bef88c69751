"""Detect the script variant of a text and convert it to Simplified Chinese with an exact offset map.

OpenCC converts whole phrases, and some phrase conversions change length (Taiwan 記憶體 → 内存). We convert each
run of CJK characters separately (phrases never cross punctuation, Latin letters or line breaks), map runs
that keep their length character by character, and align the few that change length block by block against
a character-by-character conversion. The result is a pair of arrays that take any Simplified offset back to
the original text: a Simplified character inside a length-changing phrase maps to the whole original phrase.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

import numpy
import opencc

from extract.errors import EmptyTextError, NormalizeError
from extract.text.chars import code_points
from extract.resources import load
from extract.text.chars import HAN_RUN

# A record separator OpenCC leaves alone and no phrase contains, so many runs convert in one call.
_SEP = "\n"


@dataclass(frozen=True, slots=True)
class Normalized:
    """A text in its original script, its Simplified conversion, and the offset map between them.

    `orig_start[j]`/`orig_end[j]` give the original span of Simplified character j; `simp_start[i]`/`simp_end[i]`
    the Simplified span of original character i. Where a phrase changed length both sides map to the whole block.
    """

    original: str
    simplified: str
    variant: str
    config: str
    orig_start: list[int] = field(repr=False)
    orig_end: list[int] = field(repr=False)
    simp_start: list[int] = field(repr=False)
    simp_end: list[int] = field(repr=False)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Return the original half-open span that Simplified span [start, end) was converted from."""
        if start >= end:
            pos = self.orig_start[start] if start < len(self.simplified) else len(self.original)
            return pos, pos
        return self.orig_start[start], self.orig_end[end - 1]

    def to_simplified(self, start: int, end: int) -> tuple[int, int]:
        """Return the Simplified half-open span that original span [start, end) converts to."""
        if start >= end:
            pos = self.simp_start[start] if start < len(self.original) else len(self.simplified)
            return pos, pos
        return self.simp_start[start], self.simp_end[end - 1]

    def expand(self, start: int, end: int) -> tuple[int, int]:
        """Return the smallest Simplified span covering [start, end) whose ends are not inside a converted phrase."""
        return self.to_simplified(*self.to_original(start, end))

    def inner_offsets(self) -> frozenset[int]:
        """Return the Simplified offsets that fall inside a conversion block (is_boundary is False there)."""
        starts = self.orig_start
        return frozenset(j for j in range(1, len(starts)) if starts[j] == starts[j - 1])

    def is_boundary(self, pos: int) -> bool:
        """Return whether Simplified offset `pos` falls between two conversion blocks (not inside one)."""
        if pos <= 0 or pos >= len(self.simplified):
            return True
        return self.orig_start[pos] != self.orig_start[pos - 1]


@cache
def _converter(config: str) -> opencc.OpenCC:
    try:
        return opencc.OpenCC(config)
    except Exception as exc:  # the binding raises a bare RuntimeError-like error for unknown configs
        raise NormalizeError(f"OpenCC configuration {config!r} could not be loaded: {exc}") from exc


class _CharTable(dict):
    """Code point -> its conversion on its own by one OpenCC configuration, filled as characters are met
    (a str.translate table: one C-speed pass per text instead of an OpenCC call on every character)."""

    def __init__(self, converter: opencc.OpenCC):
        super().__init__()
        self._converter = converter

    def __missing__(self, code: int) -> str:
        value = self[code] = self._converter.convert(chr(code))
        return value


@cache
def _char_table(config: str) -> _CharTable:
    return _CharTable(_converter(config))


@cache
def _keep_terms() -> tuple[re.Pattern[str] | None, dict[str, str]]:
    table = {}
    for written, kept in load("normalize/keep.tsv"):
        if len(written) != len(kept):
            raise NormalizeError(f"normalize/keep.tsv: {written!r} and {kept!r} differ in length")
        table[written] = kept
    if not table:
        return None, {}
    pattern = re.compile("|".join(sorted(map(re.escape, table), key=len, reverse=True)))
    return pattern, table


@cache
def _variant_rules() -> dict:
    return load("normalize/variants.yaml")


def detect_variant(text: str) -> str:
    """Return the script variant of `text`: zh-Hans, zh-Hant, zh-Hant-TW or zh-Hant-HK.

    Raises EmptyTextError when the text holds no Chinese characters.
    """
    sample = "".join(HAN_RUN.findall(text))[:20000]
    if not sample:
        raise EmptyTextError("the text contains no Chinese characters")
    rules = _variant_rules()
    converted = _converter("t2s").convert(sample)
    if len(converted) == len(sample):  # the usual case: compare code points as arrays
        changed = int(numpy.count_nonzero(code_points(sample) != code_points(converted)))
    else:
        changed = sum(1 for a, b in zip(sample, converted) if a != b)
    if changed < rules["traditional_ratio"] * len(sample):
        return "zh-Hans"
    taiwan = sum(text.count(word) for word in rules["taiwan"])
    hong_kong = sum(text.count(word) for word in rules["hong_kong"])
    if taiwan > hong_kong:
        return "zh-Hant-TW"
    if hong_kong > taiwan:
        return "zh-Hant-HK"
    return "zh-Hant"


def config_for(variant: str) -> str:
    """Return the OpenCC configuration used for a variant ('none' for Simplified text)."""
    try:
        return _variant_rules()["configs"][variant]
    except KeyError as exc:
        raise NormalizeError(f"unknown script variant {variant!r}") from exc


def _align_run(orig: str, conv: str, converter: opencc.OpenCC,
               run_chars: list[str]) -> list[tuple[int, int, int, int]]:
    """Split a run converted as phrases into the finest blocks that convert on their own.

    Returns (orig_a, orig_b, conv_a, conv_b) blocks such that converting orig[orig_a:orig_b] alone gives
    conv[conv_a:conv_b] and the rest of the run converts to the rest of `conv`, so every block boundary is a
    place where the original and the Simplified text can be cut consistently. `run_chars` is the run
    converted character by character.
    """
    # The search below converts O(n²) substrings. The phrase conversion differs from the character one only
    # around the phrases that changed length: where the characters before and after that window convert
    # alone as they do in `conv`, they are blocks of one, and the search runs on the window only.
    head = 0
    while head < len(orig) and head < len(conv) and run_chars[head] == conv[head]:
        head += 1
    tail = 0
    while (tail < len(orig) - head and tail < len(conv) - head
           and run_chars[len(orig) - 1 - tail] == conv[len(conv) - 1 - tail]):
        tail += 1
    if head or tail:
        mid_orig, mid_conv = orig[head:len(orig) - tail], conv[head:len(conv) - tail]
        if mid_orig and converter.convert(mid_orig) == mid_conv:
            after_orig, after_conv = len(orig) - tail, len(conv) - tail
            return ([(i, i + 1, i, i + 1) for i in range(head)]
                    + [(head + a, head + b, head + c, head + d)
                       for a, b, c, d in _finest_blocks(mid_orig, mid_conv, converter)]
                    + [(after_orig + i, after_orig + i + 1, after_conv + i, after_conv + i + 1)
                       for i in range(tail)])
    return _finest_blocks(orig, conv, converter)


def _finest_blocks(orig: str, conv: str, converter: opencc.OpenCC) -> list[tuple[int, int, int, int]]:
    blocks = []
    i = j = 0
    while i < len(orig):
        rest = conv[j:]
        for k in range(1, len(orig) - i + 1):
            head = converter.convert(orig[i:i + k])
            if rest.startswith(head) and converter.convert(orig[i + k:]) == rest[len(head):]:
                break
        else:  # no consistent cut: the remainder is one block
            k, head = len(orig) - i, rest
        blocks.append((i, i + k, j, j + len(head)))
        i += k
        j += len(head)
    return blocks


def normalize(text: str, *, variant: str | None = None, config: str | None = None) -> Normalized:
    """Return `text` converted to Simplified Chinese with its offset map.

    The variant is detected unless given; the OpenCC configuration follows from the variant unless given.
    Names listed in data/normalize/keep.tsv keep their form through conversion.
    """
    if variant is None:
        variant = detect_variant(text)
    if config is None:
        config = config_for(variant)
    if config == "none":
        return _identity(text, variant)
    else:
        runs = [(m.start(), m.end()) for m in HAN_RUN.finditer(text)]
        converter = _converter(config)
        converted = converter.convert(_SEP.join(text[a:b] for a, b in runs)).split(_SEP) if runs else []
        if len(converted) != len(runs):
            raise NormalizeError(f"OpenCC {config} merged or split runs ({len(runs)} in, {len(converted)} out)")
        result = _assemble(text, variant, config, runs, converted, _char_table(config))
    return _apply_keep_terms(result)


def _identity(text: str, variant: str) -> Normalized:
    return _char_for_char(text, text, variant, "none")


def _char_for_char(original: str, simplified: str, variant: str, config: str) -> Normalized:
    # Character i of the Simplified text is character i of the original.
    starts = list(range(len(original)))
    ends = list(range(1, len(original) + 1))
    return Normalized(original, simplified, variant, config, starts, ends, starts, ends)


def _assemble(text: str, variant: str, config: str, runs: list[tuple[int, int]],
              converted: list[str], table: _CharTable) -> Normalized:
    if _one_to_one(text, runs, converted, table):
        return _same_offsets(text, variant, config, runs, converted)
    out: list[str] = []
    orig_start: list[int] = []
    orig_end: list[int] = []
    simp_start = [0] * len(text)
    simp_end = [0] * len(text)
    pos = 0  # Simplified length so far

    def copy_one_to_one(a: int, b: int, piece: str) -> None:
        # Character k of text[a:b] is character pos + k of the output (slices of ranges: no per-character loop).
        nonlocal pos
        n = b - a
        out.append(piece)
        orig_start.extend(range(a, b))
        orig_end.extend(range(a + 1, b + 1))
        simp_start[a:b] = range(pos, pos + n)
        simp_end[a:b] = range(pos + 1, pos + n + 1)
        pos += n

    # Text between runs and runs whose phrase conversion equals their character conversion map one to one:
    # they are gathered into stretches, copied when a run that changed comes or at the end.
    stretch_start, cursor, pieces = 0, 0, []
    for (a, b), conv in zip(runs, converted):
        run = text[a:b]
        pieces.append(text[cursor:a])
        cursor = b
        if len(conv) == len(run) and conv == run.translate(table):
            pieces.append(conv)
            continue
        copy_one_to_one(stretch_start, a, "".join(pieces))
        stretch_start, pieces = b, []
        out.append(conv)
        for oa, ob, ca, cb in _align_run(run, conv, _converter(config), [table[ord(ch)] for ch in run]):
            for j in range(ca, cb):
                orig_start.append(a + oa)
                orig_end.append(a + ob)
            for i in range(oa, ob):
                simp_start[a + i] = pos + ca
                simp_end[a + i] = pos + cb
        pos += len(conv)
    pieces.append(text[cursor:])
    copy_one_to_one(stretch_start, len(text), "".join(pieces))
    simplified = "".join(out)
    if len(orig_start) != len(simplified):
        raise NormalizeError(f"offset map length {len(orig_start)} != Simplified length {len(simplified)}")
    return Normalized(text, simplified, variant, config, orig_start, orig_end, simp_start, simp_end)


def _one_to_one(text: str, runs: list[tuple[int, int]], converted: list[str], table: _CharTable) -> bool:
    """Return whether every run converted as phrases equals its character-by-character conversion."""
    return (all(len(conv) == b - a for (a, b), conv in zip(runs, converted))
            and "".join(converted) == "".join(text[a:b] for a, b in runs).translate(table))


def _same_offsets(text: str, variant: str, config: str, runs: list[tuple[int, int]],
                  converted: list[str]) -> Normalized:
    # Most articles: no phrase changed length, so the runs' conversions replace them in place.
    out, cursor = [], 0
    for (a, b), conv in zip(runs, converted):
        out.append(text[cursor:a])
        out.append(conv)
        cursor = b
    out.append(text[cursor:])
    return _char_for_char(text, "".join(out), variant, config)


def _apply_keep_terms(result: Normalized) -> Normalized:
    """Restore kept names and make each one block, so no token or span can cut through it."""
    pattern, table = _keep_terms()
    if pattern is None:
        return result
    chars = None
    for m in pattern.finditer(result.original):
        s, e = result.to_simplified(m.start(), m.end())
        kept = table[m.group()]
        if e - s != len(kept):
            continue  # the name sat inside a phrase that changed length: leave OpenCC's output alone
        if chars is None:
            chars = list(result.simplified)
            maps = [list(result.orig_start), list(result.orig_end), list(result.simp_start), list(result.simp_end)]
        chars[s:e] = kept
        maps[0][s:e] = [m.start()] * (e - s)
        maps[1][s:e] = [m.end()] * (e - s)
        maps[2][m.start():m.end()] = [s] * (m.end() - m.start())
        maps[3][m.start():m.end()] = [e] * (m.end() - m.start())
    if chars is None:
        return result
    return Normalized(result.original, "".join(chars), result.variant, result.config, *maps)
