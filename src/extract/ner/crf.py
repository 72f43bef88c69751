"""The default statistical named-entity model: a linear-chain CRF over characters.

Why a CRF beside the spaCy model (extract.ner.cnn): the spaCy CNN reads 15-20k characters a second here,
about a twentieth of jieba, so it cannot read whole articles within the pipeline's speed target, and it
scores lower. A linear CRF with hashed character n-gram, word and lexicon features is what the SIGHAN 2006
systems used on MSRA; its scores are table lookups and its decoding 81 additions per character, compiled
with numba, so it reads everything.

Pieces, one job each:
- `char_features` turns a text, its jieba tokens and its lexicon matches into one feature bucket per
  template and character (the same function feeds training and prediction, so they cannot drift apart);
- `CRFModel` holds the trained weights (`models/ner_crf/model.npz`), sums them into label scores and decodes
  with Viterbi, exactly as crfsuite does, clause punctuation taken as O;
- `predict_spans` returns (start, end, label) spans.

Training is `scripts/train_ner_crf.py` (python-crfsuite): bucket numbers stand in for attribute names
there, so the trained model is exported by reading each bucket's weights back.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numba
import numpy
from llvmlite import ir
from numba.core import cgutils
from numba.extending import intrinsic

from extract.errors import ExtractError
from extract.lexicon_match import LongestMatcher
from extract.text.chars import code_points
from extract.memory import release_free_memory
from extract.text.chars import lower_same_length

MODEL_PATH = Path(str(resources.files("extract") / "ner" / "models" / "ner_crf" / "model.npz"))

BUCKET_BITS = 22

# Padding codes for characters before the start and after the end of a text (never Unicode code points).
_PAD_BEFORE = (0x110001, 0x110002)
_PAD_AFTER = (0x110003, 0x110004)
# Character classes: Han, digit, Latin letter, space, other (punctuation, symbols), padding.
_HAN, _DIGIT, _LATIN, _SPACE, _OTHER, _PAD = range(6)
_MAX_LENGTH_CLASS = 4
_FREQ_CLASSES = (0, 1, 10, 100, 1000, 10000)  # jieba dictionary count thresholds, log-spaced
_GAZETTEER_LABELS = ("PERSON", "ORG", "LOC", "GPE", "PRODUCT")


class NERCRFError(ExtractError, stage="entities", code="ner_crf_model"):
    """The CRF model could not be loaded."""


@numba.njit(cache=True, nogil=True)
def _fold_and_classify(points: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Return the code points with fullwidth forms folded to ASCII, Latin lower-cased and digits as 0, and the
    character class of each (Han, digit, Latin, space, other)."""
    n = len(points)
    codes = numpy.empty(n, dtype=numpy.int64)
    classes = numpy.empty(n, dtype=numpy.int64)
    for i in range(n):
        c = numpy.int64(points[i])
        if 0xFF01 <= c <= 0xFF5E:
            c -= 0xFEE0
        if 0x41 <= c <= 0x5A:
            c += 0x20
        if 0x30 <= c <= 0x39:
            c = 0x30
        codes[i] = c
        if 0x4E00 <= c <= 0x9FFF or 0x3400 <= c <= 0x4DBF:
            classes[i] = _HAN
        elif c == 0x30:
            classes[i] = _DIGIT
        elif 0x61 <= c <= 0x7A:
            classes[i] = _LATIN
        elif c == 0x20 or c == 0x3000 or c == 0x09 or c == 0x0A:
            classes[i] = _SPACE
        else:
            classes[i] = _OTHER
    return codes, classes


def _freq_class(freq: int) -> int:
    return sum(freq >= t for t in _FREQ_CLASSES)


@dataclass(frozen=True, eq=False)
class WordInfo:
    """What the features need to know of jieba's words: dictionary tags and counts (stock dictionary)."""

    tags: dict[str, str]
    freqs: dict[str, int]


def _stable_hash(word: str) -> int:
    # Python's str hash changes between processes; the model's buckets must not.
    return zlib.crc32(word.encode("utf-8"))


def _tag_id(tag: str | None) -> int:
    return _stable_hash(tag or "?")


def _gazetteer_codes(text: str, matcher) -> numpy.ndarray:
    """Return per character 1 + label index * 4 + position (B, I, E, S) of the lexicon name covering it, or 0.

    `matcher` is gazetteer_automaton(): leftmost-longest matches of the lower-cased text.
    """
    if matcher is None or not text:
        return numpy.zeros(len(text), dtype=numpy.int64)
    starts, ends, bases = matcher.matches(code_points(lower_same_length(text)))
    return _marks(len(text), starts, ends, bases)


@numba.njit(cache=True, nogil=True)
def _marks(n: int, starts: numpy.ndarray, ends: numpy.ndarray, bases: numpy.ndarray) -> numpy.ndarray:
    # The matches are disjoint: inside characters, then the end, then the start (a name of one character is
    # its own start, S).
    marks = numpy.zeros(n, dtype=numpy.int64)
    for k in range(len(starts)):
        marks[starts[k]:ends[k]] = bases[k] + 1
        marks[ends[k] - 1] = bases[k] + 2
        marks[starts[k]] = bases[k] + 3 if ends[k] - starts[k] == 1 else bases[k]
    return marks


_GAZETTEER_CODE = {label: 1 + i * 4 for i, label in enumerate(_GAZETTEER_LABELS)}
_OTHER_GAZETTEER_CODE = 1 + len(_GAZETTEER_LABELS) * 4


@cache
def _template_salts() -> numpy.ndarray:
    # One fixed 64-bit constant per template, XORed into its keys, so that templates never share buckets
    # by construction (only by hash collision).
    return numpy.random.default_rng(20261128).integers(1, 2**63, size=_N_TEMPLATES, dtype=numpy.int64
                                                       ).astype(numpy.uint64)


_N_TEMPLATES = 25
_WORD_MEMO_LIMIT = 500_000


def char_features(text: str, tokens: list[tuple[str, int, int]], words: WordInfo,
                  automaton=None) -> numpy.ndarray:
    """Return a (25, len(text)) uint32 array: the hashed feature bucket of each template (row) at each character.

    `tokens` are jieba (word, start, end) tokens covering `text`; `automaton` the lexicon's matcher
    (gazetteer_automaton()), or None for no lexicon features. Templates: the
    characters at -2..+2, the four bigrams and three trigrams around the character and the skip pair
    (-1, +1); the character's place in its word with and without the character; its word and the words
    before and after; the word's dictionary tag and count class; the lexicon name covering it; the
    character classes (Han, digit, Latin, ...) at -1, 0, +1.
    """
    n = len(text)
    codes, classes = _fold_and_classify(code_points(text))
    # Per token, read once per distinct word: word hash << 32 | dictionary tag hash (24 bits) << 8 | count class.
    memo_get, info = _word_info_of(words)
    packed = numpy.fromiter([memo_get(w) or info(w) for w, _, _ in tokens], dtype=numpy.uint64, count=len(tokens))
    sizes = numpy.fromiter([e - s for _, s, e in tokens], dtype=numpy.int64, count=len(tokens))
    if int(sizes.sum()) != n or (tokens and tokens[0][1] != 0):
        raise ValueError(f"tokens do not cover the {n} characters of the text in order")
    buckets = numpy.empty((_N_TEMPLATES, n), dtype=numpy.uint32)
    _bucket_kernel(codes, classes, _gazetteer_codes(text, automaton), packed, sizes,
                   _template_salts(), buckets)
    return buckets


# The feature keys of every template at every character, hashed into buckets: one compiled pass instead of
# some fifty numpy calls per text (which cost more than the arithmetic on a short text).
@numba.njit(cache=True, nogil=True)
def _bucket_kernel(codes, classes, gazetteer, packed, sizes, salts, out) -> None:
    n = len(codes)
    keys = numpy.empty(_N_TEMPLATES, dtype=numpy.uint64)
    u = numpy.empty(5, dtype=numpy.uint64)
    c = numpy.empty(3, dtype=numpy.uint64)
    g = numpy.empty(3, dtype=numpy.uint64)
    token, token_start = 0, 0
    for i in range(n):
        while i >= token_start + sizes[token]:
            token_start += sizes[token]
            token += 1
        _read_window(codes, classes, gazetteer, i, u, c, g)
        _template_keys(u, c, g, packed, sizes, token, token_start, i, keys)
        _hash_into(keys, salts, out, i)


@numba.njit(cache=True, nogil=True)
def _read_window(codes, classes, gazetteer, i, u, c, g) -> None:
    """Fill u with the character codes at i-2..i+2 and c, g with the classes and lexicon codes at i-1..i+1."""
    n = len(codes)
    for k in range(5):
        j = i + k - 2
        if j < 0:
            u[k] = numpy.uint64(_PAD_BEFORE[j + 2])
        elif j >= n:
            u[k] = numpy.uint64(_PAD_AFTER[j - n])
        else:
            u[k] = numpy.uint64(codes[j])
    for k in range(3):
        j = i + k - 1
        if 0 <= j < n:
            c[k] = numpy.uint64(classes[j])
            g[k] = numpy.uint64(gazetteer[j])
        else:
            c[k] = numpy.uint64(_PAD)
            g[k] = numpy.uint64(0)


@numba.njit(cache=True, nogil=True)
def _template_keys(u, c, g, packed, sizes, token, token_start, i, keys) -> None:
    """Fill keys with the unhashed key of every template at character i (see char_features)."""
    s8, s16, s21, s32, s42 = numpy.uint64(8), numpy.uint64(16), numpy.uint64(21), numpy.uint64(32), numpy.uint64(42)
    size = sizes[token]
    position = 3 if size == 1 else 0 if i == token_start else 2 if i == token_start + size - 1 else 1
    pos_class = numpy.uint64(position * 8 + min(size, _MAX_LENGTH_CLASS))
    tag_freq = packed[token] & numpy.uint64(0xFFFFFFFF)
    keys[0] = 0                                                   # bias
    for k in range(5):
        keys[1 + k] = u[k]                                        # characters -2..+2
    for k in range(4):
        keys[6 + k] = (u[k] << s21) | u[k + 1]                    # bigrams
    for k in range(3):
        keys[10 + k] = (u[k] << s42) | (u[k + 1] << s21) | u[k + 2]   # trigrams
    keys[13] = (u[1] << s21) | u[3]                               # skip pair -1, +1
    keys[14] = pos_class
    keys[15] = (pos_class << s21) | u[2]
    keys[16] = packed[token] >> s32                               # the word, the words before and after
    keys[17] = packed[token - 1] >> s32 if token > 0 else numpy.uint64(1)
    keys[18] = packed[token + 1] >> s32 if token + 1 < len(sizes) else numpy.uint64(2)
    keys[19] = (tag_freq << s8) | pos_class
    keys[20] = ((tag_freq & numpy.uint64(0xFF)) << s21) | u[2]
    keys[21] = g[1]
    keys[22] = (g[1] << s21) | u[2]
    keys[23] = (g[0] << s16) | (g[1] << s8) | g[2]
    keys[24] = (c[0] << s16) | (c[1] << s8) | c[2]


@numba.njit(cache=True, nogil=True)
def _hash_into(keys, salts, out, i) -> None:
    """Write the bucket of each salted key (a 64-bit mix, top BUCKET_BITS bits) into out[:, i]."""
    k1 = numpy.uint64(0x9E3779B97F4A7C15)
    k2 = numpy.uint64(0xBF58476D1CE4E5B9)
    shift = numpy.uint64(64 - BUCKET_BITS)
    for t in range(_N_TEMPLATES):
        h = (keys[t] ^ salts[t]) * k1
        h ^= h >> numpy.uint64(29)
        h *= k2
        out[t, i] = h >> shift


@cache
def _word_info_of(words: WordInfo):
    """Return (memo.get, compute) for word -> packed (stable hash, dictionary tag hash, count class)."""
    memo: dict[str, int] = {}
    tag_of, freq_of = words.tags, words.freqs

    def info(word: str) -> int:
        if len(memo) > _WORD_MEMO_LIMIT:  # new words (jieba's HMM finds names) must not grow it forever
            memo.clear()
        packed = memo[word] = ((_stable_hash(word.lower()) << 32) | ((_tag_id(tag_of.get(word)) & 0xFFFFFF) << 8)
                               | _freq_class(freq_of.get(word, 0)))
        return packed

    return memo.get, info


# The two loops of the model, compiled: a sum of table rows and Viterbi are a few lines of arithmetic per
# character, which numpy can only express as a call per character (Viterbi) or a temporary per template.
# Compiled once per machine (cache=True keeps the machine code beside this file).
@numba.njit(cache=True, nogil=True)
def _popcount(x: numpy.uint64) -> numpy.uint64:
    x = x - ((x >> numpy.uint64(1)) & numpy.uint64(0x5555555555555555))
    x = (x & numpy.uint64(0x3333333333333333)) + ((x >> numpy.uint64(2)) & numpy.uint64(0x3333333333333333))
    x = (x + (x >> numpy.uint64(4))) & numpy.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * numpy.uint64(0x0101010101010101)) >> numpy.uint64(56)


@intrinsic
def _prefetch(typingctx, array, index):
    """Ask the CPU to bring array[index] (a flat array) into its cache: a hint, with no effect on any value."""
    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        pointer = cgutils.get_item_pointer(context, builder, array_type,
                                           context.make_array(array_type)(context, builder, args[0]), [args[1]],
                                           wraparound=False)
        int32, byte_pointer = ir.IntType(32), ir.IntType(8).as_pointer()
        # The typed-pointer name: the LLVM of numba 0.60 needs it, later ones (opaque pointers) upgrade it.
        function = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [byte_pointer, int32, int32, int32]), "llvm.prefetch.p0i8")
        # Read, keep in every cache level, data (not instructions).
        builder.call(function, [builder.bitcast(pointer, byte_pointer), ir.Constant(int32, 0), ir.Constant(int32, 3),
                                ir.Constant(int32, 1)])
        return context.get_dummy_value()

    return numba.types.void(array, index), codegen


# How many characters ahead the rows are asked for: the table reads of a few characters cover a read from memory.
_PREFETCH_AHEAD = 4


@numba.njit(cache=True, nogil=True)
def _sum_rows(index: numpy.ndarray, state: numpy.ndarray, features: numpy.ndarray) -> numpy.ndarray:
    # Two passes, each asking for its table entries a few characters ahead: the bucket index (1 MB) and the
    # weights (8 MB) are read at random and mostly miss the CPU's caches between texts; one pass reading both
    # waited for each miss in turn (the row depends on the index). A bucket without weights reads the last row
    # of `state`, zeros: adding +0.0 changes no sum (none is -0.0: they start at +0.0), so the floats are the same.
    n_templates, n = features.shape
    n_labels = state.shape[1]
    rows = _rows_of(index, features, state.shape[0] - 1)
    weights = state.reshape(-1)
    out = numpy.zeros((n, n_labels), dtype=numpy.float32)
    total = numpy.zeros(n_labels, dtype=numpy.float32)
    for i in range(n):
        if i + _PREFETCH_AHEAD < n:
            for j in range(n_templates):
                first = rows[i + _PREFETCH_AHEAD, j] * n_labels
                _prefetch(weights, first)
                _prefetch(weights, first + n_labels - 1)  # a row may straddle two cache lines
        total[:] = 0
        # Templates in order, as the sums were always taken: the same floats, whatever the loop order.
        for j in range(n_templates):
            row = rows[i, j]
            for y in range(n_labels):
                total[y] += state[row, y]
        out[i, :] = total
    return out


@numba.njit(cache=True, nogil=True)
def _rows_of(index: numpy.ndarray, features: numpy.ndarray, no_row: int) -> numpy.ndarray:
    """Return the (n_chars, templates) row of `state` each feature bucket reads (`no_row` for no weights)."""
    n_templates, n = features.shape
    flat = index.reshape(-1)
    one = numpy.uint64(1)
    rows = numpy.empty((n, n_templates), dtype=numpy.int64)
    for i in range(n):
        if i + _PREFETCH_AHEAD < n:
            for j in range(n_templates):
                _prefetch(flat, numpy.int64(features[j, i + _PREFETCH_AHEAD] >> 6) * 2)
        for j in range(n_templates):
            bucket = features[j, i]
            word = index[bucket >> 6, 0]
            bit = numpy.uint64(bucket & 63)
            if (word >> bit) & one:
                rows[i, j] = numpy.int64(index[bucket >> 6, 1]) + numpy.int64(_popcount(word & ((one << bit) - one)))
            else:
                rows[i, j] = no_row
    return rows


@numba.njit(cache=True, nogil=True)
def _viterbi(emissions: numpy.ndarray, transitions: numpy.ndarray, fixed: numpy.ndarray,
             outside: int) -> numpy.ndarray:
    n, n_labels = emissions.shape
    back = numpy.empty((n, n_labels), dtype=numpy.int32)
    score = numpy.empty(n_labels, dtype=numpy.float32)
    new = numpy.empty(n_labels, dtype=numpy.float32)
    for y in range(n_labels):
        score[y] = emissions[0, y] if (not fixed[0] or y == outside) else -numpy.inf
    for i in range(1, n):
        for y in range(n_labels):
            best, arg = -numpy.inf, 0
            for p in range(n_labels):
                value = score[p] + transitions[p, y]
                if value > best:
                    best, arg = value, p
            back[i, y] = arg
            new[y] = best + emissions[i, y] if (not fixed[i] or y == outside) else -numpy.inf
        score[:] = new
    labels = numpy.empty(n, dtype=numpy.int64)
    labels[n - 1] = numpy.argmax(score)
    for i in range(n - 1, 0, -1):
        labels[i - 1] = back[i, labels[i]]
    return labels


@dataclass(frozen=True)
class CRFModel:
    """Trained weights: the buckets with weights, in order, hold the rows of `state` (their label weights).

    Which buckets have weights is a bitmap (one bit per bucket) with the number of set bits before each 64-bit
    word of it: a bucket's row is its rank among them. The two, side by side in `index` (one cache line holds
    both), take 1 MB where a table of row numbers per bucket took 16 MB; reading the rows from `state` (8 MB)
    still often misses the CPU's caches, and in the pipeline, between other work, those reads dominate: they
    are asked for ahead (_sum_rows).
    """

    labels: tuple[str, ...]
    index: numpy.ndarray         # (2**BUCKET_BITS // 64, 2) uint64: word w of the bitmap (bit b: bucket 64w + b
                                 # has weights) and the set bits in the words before it
    state: numpy.ndarray         # (n_used + 1, n_labels) float32, in bucket order, then a row of zeros
    transitions: numpy.ndarray   # (n_labels, n_labels) float32: from label (row) to label (column)

    @classmethod
    def load(cls, path: Path) -> "CRFModel":
        try:
            with numpy.load(path) as data:  # as stored (uint32, float16): from_weights converts each once
                buckets = data["buckets"]
                state = data["state"]
                transitions = data["transitions"].astype(numpy.float32)
                labels = tuple(str(x) for x in data["labels"])
                bits = int(data["bucket_bits"])
        except (OSError, KeyError, ValueError) as exc:
            raise NERCRFError(f"the CRF model at {path} could not be read: {exc}", source=str(path)) from exc
        if bits != BUCKET_BITS:
            raise NERCRFError(f"the CRF model at {path} hashes into 2**{bits} buckets, this code into "
                              f"2**{BUCKET_BITS}: retrain it", source=str(path))
        return cls.from_weights(labels, buckets, state, transitions, source=str(path))

    @classmethod
    def from_weights(cls, labels: tuple[str, ...], buckets: numpy.ndarray, state: numpy.ndarray,
                     transitions: numpy.ndarray, *, source: str = "weights") -> "CRFModel":
        """Return a model whose bucket `buckets[k]` carries the label weights `state[k]`."""
        buckets = numpy.asarray(buckets, dtype=numpy.int64)
        state = numpy.asarray(state)
        if len(buckets) > 1 and not (buckets[1:] > buckets[:-1]).all():  # the shipped model is stored sorted
            order = numpy.argsort(buckets)
            buckets, state = buckets[order], state[order]
        weights = state.reshape(-1, len(labels))
        # One conversion into place, no temporary copy: the weights are stored as float16, the largest array of
        # the model. The last row, zeros, is what a bucket without weights reads.
        state = numpy.zeros((len(weights) + 1, len(labels)), dtype=numpy.float32)
        state[:-1] = weights
        if len(buckets) and (buckets[0] < 0 or buckets[-1] >= 1 << BUCKET_BITS
                             or (numpy.diff(buckets) == 0).any()):
            raise NERCRFError(f"the CRF model at {source} has buckets out of range or repeated", source=source)
        flags = numpy.zeros(1 << BUCKET_BITS, dtype=numpy.uint8)
        flags[buckets] = 1
        index = numpy.empty((len(flags) // 64, 2), dtype=numpy.uint64)
        index[:, 0] = numpy.packbits(flags, bitorder="little").view(numpy.uint64)
        index[1:, 1] = numpy.cumsum(flags.reshape(-1, 64).sum(axis=1, dtype=numpy.int64))[:-1]
        index[0, 1] = 0
        return cls(tuple(labels), index, state, numpy.asarray(transitions, dtype=numpy.float32))

    def emissions(self, features: numpy.ndarray) -> numpy.ndarray:
        """Return the (n_chars, n_labels) state scores of a (templates, n_chars) feature bucket matrix."""
        return _sum_rows(self.index, self.state, features)

    def decode(self, emissions: numpy.ndarray, *, fixed_outside: numpy.ndarray | None = None) -> numpy.ndarray:
        """Return the Viterbi label index of each character: the CRF's own decoding (no start, end or BIO
        constraints beyond the learnt transition weights), exactly as crfsuite decodes.

        `fixed_outside` marks characters that must be O (clause punctuation: no name holds one, and the
        corpora never taught the model a line break, so without it names run across lines).
        """
        n = len(emissions)
        if n == 0:
            return numpy.empty(0, dtype=numpy.int64)
        fixed = numpy.zeros(n, dtype=numpy.bool_) if fixed_outside is None else fixed_outside
        return _viterbi(emissions, self.transitions, fixed, self.outside)

    @property
    def outside(self) -> int:
        return self.labels.index("O")

    def spans(self, label_ids: numpy.ndarray) -> list[tuple[int, int, str]]:
        """Return (start, end, type) spans of a BIO label sequence; an I- without its B- starts a span."""
        if not len(label_ids):
            return []
        inside, kind_of, kinds = _label_parts(self.labels)
        named = label_ids != self.outside
        kind = kind_of[label_ids]
        # A character goes on with the span before it where it is an I- of the kind of the character before.
        goes_on = numpy.zeros(len(label_ids) + 1, dtype=numpy.bool_)
        goes_on[1:-1] = named[:-1] & inside[label_ids[1:]] & (kind[1:] == kind[:-1])
        starts = numpy.flatnonzero(named & ~goes_on[:-1])
        ends = numpy.flatnonzero(named & ~goes_on[1:]) + 1
        return [(s, e, kinds[k]) for s, e, k in zip(starts.tolist(), ends.tolist(), kind[starts].tolist())]


@cache
def _label_parts(labels: tuple[str, ...]) -> tuple[numpy.ndarray, numpy.ndarray, tuple[str, ...]]:
    """Return, per label, whether it is an I- label and the index of its type, and the types (B-LOC: LOC)."""
    parts = [label.partition("-") for label in labels]
    kinds = tuple(dict.fromkeys(name for _, _, name in parts))
    return (numpy.array([prefix == "I" for prefix, _, _ in parts], dtype=numpy.bool_),
            numpy.array([kinds.index(name) for _, _, name in parts], dtype=numpy.int64), kinds)


@cache
def load_crf_model(path: Path | None = None) -> CRFModel:
    """Return the shipped CRF model (loaded once)."""
    model_path = Path(path) if path is not None else MODEL_PATH
    if not model_path.is_file():
        raise NERCRFError(f"no trained CRF model at {model_path}; train one with scripts/train_ner_crf.py",
                          source=str(model_path))
    model = CRFModel.load(model_path)
    release_free_memory()  # the file's buffers and the weights before conversion
    return model


@cache
def _clause_table() -> numpy.ndarray:
    # A lookup table over every code point: one indexing operation per text instead of a set test per character.
    from extract.resources import load

    table = numpy.zeros(0x110000, dtype=numpy.bool_)
    table[[ord(ch) for ch in load("ner_model/settings.yaml")["crf"]["clause_marks"]]] = True
    return table


def clause_marks(text: str) -> numpy.ndarray:
    """Return, per character, whether it is clause punctuation (settings.yaml `crf.clause_marks`)."""
    return _clause_table()[code_points(text)]


@cache
def default_word_info() -> WordInfo:
    """Return jieba's stock dictionary tags and counts (read once)."""
    from extract.text.segment import stock_dictionary

    return WordInfo(*stock_dictionary())


@cache
def gazetteer_automaton() -> LongestMatcher:
    """Return the lexicon matcher the gazetteer features read: the lower-cased surface forms of two or more
    characters (lexicon.surface_automaton(lowercase=True), the entity rules' automaton case-folded), each
    carrying its label's gazetteer code; it finds what that automaton's iter_long finds."""
    from extract.lexicon import load_lexicon

    return LongestMatcher.cached([(lower_same_length(surface), _GAZETTEER_CODE.get(label, _OTHER_GAZETTEER_CODE))
                                  for surface, (_canonical, label) in load_lexicon().by_surface.items()
                                  if len(surface) >= 2], "gazetteer")


def predict_spans(text: str, tokens: list[tuple[str, int, int]], *,
                  model: CRFModel | None = None) -> list[tuple[int, int, str]]:
    """Return the (start, end, label) PERSON/ORG/LOC spans the CRF finds in a Simplified text.

    `tokens` are the pipeline segmenter's (word, start, end) tokens of `text` (the lexicon's names as words).
    """
    if not text:
        return []
    model = model or load_crf_model()
    features = char_features(text, tokens, default_word_info(), gazetteer_automaton())
    labels = model.decode(model.emissions(features), fixed_outside=clause_marks(text))
    return [span for span in model.spans(labels) if span[2] != "MISC"]
