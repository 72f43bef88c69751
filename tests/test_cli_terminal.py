"""What `zh-extract` shows a person: readable, aligned tables; --json; files read as articles; --version."""
from __future__ import annotations

import io
import json
import logging
import re

import pytest
from rich.cells import cell_len

import extract
from pipeline import cli, terminal

pytest.register_assert_rewrite("flow_fixtures")
from flow_fixtures import tiny_article  # noqa: E402

SEED = "h200-china-chips.txt"


@pytest.fixture()
def seed_file(monkeypatch, seed_analysis, tmp_path):
    """`zh-extract analyze` on the seed article, its analysis taken from the session's (the same call)."""
    tables = dict(seed_analysis, errors=extract.io.tables.to_frame("errors", []))
    monkeypatch.setattr(extract, "analyze_file_rows", lambda path, published=None: tables)
    monkeypatch.setenv("COLUMNS", "160")
    return tmp_path / SEED


def test_cli_analyze_prints_values_for_reading(seed_file, capsys):
    assert cli.main(["analyze", str(seed_file)]) == 0
    out = capsys.readouterr().out
    assert not re.search(r"\d\.\d+e[+-]\d", out), "a value in scientific notation"
    assert "None" not in out and "<NA>" not in out and "nan" not in out
    assert "publication date unknown" in out
    assert "over 50,000,000,000 CNY" in out  # 超500億元
    assert "2025-07-01 – 2025-09-30" in out  # 2025年三季度
    assert len(out.splitlines()) < 400


def test_cli_analyze_aligns_chinese_columns(seed_file, capsys):
    cli.main(["analyze", str(seed_file)])
    lines = capsys.readouterr().out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("Entities"))
    header = lines[head + 2]
    rows = [line for line in lines[head + 4:] if line.strip()][:40]
    label_at = cell_len(header[:header.index("label")])
    starts = {cell_len(line[:re.search(r" (GPE|ORG|PERSON|PRODUCT|LOC) ", line).start() + 1]) for line in rows}
    assert starts == {label_at}
    assert any(re.search(r"[\u4e00-\u9fff]", line) for line in rows)


def test_cli_analyze_json_is_every_table(seed_file, capsys, seed_analysis):
    assert cli.main(["analyze", str(seed_file), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {name: len(rows) for name, rows in data.items() if name != "errors"} == \
        {name: len(frame) for name, frame in seed_analysis.items()}
    money = next(q for q in data["quantities"] if q["text"] == "超500億元")
    assert money["value"] == 5e10 and money["unit"] == "CNY" and money["approximate"] is True
    assert data["documents"][0]["published"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", next(d for d in data["dates"] if d["start_date"])["start_date"])


def test_analyze_file_reads_jsonl_records_as_articles(tmp_path):
    records = [{"id": "r1", "title": "深圳新能源汽车产量增长", "date": "2025-03-15", "outlet": "某报",
                "text": tiny_article(1).split("\n", 1)[1]},
               {"id": "r2", "text": tiny_article(2)}]
    path = tmp_path / "wire.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n{broken\n", encoding="utf-8")
    tables = extract.analyze_file(path)
    docs = tables["documents"].set_index("doc_id")
    assert list(docs.index) == ["wire.jsonl#r1", "wire.jsonl#r2"]
    assert docs.loc["wire.jsonl#r1", "title"] == "深圳新能源汽车产量增长"
    assert str(docs.loc["wire.jsonl#r1", "published"]) == "2025-03-15"
    assert docs.loc["wire.jsonl#r1", "outlet"] == "某报"
    assert not tables["sentences"]["text"].str.contains(r'[{}"]').any()
    assert tables["errors"]["code"].tolist() == ["bad_json"]


def test_analyze_file_reads_html_main_text(tmp_path):
    body = "".join(f"<p>{line}</p>" for line in tiny_article(3).split("\n") if line)
    path = tmp_path / "page.html"
    path.write_text(f"<html><head><title>工业机器人产量增长</title></head><body><nav>首页 | 登录</nav>"
                    f"<article>{body}</article><script>var x = 1;</script></body></html>", encoding="utf-8")
    tables = extract.analyze_file(path)
    text = tables["documents"]["text"].iloc[0]
    assert "<" not in text and "var x" not in text
    assert "统计局" in text
    assert len(tables["quantities"]) > 0


def test_analyze_file_published_overrides_and_failure_raises(tmp_path):
    from datetime import date

    path = tmp_path / "a.txt"
    path.write_text(tiny_article(5), encoding="utf-8")
    tables = extract.analyze_file(path, published=date(2025, 6, 1))
    assert str(tables["documents"]["published"].iloc[0]) == "2025-06-01"
    (tmp_path / "bad.jsonl").write_text("not json\n", encoding="utf-8")
    with pytest.raises(extract.IngestError, match="bad.jsonl line 1"):
        extract.analyze_file(tmp_path / "bad.jsonl")
    assert cli.main(["analyze", str(tmp_path / "bad.jsonl")]) == 1
    assert cli.main(["analyze", str(tmp_path / "missing.txt")]) == 1


def test_analyze_file_rows_are_the_frames_values(tmp_path, seed_text):
    import pandas as pd

    path = tmp_path / SEED
    path.write_text(seed_text, encoding="utf-8")
    rows, frames = extract.analyze_file_rows(path), extract.analyze_file(path)
    assert rows.keys() == frames.keys()
    for name, frame in frames.items():
        expected = extract.io.tables.to_frame(name, rows[name])
        pd.testing.assert_frame_equal(frame.drop(columns=["processed_at"], errors="ignore"),
                                      expected.drop(columns=["processed_at"], errors="ignore"))


@pytest.mark.slow
def test_cli_analyze_imports_neither_pandas_nor_prefect(tmp_path, seed_text):
    """`zh-extract analyze` prints rows: importing pandas, pyarrow (and Prefect) cost more than analysing the file;
    jieba's import does without setuptools' pkg_resources."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    path = tmp_path / SEED
    path.write_text(seed_text, encoding="utf-8")
    code = ("import io, json, sys, contextlib\n"
            "from pipeline import cli\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
            f"    status = cli.main(['analyze', {str(path)!r}])\n"
            "print(json.dumps([status, len(out.getvalue()), sorted(m for m in sys.modules\n"
            "                  if m.split('.')[0] in ('pandas', 'pyarrow', 'prefect', 'pkg_resources'))]))\n")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": f"{root / 'src'}:{root}"})
    assert done.returncode == 0, done.stderr[-2000:]
    status, printed, imported = json.loads(done.stdout.strip().splitlines()[-1])
    assert status == 0 and printed > 1000
    assert imported == []


@pytest.mark.parametrize("argv", [["--version"], ["run", "--version"], ["serve", "--version"],
                                  ["analyze", "--version"], ["review", "--version"]])
def test_cli_version_on_every_command(argv, capsys):
    from importlib.metadata import version

    assert cli.main(argv) == 0
    assert capsys.readouterr().out.strip() == f"zh-extract {version('zh-extract')}"


def test_run_summary_view_is_a_table_of_counts(monkeypatch):
    from rich.console import Console

    summary = {"processed": 1234, "skipped": 5, "removed": 0, "failed": 1, "warnings": 2, "seconds": 61.234,
               "rows_written": {"documents": 1234, "entities": 45678}, "rows_total": {"documents": 1239, "entities": 45999},
               "failures": [{"source": "x.jsonl", "doc_id": "x.jsonl#7", "code": "no_text", "message": "x.jsonl line 7: no text"}]}
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(terminal.run_summary_view(summary))
    out = console.export_text()
    assert re.search(r"1,234 +5 +0 +1 +2 +61\.2", out)
    assert re.search(r"entities +45,678 +45,999", out)
    assert "x.jsonl#7" in out and "no_text" in out


def test_run_progress_follows_the_flow_log_lines():
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(file=io.StringIO())) as progress:
        task = progress.add_task("planning", total=None)
        watcher = terminal._FlowProgress(progress, task)
        make = lambda msg, *args: logging.LogRecord("prefect.flow_runs", logging.INFO, __file__, 1, msg, args, None)
        watcher.emit(make("plan: %d to process, %d unchanged, %d removed, %d unreadable", 40, 3, 0, 0))
        assert progress.tasks[0].total == 40
        watcher.emit(make("batches %d/%d, articles %d/%d, %.1f articles/s, %.0f chars/s", 1, 2, 25, 40, 3.0, 9e4))
        assert progress.tasks[0].completed == 25


def test_run_progress_is_silent_off_a_terminal():
    from rich.console import Console

    flow_logger = logging.getLogger("prefect.flow_runs")
    before = list(flow_logger.handlers)
    with terminal.run_progress(Console(file=io.StringIO(), force_terminal=False)):
        assert flow_logger.handlers == before
