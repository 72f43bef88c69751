"""Frames: what one date expression says, field by field, and the records resolution passes along.

Every field of a frame is declared once, in `Frame`, with what it means for the rest of the extractor:
- `level`: how fine it is (1 year, 2 part of a year, 3 month, 4 part of a month, 5 day, 6 weekday); a token
  extends a frame only coarse to fine (see `rules.py`), and a frame is empty while no levelled field is set;
- `gran`: the granularity a mention gets when this is the finest field set (a string, or a function of the
  field's value); fields are declared in the order granularity is decided;
- `period`: a frame holding this field alone denotes a stretch of time (kind 'period'), not one date.
Adding a field is one line here, the rule that sets it (rules.py) and, if it has its own range, one range
function (resolve.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter


def _f(level: int = 0, gran=None, period: bool = False, default=None):
    return field(default=default, metadata={"level": level, "gran": gran, "period": period})


_SUB_GRAN = {"W": "week", "D": "day", "M": "month"}


@dataclass(slots=True)
class Frame:
    start: int
    end: int
    # -- fields in the order granularity is decided: the first one set names it -----------------------
    d: int | None = _f(5, "day")
    last_weekday: int | None = _f(5, "day")                  # 最后一个周五 of a month: 1-7
    nth_weekday: tuple[int, int] | None = _f(5, "day")       # 第2个星期六 of a month: (n, weekday)
    nth_week: int | None = _f(5, "week", True)               # of a month (its Mondays), or ISO week of a year
    sub: tuple[str, int, str] | None = _f(2, lambda v: _SUB_GRAN[v[2]], True)   # ('first'|'last', n, W/M/D)
    season: tuple[int, int] | None = _f(2, "season", True)
    mpart: tuple[int, int] | None = _f(4, "day", True)
    lunar: tuple | None = _f(5, lambda v: "month" if v[0] == "month" else "day")   # holidays.lunar_range
    holiday_stretch: bool | None = _f(0, period=True)        # 春节假期: the official days off around it
    m: int | None = _f(3, "month")
    m_rel: int | None = _f(3, "month")
    ypart: tuple[int, int] | None = _f(2, lambda v: "year" if v == (1, 12) else "month", True)
    first_n: tuple[int, str] | None = _f(2, lambda v: "month" if v[1] == "M" else "quarter", True)
    ppart: str | None = _f(0, "month")                       # 'first' / 'last' month of a quarter or half
    q: tuple[int, int] | None = _f(2, "quarter", True)
    h: int | None = _f(2, "half", True)                      # 1 or 2
    fiscal: tuple | None = _f(1, "year", True)               # ('split', 2023) / ('company', 2024) / ('rel', -1)
    # -- fields resolved by their own rule in resolve.py ----------------------------------------------------
    weekday: int | None = _f(6)                              # 1-7, 0 = weekend
    d_rel: int | None = _f(5)                                # days from the publication date (昨天 -1)
    half_week: tuple[int, int] | None = _f(5, period=True)
    q_rel: int | None = _f(2, period=True)
    half_rel: int | None = _f(2, period=True)
    decade: tuple | None = _f(1, period=True)                # (century start, decade, part)
    century: tuple | None = _f(1, period=True)               # (first year, (lo, hi) years within | None)
    y: int | None = _f(1)
    y_rel: int | None = _f(1)                                # years from the publication year (今年 0)
    y_short: int | None = _f(1)                              # a 2- or 3-digit year still to be judged
    week_rel: int | None = _f(0)
    y_offset: int | None = _f(0)                             # 同年10月 0, 次年2月 1: years after the context's
    # -- flags -------------------------------------------------------------------------------------------
    y_short_digits: int = 0
    bare_weekday: bool = False      # 周日 with no 上/下/本: its week depends on the tense
    tense: str | None = None        # 'future' (将, 预计 before it) or 'past' (了, 举行的 in its clause)
    invalid: bool = False
    relative_words: bool = False

    def rank(self) -> int:
        """Return the finest level set so far (0 none)."""
        for level, fields_of, n in _LEVELS:
            if fields_of(self).count(None) < n:      # (a tuple's count runs in C: rank is called per token)
                return level
        return 0

    def empty(self) -> bool:
        """Return whether no levelled field (nor week_rel) is set: rank() == 0, in one look at the fields."""
        return _LEVELLED(self).count(None) == len(_LEVELLED_NAMES) and self.week_rel is None

    def granularity(self) -> str:
        """Return the granularity of the finest field set (year when only a year is)."""
        for name, gran in _GRAN:
            value = getattr(self, name)
            if value is not None:
                g = gran(value) if callable(gran) else gran
                if g != "year":
                    return g
        return "year"

    def is_period(self) -> bool:
        """Return whether the frame alone denotes a stretch of time (a quarter, a season, a week)."""
        if (self.week_rel is not None and self.weekday is None) or self.weekday == 0:
            return True
        return _PERIOD(self).count(None) < len(_PERIOD_NAMES)


_SPECS = [(f.name, f.metadata) for f in fields(Frame) if f.metadata]
_GRAN = tuple((n, md["gran"]) for n, md in _SPECS if md["gran"])
_PERIOD_NAMES = tuple(n for n, md in _SPECS if md["period"])


def _getter(names: list[str]):
    """Return a function giving a frame's values of `names` as a tuple (one name gives a 1-tuple too)."""
    get = attrgetter(*names)
    return get if len(names) > 1 else (lambda frame: (get(frame),))


_LEVELS = tuple((level, _getter(names), len(names)) for level, names in sorted(
    ((lv, [n for n, md in _SPECS if md["level"] == lv]) for lv in {md["level"] for _, md in _SPECS} if lv),
    reverse=True))
_PERIOD = _getter(list(_PERIOD_NAMES))
_LEVELLED_NAMES = tuple(n for n, md in _SPECS if md["level"])
_LEVELLED = _getter(list(_LEVELLED_NAMES))


@dataclass(slots=True)
class Phrase:
    """A frame, or a range of two frames, with its open-period prefix and suffix, or another kind of token."""

    start: int
    end: int
    left: Frame
    right: Frame | None = None
    prefix: str | None = None
    suffix: str | None = None
    other: tuple | None = None      # (rule name, match or pieces): a window, vague word, ago or duration


@dataclass(slots=True)
class Context:
    """The nearest resolved date before the current position in the paragraph."""

    y: int | None = None
    m: int | None = None
    d: int | None = None            # set when that date is a single day
    text: str | None = None
    via_published: bool = False     # it was itself a partial date completed from the publication date
    region: str | None = None       # CN, TW, HK, MO: whose festivals and fiscal years (find_dates(region=))
    common_era: bool = False        # the text writes 公元/西元 years below 1000: its bare 97年 are years too
    blocked: bool = False
    span: tuple | None = None       # the range of the mention that set this context (去年同期 shifts it)
    span_gran: str | None = None           # a span of years came last: year-less dates after it take no year


@dataclass(slots=True)
class Resolved:
    """A frame resolved to an inclusive range, and what it took from the context."""

    start: object | None
    end: object | None
    gran: str | None
    relative: bool = False
    partial: bool = False           # some field came from the context or the publication date
    y: int | None = None
    m: int | None = None
    anchor_text: str | None = None
    unresolved: bool = False
