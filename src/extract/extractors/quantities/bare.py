"""Rules that tell a bare number (no unit, hedge or currency) that is no quantity: codes, names, list markers.

Each rule is a production (g, t, s, end, stripped) -> True when the number at t[s:end] (`stripped`: its text
without spaces) is not a quantity. The parser asks them in order; the first that says so rejects it.
"""
from __future__ import annotations

import re

from extract.extractors.quantities.grammar import Grammar
from extract.extractors.quantities.rules import RuleTable
from extract.text.chars import is_han

BARE_NUMBER = RuleTable("bare_number")
rule = BARE_NUMBER.rule

_CN_DIGITS = frozenset("零〇一二三四五六七八九壹贰叁肆伍陆柒捌玖两俩")
_LONE_DIGITS = frozenset("二三四五六七八九")  # 两 before a word counts it (两方面, 两地): a number
_SCALE_ONLY = re.compile(r"[十百千万亿兆拾佰仟]")
_PURE_INTEGER = re.compile(r"\d{2,}")
_VERSION = re.compile(r"\d\.0")
_GENERATION = re.compile(r"[0-9][05]")
YEAR_LIKE = re.compile(r"19\d\d|20\d\d|2100")
_CLAUSE_HEADS = ("：", ":", "；", ";", "。", "，", ",")


_LINE_HEAD = re.compile(r"[ \t>*#+（(-]*(?:\[\d{1,3}\][ \t]*)?")


def _line_head_before(t: str, s: int) -> bool:
    """Return whether only markup (and a note marker: [3] 2、…) stands between the start of the line and `s`."""
    line_start = t.rfind("\n", 0, s) + 1
    return _LINE_HEAD.fullmatch(t, line_start, s) is not None


@rule("leading_zero_code")
def _leading_zero(g: Grammar, t: str, s: int, end: int, stripped: str) -> bool:
    return len(stripped) > 1 and stripped.startswith("0") and stripped.isdigit()  # 09888, 000001


@rule("year_before_word", "year_like_after")
def _year(g: Grammar, t: str, s: int, end: int, stripped: str) -> bool:
    # 2025新菜单, 2020及2021年, （2022-至今）: a year, not a quantity
    return bool(YEAR_LIKE.fullmatch(stripped) and g.year_after.match(t, end))


@rule("title_or_bracketed_code")
def _bracketed(g: Grammar, t: str, s: int, end: int, stripped: str) -> bool:
    if end < len(t) and t[end] in "》」』":
        return True  # 《哪吒2》: part of a title
    return bool(s and end < len(t) and t[s - 1] + t[end] in ("()", "（）", "[]", "【】"))  # （9988）, [1]


@rule("after_latin_word")
def _after_latin(g: Grammar, t: str, s: int, end: int, stripped: str) -> bool:
    b = s
    while b and t[b - 1] == " ":
        b -= 1
    return bool(b < s and b and t[b - 1].isascii() and t[b - 1].isalpha())  # Snapdragon 4, HONOR 200


@rule("quoted_name")
def _quoted(g: Grammar, t: str, s: int, end: int, stripped: str) -> bool:
    # “520”计划, 「329南青论坛」: a number used as a name
    return bool(len(stripped) >= 3 and s and t[s - 1] in "「“《【『\"" and end < len(t)
                and (is_han(t[end]) or t[end] in "」”》】』\""))


@rule("list_marker_dot")
def _list_dot(g: Grammar, t: str, s: int, end: int, stripped: str) -> bool:
    # 1. or 二、 at the head of a line or clause, 1）: a list marker
    if not (end < len(t) and t[end] in ".、)）" and not t[end + 1:end + 2].isdigit()):
        return False
    return _line_head_before(t, s) or t[end] in ")）" or t[s - 1:s] in _CLAUSE_HEADS


@rule("list_marker_comma", "bare_number_after_ok")
def _list_comma(g: Grammar, t: str, s: int, end: int, stripped: str) -> bool:
    if not (end < len(t) and t[end] == "、"):
        return False
    if _line_head_before(t, s) or t[s - 1:s] in ("：", ":", "；", ";", "。", ")", "）"):
        return True  # 6、2月11日 at the head of a line or sentence: a list marker before a date
    if all(ch in _CN_DIGITS or ch == "十" for ch in stripped) and not (
            t[end + 1:end + 2] and (t[end + 1] in _CN_DIGITS or t[end + 1] in "十百千万")):
        return True  # （含国中生）二、服务项目: a Chinese numeral and 、 before words is a list marker
    # 宏观新闻1、外交部…: a marker run into a heading
    return len(stripped) == 1 and stripped.isdigit() and bool(s) and is_han(t[s - 1]) \
        and t[s - 1] not in g.bare_after_ok


@rule("digit_run_name")
def _digit_run(g: Grammar, t: str, s: int, end: int, stripped: str) -> bool:
    # 七一, 九一八: bare runs of digit characters name days and events; 二〇二五 is a number
    return len(stripped) > 1 and all(ch in _CN_DIGITS for ch in stripped) and not any(ch in "〇零" for ch in stripped)


@rule("article_yi")
def _article(g: Grammar, t: str, s: int, end: int, stripped: str) -> bool:
    return stripped in ("一", "壹")  # 一 without a classifier or hedge is an article or a word part (一柄)


@rule("lone_digit_in_word", "lone_digit_named_after")
def _lone_digit(g: Grammar, t: str, s: int, end: int, stripped: str) -> bool:
    # a digit character alone before a word is part of it, a name or an ordinal (三不四要, 四梁八柱, 五贤帝,
    # 三女儿); it stays a number where a word names it (是五, 前三) or nothing follows (是四。, “五”)
    if len(stripped) != 1 or stripped not in _LONE_DIGITS or end >= len(t):
        return False
    if t[s - 1:s] == "其" or (t[end] == "、" and t[end + 1:end + 2] in _CN_DIGITS):
        return True  # 其二 (an enumeration), 四、五年 (a list of digits before the unit of the last)
    if not is_han(t[end]) or t[end] == "的":
        return False
    return not g.lone_digit_named_after.search(t, max(0, s - 2), s)


@rule("before_latin_word")
def _before_latin(g: Grammar, t: str, s: int, end: int, stripped: str) -> bool:
    return end < len(t) - 1 and t[end] == " " and t[end + 1].isascii() and t[end + 1].isalpha()  # 11 Street


@rule("lone_character")
def _lone(g: Grammar, t: str, s: int, end: int, stripped: str) -> bool:
    # 陆 (land), 万 alone: a single character that is a word of its own
    return len(stripped) == 1 and (stripped in "陆伍拾肆佰仟" or bool(_SCALE_ONLY.fullmatch(stripped))
                                   and stripped != "十")


@rule("model_name", "bare_number_after_ok")
def _model(g: Grammar, t: str, s: int, end: int, stripped: str) -> bool:
    # 思元590, 麒麟9000: digits straight after a character that does not introduce a number
    return bool(_PURE_INTEGER.fullmatch(stripped) and s and is_han(t[s - 1]) and t[s - 1] not in g.bare_after_ok)


@rule("version_or_generation")
def _version(g: Grammar, t: str, s: int, end: int, stripped: str) -> bool:
    # 工业4.0, Web3.0: a version in a name; 85后, 00后: a generation
    if _VERSION.fullmatch(stripped) and s and (is_han(t[s - 1]) or t[s - 1].isalpha()):
        return True
    return bool(_GENERATION.fullmatch(stripped) and t[end:end + 1] == "后")


_RULES = BARE_NUMBER.productions()


def is_no_quantity(g: Grammar, t: str, s: int, num: str) -> bool:
    """Return True when the bare number `num` written at t[s:] is no quantity (a code, a name, a marker)."""
    stripped = "".join(num.split())
    end = s + len(num)
    for production in _RULES:
        if production(g, t, s, end, stripped):
            return True
    return False
