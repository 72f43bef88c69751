"""Every packaged data file loads, and the layout and normalization data compile and hold together."""
from __future__ import annotations

import pytest

from extract import resources
from extract.errors import DataFileError
from extract.resources import DATA_DIR, data_files, load
from extract.text import normalize, structure

DATA_FILES = data_files()


def test_data_files_exist():
    assert len(DATA_FILES) >= 10


@pytest.mark.parametrize("name", DATA_FILES)
def test_data_files_load_and_fit_their_schema(name):
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    assert "\r" not in text, "data files use LF line endings"
    data = load(name)
    assert data
    if name.endswith(".tsv"):
        assert all(f == f.strip() for row in data for f in row)


@pytest.mark.parametrize("value, schema, message", [
    ({"a": 1}, {"a": "str"}, "x.yaml: a: expected str, got 1"),
    ({"a": "x", "b": 2}, {"a": "str"}, "x.yaml: top level: unknown key 'b'"),
    ({}, {"a": "str", "b?": "int"}, "x.yaml: a: missing"),
    ({"a": ["x", 3]}, {"a": "[str]"}, "x.yaml: a[1]: expected str, got 3"),
    ({"a": {"k": "("}}, {"a": "{regex}"}, "x.yaml: a.k: pattern does not compile"),
    ({"a": [{"n": 1}]}, {"a": [{"n": "str"}]}, "x.yaml: a[0].n: expected str, got 1"),
    ({"a": True}, {"a": "int"}, "x.yaml: a: expected int, got True"),
])
def test_data_files_schema_refuses_what_does_not_fit(value, schema, message):
    with pytest.raises(DataFileError, match=message.replace("[", "\\[").replace("(", "\\(")):
        resources._check(value, schema, "x.yaml", "")


def test_data_files_schema_accepts_what_fits():
    resources._check({"a": "x", "b": [1, 2], "c": {"k": 1.5}, "d": "s"},
                     {"a": "str", "b": "[int]", "c": "{float}", "d": "int|str", "e?": "bool"}, "x.yaml", "")


def test_data_files_without_a_schema_are_refused():
    with pytest.raises(DataFileError, match="no schema is declared"):
        resources.schema_for("nowhere/new.yaml")


def test_data_files_layout_patterns_compile():
    rules = structure._rules()
    assert rules["byline"] and rules["boilerplate"] and rules["author"]
    for pattern in rules["author"]:
        assert "name" in pattern.groupindex


def test_data_files_kept_names_have_equal_length():
    rows = load("normalize/keep.tsv")
    assert rows and all(len(a) == len(b) for a, b in rows)
    pattern, table = normalize._keep_terms()
    assert pattern.search("昇騰") and table["昇騰"] == "昇腾"
