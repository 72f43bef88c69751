"""Dates, periods, durations and relative time expressions in Simplified Chinese text.

Two steps: one master regex, composed from `data/dates/grammar.yaml`, finds candidate spans; a lexer
over the same components splits each span into tokens, which are folded into frames (year, month,
day, quarter, ...) and resolved to an inclusive date range.

How mentions are read (the word lists and ranges live in `data/dates/lexicon.yaml`):
- A year-less month or day takes its year (and month) from the nearest resolved date before it in the
  same paragraph (an open period such as 2017年以来 or a bare 去年 sets no year for what follows), else
  from the publication date: this year's month, this month's day, as news writes
  them, except across a year boundary (12月 in a February article is last December) and for a day the
  month lacks (29日 in February is January's). `anchor` names the date used ('published:YYYY-MM-DD').
- Relative words (今年, 上月, 本周, 近日, 近十年, 5年前) resolve against the publication date only; without
  one they stay unresolved. Anaphora (当天, 次日, 当年, 次年) resolve against the date before them.
- Loose parts are stated ranges: 年初 Jan-Feb, 年中 Jun-Jul, 年底/年末 Nov-Dec, 月初/上旬 1-10, 月中/中旬 11-20,
  月底/月末/下旬 21-end, 三季度末 the quarter's last month.
- Open periods: X以来/起/开始 from X's start; X后/之后 from the day after X; X前/之前 to the day before X;
  截至X / X为止 to X's end, and so does X前 where X is an end part (2026年底前, 6月底前: by that end);
  an open side is None. Explicit ranges include both named ends.
- A year-less quarter is the publication year's, except 四季度 in a January-March article (last year's,
  as earnings news reports it); a relative quarter or half (去年第二季度) sets the year of what follows.
- A two-digit year (25年) is a year before a month or part of the year, with a leading zero, or within
  three years of the publication; otherwise a duration. Three-digit years are ROC years only in
  documents that date themselves in ROC years.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from extract.errors import DataFileError
from extract.resources import load

__all__ = ["DateMention", "find_dates", "infer_published"]


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date, period, duration or relative time expression, with the inclusive range it denotes."""

    start: int
    end: int
    text: str
    kind: str                  # date / period / duration / relative
    start_date: date | None
    end_date: date | None
    granularity: str | None    # day / week / month / quarter / half / year / decade
    duration: str | None       # ISO 8601, e.g. P10Y, PT72H, a range as P3M/P6M
    anchor: str | None         # text of the date a partial mention was resolved from, or 'published:YYYY-MM-DD'


# ---------------------------------------------------------------------------------------------------
# Data files

_REF = re.compile(r"\{(@?)([A-Za-z_]\w*)\}")
_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>")
# full-width digits and marks map one-to-one onto ASCII, so offsets are unchanged
_FULLWIDTH = dict(zip("０１２３４５６７８９Ｑｑ／－．～：", "0123456789Qq/-.~:"))
_FULLWIDTH_CHAR = re.compile("[０-９Ｑｑ／－．～：]")


@dataclass(frozen=True, slots=True)
class _Grammar:
    master: re.Pattern
    lexer: re.Pattern
    components: tuple[str, ...]
    lex: dict
    roc_marker: re.Pattern
    prefilter: str                  # the look-ahead the master regex starts with (tests drop it to compare)


def _alternation(words, *, raw: bool = False) -> str:
    items = sorted(words, key=len, reverse=True)
    return "(?:" + "|".join(w if raw else re.escape(w) for w in items) + ")"


@cache
def _grammar() -> _Grammar:
    """Compile the master regex and the lexer from the data files (once per process)."""
    gram = load("dates/grammar.yaml")
    lex = load("dates/lexicon.yaml")
    pieces = dict(gram["pieces"])
    for name, words in lex["guards"].items():
        pieces[name] = _alternation(words, raw=(name == "boundary"))
    pieces["eras"] = _alternation(lex["eras"])
    word_tables = {**lex["relative"], **{name: lex[name] for name in (
        "vague", "vague_window", "anaphora", "half_months", "half_weeks", "half_rel", "seasons")}}
    for table, words in word_tables.items():
        pieces[f"words_{table}"] = _alternation(words)
    # a lone day (no month before it) may not follow a word that makes it a count of days
    pieces["not_day_before"] = "".join(f"(?<!{re.escape(w)})" for w in lex["not_day_before"])
    # an entry ending in a numeral (这一) blocks that numeral only: 这一年 is no duration, 这三天 is
    pieces["not_duration_before"] = "".join(
        f"(?!(?<={re.escape(w[:-1])}){re.escape(w[-1])})" if w[-1] in _CN_DIGITS else f"(?<!{re.escape(w)})"
        for w in lex["not_duration_before"])
    first = pieces.get("first_char", "")
    if not (first.startswith("[") and first.endswith("]")):
        raise DataFileError("dates: grammar.yaml: pieces.first_char must be a character class [...]")
    # era names start phrases too (昭和五年): their first characters join the class
    pieces["first_char"] = first[:-1] + "".join(sorted({re.escape(e[0]) for e in lex["eras"]})) + "]"
    components = gram["components"]
    phrases = gram["phrases"]

    def expand(pattern: str, *, stack: tuple[str, ...] = ()) -> str:
        def sub(m: re.Match) -> str:
            at, name = m.groups()
            key = ("@" if at else "") + name
            if key in stack:
                raise DataFileError(f"dates: grammar.yaml: {name!r} refers to itself")
            if at:
                if name not in components:
                    raise DataFileError(f"dates: grammar.yaml: unknown component {{@{name}}}")
                body = expand(components[name], stack=stack + (key,))
                return "(?:" + _NAMED_GROUP.sub("(?:", body) + ")"
            if name in pieces:
                return "(?:" + expand(pieces[name], stack=stack + (key,)) + ")"
            if name in phrases:
                return "(?:" + expand(phrases[name], stack=stack + (key,)) + ")"
            raise DataFileError(f"dates: grammar.yaml: unknown reference {{{name}}}")
        return _REF.sub(sub, pattern.replace("\n", ""))

    def compile_(pattern: str, what: str) -> re.Pattern:
        try:
            return re.compile(pattern)
        except re.error as exc:
            raise DataFileError(f"dates: grammar.yaml: {what} does not compile: {exc}") from exc

    master = compile_(expand(phrases["master"]), "phrases.master")
    alts = []
    for name, pattern in components.items():
        body = expand(pattern, stack=("@" + name,))
        body = _NAMED_GROUP.sub(lambda m, n=name: f"(?P<{n}__{m.group(1)}>", body)
        compile_(body, f"component {name}")
        alts.append(f"(?P<{name}>{body})")
    lexer = compile_("|".join(alts), "lexer")
    return _Grammar(master, lexer, tuple(components), lex, compile_(lex["roc_marker"], "lexicon roc_marker"),
                    "(?=" + expand("{first_char}") + ")")


# ---------------------------------------------------------------------------------------------------
# Numbers

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def _number(s: str) -> float:
    """Return the value of an arabic or Chinese numeral (三十五, 两百, 二〇二五, 半)."""
    s = s.strip()
    if s == "半":
        return 0.5
    if s and (s[0].isdigit()):
        return float(s)
    if all(c in _CN_DIGITS for c in s):        # digit by digit: 二〇二五
        return float("".join(str(_CN_DIGITS[c]) for c in s))
    total, digit = 0, 0
    for c in s:
        if c in _CN_DIGITS:
            digit = _CN_DIGITS[c]
        elif c in _CN_UNITS:
            total += (digit or 1) * _CN_UNITS[c]
            digit = 0
        else:
            raise ValueError(f"not a numeral: {s!r}")
    return float(total + digit)


def _int(s: str) -> int:
    return int(_number(s))


def _fmt(v: float) -> str:
    return str(int(v)) if v == int(v) else f"{v:g}"


# ---------------------------------------------------------------------------------------------------
# Calendar arithmetic

def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def _shift(d: date, n: float, unit: str) -> date:
    """Return `d` moved by n units (Y, M, Q, W, D); fractional months and years move by days."""
    if unit == "Y":
        return _add_months(d, int(n * 12)) if n * 12 == int(n * 12) else d + timedelta(days=round(n * 365))
    if unit == "M":
        return _add_months(d, int(n)) if n == int(n) else d + timedelta(days=round(n * 30))
    if unit == "Q":
        return _add_months(d, int(n * 3))
    if unit == "W":
        return d + timedelta(weeks=n)
    return d + timedelta(days=n)


_GRAN_OF_UNIT = {"Y": "year", "M": "month", "Q": "quarter", "W": "week", "D": "day"}


# ---------------------------------------------------------------------------------------------------
# Frames: what one date expression says, field by field

@dataclass(slots=True)
class _Frame:
    start: int
    end: int
    y: int | None = None
    y_rel: int | None = None        # years from the publication year (今年 0, 去年 -1)
    y_short: int | None = None      # a 2- or 3-digit year still to be judged (25年, 114年)
    y_short_digits: int = 0
    era_y: int | None = None
    m: int | None = None
    m_rel: int | None = None
    d: int | None = None
    d_rel: int | None = None        # days from the publication date (昨天 -1)
    q: tuple[int, int] | None = None
    q_rel: int | None = None
    h: int | None = None            # 1 or 2
    ypart: tuple[int, int] | None = None
    mpart: tuple[int, int] | None = None
    first_n: tuple[int, str] | None = None
    decade: tuple[int | None, int, tuple[int, int] | None] | None = None   # century start, decade, part
    week_rel: int | None = None
    weekday: int | None = None      # 1-7, 0 = weekend
    season: tuple[int, int] | None = None
    sub: tuple[str, int, str] | None = None      # ('first' | 'last', n, unit W/M/D) of a year
    nth_week: int | None = None
    last_weekday: int | None = None
    half_week: tuple[int, int] | None = None
    half_rel: int | None = None
    ppart: str | None = None        # 'first' / 'last' month of a quarter or half (三季度末)
    invalid: bool = False
    relative_words: bool = False

    def rank(self) -> int:
        """Return the finest level set so far (0 none, 1 year, 2 sub-year, 3 month, 4 sub-month, 5 day, 6 weekday)."""
        if self.weekday is not None:
            return 6
        if self.d is not None or self.d_rel is not None or self.nth_week is not None \
                or self.last_weekday is not None or self.half_week is not None:
            return 5
        if self.mpart is not None:
            return 4
        if self.m is not None or self.m_rel is not None:
            return 3
        if self.q or self.q_rel is not None or self.h or self.ypart or self.first_n or self.season or self.sub \
                or self.half_rel is not None:
            return 2
        if self.y is not None or self.y_rel is not None or self.y_short is not None or self.decade:
            return 1
        return 0

    def empty(self) -> bool:
        return self.rank() == 0 and self.week_rel is None


@dataclass(slots=True)
class _Phrase:
    start: int
    end: int
    left: _Frame
    right: _Frame | None = None
    prefix: str | None = None
    suffix: str | None = None
    other: tuple | None = None      # a window, vague word, ago-expression or duration


@dataclass(slots=True)
class _Ctx:
    """The nearest resolved date before the current position in the paragraph."""

    y: int | None = None
    m: int | None = None
    d: int | None = None            # set when that date is a single day
    text: str | None = None
    via_published: bool = False     # it was itself a partial date completed from the publication date


# ---------------------------------------------------------------------------------------------------
# Lexing a candidate span into tokens and phrases

def _tokens(text: str, start: int, end: int) -> list[tuple[str, re.Match]] | None:
    g = _grammar()
    out, pos = [], start
    while pos < end:
        m = g.lexer.match(text, pos)
        if m is None or m.end() > end or m.end() == pos:
            m = g.lexer.match(text, pos, end)
        if m is None or m.end() == pos:
            if text[pos] in " \t\u3000":
                pos += 1
                continue
            return None
        out.append((m.lastgroup, m))
        pos = m.end()
    return out


def _grp(m: re.Match, comp: str, name: str) -> str | None:
    try:
        return m.group(f"{comp}__{name}")
    except IndexError:                  # the component has no such group
        return None


def _phrases(text: str, start: int, end: int) -> list[_Phrase]:
    """Split the candidate span into phrases (a frame, or a range of two frames, with open ends)."""
    toks = _tokens(text, start, end)
    if not toks:
        return []
    lex = _grammar().lex
    phrases: list[_Phrase] = []
    cur: _Phrase | None = None
    frame: _Frame | None = None

    def close():
        nonlocal cur, frame
        if cur is not None and not (cur.left.empty() and cur.other is None):
            if cur.right is not None and cur.right.empty():
                cur.right = None
                cur.end = cur.left.end
            phrases.append(cur)
        cur, frame = None, None

    def open_(s: int) -> _Frame:
        nonlocal cur, frame
        frame = _Frame(s, s)
        cur = _Phrase(s, s, frame)
        return frame

    pending_prefix: tuple[str, int] | None = None
    for name, m in toks:
        s, e = m.span()
        if name in ("ago", "window", "window_since", "vague_window", "vague", "anaphora", "dur_range", "dur_piece",
                    "dur_tail"):
            if name in ("dur_tail", "dur_piece") and cur is not None and cur.other and cur.other[0] == "duration" \
                    and s == cur.end:
                cur.other[1].append((name, m))
                cur.end = e
                continue
            close()
            cur = _Phrase(s, e, _Frame(s, e))
            if name in ("dur_piece", "dur_tail"):
                cur.other = ("duration", [(name, m)])
            else:
                cur.other = (name, m)
            continue
        if name == "prefix":
            close()
            pending_prefix = (m.group(0), s)
            continue
        if name in ("connector", "between") and cur is not None and cur.right is None and cur.other is None:
            frame = cur.right = _Frame(e, e)
            cur.end = e
            continue
        if name == "prefix" or name in ("connector", "between"):
            close()
            continue
        if name == "between_end":
            if cur is not None:
                cur.end = e
            continue
        if name == "suffix":
            if cur is not None and cur.other is None and cur.suffix is None:
                cur.suffix = m.group(0)
                cur.end = e
            continue
        if name in ("year_range", "year_range_bare", "month_range", "day_range", "quarter_range"):
            if cur is None or cur.other is not None or (frame is not None and not _fits(frame, name, m)):
                close()
                open_(s)
                if pending_prefix:
                    cur.prefix, cur.start = pending_prefix[0], pending_prefix[1]
                    pending_prefix = None
            a, b = _grp(m, name, "a"), _grp(m, name, "b")
            left, right = cur.left, _Frame(s, e)
            if cur.right is not None:     # 2017年8月至11-12月: keep the simple reading of the last range
                close()
                continue
            if name in ("year_range", "year_range_bare"):
                left.y = _int(a)
                bv = _int(b)
                right.y = bv if bv >= 100 else (left.y // 100) * 100 + bv
            elif name == "month_range":
                left.m, right.m = _int(a), _int(b)
            elif name == "day_range":
                left.d, right.d = _int(a), _int(b)
            else:
                left.q, right.q = (_int(a), _int(a)), (_int(b), _int(b))
            left.end = e
            cur.right = right
            cur.end = e
            frame = right
            continue
        # a frame component
        if name == "weekday" and frame is not None and not _grp(m, name, "pre") and frame.d is not None \
                and frame.weekday is None and frame.d_rel is None and cur is not None and cur.end == s:
            frame.end = cur.end = e    # 2月20日周一: the weekday restates the date
            continue
        if name in _NEVER_FIRST and (frame is None or frame.empty() or not _fits(frame, name, m)):
            continue                   # a tail (十五, 底, ，星期一) with nothing before it to attach to
        if cur is None or cur.other is not None or frame is None or not _fits(frame, name, m):
            close()
            open_(s)
            if pending_prefix:
                cur.prefix, cur.start = pending_prefix[0], pending_prefix[1]
                pending_prefix = None
        _apply(frame, name, m, lex)
        frame.end = e
        cur.end = e
    close()
    return phrases


_NEVER_FIRST = frozenset({"day_bare", "month_part", "year_part_short", "weekday_tail", "year_sub", "nth_week"})

# tokens that attach to a frame holding only a year (2025年 + 三季度 / 上半年 / 9月)
_AFTER_YEAR = frozenset({"first_n", "quarter", "quarter_range", "quarter_rel", "half", "year_part", "season",
                         "year_sub", "month", "month_range", "month_rel"})


def _fits(frame: _Frame, name: str, m: re.Match | None = None) -> bool:
    """Return whether a token can extend the frame (coarse to fine, each level once)."""
    if frame.empty():
        return True
    if name == "month_part_alone" and frame.rank() == 3 and frame.mpart is None:
        return True                       # 9月 + 下旬
    if name in ("relday", "week_rel", "weekday", "month_part_alone", "quarter_rel", "half_month", "half_week",
                "half_rel"):
        return False
    if name == "nth_week":
        return frame.rank() in (1, 3) and frame.decade is None
    if name == "last_weekday":
        return frame.rank() == 3
    if name == "year_part_short":         # 底/初/末: a part of the year after 今年, of the month after 9月
        if frame.q or frame.h or frame.q_rel is not None:      # or of the quarter / half: 三季度末
            return frame.ppart is None and frame.rank() == 2 and m is not None \
                and _grp(m, name, "p") in _grammar().lex["period_parts"]
        return frame.rank() in (1, 3) and frame.decade is None
    if name == "month_part":
        return frame.rank() == 3
    if name == "weekday_tail":
        return frame.rank() == 5 and frame.weekday is None and frame.d_rel is None
    if name in ("day", "day_bare", "day_range"):
        return frame.rank() == 3 and frame.mpart is None
    if name in _AFTER_YEAR:
        return frame.rank() == 1 and frame.decade is None
    return False


def _apply(f: _Frame, name: str, m: re.Match, lex: dict) -> None:
    """Set the frame fields a token states."""
    g = lambda n: _grp(m, name, n)  # noqa: E731
    rel = lex["relative"]
    if name in ("ymd_num", "dmy_num"):
        if g("s1") != g("s2"):
            f.invalid = True
        f.y, f.m, f.d = int(g("y")), int(g("m")), int(g("d"))
    elif name == "year_quarter":
        f.y = int(g("y"))
        f.q = (int(g("n")), int(g("n")))
    elif name == "decade":
        c = g("c")
        century = None
        if c:
            if c.startswith("上"):
                century = 1900
            elif c.startswith("本"):
                century = 2000
            else:
                century = (_int(c[:-2]) - 1) * 100
        d = g("d")
        decade = 0 if d == "零零" else _int(d)
        part = lex["decade_parts"].get(g("p")) if g("p") else None
        f.decade = (century, decade, tuple(part) if part else None)
    elif name == "era_year":
        n = g("n")
        f.y = lex["eras"][g("era")] + (0 if n == "元" else _int(n) - 1)
    elif name == "year":
        if g("y4"):
            f.y = int(g("y4"))
        elif g("ycn"):
            f.y = _int(g("ycn"))
        elif g("yv"):
            f.y = _int(g("yv"))
        elif g("ycn3"):
            f.y = _int(g("ycn3"))
        elif g("yp"):                  # 今(111)年: the year stated in brackets, ROC when three digits
            v = int(g("yp"))
            f.y = v + 1911 if v < 1000 else v
        else:
            f.y_short = _int(g("y0") or g("ycn0"))
            f.y_short_digits = 0     # a leading zero: always a year
    elif name == "year_short":
        v = g("y2") or g("y3")
        f.y_short = int(v)
        f.y_short_digits = len(v)
    elif name == "year_rel":
        f.y_rel = rel["year_rel"][g("w")]
        f.relative_words = True
    elif name == "month_rel":
        f.m_rel = rel["month_rel"][g("w")]
        f.relative_words = True
    elif name == "quarter_rel":
        f.q_rel = rel["quarter_rel"][g("w")]
        f.relative_words = True
    elif name == "week_rel":
        f.week_rel = rel["week_rel"][g("w")]
        f.relative_words = True
    elif name == "weekday":
        pre = g("pre")
        f.week_rel = rel["weekday_pre"].get(pre, 0) if pre else 0
        f.weekday = 0 if g("d") == "末" else lex["weekday"][g("d")]
        f.relative_words = True
    elif name == "weekday_tail":
        pass                          # 10月12号，星期一: the weekday restates the date
    elif name == "relday":
        f.d_rel = rel["relday"][g("w")]
        f.relative_words = True
    elif name == "first_n":
        unit = "Q" if "季" in g("u") else "M"
        f.first_n = (_int(g("n")), unit)
    elif name == "quarter":
        n = _int(g("n1") or g("n2") or g("n3"))
        f.q = (n, n)
    elif name == "half":
        f.h = 1 if g("h")[0] in "上前" else 2
    elif name == "half_month":
        f.mpart = tuple(lex["half_months"][g("h")])
        f.m = -1                       # the month comes from the context
    elif name == "year_part":
        f.ypart = tuple(lex["year_parts"][g("p")])
    elif name == "year_part_short":
        p = g("p")
        if f.q or f.h or f.q_rel is not None:
            f.ppart = lex["period_parts"][p]
        elif f.m is not None or f.m_rel is not None:
            f.mpart = tuple(lex["month_parts"][p])
        else:
            f.ypart = tuple(lex["year_parts"][p])
    elif name == "month":
        f.m = _int(g("m"))
    elif name == "month_part":
        f.mpart = tuple(lex["month_parts"][g("p")])
    elif name == "month_part_alone":
        f.mpart = tuple(lex["month_parts"][g("p")])
        if f.m is None and f.m_rel is None:
            f.m = -1                   # the month comes from the context
    elif name in ("day", "day_bare"):
        f.d = _int(g("d"))
    elif name == "season":
        f.season = tuple(lex["seasons"][g("s")])
    elif name == "year_sub":
        if g("nm"):
            f.m = _int(g("nm"))
        else:
            unit = {"周": "W", "个星期": "W", "个月": "M", "天": "D"}[g("u")]
            f.sub = ("first" if g("fw") else "last", _int(g("n")), unit)
    elif name == "nth_week":
        f.nth_week = _int(g("n"))
    elif name == "last_weekday":
        f.last_weekday = lex["weekday"][g("d")]
        if f.m is None and f.m_rel is None:
            f.m = -1                   # the month comes from the context
    elif name == "half_week":
        f.half_week = tuple(lex["half_weeks"][g("h")])
        f.relative_words = True
    elif name == "half_rel":
        f.half_rel = lex["half_rel"][g("w")]
        f.relative_words = True


# ---------------------------------------------------------------------------------------------------
# Resolution

@dataclass(slots=True)
class _Res:
    start: date | None
    end: date | None
    gran: str | None
    relative: bool = False
    partial: bool = False           # some field came from the context or the publication date
    y: int | None = None
    m: int | None = None
    anchor_text: str | None = None
    unresolved: bool = False


def _two_digit_year(v: int, published: date | None, lex: dict) -> int:
    pivot = (published.year + 10) if published else lex["two_digit_year_pivot"]
    return 2000 + v if 2000 + v <= pivot else 1900 + v


def _resolve_frame(f: _Frame, ctx: _Ctx, published: date | None, lex: dict,
                   inherit: _Res | None = None) -> _Res:
    """Resolve one frame to an inclusive date range."""
    res = _Res(None, None, None, relative=f.relative_words)
    pub_anchor = f"published:{published.isoformat()}" if published else None

    # the year
    y = f.y
    if y is None and f.y_short is not None:
        y = f.y_short if f.y_short >= 1000 else _two_digit_year(f.y_short, published, lex) \
            if f.y_short < 100 else f.y_short + 1911
    if f.y_rel is not None:
        if published is None:
            res.unresolved = True
        else:
            y = published.year + f.y_rel
    if f.decade is not None:
        century, dec, part = f.decade
        if century is None:
            pivot = published.year if published else lex["two_digit_year_pivot"]
            first = 2000 + dec if 2000 + dec <= pivot else 1900 + dec
        else:
            first = century + dec
        lo, hi = part if part else (0, 9)
        res.start, res.end = date(first + lo, 1, 1), date(first + hi, 12, 31)
        res.gran = "decade"
        return res

    if f.half_week is not None or f.half_rel is not None:
        if published is None:
            res.unresolved, res.gran = True, ("day" if f.half_week else "half")
            return res
        if f.half_week is not None:
            monday = published - timedelta(days=published.weekday())
            res.start = monday + timedelta(days=f.half_week[0] - 1)
            res.end = monday + timedelta(days=f.half_week[1] - 1)
            res.gran = "day"
        else:
            first = _add_months(date(published.year, 1 if published.month <= 6 else 7, 1), 6 * f.half_rel)
            res.start, res.end = first, _add_months(first, 6) - timedelta(days=1)
            res.gran = "half"
        res.relative, res.anchor_text = True, pub_anchor
        return res
    # week-based (上周, 周三, 本周末)
    if f.week_rel is not None:
        if published is None:
            res.unresolved = True
            res.gran = "day" if f.weekday is not None else "week"
            return res
        monday = published - timedelta(days=published.weekday()) + timedelta(weeks=f.week_rel)
        if f.weekday is None:
            res.start, res.end, res.gran = monday, monday + timedelta(days=6), "week"
        elif f.weekday == 0:
            res.start, res.end, res.gran = monday + timedelta(days=5), monday + timedelta(days=6), "day"
        else:
            res.start = res.end = monday + timedelta(days=f.weekday - 1)
            res.gran = "day"
        res.relative = True
        res.anchor_text = pub_anchor
        return res
    if f.d_rel is not None:
        if published is None:
            res.unresolved, res.gran = True, "day"
            return res
        res.start = res.end = published + timedelta(days=f.d_rel)
        res.gran, res.relative, res.anchor_text = "day", True, pub_anchor
        return res
    if f.q_rel is not None:
        if published is None:
            res.unresolved, res.gran = True, "quarter"
            return res
        first = _add_months(date(published.year, 3 * ((published.month - 1) // 3) + 1, 1), 3 * f.q_rel)
        res.start, res.end = _period_part(first, _month_end(*_add_months(first, 2).timetuple()[:2]), f.ppart)
        res.gran = "month" if f.ppart else "quarter"
        res.relative, res.anchor_text = True, pub_anchor
        return res

    # the month
    m = f.m if (f.m is not None and f.m > 0) else None
    if f.m_rel is not None:
        if published is None:
            res.unresolved = True
        else:
            shifted = _add_months(date(published.year, published.month, 1), f.m_rel)
            m = shifted.month
            if y is None:
                y = shifted.year
    need_month = f.d is not None or f.m == -1 or (f.mpart is not None and m is None) \
        or (f.last_weekday is not None and m is None)
    need_year = y is None and not res.unresolved
    if inherit is not None:
        if need_year and inherit.y is not None:
            y, need_year = inherit.y, False
        if need_month and m is None and inherit.m is not None:
            m = inherit.m
    pub_fill: str | None = None
    if need_year or (need_month and m is None and not res.unresolved):
        # a partial date: the nearest date before it in the paragraph, else the publication date
        if ctx.y is not None and (not need_month or m is not None or ctx.m is not None):
            if need_year:
                y = ctx.y
            month_from_ctx = need_month and m is None
            if month_from_ctx:
                m = ctx.m
            # a year that the context itself took from the publication date is the publication year
            res.anchor_text = pub_anchor if (ctx.via_published and not month_from_ctx) else ctx.text
            res.partial = True
        elif published is not None:
            # news leaves out the current year and month (Xinhua style: 9日 is this month's 9th, 3月
            # this year's March); across a year boundary 12月 in a February article is last December
            pub_fill = "month" if (need_month and m is None) else "year"
            res.anchor_text = pub_anchor
            res.partial = True
        else:
            res.unresolved = True
    if f.relative_words and not res.unresolved:
        res.anchor_text = pub_anchor
    res.y, res.m = y, m
    # granularity by the finest unit named
    if f.d is not None or f.last_weekday is not None:
        res.gran = "day"
    elif f.nth_week is not None or (f.sub and f.sub[2] == "W"):
        res.gran = "week"
    elif f.sub and f.sub[2] == "D":
        res.gran = "day"
    elif f.season is not None or (f.sub and f.sub[2] == "M"):
        res.gran = "month"
    elif f.mpart is not None:
        res.gran = "day"
    elif f.m is not None or f.m_rel is not None:
        res.gran = "month"
    elif f.ypart is not None and f.ypart != (1, 12):
        res.gran = "month"
    elif f.first_n is not None:
        res.gran = "month" if f.first_n[1] == "M" else "quarter"
    elif f.ppart is not None:
        res.gran = "month"
    elif f.q is not None:
        res.gran = "quarter"
    elif f.h is not None:
        res.gran = "half"
    else:
        res.gran = "year"
    if res.unresolved or f.invalid or (y is None and pub_fill is None):
        res.unresolved = True
        res.y = res.m = None
        return res
    if pub_fill is None:
        candidates = [(y, m)]
    elif pub_fill == "month":          # 9日: this month's, or the last month's where this one lacks it (29日)
        last_month = _add_months(date(published.year, published.month, 1), -1)
        candidates = [(published.year, published.month), (last_month.year, last_month.month)]
    elif m is not None:                # 3月: this year's, unless 10 months or more away (12月 in February)
        shift = -1 if m - published.month >= 10 else 1 if published.month - m >= 10 else 0
        candidates = [(published.year + shift, m)]
    elif f.q is not None and f.q[0] == 4 and published.month <= 3:
        candidates = [(published.year - 1, m)]  # 四季度 in a first-quarter article: the one just reported
    else:                              # 上半年, 四季度, 年底: the publication year
        candidates = [(published.year, m)]
    for cy, cm in candidates:
        try:
            res.start, res.end = _frame_range(f, cy, cm)
        except ValueError:             # 2月30日, 2019年2月29日: a date that does not exist
            continue
        res.y, res.m = cy, cm
        return res
    res.start = res.end = None
    res.unresolved = True
    res.y = res.m = None
    return res


def _frame_range(f: _Frame, y: int, m: int | None) -> tuple[date, date]:
    """Return the inclusive range a frame denotes once its year (and month) are known; ValueError if none."""
    if f.d is not None:
        return date(y, m, f.d), date(y, m, f.d)
    if f.last_weekday is not None:
        last = _month_end(y, m)
        day = last - timedelta(days=(last.isoweekday() - f.last_weekday) % 7)
        return day, day
    if f.nth_week is not None:
        first = date(y, m if m else 1, 1)
        start = first + timedelta(days=(7 - first.weekday()) % 7) + timedelta(weeks=f.nth_week - 1)
        return start, start + timedelta(days=6)
    if f.sub is not None:
        which, n, unit = f.sub
        if unit == "M":
            return (date(y, 1, 1), _month_end(y, n)) if which == "first" else (date(y, 13 - n, 1), date(y, 12, 31))
        if unit == "D":
            if which == "first":
                return date(y, 1, 1), date(y, 1, 1) + timedelta(days=n - 1)
            return date(y, 12, 31) - timedelta(days=n - 1), date(y, 12, 31)
        if which == "first":           # whole weeks, Monday to Sunday, from the year's first Monday
            jan1 = date(y, 1, 1)
            start = jan1 + timedelta(days=(7 - jan1.weekday()) % 7)
            return start, start + timedelta(weeks=n) - timedelta(days=1)
        dec31 = date(y, 12, 31)        # whole weeks ending on the year's last Sunday
        end = dec31 - timedelta(days=(dec31.weekday() + 1) % 7)
        return end - timedelta(weeks=n) + timedelta(days=1), end
    if f.season is not None:
        m1, m2 = f.season
        return date(y, m1, 1), _month_end(y + (m2 < m1), m2)
    if m is not None:
        if f.mpart is not None:
            lo, hi = f.mpart
            return date(y, m, lo), date(y, m, min(hi, calendar.monthrange(y, m)[1]))
        return date(y, m, 1), _month_end(y, m)
    if f.ypart is not None:
        return date(y, f.ypart[0], 1), _month_end(y, f.ypart[1])
    if f.first_n is not None:
        n, unit = f.first_n
        months = n * (3 if unit == "Q" else 1)
        if not 1 <= months <= 12:
            raise ValueError("more than a year")
        return date(y, 1, 1), _month_end(y, months)
    if f.q is not None:
        return _period_part(date(y, 3 * f.q[0] - 2, 1), _month_end(y, 3 * f.q[1]), f.ppart)
    if f.h is not None:
        lo, hi = (date(y, 1, 1), date(y, 6, 30)) if f.h == 1 else (date(y, 7, 1), date(y, 12, 31))
        return _period_part(lo, hi, f.ppart)
    return date(y, 1, 1), date(y, 12, 31)


def _period_part(lo: date, hi: date, part: str | None) -> tuple[date, date]:
    """Return the first or last month of a quarter or half (三季度末 is September), or the whole."""
    if part == "first":
        return lo, _month_end(lo.year, lo.month)
    if part == "last":
        return date(hi.year, hi.month, 1), hi
    return lo, hi


def _standalone_short_year(f: _Frame, text: str, published: date | None, lex: dict, roc: bool) -> bool:
    """Judge a year such as 25年 or 114年 standing alone (no month after it)."""
    if f.y_short_digits == 3:
        lo, hi = lex["roc_years"]
        return roc and lo <= f.y_short <= hi
    if published is None:
        return False
    value = _two_digit_year(f.y_short, published, lex)
    if abs(value - published.year) > lex["two_digit_year_window"]:
        return False
    before = text[max(0, f.start - 2):f.start]
    return not any(before.endswith(cue) for cue in lex["duration_cues"])


# ---------------------------------------------------------------------------------------------------
# Durations, windows, vague words

def _duration_iso(parts: list[tuple[float, str]]) -> str:
    order = ["Y", "M", "W", "D", "TH", "TM", "TS"]
    acc: dict[str, float] = {}
    for v, u in parts:
        acc[u] = acc.get(u, 0) + v
    date_part = "".join(f"{_fmt(acc[u])}{u}" for u in order[:4] if u in acc)
    time_part = "".join(f"{_fmt(acc[u])}{u[1]}" for u in order[4:] if u in acc)
    return "P" + date_part + ("T" + time_part if time_part else "")


def _duration_parts(pieces: list[tuple[str, re.Match]], lex: dict) -> list[tuple[float, str]]:
    units = lex["units"]
    parts = []
    for comp, m in pieces:
        n = _number(_grp(m, comp, "n") or _grp(m, comp, "nj"))
        u = units[_grp(m, comp, "u")]
        if _grp(m, comp, "half"):
            n += 0.5
        if u == "Q":
            n, u = n * 3, "M"
        parts.append((n, u))
    return parts


def _other_mention(p: _Phrase, text: str, published: date | None, lex: dict) -> DateMention | None:
    kind_, m = p.other
    pub_anchor = f"published:{published.isoformat()}" if published else None
    span = text[p.start:p.end]
    if kind_ == "duration":
        parts = _duration_parts(m, lex)
        return DateMention(p.start, p.end, span, "duration", None, None, None, _duration_iso(parts), None)
    if kind_ == "dur_range":
        u = lex["units"][_grp(m, "dur_range", "u")]
        a, b = _number(_grp(m, "dur_range", "a")), _number(_grp(m, "dur_range", "b"))
        if u == "Q":
            a, b, u = a * 3, b * 3, "M"
        iso = f"{_duration_iso([(a, u)])}/{_duration_iso([(b, u)])}"
        return DateMention(p.start, p.end, span, "duration", None, None, None, iso, None)
    if kind_ == "vague":
        if published is None:
            return DateMention(p.start, p.end, span, "relative", None, None, "day", None, None)
        return DateMention(p.start, p.end, span, "relative", None, published, "day", None, pub_anchor)
    if kind_ == "vague_window":
        gran = lex["vague_window"][_grp(m, "vague_window", "w")]
        end = published
        return DateMention(p.start, p.end, span, "relative", None, end, gran, None, pub_anchor)
    if kind_ in ("window", "window_since"):
        if kind_ == "window":
            direction = lex["window_dir"][_grp(m, "window", "dir") or _grp(m, "window", "dir2")]
        else:
            direction = "past"
        unit = lex["units"][_grp(m, kind_, "u")]
        n = _number(_grp(m, kind_, "n") or _grp(m, kind_, "n2"))
        if unit == "Q":
            unit_iso, months = "M", n * 3
        else:
            unit_iso, months = unit, None
        iso = f"P{_fmt(months if months is not None else n)}{unit_iso}"
        gran = _GRAN_OF_UNIT[unit]
        if published is None:
            return DateMention(p.start, p.end, span, "relative", None, None, gran, iso, None)
        if direction == "past":
            start = _shift(published, -(months if months is not None else n), unit_iso)
            end = published - timedelta(days=1)
        else:
            start = published + timedelta(days=1)
            end = _shift(published, months if months is not None else n, unit_iso)
        return DateMention(p.start, p.end, span, "relative", start, end, gran, iso, pub_anchor)
    if kind_ == "ago":
        unit = lex["units"][_grp(m, "ago", "u")]
        n = _number(_grp(m, "ago", "n"))
        sign = -1 if "前" in _grp(m, "ago", "dir") else 1
        gran = _GRAN_OF_UNIT[unit]
        if published is None:
            return DateMention(p.start, p.end, span, "relative", None, None, gran, None, None)
        point = _shift(published, sign * n, unit)
        return DateMention(p.start, p.end, span, "relative", point, point, gran, None, pub_anchor)
    return None


# ---------------------------------------------------------------------------------------------------
# Putting it together

def _anaphora_mention(p: _Phrase, text: str, ctx: _Ctx, lex: dict) -> DateMention:
    """Resolve 当天 / 次日 / 当月 / 次年 against the date before it in the paragraph (and become that date)."""
    unit, k = lex["anaphora"][_grp(p.other[1], "anaphora", "w")]
    span = text[p.start:p.end]
    gran = _GRAN_OF_UNIT[unit]
    start = end = None
    if unit == "D" and ctx.d is not None:
        start = end = date(ctx.y, ctx.m, ctx.d) + timedelta(days=k)
    elif unit == "M" and ctx.m is not None:
        start = _add_months(date(ctx.y, ctx.m, 1), k)
        end = _month_end(start.year, start.month)
    elif unit == "Y" and ctx.y is not None:
        start, end = date(ctx.y + k, 1, 1), date(ctx.y + k, 12, 31)
    if start is None:
        return DateMention(p.start, p.end, span, "relative", None, None, gran, None, None)
    anchor = ctx.text
    ctx.y, ctx.m, ctx.text = start.year, (start.month if unit != "Y" else None), span
    ctx.d = start.day if unit == "D" else None
    return DateMention(p.start, p.end, span, "relative", start, end, gran, None, anchor)


def _open_side(res: _Res, mode: str, published: date | None) -> tuple[date | None, date | None]:
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


def _mention(p: _Phrase, text: str, ctx: _Ctx, published: date | None, lex: dict,
             roc: bool) -> list[DateMention]:
    if p.other is not None and p.other[0] == "anaphora":
        return [_anaphora_mention(p, text, ctx, lex)]
    if p.other is not None:
        mention = _other_mention(p, text, published, lex)
        return [mention] if mention else []
    left, right = p.left, p.right
    # a 2- or 3-digit year standing alone may be a duration (十年 written 10年) or a window (10年来)
    roc_year = left.y_short is not None and left.y_short_digits == 3 and roc \
        and lex["roc_years"][0] <= left.y_short <= lex["roc_years"][1]
    if left.y_short is not None and left.y_short_digits and left.rank() == 1 and right is None and not roc_year:
        if not _standalone_short_year(left, text, published, lex, roc) or p.suffix:
            n = left.y_short
            if p.suffix in ("来", "以来"):
                iso = f"P{n}Y"
                if published is None:
                    return [DateMention(p.start, p.end, text[p.start:p.end], "relative", None, None, "year",
                                        iso, None)]
                return [DateMention(p.start, p.end, text[p.start:p.end], "relative",
                                    _shift(published, -n, "Y"), published - timedelta(days=1), "year", iso,
                                    f"published:{published.isoformat()}")]
            return [DateMention(left.start, left.end, text[left.start:left.end], "duration", None, None, None,
                                f"P{n}Y", None)]
    if left.y_short is not None and left.y_short_digits == 3 and not roc_year:
        return []
    if left.invalid or (right is not None and right.invalid):
        return []                      # 2023-10/14: mixed separators are no date
    start_i, end_i = p.start, p.end
    mode = None
    prefix_mode = lex["prefix"].get(p.prefix) if p.prefix else None
    suffix_mode = lex["suffix"].get(p.suffix) if p.suffix else None
    if prefix_mode == "from" and right is None and suffix_mode is None:
        start_i = left.start           # 从 alone is not part of the date
        prefix_mode = None
    lres = _resolve_frame(left, ctx, published, lex)
    kind = "date"
    gran = lres.gran
    anchor = lres.anchor_text if (lres.partial or lres.relative) else None
    if right is not None:
        rres = _resolve_frame(right, ctx, published, lex, inherit=lres)
        if rres.start is not None and lres.start is not None and rres.end < lres.start and right.y is None \
                and right.y_rel is None:
            rres.start, rres.end = _shift(rres.start, 1, "Y"), _shift(rres.end, 1, "Y")
            if rres.y is not None:
                rres.y += 1
        start_d = lres.start if not lres.unresolved else None
        end_d = rres.end if not rres.unresolved else None
        if lres.unresolved or rres.unresolved:
            start_d = end_d = None
        kind = "period"
        fine = ["day", "week", "month", "quarter", "half", "year", "decade"]
        gran = min((lres.gran, rres.gran), key=lambda g: fine.index(g) if g in fine else 99)
        if suffix_mode == "since":     # 自X至Y is a closed range; only a since-suffix opens it
            end_d = None
        final = rres
        if anchor is None and rres.relative:
            anchor = rres.anchor_text
    else:
        start_d, end_d = (lres.start, lres.end) if not lres.unresolved else (None, None)
        mode = suffix_mode or (prefix_mode if prefix_mode in ("since", "until") else None)
        if prefix_mode == "from" and suffix_mode is None:
            mode = None
        if mode == "before" and ((left.ypart is not None and left.ypart[1] == 12 and left.ypart[0] > 1)
                                 or (left.mpart is not None and left.mpart[1] == 31 and left.mpart[0] > 1)):
            mode = "until"             # 2026年底前, 6月底前: by the end of the year or month, not before it
        if mode:
            start_d, end_d = _open_side(lres, mode, published)
            kind = "period"
            if mode == "to_now" and published is not None and anchor is None:
                anchor = f"published:{published.isoformat()}"
        elif left.q or left.h or left.ypart or left.mpart or left.first_n or left.decade or left.q_rel is not None \
                or (left.week_rel is not None and left.weekday is None) or left.weekday == 0 or left.season \
                or left.sub or left.nth_week is not None or left.half_rel is not None or left.half_week:
            kind = "period"
        final = lres
    if lres.relative or (right is not None and right.relative_words):
        kind = "relative"
    # the context for later partial dates: the resolved side nearest to them. An open period (2017年以来,
    # 1980年前; but 截至2025年6月 is 'as of') and a bare relative year (去年降息三次后…5月) name no year the
    # later text is set in.
    open_period = right is None and mode in ("since", "after", "before", "to_now")
    bare_relative_year = lres.relative and final.m is None and final.start != final.end \
        and lres.gran not in ("quarter", "half")   # 去年第二季度和第三季度: the year goes on
    if final.y is not None and not final.unresolved and not open_period and not bare_relative_year:
        ctx.y, ctx.m, ctx.text = final.y, final.m, text[start_i:end_i]
        ctx.d = final.start.day if final.start is not None and final.start == final.end else None
        ctx.via_published = bool(final.partial and final.anchor_text and final.anchor_text.startswith("published:"))
    return [DateMention(start_i, end_i, text[start_i:end_i], kind, start_d, end_d, gran, None, anchor)]


def find_dates(text: str, *, published: date | None = None) -> list[DateMention]:
    """Return the date, period, duration and relative mentions of a Simplified Chinese text, by start.

    `published` anchors relative mentions (今年, 上月, 近日) and, where no date precedes them in the
    paragraph, year-less ones (12月, 9日); without it they stay unresolved (their dates are None).
    """
    if isinstance(published, datetime):   # a timestamp: its calendar day (date and datetime do not compare)
        published = published.date()
    g = _grammar()
    lex = g.lex
    norm = _FULLWIDTH_CHAR.sub(lambda m: _FULLWIDTH[m.group()], text)
    roc = g.roc_marker.search(norm) is not None
    out: list[DateMention] = []
    ctx = _Ctx()
    last_end = 0
    for m in g.master.finditer(norm):
        if "\n" in norm[last_end:m.start()]:     # a new paragraph: earlier dates no longer anchor
            ctx = _Ctx()
        last_end = m.end()
        for p in _phrases(norm, m.start(), m.end()):
            try:
                found = list(_mention(p, norm, ctx, published, lex, roc))
            except (ValueError, OverflowError):  # outside the calendar (0世纪, a shift past 9999): no date
                continue
            for mention in found:
                out.append(DateMention(mention.start, mention.end, text[mention.start:mention.end],
                                       mention.kind, mention.start_date, mention.end_date, mention.granularity,
                                       mention.duration, mention.anchor))
    return _merged_open_ends(out, text)


def _merged_open_ends(mentions: list[DateMention], text: str) -> list[DateMention]:
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


def infer_published(text: str) -> date | None:
    """Return the publication date a date line of the article states, else None.

    A date line starts with a label such as 发布时间 or 发稿日期 followed by a full date, or is one of the
    first few short lines holding only a full date (2025-02-12 18:54:12; 2023年8月13日 星期日 来源：…).
    """
    conf = _grammar().lex["published"]
    labels = sorted(conf["labels"], key=len, reverse=True)
    tail = _published_tail()
    for i, line in enumerate(text.split("\n")):
        stripped = line.strip().strip("*【】[]").strip()
        label_end = -1
        for label in labels:
            k = stripped.find(label)
            if k != -1 and k < 20 and stripped[k + len(label):k + len(label) + 1] in ("：", ":", " "):
                label_end = k + len(label) + 1
                break
        if label_end == -1 and (i >= conf["head_lines"] or len(stripped) > conf["max_line_chars"]):
            continue
        mentions = find_dates(stripped)
        if not mentions:
            continue
        first = mentions[0]
        if first.granularity != "day" or first.kind != "date" or first.anchor is not None \
                or first.start_date is None:
            continue
        if label_end != -1:
            if not stripped[label_end:first.start].strip(" 　中华民国"):
                return first.start_date
        elif first.start == 0 and tail.match(stripped[first.end:]):
            return first.start_date
    return None


@cache
def _published_tail() -> re.Pattern:
    try:
        return re.compile(_grammar().lex["published"]["tail_pattern"])
    except re.error as exc:
        raise DataFileError(f"dates: lexicon.yaml published.tail_pattern does not compile: {exc}") from exc
