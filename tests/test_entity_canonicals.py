"""Canonical names read from the whole text (extract.extractors.entity_canonicals)."""
from __future__ import annotations

import pytest

from extract.extractors.entities import Entity
from extract.extractors.entity_canonicals import _joined_spelling, with_product_spellings, with_surname_full_names


@pytest.mark.parametrize("forms, expected", [
    (["Llama31-70B-Instruct", "Llama3.1-70B-Instruct"], "Llama3.1-70B-Instruct"),
    (["Qwen25-72B-Instruct", "Qwen2.5-72BInstruct"], "Qwen2.5-72B-Instruct"),
    (["GPT 4o", "GPT-4o"], "GPT-4o"),
    (["Mate 60", "Mate60"], "Mate 60"),
])
def test_entity_canonicals_joined_spelling(forms, expected):
    assert _joined_spelling(forms) == expected


def _product(start: int, text: str) -> Entity:
    return Entity(start, start + len(text), text, "PRODUCT", text, "rule:product_code")


def test_entity_canonicals_product_spellings_one_name():
    found = [_product(0, "Llama31-8B"), _product(20, "Llama3.1-8B"), _product(40, "Llama3.1-70B")]
    assert [e.canonical for e in with_product_spellings(found)] == ["Llama3.1-8B", "Llama3.1-8B", "Llama3.1-70B"]


def test_entity_canonicals_product_spellings_leave_han_names():
    found = [_product(0, "华为Mate 60"), _product(20, "Mate60")]
    assert [e.canonical for e in with_product_spellings(found)] == ["华为Mate 60", "Mate60"]


def _person(start: int, text: str, method: str = "rule:surname_title") -> Entity:
    return Entity(start, start + len(text), text, "PERSON", text, method)


def test_entity_canonicals_surname_takes_the_one_full_name():
    found = [_person(0, "谢世杰", "rule:cue_person"), _person(10, "谢"), _person(20, "王")]
    assert [e.canonical for e in with_surname_full_names(found)] == ["谢世杰", "谢世杰", "王"]


def test_entity_canonicals_surname_of_two_people_stays():
    found = [_person(0, "王文涛", "model:crf"), _person(10, "王毅", "model:crf"), _person(20, "王")]
    assert [e.canonical for e in with_surname_full_names(found)] == ["王文涛", "王毅", "王"]
