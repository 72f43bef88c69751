"""The output tables: explicit pyarrow schemas (contract version 2) and conversion of rows into them."""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import numpy
import pyarrow as pa

if TYPE_CHECKING:  # imported by to_frame only: the flow and its planning never build DataFrames
    import pandas as pd

SCHEMA_VERSION = "2"

_STR = pa.string()
_INT = pa.int32()
_F64 = pa.float64()
_DATE = pa.date32()
_TS = pa.timestamp("us", tz="UTC")


def _schema(*fields: tuple[str, pa.DataType, bool]) -> pa.Schema:
    return pa.schema([pa.field(name, typ, nullable=nullable) for name, typ, nullable in fields],
                     metadata={"schema_version": SCHEMA_VERSION})


_DOC = ("doc_id", _STR, False)
_SENT = ("sent_idx", _INT, False)
_SPAN = (("start", _INT, False), ("end", _INT, False))
_TEXTS = (("text", _STR, False), ("text_simplified", _STR, False))

Column = tuple[str, pa.DataType, bool]  # name, type, nullable
RowBuilder = Callable[[Any], list[dict]]


@dataclass(frozen=True)
class Table:
    """One output table: its columns, the order of a document's rows, and how one article's rows are built.

    `rows` reads the analysis of one article (an `extract.analysis.article.Analysed`: its records, offset map
    and sentences) and returns that article's rows; it is None for `errors`, whose rows come from failures.
    `spans` says that `start`/`end` index `documents.text` (checked before anything is published).
    """

    name: str
    columns: tuple[Column, ...]
    order: tuple[str, ...] = ()
    rows: RowBuilder | None = None
    spans: bool = False

    @property
    def schema(self) -> pa.Schema:
        return _schema(*self.columns)

    def sort_key(self) -> list[tuple[str, str]]:
        """Return the sort key of the table's rows (pyarrow's `sort_by` form): by document, then `order`."""
        head = [("doc_id", "ascending")] if self.name != "errors" else []
        return head + [(column, "ascending") for column in self.order]


REGISTRY: dict[str, Table] = {}


def table(name: str, *columns: Column, order: tuple[str, ...] = (), spans: bool = False):
    """Register table `name` with its columns and row order; decorates the function building its rows."""

    def register(rows: RowBuilder | None) -> RowBuilder | None:
        REGISTRY[name] = Table(name, columns, order, rows, spans)
        return rows

    return register


# -- the tables, in the order the contract lists them --------------------------------------------------------

@table("documents", _DOC, ("source", _STR, False), ("content_sha256", _STR, False), ("title", _STR, True),
       ("author", _STR, True), ("published", _DATE, True), ("published_basis", _STR, True),
       ("variant", _STR, False), ("conversion", _STR, False), ("text", _STR, False),
       ("text_simplified", _STR, False), ("n_chars", pa.int64(), False), ("url", _STR, True),
       ("outlet", _STR, True), ("pipeline_version", _STR, False), ("processed_at", _TS, False))
def document_rows(a) -> list[dict]:
    from extract.version import PIPELINE_VERSION

    article, norm = a.article, a.norm
    return [{"doc_id": article.doc_id, "source": article.source, "content_sha256": article.content_sha256,
             "title": article.title, "author": a.author, "published": a.published,
             "published_basis": a.published_basis, "variant": norm.variant, "conversion": norm.config,
             "text": article.text, "text_simplified": norm.simplified, "n_chars": len(article.text),
             "url": article.url, "outlet": article.outlet, "pipeline_version": PIPELINE_VERSION,
             "processed_at": datetime.now(timezone.utc)}]


@table("sentences", _DOC, _SENT, *_SPAN, ("section", _STR, False), *_TEXTS, ("paragraph_idx", _INT, False),
       order=("sent_idx",), spans=True)
def sentence_rows(a) -> list[dict]:
    rows = []
    for idx, sent in enumerate(a.sentences):
        start, end = a.norm.to_original(sent.start, sent.end)
        rows.append({"doc_id": a.doc_id, "sent_idx": idx, "start": start, "end": end, "section": sent.section,
                     "text": a.article.text[start:end], "text_simplified": a.norm.simplified[sent.start:sent.end],
                     "paragraph_idx": sent.line_idx})
    return rows


@table("tokens", _DOC, _SENT, ("tok_idx", _INT, False), *_SPAN, *_TEXTS, ("pos", _STR, False),
       order=("sent_idx", "tok_idx"), spans=True)
def token_rows(a) -> list[dict]:
    rows, doc_id, original = [], a.doc_id, a.article.text
    orig_start, orig_end = a.norm.orig_start, a.norm.orig_end
    starts = a.sentence_starts
    n_sent, sent_idx, tok_idx = len(starts), 0, 0
    # Tokens come in text order: walk the sentence starts alongside instead of searching them per token.
    for tok in a.tokens:
        if tok.text.isspace():
            continue
        while sent_idx + 1 < n_sent and starts[sent_idx + 1] <= tok.start:
            sent_idx, tok_idx = sent_idx + 1, 0
        start, end = orig_start[tok.start], orig_end[tok.end - 1]
        rows.append({"doc_id": doc_id, "sent_idx": sent_idx, "tok_idx": tok_idx, "start": start, "end": end,
                     "text": original[start:end], "text_simplified": tok.text, "pos": tok.pos})
        tok_idx += 1
    return rows


@table("entities", _DOC, _SENT, *_SPAN, *_TEXTS, ("label", _STR, False), ("canonical", _STR, False),
       ("method", _STR, False), order=("sent_idx", "start"), spans=True)
def entity_rows(a) -> list[dict]:
    return [{**a.span(e.start, e.end), "label": e.label, "canonical": e.canonical, "method": e.method}
            for e in a.entities]


@table("quantities", _DOC, _SENT, *_SPAN, *_TEXTS, ("kind", _STR, False), ("value", _F64, True),
       ("low", _F64, True), ("high", _F64, True), ("unit", _STR, True), ("approximate", pa.bool_(), False),
       ("hedge", _STR, True), order=("sent_idx", "start"), spans=True)
def quantity_rows(a) -> list[dict]:
    return [{**a.span(q.start, q.end), "kind": q.kind, "value": q.value, "low": q.low, "high": q.high,
             "unit": q.unit, "approximate": q.approximate, "hedge": q.hedge} for q in a.quantities]


@table("dates", _DOC, _SENT, *_SPAN, *_TEXTS, ("kind", _STR, False), ("start_date", _DATE, True),
       ("end_date", _DATE, True), ("granularity", _STR, True), ("duration", _STR, True), ("anchor", _STR, True),
       order=("sent_idx", "start"), spans=True)
def date_rows(a) -> list[dict]:
    return [{**a.span(d.start, d.end), "kind": d.kind, "start_date": d.start_date, "end_date": d.end_date,
             "granularity": d.granularity, "duration": d.duration, "anchor": d.anchor} for d in a.dates]


@table("references", _DOC, ("ref_idx", _INT, False), ("marker", _STR, False), *_SPAN, ("title", _STR, False),
       ("publisher", _STR, True), ("published", _DATE, True), ("url", _STR, True), ("raw", _STR, False),
       ("title_simplified", _STR, False), ("status", _STR, False), order=("ref_idx",), spans=True)
def reference_rows(a) -> list[dict]:
    cited = {c.ref_idx for c in a.citations}
    rows = []
    for ref in a.references:
        start, end = a.norm.to_original(ref.start, ref.end)
        title_start, title_end = a.norm.to_original(ref.title_start, ref.title_end)
        rows.append({"doc_id": a.doc_id, "ref_idx": ref.ref_idx, "marker": ref.marker, "start": start, "end": end,
                     "title": a.article.text[title_start:title_end], "publisher": ref.publisher,
                     "published": ref.published, "url": ref.url, "raw": a.article.text[start:end],
                     "title_simplified": a.norm.simplified[ref.title_start:ref.title_end],
                     "status": "cited" if ref.ref_idx in cited else "not_cited"})
    return rows


@table("citations", _DOC, ("ref_idx", _INT, False), _SENT, ("score", _F64, False), ("evidence", _STR, False),
       ("method", _STR, True), order=("ref_idx", "sent_idx"))
def citation_rows(a) -> list[dict]:
    return [{"doc_id": a.doc_id, "ref_idx": c.ref_idx, "sent_idx": c.sent_idx, "score": float(c.score),
             "method": getattr(c, "method", None), "evidence": json.dumps(c.evidence, ensure_ascii=False)}
            for c in a.citations]


@table("conflicts", _DOC, ("ref_idx", _INT, False), ("sent_idx", _INT, True), ("kind", _STR, False),
       ("article_text", _STR, False), ("reference_text", _STR, True), ("detail", _STR, False), order=("ref_idx",))
def conflict_rows(a) -> list[dict]:
    # The texts quote the article as written: the Simplified spans go back to the original script.
    return [{"doc_id": a.doc_id, "ref_idx": k.ref_idx, "sent_idx": k.sent_idx, "kind": k.kind,
             "article_text": a.original_text(k.article_span, k.article_text),
             "reference_text": a.original_text(k.reference_span, k.reference_text), "detail": k.detail}
            for k in a.conflicts]


table("errors", ("source", _STR, False), ("doc_id", _STR, True), ("stage", _STR, False), ("code", _STR, False),
      ("message", _STR, False), ("at", _TS, False))(None)

SCHEMAS: dict[str, pa.Schema] = {name: spec.schema for name, spec in REGISTRY.items()}
TABLES = tuple(SCHEMAS)
DOCUMENT_TABLES = tuple(name for name, spec in REGISTRY.items() if spec.rows is not None)


def sort_key(name: str) -> list[tuple[str, str]]:
    """Return the sort key of table `name` (see Table.sort_key)."""
    return REGISTRY[name].sort_key()


def to_arrow(name: str, rows: list[dict]) -> pa.Table:
    """Return `rows` (dicts keyed by column) as a pyarrow Table with the table's schema."""
    schema = SCHEMAS[name]
    columns = {field.name: [row.get(field.name) for row in rows] for field in schema}
    return pa.Table.from_pydict(columns, schema=schema)


def to_frame(name: str, rows: list[dict]) -> pd.DataFrame:
    """Return `rows` as a pandas DataFrame with the table's columns and types (nullable where the contract says).

    Built from columns: the rows are transposed in one pass and each column's values go straight into the
    pandas array of its type. Converting a pyarrow Table (`to_pandas(types_mapper=...)`) gives the same frame
    at twice the cost, as much as a third of the analysis of a short article, in pandas' conversion machinery.
    """
    import pandas as pd

    fields = SCHEMAS[name]
    names = fields.names
    try:
        columns = list(zip(*map(itemgetter(*names), rows))) if rows else [()] * len(names)
    except KeyError:  # a row without some optional column
        columns = [[row.get(column) for row in rows] for column in names]
    return pd.DataFrame({fld.name: _pandas_column(fld.type, values) for fld, values in zip(fields, columns)},
                        copy=False)


def _pandas_column(arrow_type: pa.DataType, values: Sequence):
    """Return a column's values as the pandas array converting the Arrow column would give: nullable Int64,
    boolean and string (Arrow-backed where pandas' default string storage is), float64 with NaN, dates as
    objects."""
    import pandas as pd

    if pa.types.is_integer(arrow_type):
        mask = numpy.fromiter((v is None for v in values), bool, len(values))
        if mask.any():
            values = [0 if v is None else v for v in values]
        return pd.arrays.IntegerArray(numpy.array(values, dtype=numpy.int64).reshape(len(values)), mask)
    if pa.types.is_string(arrow_type):
        if pd.StringDtype().storage == "pyarrow":
            return pd.arrays.ArrowStringArray(pa.array(values, type=pa.large_string()))
        return pd.array(list(values), dtype=pd.StringDtype())
    if pa.types.is_boolean(arrow_type):
        mask = numpy.fromiter((v is None for v in values), bool, len(values))
        return pd.arrays.BooleanArray(numpy.fromiter((bool(v) for v in values), bool, len(values)), mask)
    if pa.types.is_floating(arrow_type):
        return numpy.array(values, dtype=numpy.float64).reshape(len(values))
    return pa.array(values, type=arrow_type).to_pandas()  # dates (as objects) and timestamps


def validate(name: str, table: pa.Table, n_chars: dict[str, int]) -> None:
    """Check a table before it is published: schema, non-null columns, offsets inside their document.

    `n_chars` maps doc_id to the length of documents.text for the documents being written.
    Raises OutputError naming the table, the column and an offending row.
    """
    from extract.errors import OutputError

    schema = SCHEMAS[name]
    if not table.schema.equals(schema, check_metadata=False):
        raise OutputError(f"table {name}: schema {table.schema} differs from the contract's {schema}",
                          code="schema_mismatch")
    for fld in schema:
        if not fld.nullable and table.column(fld.name).null_count:
            raise OutputError(f"table {name}: column {fld.name} has {table.column(fld.name).null_count} null "
                              "values but may not be null", code="null_key")
    if REGISTRY[name].spans and table.num_rows:
        for doc_id, start, end in zip(table.column("doc_id").to_pylist(), table.column("start").to_pylist(),
                                      table.column("end").to_pylist()):
            limit = n_chars.get(doc_id)
            if limit is None:
                raise OutputError(f"table {name}: row of document {doc_id!r} has no documents row",
                                  code="orphan_row")
            if not 0 <= start <= end <= limit:
                raise OutputError(f"table {name}: offsets [{start}, {end}) of document {doc_id!r} fall outside "
                                  f"its text of {limit} characters", code="bad_offsets")
