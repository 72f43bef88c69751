"""Recognise the layout of a scraped article: title, byline, headings, body, captions, references, boilerplate.

Works line by line on the Simplified text with patterns from data/structure/sections.yaml. The span of the
reference list is found by extract.extractors.references and passed in, so this module holds no reference grammar.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from extract.resources import load
from extract.text.segment import sentence_spans, strip_span

# Sections whose lines are split into sentences; the others are one row per line (a heading, a caption such
# as an image placeholder `![]()`, or a reference
# entry may hold a question mark without ending there).
_SPLIT_SECTIONS = frozenset({"body", "boilerplate"})


@dataclass(frozen=True, slots=True)
class Line:
    """A non-empty line of the text (stripped of surrounding whitespace) and the section it belongs to."""

    start: int
    end: int
    section: str


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence span, the section it belongs to, and the index of the line (paragraph) holding it."""

    start: int
    end: int
    section: str
    line_idx: int


@cache
def _rules() -> dict:
    raw = load("structure/sections.yaml")
    compiled = {key: [re.compile(p) for p in raw[key]]
                for key in ("image", "caption", "byline", "byline_anywhere", "boilerplate", "footer")}
    heading = raw["heading"]
    compiled["heading"] = {
        "max_chars": int(heading["max_chars"]),
        "forbidden": re.compile(heading["forbidden"]),
        "bad_endings": re.compile(heading["bad_endings"]),
        "bad_starts": re.compile(heading["bad_starts"]),
        "numbered": re.compile(heading["numbered"]),
    }
    compiled["author"] = [re.compile(p) for p in raw["author"]]
    compiled["caption_after_image_max_chars"] = int(raw["caption_after_image_max_chars"])
    compiled["byline_within_first_lines"] = int(raw["byline_within_first_lines"])
    return compiled


def _stripped_lines(text: str) -> list[tuple[int, int]]:
    spans = []
    pos = 0
    for raw in text.split("\n"):
        a, b = strip_span(text, pos, pos + len(raw))
        pos += len(raw) + 1
        if a < b:
            spans.append((a, b))
    return spans


def _any(patterns: list[re.Pattern[str]], line: str) -> bool:
    return any(p.search(line) for p in patterns)


def lines(text: str, *, title_lines: int = 0, reference_span: tuple[int, int] | None = None) -> list[Line]:
    """Return the non-empty lines of `text` with their sections.

    `title_lines` leading lines are the title (known from metadata); `reference_span` is the reference list.
    """
    rules = _rules()
    heading = rules["heading"]
    spans = _stripped_lines(text)
    out: list[Line] = []
    previous_image = False
    footer_started = False
    previous_section, previous_ends = None, True
    for idx, (a, b) in enumerate(spans):
        line = text[a:b]
        if idx < title_lines:
            section = "title"
        elif reference_span and reference_span[0] <= a < reference_span[1]:
            section = "references"
        elif footer_started or _any(rules["boilerplate"], line):
            section = "boilerplate"
        elif idx >= len(spans) // 2 and _any(rules["footer"], line):
            section = "boilerplate"
            footer_started = True
        elif _any(rules["image"], line) or _any(rules["caption"], line):
            section = "caption"
        elif previous_image and b - a <= rules["caption_after_image_max_chars"] and not _ends_sentence(line):
            section = "caption"
        elif (idx < title_lines + rules["byline_within_first_lines"] and _any(rules["byline"], line)) \
                or _any(rules["byline_anywhere"], line):
            section = "byline"
        elif (previous_ends or previous_section != "body") and _is_heading(line, heading, idx + 1 < len(spans)):
            section = "heading"
        else:
            section = "body"
        previous_image = _any(rules["image"], line)
        previous_section, previous_ends = section, _ends_sentence(line)
        out.append(Line(a, b, section))
    return out


def _ends_sentence(line: str) -> bool:
    line = line.rstrip("”’」』）)*")
    return not line or line[-1] in "。！!？?…；;"


def _is_heading(line: str, rules: dict, has_next: bool) -> bool:
    if not has_next or len(line) > rules["max_chars"]:
        return False
    if rules["numbered"].search(line):
        return True
    if rules["forbidden"].search(line) or rules["bad_endings"].search(line) or rules["bad_starts"].search(line):
        return False
    return sum(1 for ch in line if ch.isalnum()) >= 2


def sentences(text: str, line_spans: list[Line]) -> list[Sentence]:
    """Return the sentences of `text`: body and boilerplate lines split, other lines whole."""
    out = []
    for idx, line in enumerate(line_spans):
        if line.section in _SPLIT_SECTIONS:
            for a, b in sentence_spans(text[line.start:line.end]):
                out.append(Sentence(line.start + a, line.start + b, line.section, idx))
        else:
            out.append(Sentence(line.start, line.end, line.section, idx))
    return out


def byline_author(text: str, line: Line) -> tuple[int, int] | None:
    """Return the span of the author's name in a byline line (the `name` group of a data/structure pattern)."""
    for pattern in _rules()["author"]:
        m = pattern.search(text, line.start, line.end)
        if m and m.group("name"):
            return m.start("name"), m.end("name")
    return None
