"""Tests of reading corpus files: encodings, formats, structure of JSONL records, failures."""
from __future__ import annotations

import os
from datetime import date

import pytest

from extract.text.ingest import Article, IngestFailure, discover, read_path

TEXT = "據新華社報道，近日，英偉達公開表示，出口所得利潤中需有25%上繳。\n第二段落。"


def _read(tmp_path, name, data: bytes, **kw):
    path = tmp_path / name
    path.write_bytes(data)
    return list(read_path(path, tmp_path, **kw))


@pytest.mark.parametrize("encoding, data", [
    ("utf-8", TEXT.encode("utf-8")),
    ("utf-8-sig", TEXT.encode("utf-8-sig")),
    ("utf-8 CRLF", TEXT.replace("\n", "\r\n").encode("utf-8")),
    ("gb18030", TEXT.encode("gb18030")),
    ("big5", TEXT.encode("big5")),
    ("utf-16", TEXT.encode("utf-16")),
])
def test_ingest_decodes_by_content_not_extension(tmp_path, encoding, data):
    (article,) = _read(tmp_path, "a.txt", data)
    assert isinstance(article, Article)
    assert article.text == TEXT
    assert article.doc_id == "a.txt" and article.source == "a.txt"


@pytest.mark.parametrize("data, code, words", [
    (b"", "empty_file", "empty"),
    (b"   \n\n", "empty_file", "empty"),
    (b"\x00\x01\x02\x03binary\x00" * 50, "binary_file", "binary"),
    (TEXT.encode("utf-8")[:-2], "truncated_utf8", "truncated"),
])
def test_ingest_reports_unreadable_files(tmp_path, data, code, words):
    (failure,) = _read(tmp_path, "bad.txt", data)
    assert isinstance(failure, IngestFailure)
    assert failure.code == code and words in failure.message and "bad.txt" in failure.message


def test_ingest_refuses_files_over_the_limit(tmp_path):
    (failure,) = _read(tmp_path, "big.txt", TEXT.encode("utf-8") * 100, max_bytes=1000)
    assert failure.code == "too_large" and "1,000 bytes" in failure.message


def test_ingest_jsonl_records_and_bad_lines(tmp_path):
    lines = [
        '{"id": "a1", "title": "標題一", "text": "正文一。", "date": "2025-02-11 20:45:48", "url": "http://x", "outlet": "mingpao"}',
        '{"id": "a2", "text": ',
        '{"id": "a3", "title": "沒有正文"}',
        '{"id": "a4", "text": "正文四。"}',
    ]
    items = _read(tmp_path, "news.jsonl", "\n".join(lines).encode("utf-8"))
    articles = [i for i in items if isinstance(i, Article)]
    failures = [i for i in items if isinstance(i, IngestFailure)]
    assert [a.doc_id for a in articles] == ["news.jsonl#a1", "news.jsonl#a4"]
    first = articles[0]
    assert first.text == "標題一\n正文一。" and first.title_lines == 1
    assert first.published == date(2025, 2, 11) and first.outlet == "mingpao"
    assert [(f.code, f.doc_id) for f in failures] == [("bad_json", None), ("no_text", "news.jsonl#a3")]
    assert "line 2" in failures[0].message and "line 3" in failures[1].message


def test_ingest_markdown_title_and_html_main_text(tmp_path):
    (md,) = _read(tmp_path, "a.md", "# 標題\n\n正文。".encode("utf-8"))
    assert md.title == "標題" and md.title_lines == 1 and md.text.startswith("# 標題")
    html = ("<html><head><title>芯片产业新闻</title></head><body><nav>首页 | 登录</nav><article><h1>芯片产业新闻</h1>"
            + "<p>" + "中芯国际今年第二季度产能利用率达到百分之九十二，业绩增长可观。" * 4 + "</p>"
            + "<p>" + "华虹公司表示将继续扩大十二英寸产线的投资规模。" * 4 + "</p></article>"
            + "<footer>版权所有</footer></body></html>")
    (article,) = _read(tmp_path, "a.html", html.encode("utf-8"))
    assert "中芯国际" in article.text and "登录" not in article.text


def test_ingest_discover_skips_hidden_and_readme(tmp_path):
    for name in ("a.txt", "b.jsonl", "README.md", ".hidden.txt", "notes.pdf"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.name for p in discover(tmp_path)] == ["a.txt", "b.jsonl"]


def _corpus_with_outside(tmp_path):
    """Return (corpus, outside): a corpus folder and, beside it, a folder the corpus links to."""
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    corpus.mkdir()
    outside.mkdir()
    (corpus / "a.txt").write_text("正文。", encoding="utf-8")
    (outside / "secret.txt").write_text("机密。", encoding="utf-8")
    (outside / "feed.txt").write_text("外部。", encoding="utf-8")
    (corpus / "leak.txt").symlink_to(outside / "secret.txt")
    (corpus / "feeds").symlink_to(outside, target_is_directory=True)
    (corpus / "notes.pdf").symlink_to(outside / "secret.txt")  # not an article name: skipped, not reported
    return corpus, outside


def test_ingest_walk_refuses_symlinks_leaving_the_corpus(tmp_path):
    from extract.text.ingest import walk_corpus

    corpus, outside = _corpus_with_outside(tmp_path)
    listing = walk_corpus(corpus)
    assert [p.relative_to(corpus).as_posix() for p in listing.files] == ["a.txt"]
    assert listing.unreadable == []
    rows = {f.source: f for f in listing.failures}
    assert sorted(rows) == ["feeds", "leak.txt"]
    leak = rows["leak.txt"]
    assert (leak.code, leak.doc_id, leak.stage) == ("outside_corpus", "leak.txt", "ingest")
    assert leak.message.startswith("leak.txt: ") and str(outside / "secret.txt") in leak.message
    assert "--follow-symlinks" in leak.message
    assert (rows["feeds"].code, rows["feeds"].doc_id) == ("outside_corpus", None)
    assert str(outside) in rows["feeds"].message


def test_ingest_walk_follows_outside_symlinks_only_when_asked(tmp_path):
    from extract.text.ingest import walk_corpus

    corpus, _ = _corpus_with_outside(tmp_path)
    listing = walk_corpus(corpus, follow_symlinks=True)
    names = [p.relative_to(corpus).as_posix() for p in listing.files]
    # secret.txt is reached twice (feeds/secret.txt, leak.txt): read once, under the first link taken
    assert names == ["a.txt", "feeds/feed.txt", "feeds/secret.txt"]
    assert listing.failures == []


def test_ingest_walk_reads_a_file_reached_by_links_inside_the_corpus_once(tmp_path):
    from extract.text.ingest import walk_corpus

    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("正文。", encoding="utf-8")
    (tmp_path / "sub" / "x.txt").write_text("正文。", encoding="utf-8")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")  # a second name of a.txt
    (tmp_path / "alias").symlink_to(tmp_path / "sub", target_is_directory=True)
    (tmp_path / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)  # a loop
    (tmp_path / "self.txt").symlink_to(tmp_path / "self.txt")  # a link to itself: nothing to read
    (tmp_path / "_archive").mkdir()
    (tmp_path / "_archive" / "old.txt").write_text("旧文。", encoding="utf-8")
    (tmp_path / "old").symlink_to(tmp_path / "_archive", target_is_directory=True)  # a hidden folder, linked
    listing = walk_corpus(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in listing.files] == ["a.txt", "old/old.txt", "sub/x.txt"]
    assert listing.failures == [] and listing.unreadable == []
    assert discover(tmp_path) == listing.files


def test_ingest_walk_reports_a_folder_it_cannot_list(tmp_path, monkeypatch):
    from extract.text.ingest import walk_corpus

    (tmp_path / "locked" / "deep").mkdir(parents=True)
    (tmp_path / "locked" / "deep" / "x.txt").write_text("正文。", encoding="utf-8")
    (tmp_path / "a.txt").write_text("正文。", encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path):  # as root, chmod 000 does not stop a listing: give the error it gives everyone else
        if not isinstance(path, int) and os.fspath(path) == str(tmp_path / "locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    listing = walk_corpus(tmp_path)
    assert [p.name for p in listing.files] == ["a.txt"]
    assert listing.unreadable == ["locked/"]
    (row,) = listing.failures
    assert (row.source, row.doc_id, row.code, row.stage) == ("locked/", None, "unreadable_folder", "ingest")
    assert "Permission denied" in row.message and "kept" in row.message


# News sentences written for these tests: Simplified for GB18030, Traditional for Big5.
SIMPLIFIED = ["中芯国际2025年二季度产能利用率达92.5%。",
              "国家统计局今天公布，全国规模以上工业增加值同比增长6.1%，消费市场继续回暖。",
              "深圳市政府宣布，将在明年投入三百亿元支持半导体产业发展。",
              "华为发布新款手机，售价为五千九百九十九元。"]
TRADITIONAL = ["台積電2025年第二季營收創新高，毛利率達58.6%。",
               "香港特區政府今日公布，本港第三季經濟按年增長百分之二點九。",
               "行政院宣布，明年將投入新台幣三百億元支持半導體產業發展。",
               "鴻海董事長表示，電動車業務將成為集團成長的重要動能。"]


@pytest.mark.parametrize("text, encoding", [
    (SIMPLIFIED[0], "gb18030"),  # the short file issue 19 found refused as cp949
    (SIMPLIFIED[3], "gb18030"),
    ("\n".join(SIMPLIFIED * 200), "gb18030"),
    (TRADITIONAL[0], "big5"),
    (TRADITIONAL[1], "big5"),
    ("\n".join(TRADITIONAL * 200), "big5"),
    ("\n".join(TRADITIONAL * 3), "big5hkscs"),
    ("Reuters: Nvidia H20芯片恢复对华销售，英伟达CEO黄仁勋表示（NASDAQ: NVDA）", "gb18030"),
    ("Bloomberg: TSMC 台積電 Q2 revenue up 38.6% (TWSE: 2330), 法人說明會 on July 17", "big5"),
])
def test_ingest_reads_gb18030_and_big5_by_their_common_characters(text, encoding):
    from extract.text.ingest import decode

    assert decode(text.encode(encoding), source="a.txt") == text


@pytest.mark.parametrize("text, encoding, other", [(t, "big5", "gb18030") for t in TRADITIONAL]
                         + [(SIMPLIFIED[i], "gb18030", "big5hkscs") for i in (0, 2, 3)])
def test_ingest_bytes_valid_in_both_encodings_get_the_reading_of_common_characters(text, encoding, other):
    from extract.text.encoding import MIN_COMMON_SHARE, chinese_reading, common_share

    data = text.encode(encoding)
    wrong = data.decode(other)  # the other encoding decodes these bytes too, to rarer characters
    assert wrong != text and common_share(wrong) < MIN_COMMON_SHARE <= common_share(text)
    codec, decoded = chinese_reading(data)
    assert decoded == text and codec.startswith(encoding[:3])


@pytest.mark.parametrize("data", [
    bytes(range(0x80, 0x100)) * 8,  # every high byte: no strict reading, no plausible guess
    "日本語のニュース：東京証券取引所は本日、取引を停止した。".encode("shift_jis") * 3,
])
def test_ingest_undecodable_bytes_are_an_unknown_encoding_row(tmp_path, data):
    (failure,) = _read(tmp_path, "a.txt", data)
    assert isinstance(failure, IngestFailure) and failure.code == "unknown_encoding"
    assert "encoding could not be detected" in failure.message


@pytest.mark.parametrize("encoding, sentences", [("gb18030", SIMPLIFIED), ("big5", TRADITIONAL)])
def test_ingest_jsonl_streams_choose_gb18030_or_big5_like_files(tmp_path, encoding, sentences):
    import json

    # The encoding is judged on the first 64 KiB; the padding record puts a character across that boundary.
    for pad_id in ("pad", "pad1"):
        pad = json.dumps({"id": pad_id, "text": "".join(sentences) * 400}, ensure_ascii=False).encode(encoding)
        if pad[:1 << 16].decode(encoding, "replace")[-1] == "\ufffd":
            break
    line = json.dumps({"id": "a", "text": sentences[1]}, ensure_ascii=False).encode(encoding)
    assert len(pad) > 1 << 16 and pad[:1 << 16].decode(encoding, "replace")[-1] == "\ufffd"
    items = _read(tmp_path, "feed.jsonl", pad + b"\n" + line + b"\n")
    assert [(i.doc_id, i.text) for i in items] == [(f"feed.jsonl#{pad_id}", "".join(sentences) * 400),
                                                   ("feed.jsonl#a", sentences[1])]
