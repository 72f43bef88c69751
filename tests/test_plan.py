"""A run plans before it pays for orchestration: with nothing to do it answers without Prefect or the models.

The outputs are made in this process with the library's own steps (plan, process, commit: what the flow's
tasks call), so that these tests need no Prefect server; `zh-extract run` then runs in a subprocess, as users
call it, to see what it imports.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from extract.io.corpus import commit_run, plan_run, process_batch
from extract.io.delta import Outputs
from pipeline.plan import idle_summary

pytest.register_assert_rewrite("flow_fixtures")
from flow_fixtures import tiny_article, write_tiny_corpus  # noqa: E402

MAX_BYTES = 10_000_000
# Runs the command line's main and reports, after its output, which heavy packages the process imported.
# pandas is not among them: reading the Delta manifest goes through pyarrow.dataset, which imports it.
_PROBE = ("import sys\nfrom pipeline.cli import main\nrc = main(sys.argv[1:])\n"
          "print('IMPORTED', sorted(m for m in ('prefect', 'spacy', 'jieba') if m in sys.modules))\n"
          "sys.exit(rc)\n")


def _publish(corpus: Path, outputs: Path) -> None:
    """Process the corpus into `outputs` as one run of the flow would, without Prefect."""
    with Outputs(str(outputs)) as out:
        plan = plan_run(corpus, out, max_bytes=MAX_BYTES)
        staging = out.new_run()
        result = process_batch(plan.to_process, str(outputs), staging, "batch-00000")
        commit_run(out, staging, plan, [result])


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return subprocess.run([sys.executable, "-c", _PROBE, *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def published(tmp_path) -> tuple[Path, Path]:
    corpus, outputs = tmp_path / "corpus", tmp_path / "outputs"
    write_tiny_corpus(corpus, 3)
    _publish(corpus, outputs)
    return corpus, outputs


def test_plan_idle_summary_of_an_unchanged_corpus(published):
    corpus, outputs = published
    summary = idle_summary(str(corpus), str(outputs), max_bytes=MAX_BYTES)
    assert summary is not None
    assert (summary["processed"], summary["skipped"], summary["removed"], summary["failed"]) == (0, 3, 0, 0)
    assert summary["rows_total"]["documents"] == 3 and summary["rows_total"]["errors"] == 0
    assert summary["rows_total"]["sentences"] >= 6
    assert set(summary["rows_written"].values()) == {0}


@pytest.mark.parametrize("change", ["edit", "add", "remove", "full-outputs-missing"])
def test_plan_idle_summary_is_none_when_there_is_work(published, change):
    corpus, outputs = published
    if change == "edit":
        (corpus / "a0001.txt").write_text(tiny_article(1, edition=1), encoding="utf-8")
    elif change == "add":
        write_tiny_corpus(corpus, 1, start=3)
    elif change == "remove":
        (corpus / "a0002.txt").unlink()
    else:
        outputs = outputs.parent / "elsewhere"
    assert idle_summary(str(corpus), str(outputs), max_bytes=MAX_BYTES) is None


def test_plan_a_run_with_nothing_to_do_imports_no_prefect(published, tmp_path):
    corpus, outputs = published
    done = _cli(tmp_path, "run", "--corpus", str(corpus), "--outputs", str(outputs), "--state-dir",
                str(tmp_path / "state"), "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    printed, imported = done.stdout.rsplit("IMPORTED", 1)
    summary = json.loads(printed)
    assert (summary["processed"], summary["skipped"], summary["failed"]) == (0, 3, 0)
    assert summary["rows_total"]["documents"] == 3
    # Neither Prefect nor the analysis was loaded (pandas may be: pyarrow.dataset, which Delta reads through,
    # imports it).
    assert not {"prefect", "spacy", "jieba"} & set(json.loads(imported.strip().replace("'", '"')))


@pytest.mark.slow  # loads the whole analysis in a new process
def test_plan_analyze_command_imports_no_prefect(tmp_path):
    article = tmp_path / "article.txt"
    article.write_text(tiny_article(5), encoding="utf-8")
    done = _cli(tmp_path, "analyze", str(article))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "4 quantities" in done.stdout  # the summary line of the readable view
    imported = done.stdout.rsplit("IMPORTED", 1)[1]
    assert "prefect" not in imported and "spacy" in imported


# -- failures of unchanged files ---------------------------------------------------------------------------
ENGLISH = "The council approved the budget on Monday.\n"
# (source, doc_id, code) of the bad corpus' failures: each one refused by the input's own content
BAD = {("english.txt", "english.txt", "no_chinese"), ("feed.jsonl", None, "bad_json"),
       ("feed.jsonl", "feed.jsonl#n3", "no_chinese")}


def _write_bad_corpus(corpus: Path) -> None:
    """Write two good articles, a file with no Chinese, and a JSONL file with a good, a broken and an English line."""
    write_tiny_corpus(corpus, 2)
    (corpus / "english.txt").write_text(ENGLISH, encoding="utf-8")
    records = [json.dumps({"id": "n1", "text": tiny_article(7)}, ensure_ascii=False), '{"id": "n2", "text": "没有结束',
               json.dumps({"id": "n3", "text": "Markets closed higher on Friday."})]
    (corpus / "feed.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")


def _error_rows(outputs: Path) -> set[tuple]:
    from extract.io.delta import rows_of, snapshot

    return {(r["source"], r["doc_id"], r["code"], r["run_id"]) for r in rows_of(snapshot(str(outputs), "errors"))}


@pytest.fixture
def published_bad(tmp_path) -> tuple[Path, Path]:
    corpus, outputs = tmp_path / "corpus", tmp_path / "outputs"
    _write_bad_corpus(corpus)
    _publish(corpus, outputs)
    return corpus, outputs


def _unread(monkeypatch) -> list[str]:
    """Record every file the planner reads."""
    import extract.io.corpus as corpus_mod

    read, real = [], corpus_mod.read_path
    monkeypatch.setattr(corpus_mod, "read_path", lambda path, *a, **k: read.append(path.name) or real(path, *a, **k))
    return read


def test_plan_unchanged_files_refused_for_their_content_are_not_read_again(published_bad, monkeypatch):
    corpus, outputs = published_bad
    assert {row[:3] for row in _error_rows(outputs)} == BAD
    read = _unread(monkeypatch)
    summary = idle_summary(str(corpus), str(outputs), max_bytes=MAX_BYTES)
    assert read == []
    assert summary is not None, "standing failures need no flow"
    assert (summary["processed"], summary["skipped"], summary["failed"], summary["warnings"]) == (0, 3, 3, 0)
    assert {(f["source"], f["doc_id"], f["code"]) for f in summary["failures"]} == BAD
    assert all(f["standing"] for f in summary["failures"])
    assert "no Chinese" in next(f["message"] for f in summary["failures"] if f["source"] == "english.txt")


def test_plan_a_run_with_only_standing_failures_exits_1_without_prefect(published_bad, tmp_path):
    corpus, outputs = published_bad
    before = _error_rows(outputs)
    done = _cli(tmp_path, "run", "--corpus", str(corpus), "--outputs", str(outputs), "--state-dir",
                str(tmp_path / "state"), "--json")
    assert done.returncode == 1, done.stderr[-3000:]  # CONTRACT: 1 when some inputs failed (they are in errors)
    printed, imported = done.stdout.rsplit("IMPORTED", 1)
    summary = json.loads(printed)
    assert (summary["processed"], summary["skipped"], summary["failed"]) == (0, 3, 3)
    assert not {"prefect", "spacy", "jieba"} & set(json.loads(imported.strip().replace("'", '"')))
    assert _error_rows(outputs) == before, "the rows of the run that found them stay, run_id included"
    shown = subprocess.run([sys.executable, "-c", _PROBE, "run", "--corpus", str(corpus), "--outputs", str(outputs),
                            "--state-dir", str(tmp_path / "state")], cwd=tmp_path, capture_output=True, text=True,
                           timeout=300, env={**{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")},
                                                      "COLUMNS": "400"})
    assert shown.returncode == 1 and "unchanged since an earlier run found it" in shown.stdout


@pytest.mark.parametrize("edit, code", [(ENGLISH.replace("Monday", "Tuesday"), "no_chinese"),
                                        (tiny_article(9), None)], ids=["still-bad", "fixed"])
def test_plan_a_changed_bad_file_is_read_again(published_bad, monkeypatch, edit, code):
    corpus, outputs = published_bad
    (corpus / "english.txt").write_text(edit, encoding="utf-8")
    assert idle_summary(str(corpus), str(outputs), max_bytes=MAX_BYTES) is None
    read = _unread(monkeypatch)
    with Outputs(str(outputs)) as out:
        plan = plan_run(corpus, out, max_bytes=MAX_BYTES)
    assert read == ["english.txt"]
    assert [a.doc_id for a in plan.to_process] == ["english.txt"] and "english.txt" in plan.touched_sources
    assert {(f.source, f.doc_id, f.code) for f in plan.standing} == BAD - {("english.txt", "english.txt", "no_chinese")}
    _publish(corpus, outputs)
    rows = {row[:3] for row in _error_rows(outputs) if row[0] == "english.txt"}
    assert rows == ({("english.txt", "english.txt", code)} if code else set())


def test_plan_a_run_with_work_keeps_standing_errors_and_counts_them_failed(published_bad):
    import extract

    corpus, outputs = published_bad
    before = _error_rows(outputs)
    write_tiny_corpus(corpus, 1, start=5)
    _publish(corpus, outputs)
    assert _error_rows(outputs) == before
    run = extract.read_table(str(outputs), "runs").sort_values("finished_at").iloc[-1]
    assert (run["processed"], run["unchanged"], run["failed"], run["status"]) == (1, 3, 3, "partial")
    assert sorted(extract.read_table(str(outputs), "documents")["doc_id"]) == [
        "a0000.txt", "a0001.txt", "a0005.txt", "feed.jsonl#n1"]


def test_plan_full_reads_files_refused_before(published_bad, monkeypatch):
    corpus, outputs = published_bad
    read = _unread(monkeypatch)
    with Outputs(str(outputs)) as out:
        plan = plan_run(corpus, out, full=True, max_bytes=MAX_BYTES)
    assert sorted(read) == ["a0000.txt", "a0001.txt", "english.txt", "feed.jsonl"]
    assert plan.standing == [] and {"english.txt", "feed.jsonl#n3"} <= {a.doc_id for a in plan.to_process}


def test_plan_a_failure_not_of_the_content_is_retried(tmp_path, monkeypatch):
    """An article that crashed the analysis (a bug, a killed worker, a timeout) is analysed again next run."""
    import extract.io.corpus as corpus_mod

    corpus, outputs = tmp_path / "corpus", tmp_path / "outputs"
    write_tiny_corpus(corpus, 2)
    real = corpus_mod.analyze_article

    def crash_on_a0001(article, settings):
        if article.doc_id == "a0001.txt":
            raise MemoryError("the worker ran out of memory")
        return real(article, settings)

    with monkeypatch.context() as patch:
        patch.setattr(corpus_mod, "analyze_article", crash_on_a0001)
        _publish(corpus, outputs)
    assert {row[:3] for row in _error_rows(outputs)} == {("a0001.txt", "a0001.txt", "internal_error")}
    assert idle_summary(str(corpus), str(outputs), max_bytes=MAX_BYTES) is None
    _publish(corpus, outputs)
    assert _error_rows(outputs) == set()
    summary = idle_summary(str(corpus), str(outputs), max_bytes=MAX_BYTES)
    assert (summary["skipped"], summary["failed"], summary["failures"]) == (2, 0, [])
