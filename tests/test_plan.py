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
