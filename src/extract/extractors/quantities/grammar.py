"""The compiled grammar of the quantities extractor, built once from data/quantities/patterns.yaml and units.tsv.

The pieces of patterns.yaml are composed by reference ("{name}"); "{units}" is the units of units.tsv as a
trie. Nothing here reads text: the scanner (scanner.py) and the parser (parser.py) use what this builds.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from extract.errors import DataFileError
from extract.cache import compiled
from extract.resources import load

_PIECE_REF = re.compile(r"\{([a-z_]+)\}")
_NAMED_GROUP = re.compile(r"\(\?P<(?:num|unit|half|coins|liang|tail)>")


@dataclass(frozen=True, slots=True)
class UnitSpec:
    """A row of units.tsv: what a unit, currency or classifier after a number means."""

    surface: str
    kind: str
    unit: str | None
    factor: float


class GuardedSearch:
    """A pattern of capturing alternatives (which one matched says what the word means), searched through a
    copy without the groups first.

    The regex engine skips an alternative at a glance only where it begins with a character, and a group
    opening comes first: so the grouped pattern tries every alternative at every position of the window
    searched, while the copy without groups (a look-behind before a first character moved after it) lets
    the search pass over the positions no alternative starts at. Groups change no match, so the copy finds a
    match exactly where the grouped pattern does; only then is the grouped one run there, for its groups.
    """

    __slots__ = ("grouped", "guard")

    def __init__(self, alternatives: list[str], tail: str):
        self.grouped = re.compile("(?:" + "|".join(f"({a})" for a in alternatives) + ")" + tail)
        self.guard = re.compile("(?:" + "|".join(map(_literal_first, alternatives)) + ")" + tail)

    @property
    def pattern(self) -> str:
        """The grouped pattern's text, as re.Pattern.pattern."""
        return self.grouped.pattern

    def search(self, text: str, pos: int, endpos: int) -> re.Match | None:
        """Return what `grouped.search(text, pos, endpos)` returns (its match where the copy's begins)."""
        found = self.guard.search(text, pos, endpos)
        return None if found is None else self.grouped.match(text, found.start(), endpos)


_LEADING_NOT_AFTER = re.compile(r"\(\?<!(\[[^\]\\]*\])\)([^\\()\[\]{}.*+?|^$])")


def _literal_first(pattern: str) -> str:
    """Return `pattern` with a leading (?<![...]) moved after the character it guards: (?<![节制])约 is
    约(?<![节制]约), the same match beginning with a character."""
    m = _LEADING_NOT_AFTER.match(pattern)
    if m is None:
        return pattern
    cls, ch = m.groups()
    return f"{ch}(?<!{cls}{re.escape(ch)})" + pattern[m.end():]


@dataclass(frozen=True, slots=True)
class Grammar:
    """The compiled patterns of the extractor, built once from the data files."""

    start: re.Pattern
    master: re.Pattern
    member: re.Pattern
    separator: re.Pattern
    pre_hedge: GuardedSearch
    pre_hedge_directions: tuple[str, ...]
    hedge_not_before: dict[str, re.Pattern]  # a hedge word that is a verb particle before such a number
    post_hedges: dict[str, str]
    currency_prefix: re.Pattern
    currency_prefixes: dict[str, str]
    not_after: re.Pattern
    not_before: re.Pattern
    not_before_ends: frozenset[str]
    skip_regions: tuple[tuple[str, re.Pattern], ...]  # (trigger substring, pattern)
    not_numbers: dict[str, re.Pattern]  # by the character a word may start with
    not_numbers_reach: int
    not_number_firsts: re.Pattern        # a class of not_numbers' keys: one C test before the per-char loop
    hedge_ends: frozenset[str]  # the last characters of hedges and currency prefixes: a cheap first test
    money_nouns: re.Pattern
    money_nouns_before: re.Pattern
    money_sentence: re.Pattern      # a money noun anywhere in a sentence (its bare 亿 amounts are money)
    count_nouns: re.Pattern         # ... unless the amount's clause counts people or things (人口14亿)
    comparative_before: str
    comparative_after: dict[str, str]
    bound_joiner: re.Pattern
    between_before: re.Pattern
    bare_after_ok: frozenset[str]
    year_after: re.Pattern  # what follows a bare year-like number (2025新菜单, 2020及2021年, 2022-至今)
    model_year_units: frozenset[str]
    units: dict[str, UnitSpec]
    lone_digit_named_after: re.Pattern
    scale_prefix: re.Pattern  # 摄氏 before the number: the scale of its 度
    scale_prefixes: dict[str, str]
    minus_words: tuple[str, ...]
    article_one_point_words: re.Pattern  # 只有一个: the number one is the point, not an article
    article_one_point_units: frozenset[str]
    article_one_pair_units: frozenset[str]
    article_one_point_ends: re.Pattern



@cache
def unit_table() -> dict[str, UnitSpec]:
    """Return the units, currencies and classifiers of units.tsv with their not-before guards as regex text."""
    return {surface: spec for surface, (spec, _) in _unit_rows().items()}


@cache
def _unit_rows() -> dict[str, tuple[UnitSpec, str]]:
    rows: dict[str, tuple[UnitSpec, str]] = {}
    for surface, kind, unit, factor, guard in load("quantities/units.tsv"):
        if surface in rows:
            raise DataFileError(f"quantities/units.tsv: {surface!r} is listed twice", stage="quantities")
        try:
            spec = UnitSpec(surface, kind, None if unit == "-" else unit, float(factor))
        except ValueError as exc:
            raise DataFileError(f"quantities/units.tsv: {surface!r} has a bad factor {factor!r}",
                                stage="quantities") from exc
        rows[surface] = (spec, guard)
    return rows


def patterns() -> dict:
    """Return the parsed patterns.yaml."""
    return load("quantities/patterns.yaml")


def _alternation(items) -> str:
    return "|".join(sorted(items, key=len, reverse=True))


@cache
def grammar(tight: bool = False) -> Grammar:
    """Return the compiled grammar (once per process); `tight` allows no space inside a number."""
    data = patterns()
    pieces: dict[str, str] = dict(data["pieces"])
    if tight:
        pieces["space"] = ""
    rows = _unit_rows()
    pieces["units"] = _unit_trie(rows, pieces["space"])
    post = {text: direction for direction, texts in data["post_hedges"].items() for text in texts}
    pieces["post_hedges"] = _alternation(re.escape(t) for t in post)

    def expand(text: str, depth: int = 0) -> str:
        if depth > 20:
            raise DataFileError("quantities/patterns.yaml: pieces refer to each other in a loop", stage="quantities")
        return _PIECE_REF.sub(lambda m: "(?:" + expand(_piece(pieces, m.group(1)), depth + 1) + ")", text)

    pre = [(p, direction) for direction, texts in data["pre_hedges"].items() for p in texts]
    pre.sort(key=lambda item: len(item[0]), reverse=True)
    prefixes = {str(k): str(v) for k, v in data["currency_prefixes"].items()}
    word_prefixes = [re.escape(k) for k in prefixes if not k.startswith("$") and len(k) > 1]
    try:
        member_text = expand("{member}")
        # the first member of a body keeps its named groups, so a one-member candidate needs no second match
        pieces["first_member"] = "\x00"
        master_text = _NAMED_GROUP.sub("(?:", expand(pieces["master"])).replace("(?:\x00)", f"(?:{member_text})")
        return Grammar(
            start=re.compile(data["start"]),
            master=compiled(master_text),  # long: the program is cached on disk (extract.cache)
            member=compiled(member_text),
            separator=re.compile(expand("{separator}")),
            pre_hedge=GuardedSearch([p for p, _ in pre], r"[ \t]*$"),
            pre_hedge_directions=tuple(d for _, d in pre),
            hedge_not_before={str(k): re.compile(v) for k, v in (data.get("hedge_not_before") or {}).items()},
            post_hedges=post,
            currency_prefix=re.compile("(" + _alternation(word_prefixes) + r")[ \t]*$"),
            currency_prefixes=prefixes,
            not_after=re.compile(expand(data["not_quantity_after"])),
            not_before=re.compile(data["not_quantity_before"]),
            not_before_ends=frozenset(data["not_quantity_before_ends"]),
            skip_regions=tuple((str(r["trigger"]), re.compile(r["regex"])) for r in data["skip_regions"]),
            not_numbers=_by_first_char(data["not_numbers"]),
            hedge_ends=frozenset(_last_char(p) for p, _ in pre) | frozenset(k[-1] for k in prefixes),
            not_numbers_reach=1 + max(_first_numeral_index(w, data["start"]) for w in data["not_numbers"]),
            not_number_firsts=re.compile("[" + "".join(map(re.escape, sorted(_by_first_char(data["not_numbers"]))))
                                         + "]"),
            bare_after_ok=frozenset(data["bare_number_after_ok"]),
            year_after=re.compile(data["year_like_after"]),
            model_year_units=frozenset(data["model_year_units"]),
            comparative_before=str(data["comparative_before"]),
            comparative_after={ch: d for d, chars in data["comparative_after"].items() for ch in chars},
            bound_joiner=re.compile(data["bound_joiner"]),
            between_before=re.compile(data["between_before"]),
            units={surface: spec for surface, (spec, _) in rows.items()},
            **_word_fields(data),
            **_noun_fields(data),
        )
    except re.error as exc:
        raise DataFileError(f"quantities/patterns.yaml does not compile: {exc}", stage="quantities") from exc


def _noun_fields(data: dict) -> dict:
    """Return the Grammar fields of the money and count nouns (after a number, before it, in its sentence)."""
    money = _alternation(map(re.escape, data["money_nouns"]))
    return {
        "money_nouns": re.compile(r"[ \t]*(?:" + money + ")"),
        "money_nouns_before": re.compile("(?:" + money + r")[^，。；;,\d\n率比]{0,3}$"),
        "money_sentence": re.compile(money),
        "count_nouns": re.compile(_alternation(map(re.escape, data["count_nouns"]))),
    }


def _word_fields(data: dict) -> dict:
    """Return the Grammar fields of the word rules: lone digits, temperature scales, signs, 一 + classifier."""
    return {
        "lone_digit_named_after": re.compile(data["lone_digit_named_after"]),
        "scale_prefix": re.compile("(" + _alternation(map(re.escape, data["scale_prefixes"])) + r")[ \t]*$"),
        "scale_prefixes": {str(k): str(v) for k, v in data["scale_prefixes"].items()},
        "minus_words": tuple(data["minus_words"]),
        "article_one_point_words": re.compile(data["article_one_point_words"]),
        "article_one_point_units": frozenset(data["article_one_point_units"]),
        "article_one_pair_units": frozenset(data["article_one_pair_units"]),
        "article_one_point_ends": re.compile(data["article_one_point_ends"]),
    }


_TRAILING_LOOKAROUND = re.compile(r"\(\?<?[!=][^()]*\)$")


def _last_char(pattern: str) -> str:
    """Return the last literal character of a hedge pattern ('约' for '(?<![节制])约(?!合)')."""
    while (m := _TRAILING_LOOKAROUND.search(pattern)) is not None:
        pattern = pattern[: m.start()]
    return pattern[-1]


def _first_numeral_index(word: str, start_class: str) -> int:
    """Return how far into a not-a-number word its first numeral character can be (统一: 1, 一切: 0)."""
    body = _LEADING_LOOKBEHIND.sub("", word)
    units = re.findall(r"\[[^\]]*\]|\(\?[^)]*\)|\\.|.", body)  # one character (class) at a time
    numeral = re.compile(start_class.split("|")[0])
    for i, u in enumerate(units):
        chars = u[1:-1] if u.startswith("[") else u
        if u.startswith("(?"):
            continue
        if any(numeral.fullmatch(ch) for ch in chars):
            return i
    return len(units)


_LEADING_LOOKBEHIND = re.compile(r"^\(\?<!?(?:[^()]|\([^()]*\))*\)")


def _by_first_char(words: list[str]) -> dict[str, re.Pattern]:
    """Group the not-a-number patterns by the characters they can start with, compiled per character."""
    groups: dict[str, list[str]] = {}
    for w in words:
        body = _LEADING_LOOKBEHIND.sub("", w)
        if body.startswith("["):
            firsts = body[1:body.index("]")]
        else:
            firsts = body[0]
        for ch in firsts:
            groups.setdefault(ch, []).append(w)
    return {ch: re.compile("|".join(sorted(ws, key=len, reverse=True))) for ch, ws in groups.items()}


def _unit_trie(rows: dict[str, tuple[UnitSpec, str]], space: str) -> str:
    """Return one regex for all unit surfaces, as a trie (the regex engine tries alternatives one by one, so a
    flat list of 200 surfaces would be tried in full after every number), longest surface first."""
    trie: dict = {}
    for surface, (spec, guard) in rows.items():
        node = trie
        # 个 百 分 点: percent words are read even when spaced out, as upstream's specifications write them
        spaced = spec.kind == "percent" and len(surface) > 1
        for i, ch in enumerate(surface):
            key = (space if spaced and i else "") + re.escape(ch)
            node = node.setdefault(key, {})
        node[""] = f"(?!{guard})" if guard else ""

    def emit(node: dict) -> str:
        branches = [key + emit(child) for key, child in node.items() if key]
        if "" in node:
            branches.append(node[""])
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    return emit(trie)


def _piece(pieces: dict[str, str], name: str) -> str:
    try:
        return pieces[name]
    except KeyError as exc:
        raise DataFileError(f"quantities/patterns.yaml: no piece named {name!r}", stage="quantities") from exc

