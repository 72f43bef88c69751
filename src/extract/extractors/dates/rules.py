"""The date rules: each is a name, a pattern and a production, registered in `RULES`.

The pattern of rule `name` is component `name` of `data/dates/grammar.yaml` (the lexer tries them in that
file's order); its production is the function registered here under the same name. Roles:
- `frame`: sets fields of the frame being built (`fits` says whether the token may extend a frame that
  already holds something: coarse to fine, each level once; `never_first`: a tail that starts no frame);
- `range`: sets the fields of both sides of a range written as one token (2017-2019年, 3至5月);
- `other`: a mention of its own (a window, an ago-expression, a duration, a vague word, an anaphor); its
  production returns the DateMention (mentions.py calls it);
- `prefix`, `suffix`, `join`, `end`: open-period words and range connectors (phrases.py reads them).
Adding a rule is one component in grammar.yaml, one function here and its cases in tests/cases/dates.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from extract.extractors.dates.calendar_math import (GRAN_OF_UNIT, add_months, fmt, integer, month_end, number,
                                                    shift)
from extract.extractors.dates.frame import Context, Frame, Phrase
from extract.extractors.dates.records import DateMention

Groups = Callable[[str], "str | None"]


def groups(m: re.Match, comp: str) -> Groups:
    """Return a reader of the named groups of component `comp` in a lexer match (None when absent)."""
    def read(name: str) -> str | None:
        try:
            return m.group(f"{comp}__{name}")
        except IndexError:              # the component has no such group
            return None
    return read


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    role: str
    produce: Callable | None = None
    fits: Callable[[Frame, Groups], bool] | None = None
    never_first: bool = False
    extends: frozenset = frozenset()   # `other` tokens that continue a phrase started by one of these rules


RULES: dict[str, Rule] = {}


def rule(name: str, *, role: str = "frame", fits: Callable | None = None, never_first: bool = False,
         extends: tuple[str, ...] = ()):
    """Register the decorated function as the production of rule `name`."""
    def register(fn):
        if name in RULES:
            raise ValueError(f"dates: rule {name!r} registered twice")
        RULES[name] = Rule(name, role, fn, fits or _never, never_first, frozenset(extends))
        return fn
    return register


for _name, _role in (("prefix", "prefix"), ("suffix", "suffix"), ("connector", "join"), ("between", "join"),
                     ("between_end", "end")):
    RULES[_name] = Rule(_name, _role)


# -- what a token may extend --------------------------------------------------------------------------------
def _never(f: Frame, g: Groups) -> bool:
    return False


def after_year(f: Frame, g: Groups) -> bool:
    """2025年 + 三季度 / 上半年 / 9月: a frame holding only a year (not a decade or a century)."""
    return f.rank() == 1 and f.decade is None and f.century is None and f.fiscal is None


def after_month(f: Frame, g: Groups) -> bool:
    return f.rank() == 3


def day_after_month(f: Frame, g: Groups) -> bool:
    return f.rank() == 3 and f.mpart is None


def after_year_or_month(f: Frame, g: Groups) -> bool:
    return f.rank() in (1, 3) and f.decade is None and f.century is None and f.fiscal is None


# -- full dates and years ----------------------------------------------------------------------------------
@rule("ymd_num")
@rule("dmy_num")
@rule("ymd8")
def _numeric_date(f: Frame, g: Groups, lex: dict) -> None:
    # 2023-10/14 (a path) mixes a slash with another separator: no date; 2016.05-20 is one
    f.invalid = g("s1") != g("s2") and "/" in (g("s1") or "") + (g("s2") or "")
    f.y, f.m, f.d = int(g("y")), int(g("m")), int(g("d"))


@rule("ym_num")
def _numeric_month(f: Frame, g: Groups, lex: dict) -> None:
    """2023-09, 2019.10."""
    f.y, f.m = int(g("y")), int(g("m") or g("m2"))


@rule("md_dot")
@rule("md_slash")
def _numeric_day(f: Frame, g: Groups, lex: dict) -> None:
    """7·21, 10/1: a year-less month and day."""
    f.m, f.d = int(g("m")), int(g("d"))


@rule("fiscal_split")
def _fiscal_split(f: Frame, g: Groups, lex: dict) -> None:
    """2023/24年度: April 2023 to March 2024."""
    f.fiscal = ("split", int(g("a")))


@rule("fiscal_company")
def _fiscal_company(f: Frame, g: Groups, lex: dict) -> None:
    """2024财年: the calendar year unless the text states the months (mentions.py reads the statement)."""
    f.fiscal = ("company", int(g("y") or g("y2")))


@rule("fiscal_rel")
def _fiscal_rel(f: Frame, g: Groups, lex: dict) -> None:
    f.fiscal = ("rel", lex["fiscal_rel"][g("w")])
    f.relative_words = True


@rule("century")
def _century(f: Frame, g: Groups, lex: dict) -> None:
    """19世纪 1800-1899 (the popular reading), 21世纪初 2000-2009, 上世纪 the 1900s."""
    first = lex["century_rel"][g("rel")] if g("rel") else (integer(g("c")) - 1) * 100
    part = lex["century_parts"].get(g("p")) if g("p") else None
    f.century = (first, tuple(part) if part else None)
    f.invalid = first < 0 or integer(g("c") or "1") < 1      # 0世纪 is no century


@rule("year_quarter")
def _year_quarter(f: Frame, g: Groups, lex: dict) -> None:
    f.y = int(g("y"))
    f.q = (int(g("n")), int(g("n")))


@rule("year_bare")
def _year_bare(f: Frame, g: Groups, lex: dict) -> None:
    """2026米兰冬奥会, Journal (2024), for 2025: a year without 年 where the words around it say so."""
    f.y = int(g("yc") or g("ye") or g("yn"))


@rule("decade")
def _decade(f: Frame, g: Groups, lex: dict) -> None:
    c, century = g("c"), None
    if c:
        century = 1900 if c.startswith("上") else 2000 if c.startswith("本") else (integer(c[:-2]) - 1) * 100
    d = g("d")
    part = lex["decade_parts"].get(g("p")) if g("p") else None
    f.decade = (century, 0 if d == "零零" else integer(d), tuple(part) if part else None)
    f.invalid = century is not None and century < 0      # 0世纪70年代: no century 0


@rule("era_year")
def _era_year(f: Frame, g: Groups, lex: dict) -> None:
    n = g("n")
    f.y = lex["eras"][g("era")] + (0 if n == "元" else integer(n) - 1)


@rule("year")
def _year(f: Frame, g: Groups, lex: dict) -> None:
    stated = g("y4") or g("ycn") or g("yv") or g("ycn3")
    if stated:
        f.y = integer(stated)
    elif g("yp"):                       # 今(111)年: the year stated in brackets, ROC when three digits
        v = int(g("yp"))
        f.y = v + 1911 if v < 1000 else v
    else:                               # 07年, 零三年, 八五年: two digits that are always a year
        f.y_short = integer(g("y0") or g("ycn0") or g("ycn2"))
        f.y_short_digits = 0


@rule("year_anaphor")
def _year_anaphor(f: Frame, g: Groups, lex: dict) -> None:
    """同年10月, 次年2月: a month of the context's year, or of the year after it (resolve.py adds it)."""
    f.y_offset = lex["anaphora"][g("w")][1]


@rule("year_short")
def _year_short(f: Frame, g: Groups, lex: dict) -> None:
    v = g("y2") or g("y3")
    f.y_short, f.y_short_digits = int(v), len(v)


# -- relative words ----------------------------------------------------------------------------------------
def _relative(field: str):
    def produce(f: Frame, g: Groups, lex: dict) -> None:
        setattr(f, field, lex["relative"][_TABLE[field]][g("w")])
        f.relative_words = True
    return produce


_TABLE = {"y_rel": "year_rel", "m_rel": "month_rel", "q_rel": "quarter_rel", "week_rel": "week_rel",
          "d_rel": "relday"}
rule("year_rel", fits=_never)(_relative("y_rel"))
rule("month_rel", fits=after_year)(_relative("m_rel"))
rule("quarter_rel")(_relative("q_rel"))
rule("week_rel")(_relative("week_rel"))
rule("relday")(_relative("d_rel"))


@rule("weekday")
def _weekday(f: Frame, g: Groups, lex: dict) -> None:
    pre = g("pre")
    f.week_rel = lex["relative"]["weekday_pre"].get(pre, 0) if pre else 0
    f.weekday = 0 if g("d") == "末" else lex["weekday"][g("d")]
    f.bare_weekday = not pre
    f.relative_words = True


@rule("weekday_tail", never_first=True,
      fits=lambda f, g: f.rank() == 5 and f.weekday is None and f.d_rel is None)
def _weekday_tail(f: Frame, g: Groups, lex: dict) -> None:
    """10月12号，星期一: the weekday restates the date."""


@rule("paren_date", never_first=True,
      fits=lambda f, g: f.rank() >= 5 and (f.d_rel is not None or f.weekday is not None) and f.d is None)
def _paren_date(f: Frame, g: Groups, lex: dict) -> None:
    """今天（6月23日）, 本周六（15日）: the bracketed date restates the relative one."""


@rule("relday_paren")
def _relday_paren(f: Frame, g: Groups, lex: dict) -> None:
    """今(7)日: today, whose day the brackets restate."""
    f.d_rel = lex["relative"]["relday"][g("w") + "日"]
    f.relative_words = True


@rule("month_rel_paren")
def _month_rel_paren(f: Frame, g: Groups, lex: dict) -> None:
    """本(3)月: this month, whose number the brackets restate."""
    f.m_rel = lex["relative"]["month_rel"][g("w") + "月"]
    f.relative_words = True


@rule("half_week")
def _half_week(f: Frame, g: Groups, lex: dict) -> None:
    f.half_week = tuple(lex["half_weeks"][g("h")])
    f.relative_words = True


@rule("half_rel")
def _half_rel(f: Frame, g: Groups, lex: dict) -> None:
    f.half_rel = lex["half_rel"][g("w")]
    f.relative_words = True


# -- parts of a year ---------------------------------------------------------------------------------------
@rule("first_n", fits=after_year)
def _first_n(f: Frame, g: Groups, lex: dict) -> None:
    f.first_n = (integer(g("n")), "Q" if "季" in g("u") else "M")


@rule("quarter_short", never_first=True, fits=after_year)
def _quarter_short(f: Frame, g: Groups, lex: dict) -> None:
    n = integer(g("n"))
    f.q = (n, n)


@rule("quarter", fits=after_year)
def _quarter(f: Frame, g: Groups, lex: dict) -> None:
    n = integer(g("n1") or g("n2") or g("n3"))
    f.q = (n, n)


@rule("half", fits=after_year)
def _half(f: Frame, g: Groups, lex: dict) -> None:
    f.h = 1 if g("h")[0] in "上前" else 2


@rule("year_part", fits=after_year)
def _year_part(f: Frame, g: Groups, lex: dict) -> None:
    f.ypart = tuple(lex["year_parts"][g("p")])


def _fits_part_short(f: Frame, g: Groups) -> bool:
    """底/初/末: a part of the year after 今年, of the month after 9月, of the quarter or half (三季度末)."""
    if f.q or f.h or f.q_rel is not None:
        return f.ppart is None and f.rank() == 2 and g("p") in _PERIOD_PARTS
    return after_year_or_month(f, g)


_PERIOD_PARTS = frozenset({"初", "末", "底"})


@rule("year_part_short", never_first=True, fits=_fits_part_short)
def _year_part_short(f: Frame, g: Groups, lex: dict) -> None:
    p = g("p")
    if f.q or f.h or f.q_rel is not None:
        f.ppart = lex["period_parts"][p]
    elif f.m is not None or f.m_rel is not None:
        f.mpart = tuple(lex["month_parts"][p])
    else:
        f.ypart = tuple(lex["year_parts"][p])


@rule("season", fits=after_year)
def _season(f: Frame, g: Groups, lex: dict) -> None:
    f.season = tuple(lex["seasons"][g("s")])


@rule("season_short", never_first=True, fits=after_year)
def _season_short(f: Frame, g: Groups, lex: dict) -> None:
    f.season = tuple(lex["season_short"][g("s")])


def _fits_period_month(f: Frame, g: Groups) -> bool:
    """上季度最后一个月, 上半年第一个月, 2019年末月."""
    if f.q or f.h or f.q_rel is not None:
        return f.ppart is None and f.rank() == 2
    return after_year(f, g)


@rule("period_month", never_first=True, fits=_fits_period_month)
def _period_month(f: Frame, g: Groups, lex: dict) -> None:
    which = "first" if g("p") in ("第一个月", "头一个月", "首月") else "last"
    if f.q or f.h or f.q_rel is not None:
        f.ppart = which
    else:
        f.ypart = (1, 1) if which == "first" else (12, 12)


_SUB_UNITS = {"周": "W", "个星期": "W", "个月": "M", "天": "D"}


def _fits_sub(f: Frame, g: Groups) -> bool:
    """Of a year (今年的最后3周), or of a month in days or weeks (本月头三天)."""
    if f.rank() == 3 and f.mpart is None and not g("nm"):
        return g("u") in ("天", "周", "个星期")
    return after_year(f, g)


@rule("year_sub", never_first=True, fits=_fits_sub)
def _year_sub(f: Frame, g: Groups, lex: dict) -> None:
    """2021年的第三个月, 去年的前10天, 今年的最后3周, 本月头三天."""
    if g("nm"):
        f.m = integer(g("nm"))
    else:
        f.sub = ("first" if (g("fw") or g("fh")) else "last", integer(g("n")), _SUB_UNITS[g("u")])


# -- months, weeks and days --------------------------------------------------------------------------------
@rule("month", fits=after_year)
def _month(f: Frame, g: Groups, lex: dict) -> None:
    f.m = integer(g("m"))


@rule("half_month", fits=lambda f, g: f.rank() == 3 and f.mpart is None)
def _half_month(f: Frame, g: Groups, lex: dict) -> None:
    """上半月: of the month before it (本月上半月), else of the context's month."""
    f.mpart = tuple(lex["half_months"][g("h")])
    if f.m is None and f.m_rel is None:
        f.m = -1


@rule("month_part", never_first=True, fits=after_month)
def _month_part(f: Frame, g: Groups, lex: dict) -> None:
    f.mpart = tuple(lex["month_parts"][g("p")])


@rule("month_part_alone", fits=lambda f, g: f.rank() == 3 and f.mpart is None)
def _month_part_alone(f: Frame, g: Groups, lex: dict) -> None:
    f.mpart = tuple(lex["month_parts"][g("p")])
    if f.m is None and f.m_rel is None:
        f.m = -1                        # the month comes from the context


@rule("day", fits=day_after_month)
@rule("day_bare", never_first=True, fits=day_after_month)
def _day(f: Frame, g: Groups, lex: dict) -> None:
    f.d = integer(g("d"))


def _fits_nth_week(f: Frame, g: Groups) -> bool:
    """第3周 of a month (at most 5), 第10周 of a year (an ISO week, at most 53)."""
    n = integer(g("n"))
    return after_year_or_month(f, g) and 1 <= n <= (5 if f.rank() == 3 else 53)


@rule("nth_week", never_first=True, fits=_fits_nth_week)
def _nth_week(f: Frame, g: Groups, lex: dict) -> None:
    f.nth_week = integer(g("n"))


@rule("nth_weekday", never_first=True, fits=after_month)
def _nth_weekday(f: Frame, g: Groups, lex: dict) -> None:
    """5月第2个星期六."""
    f.nth_weekday = (integer(g("n")), lex["weekday"][g("d")])


@rule("last_weekday", fits=after_month)
def _last_weekday(f: Frame, g: Groups, lex: dict) -> None:
    f.last_weekday = lex["weekday"][g("d")]
    if f.m is None and f.m_rel is None:
        f.m = -1                        # the month comes from the context


# -- the lunar calendar and festivals (holidays.py resolves them) ---------------------------------------
_LUNAR_MONTHS = {"正": 1, "冬": 11, "腊": 12}


def _lunar_number(word: str) -> int:
    """初七 7, 廿三 23, 十五 15."""
    if word.startswith("初"):
        return integer(word[1:])
    if word.startswith("廿"):
        return 20 + integer(word[1:])
    return integer(word)


@rule("lunar_date", fits=after_year)
def _lunar_date(f: Frame, g: Groups, lex: dict) -> None:
    """农历七月初七, 腊月二十三, 闰六月, 冬月, 大年初二."""
    month = next((g(k) for k in ("m1", "m2", "m3", "m4") if g(k)), None)
    day = next((g(k) for k in ("d1", "d2", "d3", "d4", "d5") if g(k)), None)
    m = 1 if month is None else _LUNAR_MONTHS.get(month) or integer(month)
    leap = any(g(k) for k in ("l1", "l2", "l4"))
    f.lunar = ("month", m, leap) if day is None else ("date", m, _lunar_number(day), leap)


def _fits_festival(f: Frame, g: Groups) -> bool:
    """After a year (2024年重阳节), or restating a relative day (今日情人节) or a lunar date (正月十五元宵节)."""
    if f.rank() == 5 and f.weekday is None and f.d is None:
        return (f.d_rel is not None and f.lunar is None) or (f.lunar is not None and f.lunar[0] == "date")
    return after_year(f, g)


@rule("festival", fits=_fits_festival)
@rule("festival_weak", never_first=True, fits=after_year)
def _festival(f: Frame, g: Groups, lex: dict) -> None:
    stretch = bool(g("stretch"))
    f.lunar = ("festival", g("f") or g("w"), stretch)
    f.holiday_stretch = True if stretch else None


# -- ranges written as one token ---------------------------------------------------------------------------
@rule("year_range", role="range")
@rule("year_range_bare", role="range")
def _year_range(left: Frame, right: Frame, g: Groups, lex: dict) -> None:
    a, b = integer(g("a")), integer(g("b"))
    if a < 1000:                        # 112至113年: ROC years (mentions.py keeps them in ROC documents only)
        left.y_short, right.y_short = a, b
        left.y_short_digits = right.y_short_digits = 3
        return
    left.y = a
    right.y = b if b >= 100 else (left.y // 100) * 100 + b


@rule("month_range", role="range", fits=after_year)
def _month_range(left: Frame, right: Frame, g: Groups, lex: dict) -> None:
    left.m, right.m = integer(g("a")), integer(g("b"))


@rule("day_range", role="range", fits=day_after_month)
def _day_range(left: Frame, right: Frame, g: Groups, lex: dict) -> None:
    left.d, right.d = integer(g("a")), integer(g("b"))


@rule("md_range", role="range", fits=day_after_month)
def _md_range(left: Frame, right: Frame, g: Groups, lex: dict) -> None:
    """3月5至4月12."""
    left.d, right.m, right.d = integer(g("a")), integer(g("m")), integer(g("b"))


@rule("quarter_range", role="range", fits=after_year)
def _quarter_range(left: Frame, right: Frame, g: Groups, lex: dict) -> None:
    a, b = integer(g("a")), integer(g("b"))
    left.q, right.q = (a, a), (b, b)


# -- mentions of their own: windows, ago-expressions, durations, vague words, anaphora ---------------------
def _pub(published: date | None) -> str | None:
    return f"published:{published.isoformat()}" if published else None


def _mention(p: Phrase, text: str, kind: str, start=None, end=None, gran=None, duration=None, anchor=None):
    return DateMention(p.start, p.end, text[p.start:p.end], kind, start, end, gran, duration, anchor)


def duration_iso(parts: list[tuple[float, str]]) -> str:
    """Return the ISO 8601 duration of (amount, unit) parts; time units are TH, TM, TS."""
    acc: dict[str, float] = {}
    for v, u in parts:
        acc[u] = acc.get(u, 0) + v
    date_part = "".join(f"{fmt(acc[u])}{u}" for u in ("Y", "M", "W", "D") if u in acc)
    time_part = "".join(f"{fmt(acc[u])}{u[1]}" for u in ("TH", "TM", "TS") if u in acc)
    return "P" + date_part + ("T" + time_part if time_part else "")


def _duration_part(comp: str, m: re.Match, lex: dict) -> tuple[float, str] | None:
    g = groups(m, comp)
    n, u = g("n") or g("nj") or g("n2"), g("u") or g("u2")
    if n is None or u is None:         # 7日内: the end word adds nothing
        return None
    n, u = number(n), lex["units"][u]
    if g("half") or g("half2"):
        n += 0.5
    if u == "TQ":                      # 刻钟: quarters of an hour
        return n * 15, "TM"
    return (n * 3, "M") if u == "Q" else (n, u)


_DURATIONS = ("dur_piece", "dur_tail", "dur_range", "dur_range_units", "dur_days", "dur_pair", "dur_few",
              "dur_vague")


@rule("dur_piece", role="other", extends=("dur_piece",))
@rule("dur_tail", role="other", extends=("dur_piece",))
def _duration(p: Phrase, text: str, ctx: Context, published: date | None, lex: dict) -> DateMention:
    """三年, 两个半小时, 一年零三个月, 1.5万小时: the pieces of one duration, added up."""
    parts = [part for comp, m in p.other[1] if (part := _duration_part(comp, m, lex))]
    return _mention(p, text, "duration", duration=duration_iso(parts))


@rule("dur_end", role="other", extends=_DURATIONS)
def _duration_end(p: Phrase, text: str, ctx: Context, published: date | None, lex: dict) -> None:
    """内, 以内, 左右 alone are no duration (after one they end it: 7日内)."""
    return None


def _range_iso(a: float, b: float, u: str) -> str:
    if u == "Q":
        a, b, u = a * 3, b * 3, "M"
    return f"{duration_iso([(a, u)])}/{duration_iso([(b, u)])}"


@rule("dur_range", role="other")
@rule("dur_range_units", role="other")
@rule("dur_pair", role="other")
def _duration_range(p: Phrase, text: str, ctx: Context, published: date | None, lex: dict) -> DateMention:
    """一至两周, 2天——5天, 一两天: a duration between two amounts, written P1W/P2W (112年至113年 in a Taiwan
    text is a range of ROC years)."""
    comp, m = p.other[1][0]
    g = groups(m, comp)
    a, b = number(g("a")), number(g("b"))
    lo, hi = lex["roc_years"]
    if ctx.region == "TW" and g("u") == "年" and g("u1") in ("年", None) and lo <= a <= b <= hi:
        return _mention(p, text, "period", date(int(a) + 1911, 1, 1), date(int(b) + 1911, 12, 31), "year")
    return _mention(p, text, "duration", duration=_range_iso(a, b, lex["units"][g("u")]))


@rule("dur_days", role="other")
def _duration_days(p: Phrase, text: str, ctx: Context, published: date | None, lex: dict) -> DateMention:
    """为期三日, 需时10~20日, 7日内: days counted with 日."""
    g = groups(p.other[1][0][1], "dur_days")
    if g("a"):
        return _mention(p, text, "duration", duration=_range_iso(number(g("a")), number(g("b")), "D"))
    return _mention(p, text, "duration", duration=duration_iso([(number(g("n") or g("n2")), "D")]))


@rule("dur_few", role="other")
def _duration_few(p: Phrase, text: str, ctx: Context, published: date | None, lex: dict) -> DateMention:
    """几周, 几个月, 几个世纪: a few units, read as two to nine; 十几天 eleven to nineteen."""
    g = groups(p.other[1][0][1], "dur_few")
    word, tens = g("u"), number(g("t")) if g("t") else 0
    iso = "P200Y/P900Y" if word == "世纪" else _range_iso(tens + 2 - (tens > 0), tens + 9, lex["units"][word])
    return _mention(p, text, "duration", duration=iso)


@rule("vague_future", role="other")
def _vague_future(p: Phrase, text: str, ctx: Context, published: date | None, lex: dict) -> DateMention:
    """未来几年, 今后几个月内: from the day after publication, open end, 2-9 units long."""
    unit = lex["units"][groups(p.other[1], "vague_future")("u")]
    start = published + timedelta(days=1) if published else None
    return _mention(p, text, "relative", start, None, GRAN_OF_UNIT[unit], _range_iso(2, 9, unit), _pub(published))


@rule("dur_vague", role="other")
def _duration_vague(p: Phrase, text: str, ctx: Context, published: date | None, lex: dict) -> DateMention:
    """大半年: more than half the unit, up to all of it."""
    return _mention(p, text, "duration", duration=lex["dur_vague"][groups(p.other[1][0][1], "dur_vague")("w")])


@rule("vague", role="other")
def _vague(p: Phrase, text: str, ctx: Context, published: date | None, lex: dict) -> DateMention:
    """近日, 日前: an open start, ending on the publication date."""
    return _mention(p, text, "relative", None, published, "day", anchor=_pub(published))


@rule("day_pair", role="other")
def _day_pair(p: Phrase, text: str, ctx: Context, published: date | None, lex: dict) -> DateMention:
    """今明两天, 明后天, 今明两年: the two neighbouring days (or years) named, from the publication date."""
    g = groups(p.other[1], "day_pair")
    gran = "year" if g("y") else "day"
    if published is None:
        return _mention(p, text, "relative", gran=gran)
    first, last = lex["day_pairs"][g("w")]
    if g("y"):
        start, end = date(published.year + first, 1, 1), date(published.year + last, 12, 31)
    else:
        start, end = published + timedelta(days=first), published + timedelta(days=last)
    return _mention(p, text, "relative", start, end, gran, anchor=_pub(published))


@rule("vague_window", role="other")
def _vague_window(p: Phrase, text: str, ctx: Context, published: date | None, lex: dict) -> DateMention:
    """近几年, 近年来: an open start, ending on the publication date, at the granularity named."""
    gran = lex["vague_window"][groups(p.other[1], "vague_window")("w")]
    return _mention(p, text, "relative", None, published, gran, anchor=_pub(published))


def window_range(published: date, n: float, unit: str, direction: str) -> tuple[date, date]:
    """Return the window of n units before (past) or after (future) the publication date, that day excluded."""
    if unit == "Q":
        n, unit = n * 3, "M"
    if direction == "past":
        return shift(published, -n, unit), published - timedelta(days=1)
    return published + timedelta(days=1), shift(published, n, unit)


def _window_mention(p: Phrase, text: str, published: date | None, n: float, unit: str, direction: str):
    gran = "century" if unit == "C" else GRAN_OF_UNIT[unit]
    if unit == "C":                    # 半个多世纪以来: centuries are counted in years (ISO 8601 has no century)
        n, unit = n * 100, "Y"
    iso = f"P{fmt(n * 3)}M" if unit == "Q" else f"P{fmt(n)}{unit}"
    if published is None:
        return _mention(p, text, "relative", gran=gran, duration=iso)
    start, end = window_range(published, n, unit, direction)
    return _mention(p, text, "relative", start, end, gran, iso, _pub(published))


@rule("window", role="other")
def _window(p: Phrase, text: str, ctx: Context, published: date | None, lex: dict) -> DateMention:
    """近三年, 未来两天, 前3周: n units back from the publication date or ahead of it."""
    g = groups(p.other[1], "window")
    direction = lex["window_dir"][g("dir")]
    return _window_mention(p, text, published, number(g("n")), lex["units"][g("u")], direction)


@rule("window_since", role="other")
def _window_since(p: Phrase, text: str, ctx: Context, published: date | None, lex: dict) -> DateMention:
    """十年来, 三个月以来: a window back from the publication date."""
    g = groups(p.other[1], "window_since")
    n = number(g("n")) + (0.5 if g("half") else 0)
    return _window_mention(p, text, published, n, lex["units"][g("u")], "past")


def unit_around(d: date, unit: str) -> tuple[date, date]:
    """Return the calendar unit (Y, M, W, D) holding day `d`."""
    if unit == "Y":
        return date(d.year, 1, 1), date(d.year, 12, 31)
    if unit == "M":
        return date(d.year, d.month, 1), month_end(d.year, d.month)
    if unit == "W":
        monday = d - timedelta(days=d.weekday())
        return monday, monday + timedelta(days=6)
    return d, d


@rule("ago", role="other")
def _ago(p: Phrase, text: str, ctx: Context, published: date | None, lex: dict) -> DateMention:
    """5年前, 三天后: the year, month, week or day that many units from the publication date."""
    g = groups(p.other[1], "ago")
    unit, n = lex["units"][g("u")], number(g("n"))
    if published is None:
        return _mention(p, text, "relative", gran=GRAN_OF_UNIT[unit])
    point = shift(published, (-1 if "前" in g("dir") else 1) * n, unit)
    start, end = unit_around(point, unit) if n == int(n) else (point, point)
    return _mention(p, text, "relative", start, end, GRAN_OF_UNIT[unit], anchor=_pub(published))


def calendar_window(published: date, n: int, unit: str, direction: str) -> tuple[date, date]:
    """Return the n whole units (Y, Q, M, W, D) before the publication's unit, or after it."""
    if unit == "Q":
        first = date(published.year, 3 * ((published.month - 1) // 3) + 1, 1)
        lo, hi, step = first, add_months(first, 3) - timedelta(days=1), "M"
        n, unit = n * 3, "M"
    else:
        lo, hi = unit_around(published, unit)
        step = unit
    if direction == "past":
        return shift(lo, -n, step), lo - timedelta(days=1)
    return hi + timedelta(days=1), shift(hi + timedelta(days=1), n, step) - timedelta(days=1)


@rule("window_calendar", role="other")
def _window_calendar(p: Phrase, text: str, ctx: Context, published: date | None, lex: dict) -> DateMention:
    """上三天, 下两周, 前三年: whole days, weeks, months or years before or after the publication's."""
    g = groups(p.other[1], "window_calendar")
    n, unit = integer(g("n")), lex["units"][g("u")]
    iso = f"P{n * 3}M" if unit == "Q" else f"P{n}{unit}"
    if published is None:
        return _mention(p, text, "relative", gran=GRAN_OF_UNIT[unit], duration=iso)
    start, end = calendar_window(published, n, unit, lex["window_dir"][g("dir")])
    return _mention(p, text, "relative", start, end, GRAN_OF_UNIT[unit], iso, _pub(published))


@rule("same_period", role="other")
def _same_period(p: Phrase, text: str, ctx: Context, published: date | None, lex: dict) -> DateMention:
    """去年同期, 上年同期: the period the paragraph last named (今年上半年), that many years earlier; unresolved
    where none was named. The context stays on the period named."""
    k = lex["same_period"][groups(p.other[1], "same_period")("w")]
    if ctx.span is None or ctx.text is None:
        return _mention(p, text, "relative")
    first, last = ctx.span
    start = shift(first, k, "Y")
    end = month_end(last.year + k, last.month) if last == month_end(last.year, last.month) else shift(last, k, "Y")
    return _mention(p, text, "relative", start, end, ctx.span_gran, anchor=ctx.text)


@rule("anaphora", role="other")
def _anaphora(p: Phrase, text: str, ctx: Context, published: date | None, lex: dict) -> DateMention:
    """当天, 次日, 当月, 次年: against the date before it in the paragraph (and it becomes that date)."""
    unit, k = lex["anaphora"][groups(p.other[1], "anaphora")("w")]
    start = None
    if unit == "D" and ctx.d is not None:
        start = end = date(ctx.y, ctx.m, ctx.d) + timedelta(days=k)
    elif unit == "M" and ctx.m is not None:
        start = add_months(date(ctx.y, ctx.m, 1), k)
        end = month_end(start.year, start.month)
    elif unit == "Y" and ctx.y is not None:
        start, end = date(ctx.y + k, 1, 1), date(ctx.y + k, 12, 31)
    if start is None:
        return _mention(p, text, "relative", gran=GRAN_OF_UNIT[unit])
    anchor = ctx.text
    ctx.y, ctx.m, ctx.text = start.year, (start.month if unit != "Y" else None), text[p.start:p.end]
    ctx.d = start.day if unit == "D" else None
    return _mention(p, text, "relative", start, end, GRAN_OF_UNIT[unit], anchor=anchor)
