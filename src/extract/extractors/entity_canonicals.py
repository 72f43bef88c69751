"""Canonical names read from the whole text: one name per entity across the mentions of one document.

A mention's own words often leave its entity open (国会, 最高法院: whose?; 瓦妮莎: which one?; Qwen25-72B-Instruct,
a spelling a scraper cut); the other mentions of the same text settle it. Each function takes the mentions of
one text, sorted by position, and returns them in the same order with canonical names made the same where the
text shows they name one entity; spans and labels never change. Word lists: data/entities/canonical_rules.yaml.
"""
from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from extract.errors import DataFileError
from extract.extractors.entity_regions import regional_names
from extract.lexicon import company_names, load_lexicon, state_names
from extract.resources import load

_JOINER = "·"
_HOME_COUNTRY = "中国"
_SPELLING_KEY = re.compile(r"[^0-9a-z]")
_LATIN_PRODUCT = re.compile(r"(?=[^A-Za-z]*[A-Za-z])[A-Za-z0-9][A-Za-z0-9 .\-_]*\Z")


@dataclass(frozen=True, slots=True)
class CanonicalRules:
    """The word lists of data/entities/canonical_rules.yaml."""

    kin_before_name: re.Pattern[str]
    country_bodies: frozenset[str]
    country_body_regions: frozenset[str]
    company_legal_forms: tuple[str, ...]
    company_common_forms: tuple[str, ...]
    company_trade_words: tuple[str, ...]
    state_heads: tuple[str, ...]
    capital_before: re.Pattern[str]
    body_unit_suffixes: tuple[str, ...]


@cache
def canonical_rules() -> CanonicalRules:
    """Return the rules of data/entities/canonical_rules.yaml (loaded once)."""
    raw = load("entities/canonical_rules.yaml")
    try:
        return CanonicalRules(re.compile(raw["kin_before_name"]), frozenset(raw["country_bodies"]),
                              frozenset(raw["country_body_regions"]),
                              tuple(sorted(raw["company_legal_forms"], key=len, reverse=True)),
                              tuple(sorted(raw["company_common_forms"], key=len, reverse=True)),
                              tuple(sorted(raw["company_trade_words"], key=len, reverse=True)),
                              tuple(raw["state_heads"]), re.compile(raw["capital_before"]),
                              tuple(raw["body_unit_suffixes"]))
    except re.error as exc:
        raise DataFileError(f"entities/canonical_rules.yaml: a pattern does not compile: {exc}") from exc


@cache
def country_names() -> frozenset[str]:
    """Return the canonical names of the countries of lexicon/countries.tsv."""
    return frozenset(e.canonical for e in load_lexicon().entries if e.source == "countries.tsv")


def with_document_canonicals(text: str, found: list, region: str | None) -> list:
    """Return the mentions (sorted) with the canonical names the whole text settles, by every rule below."""
    found = with_country_bodies(text, with_longer_org_names(with_country_abbreviations(found)), region)
    found = with_known_body_heads(with_company_names(found), region)
    return with_surname_full_names(with_product_spellings(with_state_names(text, found)))


def _renamed(ent, canonical: str):
    return ent if canonical == ent.canonical else dataclasses.replace(ent, canonical=canonical)


def _built_from_text(ent) -> bool:
    """Return whether the mention's canonical name is its words as written, not a reading the lexicon or a rule
    gave it (港铁公司, 恒生 -> 恒生指数公司)."""
    return ent.canonical == ent.text and load_lexicon().lookup(ent.canonical) is None


def with_kin_family_names(text: str, found: list, entity_rules) -> list:
    """Return the mentions with a transliterated given name after a kinship word taking the family name of the
    relative named just before it in the sentence (科比·布莱恩特的遗孀瓦妮莎 -> 瓦妮莎·布莱恩特; then 她的女儿
    纳塔莉亚 -> 纳塔莉亚·布莱恩特). Han names (王小明的妻子李芳) keep their own: only transliterations qualify.
    `entity_rules` gives the usual characters of transliterations and the sentence breaks (EntityRules)."""
    foreign_chars, sentence_breaks = entity_rules.transliteration_chars, entity_rules.sentence_breaks
    out = list(found)
    for k, ent in enumerate(out):
        if ent.label != "PERSON" or _JOINER in ent.canonical or not _transliterated(ent.canonical, foreign_chars):
            continue
        if not canonical_rules().kin_before_name.search(text, max(0, ent.start - 8), ent.start):
            continue
        sentence = max((m.end() for m in sentence_breaks.finditer(text, 0, ent.start)), default=0)
        relative = next((p for p in reversed(out[:k]) if p.label == "PERSON" and p.start >= sentence
                         and _JOINER in p.canonical), None)
        if relative is not None:
            out[k] = _renamed(ent, ent.canonical + _JOINER + relative.canonical.rsplit(_JOINER, 1)[1])
    return out


def _transliterated(name: str, foreign_chars: frozenset[str]) -> bool:
    # Most characters of a transliteration are the usual ones (瓦妮莎: 瓦 and 莎); a Han name's rarely are.
    return len(name) >= 2 and 2 * sum(ch in foreign_chars for ch in name) > len(name)


def with_longer_org_names(found: list) -> list:
    """Return the mentions with an organisation's short name that ends another organisation's name in the text
    taking that one's canonical name (人大 after 全国人大, 国会 beside 巴西国会, 仪仗队 after 中国人民解放军仪仗队).
    The longer name must be the lexicon's or a known country or organisation followed by the short name: a
    model's span running over other words (公明党选区推举|自民党) says nothing. A name the lexicon knows keeps its
    reading (商务部 beside 美国商务部), and a short name two longer names end in stays as it is."""
    orgs = [ent for ent in found if ent.label == "ORG"]
    out = []
    for ent in found:
        if ent.label == "ORG" and ent.canonical == ent.text and not load_lexicon().lookup(ent.text):
            longer = {o.canonical for o in orgs if len(o.text) > len(ent.text) and o.text.endswith(ent.text)
                      and (o.method == "lexicon" or _names_owner(o.text[:-len(ent.text)]))}
            if len(longer) == 1:
                ent = _renamed(ent, longer.pop())
        out.append(ent)
    return out


def _names_owner(surface: str) -> bool:
    """Return whether `surface` is a foreign country's name or an organisation's (巴西, 中国人民解放军)."""
    reading = load_lexicon().lookup(surface) if len(surface) >= 2 else None
    if reading is None:
        return False
    return reading[1] == "ORG" or (reading[0] in country_names() and reading[0] != _HOME_COUNTRY)


def with_country_bodies(text: str, found: list, region: str | None) -> list:
    """Return the mentions with a country's body named by its common noun alone (国会, 总统府, 乌经济部) under
    the name with its country (巴西国会, 乌克兰经济部): the country of a one-character abbreviation, else the
    country the paragraph named last. In a region with a body of that name (Taiwan's 總統府) it stays."""
    rules = canonical_rules()
    if region not in rules.country_body_regions:
        return found
    out = list(found)
    changed = False
    for k, ent in enumerate(out):
        if ent.label != "ORG":
            continue
        head, body = _body_head(ent.canonical, rules)
        if body is None:
            continue
        paragraph = text.rfind("\n", 0, ent.start) + 1
        country = _abbreviated_country(head, out) if head else _country_before(out[:k], paragraph)
        if country:
            out[k], changed = _renamed(ent, country + body), True
    return _with_fuller_bodies(out, rules) if changed else out


def _with_fuller_bodies(found: list, rules: CanonicalRules) -> list:
    """Return the mentions with a country's body taking the fuller name the text gives the same body
    (巴西最高法院 beside 巴西联邦最高法院)."""
    fuller: dict[str, set[str]] = {}
    for name in {ent.canonical for ent in found if ent.label == "ORG"}:
        for body, short in _fuller_bodies(rules.country_bodies):
            if name.endswith(body) and len(name) > len(body):
                fuller.setdefault(name[:-len(body)] + short, set()).add(name)
    return [_renamed(ent, next(iter(fuller[ent.canonical]))) if ent.label == "ORG" and
            len(fuller.get(ent.canonical, ())) == 1 else ent for ent in found]


@cache
def _fuller_bodies(bodies: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """Return (body, shorter body it ends in) pairs of the country bodies (联邦最高法院, 最高法院)."""
    return tuple((body, short) for body in bodies for short in bodies if short != body and body.endswith(short))


def _body_head(canonical: str, rules: CanonicalRules) -> tuple[str, str | None]:
    """Return (a one-character head, the body) of a country body's bare name (乌经济部: 乌, 经济部), or ('', None)."""
    if canonical in rules.country_bodies:
        return "", canonical
    if canonical[1:] in rules.country_bodies:
        return canonical[0], canonical[1:]
    return "", None


def _abbreviated_country(character: str, mentions: list) -> str | None:
    """Return the country a one-character abbreviation stands for: the lexicon's reading, else the one country
    of the text whose name starts with it (乌 in a text on 乌克兰)."""
    reading = load_lexicon().lookup(character)
    if reading and reading[0] in country_names():
        return reading[0]
    named = {ent.canonical for ent in mentions if ent.label == "GPE" and ent.canonical in country_names()
             and ent.canonical.startswith(character) and ent.canonical != _HOME_COUNTRY}
    return named.pop() if len(named) == 1 else None


def _country_before(mentions: list, paragraph: int) -> str | None:
    """Return the foreign country the mentions before (from the paragraph's start) named last: a country, or
    the country an organisation's name starts with (巴西国会). A Chinese place named later than it wins (None)."""
    lexicon = load_lexicon()
    for ent in reversed(mentions):
        if ent.start < paragraph:
            return None
        if ent.label == "GPE" and ent.canonical in state_names():
            return ent.canonical if ent.canonical in country_names() and ent.canonical != _HOME_COUNTRY else None
        if ent.label == "ORG":
            prefixes = (lexicon.lookup(ent.text[:n]) for n in range(len(ent.text) - 1, 1, -1))
            country = next((p[0] for p in prefixes if p and p[0] in country_names()), None)
            if country:
                return None if country == _HOME_COUNTRY else country
    return None


def with_country_abbreviations(found: list) -> list:
    """Return the mentions with a one-character place the lexicon leaves open (乌: 乌克兰, 乌拉圭…) read as the one
    country of that initial the text names (俄乌冲突 in a text on 乌克兰)."""
    out = []
    for ent in found:
        if ent.label == "GPE" and len(ent.canonical) == 1 and ent.canonical not in country_names():
            ent = _renamed(ent, _abbreviated_country(ent.canonical, found) or ent.canonical)
        out.append(ent)
    return out


def with_state_names(text: str, found: list) -> list:
    """Return the mentions with a city's name standing for the state the text names after it (罗马 in a text on
    罗马帝国) canonical as that state. A place that is a state already keeps its name: 新加坡 beside 新加坡共和国
    is the country, 突尼斯 beside 突尼斯共和国 the country or its capital, never a second name of either; so does
    a city named as the state's capital (罗马帝国的首都罗马)."""
    rules = canonical_rules()
    if not any(head in text for head in rules.state_heads):
        return found
    out = []
    for ent in found:
        if ent.label == "GPE" and ent.canonical not in state_names() \
                and not rules.capital_before.search(text, max(0, ent.start - 6), ent.start):
            ent = _renamed(ent, state_named(text, text[ent.start:ent.end]) or ent.canonical)
        out.append(ent)
    return out


def state_named(text: str, place: str) -> str | None:
    """Return the state the text names by `place` and a state's head word (罗马 -> 罗马帝国), by its canonical name
    (state_canonical); None where the text names no such state."""
    head = next((head for head in canonical_rules().state_heads if place + head in text), None)
    return state_canonical(place + head) if head else None


def state_head_at(text: str, pos: int) -> str | None:
    """Return the state's head word written at `pos` (共和国 of 威尼斯|共和国), or None."""
    return next((head for head in canonical_rules().state_heads if text.startswith(head, pos)), None)


def state_canonical(name: str) -> str:
    """Return the canonical name of the state written `name`: the lexicon's where it knows the state (东罗马帝国 ->
    拜占庭帝国), else the name as written (威尼斯共和国)."""
    known = load_lexicon().lookup(name)
    return known[0] if known and known[1] == "GPE" else name


def with_company_names(found: list) -> list:
    """Return the mentions with a company's name made the name it is called by: where the text itself calls it
    so, the name without its legal form or 公司 (苹果公司 beside 苹果: 苹果, even over the lexicon's name); else, for
    a name built from the text, a known company with its trade (安森美半导体 -> 安森美) its lexicon name, a name
    with its legal form (莎莉美容控股公司) the name without it. Names the lexicon gives (港铁公司) stay."""
    rules = canonical_rules()
    lexicon = load_lexicon()
    called = {ent.canonical for ent in found if ent.label == "ORG"}
    forms = (*rules.company_legal_forms, *rules.company_common_forms)
    out = []
    for ent in found:
        if ent.label == "ORG":
            # endswith(tuple) first: one C call rules out most names before the form they end in is looked for.
            short = next((ent.canonical[:-len(f)] for f in forms if ent.canonical.endswith(f)), None) \
                if ent.canonical.endswith(forms) else None
            if short in called:
                ent = _renamed(ent, short)
            elif _built_from_text(ent):
                ent = _renamed(ent, _company_name(ent.canonical, rules, lexicon))
        out.append(ent)
    return out


def _company_name(canonical: str, rules: CanonicalRules, lexicon) -> str:
    for word in rules.company_trade_words:
        head = lexicon.lookup(canonical[:-len(word)]) if canonical.endswith(word) else None
        if head and head[0] in company_names():
            return head[0]
    for form in rules.company_legal_forms:
        if canonical.endswith(form) and len(canonical) - len(form) >= 2:
            head = lexicon.lookup(canonical[:-len(form)])
            if head and head[1] != "ORG":
                return canonical    # 香港有限公司: a place is no company's name
            return head[0] if head else canonical[:-len(form)]
    return canonical


def with_known_body_heads(found: list, region: str | None) -> list:
    """Return the mentions with an organisation built from the text around a body the lexicon knows under
    that body's name: a unit of it (水利署|防灾中心 -> 经济部水利署防灾中心) and the body after its place
    (香港|金管局 -> 香港金融管理局, where the body's name starts with the place)."""
    lexicon = load_lexicon()
    units = canonical_rules().body_unit_suffixes
    out = []
    for ent in found:
        if ent.label == "ORG" and _built_from_text(ent):
            ent = _renamed(ent, _known_body_name(ent.canonical, units, lexicon, region))
        out.append(ent)
    return out


def _known_body_name(canonical: str, units: tuple[str, ...], lexicon, region: str | None) -> str:
    for n in range(len(canonical) - 2, 1, -1):
        head, rest = canonical[:n], canonical[n:]
        # A body whose name depends on the region (交通部 in Taiwan is Taiwan's) reads as the region says.
        body = regional_names().get(head, {}).get(region) or lexicon.lookup(head)
        if body and body[1] == "ORG":
            # The longest known body decides (复旦大学|中文系, not 复旦|大学中文系).
            return body[0] + rest if rest.endswith(units) else canonical
        place, body = lexicon.lookup(head), lexicon.lookup(rest)
        if place and place[1] == "GPE" and body and body[1] == "ORG" and body[0].startswith(place[0]):
            return body[0]
    return canonical


def with_surname_full_names(found: list) -> list:
    """Return the mentions with a person named by the surname alone (水利署|赖|署长, 谢|局长) taking the full name
    of the one person of that surname the text names in full (谢世杰): one canonical name per person. With
    two such people, or none, the surname stays."""
    surnames = {ent.canonical for ent in found if ent.label == "PERSON" and len(ent.canonical) == 1}
    if not surnames:
        return found
    full: dict[str, set[str]] = {}
    for ent in found:
        if ent.label == "PERSON" and 2 <= len(ent.canonical) <= 4 and ent.canonical[0] in surnames:
            full.setdefault(ent.canonical[0], set()).add(ent.canonical)
    return [_renamed(ent, next(iter(full[ent.canonical]))) if ent.label == "PERSON" and len(ent.canonical) == 1
            and len(full.get(ent.canonical, ())) == 1 else ent for ent in found]


def with_product_spellings(found: list) -> list:
    """Return the mentions with the spellings of one Latin product name that differ only in separators and
    case (Llama31-70B-Instruct, Llama3.1-70B-Instruct) written as one: every separator any of them has
    (a scraper or a hurried writer drops a dot or a hyphen, nobody adds one), a hyphen or dot over a space."""
    groups: dict[str, set[str]] = {}
    for ent in found:
        if ent.label == "PRODUCT" and _LATIN_PRODUCT.match(ent.canonical):
            groups.setdefault(_SPELLING_KEY.sub("", ent.canonical.lower()), set()).add(ent.canonical)
    merged = {key: _joined_spelling(sorted(forms)) for key, forms in groups.items() if len(forms) > 1 and len(key) >= 4}
    if not merged:
        return found
    return [_renamed(ent, merged.get(_SPELLING_KEY.sub("", ent.canonical.lower()), ent.canonical))
            if ent.label == "PRODUCT" else ent for ent in found]


def _joined_spelling(forms: list[str]) -> str:
    """Return one spelling with every separator the forms put between the same two letters or digits."""
    separators: dict[int, Counter] = {}
    letters: dict[int, Counter] = {}
    for form in forms:
        i, pending = 0, ""
        for ch in form:
            if _SPELLING_KEY.match(ch.lower()):
                pending += ch
                continue
            if pending:
                separators.setdefault(i, Counter())[pending] += 1
                pending = ""
            letters.setdefault(i, Counter())[ch] += 1
            i += 1
    out = []
    for i in range(len(letters)):
        seps = separators.get(i)
        if seps:
            marks = [s for s in seps if s.strip()] or list(seps)
            out.append(max(marks, key=lambda s: (seps[s], s)))
        out.append(letters[i].most_common(1)[0][0])
    return "".join(out)
