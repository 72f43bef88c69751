"""Conformance of extract.extractors.dates against Microsoft Recognizers-Text's Chinese DateTime specifications.

Reads the suite from ../shared/conformance/recognizers-text/DateTime (never copied into the project),
runs `find_dates` on each in-scope case with the case's ReferenceDateTime as the publication date and
says, per case, `pass`, `convention` (passes once a documented convention difference is mapped) or
`fail`. `python benchmarks/conformance_dates.py` prints the table per file.

How their expectations become ours (explicit, case by case):
- Spans: DateTimeModel gives Start and an inclusive End; the extractor files give Start and Length. The
  parser files' Start/Length are unreliable upstream (e.g. `29日` with Length 3), so there the span is
  the first occurrence of the expected Text in the input.
- Types: ours is `duration` for kind duration; `date` for a single day (start == end, or an unresolved
  day); `daterange` otherwise.
- Ranges: upstream ranges end exclusively (2018 is [2018-01-01, 2019-01-01)); our end is inclusive, so
  their end minus one day. Open ranges carry a Mod: before -> our end = their end - 1 day; after/since
  -> our start = their start; until -> their end (a day) or their end - 1 day (a range).
- Year-less dates: upstream lists a past and a future candidate; a match with either passes.
- Durations compare as ISO 8601 strings (their timex).

Documented convention differences (mapped, counted separately as `convention`, each with its reason):
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import opencc

from extract.extractors.dates import DateMention, find_dates
from extract.extractors.dates.grammar import festivals
from extract.extractors.dates.rules import calendar_window, unit_around

IN_SCOPE_FILES = ("DateExtractor", "DateParser", "DatePeriodExtractor", "DatePeriodParser",
                  "DurationExtractor", "DurationParser", "DateTimeModel")
IN_SCOPE_TYPES = {"date", "daterange", "duration"}

CONVENTIONS = {
    "named_end": "an explicit range includes its last named unit: 1995-1997年 is 1995-01-01..1997-12-31; "
                 "upstream ends it at the start of the last unit (1997-01-01)",
    "yearless_year": "a year-less date takes the year (and month) of the nearest date before it in the "
                     "paragraph, else of the publication, as news writes them (12月 in a February article is "
                     "last December); upstream lists the nearest past and future occurrences",
    "until_inclusive": "截止到X / 截至X includes X (news reports 截至2025年6月 as 'as of the end of June'); "
                       "upstream reads it as before X",
    "this_year_whole": "今年 is the whole calendar year; upstream ends it at the reference date",
    "vague_recent": "最近 / 近日 is an open recent past ending on the publication date; upstream gives the "
                    "publication day itself",
    "after_point_next_day": "after a day (X日之后) starts the next day; upstream starts at the day's first instant",
    "leap_day": "a year-less 2月29日 in a non-leap publication year stays unresolved; upstream jumps to a leap year",
    "bare_number": "a bare four-digit number without 年 is not a year in news text (it is usually a count or "
                   "an amount); upstream reads 2018看起来是一个年份 as a year",
    "numeric_short_year": "an all-numeric date needs a four-digit year; x-y-z with two-digit fields in news "
                          "are scores, codes and ranges (3-7-07, 05/05/89)",
    "numeric_yearless": "a year-less numeric m/d is not read (8/12英寸 is a size, 1/3 a fraction)",
    "conflicting_upstream": "upstream contradicts itself: DateTimeModel expects nothing for a lone 12号 while "
                            "DateParser and DateExtractor expect a date, and the period files stop 07年以后 before "
                            "以后 while DateTimeModel includes it; we follow the latter in both",
    "three_digit_year": "a three-digit number before 年 is a duration in news text (300年历史), except ROC "
                        "years in documents dated in ROC years; upstream reads 789年 as the year 789",
    "holiday_elsewhere": "a festival (国庆节) is a date of ours; upstream's period and date files leave it out "
                         "because its own HolidayExtractor finds it (a separate spec file), so finding it there "
                         "is no error",
    "calendar_window": "上/下/前/后 N units are whole calendar units before or after the publication's (下两周 the "
                       "next two Monday-Sunday weeks, 前三年 the three previous calendar years), as the dev set's "
                       "guidelines read them; upstream counts a rolling window from the reference day",
    "ago_names_unit": "N年前 / N个月前 names that calendar year or month (三年前 is the year three years back); "
                      "upstream gives the very day",
    "season": "a season is its three meteorological months (夏天 is June-August); upstream leaves it unresolved",
}
__doc__ += "\n".join(f"- {k}: {v}" for k, v in CONVENTIONS.items()) + "\n"

_QUERY_MARKERS = ("排列", "升序", "降序", "中位数", "中间值", "受方", "网络连接", "显示表中", "显示 ", "Created On",
                  "出版日期", "平均", "单位", "哪所", "不超过", "小于等于")
# The extractor files carry no reference date; this one (the suite's most common) is given only so that
# our mentions get values and their types (date / daterange) can be told apart.
NOMINAL_REFERENCE = date(2017, 3, 22)
_LUNAR = re.compile(r"农历|農曆|正月|腊月|臘月|大年|初[一二三四五六七八九十]|康熙|雍正|神龙|乾隆")
_T2S = opencc.OpenCC("t2s")


@dataclass(frozen=True, slots=True)
class Expected:
    start: int
    end: int
    type: str
    text: str
    candidates: tuple | None      # our-form values: ("range", start, end) or ("duration", iso); None: span only
    raw: dict


@dataclass(frozen=True, slots=True)
class Case:
    file: str
    index: int
    input: str
    reference: date | None
    expected: tuple[Expected, ...]
    scope: str                    # "in" or the reason it is out of scope


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Case
    status: str                   # pass / convention / fail
    conventions: tuple[str, ...]
    detail: str


def _d(s: str | None) -> date | None:
    if not s or not re.match(r"\d{4}-\d{2}-\d{2}", s) or s.startswith("0001-01-01"):
        return None            # not resolved, or a time of day (out of scope)
    return date.fromisoformat(s[:10])


def _minus1(d: date | None) -> date | None:
    return d - timedelta(days=1) if d else None


def _candidates_model(r: dict) -> tuple:
    out = []
    for v in (r.get("Resolution") or {}).get("values", []):
        typ = r["TypeName"].split(".")[-1]
        if typ == "duration":
            out.append(("duration", v.get("timex")))
        elif typ == "date":
            d = _d(v.get("value"))
            out.append(("range", d, d, v))
        else:
            mod = v.get("Mod")
            point = v.get("sourceEntity") == "datetimepoint"
            s, e = _d(v.get("start")), _d(v.get("end"))
            if mod == "before":
                out.append(("range", None, _minus1(e), v))
            elif mod in ("after", "since"):
                out.append(("range", s, None, v))
            elif mod == "until":
                out.append(("range", None, e if point else _minus1(e), v))
            else:
                out.append(("range", s, _minus1(e), v))
    return tuple(out)


def _candidates_parser(r: dict) -> tuple:
    v = r.get("Value") or {}
    if r["Type"] == "duration":
        return (("duration", v.get("Timex")),)
    out = []
    for res in (v.get("FutureResolution") or {}, v.get("PastResolution") or {}):
        if "date" in res:
            d = _d(res["date"])
            out.append(("range", d, d, {"timex": v.get("Timex")}))
        elif "startDate" in res:
            out.append(("range", _d(res["startDate"]), _minus1(_d(res["endDate"])), {"timex": v.get("Timex")}))
        else:
            out.append(("range", None, None, {"timex": v.get("Timex")}))
    return tuple(out)


def _simplified(text: str) -> str:
    converted = _T2S.convert(text)
    return converted if len(converted) == len(text) else text


def _scope(file: str, raw: dict, types: list[str]) -> str:
    if any(t not in IN_SCOPE_TYPES for t in types):
        return "time, datetime or set result"
    text = raw["Input"]
    if _LUNAR.search(text) or any("isLunar" in v for r in raw["Results"]
                                  for v in (r.get("Resolution") or {}).get("values", [])):
        return "lunar or historical-calendar date"
    if any(m in text for m in _QUERY_MARKERS):
        return "database query, not prose"
    return "in"


def load_cases(root: Path) -> list[Case]:
    """Return every case of the in-scope files, each marked in scope or with the reason it is not."""
    cases = []
    for file in IN_SCOPE_FILES:
        items = json.loads((root / f"{file}.json").read_text(encoding="utf-8"))
        for i, raw in enumerate(items):
            ref = raw.get("Context", {}).get("ReferenceDateTime")
            reference = _d(ref) if ref else (NOMINAL_REFERENCE if file.endswith("Extractor") else None)
            text = _simplified(raw["Input"])
            norm = text.replace("，", ",")
            expected, types = [], []
            for r in raw["Results"]:
                if file == "DateTimeModel":
                    typ = r["TypeName"].split(".")[-1]
                    exp = Expected(r["Start"], r["End"] + 1, typ, r["Text"], _candidates_model(r), r)
                elif file.endswith("Extractor"):
                    typ = r["Type"]
                    exp = Expected(r["Start"], r["Start"] + r["Length"], typ, r["Text"], None, r)
                else:
                    typ = r["Type"]
                    k = norm.find(_simplified(r["Text"]).replace("，", ","))
                    if k == -1:
                        k = r["Start"]
                    exp = Expected(k, k + len(r["Text"]), typ, r["Text"], _candidates_parser(r), r)
                types.append(typ)
                expected.append(exp)
            cases.append(Case(file, i, text, reference, tuple(expected), _scope(file, raw, types)))
    return cases


def _our_type(m: DateMention) -> str:
    if m.kind == "duration":
        return "duration"
    if m.kind == "relative" and m.duration:          # a window (前1周, 下1天) is a range, even of one day
        return "daterange"
    if m.start_date is not None and m.start_date == m.end_date:
        return "date"
    if m.start_date is None and m.end_date is None and m.granularity == "day":
        return "date"
    return "daterange"


def _unit_end(b: date, unit: str) -> date:
    if unit == "D":
        return b
    if unit == "W":
        return b + timedelta(days=6)
    if unit == "M":
        nxt = date(b.year + (b.month == 12), b.month % 12 + 1, 1)
        return nxt - timedelta(days=1)
    return date(b.year, 12, 31)


_RANGE_TIMEX = re.compile(r"^\((?P<a>[^,]+),(?P<b>[^,]+),P[0-9.]+(?P<u>[DWMY])\)$")
_CONNECTOR = re.compile(r"到|至|-|–|—|~|和|与|之间|间")


_CALENDAR_WINDOW = re.compile(r"(上|下|前|后)([0-9]+)(天|日|周|个星期|个月|年)")
_AGO_UNIT = re.compile(r"[0-9一二三四五六七八九十]+(?:个)?(年|月)前")


def _value_conventions(exp: Expected, cand: tuple, ours: tuple, case: Case) -> str | None:
    """Return the convention under which our value equals this expected candidate, if any."""
    if cand[0] != "range":
        return None
    _, s, e, v = cand
    timex = v.get("timex") or ""
    os_, oe = ours
    m = _RANGE_TIMEX.match(timex)
    if m and _CONNECTOR.search(exp.text) and e is not None:
        b = date.fromisoformat(e.isoformat()) + timedelta(days=1)   # their exclusive end, back
        alt_end = _unit_end(b, m.group("u"))
        if (os_, oe) == (s, alt_end):
            return "named_end"
        if timex.startswith("(XXXX") and s and oe and os_ and (os_.replace(year=s.year), alt_end) == (s, alt_end) \
                and os_.year == case.reference.year:
            return "yearless_year"
    if timex.startswith("XXXX") or timex.startswith("(XXXX"):
        if s is not None and os_ is not None and case.reference and os_.year == case.reference.year \
                and (os_.month, os_.day) == (s.month, s.day) and (oe - os_) == (e - s):
            return "yearless_year"
        if timex == "XXXX-02-29" and os_ is None and oe is None and case.reference \
                and case.reference.year % 4 != 0:
            return "leap_day"
    if v.get("Mod") == "before" and exp.text.startswith(("截止", "截至")) and os_ is None and oe is not None:
        year = re.match(r"^(\d{4})$", timex)
        if year and oe == date(int(year.group(1)), 12, 31):
            return "until_inclusive"
    if exp.text == "今年" and s and os_ == s and oe == date(s.year, 12, 31):
        return "this_year_whole"
    window = _CALENDAR_WINDOW.fullmatch(exp.text)
    if window and case.reference and os_ is not None:
        unit = {"天": "D", "日": "D", "周": "W", "个星期": "W", "个月": "M", "年": "Y"}[window.group(3)]
        direction = "past" if window.group(1) in "上前" else "future"
        if (os_, oe) == calendar_window(case.reference, int(window.group(2)), unit, direction):
            return "calendar_window"
    ago = _AGO_UNIT.search(exp.text)
    if ago and s is not None and s == e and os_ is not None \
            and (os_, oe) == unit_around(s, "Y" if ago.group(1) == "年" else "M"):
        return "ago_names_unit"
    if v.get("Mod") == "after" and v.get("sourceEntity") == "datetimepoint" and s and os_ == s + timedelta(days=1):
        return "after_point_next_day"
    return None


def _extraction_convention(exp: Expected, case: Case) -> str | None:
    """Return the convention under which we do not extract an expected result, if any."""
    text = exp.text.strip()
    if re.fullmatch(r"\d{4}", text):
        return "bare_number"
    if re.fullmatch(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{1,2}", text):
        return "numeric_short_year"
    if re.fullmatch(r"\d{1,2}/\d{1,2}", text):
        return "numeric_yearless"
    if re.fullmatch(r"\d{3}年", text):
        return "three_digit_year"
    return None


def evaluate(case: Case) -> Outcome:
    """Run find_dates on one case and compare with its expectation."""
    mentions = find_dates(case.input, published=case.reference)
    by_span = {(m.start, m.end): m for m in mentions}
    used: list[str] = []
    matched = set()
    for exp in case.expected:
        m = by_span.get((exp.start, exp.end))
        if m is None:
            longer = [x for x in mentions if x.start == exp.start and x.text.startswith(exp.text)
                      and x.text[len(exp.text):] in ("以后", "以前", "之后", "之前")]
            if longer:
                matched.add((longer[0].start, longer[0].end))
                used.append("conflicting_upstream")
                continue
            conv = _extraction_convention(exp, case)
            if conv:
                used.append(conv)
                continue
            got = ", ".join(f"{x.text}[{x.start}:{x.end}]" for x in mentions) or "nothing"
            return Outcome(case, "fail", (), f"missing {exp.text!r} [{exp.start}:{exp.end}], got {got}")
        matched.add((m.start, m.end))
        if exp.candidates is None:            # extractor files: span and type only
            if _our_type(m) != exp.type and exp.text in ("最近", "近日") and m.start_date is None:
                used.append("vague_recent")
                continue
            if _our_type(m) != exp.type:
                if exp.text.endswith("年") and m.kind == "duration" and _extraction_convention(exp, case):
                    used.append(_extraction_convention(exp, case))
                    continue
                return Outcome(case, "fail", (), f"type of {exp.text!r}: ours {_our_type(m)}, theirs {exp.type}")
            continue
        if exp.text in ("最近", "近日") and m.start_date is None and m.end_date == case.reference:
            used.append("vague_recent")
            continue
        if m.kind == "duration" and exp.type != "duration" and _extraction_convention(exp, case):
            used.append(_extraction_convention(exp, case))
            continue
        if any(c[0] == "range" and c[1] is None and c[2] is None for c in exp.candidates) \
                and re.search(r"[春夏秋冬][天季]", exp.text) and m.start_date is not None:
            used.append("season")
            continue
        if "2月29日" in exp.text and m.start_date is None and m.end_date is None and case.reference \
                and case.reference.year % 4 != 0:
            used.append("leap_day")
            continue
        ours = (m.start_date, m.end_date)
        if exp.type == "duration":
            if any(c[0] == "duration" and c[1] == m.duration for c in exp.candidates):
                continue
            return Outcome(case, "fail", (), f"duration of {exp.text!r}: ours {m.duration}, "
                                            f"theirs {[c[1] for c in exp.candidates]}")
        if any(c[0] == "range" and (c[1], c[2]) == ours for c in exp.candidates) and _our_type(m) == exp.type:
            continue
        convs = [_value_conventions(exp, c, ours, case) for c in exp.candidates]
        convs = [c for c in convs if c]
        if convs:
            used.append(convs[0])
            continue
        theirs = [(str(c[1]), str(c[2])) for c in exp.candidates if c[0] == "range"]
        return Outcome(case, "fail", (), f"value of {exp.text!r}: ours ({m.start_date}, {m.end_date}) "
                                        f"{_our_type(m)}, theirs {theirs} {exp.type}")
    extras = [m for m in mentions if (m.start, m.end) not in matched]
    if extras:
        if case.file == "DateTimeModel" and not case.expected and [m.text for m in extras] == ["12号"]:
            used.append("conflicting_upstream")
        elif case.file != "DateTimeModel" and all(m.text in festivals() for m in extras):
            used.append("holiday_elsewhere")
        else:
            return Outcome(case, "fail", (), "extra " + ", ".join(f"{m.text!r}" for m in extras))
    return Outcome(case, "convention" if used else "pass", tuple(used), "")


def run(root: Path) -> list[Outcome]:
    """Evaluate every in-scope case under `root` (the DateTime folder)."""
    return [evaluate(c) for c in load_cases(root) if c.scope == "in"]


def table(outcomes: list[Outcome], cases: list[Case]) -> str:
    """Return the per-file pass-rate table as text."""
    lines = [f"{'file':<22}{'cases':>6}{'in scope':>9}{'pass':>6}{'conv.':>6}{'fail':>6}{'rate':>8}"]
    total = Counter()
    for file in IN_SCOPE_FILES:
        n_all = sum(1 for c in cases if c.file == file)
        mine = [o for o in outcomes if o.case.file == file]
        cnt = Counter(o.status for o in mine)
        rate = (cnt["pass"] + cnt["convention"]) / len(mine) if mine else 0.0
        lines.append(f"{file:<22}{n_all:>6}{len(mine):>9}{cnt['pass']:>6}{cnt['convention']:>6}{cnt['fail']:>6}"
                     f"{rate:>8.1%}")
        total.update({"all": n_all, "in": len(mine), **cnt})
    rate = (total["pass"] + total["convention"]) / total["in"] if total["in"] else 0.0
    lines.append(f"{'total':<22}{total['all']:>6}{total['in']:>9}{total['pass']:>6}{total['convention']:>6}"
                 f"{total['fail']:>6}{rate:>8.1%}")
    conv = Counter(c for o in outcomes for c in o.conventions)
    if conv:
        lines.append("conventions applied: " + ", ".join(f"{k} {v}" for k, v in conv.most_common()))
    return "\n".join(lines)
