"""Robustness through the command users run: a hostile corpus still publishes its good articles (issue 19)."""
from __future__ import annotations

import json

import pytest

pytest.register_assert_rewrite("flow_fixtures")
from flow_fixtures import *  # noqa: E402,F403

pytest_plugins = ["flow_fixtures"]

# Injected in the `zh-extract run` process: a bug in one article and a runaway one.
FAULTS = '''
import time
import extract.analysis.article as article_mod

_analyze = article_mod.analyze_article

def analyze_article(article, settings):
    if article.doc_id == "crash.txt":
        raise KeyError("no such thing")
    if article.doc_id == "slow.txt":
        while True:
            time.sleep(0.01)
    return _analyze(article, settings)

article_mod.analyze_article = analyze_article
'''


@pytest.fixture(scope="module")
def hostile_run(prefect_api, tmp_path_factory):
    work = tmp_path_factory.mktemp("hostile")
    corpus, outputs = work / "corpus", work / "outputs"
    corpus.mkdir()
    for i, name in enumerate(("good.txt", "crash.txt", "slow.txt", "c.jsonl#t.txt")):
        (corpus / name).write_text(tiny_article(200 + i), encoding="utf-8")
    body = "<p>" + tiny_article(210).replace("\n", "</p><p>") + "</p>"
    (corpus / "page.html").write_text(f"<html><head><title>芯片新闻</title></head><body><article>{body}"
                                      "</article></body></html>", encoding="utf-8")
    records = [{"id": "x", "text": tiny_article(220)}, {"id": "x@L3", "text": tiny_article(221)},
               {"id": "x", "text": tiny_article(222)}, {"id": "t.txt", "text": tiny_article(223)},
               {"id": "s", "text": "中\ud800文"}, {"id": "d", "date": "0001-01-01", "text": tiny_article(224)}]
    (corpus / "c.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    # --workers 1: batches run in this process, where FAULTS patched the analysis (a pool would not see it)
    run = run_cli_with(prefect_api, work, FAULTS, corpus, outputs, "--article-seconds", "3", "--workers", "1")
    return {"run": run, "tables": read_tables(outputs)}


def test_robust_flow_hostile_corpus_publishes_its_good_articles(hostile_run):
    run = hostile_run["run"]
    assert run.returncode == 1, run.stderr[-3000:]
    assert "Traceback" not in run.stdout
    docs = sorted(hostile_run["tables"]["documents"]["doc_id"])
    assert docs == ["c.jsonl#d", "c.jsonl#t.txt", "c.jsonl#x", "c.jsonl#x%40L3", "c.jsonl#x@L3",
                    "c.jsonl%23t.txt", "good.txt", "page.html"]


def test_robust_flow_each_problem_is_one_errors_row(hostile_run):
    errors = hostile_run["tables"]["errors"]
    got = sorted(zip(errors["source"], errors["code"]))
    assert got == [("c.jsonl", "date_out_of_range"), ("c.jsonl", "duplicate_id"), ("c.jsonl", "invalid_unicode"),
                   ("crash.txt", "internal_error"), ("slow.txt", "timeout")]
    crash = errors[errors["code"] == "internal_error"].iloc[0]
    assert crash["message"].startswith("crash.txt: ") and "KeyError" in crash["message"]
    assert hostile_run["run"].summary["failed"] == 3 and hostile_run["run"].summary["warnings"] == 2


def test_robust_flow_unwritable_outputs_exit_with_their_own_code(prefect_api, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(tiny_article(230), encoding="utf-8")
    outputs = tmp_path / "outputs"
    outputs.write_text("a file where the outputs folder should be", encoding="utf-8")
    run = run_cli(prefect_api, tmp_path, corpus, outputs)
    assert run.returncode == 3, run.stderr[-3000:]
    assert "zh-extract: the outputs could not be written" in run.stderr
