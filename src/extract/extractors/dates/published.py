"""The publication date a date line of the article states."""
from __future__ import annotations

import re
from datetime import date
from functools import cache

from extract.resources import compile_pattern
from extract.extractors.dates.grammar import grammar as _grammar


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
        from extract.extractors.dates import find_dates

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
    return compile_pattern(_grammar().lex["published"]["tail_pattern"], "dates/lexicon.yaml",
                           "published.tail_pattern")
