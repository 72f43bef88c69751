"""The output tables: explicit pyarrow schemas (contract version 2) and conversion of rows into them."""
from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter

from typing import TYPE_CHECKING

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

SCHEMAS: dict[str, pa.Schema] = {
    "documents": _schema(
        _DOC, ("source", _STR, False), ("content_sha256", _STR, False), ("title", _STR, True),
        ("author", _STR, True), ("published", _DATE, True), ("published_basis", _STR, True),
        ("variant", _STR, False), ("conversion", _STR, False), ("text", _STR, False),
        ("text_simplified", _STR, False), ("n_chars", pa.int64(), False), ("url", _STR, True),
        ("outlet", _STR, True), ("pipeline_version", _STR, False), ("processed_at", _TS, False),
    ),
    "sentences": _schema(
        _DOC, _SENT, *_SPAN, ("section", _STR, False), ("text", _STR, False), ("text_simplified", _STR, False),
        ("paragraph_idx", _INT, False),
    ),
    "tokens": _schema(
        _DOC, _SENT, ("tok_idx", _INT, False), *_SPAN, ("text", _STR, False), ("text_simplified", _STR, False),
        ("pos", _STR, False),
    ),
    "entities": _schema(
        _DOC, _SENT, *_SPAN, ("text", _STR, False), ("text_simplified", _STR, False), ("label", _STR, False),
        ("canonical", _STR, False), ("method", _STR, False),
    ),
    "quantities": _schema(
        _DOC, _SENT, *_SPAN, ("text", _STR, False), ("text_simplified", _STR, False), ("kind", _STR, False),
        ("value", _F64, True), ("low", _F64, True), ("high", _F64, True), ("unit", _STR, True),
        ("approximate", pa.bool_(), False), ("hedge", _STR, True),
    ),
    "dates": _schema(
        _DOC, _SENT, *_SPAN, ("text", _STR, False), ("text_simplified", _STR, False), ("kind", _STR, False),
        ("start_date", _DATE, True), ("end_date", _DATE, True), ("granularity", _STR, True),
        ("duration", _STR, True), ("anchor", _STR, True),
    ),
    "references": _schema(
        _DOC, ("ref_idx", _INT, False), ("marker", _STR, False), *_SPAN, ("title", _STR, False),
        ("publisher", _STR, True), ("published", _DATE, True), ("url", _STR, True), ("raw", _STR, False),
        ("title_simplified", _STR, False), ("status", _STR, False),
    ),
    "citations": _schema(
        _DOC, ("ref_idx", _INT, False), _SENT, ("score", _F64, False), ("evidence", _STR, False),
        ("method", _STR, True),
    ),
    "conflicts": _schema(
        _DOC, ("ref_idx", _INT, False), ("sent_idx", _INT, True), ("kind", _STR, False),
        ("article_text", _STR, False), ("reference_text", _STR, True), ("detail", _STR, False),
    ),
    "errors": _schema(
        ("source", _STR, False), ("doc_id", _STR, True), ("stage", _STR, False), ("code", _STR, False),
        ("message", _STR, False), ("at", _TS, False),
    ),
}

TABLES = tuple(SCHEMAS)
DOCUMENT_TABLES = tuple(name for name in TABLES if name != "errors")


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


_MENTION_TABLES = ("sentences", "tokens", "entities", "quantities", "dates", "references")


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
    if name in _MENTION_TABLES and table.num_rows:
        for doc_id, start, end in zip(table.column("doc_id").to_pylist(), table.column("start").to_pylist(),
                                      table.column("end").to_pylist()):
            limit = n_chars.get(doc_id)
            if limit is None:
                raise OutputError(f"table {name}: row of document {doc_id!r} has no documents row",
                                  code="orphan_row")
            if not 0 <= start <= end <= limit:
                raise OutputError(f"table {name}: offsets [{start}, {end}) of document {doc_id!r} fall outside "
                                  f"its text of {limit} characters", code="bad_offsets")
