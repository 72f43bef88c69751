"""The date grammar compiled from its data files: the master regex that finds candidate spans and the lexer.

`data/dates/grammar.yaml` holds the patterns (pieces, components, phrases) and `data/dates/lexicon.yaml` the
words and their meanings; each component is the pattern of one rule of `rules.py` (same name).
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache

from extract.cache import compiled
from extract.errors import DataFileError
from extract.extractors.first_char import FirstCharPatterns
from extract.resources import compile_pattern, load

_REF = re.compile(r"\{(@?)([A-Za-z_]\w*)\}")
_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>")
_CN_DIGITS = frozenset("〇零○一二三四五六七八九两")
_CN_RUN = "〇零○一二三四五六七八九十两百千"   # the Chinese numerals a phrase may start with (a count, a year, a month)
# lexicon tables whose words become {words_<table>} alternations in the grammar
_WORD_TABLES = ("vague", "day_pairs", "vague_window", "anaphora", "half_months", "half_weeks", "half_rel", "seasons", "dur_vague", "century_parts",
                "fiscal_rel", "same_period", "year_event_nouns")


@dataclass(frozen=True, slots=True)
class Grammar:
    master: re.Pattern
    lexer: re.Pattern
    lexer_by_char: FirstCharPatterns   # the lexer without the rules that cannot start at a character
    components: tuple[str, ...]
    lex: dict
    roc_marker: re.Pattern
    roc_hint: re.Pattern            # contained in every roc_marker match: a cheap test first
    prefilter: str                  # the look-ahead the master regex starts with (tests drop it to compare)
    anywhere: re.Pattern            # the master regex without it, tried where a festival name starts
    festival_starts: re.Pattern     # matches the first character of each festival name written in a text
    common_era: re.Pattern          # a historical text's 公元96年 (lexicon common_era)


def alternation(words, *, raw: bool = False) -> str:
    """Return a regex alternation of `words`, longest first."""
    items = sorted(words, key=len, reverse=True)
    return "(?:" + "|".join(w if raw else re.escape(w) for w in items) + ")"


def festivals() -> dict[str, dict]:
    """Return festivals.yaml's festivals by name (every spelling, weak ones included)."""
    out = {}
    for spec in load("dates/festivals.yaml")["festivals"]:
        for name in spec["names"] + spec.get("weak", []):
            out[name] = spec
    return out


def _first_chars(words) -> str:
    return "[" + "".join(sorted({re.escape(w[0]) for w in words})) + "]"


def _festival_pieces(pieces: dict) -> str:
    """Add the festival alternations; return the first characters festival names add to first_char."""
    data = load("dates/festivals.yaml")
    strong = [n for spec in data["festivals"] for n in spec["names"]]
    weak = [n for spec in data["festivals"] for n in spec.get("weak", [])]
    pieces["words_festival"], pieces["words_festival_weak"] = alternation(strong), alternation(weak)
    pieces["words_stretch"] = alternation(data["stretch_words"])
    first = "".join(sorted({re.escape(n[0]) for n in strong + weak}))
    pieces["festival_first"] = f"[{first}]"
    return first


def _pieces(gram: dict, lex: dict) -> dict[str, str]:
    """Return the named regex pieces: grammar.yaml's and those built from the lexicon's word lists."""
    pieces = dict(gram["pieces"])
    _festival_pieces(pieces)
    for name, words in lex["guards"].items():
        pieces[name] = alternation(words, raw=(name == "boundary"))
    pieces["eras"] = alternation(lex["eras"])
    # the first characters of word tables: a cheap guard before a component's costly parts
    pieces["era_first"] = _first_chars(lex["eras"])
    for table in ("relday", "year_rel", "month_rel"):
        pieces[f"{table}_first"] = _first_chars(lex["relative"][table])
    pieces["vague_first"] = _first_chars(lex["vague"])
    tables = {**lex["relative"], **{name: lex[name] for name in _WORD_TABLES}, **lex.get("word_tables", {})}
    for table, words in tables.items():
        pieces[f"words_{table}"] = alternation(words)
    # a lone day (no month before it) may not follow a word that makes it a count of days
    # (a class of the words' last characters first: most positions pass or fail on it alone)
    last = "[" + "".join(sorted({re.escape(w[-1]) for w in lex["not_day_before"]})) + "]"
    pieces["not_day_before"] = f"(?:(?<!{last})|" + "".join(f"(?<!{re.escape(w)})" for w in lex["not_day_before"]) + ")"
    last = "[" + "".join(sorted({re.escape(w[-1]) for w in lex["day_count_cues"]})) + "]"
    pieces["after_day_count_cue"] = f"(?<={last})(?:" + "|".join(f"(?<={re.escape(w)})" for w in lex["day_count_cues"]) + ")"
    # an entry ending in a numeral (这一) blocks that numeral only: 这一年 is no duration, 这三天 is
    pieces["not_duration_before"] = "".join(
        f"(?!(?<={re.escape(w[:-1])}){re.escape(w[-1])})" if w[-1] in _CN_DIGITS else f"(?<!{re.escape(w)})"
        for w in lex["not_duration_before"])
    first = pieces.get("first_char", "")
    if not (first.startswith("[") and first.endswith("]") and "0-9" in first):
        raise DataFileError("dates: grammar.yaml: pieces.first_char must be a character class [...] with 0-9")
    # A digit starts a phrase only where no digit stands before it (every numeric component begins with {nd}
    # or a look-behind as strict): the scan skips the inside of 2023 and 19917.0. Era names start phrases
    # too (昭和五年, 公元96年): as whole words, since 公 and 西 alone are common. (Festival names are found by
    # a pattern of their own instead, festival_starts: their first characters, 中 国 大 ..., are too common.)
    pairs = pieces.get("first_pairs", "")
    paired = {alt[0] for alt in pairs.split("|") if alt}
    rest = "".join(c for c in first[1:-1].replace("0-9", "") if c not in paired and c not in _CN_RUN)
    eras = alternation(lex["eras"])
    every = first[1:-1] + "".join(sorted({re.escape(e[0]) for e in lex["eras"]}))
    # A digit run starts a phrase only before what may follow it there (digit_run_next), unless it has the four
    # digits of a year (2026米兰冬奥会, in 2024,) or ymd8's eight, which go on with almost anything.
    runs = "(?:[0-9]{1,3}|[0-9]{5,7}|[0-9]{9,})(?![0-9])(?:[.][0-9]+)?"
    digit = f"(?<![0-9])(?!{runs}(?!{pieces['digit_run_next']}))[0-9]"
    numerals = f"(?![{_CN_RUN}]+(?![{_cn_run_next(pieces)}]))[{_CN_RUN}]"
    # the class first (one test per position, in C), the pairs and eras only where it passes
    pieces["first_char"] = f"(?=[{every}])(?:{digit}|{numerals}|[{rest}]|{pairs or '(?!)'}|{eras})"
    return pieces


def _cn_run_next(pieces: dict) -> str:
    """Return the characters that may follow a run of Chinese numerals starting a phrase: cn_run_next, and the
    character after the numerals of each festival name that begins with them (三八妇女节: 妇, 七夕: 夕)."""
    after = set()
    for name in festivals():
        head = len(name) - len(name.lstrip(_CN_RUN))
        if 0 < head < len(name):
            after.add(name[head])
    return pieces["cn_run_next"][1:-1] + "".join(sorted(map(re.escape, after)))


def _expander(pieces: dict, components: dict, phrases: dict):
    """Return a function that replaces {piece}, {phrase} and {@component} references by their patterns."""
    def expand(pattern: str, stack: tuple[str, ...] = ()) -> str:
        def sub(m: re.Match) -> str:
            at, name = m.groups()
            key = ("@" if at else "") + name
            if key in stack:
                raise DataFileError(f"dates: grammar.yaml: {name!r} refers to itself")
            if at:
                if name not in components:
                    raise DataFileError(f"dates: grammar.yaml: unknown component {{@{name}}}")
                body = expand(components[name], stack + (key,))
                return "(?:" + _NAMED_GROUP.sub("(?:", body) + ")"
            for table in (pieces, phrases):
                if name in table:
                    return "(?:" + expand(table[name], stack + (key,)) + ")"
            raise DataFileError(f"dates: grammar.yaml: unknown reference {{{name}}}")
        return _REF.sub(sub, pattern.replace("\n", ""))
    return expand


def _compiled(pattern: str, what: str) -> re.Pattern:
    return compile_pattern(pattern, "dates/grammar.yaml", what)


@cache
def grammar() -> Grammar:
    """Compile the master regex and the lexer from the data files (once per process)."""
    gram, lex = load("dates/grammar.yaml"), load("dates/lexicon.yaml")
    components, phrases = gram["components"], gram["phrases"]
    expand = _expander(_pieces(gram, lex), components, phrases)
    master = _compiled(expand(phrases["master"]), "phrases.master")
    alts = []
    for name, pattern in components.items():
        body = expand(pattern, ("@" + name,))
        body = _NAMED_GROUP.sub(lambda m, n=name: f"(?P<{n}__{m.group(1)}>", body)
        _compiled(body, f"component {name}")
        alts.append(f"(?P<{name}>{body})")
    lexer = _compiled("|".join(alts), "lexer")
    lex = {**lex, "festivals": festivals()}
    prefilter = "(?=" + expand("{first_char}") + ")"   # (the master pattern's own look-ahead, as written)
    return Grammar(master, lexer, FirstCharPatterns(lexer), tuple(components), lex,
                   _compiled(lex["roc_marker"], "lexicon roc_marker"), re.compile(lex["roc_hint"]), prefilter,
                   compiled(master.pattern[len(prefilter):]),
                   _festival_starts(lex["festivals"]), _compiled(lex["common_era"], "lexicon common_era"))


def _festival_starts(words) -> re.Pattern:
    """Return a pattern whose matches are the first characters of the festival names in a text, overlapping
    ones included (each match is one character, the rest of the name a look-ahead). Every alternative begins
    with a character, so the search passes over the others in C."""
    tails: dict[str, list[str]] = {}
    for word in sorted(words, key=len, reverse=True):
        tails.setdefault(word[0], []).append(word[1:])
    return re.compile("|".join(re.escape(first) if "" in rest else f"{re.escape(first)}(?={alternation(rest)})"
                               for first, rest in tails.items()))


def candidate_matches(g: Grammar, text: str) -> list[re.Match]:
    """Return the master regex's matches in `text`, in order, without overlaps: where the first-character
    look-ahead lets it try, and where a festival name starts."""
    found = list(g.master.finditer(text))
    starts = [m.start() for m in g.festival_starts.finditer(text)]
    if not starts:
        return found
    # finditer's matches do not overlap: a start is covered by the last match that begins at or before it
    found_starts = [m.start() for m in found]
    extra = [m for pos in starts if not _covered(found, found_starts, pos) and (m := g.anywhere.match(text, pos))]
    out: list[re.Match] = []
    for m in sorted(found + extra, key=lambda m: (m.start(), -m.end())):
        if not out or m.start() >= out[-1].end():
            out.append(m)
    return out


def _covered(found: list[re.Match], found_starts: list[int], pos: int) -> bool:
    i = bisect_right(found_starts, pos) - 1
    return i >= 0 and found[i].end() > pos
