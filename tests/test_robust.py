"""Robustness: no input, fault or size stops a run (issue 19).

Each bad input costs its own article (an `errors` row), never the batch; crash inputs found by hand are cases.
"""
from __future__ import annotations

from datetime import date

import pytest

import extract.io.corpus as corpus_mod
from extract.io.corpus import _read_items, analyze_isolated
from extract.text.ingest import Article, IngestFailure, discover

ARTICLE = "新华社北京12月9日电 中芯国际今年第二季度产能利用率达到92.5%，营收增长12%。"


def test_robust_an_exception_in_one_article_becomes_an_internal_error_row(monkeypatch):
    real = corpus_mod.analyze_article

    def buggy(article, settings):
        if article.doc_id == "bug.txt":
            raise IndexError("list index out of range")
        return real(article, settings)

    monkeypatch.setattr(corpus_mod, "analyze_article", buggy)
    doc, problems = analyze_isolated(Article(doc_id="bug.txt", source="bug.txt", text=ARTICLE))
    assert doc is None
    (row,) = problems
    assert (row.source, row.doc_id, row.code, row.stage) == ("bug.txt", "bug.txt", "internal_error", "analyze")
    assert row.message.startswith("bug.txt: ") and "IndexError: list index out of range" in row.message
    doc, problems = analyze_isolated(Article(doc_id="good.txt", source="good.txt", text=ARTICLE))
    assert doc is not None and problems == [] and doc.rows["documents"][0]["doc_id"] == "good.txt"


def test_robust_an_exception_while_reading_a_file_becomes_an_internal_error_row(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")

    def broken(path, root, *, max_bytes):
        raise UnicodeError("surprise")
        yield

    monkeypatch.setattr(corpus_mod, "read_path", broken)
    (row,) = _read_items(tmp_path / "a.txt", tmp_path, "a.txt", 1000)
    assert isinstance(row, IngestFailure)
    assert row.code == "internal_error" and row.stage == "ingest" and "UnicodeError: surprise" in row.message


def test_robust_html_file_in_a_corpus_is_read(tmp_path):
    html = ("<html><head><title>芯片产业新闻</title></head><body><nav>首页 | 登录</nav><article><h1>芯片产业新闻</h1>"
            + "<p>" + "中芯国际今年第二季度产能利用率达到百分之九十二，业绩增长可观。" * 4 + "</p>"
            + "<p>" + "华虹公司表示将继续扩大十二英寸产线的投资规模。" * 4 + "</p></article></body></html>")
    (tmp_path / "news.html").write_text(html, encoding="utf-8")
    (tmp_path / "plain.txt").write_text(ARTICLE, encoding="utf-8")
    items = [item for path in discover(tmp_path)
             for item in _read_items(path, tmp_path, path.name, 1_000_000)]
    assert [type(i).__name__ for i in items] == ["Article", "Article"], items
    html_article = items[0]
    assert html_article.doc_id == "news.html" and "华虹公司" in html_article.text and "登录" not in html_article.text
    doc, problems = analyze_isolated(html_article)
    assert problems == [] and any(r["canonical"] == "中芯国际" for r in doc.rows["entities"])


@pytest.mark.parametrize("published", [date(1, 1, 1), date(9999, 12, 31)])
def test_robust_relative_dates_at_the_ends_of_the_calendar_do_not_crash(published):
    from extract.extractors.dates import find_dates

    text = "去年，今年，明年，上个月，下个月，昨天，明天，上周，下周，三年前，五年后。"
    found = find_dates(text, published=published)
    assert any(m.text == "今年" and m.start_date == date(published.year, 1, 1) for m in found)
    for m in found:
        assert text[m.start:m.end] == m.text


def test_robust_lower_same_length_keeps_offsets():
    from extract.text.chars import lower_same_length

    assert "İ".lower() != "i" and len("İ".lower()) == 2  # why the helper exists
    assert lower_same_length("İNVIDIA报道") == "İnvidia报道"
    assert lower_same_length("NVIDIA") == "nvidia"
