"""The currency of a bare 元 follows the region of the text; an explicit currency wins."""
import pytest

from extract.extractors.quantities import currency_region, find_quantities


@pytest.mark.parametrize("text, variant, outlet, region", [
    ("台北市政府今年编列3亿元。", "zh-Hant-TW", None, "TW"),
    ("特区政府向每名香港市民发放5000元。", "zh-Hant-HK", None, "HK"),
    ("澳门特区政府宣布每人发放10000元。", "zh-Hant-HK", None, "MO"),  # the markers outweigh the variant
    ("元朗区一个单位以500万元成交。", "zh-Hant", None, "HK"),
    ("公司营收达120亿元。", "zh-Hant", None, "CN"),  # no marker, no regional variant: the default
    ("香港特区政府将发放5000元。", "zh-Hans", None, "CN"),  # Simplified text: markers are not read
    ("公司营收达120亿元。", "zh-Hans", "hkej", "HK"),  # the outlet decides
    ("公司营收达120亿元。", "zh-Hant-TW", None, "TW"),
])
def test_currency_region_reads_outlet_markers_and_variant(text, variant, outlet, region):
    assert currency_region(text, variant=variant, outlet=outlet) == region


@pytest.mark.parametrize("text, region, expected", [
    ("每人发放6000元。", "TW", ("6000元", 6000.0, "TWD")),
    ("每人发放6000元。", "HK", ("6000元", 6000.0, "HKD")),
    ("每人发放6000元。", "MO", ("6000元", 6000.0, "MOP")),
    ("每人发放6000元。", None, ("6000元", 6000.0, "CNY")),
    ("内地将设立3000亿元人民币的基金。", "HK", ("3000亿元人民币", 3e11, "CNY")),
    ("游客消费了五千元港币。", "TW", ("五千元港币", 5000.0, "HKD")),
    ("晚餐花了800元台币。", "CN", ("800元台币", 800.0, "TWD")),
    ("发放港币5000元。", "CN", ("港币5000元", 5000.0, "HKD")),
    ("营收达36亿，", "HK", ("36亿", 3.6e9, "HKD")),
])
def test_find_quantities_takes_the_region_currency_unless_one_is_written(text, region, expected):
    found = [(q.text, q.value, q.unit) for q in find_quantities(text, region=region) if q.kind == "money"]
    assert found == [expected]
