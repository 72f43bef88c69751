"""Calendar arithmetic and numbers for the dates extractor (numbers are read by extractors.numerals)."""
from __future__ import annotations

import calendar
from datetime import date, timedelta

from extract.extractors.numerals import parse_count

GRAN_OF_UNIT = {"Y": "year", "M": "month", "Q": "quarter", "W": "week", "D": "day"}


def number(s: str) -> float:
    """Return the value of a count or year numeral (三十五, 两百, 二〇二五, 半); ValueError if it is none."""
    value = parse_count(s.strip())
    if value is None:
        raise ValueError(f"not a numeral: {s!r}")
    return value


def integer(s: str) -> int:
    return int(number(s))


def fmt(v: float) -> str:
    """Return a number as ISO 8601 durations write it (3, 1.5)."""
    return str(int(v)) if v == int(v) else f"{v:g}"


def month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def shift(d: date, n: float, unit: str) -> date:
    """Return `d` moved by n units (Y, M, Q, W, D); fractional months and years move by days."""
    if unit == "Y":
        return add_months(d, int(n * 12)) if n * 12 == int(n * 12) else d + timedelta(days=round(n * 365))
    if unit == "M":
        return add_months(d, int(n)) if n == int(n) else d + timedelta(days=round(n * 30))
    if unit == "Q":
        return add_months(d, int(n * 3))
    if unit == "W":
        return d + timedelta(weeks=n)
    return d + timedelta(days=n)


def monday_of(d: date) -> date:
    return d - timedelta(days=d.weekday())


def period_part(lo: date, hi: date, part: str | None) -> tuple[date, date]:
    """Return the first or last month of a quarter or half (三季度末 is September), or the whole."""
    if part == "first":
        return lo, month_end(lo.year, lo.month)
    if part == "last":
        return date(hi.year, hi.month, 1), hi
    return lo, hi
