"""The data files of the quantities extractor load, compile and hold consistent values."""
from __future__ import annotations

import re

import pytest

from extract.extractors.numerals import numeral_tables
from extract.extractors.quantities import find_quantities, grammar, patterns, unit_table

KINDS = {"percent", "money", "measure", "count", "multiplier", "number"}
DIRECTIONS = {"over", "at_least", "under", "at_most", "about"}


@pytest.mark.parametrize("tight", [False, True])
def test_quantities_data_grammar_compiles(tight):
    g = grammar(tight)
    assert g.master.pattern and g.member.pattern
    assert g.master.match("50万台") is not None


def test_quantities_data_units_are_consistent():
    units = unit_table()
    assert units
    for surface, spec in units.items():
        assert spec.kind in KINDS, surface
        assert spec.factor > 0, surface
        if spec.kind == "money":
            assert re.fullmatch(r"[A-Z]{3}", spec.unit), surface


def test_quantities_data_patterns_are_consistent():
    data = patterns()
    assert set(data["pre_hedges"]) <= DIRECTIONS
    assert set(data["post_hedges"]) <= DIRECTIONS
    for word in data["not_numbers"]:
        re.compile(word)
        body = re.sub(r"^\(\?<[!=](?:[^()]|\([^()]*\))*\)", "", word)
        assert body[0] not in "(|.\\", f"{word!r} must start with a character or a class"
    for regex in ("not_quantity_after", "not_quantity_before", "bound_joiner", "between_before"):
        assert isinstance(data[regex], str)
    for region in data["skip_regions"]:
        re.compile(region["regex"])
    for code in data["currency_prefixes"].values():
        assert re.fullmatch(r"[A-Z]{3}", code)


def test_quantities_data_numerals_load():
    tables = numeral_tables()
    assert tables.digits["两"] == 2 and tables.big_units["亿"] == 10 ** 8


def test_quantities_data_every_unit_is_found_after_a_number():
    for surface, spec in unit_table().items():
        # 点 after a whole number up to 24 is a clock time (12点), index points after a larger one (120点)
        number = "120" if surface == "点" else "12"
        found = find_quantities(f"共 {number}{surface} 。")
        assert found and found[0].text.startswith(number), surface
