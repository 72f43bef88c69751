"""Dates, periods, durations and relative time expressions in Simplified Chinese text.

Two steps: one master regex, composed from `data/dates/grammar.yaml`, finds candidate spans; a lexer over the
same components splits each span into tokens, each the pattern of one rule of `rules.py` (name, pattern,
production), which are folded into frames (year, month, day, quarter, ...; `frame.py`) and resolved to an
inclusive date range (`resolve.py`, `mentions.py`). Conventions and figures: docs/DATES.md.

How mentions are read (the word lists and ranges live in `data/dates/lexicon.yaml`):
- A year-less month or day takes its year (and month) from the nearest resolved date before it in the
  same paragraph (an open period such as 2017年以来 or a bare 去年 sets no year for what follows), else
  from the publication date: this year's month, this month's day, as news writes
  them, except across a year boundary (12月 in a February article is last December) and for a day the
  month lacks (29日 in February is January's). `anchor` names the date used ('published:YYYY-MM-DD').
- After a span of whole years (2007年到2013年的春节假期) a year-less date names no one year: it stays
  unresolved until the next date sets the context again.
- A text that writes common-era years below 1000 (公元96年, 西元79年) is historical: its bare 97年 / 于166年
  are years of the era unless a count cue stands before them (历时, 了, 长达).
- 去年同期 / 上年同期: the period the paragraph last named (今年上半年, 1至6月, 2024年前三季度), that many years
  earlier, at its granularity; unresolved where no period was named before it.
- Digits naming a festival's month and day (422地球日, 38妇女节) belong to its mention.
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

import re
from datetime import date, datetime

from extract.extractors.dates.frame import Context
from extract.extractors.dates.grammar import candidate_matches, grammar as _grammar
from extract.extractors.dates.mentions import merged_open_ends, phrase_mentions, with_day_codes
from extract.extractors.dates.phrases import phrases
from extract.extractors.dates.published import infer_published
from extract.extractors.dates.records import DateMention

__all__ = ["DateMention", "find_dates", "infer_published", "region_of"]

# the region whose festivals and fiscal years a text follows, by its script variant (normalize.detect_variant)
_REGION_OF_VARIANT = {"zh-Hant-TW": "TW", "zh-Hant-HK": "HK", "zh-Hans": "CN"}


def region_of(variant: str | None, outlet: str | None = None) -> str | None:
    """Return the region (CN, TW, HK, MO) of a text from its script variant, or None where it says none."""
    if outlet and any(mark in outlet.lower() for mark in ("macau", "macao", "澳门", "澳門")):
        return "MO"
    return _REGION_OF_VARIANT.get(variant or "")

# full-width digits and marks map one-to-one onto ASCII, so offsets are unchanged
_FULLWIDTH = dict(zip("０１２３４５６７８９Ｑｑ／－．～：", "0123456789Qq/-.~:"))
_FULLWIDTH_CHAR = re.compile("[０-９Ｑｑ／－．～：]")


def find_dates(text: str, *, published: date | None = None, region: str | None = None) -> list[DateMention]:
    """Return the date, period, duration and relative mentions of a Simplified Chinese text, by start.

    `published` anchors relative mentions (今年, 上月, 近日) and, where no date precedes them in the
    paragraph, year-less ones (12月, 9日); without it they stay unresolved (their dates are None).
    `region` (CN, TW, HK, MO; `region_of(variant, outlet)`) picks the regional festivals and fiscal years;
    a text dating itself in ROC years (民国) is read as TW, anything else as CN.
    """
    if isinstance(published, datetime):   # a timestamp: its calendar day (date and datetime do not compare)
        published = published.date()
    g = _grammar()
    norm = _FULLWIDTH_CHAR.sub(lambda m: _FULLWIDTH[m.group()], text)
    # Taiwan writes ROC years (113年); other texts that date themselves in them say so (民国, 发稿: 114年3月)
    roc = region == "TW" or (g.roc_hint.search(norm) is not None and g.roc_marker.search(norm) is not None)
    region = region or ("TW" if roc else None)
    out: list[DateMention] = []
    common_era = g.common_era.search(norm) is not None
    ctx = Context(region=region, common_era=common_era)
    last_end = 0
    for m in candidate_matches(g, norm):
        if norm.find("\n", last_end, m.start()) >= 0:  # a new paragraph: earlier dates no longer anchor
            ctx = Context(region=region, common_era=common_era)
        last_end = m.end()
        for p in phrases(norm, m.start(), m.end()):
            try:
                founds = phrase_mentions(p, norm, ctx, published, g.lex, roc)
            except (ValueError, OverflowError):  # outside the calendar (0世纪, a shift past 9999): no date
                continue
            for found in founds:
                span = text[found.start:found.end]
                # the mention was read on the folded text: it keeps the text's own characters (most have none
                # folded, and are kept as they are: a frozen record built again would be equal)
                out.append(found if span == found.text else DateMention(
                    found.start, found.end, span, found.kind, found.start_date, found.end_date, found.granularity,
                    found.duration, found.anchor))
    return with_day_codes(merged_open_ends(out, text), text)
