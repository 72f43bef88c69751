"""The run report: counts, failures with reasons, rows per table, top entities and conflicts of one run."""
from __future__ import annotations

import json
import re

import pytest

from pipeline.report import failure_rows, is_transient, run_name, run_report, transient_store_error

pytest_plugins = ["flow_fixtures"]

SUMMARY = {
    "processed": 3, "skipped": 2, "removed": 1, "failed": 1, "warnings": 1, "seconds": 4.5,
    "rows_written": {"documents": 3, "entities": 5, "conflicts": 1},
    "rows_total": {"documents": 5, "entities": 9, "conflicts": 1, "errors": 2},
    "failures": [
        {"source": "bad.txt", "doc_id": None, "code": "empty_text", "message": "bad.txt: no Chinese | at all"},
        {"source": "refs.txt", "doc_id": "refs.txt", "code": "references_unparsed", "message": "no entry"},
    ],
}
ROWS = {  # what rows_of_run reads (its queries are checked against real outputs below)
    "top_entities": [{"canonical": "英伟达", "label": "ORG", "mentions": 3, "articles": 2},
                     {"canonical": "美国", "label": "GPE", "mentions": 2, "articles": 2}],
    "conflict_kinds": [{"kind": "quantity_mismatch", "conflicts": 1}],
    "conflicts": [{"doc_id": "a", "ref_idx": 2, "kind": "quantity_mismatch", "detail": "25% vs 15%"}],
}


def _section(markdown: str, title: str) -> str:
    return markdown.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_report_counts_failures_rows_entities_and_conflicts():
    md = run_report(SUMMARY, ROWS, name="extract-corpus-x")
    assert md.startswith("# extract-corpus-x\n")
    for label, n in [("processed", 3), ("unchanged \\(skipped\\)", 2), ("removed", 1), ("failed", 1)]:
        assert re.search(rf"^\| {label} \| {n} \|$", md, re.M), label
    failures = _section(md, "Failures")
    assert "| empty_text | 1 |" in failures and "| references_unparsed | 1 |" in failures
    assert "no Chinese \\| at all" in failures  # a | in a message does not break the table
    rows = _section(md, "Rows per table")
    assert "| entities | 5 | 9 |" in rows and "| errors | 0 | 2 |" in rows
    top = _section(md, "Top entities of this run").strip().splitlines()
    assert top[2:] == ["| 英伟达 | ORG | 3 | 2 |", "| 美国 | GPE | 2 | 2 |"]
    conflicts = _section(md, "Conflicts found")
    assert "1 conflicts." in conflicts and "| a | 2 | quantity_mismatch | 25% vs 15% |" in conflicts


def test_report_of_a_quiet_run_says_none():
    quiet = {**SUMMARY, "failures": [], "failed": 0}
    md = run_report(quiet, {"top_entities": [], "conflict_kinds": [], "conflicts": []})
    assert _section(md, "Failures").strip() == "None."
    assert _section(md, "Conflicts found").strip() == "None."
    assert failure_rows(quiet) == []


def test_report_failure_rows_are_the_table_artifact():
    assert failure_rows(SUMMARY) == [
        {"source": "bad.txt", "doc_id": "", "code": "empty_text", "message": "bad.txt: no Chinese | at all"},
        {"source": "refs.txt", "doc_id": "refs.txt", "code": "references_unparsed", "message": "no entry"}]


def test_report_run_name_is_the_utc_minute():
    assert re.fullmatch(r"extract-corpus-\d{4}-\d\d-\d\dT\d\d:\d\dZ", run_name())


@pytest.mark.parametrize("exc, transient", [
    (TimeoutError("store timed out"), True), (ConnectionResetError(), True), (OSError(5, "I/O error"), True),
    (FileNotFoundError("gone"), False), (PermissionError(), False), (ValueError("bad"), False), (None, False)])
def test_report_commit_retries_only_transient_errors(exc, transient):
    from extract.errors import LockedError, OutputError
    from prefect.states import Completed, Failed

    assert is_transient(exc) is transient
    state = Failed(data=exc) if exc is not None else Completed(data=1)
    assert transient_store_error(None, None, state) is transient
    assert not transient_store_error(None, None, Failed(data=OutputError("bad offsets", code="bad_offsets")))
    assert not transient_store_error(None, None, Failed(data=LockedError("held")))


@pytest.mark.slow
def test_report_artifacts_logs_name_and_tags_read_back_from_the_server(prefect_api, tmp_path):
    import shutil
    import subprocess

    from flow_fixtures import SEED, Run, cli_command, cli_env, write_tiny_corpus
    from pipeline.report import FAILURES_KEY, REPORT_KEY
    from prefect_api import logs, task_runs, wait_for_report

    corpus = tmp_path / "corpus"
    write_tiny_corpus(corpus, 2)
    shutil.copy(SEED, corpus / SEED.name)
    (corpus / "english.txt").write_text("No Chinese in this file at all.\n", encoding="utf-8")
    done = subprocess.run(cli_command() + ["run", "--corpus", str(corpus), "--outputs", str(tmp_path / "outputs"),
                                           "--state-dir", str(tmp_path / "state"), "--json"],
                          cwd=tmp_path, env=cli_env(prefect_api, PREFECT_LOGGING_TO_API_ENABLED="true"),
                          capture_output=True, text=True, timeout=300)
    summary = Run(done.returncode, done.stdout, done.stderr).summary
    assert done.returncode == 1 and summary["processed"] == 3 and summary["failed"] == 1

    run, found = wait_for_report(prefect_api, "zh-extract", (REPORT_KEY, FAILURES_KEY))
    assert re.fullmatch(r"extract-corpus-\d{4}-\d\d-\d\dT\d\d:\d\dZ", run["name"])
    assert {"zh-extract", "extract-corpus"} <= set(run["tags"])
    # The tags name the flow run; a tagged task run would ask the server for concurrency slots first.
    tasks = task_runs(prefect_api, run["id"])
    assert len(tasks) >= 3 and all(t["tags"] == [] for t in tasks), [(t["name"], t["tags"]) for t in tasks]
    report = found[REPORT_KEY]["data"]
    assert report.startswith(f"# {run['name']}\n")
    (code,) = [f["code"] for f in summary["failures"] if f["source"] == "english.txt"]
    assert "| processed | 3 |" in report and "| failed | 1 |" in report and f"| {code} | 1 |" in report
    assert f"| entities | {summary['rows_written']['entities']} |" in report
    assert "| 英伟达 | ORG |" in report  # the seed article's most frequent company
    failures = json.loads(found[FAILURES_KEY]["data"])
    assert [(f["source"], f["code"]) for f in failures if f["code"] != "references_unparsed"] == [
        ("english.txt", code)]
    messages = logs(prefect_api, run["id"])
    assert any(m.startswith("plan: 4 to process") for m in messages), messages[:5]
    assert any(m.startswith("done: 3 processed") for m in messages), messages[-5:]


def _plain_run(corpus, outputs) -> str:
    """Run plan, one batch and commit without Prefect; return the run id."""
    from extract.io.corpus import commit_run, plan_run, process_batch
    from extract.io.delta import Outputs

    with Outputs(str(outputs)) as out:
        plan = plan_run(corpus, out)
        staging = out.new_run()
        return commit_run(out, staging, plan, [process_batch(plan.to_process, str(outputs), staging, "batch-00000")])["run_id"]


def test_report_reads_only_the_rows_this_run_wrote(tmp_path):
    import extract
    from flow_fixtures import write_tiny_corpus
    from pipeline.report import TOP_ENTITIES, rows_of_run

    corpus, outputs = tmp_path / "corpus", tmp_path / "outputs"
    write_tiny_corpus(corpus, 3)
    first = _plain_run(corpus, outputs)
    write_tiny_corpus(corpus, 2, start=3)
    second = _plain_run(corpus, outputs)
    entities = extract.read_table(outputs, "entities")
    for run_id in (first, second):
        rows = rows_of_run(str(outputs), run_id=run_id)
        mine = entities[entities["run_id"] == run_id]
        expected = (mine.groupby(["canonical", "label"]).agg(mentions=("doc_id", "size"), articles=("doc_id", "nunique"))
                    .reset_index().sort_values(["mentions", "canonical", "label"], ascending=[False, True, True])
                    .head(TOP_ENTITIES))
        assert rows["top_entities"] == [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
                                        for r in expected.to_dict("records")]
        assert rows["top_entities"] and rows["conflict_kinds"] == [] and rows["conflicts"] == []
    top = rows_of_run(str(outputs), run_id=second)["top_entities"]
    assert sum(e["mentions"] for e in top) <= len(entities[entities["doc_id"].isin(["a0003.txt", "a0004.txt"])])


def test_report_lists_this_runs_conflicts_by_kind_and_in_table_order(shared_dir, tmp_path):
    import extract
    from pipeline.report import rows_of_run

    records = (shared_dir / "corpus" / "with_refs.jsonl").read_text(encoding="utf-8").splitlines()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with (corpus / "refs.jsonl").open("w", encoding="utf-8") as fh:
        for k in (7, 44, 58):  # long articles citing sources dated after themselves
            record = json.loads(records[k])
            fh.write(json.dumps({"id": f"r{k}", "text": record["text_with_references"], "date": record.get("date")},
                                ensure_ascii=False) + "\n")
    run_id = _plain_run(corpus, tmp_path / "outputs")
    conflicts = extract.read_table(tmp_path / "outputs", "conflicts")
    rows = rows_of_run(str(tmp_path / "outputs"), run_id=run_id)
    assert len(conflicts) >= 3
    assert rows["conflict_kinds"] == [{"kind": kind, "conflicts": int(n)} for kind, n in
                                      sorted(conflicts["kind"].value_counts().items(), key=lambda kv: (-kv[1], kv[0]))]
    listed = conflicts.sort_values(["doc_id", "ref_idx", "sent_idx", "kind"], na_position="last")
    assert rows["conflicts"] == [{"doc_id": r.doc_id, "ref_idx": int(r.ref_idx), "kind": r.kind, "detail": r.detail}
                                 for r in listed.itertuples()]
