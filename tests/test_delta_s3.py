"""Outputs on an object store: an `s3://` URL against moto's S3 server, started by the tests themselves.

Credentials come from the environment only; the tests check that none ends up in a stored object.
"""
from __future__ import annotations

import os
import threading

import pytest

import extract
from extract.errors import LockedError
from extract.io.delta import Outputs, read_manifest

pytest.register_assert_rewrite("delta_helpers", "flow_fixtures")
from delta_helpers import publish, sha  # noqa: E402
from flow_fixtures import read_tables  # noqa: E402
from test_delta import FIRST, SECOND  # noqa: E402

SECRET = "s3cr3t-never-stored"


@pytest.fixture(scope="module")
def s3_bucket():
    """Start moto's S3 server on a free port, point the AWS variables at it, create a bucket; yield its URL."""
    moto_server = pytest.importorskip("moto.server")
    boto3 = pytest.importorskip("boto3")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    env = {"AWS_ACCESS_KEY_ID": "test-key", "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_REGION": "us-east-1",
           "AWS_ENDPOINT_URL": endpoint, "AWS_ALLOW_HTTP": "true"}
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(Bucket="news")
    try:
        yield client
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.stop()


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
