"""Word segmentation with a private jieba Tokenizer and sentence splitting for Chinese news.

jieba's module-level tokenizer is shared by the whole process (a word added there leaks everywhere), logs at
DEBUG on import and caches its dictionary in the system temp folder; we build a private `jieba.Tokenizer` with
the project lexicon added and keep its cache in a folder the caller chooses. The words are jieba's, cut by
`Segmenter.cut` from a packed copy of that tokenizer's dictionary (27 MB less) whose trie a compiled walk
reads (word_trie.py: a sixth of the time of jieba's own cut, HMM included).
"""
from __future__ import annotations

import hashlib
import logging
import marshal
import math
import os
import re
import sys
from collections.abc import Iterable, Mapping
from functools import cache
from itertools import accumulate
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy

from extract.cache import write_atomically
from extract.resources import load
from extract.text.chars import code_points
from extract.text.word_trie import WordTrie, best_ends, word_trie


def _import_jieba():
    """Return the jieba module, imported without setuptools' pkg_resources where nothing imported that yet.

    jieba's import tries `import pkg_resources` only to open its own data files; pkg_resources scans every
    installed distribution when imported (a tenth of a second and 13 MB at every start, and a deprecation
    warning). Hidden, jieba opens the same files by path, as it does where setuptools is absent.
    """
    if "jieba" in sys.modules or "pkg_resources" in sys.modules:
        import jieba
        return jieba
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # makes `import pkg_resources` fail
    try:
        import jieba
    finally:
        if "pkg_resources" in sys.modules and sys.modules["pkg_resources"] is None:
            del sys.modules["pkg_resources"]
    return jieba


jieba = _import_jieba()
jieba.setLogLevel(logging.WARNING)

# POS tags (jieba / ICTCLAS tag set) for lexicon words, by entity label.
_LABEL_TAGS = {"PERSON": "nr", "ORG": "nt", "GPE": "ns", "LOC": "ns", "PRODUCT": "nz"}
_DIGITS = re.compile(r"^[0-9０-９][0-9０-９.,%％]*$")
_LATIN = re.compile(r"^[A-Za-zＡ-Ｚａ-ｚ0-9０-９._\-]+$")
_SPACE = re.compile(r"^\s+$")
# jieba's own block patterns (see Segmenter.cut)
_BLOCKS, _SPACES = jieba.re_han_default, jieba.re_skip_default
finalseg = jieba.finalseg


class Token(NamedTuple):
    """A word of the Simplified text with its half-open offsets and its part-of-speech tag.

    A named tuple, not a frozen dataclass: an article has thousands of tokens, and a frozen dataclass's
    constructor cost a quarter of the segmentation time.
    """

    text: str
    start: int
    end: int
    pos: str


_new_tuple = tuple.__new__


class SegmenterState(NamedTuple):
    """What a Segmenter reads: jieba's prefix dictionary with the lexicon's words, packed, and the tags.

    `words` maps a word to its count << TAG_BITS | the index of its stock dictionary tag in `tag_names` (0: none);
    a fragment that only begins longer words maps to 0 (those of 2 to SCANNED - 1 characters are left out: the
    cut looks every fragment that short up anyway). `stock` holds the stock dictionary's (count, tag) of the few
    words whose packed value does not give them (the lexicon's words, whose count the lexicon raised).
    One dictionary where jieba's FREQ, the stock tags and the stock counts were three: 30 MB less at every start.
    """

    words: dict[str, int]
    total: int
    lexicon_tags: dict[str, str]
    tag_names: tuple[str | None, ...]
    stock: dict[str, tuple[int | None, str | None]]


TAG_BITS = 8
_TAG_MASK = (1 << TAG_BITS) - 1
# Fragments up to this length are looked up whether or not a shorter one begins a word; past it, the scan
# goes on only while the fragment is a word or begins one (jieba's rule, which needs every prefix stored).
SCANNED = 4
_SAME = object()


class _StockView(Mapping):
    """jieba's stock dictionary read through a SegmenterState: the tag (`field` 1) or count (0) of each word."""

    def __init__(self, state: SegmenterState, field: int):
        self._state, self._field, self._size = state, field, None

    def get(self, word, default=None):
        found = self._state.stock.get(word, _SAME)
        if found is not _SAME:
            value = found[self._field]
        else:
            packed = self._state.words.get(word)
            if not packed:
                return default
            value = self._state.tag_names[packed & _TAG_MASK] if self._field else packed >> TAG_BITS
        return default if value is None else value

    def __getitem__(self, word):
        value = self.get(word)
        if value is None:
            raise KeyError(word)
        return value

    def __contains__(self, word) -> bool:
        return self.get(word) is not None

    def __iter__(self):
        stock = self._state.stock
        yield from (word for word in self._state.words if word not in stock and self.get(word) is not None)
        yield from (word for word, entry in stock.items() if entry[self._field] is not None)

    def __len__(self) -> int:
        if self._size is None:
            self._size = sum(1 for _ in self)
        return self._size


class Segmenter:
    """jieba's segmentation (its dictionary, its HMM for unknown words) with the project lexicon added.

    `words` are (surface form, entity label) pairs in Simplified script; each becomes a jieba word with a
    frequency high enough to win over splitting it, so entity names are single tokens. The cut is jieba's
    `Tokenizer.cut(text, HMM=True)`, word for word, reading a packed dictionary (SegmenterState) and its trie
    (word_trie.WordTrie, kept beside the state in the cache folder).
    """

    LEXICON_FREQ = 50_000
    TAG_MEMO_LIMIT = 200_000
    HMM_LIMIT = 50_000

    def __init__(self, words: Iterable[tuple[str, str]] = (), *, cache_dir: Path | None = None):
        cache_dir = cache_dir if cache_dir is not None else user_cache_dir()
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
        except OSError:  # an unwritable home: jieba and the tags are read from their sources each time
            pass
        words = tuple(words)
        file = state_file(words, cache_dir)
        self.state = state = segmenter_state(words, cache_dir, file)
        self._words, self._tags, self._tag_names = state.words, state.lexicon_tags, state.tag_names
        self._stock_tags = _StockView(state, 1)
        self._log_total = math.log(state.total)
        self._unknown = math.log(1) - self._log_total  # a character that begins no word counts as seen once
        self._trie: WordTrie | None = None
        self._trie_file = file.with_suffix(".trie.npz")
        self._hmm: dict[str, tuple[str, ...]] = {}
        self._tag_memo: dict[str, str] = {}  # word -> its tag, as `tokens` tags it

    @classmethod
    def lexicon_words(cls, tokenizer: jieba.Tokenizer, words: tuple[tuple[str, str], ...]) -> dict[str, str]:
        """Add the lexicon's words to an initialized `tokenizer`; return the tag of each word added."""
        tags = {}
        total = tokenizer.total
        for word, label in words:
            if len(word) < 2 or _SPACE.search(word):
                continue
            tokenizer.add_word(word, freq=max(cls.LEXICON_FREQ, tokenizer.FREQ.get(word, 0)))
            tags[word] = _LABEL_TAGS.get(label, "nz")
        # add_word adds each frequency to jieba's total, and every word of a path costs log(total): a total
        # grown by the lexicon makes paths of fewer, longer words win (瑞典人, 湖南省人民政府 as one word hide
        # the place), more with every lexicon entry. The stock total keeps ordinary text cut as jieba cuts it.
        tokenizer.total = total
        return tags

    def tokens(self, text: str) -> list[Token]:
        """Return the tokens of `text` in order, whitespace included (tagged 'x')."""
        memo, tag_of = self._tag_memo.get, self._memo_tag
        words = self.cut(text)
        # Each word's tag is found once and remembered: one lookup in a small dictionary of the words met, where
        # the lexicon's tags and then jieba's dictionary of 350,000 words were two, mostly out of the CPU's
        # cache. Tokens are made with tuple.__new__: a NamedTuple's own __new__ is a Python function, a call per
        # token.
        return [_new_tuple(Token, (word, end - len(word), end, memo(word) or tag_of(word)))
                for word, end in zip(words, accumulate(map(len, words)))]

    def cut(self, text: str) -> list[str]:
        """Return the words of `text` as jieba's `Tokenizer.cut(text, HMM=True)` returns them."""
        out: list[str] = []
        # jieba's blocks: runs of Han, Latin, digits and a few symbols are segmented; between them each space
        # (or CRLF) is a word, and every other character is a word alone. re.split puts the runs at odd indices.
        pieces = _BLOCKS.split(text)
        offsets = [0, *accumulate(map(len, pieces))]
        ends = self._best_ends(text, offsets) if len(pieces) > 1 else []
        for i, piece in enumerate(pieces):
            if not piece:
                continue
            if i & 1:
                self._cut_block(text, offsets[i], offsets[i + 1], ends, out)
            else:
                for j, part in enumerate(_SPACES.split(piece)):
                    if j & 1:
                        out.append(part)
                    else:
                        out.extend(part)
        return out

    def _best_ends(self, text: str, offsets: list[int]) -> list[int]:
        """Return, for each position of a block, the end of the word starting there on the most probable path.

        All the blocks of the text in one call of the compiled walk over the dictionary's trie (word_trie.py).
        """
        bounds = numpy.array(offsets[1:-1], dtype=numpy.int64)  # block k spans bounds[2k]:bounds[2k + 1]
        return best_ends(code_points(text), bounds[0::2], bounds[1::2], *self.trie, self._unknown).tolist()

    @property
    def trie(self) -> WordTrie:
        """Return the dictionary as a trie of code points (built once, then read from the segmenter's cache)."""
        if self._trie is None:
            self._trie = word_trie(self._words, TAG_BITS, self._log_total, self._trie_file)
        return self._trie

    def _cut_block(self, text: str, x: int, n: int, ends: list[int], out: list[str]) -> None:
        """Append the words of the block text[x:n]: the most probable path through jieba's words, its HMM for
        the runs of characters that are no word of the path."""
        run = ""
        while x < n:
            y = ends[x]
            if y - x == 1:
                run += text[x]
            else:
                if run:
                    self._cut_run(run, out)
                    run = ""
                out.append(text[x:y])
            x = y
        if run:
            self._cut_run(run, out)

    def _cut_run(self, run: str, out: list[str]) -> None:
        """Append the words of a run of single characters: jieba's HMM where the run is not itself a word."""
        if len(run) == 1:
            out.append(run)
        elif self._words.get(run):
            out.extend(run)
        else:
            words = self._hmm.get(run)
            if words is None:
                if len(self._hmm) >= self.HMM_LIMIT:  # new names keep coming: keep the memo bounded
                    self._hmm.clear()
                words = self._hmm[run] = tuple(finalseg.cut(run))
            out.extend(words)

    def _memo_tag(self, word: str) -> str:
        """Return and remember the tag of a word: the lexicon's, else jieba's dictionary's, else by its characters."""
        if len(self._tag_memo) >= self.TAG_MEMO_LIMIT:  # new words keep coming: keep the memo bounded
            self._tag_memo.clear()
        tag = self._tag_memo[word] = (self._tags.get(word) or self._tag_names[(self._words.get(word) or 0) & _TAG_MASK]
                                      or self.tag(word))
        return tag

    def tag(self, word: str) -> str:
        """Return the part-of-speech tag of a word: dictionary tag, else by its characters."""
        tag = self._tags.get(word) or self._stock_tags.get(word)
        if tag:
            return tag
        if _SPACE.match(word):
            return "x"
        if _DIGITS.match(word):
            return "m"
        if _LATIN.match(word):
            return "eng"
        if len(word) == 1 and not word.isalnum():
            return "x"
        return "x" if not any(ch.isalnum() for ch in word) else "n"


def user_cache_dir() -> Path:
    """Return the folder where the segmenter keeps caches that outlive the process (the user cache folder)."""
    from extract.cache import user_cache_dir as package_cache_dir

    return package_cache_dir() / "jieba"


@cache
def dictionary_entries(dict_path: str, cache_dir: Path) -> tuple[Mapping[str, str], Mapping[str, int]]:
    """Return (tag of each word, count of each word) of a jieba dictionary, read once per process.

    Where a segmenter's state holds the dictionary already, they are read through it (see `segmenter_state`).
    """
    return _STOCK_LOADED.get((dict_path, cache_dir)) or read_dictionary(dict_path, cache_dir)


# (dictionary path, cache folder) -> (tags, counts) read through a segmenter's state, for dictionary_entries
_STOCK_LOADED: dict[tuple[str, Path], tuple[Mapping[str, str], Mapping[str, int]]] = {}
_STATE_LAYOUT = 2  # of the state file, part of its key: 1 held jieba's FREQ and the stock tags and counts apart


def segmenter_state(words: tuple[tuple[str, str], ...], cache_dir: Path, cached: Path | None = None) -> SegmenterState:
    """Return the SegmenterState of a lexicon's words, from one cache file (`cached`: its `state_file`).

    One marshal file, keyed by the dictionary file, jieba's version and the words, in which the dictionaries
    share their word strings: loading it costs a fraction of parsing jieba's dictionary and adding the lexicon.
    Without a usable file the state is built and written. The stock dictionary's tags and counts come along.
    """
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = str(cache_dir)  # jieba's own cache of its prefix dictionary, when the state is built
    dict_path = tokenizer.get_dict_file().name
    cached = cached or state_file(words, cache_dir, dict_path)
    prefix = cached.name.rsplit(".", 2)[0]  # segmenter.<dictionary>
    try:
        state = SegmenterState(*marshal.loads(cached.read_bytes()))
    except (OSError, EOFError, ValueError, TypeError):
        state = _built_state(tokenizer, words, dict_path, cache_dir)
        write_atomically(cached, marshal.dumps(tuple(state)))
        _remove_other_states(cache_dir, prefix, cached)
    _STOCK_LOADED.setdefault((dict_path, cache_dir), (_StockView(state, 1), _StockView(state, 0)))
    return state


def state_file(words: tuple[tuple[str, str], ...], cache_dir: Path, dict_path: str | None = None) -> Path:
    """Return the file of the SegmenterState of a lexicon's words: named by the dictionary, then a key of
    everything the state is built from (a new state replaces the older ones of its dictionary)."""
    dict_path = dict_path or jieba.Tokenizer().get_dict_file().name
    stat = os.stat(dict_path)
    key = hashlib.blake2b(repr((dict_path, stat.st_size, stat.st_mtime_ns, marshal.version, jieba.__version__,
                                Segmenter.LEXICON_FREQ, _LABEL_TAGS, _STATE_LAYOUT, TAG_BITS, SCANNED,
                                words)).encode(), digest_size=8).hexdigest()
    return cache_dir / f"segmenter.{hashlib.blake2b(dict_path.encode(), digest_size=4).hexdigest()}.{key}.marshal"


def _built_state(tokenizer: jieba.Tokenizer, words: tuple[tuple[str, str], ...], dict_path: str,
                 cache_dir: Path) -> SegmenterState:
    """Return the state of jieba's dictionary with the lexicon's `words` added (jieba's own add_word)."""
    tokenizer.initialize()
    stock_tags, stock_counts = read_dictionary(dict_path, cache_dir)
    lexicon_tags = Segmenter.lexicon_words(tokenizer, words)
    names = (None, *sorted(set(stock_tags.values())))
    if len(names) > _TAG_MASK + 1:
        raise ValueError(f"jieba's dictionary {dict_path} has {len(names) - 1} tags; the state packs {_TAG_MASK}")
    code = {tag: k for k, tag in enumerate(names)}
    values: dict[int, int] = {}  # equal values one object: marshal writes an object met twice as a reference
    packed = {}
    for word, count in tokenizer.FREQ.items():
        if count == 0 and 1 < len(word) < SCANNED:
            continue  # only begins words, and the cut looks fragments this short up anyway
        value = (count << TAG_BITS | code.get(stock_tags.get(word), 0)) if count else 0
        packed[word] = values.setdefault(value, value)
    stock = {}
    for word in stock_counts.keys() | {w for w, value in packed.items() if value}:
        value = packed.get(word)
        entry = (stock_counts.get(word), stock_tags.get(word))
        if entry != ((value >> TAG_BITS, names[value & _TAG_MASK]) if value else (None, None)):
            stock[word] = entry
    same = {word: word for word in packed}  # the lexicon's words as the very strings of `packed`
    return SegmenterState(packed, tokenizer.total, {same.get(w, w): tag for w, tag in lexicon_tags.items()},
                          names, {same.get(w, w): entry for w, entry in stock.items()})


def _remove_other_states(cache_dir: Path, prefix: str, kept: Path) -> None:
    """Delete the states of an earlier lexicon or jieba for the same dictionary (a state is never edited)."""
    # (the trie of a state, word_trie.py, is the state's file with another suffix: it goes with it)
    for other in [*cache_dir.glob(f"{prefix}.*.marshal"), *cache_dir.glob(f"{prefix}.*.trie.npz")]:
        if other not in (kept, kept.with_suffix(".trie.npz")):
            try:
                other.unlink()
            except OSError:  # another process removed it first, or the folder is read-only
                pass


def read_dictionary(dict_path: str, cache_dir: Path) -> tuple[dict[str, str], dict[str, int]]:
    """Return (tags, counts) of a jieba dictionary, from a cache in `cache_dir` when it is current.

    jieba's dictionary carries a tag per word; we read it to tag tokens without its slow HMM tagger, and the
    entity recognisers read the counts. Parsing its 350,000 lines costs several times more than loading the
    marshalled result, at every start.
    """
    stat = os.stat(dict_path)
    key = hashlib.blake2b(f"{dict_path}|{stat.st_size}|{stat.st_mtime_ns}|{marshal.version}".encode(),
                          digest_size=8).hexdigest()
    cached = cache_dir / f"dictionary.{key}.marshal"
    try:
        tags, freqs = marshal.loads(cached.read_bytes())
        return tags, freqs
    except (OSError, EOFError, ValueError, TypeError):
        pass
    tags, freqs = {}, {}
    with open(dict_path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3:
                tags[parts[0]] = parts[2]
                freqs[parts[0]] = int(parts[1])
    try:  # written whole, then renamed: a reader never sees half a file
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(marshal.dumps((tags, freqs)))
        os.replace(partial, cached)
    except OSError:
        pass
    return tags, freqs


@cache  # called per candidate name by the entity rules: the package lookup alone cost 0.2 ms a call
def stock_dictionary() -> tuple[dict[str, str], dict[str, int]]:
    """Return jieba's stock dictionary, read once: (tag of each word, count of each word)."""
    return dictionary_entries(str(resources.files("jieba") / "dict.txt"), user_cache_dir())


def merge_across(tokens: list[Token], is_boundary) -> list[Token]:
    """Return tokens with any two neighbours joined where their shared edge is not a valid boundary.

    `is_boundary(pos)` says whether a Simplified offset may be cut (see Normalized.is_boundary); it may also be
    the frozenset of offsets that may not be cut (Normalized.inner_offsets). A token edge inside a phrase
    that OpenCC converted as a whole could not be mapped back to the original text exactly.
    """
    # The frozenset form is the fast one: most texts have no inner offset at all, and then nothing is merged.
    if isinstance(is_boundary, frozenset):
        inner = is_boundary
        if not inner:
            return list(tokens)
        is_boundary = lambda pos: pos not in inner  # noqa: E731
    out: list[Token] = []
    for token in tokens:
        if out and not is_boundary(token.start):
            prev = out[-1]
            out[-1] = Token(prev.text + token.text, prev.start, token.end, prev.pos)
        else:
            out.append(token)
    return out


@cache
def _sentence_rules() -> tuple[re.Pattern[str], int]:
    rules = load("segment/sentences.yaml")
    enders = "".join(re.escape(ch) for ch in rules["enders"])
    closers = "".join(re.escape(ch) for ch in rules["closers"])
    # An ender run, then any closing quotes/brackets, ends a sentence; a line break always does.
    pattern = re.compile(f"[{enders}]+[{closers}]*|\\n+")
    return pattern, int(rules["max_chars"])


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return half-open spans of the sentences of `text`, without leading or trailing whitespace.

    A sentence ends at 。！？!? (and runs of them, ……), followed by closing quotes or brackets, or at a line
    break. A run-on sentence longer than `max_chars` (data/segment/sentences.yaml) is cut after a semicolon.
    """
    pattern, max_chars = _sentence_rules()
    spans = []
    start = 0
    for m in pattern.finditer(text):
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        for a, b in _cut_long(text, a, b, max_chars):
            a, b = strip_span(text, a, b)
            if a < b:
                out.append((a, b))
    return out


def strip_span(text: str, a: int, b: int) -> tuple[int, int]:
    """Return [a, b) narrowed past the whitespace at both ends."""
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _cut_long(text: str, a: int, b: int, max_chars: int) -> list[tuple[int, int]]:
    if b - a <= max_chars:
        return [(a, b)]
    pieces = []
    start = a
    for m in re.finditer("[；;]", text[a:b]):
        cut = a + m.end()
        if cut - start >= max_chars // 4:
            pieces.append((start, cut))
            start = cut
    pieces.append((start, b))
    return pieces
