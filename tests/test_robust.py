"""Robustness: no input, fault or size stops a run (issue 19).

Each bad input costs its own article (an `errors` row), never the batch; crash inputs found by hand are cases.
"""
from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

import extract
import extract.analysis.article as article_mod
import extract.io.corpus as corpus_mod
from extract.errors import WARNING_CODES
from extract.io.corpus import _read_items, analyze_isolated
from extract.text.ingest import Article, IngestFailure, discover, read_path

ARTICLE = "新华社北京12月9日电 中芯国际今年第二季度产能利用率达到92.5%，营收增长12%。"


def test_robust_an_exception_in_one_article_becomes_an_internal_error_row(monkeypatch):
    real = article_mod.analyze_article

    def buggy(article, settings):
        if article.doc_id == "bug.txt":
            raise IndexError("list index out of range")
        return real(article, settings)

    monkeypatch.setattr(article_mod, "analyze_article", buggy)
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


def _jsonl(tmp_path, name: str, lines: list[str], **kw) -> list:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return list(read_path(path, tmp_path, **kw))


def test_robust_jsonl_lone_surrogates_fail_their_record_only(tmp_path):
    lines = [json.dumps({"id": "a", "text": ARTICLE})]
    for field in ("text", "title", "url", "id"):
        record = {"id": f"bad-{field}", "text": ARTICLE}
        record[field] = "中\ud800文"
        lines.append(json.dumps(record))  # ensure_ascii: the file holds the escape \ud800
    lines.append(json.dumps({"id": "z", "text": ARTICLE}))
    items = _jsonl(tmp_path, "feed.jsonl", lines)
    assert [i.doc_id for i in items if isinstance(i, Article)] == ["feed.jsonl#a", "feed.jsonl#z"]
    failures = [i for i in items if isinstance(i, IngestFailure)]
    assert [(f.code, f.doc_id) for f in failures] == [("invalid_unicode", f"feed.jsonl#@L{n}") for n in (2, 3, 4, 5)]
    for failure, field in zip(failures, ("text", "title", "url", "id")):
        assert f"line {failures.index(failure) + 2}: field '{field}'" in failure.message
        failure.message.encode("utf-8")  # the row itself is writable


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_robust_jsonl_date_out_of_range_is_a_warning_and_the_article_is_analysed(tmp_path, value):
    lines = [json.dumps({"id": "a", "date": value, "text": "今年营收增长12%，明年将扩产，上个月签约，下周发布。"},
                        ensure_ascii=False)]
    warning, article = _jsonl(tmp_path, "feed.jsonl", lines)
    assert warning.code == "date_out_of_range" and warning.code in WARNING_CODES and value in warning.message
    assert warning.doc_id == article.doc_id == "feed.jsonl#a" and article.published is None
    doc, problems = analyze_isolated(article)
    assert problems == [] and doc.rows["documents"][0]["published"] is None


def test_robust_relative_dates_with_extreme_published_through_the_api():
    for published in (date(1, 1, 1), date(9999, 12, 31)):
        tables = extract.analyze("今年营收增长12%，明年将扩产，上个月签约，下周发布，三年后上市。", published=published)
        assert len(tables["quantities"]) == 1


def test_robust_ids_cannot_collide(tmp_path):
    lines = [json.dumps({"id": i, "text": ARTICLE}) for i in ("x", "x@L3", "x", "t.txt")]
    lines.append(json.dumps({"text": ARTICLE}))
    items = _jsonl(tmp_path, "c.jsonl", lines)
    (tmp_path / "c.jsonl#t.txt").write_text(ARTICLE, encoding="utf-8")
    items += list(read_path(tmp_path / "c.jsonl#t.txt", tmp_path))
    doc_ids = [i.doc_id for i in items if isinstance(i, Article)]
    assert doc_ids == ["c.jsonl#x", "c.jsonl#x%40L3", "c.jsonl#x@L3", "c.jsonl#t.txt", "c.jsonl#@L5",
                       "c.jsonl%23t.txt"]
    (dup,) = [i for i in items if isinstance(i, IngestFailure)]
    assert dup.code == "duplicate_id" and dup.doc_id == "c.jsonl#x@L3" and "line 1" in dup.message
    assert dup.code in WARNING_CODES


def test_robust_non_utf8_file_name_is_an_errors_row(tmp_path):
    raw = os.fsencode(tmp_path) + b"/caf\xe9.txt"
    with open(raw, "wb") as fh:
        fh.write(ARTICLE.encode("utf-8"))
    (tmp_path / "ok.txt").write_text(ARTICLE, encoding="utf-8")
    items = [item for path in discover(tmp_path) for item in _read_items(path, tmp_path, "?", 10_000)]
    (failure,) = [i for i in items if isinstance(i, IngestFailure)]
    assert failure.code == "bad_file_name" and failure.source == "caf\\xe9.txt"
    failure.source.encode("utf-8")
    assert [i.doc_id for i in items if isinstance(i, Article)] == ["ok.txt"]


def test_robust_size_limit_is_checked_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:  # a sparse file: 3 GiB by stat, nothing on disk
        fh.truncate(3 * 1024 ** 3)
    reads = []
    real_open = Path.open

    def spy(self, mode="r", *args, **kwargs):
        handle = real_open(self, mode, *args, **kwargs)
        real_read = handle.read
        handle_read = lambda n=-1: reads.append(n) or real_read(n)  # noqa: E731
        return _ReadSpy(handle, handle_read)

    monkeypatch.setattr(Path, "open", spy)
    (failure,) = read_path(path, tmp_path, max_bytes=1000)
    assert failure.code == "too_large" and "3,221,225,472 bytes" in failure.message
    assert reads == []


class _ReadSpy:
    def __init__(self, handle, read):
        self._handle, self.read = handle, read

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._handle.close()


def test_robust_jsonl_line_over_the_limit_is_skipped_without_stopping(tmp_path):
    lines = [json.dumps({"id": "big", "text": "中" * 5000}, ensure_ascii=False),
             json.dumps({"id": "ok", "text": ARTICLE}, ensure_ascii=False)]
    big, ok = _jsonl(tmp_path, "feed.jsonl", lines, max_bytes=2000)
    assert big.code == "too_large" and "line 1" in big.message
    assert ok.doc_id == "feed.jsonl#ok"


def test_robust_analyze_refuses_bad_types_and_surrogates_cleanly():
    with pytest.raises(TypeError, match="published"):
        extract.analyze(ARTICLE, published="2025-01-01")
    with pytest.raises(TypeError, match="source"):
        extract.analyze(ARTICLE, source=5)
    with pytest.raises(extract.ExtractError, match="lone surrogate") as info:
        extract.analyze("中芯国际\ud800营收增长12%")
    assert info.value.code == "invalid_unicode"


def test_robust_warning_codes_are_listed_in_the_readme():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for code in WARNING_CODES:
        assert f"`{code}`" in readme, code


def test_robust_an_article_over_its_time_budget_becomes_a_timeout_row(monkeypatch):
    import time

    from extract.settings import Settings

    real = article_mod.analyze_article

    def runaway(article, settings):
        if article.doc_id == "slow.txt":
            while True:  # a quadratic path on a huge article, in miniature
                try:
                    time.sleep(0.01)
                except Exception:  # an extractor's broad handler must not swallow the stop
                    pass
        return real(article, settings)

    monkeypatch.setattr(article_mod, "analyze_article", runaway)
    analyze_isolated(Article(doc_id="warm.txt", source="warm.txt", text=ARTICLE))  # models load once, unbudgeted
    settings = Settings(article_seconds=0.5)
    started = time.perf_counter()
    doc, (row,) = analyze_isolated(Article(doc_id="slow.txt", source="slow.txt", text=ARTICLE), settings)
    assert doc is None and time.perf_counter() - started < 5
    assert (row.code, row.stage, row.doc_id) == ("timeout", "analyze", "slow.txt")
    assert row.message.startswith("slow.txt: ") and "time budget of 0.5 s" in row.message
    doc, problems = analyze_isolated(Article(doc_id="good.txt", source="good.txt", text=ARTICLE), settings)
    assert problems == [] and doc is not None
    time.sleep(0.7)  # the budget of a finished article never fires later


def test_robust_settings_refuse_values_that_cannot_work():
    from extract.errors import SettingsError
    from extract.settings import Settings

    for bad in ({"article_seconds": -1}, {"article_seconds": float("inf")}, {"entity_model": "bert"}):
        with pytest.raises(SettingsError) as info:
            Settings(**bad)
        assert info.value.code == "bad_setting" and str(next(iter(bad))) in str(info.value)
    assert Settings(article_seconds=0).article_seconds == 0


@pytest.mark.parametrize("option, value, words", [
    ("--batch-size", "0", "--batch-size must be at least 1"),
    ("--batch-size", "-1", "--batch-size must be at least 1"),
    ("--max-bytes", "-5", "--max-bytes must be at least 1"),
    ("--article-seconds", "-1", "--article-seconds must be a number of seconds >= 0"),
    ("--article-seconds", "nan", "--article-seconds must be a number of seconds >= 0"),
])
def test_robust_invalid_settings_are_usage_errors(tmp_path, capsys, option, value, words):
    from pipeline.cli import EXIT_USAGE, main

    (tmp_path / "corpus").mkdir()
    code = main(["run", "--corpus", str(tmp_path / "corpus"), "--outputs", str(tmp_path / "out"),
                 "--state-dir", str(tmp_path / "state"), option, value])
    assert code == EXIT_USAGE == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_robust_exit_codes_are_distinct_and_documented():
    from pipeline import cli

    codes = {name: getattr(cli, name) for name in dir(cli) if name.startswith("EXIT_")}
    assert sorted(codes.values()) == [0, 1, 2, 3, 4, 5]
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for value in codes.values():
        assert f"| {value} |" in readme


def test_robust_more_than_999_bracketed_references_are_kept():
    from extract.extractors.references import parse_reference_list

    entries = "".join(f"[{n}] 第{n}篇半导体产业观察报告. 某某财经网. 2024-03-05.\n" for n in range(1, 1201))
    text = "据报道，中芯国际营收增长12%[1000]。\n\n参考资料\n" + entries
    refs = parse_reference_list(text)
    assert len(refs) == 1200
    assert [r.number for r in refs] == list(range(1, 1201))
    assert refs[1099].marker == "[1100]" and refs[1099].publisher == "某某财经网"


@pytest.mark.slow
def test_robust_watchdog_stops_the_children_of_a_killed_command(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    import psutil

    # A stand-in for `zh-extract serve`: it starts the watchdog and a long-lived server, then is killed -9.
    script = ("import subprocess, sys, time\n"
              "from pipeline.watchdog import start_watchdog\n"
              "start_watchdog()\n"
              "server = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'], "
              "start_new_session=True)\n"
              "print(server.pid, flush=True)\n"
              "time.sleep(300)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    server = psutil.Process(int(parent.stdout.readline()))
    time.sleep(2.5)  # the watchdog has noted the server
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    gone, alive = psutil.wait_procs([server], timeout=15)
    for proc in alive:
        proc.kill()
    assert gone and not alive, "the server outlived the command that started it"


def test_robust_watchdog_removes_the_batches_a_killed_command_analysed_ahead(tmp_path, monkeypatch):
    # A command killed -9 leaves its folder of batches analysed ahead (pipeline.batches) in the temp folder:
    # the watchdog removes it, and only the folders of that command.
    import subprocess
    import sys
    import tempfile

    from pipeline import watchdog

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    command = subprocess.Popen([sys.executable, "-c", "pass"])
    command.wait()
    mine = tmp_path / f"{watchdog.AHEAD_PREFIX}{command.pid}-x1"
    other = tmp_path / f"{watchdog.AHEAD_PREFIX}{command.pid}0-x1"
    for folder in (mine, other):
        (folder / "batches" / "tokens").mkdir(parents=True)
        (folder / "batches" / "tokens" / "ahead-00000.parquet").write_bytes(b"staged")
    assert watchdog.watch(command.pid) == 0
    assert not mine.exists() and other.exists()


def _run_plain(corpus: Path, outputs: Path, **options):
    """Run plan, analysis and commit as the flow's tasks do (no Prefect); return the plan."""
    from extract.io.corpus import commit_run, plan_run, process_batch
    from extract.io.delta import Outputs

    with Outputs(str(outputs)) as out:
        plan = plan_run(corpus, out, **options)
        staging = out.new_run()
        result = process_batch(plan.to_process, str(outputs), staging, "batch-00000")
        commit_run(out, staging, plan, [result], full=options.get("full", False))
    return plan


def _published(outputs: Path) -> tuple[list[str], list[tuple[str, str]]]:
    docs = sorted(extract.read_table(str(outputs), "documents")["doc_id"])
    errors = extract.read_table(str(outputs), "errors")
    return docs, sorted(zip(errors["source"], errors["code"]))


def test_robust_an_unreadable_folder_keeps_its_articles_until_it_can_be_read(tmp_path, monkeypatch):
    corpus, outputs = tmp_path / "corpus", tmp_path / "outputs"
    (corpus / "sub" / "deep").mkdir(parents=True)
    (corpus / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (corpus / "sub" / "b.txt").write_text(ARTICLE.replace("第二", "第三"), encoding="utf-8")
    (corpus / "sub" / "deep" / "c.txt").write_text(ARTICLE.replace("第二", "第四"), encoding="utf-8")
    _run_plain(corpus, outputs)
    assert _published(outputs) == (["a.txt", "sub/b.txt", "sub/deep/c.txt"], [])
    real_scandir = os.scandir

    def scandir(path):  # chmod 000, also for root (who could list it anyway)
        if not isinstance(path, int) and os.fspath(path) == str(corpus / "sub"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    (corpus / "a.txt").write_text(ARTICLE.replace("第二", "第一"), encoding="utf-8")  # the rest goes on
    plan = _run_plain(corpus, outputs)
    assert [a.doc_id for a in plan.to_process] == ["a.txt"] and plan.removed == [] and plan.skipped == 2
    assert _published(outputs) == (["a.txt", "sub/b.txt", "sub/deep/c.txt"], [("sub/", "unreadable_folder")])
    plan = _run_plain(corpus, outputs, full=True)  # a full run rewrites the tables, but not those articles
    assert [a.doc_id for a in plan.to_process] == ["a.txt"] and plan.removed == [] and plan.unlisted == ["sub/"]
    assert _published(outputs) == (["a.txt", "sub/b.txt", "sub/deep/c.txt"], [("sub/", "unreadable_folder")])
    monkeypatch.setattr(os, "scandir", real_scandir)
    plan = _run_plain(corpus, outputs)
    assert plan.to_process == [] and plan.removed == [] and plan.failures == []
    assert _published(outputs) == (["a.txt", "sub/b.txt", "sub/deep/c.txt"], [])
    (corpus / "sub" / "b.txt").unlink()  # now a deletion is a deletion again
    plan = _run_plain(corpus, outputs)
    assert plan.removed == ["sub/b.txt"]
    assert _published(outputs) == (["a.txt", "sub/deep/c.txt"], [])


def test_robust_a_symlink_leaving_the_corpus_is_refused_and_its_target_never_opened(tmp_path, monkeypatch):
    corpus, outside, outputs = tmp_path / "corpus", tmp_path / "outside", tmp_path / "outputs"
    corpus.mkdir()
    outside.mkdir()
    (corpus / "a.txt").write_text(ARTICLE, encoding="utf-8")
    secret = outside / "secret.txt"
    secret.write_text("机密：" + ARTICLE, encoding="utf-8")
    (corpus / "leak.txt").symlink_to(secret)
    _run_plain(corpus, outputs, follow_symlinks=True)  # followed when asked
    assert _published(outputs) == (["a.txt", "leak.txt"], [])
    opened = []
    real_open = Path.open

    def spy(self, *args, **kwargs):
        opened.append(os.path.realpath(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", spy)
    plan = _run_plain(corpus, outputs)
    assert str(secret) not in opened
    assert plan.removed == ["leak.txt"]  # published while followed; refused now, so its rows go
    (row,) = plan.failures
    assert (row.source, row.code) == ("leak.txt", "outside_corpus") and str(secret) in row.message
    assert _published(outputs) == (["a.txt"], [("leak.txt", "outside_corpus")])
    (corpus / "leak.txt").unlink()
    _run_plain(corpus, outputs)
    assert _published(outputs) == (["a.txt"], [])


def test_robust_an_unreadable_file_keeps_its_articles_until_it_can_be_read(tmp_path, monkeypatch):
    corpus, outputs = tmp_path / "corpus", tmp_path / "outputs"
    corpus.mkdir()
    (corpus / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (corpus / "b.txt").write_text(ARTICLE.replace("第二", "第三"), encoding="utf-8")
    _run_plain(corpus, outputs)
    real_open = Path.open

    def open_(self, *args, **kwargs):  # chmod 000, also for root
        if self.name == "b.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_)
    plan = _run_plain(corpus, outputs)
    assert plan.removed == [] and plan.to_process == [] and plan.skipped == 2
    assert _published(outputs) == (["a.txt", "b.txt"], [("b.txt", "unreadable")])
    monkeypatch.setattr(Path, "open", real_open)
    plan = _run_plain(corpus, outputs)
    assert plan.removed == [] and plan.failures == []
    assert _published(outputs) == (["a.txt", "b.txt"], [])
