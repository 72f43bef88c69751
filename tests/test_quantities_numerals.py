"""Reading Chinese, Arabic and mixed numerals (extract.extractors.numerals)."""
from __future__ import annotations

import pytest

from extract.extractors.numerals import (
    Reading,
    is_well_formed,
    read_numeral,
    to_ascii,
)


@pytest.mark.parametrize("numeral, expected", [
    ("十几", Reading(None, 11.0, 19.0, False)),
    ("数十亿", Reading(None, 2e9, 9e9, False)),
    ("二三十", Reading(None, 20.0, 30.0, False)),
    ("五百多", Reading(500.0, 500.0, 500.0, True)),
    ("上百", Reading(100.0, 100.0, 100.0, True)),  # a point that says "as many as" (devsets/GUIDELINES.md)
    ("十余万", Reading(100000.0, 100000.0, 100000.0, True)),
])
def test_numerals_read_numeral_vague(numeral, expected):
    assert read_numeral(numeral) == expected


def test_numerals_to_ascii_keeps_length_and_folds_wide_forms():
    text = "增长２５％，４，５６５元，价格－３．５，你好，世界"
    folded = to_ascii(text)
    assert len(folded) == len(text)
    assert folded == "增长25%，4,565元，价格-3.5，你好，世界"


@pytest.mark.parametrize("numeral, expected", [
    ("三千 八百 九十六 万 四千", True),
    ("三十五 千", False),
    ("百万 3万", False),
    ("一百 零五", True),
])
def test_numerals_is_well_formed(numeral, expected):
    assert is_well_formed(numeral) is expected
