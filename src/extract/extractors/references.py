"""Find an article's own reference list and parse its entries into title, publisher, date and URL spans.

Two steps, like every extractor: `find_reference_section` finds the span of the list (heading included),
`parse_reference_list` splits it into entries and reads each entry's fields. Entries are read right to left
(URL, then date, then publisher; what is left is the title), because titles may hold any punctuation while
the trailing fields have recognisable shapes. The grammar lives in `data/references/*.yaml`.

How the formats split (tests/cases/references.jsonl has a case for each):
- `标题.媒体.2025-12-09`, `Title. Publisher. 2024-03-07. URL`: the last dot-separated field before the date
  is the publisher when it is short and has no sentence punctuation; the rest, dots and all, is the title.
- `媒体：标题`: only when 媒体 looks like an outlet (ends with 报/网/财经/…, or is a known one).
- `《标题》媒体`, `媒体，《标题》`: the title is inside 《》; a publisher glued to the marks must look like an outlet.
- `标题，媒体，2024-01-01`: before a date, the last comma field when it is outlet-shaped (某某晚报, a known outlet).
- `标题（媒体 发布于 2021-03-03）` and fields set apart by wide spaces: title first, then the publisher; bylines
  (作者：…, 文/…, 某某 文) are skipped.
- GB/T 7714 `[1] 作者. 题名[J]. 刊名, 2020, 12(3): 1-10.`: the title ends at the type code; the journal
  (or, for [M], the publisher after "place:") follows it. In `[EB/OL]. (2021-03-03)[2021-05-01]` the date in
  parentheses is the publication, the bracketed one (like "访问日期：…") the day it was read, never `published`. APA `作者. (2022). 题名. 刊名, 1` and Latin author lists
  (`… et al. Title. Journal 16 (2025)`) likewise.
- An entry that is only a URL has the URL as its title.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import cache

from extract.errors import DataFileError
from extract.resources import compile_pattern, load
from extract.text.chars import is_han

__all__ = ["Reference", "find_reference_section", "parse_reference_list", "reference_number"]


@dataclass(frozen=True, slots=True)
class Reference:
    """One entry of the article's reference list; all spans are half-open offsets into the text given."""

    ref_idx: int                # 1-based, in list order, whatever the printed marker
    marker: str                 # as printed ("①", "[3]", "?"), "" for an unmarked entry
    start: int                  # raw entry = text[start:end], marker included
    end: int
    title_start: int
    title_end: int
    publisher: str | None
    published: date | None      # only a day-precision date printed in the entry
    url: str | None
    number: int | None = None   # the number the marker stands for (inferred for a mangled marker)
    publisher_span: tuple[int, int] | None = None
    date_span: tuple[int, int] | None = None
    url_span: tuple[int, int] | None = None


# ---------------------------------------------------------------------------------------------- grammar

@dataclass(frozen=True, slots=True)
class _Grammar:
    headings: frozenset[str]
    heading_decoration: re.Pattern
    list_end: tuple[re.Pattern, ...]
    headless_styles: tuple[str, ...]
    headless_min_entries: int
    prose_min_chars: int
    entry_styles: tuple[tuple[str, re.Pattern], ...]
    inline: tuple[tuple[str, re.Pattern], ...]
    url: re.Pattern
    doi: re.Pattern
    date_day: re.Pattern
    date_month: re.Pattern
    date_lead: re.Pattern
    access_lead: re.Pattern
    dot: re.Pattern
    comma: re.Pattern
    gap: re.Pattern
    gbt_type: re.Pattern
    author_year: re.Pattern
    et_al: re.Pattern
    latin_author_list: re.Pattern
    byline: re.Pattern
    source_lead: re.Pattern
    publisher_suffixes: tuple[str, ...]
    publisher_suffix_exceptions: tuple[str, ...]
    publishers_known: frozenset[str]
    publisher_max_cjk: int
    publisher_max_words: int
    publisher_forbidden: re.Pattern


def _compile(source: str, pattern: str, pieces: dict[str, str] | None = None) -> re.Pattern:
    """Compile one pattern of a data file, substituting {piece} references; name the file on failure."""
    if pieces:
        for name, piece in pieces.items():
            pattern = pattern.replace("{" + name + "}", piece)
    return compile_pattern(pattern, f"references/{source}", repr(pattern))


@cache
def grammar() -> _Grammar:
    """Return the reference-list grammar compiled from data/references/*.yaml (loaded once)."""
    section = load("references/section.yaml")
    markers = load("references/markers.yaml")
    fields = load("references/fields.yaml")
    pubs = load("references/publishers.yaml")
    pieces = markers["pieces"]
    try:
        return _Grammar(
            headings=frozenset(h.lower() for h in section["headings"]),
            heading_decoration=_compile("section.yaml", section["heading_decoration"]),
            list_end=tuple(_compile("section.yaml", p) for p in section["list_end"]),
            headless_styles=tuple(section["headless_styles"]),
            headless_min_entries=int(section["headless_min_entries"]),
            prose_min_chars=int(section["prose_min_chars"]),
            entry_styles=tuple((name, _compile("markers.yaml", p, pieces))
                               for name, p in markers["entry_styles"].items()),
            inline=tuple((name, _compile("markers.yaml", p, pieces)) for name, p in markers["inline"].items()),
            url=_compile("fields.yaml", fields["url"]),
            doi=_compile("fields.yaml", fields["doi"]),
            date_day=_compile("fields.yaml", fields["dates"]["day"]),
            date_month=_compile("fields.yaml", fields["dates"]["month"]),
            date_lead=_compile("fields.yaml", fields["date_lead"]),
            access_lead=_compile("fields.yaml", fields["access_lead"]),
            dot=_compile("fields.yaml", fields["separators"]["dot"]),
            comma=_compile("fields.yaml", fields["separators"]["comma"]),
            gap=_compile("fields.yaml", fields["separators"]["gap"]),
            gbt_type=_compile("fields.yaml", fields["gbt_type"]),
            author_year=_compile("fields.yaml", fields["author_year"]),
            et_al=_compile("fields.yaml", fields["et_al"]),
            latin_author_list=_compile("fields.yaml", fields["latin_author_list"]),
            byline=_compile("fields.yaml", fields["byline"]),
            source_lead=_compile("fields.yaml", fields["source_lead"]),
            publisher_suffixes=tuple(sorted(pubs["suffixes"], key=len, reverse=True)),
            publisher_suffix_exceptions=tuple(pubs["suffix_exceptions"]),
            publishers_known=frozenset(p.lower() for p in pubs["known"]),
            publisher_max_cjk=int(pubs["max_chinese_chars"]),
            publisher_max_words=int(pubs["max_latin_words"]),
            publisher_forbidden=_compile("publishers.yaml", pubs["forbidden"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DataFileError(f"data/references: a grammar file lacks or mistypes a key: {exc!r}") from exc


# ----------------------------------------------------------------------------------------------- lines

def _line_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return (start, end) of each line in text[start:end], newline excluded."""
    end = len(text) if end is None else end
    spans, pos = [], start
    while pos <= end:
        nl = text.find("\n", pos, end)
        if nl < 0:
            spans.append((pos, end))
            break
        spans.append((pos, nl))
        pos = nl + 1
    return spans


def _strip_span(text: str, start: int, end: int, chars: str | None = None) -> tuple[int, int]:
    """Return the span with `chars` (default: whitespace) removed from both ends."""
    while start < end and (text[start].isspace() if chars is None else text[start] in chars):
        start += 1
    while end > start and (text[end - 1].isspace() if chars is None else text[end - 1] in chars):
        end -= 1
    return start, end


def _is_heading(line: str) -> bool:
    """Say whether a line is a reference-list heading such as "[引用]", "参考资料：" or "## References"."""
    g = grammar()
    if not line.strip() or len(line) > 40:
        return False
    core = g.heading_decoration.sub("", line).strip().lower()
    return core in g.headings


def _ends_list(line: str) -> bool:
    """Say whether a line is a credit, notice or footer that ends a reference list."""
    return any(p.search(line) for p in grammar().list_end)


def _is_prose(line: str) -> bool:
    """Say whether a line is running text rather than an entry: no marker, no URL, and sentences in it (a "。"
    inside), or long and mostly Chinese. Such a line after a heading means the list (or a "延伸阅读" that was
    not one) has ended."""
    g = grammar()
    stripped = line.strip()
    if _marker_at(line) or g.url.search(stripped) or g.doi.search(stripped):
        return False
    if "。" in stripped[:-2]:
        return True
    n_cjk = sum(_is_cjk(ch) for ch in stripped)
    return len(stripped) > g.prose_min_chars and n_cjk > len(stripped) / 2


def _marker_at(line: str, styles: tuple[str, ...] | None = None) -> tuple[str, re.Match] | None:
    """Return the (style, match) of an entry marker at the start of a line, if there is one."""
    lead = len(line) - len(line.lstrip())
    for name, pattern in grammar().entry_styles:
        if styles is not None and name not in styles:
            continue
        m = pattern.match(line, lead)
        if m:
            return name, m
    return None


def _marker_number(m: re.Match) -> int | None:
    """Return the number an entry or inline marker stands for, or None for a mangled marker."""
    groups = m.groupdict()
    if groups.get("n"):
        return int(groups["n"])
    if groups.get("c"):
        value = unicodedata.numeric(groups["c"], None)
        return int(value) if value is not None else None
    return None


def reference_number(marker: str) -> int | None:
    """Return the number a printed marker stands for ("③" -> 3, "[12]" -> 12), None where it has none."""
    found = _marker_at(marker)
    return _marker_number(found[1]) if found else None


# --------------------------------------------------------------------------------------------- section

def find_reference_section(text: str) -> tuple[int, int] | None:
    """Return the span of the article's reference list, heading included, or None when it has none.

    The list is the last heading line followed by entries, up to the first credit or footer line; without a
    heading, a trailing run of entries with unambiguous markers ([1], ①, 注1) numbered from 1.
    """
    lines = _line_spans(text)
    for i in range(len(lines) - 1, -1, -1):
        s, e = lines[i]
        if not _is_heading(text[s:e]):
            continue
        last_end = _list_extent(text, lines, i + 1)
        if last_end is not None:
            return s, last_end
    return _headless_section(text, lines)


def _list_extent(text: str, lines: list[tuple[int, int]], first: int) -> int | None:
    """Return the end of the last entry line from line `first` on, stopping at a footer; None if no entry."""
    last_end = None
    for s, e in lines[first:]:
        line = text[s:e]
        if not line.strip():
            continue
        if (_ends_list(line) and not _marker_at(line)) or _is_heading(line) or _is_prose(line):
            break
        last_end = _strip_span(text, s, e)[1]
    return last_end


def _headless_section(text: str, lines: list[tuple[int, int]]) -> tuple[int, int] | None:
    """Return the span of a trailing run of marked entries numbered 1..n, or None."""
    g = grammar()
    i = len(lines) - 1
    while i >= 0 and (not text[slice(*lines[i])].strip() or _ends_list(text[slice(*lines[i])])):
        i -= 1
    run: list[tuple[int, int | None, str]] = []
    style = None
    while i >= 0:
        line = text[slice(*lines[i])]
        found = _marker_at(line, g.headless_styles + ("mangled",))
        if not found or (style and found[0] not in (style, "mangled")):
            break
        if found[0] != "mangled":
            style = found[0]
        run.append((i, _marker_number(found[1]), found[0]))
        i -= 1
    run.reverse()
    if style is None or len(run) < g.headless_min_entries:
        return None
    numbers = [n for _, n, _ in run]
    if numbers[0] != 1:
        return None
    # a mangled marker stands for the number after its predecessor; the rest must count up by one
    for k in range(1, len(numbers)):
        if numbers[k] is not None and numbers[k - 1] is not None and numbers[k] != numbers[k - 1] + 1:
            return None
    start = _strip_span(text, *lines[run[0][0]])[0]
    end = _strip_span(text, *lines[run[-1][0]])[1]
    return start, end


# ------------------------------------------------------------------------------------------------ list

def _is_link_line(line: str) -> bool:
    """Say whether a line holds nothing but one URL or DOI: such a line is an entry of its own, even under a
    marked entry (the way lists are printed and counted: `[1] 标题` then `https://…` are two entries)."""
    g = grammar()
    stripped = line.strip()
    m = g.url.fullmatch(stripped) or g.doi.fullmatch(stripped)
    return m is not None


def parse_reference_list(text: str, section: tuple[int, int] | None = None) -> list[Reference]:
    """Return the entries of the article's reference list, in list order ([] when it has none).

    `section` is the span from `find_reference_section`; it is looked up when not given. In a list whose
    entries carry markers, a line without one continues the entry above (a wrapped title), except a line that
    is only a URL or DOI, which is an entry of its own; in an unmarked list, each non-empty line is an entry.
    """
    if section is None:
        section = find_reference_section(text)
        if section is None:
            return []
    lines = [(s, e) for s, e in _line_spans(text, *section) if text[s:e].strip()]
    if lines and _is_heading(text[slice(*lines[0])]):
        lines = lines[1:]
    split_lines = []
    for k, (s, e) in enumerate(lines):
        parts, last_number = _split_run_on(text, s, e)
        following = _marker_at(text[slice(*lines[k + 1])], ("bracket", "circled")) if k + 1 < len(lines) else None
        # "[1] 某报告[2]的解读" followed by "[2] …" is one entry: split only where the numbering stays in order
        if len(parts) > 1 and following and _marker_number(following[1]) != last_number + 1:
            parts = [(s, e)]
        split_lines.extend(parts)
    lines = split_lines
    found = [_marker_at(text[s:e]) for s, e in lines]
    styles = Counter(f[0] for f in found if f and f[0] != "mangled")
    style = styles.most_common(1)[0][0] if styles else None
    marked = [f is not None and f[0] in (style, "mangled") for f in found] if style else [False] * len(lines)
    n_marked = sum(marked)
    if style and not (n_marked * 2 >= len(lines) or (n_marked >= 2 and n_marked * 3 >= len(lines))):
        marked = [False] * len(lines)   # a line or two that happen to start with "1." do not make a list

    groups: list[tuple[int, int, re.Match | None]] = []   # (first line, last line, marker match)
    for k, (s, e) in enumerate(lines):
        if marked[k] or not groups or not marked[groups[-1][0]] or _is_link_line(text[s:e]):
            groups.append((k, k, found[k][1] if marked[k] else None))
        else:
            first, _, m = groups[-1]
            groups[-1] = (first, k, m)

    refs: list[Reference] = []
    previous_number = 0
    for idx, (first, last, m) in enumerate(groups, 1):
        start, _ = _strip_span(text, *lines[first])
        _, end = _strip_span(text, *lines[last])
        if m is not None:
            marker_start, marker_end = lines[first][0] + m.start(), lines[first][0] + m.end()
            marker = text[marker_start:marker_end]
            number = _marker_number(m)
            if number is None:
                number = previous_number + 1
            body_start = marker_end
        else:
            marker, number, body_start = "", None, start
        previous_number = number if number is not None else previous_number
        refs.append(_parse_entry(text, idx, marker, number, start, body_start, end))
    return refs


def _split_run_on(text: str, s: int, e: int) -> tuple[list[tuple[int, int]], int | None]:
    """Return a line as its entries where several run on in it ("[1]https://…[2]https://…"), and the number
    of the last: a bracket or circled marker numbered one more than the entry before starts a new one."""
    first = _marker_at(text[s:e], ("bracket", "circled"))
    if first is None:
        return [(s, e)], None
    style, m = first
    number = _marker_number(m)
    if number is None:
        return [(s, e)], None
    cuts = [s]
    for name, pattern in grammar().entry_styles:
        if name != style:
            continue
        for nxt in pattern.finditer(text, s + m.end(), e):
            if _marker_number(nxt) == number + 1:
                cuts.append(nxt.start())
                number += 1
    cuts.append(e)
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if text[a:b].strip()], number


# ---------------------------------------------------------------------------------------------- fields

_TRIM_CHARS = " \t\n\r\u00a0\u3000.．,，;；:：|｜-—–·*"
# what may follow a date that ends its field: a separator, a wide space, a closing parenthesis
_FIELD_END = re.compile(r"\s*[）)]?\s*(?:[.．,，]|\s{2,}|[\u00a0\u3000])")


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    """Return the span without surrounding separators; a final '.' of an abbreviation ("U.S..") is kept."""
    s2, e2 = _strip_span(text, s, e, _TRIM_CHARS)
    if e2 < e and text[e2] == "." and e2 - s2 >= 2 and text[e2 - 1].isupper() and text[e2 - 2] == ".":
        e2 += 1
    return s2, e2


def _is_cjk(ch: str) -> bool:
    return is_han(ch)


def _plausible_publisher(name: str, *, strict: bool = False) -> bool:
    """Say whether a field can be a publisher: short, no sentence punctuation; `strict` wants an outlet shape."""
    g = grammar()
    name = name.strip(" *_\u00a0\u3000")
    if not name or g.publisher_forbidden.search(name) or g.byline.search(name):
        return False
    if name.lower() in g.publishers_known:
        return True
    if not any(ch.isalpha() for ch in name) or re.fullmatch(r"[\d\W_]+", name):
        return False
    n_cjk = sum(_is_cjk(ch) for ch in name)
    if n_cjk:
        if n_cjk > g.publisher_max_cjk or len(name) > g.publisher_max_cjk + 12:
            return False
    elif len(name.split()) > g.publisher_max_words:
        return False
    if strict:
        return name.endswith(g.publisher_suffixes) and not name.endswith(g.publisher_suffix_exceptions)
    return True


def _publisher_field(text: str, s: int, e: int, *, strict: bool = False) -> tuple[int, int] | None:
    """Return the trimmed span of a publisher field (a "来源：" lead removed), or None if implausible."""
    s, e = _trim(text, s, e)
    lead = grammar().source_lead.match(text, s, e)
    if lead:
        s = lead.end()
    s, e = _strip_span(text, s, e, _TRIM_CHARS + "_")
    if s < e and _plausible_publisher(text[s:e], strict=strict):
        return s, e
    return None


def _masked(text: str, s: int, e: int, spans: list[tuple[int, int]]) -> str:
    """Return text[s:e] with the given spans blanked out (so dates inside URLs are not read)."""
    chars = list(text[s:e])
    for a, b in spans:
        for k in range(max(a, s), min(b, e)):
            chars[k - s] = " "
    return "".join(chars)


def _find_urls(text: str, s: int, e: int) -> list[tuple[tuple[int, int], str]]:
    """Return (span, URL) of every URL and DOI in text[s:e], in text order; a DOI becomes a doi.org URL."""
    g = grammar()
    found = [((s + m.start(), s + m.end()), m.group()) for m in g.url.finditer(text[s:e])]
    for m in g.doi.finditer(text[s:e]):
        span = (s + m.start(), s + m.end())
        if not any(a <= span[0] < b for (a, b), _ in found):
            found.append((span, "https://doi.org/" + m.group("doi")))
    found.sort()
    return found


def _find_date(text: str, s: int, e: int, masked: str) -> tuple[date | None, tuple[int, int] | None]:
    """Return (day-precision date, printed span) of the entry's publication date, or (None, span|None).

    ISO-like dates (2025-12-09, 2025/12/09, 2025.12.09) count anywhere; a "2025年12月9日" only at the end of a
    field, because headlines also carry such dates.
    """
    g = grammar()
    best = None
    for pattern, has_day in ((g.date_day, True), (g.date_month, False)):
        for m in pattern.finditer(masked):
            a, b = s + m.start(), s + m.end()
            printed = text[a:b]
            tail = text[b:e]
            at_field_end = not tail.strip(_TRIM_CHARS + "）)") or bool(_FIELD_END.match(tail))
            if "年" in printed and not at_field_end:
                continue
            if not has_day and (text[b:b + 1].isdigit() or not at_field_end):
                continue
            if g.access_lead.search(text, s, a):
                continue                    # "[2021-05-01]", "访问日期：…": the day it was read
            best = (m, a, b, has_day)
        if best:
            break
    if best is None:
        return None, None
    m, a, b, has_day = best
    value = None
    if has_day:
        try:
            value = date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
        except ValueError:
            value = None
    lead = g.date_lead.search(text[s:a])
    if lead:
        a = s + lead.start()
    return value, (a, b)


def _parse_entry(text: str, idx: int, marker: str, number: int | None,
                 start: int, body_start: int, end: int) -> Reference:
    """Read one entry's fields right to left: URL, date, publisher; the rest is the title."""
    s, e = _strip_span(text, body_start, end)
    # "（标题  媒体 发布于 2021-03-03）": the whole entry in parentheses
    if s < e and text[s] in "（(" and text[e - 1] in "）)" and text.count(text[s], s, e) == 1:
        s, e = _strip_span(text, s + 1, e - 1)

    urls = _find_urls(text, s, e)
    url_span, url = urls[0] if urls else (None, None)
    masked = _masked(text, s, e, [span for span, _ in urls])
    published, date_span = _find_date(text, s, e, masked)

    # the title region ends at the first of URL / date that is not at the very start
    cut = e
    for span in (url_span, date_span):
        if span and span[0] > s:
            cut = min(cut, span[0])
    head_s, head_e = s, cut
    url_title = None
    if url_span and url_span[0] <= s:
        # an entry that starts with a URL: the URL stands as its title ("[1] https://… . 2019-07-08. https://…")
        # and the link is the last URL printed
        url_title = url_span
        url_span, url = urls[-1]
        head_s = url_title[1]
        head_e = e
        for span in ([url_span] if url_span != url_title else []) + ([date_span] if date_span else []):
            if span[0] >= head_s:
                head_e = min(head_e, span[0])
    tail_parts = []                               # text after the date ("文/某某", "本文源自：某某Finance")
    if date_span:
        tail_end = url_span[0] if url_span and url_span[0] > date_span[1] else e
        tail_parts.append((date_span[1], tail_end))
    head_s, head_e = _trim(text, head_s, head_e)
    title, publisher_span = _title_and_publisher(text, head_s, head_e, url_title, date_span, tail_parts)
    t_s, t_e = _trim(text, *title)
    if t_e - t_s >= 2 and text[t_s] == "《" and text[t_e - 1] == "》" and text.count("《", t_s, t_e) == 1:
        t_s, t_e = t_s + 1, t_e - 1
    publisher = text[publisher_span[0]:publisher_span[1]].strip("*_ ") if publisher_span else None
    return Reference(
        ref_idx=idx, marker=marker, start=start, end=end, title_start=t_s, title_end=t_e,
        publisher=publisher or None, published=published, url=url, number=number,
        publisher_span=publisher_span, date_span=date_span, url_span=url_span,
    )


def _title_and_publisher(text: str, head_s: int, head_e: int, url_title: tuple[int, int] | None,
                         date_span: tuple[int, int] | None, tail_parts: list[tuple[int, int]]):
    """Return the title span and the publisher span (or None) of an entry whose head is text[head_s:head_e].

    The head is what precedes the entry's URL and date; `tail_parts` follow the date and may name the publisher.
    """
    g = grammar()
    open_paren = re.search(r"[（(][^（()）]*$", text[head_s:head_e]) if date_span else None
    if open_paren and not text[head_s + open_paren.start() + 1:head_e].strip():
        # "题名[EB/OL]. (2021-03-03)": the parentheses hold only the date
        head_s, head_e = _trim(text, head_s, head_s + open_paren.start())
        open_paren = None
    if url_title:
        title, publisher_span = url_title, _publisher_field(text, head_s, head_e) if head_e > head_s else None
    elif open_paren and open_paren.start() > 0:
        # "标题（媒体 发布于 2021-03-03）": the parenthesis holding the date also holds the publisher
        paren_at = head_s + open_paren.start()
        title, publisher_span = (head_s, paren_at), _publisher_field(text, paren_at + 1, head_e)
    else:
        title, publisher_span = _split_title_publisher(text, head_s, head_e, dated=date_span is not None)
    if publisher_span is None:
        for a, b in tail_parts:
            for part in _split(g.gap, text, a, b):
                publisher_span = _publisher_field(text, *part)
                if publisher_span:
                    break
    return title, publisher_span


def _split(pattern: re.Pattern, text: str, s: int, e: int) -> list[tuple[int, int]]:
    """Return the non-empty trimmed parts of text[s:e] between matches of a separator pattern."""
    parts, pos = [], s
    for m in pattern.finditer(text, s, e):
        if m.start() > pos:
            parts.append((pos, m.start()))
        pos = m.end()
    if pos < e:
        parts.append((pos, e))
    return [p for p in (_trim(text, a, b) for a, b in parts) if p[1] > p[0]]


def _split_title_publisher(text: str, s: int, e: int, *, dated: bool = False
                           ) -> tuple[tuple[int, int], tuple[int, int] | None]:
    """Return (title span, publisher span | None) of the fields left once URL and date are removed.

    `dated` says a date followed these fields: then a wide-space field before it is a publisher even when it
    is not outlet-shaped ("标题  某乎 2023-08-18"); without a date, headlines also use wide spaces.
    """
    if s >= e:
        return (s, s), None
    for reader in (_read_gbt, _read_academic, _read_author_year, _read_dot):
        result = reader(text, s, e)
        if result is not None:
            return result
    result = _read_gap(text, s, e, strict=not dated)
    if result is not None:
        return result
    for reader in (_read_title_marks, _read_colon, _read_glued):
        result = reader(text, s, e)
        if result is not None:
            return result
    if dated:
        result = _read_comma(text, s, e)
        if result is not None:
            return result
    return (s, e), None


def _read_comma(text: str, s: int, e: int):
    """ "标题，媒体" before a date ("标题，某某晚报，2024-01-01"): the last comma field when it is outlet-shaped
    (headlines hold commas too, so only a 某某报 / 某某网 / known outlet counts)."""
    seps = list(grammar().comma.finditer(text, s, e))
    if not seps or seps[-1].start() <= s:
        return None
    publisher = _publisher_field(text, seps[-1].end(), e, strict=True)
    if publisher is None:
        return None
    return _trim(text, s, seps[-1].start()), publisher


def _read_gbt(text: str, s: int, e: int):
    """GB/T 7714: "作者. 题名[J]. 刊名, 2020, 12(3): 1-10." -> (题名, 刊名)."""
    g = grammar()
    m = g.gbt_type.search(text, s, e)
    if not m:
        return None
    dots = [d for d in g.dot.finditer(text, s, m.start())] or list(re.finditer(r"\.", text[s:m.start()]))
    t_s = s
    if dots:
        d = dots[0]
        t_s = d.end() if d.re is g.dot else s + d.end()
    rest_s, rest_e = _trim(text, m.end(), e)
    stop = re.search(r"[,，]", text[rest_s:rest_e])
    p_e = rest_s + stop.start() if stop else rest_e
    colon = re.search(r"[:：]", text[rest_s:p_e])
    p_s = rest_s + colon.end() if colon else rest_s
    publisher = _publisher_field(text, p_s, p_e)
    return (t_s, m.start()), publisher


def _read_academic(text: str, s: int, e: int):
    """Latin author lists: "Bai, W., Xu, J. et al. Title. Nat Commun 16, 474 (2025)" -> (Title, Nat Commun)."""
    g = grammar()
    m = g.et_al.search(text, s, e)
    if m and m.start() - s < 200:
        t_s = m.end()
    else:
        first = re.search(r"\.\s", text[s:e])
        if not first or not g.latin_author_list.match(text[s:s + first.start() + 1]):
            return None
        t_s = s + first.end()
    t_s, _ = _strip_span(text, t_s, e, _TRIM_CHARS)
    stop = re.search(r"[.?!]\s", text[t_s:e])
    if not stop:
        return (t_s, e), None
    t_e = t_s + stop.start() + (1 if text[t_s + stop.start()] in "?!" else 0)
    rest = t_s + stop.end()
    journal = re.match(r"[^,，\d(]*", text[rest:e])
    publisher = _publisher_field(text, rest, rest + journal.end()) if journal else None
    return (t_s, t_e), publisher


def _read_author_year(text: str, s: int, e: int):
    """ "作者. (2022). 题名. 刊名, 1" and "作者（2024），题名，媒体" -> (题名, 刊名/媒体)."""
    g = grammar()
    m = g.author_year.match(text[s:e])
    if not m:
        return None
    t_s = s + m.end()
    comma_style = text[t_s - 1] in "，,"
    sep = g.comma if comma_style else g.dot
    parts = _split(sep, text, t_s, e)
    if not parts:  # "Wang L (2024)": an author and a year, nothing after them
        return None
    if len(parts) == 1:
        return parts[0], None
    if comma_style:
        publisher = _publisher_field(text, *parts[-1])
        return (parts[0][0], parts[-2][1] if publisher else parts[-1][1]), publisher
    journal_e = re.search(r"[,，]|$", text[parts[1][0]:parts[1][1]]).start() + parts[1][0]
    return parts[0], _publisher_field(text, parts[1][0], journal_e)


def _read_gap(text: str, s: int, e: int, *, strict: bool):
    """Fields set apart by wide spaces: "标题  媒体  作者  文" -> (标题, 媒体)."""
    g = grammar()
    parts = _split(g.gap, text, s, e)
    if len(parts) < 2:
        return None
    for part in parts[1:]:
        publisher = _publisher_field(text, *part, strict=strict)
        if publisher:
            return parts[0], publisher
    return None


def _read_dot(text: str, s: int, e: int):
    """ "标题.媒体" and "Title. Publisher": the last dot-separated field when it is publisher-shaped."""
    g = grammar()
    seps = list(g.dot.finditer(text, s, e))
    if not seps:
        return None
    last = seps[-1]
    publisher = _publisher_field(text, last.end(), e)
    if publisher is None or last.start() <= s or re.fullmatch(r"\s*\d{1,3}\s*", text[s:last.start()]):
        return None   # "4. 郑州租房可全家落户": a numbered headline, not "title. publisher"
    return (s, last.start()), publisher


def _read_title_marks(text: str, s: int, e: int):
    """ "《标题》媒体", "媒体《标题》", "媒体，《标题》" -> (标题, 媒体)."""
    open_ = text.find("《", s, e)
    close = text.find("》", open_ + 1, e) if open_ >= 0 else -1
    if open_ < 0 or close < 0:
        return None
    title = (open_ + 1, close)
    after_s, after_e = _trim(text, close + 1, e)
    before_s, before_e = _trim(text, s, open_)
    if after_s >= after_e and before_s >= before_e:
        return title, None
    # a field set off by a separator may be any plausible name; one glued to the title marks must look like
    # an outlet ("《…》字母榜" is rare, "《华夏时报》记者去当地一探虚实" is a headline)
    if after_s < after_e and grammar().byline.search(text[after_s:after_e]) and before_s >= before_e:
        return title, None                        # "《标题》 作者：某人"
    if after_s < after_e:
        glued = after_s == close + 1
        after = _publisher_field(text, after_s, after_e, strict=glued)
        if after and before_s >= before_e:
            return title, after
    elif before_s < before_e:
        # "李楠，CHIMA：《…》": the publisher is the last field before the title
        piece = re.split(r"[，,：:]", text[before_s:before_e])[-1]
        offset = before_e - len(piece)
        glued = before_e == open_
        before = _publisher_field(text, offset, before_e, strict=glued)
        if before:
            return title, before
    return None


def _read_colon(text: str, s: int, e: int):
    """ "媒体：标题" when the left field is outlet-shaped (某某晚报：…); else None (某部门宣布：… is a headline)."""
    m = re.search(r"[：:]", text[s:e])
    if not m or m.start() == 0:
        return None
    publisher = _publisher_field(text, s, s + m.start(), strict=True)
    if publisher is None:
        return None
    return (s + m.end(), e), publisher


def _read_glued(text: str, s: int, e: int):
    """ "标题？某某智库": an outlet-shaped name glued after the title's final ？ or ！."""
    m = None
    for m in re.finditer(r"[？?！!]", text[s:e]):
        pass
    if m is None or s + m.end() >= e:
        return None
    publisher = _publisher_field(text, s + m.end(), e, strict=True)
    if publisher is None:
        return None
    return (s, s + m.end()), publisher
