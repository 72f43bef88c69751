"""The record the dates extractor returns."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date, period, duration or relative time expression, with the inclusive range it denotes."""

    start: int
    end: int
    text: str
    kind: str                  # date / period / duration / relative
    start_date: date | None
    end_date: date | None
    granularity: str | None    # day / week / month / quarter / half / year / decade / century
    duration: str | None       # ISO 8601, e.g. P10Y, PT72H, a range as P3M/P6M
    anchor: str | None         # text of the date a partial mention was resolved from, or 'published:YYYY-MM-DD'
