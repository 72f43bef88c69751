"""Local government bodies: their full names from short forms and the place the text is about.

宁波市委 is 中国共产党宁波市委员会; 市委 alone, in a text about Chengdu, 中国共产党成都市委员会; 環保局 in a Tainan
release is 台南市政府环境保护局. data/entities/local_bodies.tsv holds the bodies of each region with the
template of their full name; the place is the one written before the body, else the place of the right level
the text names most.
"""
from __future__ import annotations

from collections import Counter
from functools import cache

from extract.errors import DataFileError
from extract.lexicon import load_lexicon, state_names
from extract.resources import load

# A level word before a body (市委, 省政府, 县议会) asks for a place of that level; a place's canonical name
# ends in it.
LEVELS = ("省", "市", "县", "区")
# The region column's value for the bodies of a country's government (日本政府), named after any country.
COUNTRY = "country"
# Bodies that are names only after a place or a level word (委 alone, 政府 alone are no names).
_NEEDS_PLACE_OR_LEVEL = frozenset({"委", "纪委", "政协", "人大常委会", "政府", "府", "议会"})


GOVERNMENT = "政府"


@cache
def local_bodies() -> dict[str, dict[str, str]]:
    """Return body -> region -> canonical template from data/entities/local_bodies.tsv (loaded once)."""
    table: dict[str, dict[str, str]] = {}
    for body, region, template in load("entities/local_bodies.tsv"):
        if "{place}" not in template:
            raise DataFileError(f"entities/local_bodies.tsv: {body!r} ({region}) has no {{place}} in {template!r}")
        table.setdefault(body, {})[region] = template
    return table


@cache
def bare_surfaces(region: str) -> tuple[str, ...]:
    """Return the short forms of `region`'s bodies that name one without a place (市委, 市府, 环保局), longest
    first: what a text of that region may say alone."""
    forms = set()
    for body, by_region in local_bodies().items():
        if region not in by_region:
            continue
        if body in _NEEDS_PLACE_OR_LEVEL:
            forms.update(level + body for level in LEVELS[:3] if len(level + body) >= 2)
        elif len(body) >= 3:
            forms.add(body)
    return tuple(sorted(forms, key=len, reverse=True))


def place_before_body(surface: str) -> str | None:
    """Return the place a name starts with (宁波市委 -> 宁波市, 台南市政府研考会 -> 台南市), or None: the
    place of a body or organisation named after it, which a text about that place names often."""
    return _place_prefix(surface)[0]


@cache
def bodies_after_place(region: str) -> tuple[str, ...]:
    """Return the bodies of `region` that follow a place's name (政府, 委, 政协), longest first."""
    return tuple(sorted((body for body, by_region in local_bodies().items() if region in by_region),
                        key=len, reverse=True))


def paragraph_places(text: str, mentions: list[tuple[int, str | None]], places: dict[str, str]):
    """Return a function from a position in `text` to the places a body written there is of: the text's
    `places` (main_places), except that a paragraph which names none of them and names places of its own
    (a digest's item on 江西省 in a text mostly on 浙江省) has its own. `mentions` are (start, place) pairs."""
    by_paragraph: dict[int, list[str]] = {}
    for start, place in mentions:
        # Only places the lexicon knows: a paragraph has few mentions, and a model's odd span (南市) would rule it.
        if place in state_names():
            by_paragraph.setdefault(text.rfind("\n", 0, start), []).append(place)
    text_places = set(places.values())

    def at(pos: int) -> dict[str, str]:
        names = by_paragraph.get(text.rfind("\n", 0, pos), [])
        return places if text_places.intersection(names) else {**places, **main_places(names)}
    return at


def main_places(canonicals: list[str | None]) -> dict[str, str]:
    """Return, per level word, the place of that level named most among `canonicals` (市 -> 台南市)."""
    counts = Counter(c for c in canonicals if c)
    best: dict[str, str] = {}
    for place, _n in counts.most_common():
        if not is_local_place(place):
            continue
        for level in LEVELS:
            if place.endswith(level) and len(place) > 1:
                best.setdefault(level, place)
    return best


@cache
def _divisions() -> frozenset[str]:
    return frozenset(e.canonical for e in load_lexicon().entries if e.source == "places_cn.tsv")


def is_local_place(canonical: str) -> bool:
    """Return whether a place has local government bodies of the kind the table names: a Chinese division
    (places_cn.tsv) or a county, district or city below them (日本, 美国 have governments, not 市委)."""
    return canonical in _divisions() or (canonical.endswith(LEVELS) and len(canonical) > 1)


def _place_prefix(surface: str) -> tuple[str | None, str]:
    """Return the canonical name of the last place written at the start of `surface` and the rest after it
    (浙江省舟山市委 -> 舟山市, 委)."""
    lex = load_lexicon()
    place, rest = None, surface
    while rest:
        for length in range(min(len(rest) - 1, 8), 1, -1):
            hit = lex.lookup(rest[:length])
            if hit and hit[1] == "GPE" and is_local_place(hit[0]):
                place, rest = hit[0], rest[length:]
                break
        else:
            return place, rest
    return place, rest


def _last_body(body: str, region: str) -> str:
    """Return the last of the bodies of `region` that `body` writes one after another, the unit meant
    (府|经发局 -> 经发局, 社会局|家防中心 -> 家防中心), else `body`."""
    for n in range(1, len(body)):
        if region in local_bodies().get(body[:n], {}):
            rest = _last_body(body[n:], region)
            if region in local_bodies().get(rest, {}):
                return rest
    return body


def local_body_canonical(surface: str, region: str | None, places: dict[str, str]) -> str | None:
    """Return the full name of the local body `surface` names in a text of `region`, or None where it names
    none (or no place for it is known). `places` is main_places() of the text."""
    if region is None:
        return None
    place, body = _place_prefix(surface)
    # 台南市政府|研考会: a department written after its government's name is the department.
    if place is not None and body.startswith(GOVERNMENT) and body[len(GOVERNMENT):] in local_bodies():
        body = body[len(GOVERNMENT):]
    level = None
    if place is None and body[:1] in LEVELS and _last_body(body[1:], region) in local_bodies():
        level, body = body[0], body[1:]
    template = local_bodies().get(_last_body(body, region), {}).get(region)
    if template is None:
        return None
    if place is None:
        if level is None and body in _NEEDS_PLACE_OR_LEVEL:
            return None
        place = places.get(level) if level else (places.get("市") or places.get("县"))
    return template.format(place=place) if place else None
