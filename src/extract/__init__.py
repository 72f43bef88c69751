"""zh-extract: facts out of Chinese news articles, as tables.

`analyze(text)` returns every output table for one text as pandas DataFrames; the Prefect flow in
`pipeline/` runs the same analysis over a corpus and writes the tables as Delta Lake tables; `read_table` reads them back.
"""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from extract.errors import (
    DataFileError,
    EmptyTextError,
    ExtractError,
    IngestError,
    NormalizeError,
    OutputError,
)
from extract.version import PIPELINE_VERSION

if TYPE_CHECKING:  # pandas is imported by `analyze` only: planning a run or reading rows needs none of it
    import pandas as pd

__all__ = ["analyze", "analyze_file", "analyze_file_rows", "analyze_rows", "read_table", "ExtractError", "IngestError",
           "NormalizeError", "EmptyTextError", "DataFileError", "OutputError", "PIPELINE_VERSION"]


def analyze(text: str, *, published: date | None = None, source: str = "<text>") -> dict[str, pd.DataFrame]:
    """Return every output table but `errors` for one text, as DataFrames keyed by table name.

    `text` may be in any Chinese script. `published` anchors relative and partial dates; without it the
    pipeline infers what it can from the text. Raises an ExtractError subclass when the text cannot be
    processed (for example, it holds no Chinese).
    """
    from extract.analysis.article import freeze_loaded_state
    from extract.io.tables import DOCUMENT_TABLES, columns_to_frame

    columns = analyze_rows(text, published=published, source=source).columns
    frames = {name: columns_to_frame(name, columns[name]) for name in DOCUMENT_TABLES}
    freeze_loaded_state()  # the first frames import pandas: its objects live as long as the process
    return frames


def read_table(outputs, name: str, run: str | None = None) -> pd.DataFrame:
    """Return table `name` of the outputs folder or URL `outputs` as of `run`, as a pandas DataFrame.

    `run` is a run id of the `runs` table; by default the latest completed run. Every table read with the
    same `run` comes from that one run, a consistent snapshot across tables. Raises OutputError (code
    no_such_table, no_such_run) with a message saying what is missing.
    """
    from extract.io.delta import snapshot

    return snapshot(outputs, name, run).to_pandas()


def analyze_file(path, *, published: date | None = None) -> dict[str, pd.DataFrame]:
    """Return the tables of every article in one file, read as `zh-extract run` reads a corpus file.

    `.txt`/`.md` hold one article, `.html` one page (its main text, title and metadata), `.jsonl` one article
    a line (`id`, `title`, `text`, `date`, `url`, `outlet`). The tables are those of `analyze` for all the
    file's articles together, plus `errors` for records that could not be read or analysed. `published`, when
    given, replaces every article's date. Raises IngestError when the file yields no article at all.
    """
    from extract.io.tables import columns_to_frame, to_frame

    columns, errors = _file_columns(path, published)
    return {**{name: columns_to_frame(name, found) for name, found in columns.items()},
            "errors": to_frame("errors", errors)}


def analyze_file_rows(path, *, published: date | None = None) -> dict[str, list[dict]]:
    """Return what `analyze_file` returns with each table as a list of rows (dicts keyed by column).

    The same values without pandas, which costs a command that prints one file's tables more time and memory
    to import than the analysis of the file: missing values are None rather than NaN or NA.
    """
    from extract.io.tables import rows_of

    columns, errors = _file_columns(path, published)
    return {**{name: rows_of(name, found) for name, found in columns.items()}, "errors": errors}


def _file_columns(path, published: date | None) -> tuple[dict[str, dict[str, list]], list[dict]]:
    """Return the columns of every document table for the articles of one file, and its `errors` rows."""
    from dataclasses import replace
    from pathlib import Path

    from extract.analysis.article import analyze_article
    from extract.io.tables import DOCUMENT_TABLES, empty_columns
    from extract.text.ingest import IngestFailure, read_path

    path = Path(path)
    columns = {name: empty_columns(name) for name in DOCUMENT_TABLES}
    errors: list[dict] = []
    for item in read_path(path, path.parent):
        if isinstance(item, IngestFailure):
            errors.append(_error_row(item.source, item.doc_id, item.stage, item.code, item.message))
            continue
        article = replace(item, published=published) if published is not None else item
        try:
            found = analyze_article(article).columns
        except ExtractError as exc:
            errors.append(_error_row(article.source, article.doc_id, exc.stage or "analyze", exc.code or "failed",
                                     str(exc)))
            continue
        for name in DOCUMENT_TABLES:
            for column, values in columns[name].items():
                values.extend(found[name][column])
    if not columns["documents"]["doc_id"]:
        if errors:  # the failure's message already names the file
            raise IngestError(errors[0]["message"], code=errors[0]["code"])
        raise IngestError("the file holds no article", source=str(path), code="no_article")
    return columns, errors


def _error_row(source: str, doc_id: str | None, stage: str, code: str, message: str) -> dict:
    from datetime import datetime, timezone

    return {"source": source, "doc_id": doc_id, "stage": stage, "code": code, "message": message,
            "at": datetime.now(timezone.utc)}


def analyze_rows(text: str, *, published: date | None = None, source: str = "<text>"):
    """Return the DocumentRows of one text (the rows behind `analyze`)."""
    from extract.analysis.article import analyze_article
    from extract.text.ingest import Article

    if not isinstance(text, str):
        raise ExtractError(f"expected text as str, got {type(text).__name__}", source=source, code="bad_input")
    if published is not None and not isinstance(published, date):
        raise TypeError(f"published must be a datetime.date or None, not {type(published).__name__}")
    if not isinstance(source, str):
        raise TypeError(f"source must be a str, not {type(source).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ExtractError(f"the text holds a lone surrogate at offset {exc.start} (an unpaired \\ud800-\\udfff), "
                           "which is not text", source=source, code="invalid_unicode", stage="ingest") from None
    if not text.strip():
        raise EmptyTextError("the text is empty", source=source, code="empty_text")
    article = Article(doc_id=source, source=source, text=text.replace("\r\n", "\n"), published=published)
    try:
        return analyze_article(article)
    except ExtractError as exc:
        if exc.source is None:
            exc.source = source
        raise
