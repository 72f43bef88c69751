"""The flow through `zh-extract run`: summary, exit status, tables every reader opens, progress, validation."""
from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from extract.errors import OutputError
from extract.io.tables import TABLES
from extract.io.delta import Manifest, Outputs, RunCounts, read_manifest

pytest.register_assert_rewrite("flow_fixtures")
from flow_fixtures import *  # noqa: E402,F403  (helpers; the fixtures come from the plugin)

pytest_plugins = ["flow_fixtures"]


def test_flow_run_summary_counts_articles_and_rows(baseline):
    summary = baseline["run"].summary
    assert baseline["run"].returncode == 0
    assert (summary["processed"], summary["skipped"], summary["removed"], summary["failed"]) == (9, 0, 0, 0)
    assert summary["rows_total"]["documents"] == 9
    for name in TABLES:
        assert summary["rows_written"][name] == summary["rows_total"][name] == len(baseline["tables"][name])


def test_flow_tables_hold_every_article(baseline):
    docs = baseline["tables"]["documents"]
    assert sorted(docs["doc_id"]) == sorted(
        ["a0000.txt", "a0001.txt", "a0002.txt", "a0003.txt", SEED.name, "news/brief.md",
         "news/wire.jsonl#r0", "news/wire.jsonl#r1", "news/wire.jsonl#r2"])
    wire = docs.set_index("doc_id").loc["news/wire.jsonl#r1"]
    assert str(wire["published"]) == "2025-02-15" and wire["published_basis"] == "metadata"
    for name in ("sentences", "tokens", "quantities", "dates"):
        assert set(baseline["tables"][name]["doc_id"]) == set(docs["doc_id"]), name


def test_flow_offsets_slice_the_original_text(baseline):
    texts = baseline["tables"]["documents"].set_index("doc_id")["text"]
    for name in ("sentences", "entities", "quantities", "dates"):
        frame = baseline["tables"][name]
        for doc_id, start, end, text in frame[["doc_id", "start", "end", "text"]].itertuples(index=False):
            assert texts[doc_id][start:end] == text, (name, doc_id, start, end)


@pytest.mark.parametrize("reader", ["deltalake", "polars_read", "polars_scan", "duckdb", "read_table"])
def test_flow_tables_open_in_every_delta_reader(baseline, reader):
    outputs = baseline["outputs"]
    for name in TABLES:
        assert len(read_delta_table(outputs / name, reader)) == len(baseline["tables"][name]), (reader, name)


def test_flow_tables_carry_schema_version_and_run_id(baseline):
    from deltalake import DeltaTable

    run_id = baseline["run"].summary["run_id"]
    for name in TABLES:
        table = DeltaTable(str(baseline["outputs"] / name))
        assert "schema_version 2" in (table.metadata().description or ""), name
        assert table.metadata().configuration["delta.enableChangeDataFeed"] == "true", name
        frame = table.to_pandas()
        assert set(frame["run_id"]) <= {run_id}, name


def test_flow_progress_logs_batches_with_rate(baseline):
    log = baseline["run"].stderr
    assert "batches 3/3" in log and "articles 9/9" in log
    assert "articles/s" in log and "chars/s" in log


def test_flow_second_run_while_locked_is_refused(prefect_api, baseline, tmp_path):
    corpus, outputs = tmp_path / "corpus", tmp_path / "outputs"
    shutil.copytree(baseline["corpus"], corpus)
    shutil.copytree(baseline["outputs"], outputs)
    # This test process plays the run that holds the claim.
    with Outputs(str(outputs)):
        run = run_cli(prefect_api, tmp_path, corpus, outputs)
    assert run.returncode == 4  # EXIT_LOCKED: a failure of the run, not of an input nor of the usage
    assert "another run is writing to" in run.stderr and "pid " in run.stderr
    assert_tables_equal(read_tables(outputs), baseline["tables"])


def test_flow_missing_corpus_is_a_usage_error(tmp_path):
    from pipeline.cli import main

    assert main(["run", "--corpus", str(tmp_path / "nope"), "--outputs", str(tmp_path / "o"),
                 "--state-dir", str(tmp_path / "s")]) == 2


def _stage_documents(outputs: Outputs, staging: str, *, n_chars: int, sentence_end: int) -> None:
    now = datetime.now(timezone.utc)
    doc = {"doc_id": "x.txt", "source": "x.txt", "content_sha256": "0" * 64, "variant": "zh-Hans",
           "conversion": "t2s", "text": "今天下雨。", "text_simplified": "今天下雨。", "n_chars": n_chars,
           "pipeline_version": "test", "processed_at": now}
    sentence = {"doc_id": "x.txt", "sent_idx": 0, "start": 0, "end": sentence_end, "section": "body",
                "text": "今天下雨。", "text_simplified": "今天下雨。", "paragraph_idx": 0}
    outputs.stage_batch(staging, "batch-00000", {"documents": [doc], "sentences": [sentence]})


def _commit(outputs: Outputs, staging: str, published_before=()) -> None:
    manifest = Manifest(documents={"x.txt": {"source": "x.txt", "sha256": "0", "version": "t"}})
    versions = outputs.commit(staging, manifest, replaced_docs=["x.txt"], published_before=published_before,
                              touched_sources=["x.txt"], errors=[])
    outputs.record_run(Path(staging).name, versions, RunCounts(processed=1), status="completed")


def test_flow_validation_refuses_offsets_outside_the_text(tmp_path):
    with Outputs(str(tmp_path / "out")) as outputs:
        staging = outputs.new_run()
        _stage_documents(outputs, staging, n_chars=5, sentence_end=9)
        with pytest.raises(OutputError) as caught:
            _commit(outputs, staging)
        assert outputs.table("documents").version() == 0, "nothing may be published"
    assert caught.value.code == "bad_offsets" and "sentences" in str(caught.value)


def test_flow_validation_reads_again_only_what_was_not_checked_before_staging(tmp_path):
    from extract.io.corpus import process_batch
    from extract.io.delta import StagedTable
    from extract.text.ingest import Article

    with Outputs(str(tmp_path / "out")) as outputs:
        staging = outputs.new_run()
        article = Article(doc_id="a.txt", source="a.txt", text=tiny_article(3))
        result = process_batch([article], str(tmp_path / "out"), staging, "batch-00001")
        assert result.rows["tokens"] > 0
        assert all(StagedTable(staging, name).unchecked == [] for name in result.rows), "checked per article"
        _stage_documents(outputs, staging, n_chars=5, sentence_end=9)  # rows staged unchecked: a bad offset
        assert [p.name for p in StagedTable(staging, "sentences").unchecked] == ["batch-00000.parquet"]
        with pytest.raises(OutputError) as caught:
            _commit(outputs, staging)
        assert outputs.table("documents").version() == 0, "nothing may be published"
    assert caught.value.code == "bad_offsets"


def test_flow_validation_refuses_null_keys():
    from extract.io.corpus import check_rows

    entity = {"doc_id": "x.txt", "sent_idx": 0, "start": 0, "end": 2, "text": "今天", "text_simplified": "今天",
              "label": None, "canonical": "今天", "method": "test"}
    with pytest.raises(OutputError) as caught:
        check_rows({"entities": [entity]})
    assert caught.value.code == "null_key" and "label" in str(caught.value)


def test_flow_validation_refuses_rows_of_unknown_documents():
    from extract.io.corpus import check_rows

    sentence = {"doc_id": "x.txt", "sent_idx": 0, "start": 0, "end": 2, "section": "body", "text": "今天",
                "text_simplified": "今天", "paragraph_idx": 0}
    with pytest.raises(OutputError) as caught:
        check_rows({"sentences": [sentence]})
    assert caught.value.code == "orphan_row"


def test_flow_validation_failure_keeps_published_tables(tmp_path):
    out = tmp_path / "out"
    with Outputs(str(out)) as outputs:
        staging = outputs.new_run()
        _stage_documents(outputs, staging, n_chars=5, sentence_end=5)
        _commit(outputs, staging)
    before = read_tables(out)
    with Outputs(str(out)) as outputs:
        staging = outputs.new_run()
        _stage_documents(outputs, staging, n_chars=5, sentence_end=6)
        with pytest.raises(OutputError):
            _commit(outputs, staging, published_before=["x.txt"])
    with Outputs(str(out)):  # the next run drops the abandoned staging
        assert read_manifest(out) == {"x.txt": "0" * 64}
    assert_tables_equal(read_tables(out), before)
    assert not (out / "_staging").exists() or not any((out / "_staging").iterdir())


def test_flow_export_parquet_option_writes_the_current_rows(prefect_api, baseline, tmp_path):
    import pandas as pd

    corpus, outputs = tmp_path / "corpus", tmp_path / "outputs"
    shutil.copytree(baseline["corpus"], corpus)
    shutil.copytree(baseline["outputs"], outputs)
    (corpus / "a0000.txt").unlink()
    for dest in (tmp_path / "plain-run", tmp_path / "plain-idle"):  # a run that removes, then one with nothing to do
        run = run_cli(prefect_api, tmp_path, corpus, outputs, "--export-parquet", str(dest))
        assert run.returncode == 0, run.stderr[-3000:]
        assert run.summary["exported"]["dest"] == str(dest)
        documents = pd.read_parquet(dest / "documents")
        assert len(documents) == 8 and "a0000.txt" not in set(documents["doc_id"])
        for name in TABLES:
            assert len(pd.read_parquet(dest / name)) == run.summary["rows_total"][name], name
