"""One runner for every golden case file: tests/cases/<kind>/<name>.jsonl.

A case is one JSON line, the same format as devsets/cases (devsets/GUIDELINES.md):

    {"text": "...", "published": "2025-12-10" | null, "expect": [{"text": "...", <fields>}, ...],
     "absent": ["...", ...], "note": "..."}

- `expect` lists **every** record the kind's reader finds in `text`, in text order: the case passes only on
  exact equality (same number of records; each record equal on every field its expected item gives, plus
  `text`). `nth` (1-based) says which occurrence of an expected text is meant where it repeats.
- `model` (entities only) picks the statistical model as `find_entities` does (crf, cnn, off); `region`
  (entities only: mainland, hong_kong, taiwan, macau) overrides the region the text's script variant implies.
- `absent` lists strings that must not be a record nor part of one (no record's span may contain them): the
  negatives of the category.
- Texts may be in any script: dates, quantities and entities are read on the Simplified text and their
  spans mapped back to the original, as the pipeline does.

Kinds: dates, quantities, entities (mentions), numerals (`text` is one numeral; expect its value, or nothing
where it is no number), references (the article's reference list; expect its entries, each by its raw text).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

import pytest

from extract.text.normalize import normalize

CASES = Path(__file__).parent / "cases"


def _iso(value):
    return value.isoformat() if isinstance(value, date) else value


def _mentions(finder: Callable, fields: tuple[str, ...]) -> Callable[[dict], list[dict]]:
    """Return a reader that runs `finder` on the Simplified text and maps spans back to the original."""
    def read(case: dict) -> list[dict]:
        norm = normalize(case["text"])
        out = []
        for m in finder(norm.simplified, case):
            a, b = norm.to_original(*norm.expand(m.start, m.end))
            out.append({"text": case["text"][a:b], "start": a, "end": b,
                        **{f: _iso(getattr(m, f)) for f in fields}})
        return out
    return read


def _dates(text: str, case: dict):
    from extract.extractors.dates import find_dates

    published = case.get("published")
    return find_dates(text, published=date.fromisoformat(published) if published else None,
                      region=case.get("region"))


def _quantities(text: str, case: dict):
    from extract.extractors.quantities import currency_region, find_quantities
    from extract.text.normalize import detect_variant

    region = case.get("region") or currency_region(text, variant=detect_variant(case["text"]))
    return find_quantities(text, region=region)


def _entities(text: str, case: dict):
    from extract.extractors.entities import find_entities
    from extract.text.normalize import detect_variant

    # As the pipeline does: the script variant of the text as written says its region (央行 in Taiwan).
    return find_entities(text, model=case.get("model", "crf"), variant=detect_variant(case["text"]),
                         region=case.get("region"))


def _numerals(case: dict) -> list[dict]:
    from extract.extractors.numerals import parse_number

    value = parse_number(case["text"])
    return [] if value is None else [{"text": case["text"], "start": 0, "end": len(case["text"]), "value": value}]


def _references(case: dict) -> list[dict]:
    from extract.extractors.references import parse_reference_list

    text = case["text"]
    return [{"text": text[r.start:r.end], "start": r.start, "end": r.end, "marker": r.marker, "number": r.number,
             "title": text[r.title_start:r.title_end], "publisher": r.publisher, "published": _iso(r.published),
             "url": r.url} for r in parse_reference_list(text)]


@dataclass(frozen=True)
class Kind:
    read: Callable[[dict], list[dict]]


KINDS = {
    "dates": Kind(_mentions(_dates, ("kind", "start_date", "end_date", "granularity", "duration", "anchor"))),
    "quantities": Kind(_mentions(_quantities, ("kind", "value", "low", "high", "unit", "approximate", "hedge"))),
    "entities": Kind(_mentions(_entities, ("label", "canonical", "method"))),
    "numerals": Kind(_numerals),
    "references": Kind(_references),
}


def _load_cases() -> list[tuple[str, str, int, dict]]:
    cases = []
    for kind in sorted(KINDS):
        for path in sorted((CASES / kind).glob("*.jsonl")):
            with path.open(encoding="utf-8") as fh:
                for lineno, line in enumerate(fh, 1):
                    if line.strip():
                        cases.append((kind, path.stem, lineno, json.loads(line)))
    return cases


ALL_CASES = _load_cases()


def _expected_start(text: str, item: dict) -> int:
    if "start" in item:
        return item["start"]
    pos = -1
    for _ in range(int(item.get("nth", 1))):
        pos = text.find(item["text"], pos + 1)
    assert pos >= 0, f"expected text {item['text']!r} (occurrence {item.get('nth', 1)}) is not in the case text"
    return pos


def _same(value, want) -> bool:
    if isinstance(want, float) and isinstance(value, (int, float)) and value is not None:
        return value == pytest.approx(want, rel=1e-6)
    return value == want


def check_case(kind: str, case: dict) -> None:
    """Assert that the kind's reader finds exactly the case's expected records and no absent string."""
    found = KINDS[kind].read(case)
    text = case["text"]
    got = [(m["start"], m["text"]) for m in found]
    want = [(_expected_start(text, e), e["text"]) for e in case["expect"]]
    assert got == want, f"records found {[m['text'] for m in found]}, expected {[e['text'] for e in case['expect']]}"
    for m, e in zip(found, case["expect"]):
        for field, value in e.items():
            if field in ("nth", "start"):
                continue
            assert _same(m[field], value), f"{e['text']!r}: {field} is {m[field]!r}, expected {value!r}"
    for s in case.get("absent", ()):
        assert s in text, f"absent string {s!r} is not in the case text"
        at = text.find(s)
        while at >= 0:
            assert not any(m["start"] <= at and at + len(s) <= m["end"] for m in found), f"{s!r} is (in) a record"
            at = text.find(s, at + 1)


@pytest.mark.parametrize("kind, name, lineno, case", ALL_CASES,
                         ids=[f"{k}/{n}:{i}" for k, n, i, _ in ALL_CASES])
def test_cases_golden(kind, name, lineno, case):
    check_case(kind, case)


def test_cases_every_kind_has_cases():
    assert {k for k, *_ in ALL_CASES} == set(KINDS)
