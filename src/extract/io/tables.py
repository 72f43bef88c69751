"""The output tables: explicit pyarrow schemas (contract version 2), the builders of their columns, and conversion
of columns or rows into Arrow tables and DataFrames."""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import cache
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import numpy

if TYPE_CHECKING:  # pandas is imported by the frames only, pyarrow by the schemas and Arrow tables (see SCHEMAS)
    import pandas as pd
    import pyarrow as pa

SCHEMA_VERSION = "2"

# Column types by their pyarrow names (`_arrow_type`): the rows and frames of one file's analysis (`zh-extract
# analyze`) need no pyarrow, whose import alone costs 50 MB; the schemas are made on first use.
_STR, _INT, _F64, _DATE, _TS, _I64, _BOOL = "string", "int32", "float64", "date32", "timestamp[us, UTC]", "int64", "bool"


def _arrow_type(name: str) -> pa.DataType:
    import pyarrow as pa

    if name == _TS:
        return pa.timestamp("us", tz="UTC")
    return {_STR: pa.string, _INT: pa.int32, _F64: pa.float64, _DATE: pa.date32, _I64: pa.int64,
            _BOOL: pa.bool_}[name]()


def _schema(*fields: tuple[str, str, bool]) -> pa.Schema:
    import pyarrow as pa

    return pa.schema([pa.field(name, _arrow_type(typ), nullable=nullable) for name, typ, nullable in fields],
                     metadata={"schema_version": SCHEMA_VERSION})


_DOC = ("doc_id", _STR, False)
_SENT = ("sent_idx", _INT, False)
_SPAN = (("start", _INT, False), ("end", _INT, False))
_TEXTS = (("text", _STR, False), ("text_simplified", _STR, False))

Column = tuple[str, str, bool]  # name, type (its pyarrow name), nullable
Columns = dict[str, list]  # a table's values by column name, one value per row, in the contract's column order
ColumnBuilder = Callable[[Any], Columns]
RowBuilder = Callable[[Any], list[dict]]


@dataclass(frozen=True)
class Table:
    """One output table: its columns, the order of a document's rows, and how one article's rows are built.

    `build` reads the analysis of one article (an `extract.analysis.article.Analysed`: its records, offset map
    and sentences) and returns that article's values column by column; `rows` returns the same as one dict per
    row. Both are None for `errors`, whose rows come from failures. `spans` says that `start`/`end` index
    `documents.text` (checked before anything is published).
    """

    name: str
    columns: tuple[Column, ...]
    order: tuple[str, ...] = ()
    build: ColumnBuilder | None = None
    spans: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column[0] for column in self.columns)

    @property
    def rows(self) -> RowBuilder | None:
        if self.build is None:
            return None
        return lambda analysed: rows_of(self.name, self.build(analysed))

    @property
    def schema(self) -> pa.Schema:
        return _schema(*self.columns)

    def sort_key(self) -> list[tuple[str, str]]:
        """Return the sort key of the table's rows (pyarrow's `sort_by` form): by document, then `order`."""
        head = [("doc_id", "ascending")] if self.name != "errors" else []
        return head + [(column, "ascending") for column in self.order]


REGISTRY: dict[str, Table] = {}


def table(name: str, *columns: Column, order: tuple[str, ...] = (), spans: bool = False):
    """Register table `name` with its columns and row order; decorates the function building its columns."""

    def register(build: ColumnBuilder | None) -> ColumnBuilder | None:
        REGISTRY[name] = Table(name, columns, order, build, spans)
        return build

    return register


# -- the tables, in the order the contract lists them --------------------------------------------------------
# Each builder returns columns, not rows: the DataFrames of `extract.analyze` and the Arrow tables of the flow
# are made of columns, and a dict per row cost as much as the frames themselves on a short article.

@table("documents", _DOC, ("source", _STR, False), ("content_sha256", _STR, False), ("title", _STR, True),
       ("author", _STR, True), ("published", _DATE, True), ("published_basis", _STR, True),
       ("variant", _STR, False), ("conversion", _STR, False), ("text", _STR, False),
       ("text_simplified", _STR, False), ("n_chars", _I64, False), ("url", _STR, True),
       ("outlet", _STR, True), ("pipeline_version", _STR, False), ("processed_at", _TS, False))
def document_columns(a) -> Columns:
    from extract.version import PIPELINE_VERSION

    article, norm = a.article, a.norm
    return {"doc_id": [article.doc_id], "source": [article.source], "content_sha256": [article.content_sha256],
            "title": [article.title], "author": [a.author], "published": [a.published],
            "published_basis": [a.published_basis], "variant": [norm.variant], "conversion": [norm.config],
            "text": [article.text], "text_simplified": [norm.simplified], "n_chars": [len(article.text)],
            "url": [article.url], "outlet": [article.outlet], "pipeline_version": [PIPELINE_VERSION],
            "processed_at": [datetime.now(timezone.utc)]}


@table("sentences", _DOC, _SENT, *_SPAN, ("section", _STR, False), *_TEXTS, ("paragraph_idx", _INT, False),
       order=("sent_idx",), spans=True)
def sentence_columns(a) -> Columns:
    sentences, norm, original, simplified = a.sentences, a.norm, a.article.text, a.norm.simplified
    spans = [norm.to_original(sent.start, sent.end) for sent in sentences]
    return {"doc_id": [a.doc_id] * len(sentences), "sent_idx": list(range(len(sentences))),
            "start": [s for s, _ in spans], "end": [e for _, e in spans],
            "section": [sent.section for sent in sentences],
            "text": [original[s:e] for s, e in spans],
            "text_simplified": [simplified[sent.start:sent.end] for sent in sentences],
            "paragraph_idx": [sent.line_idx for sent in sentences]}


@table("tokens", _DOC, _SENT, ("tok_idx", _INT, False), *_SPAN, *_TEXTS, ("pos", _STR, False),
       order=("sent_idx", "tok_idx"), spans=True)
def token_columns(a) -> Columns:
    words = [t for t in a.tokens if not t.text.isspace()]
    n = len(words)
    if not n:
        return empty_columns("tokens")
    # Offsets, sentences and places in the sentence as arrays: a Python loop per token cost a tenth of jieba.
    simplified_start = numpy.fromiter(map(itemgetter(1), words), numpy.intp, n)
    simplified_end = numpy.fromiter(map(itemgetter(2), words), numpy.intp, n)
    # (text before the first sentence start belongs to the first sentence)
    sent = numpy.maximum(numpy.searchsorted(numpy.asarray(a.sentence_starts, dtype=numpy.intp), simplified_start,
                                            "right") - 1, 0)
    index = numpy.arange(n)
    first = numpy.maximum.accumulate(numpy.where(numpy.concatenate(([True], sent[1:] != sent[:-1])), index, 0))
    simplified = list(map(itemgetter(0), words))
    if a.norm.config == "none":  # the text as written is its Simplified text, character for character
        start_col, end_col, texts = simplified_start.tolist(), simplified_end.tolist(), simplified.copy()
    else:
        start_col = numpy.asarray(a.norm.orig_start, dtype=numpy.intp)[simplified_start].tolist()
        end_col = numpy.asarray(a.norm.orig_end, dtype=numpy.intp)[simplified_end - 1].tolist()
        original = a.article.text
        texts = [original[s:e] for s, e in zip(start_col, end_col)]
    return {"doc_id": [a.doc_id] * n, "sent_idx": sent.tolist(), "tok_idx": (index - first).tolist(),
            "start": start_col, "end": end_col, "text": texts, "text_simplified": simplified,
            "pos": list(map(itemgetter(3), words))}


def _attributes(records: Sequence, *names: str) -> dict[str, list]:
    """Return the attributes `names` of records, one list per attribute."""
    return {name: [getattr(r, name) for r in records] for name in names}


@table("entities", _DOC, _SENT, *_SPAN, *_TEXTS, ("label", _STR, False), ("canonical", _STR, False),
       ("method", _STR, False), order=("sent_idx", "start"), spans=True)
def entity_columns(a) -> Columns:
    return {**a.spans(a.entities), **_attributes(a.entities, "label", "canonical", "method")}


@table("quantities", _DOC, _SENT, *_SPAN, *_TEXTS, ("kind", _STR, False), ("value", _F64, True),
       ("low", _F64, True), ("high", _F64, True), ("unit", _STR, True), ("approximate", _BOOL, False),
       ("hedge", _STR, True), order=("sent_idx", "start"), spans=True)
def quantity_columns(a) -> Columns:
    return {**a.spans(a.quantities),
            **_attributes(a.quantities, "kind", "value", "low", "high", "unit", "approximate", "hedge")}


@table("dates", _DOC, _SENT, *_SPAN, *_TEXTS, ("kind", _STR, False), ("start_date", _DATE, True),
       ("end_date", _DATE, True), ("granularity", _STR, True), ("duration", _STR, True), ("anchor", _STR, True),
       order=("sent_idx", "start"), spans=True)
def date_columns(a) -> Columns:
    return {**a.spans(a.dates),
            **_attributes(a.dates, "kind", "start_date", "end_date", "granularity", "duration", "anchor")}


@table("references", _DOC, ("ref_idx", _INT, False), ("marker", _STR, False), *_SPAN, ("title", _STR, False),
       ("publisher", _STR, True), ("published", _DATE, True), ("url", _STR, True), ("raw", _STR, False),
       ("title_simplified", _STR, False), ("status", _STR, False), order=("ref_idx",), spans=True)
def reference_columns(a) -> Columns:
    refs, norm, original = a.references, a.norm, a.article.text
    cited = {c.ref_idx for c in a.citations}
    spans = [norm.to_original(ref.start, ref.end) for ref in refs]
    titles = [norm.to_original(ref.title_start, ref.title_end) for ref in refs]
    return {"doc_id": [a.doc_id] * len(refs), "ref_idx": [ref.ref_idx for ref in refs],
            "marker": [ref.marker for ref in refs], "start": [s for s, _ in spans], "end": [e for _, e in spans],
            "title": [original[s:e] for s, e in titles], "publisher": [ref.publisher for ref in refs],
            "published": [ref.published for ref in refs], "url": [ref.url for ref in refs],
            "raw": [original[s:e] for s, e in spans],
            "title_simplified": [norm.simplified[ref.title_start:ref.title_end] for ref in refs],
            "status": ["cited" if ref.ref_idx in cited else "not_cited" for ref in refs]}


@table("citations", _DOC, ("ref_idx", _INT, False), _SENT, ("score", _F64, False), ("evidence", _STR, False),
       ("method", _STR, True), order=("ref_idx", "sent_idx"))
def citation_columns(a) -> Columns:
    cites = a.citations
    return {"doc_id": [a.doc_id] * len(cites), "ref_idx": [c.ref_idx for c in cites],
            "sent_idx": [c.sent_idx for c in cites], "score": [float(c.score) for c in cites],
            "evidence": [json.dumps(c.evidence, ensure_ascii=False) for c in cites],
            "method": [getattr(c, "method", None) for c in cites]}


@table("conflicts", _DOC, ("ref_idx", _INT, False), ("sent_idx", _INT, True), ("kind", _STR, False),
       ("article_text", _STR, False), ("reference_text", _STR, True), ("detail", _STR, False), order=("ref_idx",))
def conflict_columns(a) -> Columns:
    found = a.conflicts
    # The texts quote the article as written: the Simplified spans go back to the original script.
    return {"doc_id": [a.doc_id] * len(found), **_attributes(found, "ref_idx", "sent_idx", "kind"),
            "article_text": [a.original_text(k.article_span, k.article_text) for k in found],
            "reference_text": [a.original_text(k.reference_span, k.reference_text) for k in found],
            "detail": [k.detail for k in found]}


table("errors", ("source", _STR, False), ("doc_id", _STR, True), ("stage", _STR, False), ("code", _STR, False),
      ("message", _STR, False), ("at", _TS, False))(None)

TABLES = tuple(REGISTRY)
DOCUMENT_TABLES = tuple(name for name, spec in REGISTRY.items() if spec.build is not None)


@cache
def schemas() -> dict[str, pa.Schema]:
    """Return the pyarrow Schema of every table by name (made once, on first use)."""
    return {table: spec.schema for table, spec in REGISTRY.items()}


def __getattr__(name: str):
    """Give `SCHEMAS` (`schemas()`) on first use: pyarrow is imported by what makes Arrow tables only."""
    if name == "SCHEMAS":
        globals()["SCHEMAS"] = schemas()
        return schemas()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def sort_key(name: str) -> list[tuple[str, str]]:
    """Return the sort key of table `name` (see Table.sort_key)."""
    return REGISTRY[name].sort_key()


def empty_columns(name: str) -> Columns:
    """Return the columns of table `name` without rows."""
    return {column: [] for column in REGISTRY[name].names}


def rows_of(name: str, columns: Columns) -> list[dict]:
    """Return the columns of table `name` as one dict per row, keyed by column."""
    names = REGISTRY[name].names
    return [dict(zip(names, values)) for values in zip(*(columns[column] for column in names))]


def columns_of(name: str, rows: Sequence[dict]) -> Columns:
    """Return rows of table `name` (dicts keyed by column; a missing optional column is None) as columns."""
    names = REGISTRY[name].names
    # Column by column: transposing with zip(*rows) makes a tuple per row, and on a batch of thousands of rows
    # the garbage collector's passes over them cost four times the transposition itself.
    try:
        return {column: list(map(itemgetter(column), rows)) for column in names}
    except KeyError:  # a row without some optional column
        return {column: [row.get(column) for row in rows] for column in names}


def to_arrow(name: str, rows: Sequence[dict]) -> pa.Table:
    """Return `rows` (dicts keyed by column; a missing optional column is None) as a pyarrow Table with the
    table's schema."""
    return columns_to_arrow(name, columns_of(name, rows))


def columns_to_arrow(name: str, columns: Columns) -> pa.Table:
    """Return a table's columns as a pyarrow Table with its schema: one typed Arrow array per column."""
    import pyarrow as pa

    schema = schemas()[name]
    return pa.Table.from_arrays([pa.array(columns[fld.name], type=fld.type) for fld in schema], schema=schema)


def to_frame(name: str, rows: Sequence[dict]) -> pd.DataFrame:
    """Return `rows` as a pandas DataFrame with the table's columns and types (nullable where the contract says)."""
    return columns_to_frame(name, columns_of(name, rows))


def columns_to_frame(name: str, columns: Columns) -> pd.DataFrame:
    """Return a table's columns as a pandas DataFrame with its column types (nullable where the contract says).

    Each column's values go straight into the pandas array of its type, and the frame is assembled from those
    arrays without pandas' checks and inference (they are of one length and type by construction). Converting
    a pyarrow Table (`to_pandas(types_mapper=...)`) gives the same frame at three times the cost, and
    `pd.DataFrame(dict)` spends as long again checking what is known: on a short article, building the nine
    frames cost as much as analysing it.
    """
    import pandas as pd

    fields = _frame_fields(name)
    storage = pd.StringDtype().storage  # read per frame: the user may change pandas' string option at any time
    if not columns[fields[0][0]]:  # most short articles have no references, citations or conflicts
        # A new frame over the same (empty) arrays: a deep copy cost half again as much, for nothing to copy.
        return _empty_frame(name, storage).copy(deep=False)
    strings = _arrow_string_columns(columns, _string_columns(name)) if storage == "pyarrow" else {}
    arrays = [strings[column] if column in strings else _pandas_column(kind, arrow_type, columns[column], storage)
              for column, kind, arrow_type in fields]
    index = pd.RangeIndex(len(arrays[0]))
    try:
        return pd.DataFrame._from_arrays(arrays, columns=_frame_columns(name), index=index, verify_integrity=False)
    except (AttributeError, TypeError):  # a pandas whose (internal) constructor is gone or changed: the public one
        return pd.DataFrame(dict(zip(REGISTRY[name].names, arrays)), index=index, copy=False)


@cache
def _empty_frame(name: str, storage: str) -> pd.DataFrame:
    """Return the frame of table `name` without rows (copied for each caller: a fourth of the cost of building)."""
    import pandas as pd

    arrays = [_pandas_column(kind, arrow_type, [], storage) for _, kind, arrow_type in _frame_fields(name)]
    return pd.DataFrame(dict(zip(REGISTRY[name].names, arrays)), index=pd.RangeIndex(0), copy=False)


@cache
def _frame_columns(name: str) -> pd.Index:
    """Return the column index of table `name`'s frames (an immutable Index: frames may share it)."""
    import pandas as pd

    return pd.DataFrame({column: [] for column in REGISTRY[name].names}).columns


@cache
def _string_columns(name: str) -> tuple[str, ...]:
    """Return the names of table `name`'s string columns."""
    return tuple(column for column, kind, _ in _frame_fields(name) if kind == "string")


def _arrow_string_columns(columns: Columns, names: tuple[str, ...]) -> dict:
    """Return the string columns `names` as pandas' Arrow string arrays, all converted to Arrow in one call.

    Each column is a slice of that one array (its values, nulls and dtype are the column's own): converting
    column by column, the fixed cost of each conversion made most of a short table's (a one-row documents
    frame has thirteen string columns). A column of one value repeated is that value repeated by Arrow.
    """
    import pyarrow as pa

    out, together, values = {}, [], []
    for column in names:
        found = columns[column]
        if _repeated(found):
            out[column] = _arrow_strings(_large_strings(found))
        else:
            together.append(column)
            values.extend(found)
    if together:
        array, at = pa.array(values, type=pa.large_string()), 0
        for column in together:
            n = len(columns[column])
            out[column], at = _arrow_strings(array.slice(at, n)), at + n
    return out


@cache
def _frame_fields(name: str) -> tuple[tuple[str, str, pa.DataType], ...]:
    """Return (column, kind, Arrow type) of table `name`'s columns: the kind (`_pandas_column`) found once."""
    import pyarrow as pa

    kinds = ((pa.types.is_string, "string"), (pa.types.is_integer, "integer"), (pa.types.is_boolean, "boolean"),
             (pa.types.is_floating, "float"), (pa.types.is_date32, "date"),
             (lambda t: pa.types.is_timestamp(t) and t.tz is not None, "timestamp"))
    return tuple((fld.name, next((kind for test, kind in kinds if test(fld.type)), "other"), fld.type)
                 for fld in schemas()[name])


def _pandas_column(kind: str, arrow_type: pa.DataType, values: Sequence, storage: str):
    """Return a column's values as the pandas array converting the Arrow column would give: nullable Int64,
    boolean and string (Arrow-backed where pandas' default string storage is), float64 with NaN, dates as
    objects. `kind` is the column's from `_frame_fields`."""
    import pandas as pd
    import pyarrow as pa

    n = len(values)
    if kind == "string":
        if storage == "pyarrow":
            return _arrow_strings(_large_strings(values))
        return pd.array(list(values), dtype=pd.StringDtype())
    if kind == "integer":
        # Converted first, the None looked for only where numpy refuses one: most integer columns (offsets,
        # indexes) hold none, and the scan for it cost as much as the conversion.
        try:
            return _integers(numpy.array(values, dtype=numpy.int64).reshape(n), numpy.zeros(n, bool))
        except TypeError:
            mask = numpy.fromiter((v is None for v in values), bool, n)
        return _integers(numpy.array([0 if v is None else v for v in values], dtype=numpy.int64
                                                  ).reshape(n), mask)
    if kind == "boolean":
        mask = numpy.fromiter((v is None for v in values), bool, n) if None in values else numpy.zeros(n, bool)
        return pd.arrays.BooleanArray(numpy.fromiter((bool(v) for v in values), bool, n), mask)
    if kind == "float":
        return numpy.array(values, dtype=numpy.float64).reshape(n)
    if kind == "date" and all(v is None or type(v) is date for v in values):
        dates = numpy.empty(n, dtype=object)  # as Arrow gives them: date objects, None where missing
        dates[:] = values
        return dates
    if kind == "timestamp" and None not in values:
        return _timestamps(values, arrow_type)
    return pa.array(values, type=arrow_type).to_pandas()  # what the cases above do not cover, the slow way


def _integers(data: numpy.ndarray, mask: numpy.ndarray):
    """Return pandas' IntegerArray of int64 `data` and `mask`, made without the checks of its public constructor
    (a third of its cost on a short column; the dtypes are right by construction)."""
    import pandas as pd

    try:
        return pd.arrays.IntegerArray._simple_new(data, mask)
    except AttributeError:  # a pandas whose (internal) constructor is gone: the public one
        return pd.arrays.IntegerArray(data, mask)


_EPOCH, _MICROSECOND = datetime(1970, 1, 1, tzinfo=timezone.utc), timedelta(microseconds=1)


def _timestamps(values: Sequence, arrow_type: pa.DataType):
    """Return datetimes (no None) as the DatetimeArray `pd.array` gives them for the column's type.

    Datetimes in UTC for a column of microseconds in UTC (the tables' timestamps) are turned into microseconds
    since the epoch, exactly, without pandas' parsing of each value: a fifth of the cost of the one-row
    documents frame.
    """
    import pandas as pd

    dtype = pd.DatetimeTZDtype(unit=arrow_type.unit, tz=arrow_type.tz)
    if arrow_type.unit == "us" and arrow_type.tz == "UTC" and all(
            type(v) is datetime and v.tzinfo is timezone.utc for v in values):
        micros = numpy.array([(v - _EPOCH) // _MICROSECOND for v in values], dtype=numpy.int64).view("M8[us]")
        try:
            array = pd.arrays.DatetimeArray._simple_new(micros, dtype=dtype)
            array.unit  # noqa: B018 - pandas' constructor leaves the unit cached on the array: the same object
            return array
        except (AttributeError, TypeError):  # a pandas whose (internal) constructor is gone or changed
            pass
    return pd.array(values, dtype=dtype)


def _large_strings(values: Sequence) -> pa.Array:
    """Return string values as an Arrow large_string array.

    A column of one value repeated (`doc_id`, as every mention table's builder makes it: the same object n
    times) is that value repeated by Arrow: converting each of the n strings cost a third of the tokens frame.
    """
    import pyarrow as pa

    if _repeated(values):
        return pa.repeat(pa.scalar(values[0], type=pa.large_string()), len(values))
    return pa.array(values, type=pa.large_string())


def _repeated(values: Sequence) -> bool:
    """Say whether string values are one string object repeated (more than once)."""
    return (len(values) > 1 and values[0] is values[-1] and isinstance(values[0], str)
            and values.count(values[0]) == len(values))


def _arrow_strings(array: pa.Array):
    """Return a large_string Arrow array as pandas' ArrowStringArray (the pandas string array over Arrow)."""
    import pandas as pd

    # The array's own constructor checks and casts what is known here (a third of the cost of a short column);
    # pandas' constructor for results of its own operations does not. The public one where that one is gone.
    try:
        return _empty_arrow_strings()._from_pyarrow_array(array)
    except (AttributeError, TypeError, AssertionError):
        return pd.arrays.ArrowStringArray(array)


@cache
def _empty_arrow_strings():
    import pandas as pd
    import pyarrow as pa

    return pd.arrays.ArrowStringArray(pa.array([], type=pa.large_string()))


def validate(name: str, table: pa.Table, n_chars: dict[str, int]) -> None:
    """Check a table before it is published: schema, non-null columns, offsets inside their document.

    `n_chars` maps doc_id to the length of documents.text for the documents being written.
    Raises OutputError naming the table, the column and an offending row.
    """
    from extract.errors import OutputError

    schema = schemas()[name]
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
