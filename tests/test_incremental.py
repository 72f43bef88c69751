"""Incremental runs: unchanged articles are skipped, edited ones replaced, removed ones leave every table."""
from __future__ import annotations

import json
import shutil

import pytest

from extract.io.tables import TABLES

pytest.register_assert_rewrite("flow_fixtures")
from flow_fixtures import *  # noqa: E402,F403  (helpers; the fixtures come from the plugin)

pytest_plugins = ["flow_fixtures"]


def _copy_baseline(baseline, tmp_path):
    corpus, outputs = tmp_path / "corpus", tmp_path / "outputs"
    shutil.copytree(baseline["corpus"], corpus)
    shutil.copytree(baseline["outputs"], outputs)
    return corpus, outputs


def test_incremental_rerun_skips_unchanged_articles(prefect_api, baseline, tmp_path):
    corpus, outputs = _copy_baseline(baseline, tmp_path)
    run = run_cli(prefect_api, tmp_path, corpus, outputs)
    summary = run.summary
    assert run.returncode == 0
    assert (summary["processed"], summary["skipped"], summary["removed"], summary["failed"]) == (0, 9, 0, 0)
    assert all(n == 0 for n in summary["rows_written"].values())
    assert_tables_equal(read_tables(outputs), baseline["tables"])


def test_incremental_summary_text_names_the_skipped(baseline):
    from pipeline.cli import format_summary

    summary = {**baseline["run"].summary, "processed": 0, "skipped": 9}
    assert format_summary(summary).startswith("articles: 0 processed, 9 unchanged (skipped), 0 removed, 0 failed")


def test_incremental_edit_and_delete_replace_rows(prefect_api, baseline, tmp_path):
    corpus, outputs = _copy_baseline(baseline, tmp_path)
    edited = tiny_article(1, edition=5)
    (corpus / "a0001.txt").write_text(edited, encoding="utf-8")
    (corpus / "a0002.txt").unlink()
    wire = corpus / "news" / "wire.jsonl"
    lines = wire.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[0])
    record["text"] += "\n会议还透露，明年将新增三个产业园区。"
    wire.write_text("\n".join([json.dumps(record, ensure_ascii=False), lines[2]]) + "\n", encoding="utf-8")

    run = run_cli(prefect_api, tmp_path, corpus, outputs)
    summary = run.summary
    assert run.returncode == 0
    # a0001 and wire#r0 changed; wire#r2 is unchanged although its line moved; a0002 and wire#r1 are gone.
    assert (summary["processed"], summary["skipped"], summary["removed"], summary["failed"]) == (2, 5, 2, 0)
    tables = read_tables(outputs)
    docs = tables["documents"].set_index("doc_id")
    assert "a0002.txt" not in docs.index and "news/wire.jsonl#r1" not in docs.index
    assert docs.loc["a0001.txt", "text"] == edited
    assert "三个产业园区" in docs.loc["news/wire.jsonl#r0", "text"]
    for name in TABLES:
        if name == "errors":
            continue
        ids = set(tables[name]["doc_id"]) if len(tables[name]) else set()
        assert not ids & {"a0002.txt", "news/wire.jsonl#r1"}, f"{name} still holds rows of removed articles"
    sentences = tables["sentences"]
    new_sentences = sentences[sentences["doc_id"] == "a0001.txt"]["text"].tolist()
    assert all(s in edited for s in new_sentences) and len(new_sentences) >= 3
    # Rows of untouched articles did not move.
    for name in TABLES:
        keep = baseline["tables"][name]
        if not len(keep):
            continue
        keep = keep[~keep["doc_id"].isin(["a0001.txt", "a0002.txt", "news/wire.jsonl#r0", "news/wire.jsonl#r1"])]
        now = tables[name][tables[name]["doc_id"].isin(set(keep["doc_id"]))]
        assert len(now) == len(keep), name
    assert summary["rows_total"]["documents"] == 7


def test_incremental_full_reprocesses_everything_with_equal_tables(prefect_api, baseline, tmp_path):
    corpus, outputs = _copy_baseline(baseline, tmp_path)
    run = run_cli(prefect_api, tmp_path, corpus, outputs, "--full")
    assert run.returncode == 0
    assert (run.summary["processed"], run.summary["skipped"]) == (9, 0)
    assert_tables_equal(read_tables(outputs), baseline["tables"])


def _as_if_written_by(outputs, version: str, doc_ids: list[str], sources: list[str]) -> None:
    """Mark documents and files as written by another pipeline version, recorded as a completed run."""
    import pyarrow as pa
    from deltalake import DeltaTable, write_deltalake

    from extract.io.delta import FILES, RUNS, RUNS_SCHEMA, in_predicate

    runs = DeltaTable(str(outputs / RUNS))
    last = max(pa.table(runs.to_pyarrow_table()).to_pylist(), key=lambda r: r["finished_at"])
    versions = json.loads(last["table_versions"])
    for name, column, keys in (("documents", "doc_id", doc_ids), (FILES, "source", sources)):
        table = DeltaTable(str(outputs / name))
        table.update(updates={"pipeline_version": repr(version)}, predicate=in_predicate(column, keys))
        versions[name] = table.version()
    row = {**last, "run_id": last["run_id"] + "-edited", "table_versions": json.dumps(versions)}
    write_deltalake(str(outputs / RUNS), pa.Table.from_pylist([row], schema=RUNS_SCHEMA),
                    mode="append")


def test_incremental_other_pipeline_version_is_reprocessed(prefect_api, baseline, tmp_path):
    corpus, outputs = _copy_baseline(baseline, tmp_path)
    # As if an older release had written these two: one plain file, one JSON Lines record.
    _as_if_written_by(outputs, "0.0.1", ["a0003.txt", "news/wire.jsonl#r2"], ["a0003.txt", "news/wire.jsonl"])
    run = run_cli(prefect_api, tmp_path, corpus, outputs)
    assert run.returncode == 0
    assert (run.summary["processed"], run.summary["skipped"]) == (2, 7)
    assert run.summary["rows_written"]["documents"] == 2
    assert_tables_equal(read_tables(outputs), baseline["tables"])
