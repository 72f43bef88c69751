"""Values formatted for a person to read: plain digits (never 2.5e+01), ranges, units, open date sides."""
from __future__ import annotations

import math
import sys
from datetime import date

_HEDGE_WORDS = {"over": "over", "under": "under", "about": "about"}


def is_missing(value) -> bool:
    """Return True for None, NaN, NaT and pandas' NA."""
    if value is None:
        return True
    pd = sys.modules.get("pandas")  # pandas' NA and NaT exist only where pandas was imported: a run summary has none
    if pd is not None and (value is pd.NA or value is pd.NaT):
        return True
    return isinstance(value, float) and math.isnan(value)


def number_text(value) -> str:
    """Return a number with thousands separators and at most four decimals, or '' when missing."""
    if is_missing(value):
        return ""
    x = float(value)
    if x.is_integer() and abs(x) < 1e18:
        return f"{int(x):,}"
    text = f"{x:,.4f}".rstrip("0").rstrip(".")
    return text if text not in ("0", "-0") else f"{x:.3g}"


def quantity_text(value, low, high, unit, hedge=None) -> str:
    """Return a quantity as read: '25 %', '500,000 台', '1.9–2.5 倍', 'over 80 %'."""
    if not is_missing(value):
        amount = number_text(value)
    elif not is_missing(low) or not is_missing(high):
        amount = f"{number_text(low) or '…'}–{number_text(high) or '…'}"
    else:
        amount = "?"
    text = amount if is_missing(unit) or not unit else f"{amount} {unit}"
    if not is_missing(hedge) and hedge in _HEDGE_WORDS:
        text = f"{_HEDGE_WORDS[hedge]} {text}"
    return text


def date_text(value) -> str:
    """Return a date as YYYY-MM-DD, or '' when missing."""
    if is_missing(value):
        return ""
    if isinstance(value, date):  # pandas' Timestamp is a datetime, so a date
        return value.strftime("%Y-%m-%d")
    return str(value)


def date_range_text(start, end) -> str:
    """Return an inclusive date range: one date when both sides agree, '…' for an open side."""
    a, b = date_text(start), date_text(end)
    if not a and not b:
        return ""
    if a == b:
        return a
    return f"{a or '…'} – {b or '…'}"
