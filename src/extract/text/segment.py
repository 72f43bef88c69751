"""Word segmentation with a private jieba Tokenizer and sentence splitting for Chinese news.

jieba's module-level tokenizer is shared by the whole process (a word added there leaks everywhere), logs at
DEBUG on import and caches its dictionary in the system temp folder; we own a `jieba.Tokenizer` instead, with
the project lexicon added, and keep its cache in a folder the caller chooses.
"""
from __future__ import annotations

import hashlib
import logging
import marshal
import os
import re
import sys
from collections.abc import Iterable
from functools import cache
from itertools import accumulate
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from extract.cache import write_atomically
from extract.resources import load


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


class Segmenter:
    """A jieba Tokenizer of our own, loaded with the project lexicon.

    `words` are (surface form, entity label) pairs in Simplified script; each becomes a jieba word with a
    frequency high enough to win over splitting it, so entity names are single tokens.
    """

    LEXICON_FREQ = 50_000
    GUESSED_LIMIT = 200_000

    def __init__(self, words: Iterable[tuple[str, str]] = (), *, cache_dir: Path | None = None):
        self._tokenizer = jieba.Tokenizer()
        cache_dir = cache_dir if cache_dir is not None else user_cache_dir()
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
        except OSError:  # an unwritable home: jieba and the tags are read from their sources each time
            pass
        # jieba keeps its dictionary cache (a marshal of the prefix dictionary) in this folder, not in /tmp.
        self._tokenizer.tmp_dir = str(cache_dir)
        freq, total, self._tags, self._stock_tags = segmenter_state(self._tokenizer, tuple(words), cache_dir)
        self._tokenizer.FREQ, self._tokenizer.total, self._tokenizer.initialized = freq, total, True
        self._guessed: dict[str, str] = {}

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
        tags, stock, guessed, tag_of = self._tags, self._stock_tags, self._guessed, self._guess_tag
        # jieba's tokenize() is cut() with offsets added in a generator: adding them here costs a sixth as much.
        words = list(self._tokenizer.cut(text, HMM=True))
        # Most words carry a dictionary tag: look it up inline (the lexicon's tag first); the others (numbers,
        # Latin words, names jieba's HMM found) are tagged by their characters once and remembered. Tokens are
        # made with tuple.__new__: a NamedTuple's own __new__ is a Python function, a call per token.
        return [_new_tuple(Token, (word, end - len(word), end,
                                   tags.get(word) or stock.get(word) or guessed.get(word) or tag_of(word)))
                for word, end in zip(words, accumulate(map(len, words)))]

    def _guess_tag(self, word: str) -> str:
        if len(self._guessed) >= self.GUESSED_LIMIT:  # new words keep coming: keep the memo bounded
            self._guessed.clear()
        tag = self._guessed[word] = self.tag(word)
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
def dictionary_entries(dict_path: str, cache_dir: Path) -> tuple[dict[str, str], dict[str, int]]:
    """Return (tag of each word, count of each word) of a jieba dictionary, read once per process.

    Do not change the dicts: every caller shares them (a segmenter's state holds them already: see
    `segmenter_state`).
    """
    return _STOCK_LOADED.get((dict_path, cache_dir)) or read_dictionary(dict_path, cache_dir)


# (dictionary path, cache folder) -> (tags, counts) a segmenter's state brought along, for dictionary_entries
_STOCK_LOADED: dict[tuple[str, Path], tuple[dict[str, str], dict[str, int]]] = {}


def segmenter_state(tokenizer: jieba.Tokenizer, words: tuple[tuple[str, str], ...], cache_dir: Path) -> tuple:
    """Return (prefix dictionary, total, lexicon tags, stock tags) of a Segmenter, from one cache file.

    The state is jieba's prefix dictionary with the lexicon's words added, the stock total, and the tags; the
    stock dictionary's tags and counts (`dictionary_entries`) come along. One marshal file, keyed by the
    dictionary file, jieba's version and the words, in which the three dictionaries share their word strings:
    loading it costs a third of loading jieba's cache and our tags separately (1.6 s of CPU and 156 MB at every
    start), with the same values. Without a usable file the state is built as before and written.
    """
    dict_path = tokenizer.get_dict_file().name
    stat = os.stat(dict_path)
    key = hashlib.blake2b(repr((dict_path, stat.st_size, stat.st_mtime_ns, marshal.version, jieba.__version__,
                                Segmenter.LEXICON_FREQ, _LABEL_TAGS, words)).encode(), digest_size=8).hexdigest()
    # Named by the dictionary, then the key: a new state replaces the older ones of its dictionary (16 MB each).
    prefix = f"segmenter.{hashlib.blake2b(dict_path.encode(), digest_size=4).hexdigest()}"
    cached = cache_dir / f"{prefix}.{key}.marshal"
    try:
        freq, total, lexicon_tags, stock_tags, stock_freqs = marshal.loads(cached.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        tokenizer.initialize()  # jieba's own cache of its prefix dictionary, in cache_dir
        stock_tags, stock_freqs = dictionary_entries(dict_path, cache_dir)
        lexicon_tags = Segmenter.lexicon_words(tokenizer, words)
        freq, total = tokenizer.FREQ, tokenizer.total
        write_atomically(cached, marshal.dumps(_sharing_strings(freq, total, lexicon_tags, stock_tags, stock_freqs)))
        _remove_other_states(cache_dir, prefix, cached)
    _STOCK_LOADED.setdefault((dict_path, cache_dir), (stock_tags, stock_freqs))
    return freq, total, lexicon_tags, stock_tags


def _remove_other_states(cache_dir: Path, prefix: str, kept: Path) -> None:
    """Delete the states of an earlier lexicon or jieba for the same dictionary (a state is never edited)."""
    for other in cache_dir.glob(f"{prefix}.*.marshal"):
        if other != kept:
            try:
                other.unlink()
            except OSError:  # another process removed it first, or the folder is read-only
                pass


def _sharing_strings(freq: dict, total: int, *tables: dict) -> tuple:
    """Return (freq, total, *tables) with every word one string object and equal values one object.

    marshal writes an object met twice as a reference: shared words are stored, and loaded, once.
    """
    words = {word: word for word in freq}
    values: dict = {}
    shared = [{words.get(k, k): values.setdefault(v, v) for k, v in table.items()} for table in tables]
    return (freq, total, *shared)


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
