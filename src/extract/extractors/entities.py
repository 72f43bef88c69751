"""Named entities with canonical names: a lexicon, rules, and the statistical model for what they leave.

Order of work, each later source filling only the gaps of the earlier ones (one mention per span):
1. the lexicon (data/lexicon/*.tsv), matched in one Aho-Corasick pass over the text, kept where it agrees
   with the word boundaries, and extended by product codes (华为昇腾910B), sub-units (清华大学计算机系) and
   legal names (华为技术有限公司);
2. rules (data/entities/rules.yaml): titles before names (总统特朗普), names before speech verbs (张伟表示),
   organisation suffixes (联影医疗) with a coined brand after them (陕西电子芯业时代), names before an event
   only a company goes through (引入某某|重整), free-standing model codes (H200, GLM-4.5-Air), products listed
   beside a product (智谱清言、z.ai和…BigModel), and, where no model is used, unknown
   words shaped like a Chinese name (surname + one or two characters);
3. a statistical model for the names no lexicon entry or rule explains: by default the CRF of
   extract.ner.crf over the whole text (fast enough to read everything), or the spaCy model of
   extract.ner.cnn sentence by sentence (model="cnn": a twentieth of jieba's speed). Its mentions take the
   lexicon's canonical name where the lexicon knows the surface, and a longer model name around mentions of
   the same kind (an organisation around a place, a full name around a rule's cut) replaces them;
4. every other mention of a name a rule or the model found once, on word boundaries (one sense per discourse).

Where a trained model is not shipped, the lexicon and rules work alone (logged once).
"""
from __future__ import annotations

import bisect
import logging
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, KeysView, Set
from dataclasses import dataclass, fields, replace
from functools import cache, lru_cache
from itertools import chain
from operator import itemgetter
from typing import Any

from extract.errors import DataFileError
from extract.extractors.local_bodies import (COUNTRY, GOVERNMENT, bare_surfaces, bodies_after_place,
                                             is_local_place, local_body_canonical, local_bodies, main_places,
                                             paragraph_places, place_before_body)
from extract.extractors.entity_regions import regional_names, surfaces_of, text_region, with_regional_names
from extract.extractors.entity_canonicals import (state_canonical, state_head_at, state_named, with_document_canonicals,
                                                  with_kin_family_names)
from extract.extractors.numerals import parse_number
from extract.lexicon import company_names, lexicon_names, load_lexicon, state_names
from extract.resources import load
from extract.settings import ENTITY_MODELS
from extract.text.chars import HAN

log = logging.getLogger(__name__)

_LATIN_EDGE = re.compile(r"[A-Za-z0-9]")
_HAN = re.compile(f"{HAN}+\\Z")
_HAN_CHAR = re.compile(HAN)


@dataclass(frozen=True, slots=True)
class Entity:
    """A named-entity mention: half-open offsets into the Simplified text, label, canonical name, source."""

    start: int
    end: int
    text: str
    label: str
    canonical: str
    method: str


@dataclass(frozen=True, slots=True)
class EntityRules:
    """The compiled rule data of data/entities/rules.yaml."""

    # Organisations: suffixes, legal forms, subunits, events, bodies
    stock_code: re.Pattern[str]
    not_entity: re.Pattern[str]
    generic_name: re.Pattern[str]
    org_suffixes: tuple[str, ...]
    org_legal_forms: tuple[str, ...]
    government_place_endings: tuple[str, ...]
    division_endings: tuple[str, ...]
    subunit_suffixes: tuple[str, ...]
    org_kind_nouns: tuple[str, ...]
    org_suffix_set: frozenset[str]
    org_arm_words: frozenset[str]
    org_suffixes_after_place: frozenset[str]
    org_suffixes_place_or_org: frozenset[str]
    org_bracket_words: frozenset[str]
    description_heads: frozenset[str]
    divisions_named_short: frozenset[str]
    org_prefix_stop: frozenset[str]
    org_event_words: frozenset[str]
    org_event_end_stop_chars: frozenset[str]
    org_event_name_tags: frozenset[str]
    org_organs: frozenset[str]
    org_members: frozenset[str]
    generic_nouns: frozenset[str]
    subunit_max_chars: int
    org_event_min_chars: int
    org_event_max_chars: int

    # Persons: titles, surnames, given names, transliterations
    name_tags: frozenset[str]
    person_titles: frozenset[str]
    title_name_separators: str
    surname_address_forms: frozenset[str]
    surname_title_bodies: tuple[str, ...]
    person_after_cues: frozenset[str]
    surnames: frozenset[str]
    surnames_compound: frozenset[str]
    unknown_name_stop_chars: frozenset[str]
    dictionary_name_tags: frozenset[str]
    dictionary_name_end_stop_chars: frozenset[str]
    unknown_name_end_stop_chars: frozenset[str]
    name_joiners: frozenset[str]
    name_end_stop_chars: frozenset[str]
    name_start_stop_chars: frozenset[str]
    person_tags: frozenset[str]
    name_inner_stop_chars: frozenset[str]
    transliteration_chars: frozenset[str]
    person_title_max_chars: int
    dictionary_given_name_max_freq: int
    given_name_max_freq: int
    given_name_char_min_share: float
    given_name_unseen_char_max_freq: int
    common_word_min_freq: int
    transliteration_min_chars: int
    transliteration_max_chars: int
    unknown_name_after_number: re.Pattern[str]
    person_pseudonym: re.Pattern[str]
    nickname: re.Pattern[str]
    nickname_cues: tuple[str, ...]
    nickname_quotes: frozenset[str]
    nickname_max_freq: int
    contact_person: re.Pattern[str]
    contact_section: re.Pattern[str]
    contact_section_after_body: re.Pattern[str]

    # Names in Latin letters
    latin_person_name: re.Pattern[str]
    latin_org_name: re.Pattern[str]
    latin_org_before_title: re.Pattern[str]
    latin_org_reporting: re.Pattern[str]
    latin_org_source: re.Pattern[str]
    latin_org_list: re.Pattern[str]
    latin_org_journal: re.Pattern[str]
    latin_org_legal_tail: re.Pattern[str]
    latin_person_joiner: re.Pattern[str]
    latin_author_list: re.Pattern[str]
    index_after_maker: re.Pattern[str]
    short_name_definition: re.Pattern[str]
    table_ticker_cell: re.Pattern[str]
    loc_endings_any_label: tuple[str, ...]
    bracketed_original: re.Pattern[str]
    ticker: re.Pattern[str]
    latin_product_name: re.Pattern[str]
    latin_org_han_tails: frozenset[str]
    latin_org_words: frozenset[str]

    # Products: nouns, codes, series, lists
    product_nouns: frozenset[str]
    product_code_follow_stop: frozenset[str]
    product_tier: re.Pattern[str]
    product_code: re.Pattern[str]
    product_code_after_brand: re.Pattern[str]
    product_line_after_brand: re.Pattern[str]
    period_code: re.Pattern[str]
    product_series: re.Pattern[str]
    product_code_after_series: re.Pattern[str]
    product_code_stop: re.Pattern[str]
    product_list_separators: re.Pattern[str]
    product_list_max_chars: int

    # Places: endings, tails, facilities, country pairs, publication titles
    gpe_endings: tuple[str, ...]
    place_feature: re.Pattern[str]
    loc_endings: tuple[str, ...]
    place_card: re.Pattern[str]
    place_compound_tails: tuple[str, ...]
    vessel_name: re.Pattern[str]
    place_facility_words: tuple[str, ...]
    facility_heads: dict[str, str]
    facility_head: re.Pattern[str]
    facility_modifiers: frozenset[str]
    facility_item_tags: frozenset[str]
    facility_item_max_freq: int
    facility_count: re.Pattern[str]
    store_kind_words: tuple[str, ...]
    store_brand_latin: re.Pattern[str]
    store_brand_han: re.Pattern[str]
    place_generic_tails: frozenset[str]
    abbreviation_compound_tail: re.Pattern[str]
    country_pair_max_freq: int
    country_pair: re.Pattern[str]
    publication_title: re.Pattern[str]

    # Spans of the statistical model and repeats
    model_span_stop_chars: frozenset[str]
    html_entity: re.Pattern[str]
    name_quote_pairs: tuple[str, ...]
    model_span_gap: re.Pattern[str]
    model_not_name: re.Pattern[str]
    model_date_tail: re.Pattern[str]
    repeat_min_chars: int
    repeat_model_min_finds: int
    repeat_model_head_min_chars: int
    model_max_chars: int
    repeat_model_heads: tuple[str, ...]
    model_event_words: tuple[str, ...]
    model_labels: dict[str, str]

    # Text breaks
    clause_breaks: re.Pattern[str]
    sentence_breaks: re.Pattern[str]
    list_separators: frozenset[str]
    scan_cues: dict[str, tuple[str, ...]]


# How each EntityRules field is made from rules.yaml: by its type, from the key of the same name, except
# suffix lists matched longest first and the fields derived from other keys.
_LONGEST_FIRST = frozenset({"org_suffixes", "org_legal_forms", "subunit_suffixes", "org_kind_nouns"})
_DERIVED_RULES = {
    "org_suffix_set": lambda raw: frozenset(raw["org_suffixes"]),
    "person_title_max_chars": lambda raw: max(map(len, [*raw["person_titles"], *raw["surname_address_forms"]])),
    "product_series": lambda raw: re.compile("^" + raw["product_series_chars"]),
    "product_code_after_series": lambda raw: re.compile(raw["product_code_after_series"] + "$"),
    "product_list_separators": lambda raw: re.compile("|".join(
        map(re.escape, sorted(raw["product_list_separators"], key=len, reverse=True)))),
    "not_entity": lambda raw: re.compile(raw["not_entity_pattern"]),
    "generic_name": lambda raw: re.compile(raw["generic_name_pattern"]),
    "facility_head": lambda raw: re.compile("|".join(
        map(re.escape, sorted(raw["facility_heads"], key=len, reverse=True)))),
    "facility_count": lambda raw: re.compile(f"(?:{raw['facility_count']})\\Z"),
    "scan_cues": lambda raw: {pattern: tuple(cues) for pattern, cues in raw["scan_cues"].items()},
}
_RULE_TYPES = {"str": str, "frozenset[str]": frozenset, "tuple[str, ...]": tuple, "int": int, "float": float,
               "re.Pattern[str]": re.compile, "dict[str, str]": dict}


def _rule_value(name: str, kind: str, raw: dict):
    if name in _DERIVED_RULES:
        return _DERIVED_RULES[name](raw)
    if name in _LONGEST_FIRST:
        return tuple(sorted(raw[name], key=len, reverse=True))
    return _RULE_TYPES[kind](raw[name])


@cache
def entity_rules() -> EntityRules:
    """Return the entity rules of data/entities/rules.yaml, compiled (loaded once)."""
    raw = load("entities/rules.yaml")
    try:
        return EntityRules(**{f.name: _rule_value(f.name, f.type, raw) for f in fields(EntityRules)})
    except (KeyError, TypeError, ValueError, re.error) as exc:
        raise DataFileError(f"entities/rules.yaml is malformed: {exc!r}") from exc


@cache
def _jieba_dictionary() -> tuple[dict[str, str], dict[str, int]]:
    # jieba's stock dictionary: which words are ordinary words, which are names (tags), how common (counts).
    # Cached here too: the rules ask for it some fifty times a text, and finding it (its path) costs microseconds.
    from extract.text.segment import stock_dictionary

    return stock_dictionary()


def _jieba_tags() -> dict[str, str]:
    return _jieba_dictionary()[0]


def _jieba_freqs() -> dict[str, int]:
    return _jieba_dictionary()[1]


@cache
def _segmenter():
    # Used only when the caller gives no tokens: the pipeline's own segmenter, with the lexicon's words.
    from extract.lexicon import jieba_entries
    from extract.text.segment import Segmenter

    return Segmenter(jieba_entries())


def word_tokens(text: str) -> list[tuple[str, int, int]]:
    """Return jieba (word, start, end) tokens of `text`, with the lexicon's names as single words."""
    return [(token.text, token.start, token.end) for token in _segmenter().tokens(text)]


class _Boundaries:
    """Token edges of a text, for checking that a span neither starts nor ends inside a word, and where each
    word stands: the rules look for their trigger words through this one index, built once per text, instead
    of each walking every token (a dozen walks of every token made up much of the rules' time)."""

    __slots__ = ("starts", "ends", "tokens", "token_starts", "_by_word")

    def __init__(self, tokens: list[tuple[str, int, int]]):
        self.tokens = tokens
        self.token_starts = list(map(itemgetter(1), tokens))
        self.starts = set(self.token_starts)
        self.ends = set(map(itemgetter(2), tokens))
        self._by_word: dict[str, list[int]] | None = None

    def index_at(self, start: int) -> int | None:
        """Return the index of the token starting at `start`, or None."""
        i = bisect_left(self.token_starts, start)
        return i if i < len(self.token_starts) and self.token_starts[i] == start else None

    def words(self) -> KeysView[str]:
        """Return the distinct words of the text: a rule tests each once, not once per token."""
        return self._indices_by_word().keys()

    def indices_of(self, words: Set[str]) -> list[int]:
        """Return the indices of the tokens that are one of `words`, in text order."""
        by_word = self._indices_by_word()
        return _in_text_order([by_word[word] for word in by_word.keys() & words])

    def _indices_by_word(self) -> dict[str, list[int]]:
        # Built at the first rule that asks (one pass over the tokens), then shared by all.
        if self._by_word is None:
            by_word: dict[str, list[int]] = {}
            for i, word in enumerate(map(itemgetter(0), self.tokens)):
                if word in by_word:
                    by_word[word].append(i)
                else:
                    by_word[word] = [i]
            self._by_word = by_word
        return self._by_word


def _in_text_order(runs: list[list[int]]) -> list[int]:
    # Each run is sorted already; one run, the usual case, needs no sort.
    return runs[0] if len(runs) == 1 else sorted(chain.from_iterable(runs))


def _place_name_pairs_split(tokens: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Return the tokens with each word that is a known place and then another known name split in two
    (美国哈佛大学, 香港麦当劳 are one word of jieba's dictionary): each is its own mention (the guideline's
    美国|哈佛大学), and the place a model reads into the name is then left out of it (_after_leading_place)."""
    # Each distinct word is asked once; most texts hold no such word, and then the tokens are returned as they are.
    cuts = {word: cut for word in dict.fromkeys(map(itemgetter(0), tokens))
            if len(word) >= 4 and (cut := _place_name_cut(word))}
    if not cuts:
        return tokens
    out = []
    for word, start, end in tokens:
        cut = cuts.get(word)
        out += [(word[:cut], start, start + cut), (word[cut:], start + cut, end)] if cut else [(word, start, end)]
    return out


@cache
def _place_name_cut(word: str) -> int:
    """Return where a word that is a known place and then another known name splits, or 0."""
    lex = load_lexicon()
    if not _HAN.match(word) or lex.lookup(word) is not None:
        return 0
    return next((k for k in range(2, len(word) - 1) if (lex.lookup(word[:k]) or ("", ""))[1] == "GPE"
                 and (lex.lookup(word[k:]) or ("", ""))[1] in ("ORG", "GPE", "LOC")), 0)


def _latin_edges_ok(text: str, start: int, end: int) -> bool:
    # A Latin alias (AMD, Intel) must not be a piece of a longer Latin word or code (AMDX, Intel4).
    if _LATIN_EDGE.match(text[start]) and start > 0 and _LATIN_EDGE.match(text[start - 1]):
        return False
    if _LATIN_EDGE.match(text[end - 1]) and end < len(text) and _LATIN_EDGE.match(text[end]):
        return False
    return True


def lexicon_entities(text: str, bounds: _Boundaries, rules: EntityRules) -> list[Entity]:
    """Return the lexicon's mentions in `text`: leftmost-longest, non-overlapping, on word boundaries.

    An organisation at the head of a longer word that ends in an organisation suffix (华为技术有限公司 as one
    jieba word) makes that whole word the mention.
    """
    found = []
    for start, end, canonical, label in lexicon_names(text):
        if not _latin_edges_ok(text, start, end):
            continue
        # A Han name inside a longer word is another word (中国人, 上海滩): keep only aligned matches.
        if _HAN_CHAR.match(text[start]) and start not in bounds.starts:
            continue
        if _HAN_CHAR.match(text[end - 1]) and end not in bounds.ends:
            i = bounds.index_at(start)
            word = bounds.tokens[i][0] if i is not None else ""
            # 亚太地区, 华东地区 are one jieba word: the name is the place, the tail a generic noun.
            if label in ("LOC", "GPE") and word[end - start:] in rules.place_generic_tails \
                    and word.startswith(text[start:end]):
                found.append(Entity(start, end, text[start:end], label, canonical, "lexicon"))
                continue
            if label == "ORG" and word.endswith(rules.org_suffixes):
                token_end = bounds.tokens[i][2]
                legal = word.endswith(rules.org_legal_forms)
                found.append(Entity(start, token_end, word, "ORG", canonical if legal else word, "rule:org_suffix"))
            # 神舟五号 is one jieba word: the series and its number, which _extend_products attaches.
            elif label == "PRODUCT" and i is not None and _code_after(text, end, rules) == bounds.tokens[i][2]:
                found.append(Entity(start, end, text[start:end], label, canonical, "lexicon"))
            continue
        if label == "GPE" and text.startswith(rules.place_compound_tails, end):
            continue    # 北京时间 is a clock, no mention of the place
        found.append(Entity(start, end, text[start:end], label, canonical, "lexicon"))
    return found


def _code_after(text: str, pos: int, rules: EntityRules) -> int | None:
    """Return the end of a product code starting at `pos` (昇腾|910B), or None where there is none."""
    match = rules.product_code_after_brand.match(text, pos)
    if not match:
        return None
    end = match.end()
    if end < len(text) and text[end] in rules.product_code_follow_stop:
        return None
    if rules.not_entity.match(text[pos:end].strip()):
        return None
    # A model's tier after its code is part of its name (骁龙8 Elite, iPhone 16 Pro Max, Qwen 2.5 Max).
    tier = rules.product_tier.match(text, end)
    return tier.end() if tier else end


def _extend_products(text: str, found: list[Entity], bounds: _Boundaries, rules: EntityRules) -> list[Entity]:
    """Return lexicon mentions with product codes attached: a series gets its code, a brand its product."""
    out: list[Entity] = []
    for ent in found:
        if ent.label == "PRODUCT":
            end = _code_after(text, ent.end, rules)
            if end is not None:
                # A brand written in Latin keeps its name as written (Snapdragon 8 Elite, not 骁龙8 Elite).
                name = text[ent.start:end] if _LATIN_EDGE.match(text[ent.start]) else \
                    ent.canonical + text[ent.end:end].strip()
                ent = Entity(ent.start, end, text[ent.start:end], "PRODUCT", name, "rule:product_code")
            out.append(ent)
            continue
        out.append(ent)
        if ent.label != "ORG":
            continue
        # Samsung Galaxy S25, Google Pixel 9 Pro: a product line's Latin name and its code after the brand.
        line = rules.product_line_after_brand.match(text, ent.end)
        # A count after the brand's store is no code (Apple Store 3 家门店), nor a quarter in a headline
        # (Qualcomm Surpasses Q1 Earnings).
        if line and text[line.end():line.end() + 2].lstrip()[:1] not in rules.product_code_follow_stop \
                and not rules.period_code.fullmatch(line.group(1).rsplit(" ", 1)[-1]):
            tier = rules.product_tier.match(text, line.end())
            end = tier.end() if tier else line.end()
            out.append(Entity(line.start(1), end, text[line.start(1):end], "PRODUCT", text[line.start(1):end],
                              "rule:product_code"))
            continue
        # 英伟达H200: the code right after the brand is its product.
        end = _code_after(text, ent.end, rules)
        if end is not None and text[ent.end] != " ":
            code = text[ent.end:end]
            if code.isascii() and code.isdigit() and not rules.product_code_stop.match(code):
                # A number alone names nothing (波音|789): with the brand before it, it is the product (波音789).
                out[-1] = Entity(ent.start, end, text[ent.start:end], "PRODUCT", text[ent.start:end],
                                 "rule:product_code")
            else:
                out.append(Entity(ent.end, end, code, "PRODUCT", code, "rule:product_code"))
            continue
        # 寒武纪思元590: a short Han series name, then the code.
        series = rules.product_series.match(text[ent.end:ent.end + 3])
        if series:
            for length in range(len(series.group()), 1, -1):
                i = bounds.index_at(ent.end)
                if i is None or bounds.tokens[i][2] != ent.end + length \
                        or not _is_series_name(text[ent.end:ent.end + length], rules):
                    continue
                end = _code_after(text, ent.end + length, rules)
                if (end is not None and text[ent.end + length] != " "
                        and rules.product_code_after_series.match(text[ent.end + length:end])):
                    out.append(Entity(ent.end, end, text[ent.end:end], "PRODUCT", text[ent.end:end],
                                      "rule:product_code"))
                    break
    return out


def _is_series_name(word: str, rules: EntityRules) -> bool:
    # A series name is a coined word (思元): not a place, a verb or any other dictionary word. A lexicon
    # product (昇腾) is no series here: its own mention takes the code.
    if load_lexicon().lookup(word):
        return False
    tag = _jieba_tags().get(word)
    return tag is None or tag == "nz"


def _extend_subunits(text: str, found: list[Entity], bounds: _Boundaries, rules: EntityRules) -> list[Entity]:
    """Return mentions with organisation sub-units attached (清华大学 + 计算机系 -> 清华大学计算机系)."""
    out = []
    for ent in found:
        if ent.label == "ORG":
            i = bounds.index_at(ent.end)
            tags = _jieba_tags()
            j = i
            while j is not None and j < len(bounds.tokens):
                word, _s, e = bounds.tokens[j]
                # Another known name (哈佛大学和|麻省理工学院) is no unit of this one.
                if e - ent.end > rules.subunit_max_chars or not _HAN.match(word) or load_lexicon().lookup(word):
                    break
                # A one-character unit (系) stands alone or ends a unit name (计算机系, 中文系); words that
                # end in a common word holding it (关系, 体系, 相互关系) are ordinary words.
                if word.endswith(rules.subunit_suffixes) and any(
                        word.endswith(s) and (len(s) > 1 or word == s or _unit_word(word, rules))
                        for s in rules.subunit_suffixes):   # endswith(tuple): one C call rules out most words
                    # The unit's canonical name is its parent's and the unit (水利署|防灾中心 -> 经济部水利署防灾中心).
                    ent = Entity(ent.start, e, text[ent.start:e], "ORG", ent.canonical + text[ent.end:e],
                                 "rule:org_subunit")
                    break
                # 华为技术有限公司: the company's legal name keeps the lexicon's canonical name.
                if word in rules.org_legal_forms:
                    ent = Entity(ent.start, e, text[ent.start:e], "ORG", ent.canonical, "rule:org_suffix")
                    break
                # 东方财富证券, 腾讯科技, 阿里健康: a suffix or a group's trade right after the name makes another
                # organisation of the group.
                if j == i and (word in rules.org_suffix_set
                               or (word in rules.org_arm_words and ent.canonical in company_names())) \
                        and text[ent.start:e] not in rules.generic_nouns:
                    ent = Entity(ent.start, e, text[ent.start:e], "ORG", text[ent.start:e], "rule:org_suffix")
                    break
                # Only ordinary nouns (计算机, 电子工程), joined by 与/和, stand between an organisation and its unit.
                tag = tags.get(word, "")
                if not (tag[:1] == "n" or tag == "vn" or word in ("与", "和", "及")) or word in rules.generic_nouns:
                    break
                j += 1
        out.append(ent)
    return out


def _with_given_names(text: str, found: list[Entity], bounds: _Boundaries, rules: EntityRules) -> list[Entity]:
    """Return lexicon people with the given name written before them joined (埃隆·|马斯克 -> 埃隆·马斯克): the
    full name is the mention and its canonical name, which the person's other mentions in the text take.
    The given name is the word before the joiner: two to four Han characters of transliteration or a word
    jieba's dictionary lacks (埃隆)."""
    out = []
    for ent in found:
        if ent.label == "PERSON" and ent.start > 1 and text[ent.start - 1] in rules.name_joiners:
            i = bisect_right(bounds.token_starts, ent.start - 2) - 1
            word, ws, we = bounds.tokens[i] if i >= 0 else ("", 0, 0)
            if we == ent.start - 1 and 2 <= len(word) <= 4 and _HAN.match(word) and (
                    word not in _jieba_tags() or all(ch in rules.transliteration_chars for ch in word)):
                full = text[ws:ent.end]
                ent = Entity(ws, ent.end, full, "PERSON", full, ent.method)
        out.append(ent)
    return out


def _unit_word(word: str, rules: EntityRules) -> bool:
    # 计算机系 ends in 机系, no word; 相互关系 ends in 关系, a common one.
    return len(word) >= 3 and _jieba_freqs().get(word[-2:], 0) < rules.common_word_min_freq


def _is_name_like(word: str, rules: EntityRules) -> bool:
    if word in rules.org_prefix_stop:
        return False
    tag = _jieba_tags().get(word)
    if len(word) < 2 or word in rules.generic_nouns:
        return False
    if tag is None:
        if _HAN.match(word):
            return (len(word) <= 4 and word[0] not in rules.name_start_stop_chars
                    and not rules.name_inner_stop_chars & set(word))
        return bool(re.match(r"[A-Za-z][A-Za-z0-9]*\Z", word))
    # Longer dictionary words tagged as names are mostly phrases (大力发展 is tagged nz).
    return tag in rules.name_tags and len(word) <= 3


def _is_coined(word: str, rules: EntityRules) -> bool:
    # A Han word of 2-4 characters jieba's dictionary lacks (HMM joined it) that no lexicon holds (芯业, 芯存).
    return (2 <= len(word) <= 4 and bool(_HAN.match(word)) and word not in _jieba_tags()
            and word[0] not in rules.name_start_stop_chars and not rules.name_inner_stop_chars & set(word)
            and load_lexicon().lookup(word) is None)


@cache
def _given_name_shares() -> dict[str, float]:
    # Per character: the share of its appearances in the NER train corpora that stand in a given name.
    return {ch: int(in_names) / max(int(in_text), 1)
            for ch, in_names, in_text in load("entities/given_name_chars.tsv")}


def _is_given_name(given: str, rules: EntityRules) -> bool:
    shares = _given_name_shares()
    freqs = _jieba_freqs()
    return all(shares[ch] >= rules.given_name_char_min_share if ch in shares
               else freqs.get(ch, 0) <= rules.given_name_unseen_char_max_freq for ch in given)


def _is_rare_word(word: str, rules: EntityRules) -> bool:
    # A dictionary word jieba has seen only a few times (见闻录, 新能源) and no generic noun.
    freq = _jieba_freqs().get(word)
    return (freq is not None and freq < rules.given_name_max_freq and 2 <= len(word) <= 3
            and bool(_HAN.match(word)) and word not in rules.generic_nouns and word not in rules.org_prefix_stop)


def _org_suffix_of(word: str, rules: EntityRules) -> str | None:
    # The suffix is the word itself, or ends a word one character longer (工程学院 is no suffix, 分行 is).
    if word in rules.org_suffix_set:
        return word
    if len(word) >= 3 and word[1:] in rules.org_suffix_set:
        return word[1:]
    return None


@dataclass(slots=True)
class _NameBefore:
    """What lies before an organisation suffix: where the name starts and what kind of words it holds."""

    start: int
    has_name: bool = False
    has_place: bool = False
    has_rare: bool = False


def _name_before_suffix(text: str, tokens: list[tuple[str, int, int]], k: int, rules: EntityRules) -> _NameBefore:
    """Return the name that runs left from the suffix token `k` over names, places and rare words."""
    lex = load_lexicon()
    s = tokens[k][1]
    name = _NameBefore(s)
    j = k - 1
    while j >= 0 and s - tokens[j][1] <= 8:
        prev = tokens[j][0]
        # One-character abbreviations (西, 美) name places only in the model's view, not inside a name.
        hit = lex.lookup(prev) if len(prev) > 1 else None
        if hit and hit[1] == "GPE":
            # Only a province or city makes a name by itself (上海银行); a country does not (日本证券).
            name.has_place = name.has_place or _is_division(hit[0], rules)
        elif hit:
            # A known organisation or person before the suffix (北京大学 智能, 白宫和特朗普 集团) stays itself.
            break
        elif _is_name_like(prev, rules):
            name.has_name = True
        elif j > 0 and _is_rare_word(prev, rules) and len(tokens[j - 1][0]) > 1 \
                and _is_division((lex.lookup(tokens[j - 1][0]) or ("", ""))[0], rules):
            # After a place, a rare dictionary word is a name too (浙江|见闻录|半导体).
            name.has_rare = True
        else:
            _take_single_character_run(text, tokens, j, s, name, rules)
            break
        name.start = tokens[j][1]
        j -= 1
    return name


def _take_single_character_run(text: str, tokens: list[tuple[str, int, int]], j: int, s: int, name: _NameBefore,
                               rules: EntityRules) -> None:
    # jieba leaves a coined name it cannot place as single characters (粤|芯|半导体): at a clause start, the run
    # of them right before the suffix is the name.
    run = j
    while run >= 0 and len(tokens[run][0]) == 1 and _HAN.match(tokens[run][0]) \
            and tokens[run][0] not in rules.name_end_stop_chars and s - tokens[run][1] <= 8:
        run -= 1
    at_clause_start = run < 0 or not _HAN_CHAR.match(tokens[run][0][-1])
    if (j - run >= 2 and name.start == s and at_clause_start
            and tokens[run + 1][0] not in rules.name_start_stop_chars
            and text[tokens[run + 1][1]:s] not in rules.org_prefix_stop):
        name.has_name = True
        name.start = tokens[run + 1][1]


def _name_end_after_suffix(tokens: list[tuple[str, int, int]], k: int, name: _NameBefore,
                           rules: EntityRules) -> int:
    """Return where the name ending in the suffix token `k` ends: after its legal form and a coined brand.

    A coined word jieba's dictionary lacks right after the name, perhaps with one more noun, is a brand within
    it where the whole then ends at a number, Latin text or punctuation (陕西电子|芯业|时代|8英寸); before more
    Han text it is as often the next word (某某证券|研报|表示). Such a brand makes a place and a suffix a name,
    as a rare word does (it sets `name.has_rare`).
    """
    e = tokens[k][2]
    # 某某新能源科技|有限公司: the legal form after the name belongs to it.
    last = k
    while last + 1 < len(tokens) and tokens[last + 1][1] == e and tokens[last + 1][0] in rules.org_legal_forms:
        last += 1
        e = tokens[last][2]
    if last + 1 < len(tokens) and tokens[last + 1][1] == e and _is_coined(tokens[last + 1][0], rules):
        tail = last + 1
        if tail + 1 < len(tokens) and _jieba_tags().get(tokens[tail + 1][0]) in rules.org_event_name_tags \
                and _HAN.match(tokens[tail + 1][0]) and tokens[tail + 1][0] not in rules.generic_nouns:
            tail += 1
        if tail + 1 == len(tokens) or not _HAN_CHAR.match(tokens[tail + 1][0][0]):
            name.has_rare = True
            e = tokens[tail][2]
    return e


def _legal_name_canonical(surface: str, rules: EntityRules) -> str:
    # 华为技术有限公司 -> 华为: a known organisation with its legal form keeps the lexicon's name.
    for legal in rules.org_legal_forms:
        head = load_lexicon().lookup(surface[: -len(legal)]) if surface.endswith(legal) else None
        if head and head[1] == "ORG":
            return head[0]
    return surface


def org_suffix_entities(text: str, bounds: _Boundaries, taken: _Taken, found: list[Entity],
                        rules: EntityRules) -> list[Entity]:
    """Return organisations found by suffix: name-like words, then 公司/集团/科技/医疗/大学/... (联影医疗).

    A lexicon place the name contains is removed from `found` and `taken`.
    """
    places = {(ent.start, ent.end) for ent in found if ent.label == "GPE" and ent.method == "lexicon"}
    out, gone = [], set()
    tokens = bounds.tokens
    suffixes = rules.org_suffix_set  # _org_suffix_of's test, inline: it is asked of every distinct word
    suffixed = {word for word in bounds.words() if word in suffixes or (len(word) >= 3 and word[1:] in suffixes)}
    for k in bounds.indices_of(suffixed):
        word, s, _e = tokens[k]
        suffix = _org_suffix_of(word, rules)
        if k == 0:
            continue
        name = _name_before_suffix(text, tokens, k, rules)
        e = _name_end_after_suffix(tokens, k, name, rules)
        start = name.start
        if start == s or not (name.has_name or (name.has_place and (
                name.has_rare or suffix in rules.org_suffixes_after_place))):
            continue
        # A place inside the name (浙江 in 浙江某某半导体) gives way to the organisation.
        inner = taken.spans_overlapping(start, e)
        if any(not (start <= a and b <= e) or (a, b) not in places for a, b in inner):
            continue
        surface = text[start:e]
        if surface in rules.generic_nouns:
            continue
        _remove_mentions(inner, found, taken, gone)
        canonical = _legal_name_canonical(surface, rules)
        _claim(out, taken, Entity(start, e, surface, "ORG", canonical, "rule:org_suffix"))
    _forget(found, gone)
    return out


def _is_city_or_province(ent: Entity) -> bool:
    # A lexicon place that makes part of a company's name (江苏, 上海): a province or city, not a country.
    return ent.label == "GPE" and ent.method == "lexicon" and _is_division(ent.canonical, entity_rules())


def _is_division(canonical: str, rules: EntityRules) -> bool:
    # 香港, 台湾 and 澳门 are named without their division's ending, as the other divisions are not.
    return canonical.endswith(rules.division_endings) or canonical in rules.divisions_named_short


def _by_span(found: list[Entity]) -> dict[tuple[int, int], list[Entity]]:
    """Return the mentions of `found` by (start, end), in their order: a lookup, not a scan of the list."""
    index: dict[tuple[int, int], list[Entity]] = {}
    for ent in found:
        index.setdefault((ent.start, ent.end), []).append(ent)
    return index


def _remove_mentions(spans: list[tuple[int, int]], found: list[Entity], taken: _Taken,
                     gone: set[tuple[int, int]] | None = None) -> None:
    """Remove the mentions at `spans` from `taken` and `found`; with `gone`, from `found` later, in one pass.

    A pass that does not read `found` in its loop collects the spans in `gone` and calls `_forget` once: a
    rebuild of the list for each removal was quadratic in the length of the text.
    """
    for span in spans:
        taken.remove(*span)
    if gone is not None:
        gone.update(spans)
        return
    _forget(found, set(spans))


def _forget(found: list[Entity], gone: set[tuple[int, int]]) -> None:
    if gone:
        found[:] = [ent for ent in found if (ent.start, ent.end) not in gone]


def org_event_entities(text: str, bounds: _Boundaries, taken: _Taken, found: list[Entity],
                       rules: EntityRules) -> list[Entity]:
    """Return organisations named right before an event only a company goes through (引入某某杰创|重整).

    The name runs left from the event word over nouns and words jieba's dictionary lacks, up to the nearest
    verb, function word or punctuation, or up to a province or city, which it takes in (江苏某某芯存|重整失败).
    It must hold an unknown word; a province or city inside it is removed from `found` and `taken`.
    """
    tags = _jieba_tags()
    lex = load_lexicon()
    places = {(ent.start, ent.end) for ent in found if _is_city_or_province(ent)}
    out, gone = [], set()
    tokens = bounds.tokens
    for k, _word, s, _e in _tokens_among(bounds, rules.org_event_words):
        start, unknown, place = s, False, None
        j = k - 1
        while j >= 0 and s - start <= rules.org_event_max_chars:
            w, ws, we = tokens[j]
            if (ws, we) in places:
                if start < s:
                    start, place = ws, (ws, we)
                break
            if not _HAN.match(w) or taken.overlaps(ws, we) or w in rules.generic_nouns \
                    or w in rules.org_prefix_stop or w in rules.product_nouns:
                break
            tag = tags.get(w)
            if tag is None:
                unknown = True
            elif tag not in rules.org_event_name_tags:
                break
            start = ws
            j -= 1
        surface = text[start:s]
        if not unknown or not rules.org_event_min_chars <= len(surface) <= rules.org_event_max_chars \
                or surface[0] in rules.name_start_stop_chars or surface[-1] in rules.org_event_end_stop_chars \
                or lex.lookup(surface):
            continue
        if place:
            _remove_mentions([place], found, taken, gone)
        _claim(out, taken, Entity(start, s, surface, "ORG", surface, "rule:org_event"))
    _forget(found, gone)
    return out


_LATIN_WORD = re.compile(r"[A-Za-z]+\Z")
_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[.\-][A-Za-z0-9]+)*\Z")


def _coined_product(text: str, start: int, end: int, bounds: _Boundaries, found: list[Entity],
                    rules: EntityRules, *, at_end: bool) -> tuple[int, int, Entity | None] | None:
    """Return (start, end, brand mention) of a product name in the list item text[start:end], or None.

    A product name is a Latin name filling the item (z.ai), or a known organisation followed by one coined
    word (智谱|清言): at the item's end for an item before the product the list is anchored on, at its start
    for one after it.
    """
    item = text[start:end]
    if _LATIN_NAME.match(item) and item not in rules.generic_nouns and not rules.product_code_stop.match(item):
        return start, end, None
    for brand in found:
        if brand.label != "ORG" or not (start <= brand.start and brand.end < end):
            continue
        if not at_end and brand.start != start:
            continue
        i = bounds.index_at(brand.end)
        if i is None:
            continue
        word, ws, we = bounds.tokens[i]
        if at_end and we != end:
            continue
        if not _HAN.match(word) or not 1 <= len(word) <= 4 or word in rules.generic_nouns \
                or word in rules.product_nouns or word in rules.org_suffix_set or word[0] in rules.name_start_stop_chars:
            continue
        if _jieba_freqs().get(word, 0) >= rules.common_word_min_freq:
            continue
        return brand.start, we, brand
    return None


class _ListItems:
    """The items of the lists in a text: the stretches between list separators (、和与) inside one clause.

    Clause breaks and separators are found once per text, and a product's items are read from them by
    bisection: searching the clause for each product was quadratic in a text of one long clause.
    """

    def __init__(self, text: str, rules: EntityRules):
        self.size = len(text)
        breaks = [m.span() for m in rules.clause_breaks.finditer(text)]
        self.break_starts = [a for a, _ in breaks]
        self.break_ends = [b for _, b in breaks]
        # A separator holds no clause break, so the separators of a clause are those found in the whole text.
        seps = [m.span() for m in rules.product_list_separators.finditer(text)]
        self.sep_starts = [a for a, _ in seps]
        self.sep_ends = [b for _, b in seps]

    def around(self, start: int, end: int) -> tuple[_Items, int] | None:
        """Return `(items, here)`: the items of the clause holding [start, end) and the index of the one
        holding it; None when the clause is no list or no single item holds the span."""
        before = bisect.bisect_right(self.break_ends, start)
        clause_start = self.break_ends[before - 1] if before else 0
        after = bisect.bisect_left(self.break_starts, end)
        clause_end = self.break_starts[after] if after < len(self.break_starts) else self.size
        lo = bisect.bisect_left(self.sep_starts, clause_start)
        hi = bisect.bisect_right(self.sep_ends, clause_end, lo)
        if hi == lo:
            return None
        items = _Items(self, clause_start, clause_end, lo, hi)
        here = bisect.bisect_right(self.sep_ends, start, lo, hi) - lo
        a, b = items[here]
        if not (a <= start and end <= b):
            return None
        return items, here


class _Items:
    """The items of one clause, read on demand (a product's neighbours are a few of them)."""

    def __init__(self, lists: _ListItems, clause_start: int, clause_end: int, lo: int, hi: int):
        self.lists, self.clause_start, self.clause_end, self.lo, self.hi = lists, clause_start, clause_end, lo, hi

    def __len__(self) -> int:
        return self.hi - self.lo + 1

    def __getitem__(self, k: int) -> tuple[int, int]:
        if not 0 <= k < len(self):
            raise IndexError(k)
        a = self.clause_start if k == 0 else self.lists.sep_ends[self.lo + k - 1]
        b = self.clause_end if self.lo + k == self.hi else self.lists.sep_starts[self.lo + k]
        return a, b


def coordinated_product_entities(text: str, bounds: _Boundaries, taken: _Taken, found: list[Entity],
                                 rules: EntityRules) -> list[Entity]:
    """Return products listed beside a product (智谱清言、z.ai和智谱开放平台BigModel).

    In such a list a known brand followed by a coined word, or a Latin name, is a product too; the brand
    mention inside it is removed from `found` and `taken` (the product's name holds the brand).
    """
    products = [ent for ent in found if ent.label == "PRODUCT"]
    if not products:  # most texts name none: the lists are not worth finding (two scans of the text)
        return []
    out = []
    lists = _ListItems(text, rules)
    for product in products:
        items = lists.around(product.start, product.end)
        if items is None:
            continue
        items, here = items
        for order, at_end in ((range(here - 1, -1, -1), True), (range(here + 1, len(items)), False)):
            for k in order:
                a, b = items[k]
                if b - a > rules.product_list_max_chars and at_end and k != here - 1:
                    break
                hit = _coined_product(text, a, b, bounds, found, rules, at_end=at_end)
                if hit is None:
                    break
                start, end, brand = hit
                inner = taken.spans_overlapping(start, end)
                if brand is not None:
                    if inner != [(brand.start, brand.end)]:
                        break
                    _remove_mentions(inner, found, taken)
                elif inner:
                    break
                name = text[start:end]
                _claim(out, taken, Entity(start, end, name, "PRODUCT", name, "rule:product_list"))
                if not at_end or start > a:
                    break   # the list starts here (称|智谱清言) or goes on past its own words
    return out


def repeated_entities(text: str, bounds: _Boundaries, taken: _Taken, found: list[Entity],
                      rules: EntityRules) -> list[Entity]:
    """Return further mentions of the names a rule or the model found once in this text.

    One sense per discourse: a name found where its context gave it away (江苏某某芯存 before 重整失败) is the
    same name elsewhere in the text, wherever it stands on word boundaries; provinces and cities inside it
    give way to it. Lexicon names need no help (the lexicon finds them everywhere).
    """
    first: dict[str, Entity] = {}
    model_finds = Counter(ent.text for ent in found if ent.method.startswith("model:"))
    for ent in found:
        # A Latin word without digits (Mark, Deepseek) is as often an ordinary word or another name elsewhere.
        # (These cheap tests first: most mentions are short lexicon names, and then the shape is not asked.)
        if ent.text in first or (len(ent.text) < rules.repeat_min_chars and ent.method != "rule:pseudonym") \
                or (_LATIN_WORD.match(ent.text) and ent.method != "rule:org_noun"):
            continue
        # Only a strong rule's find spreads, or a name the model itself found more than once: one model guess
        # copied everywhere (a drug name as a place sixty times) costs more than the repetitions it finds.
        # The unknown-name guess (a surname and one or two characters) is too weak to spread.
        strong = (ent.method.startswith("rule:") and ent.method != "rule:unknown_name") \
            or _has_strong_shape(ent, rules)
        if strong or model_finds[ent.text] >= rules.repeat_model_min_finds:
            first[ent.text] = ent
    if not first:
        return []
    out, gone = [], set()
    by_span = _by_span(found)
    for surface, ent in first.items():
        pos = text.find(surface)
        while pos != -1:
            end = pos + len(surface)
            if pos in bounds.starts and end in bounds.ends:
                inner = taken.spans_overlapping(pos, end)
                places = [(x.start, x.end) for span in inner for x in by_span.get(span, ())
                          if pos <= x.start and x.end <= end and _is_city_or_province(x)]
                if len(places) == len(inner):
                    for span in places:
                        by_span.pop(span, None)
                    _remove_mentions(places, found, taken, gone)
                    _claim(out, taken, Entity(pos, end, surface, ent.label, ent.canonical, "rule:repeat"))
            pos = text.find(surface, end)
    _forget(found, gone)
    return out


def _has_strong_shape(ent: Entity, rules: EntityRules) -> bool:
    """Return whether a model's name has the shape of its label beyond doubt: a head noun after a long name
    (香港海防博物馆), a person's or organisation's name of transliteration characters only (毕加索, 本菲卡), or
    a person's name of a surname and a given name."""
    name = ent.text
    if len(name) >= rules.repeat_model_head_min_chars and name.endswith(rules.repeat_model_heads):
        return True
    if ent.label not in ("PERSON", "ORG") or not _HAN.match(name):
        return False
    # A transliterated name: a person, or a foreign club or firm (本菲卡, 那不勒斯) read as an organisation.
    if len(name) >= 3 and all(ch in rules.transliteration_chars for ch in name):
        return True
    if ent.label != "PERSON":
        return False
    # A surname and a two-character given name (王文涛); one character after a surname (比特) is as often a word.
    surname = 2 if name[:2] in rules.surnames_compound else 1 if name[0] in rules.surnames else 0
    return surname > 0 and len(name) - surname == 2


def _person_after(text: str, pos: int, bounds: _Boundaries, rules: EntityRules) -> int | None:
    """Return the end of a person's name starting at `pos`, or None where no name starts there."""
    if pos >= len(text):
        return None
    foreign = _transliterated_name_end(text, pos, bounds, rules)
    if foreign is not None and foreign - pos > 3:
        return foreign
    candidates = []
    if text[pos:pos + 2] in rules.surnames_compound:
        candidates = [pos + 4, pos + 3]
    elif text[pos] in rules.surnames:
        candidates = [pos + 3, pos + 2]
    for end in candidates:
        name = text[pos:end]
        if end <= len(text) and _HAN.match(name) and (end in bounds.ends or _joiner_glued(text, end, bounds, rules)) \
                and name[-1] not in rules.name_end_stop_chars \
                and (not _holds_common_word(pos, end, bounds, rules) or _name_closed(text, end, len(name), rules)):
            return end
    return foreign


def _joiner_glued(text: str, end: int, bounds: _Boundaries, rules: EntityRules) -> bool:
    """Return whether a name ending at `end` lost its last character to a word with the list joiner after it
    (副市长赵卿|惠及|环保局长: jieba reads 惠及, "benefit"): the joiner then starts the next item of a list."""
    return 0 < end < len(text) and text[end] in rules.list_separators and end - 1 in bounds.starts \
        and end + 1 in bounds.ends


def _name_closed(text: str, end: int, length: int, rules: EntityRules) -> bool:
    """Return whether a three-character name after a title is closed off by a clause break or a speech verb
    (主任阚全程|介绍, 车手司徒永信|。, 董事任玮|、, 承办人员：周家模|　): a name whose given name is a common
    word (全程) is then still the name."""
    if length < 3 or end >= len(text):
        return length >= 3 and end == len(text)
    return text[end] in "。，、；：！？,;:!?\n 　" or any(text.startswith(cue, end) for cue in rules.person_after_cues)


def _transliterated_name_end(text: str, pos: int, bounds: _Boundaries, rules: EntityRules) -> int | None:
    """Return the end of the longest run of transliteration characters from `pos` ending on a word edge."""
    end = pos
    while end < len(text) and text[end] in rules.transliteration_chars and end - pos < rules.transliteration_max_chars:
        end += 1
    while end - pos >= rules.transliteration_min_chars:
        # 于, 坦 spell names but end clauses too (罗宾·西克|于2013年): a name does not end on one.
        if end in bounds.ends and text[end - 1] != "·" and text[end - 1] not in rules.name_end_stop_chars \
                and not _holds_common_word(pos, end, bounds, rules, foreign=True):
            return end
        end -= 1
    return None


def _holds_common_word(start: int, end: int, bounds: _Boundaries, rules: EntityRules, *, foreign: bool = False) -> bool:
    # 任期, 许多, 公开: a dictionary word of two or more characters that is no name makes the span no name.
    # A rarer word after a single-character surname (李|明远) may be the given name.
    tags = _jieba_tags()
    i = bounds.index_at(start)
    if i is None:
        i = bisect_left(bounds.token_starts, start)
    while i < len(bounds.tokens) and bounds.tokens[i][1] < end:
        word, w_start, _ = bounds.tokens[i]
        if len(word) >= 2 and word in tags:
            freq = _jieba_freqs()[word]
            # A foreign name's syllables (波多|利亚克) are often rare dictionary words: only common ones count.
            if foreign:
                if freq >= rules.common_word_min_freq or (w_start == start and bounds.tokens[i][2] == end
                                                          and tags[word] not in rules.person_tags):
                    return True
            elif tags[word] not in rules.person_tags and (w_start == start or freq >= rules.given_name_max_freq):
                return True
            if w_start == start and bounds.tokens[i][2] == end and freq >= rules.common_word_min_freq:
                return True
        i += 1
    return False


def title_person_entities(text: str, bounds: _Boundaries, taken: _Taken,
                          rules: EntityRules) -> list[Entity]:
    """Return people named right after a title or role (总统特朗普, 教授翟季冬)."""
    out = []
    for k, _word, s, e in _tokens_among(bounds, rules.person_titles):
        # In a chain of titles (总统|顾问|波多利亚克) the name follows the last one.
        if k + 1 < len(bounds.tokens) and bounds.tokens[k + 1][0] in rules.person_titles:
            continue
        # A byline or contact line sets the name off from the role (评论员 贾运可, 联系人：周家模).
        e = e + len(text[e:e + 2]) - len(text[e:e + 2].lstrip(rules.title_name_separators))
        end = _person_after(text, e, bounds, rules)
        if end is None or taken.overlaps(e, end):
            continue
        name = text[e:end]
        if name in rules.generic_nouns or name in rules.person_titles:
            continue
        hit = load_lexicon().lookup(name)
        if hit and hit[1] != "PERSON":
            continue
        _claim(out, taken, Entity(e, end, name, "PERSON", hit[0] if hit else name, "rule:title_person"))
    return out


def contact_line_entities(text: str, bounds: _Boundaries, taken: _Taken, rules: EntityRules) -> list[Entity]:
    """Return the people and sections of a press release's contact lines: a name after a role and a colon
    (承办人员：周家模, whose role jieba splits), a section after 承办单位： or after its body and a space
    (臺南市政府研考會 研青科 王璽雯): the lines name them for readers to call."""
    out: list[Entity] = []
    if "：" not in text and ":" not in text and " " not in text and "　" not in text:
        return out    # every contact line parts role and name, or body and section, by a colon or a space
    for match in _matches(text, "contact_person", rules):
        end = _person_after(text, match.end(), bounds, rules)
        if end is not None and not taken.overlaps(match.end(), end):
            name = text[match.end():end]
            _claim(out, taken, Entity(match.end(), end, name, "PERSON", name, "rule:contact_line"))
    for match in [*_matches(text, "contact_section", rules), *rules.contact_section_after_body.finditer(text)]:
        start, end = match.span(1)
        if not taken.overlaps(start, end):
            _claim(out, taken, Entity(start, end, text[start:end], "ORG", text[start:end], "rule:contact_line"))
    return out


def pseudonym_person_entities(text: str, bounds: _Boundaries, taken: _Taken, rules: EntityRules) -> list[Entity]:
    """Return people named with a note that the name is a pseudonym (小枫(化名)): the note says a person is
    meant, whatever the name's characters. The name is the longest of the characters before the note that
    starts on a word edge (被害人|小枫, not 人小枫)."""
    out: list[Entity] = []
    for match in _matches(text, "person_pseudonym", rules):
        start, end = match.span(1)
        start = next((s for s in range(start, end - 1) if s in bounds.starts), None)
        if start is None:
            continue
        name = text[start:end]
        if not taken.overlaps(start, end) and name not in rules.generic_nouns:
            _claim(out, taken, Entity(start, end, name, "PERSON", name, "rule:pseudonym"))
    return out


def latin_person_entities(text: str, taken: _Taken, rules: EntityRules) -> list[Entity]:
    """Return people named in Latin script after a title (分析师 Catherine Lim, CEO Andy Ory), a second name
    joined to such a name (Catherine Lim 和 Trini Tan), and every other mention of a name so found, in full
    or by its surname (Boger 表示 after Yuval Boger).

    A name is two to four capitalised words (rules.yaml latin_person_name). Before a speech verb such words
    are as often a company or a product (Google Cloud 表示, Open Data 称), so a verb alone does not make one.
    """
    out: list[Entity] = []
    if not _CAPITAL.search(text):
        return out    # every name starts with a capital: half the news texts hold none
    titles = tuple(rules.person_titles)
    for match in rules.latin_person_name.finditer(text):
        start, end = match.span()
        joined = bool(out) and out[-1].end <= start and rules.latin_person_joiner.fullmatch(text[out[-1].end:start])
        if not (joined or text[:start].rstrip(" ").endswith(titles)) \
                or taken.overlaps(start, end) or load_lexicon().lookup(match.group()) is not None:
            continue
        _claim(out, taken, Entity(start, end, match.group(), "PERSON", match.group(), "rule:latin_person"))
    full = {ent.text: ent.text for ent in out}
    full.update({name.rsplit(" ", 1)[-1]: name for name in list(full)})
    if full:
        names = "|".join(map(re.escape, sorted(full, key=len, reverse=True)))
        for match in re.finditer(f"(?<![A-Za-z.\\-])(?:{names})(?![A-Za-z\\-])", text):
            if not taken.overlaps(*match.span()):
                _claim(out, taken, Entity(*match.span(), match.group(), "PERSON", full[match.group()],
                                          "rule:latin_person"))
    return out


def author_list_person_entities(text: str, taken: _Taken, rules: EntityRules) -> list[Entity]:
    """Return the authors of a paper listed before "et al." in a reference (William Kawahara, Belen Rivera,
    et al.), each a person; a name written in capitals (KONRAD GRONKE) is canonical in title case."""
    out: list[Entity] = []
    if not _CAPITAL.search(text):
        return out    # every author's name starts with a capital
    for match in _matches(text, "latin_author_list", rules):
        start, end = match.span(1)
        for a, b in _list_items(text, start, end):
            name = text[a:b]
            if taken.overlaps(a, b) or load_lexicon().lookup(name) is not None:
                continue
            canonical = name.title() if name.isupper() else name
            _claim(out, taken, Entity(a, b, name, "PERSON", canonical, "rule:latin_person"))
    return out


def with_bracketed_originals(text: str, found: list[Entity], rules: EntityRules) -> list[Entity]:
    """Return the mentions with a name's original in brackets right after it taking its canonical name:
    马克斯·泰格马克（Max Tegmark） is one person, named in Chinese. A name found inside the brackets keeps its
    label; one no source found is added with the name's label, and so is one of which a source found only
    a part (卡茨（Israel Katz）: Israel is the country's name, a word of the person's). After a company, a
    ticker's shape in brackets (莎莉美容控股公司（SBH）) is its ticker, no mention."""
    out = list(found)
    for ent in found:
        match = rules.bracketed_original.match(text, ent.end) if ent.label != "PRODUCT" else None
        if not match:
            continue
        a, b = match.span(1)
        inner = [x for x in out if x.start < b and a < x.end]
        if len(inner) == 1 and (inner[0].start, inner[0].end) == (a, b):
            if ent.label == "PERSON" and inner[0].label == "PERSON":
                out[out.index(inner[0])] = replace(inner[0], canonical=ent.canonical)
        elif all(a <= x.start and x.end <= b and x.label != ent.label for x in inner) \
                and not (ent.label == "ORG" and rules.ticker.fullmatch(match.group(1))):
            out = [x for x in out if x not in inner]
            canonical = ent.canonical if ent.label in ("PERSON", "GPE", "LOC") else match.group(1)
            out.append(Entity(a, b, match.group(1), ent.label, canonical, "rule:bracketed_original"))
    return out


def latin_org_cue_entities(text: str, taken: _Taken, rules: EntityRules) -> list[Entity]:
    """Return organisations named in Latin script before one of their people's titles (PCI-SIG 总裁,
    Insight 64 研究员), as a report's or picture's source (据 TechPowerUp 报道, 来源：arXiv) or in a list of
    companies (IonQ、Quantinuum 等公司), or a journal (杂志*British Journal of Surgery*): the cue says an
    organisation is meant. A name shaped like a person's is one only where its last word is no organisation's
    (Valor Equity Partners)."""
    out: list[Entity] = []
    lex = load_lexicon()
    if not _CAPITAL.search(text) and "来源" not in text and "图源" not in text:
        return out    # every cue's name holds a capital, but a source's (arXiv)
    # A code's shape (a word of mixed case, H200) says product, but for a report's source or a journal, which
    # only an organisation is (据 TechPowerUp 报道), and for a name of several words (Valor Equity Partners).
    for pattern, coded in (("latin_org_before_title", True), ("latin_org_reporting", False),
                           ("latin_org_source", True), ("latin_org_list", True), ("latin_org_journal", False)):
        for match in _matches(text, pattern, rules):
            for start, end in _list_items(text, *match.span(1)):
                name = text[start:end]
                hit = lex.lookup(name)
                if taken.overlaps(start, end) or name in rules.generic_nouns \
                        or (coded and " " not in name and rules.product_code_stop.match(name)) \
                        or (hit is not None and hit[1] != "ORG") or (rules.latin_person_name.fullmatch(name)
                                                                     and name.rsplit(" ", 1)[-1] not in rules.latin_org_words):
                    continue
                _claim(out, taken, Entity(start, end, name, "ORG", hit[0] if hit else name, "rule:org_noun"))
    return out


_LIST_SEPARATOR = re.compile(" ?[、,，] ?")


def _list_items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Return the (start, end) of each item of the list text[start:end], parted by 、 or commas."""
    items, pos = [], start
    for sep in _LIST_SEPARATOR.finditer(text, start, end):
        items.append((pos, sep.start()))
        pos = sep.end()
    return [*items, (pos, end)]


def _forget_names_in_publication_titles(text: str, taken: _Taken, found: list[Entity], rules: EntityRules) -> None:
    """Remove from `found` the known names inside the title of a newspaper or magazine in 《》 (秘鲁 in
    《秘鲁人报》, 成都 in 《成都商报》): the place names the publication there.

    The title itself is left unclaimed although the guideline counts a publication as an organisation: the
    NER corpora mark titles apart (CLUENER's book) or not at all, and claiming them cost 0.002 F1 there.
    """
    for match in rules.publication_title.finditer(text):
        start, end = match.span(1)
        spans = taken.spans_overlapping(start, end)
        if spans and all(start <= a and b <= end for a, b in spans):
            _remove_mentions(spans, found, taken)


def org_noun_latin_entities(text: str, bounds: _Boundaries, taken: _Taken, rules: EntityRules) -> list[Entity]:
    """Return organisations named in Latin script right after a noun for a kind of organisation (初创公司
    QuEra, 合资企业Aduna, 市场研究公司NielsenIQ, 分析师机构 IDC): the noun introduces the name."""
    out: list[Entity] = []
    if not _CAPITAL.search(text):
        return out    # every name starts with a capital: no need to look at every word's ending
    lex = load_lexicon()
    for _k, word, _s, e in _tokens_among_endings(bounds, rules.org_kind_nouns):
        match = rules.latin_org_name.match(text, e)
        if not match:
            continue
        start, end = match.span(1)
        name = match.group(1)
        hit = lex.lookup(name)
        if taken.overlaps(start, end) or name in rules.generic_nouns or name in rules.person_titles \
                or rules.product_code_stop.match(name) or (hit is not None and hit[1] != "ORG"):
            continue
        _claim(out, taken, Entity(start, end, name, "ORG", hit[0] if hit else name, "rule:org_noun"))
    return out


def _tokens_among_endings(bounds: _Boundaries, endings: tuple[str, ...]):
    """Yield the (index, word, start, end) of every token ending in one of `endings` (初创公司, 研究公司)."""
    for k in bounds.indices_of({word for word in bounds.words() if word.endswith(endings)}):
        yield k, *bounds.tokens[k]


def country_pair_entities(text: str, bounds: _Boundaries, taken: _Taken, rules: EntityRules) -> list[Entity]:
    """Return the two countries of a pair of one-character abbreviations before a word of relations between
    them (中秘两国, 中斯关系, 中泰合作): each character is the country's mention, as in 中美."""
    out: list[Entity] = []
    for match in _country_pair_pattern(rules.country_pair.pattern).finditer(text):
        pos = match.start()
        if pos not in bounds.starts or pos + 2 not in bounds.ends or taken.overlaps(pos, pos + 2) \
                or _jieba_freqs().get(text[pos:pos + 2], 0) > rules.country_pair_max_freq:
            continue
        countries = [_country_of_character(ch) for ch in text[pos:pos + 2]]
        if None in countries or countries[0] == countries[1]:
            continue
        for i, canonical in enumerate(countries):
            _claim(out, taken, Entity(pos + i, pos + i + 1, text[pos + i], "GPE", canonical, "rule:country_pair"))
    return out


@cache
def _country_pair_pattern(pattern: str) -> re.Pattern[str]:
    """Return rules.yaml's country_pair with its two characters narrowed to countries' abbreviations: the
    relation words (的 among them) are frequent, and a pair of any characters before them was tried each time."""
    chars = {surface for surface in load_lexicon().by_surface if len(surface) == 1} | set(place_abbreviations())
    countries = "".join(sorted(ch for ch in chars if _country_of_character(ch)))
    return re.compile(pattern.replace("[\\u4e00-\\u9fff]{2}", f"[{re.escape(countries)}]{{2}}", 1))


def _country_of_character(ch: str) -> str | None:
    # A country's one-character abbreviation (中, 美, 秘): the lexicon's or place_abbreviations.tsv's; a
    # Chinese division's (京, 港) names no country, and a character of several countries (巴) none.
    hit = load_lexicon().lookup(ch)
    if hit is not None:
        return hit[0] if hit[1] == "GPE" and hit[0] in state_names() and not is_local_place(hit[0]) else None
    return place_abbreviations().get(ch) or None


def with_listed_companies(text: str, found: list[Entity], rules: EntityRules) -> list[Entity]:
    """Return the mentions with a name a rule or the model read as a person or place made an organisation
    where a stock code follows it (埃夫特（SH688165）): only a listed company has one. Every other mention of
    the name that the lexicon did not find takes the label too."""
    listed = {ent.text for ent in found if ent.method != "lexicon" and ent.label in ("PERSON", "GPE", "LOC")
              and rules.stock_code.match(text, ent.end)}
    if not listed:
        return found
    return [Entity(ent.start, ent.end, ent.text, "ORG", ent.canonical, ent.method)
            if ent.text in listed and ent.method != "lexicon" else ent for ent in found]


_COMPANY_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "公司")


def with_table_tickers(text: str, found: list[Entity], rules: EntityRules) -> list[Entity]:
    """Return the mentions with each name in a stock table's cell beside its ticker (| 卡夫亨氏  KHC |) an
    organisation, replacing the pieces found inside it (卡夫|亨氏), and the ticker no mention. The canonical
    name is the lexicon's, else the name without its legal form (特许通讯公司 -> 特许通讯)."""
    for match in _matches(text, "table_ticker_cell", rules):
        (a, b), end = match.span(1), match.end(2)
        if not _HAN.match(text[a:b]) or any(ent.start < end and a < ent.end and not (a <= ent.start and ent.end <= end)
                                            for ent in found):
            continue
        name = text[a:b]
        hit = load_lexicon().lookup(name)
        form = next((f for f in _COMPANY_FORMS if name.endswith(f) and len(name) > len(f) + 1), "")
        canonical = hit[0] if hit and hit[1] == "ORG" else name[:len(name) - len(form)]
        found = [ent for ent in found if not (a <= ent.start and ent.end <= end)]
        found.append(Entity(a, b, name, "ORG", canonical, "rule:table_ticker"))
    return sorted(found, key=lambda ent: (ent.start, ent.end))


def coordinated_org_entities(text: str, bounds: _Boundaries, taken: _Taken, found: list[Entity],
                             rules: EntityRules) -> list[Entity]:
    """Return organisations listed beside one ending in the same suffix (联影医疗、推想医疗; A科技和B科技).

    In such a list the shared suffix marks each item as a name even where the item's first word is an
    ordinary word, which the suffix rule alone would not accept.
    """
    out = []
    for ent in list(found):
        # endswith(tuple) first: one C call rules out most organisations before the longest suffix is looked for.
        if ent.label != "ORG" or not ent.text.endswith(rules.org_suffixes):
            continue
        suffix = next((x for x in rules.org_suffixes if ent.text.endswith(x) and len(ent.text) > len(x)), None)
        if suffix is None:
            continue
        pos = ent.end
        while pos < len(text) and text[pos] in rules.list_separators:
            i = bounds.index_at(pos + 1)
            if i is None:
                break
            # The next item: up to four words ending in the same suffix, all Han, none a generic noun.
            item_end = None
            for j in range(i, min(i + 4, len(bounds.tokens))):
                word, _s, e = bounds.tokens[j]
                if j > i and (word == suffix or (word.endswith(suffix) and len(word) == len(suffix) + 1)):
                    item_end = e
                    break
                if not _HAN.match(word) or word in rules.generic_nouns or word in rules.org_prefix_stop:
                    break
            if item_end is None or item_end - (pos + 1) > rules.subunit_max_chars \
                    or item_end - (pos + 1) <= len(suffix) or taken.overlaps(pos + 1, item_end):
                break
            surface = text[pos + 1:item_end]
            if surface in rules.generic_nouns or surface[0] in rules.name_start_stop_chars:
                break
            _claim(out, taken, Entity(pos + 1, item_end, surface, "ORG", surface, "rule:org_coordination"))
            pos = item_end
    return out


def _person_before(text: str, end: int, bounds: _Boundaries, rules: EntityRules) -> int | None:
    """Return the start of a person's name ending at `end`, or None where no name ends there."""
    for length in (4, 3, 2):
        start = end - length
        if start < 0 or start not in bounds.starts:
            continue
        name = text[start:end]
        if name[:2] in rules.surnames_compound:
            surname_ok = length >= 3
        else:
            surname_ok = length <= 3 and name[0] in rules.surnames
        if name[1:] in rules.person_titles or name[-2:] in rules.person_after_cues:
            continue
        if surname_ok and _HAN.match(name) and not _holds_common_word(start, end, bounds, rules) \
                and not (start > 0 and text[start - 1] in rules.surnames and start - 1 not in bounds.starts):
            return start
    # A transliterated foreign name of three or more characters, starting on a word edge.
    start = end
    while (start > 0 and text[start - 1] in rules.transliteration_chars
           and end - start < rules.transliteration_max_chars):
        start -= 1
    while end - start >= 3:
        if start in bounds.starts and text[start] != "·" and not _holds_common_word(start, end, bounds, rules,
                                                                                     foreign=True):
            return start
        start += 1
    return None


def cue_person_entities(text: str, bounds: _Boundaries, taken: _Taken, rules: EntityRules) -> list[Entity]:
    """Return people named right before a speech verb or a title that follows names (张伟表示, 马克龙总统),
    also with their title between (研考会蒙志成主委表示). A title alone after a name is as often an office's
    (高新区主任), and a two-character name before a title and verb a company's (万科董事长表示): with a title
    between, the name has three characters or more and does not end as a place or body does."""
    out = []
    for k, _word, s, _e in _tokens_among(bounds, rules.person_after_cues):
        titled = k > 0 and bounds.tokens[k - 1][0] in rules.person_titles \
            and bounds.tokens[k - 1][0] not in rules.person_after_cues
        if titled:
            s = bounds.tokens[k - 1][1]
        start = _person_before(text, s, bounds, rules)
        if start is None or taken.overlaps(start, s) or (titled and (
                s - start < 3 or text[s - 1] in rules.dictionary_name_end_stop_chars)):
            continue
        name = text[start:s]
        if name in rules.generic_nouns or name in rules.person_titles or load_lexicon().lookup(name):
            continue
        _claim(out, taken, Entity(start, s, name, "PERSON", name, "rule:cue_person"))
    return out


def unknown_word_person_entities(text: str, bounds: _Boundaries, taken: _Taken, rules: EntityRules) -> list[Entity]:
    """Return people named by a word jieba's dictionary lacks that reads as surname + given name (冯晓楠).

    jieba's HMM joins an unknown name into one word; a surname, then one or two characters that hold no
    function character, is then a person's name far more often than anything else.
    """
    out = []
    tokens = bounds.tokens
    # What the word alone says is asked once per distinct word; then what stands around each place it stands.
    surnames, compound = rules.surnames, rules.surnames_compound
    # Cheap tests first: most words are no surname-led word of two to four characters.
    names = {word for word in bounds.words() if 2 <= len(word) <= 4 and (word[0] in surnames or word[:2] in compound)
             and _reads_as_unknown_name(word)}
    for k in bounds.indices_of(names):
        word, s, e = tokens[k]
        if taken.overlaps(s, e):
            continue
        # jieba often cuts a name in two (丁衡|高, 牟善|初): a lone Han character on either side that may
        # belong to it makes the word no safe name.
        if any(0 <= j < len(tokens) and len(tokens[j][0]) == 1 and _HAN.match(tokens[j][0])
               and tokens[j][0] not in rules.name_end_stop_chars and tokens[j][0] not in rules.list_separators
               for j in (k - 1, k + 1)):
            continue
        if s > 0 and rules.unknown_name_after_number.match(text[s - 1]):
            continue
        # A piece of a longer foreign name (克尤木·巴吾东, 艾尔-霍福德) is not the name.
        if (s > 0 and text[s - 1] in rules.name_joiners) or (e < len(text) and text[e] in rules.name_joiners):
            continue
        _claim(out, taken, Entity(s, e, word, "PERSON", word, "rule:unknown_name"))
    return out


@lru_cache(maxsize=1 << 16)
def _reads_as_unknown_name(word: str) -> bool:
    """Return whether a word of 2-4 characters led by a surname reads, wherever it stands, as an unknown name:
    the surname and one or two characters."""
    # Kept per word across texts: the same surname-led words (高度, 张开) come back in text after text, and the
    # answer takes several dictionary lookups. Bounded: unknown names are an open set.
    rules = entity_rules()
    # The word's characters first, its dictionary entries after: the characters rule out most words, cheaply.
    if word[0] in rules.unknown_name_stop_chars or not _HAN.match(word):
        return False
    surname = 2 if word[:2] in rules.surnames_compound else 1 if word[0] in rules.surnames else 0
    if not surname or not 1 <= len(word) - surname <= 2:
        return False
    given = word[surname:]
    if rules.name_inner_stop_chars & set(given) or given[-1] in rules.name_end_stop_chars \
            or given[-1] in rules.unknown_name_end_stop_chars or word in rules.generic_nouns:
        return False
    tags = _jieba_tags()
    if word in tags and not _is_dictionary_full_name(word, tags, rules):
        return False
    return _is_given_name(given, rules) and not load_lexicon().lookup(word)


def _is_dictionary_full_name(word: str, tags, rules: EntityRules) -> bool:
    # jieba's dictionary knows many full names (tagged nr): three characters led by a surname.
    # The tag is loose (胡萝卜, 富顺县 are nr too): a given name that is itself a common word (萝卜) or
    # a place or abstract-noun ending (县, 宫, 性) makes it no name.
    return (len(word) == 3 and tags.get(word) in rules.dictionary_name_tags
            and word[-1] not in rules.dictionary_name_end_stop_chars
            and not (tags.get(word[1:], "nr") not in rules.person_tags
                     and _jieba_freqs()[word[1:]] >= rules.dictionary_given_name_max_freq))


def product_noun_entities(text: str, bounds: _Boundaries, taken: _Taken, rules: EntityRules) -> list[Entity]:
    """Return products named in Latin script right after a noun for a kind of product (开放平台BigModel, quoted:
    生成工具“OmniHuman”)."""
    out = []
    for _k, _word, _s, e in _tokens_among(bounds, rules.product_nouns):
        match = rules.latin_product_name.match(text, e + (text[e:e + 1] in rules.nickname_quotes))
        if match and not taken.overlaps(*match.span()) and not rules.product_code_stop.match(match.group()):
            _claim(out, taken, Entity(match.start(), match.end(), match.group(), "PRODUCT", match.group(),
                                      "rule:product_noun"))
    return out


def vessel_name_entities(text: str, taken: _Taken, rules: EntityRules) -> list[Entity]:
    """Return ships, boats and craft named with 号 beside a word for a vessel (货船名为“荣耀号”, 游艇八爪鱼号,
    “振华15”号半潜运输船): the vessel word says the name is a thing's, not a person's or a place's."""
    out: list[Entity] = []
    for match in rules.vessel_name.finditer(text) if "号" in text else ():
        group = next(k for k in range(1, match.re.groups + 1) if match.group(k) is not None)
        start, end = match.span(group)
        if not taken.overlaps(start, end) and match.group(group) not in rules.generic_nouns:
            _claim(out, taken, Entity(start, end, match.group(group), "PRODUCT", match.group(group), "rule:vessel"))
    return out


def place_named_entities(text: str, bounds: _Boundaries, taken: _Taken, found: list[Entity],
                         rules: EntityRules) -> list[Entity]:
    """Return `found` with a lexicon place and a word after it that makes one name of them: a natural
    feature the place names (恩施|大峡谷: LOC), a card a place issues (湖北|旅游惠民卡: PRODUCT) or a state a
    city names (威尼斯|共和国: GPE). The place is then no mention of its own (the guideline's longest name)."""
    out = []
    for ent in found:
        if ent.method == "lexicon" and ent.label in ("GPE", "LOC"):
            ent = _place_and_word(text, ent, bounds, taken, rules) or _city_state(text, ent, bounds, taken) or ent
        out.append(ent)
    return out


def _place_and_word(text: str, place: Entity, bounds: _Boundaries, taken: _Taken, rules: EntityRules):
    """Return the feature or card the place and the word after it name, or None. A feature ends on a word edge
    (恩施|大峡谷|, not 瀑布|群); a card's word is plain enough to end where jieba glues the next character to it
    (惠民|卡已)."""
    for pattern, label in ((rules.place_feature, "LOC"), (rules.place_card, "PRODUCT")):
        match = pattern.match(text, place.end)
        if match and (label == "PRODUCT" or match.end() in bounds.ends) and not taken.overlaps(place.end, match.end()):
            taken.add(place.start, match.end())
            surface = text[place.start:match.end()]
            return Entity(place.start, match.end(), surface, label, surface, "rule:place_named")
    return None


def _city_state(text: str, place: Entity, bounds: _Boundaries, taken: _Taken):
    """Return the state a city's name and a state's head word after it name (威尼斯|共和国, 莫斯科|公国), or None.
    A place that is a state already keeps its own name (美|帝国主义, 法兰西|共和国: the country), and a head word
    inside a longer word is none (罗马|帝国主义)."""
    head = state_head_at(text, place.end) if place.label == "GPE" and place.canonical not in state_names() else None
    end = place.end + len(head) if head else -1
    if end not in bounds.ends or taken.overlaps(place.end, end):
        return None
    taken.add(place.start, end)
    return Entity(place.start, end, text[place.start:end], "GPE", state_canonical(text[place.start:end]),
                  "rule:place_named")


def facility_entities(text: str, bounds: _Boundaries, taken: _Taken, found: list[Entity],
                      rules: EntityRules) -> list[Entity]:
    """Return facilities named by a head word (rules.yaml facility_heads): a name before the head makes one
    mention (树谷|园区|污水处理厂: LOC), and each item of a list sharing the head (安平、官田及安南等3座
    水资源回收中心) an elliptical mention of the item and the head, canonical so (安平 -> 安平水资源回收中心).
    The places and guesses inside an item or name give way to it (they are removed from `found` and `taken`).
    """
    out: list[Entity] = []
    gone: set[tuple[int, int]] = set()
    for match in rules.facility_head.finditer(text):
        head_start, end = match.span()
        count = rules.facility_count.search(text, max(0, head_start - 8), head_start)
        # After a count jieba may glue the classifier to the head (3所|国小 cut 所国|小).
        if (head_start not in bounds.starts and not count) or end not in bounds.ends:
            continue
        label = rules.facility_heads[match.group()]
        # Only a count or 等 makes the words before the head a list (市府、环保局及树谷园区污水处理厂 is none).
        items = _facility_list_items(text, bounds, count.start(), count, rules) if count else []
        if items:
            mentions = [(a, b, text[a:b] + match.group()) for a, b in items]
        else:
            start = _facility_name_start(text, bounds, head_start, rules) if not count and label == "LOC" else None
            mentions = [(start, end, text[start:end])] if start is not None else []
        for a, b, canonical in mentions:
            inner = taken.spans_overlapping(a, b)
            if any(not (a <= x and y <= b) for x, y in inner):
                continue
            _remove_mentions(inner, found, taken, gone)
            _claim(out, taken, Entity(a, b, text[a:b], label, canonical, "rule:facility"))
    _forget(found, gone)
    return out


_LAST_ITEM_JOIN = re.compile(f"({HAN}{{2,5}}?)(?:以及|及|和|与)({HAN}{{2,5}})\\Z")


def _facility_list_items(text: str, bounds: _Boundaries, end: int, count: re.Match[str],
                         rules: EntityRules) -> list[tuple[int, int]]:
    """Return the (start, end) of the items of a list of names ending at `end`, in its clause, parted by 、
    and a last 及/和/与: two or more, each of two to five Han characters that read as a name (no common
    word), no more than a count after them says; the first starts at the word edge nearest its end (本市|安平)."""
    begin = max((m.end() for m in rules.clause_breaks.finditer(text, max(0, end - 60), end)), default=max(0, end - 60))
    spans, pos = [], begin
    for piece in text[begin:end].split("、"):
        spans.append((pos, pos + len(piece)))
        pos += len(piece) + 1
    joined = _LAST_ITEM_JOIN.search(text, spans[-1][0], end)
    if joined:
        spans[-1:] = [joined.span(1), joined.span(2)]
    if len(spans) < 2:
        return []
    a, b = spans[0]
    spans[0] = (next((p for p in range(b - 2, a - 1, -1) if p in bounds.starts), a), b)
    n = count.group("n")
    if n and (parse_number(n) or 0) < len(spans):
        return []
    return spans if all(_is_listed_name(text[a:b], rules) for a, b in spans) else []


def _is_listed_name(item: str, rules: EntityRules) -> bool:
    # An item of a facility list is a name: Han, two to five characters, no generic noun or demonstrative,
    # no common verb or direction (新建、扩建污水处理厂 lists works, 北部、南部 parts of a country, not plants).
    tag = _jieba_tags().get(item)
    return 2 <= len(item) <= 5 and bool(_HAN.match(item)) and item not in rules.generic_nouns \
        and not rules.generic_name.search(item) and (tag is None or tag in rules.facility_item_tags
                                                     or _jieba_freqs()[item] < rules.facility_item_max_freq)


def _facility_name_start(text: str, bounds: _Boundaries, head_start: int, rules: EntityRules) -> int | None:
    """Return where the name of a facility whose head starts at `head_start` starts: over the words of the
    name (树谷|园区|) to a word that reads as no name or to a known place, which starts the name only where
    no other word does (台中|火力|, but 北京|永定门|车站)."""
    i = bounds.index_at(head_start)
    if i is None:
        return None
    j = i - 1
    while j >= 0 and bounds.tokens[j][0] in rules.facility_modifiers:
        j -= 1
    name_end = bounds.tokens[j + 1][1] if j + 1 < len(bounds.tokens) else head_start
    start = None
    while j >= 0 and name_end - bounds.tokens[j][1] <= 6:
        word = bounds.tokens[j][0]
        hit = load_lexicon().lookup(word)
        if hit is not None and hit[1] in ("GPE", "LOC"):
            # A place before a name is its own mention (北京|永定门车站, as MSRA has it); a place alone names
            # the facility (台中|火力发电厂).
            start = bounds.tokens[j][1] if start is None else start
            break
        if hit is not None or not _is_name_like(word, rules):
            break
        start = bounds.tokens[j][1]
        j -= 1
    return start if start is not None and name_end - start >= 2 else None


def store_brand_entities(text: str, bounds: _Boundaries, taken: _Taken, found: list[Entity],
                         rules: EntityRules) -> list[Entity]:
    """Return the brands written right after a known place before their stores (台南市|EASY SHOP|10处门市,
    台南市|华歌尔|32处门市: ORG), a Latin brand's store named by its branch (台南市|QMOMO中正门市: one ORG), and
    every other mention of such a brand in the text. What a source found inside the brand, its count and its
    stores (歌尔 of 华歌尔, 歌尔32) is removed from `found` and `taken`: the brand is the name."""
    out: list[Entity] = []
    gone: set[tuple[int, int]] = set()
    brands: dict[str, str] = {}
    for place in [ent for ent in found if ent.label == "GPE" and ent.method == "lexicon"]:
        match = rules.store_brand_latin.match(text, place.end) or rules.store_brand_han.match(text, place.end)
        if match is None or not _is_brand(match.group("brand"), rules):
            continue
        branch = match.re.groupindex.get("branch") and match.group("branch")
        a, b = match.span("brand")
        inner = taken.spans_overlapping(a, match.end())
        if any(not (a <= x and y <= match.end()) for x, y in inner):
            continue
        _remove_mentions(inner, found, taken, gone)
        end = match.end() if branch else b
        # A brand the lexicon knows keeps its name (UNIQLO: 优衣库); a store, the name as written.
        hit = load_lexicon().lookup(text[a:b])
        brands[text[a:b]] = hit[0] if hit is not None and hit[1] == "ORG" else text[a:b]
        _claim(out, taken, Entity(a, end, text[a:end], "ORG", text[a:end] if branch else brands[text[a:b]],
                                  "rule:store_brand"))
    for brand, canonical in brands.items():
        for pos in _free_occurrences(text, brand, bounds):
            inner = taken.spans_overlapping(pos, pos + len(brand))
            if all(pos <= x and y <= pos + len(brand) and (x, y) != (pos, pos + len(brand)) for x, y in inner):
                _remove_mentions(inner, found, taken, gone)
                _claim(out, taken, Entity(pos, pos + len(brand), brand, "ORG", canonical, "rule:store_brand"))
    _forget(found, gone)
    return out


def _is_brand(brand: str, rules: EntityRules) -> bool:
    # A brand is no generic noun, common word or kind of shop (台南市|超商|5家门市 names none), and a Latin one
    # no code.
    if brand in rules.generic_nouns or rules.generic_name.search(brand):
        return False
    if not _HAN.match(brand):
        return not rules.product_code_stop.match(brand)
    return _jieba_freqs().get(brand, 0) < rules.facility_item_max_freq \
        and not any(kind in brand for kind in rules.store_kind_words)


def _free_occurrences(text: str, name: str, bounds: _Boundaries):
    """Yield where `name` stands in `text` as a whole: on word edges for a Han name (业者|华|歌尔|、), apart
    from other Latin letters for a Latin one (EASY SHOP会员, not EASY SHOPPING)."""
    pos = text.find(name)
    while pos >= 0:
        end = pos + len(name)
        if (pos in bounds.starts and end in bounds.ends) if _HAN_CHAR.match(name[0]) else _latin_edges_ok(text, pos, end):
            yield pos
        pos = text.find(name, end)


def surname_title_person_entities(text: str, bounds: _Boundaries, taken: _Taken, found: list[Entity],
                                  rules: EntityRules) -> list[Entity]:
    """Return people named by surname and title right after their body or place (水利署|赖|署长, 环保局|谢|局长,
    台南市|黄|市长): the way news refers to an office holder, the surname alone a PERSON (the guideline keeps
    the title out). The surname stands as its own word, with 副 or glued to the title (薛副|部长, 李署长), is no
    character that starts ordinary words far more often (unknown_name_stop_chars: 由, 时) and does not repeat
    the body's last character (民进党|党|主席). The body is a mention found before or a word ending as public
    bodies do (环保局: rules.yaml surname_title_bodies)."""
    out: list[Entity] = []
    ends = {ent.end for ent in found if ent.label in ("ORG", "GPE")}
    tokens = bounds.tokens
    for match in _surname_title_pattern().finditer(text):
        pos = match.start()
        j = bounds.index_at(pos)
        if not j or not _title_after_surname(tokens, j, rules):
            continue
        if text[pos] in rules.unknown_name_stop_chars or text[pos] == text[pos - 1] or taken.overlaps(pos, pos + 1):
            continue
        if pos in ends or (len(tokens[j - 1][0]) > 1 and tokens[j - 1][0].endswith(rules.surname_title_bodies)):
            _claim(out, taken, Entity(pos, pos + 1, text[pos], "PERSON", text[pos], "rule:surname_title"))
    return out


@cache
def _surname_title_pattern() -> re.Pattern[str]:
    """Return a pattern of a surname, perhaps 副, and a title (赖署长, 薛副部长): where the rule looks at words."""
    rules = entity_rules()
    titles = "|".join(map(re.escape, sorted(rules.person_titles, key=len, reverse=True)))
    return re.compile(f"[{''.join(sorted(rules.surnames))}]副?(?:{titles})")


def _title_after_surname(tokens: list[tuple[str, int, int]], j: int, rules: EntityRules) -> bool:
    """Return whether token `j`, led by a surname, is the surname before a title: alone before it (赖|署长), with
    副 (薛副|部长, 薛|副|部长), or glued to it in one word (李署长)."""
    word = tokens[j][0]
    after = [w for w, _s, _e in tokens[j + 1:j + 3]]
    if len(word) > 1:
        return _is_title(word[1:], rules) or (word[1:] == "副" and bool(after) and _is_title(after[0], rules))
    return bool(after) and (_is_title(after[0], rules)
                            or (after[0] == "副" and len(after) > 1 and _is_title(after[1], rules)))


def _is_title(word: str, rules: EntityRules) -> bool:
    return word in rules.person_titles or (word[:1] == "副" and word[1:] in rules.person_titles)


def product_code_entities(text: str, taken: _Taken, rules: EntityRules) -> list[Entity]:
    """Return free-standing product and model codes (H200, GLM-4.5-Air, Llama2), not units or quarters."""
    out: list[Entity] = []
    if not _CAPITAL.search(text):
        return out    # every code starts with a capital: half the news texts hold none
    for match in rules.product_code.finditer(text):
        start, end = match.span()
        code = match.group()
        if rules.product_code_stop.match(code) or rules.not_entity.match(code):
            continue
        if end < len(text) and text[end] in rules.product_code_follow_stop:
            continue
        if taken.overlaps(start, end):
            continue
        _claim(out, taken, Entity(start, end, code, "PRODUCT", code, "rule:product_code"))
    return out


class _Taken:
    """The spans already given to a mention, with a character mask for constant-time overlap checks.

    The spans are also kept sorted by start, with the longest span's length, so that the spans overlapping a
    window are found by bisection in time independent of how many there are (a scan of every span made the
    entity passes quadratic in the length of the text).
    """

    __slots__ = ("mask", "spans", "_starts", "_longest")

    def __init__(self, length: int):
        self.mask = bytearray(length)
        self.spans: set[tuple[int, int]] = set()
        self._starts: list[tuple[int, int]] = []  # the spans, sorted
        self._longest = 0

    def overlaps(self, start: int, end: int) -> bool:
        return self.mask.find(1, start, end) != -1

    def add(self, start: int, end: int) -> None:
        self.mask[start:end] = b"\x01" * (end - start)
        if (start, end) not in self.spans:
            self.spans.add((start, end))
            bisect.insort(self._starts, (start, end))
            self._longest = max(self._longest, end - start)

    def remove(self, start: int, end: int) -> None:
        self.mask[start:end] = bytes(end - start)
        if (start, end) in self.spans:
            self.spans.discard((start, end))
            del self._starts[bisect.bisect_left(self._starts, (start, end))]

    def spans_overlapping(self, start: int, end: int) -> list[tuple[int, int]]:
        if not self.overlaps(start, end):
            return []
        # A span overlapping start..end starts before `end` and at most the longest span's length before start.
        first = bisect.bisect_left(self._starts, (start - self._longest, -1))
        last = bisect.bisect_left(self._starts, (end, -1))
        return [(a, b) for a, b in self._starts[first:last] if start < b]


def _matches(text: str, pattern: str, rules: EntityRules):
    """Return the matches in `text` of the rules' pattern named `pattern`: none, with no scan of the text, where
    the text holds none of the strings every match of it holds (rules.yaml scan_cues; a pattern without any is
    always scanned). A substring test costs far less than running a pattern over every character of a text."""
    cues = rules.scan_cues.get(pattern)
    if cues is not None and not any(cue in text for cue in cues):
        return ()
    return getattr(rules, pattern).finditer(text)


def _tokens_among(bounds: _Boundaries, words: frozenset[str]):
    """Yield the (index, word, start, end) of every token that is one of `words` (a rule's trigger words)."""
    for k in bounds.indices_of(words):
        yield k, *bounds.tokens[k]


def _claim(out: list[Entity], taken: _Taken, ent: Entity) -> None:
    # A rule's find becomes a mention: later rules and the model leave its characters alone.
    out.append(ent)
    taken.add(ent.start, ent.end)


def _non_overlapping(found: list[Entity], taken: _Taken) -> list[Entity]:
    # Earlier sources win; the spans kept are marked in `taken`.
    kept: list[Entity] = []
    for ent in found:
        if not taken.overlaps(ent.start, ent.end):
            kept.append(ent)
            taken.add(ent.start, ent.end)
    return kept


def _loaded_or_none(load: Callable[[], Any], missing: type[Exception], absent: str, fallback: str) -> Any:
    """Return what `load()` returns, or None (with a warning naming what entities come from instead) on `missing`."""
    try:
        return load()
    except missing as exc:
        log.warning("%s (%s): entities come from %s only", absent, exc, fallback)
        return None


@cache
def _model_predict():
    """Return extract.ner.cnn.predict_spans, or None (logged once) where the trained model is not shipped."""
    from extract.ner import cnn as ner_model

    if _loaded_or_none(ner_model.load_model, ner_model.NERModelMissingError, "no trained NER model",
                       "the lexicon and rules") is None:
        return None
    # One tiny prediction loads what the model loads lazily (its own jieba dictionary, about a second), so
    # that cost falls on loading, not on the first short text of a run.
    ner_model.predict_spans(["北京"])
    return ner_model.predict_spans


@cache
def _crf_model():
    """Return the shipped CRF model, or None (logged once) where it is not shipped."""
    from extract.ner import crf as ner_crf

    return _loaded_or_none(ner_crf.load_crf_model, ner_crf.NERCRFError, "no CRF model",
                           "the lexicon, rules and the spaCy model")


def _sentences(text: str, rules: EntityRules) -> list[tuple[int, int]]:
    """Return the non-empty (start, end) sentences of `text`, cut at sentence-ending punctuation."""
    sentences = []
    start = 0
    for brk in rules.sentence_breaks.finditer(text):
        if brk.start() > start:
            sentences.append((start, brk.start()))
        start = brk.end()
    if len(text) > start:
        sentences.append((start, len(text)))
    return sentences


def model_spans(model: str, text: str, bounds: _Boundaries, rules: EntityRules) -> list[tuple[int, int, str]] | None:
    """Return the (start, end, label) spans the entity model `model` finds in `text`, or None without one.

    The CRF ("crf") reads the whole text at once; the spaCy CNN ("cnn") reads it sentence by sentence. None
    means no model: `model` is "off", or the model is not shipped.
    """
    if model == "crf" and (crf := _crf_model()) is not None:
        from extract.ner import crf as ner_crf

        return ner_crf.predict_spans(text, bounds.tokens, model=crf)
    if model == "cnn" and (predict := _model_predict()) is not None:
        sentences = _sentences(text, rules)
        predicted = predict([text[a:b] for a, b in sentences])
        return [(a + s, a + e, label) for (a, _), spans in zip(sentences, predicted) for s, e, label in spans]
    return None


_CAPITAL = re.compile("[A-ZＡ-Ｚ]")


def _names_a_government(place: Entity, rules: EntityRules) -> bool:
    return place.canonical in state_names() or place.canonical.endswith(rules.government_place_endings) \
        or place.text.endswith(rules.government_place_endings)


def _names_a_state_here(text: str, place: Entity) -> bool:
    """Return whether the text writes the city's name as a state's (罗马 beside 罗马帝国): there the city
    stands for the state throughout (one sense per discourse), not for a club or firm."""
    return state_named(text, text[place.start:place.end]) is not None


def merge_model_spans(text: str, spans: list[tuple[int, int, str]], bounds: _Boundaries, taken: _Taken,
                      found: list[Entity], rules: EntityRules, *, method: str) -> list[Entity]:
    """Return the mentions a model's (start, end, label) spans add to those already `found`.

    Implausible names (generic nouns, clauses, pieces of a name) are dropped. A model name that wholly
    contains earlier mentions of the same kind replaces them (they are removed from `found` and `taken`);
    one that cuts across an earlier mention is dropped. A name the lexicon knows takes its canonical name.
    """
    cased = _CAPITAL.search(text) is not None   # lower case marks a common word only where text capitalises
    marked = _holds_marks(text, rules)
    out = []
    # `found` by span, and the mentions to drop from it at the end: a scan or a removal in the list for each
    # model span made this quadratic in the length of the text.
    by_span, dropped = _by_span(found), set()
    for start, end, raw_label in spans:
        label = rules.model_labels.get(raw_label)
        end = _without_members(text, start, end, bounds, rules) if label == "ORG" else end
        start, end = _within_marks(text, start, end, rules) if marked else (start, end)
        start = _after_leading_place(text, start, end, label, by_span, bounds, rules)
        surface = text[start:end]
        if label is None:
            continue
        overlaps = taken.overlaps(start, end)
        same = next(iter(by_span.get((start, end), ())), None) if overlaps else None
        reading = _reading_over_same_span(text, surface, label, same, rules) if same is not None else None
        if reading is None and same is not None and (start, end) in taken.spans:
            continue  # the earlier mention of this very span stays (as the test of swallowed mentions finds)
        if _implausible_model_name(text, start, end, label, bounds, rules, cased=cased):
            continue
        if overlaps:
            if reading is not None:
                _drop(same, by_span, dropped)
                out.append(Entity(start, end, surface, reading, surface if reading == "LOC" else same.canonical,
                                  method))
                continue
            # A longer name around earlier mentions is the better mention: an organisation or place around
            # organisations and places (北京大学附属医院 around 北京大学), a person around part of the same
            # person (a full transliterated name around its surname, which rules cut at a length limit).
            # A span cutting across a mention, or around a product or an index's maker (香港恒生|科技指数), is not.
            inner = taken.spans_overlapping(start, end)
            swallowed = [ent for span in inner for ent in by_span.get(span, ())]
            if len(swallowed) != len(inner) or any(
                    not (start <= ent.start and ent.end <= end) or (ent.start, ent.end) == (start, end)
                    or ent.label == "PRODUCT" or (ent.label == "PERSON") != (label == "PERSON")
                    or ent.method in _UNSWALLOWED for ent in swallowed) or _not_one_name(text, swallowed, start, end, rules):
                continue
            for ent in swallowed:
                taken.remove(ent.start, ent.end)
                _drop(ent, by_span, dropped)
        canonical, label = _model_name_reading(surface, label, rules)
        _claim(out, taken, Entity(start, end, surface, label, canonical, method))
    if dropped:
        found[:] = [ent for ent in found if id(ent) not in dropped]
    return out


def _reading_over_same_span(text: str, surface: str, label: str, same: Entity, rules: EntityRules) -> str | None:
    """Return the label a model's name takes over an earlier mention `same` of the very same span, or None
    where the earlier mention stays."""
    if label in ("LOC", "GPE") and same.method == "rule:org_suffix" \
            and surface.endswith(tuple(rules.org_suffixes_place_or_org)):
        # 某某中心 names an organisation or a building: where the model reads it as a place, it is one.
        return "LOC"
    if label == "ORG" and same.method == "lexicon" and same.label == "GPE" \
            and not _names_a_government(same, rules) and not _names_a_state_here(text, same):
        # A foreign city's name the model reads as an organisation in context is a club or team named after it
        # (利物浦 2-0 切尔西), a firm (里昂 for 里昂证券) or a studio: the model's label, the lexicon's canonical
        # name. On the CLUENER held-out split that reading is right 19 times in 21; in general news about half
        # the time (曼彻斯特和伯明翰的机场 is the city). The name of a country, province or state, or of a
        # Chinese city, read so stands for its government, which our labels call GPE: it keeps the lexicon's
        # label.
        return "ORG"
    return None


# Rules' mentions no model span takes in: an index's maker (香港恒生|科技指数), a listed facility or a store's
# brand, whose place before it is its own mention (台北市|迪化、内湖等3座污水处理厂, 台南市|华歌尔), and a surname
# before a title, which is no part of the name (李|署长).
_UNSWALLOWED = frozenset({"rule:index_maker", "rule:facility", "rule:store_brand", "rule:surname_title"})


def _implausible_model_name(text: str, start: int, end: int, label: str, bounds: _Boundaries, rules: EntityRules,
                            *, cased: bool) -> bool:
    """Return whether a model's name at start..end is no name: a generic noun, a clause, a piece of a Latin
    word, a lone character out of place, a generic phrase, an event's or index's name or one run into a day (金砖喀山峰会, 米兰|冬奥会,
    首尔24号: the places inside stay), or (but for people) a span holding a person's title."""
    surface = text[start:end]
    checked = _without_org_brackets(surface, rules) if label == "ORG" else surface
    if surface.endswith(rules.model_event_words) or text.startswith(rules.model_event_words, end) \
            or rules.model_date_tail.search(surface) \
            or (label in ("GPE", "LOC") and text.startswith(rules.place_compound_tails, end)):
        return True
    # A Latin span starting or ending inside a Latin word is a piece of it (newsDetai|l_forward in an address;
    # not so a name run onto a Latin word, vsac|米兰 in CLUENER).
    if not _plausible(checked, rules, cased=cased) \
            or (surface.isascii() and not _latin_edges_ok(text, start, end)) \
            or (len(surface) == 1 and not _plausible_single(text, start, label, bounds, rules)):
        return True
    words = _words_within(start, end, bounds)
    return _generic_phrase(words, start, end, rules) or (label != "PERSON" and _holds_title(words, rules))


def _after_leading_place(text: str, start: int, end: int, label: str | None,
                         by_span: dict[tuple[int, int], list[Entity]], bounds: _Boundaries, rules: EntityRules) -> int:
    """Return where a model's name starts once a known place at its head is left out (印度|维津贾姆港,
    巴西|圣保罗市, 美国|哈佛大学): the place says where the named thing is and is its own mention.

    A place stays in a place's name unless it is foreign and the rest is a place word on its own (a port, a
    city): the NER corpora hold a Chinese place with what is in it as one name (厦门翔安海底隧道, 湖南省某某县).
    It stays in an organisation's name unless the rest is a company the lexicon knows
    (lexicon.company_names): a government body holds its country (美国商务部, 日本国家先进工业科学技术研究所),
    and so do names the lexicon lacks. (The guideline splits 美国|哈佛大学 too, but the NER corpora hold a
    university with its country as one name, BosonNLP's test split among them: splitting cost it 0.001 F1.)
    """
    if label not in ("LOC", "GPE", "ORG"):
        return start
    i = bounds.index_at(start)
    if i is None:
        return start
    # The place ends on a word edge inside the span: only the ends of the span's words are tried.
    ends = []
    while i < len(bounds.tokens) and bounds.tokens[i][2] < end - 1:
        ends.append(bounds.tokens[i][2])
        i += 1
    place = next((ent for k in ends for ent in by_span.get((start, k), ())
                  if ent.label == "GPE" and ent.method == "lexicon"), None)
    if place is None or place.end not in bounds.starts:
        return start
    rest = text[place.end:end]
    if label == "ORG":
        hit = load_lexicon().lookup(rest)
        return place.end if hit is not None and hit[1] == "ORG" and hit[0] in company_names() else start
    if is_local_place(place.canonical) or place.canonical == "中国":
        return start
    # The rest is a name of its own before its place word (恩施|大峡谷 is the place's canyon), and a port
    # named after two places (宁波舟山港) is one name: the rest must name no place itself. A city in its
    # country (巴西|圣保罗市) is its own name.
    if rest.endswith(rules.gpe_endings):
        return place.end if len(rest) >= 3 else start
    ending = next((e for e in rules.loc_endings if rest.endswith(e)), "")
    head = rest[:-len(ending)] if ending else ""
    return place.end if len(head) >= 2 and load_lexicon().lookup(head) is None else start


def _holds_marks(text: str, rules: EntityRules) -> bool:
    # Whether `text` holds a mark no name holds (an HTML entity's &, a corner quote): most texts hold none.
    return "&" in text or any(pair[0] in text or pair[1] in text for pair in rules.name_quote_pairs)


def _within_marks(text: str, start: int, end: int, rules: EntityRules) -> tuple[int, int]:
    """Return a model's span cut at the marks no name holds: an HTML character entity scraped text kept
    (Lazy乐团&times -> Lazy乐团) and one side of a quote pair (台南知名乐团「Lazy乐团 -> Lazy乐团, 北都「片区 -> 北都,
    乐团」 -> 乐团).
    The span before an entity is kept, or the one after it where the entity starts the span."""
    amp = text.find("&", start, end)
    # The entity may run past the span (宏碁&# of 宏碁&#8231;华硕): it is matched in the text.
    entity = rules.html_entity.match(text, amp) if amp >= 0 else None
    if entity:
        start, end = (start, amp) if amp > start else (min(entity.end(), end), end)
    for opening, closing in rules.name_quote_pairs:
        last_open, first_close = text.rfind(opening, start, end), text.find(closing, start, end)
        if last_open >= 0 and text.find(closing, last_open, end) < 0:
            # The quote opens the name (知名乐团「Lazy乐团), unless what it opens is a plain word (北都「片区).
            start, end = (start, last_open) if text[last_open + 1:end] in _jieba_tags() else (last_open + 1, end)
        elif first_close >= 0 and text.rfind(opening, start, first_close) < 0:
            end = first_close
    return start, end


def _holds_title(words: list[str], rules: EntityRules) -> bool:
    """Return whether a word of a model's name (_words_within) is a person's title or role (香港|车手|司徒永信,
    研考会|主委): a model's organisation or place over one has swallowed a person and the words around them."""
    return any(word in rules.person_titles for word in words)


def _words_within(start: int, end: int, bounds: _Boundaries) -> list[str]:
    """Return the words from the one starting at `start` to the last ending by `end` (none where no word
    starts at `start`)."""
    i = bounds.index_at(start)
    if i is None:
        return []
    words = []
    while i < len(bounds.tokens) and bounds.tokens[i][2] <= end:
        words.append(bounds.tokens[i][0])
        i += 1
    return words


def _drop(ent: Entity, by_span: dict[tuple[int, int], list[Entity]], dropped: set[int]) -> None:
    """Mark `ent` as removed from `found` (merge_model_spans filters the list once, at its end)."""
    by_span[(ent.start, ent.end)].remove(ent)
    dropped.add(id(ent))


_CHINA_PREFIXES = ("中华人民共和国", "中国")


def _model_name_reading(surface: str, label: str, rules: EntityRules) -> tuple[str, str]:
    """Return the canonical name and label of a model's name: the lexicon's where it knows the name."""
    # A social-media handle (@钟汉良) names its account's holder: the name is without the @.
    name = surface[1:] if surface.startswith("@") and len(surface) > 1 else surface
    hit = load_lexicon().lookup(name)
    if hit:
        return hit
    # A known company with its Latin legal form (Qualcomm Inc) keeps the company's canonical name, and a
    # mainland body with its country (中国外交部) the body's (the guideline: no 中华人民共和国 prefix).
    legal = rules.latin_org_legal_tail.search(name)
    head = name[:legal.start()] if legal and legal.end() == len(name) else \
        next((name[len(p):] for p in _CHINA_PREFIXES if name.startswith(p) and len(name) > len(p) + 1), None)
    hit = load_lexicon().lookup(head) if head else None
    if hit and hit[1] == "ORG":
        return hit
    if len(name) == 1 and label in ("LOC", "GPE") and name in place_abbreviations():
        return place_abbreviations()[name] or name, "GPE"
    if len(name) > 2 and (label in ("LOC", "GPE") and name.endswith(rules.loc_endings)
                          or name.endswith(rules.loc_endings_any_label)):
        return name, "LOC"
    if label == "LOC" and name.endswith(rules.gpe_endings):
        return name, "GPE"
    return name, label


def _not_one_name(text: str, mentions: list[Entity], start: int, end: int, rules: EntityRules) -> bool:
    """Return whether known names inside a model's span start..end stay separate mentions.

    They do where they are an organisation and its place (华虹无锡), or where a known organisation is followed
    only by one of its organs or members (台积电|董事会, 广聚能源|董事会): the organisation is the name.
    Lexicon organisations side by side stay one name (中共中央|统战部 is the CPC's department).
    """
    if _org_then_place(mentions, start, end) or _place_then_place(mentions, start, end):
        return True
    known = sorted((ent for ent in mentions if ent.method == "lexicon"), key=lambda ent: ent.start)
    if len(known) == 2 and known[0].label == known[1].label == "ORG" and (known[0].start, known[1].end) == (start, end) \
            and known[0].end == known[1].start and text.startswith(_NATIONAL_PREFIXES, known[1].start):
        # A national body is no department of the body before it (中央纪委|国家监委 share offices, 中共中央|国务院).
        return True
    return bool(known) and known[0].start == start and known[0].label == "ORG" \
        and text[known[-1].end:end] in rules.org_organs


_NATIONAL_PREFIXES = ("国家", "国务院", "全国", "中国", "中华", "中央")


def _org_then_place(mentions: list[Entity], start: int, end: int) -> bool:
    """Return whether `mentions` are exactly an organisation and then a place filling start..end.

    华虹无锡, 英特尔中国: a company's unit named by its place. Both names are known and carry canonical names
    a reader can join on; the pair as one name would carry none.
    """
    if len(mentions) != 2:
        return False
    first, second = sorted(mentions, key=lambda ent: ent.start)
    return (first.start, first.end, second.start, second.end) == (start, second.start, first.end, end) \
        and first.label == "ORG" and second.label in ("GPE", "LOC")


def _place_then_place(mentions: list[Entity], start: int, end: int) -> bool:
    """Return whether `mentions` are exactly two known places filling start..end (巴西|圣保罗, 纽约|曼哈顿,
    中国|上海, 打鼓岭|香园围口岸): the wider place says where the narrower one is; each is its own mention.

    A place before an organisation stays in a model's name: news corpora and readers differ on 美国斯坦福大学,
    香港南华早报, and a government organ holds its country (韩国国会, 以色列国防部).
    """
    if len(mentions) != 2:
        return False
    first, second = sorted(mentions, key=lambda ent: ent.start)
    return (first.start, first.end, second.start, second.end) == (start, second.start, first.end, end) \
        and first.label in ("GPE", "LOC") and second.label in ("GPE", "LOC") \
        and first.method == second.method == "lexicon"


def _without_members(text: str, start: int, end: int, bounds: _Boundaries, rules: EntityRules) -> int:
    """Return the end of a model's organisation name without the people or board after it (某某能源|董事会,
    某某科技|发言人): they are no part of the name. The cut must fall on a word edge (央行|理监事会 is not
    央行理|监事会), and a name that is only such a word stays whole."""
    surface = text[start:end]
    tails = _member_and_organ_words(rules.org_members, rules.org_organs)
    if not surface.endswith(tails):  # most names: one test in C
        return end
    # The longest word of the name's tail decides: 央行理监事会 ends in the organ 理监事会, not in 监事会.
    tail = max((w for w in tails if surface.endswith(w)), key=len)
    if tail in rules.org_members and len(surface) - len(tail) >= 2 and end - len(tail) in bounds.ends:
        return end - len(tail)
    return end


@cache
def _member_and_organ_words(members: frozenset[str], organs: frozenset[str]) -> tuple[str, ...]:
    return (*members, *organs)


@cache
def index_makers() -> dict[str, str]:
    """Return the words of stock-index makers -> their canonical names (entities/index_makers.tsv)."""
    return {maker: canonical for maker, canonical in load("entities/index_makers.tsv")}


@cache
def _index_maker_pattern() -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, sorted(index_makers(), key=len, reverse=True))))


def index_maker_entities(text: str, taken: _Taken, rules: EntityRules) -> list[Entity]:
    """Return the makers of stock indices named in an index's or a fund's name (恒生 in 恒生科技指数, 标普 in
    标普500指数): the guideline's mention inside a name with no label of its own."""
    out: list[Entity] = []
    for match in _index_maker_pattern().finditer(text):
        start, end = match.span()
        if rules.index_after_maker.match(text, end) and not taken.overlaps(start, end):
            _claim(out, taken, Entity(start, end, match.group(), "ORG", index_makers()[match.group()],
                                      "rule:index_maker"))
    return out


@cache
def place_abbreviations() -> dict[str, str]:
    """Return one-character country abbreviations beyond the lexicon's (place_abbreviations.tsv): character
    -> canonical name, empty where the character stands for several countries."""
    return {ch: canonical for ch, canonical in load("entities/place_abbreviations.tsv")}


def _plausible_single(text: str, start: int, label: str, bounds: _Boundaries, rules: EntityRules) -> bool:
    """Return whether a one-character model name stands for a name, not a piece of a word.

    A place or organisation counts only as a known abbreviation (中美 -> 中, 美; 沪 -> 上海); a person only
    as a surname right before a title or form of address (江主席, 李总理, 王先生), the way news refers to
    someone already named.
    """
    surface = text[start]
    if label != "PERSON":
        # 美元, 美股, 美东时间, 港币: a fixed compound names no place (the guideline), whatever jieba cut.
        if rules.abbreviation_compound_tail.match(text, start + 1):
            return False
        if load_lexicon().lookup(surface) is not None:
            return True
        if surface not in place_abbreviations():
            return False
        # 奥 of 奥运会 is a piece of a word; 巴 of 巴以 or 印巴 stands for a country, as every character of
        # its word does.
        i = bisect_right(bounds.token_starts, start) - 1
        word = bounds.tokens[i][0] if i >= 0 else surface
        return all(ch in place_abbreviations() or load_lexicon().lookup(ch) for ch in word)
    if surface not in rules.surnames:
        return False
    # jieba often keeps the pair as one word (江主席), so the title is read from the text, not the tokens.
    after = text[start + 1:start + 1 + rules.person_title_max_chars]
    return any(after[:n] in rules.person_titles or after[:n] in rules.surname_address_forms
               for n in range(1, len(after) + 1))


_ORG_BRACKETS = re.compile(f"(?<={HAN})[（(]([^（()）]{{1,6}})[)）](?={HAN})")


def _without_org_brackets(surface: str, rules: EntityRules) -> str:
    """Return an organisation's name without the bracketed region or scope inside it (某某（中国）有限公司);
    only a name ending in an organisation suffix or legal form has such brackets."""
    if not surface.endswith(rules.org_suffixes) and not surface.endswith(rules.org_legal_forms):
        return surface
    lex = load_lexicon()

    def drop(m: re.Match) -> str:
        inner = m.group(1)
        hit = lex.lookup(inner)
        return "" if inner in rules.org_bracket_words or (hit and hit[1] == "GPE") else m.group()

    return _ORG_BRACKETS.sub(drop, surface)


def _generic_phrase(words: list[str], start: int, end: int, rules: EntityRules) -> bool:
    """Return whether [start, end), made of `words` (_words_within), is a generic noun after ordinary
    dictionary words (存储器|晶圆厂, 英寸|晶圆厂): a description, not a name; places may modify it
    (中国|晶圆|制造业). A name holds a word the dictionary lacks, a name-tagged word or a lexicon organisation
    (华茂|晶圆厂). Only nouns that head no name count (rules.yaml description_heads): 银行, 国际 end names made of
    ordinary words (农业|银行, 中诚信|国际)."""
    if len(words) < 2 or sum(map(len, words)) != end - start or words[-1] not in rules.description_heads:
        return False
    tags, lex = _jieba_tags(), load_lexicon()

    def describes(word: str) -> bool:
        # An ordinary word, another such noun, or a place (中国|晶圆|制造业: the industry in China).
        hit = lex.lookup(word)
        if hit is not None:
            return hit[1] in ("GPE", "LOC")
        return word in rules.description_heads or (word in tags and tags[word] not in rules.name_tags)

    return all(describes(word) for word in words[:-1])


def _plausible(surface: str, rules: EntityRules, *, cased: bool = True) -> bool:
    # Not entities: generic nouns, measures such as process nodes, headings and clauses the model swallowed.
    if surface in rules.generic_nouns or rules.not_entity.match(surface) or (
            cased and rules.model_not_name.match(surface)):
        return False
    # A number alone (今(110)年: a year) names nothing the model may find; the lexicon knows 360 and its kind.
    if not surface.strip() or surface.isdigit() or len(surface) > rules.model_max_chars \
            or rules.model_span_gap.search(surface):
        return False
    # A name cut at a joiner (米拉·) is a piece of a longer name the model did not finish.
    if surface[0] in rules.name_joiners or surface[-1] in rules.name_joiners:
        return False
    return rules.model_span_stop_chars.isdisjoint(surface)


MODELS = ENTITY_MODELS  # declared with the settings


def find_entities(text: str, *, tokens: list[tuple[str, int, int]] | None = None,
                  model: str = "crf", variant: str | None = None, region: str | None = None) -> list[Entity]:
    """Return the named-entity mentions of a Simplified text, sorted and non-overlapping.

    `tokens` are jieba (word, start, end) tokens of `text` where the caller has them (they are computed
    otherwise). `model` says which statistical model fills what the lexicon and rules leave: "crf" (default:
    extract.ner.crf reads the whole text; with the rules about as fast as jieba), "cnn" (the spaCy model of
    extract.ner.cnn reads every sentence: about a twentieth of jieba's speed, and no better) or "off"
    (lexicon and rules only; then a rule guesses unknown words shaped like Chinese names).
    `region` (mainland, hong_kong, taiwan, macau), or else the script `variant` of the original text
    (extract.text.normalize), or else the regional names the text holds, picks what a short form names
    there (央行: 中国人民银行 on the mainland, 中央银行 in Taiwan; entities/regional_names.tsv).
    """
    if model not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)}, not {model!r}")
    if not text:
        return []
    written, text = text, _standard_characters(text)
    rules = entity_rules()
    bounds = _Boundaries(_place_name_pairs_split(tokens if tokens is not None else word_tokens(text)))
    found = lexicon_entities(text, bounds, rules)
    found = _extend_subunits(text, _extend_products(text, found, bounds, rules), bounds, rules)
    found = _with_given_names(text, found, bounds, rules)
    taken = _Taken(len(text))
    found = place_named_entities(text, bounds, taken, _non_overlapping(found, taken), rules)
    found += index_maker_entities(text, taken, rules)
    region = region or text_region(variant, text)
    found += regional_entities(text, bounds, taken, found, region)
    _forget_names_in_publication_titles(text, taken, found, rules)
    found += facility_entities(text, bounds, taken, found, rules) + store_brand_entities(text, bounds, taken, found, rules)
    found += surname_title_person_entities(text, bounds, taken, found, rules)
    found += title_person_entities(text, bounds, taken, rules)
    found += cue_person_entities(text, bounds, taken, rules)
    found += latin_person_entities(text, taken, rules)
    found += author_list_person_entities(text, taken, rules)
    found += pseudonym_person_entities(text, bounds, taken, rules) + contact_line_entities(text, bounds, taken, rules)
    found += org_suffix_entities(text, bounds, taken, found, rules)
    found += coordinated_org_entities(text, bounds, taken, found, rules)
    found += org_event_entities(text, bounds, taken, found, rules)
    found += country_pair_entities(text, bounds, taken, rules)
    found += org_noun_latin_entities(text, bounds, taken, rules)
    found += latin_org_cue_entities(text, taken, rules)
    found += product_noun_entities(text, bounds, taken, rules)
    found += product_code_entities(text, taken, rules) + vessel_name_entities(text, taken, rules)
    found += coordinated_product_entities(text, bounds, taken, found, rules)
    # A model reading the whole text judges unknown words better than the rule's guesses (which cost precision).
    spans = model_spans(model, text, bounds, rules)
    if spans is not None:
        found += merge_model_spans(text, spans, bounds, taken, found, rules, method=f"model:{model}")
    else:
        found += unknown_word_person_entities(text, bounds, taken, rules)
    found += repeated_entities(text, bounds, taken, found, rules)
    found = [ent for ent in found if ent.method == "lexicon" or not rules.generic_name.search(ent.text)]
    found = local_body_entities(text, bounds, taken, found, region)
    if region is not None:
        found = [ent for ent in found if not _division_in_compound(ent, bounds)]
    found = with_bracketed_originals(text, found, rules)
    found = with_table_tickers(text, with_listed_companies(text, found, rules), rules)
    found = _with_document_readings(text, found, bounds, rules)
    return with_document_canonicals(text, with_regional_names(_as_written(found, written, text), region), region)


def _with_document_readings(text: str, found: list, bounds, rules) -> list:
    """Return the mentions with what the whole text settles: repeated names, short names, kin, nicknames."""
    found = with_recurring_person_names(text, sorted(found, key=lambda ent: (ent.start, ent.end)))
    found = with_defined_short_names(text, with_org_name_tails(text, found, bounds, rules), rules)
    found = with_kin_family_names(text, with_nicknames(text, found, bounds, rules), rules)
    return with_person_canonicals(found)


def _standard_characters(text: str) -> str:
    """Return `text` with the character variants names are read through made standard (same length)."""
    return text.translate(_variant_characters()) if _variant_pattern().search(text) else text


def _as_written(found: list[Entity], written: str, text: str) -> list[Entity]:
    """Return the mentions with their text as written; canonical names keep the standard characters."""
    return found if written == text else [replace(ent, text=written[ent.start:ent.end]) for ent in found]


@cache
def _variant_pattern() -> re.Pattern[str]:
    return re.compile("[" + "".join(map(chr, _variant_characters())) + "]")


@cache
def _variant_characters() -> dict[int, str]:
    """Return str.translate's table of the character variants names are read through
    (data/entities/variant_chars.tsv: 逹 -> 达, 巿 -> 市)."""
    table = {}
    for variant, standard in load("entities/variant_chars.tsv"):
        if len(variant) != 1 or len(standard) != 1:
            raise DataFileError(f"entities/variant_chars.tsv: {variant!r} -> {standard!r} is not one character each")
        table[ord(variant)] = standard
    return table


def with_org_name_tails(text: str, found: list[Entity], bounds: _Boundaries, rules: EntityRules) -> list[Entity]:
    """Return the mentions (sorted) with an organisation's Latin name taking the words after it that belong to
    it: a Chinese word for its trade (ULTA|美容: the name as written) or a Latin legal form (Qualcomm| Inc: the
    canonical name stays); and a known place the facility named by it (济州|国际机场 -> LOC 济州国际机场).
    The words must end before the next mention, or be it."""
    out: list[Entity] = []
    for k, ent in enumerate(found):
        limit = found[k + 1].start if k + 1 < len(found) else len(text)
        # startswith(tuple) first: one C call says whether any facility word follows, for each of many places.
        facility = next((w for w in rules.place_facility_words if text.startswith(w, ent.end)), None) \
            if ent.label == "GPE" and ent.method == "lexicon" and text.startswith(rules.place_facility_words, ent.end) \
            else None
        if out and out[-1].end > ent.start:
            continue    # the facility word a place took (济州|国际机场)
        if facility and ent.label == "GPE" and ent.method == "lexicon" and (
                limit >= ent.end + len(facility) or found[k + 1].end == ent.end + len(facility)):
            end = ent.end + len(facility)
            ent = Entity(ent.start, end, text[ent.start:end], "LOC", text[ent.start:end], "rule:facility")
        elif ent.label == "ORG" and _LATIN_EDGE.match(text[ent.end - 1]):
            i = bounds.index_at(ent.end)
            legal = rules.latin_org_legal_tail.match(text, ent.end)
            if legal and legal.end() <= limit:
                ent = Entity(ent.start, legal.end(), text[ent.start:legal.end()], "ORG", ent.canonical, ent.method)
            elif i is not None and bounds.tokens[i][0] in rules.latin_org_han_tails and bounds.tokens[i][2] <= limit:
                end = bounds.tokens[i][2]
                ent = Entity(ent.start, end, text[ent.start:end], "ORG", text[ent.start:end], ent.method)
        out.append(ent)
    return out


def with_defined_short_names(text: str, found: list[Entity], rules: EntityRules) -> list[Entity]:
    """Return the mentions (sorted) with short names defined after an organisation's full name
    (航天欧华信息技术有限公司（以下简称“航天欧华”）) read as that organisation wherever they are used later.

    The full name takes the short name's head where the name found lacked it (航天|欧华信息技术有限公司). Its
    canonical name is the short name the text gives it when that is the full name's head (the name the
    company is called by), else the full name without its legal form; the short name's uses from its
    definition on replace the mentions inside them (航天|欧华). A use cutting across another mention is left.
    """
    for match in _matches(text, "short_name_definition", rules):
        short = match.group(1)
        full = next((ent for ent in found if ent.end == match.start() and ent.label == "ORG"), None)
        if full is None:
            continue
        start = next((p for p in range(max(0, full.start - len(short) + 1), full.start + 1)
                      if text.startswith(short, p) and _HAN.match(text[p:full.start + 1])), full.start)
        name = text[start:full.end]
        legal = next((f for f in rules.org_legal_forms if name.endswith(f) and len(name) > len(f) + 1), "")
        canonical = short if name.startswith(short) else (full.canonical[:-len(legal)] if legal and
                                                           full.canonical.endswith(legal) else full.canonical)
        uses = [(start, full.end)] + [m.span() for m in re.compile(re.escape(short)).finditer(text, match.start(1))]
        for a, b in uses:
            if any(ent.start < b and a < ent.end and not (a <= ent.start and ent.end <= b) for ent in found):
                continue
            found = [ent for ent in found if not (a <= ent.start and ent.end <= b)]
            found.append(Entity(a, b, text[a:b], "ORG", canonical, "rule:short_name" if a != start else full.method))
    return sorted(found, key=lambda ent: (ent.start, ent.end))


def with_recurring_person_names(text: str, found: list[Entity]) -> list[Entity]:
    """Return the mentions (sorted) with a Han person's name cut short or run on (朱源|和, 赵卿惠今) made the
    form of it the text repeats: of the person names found that are written where the mention starts, the
    longest the text holds at least twice. Where no form recurs, the mention stays as found; a longer form
    never runs into the next mention."""
    canonical_of = {ent.text: ent.canonical for ent in found
                    if ent.label == "PERSON" and len(ent.text) >= 2 and _HAN.match(ent.text)}
    if len(canonical_of) < 2:
        return found
    recurring = [name for name in canonical_of if text.count(name) >= 2]
    out = []
    for k, ent in enumerate(found):
        if ent.text in canonical_of:
            limit = found[k + 1].start if k + 1 < len(found) else len(text)
            best = max((name for name in recurring if name[:2] == ent.text[:2] and text.startswith(name, ent.start)
                        and ent.start + len(name) <= limit), key=len, default=ent.text)
            if best != ent.text:
                ent = Entity(ent.start, ent.start + len(best), best, "PERSON", canonical_of[best], ent.method)
        out.append(ent)
    return out


def with_nicknames(text: str, found: list[Entity], bounds: _Boundaries, rules: EntityRules) -> list[Entity]:
    """Return the mentions (sorted) with people's nicknames added under their canonical names: a quoted word
    right before a person's name (“霉霉”泰勒·斯威夫特, “股神”巴菲特) or after a word that gives a nickname,
    before the person it names in the clause (绰号“老鼠”的奥维迪奥·古斯曼, 人称「阿爷」的…朱源和). Every other
    mention of the nickname, quoted or standing on word edges, names the same person (the guideline: nicknames
    are PERSON with the person's canonical name)."""
    persons = sorted((ent.start, ent.end, ent.canonical) for ent in found if ent.label == "PERSON")
    starts = [start for start, _end, _canonical in persons]
    nicknames: dict[str, str] = {}
    for match in rules.nickname.finditer(text) if persons else ():
        k = bisect_left(starts, match.end())
        cued = text.endswith(rules.nickname_cues, 0, match.start())
        clause = rules.clause_breaks.search(text, match.end()) if cued else None
        limit = match.end() if not cued else (clause.start() if clause else len(text))
        if k < len(persons) and persons[k][0] <= limit and _is_nickname(text, match, cued, rules) \
                and match.group(1) != text[persons[k][0]:persons[k][1]]:
            nicknames.setdefault(match.group(1), persons[k][2])
    if not nicknames:
        return found
    taken = _Taken(len(text))
    for ent in found:
        taken.add(ent.start, ent.end)
    out = list(found)
    for match in re.finditer("|".join(map(re.escape, sorted(nicknames, key=len, reverse=True))), text):
        start, end = match.span()
        quoted = start > 0 and text[start - 1] in rules.nickname_quotes
        if not taken.overlaps(start, end) and (quoted or (start in bounds.starts and end in bounds.ends)):
            _claim(out, taken, Entity(start, end, match.group(), "PERSON", nicknames[match.group()], "rule:nickname"))
    return sorted(out, key=lambda ent: (ent.start, ent.end))


def _is_nickname(text: str, match: re.Match[str], cued: bool, rules: EntityRules) -> bool:
    """Return whether the quoted word of a rules.nickname match before a person's name (after a cue word
    where `cued`) is a nickname.

    A role is none (“亲密顾问”马斯克). Without a cue, a quote before a name may be words said (他说“不要”张伟…)
    or a description (“最可爱的人”赵蓓蓓, “新楼主人”保罗): a common word, or one the text quotes only once,
    is then no nickname."""
    word = match.group(1)
    if word.endswith(tuple(rules.person_titles)):
        return False
    if cued:
        return True
    if _jieba_freqs().get(word, 0) >= rules.nickname_max_freq or (match.start() > 0
                                                                 and text[match.start() - 1] in "：:说道"):
        return False
    quoted, pos = 0, text.find(word)
    while pos >= 0 and quoted < 2:
        quoted += pos > 0 and text[pos - 1] in rules.nickname_quotes
        pos = text.find(word, pos + 1)
    return quoted >= 2


_PERSON_JOINERS = re.compile("[•・‧∙⋅]")


def with_person_canonicals(found: list[Entity]) -> list[Entity]:
    """Return the mentions with a person's short name taking the full name the text gives them elsewhere.

    马斯克 after 埃隆·马斯克, 科比 after 科比·布莱恩特, Boger after Yuval Boger: one canonical name per person.
    A part two full names share (two people called 诺沃亚) stays as it is.
    """
    # One joiner in a person's canonical name (保罗•艾伦, 保罗・艾伦 -> 保罗·艾伦).
    found = [Entity(ent.start, ent.end, ent.text, ent.label, _PERSON_JOINERS.sub("·", ent.canonical), ent.method)
             if ent.label == "PERSON" and _PERSON_JOINERS.search(ent.canonical) else ent for ent in found]
    full_of: dict[str, set[str]] = {}
    for ent in found:
        if ent.label == "PERSON":
            parts = re.split(r"[·・• ]+", ent.canonical)
            if len(parts) > 1:
                for part in (parts[0], parts[-1]):
                    full_of.setdefault(part, set()).add(ent.canonical)
    if not full_of:
        return found
    out = []
    for ent in found:
        full = full_of.get(ent.canonical, set()) if ent.label == "PERSON" else set()
        if len(full) == 1:
            ent = Entity(ent.start, ent.end, ent.text, ent.label, next(iter(full)), ent.method)
        out.append(ent)
    return out


def local_body_entities(text: str, bounds: _Boundaries, taken: _Taken, found: list[Entity],
                        region: str | None) -> list[Entity]:
    """Return `found` with local government bodies under their full names, and the bodies named alone
    (市委, 市府, 环保局) added: 宁波市委 -> 中国共产党宁波市委员会, 環保局 in a Tainan text ->
    台南市政府环境保护局 (extract.extractors.local_bodies)."""
    if region is None:
        return found
    found = [_with_body_after(text, ent, bounds, taken, region) if ent.label == "GPE" else ent for ent in found]
    named = [(ent.start, ent.canonical if ent.label == "GPE" else place_before_body(ent.text))
             for ent in found if ent.label in ("GPE", "ORG", "LOC")]
    places = main_places([place for _start, place in named])
    places_at = paragraph_places(text, named, places)
    out = []
    for pos, end, surface in _free_words(text, bounds, taken, bare_surfaces(region) if places else ()):
        _claim(out, taken, Entity(pos, end, surface, "ORG", surface, "rule:local_body"))
    result = []
    alone = set(map(id, out))
    for ent in [*found, *out]:
        canonical = (local_body_canonical(ent.text, region, places_at(ent.start))
                     if ent.label in ("ORG", "LOC") else None)
        if canonical is None and id(ent) in alone:
            taken.remove(ent.start, ent.end)   # a short form with no place to name is no mention
            continue
        if canonical is not None and (canonical, "ORG") != (ent.canonical, ent.label):
            ent = Entity(ent.start, ent.end, ent.text, "ORG", canonical, ent.method)
        result.append(ent)
    return _with_sections_named(text, _with_departments_joined(text, result, region, places))


def _with_sections_named(text: str, found: list[Entity]) -> list[Entity]:
    """Return the mentions with a contact line's section named by the body written before it and a space
    (台南市政府研考会 研青科 -> 台南市政府研究发展考核委员会研青科)."""
    by_end = {ent.end: ent for ent in found if ent.label == "ORG"}
    out = []
    for ent in found:
        parent = by_end.get(ent.start - 1) if ent.method == "rule:contact_line" and ent.label == "ORG" else None
        if parent is not None and text[ent.start - 1].isspace():
            ent = replace(ent, canonical=parent.canonical + ent.text)
        out.append(ent)
    return out


def _with_departments_joined(text: str, found: list[Entity], region: str, places: dict[str, str]) -> list[Entity]:
    """Return the mentions with a government and the department written right after it made one name
    (台南市政府|研考会 -> 台南市政府研考会, the department: 台南市政府研究发展考核委员会)."""
    by_start = {ent.start: ent for ent in found if ent.label == "ORG"}
    out, joined = [], set()
    for ent in sorted(found, key=lambda x: x.start):
        if id(ent) in joined:
            continue
        after = by_start.get(ent.end)
        if ent.label == "ORG" and ent.text.endswith(GOVERNMENT) and after is not None \
                and after.method == "rule:local_body":
            canonical = local_body_canonical(ent.text + after.text, region, places)
            if canonical is not None:
                joined.add(id(after))
                ent = Entity(ent.start, after.end, text[ent.start:after.end], "ORG", canonical, "rule:local_body")
        out.append(ent)
    return out


def _division_in_compound(ent: Entity, bounds: _Boundaries) -> bool:
    """Return whether `ent` is a one-character abbreviation of a Chinese division inside a word (惠港措施,
    港股) or a compound of such abbreviations (京|津冀, 沪深): the pair or trio names a region or market, no
    one place. Country
    abbreviations in such compounds (中美, 中俄) stay mentions, as the guideline has it; the NER corpora
    label the division's character too, so this holds only where the text's region is known."""
    if len(ent.text) != 1 or ent.label != "GPE" or not is_local_place(ent.canonical):
        return False
    i = bisect_right(bounds.token_starts, ent.start) - 1
    word = bounds.tokens[i][0] if i >= 0 else ent.text
    if len(word) > 1:    # 京津冀, and 惠港, 访港, 港股: the character is a piece of a word
        return True
    # jieba may cut a compound into characters (沪|深): its neighbours then tell
    word = "".join(bounds.tokens[j][0] for j in (i - 1, i, i + 1)
                   if 0 <= j < len(bounds.tokens) and len(bounds.tokens[j][0]) == 1
                   and _is_place_character(bounds.tokens[j][0]))
    return len(word) > 1 and all(_is_place_character(ch) for ch in word)


def _is_place_character(ch: str) -> bool:
    return (load_lexicon().lookup(ch) or ("", ""))[1] == "GPE" or ch in place_abbreviations()


def _with_body_after(text: str, place: Entity, bounds: _Boundaries, taken: _Taken, region: str) -> Entity:
    """Return the place, or the body named by it and the word after it: a local body (湖北省|政府, 宁波|市委)
    or a country's (日本|政府 -> 日本政府)."""
    if is_local_place(place.canonical):
        bodies = bodies_after_place(region)
    elif place.canonical in state_names():
        bodies = bodies_after_place(COUNTRY)
    else:
        return place
    for body in bodies:
        end = place.end + len(body)
        if text.startswith(body, place.end) and end in bounds.ends and not taken.overlaps(place.end, end):
            taken.add(place.start, end)
            canonical = local_bodies()[body].get(COUNTRY, "{place}" + body).format(place=place.canonical) \
                if not is_local_place(place.canonical) else text[place.start:end]
            return Entity(place.start, end, text[place.start:end], "ORG", canonical, "rule:local_body")
    return place


def regional_entities(text: str, bounds: _Boundaries, taken: _Taken, found: list[Entity],
                      region: str | None) -> list[Entity]:
    """Return the names only `region` reads as names (中央银行 in Taiwan), on word boundaries, where no
    mention is yet or only lexicon names inside them (台南 in 大台南, which are removed from `found`)."""
    out: list[Entity] = []
    if region is None:
        return out
    pattern = _alternation(surfaces_of(region))
    for match in pattern.finditer(text) if pattern is not None else ():
        pos, end = match.span()
        spans = taken.spans_overlapping(pos, end)
        if pos not in bounds.starts or end not in bounds.ends or any(
                not (pos <= a and b <= end) or (a, b) == (pos, end) for a, b in spans):
            continue
        _remove_mentions(spans, found, taken)
        canonical, label = regional_names()[match.group()][region]
        _claim(out, taken, Entity(pos, end, match.group(), label, canonical, "lexicon"))
    return out


@cache
def _alternation(surfaces: tuple[str, ...]) -> re.Pattern[str] | None:
    return re.compile("|".join(map(re.escape, surfaces))) if surfaces else None


def _free_words(text: str, bounds: _Boundaries, taken: _Taken, surfaces: tuple[str, ...]):
    """Yield (start, end, surface) of each of `surfaces` (longest first) in `text` that stands on word
    boundaries where no mention is yet: one regular-expression pass, not a search per surface."""
    pattern = _alternation(surfaces)
    for match in pattern.finditer(text) if pattern is not None else ():
        pos, end = match.span()
        if pos in bounds.starts and end in bounds.ends and not taken.overlaps(pos, end):
            yield pos, end, match.group()
