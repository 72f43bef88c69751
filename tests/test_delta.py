"""The Delta Lake outputs: transactions per table, runs and snapshots, the change feed, the writer's claim,
healing after a kill between commits, damaged state, migration from version 1, export and housekeeping.

Synthetic documents (tests/delta_helpers.py) keep these fast: no analysis, no Prefect.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake

import extract
from extract.errors import DamagedOutputsError, LockedError, OutputError
from extract.io import delta
from extract.io.delta import WRITER, WRITER_SCHEMA, Outputs, read_manifest

pytest.register_assert_rewrite("delta_helpers", "flow_fixtures")
from delta_helpers import doc_rows, publish, sha  # noqa: E402
from flow_fixtures import DELTA_READERS, read_delta_table, read_tables  # noqa: E402

TESTS = Path(__file__).resolve().parent
FIRST = {"a": "甲一\n甲二", "b": "乙一\n乙二\n乙三", "c": "丙一"}
SECOND = {"a": "甲一\n甲二", "b": "乙一\n乙改", "d": "丁一\n丁二"}  # b changed, c removed, d new


def _frame(outputs, name, run=None):
    return extract.read_table(outputs, name, run=run).sort_values(["doc_id"], kind="stable")


def test_delta_run_replaces_changed_and_removed_documents(tmp_path):
    out = tmp_path / "out"
    first = publish(out, FIRST)
    second = publish(out, SECOND)
    docs = _frame(out, "documents")
    assert list(docs["doc_id"]) == ["a", "b", "d"]
    assert docs.set_index("doc_id").loc["b", "text"] == "乙一\n乙改"
    sentences = extract.read_table(out, "sentences")
    assert sorted(sentences.loc[sentences["doc_id"] == "b", "text"]) == ["乙一", "乙改"]
    assert "c" not in set(sentences["doc_id"]) and not sentences.duplicated(["doc_id", "sent_idx"]).any()
    # Rows of the unchanged document keep the run that wrote them; changed and new ones carry this run.
    run_of = sentences.groupby("doc_id")["run_id"].agg(set)
    assert run_of["a"] == {first["run_id"]} and run_of["b"] == run_of["d"] == {second["run_id"]}
    assert read_manifest(out) == {d: sha(t) for d, t in SECOND.items()}


def test_delta_new_documents_only_append(tmp_path):
    out = tmp_path / "out"
    publish(out, FIRST)
    before = set(DeltaTable(str(out / "sentences")).file_uris())
    publish(out, {**FIRST, "e": "戊一"})
    after = DeltaTable(str(out / "sentences"))
    assert before < set(after.file_uris()), "every file stays, one is added"
    assert after.history(1)[0]["operation"] == "WRITE"
    assert after.history(1)[0]["operationParameters"]["mode"] == "Append"


def test_delta_changed_document_rewrites_only_files_holding_it(tmp_path):
    out = tmp_path / "out"
    publish(out, {"a": "甲一"})
    publish(out, {"a": "甲一", "b": "乙一"})  # a second file, holding only b
    files_a = set(DeltaTable(str(out / "sentences")).file_uris())
    publish(out, {"a": "甲一", "b": "乙二"})
    now = set(DeltaTable(str(out / "sentences")).file_uris())
    assert len(files_a - now) == 1 and len(now - files_a) == 1, "only b's file was replaced"


def test_delta_runs_table_records_versions_and_read_table_takes_a_snapshot(tmp_path):
    out = tmp_path / "out"
    first = publish(out, FIRST)
    publish(out, SECOND)
    runs = extract.read_table(out, "runs")
    assert list(runs["run_id"]) == sorted(runs["run_id"]) and len(runs) == 2
    row = runs.iloc[0]
    assert row["status"] == "completed" and (row["processed"], row["removed"]) == (3, 0)
    assert json.loads(row["table_versions"]) == first["table_versions"]
    assert list(_frame(out, "documents", run=first["run_id"])["doc_id"]) == ["a", "b", "c"]
    old = extract.read_table(out, "sentences", run=first["run_id"])
    assert sorted(old.loc[old["doc_id"] == "b", "text"]) == ["乙一", "乙三", "乙二"]


def test_delta_read_table_says_what_is_missing(tmp_path):
    with pytest.raises(OutputError, match="does not exist") as caught:
        extract.read_table(tmp_path / "nothing", "entities")
    assert caught.value.code == "no_such_table"
    publish(tmp_path / "out", FIRST)
    with pytest.raises(OutputError, match="no table 'entity'.*entities") as caught:
        extract.read_table(tmp_path / "out", "entity")
    with pytest.raises(OutputError, match="no completed run 'nope'") as caught:
        extract.read_table(tmp_path / "out", "entities", run="nope")
    assert caught.value.code == "no_such_run"


@pytest.mark.parametrize("reader", DELTA_READERS)
def test_delta_every_reader_sees_exactly_the_current_rows(tmp_path, reader):
    out = tmp_path / "out"
    publish(out, FIRST)
    publish(out, SECOND)
    frame = read_delta_table(out / "sentences", reader)
    assert sorted(zip(frame["doc_id"], frame["text"])) == sorted(
        (d, line) for d, text in SECOND.items() for line in text.split("\n"))


def test_delta_plain_parquet_glob_over_a_delta_folder_is_not_current(tmp_path):
    out = tmp_path / "out"
    publish(out, FIRST)
    publish(out, SECOND)
    # Why the README says so: the replaced file of b stays on disk until vacuum.
    assert len(pd.read_parquet(out / "sentences")) > len(extract.read_table(out, "sentences"))


def test_delta_change_data_feed_shows_inserts_updates_and_deletes(tmp_path):
    out = tmp_path / "out"
    first = publish(out, FIRST)
    publish(out, SECOND)
    table = DeltaTable(str(out / "documents"))
    changes = pa.table(table.load_cdf(starting_version=first["table_versions"]["documents"] + 1)).to_pandas()
    kinds = {(d, k) for d, k in zip(changes["doc_id"], changes["_change_type"])}
    assert kinds == {("b", "delete"), ("b", "insert"), ("c", "delete"), ("d", "insert")}


def test_delta_errors_of_a_source_are_replaced_when_it_is_read_again(tmp_path):
    out = tmp_path / "out"
    at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    error = {"source": "x.txt", "doc_id": None, "stage": "ingest", "code": "binary_file", "message": "x", "at": at}
    publish(out, FIRST, errors=[error])
    assert list(extract.read_table(out, "errors")["source"]) == ["x.txt"]
    publish(out, SECOND)  # x.txt not touched: its error stays
    assert list(extract.read_table(out, "errors")["source"]) == ["x.txt"]
    with Outputs(str(out)) as outputs:
        from delta_helpers import publish_in

        # x.txt read again and fixed: touched with no error
        staging_report = publish_in(outputs, {**SECOND, "x.txt": "新"})
    assert staging_report["table_versions"]["errors"] > 0
    assert extract.read_table(out, "errors").empty


def test_delta_full_run_rewrites_every_table_with_the_same_rows(tmp_path, uninterrupted):
    out = tmp_path / "out"
    at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    publish(out, FIRST, errors=[{"source": "c", "doc_id": "c", "stage": "s", "code": "x", "message": "m", "at": at}])
    publish(out, SECOND, full=True)
    tables = read_tables(out)
    for name, frame in uninterrupted.items():
        pd.testing.assert_frame_equal(tables[name], frame, obj=name)
    assert DeltaTable(str(out / "sentences")).history(1)[0]["operationParameters"]["mode"] == "Overwrite"


# -- the writer's claim ----------------------------------------------------------------------------------------
def test_delta_second_writer_is_refused_while_the_first_holds_the_claim(tmp_path):
    out = tmp_path / "out"
    with Outputs(str(out)):
        with pytest.raises(LockedError, match=f"pid {os.getpid()}"):
            Outputs(str(out)).__enter__()
    with Outputs(str(out)):  # released on exit
        pass


def test_delta_claim_of_a_dead_local_process_is_taken_over(tmp_path):
    out = tmp_path / "out"
    publish(out, FIRST)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    row = {"claim_id": "x", "host": socket.gethostname(), "pid": int(dead.stdout), "state": "held",
           "claimed_at": datetime.now(timezone.utc)}
    write_deltalake(str(out / WRITER), pa.Table.from_pylist([row], schema=WRITER_SCHEMA), mode="overwrite")
    publish(out, SECOND)
    assert list(_frame(out, "documents")["doc_id"]) == ["a", "b", "d"]


def test_delta_claim_of_another_machine_is_honoured(tmp_path):
    out = tmp_path / "out"
    publish(out, FIRST)
    row = {"claim_id": "x", "host": "elsewhere", "pid": 1, "state": "held", "claimed_at": datetime.now(timezone.utc)}
    write_deltalake(str(out / WRITER), pa.Table.from_pylist([row], schema=WRITER_SCHEMA), mode="overwrite")
    with pytest.raises(LockedError, match="on elsewhere"):
        publish(out, SECOND)


# -- a kill between commits heals on the next run ---------------------------------------------------------------
# Run `publish` in a process that SIGKILLs itself right after its Nth Delta write (1 is the claim; then
# sentences, errors, _files, documents, runs, in that order).
KILL_AFTER_WRITE = '''
import os, signal, sys
sys.path.insert(0, {tests!r})
import deltalake
from delta_helpers import publish
_write, calls = deltalake.write_deltalake, []
def write_then_die(*args, **kwargs):
    _write(*args, **kwargs)
    calls.append(1)
    if len(calls) == {n}:
        os.kill(os.getpid(), signal.SIGKILL)
deltalake.write_deltalake = write_then_die
publish({out!r}, {corpus!r})
'''


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("uninterrupted") / "out"
    publish(out, FIRST)
    publish(out, SECOND)
    return read_tables(out)


@pytest.mark.parametrize("n,what", [(2, "sentences"), pytest.param(4, "_files", marks=pytest.mark.slow),
                                    (5, "documents"), pytest.param(6, "runs", marks=pytest.mark.slow)])
def test_delta_kill_between_commits_then_rerun_gives_equal_tables(tmp_path, uninterrupted, n, what):
    out = tmp_path / "out"
    publish(out, FIRST)
    before = read_tables(out)
    code = KILL_AFTER_WRITE.format(tests=str(TESTS), n=n, out=str(out), corpus=SECOND)
    killed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    if what != "runs":
        # A reader of the last run still sees the first run's state, though `what` was committed.
        assert DeltaTable(str(out / what)).version() > json.loads(
            extract.read_table(out, "runs")["table_versions"].iloc[-1])[what]
        pd.testing.assert_frame_equal(read_tables(out)["sentences"], before["sentences"])
    publish(out, SECOND)  # takes over the dead claim, restores, and runs again
    tables = read_tables(out)
    for name, frame in uninterrupted.items():
        pd.testing.assert_frame_equal(tables[name], frame, obj=name)
    runs = extract.read_table(out, "runs")
    # The killed run is recorded as failed (its commits restored away); killed after its runs row, it completed.
    assert list(runs["status"]) == ["completed", "failed" if what != "runs" else "completed", "completed"]
    for name in ("documents", "sentences"):  # the current version, as any Delta reader sees it
        current = DeltaTable(str(out / name)).to_pandas().drop(columns=["run_id"])
        assert len(current) == len(uninterrupted[name]) and not current.duplicated().any()


# -- damaged state -------------------------------------------------------------------------------------------
def test_delta_missing_data_file_is_a_clear_error(tmp_path):
    out = tmp_path / "out"
    publish(out, FIRST)
    Path(DeltaTable(str(out / "sentences")).file_uris()[0]).unlink()
    with pytest.raises(DamagedOutputsError, match="sentences refers to 1 data files that are gone.*--full"):
        publish(out, SECOND)
    with pytest.raises(DamagedOutputsError, match="gone"):
        extract.read_table(out, "sentences")


def test_delta_damaged_data_file_is_a_clear_error_and_full_rewrites_it(tmp_path):
    out = tmp_path / "out"
    publish(out, FIRST)
    Path(DeltaTable(str(out / "sentences")).file_uris()[0]).write_bytes(b"overwritten " * 50)
    with pytest.raises(DamagedOutputsError, match="data file of table sentences .* is damaged.*--full"):
        extract.read_table(out, "sentences")
    with pytest.raises(DamagedOutputsError, match="data file of the outputs is damaged.*--full") as caught:
        publish(out, SECOND)
    assert caught.value.code == "damaged_outputs"
    publish(out, SECOND, full=True)  # the repair the message names
    sentences = extract.read_table(out, "sentences")
    assert sorted(sentences["text"]) == sorted(line for text in SECOND.values() for line in text.split("\n"))


@pytest.mark.parametrize("damage", ["files table deleted", "data file deleted"])
def test_delta_full_run_repairs_what_the_damaged_outputs_error_names(tmp_path, damage):
    out = tmp_path / "out"
    publish(out, FIRST)
    if damage == "files table deleted":
        shutil.rmtree(out / "_files")
    else:
        Path(DeltaTable(str(out / "sentences")).file_uris()[0]).unlink()
    with pytest.raises(DamagedOutputsError, match="--full"):
        publish(out, SECOND)
    publish(out, SECOND, full=True)
    assert sorted(extract.read_table(out, "documents")["doc_id"]) == sorted(SECOND)
    assert sorted(extract.read_table(out, "_files")["source"]) == sorted(SECOND)
    publish(out, SECOND)  # and the next ordinary run finds nothing wrong


def test_delta_unreadable_log_is_a_clear_error(tmp_path):
    out = tmp_path / "out"
    publish(out, FIRST)
    log = sorted((out / "tokens" / "_delta_log").glob("*.json"))[-1]
    log.write_text("{not json", encoding="utf-8")
    with pytest.raises(DamagedOutputsError, match="Delta log of table tokens.*cannot be read") as caught:
        publish(out, SECOND)
    assert caught.value.code == "damaged_outputs"


def test_delta_cli_exit_codes_for_damaged_and_locked_outputs(tmp_path):  # answered before Prefect starts
    from pipeline.cli import EXIT_DAMAGED, EXIT_LOCKED, main

    out = tmp_path / "out"
    publish(out, FIRST)
    (tmp_path / "corpus").mkdir()
    args = ["run", "--corpus", str(tmp_path / "corpus"), "--outputs", str(out), "--state-dir", str(tmp_path / "s")]
    with Outputs(str(out)):
        assert main(args) == EXIT_LOCKED == 4
    Path(DeltaTable(str(out / "documents")).file_uris()[0]).unlink()
    assert main(args) == EXIT_DAMAGED == 3


# -- migration from version 1 ---------------------------------------------------------------------------------
def _write_v1(root: Path, corpus: dict[str, str]) -> None:
    from extract.io.tables import SCHEMAS, TABLES, to_arrow

    rows: dict[str, list[dict]] = {}
    for doc_id, text in corpus.items():
        for name, table_rows in doc_rows(doc_id, text).items():
            rows.setdefault(name, []).extend(table_rows)
    for name in TABLES:
        (root / name).mkdir(parents=True)
        table = to_arrow(name, rows.get(name, [])).replace_schema_metadata({"schema_version": "1"})
        pq.write_table(table.slice(0, 2), root / name / "part-00.parquet")
        pq.write_table(table.slice(2), root / name / "part-01.parquet")
        assert table.schema.equals(SCHEMAS[name], check_metadata=False)
    manifest = {"format": 1, "buckets": 2,
                "documents": {d: {"source": d, "sha256": sha(t), "version": "test"} for d, t in corpus.items()},
                "files": {d: {"fingerprint": sha(t), "version": "test", "failed": False, "doc_ids": [d]}
                          for d, t in corpus.items()}}
    (root / "_state").mkdir()
    (root / "_state" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_delta_version_1_folder_is_converted_on_the_first_run(tmp_path, uninterrupted):
    out = tmp_path / "out"
    _write_v1(out, FIRST)
    publish(out, SECOND)
    assert not (out / "_state").exists() and not list(out.glob("*/part-0?.parquet"))
    tables = read_tables(out)
    for name, frame in uninterrupted.items():
        pd.testing.assert_frame_equal(tables[name], frame, obj=name)
    runs = extract.read_table(out, "runs")
    assert list(runs["processed"]) == [3, 2], "the conversion is a run of its own"


def test_delta_version_1_folder_with_an_unfinished_commit_is_refused(tmp_path):
    out = tmp_path / "out"
    _write_v1(out, FIRST)
    (out / "_state" / "journal.json").write_text("{}", encoding="utf-8")
    with pytest.raises(OutputError, match="previous release.*--full") as caught:
        publish(out, SECOND)
    assert caught.value.code == "v1_unfinished_commit"
    assert (out / "documents" / "part-00.parquet").exists(), "nothing was touched"


# -- export and housekeeping ----------------------------------------------------------------------------------
def test_delta_export_writes_the_current_rows_as_plain_parquet(tmp_path):
    from pipeline.cli import main

    out, dest = tmp_path / "out", tmp_path / "plain"
    publish(out, FIRST)
    publish(out, SECOND)
    assert main(["export", "--format", "parquet", str(dest), "--outputs", str(out)]) == 0
    for name in ("documents", "sentences", "errors", "runs"):
        plain = pd.read_parquet(dest / name)
        assert len(plain) == len(extract.read_table(out, name)), name
        assert pq.read_schema(next((dest / name).glob("*.parquet"))).metadata[b"schema_version"] == b"2"
    assert sorted(pd.read_parquet(dest / "documents")["doc_id"]) == ["a", "b", "d"]
    publish(out, {"a": "甲一\n甲二"})
    assert main(["export", str(dest), "--outputs", str(out)]) == 0  # replaces the folders
    assert list(pd.read_parquet(dest / "documents")["doc_id"]) == ["a"]


def test_delta_vacuum_deletes_replaced_files_older_than_the_retention(tmp_path):
    out = tmp_path / "out"
    publish(out, FIRST)
    kept = publish(out, SECOND)
    assert kept["vacuumed"] == {}, "replaced files are younger than 7 days"
    report = publish(out, {"a": "甲一\n甲二"}, retention_days=0)
    assert report["vacuumed"]["sentences"] >= 2
    assert len(pd.read_parquet(out / "sentences")) == len(extract.read_table(out, "sentences"))


def test_delta_compaction_when_small_files_pile_up(tmp_path, monkeypatch):
    monkeypatch.setattr(delta, "COMPACT_AT_SMALL_FILES", 4)
    out = tmp_path / "out"
    corpus: dict[str, str] = {}
    reports = []
    for i in range(5):
        corpus[f"n{i}"] = f"新闻{i}"
        reports.append(publish(out, dict(corpus)))
    assert "sentences" not in reports[2]["compacted"]
    assert reports[3]["compacted"]["sentences"] == {"files_removed": 4, "files_added": 1}
    assert "sentences" not in reports[4]["compacted"]
    assert len(DeltaTable(str(out / "sentences")).file_uris()) == 2
    assert sorted(extract.read_table(out, "sentences")["doc_id"]) == sorted(corpus)
    # The compaction went before the runs row: the run recorded the compacted version.
    versions = json.loads(extract.read_table(out, "runs")["table_versions"].iloc[3])
    table = DeltaTable(str(out / "sentences"))
    feed = table.load_cdf(starting_version=versions["sentences"], ending_version=versions["sentences"])
    assert pa.table(feed).num_rows == 0, "the compaction commit changes no row"
    log = (out / "sentences" / "_delta_log" / f"{versions['sentences']:020d}.json").read_text(encoding="utf-8")
    actions = [json.loads(line) for line in log.splitlines()]
    assert {a.get("add", a.get("remove", {})).get("dataChange") for a in actions if "add" in a or "remove" in a} \
        == {False}


def test_delta_readme_change_feed_example_runs(tmp_path, monkeypatch):
    readme = (TESTS.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### What changed since a run: the change data feed", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert len(code.strip().splitlines()) <= 10
    monkeypatch.chdir(tmp_path)
    publish("outputs", FIRST)
    publish("outputs", SECOND)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102  (the README's own example)
    assert set(scope["changes"]["_change_type"]) == set()  # entities hold no rows in synthetic documents
    feed = DeltaTable("outputs/sentences").load_cdf(starting_version=scope["since"] + 1)
    assert {"insert", "delete"} <= set(pa.table(feed).to_pandas()["_change_type"])


def test_delta_large_files_are_cut_into_files_of_whole_documents(tmp_path, monkeypatch):
    # Tiny targets: a file of about two documents. One run of twelve documents leaves one file per table (the
    # writer checks its target every 1,024 rows); the housekeeping cuts it, changing no row.
    monkeypatch.setattr(delta, "DOCS_PER_FILE", 2)
    monkeypatch.setattr(delta, "MIN_FILE_BYTES", 1)
    out = tmp_path / "out"
    corpus = {f"d{i:02d}": f"第{i}篇\n" + "新闻" * (50 + i) for i in range(12)}
    report = publish(out, corpus)
    assert report["compacted"]["documents"]["files_removed"] == 1
    table = DeltaTable(str(out / "documents"))
    per_file = [sorted(set(pq.read_table(uri).column("doc_id").to_pylist())) for uri in table.file_uris()]
    assert len(per_file) >= 4 and all(1 <= len(ids) <= 3 for ids in per_file)
    assert sorted(d for ids in per_file for d in ids) == sorted(corpus), "every document in exactly one file"
    history = {h["version"]: h for h in table.history()}
    assert history[report["table_versions"]["documents"]]["operation"] == "WRITE"
    assert pa.table(table.load_cdf(starting_version=table.version())).num_rows == 0, "the cut changes no row"
    for reader in DELTA_READERS:
        frame = read_delta_table(out / "sentences", reader)
        assert sorted(frame["doc_id"]) == sorted(d for d, text in corpus.items() for _ in text.split("\n")), reader
    before = set(table.file_uris())
    publish(out, {**corpus, "d05": "改"})
    after = set(DeltaTable(str(out / "documents")).file_uris())
    assert len(before - after) == 1, "a changed document rewrites the one small file holding it"
    assert sorted(_frame(out, "documents")["doc_id"]) == sorted(corpus)


def test_delta_statistics_only_for_the_columns_files_are_selected_by(tmp_path):
    out = tmp_path / "out"
    publish(out, FIRST)
    table = DeltaTable(str(out / "sentences"))
    stats = [c for c in delta._add_actions(table).column_names if c.startswith("min.")]
    assert stats == ["min.doc_id", "min.run_id"]
    # A table made before the setting gets it on the next run, in a commit that needs no restore.
    table.alter.set_table_properties({"delta.dataSkippingStatsColumns": "doc_id"})
    publish(out, SECOND)
    table = DeltaTable(str(out / "sentences"))
    assert table.metadata().configuration["delta.dataSkippingStatsColumns"] == "doc_id,run_id"
    assert "SET TBLPROPERTIES" in delta.ROWLESS_OPERATIONS
    assert sorted(_frame(out, "documents")["doc_id"]) == ["a", "b", "d"]


def test_delta_a_run_loads_each_table_once(tmp_path, monkeypatch):
    # Loading a table reads its whole log (thousands of files' actions in a large table); a run loads each
    # table once and afterwards reads only the commits made since.
    out = tmp_path / "out"
    publish(out, FIRST)
    loads: list[tuple[str, int | None]] = []
    opened = delta.open_table

    def counted(outputs, name, version=None):
        loads.append((name, version))
        return opened(outputs, name, version)

    monkeypatch.setattr(delta, "open_table", counted)
    publish(out, SECOND)
    assert sorted(loads) == sorted((name, None) for name in (*delta.COMMIT_ORDER, delta.RUNS, WRITER))
    assert sorted(_frame(out, "documents")["doc_id"]) == ["a", "b", "d"]
