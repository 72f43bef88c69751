"""Every packaged data file loads, and the layout and normalization data compile and hold together."""
from __future__ import annotations

import pytest
import yaml

from extract.text import normalize

from extract.text import structure
from extract.resources import DATA_DIR, load_tsv

DATA_FILES = sorted(p for p in DATA_DIR.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".tsv"))


def test_data_files_exist():
    assert len(DATA_FILES) >= 10


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: str(p.relative_to(DATA_DIR)))
def test_data_files_parse(path):
    text = path.read_text(encoding="utf-8")
    assert "\r" not in text, "data files use LF line endings"
    if path.suffix in (".yaml", ".yml"):
        assert yaml.safe_load(text) is not None
    else:
        rows = [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]
        assert rows and all(len(row) >= 2 and all(f == f.strip() for f in row) for row in rows)


def test_data_files_layout_patterns_compile():
    rules = structure._rules()
    assert rules["byline"] and rules["boilerplate"] and rules["author"]
    for pattern in rules["author"]:
        assert "name" in pattern.groupindex


def test_data_files_kept_names_have_equal_length():
    rows = load_tsv("normalize", "keep.tsv", columns=2)
    assert rows and all(len(a) == len(b) for a, b in rows)
    pattern, table = normalize._keep_terms()
    assert pattern.search("昇騰") and table["昇騰"] == "昇腾"
