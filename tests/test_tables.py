"""The tables' conversions: columns, rows, Arrow tables and DataFrames say the same thing in every form."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from extract.io.tables import (
    DOCUMENT_TABLES, SCHEMAS, TABLES, columns_of, columns_to_arrow, columns_to_frame, rows_of, to_arrow, to_frame,
)

_TYPES = {pa.string(): pd.StringDtype(), pa.int32(): pd.Int64Dtype(), pa.int64(): pd.Int64Dtype(),
          pa.bool_(): pd.BooleanDtype()}


@pytest.fixture(scope="module")
def seed_rows(seed_text):
    import extract

    return extract.analyze_rows(seed_text, source="h200-china-chips.txt")


@pytest.mark.parametrize("name", DOCUMENT_TABLES)
def test_tables_columns_rows_and_arrow_agree(seed_rows, name):
    columns, rows = seed_rows.columns[name], seed_rows.rows[name]
    assert list(columns) == SCHEMAS[name].names
    assert rows_of(name, columns) == rows and columns_of(name, rows) == columns
    expected = pa.Table.from_pylist(rows, schema=SCHEMAS[name])
    assert to_arrow(name, rows).equals(expected) and columns_to_arrow(name, columns).equals(expected)
    assert to_arrow(name, rows).schema.equals(SCHEMAS[name], check_metadata=True)


@pytest.mark.parametrize("name", DOCUMENT_TABLES)
def test_tables_frame_is_the_arrow_conversion(seed_rows, name):
    """The frames built from columns equal pyarrow's conversion with the nullable pandas types, dtypes included."""
    frame = columns_to_frame(name, seed_rows.columns[name])
    expected = to_arrow(name, seed_rows.rows[name]).to_pandas(types_mapper=_TYPES.get)
    pd.testing.assert_frame_equal(frame, expected, check_dtype=True)
    pd.testing.assert_frame_equal(to_frame(name, seed_rows.rows[name]), frame, check_dtype=True)


@pytest.mark.parametrize("name", TABLES)
def test_tables_empty(name):
    frame = to_frame(name, [])
    assert list(frame.columns) == SCHEMAS[name].names and len(frame) == 0
    assert to_arrow(name, []).num_rows == 0


def test_tables_missing_optional_column_is_null(seed_rows):
    row = dict(seed_rows.rows["documents"][0])
    del row["url"]
    assert to_arrow("documents", [row]).column("url").null_count == 1
    assert to_frame("documents", [row])["url"].isna().all()


def test_tables_frames_do_not_share_changes(seed_rows):
    a = columns_to_frame("entities", seed_rows.columns["entities"])
    b = columns_to_frame("entities", seed_rows.columns["entities"])
    a["extra"] = 1
    a.loc[0, "label"] = "CHANGED"
    assert "extra" not in b.columns and b.loc[0, "label"] != "CHANGED"


def test_tables_frame_columns_converted_together_keep_their_own_values(seed_rows):
    """The string columns of a frame are converted to Arrow in one call: each keeps its own values and nulls, and a
    change to one leaves the others alone; timestamps in UTC and in another zone come out as Arrow gives them."""
    from datetime import datetime, timedelta, timezone

    first = dict(seed_rows.rows["documents"][0], title=None, url=None, outlet="")
    rows = [first, dict(first, doc_id="b", author=None, title="标题",
                        processed_at=datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=8))))]
    frame = to_frame("documents", rows)
    pd.testing.assert_frame_equal(frame, to_arrow("documents", rows).to_pandas(types_mapper=_TYPES.get),
                                  check_dtype=True)
    assert frame["title"].isna().tolist() == [True, False] and frame["outlet"].tolist() == ["", ""]
    frame.loc[0, "source"] = "CHANGED"
    assert frame["doc_id"].tolist() == [first["doc_id"], "b"] and frame["title"][1] == "标题"
    utc = to_frame("documents", rows[:1])["processed_at"]
    assert utc[0] == pd.Timestamp(first["processed_at"]) and str(utc.dtype) == "datetime64[us, UTC]"
