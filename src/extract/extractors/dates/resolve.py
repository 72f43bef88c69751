"""Resolving a frame to an inclusive date range, against the context and the publication date.

A frame with a relative or week-based field (上周三, 昨天, 上季度, 80年代) is resolved by its own rule in
`SPECIAL` (the first that applies); any other frame gets its year and month (stated, from the date before it
in the paragraph, or from the publication date) and then the range of its finest field (`RANGES`).
"""
from __future__ import annotations

import calendar
from datetime import date, timedelta
from operator import attrgetter

from extract.extractors.dates.calendar_math import add_months, monday_of, month_end, period_part
from extract.extractors.dates.frame import Context, Frame, Resolved
from extract.extractors.dates.holidays import lunar_range, nearest_year


def _pub(published: date | None) -> str | None:
    return f"published:{published.isoformat()}" if published else None


def two_digit_year(v: int, published: date | None, lex: dict) -> int:
    pivot = (published.year + 10) if published else lex["two_digit_year_pivot"]
    return 2000 + v if 2000 + v <= pivot else 1900 + v


def roc_two_digit(f: Frame, lex: dict, region: str | None) -> bool:
    """95年 in a Taiwan text is ROC 95 (2006): two-digit ROC years from roc_two_digit_from on."""
    return region == "TW" and f.y_short_digits == 2 and lex["roc_two_digit_from"] <= f.y_short <= 99


def _stated_year(f: Frame, published: date | None, lex: dict, res: Resolved, region: str | None) -> int | None:
    y = f.y
    if y is None and f.y_short is not None:
        if f.y_short >= 1000:
            y = f.y_short
        elif f.y_short >= 100 or roc_two_digit(f, lex, region):
            y = f.y_short + 1911
        else:
            y = two_digit_year(f.y_short, published, lex)
    if f.y_rel is not None:
        if published is None:
            res.unresolved = True
        else:
            y = published.year + f.y_rel
    return y


# -- frames resolved by their own rule ---------------------------------------------------------------------
def _century(f: Frame, published, lex, res: Resolved, ctx: Context) -> None:
    first, part = f.century
    lo, hi = part if part else (0, 99)
    # 1世纪 is the years 1-99 (there is no year 0)
    res.start, res.end, res.gran = date(max(1, first + lo), 1, 1), date(first + hi, 12, 31), "century"


def _fiscal(f: Frame, published, lex, res: Resolved, ctx: Context) -> None:
    """2023/24年度 April-March; 2024财年 the calendar year (mentions.py applies a stated one); 本年度 the
    region's fiscal year holding the publication date (Hong Kong: April-March; elsewhere the calendar year)."""
    kind, value = f.fiscal
    res.gran = "year"
    if kind == "split":
        res.start, res.end = date(value, 4, 1), date(value + 1, 3, 31)
        return
    if kind == "company":
        res.start, res.end, res.y = date(value, 1, 1), date(value, 12, 31), value
        return
    if published is None:
        res.unresolved = True
        return
    first_month = lex["fiscal_start_month"].get(ctx.region or "CN", 1)
    year = published.year - (published.month < first_month) + value
    res.start = date(year, first_month, 1)
    res.end = add_months(res.start, 12) - timedelta(days=1)
    res.relative, res.anchor_text = True, _pub(published)


def _decade(f: Frame, published, lex, res: Resolved, ctx: Context) -> None:
    century, dec, part = f.decade
    if century is None:
        pivot = published.year if published else lex["two_digit_year_pivot"]
        first = 2000 + dec if 2000 + dec <= pivot else 1900 + dec
    else:
        first = century + dec
    lo, hi = part if part else (0, 9)
    res.start, res.end, res.gran = date(first + lo, 1, 1), date(first + hi, 12, 31), "decade"


def _relative(gran: str):
    """Wrap a resolver that needs the publication date: without one the frame stays unresolved."""
    def wrap(fn):
        def resolve(f: Frame, published, lex, res: Resolved, ctx: Context) -> None:
            res.gran = gran(f) if callable(gran) else gran
            if published is None:
                res.unresolved = True
                return
            fn(f, published, res)
            res.relative, res.anchor_text = True, _pub(published)
            if (res.start.year, res.start.month) == (res.end.year, res.end.month):
                res.y, res.m = res.start.year, res.start.month   # 昨天: later year-less dates are of its month
        return resolve
    return wrap


@_relative("day")
def _half_week(f: Frame, published: date, res: Resolved) -> None:
    monday = monday_of(published)
    res.start = monday + timedelta(days=f.half_week[0] - 1)
    res.end = monday + timedelta(days=f.half_week[1] - 1)


@_relative("half")
def _half_rel(f: Frame, published: date, res: Resolved) -> None:
    first = add_months(date(published.year, 1 if published.month <= 6 else 7, 1), 6 * f.half_rel)
    res.start, res.end = first, add_months(first, 6) - timedelta(days=1)


@_relative(lambda f: "day" if f.weekday is not None else "week")
def _week(f: Frame, published: date, res: Resolved) -> None:
    """上周, 周三, 本周末: weeks run Monday to Sunday."""
    monday = monday_of(published) + timedelta(weeks=f.week_rel)
    if f.bare_weekday and f.tense == "past" and monday + timedelta(days=f.weekday - 1) > published:
        monday -= timedelta(weeks=1)   # 在周日举行的决赛 reported on Monday: the Sunday just past
    if f.weekday is None:
        res.start, res.end = monday, monday + timedelta(days=6)
    elif f.weekday == 0:
        res.start, res.end = monday + timedelta(days=5), monday + timedelta(days=6)
    else:
        res.start = res.end = monday + timedelta(days=f.weekday - 1)


@_relative("day")
def _relday(f: Frame, published: date, res: Resolved) -> None:
    res.start = res.end = published + timedelta(days=f.d_rel)


@_relative(lambda f: "month" if f.ppart else "quarter")
def _quarter_rel(f: Frame, published: date, res: Resolved) -> None:
    first = add_months(date(published.year, 3 * ((published.month - 1) // 3) + 1, 1), 3 * f.q_rel)
    last = add_months(first, 2)
    res.start, res.end = period_part(first, month_end(last.year, last.month), f.ppart)


# (the field that calls for it, its resolver); the first whose field is set resolves the frame
SPECIAL: tuple = (("century", _century), ("fiscal", _fiscal), ("decade", _decade), ("half_week", _half_week), ("half_rel", _half_rel), ("week_rel", _week),
           ("d_rel", _relday), ("q_rel", _quarter_rel))


# -- the range of a frame once its year and month are known: the first range whose field is set -----------
_SPECIAL_FIELDS = attrgetter(*(name for name, _ in SPECIAL))


def _nth_week(f: Frame, y: int, m: int | None, region=None) -> tuple[date, date]:
    """第3周 of a month: from its first Monday; 第10周 of a year: the ISO week (ISO 8601 / GB/T 7408)."""
    if m is None:
        start = date.fromisocalendar(y, f.nth_week, 1)
        return start, start + timedelta(days=6)
    first = date(y, m, 1)
    start = first + timedelta(days=(7 - first.weekday()) % 7) + timedelta(weeks=f.nth_week - 1)
    return start, start + timedelta(days=6)


def _nth_weekday(f: Frame, y: int, m: int, region=None) -> tuple[date, date]:
    """The n-th given weekday of a month (5月第2个星期六)."""
    n, weekday = f.nth_weekday
    first = date(y, m, 1)
    day = first + timedelta(days=(weekday - first.isoweekday()) % 7 + 7 * (n - 1))
    if day.month != m:
        raise ValueError("no such weekday in the month")
    return day, day


def _last_weekday(f: Frame, y: int, m: int, region=None) -> tuple[date, date]:
    last = month_end(y, m)
    day = last - timedelta(days=(last.isoweekday() - f.last_weekday) % 7)
    return day, day


def _year_sub(f: Frame, y: int, m: int | None, region=None) -> tuple[date, date]:
    """The first or last n months, days or whole weeks (Monday to Sunday) of a year."""
    which, n, unit = f.sub
    if m is not None:                  # 本月头三天: of a month (days; weeks as 7 days)
        days = n * (7 if unit == "W" else 1)
        first, last = date(y, m, 1), month_end(y, m)
        return (first, first + timedelta(days=days - 1)) if which == "first" else \
            (last - timedelta(days=days - 1), last)
    jan1, dec31 = date(y, 1, 1), date(y, 12, 31)
    if unit == "M":
        return (jan1, month_end(y, n)) if which == "first" else (date(y, 13 - n, 1), dec31)
    if unit == "D":
        return (jan1, jan1 + timedelta(days=n - 1)) if which == "first" else (dec31 - timedelta(days=n - 1), dec31)
    if which == "first":               # from the year's first Monday
        start = jan1 + timedelta(days=(7 - jan1.weekday()) % 7)
        return start, start + timedelta(weeks=n) - timedelta(days=1)
    end = dec31 - timedelta(days=(dec31.weekday() + 1) % 7)   # to the year's last Sunday
    return end - timedelta(weeks=n) + timedelta(days=1), end


def _season(f: Frame, y: int, m: int | None, region=None) -> tuple[date, date]:
    m1, m2 = f.season
    return date(y, m1, 1), month_end(y + (m2 < m1), m2)


def _month(f: Frame, y: int, m: int, region=None) -> tuple[date, date]:
    if f.mpart is not None:
        lo, hi = f.mpart
        return date(y, m, lo), date(y, m, min(hi, calendar.monthrange(y, m)[1]))
    return date(y, m, 1), month_end(y, m)


def _first_n(f: Frame, y: int, m: int | None, region=None) -> tuple[date, date]:
    n, unit = f.first_n
    months = n * (3 if unit == "Q" else 1)
    if not 1 <= months <= 12:
        raise ValueError("more than a year")
    return date(y, 1, 1), month_end(y, months)


def _half(f: Frame, y: int, m: int | None, region=None) -> tuple[date, date]:
    lo, hi = (date(y, 1, 1), date(y, 6, 30)) if f.h == 1 else (date(y, 7, 1), date(y, 12, 31))
    return period_part(lo, hi, f.ppart)


# (when it applies, the range); `m` is the resolved month (stated, relative or from the context), `region`
# the one whose festivals count
RANGES = (
    (lambda f, m: f.lunar is not None, lambda f, y, m, region: lunar_range(f.lunar, y, region)),
    (lambda f, m: f.d is not None, lambda f, y, m, region=None: (date(y, m, f.d),) * 2),
    (lambda f, m: f.last_weekday is not None, _last_weekday),
    (lambda f, m: f.nth_weekday is not None, _nth_weekday),
    (lambda f, m: f.nth_week is not None, _nth_week),
    (lambda f, m: f.sub is not None, _year_sub),
    (lambda f, m: f.season is not None, _season),
    (lambda f, m: m is not None, _month),
    (lambda f, m: f.ypart is not None, lambda f, y, m, region=None: (date(y, f.ypart[0], 1), month_end(y, f.ypart[1]))),
    (lambda f, m: f.first_n is not None, _first_n),
    (lambda f, m: f.q is not None,
     lambda f, y, m, region=None: period_part(date(y, 3 * f.q[0] - 2, 1), month_end(y, 3 * f.q[1]), f.ppart)),
    (lambda f, m: f.h is not None, _half),
)


def frame_range(f: Frame, y: int, m: int | None, region: str | None = None) -> tuple[date, date]:
    """Return the inclusive range a frame denotes once its year (and month) are known; ValueError if none."""
    for applies, range_of in RANGES:
        if applies(f, m):
            return range_of(f, y, m, region)
    return date(y, 1, 1), date(y, 12, 31)


# -- the general path --------------------------------------------------------------------------------------
def _month_of(f: Frame, y: int | None, published: date | None, res: Resolved) -> tuple[int | None, int | None]:
    """Return the year and month a frame states (a relative month sets both)."""
    m = f.m if (f.m is not None and f.m > 0) else None
    if f.m_rel is not None:
        if published is None:
            res.unresolved = True
        else:
            shifted = add_months(date(published.year, published.month, 1), f.m_rel)
            m = shifted.month
            if y is None:
                y = shifted.year
    return y, m


def _fill(f: Frame, y, m, ctx: Context, published, inherit: Resolved | None, res: Resolved):
    """Complete a partial date: from the range's left side, the date before it in the paragraph, or the
    publication date. Return (year, month, what the publication date fills: None, 'year' or 'month')."""
    need_month = f.d is not None or f.m == -1 or (m is None and (f.mpart is not None or f.last_weekday is not None
                                                                 or f.nth_weekday is not None))
    need_year = y is None and not res.unresolved
    if inherit is not None:
        if need_year and inherit.y is not None:
            y, need_year = inherit.y, False
        if need_month and m is None and inherit.m is not None:
            m = inherit.m
    if not (need_year or (need_month and m is None and not res.unresolved)):
        return y, m, None
    if ctx.y is not None and (not need_month or m is not None or ctx.m is not None):
        if need_year:
            y = ctx.y
        month_from_ctx = need_month and m is None
        if month_from_ctx:
            m = ctx.m
        elif need_year and m is not None and ctx.m == 12 and m <= 2 and f.y_offset is None:
            y = ctx.y + 1              # 去年12月出口回升，1月回落: the months go on into the next year
        # a year that the context itself took from the publication date is the publication year
        res.anchor_text = _pub(published) if (ctx.via_published and not month_from_ctx) else ctx.text
        res.partial = True
        return y, m, None
    if ctx.blocked and need_year:      # 2007年到2013年的春节假期: no one year, not the publication's either
        res.unresolved = True
        return y, m, None
    if published is not None:
        # news leaves out the current year and month (9日 is this month's 9th, 3月 this year's March)
        res.anchor_text, res.partial = _pub(published), True
        return y, m, ("month" if (need_month and m is None) else "year")
    res.unresolved = True
    return y, m, None


def _candidates(f: Frame, y, m, published: date | None, pub_fill: str | None,
                region: str | None = None) -> list[tuple[int, int | None]]:
    """Return the (year, month) readings to try in order."""
    if pub_fill is None:
        return [(y, m)]
    if f.lunar is not None:            # 中秋节, 腊月二十三: the occurrence nearest the publication date
        return [(year, None) for year in nearest_year(f.lunar, published, region)]
    if pub_fill == "month":            # 9日: this month's, or the last month's where this one lacks it (29日)
        last_month = add_months(date(published.year, published.month, 1), -1)
        return [(published.year, published.month), (last_month.year, last_month.month)]
    if m is not None:                  # 3月: this year's, unless 10 months or more away (12月 in February)
        if f.tense == "future" and m < published.month:
            return [(published.year + 1, m)]   # 将于3月举行 in a December article: next March
        shift = -1 if m - published.month >= 10 else 1 if published.month - m >= 10 else 0
        return [(published.year + shift, m)]
    if f.y_offset is not None:
        return [(published.year + f.y_offset, m)]
    if f.q is not None and f.q[0] == 4 and published.month <= 3:
        return [(published.year - 1, m)]   # 四季度 in a first-quarter article: the one just reported
    return [(published.year, m)]       # 上半年, 四季度, 年底: the publication year


def resolve_frame(f: Frame, ctx: Context, published: date | None, lex: dict,
                  inherit: Resolved | None = None) -> Resolved:
    """Resolve one frame to an inclusive date range."""
    res = Resolved(None, None, None, relative=f.relative_words)
    y = _stated_year(f, published, lex, res, ctx.region)
    for name, special in (SPECIAL if _SPECIAL_FIELDS(f).count(None) < len(SPECIAL) else ()):
        if getattr(f, name) is not None:
            try:
                special(f, published, lex, res, ctx)
            except (ValueError, OverflowError):   # a year out of the calendar's range
                res.start = res.end = None
                res.unresolved = True
            return res
    y, m = _month_of(f, y, published, res)
    y, m, pub_fill = _fill(f, y, m, ctx, published, inherit, res)
    if f.y_offset and y is not None and pub_fill is None:
        y += f.y_offset                # 12月至次年2月, 次年2月
    if f.relative_words and not res.unresolved:
        res.anchor_text = _pub(published)
    res.gran = f.granularity()
    if res.unresolved or f.invalid or (y is None and pub_fill is None):
        res.unresolved, res.y, res.m = True, None, None
        return res
    candidates = _candidates(f, y, m, published, pub_fill, ctx.region)
    if f.lunar is not None and res.partial and pub_fill is None and ctx.y is not None and f.y is None:
        # 今天是腊月二十三: the lunar year whose date lies nearest the context's date, not the context's year
        near = date(ctx.y, ctx.m or 7, ctx.d or 1)
        candidates = [(year, None) for year in nearest_year(f.lunar, near, ctx.region)]
    for cy, cm in candidates:
        try:
            res.start, res.end = frame_range(f, cy, cm, ctx.region)
        except (ValueError, KeyError):  # 2月30日, 2019年2月29日, 闰五月 of a year without one
            continue
        res.y, res.m = cy, cm
        return res
    res.start = res.end = res.y = res.m = None
    res.unresolved = True
    return res
