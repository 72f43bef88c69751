"""The record the quantities extractor returns."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number or quantity mention; `start`/`end` are half-open offsets into the text searched."""

    start: int
    end: int
    text: str
    kind: str
    value: float | None
    low: float | None
    high: float | None
    unit: str | None
    approximate: bool
    hedge: str | None

