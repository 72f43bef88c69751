"""The segmenter's dictionary as a trie of code points in arrays, and jieba's most probable path over it, compiled.

jieba finds, for each character of a block, every dictionary word starting there (its DAG), then the most
probable path backwards. Done in Python that was one dictionary lookup per fragment, six per character, and
the largest single cost of the analysis after the entity model. Here the dictionary is a trie whose edges are
sorted arrays (a node's children are `chars[first[node]:first[node + 1]]`), walked by a numba function over
the code points of the whole text: the same words, the same sums in the same order, so the same floats and the
same choice on a tie.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import NamedTuple

import numba
import numpy

from extract.cache import cached_arrays

_NO_WORD = math.nan  # the score of a node that only begins words


class WordTrie(NamedTuple):
    """A dictionary as a trie: node 0 is the empty string; `score[node]` is log(count) - log(total) of the
    node's word, NaN where the node only begins words; edges are sorted by code point within their node."""

    first: numpy.ndarray   # int32[nodes + 1]: the edges of node k are first[k]:first[k + 1]
    chars: numpy.ndarray   # int32[edges]: the code point of each edge
    child: numpy.ndarray   # int32[edges]: the node each edge leads to
    score: numpy.ndarray   # float64[nodes]


def word_trie(words: dict[str, int], shift: int, log_total: float, cache_file: Path | None) -> WordTrie:
    """Return the trie of `words` (word -> its count << shift | other bits; 0 for a fragment that only begins
    words), from `cache_file` when it holds one. Scores are log(count) - log_total, as jieba computes them."""
    arrays = cached_arrays(cache_file, WordTrie._fields,
                           lambda: _built_trie({word: packed >> shift for word, packed in words.items()},
                                               log_total)._asdict())
    return WordTrie(*(arrays[name] for name in WordTrie._fields))


def _built_trie(counts: dict[str, int], log_total: float) -> WordTrie:
    fragments = set(counts)
    for word in counts:  # every prefix is a node, stored in `counts` or not
        fragments.update(word[:i] for i in range(1, len(word)))
    fragments.discard("")
    nodes = ["", *fragments]
    ids = {fragment: k for k, fragment in enumerate(nodes)}
    parent = numpy.fromiter((ids[f[:-1]] for f in nodes[1:]), numpy.int64, len(nodes) - 1)
    char = numpy.fromiter((ord(f[-1]) for f in nodes[1:]), numpy.int64, len(nodes) - 1)
    order = numpy.lexsort((char, parent))
    first = numpy.searchsorted(parent[order], numpy.arange(len(nodes) + 1)).astype(numpy.int32)
    # One log per distinct count, as the Python cut memoised them (a few thousand counts)
    logs = {count: math.log(count) - log_total for count in set(counts.values()) if count}
    score = numpy.fromiter((logs[counts[f]] if counts.get(f) else _NO_WORD for f in nodes), numpy.float64,
                           len(nodes))
    return WordTrie(first, char[order].astype(numpy.int32), (order + 1).astype(numpy.int32), score)


@numba.njit(cache=True, nogil=True)
def _child(node, char, first, chars, child):
    lo, hi = first[node], first[node + 1]
    while lo < hi:  # binary search among the node's edges
        mid = (lo + hi) >> 1
        if chars[mid] < char:
            lo = mid + 1
        else:
            hi = mid
    if lo < first[node + 1] and chars[lo] == char:
        return child[lo]
    return -1


@numba.njit(cache=True, nogil=True)
def best_ends(points, starts, stops, first, chars, child, score, unknown):
    """Return, for each position of the blocks [starts[b], stops[b]) of `points`, the end of the word starting
    there on the block's most probable path (jieba's get_DAG and calc: the longer word wins a tie)."""
    ends = numpy.zeros(len(points) + 1, dtype=numpy.int64)
    route = numpy.zeros(len(points) + 1, dtype=numpy.float64)
    for b in range(len(starts)):
        start, stop = starts[b], stops[b]
        route[stop] = 0.0
        for k in range(stop - 1, start - 1, -1):
            found, best, end = False, 0.0, k + 1
            node, i = 0, k
            while i < stop:
                node = _child(node, points[i], first, chars, child)
                if node < 0:
                    break
                i += 1
                if not math.isnan(score[node]):
                    total = score[node] + route[i]
                    if not found or total >= best:
                        found, best, end = True, total, i
            if found:
                route[k], ends[k] = best, end
            else:  # a character that begins no word counts as seen once
                route[k], ends[k] = unknown + route[k + 1], k + 1
    return ends
