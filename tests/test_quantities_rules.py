"""The quantities extractor's rules are registered units whose patterns name data that exists."""
import math

import pytest

from extract.extractors.quantities import find_quantities, patterns
from extract.extractors.quantities.bare import BARE_NUMBER
from extract.extractors.quantities.parser import CANDIDATES, GUARDS, STAGES
from extract.resources import data_files

TABLES = (GUARDS, CANDIDATES, STAGES, BARE_NUMBER)


def _known(name: str) -> bool:
    data = patterns()
    if name.startswith("pieces."):
        return name.split(".", 1)[1] in data["pieces"]
    if name.endswith((".yaml", ".tsv")):
        return f"quantities/{name}" in data_files()
    if name.endswith(".py"):
        return True
    return name in data or name in data["pieces"]


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_every_rule_names_data_that_exists(table):
    assert len(table) >= 2
    for rule in table:
        for name in filter(None, (p.strip() for p in rule.pattern.split(","))):
            assert _known(name), f"{table.name}.{rule.name} reads {name!r}, which is no key of the data"


def test_rule_names_are_unique_within_a_table():
    for table in TABLES:
        names = [r.name for r in table]
        assert len(names) == len(set(names))


def test_a_rule_registered_twice_is_refused():
    with pytest.raises(ValueError):
        STAGES.rule(STAGES.rules[0].name)(lambda c: True)


@pytest.mark.parametrize("text", ["1e309", "数值为1e309元", "1e308亿元", "9" * 400 + "亿元", "1^99999亿", "负1e309%"])
def test_overflowing_numbers_are_refused_not_raised(text):
    for q in find_quantities(text):
        assert all(v is None or math.isfinite(v) for v in (q.value, q.low, q.high))


def test_quantities_hedge_search_through_its_copy_without_groups_finds_the_same():
    from extract.extractors.quantities.grammar import _literal_first, grammar

    assert _literal_first("(?<![节制])约(?!合)") == "约(?<![节制]约)(?!合)"
    assert _literal_first("超过") == "超过"
    hedge = grammar().pre_hedge
    text = "约合人民币50元，节约50元，超过30%，不超过 20，接近100，契约5份，逾 7成，将近40，2.5万"
    for end in range(len(text) + 1):
        for start in range(max(0, end - 8), end + 1):
            want, got = hedge.grouped.search(text, start, end), hedge.search(text, start, end)
            assert (want and (want.span(), want.lastindex)) == (got and (got.span(), got.lastindex))
    found = hedge.search(text, 0, 1 + text.index("超过") + 1)
    assert found.group(found.lastindex) == "超过"


@pytest.mark.parametrize("text, starts", [("2025年", []), ("3月12日", []), ("100日元", [0, 1, 2]),
                                          ("12 日元", [0, 1]), ("5年", []), ("2.5年", [0]), ("1,000年", [0]),
                                          ("30%", [0, 1])])
def test_quantities_scan_passes_over_digit_runs_before_dates(text, starts):
    """The scan does not start at a digit run written straight before 年, 月 or 日 (日元 is money)."""
    from extract.extractors.quantities.grammar import grammar

    assert [m.start() for m in grammar().start.finditer(text)] == starts


def test_quantities_dates_beside_amounts_keep_their_readings():
    found = find_quantities("2025年3月12日收入100日元，增长5%，2024年为8月的3倍")
    assert [(q.text, q.value, q.unit) for q in found] == [("100日元", 100.0, "JPY"), ("5%", 5.0, "%"),
                                                          ("3倍", 3.0, "倍")]


def test_quantities_scan_skips_only_refused_runs():
    """The characters before which the scan passes over a digit run are whole alternatives of
    not_quantity_after (so the date_after guard refuses the run) and begin no unit (so no unit could read it)."""
    import re

    from extract.extractors.quantities.grammar import grammar

    g = grammar()
    chars = re.search(r"\[0-9\]\*\[([^\]]+)\]", g.start.pattern).group(1)
    alternatives = set(patterns()["not_quantity_after"].split("(?:", 1)[1].split("|"))
    assert len(chars) > 10 and set(chars) <= alternatives
    assert [unit for unit in g.units if unit[0] in chars] == []
    assert {unit for unit in g.units if unit[0] == "日"} == {"日元", "日圆"}
