"""Bad input: each problem becomes an `errors` row a person understands, and the rest of the batch goes on."""
from __future__ import annotations

import json
import os
import random
import shutil

import pytest

pytest.register_assert_rewrite("flow_fixtures")
from flow_fixtures import *  # noqa: E402,F403  (helpers; the fixtures come from the plugin)

pytest_plugins = ["flow_fixtures"]

# Run inside the `zh-extract run` process before `main`: faults that a test cannot time from outside.
FAULTS = '''
import os, pathlib
import extract.analysis.article as article_mod
import extract.io.corpus as corpus

_walk, _analyze = corpus.walk_corpus, article_mod.analyze_article

def walk_corpus(root, **options):
    listing = _walk(root, **options)
    (root / "vanish.txt").unlink()  # listed, then gone before it is read
    return listing

def analyze_article(article, settings):
    doc = _analyze(article, settings)
    if article.doc_id == "bug.txt":  # an extractor bug: a span past the end of the text
        doc.columns["sentences"]["end"][0] = 10 ** 6
    return doc

corpus.walk_corpus, article_mod.analyze_article = walk_corpus, analyze_article

if os.geteuid() == 0:  # root reads any file: give it the error chmod 000 gives everyone else
    _open = pathlib.Path.open
    def open_(self, *args, **kwargs):
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return _open(self, *args, **kwargs)
    pathlib.Path.open = open_
'''

MAX_BYTES = 10_000_000

# (source, doc_id or None, stage, code, words the message must contain)
EXPECTED = [
    ("empty.txt", "empty.txt", "ingest", "empty_file", "empty"),
    ("binary.txt", "binary.txt", "ingest", "binary_file", "binary"),
    ("truncated.txt", "truncated.txt", "ingest", "truncated_utf8", "truncated"),
    ("mystery.txt", "mystery.txt", "ingest", "unknown_encoding", "encoding could not be detected"),
    ("huge.txt", "huge.txt", "ingest", "too_large", "over the limit of 10,000,000 bytes"),
    ("feed.jsonl", None, "ingest", "bad_json", "line 2: not valid JSON"),
    ("feed.jsonl", "feed.jsonl#n3", "ingest", "no_text", "line 3: the record has no 'text'"),
    ("feed.jsonl", "feed.jsonl#n4", "normalize", "no_chinese", "no Chinese"),
    ("english.txt", "english.txt", "normalize", "no_chinese", "no Chinese"),
    ("refs.txt", "refs.txt", "references", "references_unparsed", "no entry could be parsed"),
    ("locked.txt", None, "ingest", "unreadable", "permission denied"),
    ("vanish.txt", None, "ingest", "vanished", "disappeared"),
    ("bug.txt", "bug.txt", "write", "bad_offsets", "fall outside"),
]
PROCESSED = {"good1.txt", "good2.txt", "refs.txt", "feed.jsonl#n1", "feed.jsonl#n5"}


def write_bad_corpus(corpus) -> None:
    """Write two good articles and one file or record for each kind of bad input."""
    corpus.mkdir(parents=True)
    (corpus / "good1.txt").write_text(tiny_article(101), encoding="utf-8")
    (corpus / "good2.txt").write_text(tiny_article(102), encoding="utf-8")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (corpus / "truncated.txt").write_bytes((tiny_article(103) + "完").encode("utf-8")[:-1])
    rng = random.Random(7)
    (corpus / "mystery.txt").write_bytes(bytes(rng.randrange(0x80, 0x100) for _ in range(4000)))
    article = tiny_article(104).encode("utf-8")
    (corpus / "huge.txt").write_bytes(article * (20 * 1024 * 1024 // len(article) + 1))
    records = [json.dumps({"id": "n1", "text": tiny_article(105)}, ensure_ascii=False),
               '{"id": "n2", "text": "这一行没有结束',
               json.dumps({"id": "n3", "title": "只有标题"}, ensure_ascii=False),
               json.dumps({"id": "n4", "text": "Markets closed higher on Friday after the report."}),
               json.dumps({"id": "n5", "text": tiny_article(106)}, ensure_ascii=False)]
    (corpus / "feed.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")
    (corpus / "english.txt").write_text("The council approved the budget on Monday.\n", encoding="utf-8")
    (corpus / "refs.txt").write_text(tiny_article(107) + "\n参考资料\n\n……\n——\n", encoding="utf-8")
    (corpus / "bug.txt").write_text(tiny_article(108), encoding="utf-8")
    locked = corpus / "locked.txt"
    locked.write_text(tiny_article(109), encoding="utf-8")
    locked.chmod(0)
    (corpus / "vanish.txt").write_text(tiny_article(110), encoding="utf-8")


@pytest.fixture(scope="module")
def bad_run(prefect_api, tmp_path_factory):
    work = tmp_path_factory.mktemp("bad-input")
    corpus, outputs = work / "corpus", work / "outputs"
    write_bad_corpus(corpus)
    # --workers 1: batches run in this process, where FAULTS patched the analysis (a pool would not see it)
    run = run_cli_with(prefect_api, work, FAULTS, corpus, outputs, "--max-bytes", str(MAX_BYTES), "--workers", "1")
    yield {"work": work, "corpus": corpus, "outputs": outputs, "run": run, "tables": read_tables(outputs)}
    (corpus / "locked.txt").chmod(0o644)


def test_bad_input_run_finishes_and_says_inputs_failed(bad_run):
    run = bad_run["run"]
    assert run.returncode == 1, run.stderr[-3000:]
    assert "Traceback" not in run.stdout + run.stderr
    summary = run.summary
    assert summary["failed"] == len(EXPECTED) - 1
    assert summary["processed"] == len(PROCESSED)


def _values(case):
    return case.values if hasattr(case, "values") else case


@pytest.mark.parametrize("source, doc_id, stage, code, words", EXPECTED,
                         ids=[_values(e)[3] + ":" + _values(e)[0] for e in EXPECTED])
def test_bad_input_each_problem_has_its_errors_row(bad_run, source, doc_id, stage, code, words):
    errors = bad_run["tables"]["errors"]
    rows = errors[(errors["source"] == source) & (errors["code"] == code)]
    assert len(rows) == 1, errors[["source", "doc_id", "code"]].to_string()
    row = rows.iloc[0]
    assert row["stage"] == stage
    assert (row["doc_id"] if isinstance(row["doc_id"], str) else None) == doc_id
    assert words in row["message"], row["message"]
    assert row["message"].startswith(source), "the message names the file: the summary prints only messages"


def test_bad_input_good_articles_and_lines_are_processed(bad_run):
    docs = set(bad_run["tables"]["documents"]["doc_id"])
    assert docs == PROCESSED


def test_bad_input_no_article_is_dropped_silently(bad_run):
    errors = bad_run["tables"]["errors"]
    accounted = set(bad_run["tables"]["documents"]["source"]) | set(errors["source"])
    written = {"good1.txt", "good2.txt", "empty.txt", "binary.txt", "truncated.txt", "mystery.txt", "huge.txt",
               "feed.jsonl", "english.txt", "refs.txt", "bug.txt", "locked.txt", "vanish.txt"}
    assert accounted == written


def test_bad_input_summary_lists_the_failures(bad_run):
    failures = {(f["source"], f["code"]) for f in bad_run["run"].summary["failures"]}
    assert failures == {(e[0], e[3]) for e in map(_values, EXPECTED)}


def test_bad_input_fixed_files_lose_their_errors_on_the_next_run(prefect_api, bad_run, tmp_path):
    corpus, outputs = tmp_path / "corpus", tmp_path / "outputs"
    shutil.copytree(bad_run["corpus"], corpus)
    shutil.copytree(bad_run["outputs"], outputs)
    (corpus / "empty.txt").write_text(tiny_article(111), encoding="utf-8")
    (corpus / "huge.txt").unlink()
    run = run_cli(prefect_api, tmp_path, corpus, outputs)  # no injected faults: bug.txt now processes
    assert run.returncode == 1
    errors = read_tables(outputs)["errors"]
    codes = sorted(zip(errors["source"], errors["code"]))
    fixed = {("empty.txt", "empty_file"), ("huge.txt", "too_large"), ("bug.txt", "bad_offsets"),
             ("vanish.txt", "vanished")}
    expected = {(e[0], e[3]) for e in map(_values, EXPECTED)} - fixed
    if os.geteuid() == 0:
        expected.discard(("locked.txt", "unreadable"))  # root can read it without the injected fault
    assert codes == sorted(expected), "each problem once, fixed ones gone"
    docs = set(read_tables(outputs)["documents"]["doc_id"])
    assert {"empty.txt", "bug.txt"} <= docs
