"""Fixtures for the flow tests: one Prefect server per session, `zh-extract` runs in subprocesses, tables.

Every run is a subprocess with its own PREFECT_HOME (under its --state-dir), so Prefect reads it at import
as it does for a user; the runs share one local Prefect server to save its start-up time (10-20 s).
A test module loads the fixtures with `pytest_plugins = ["flow_fixtures"]` (so that session fixtures are
shared by every module, which importing them would not do) and imports the helpers it calls.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from extract.io.tables import TABLES

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "h200-china-chips.txt"
# Columns that record when and by which run a row was written: they differ between two runs over the same input.
VOLATILE = {"documents": ["processed_at"], "errors": ["at"]}
RUN_COLUMNS = ["run_id"]
RUN_TIMEOUT = 300

__all__ = ["Run", "run_cli", "run_cli_with", "start_cli", "read_tables",
           "assert_tables_equal", "assert_tables_readable", "tiny_article", "write_tiny_corpus",
           "cli_command", "cli_env", "has_completed_run", "read_delta_table", "DELTA_READERS", "ROOT", "SEED"]


_CODE: Path | None = None


def code_snapshot() -> Path:
    """Return a copy of the packages `extract` and `pipeline`, taken once per session.

    The pipeline version is a digest of the package's files, so an edit made in the working tree while the
    tests run would make a later run reprocess everything; runs in a session use the same code.
    """
    global _CODE
    if _CODE is None:
        import atexit
        import tempfile

        target = Path(tempfile.mkdtemp(prefix="zh-extract-code-"))
        atexit.register(shutil.rmtree, target, ignore_errors=True)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(ROOT / "src" / "extract", target / "extract", ignore=ignore,
                        ignore_dangling_symlinks=True)
        shutil.copytree(ROOT / "pipeline", target / "pipeline", ignore=ignore)
        _CODE = target
    return _CODE


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory) -> str:
    """Return the API address of a local Prefect server that lives for the test session."""
    from pipeline.serve import LocalServer, ServerStartError

    server = LocalServer.launch(tmp_path_factory.mktemp("prefect-server"))
    try:
        server.wait_healthy()
    except ServerStartError as exc:
        server.stop()
        pytest.fail(f"the test Prefect server did not start: {exc}")
    yield server.api_url
    server.stop()


@dataclass
class Run:
    """A finished `zh-extract run`: exit status, output, and the summary when --json was given."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def summary(self) -> dict:
        """Return the JSON summary printed on stdout."""
        try:
            return json.loads(self.stdout)
        except json.JSONDecodeError as exc:
            raise AssertionError(f"no JSON summary on stdout ({exc}):\n{self.stdout}\n{self.stderr[-3000:]}") from None


def cli_command() -> list[str]:
    """Return the command users type, from this virtualenv (it imports the code snapshot: see cli_env)."""
    script = Path(sys.executable).parent / "zh-extract"
    return [str(script)] if script.exists() else [sys.executable, "-m", "pipeline.cli"]


def cli_env(api_url: str | None, **extra: str) -> dict[str, str]:
    """Return an environment with no Prefect settings of the caller's, pointed at `api_url` when given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(code_snapshot()), env.get("PYTHONPATH")]))
    env["PREFECT_LOGGING_TO_API_ENABLED"] = "false"
    if api_url:
        env["PREFECT_API_URL"] = api_url
    env.update(extra)
    return env


def _run_args(work: Path, corpus: Path, outputs: Path | str, extra: list[str]) -> list[str]:
    return ["run", "--corpus", str(corpus), "--outputs", str(outputs), "--state-dir", str(work / "state"),
            "--json", *extra]


def run_cli(api_url: str, work: Path, corpus: Path, outputs: Path | str, *extra: str) -> Run:
    """Run `zh-extract run --json` on `corpus` into `outputs` and return what it did."""
    done = subprocess.run(cli_command() + _run_args(work, corpus, outputs, list(extra)), cwd=work,
                          env=cli_env(api_url), capture_output=True, text=True, timeout=RUN_TIMEOUT)
    return Run(done.returncode, done.stdout, done.stderr)


def run_cli_with(api_url: str, work: Path, prelude: str, corpus: Path, outputs: Path | str, *extra: str) -> Run:
    """Run the CLI's `main` in a Python process that first executes `prelude` (to inject a fault).

    Pass `--workers 1` for a fault in the analysis: worker processes of the default pool would not see it.
    """
    code = f"{prelude}\nimport sys\nfrom pipeline.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    done = subprocess.run([sys.executable, "-c", code, *_run_args(work, corpus, outputs, list(extra))],
                          cwd=work, env=cli_env(api_url), capture_output=True, text=True, timeout=RUN_TIMEOUT)
    return Run(done.returncode, done.stdout, done.stderr)


def start_cli(api_url: str, work: Path, corpus: Path, outputs: Path | str, *extra: str) -> subprocess.Popen:
    """Start `zh-extract run` without waiting (for kill tests)."""
    return subprocess.Popen(cli_command() + _run_args(work, corpus, outputs, list(extra)), cwd=work,
                            env=cli_env(api_url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def has_completed_run(outputs: Path | str) -> bool:
    """Return whether a run has completed in `outputs` (its runs table has a row)."""
    from extract.io.delta import completed_runs

    try:
        return bool(completed_runs(outputs))
    except Exception:  # a table being created right now: not yet
        return False


DELTA_READERS = ("deltalake", "polars_read", "polars_scan", "duckdb", "read_table")


def read_delta_table(folder: Path | str, reader: str) -> pd.DataFrame:
    """Return the current rows of the Delta table at `folder` through one of the readers the README names."""
    folder = str(folder)
    if reader == "deltalake":
        from deltalake import DeltaTable

        return DeltaTable(folder).to_pandas()
    if reader in ("polars_read", "polars_scan"):
        import polars as pl

        frame = pl.read_delta(folder) if reader == "polars_read" else pl.scan_delta(folder).collect()
        return frame.to_pandas()
    if reader == "duckdb":
        import duckdb
        from deltalake import DeltaTable

        dataset = DeltaTable(folder).to_pyarrow_dataset()  # noqa: F841  (DuckDB scans the local by name)
        return duckdb.sql("select * from dataset").df()
    if reader == "read_table":
        import extract

        outputs, name = folder.rstrip("/").rsplit("/", 1)
        return extract.read_table(outputs, name)
    raise ValueError(reader)


def read_tables(outputs: Path | str) -> dict[str, pd.DataFrame]:
    """Return every published table as of the latest run, without write times and run ids, in canonical order."""
    import extract

    tables = {}
    for name in TABLES:
        frame = extract.read_table(outputs, name) if has_completed_run(outputs) else pd.DataFrame()
        frame = frame.drop(columns=[c for c in VOLATILE.get(name, []) + RUN_COLUMNS if c in frame.columns])
        if len(frame.columns):
            frame = frame.sort_values(list(frame.columns), kind="stable", na_position="first")
        tables[name] = frame.reset_index(drop=True)
    return tables


def assert_tables_equal(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> None:
    """Assert two sets of tables hold the same rows (write times aside)."""
    for name in TABLES:
        assert len(left[name]) == len(right[name]), f"{name}: {len(left[name])} rows != {len(right[name])}"
        pd.testing.assert_frame_equal(left[name], right[name], check_dtype=True, obj=name)


def assert_tables_readable(outputs: Path) -> None:
    """Assert every table reads whole with a Delta reader (its current version) and holds no duplicate row."""
    from deltalake import DeltaTable

    for name in TABLES:
        folder = Path(outputs) / name
        if not (folder / "_delta_log").is_dir():
            continue
        frame = DeltaTable(str(folder)).to_pandas()
        if name == "documents":
            assert not frame["doc_id"].duplicated().any(), "a document appears twice"
        frame = frame.drop(columns=VOLATILE.get(name, []) + RUN_COLUMNS)
        assert not frame.astype(str).duplicated().any(), f"{name} holds duplicate rows"


_PLACES = ["南京", "成都", "西安", "长沙", "青岛", "厦门", "昆明", "合肥", "郑州", "福州", "兰州", "沈阳"]
_GOODS = ["新能源汽车", "工业机器人", "集成电路", "光伏电池", "锂离子电池", "服务器"]


def tiny_article(i: int, *, edition: int = 0) -> str:
    """Return a short, made-up Chinese news article, different for each `i` (and `edition`)."""
    place, goods = _PLACES[i % len(_PLACES)], _GOODS[(i // len(_PLACES)) % len(_GOODS)]
    month, day = 1 + i % 12, 1 + (i * 7 + edition) % 28
    growth = f"{3 + i % 9}.{(i + edition) % 10}"
    amount = 20 + (i * 13 + edition) % 480
    return (f"{place}前{1 + i % 11}个月{goods}产量增长{growth}%\n\n"
            f"（记者 王{i % 97}）{place}市统计局{month}月{day}日发布数据，今年以来全市{goods}产量同比增长"
            f"{growth}%，约为去年同期的{1 + i % 3}倍。\n\n"
            f"该局负责人表示，预计全年相关产业投资将超过{amount}亿元，第{1 + i % 4}季度仍将保持增长。\n")


def write_tiny_corpus(folder: Path, n: int, *, start: int = 0) -> list[Path]:
    """Write `n` tiny articles as .txt files into `folder`; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + n):
        path = folder / f"a{i:04d}.txt"
        path.write_text(tiny_article(i), encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture(scope="session")
def baseline(prefect_api, tmp_path_factory) -> dict:
    """One default run over a small mixed corpus: the seed article, tiny articles, Markdown and JSON Lines.

    Returns {"corpus", "outputs", "run", "tables", "work"}; tests copy the folders before changing them.
    """
    work = tmp_path_factory.mktemp("baseline")
    corpus = work / "corpus"
    write_tiny_corpus(corpus, 4)
    shutil.copy(SEED, corpus / SEED.name)
    (corpus / "news").mkdir()
    (corpus / "news" / "brief.md").write_text("# " + tiny_article(40), encoding="utf-8")
    records = [{"id": f"r{i}", "title": tiny_article(50 + i).split("\n")[0], "date": f"2025-0{1 + i}-15",
                "text": tiny_article(50 + i).split("\n", 1)[1]} for i in range(3)]
    (corpus / "news" / "wire.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    outputs = work / "outputs"
    run = run_cli(prefect_api, work, corpus, outputs, "--batch-size", "3")
    assert run.returncode == 0, run.stderr[-3000:]
    return {"work": work, "corpus": corpus, "outputs": outputs, "run": run, "tables": read_tables(outputs),
            "n_articles": 9}
