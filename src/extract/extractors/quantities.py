"""Find numbers and quantities in Simplified Chinese text and read their values.

Two steps: one compiled master regex, composed from `data/quantities/patterns.yaml` and `units.tsv`, finds
candidate spans in a single pass (a character scan jumps between the places where a number can start); a parser
then reads each span with `extract.extractors.numerals` and the unit table. Offsets are half-open code-point indices into
the text given.

Conventions (what the records mean):
- `kind`: percent / money / measure / count / multiplier / number. `value` is scaled (`50万台` is 500000 '台',
  `2万亿元` 2e12 'CNY', `三成` 30 '%', `千分之五` 0.5 '%', `1.9倍` 1.9 '倍'); money carries its ISO 4217 code.
  Percentage points are percent (`3.1个百分点` 3.1 '%', `25个基点` 0.25 '%'); index points are a measure
  (`208.74点` 208.74 '点'), but a whole number up to 24 or a Chinese numeral before 点 is a clock time.
- Ranges and lists (`5-20亿元`, `3至5万`, `180-90nm`, `65/55-40nm`, `8/12英寸`) have `value` None and `low`/`high`
  set; the unit of the last member applies to all, and so does its 万/亿 scale where a member has none.
  Members with different units are separate mentions (`增长5%至11.62亿美元` is 5 '%' and 1.162e9 'USD').
  Vague numerals are ranges too: `十几` 11..19, `数十亿` 2e9..9e9, `二三十` 20..30, `上百` 100..1000.
- `hedge` is the direction a hedge gives the number, and sets `approximate`:
  'over' (超, 超过, 逾, 突破, 以上, 多, 余, 上百), 'at_least' (至少, 不少于, 或以上), 'under' (近, 将近, 不到, 不足,
  以下), 'at_most' (最多, 不超过, 以内), 'about' (约, 大约, 左右, 上下). A point with a hedge keeps low = high = value.
- Money without a currency word: an amount with 万/亿 directly followed by a money noun of patterns.yaml
  (`10亿投资`, `500万融资`) is CNY; plain 元 is CNY unless 新台币/港币/NT$ is written before the number.
- Two bounds written together make one range whose hedge names both sides: 大于10小于20 is low 10, high 20,
  hedge 'over/under'; 1000以上，1500以下 likewise (a comma joins bare numbers only).
- Not quantities: dates, clock times and durations (a number before 年/月/日/小时/个月..., left to the dates
  extractor), ordinals and phases (第二, 三期, 一线, 二审), product codes and names (H200, 910B, GLM-4.5, 5G,
  思元590, Snapdragon 4, 阿里巴巴（9988）, “520”), note and list markers ([1], "1. " at a line head), links and
  file paths, and words that contain numerals (一切, 四川, 统一, 万一, 另一; the list is in patterns.yaml).
  A bare 一 (no classifier, unit or hedge) is not reported: in news it is an article or part of a word.
- 万/亿/兆 always scale the number (兆 is 10^12); 千 and 兆 before a unit are its SI prefix (千米, 兆字节).
- Known limits: a bare $ is read as USD (a Hong Kong or Taiwan article may mean its own dollar); 块 is a
  classifier, not yuan (块钱 is yuan); 一万两 is read as 10000 liang, as Recognizers-Text does.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from extract.errors import DataFileError
from extract.extractors.numerals import (
    Reading,
    is_well_formed,
    parse_number,
    read_numeral,
    to_ascii,
)
from extract.resources import load
from extract.text.chars import is_han

_PIECE_REF = re.compile(r"\{([a-z_]+)\}")
_NAMED_GROUP = re.compile(r"\(\?P<(?:num|unit|half|coins)>")
_BIG_SCALE = re.compile(r"[万亿兆]+$")
_SCALE_ONLY = re.compile(r"[十百千万亿兆拾佰仟]")
_PERCENT_WORDS = re.compile(r"([百千万佰仟]+)[ \t]*分[ \t]*之[ \t]*(.+)", re.S)
_COIN = re.compile(r"(.+?)[ \t]*(美分|日本銭|銭|[角毛分])")
_CN_DIGITS = frozenset("零〇一二三四五六七八九壹贰叁肆伍陆柒捌玖两俩")
_LOWER_BOUNDS = frozenset({"over", "at_least"})
_UPPER_BOUNDS = frozenset({"under", "at_most"})
_PURE_INTEGER = re.compile(r"\d{2,}")
_YEAR_LIKE = re.compile(r"19\d\d|20\d\d|2100")
_BETWEEN_JOIN = re.compile(r"[ \t]*[和与][ \t]*")


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number or quantity mention; `start`/`end` are half-open offsets into the text searched."""

    start: int
    end: int
    text: str
    kind: str
    value: float | None
    low: float | None
    high: float | None
    unit: str | None
    approximate: bool
    hedge: str | None


@dataclass(frozen=True, slots=True)
class UnitSpec:
    """A row of units.tsv: what a unit, currency or classifier after a number means."""

    surface: str
    kind: str
    unit: str | None
    factor: float


@dataclass(frozen=True, slots=True)
class Grammar:
    """The compiled patterns of the extractor, built once from the data files."""

    start: re.Pattern
    master: re.Pattern
    member: re.Pattern
    separator: re.Pattern
    pre_hedge: re.Pattern
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
    hedge_ends: frozenset[str]  # the last characters of hedges and currency prefixes: a cheap first test
    money_nouns: re.Pattern
    money_nouns_before: re.Pattern
    comparative_before: str
    comparative_after: dict[str, str]
    bound_joiner: re.Pattern
    between_before: re.Pattern
    bare_after_ok: frozenset[str]
    year_after: re.Pattern  # what follows a bare year-like number (2025新菜单, 2020及2021年, 2022-至今)
    model_year_units: frozenset[str]
    units: dict[str, UnitSpec]


@dataclass(frozen=True, slots=True)
class Region:
    """A row of regions.yaml: a place whose currency a bare 元 takes, and how a text is known to be from it."""

    code: str
    currency: str
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
    by_code = {r["code"]: Region(r["code"], r["currency"], frozenset(r["variants"]), frozenset(r["outlets"]),
                                 tuple(r["markers"])) for r in raw["regions"]}
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
            master=re.compile(master_text),
            member=re.compile(member_text),
            separator=re.compile(expand("{separator}")),
            pre_hedge=re.compile("(?:" + "|".join(f"({p})" for p, _ in pre) + r")[ \t]*$"),
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
            hedge_ends=frozenset(p[-1] for p, _ in pre) | frozenset(k[-1] for k in prefixes),
            not_numbers_reach=1 + max(_first_numeral_index(w, data["start"]) for w in data["not_numbers"]),
            money_nouns=re.compile(r"[ \t]*(?:" + _alternation(map(re.escape, data["money_nouns"])) + ")"),
            money_nouns_before=re.compile("(?:" + _alternation(map(re.escape, data["money_nouns"]))
                                          + r")[^，。；;,\d\n率比]{0,3}$"),
            bare_after_ok=frozenset(data["bare_number_after_ok"]),
            year_after=re.compile(data["year_like_after"]),
            model_year_units=frozenset(data["model_year_units"]),
            comparative_before=str(data["comparative_before"]),
            comparative_after={ch: d for d, chars in data["comparative_after"].items() for ch in chars},
            bound_joiner=re.compile(data["bound_joiner"]),
            between_before=re.compile(data["between_before"]),
            units={surface: spec for surface, (spec, _) in rows.items()},
        )
    except re.error as exc:
        raise DataFileError(f"quantities/patterns.yaml does not compile: {exc}", stage="quantities") from exc


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


def find_quantities(text: str, *, region: str | None = None) -> list[Quantity]:
    """Return the number and quantity mentions of `text` (Simplified Chinese), sorted by start, non-overlapping.

    `region` (CN, TW, HK, MO; see `currency_region`) gives the currency of a bare 元 and of a bare 亿 amount in
    a money context; without it they are CNY. A currency written with the amount always wins.
    """
    table = regions()
    local = table.by_code[region or table.default].currency
    g = grammar()
    t = to_ascii(text)
    skips = _skip_spans(g, t)
    out: list[Quantity] = []
    pos = 0
    n = len(t)
    skip_i = 0
    tight_until = 0
    while True:
        sm = g.start.search(t, pos)
        if sm is None:
            break
        s = sm.start()
        while skip_i < len(skips) and skips[skip_i][1] <= s:
            skip_i += 1
        if skip_i < len(skips) and skips[skip_i][0] <= s:
            pos = skips[skip_i][1]
            continue
        m = g.master.match(t, s)
        if m is None:
            pos = s + 1
            continue
        end = m.end()
        if skip_i < len(skips) and skips[skip_i][0] < end:
            pos = skips[skip_i][1]
            continue
        word_end = _inside_word(g, t, s)
        if word_end:
            pos = max(s + 1, word_end)
            continue
        gm = g
        if s < tight_until:
            gm = grammar(True)  # inside a spaced run already found not to compose: read it without spaces
            m = gm.master.match(t, s)
            if m is None:
                pos = s + 1
                continue
        elif (" " in m.group() or "\t" in m.group()) and not _well_formed(g, t, m):
            tight_until = m.end()
            # 一百 五 十 二 is one number, 三十五 千分之五 two: where spaced parts do not compose, no spaces
            gm = grammar(True)
            m = gm.master.match(t, s)
            if m is None:
                pos = s + 1
                continue
        q = _quantity(gm, text, t, m, local)
        if q is None:
            pos = _skip_token(t, m.end())
            continue
        if out and q.start < out[-1].end:
            q = _trimmed(q, out[-1].end, text)
        if q is not None:
            out.append(q)
        # a candidate cut short (28nm/40V) goes on after the mention it kept
        pos = max(q.end if q is not None else 0, s + 1) if q is not None and q.end < m.end() \
            else max(q.end if q is not None else 0, m.end(), s + 1)
        if pos >= n:
            break
    return _joined_bounds(g, text, t, out)


def _joined_bounds(g: Grammar, text: str, t: str, found: list[Quantity]) -> list[Quantity]:
    """Merge a lower and an upper bound written together (大于10小于20, 1000以上，1500以下) into one range."""
    out: list[Quantity] = []
    for q in found:
        p = out[-1] if out else None
        if p is not None and p.value is not None and q.value is not None and p.hedge and q.hedge \
                and {p.hedge in _LOWER_BOUNDS, q.hedge in _LOWER_BOUNDS} == {True, False} \
                and p.hedge in _LOWER_BOUNDS | _UPPER_BOUNDS and q.hedge in _LOWER_BOUNDS | _UPPER_BOUNDS:
            joiner = g.bound_joiner.fullmatch(t, p.end, q.start)
            bare = p.unit is None and q.unit is None
            if joiner and (bare or not any(c in joiner.group() for c in ",，")) \
                    and (p.kind == q.kind or "number" in (p.kind, q.kind)):
                lower, upper = (p, q) if p.hedge in _LOWER_BOUNDS else (q, p)
                if lower.value < upper.value:
                    kind, unit = (p.kind, p.unit) if p.kind != "number" else (q.kind, q.unit)
                    out[-1] = Quantity(p.start, q.end, text[p.start:q.end], kind, None, lower.value, upper.value,
                                       unit, True, f"{lower.hedge}/{upper.hedge}")
                    continue
        out.append(q)
    return out


def _well_formed(g: Grammar, t: str, m: re.Match) -> bool:
    if m.group("special"):
        return True
    members, _ = _members(g, t, m)
    return bool(members) and all(is_well_formed(mm.group("num")) for mm, _ in members)


def _skip_spans(g: Grammar, t: str) -> list[tuple[int, int]]:
    """Return the sorted, merged spans of links, dates, clock times and versions, where nothing is a quantity."""
    spans = sorted(m.span() for trigger, pattern in g.skip_regions if trigger in t for m in pattern.finditer(t))
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _inside_word(g: Grammar, t: str, s: int) -> int:
    """Return the end of a not-a-number word (一切, 统一) that covers position `s`, or 0."""
    best = 0
    for k in range(min(s, g.not_numbers_reach - 1), -1, -1):
        pattern = g.not_numbers.get(t[s - k])
        if pattern is not None:
            wm = pattern.match(t, s - k)
            if wm is not None and wm.end() > s:
                best = max(best, wm.end())
    return best


def _skip_token(t: str, end: int) -> int:
    """Return where scanning resumes after a rejected candidate: past the rest of a code such as H200-Pro."""
    while end < len(t) and (t[end].isascii() and (t[end].isalnum() or t[end] in "-_.")):
        end += 1
    return end


def _trimmed(q: Quantity, start: int, text: str) -> Quantity | None:
    if start >= q.end:
        return None
    return Quantity(start, q.end, text[start:q.end], q.kind, q.value, q.low, q.high, q.unit, q.approximate, q.hedge)


@dataclass(frozen=True, slots=True)
class _Member:
    reading: Reading
    unit: UnitSpec | None
    scale: float  # the trailing 万/亿 of the numeral, 1 when it has none
    coins: float
    percent_words: bool


def _quantity(g: Grammar, text: str, t: str, m: re.Match, local: str = "CNY") -> Quantity | None:
    s, end = m.start(), m.end()
    special, body, unit_text = m.group("special", "body", "unit")
    if unit_text is None and body is not None and m.end("first_end") == m.end("body") \
            and g.not_after.match(t, m.end("num")):
        return None  # the common case, decided first: 2025年, 3日, 三期
    b = s
    while b and t[b - 1] in " \t":
        b -= 1
    if b and t[b - 1] in g.not_before_ends and g.not_before.search(t, max(0, s - 6), s):
        return None
    if special:
        q = _special(text, t, m)
        if q is None or not q.start or t[q.start - 1] not in g.hedge_ends:
            return q
        hedge_m = g.pre_hedge.search(t, max(0, q.start - 8), q.start)
        if hedge_m is None:
            return q
        direction = g.pre_hedge_directions[hedge_m.lastindex - 1]
        return Quantity(hedge_m.start(), q.end, text[hedge_m.start():q.end], q.kind, q.value, q.low, q.high,
                        q.unit, True, direction)
    if body is not None and m.end("first_end") == m.end("body"):
        members, seps = [(m, m.end("num"))], []
    else:
        members, seps = _members(g, t, m)
        if len(members) > 1 and members[0][0].group("unit") and not members[-1][0].group("unit"):
            # 4元/百万: only a list when the last member carries the unit; here the first stands alone
            members, seps = members[:1], []
            end = members[0][0].end()
    if not members:
        return None
    last_num_end = members[-1][1]
    last_unit = members[-1][0].group("unit")
    if (last_unit is None or last_unit.startswith("个")) and g.not_after.match(t, last_num_end):
        return None  # 2025年, 3个月, 三期: a date, duration or ordinal
    sym_currency = None
    if t[s] in "$¥€£":
        if t[s] == "$" and t[s - 2:s] in ("US", "HK", "NT"):
            s -= 2
        sym_currency = g.currency_prefixes.get(t[s:m.start() + 1])
    if s and _is_ascii_alnum(t[s - 1]):
        return None
    if s and t[s - 1] == "_":
        return None  # img_500655182: an identifier
    b = s
    while b and t[b - 1] in "-._/\\":
        b -= 1
    if b < s and b and _is_ascii_alnum(t[b - 1]):
        return None  # GLM-4.5, f/1.8, X\_9: the tail of a code
    if end < len(t) and t[end - 1].isascii() and _is_ascii_alnum(t[end]):
        return None
    if end + 1 < len(t) and t[end] == "-" and t[end + 1].isascii() and t[end + 1].isalpha():
        return None  # 7-ELEVEn, 3-COFFEE: the head of a name
    if len(members) == 1:
        mm = members[0][0]
        one = _member(mm.group("num"), mm.group("unit"), mm.group("half"), mm.group("coins"))
        if one is None or mm.group("num").strip() in ("零", "〇"):
            return None  # 零 alone is a word (零部件, 零件, 零售)
        parsed = [one]
    else:
        parsed = [_member(mm.group("num"), mm.group("unit"), mm.group("half"), mm.group("coins"))
                  for mm, _ in members]
        if any(p is None for p in parsed):
            return None
        nums = [mm.group("num").strip() for mm, _ in members]
        if any(len(n) > 1 and n.startswith("0") and n.isdigit() for n in nums):
            return None  # 010-86625909, 0921-607045: a telephone number, not a range
        if last_unit is None and all(n.isdigit() and len(n) == 4 and 1900 <= int(n) <= 2100 for n in nums):
            return None  # 2014至2017: a span of years
    first_num = members[0][0].group("num")
    unit = parsed[-1].unit
    cut = False
    if len(parsed) == 1 and unit is not None and unit.surface in g.model_year_units \
            and _YEAR_LIKE.fullmatch(first_num.strip()):
        return None  # 2023款揽胜: a model year
    if len(parsed) > 1 and any(p.unit is not None and unit is not None and p.unit.unit != unit.unit
                               for p in parsed[:-1]):
        # members with different units are separate mentions: 28nm/40V is not a list, and 增长5%至11.62亿美元
        # is a rate and an amount; the first stands alone here and the scan goes on after it
        if parsed[0].unit is None or members[0][0].group("coins"):
            return None
        members, seps, parsed = members[:1], [], parsed[:1]
        end = members[0][0].end()
        unit = parsed[0].unit
        cut = True
    # sign: 负3%, -2.5% (a hyphen after a number is a range dash, handled by the separator)
    sign = 1.0
    if s and (t[s - 1] == "负" or (t[s - 1] == "-" and not (s > 1 and (_is_ascii_alnum(t[s - 2])
                                                                   or t[s - 2] == "-")))):
        if not first_num.startswith(("负", "-")):
            sign = -1.0
            s -= 1
    hedge = None
    b = s
    while b and t[b - 1] in " \t":
        b -= 1
    hedge_m = g.pre_hedge.search(t, max(0, s - 8), s) if b and t[b - 1] in g.hedge_ends else None
    if hedge_m and hedge_m.group(hedge_m.lastindex) in g.hedge_not_before \
            and g.hedge_not_before[hedge_m.group(hedge_m.lastindex)].match(t, s):
        hedge_m = None  # 扫过一次, 过一个暑假: 过 is the verb's particle, not 'more than'
    if hedge_m:
        hedge = g.pre_hedge_directions[hedge_m.lastindex - 1]
        s = hedge_m.start()
    currency = None
    b = s
    while b and t[b - 1] in " \t":
        b -= 1
    cur_m = g.currency_prefix.search(t, max(0, s - 6), s) if b and t[b - 1] in g.hedge_ends else None
    if cur_m and (unit is None or unit.surface in ("元", "块钱")):
        currency = g.currency_prefixes[cur_m.group(1)]
        s = cur_m.start()
        if hedge is None:
            hedge_m = g.pre_hedge.search(t, max(0, s - 8), s)
            if hedge_m:
                hedge = g.pre_hedge_directions[hedge_m.lastindex - 1]
                s = hedge_m.start()
    currency = currency or sym_currency
    if m.group("post") and not cut:
        hedge = g.post_hedges.get(m.group("post").strip(), hedge) if hedge is None else hedge
    if len(parsed) == 1 and unit is None and hedge is None and currency is None \
            and _bare_reject(g, t, m.start(), first_num):
        return None
    if hedge is None:
        # 比三十大, 比 170 低
        b = s
        while b and t[b - 1] in " \t":
            b -= 1
        after_at = end
        while after_at < len(t) and t[after_at] in " \t":
            after_at += 1
        k = len(g.comparative_before)
        if t[b - k:b] == g.comparative_before and after_at < len(t) and t[after_at] in g.comparative_after:
            hedge = g.comparative_after[t[after_at]]
            s = b - k
            end = after_at + 1
    if m.group("between") and not cut:
        bm = g.between_before.search(t, max(0, s - 4), s)
        if bm:
            s = bm.start()

    last = parsed[-1]
    values: list[tuple[float, float, float | None]] = []  # (low, high, value) per member, scaled
    if len(parsed) == 1:
        r, k = last.reading, last.scale * sign
        if k > 0:
            values.append((r.low * k, r.high * k, None if r.value is None else r.value * k))
        else:
            values.append((r.high * k, r.low * k, None if r.value is None else r.value * k))
    for i, p in enumerate(parsed if len(parsed) > 1 else ()):
        r = p.reading
        factor = 1.0
        if p is not last and p.scale == 1.0 and last.scale > 1.0:
            # 5-20亿: a member without 万/亿 takes the last member's, unless that overshoots (5千-2万)
            top = last.reading.high * last.scale
            if r.high * last.scale <= top:
                factor = last.scale
        k = factor * p.scale * (sign if i == 0 else 1.0)  # -10000与20000间: the sign is the first member's
        low_high = sorted((r.low * k, r.high * k))
        values.append((low_high[0], low_high[1], None if r.value is None else r.value * k))
    kind, unit_code, unit_factor = "number", None, 1.0
    spec = last.unit
    if last.percent_words:
        kind, unit_code = "percent", "%"
    elif spec is not None:
        kind, unit_code, unit_factor = spec.kind, spec.unit, spec.factor
    if kind == "percent" and spec is not None and spec.surface == "折":
        values = [_discount(v) for v in values]
        if any(v is None for v in values):
            return None
        unit_factor = 1.0
    elif kind == "percent" and spec is not None and spec.surface == "成" and values[-1][1] > 10:
        unit_factor = 1.0  # 85成 (Hong Kong usage, like 七五成) is 85%; 十成 and 10成 are 100%
    if currency and kind in ("number", "money"):
        kind, unit_code = "money", currency
    elif kind == "money" and spec is not None and spec.surface in regions().local_units:
        unit_code = local  # a bare 元 is the currency of the place the text is from
    if kind == "number" and _BIG_SCALE.search(members[-1][0].group("num")) and (
            g.money_nouns.match(t, end) or g.money_nouns_before.search(t, max(0, s - 6), s)):
        kind, unit_code = "money", local
    coins = last.coins
    lows = [v[0] * unit_factor for v in values]
    highs = [v[1] * unit_factor for v in values]
    if len(values) == 1:
        value = None if values[0][2] is None else values[0][2] * unit_factor + coins
        low, high = lows[0] + coins, highs[0] + coins
    elif len(values) == 2 and seps == ["/"] and unit is None and last.scale == 1.0 \
            and all(_PURE_INTEGER.fullmatch(mm.group("num")) or mm.group("num").isdigit() for mm, _ in members):
        if values[1][1] == 0:
            return None
        value = values[0][1] / values[1][1]
        low = high = value
    else:
        low, high, value = min(lows), max(highs), None
    vague = any(p.reading.value is None or p.reading.over for p in parsed)
    if hedge is None and any(p.reading.over for p in parsed):
        hedge = "over"
    if not (low.is_integer() and high.is_integer()):
        value, low, high = _tidy(value), _tidy(low), _tidy(high)
    return Quantity(s, end, text[s:end], kind, value, low, high, unit_code, bool(hedge) or vague, hedge)


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _tidy(x: float | None) -> float | None:
    """Return x rounded to 12 significant digits, so 百分之零点九 is 0.9 and not 0.9000000000000001."""
    if x is None or x.is_integer() and abs(x) < 1e15:
        return x
    return float(f"{x:.12g}")


def _members(g: Grammar, t: str, m: re.Match) -> tuple[list[tuple[re.Match, int]], list[str]]:
    """Split a candidate into its member matches (with where each numeral ends) and the separators between."""
    pos, end = m.start(), m.end("between") if m.group("between") else m.end("body")
    members: list[tuple[re.Match, int]] = []
    seps: list[str] = []
    while pos < end:
        mm = g.member.match(t, pos, end)
        if mm is None:
            return [], []
        members.append((mm, mm.end("num")))
        pos = mm.end()
        if pos >= end:
            break
        sep = g.separator.match(t, pos, end) or _BETWEEN_JOIN.match(t, pos, end)
        if sep is None or sep.end() == pos:
            if m.group("between"):
                break  # the rest is 之间
            return [], []
        seps.append(sep.group().strip())
        pos = sep.end()
    return members, seps


@lru_cache(maxsize=8192)
def _member(num: str, surface: str | None, half: str | None, coin_text: str | None) -> _Member | None:
    """Read one member of a candidate: its numeral, unit, 半 and coins (cached: the same few recur)."""
    spec = grammar().units.get("".join(surface.split())) if surface else None
    pw = _PERCENT_WORDS.fullmatch(num)
    if pw and not re.search(r"[0-9零〇一二三四五六七八九壹贰叁肆伍陆柒捌玖两俩]", pw.group(1)):
        denominator = parse_number(pw.group(1))
        numerator = parse_number(pw.group(2))
        if not denominator or numerator is None:
            return None
        v = numerator / denominator * 100
        return _Member(Reading(v, v, v, False), spec, 1.0, 0.0, True)
    if spec is None and len(num) > 1 and num.endswith("两") and num[-2] in "二十百千万亿拾佰仟0123456789":
        # 三十两, 两万两: a trailing 两 after a unit or digit is the weight unit liang
        num = num[:-1]
        spec = UnitSpec("两", "measure", "两", 1.0)
    reading = read_numeral(num)
    if reading is None:
        return None
    scale = 1.0
    big = _BIG_SCALE.search(num.rstrip(" \t"))
    if big and not re.search(r"[万亿兆]", num[: big.start()]) and not re.fullmatch(r"[万亿兆]+", num.strip()):
        scale = parse_number("一" + big.group()) or 1.0
        base = read_numeral(num.rstrip(" \t")[: big.start()])
        if base is None:
            scale = 1.0
        else:
            reading = base
    if half:
        reading = Reading(None if reading.value is None else reading.value + 0.5, reading.low + 0.5,
                          reading.high + 0.5, reading.over)
    coins = 0.0
    if coin_text:
        for cm in _COIN.finditer(coin_text.replace("又", "")):
            amount = parse_number(cm.group(1))
            if amount is None:
                return None
            coins += amount * (0.1 if cm.group(2) in ("角", "毛") else 0.01)
    return _Member(reading, spec, scale, coins, False)


def _discount(v: tuple[float, float, float | None]) -> tuple[float, float, float | None] | None:
    """Read 折 (a discount): 七折 and 7.5折 are tenths (70%, 75%), 七五折 and 75折 hundredths."""
    low, high, value = v
    x = high
    if 0 < x < 10:
        return low * 10, high * 10, None if value is None else value * 10
    if 10 < x < 100 and x != int(x) // 10 * 10:
        return v
    return None


def _special(text: str, t: str, m: re.Match) -> Quantity | None:
    s, end = m.start(), m.end()
    raw = "".join(m.group("special").split())
    if raw.endswith("对折"):
        if raw == "对折":
            if not (s and t[s - 1] == "打"):
                return None
        else:
            s += 1  # 打对折: the discount is 对折
        value = 50.0
    elif raw in ("半折", "半成", "半百"):
        value = {"半折": 50.0, "半成": 5.0, "半百": 50.0}[raw]
        if raw == "半百":
            return Quantity(s, end, text[s:end], "number", value, value, value, None, False, None)
    elif raw.endswith("折"):
        value = float(raw[:-1])
    else:
        tens, ones = parse_number(raw[0]), parse_number(raw[-1])
        if tens is None or ones is None:
            return None
        value = tens * 10 + ones
    return Quantity(s, end, text[s:end], "percent", value, value, value, "%", False, None)


def _bare_reject(g: Grammar, t: str, s: int, num: str) -> bool:
    """Return True when a number without unit or hedge is not a quantity: 陆 (land), 万 alone, 思元590."""
    stripped = "".join(num.split())
    if len(stripped) > 1 and stripped.startswith("0") and stripped.isdigit():
        return True  # 09888, 000001: a stock or postal code
    end = s + len(num)
    if _YEAR_LIKE.fullmatch(stripped) and g.year_after.match(t, end):
        return True  # 2025新菜单, 2020及2021年, （2022-至今）: a year, not a quantity
    if end < len(t) and t[end] in "》」』":
        return True  # 《哪吒2》: part of a title
    if s and end < len(t) and t[s - 1] + t[end] in ("()", "（）", "[]", "【】"):
        return True  # 阿里巴巴（9988）, [1]: a stock code, a note marker
    b = s
    while b and t[b - 1] == " ":
        b -= 1
    if b < s and b and t[b - 1].isascii() and t[b - 1].isalpha():
        return True  # Snapdragon 4 Gen 2, HONOR 200 Smart: part of a product name
    if len(stripped) >= 3 and s and t[s - 1] in "「“《【『\"" and end < len(t) \
            and (is_han(t[end]) or t[end] in "」”》】』\""):
        return True  # “520”计划, 「329南青论坛」: a number used as a name
    if end < len(t) and t[end] in ".、)）" and not t[end + 1:end + 2].isdigit():
        line_start = t.rfind("\n", 0, s) + 1
        if not t[line_start:s].strip(" \t>*#-+（(") or t[end] in ")）" \
                or t[s - 1:s] in ("：", ":", "；", ";", "。", "，", ","):
            return True  # 1. or 二、 at the head of a line or clause, 1）: a list marker
    if end < len(t) and t[end] == "、":
        line_start = t.rfind("\n", 0, s) + 1
        if not t[line_start:s].strip(" \t>*#-+（(") or t[s - 1:s] in ("：", ":", "；", ";", "。", ")", "）"):
            return True  # 6、2月11日 at the head of a line or sentence: a list marker before a date
        if all(ch in _CN_DIGITS or ch == "十" for ch in stripped) and not (
                t[end + 1:end + 2] and (t[end + 1] in _CN_DIGITS or t[end + 1] in "十百千万")):
            return True  # （含国中生）二、服务项目: a Chinese numeral and 、 before words is a list marker
        if len(stripped) == 1 and stripped.isdigit() and s and is_han(t[s - 1]) \
                and t[s - 1] not in g.bare_after_ok:
            return True  # 宏观新闻1、外交部…: a marker run into a heading
    if len(stripped) > 1 and all(ch in _CN_DIGITS for ch in stripped) and not any(ch in "〇零" for ch in stripped):
        return True  # 七一, 九一八: bare runs of digit characters name days and events; 二〇二五 is a number
    if stripped in ("一", "壹"):
        return True  # 一 without a classifier or hedge is an article or a word part (一柄, 一开年), not a count
    if end < len(t) - 1 and t[end] == " " and t[end + 1].isascii() and t[end + 1].isalpha():
        return True  # 11 Street, 3 Pro: part of a name
    if len(stripped) == 1 and (stripped in "陆伍拾肆佰仟" or _SCALE_ONLY.fullmatch(stripped) and stripped != "十"):
        return True
    if _PURE_INTEGER.fullmatch(stripped) and s and is_han(t[s - 1]) \
            and t[s - 1] not in g.bare_after_ok:
        return True
    return False
