"""The seed article's quantities checked by hand, and texts that hold none (golden cases: tests/test_cases.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from extract.extractors.quantities import Quantity, find_quantities

CASES_DIR = Path(__file__).parent / "cases"
FIELDS = ("text", "kind", "value", "low", "high", "unit", "hedge")


def _load(name: str) -> list[dict]:
    lines = (CASES_DIR / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _row(q: Quantity) -> dict:
    return {f: getattr(q, f) for f in FIELDS}


def test_quantities_seed_article_all_right(seed_text):
    """The seed article's quantities, checked by hand (tests/cases/quantities_seed.jsonl), in order."""
    import opencc

    t2s = opencc.OpenCC("t2s")
    simplified = t2s.convert(seed_text)
    assert len(simplified) == len(seed_text)
    expected = _load("quantities_seed.jsonl")
    found = find_quantities(simplified)
    assert [_row(q) | {"approximate": q.approximate} for q in found] == expected
    for q in found:
        # t2s keeps the length, so the same offsets slice the original mention
        assert t2s.convert(seed_text[q.start:q.end]) == q.text


@pytest.mark.parametrize("text", [
    "H200与910B、Llama2、GLM-4.5-Air、5G和HBM3e",
    "2025年3月12日，三期工程，第二名，一切，四川，半导体，一些，统一，万一",
    "访问 https://example.com/p?id=2024&rate=30% 或致电热线 12345678",
])
def test_quantities_not_quantities(text):
    assert find_quantities(text) == []


def test_quantities_records_sorted_and_non_overlapping():
    text = "营收超过2000万元，逾百人受伤，近20%的用户，约300辆车，5-20亿元，8/12英寸，三成"
    found = find_quantities(text)
    assert [q.start for q in found] == sorted(q.start for q in found)
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))


def test_quantities_record_is_frozen():
    q = find_quantities("25%")[0]
    with pytest.raises(AttributeError):
        q.value = 1.0  # type: ignore[misc]


def test_quantities_random_text_keeps_offsets_exact():
    """Random strings of numeral characters, units and hedges: no crash, offsets and order hold."""
    import random

    rng = random.Random(20261128)
    alphabet = "一二三四五六七八九十百千万亿零两点分之又负多余几数上成折%元个-~/至到 0123456789.,人年月日约超近以上左右和与间"
    for _ in range(1500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
        previous_end = 0
        for q in find_quantities(text):
            assert text[q.start:q.end] == q.text
            assert q.start >= previous_end
            previous_end = q.end


@pytest.mark.parametrize("text", ["1" * 3000, "一 " * 2000, "万" * 2000, "1/" * 1000, "百分之" * 500, ""])
def test_quantities_degenerate_text_is_handled(text):
    found = find_quantities(text)
    assert all(text[q.start:q.end] == q.text for q in found)
