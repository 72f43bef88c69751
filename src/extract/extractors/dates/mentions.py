"""From phrases to mentions: one frame or a range of two, open periods, and the context later dates read."""
from __future__ import annotations

import re
from dataclasses import replace
from functools import cache
from datetime import date, timedelta

from extract.extractors.dates.calendar_math import add_months, month_end, shift
from extract.extractors.dates.frame import Context, Frame, Phrase, Resolved
from extract.extractors.dates.records import DateMention
from extract.extractors.dates.resolve import resolve_frame, roc_two_digit, two_digit_year
from extract.extractors.dates.rules import RULES

_FINE = ("day", "week", "month", "quarter", "half", "year", "decade", "century")


def _pub(published: date | None) -> str | None:
    return f"published:{published.isoformat()}" if published else None


def _roc_year(f: Frame, lex: dict, roc: bool) -> bool:
    lo, hi = lex["roc_years"]
    if f.y_short is None or not roc:
        return False
    return (f.y_short_digits == 3 and lo <= f.y_short <= hi) or roc_two_digit(f, lex, "TW")


def _standalone_short_year(f: Frame, text: str, published: date | None, lex: dict, roc: bool) -> bool:
    """Judge a year such as 25年 or 114年 standing alone (no month after it): a year, or a count of years."""
    if f.y_short_digits == 3:
        return _roc_year(f, lex, roc) and not _after_duration_cue(text, f.start, lex)
    if published is None:
        return False
    if abs(two_digit_year(f.y_short, published, lex) - published.year) > lex["two_digit_year_window"]:
        return False
    return not _after_duration_cue(text, f.start, lex)


def _after_duration_cue(text: str, start: int, lex: dict) -> bool:
    """创校113年, 已满25年: a word before the number makes it a count of years."""
    before = text[max(0, start - 2):start]
    return any(before.endswith(cue) for cue in lex["duration_cues"])


def _short_year_mention(p: Phrase, text: str, published: date | None) -> DateMention:
    """10年 read as a count: a duration, or with 来/以来 a window back from the publication date."""
    left, n = p.left, p.left.y_short
    if p.suffix in ("来", "以来"):
        span = text[p.start:p.end]
        if published is None:
            return DateMention(p.start, p.end, span, "relative", None, None, "year", f"P{n}Y", None)
        return DateMention(p.start, p.end, span, "relative", shift(published, -n, "Y"),
                           published - timedelta(days=1), "year", f"P{n}Y", _pub(published))
    return DateMention(left.start, left.end, text[left.start:left.end], "duration", None, None, None,
                       f"P{n}Y", None)


def open_side(res: Resolved, mode: str | None, published: date | None) -> tuple[date | None, date | None]:
    """Return the range of an open period made of a date (since, after, before, until, to_now)."""
    if res.start is None:
        return None, None
    if mode == "to_now":
        return res.start, published
    if mode == "since":
        return res.start, None
    if mode == "after":
        return res.end + timedelta(days=1), None
    if mode == "before":
        return None, res.start - timedelta(days=1)
    if mode == "until":
        return None, res.end
    return res.start, res.end


def _range(p: Phrase, lres: Resolved, ctx: Context, published, lex, suffix_mode):
    """Return (start, end, granularity, the side later text reads, its anchor) of a range X至Y."""
    if p.right.bare_weekday and p.left.weekday is not None and not p.left.bare_weekday:
        p.right.week_rel, p.right.bare_weekday = p.left.week_rel, False  # 下周一到周三: in the left side's week
    rres = resolve_frame(p.right, ctx, published, lex, inherit=lres)
    if rres.start is not None and lres.start is not None and rres.end < lres.start and p.right.y is None \
            and p.right.y_rel is None:     # 12月至3月: the right side is in the next year
        rres.start, rres.end = shift(rres.start, 1, "Y"), shift(rres.end, 1, "Y")
        if rres.y is not None:
            rres.y += 1
    start_d, end_d = lres.start, rres.end
    if lres.unresolved or rres.unresolved:
        start_d = end_d = None
    if suffix_mode == "since":             # 自X至Y is a closed range; only a since-suffix opens it
        end_d = None
    gran = min((lres.gran, rres.gran), key=lambda g: _FINE.index(g) if g in _FINE else 99)
    return start_d, end_d, gran, rres


def _names_an_end(f: Frame) -> bool:
    """至年底, 至6月底, 至今日: 至 reads as 'until' before an end part or a relative day only."""
    return (f.ypart is not None and f.ypart[1] == 12 and f.ypart[0] > 1) \
        or (f.mpart is not None and f.mpart[1] == 31 and f.mpart[0] > 1) or f.d_rel is not None


def _single_mode(p: Phrase, prefix_mode: str | None, suffix_mode: str | None) -> str | None:
    """Return what the prefix or suffix makes of a single date (since, after, before, until, to_now)."""
    mode = suffix_mode or (prefix_mode if prefix_mode in ("since", "until") else None)
    if (prefix_mode == "from" and suffix_mode is None) or mode == "during":
        return None                        # 从 alone opens nothing; 春节期间 is the festival itself
    left = p.left
    if mode == "before" and ((left.ypart is not None and left.ypart[1] == 12 and left.ypart[0] > 1)
                             or (left.mpart is not None and left.mpart[1] == 31 and left.mpart[0] > 1)):
        return "until"                     # 2026年底前, 6月底前: by the end of the year or month, not before it
    return mode


def _set_context(ctx: Context, final: Resolved, lres: Resolved, span: str, open_period: bool) -> None:
    """Make the resolved side nearest to later text their context. An open period (2017年以来, 1980年前) and
    a bare relative year (去年降息三次后…5月) name no year the later text is set in."""
    bare_relative_year = lres.relative and final.m is None and final.start != final.end \
        and lres.gran not in ("quarter", "half")   # 去年第二季度和第三季度: the year goes on
    if final is not lres and final.m is None and lres.y is not None and final.y != lres.y:
        # 2007年到2013年的春节假期: a span of years sets no one year for year-less dates after it
        ctx.y = ctx.m = ctx.d = ctx.text = None
        ctx.blocked = True
        return
    if final.y is None or final.unresolved or open_period or bare_relative_year:
        return
    ctx.blocked = False
    ctx.y, ctx.m, ctx.text, ctx.d = final.y, final.m, span, None
    if final.start is not None and final.start == final.end:    # one day (a lunar one too): its own date
        ctx.y, ctx.m, ctx.d = final.start.year, final.start.month, final.start.day
    ctx.via_published = bool(final.partial and final.anchor_text and final.anchor_text.startswith("published:"))


_CLAUSE_END = re.compile(r"[，。；！？,;!?\n]")


def tense(text: str, start: int, end: int, lex: dict) -> str | None:
    """Return 'future' when a future cue precedes the date in its clause, 'past' when a past cue is in the
    clause, else None (what a year-less month or a bare weekday needs to be placed)."""
    future, past = _cue_patterns(tuple(lex["future_cues"]), tuple(lex["past_cues"]))
    before = _CLAUSE_END.split(text[max(0, start - 12):start])[-1]
    if future.search(before):
        return "future"
    if past.search(before) or past.search(_CLAUSE_END.split(text[end:end + 16])[0]):
        return "past"
    return None


@cache
def _cue_patterns(future: tuple[str, ...], past: tuple[str, ...]) -> tuple[re.Pattern, re.Pattern]:
    return re.compile("|".join(map(re.escape, future))), re.compile("|".join(map(re.escape, past)))


def _frame_mention(p: Phrase, text: str, ctx: Context, published, lex) -> DateMention:
    start_i = p.start
    if p.left.y is None and p.left.y_rel is None and p.left.y_short is None:   # only a year-less date needs it
        p.left.tense = tense(text, p.start, p.end, lex)
    prefix_mode = lex["prefix"].get(p.prefix) if p.prefix else None
    suffix_mode = lex["suffix"].get(p.suffix) if p.suffix else None
    if (prefix_mode == "from" and p.right is None and suffix_mode is None) \
            or (p.prefix == "至" and not _names_an_end(p.left)):
        start_i, prefix_mode = p.left.start, None   # 从 alone, 推迟至5月: the word is not part of the date
    lres = resolve_frame(p.left, ctx, published, lex)
    anchor = lres.anchor_text if (lres.partial or lres.relative) else None
    mode = None
    if p.right is not None:
        start_d, end_d, gran, final = _range(p, lres, ctx, published, lex, suffix_mode)
        kind = "period"
        if anchor is None and final.relative:
            anchor = final.anchor_text
    else:
        final, gran, kind = lres, lres.gran, "date"
        start_d, end_d = (lres.start, lres.end) if not lres.unresolved else (None, None)
        mode = _single_mode(p, prefix_mode, suffix_mode)
        if mode:
            start_d, end_d = open_side(lres, mode, published)
            kind = "period"
            if mode == "to_now" and published is not None and anchor is None:
                anchor = _pub(published)
        elif p.left.is_period():
            kind = "period"
    if lres.relative or (p.right is not None and p.right.relative_words):
        kind = "relative"
    span = text[start_i:p.end]
    # an open period names no period the later text is set in (2017年以来), unless it names a month (3月1日起)
    open_period = p.right is None and mode in ("since", "after", "before", "to_now") and p.left.m is None
    _set_context(ctx, final, lres, span, open_period)
    if ctx.text == span:                   # this mention became the context: 去年同期 after it shifts its range
        ctx.span = (start_d, end_d) if start_d is not None and end_d is not None else None
        ctx.span_gran = gran
    return DateMention(start_i, p.end, span, kind, start_d, end_d, gran, None, anchor)


def _stated_fiscal_year(text: str, end: int, lex: dict) -> tuple[date, date] | None:
    """Return the months a company's fiscal year is stated to cover right after it: 2024财年（2023年7月至2024年6月）,
    （截至2025年3月）: the twelve months ending then."""
    found = re.match(lex["fiscal_statement"], text[end:end + 30])
    if not found:
        return None
    g = found.groupdict()
    try:
        if g["y1"]:
            return date(int(g["y1"]), int(g["m1"]), 1), month_end(int(g["y2"]), int(g["m2"]))
        last = month_end(int(g["ye"]), int(g["me"]))
    except ValueError:
        return None
    return add_months(date(last.year, last.month, 1), -11), last


def _common_era_years(p: Phrase, text: str, lex: dict) -> None:
    """In a text that writes 公元96年, a bare 97年 or 于166年 is a year of the common era (not a count, not an
    ROC year), and so is the right side of 公元96年—192年; a count keeps its cue (历时400年, 长达30年)."""
    left, right = p.left, p.right
    if right is not None and right.y_short is not None and left.y is not None and left.y < 1000:
        right.y, right.y_short = right.y_short, None
    if left.y_short is None or left.rank() != 1 or right is not None or p.suffix \
            or _after_duration_cue(text, left.start, lex) or text[max(0, left.start - 1):left.start] == "前":
        return
    left.y, left.y_short = left.y_short, None


def phrase_mentions(p: Phrase, text: str, ctx: Context, published: date | None, lex: dict,
                    roc: bool) -> list[DateMention]:
    """Return the mention a phrase makes (none for a year that is no year, or an invalid date)."""
    if p.other is not None:
        mention = RULES[p.other[0]].produce(p, text, ctx, published, lex)
        return [mention] if mention else []
    left = p.left
    if ctx.common_era:
        _common_era_years(p, text, lex)
    roc_year = _roc_year(left, lex, roc) and not (left.rank() == 1 and p.right is None
                                                  and _after_duration_cue(text, left.start, lex))
    if left.y_short is not None and left.y_short_digits and left.rank() == 1 and p.right is None \
            and not roc_year:              # a 2- or 3-digit year alone may be a count (十年 written 10年)
        if not _standalone_short_year(left, text, published, lex, roc) or p.suffix:
            return [_short_year_mention(p, text, published)]
    if left.y_short is not None and left.y_short_digits == 3 and not roc_year:
        return []
    if left.invalid or (p.right is not None and p.right.invalid):
        return []                          # 2023-10/14: mixed separators are no date
    mention = _frame_mention(p, text, ctx, published, lex)
    if left.fiscal is not None and left.fiscal[0] == "company" and p.right is None:
        stated = _stated_fiscal_year(text, p.end, lex)
        if stated:
            mention = replace(mention, start_date=stated[0], end_date=stated[1])
    return [mention]


def merged_open_ends(mentions: list[DateMention], text: str) -> list[DateMention]:
    """Join 2010年之后 + 2018年之前 written back to back into one period with both ends."""
    out: list[DateMention] = []
    for m in mentions:
        prev = out[-1] if out else None
        if prev is not None and prev.end == m.start and prev.kind == "period" and m.kind == "period" \
                and prev.start_date is not None and prev.end_date is None \
                and m.start_date is None and m.end_date is not None and prev.start_date <= m.end_date:
            out[-1] = DateMention(prev.start, m.end, text[prev.start:m.end], "period", prev.start_date, m.end_date,
                                  prev.granularity, None, prev.anchor or m.anchor)
            continue
        out.append(m)
    return out


_DAY_CODE = re.compile(r"(?<![0-9.])([0-9]{2,4})$")


def with_day_codes(mentions: list[DateMention], text: str) -> list[DateMention]:
    """Take in the digits a named day is written after when they are its month and day (422地球日, 38妇女节,
    1111 before 光棍节): one mention, as Taiwan and mainland news write them."""
    out: list[DateMention] = []
    for m in mentions:
        code = _DAY_CODE.search(text, max(0, m.start - 4), m.start) if m.start_date is not None else None
        named = m.start_date == m.end_date and not any(c.isdigit() for c in m.text)
        if code and named and code.group(1) in (f"{m.start_date.month}{m.start_date.day:02d}",
                                                 f"{m.start_date.month}{m.start_date.day}"):
            m = replace(m, start=code.start(), text=text[code.start():m.end])
        out.append(m)
    return out
