"""Tests of extract.extractors.dates: golden cases, the seed article checked by hand, invariants on the corpus."""
from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import opencc
import pytest
import yaml

import extract
from extract.extractors import dates
from extract.extractors.dates.grammar import candidate_matches
from extract.extractors.dates.rules import RULES
from extract.extractors.dates import DateMention, find_dates, infer_published

CASES = Path(__file__).parent / "cases" / "dates"
DATA = Path(extract.__file__).parent / "data" / "dates"
KINDS = {"date", "period", "duration", "relative"}
GRANULARITIES = {None, "day", "week", "month", "quarter", "half", "year", "decade", "century", "season"}


def _golden():
    return [json.loads(line) for path in sorted(CASES.glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _as_dict(m: DateMention) -> dict:
    return {"text": m.text, "start": m.start, "kind": m.kind,
            "start_date": m.start_date and m.start_date.isoformat(),
            "end_date": m.end_date and m.end_date.isoformat(),
            "granularity": m.granularity, "duration": m.duration, "anchor": m.anchor}


def _check_invariants(text: str, mentions: list[DateMention]) -> None:
    last_end = -1
    for m in mentions:
        assert text[m.start:m.end] == m.text
        assert m.start >= last_end, f"overlap or disorder at {m}"
        last_end = m.end
        assert m.kind in KINDS
        assert m.granularity in GRANULARITIES
        if m.start_date and m.end_date:
            assert m.start_date <= m.end_date, m
        if m.kind == "duration":
            assert m.duration and m.duration.startswith("P") and m.start_date is None


def test_dates_every_component_is_a_registered_rule():
    """Each pattern of grammar.yaml is one rule of rules.py (same name), and each rule has its pattern."""
    assert set(dates._grammar().components) == set(RULES)


def test_dates_data_files_load_and_compile():
    assert sorted(p.name for p in DATA.glob("*.yaml"))
    for path in DATA.glob("*.yaml"):
        assert isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict), path
    dates._grammar.cache_clear()
    grammar = dates._grammar()
    assert grammar.master.pattern and grammar.lexer.pattern
    lex = grammar.lex
    for words in lex["guards"].values():
        assert words and all(isinstance(w, str) and w for w in words)
    for table in ("year_parts", "month_parts", "half_months", "decade_parts"):
        for word, (lo, hi) in lex[table].items():
            assert lo <= hi, (table, word)
    assert set(lex["suffix"].values()) <= {"since", "after", "before", "until", "to_now", "during"}
    assert set(lex["prefix"].values()) <= {"since", "until", "from"}
    assert re.compile(lex["roc_marker"])


def test_dates_first_chars_cover_the_grammar(seed_text):
    """The first-character look-ahead of the master regex drops no phrase the grammar can match."""
    grammar = dates._grammar()
    assert grammar.master.pattern.startswith(grammar.prefilter)
    unfiltered = re.compile(grammar.master.pattern[len(grammar.prefilter):])
    texts = [c["text"] for c in _golden()] + [opencc.OpenCC("t2s").convert(seed_text)]
    for text in texts:
        assert [m.span() for m in candidate_matches(grammar, text)] == [m.span() for m in unfiltered.finditer(text)]


@pytest.mark.parametrize("text", [
    "in 2024, sales", "20230918，发布", "2026米兰冬奥会", "1.5万小时", "8.3.2020", "7/1起", "7·21", "3-5年",
    "12 月 3 日", "30多年", "10余天", "19世纪", "3季度", "2小时", "5个月", "112至113年", "2024财年", "2023Q3",
    "3.5%与12亿元", "30岁的他", "8点开会", "第3名", "共120人，", "（2015）", "3600元",
    "二〇二五年", "三个月", "一两天", "十一月", "三季度", "十一假期", "三八妇女节", "七夕", "五一劳动节", "五一前后",
    "二二八和平纪念日", "一名男子一直在", "一九九八年至二〇〇三年", "三十多年", "两千零八年", "二十一世纪"])
def test_dates_digit_guard_drops_no_phrase(text):
    """A digit run (or a run of Chinese numerals) is tried only before what may follow it in a phrase
    (grammar.yaml digit_run_next, cn_run_next)."""
    grammar = dates._grammar()
    unfiltered = re.compile(grammar.master.pattern[len(grammar.prefilter):])
    assert [m.span() for m in grammar.master.finditer(text)] == [m.span() for m in unfiltered.finditer(text)]


@pytest.mark.parametrize("text, tried", [("3.5%", False), ("12亿", False), ("30岁", False), ("8点", False),
                                         ("12月", True), ("1.5万小时", True), ("2026米兰", True),
                                         ("一名", False), ("一些", False), ("三八妇女节", True), ("一两天", True)])
def test_dates_digit_guard_passes_over_amounts(text, tried):
    assert (re.match(dates._grammar().prefilter, text) is not None) is tried


@pytest.mark.parametrize("case", _golden(), ids=lambda c: c["text"][:24])
def test_dates_golden_cases_keep_the_invariants(case):
    """Values are checked by tests/test_cases.py; here the invariants every result keeps."""
    published = date.fromisoformat(case["published"]) if case["published"] else None
    _check_invariants(case["text"], find_dates(case["text"], published=published))


@pytest.mark.parametrize("text, expected", [
    ("9月底", ("2025-09-21", "2025-09-30")), ("9月初", ("2025-09-01", "2025-09-10")),
    ("9月中旬", ("2025-09-11", "2025-09-20")), ("2月下旬", ("2025-02-21", "2025-02-28")),
    ("年初", ("2025-01-01", "2025-02-28")), ("年底", ("2025-11-01", "2025-12-31")),
    ("上半年", ("2025-01-01", "2025-06-30")), ("下半年", ("2025-07-01", "2025-12-31")),
    ("三季度", ("2025-07-01", "2025-09-30")), ("全年", ("2025-01-01", "2025-12-31")),
    ("80年代末", ("1987-01-01", "1989-12-31")), ("前三季度", ("2025-01-01", "2025-09-30")),
])
def test_dates_parts_rules(text, expected):
    """The stated reading of each loose period word (lexicon.yaml), against a publication date in 2025."""
    (m,) = find_dates(text, published=date(2025, 6, 15))
    assert (m.start_date.isoformat(), m.end_date.isoformat()) == expected


@pytest.mark.parametrize("text, published, expected", [
    ("9日", "2022-06-26", "2022-06-09"),        # this month's, even when later than the publication day
    ("28日", "2022-06-26", "2022-06-28"),
    ("29日", "2018-02-10", "2018-01-29"),       # February 2018 has none: last month's
    ("3月", "2025-12-10", "2025-03-01"),        # this year's
    ("12月", "2025-02-10", "2024-12-01"),       # across the year boundary: last December
    ("11月", "2025-01-10", "2024-11-01"),
    ("1月", "2025-12-10", "2026-01-01"),
    ("11月", "2025-02-10", "2025-11-01"),       # 9 months away: still this year's
])
def test_dates_partial_from_publication_date(text, published, expected):
    (m,) = find_dates(text, published=date.fromisoformat(published))
    assert m.start_date.isoformat() == expected and m.anchor == f"published:{published}"


def test_dates_relative_without_published_stay_unresolved():
    text = "今年以来，去年同期，上月，本周，近日，日前，昨天，近十年，5年前，12月，9日"
    got = find_dates(text)
    assert got and all(m.start_date is None and m.end_date is None and m.anchor is None
                       for m in got if m.kind == "relative" or m.text in ("12月", "9日"))


def test_dates_published_as_datetime_is_its_day():
    from datetime import datetime
    assert find_dates("12月，9日，今年", published=datetime(2025, 12, 10, 8, 30)) == \
        find_dates("12月，9日，今年", published=date(2025, 12, 10))


def test_dates_not_dates():
    text = "单价3.8美元，利用率108.3%，8/12英寸晶圆，180-90nm工艺，投资5-20亿元，今日头条报道，H200芯片。"
    assert find_dates(text, published=date(2025, 12, 10)) == []


SEED_EXPECTED = [
    # text, kind, start_date, end_date, granularity, duration, anchor  (published = None)
    ("近日", "relative", None, None, "day", None, None),
    ("近十年", "relative", None, None, "year", "P10Y", None),
    ("2025年三季度", "period", "2025-07-01", "2025-09-30", "quarter", None, None),
    ("2024年", "date", "2024-01-01", "2024-12-31", "year", None, None),
    ("自2018年", "period", "2018-01-01", None, "year", None, None),
    ("十年", "duration", None, None, None, "P10Y", None),
    ("截至2025年6月", "period", None, "2025-06-30", "month", None, None),
    ("2018年后", "period", "2019-01-01", None, "year", None, None),
    ("2025年第二季度", "period", "2025-04-01", "2025-06-30", "quarter", None, None),
    ("2025年二季度", "period", "2025-04-01", "2025-06-30", "quarter", None, None),
    ("2025年", "date", "2025-01-01", "2025-12-31", "year", None, None),
    ("2025年12月", "date", "2025-12-01", "2025-12-31", "month", None, None),
    ("2024年12月", "date", "2024-12-01", "2024-12-31", "month", None, None),
    ("2026年", "date", "2026-01-01", "2026-12-31", "year", None, None),
    ("2025年9月底", "period", "2025-09-21", "2025-09-30", "day", None, None),
    ("12月", "date", "2025-12-01", "2025-12-31", "month", None, "2025年9月底"),
    ("2026年全年", "period", "2026-01-01", "2026-12-31", "year", None, None),
    ("2020年", "date", "2020-01-01", "2020-12-31", "year", None, None),
    ("2024年", "date", "2024-01-01", "2024-12-31", "year", None, None),
    ("2025年6月", "date", "2025-06-01", "2025-06-30", "month", None, None),
    ("2025年7月", "date", "2025-07-01", "2025-07-31", "month", None, None),
    ("2023年", "date", "2023-01-01", "2023-12-31", "year", None, None),
    ("2024年", "date", "2024-01-01", "2024-12-31", "year", None, None),
    ("2025年7月", "date", "2025-07-01", "2025-07-31", "month", None, None),
    ("2025年", "date", "2025-01-01", "2025-12-31", "year", None, None),
    ("2025年上半年", "period", "2025-01-01", "2025-06-30", "half", None, None),
    ("1980年前", "period", None, "1979-12-31", "year", None, None),
    ("2025年", "date", "2025-01-01", "2025-12-31", "year", None, None),
    ("2025年7月", "date", "2025-07-01", "2025-07-31", "month", None, None),
    ("72小时", "duration", None, None, None, "PT72H", None),
    ("3-6个月", "duration", None, None, None, "P3M/P6M", None),
    # the reference list
    ("2025-12-09", "date", "2025-12-09", "2025-12-09", "day", None, None),
    ("2025Q2", "period", "2025-04-01", "2025-06-30", "quarter", None, None),
    ("上半年", "period", "2025-01-01", "2025-06-30", "half", None, "2025Q2"),
    ("2025-08-07", "date", "2025-08-07", "2025-08-07", "day", None, None),
    ("2025-05-31", "date", "2025-05-31", "2025-05-31", "day", None, None),
    ("2025-07-09", "date", "2025-07-09", "2025-07-09", "day", None, None),
    ("2025-07-30", "date", "2025-07-30", "2025-07-30", "day", None, None),
    ("2025-07-15", "date", "2025-07-15", "2025-07-15", "day", None, None),
    ("2025-08-27", "date", "2025-08-27", "2025-08-27", "day", None, None),
    ("2025-08-22", "date", "2025-08-22", "2025-08-22", "day", None, None),
    ("2025-01-06", "date", "2025-01-06", "2025-01-06", "day", None, None),
    ("2025-11-28", "date", "2025-11-28", "2025-11-28", "day", None, None),
    ("2025-10-20", "date", "2025-10-20", "2025-10-20", "day", None, None),
    ("2025-05-25", "date", "2025-05-25", "2025-05-25", "day", None, None),
    ("2025-09-16", "date", "2025-09-16", "2025-09-16", "day", None, None),
    ("2025-05-23", "date", "2025-05-23", "2025-05-23", "day", None, None),
    ("2025-07-06", "date", "2025-07-06", "2025-07-06", "day", None, None),
]


def _seed_simplified(seed_text: str) -> str:
    simplified = opencc.OpenCC("t2s").convert(seed_text)
    assert len(simplified) == len(seed_text)
    return simplified


def test_dates_seed_article_checked_by_hand(seed_text):
    text = _seed_simplified(seed_text)
    got = find_dates(text)
    _check_invariants(text, got)
    rows = [(m.text, m.kind, m.start_date and m.start_date.isoformat(), m.end_date and m.end_date.isoformat(),
             m.granularity, m.duration, m.anchor) for m in got]
    assert rows == SEED_EXPECTED
    # the original script at the same offsets: 3-6個月 in the Traditional article
    assert [seed_text[m.start:m.end] for m in got if m.duration == "P3M/P6M"] == ["3-6個月"]


def test_dates_seed_article_with_publication_date(seed_text):
    text = _seed_simplified(seed_text)
    got = {m.text: m for m in find_dates(text, published=date(2025, 12, 10))}
    assert (got["近日"].end_date, got["近日"].anchor) == (date(2025, 12, 10), "published:2025-12-10")
    assert (got["近十年"].start_date, got["近十年"].end_date) == (date(2015, 12, 10), date(2025, 12, 9))
    assert got["12月"].anchor == "2025年9月底"
    assert infer_published(text) is None      # the seed carries no date line


@pytest.mark.parametrize("text, expected", [
    ("每经记者：某某\n2025-02-12 18:54:12\n正文第一段，3月将召开会议。", date(2025, 2, 12)),
    ("标题\n发布时间：2023年8月13日 20:46 来源：某某日报\n正文", date(2023, 8, 13)),
    ("國際關係處\n发稿时间：114年1月26日 18:41发稿人：某某\n正文", date(2025, 1, 26)),
    ("新华社北京12月9日电 今天召开会议。", None),
    ("正文提到2025年12月9日的会议。", None),
    ("2024年11月18日，某超市开业，第一天就涌入5万人次。", None),       # the first sentence, not a date line
    ("►活动日期：110年11月27日16:30-21:00", None),                 # an event's date
    ("公告\n发文日期：中华民国110年5月7日\n主旨：变更计划", date(2021, 5, 7)),
])
def test_dates_infer_published(text, expected):
    assert infer_published(text) == expected


@pytest.mark.shared
def test_dates_corpus_invariants(shared_dir):
    """On real news: offsets exact, sorted, non-overlapping, ranges ordered; never an exception."""
    path = shared_dir / "corpus" / "news_zh_hans.jsonl"
    with path.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for _, line in zip(range(300), fh)]
    n = 0
    for row in rows:
        found = re.match(r"(\d{4})-(\d{2})-(\d{2})", row.get("date") or "")
        published = date(*map(int, found.groups())) if found else None
        got = find_dates(row["text"], published=published)
        _check_invariants(row["text"], got)
        n += len(got)
    assert n > 1000


@pytest.mark.shared
def test_dates_first_chars_cover_the_corpus(shared_dir):
    grammar = dates._grammar()
    unfiltered = re.compile(grammar.master.pattern[len(grammar.prefilter):])
    t2s = opencc.OpenCC("t2s")
    for name in ("news_zh_hans.jsonl", "news_zh_hant.jsonl"):
        with (shared_dir / "corpus" / name).open(encoding="utf-8") as fh:
            for _, line in zip(range(60), fh):
                text = t2s.convert(json.loads(line)["text"])
                assert [m.span() for m in candidate_matches(grammar, text)] == \
                    [m.span() for m in unfiltered.finditer(text)]


def test_dates_every_rule_has_cases():
    """Each registered rule is used by some case of tests/cases/dates (its examples sit beside the others)."""
    from extract.extractors.dates.phrases import tokens
    from extract.text.normalize import normalize

    grammar = dates._grammar()
    used = set()
    for case in _golden():
        text = normalize(case["text"]).simplified
        for m in candidate_matches(grammar, text):
            used.update(name for name, _ in tokens(text, m.start(), m.end()) or [])
    assert set(RULES) - used == set()


@pytest.mark.parametrize("text", ["民国113年", "发稿时间：114年3月5日", "今(111)年起", "112年、113年", "113年度"])
def test_dates_roc_hint_is_in_every_roc_marker_match(text):
    grammar = dates._grammar()
    found = grammar.roc_marker.search(text)
    assert found is not None and grammar.roc_hint.search(found.group()) is not None
