"""Outputs on an object store: an `s3://` URL against moto's S3 server, started by the tests themselves.

Credentials come from the environment only; the tests check that none ends up in a stored object.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

import extract
from extract.errors import LockedError
from extract.io import delta
from extract.io.delta import LAYOUT_KEYS, Outputs, TableStore, open_table, read_manifest

pytest.register_assert_rewrite("delta_helpers", "flow_fixtures")
from delta_helpers import publish, sha  # noqa: E402
from flow_fixtures import read_tables  # noqa: E402
from test_delta import FIRST, SECOND  # noqa: E402

SECRET = "s3cr3t-never-stored"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_bucket():
    """Start moto's S3 server as a child process on a free port, point the AWS variables at it, create a bucket;
    yield a boto3 client. The server is stopped (and waited for) when the module's tests are done."""
    pytest.importorskip("moto.server")
    boto3 = pytest.importorskip("boto3")
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    env = {"AWS_ACCESS_KEY_ID": "test-key", "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_REGION": "us-east-1",
           "AWS_ENDPOINT_URL": endpoint, "AWS_ALLOW_HTTP": "true"}
    saved = {key: os.environ.get(key) for key in env}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto's S3 server did not start on port {port}") from None
                time.sleep(0.2)
        os.environ.update(env)
        client = boto3.client("s3", endpoint_url=endpoint)
        client.create_bucket(Bucket="news")
        yield client
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _objects(client, prefix: str) -> list[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket="news", Prefix=prefix)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def test_delta_s3_one_run_commits_and_reads_back(s3_bucket):
    # The fast suite's whole run on an object store: one small document, every table committed, read back.
    url = "s3://news/one-run"
    report = publish(url, {"a": "甲一\n甲二"})
    assert list(extract.read_table(url, "documents")["doc_id"]) == ["a"]
    assert sorted(extract.read_table(url, "sentences")["text"]) == ["甲一", "甲二"]
    assert list(extract.read_table(url, "runs")["run_id"]) == [report["run_id"]]
    assert read_manifest(url) == {"a": sha("甲一\n甲二")}


@pytest.mark.slow  # a few hundred requests to the S3 server
def test_delta_s3_runs_give_the_same_tables_as_a_local_folder(s3_bucket, tmp_path):
    local, remote = tmp_path / "out", "s3://news/runs-equal"
    for corpus in (FIRST, SECOND):
        publish(local, corpus)
        publish(remote, corpus)
    remote_tables, local_tables = read_tables(remote), read_tables(local)
    for name, frame in local_tables.items():
        assert remote_tables[name].equals(frame), name
    assert read_manifest(remote) == {d: sha(t) for d, t in SECOND.items()}
    keys = _objects(s3_bucket, "runs-equal/")
    assert any(k.startswith("runs-equal/documents/_delta_log/") for k in keys)
    assert not any(k.startswith("runs-equal/_staging") for k in keys), "staging stays local"


@pytest.mark.slow  # a few hundred requests to the S3 server
def test_delta_s3_credentials_are_never_stored(s3_bucket):
    publish("s3://news/secret", FIRST)
    for key in _objects(s3_bucket, "secret/"):
        body = s3_bucket.get_object(Bucket="news", Key=key)["Body"].read()
        assert SECRET.encode() not in body and b"test-key" not in body, key


def test_delta_s3_two_writers_claiming_at_once_one_is_refused(s3_bucket):
    url = "s3://news/claims"
    outcomes, start = [], threading.Barrier(2)

    def claim():
        outputs = Outputs(url)
        start.wait()
        try:
            outputs.claim()
            outcomes.append("claimed")
        except LockedError:
            outcomes.append("refused")

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["claimed", "refused"]


def test_delta_s3_concurrent_commits_to_one_table_are_serialised_not_lost(s3_bucket):
    import pyarrow as pa
    from deltalake import DeltaTable, write_deltalake

    from extract.io.delta import storage_options

    url = "s3://news/concurrent"
    write_deltalake(url, pa.table({"n": [0]}), storage_options=storage_options(url))
    errors = []

    def append(n):
        try:
            write_deltalake(url, pa.table({"n": [n]}), mode="append", storage_options=storage_options(url))
        except Exception as exc:  # collected: the test asserts there is none
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    table = DeltaTable(url, storage_options=storage_options(url))
    assert not errors and table.version() == 4
    assert sorted(table.to_pandas()["n"]) == [0, 1, 2, 3, 4]


@pytest.mark.slow  # a few hundred requests to the S3 server
def test_delta_s3_export_and_read_table(s3_bucket, tmp_path):
    from extract.io.export import export_parquet

    url = "s3://news/export"
    publish(url, FIRST)
    publish(url, SECOND)
    counts = export_parquet(url, tmp_path / "plain")
    assert counts["documents"] == 3 == len(extract.read_table(url, "documents"))


def _layout(outputs: str, name: str) -> list[tuple[int, tuple[str, ...]]]:
    """Return a table's data files as (rows, the documents they hold), sorted: what cutting and merging decide."""
    dt = open_table(outputs, name)
    store = TableStore(dt.table_uri, delta.storage_options(outputs))
    key = LAYOUT_KEYS.get(name, "doc_id")
    files = []
    for path in delta._add_actions(dt).column("path").to_pylist():
        part = store.read(path)
        files.append((part.num_rows, tuple(sorted(set(part.column(key).to_pylist())))))
    return sorted(files, key=lambda f: (f[1], f[0]))


@pytest.mark.slow  # about a thousand requests to the S3 server
def test_delta_s3_housekeeping_cuts_and_merges_files_as_in_a_local_folder(s3_bucket, tmp_path, monkeypatch):
    # Tiny files (about two documents each) and compaction at 4 small files: the first run's files are cut,
    # the small files of the runs after it are merged; a local folder and S3 must end with the same files.
    monkeypatch.setattr(delta, "DOCS_PER_FILE", 2)
    monkeypatch.setattr(delta, "MIN_FILE_BYTES", 1)
    monkeypatch.setattr(delta, "COMPACT_AT_SMALL_FILES", 4)
    local, remote = str(tmp_path / "out"), "s3://news/housekeeping"
    corpus = {f"d{i:02d}": f"第{i}篇\n" + "新闻" * (50 + i) for i in range(12)}
    states = [dict(corpus)]
    for i in range(5):
        corpus = {**corpus, f"n{i}": f"新{i}"}
        if i == 2:
            corpus["d03"] = "改了"
        states.append(dict(corpus))
    compacted = {local: [], remote: []}
    for state in states:
        for url in (local, remote):
            compacted[url].append(publish(url, state)["compacted"])
    assert compacted[local] == compacted[remote]
    assert compacted[local][0]["documents"]["files_removed"] == 1, "the first run's file was cut"
    assert any(report.get("documents", {}).get("files_removed", 0) >= 4 for report in compacted[local][1:]), \
        "small files were merged"
    for name in (*LAYOUT_KEYS, "errors"):
        assert _layout(remote, name) == _layout(local, name), name
    remote_tables, local_tables = read_tables(remote), read_tables(local)
    for name, frame in local_tables.items():
        assert remote_tables[name].equals(frame), name
