"""Lunar dates, festivals, solar terms and official holiday stretches, from maintained calendar packages.

- `lunar_python` (6tail's lunar-python) converts lunar dates (leap months included) and gives the 24 solar
  terms of a year; it is pure Python with no data download and covers 1900-2100.
- `holidays` (the Open World Holidays Framework) gives the official days off of CN, TW, HK and MO, make-up
  days included, so 春节假期 / 国庆黄金周 are the stretch the government announced, not a guess.
The festivals themselves (which calendar, which day, regional differences) are data: lexicon.yaml
`festivals`. See docs/DATES.md.
"""
from __future__ import annotations

import hashlib
import marshal
import math
from datetime import date, timedelta
from functools import cache, lru_cache
from pathlib import Path

from extract.cache import user_cache_dir, write_atomically
from extract.extractors.dates.calendar_math import month_end
from extract.extractors.dates.grammar import grammar

_DEFAULT_REGION = "CN"


def _festival(name: str, region: str | None) -> dict:
    spec = grammar().lex["festivals"][name]
    return {**spec, **spec.get("regions", {}).get(region or _DEFAULT_REGION, {})}


@lru_cache(maxsize=512)
def _lunar_year(year: int):
    """Return lunar-python's LunarYear, each computed once (the package itself keeps only the last one)."""
    from lunar_python import LunarYear

    return LunarYear.fromYear(year)


def _month(year: int, month: int, leap: bool):
    lm = _lunar_year(year).getMonth(-month if leap else month)
    if lm is None:
        raise ValueError(f"no lunar month {year}-{'闰' if leap else ''}{month}")
    return lm


@lru_cache(maxsize=4096)
def lunar_day(year: int, month: int, day: int, leap: bool = False) -> date:
    """Return the Gregorian date of a lunar date of lunar year `year`; ValueError if it does not exist."""
    def computed() -> int:
        lm = _month(year, month, leap)
        if not 1 <= day <= lm.getDayCount():
            raise ValueError(f"no lunar date {year}-{'闰' if leap else ''}{month}-{day}")
        return (_julian_to_date(lm.getFirstJulianDay()) + timedelta(days=day - 1)).toordinal()

    return date.fromordinal(_remembered(("lunar_day", year, month, day, leap), computed))


@lru_cache(maxsize=1024)
def lunar_month(year: int, month: int, leap: bool = False) -> tuple[date, date]:
    """Return the first and last Gregorian days of a lunar month (闰六月 with leap=True)."""
    def computed() -> tuple[int, int]:
        lm = _month(year, month, leap)
        first = _julian_to_date(lm.getFirstJulianDay())
        return first.toordinal(), (first + timedelta(days=lm.getDayCount() - 1)).toordinal()

    first, last = _remembered(("lunar_month", year, month, leap), computed)
    return date.fromordinal(first), date.fromordinal(last)


def _julian_to_date(jd: float) -> date:
    return date(1858, 11, 17) + timedelta(days=math.floor(jd - 2400000.5))   # JD days start at noon


@lru_cache(maxsize=256)
def solar_terms(year: int) -> dict[str, date]:
    """Return the 24 solar terms falling in Gregorian `year`, by name (立春: 2025-02-03)."""
    def computed() -> dict[str, int]:
        from lunar_python import Lunar

        out: dict[str, int] = {}
        for lunar_year in (year, year + 1):        # a lunar year's table runs from the previous December
            days = _lunar_year(lunar_year).getJieQiJulianDays()
            for name, jd in zip(Lunar.JIE_QI_IN_USE, days):
                day = _julian_to_date(jd)          # the term's instant (Beijing time) to its calendar day
                if day.year == year and not name.isascii():
                    out.setdefault(name, day.toordinal())
        return out

    return {name: date.fromordinal(day) for name, day in _remembered(("solar_terms", year), computed).items()}


@lru_cache(maxsize=4096)
def festival_day(name: str, year: int, region: str | None = None) -> date:
    """Return the day of festival `name` in year `year` (the lunar year for lunar festivals)."""
    spec = _festival(name, region)
    rule = spec["rule"]
    if rule == "gregorian":
        return date(year, spec["month"], spec["day"])
    if rule == "lunar":
        return lunar_day(year, spec["month"], spec["day"])
    if rule == "eve":                  # 除夕: the day before the lunar new year
        return lunar_day(year, 1, 1) - timedelta(days=1)
    if rule == "solar_term":
        return solar_terms(year)[spec["term"]]
    if rule == "nth_weekday":          # 母亲节: the 2nd Sunday of May
        first = date(year, spec["month"], 1)
        offset = (spec["weekday"] - first.isoweekday()) % 7
        return first + timedelta(days=offset + 7 * (spec["n"] - 1))
    raise ValueError(f"unknown festival rule {rule!r}")


@lru_cache(maxsize=64)
def _official(region: str, year: int):
    import holidays

    return holidays.country_holidays(region, years=[year - 1, year, year + 1])


def holiday_stretch(day: date, region: str | None = None) -> tuple[date, date] | None:
    """Return the official days off around a festival day (春节假期, 国庆黄金周), weekends joined and make-up
    working days (调休) excluded, or None where the day is no official holiday."""
    def computed() -> tuple[int, int] | None:
        cal = _official(region or _DEFAULT_REGION, day.year)
        if day not in cal:
            return None
        start = end = day
        while not cal.is_working_day(start - timedelta(days=1)):
            start -= timedelta(days=1)
        while not cal.is_working_day(end + timedelta(days=1)):
            end += timedelta(days=1)
        return start.toordinal(), end.toordinal()

    found = _remembered(("holiday_stretch", region or _DEFAULT_REGION, day.toordinal()), computed)
    return None if found is None else (date.fromordinal(found[0]), date.fromordinal(found[1]))


# -- results kept across processes ------------------------------------------------------------------------
# lunar-python works out a lunar year's table in Python and `holidays` a region's official days for three years
# (some 40 ms each): the first few hundred articles of every process spent a tenth of a second on them. Their
# results, as day numbers, are kept in the user cache folder, keyed by both packages' versions and this module.
_ERROR = "ValueError"


@cache
def _kept() -> dict:
    try:
        kept = marshal.loads(_kept_file().read_bytes())
        return kept if isinstance(kept, dict) else {}
    except (OSError, EOFError, ValueError, TypeError):   # absent or damaged: worked out again
        return {}


@cache
def _kept_file() -> Path:
    from importlib.metadata import version

    key = hashlib.blake2b(repr((version("holidays"), version("lunar_python"), Path(__file__).read_bytes()
                                )).encode(), digest_size=16).hexdigest()
    return user_cache_dir() / "dates" / f"calendar.{key}.marshal"


def _remembered(key: tuple, computed):
    """Return computed()'s value (day numbers, tuples or dicts of them, None) for `key`, kept across processes;
    a ValueError (a date that does not exist) is kept too and raised again."""
    kept = _kept()
    if key not in kept:
        try:
            kept[key] = computed()
        except ValueError as exc:
            kept[key] = (_ERROR, str(exc))
        write_atomically(_kept_file(), marshal.dumps(kept))
    value = kept[key]
    if isinstance(value, tuple) and value and value[0] == _ERROR:
        raise ValueError(value[1])
    return value


def lunar_range(spec: tuple, year: int, region: str | None) -> tuple[date, date]:
    """Return the range of a frame's lunar field: ('festival', name, stretch), ('date', m, d, leap) or
    ('month', m, leap); ValueError where there is none."""
    if spec[0] == "date":
        day = lunar_day(year, spec[1], spec[2], spec[3])
        return day, day
    if spec[0] == "month":
        return lunar_month(year, spec[1], spec[2])
    day = festival_day(spec[1], year, region)
    if spec[2]:
        stretch = holiday_stretch(day, region)
        if stretch is None:
            raise ValueError(f"no official holiday around {spec[1]} {year}")
        return stretch
    return day, day


def nearest_year(spec: tuple, published: date, region: str | None) -> list[int]:
    """Return the years to read a year-less lunar date or festival in, nearest occurrence first."""
    def distance(y: int) -> int:
        try:
            lo, hi = lunar_range(spec, y, region)
        except (ValueError, KeyError):
            return 10 ** 6
        return 0 if lo <= published <= hi else min(abs((lo - published).days), abs((hi - published).days))
    return sorted((published.year - 1, published.year, published.year + 1), key=distance)


__all__ = ["festival_day", "holiday_stretch", "lunar_day", "lunar_month", "lunar_range", "month_end",
           "nearest_year", "solar_terms"]
