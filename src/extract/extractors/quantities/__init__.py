"""Find numbers and quantities in Simplified Chinese text and read their values.

Two stages: the scanner (scanner.py) finds candidate spans with one compiled master regex, composed from
`data/quantities/patterns.yaml` and `units.tsv` (grammar.py), in a single pass; the parser (parser.py) reads
each span in registered stages (rules.py: name, pattern, production) with `extract.extractors.numerals`, the
one place numbers are parsed. Offsets are half-open code-point indices into the text given. docs/QUANTITIES.md
has the conventions with their reasons and the figures.

Conventions (what the records mean):
- `kind`: percent / money / measure / count / multiplier / number. `value` is scaled (`50万台` is 500000 '台',
  `2万亿元` 2e12 'CNY', `三成` 30 '%', `千分之五` 0.5 '%', `1.9倍` 1.9 '倍'); money carries its ISO 4217 code.
  Percentage points are percent (`3.1个百分点` 3.1 '%', `25个基点` 0.25 '%'); index points are a measure
  (`208.74点` 208.74 '点'), but a whole number up to 24 or a Chinese numeral before 点 is a clock time.
- Ranges and lists (`5-20亿元`, `3至5万`, `180-90nm`, `65/55-40nm`, `8/12英寸`) have `value` None and `low`/`high`
  set; the unit of the last member applies to all, and so does its 万/亿 scale where a member has none.
  Members with different units are separate mentions (`增长5%至11.62亿美元` is 5 '%' and 1.162e9 'USD').
  Vague numerals are ranges too: `十几` 11..19, `数十亿` 2e9..9e9, `二三十` 20..30, `上百` 100..1000.
- `hedge` is the direction a hedge gives the number, and sets `approximate`:
  'over' (超, 超过, 逾, 突破, 以上, 多, 余, 上百), 'at_least' (至少, 不少于, 或以上), 'under' (近, 将近, 不到, 不足,
  以下), 'at_most' (最多, 不超过, 以内), 'about' (约, 大约, 左右, 上下). A point with a hedge keeps low = high = value.
- Money without a currency word: an amount with 万/亿 directly followed by a money noun of patterns.yaml
  (`10亿投资`, `500万融资`) is money; it and a plain 元 take the currency of the text's region (regions.py:
  CNY, TWD in a Taiwan text, HKD in Hong Kong, MOP in Macau) unless a currency is written with the amount.
- Two bounds written together make one range whose hedge names both sides: 大于10小于20 is low 10, high 20,
  hedge 'over/under'; 1000以上，1500以下 likewise (a comma joins bare numbers only).
- Not quantities: dates, clock times and durations (a number before 年/月/日/小时/个月..., left to the dates
  extractor), ordinals and phases (第二, 三期, 一线, 二审), product codes and names (H200, 910B, GLM-4.5, 5G,
  思元590, Snapdragon 4, 阿里巴巴（9988）, “520”), note and list markers ([1], "1. " at a line head), links and
  file paths, and words that contain numerals (一切, 四川, 统一, 万一, 另一; the list is in patterns.yaml).
  A bare 一 (no classifier, unit or hedge) is not reported: in news it is an article or part of a word.
- 万/亿/兆 always scale the number (兆 is 10^12); 千 and 兆 before a unit are its SI prefix (千米, 兆字节).
- A table cell holding only a number takes the unit its column header gives in brackets (当前报价(美元),
  涨跌幅(%)); the mention is the whole cell, sign included (tables.py).
- Known limits: a bare $ is read as USD (a Hong Kong or Taiwan article may mean its own dollar); 块 is a
  classifier, not yuan (块钱 is yuan); 一万两 is read as 10000 liang, as Recognizers-Text does.
"""
from __future__ import annotations

from extract.extractors.numerals import to_ascii
from extract.extractors.quantities.grammar import Grammar, UnitSpec, grammar, patterns, unit_table
from extract.extractors.quantities.parser import parse
from extract.extractors.quantities.record import Quantity
from extract.extractors.quantities.regions import Region, currency_region, regions
from extract.extractors.quantities.scanner import Scanner, resume_after_rejected
from extract.extractors.quantities.tables import column_unit_quantities

__all__ = ["Grammar", "Quantity", "Region", "UnitSpec", "currency_region", "find_quantities", "grammar",
           "patterns", "regions", "unit_table"]

_LOWER_BOUNDS = frozenset({"over", "at_least"})
_UPPER_BOUNDS = frozenset({"under", "at_most"})


def find_quantities(text: str, *, region: str | None = None) -> list[Quantity]:
    """Return the number and quantity mentions of `text` (Simplified Chinese), sorted by start, non-overlapping.

    `region` (CN, TW, HK, MO; see `currency_region`) gives the currency of a bare 元 and of a bare 亿 amount in
    a money context; without it they are CNY. A currency written with the amount always wins.
    """
    table = regions()
    place = table.by_code[region or table.default]
    t = to_ascii(text)
    scanner = Scanner(t)
    out: list[Quantity] = []
    pos = 0
    while pos < len(t) and (found := scanner.candidate(pos)) is not None:
        g, m = found
        q = parse(g, text, t, m, place)
        if q is None:
            pos = resume_after_rejected(t, m.end())
            continue
        if out and q.start < out[-1].end:
            q = _trimmed(q, out[-1].end, text)
        if q is None:
            pos = max(m.end(), m.start() + 1)
            continue
        out.append(q)
        # a candidate cut short (28nm/40V) goes on after the mention it kept
        pos = max(q.end, m.start() + 1) if q.end < m.end() else max(q.end, m.end(), m.start() + 1)
    out = _joined_bounds(scanner.g, text, t, out)
    return column_unit_quantities(text, out, lambda cell: find_quantities(cell, region=region))


def _joined_bounds(g: Grammar, text: str, t: str, found: list[Quantity]) -> list[Quantity]:
    """Merge a lower and an upper bound written together (大于10小于20, 1000以上，1500以下) into one range."""
    out: list[Quantity] = []
    for q in found:
        p = out[-1] if out else None
        if p is not None and p.value is not None and q.value is not None and p.hedge and q.hedge \
                and {p.hedge in _LOWER_BOUNDS, q.hedge in _LOWER_BOUNDS} == {True, False} \
                and p.hedge in _LOWER_BOUNDS | _UPPER_BOUNDS and q.hedge in _LOWER_BOUNDS | _UPPER_BOUNDS:
            joiner = g.bound_joiner.fullmatch(t, p.end, q.start)
            bare = p.unit is None and q.unit is None
            if joiner and (bare or not any(c in joiner.group() for c in ",，")) \
                    and (p.kind == q.kind or "number" in (p.kind, q.kind)):
                lower, upper = (p, q) if p.hedge in _LOWER_BOUNDS else (q, p)
                if lower.value < upper.value:
                    kind, unit = (p.kind, p.unit) if p.kind != "number" else (q.kind, q.unit)
                    out[-1] = Quantity(p.start, q.end, text[p.start:q.end], kind, None, lower.value, upper.value,
                                       unit, True, f"{lower.hedge}/{upper.hedge}")
                    continue
        out.append(q)
    return out


def _trimmed(q: Quantity, start: int, text: str) -> Quantity | None:
    if start >= q.end:
        return None
    return Quantity(start, q.end, text[start:q.end], q.kind, q.value, q.low, q.high, q.unit, q.approximate, q.hedge)
