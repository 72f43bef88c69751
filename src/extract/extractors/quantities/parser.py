"""Stage two of the quantities extractor: read a candidate span into a Quantity, or refuse it.

A candidate (the scanner's master match) is read in stages, each a registered rule (rules.py) over one
`Reading` of the candidate: split it into members, refuse codes and dates, read each member's numeral
(numerals.py, the one place numbers are parsed), then the sign, hedges and currency written around it, and
produce the record. A stage returns False to refuse the candidate; the stages run in the order of the table.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from extract.extractors.numerals import (Reading, parse_number, read_coins, read_proportion, read_scaled,
                                         read_spoken_tail)
from extract.extractors.quantities.bare import YEAR_LIKE, is_no_quantity
from extract.extractors.quantities.grammar import Grammar, UnitSpec, grammar
from extract.extractors.quantities.record import Quantity
from extract.extractors.quantities.regions import Region, regions
from extract.extractors.quantities.rules import RuleTable
from extract.text.chars import is_han
from extract.extractors.quantities.scanner import members as split_members

STAGES = RuleTable("quantity_stages")
stage = STAGES.rule
CANDIDATES = RuleTable("candidates")  # the alternatives of the master pattern: special words and amounts

_BIG_SCALE = re.compile(r"[千万亿兆]|[0-9][wkK]$")  # 2万亿, 1万5, 8千, 15w, 8k: amounts a money word makes money
_PURE_INTEGER = re.compile(r"\d{2,}")
_LIANG = UnitSpec("两", "measure", "两", 1.0)  # the weight unit, read from a trailing 两


@dataclass(frozen=True, slots=True)
class Member:
    """One member of a candidate read: its numeral's reading, unit, 万/亿 scale and coins."""

    reading: Reading
    unit: UnitSpec | None
    scale: float  # the trailing 万/亿 of the numeral, 1 when it has none
    coins: float
    percent_words: bool
    liang: float = 0.0  # 2斤3两: the 两 after the 斤, counted by the region's liang_per_jin


class Candidate:
    """What the stages know about one candidate so far (the span grows as hedges and currencies are read)."""

    __slots__ = ("g", "text", "t", "m", "region", "local", "s", "end", "members", "seps", "parsed", "cut", "sign", "hedge",
                 "currency", "symbol_currency")

    def __init__(self, g: Grammar, text: str, t: str, m: re.Match, region: Region):
        self.g, self.text, self.t, self.m, self.region = g, text, t, m, region
        self.local = region.currency  # the currency of a bare 元
        self.s, self.end = m.start(), m.end()
        self.members: list = []  # (member match, end of its numeral)
        self.seps: list = []
        self.parsed: list = []  # Member per member
        self.cut = False  # the candidate was cut to its first member
        self.sign = 1.0
        self.hedge: str | None = None
        self.currency: str | None = None  # written before the number (人民币, HK$)
        self.symbol_currency: str | None = None


GUARDS = RuleTable("guards")  # refusals decided on the bare match, before any reading: most candidates end here


def parse(g: Grammar, text: str, t: str, m: re.Match, region: Region) -> Quantity | None:
    """Return the Quantity the candidate `m` (a master match on t, the ASCII-folded text) writes, or None."""
    for guard in _GUARD_PRODUCTIONS:
        if guard(g, t, m):
            return None
    for candidate_rule in CANDIDATES:
        if m.group(candidate_rule.pattern) is not None:
            return candidate_rule.production(g, text, t, m, region)
    return None


@GUARDS.rule("date_after", "not_quantity_after")
def _date_after(g: Grammar, t: str, m: re.Match) -> bool:
    """The common case, decided first: 2025年, 3日, 三期 (one member, no unit, a date or ordinal word after)."""
    return m.group("body") is not None and m.group("unit") is None and m.end("first_end") == m.end("body") \
        and g.not_after.match(t, m.end("num")) is not None


def _before_blanks(t: str, s: int) -> int:
    """Return where the spaces and tabs just before position `s` begin (`s` when there are none)."""
    b = s
    while b and t[b - 1] in " \t":
        b -= 1
    return b


@GUARDS.rule("ordinal_before", "not_quantity_before")
def _ordinal_before(g: Grammar, t: str, m: re.Match) -> bool:
    """第三, 图2, 电话 8888: an ordinal, a figure, a number that is a code."""
    s = m.start()
    b = _before_blanks(t, s)
    return bool(b and t[b - 1] in g.not_before_ends and g.not_before.search(t, max(0, s - 6), s))


_GUARD_PRODUCTIONS = GUARDS.productions()


@CANDIDATES.rule("amount", "body")
def _amount(g: Grammar, text: str, t: str, m: re.Match, region: Region) -> Quantity | None:
    c = Candidate(g, text, t, m, region)
    for production in _STAGE_PRODUCTIONS:
        if not production(c):
            return None
    return _record(c)


@CANDIDATES.rule("special_word", "special")
def _special(g: Grammar, text: str, t: str, m: re.Match, region: Region) -> Quantity | None:
    """Read 对折, 半成, 七五折, 三成五 (patterns.yaml `special`), with a hedge written before."""
    q = _special_value(text, t, m)
    if q is None or not q.start or t[q.start - 1] not in g.hedge_ends:
        return q
    hedge_m = g.pre_hedge.search(t, max(0, q.start - 8), q.start)
    if hedge_m is None:
        return q
    direction = g.pre_hedge_directions[hedge_m.lastindex - 1]
    return Quantity(hedge_m.start(), q.end, text[hedge_m.start():q.end], q.kind, q.value, q.low, q.high,
                    q.unit, True, direction)


def _special_value(text: str, t: str, m: re.Match) -> Quantity | None:
    s, end = m.start(), m.end()
    raw = "".join(m.group("special").split())
    if raw.endswith("对折"):
        if raw == "对折":
            if not (s and t[s - 1] == "打"):
                return None
        else:
            s += 1  # 打对折: the discount is 对折
        value = 50.0
    elif raw == "半斤":
        return Quantity(s, end, text[s:end], "measure", 0.5, 0.5, 0.5, "斤", False, None)
    elif raw == "一半":
        return Quantity(s, end, text[s:end], "number", 0.5, 0.5, 0.5, None, False, None)
    elif raw == "百分百":
        value = 100.0
    elif raw.endswith("番"):
        times = parse_number(raw[-2])  # 翻一番 doubles, 翻两番 doubles twice (4倍)
        if times is None:
            return None
        value = 2.0 ** times
        return Quantity(s, end, text[s:end], "multiplier", value, value, value, "倍", False, None)
    elif raw in ("半折", "半成", "半百"):
        value = {"半折": 50.0, "半成": 5.0, "半百": 50.0}[raw]
        if raw == "半百":
            return Quantity(s, end, text[s:end], "number", value, value, value, None, False, None)
    elif raw.endswith("折"):
        value = float(raw[:-1])
    else:
        tens, ones = parse_number(raw[0]), parse_number(raw[-1])
        if tens is None or ones is None:
            return None
        value = tens * 10 + ones
    return Quantity(s, end, text[s:end], "percent", value, value, value, "%", False, None)


# -- the stages of an amount, in order -------------------------------------------------------------------
@stage("members", "pieces.member, pieces.separator")
def _split(c: Candidate) -> bool:
    m = c.m
    if m.end("first_end") == m.end("body"):
        c.members, c.seps = [(m, m.end("num"))], []
    else:
        c.members, c.seps = split_members(c.g, c.t, m)
        if len(c.members) > 1 and c.members[0][0].group("unit") and not c.members[-1][0].group("unit"):
            # 4元/百万: only a list when the last member carries the unit; here the first stands alone
            c.members, c.seps = c.members[:1], []
            c.end = c.members[0][0].end()
    if not c.members:
        return False
    last_unit = c.members[-1][0].group("unit")
    # 2025年, 3个月, 三期: a date, duration or ordinal
    return not ((last_unit is None or last_unit.startswith("个")) and c.g.not_after.match(c.t, c.members[-1][1]))


@stage("symbol", "currency_prefixes")
def _symbol(c: Candidate) -> bool:
    t, s = c.t, c.s
    if t[s] in "$¥€£":
        if t[s] == "$" and t[s - 2:s] in ("US", "HK", "NT"):
            c.s = s = s - 2
        c.symbol_currency = c.g.currency_prefixes.get(t[s:c.m.start() + 1])
    return True


@stage("code_context")
def _not_code(c: Candidate) -> bool:
    """Refuse numbers inside identifiers, codes and names: img_500, GLM-4.5, f/1.8, 7-ELEVEn."""
    t, s, end = c.t, c.s, c.end
    before = t[s - 1] if s else ""
    if before and (before.isascii() and before.isalnum() or before == "_") and t[s].isascii():
        return False  # H200, img_500 (GDP两万亿 is no code: the numeral is Chinese)
    if not (before in "-._/\\" or end < len(t) and t[end].isascii()):
        return True  # the common case: Chinese around the number
    b = s
    while b and t[b - 1] in "-._/\\":
        b -= 1
    if b < s and b and _is_ascii_alnum(t[b - 1]):
        return False  # GLM-4.5, f/1.8, X\_9: the tail of a code
    if end < len(t) and t[end - 1].isascii() and _is_ascii_alnum(t[end]):
        return False
    return not (end + 1 < len(t) and t[end] == "-" and t[end + 1].isascii() and t[end + 1].isalpha())


@stage("read_members", "numerals.yaml, units.tsv")
def _read(c: Candidate) -> bool:
    parsed = [_member(mm.group("num"), mm.group("unit"), mm.group("half"), mm.group("coins"), mm.group("liang"),
                      mm.group("tail")) for mm, _ in c.members]
    if None in parsed:
        return False
    nums = [mm.group("num").strip() for mm, _ in c.members]
    if len(parsed) == 1:
        c.parsed = parsed
        return nums[0] not in ("零", "〇")  # 零 alone is a word (零部件, 零件, 零售)
    if any(len(n) > 1 and n.startswith("0") and n.isdigit() for n in nums):
        return False  # 010-86625909, 0921-607045: a telephone number, not a range
    if c.members[-1][0].group("unit") is None and all(n.isdigit() and len(n) == 4 and 1900 <= int(n) <= 2100
                                                      for n in nums):
        return False  # 2014至2017: a span of years
    if len(parsed) == 2 and c.seps == ["-"] and c.members[-1][0].group("unit") is None \
            and all(n.isdigit() for n in nums) and int(nums[0]) > int(nums[1]):
        return False  # 以2-0击败: a score (a range is written low to high)
    c.parsed = parsed
    return True


@stage("model_year", "model_year_units")
def _not_model_year(c: Candidate) -> bool:
    unit = c.parsed[-1].unit
    # 2023款揽胜: a model year
    return not (len(c.parsed) == 1 and unit is not None and unit.surface in c.g.model_year_units
                and YEAR_LIKE.fullmatch(c.members[0][0].group("num").strip()))


@stage("unit_split")
def _split_units(c: Candidate) -> bool:
    """Members with different units are separate mentions: 28nm/40V is no list, 增长5%至11.62亿美元 two."""
    unit = c.parsed[-1].unit
    if len(c.parsed) > 1 and any(p.unit is not None and unit is not None and p.unit.unit != unit.unit
                                 for p in c.parsed[:-1]):
        if c.parsed[0].unit is None or c.members[0][0].group("coins"):
            return False
        c.members, c.seps, c.parsed = c.members[:1], [], c.parsed[:1]
        c.end = c.members[0][0].end()
        c.cut = True  # the first stands alone here and the scan goes on after it
    return True


@stage("per_unit", "pieces.per")
def _per_unit(c: Candidate) -> bool:
    """12.44元/股, 80美元/桶: the per-part belongs to a money amount; after anything else it is left out."""
    if c.m.group("per") is None:
        return True
    unit = c.parsed[-1].unit
    if c.cut or unit is None or unit.kind != "money":
        c.end = min(c.end, c.m.start("per"))
    return True


@stage("sign")
def _sign(c: Candidate) -> bool:
    """负3%, -2.5%: a sign before the number (a hyphen after a number is a range dash, the separator's)."""
    t, s = c.t, c.s
    if s and (t[s - 1] == "负" or (t[s - 1] == "-" and not (s > 1 and (_is_ascii_alnum(t[s - 2])
                                                                   or t[s - 2] == "-")))):
        if not c.members[0][0].group("num").startswith(("负", "-")):
            c.sign = -1.0
            c.s -= 1
        return True
    b = s
    while b and t[b - 1] == " ":
        b -= 1
    if b < s and b and (t[b - 1] == "负" or t[b - 1] == "-" and (b == 1 or is_han(t[b - 2]) or t[b - 2] in "：: ")):
        c.sign = -1.0  # 负 3,500万元, 为 - 3,500万元: a sign set apart by a space (not 2024 - 3, a range)
        c.s = b - 1
        return True
    for word in c.g.minus_words:  # 零下18摄氏度
        if t.startswith(word, s - len(word)):
            c.sign = -1.0
            c.s -= len(word)
            break
    return True


@stage("temperature_scale", "scale_prefixes")
def _temperature_scale(c: Candidate) -> bool:
    """摄氏25度, 华氏98.6度: the scale written before the number is the unit of its 度."""
    unit = c.parsed[-1].unit
    if unit is None or unit.surface != "度" or len(c.parsed) > 1:
        return True
    sm = c.g.scale_prefix.search(c.t, max(0, c.s - 4), c.s)
    if sm is not None:
        c.parsed[-1] = replace(c.parsed[-1], unit=UnitSpec(unit.surface, "measure", c.g.scale_prefixes[sm.group(1)], 1.0))
        c.s = sm.start()
    return True


def _word_before(c: Candidate, pattern: re.Pattern, reach: int) -> re.Match | None:
    """Return `pattern`'s match ending at the candidate's start (spaces between allowed), within `reach`."""
    b = _before_blanks(c.t, c.s)
    if not (b and c.t[b - 1] in c.g.hedge_ends):  # the cheap test first: most numbers have no word before
        return None
    return pattern.search(c.t, max(0, c.s - reach), c.s)


@stage("pre_hedge", "pre_hedges, hedge_not_before")
def _pre_hedge(c: Candidate) -> bool:
    g, t, s = c.g, c.t, c.s
    hedge_m = _word_before(c, g.pre_hedge, 8)
    if hedge_m and hedge_m.group(hedge_m.lastindex) in g.hedge_not_before \
            and g.hedge_not_before[hedge_m.group(hedge_m.lastindex)].match(t, s):
        hedge_m = None  # 扫过一次, 过一个暑假: 过 is the verb's particle, not 'more than'
    if hedge_m:
        c.hedge = g.pre_hedge_directions[hedge_m.lastindex - 1]
        c.s = hedge_m.start()
    return True


@stage("currency_prefix", "currency_prefixes")
def _currency_prefix(c: Candidate) -> bool:
    """人民币50元, 新台币1000元: a currency word before the number (and a hedge before that: 约合人民币)."""
    g, t = c.g, c.t
    cur_m = _word_before(c, g.currency_prefix, 6)
    unit = c.parsed[-1].unit
    if cur_m and (unit is None or unit.surface in ("元", "块钱")):
        c.currency = g.currency_prefixes[cur_m.group(1)]
        c.s = cur_m.start()
        if c.hedge is None:
            hedge_m = g.pre_hedge.search(t, max(0, c.s - 8), c.s)
            if hedge_m:
                c.hedge = g.pre_hedge_directions[hedge_m.lastindex - 1]
                c.s = hedge_m.start()
    c.currency = c.currency or c.symbol_currency
    return True


@stage("post_hedge", "post_hedges")
def _post_hedge(c: Candidate) -> bool:
    post = c.m.group("post")
    if post and not c.cut and c.hedge is None:
        c.hedge = c.g.post_hedges.get(post.strip())
    return True


@stage("bare_number", "bare.py")
def _bare(c: Candidate) -> bool:
    if len(c.parsed) == 1 and c.parsed[0].unit is None and c.hedge is None and c.currency is None:
        return not is_no_quantity(c.g, c.t, c.m.start(), c.members[0][0].group("num"))
    return True


@stage("article_one", "article_one_point_words, article_one_point_units, article_one_point_ends")
def _not_article_one(c: Candidate) -> bool:
    """一家公司, 一次会议: 一 + classifier is an article, unless the number one is the point (see patterns.yaml)."""
    unit = c.parsed[-1].unit
    if len(c.parsed) > 1 or unit is None or unit.kind != "count" or c.hedge or c.currency or c.parsed[0].coins \
            or c.members[0][0].group("num").strip() not in ("一", "壹"):
        return True
    g, t = c.g, c.t
    return bool(unit.surface in g.article_one_point_units
                or g.article_one_point_words.search(t, max(0, c.s - 4), c.s)
                or g.article_one_point_ends.match(t, c.end)
                or _contrasted(t, c.s, c.end, unit.surface, unit.surface in g.article_one_pair_units))


_CLAUSE_END = "，。；！？,;!?\n"
_COUNT_NUMERAL = re.compile(r"(?:[0-9]+|[一二两三四五六七八九十百千万几数]+)$")
_OTHER_NUMERAL = re.compile(r"(?:[0-9]+|[二两三四五六七八九十百千万几数]+)$")


def _contrasted(t: str, s: int, end: int, surface: str, pairs: bool) -> bool:
    """Return whether another count of the same classifier stands in the clause: 一架民用飞机和两架军用飞机
    (and, where `pairs`, another 一: 一名乘客和一名司机)."""
    numeral = _COUNT_NUMERAL if pairs else _OTHER_NUMERAL
    ahead = t[end:end + 16]
    for i in range(len(ahead)):
        if ahead[i] in _CLAUSE_END:
            break
        if ahead.startswith(surface, i) and i and numeral.search(ahead, 0, i):
            return True
    behind = t[max(0, s - 16):s]
    for i in range(len(behind) - len(surface), -1, -1):
        if behind[i] in _CLAUSE_END:
            break
        if behind.startswith(surface, i) and i and numeral.search(behind, 0, i):
            return True
    return False


@stage("comparative", "comparative_before, comparative_after")
def _comparative(c: Candidate) -> bool:
    """比三十大, 比 170 低: a comparative around the number bounds it."""
    if c.hedge is not None:
        return True
    g, t = c.g, c.t
    b = _before_blanks(t, c.s)
    k = len(g.comparative_before)
    last = c.parsed[-1]
    if last.unit is not None and last.unit.surface in g.comparative_after and t[b - k:b] == g.comparative_before:
        c.parsed[-1] = replace(last, unit=None)  # 比三十大一些: 大 is the comparative, not 三大's count
        c.end = c.members[-1][1]
    after_at = c.end
    while after_at < len(t) and t[after_at] in " \t":
        after_at += 1
    if t[b - k:b] == g.comparative_before and after_at < len(t) and t[after_at] in g.comparative_after:
        c.hedge = g.comparative_after[t[after_at]]
        c.s = b - k
        c.end = after_at + 1
    return True


@stage("between", "between_before")
def _between(c: Candidate) -> bool:
    """20和30之间, with 位于/介于/在 before it: the words of a between-range belong to it (not 5至20%之间's 之间)."""
    if c.m.group("between") and not c.cut:
        bm = c.g.between_before.search(c.t, max(0, c.s - 4), c.s)
        if bm:
            c.s = bm.start()
    return True


_STAGE_PRODUCTIONS = STAGES.productions()


# -- the production ----------------------------------------------------------------------------------------
def _member_values(c: Candidate) -> list[tuple[float, float, float | None]]:
    """Return (low, high, value) per member, scaled by 万/亿 and signed."""
    parsed, last = c.parsed, c.parsed[-1]
    if len(parsed) == 1:
        r, k = last.reading, last.scale * c.sign
        value = None if r.value is None else r.value * k
        return [(r.low * k, r.high * k, value) if k > 0 else (r.high * k, r.low * k, value)]
    values = []
    for i, p in enumerate(parsed):
        r = p.reading
        factor = 1.0
        if p is not last and p.scale == 1.0 and last.scale > 1.0:
            # 5-20亿: a member without 万/亿 takes the last member's, unless that overshoots (5千-2万)
            if r.high * last.scale <= last.reading.high * last.scale:
                factor = last.scale
        k = factor * p.scale * (c.sign if i == 0 else 1.0)  # -10000与20000间: the sign is the first member's
        low, high = sorted((r.low * k, r.high * k))
        values.append((low, high, None if r.value is None else r.value * k))
    return values


def _kind_and_unit(c: Candidate, values: list) -> tuple[str, str | None, float, list] | None:
    """Return the kind, unit code, unit factor and (for 折) the re-read values; None refuses the candidate."""
    last = c.parsed[-1]
    kind, unit_code, unit_factor = "number", None, 1.0
    spec = last.unit
    if last.percent_words:
        kind, unit_code = "percent", "%"
    elif spec is not None:
        kind, unit_code, unit_factor = spec.kind, spec.unit, spec.factor
    if kind == "percent" and spec is not None and spec.surface == "折":
        values = [_discount(v) for v in values]
        if any(v is None for v in values):
            return None
        unit_factor = 1.0
    elif kind == "percent" and spec is not None and spec.surface == "成" and values[-1][1] > 10:
        unit_factor = 1.0  # 85成 (Hong Kong usage, like 七五成) is 85%; 十成 and 10成 are 100%
    if spec is not None and spec.surface == "块" and (last.coins or _priced_pieces(c)):
        kind, unit_code = "money", c.local  # 五块八毛, 一块二, 花了100块。: 块 with coins or a price is the yuan
    if c.currency and kind in ("number", "money"):
        kind, unit_code = "money", c.currency
    elif kind == "money" and spec is not None and spec.surface in regions().local_units:
        unit_code = c.local  # a bare 元 is the currency of the place the text is from
    if kind == "number" and _BIG_SCALE.search(c.members[-1][0].group("num")) and (
            c.g.money_nouns.match(c.t, c.end) or c.g.money_nouns_before.search(c.t, max(0, c.s - 6), c.s)
            or ("亿" in c.members[-1][0].group("num") and _in_money_sentence(c))):
        kind, unit_code = "money", c.local
    return kind, unit_code, unit_factor, values


_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
_CLAUSE_MARK = re.compile(r"[。！？!?；;，,、：:\n]")


def _priced_pieces(c: Candidate) -> bool:
    """打车花了100块。, 票价两块。: N块 ending its clause after a money word is yuan (三块石头, 切成三块 are pieces)."""
    return (c.end == len(c.t) or c.t[c.end] in _CLAUSE_END) and bool(
        c.g.money_nouns_before.search(c.t, max(0, c.s - 6), c.s))


def _in_money_sentence(c: Candidate) -> bool:
    """成都GDP为19917.0亿元，距离2万亿大关不远: a bare 亿 amount (not 亿 people: its own clause names no
    count noun) in a sentence that names a money noun (GDP, 营收, 预算) is an amount of money."""
    t = c.t
    before = t[max(0, c.s - 80):c.s]
    cut = [m.end() for m in _SENTENCE_END.finditer(before)]
    start = max(0, c.s - 80) + (cut[-1] if cut else 0)
    after = _SENTENCE_END.search(t, c.end, c.end + 80)
    end = after.start() if after else min(len(t), c.end + 80)
    if not c.g.money_sentence.search(t, start, end):
        return False
    clause = [m.end() for m in _CLAUSE_MARK.finditer(t, start, c.s)]
    return not c.g.count_nouns.search(t, clause[-1] if clause else start, c.s)


def _record(c: Candidate) -> Quantity | None:
    """Return the Quantity the stages have read (None for a ratio over zero or a value no float holds)."""
    read = _kind_and_unit(c, _member_values(c))
    if read is None:
        return None
    kind, unit_code, unit_factor, values = read
    coins = c.parsed[-1].coins + c.parsed[-1].liang / c.region.liang_per_jin
    lows = [v[0] * unit_factor for v in values]
    highs = [v[1] * unit_factor for v in values]
    if len(values) == 1:
        value = None if values[0][2] is None else values[0][2] * unit_factor + coins
        low, high = lows[0] + coins, highs[0] + coins
    elif len(values) == 2 and c.seps == ["/"] and c.parsed[-1].unit is None and c.parsed[-1].scale == 1.0 \
            and all(_PURE_INTEGER.fullmatch(mm.group("num")) or mm.group("num").isdigit() for mm, _ in c.members):
        if values[1][1] == 0:
            return None
        value = low = high = values[0][1] / values[1][1]  # 3/4: a ratio
    else:
        low, high, value = min(lows), max(highs), None
    if not (math.isfinite(low) and math.isfinite(high)):
        return None  # 1e308亿: overflow is refused, not reported as infinity
    hedge = c.hedge
    vague = over = False
    for p in c.parsed:
        vague = vague or p.reading.value is None or p.reading.over
        over = over or p.reading.over
    if hedge is None and over:
        hedge = "over"
    if not (low.is_integer() and high.is_integer()):
        value, low, high = _tidy(value), _tidy(low), _tidy(high)
    s, end = c.s, c.end
    return Quantity(s, end, c.text[s:end], kind, value, low, high, unit_code, bool(hedge) or vague, hedge)


@lru_cache(maxsize=8192)
def _member(num: str, surface: str | None, half: str | None, coin_text: str | None,
            liang_text: str | None = None, tail_text: str | None = None) -> Member | None:
    """Read one member of a candidate: its numeral, unit, 半, coins and spoken tail (一块二, 1米8; cached)."""
    if "个" in num:
        num = num.replace("个", "")  # 三个亿: the classifier before 亿 says nothing of the value
    spec = grammar().units.get("".join(surface.split())) if surface else None
    proportion = read_proportion(num)
    if proportion is not None:
        return Member(proportion, spec, 1.0, 0.0, True)
    if spec is None and len(num) > 1 and num.endswith("两") and num[-2] in "二三四五六七八九十百千万亿拾佰仟0123456789":
        # 三十两, 两万两: a trailing 两 after a unit or digit is the weight unit liang
        num, spec = num[:-1], _LIANG
    scaled = read_scaled(num)
    if scaled is None:
        return None
    reading, scale = scaled
    if half:
        reading = Reading(None if reading.value is None else reading.value + 0.5, reading.low + 0.5,
                          reading.high + 0.5, reading.over)
    coins = read_coins(coin_text) if coin_text else read_spoken_tail(tail_text) if tail_text else 0.0
    liang = parse_number(liang_text) if liang_text else 0.0
    if coins is None or liang is None:
        return None
    return Member(reading, spec, scale, coins, False, liang)


def _discount(v: tuple[float, float, float | None]) -> tuple[float, float, float | None] | None:
    """Read 折 (a discount): 七折 and 7.5折 are tenths (70%, 75%), 七五折 and 75折 hundredths."""
    low, high, value = v
    if 0 < high < 10:
        return low * 10, high * 10, None if value is None else value * 10
    if 10 < high < 100 and high != int(high) // 10 * 10:
        return v
    return None


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _tidy(x: float | None) -> float | None:
    """Return x rounded to 12 significant digits, so 百分之零点九 is 0.9 and not 0.9000000000000001."""
    if x is None or x.is_integer() and abs(x) < 1e15:
        return x
    return float(f"{x:.12g}")
