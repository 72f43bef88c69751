"""The named-entity lexicon: canonical names, labels and aliases from data/lexicon/*.tsv."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import ahocorasick
import opencc

from extract.errors import DataFileError
from extract.lexicon_match import LongestMatcher
from extract.resources import DATA_DIR, load
from extract.text.chars import HAN, code_points, lower_same_length

LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "PRODUCT"})
LEXICON_DIR = "lexicon"
# Aliases may be written in any script; the text we match is Simplified after one of these conversions
# (extract.text.normalize picks one per variant), so each alias is indexed under every form they give it.
TO_SIMPLIFIED_CONFIGS = ("t2s", "tw2s", "tw2sp", "hk2s")
_HAN = re.compile(HAN)


@dataclass(frozen=True, slots=True)
class LexiconEntry:
    """One named entity: its canonical Simplified name, label, aliases as written, and the file it is from."""

    canonical: str
    label: str
    aliases: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True)
class Lexicon:
    """All lexicon entries, with a lookup from each Simplified surface form to (canonical, label)."""

    entries: tuple[LexiconEntry, ...]
    by_surface: dict[str, tuple[str, str]]

    def lookup(self, surface: str) -> tuple[str, str] | None:
        """Return (canonical, label) for a Simplified surface form, or None where the lexicon lacks it."""
        return self.by_surface.get(surface)

    def __len__(self) -> int:
        return len(self.entries)


def lexicon_files() -> list[str]:
    """Return the names of the lexicon TSV files, in the order they are loaded."""
    return sorted(p.name for p in (DATA_DIR / LEXICON_DIR).glob("*.tsv"))


def read_entries(name: str) -> list[LexiconEntry]:
    """Return the entries of one lexicon file, raising DataFileError on a malformed row."""
    entries = []
    for canonical, label, aliases in load(f"{LEXICON_DIR}/{name}"):
        canonical = canonical.strip()
        if label not in LABELS:
            raise DataFileError(f"{LEXICON_DIR}/{name}: {canonical!r} has label {label!r}, not one of {sorted(LABELS)}")
        if not canonical:
            raise DataFileError(f"{LEXICON_DIR}/{name}: a row has an empty canonical name")
        alias_list = tuple(a.strip() for a in aliases.split("|") if a.strip())
        entries.append(LexiconEntry(canonical, label, alias_list, name))
    return entries


@cache
def _converters() -> tuple[opencc.OpenCC, ...]:
    return tuple(opencc.OpenCC(config) for config in TO_SIMPLIFIED_CONFIGS)


def simplified_forms(surface: str, *, is_simplified: bool = False) -> list[str]:
    """Return the distinct Simplified forms of a surface written in any Chinese script.

    `is_simplified` says the surface is Simplified as written (a canonical name such as 昇腾, which OpenCC
    would still change): it is then kept among the forms.
    """
    if not _HAN.search(surface):
        return [surface]
    forms = [surface] if is_simplified else []
    for converter in _converters():
        form = converter.convert(surface)
        if form not in forms:
            forms.append(form)
    # A surface that every conversion changes is Traditional: the Simplified text never holds it as written.
    return forms


def surface_conflicts(entries: list[LexiconEntry] | tuple[LexiconEntry, ...]) -> list[str]:
    """Return a description of every Simplified surface form claimed by two different entries."""
    owner: dict[str, LexiconEntry] = {}
    problems = []
    for entry in entries:
        for written in (entry.canonical, *entry.aliases):
            for form in simplified_forms(written, is_simplified=written == entry.canonical):
                other = owner.setdefault(form, entry)
                if other is not entry and (other.canonical, other.label) != (entry.canonical, entry.label):
                    problems.append(f"{form!r}: {other.canonical}/{other.label} ({other.source}) "
                                    f"and {entry.canonical}/{entry.label} ({entry.source})")
    return problems


@cache
def load_lexicon() -> Lexicon:
    """Return the lexicon of every data/lexicon/*.tsv file (loaded once).

    Where two entries claim one surface form the first file in name order wins; the integrity test keeps
    the shipped files free of such conflicts.
    """
    entries: list[LexiconEntry] = []
    for name in lexicon_files():
        entries.extend(read_entries(name))
    by_surface: dict[str, tuple[str, str]] = {}
    for entry in entries:
        for written in (entry.canonical, *entry.aliases):
            for form in simplified_forms(written, is_simplified=written == entry.canonical):
                by_surface.setdefault(form, (entry.canonical, entry.label))
    return Lexicon(tuple(entries), by_surface)


@cache
def _jieba_entries() -> tuple[tuple[str, str], ...]:
    # One-character abbreviations (美, 沪) serve lookups of model mentions only: as jieba words they would
    # glue to nothing and split nothing.
    return tuple(sorted((surface, label) for surface, (_canonical, label) in load_lexicon().by_surface.items()
                        if len(surface) >= 2))


def jieba_words() -> list[str]:
    """Return every Simplified surface form of two or more characters, for the segmenter's jieba dictionary."""
    return [surface for surface, _label in _jieba_entries()]


@cache
def surface_automaton(lowercase: bool = False) -> ahocorasick.Automaton:
    """Return one Aho-Corasick automaton over every Simplified surface form of 2+ characters, each mapped to
    (length, canonical, label): a single pass over a text finds all lexicon names. With `lowercase`, the
    surfaces are lower-cased (match it against lower-cased text)."""
    automaton = ahocorasick.Automaton()
    for surface, (canonical, label) in load_lexicon().by_surface.items():
        if len(surface) >= 2:
            automaton.add_word(lower_same_length(surface) if lowercase else surface, (len(surface), canonical, label))
    automaton.make_automaton()
    return automaton


@cache
def _surface_matcher() -> tuple[LongestMatcher, tuple[tuple[str, str], ...]]:
    # The surfaces of surface_automaton(), each carrying the index of its (canonical, label).
    names = [(surface, value) for surface, value in load_lexicon().by_surface.items() if len(surface) >= 2]
    keys = [(surface, k) for k, (surface, _) in enumerate(names)]
    return LongestMatcher.cached(keys, "lexicon-names"), tuple(v for _, v in names)


def lexicon_names(text: str) -> list[tuple[int, int, str, str]]:
    """Return (start, end, canonical, label) of every lexicon name in `text`, leftmost-longest, in order.

    What surface_automaton().iter_long finds, by the compiled matcher (extract.lexicon_match): pyahocorasick
    scans the thousands of first characters one by one at each character of a text that starts no name.
    """
    matcher, values = _surface_matcher()
    starts, ends, payloads = matcher.matches(code_points(text))
    return [(start, end, *values[k]) for start, end, k in zip(starts.tolist(), ends.tolist(), payloads.tolist())]


def jieba_entries() -> list[tuple[str, str]]:
    """Return (surface form, label) for every word of jieba_words(), for a segmenter that tags by label."""
    return list(_jieba_entries())


@cache
def state_names() -> frozenset[str]:
    """Return the canonical names of countries, territories and Chinese administrative divisions
    (countries.tsv, places_cn.tsv): places whose name also stands for their government."""
    return frozenset(entry.canonical for entry in load_lexicon().entries
                     if entry.source in ("countries.tsv", "places_cn.tsv"))


@cache
def company_names() -> frozenset[str]:
    """Return the canonical names of companies (companies.tsv): a place before one names where the company
    is (香港|麦当劳), where before a public body (美国商务部) or, in the NER corpora, a university (美国斯坦福大学)
    it is part of the name."""
    return frozenset(entry.canonical for entry in load_lexicon().entries if entry.source == "companies.tsv")

