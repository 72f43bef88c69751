"""Read Chinese, Arabic and mixed numerals into numbers.

A small, dependency-free reader shared by the quantities extractor (and usable by the dates extractor):
`parse_number('两千三百万')` is 23000000.0, `parse_number('1.43亿')` 143000000.0, `parse_number('3万4000')`
34000.0; `read_numeral('十几万')` gives the bounds 110000..190000. The characters and their values live in
`data/quantities/numerals.yaml`. Text is expected in Simplified Chinese; `to_ascii` folds full-width digits
and signs without changing the length of the text, so offsets found on its result hold for the input.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from extract.resources import load

# Full-width forms (and a few look-alikes) folded one character to one character, so lengths never change.
_ASCII_FOLD = {0xFF10 + i: 0x30 + i for i in range(10)}
_ASCII_FOLD.update({0xFF21 + i: 0x41 + i for i in range(26)})
_ASCII_FOLD.update({0xFF41 + i: 0x61 + i for i in range(26)})
_ASCII_FOLD.update({ord(a): ord(b) for a, b in zip("．％－＋／：～＄￥＜＞＝＾　−﹣＃", ".%-+/:~$¥<>=^ --#")})
# a full-width comma is a clause break in Chinese prose; only between full-width digits (４，５６５) it groups
_WIDE_RUN = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_ASCII_FOLD)) + "]+")
_WIDE_GROUPING = re.compile(r"(?<=[０-９])，(?=[０-９]{3})")
# 46，800.50元, 1，234，567: a full-width comma grouping ASCII digits too, where the groups are 1-3 then 3 digits
# and a decimal part or a second group shows it (a single one, $20，300美元, is more often a list)
_DIGIT_COMMA = re.compile("[0-9０-９]，[0-9０-９]")  # the cheap first test: most commas stand between words
_MIXED_GROUPING = re.compile(r"(?<![0-9０-９.,，])[0-9０-９]{1,3}(?:，[0-9０-９]{3}(?=[.．][0-9０-９])|(?:，[0-9０-９]{3}){2,})"
                             r"(?![0-9０-９])")


def to_ascii(text: str) -> str:
    """Return `text` with full-width digits, letters and signs folded to ASCII, same length."""
    if "，" in text and _DIGIT_COMMA.search(text):
        text = _WIDE_GROUPING.sub(",", text)
        text = _MIXED_GROUPING.sub(_comma_run, text)
    # a few runs of wide forms per article: replacing them one run at a time beats translating every character
    return _WIDE_RUN.sub(_fold_run, text)


def _comma_run(m: re.Match) -> str:
    return m.group().replace("，", ",")


def _fold_run(m: re.Match) -> str:
    return m.group().translate(_ASCII_FOLD)


@dataclass(frozen=True, slots=True)
class NumeralTables:
    """The numeral characters of numerals.yaml, grouped by role."""

    digits: dict[str, int]
    small_units: dict[str, int]
    big_units: dict[str, int]
    vague_over: frozenset[str]
    vague_digit: frozenset[str]
    several: frozenset[str]
    upto: frozenset[str]
    point: frozenset[str]
    fraction_mark: str
    mixed_mark: str
    negative: frozenset[str]
    compound_tens: dict[str, str]  # 廿 -> 二十: expanded before reading


@cache
def numeral_tables() -> NumeralTables:
    """Return the numeral tables, loaded once from the package data."""
    raw = load("quantities/numerals.yaml")
    return NumeralTables(
        digits={str(k): int(v) for k, v in raw["digits"].items()},
        small_units={str(k): int(v) for k, v in raw["small_units"].items()},
        big_units={str(k): int(v) for k, v in raw["big_units"].items()},
        vague_over=frozenset(raw["vague_over"]),
        vague_digit=frozenset(raw["vague_digit"]),
        several=frozenset(raw["several"]),
        upto=frozenset(raw["upto"]),
        point=frozenset(raw["point"]),
        fraction_mark=str(raw["fraction_mark"]),
        mixed_mark=str(raw["mixed_mark"]),
        negative=frozenset(str(x) for x in raw["negative"]),
        compound_tens={str(k): str(v) for k, v in raw["compound_tens"].items()},
    )


def _expand_tens(s: str, tables: NumeralTables) -> str:
    """Return `s` with 廿/卅/卌 written as the two characters they stand for (廿一 is 二十一)."""
    if not any(ch in tables.compound_tens for ch in s):
        return s
    return "".join(tables.compound_tens.get(ch, ch) for ch in s)


@dataclass(frozen=True, slots=True)
class Reading:
    """What a numeral says: a point `value`, or bounds `low`..`high` when it is vague (十几, 数百, 上千).

    `over` is True when the numeral itself says "more than" (多, 余, 上百).
    """

    value: float | None
    low: float
    high: float
    over: bool


_ARABIC = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?|\.\d+")
_SCIENTIFIC = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(?:[eE]([-+]?\d+)|\^([-+]*)(\d+))")
_ARABIC_FRACTION = re.compile(r"(?:(\d+) )?(\d+)/(\d+)")
_THOUSANDS = re.compile(r"(\d+(?:\.\d+)?)([kKw])")
_SUFFIX_SCALES = {"k": 1000.0, "K": 1000.0, "w": 10000.0}  # 8k, 15w (w: 万, in informal writing)


@lru_cache(maxsize=8192)
def parse_number(numeral: str) -> float | None:
    """Return the value of a numeral without vague parts ('两千三百万', '1.43亿', '五分之一', '-2.5'), or None."""
    tables = numeral_tables()
    folded = " ".join(to_ascii(numeral).split())
    # a space means something only in a mixed fraction ('1 3/5'); elsewhere it is typography
    s = folded if "/" in folded and _ARABIC_FRACTION.search(folded) else folded.replace(" ", "")
    s = _expand_tens(s, tables)
    if not s:
        return None
    sign = 1.0
    while s and s[0] in tables.negative:
        sign = -sign
        s = s[1:]
    try:
        value = _parse_unsigned(s, tables)
    except OverflowError:  # '1e309': beyond a float, not a number we can report
        return None
    # An infinite value ('9' * 400) is no quantity: refuse it rather than write inf to the tables.
    return None if value is None or not math.isfinite(value) else sign * value


def _parse_unsigned(s: str, tables: NumeralTables) -> float | None:
    if not s:
        return None
    if tables.fraction_mark in s:
        return _parse_fraction(s, tables)
    if "/" in s:
        m = _ARABIC_FRACTION.fullmatch(s)
        if not m or int(m.group(3)) == 0:
            return None
        whole = float(m.group(1) or 0)
        return whole + int(m.group(2)) / int(m.group(3))
    m = _SCIENTIFIC.fullmatch(s) if ("e" in s or "E" in s or "^" in s) else None
    if m:
        base = float(m.group(1))
        if m.group(2) is not None:
            try:  # 1e309 is no number a text means: refused, not an OverflowError
                value = base * 10.0 ** int(m.group(2))
            except OverflowError:
                return None
            return value if math.isfinite(value) else None
        exponent = int(m.group(4)) * (-1 if m.group(3).count("-") % 2 else 1)
        try:
            return base ** exponent
        except (OverflowError, ZeroDivisionError):
            return None
    m = _THOUSANDS.fullmatch(s) if s[-1] in "kKw" else None
    if m:
        return float(m.group(1)) * _SUFFIX_SCALES[m.group(2)]
    points = [i for i, ch in enumerate(s) if ch in tables.point]
    if len(points) > 1:
        return None
    if points:
        whole_text, fraction_text = s[: points[0]], s[points[0] + 1:]
        if not fraction_text or any(ch not in tables.digits or ch in "两俩" for ch in fraction_text):
            return None
        whole = _parse_integer(whole_text, tables) if whole_text else 0.0
        if whole is None:
            return None
        fraction = float("0." + "".join(str(tables.digits[ch]) for ch in fraction_text))
        return whole + fraction
    return _parse_integer(s, tables)


def _parse_fraction(s: str, tables: NumeralTables) -> float | None:
    whole = 0.0
    if tables.mixed_mark in s:
        whole_text, s = s.split(tables.mixed_mark, 1)
        whole = parse_number(whole_text)
        if whole is None:
            return None
    denominator_text, _, numerator_text = s.partition(tables.fraction_mark)
    denominator = parse_number(denominator_text)
    numerator = parse_number(numerator_text)
    if denominator is None or numerator is None or denominator == 0:
        return None
    part = numerator / denominator
    return whole - part if whole < 0 else whole + part


def _tokens(s: str, tables: NumeralTables) -> list[tuple[str, float, bool]] | None:
    """Split an integer numeral into (role, value, is_single_chinese_digit) tokens; None if a character is foreign."""
    out: list[tuple[str, float, bool]] = []
    i = 0
    while i < len(s):
        ch = s[i]
        if ch.isdigit() or ch == ".":
            m = _ARABIC.match(s, i)
            if not m:
                return None
            # a lone arabic digit reads like a Chinese one: 1万5 is 15000 as 一万五 is
            out.append(("digit", float(m.group().replace(",", "")), len(m.group()) == 1))
            i = m.end()
            continue
        if ch in tables.digits:
            out.append(("digit", float(tables.digits[ch]), True))
        elif ch in tables.small_units:
            out.append(("small", float(tables.small_units[ch]), False))
        elif ch in tables.big_units:
            out.append(("big", float(tables.big_units[ch]), False))
        else:
            return None
        i += 1
    return out


def _parse_integer(s: str, tables: NumeralTables) -> float | None:
    tokens = _tokens(s, tables)
    if not tokens:
        return None
    if len(tokens) > 1 and all(role == "digit" and single for role, _, single in tokens):
        # a run of bare digits is read positionally: 二〇二五 is 2025
        return float("".join(str(int(v)) for _, v, _ in tokens))
    total = section = 0.0
    digit: float | None = None
    digit_single = False
    last_big: float | None = None
    last_unit: float | None = None
    after_zero = False
    after_big = False
    for role, value, single in tokens:
        if role == "digit":
            if digit is not None:
                return None
            if single and value == 0:
                after_zero = True
                continue
            digit, digit_single = value, single
            after_big = False
        elif role == "small":
            if digit is None and section and not after_zero:
                return None  # 十百: two units with no digit between
            section += (1.0 if digit is None else digit) * value
            digit, after_zero, after_big = None, False, False
            last_unit = value
        else:
            if digit is None and section == 0 and after_big:
                total *= value  # 万亿, 万万: stacked units multiply
                last_big = (last_big or 1.0) * value
                last_unit = last_big
                continue
            if digit is None and section == 0 and total == 0:
                section = 1.0  # 万 after nothing (百万, 千万 handled above): one of it
            section += digit or 0.0
            if last_big is None or value > last_big:
                total = (total + section) * value
                last_big = value
            else:
                total += section * value
            section, digit, after_zero, after_big = 0.0, None, False, True
            last_unit = value
    if digit is not None:
        if digit_single and not after_zero and last_unit:
            # 一千三 is 1300 and 九万四 is 94000: a last digit stands one place below the last unit
            section += digit * last_unit / 10.0
        else:
            section += digit
    result = total + section
    return result if math.isfinite(result) else None


# 二三十, 五六百 and, at the end of a numeral, 五六(篇), 两三(成), 一两(个): two neighbouring digits are a range
# (not after a point or another digit: 点一二 is 0.12, 一一二 a digit run)
_RANGE_DIGITS = re.compile(r"(?<![点零〇一二两三四五六七八九])([一二两三四五六七八九])([一二两三四五六七八九])"
                           r"(?=[十百千万亿]|$)")


@lru_cache(maxsize=8192)
def read_numeral(numeral: str) -> Reading | None:
    """Return what a numeral says, vague ones included ('十几万', '数十亿', '五百多', '上百', '二三十'), or None."""
    tables = numeral_tables()
    s = _expand_tens("".join(to_ascii(numeral).split()), tables)
    if not s:
        return None
    if "/" in s:
        value = parse_number(numeral)
        return None if value is None else Reading(value, value, value, False)
    if s[0] in tables.upto and len(s) > 1:
        base = parse_number(s[1:])
        if base is None or base <= 0:
            return None
        return Reading(base, base, base, True)  # 上百亿: a point 1e10 that says "as many as", approximate
    over = False
    if any(ch in tables.vague_over for ch in s):
        stripped = "".join(ch for ch in s if ch not in tables.vague_over)
        if not stripped or stripped[0] in tables.vague_over:
            return None
        s, over = stripped, True
    low_text = high_text = None
    if any(ch in tables.vague_digit or ch in tables.several for ch in s):
        low_text = high_text = s
        for mark in tables.vague_digit | tables.several:
            leading = "二" if s.startswith(mark) else "一"
            low_text = low_text.replace(mark, leading)
            high_text = high_text.replace(mark, "九")
    else:
        m = _RANGE_DIGITS.search(s)
        if m and (tables.digits[m.group(2)] == tables.digits[m.group(1)] + 1 or m.group() == "三两"):  # 三两个: 2..3
            low_text = s[: m.start()] + m.group(1) + s[m.end():]
            high_text = s[: m.start()] + m.group(2) + s[m.end():]
    if low_text is not None:
        low, high = parse_number(low_text), parse_number(high_text)
        if low is None or high is None:
            return None
        return Reading(None, min(low, high), max(low, high), over)
    value = parse_number(s)
    if value is None:
        return None
    return Reading(value, value, value, over)


@lru_cache(maxsize=8192)
def is_well_formed(numeral: str) -> bool:
    """Return True when the units of a numeral fall in order (三千 八百 九十六 万), False for 三十五 千 or 五百 百万."""
    tables = numeral_tables()
    s = _expand_tens("".join(to_ascii(numeral).split()), tables)
    if tables.fraction_mark in s or tables.mixed_mark in s:
        parts = re.split(f"{tables.fraction_mark}|{tables.mixed_mark}", s)
        return all(is_well_formed(p) for p in parts if p.strip("负-"))
    for mark in tables.point:
        s = s.split(mark, 1)[0]
    s = s.rstrip("kKw")
    s = "".join(ch for ch in s if ch not in tables.vague_over and ch not in tables.vague_digit
                and ch not in tables.several and ch not in tables.upto and ch not in tables.negative)
    tokens = _tokens(s, tables) if s else []
    if tokens is None:
        return False
    small_limit = float("inf")
    bigs: list[float] = []
    previous = None
    digits_only = all(r == "digit" and one for r, _, one in tokens)
    for role, value, single in tokens:
        if role == "digit" and single and value == 0:
            previous = "zero"
            continue
        if role == "small":
            if value >= small_limit:
                return False
            small_limit = value
        elif role == "big":
            if previous != "big":
                if value in bigs:
                    return False  # 百万 3万: the same section unit twice with no larger one between
                bigs = [b for b in bigs if b > value] + [value]
            small_limit = float("inf")
        elif previous == "digit" and not digits_only:
            return False  # two digits in a row inside a numeral with units: 1,100万 二〇二五 is two numbers
        previous = role
    return True


def parse_count(numeral: str) -> float | None:
    """Return the value of a count or year as dates and durations write it ('三十五', '二○二五', '1.5', '半').

    Beside what `parse_number` reads: 半 alone is one half (半年), and the look-alike circle ○ is read as 〇
    (二○二五年 is common in print).
    """
    if numeral == "半":
        return 0.5
    return parse_number(numeral.replace("○", "〇"))


# -- readings the quantities extractor composes (added for it; the functions above are unchanged) ------------
_TRAILING_SCALE = re.compile(r"[万亿兆]+$")
_PROPORTION = re.compile(r"([百千万佰仟]+)[ \t]*分[ \t]*之[ \t]*(.+)", re.S)
_COIN = re.compile(r"(.+?)[ \t]*(美分|日本銭|銭|[角毛分])")
_COIN_VALUES = {"角": 0.1, "毛": 0.1}  # every other coin word is a hundredth


@lru_cache(maxsize=8192)
def read_scaled(numeral: str) -> tuple[Reading, float] | None:
    """Return what a numeral says without its trailing 万/亿/兆, and that scale ('5-20亿' reads 20 and 1e8).

    The scale is 1 when the numeral has none, when 万/亿 also occur earlier (一亿两千万 is one number) or when
    the numeral is only a scale word (万).
    """
    reading = read_numeral(numeral)
    if reading is None:
        return None
    body = numeral.rstrip(" \t")
    big = _TRAILING_SCALE.search(body)
    if big is None or re.search(r"[万亿兆]", body[: big.start()]) or re.fullmatch(r"[万亿兆]+", numeral.strip()):
        return reading, 1.0
    base = read_numeral(body[: big.start()])
    if base is None:
        return reading, 1.0
    return base, parse_number("一" + big.group()) or 1.0


def read_proportion(numeral: str) -> Reading | None:
    """Return the percentage a 百分之/千分之/万分之 numeral says (千分之五 is 0.5, 百分之四五十 40..50), or None."""
    m = _PROPORTION.fullmatch(numeral)
    if m is None or re.search(r"[0-9零〇一二三四五六七八九壹贰叁肆伍陆柒捌玖两俩]", m.group(1)):
        return None
    denominator, numerator = parse_number(m.group(1)), read_numeral(m.group(2))
    if not denominator or numerator is None:
        return None
    k = 100 / denominator
    return Reading(None if numerator.value is None else numerator.value * k, numerator.low * k,
                   numerator.high * k, numerator.over)


def read_spoken_tail(text: str) -> float | None:
    """Return the spoken decimal tail of an amount: 二 in 一块二 is 0.2, 75 in 1米75 is 0.75 (None if no digits)."""
    digits = [parse_number(ch) for ch in text.strip()]
    if not digits or any(d is None or d > 9 for d in digits):
        return None
    return sum(d * 10.0 ** -(i + 1) for i, d in enumerate(digits))


def read_coins(text: str) -> float | None:
    """Return the amount of the small coins after a whole amount (三角五分 is 0.35, 三美分 0.03), or None."""
    total = 0.0
    for m in _COIN.finditer(text.replace("又", "")):
        amount = parse_number(m.group(1))
        if amount is None:
            return None
        total += amount * _COIN_VALUES.get(m.group(2), 0.01)
    return total
