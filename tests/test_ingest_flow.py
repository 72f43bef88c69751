"""The corpus stays inside its folder, and Chinese encodings are read, through `zh-extract run` (issue 19)."""
from __future__ import annotations

import pytest

pytest.register_assert_rewrite("flow_fixtures")
from flow_fixtures import *  # noqa: E402,F403

pytest_plugins = ["flow_fixtures"]

GB_TEXT = "中芯国际2025年二季度产能利用率达92.5%。"  # refused as cp949 before issue 19
BIG5_TEXT = "台積電2025年第二季營收創新高，毛利率達58.6%。"


@pytest.mark.slow
def test_ingest_flow_refuses_an_outside_symlink_unless_asked_and_reads_gb18030_and_big5(prefect_api, tmp_path):
    corpus, outputs, outside = tmp_path / "corpus", tmp_path / "outputs", tmp_path / "outside"
    corpus.mkdir()
    outside.mkdir()
    (corpus / "good.txt").write_text(tiny_article(301), encoding="utf-8")
    (corpus / "gb.txt").write_bytes(GB_TEXT.encode("gb18030"))
    (corpus / "big5.txt").write_bytes(BIG5_TEXT.encode("big5"))
    (outside / "secret.txt").write_text(tiny_article(302), encoding="utf-8")
    (corpus / "leak.txt").symlink_to(outside / "secret.txt")
    run = run_cli(prefect_api, tmp_path, corpus, outputs)
    assert run.returncode == 1, run.stderr[-3000:]
    assert [(f["source"], f["code"]) for f in run.summary["failures"]] == [("leak.txt", "outside_corpus")]
    tables = read_tables(outputs)
    docs = dict(zip(tables["documents"]["doc_id"], tables["documents"]["text"]))
    assert sorted(docs) == ["big5.txt", "gb.txt", "good.txt"]
    assert docs["gb.txt"] == GB_TEXT and docs["big5.txt"] == BIG5_TEXT
    assert str(outside / "secret.txt") in tables["errors"]["message"].iloc[0]
    run = run_cli(prefect_api, tmp_path, corpus, outputs, "--follow-symlinks")
    assert run.returncode == 0, run.stderr[-3000:]
    tables = read_tables(outputs)
    assert sorted(tables["documents"]["doc_id"]) == ["big5.txt", "gb.txt", "good.txt", "leak.txt"]
    assert len(tables["errors"]) == 0
