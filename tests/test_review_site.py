"""The review site without a browser: nesting of overlapping spans, rows on the page, self-containment, CLI."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from extract.io.tables import to_frame
from extract.review import page_name, review_tables, write_site
from extract.review.article import rows_of
from extract.review.format import date_range_text, number_text, quantity_text
from extract.review.highlight import Span, nested_html

MENTION_TABLES = ("entities", "quantities", "dates")


class _Elements(HTMLParser):
    """Collects every span element with its attributes and text, and checks that tags nest."""

    def __init__(self):
        super().__init__()
        self.stack: list[dict] = []
        self.spans: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "span":
            element = {"attrs": dict(attrs), "text": ""}
            self.stack.append(element)
            self.spans.append(element)

    def handle_endtag(self, tag):
        if tag == "span":
            self.stack.pop()

    def handle_data(self, data):
        for element in self.stack:
            element["text"] += data


def _spans(html: str) -> list[dict]:
    parser = _Elements()
    parser.feed(html)
    assert not parser.stack, "unclosed span"
    return parser.spans


@pytest.mark.parametrize("spans, expected", [
    ([Span(0, 10, 0, "s"), Span(2, 6, 1, "a"), Span(4, 8, 1, "b")],
     '<span class="s">ab<span class="a">cd<span class="b">ef</span></span>'
     '<span class="b" data-cont="1">gh</span>ij</span>'),
    ([Span(0, 5, 0, "s1"), Span(5, 10, 0, "s2"), Span(3, 7, 2, "m")],
     '<span class="s1">abc<span class="m">de</span></span>'
     '<span class="s2"><span class="m" data-cont="1">fg</span>hij</span>'),
    ([Span(2, 4, 1, "inner"), Span(2, 4, 0, "outer")],
     'ab<span class="outer"><span class="inner">cd</span></span>efghij'),
    ([Span(3, 3, 1, "empty")], 'abc<span class="empty"></span>defghij'),
])
def test_highlight_nested_html_nests_crossing_spans(spans, expected):
    assert nested_html("abcdefghij", spans) == expected


def test_highlight_nested_html_escapes_text_and_attributes():
    html = nested_html("<b>&", [Span(0, 3, 0, "x", (("title", 'say "<hi>"'),))])
    assert html == '<span class="x" title="say &quot;&lt;hi&gt;&quot;">&lt;b&gt;</span>&amp;'


@pytest.mark.parametrize("value, expected", [(25.0, "25"), (5e10, "50,000,000,000"), (1.9, "1.9"),
                                             (0.00012, "0.0001"), (float("nan"), ""), (None, "")])
def test_format_number_text_never_scientific(value, expected):
    assert number_text(value) == expected


def test_format_quantity_and_date_ranges():
    assert quantity_text(None, 10.0, 20.0, "%", None) == "10–20 %"
    assert quantity_text(80.0, 80.0, 80.0, "%", "over") == "over 80 %"
    assert quantity_text(5e10, 5e10, 5e10, "CNY") == "50,000,000,000 CNY"
    assert date_range_text(pd.Timestamp("2025-07-01").date(), pd.Timestamp("2025-09-30").date()) == "2025-07-01 – 2025-09-30"
    assert date_range_text(None, pd.Timestamp("2025-09-30").date()) == "… – 2025-09-30"


@pytest.fixture(scope="module")
def seed_site(seed_analysis, tmp_path_factory):
    out = tmp_path_factory.mktemp("review")
    write_site(seed_analysis, out)
    return out


def _article_html(seed_site, doc_id="h200-china-chips.txt") -> str:
    return (seed_site / "docs" / page_name(doc_id)).read_text(encoding="utf-8")


def test_review_article_page_has_one_head_element_per_row(seed_site, seed_analysis):
    spans = _spans(_article_html(seed_site))
    for table in MENTION_TABLES:
        rows = rows_of(seed_analysis[table], "h200-china-chips.txt")
        assert len(rows) > 0
        heads = [s for s in spans if s["attrs"].get("data-table") == table and "data-cont" not in s["attrs"]]
        assert [int(s["attrs"]["data-row"]) for s in heads] == list(range(len(rows)))
        texts: dict[int, str] = {}
        for s in spans:
            if s["attrs"].get("data-table") == table:
                texts[int(s["attrs"]["data-row"])] = texts.get(int(s["attrs"]["data-row"]), "") + s["text"]
        assert [texts[i] for i in range(len(rows))] == rows["text"].tolist()


def test_review_article_page_text_is_the_original(seed_site, seed_analysis, seed_text):
    html = _article_html(seed_site)
    body = re.search(r'<article id="text" lang="zh">(.*?)</article>', html, re.S).group(1)
    parser = _Elements()
    parser.feed(f"<span>{body}</span>")
    assert parser.spans[0]["text"] == seed_analysis["documents"].iloc[0]["text"]


def test_review_article_page_flags_conflicts_in_text_and_list(seed_site, seed_analysis):
    html = _article_html(seed_site)
    conflicts = seed_analysis["conflicts"]
    assert len(conflicts) > 0
    flagged = {int(s["attrs"]["data-sent"]) for s in _spans(html)
               if "data-sent" in s["attrs"] and "conflict" in s["attrs"]["class"].split()}
    assert flagged == set(conflicts["sent_idx"].dropna().astype(int))
    assert len(re.findall(r'<li class="ref has-conflict"', html)) == conflicts["ref_idx"].nunique()


def test_review_site_is_self_contained(seed_site):
    for path in seed_site.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert not re.search(r"<(link|img|iframe)\b|<script[^>]*\bsrc=|@import|url\(", html), path
        hrefs = re.findall(r'href="([^"]+)"', html)
        assert all(not re.match(r"[a-z]+://|//", h) for h in hrefs), path
        for href in hrefs:
            assert (path.parent / href).resolve().is_file(), href


def test_review_index_lists_conflicted_articles_first(seed_analysis, tmp_path):
    tables = {name: frame.copy() for name, frame in seed_analysis.items()}
    calm = seed_analysis["documents"].copy()
    calm["doc_id"], calm["title"] = "calm.txt", "一篇没有冲突的文章"
    tables["documents"] = pd.concat([calm, seed_analysis["documents"]], ignore_index=True)
    write_site(tables, tmp_path)
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<tr data-doc="([^"]+)"', html) == ["h200-china-chips.txt", "calm.txt"]
    assert html.count("<svg") == 4


def test_review_tables_reads_one_run_and_fills_missing(seed_analysis, tmp_path, monkeypatch):
    import extract

    from extract.errors import OutputError

    calls = []

    def read_table(outputs, name, run=None):
        calls.append((name, run))
        if name == "runs":
            return pd.DataFrame({"run_id": ["r2", "r1"], "finished_at": pd.to_datetime(["2026-01-02", "2026-01-01"])})
        if name == "citations":
            raise OutputError("table citations does not exist", code="no_such_table")
        return seed_analysis[name].astype(object)

    monkeypatch.setattr(extract, "read_table", read_table)
    tables = review_tables(tmp_path)
    assert {run for name, run in calls if name != "runs"} == {"r2"}  # every table from the latest run
    assert len(tables["entities"]) == len(seed_analysis["entities"])
    assert str(tables["entities"]["sent_idx"].dtype) == "Int64"
    assert list(tables["citations"].columns) == list(to_frame("citations", []).columns)
    assert len(tables["citations"]) == 0


def test_review_tables_reads_the_delta_tables_of_a_run(seed_text, seed_analysis, tmp_path):
    from extract.io.corpus import commit_run, plan_run, process_batch
    from extract.io.delta import Outputs

    corpus, outputs = tmp_path / "corpus", tmp_path / "outputs"
    corpus.mkdir()
    (corpus / "h200-china-chips.txt").write_text(seed_text, encoding="utf-8")
    with Outputs(str(outputs)) as out:
        plan = plan_run(corpus, out)
        staging = out.new_run()
        commit_run(out, staging, plan, [process_batch(plan.to_process, str(outputs), staging, "batch-00000")])
    tables = review_tables(outputs)
    assert len(tables["entities"]) == len(seed_analysis["entities"])
    assert str(tables["entities"]["sent_idx"].dtype) == "Int64"
    assert set(to_frame("citations", []).columns) <= set(tables["citations"].columns)  # plus run_id
    assert len(tables["documents"]) == 1


def test_review_tables_of_outputs_never_written_are_empty_frames(tmp_path):
    tables = review_tables(tmp_path / "nothing")
    assert all(len(frame) == 0 for frame in tables.values())
    assert list(tables["entities"].columns) == list(to_frame("entities", []).columns)


def test_cli_review_writes_one_page_and_rejects_unknown_doc(seed_analysis, tmp_path, monkeypatch):
    from pipeline import cli

    monkeypatch.setattr("extract.review.review_tables", lambda outputs: seed_analysis)
    assert cli.main(["review", "--outputs", "x", "--out", str(tmp_path), "--doc", "h200-china-chips.txt"]) == 0
    assert [p.name for p in (tmp_path / "docs").iterdir()] == [page_name("h200-china-chips.txt")]
    assert not (tmp_path / "index.html").exists()
    assert cli.main(["review", "--outputs", "x", "--out", str(tmp_path), "--doc", "nope"]) == 2


def test_review_dates_over_time_by_month_and_by_year_with_tails():
    from datetime import date

    from extract.review.site import dates_over_time

    months = pd.DataFrame({"start_date": [date(2025, 1, 5), date(2025, 1, 9), date(2025, 3, 1), None]})
    assert dates_over_time(months) == ("month", [("2025-01", 2), ("2025-02", 0), ("2025-03", 1)])
    years = [date(2000 + i % 10, 6, 1) for i in range(100)] + [date(1823, 1, 1)] * 2 + [date(2050, 1, 1)] * 2
    unit, bars = dates_over_time(pd.DataFrame({"start_date": years}))
    assert unit == "year"
    assert bars[0] == ("before 2000", 2) and bars[-1] == ("after 2009", 2)
    assert [label for label, _ in bars[1:-1]] == [str(y) for y in range(2000, 2010)]
    assert sum(n for _, n in bars) == len(years)


def test_cli_review_without_tables_says_to_run_first(tmp_path, capsys):
    from pipeline import cli

    assert cli.main(["review", "--outputs", str(tmp_path / "none"), "--out", str(tmp_path / "site")]) == 2
    assert "run `zh-extract run` first" in capsys.readouterr().err
    assert not (tmp_path / "site").exists()
