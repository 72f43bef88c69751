"""Run Recognizers-Text's Chinese number specifications against extract.extractors.quantities.find_quantities.

Used by tests/test_conformance_numbers.py and benchmarks/conformance_numbers.py. A case passes when every
expected result is found with the same value (and unit or currency where given) and a span equal to the
expected text, allowing only our documented additions (a unit or classifier after the number, a hedge or a
sign before it); an extra result fails the case. Where our conventions differ from upstream on purpose, the
expectation is mapped to ours by one of CONVENTIONS and the case is counted as "convention", not as a pass.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from extract.extractors.quantities import Quantity, find_quantities, grammar, unit_table

# file -> (path under recognizers-text/, the kinds of our records that model covers; None: all)
FILES: dict[str, tuple[str, frozenset[str] | None]] = {
    "NumberModel": ("Number/NumberModel.json", None),
    "PercentModel": ("Number/PercentModel.json", frozenset({"percent"})),
    "NumberRangeModel": ("Number/NumberRangeModel.json", None),
    "CurrencyModel": ("NumberWithUnit/CurrencyModel.json", frozenset({"money"})),
    "DimensionModel": ("NumberWithUnit/DimensionModel.json", frozenset({"measure"})),
}

# Where we differ from upstream on purpose, and why. A case whose match needs one of these is a "convention".
CONVENTIONS: dict[str, str] = {
    "dates": "a number before 年/月/日/点/小时/个月... is a date, time or duration: the dates extractor's, not ours",
    "ordinal": "第十, 第零十: ordinals are not quantities",
    "whole_percent": "百分之X is one percent mention (value X, unit %), where NumberModel reports only X",
    "whole_unit": "a money or percent mention (一美元, 一折) is reported whole with its kind; NumberModel skips it",
    "post_hedge": "a hedge after the number (四百多, 五百以上) belongs to the mention: we keep it in the span",
    "vague_range": "几 and 数 give a range (二十几万 is 210000..290000), where upstream gives the lower bound",
    "inclusive_range": "X到Y, X-Y, X与Y之间 include both ends; upstream gives [X,Y)",
    "bare_currency": "a currency name without an amount (人民币, 美元) is not a quantity",
    "bare_yi": "一 alone, without a classifier or a hedge, is not a quantity in news (一柄, 一开年, 一指)",
    "range_whole": "5-20% is one range mention, where upstream reports its last member",
    "vague_range_percent": "二三十个百分点 is the range 20..30 percent, where upstream finds nothing",
    "article_one": "一 + classifier is an article in news (一家公司, 一块蛋糕), not a count, unless one is the point "
                   "(只有一个, 一岁; docs/QUANTITIES.md)",
}

# Inputs that upstream marks as outside prose: database queries (README of ../shared/conformance), formulas.
# Cases whose expectation is wrong upstream (index in file -> why); reported apart, like out-of-scope cases.
ERRATA: dict[tuple[str, int], str] = {
    ("NumberRangeModel", 63): "20万次以上 is more than 200000, upstream expects 20000 (NotSupported on every platform)",
}
OUT_OF_SCOPE_QUERY = re.compile(r"的信息|哪个|哪种|什么州|找出|的目标|的公司和|x等于|x大于|的质数|的产品。$|次攻击的国家|职位。$")

_UNIT_NAMES: dict[str, tuple[str, float]] = {
    # upstream unit name -> (our unit, factor to apply to upstream's value)
    "Mu": ("亩", 1), "Kilogram": ("kg", 1), "Centimeter": ("cm", 1), "Ton": ("t", 1), "Meter": ("m", 1),
    "Jin": ("斤", 1), "Kilometer": ("km", 1), "Gram": ("g", 1), "Kilobit": ("kbit", 1), "Megabyte": ("MB", 1),
    "Kilobyte": ("kB", 1), "Megahertz": ("MHz", 1), "Hertz": ("Hz", 1), "Kilowatt": ("kW", 1),
    "Kilocalorie": ("kcal", 1), "Liang": ("两", 1), "Microgram": ("μg", 1), "Bit": ("bit", 1),
    "Dollar": ("USD", 1), "Bitcoin": ("XBT", 1),
}
# our unit -> (base unit, factor): lets 2300 g equal 2.3 kg
_SI: dict[str, tuple[str, float]] = {
    "km": ("m", 1000), "cm": ("m", 0.01), "mm": ("m", 0.001), "nm": ("m", 1e-9), "kg": ("g", 1000),
    "mg": ("g", 0.001), "μg": ("g", 1e-6), "t": ("g", 1e6), "kbit": ("bit", 1000), "kB": ("B", 1000),
    "MB": ("B", 1e6), "kW": ("W", 1000), "MHz": ("Hz", 1e6), "kcal": ("cal", 1000),
}


@dataclass
class Expected:
    start: int
    end: int  # half-open
    text: str
    value: float | None
    unit: str | None
    interval: tuple[str, float | None, float | None, str] | None  # ('[', low, high, ')')


@dataclass
class Outcome:
    file: str
    index: int
    input: str
    status: str  # pass / convention / fail / out_of_scope
    conventions: list[str] = field(default_factory=list)
    detail: str = ""


@cache
def _t2s():
    import opencc
    return opencc.OpenCC("t2s")


def load_cases(root: Path, name: str) -> list[dict]:
    """Return the cases of one specification file."""
    path = root / "conformance" / "recognizers-text" / FILES[name][0]
    return json.loads(path.read_text(encoding="utf-8-sig"))


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _interval(text: str):
    m = re.fullmatch(r"([\[(])([^,]*),([^\])]*)([\])])", text.strip())
    if not m:
        return None
    return (m.group(1), _number(m.group(2)) if m.group(2) else None,
            _number(m.group(3)) if m.group(3) else None, m.group(4))


def _expected(case: dict, name: str) -> list[Expected]:
    out = []
    for r in case.get("Results", []):
        res = r.get("Resolution") or {}
        start, end = r["Start"], r["End"] + 1
        value = res.get("value")
        unit = res.get("isoCurrency") or res.get("unit")
        interval = None
        if name == "NumberRangeModel":
            interval = _interval(value)
            num = None
        else:
            num = _number(value.rstrip("%")) if isinstance(value, str) else None
        if name == "DimensionModel" or (name == "CurrencyModel" and not res.get("isoCurrency")):
            unit = _UNIT_NAMES.get(unit, (unit, 1))[0] if unit else None
        if name not in ("CurrencyModel", "DimensionModel"):
            unit = None
        out.append(Expected(start, end, r["Text"], num, unit, interval))
    return out


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def _same_value(q: Quantity, e: Expected) -> bool:
    if e.interval is not None:
        return _interval_of(q) == e.interval
    if e.unit and q.unit != e.unit:
        ours = _SI.get(q.unit or "", (q.unit, 1.0))
        theirs = _SI.get(e.unit, (e.unit, 1.0))
        if ours[0] != theirs[0] or q.value is None or e.value is None:
            return False
        return _close(q.value * ours[1], e.value * theirs[1])
    return _close(q.value, e.value)


def _interval_of(q: Quantity):
    if q.value is None and q.hedge and "/" in q.hedge:
        lower, upper = q.hedge.split("/")
        return ("(" if lower == "over" else "[", q.low, q.high, ")" if upper == "under" else "]")
    if q.value is None:
        return ("[", q.low, q.high, "]")
    hedge = q.hedge
    if hedge == "over":
        return ("(", q.value, None, ")")
    if hedge == "at_least":
        return ("[", q.value, None, ")")
    if hedge == "under":
        return ("(", None, q.value, ")")
    if hedge == "at_most":
        return ("(", None, q.value, "]")
    return ("[", q.value, q.value, "]")


def _allowed_extension(text: str, q: Quantity, e: Expected) -> str | None:
    """Return '' when q's span is e's plus documented additions, a convention name, or None when it is not."""
    if q.start > e.start or q.end < e.end:
        return None
    before, after = text[q.start:e.start], text[e.end:q.end]
    g = grammar()
    ok_before = not before or bool(re.fullmatch(r"(?:" + g.pre_hedge.pattern[:-1] + r")?[ \t]*(?:负|-)?", before))
    if not ok_before:
        return None
    if not after:
        return ""
    units = unit_table()
    stripped = "".join(after.split())
    if stripped.endswith("半"):
        stripped = stripped[:-1]
    if stripped in units:
        return ""
    for post in g.post_hedges:
        if stripped.endswith(post) and (stripped[: -len(post)].strip() in units or not stripped[: -len(post)].strip()):
            return "post_hedge"
    return None


def _match(text: str, qs: list[Quantity], exp: list[Expected], name: str):
    """Return (status, conventions, detail) of our records against the (mapped) expectation."""
    used_conv: list[str] = []
    matched: set[int] = set()
    for e in exp:
        found = False
        for i, q in enumerate(qs):
            if i in matched:
                continue
            ext = _allowed_extension(text, q, e)
            conv = None
            if ext is None:
                if q.kind == "percent" and q.start <= e.start and q.end >= e.end and name == "NumberModel" \
                        and "分" in text[q.start:e.start]:
                    conv = "whole_percent"
                elif name == "PercentModel" and q.value is None and q.start <= e.start and q.end == e.end:
                    conv = "range_whole"
                else:
                    continue
            elif ext:
                conv = ext
            if _same_value(q, e):
                pass
            elif q.value is None and e.value is not None and q.low is not None and q.low >= e.value \
                    and q.high is not None and q.high < e.value * 10 and q.approximate:
                conv = conv or "vague_range"
            elif conv == "range_whole" and q.high is not None and _close(q.high, e.value):
                pass
            elif e.interval is not None and _interval_conv(q, e):
                conv = conv or _interval_conv(q, e)
            else:
                continue
            matched.add(i)
            if conv:
                used_conv.append(conv)
            found = True
            break
        if not found:
            return "fail", used_conv, f"missing {e.text!r}={e.value if e.interval is None else e.interval}"
    extra = [q for i, q in enumerate(qs) if i not in matched]
    for q in extra:
        if name == "NumberModel" and q.kind in ("money", "percent"):
            used_conv.append("whole_unit")
            continue
        if name == "PercentModel" and q.value is None:
            used_conv.append("vague_range_percent")
            continue
        return "fail", used_conv, f"extra {q.text!r}={q.value} {q.unit}"
    return ("convention" if used_conv else "pass"), used_conv, ""


def _interval_conv(q: Quantity, e: Expected) -> str | None:
    lo_b, lo, hi, hi_b = e.interval
    if q.value is None and _close(q.low, lo) and _close(q.high, hi):
        return "inclusive_range"
    if q.value is None and hi is None and lo is not None and q.low is not None and q.low >= lo and q.approximate:
        return "vague_range"
    return None


def _map_expected(text: str, exp: list[Expected], name: str, found=()) -> tuple[list[Expected], list[str]]:
    """Drop expected results that our conventions do not report, naming the convention used."""
    g = grammar()
    kept, conv = [], []
    for e in exp:
        if name == "NumberModel" and e.text in ("一", "壹") and _classified(text, e.end, "count") \
                and not any(q.start <= e.start < q.end for q in found):
            conv.append("article_one")
            continue
        if name == "CurrencyModel" and e.value is None:
            conv.append("bare_currency")
            continue
        if name == "NumberModel" and e.text in ("一", "壹") and not _classified(text, e.end):
            conv.append("bare_yi")
            continue
        if e.value is not None or e.interval is not None:
            from extract.extractors.numerals import to_ascii
            t = to_ascii(text)
            if g.not_after.match(t, e.end) and not re.match(r"[ \t]*[点分]", t[e.end:]) \
                    or re.match(r"[ \t]*点(?![ \t]*[零〇一二三四五六七八九])", t[e.end:]):
                conv.append("dates")
                continue
            if e.start and g.not_before.search(t, max(0, e.start - 4), e.start) or "第" in e.text:
                conv.append("ordinal")
                continue
        kept.append(e)
    return kept, conv


def _classified(text: str, end: int, kind: str | None = None) -> bool:
    """Return True when a unit or classifier (of `kind`, when given) follows position `end` of `text`."""
    units = unit_table()
    return any(text.startswith(u, end) and (kind is None or spec.kind == kind) for u, spec in units.items())


def run_case(case: dict, name: str, index: int) -> Outcome:
    """Return the outcome of one case."""
    original = case["Input"]
    if (name, index) in ERRATA:
        return Outcome(name, index, original, "out_of_scope", detail=ERRATA[(name, index)])
    if name == "NumberRangeModel" and OUT_OF_SCOPE_QUERY.search(original):
        return Outcome(name, index, original, "out_of_scope", detail="a database query, not prose")
    text = _t2s().convert(original)
    if len(text) != len(original):
        return Outcome(name, index, original, "fail", detail="t2s changed the length")
    kinds = FILES[name][1]
    qs = [q for q in find_quantities(text) if kinds is None or q.kind in kinds]
    if name == "NumberRangeModel":
        qs = [q for q in qs if q.hedge or q.value is None]  # the model reports ranges and bounds only
    exp, conv = _map_expected(text, _expected(case, name), name, qs)
    status, used, detail = _match(text, qs, exp, name)
    conventions = conv + used
    if status == "pass" and conventions:
        status = "convention"
    return Outcome(name, index, original, status, conventions, detail)


def run_file(root: Path, name: str) -> list[Outcome]:
    """Return the outcomes of every case of one file."""
    return [run_case(case, name, i) for i, case in enumerate(load_cases(root, name))]


def summary(outcomes: list[Outcome]) -> dict[str, int]:
    """Return the counts by status."""
    return dict(Counter(o.status for o in outcomes))
