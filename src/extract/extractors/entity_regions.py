"""Regional readings of entity names: which region a text is from, and what its short forms name there.

央行 is the People's Bank of China in a mainland or Hong Kong text and Taiwan's central bank in a Taiwan one;
證監會 is Hong Kong's SFC in a Hong Kong text. data/entities/regional_names.tsv says so per surface and region.
"""
from __future__ import annotations

import dataclasses
import re
from collections import Counter
from functools import cache

from extract.errors import DataFileError
from extract.resources import load

REGIONS = ("mainland", "hong_kong", "taiwan", "macau")
# A row whose canonical name and label are this says the surface names nothing in that region's news (两岸:
# both sides of the strait, no one place), though corpora annotated otherwise label it.
NOT_A_NAME = "-"
# The script variant extract.text.normalize detects; a Traditional text without regional words is left to
# the names it holds (inferred_region).
_VARIANT_REGIONS = {"zh-Hans": "mainland", "zh-Hant-TW": "taiwan", "zh-Hant-HK": "hong_kong"}
@cache
def regional_names() -> dict[str, dict[str, tuple[str, str]]]:
    """Return surface -> region -> (canonical, label) from data/entities/regional_names.tsv (loaded once)."""
    table: dict[str, dict[str, tuple[str, str]]] = {}
    for surface, region, canonical, label in load("entities/regional_names.tsv"):
        if region not in REGIONS:
            raise DataFileError(f"entities/regional_names.tsv: {surface!r} has region {region!r}, "
                                f"not one of {', '.join(REGIONS)}")
        table.setdefault(surface, {})[region] = (canonical, label)
    return table


@cache
def surfaces_of(region: str) -> tuple[str, ...]:
    """Return the surfaces the regional table reads as names in `region`, longest first."""
    return tuple(sorted((s for s, by_region in regional_names().items()
                         if region in by_region and by_region[region][1] != NOT_A_NAME), key=len, reverse=True))


def region_of_variant(variant: str | None) -> str | None:
    """Return the region a script variant implies (zh-Hant-TW -> taiwan), or None where it implies none."""
    return _VARIANT_REGIONS.get(variant or "")


def text_region(variant: str | None, text: str) -> str | None:
    """Return the region of a text from its script variant; for a Traditional text the variant leaves open
    (zh-Hant), from the regional words of its Simplified `text` (data/entities/region_words.tsv), else Hong
    Kong. Without a variant (a caller that knows nothing of the text) there is no region."""
    if variant != "zh-Hant":
        return region_of_variant(variant)
    return inferred_region(text) or "hong_kong"


@cache
def _region_words() -> re.Pattern[str]:
    words = sorted((word for word, _region in load("entities/region_words.tsv")), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words)))


@cache
def _region_of_word() -> dict[str, str]:
    return {word: region for word, region in load("entities/region_words.tsv")}


def inferred_region(text: str) -> str | None:
    """Return the region whose words occur most in `text`, or None where none occurs."""
    votes = Counter(_region_of_word()[m.group()] for m in _region_words().finditer(text))
    return votes.most_common(1)[0][0] if votes else None


def with_regional_names(entities: list, region: str | None) -> list:
    """Return the entities with the canonical name and label their surface has in `region` (same order),
    without those the region's news does not read as names."""
    if region is None:
        return entities
    table = regional_names()
    out = []
    for ent in entities:
        reading = table.get(ent.text, {}).get(region)
        if reading == (NOT_A_NAME, NOT_A_NAME):
            continue
        if reading is not None and reading != (ent.canonical, ent.label):
            ent = dataclasses.replace(ent, canonical=reading[0], label=reading[1])
        out.append(ent)
    return out
