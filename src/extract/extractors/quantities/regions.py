"""Which currency a bare 元 takes: the region of a text, from its outlet, its place markers and its script.

The regions, their currencies, outlets and markers are data (data/quantities/regions.yaml).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from extract.errors import DataFileError
from extract.resources import load


@dataclass(frozen=True, slots=True)
class Region:
    """A row of regions.yaml: a place whose currency a bare 元 takes, and how a text is known to be from it."""

    code: str
    currency: str
    liang_per_jin: int
    variants: frozenset[str]
    outlets: frozenset[str]
    markers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Regions:
    """The regions of regions.yaml, the default one and the amount words that take the region's currency."""

    by_code: dict[str, Region]
    default: str
    local_units: frozenset[str]


@cache
def regions() -> Regions:
    """Return the currency regions of regions.yaml (loaded once)."""
    raw = load("quantities/regions.yaml")
    by_code = {r["code"]: Region(r["code"], r["currency"], r["liang_per_jin"], frozenset(r["variants"]),
                                 frozenset(r["outlets"]), tuple(r["markers"])) for r in raw["regions"]}
    if raw["default"] not in by_code:
        raise DataFileError(f"quantities/regions.yaml: default {raw['default']!r} is no region", stage="quantities")
    return Regions(by_code, raw["default"], frozenset(raw["local_units"]))


def currency_region(text: str, *, variant: str | None = None, outlet: str | None = None) -> str:
    """Return the code of the region whose currency a bare 元 in `text` (Simplified) takes: CN, TW, HK or MO.

    The outlet decides when regions.yaml lists it; otherwise a text that is not known to be Simplified
    (`variant` None or zh-Hant*) goes to the region whose markers it names most often; then the variant
    (zh-Hant-TW, zh-Hant-HK); then the default (CN). Simplified text is not read for markers: a mainland
    paper writing about Hong Kong names 港元 where it means them.
    """
    table = regions()
    if outlet:
        for region in table.by_code.values():
            if outlet.lower() in region.outlets:
                return region.code
    if variant is None or variant.startswith("zh-Hant"):
        counts = {code: sum(text.count(m) for m in r.markers) for code, r in table.by_code.items()}
        best = max(counts.values())
        leaders = [code for code, n in counts.items() if n == best]
        if best and len(leaders) == 1:
            return leaders[0]
    for region in table.by_code.values():
        if variant in region.variants:
            return region.code
    return table.default

