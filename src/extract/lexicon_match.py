"""Leftmost-longest matching of many names in a text, compiled: the matches of pyahocorasick's `iter_long`.

Why not pyahocorasick itself: its trie finds a node's child by a linear scan of the node's children, and the
root of a lexicon's trie has thousands (one per first character of a name), so every character of a text
that starts no name costs a scan of them all: about 0.2 µs a character, a fifth of the CRF's time on news.
Here the children are one hash table, the walk a compiled loop.

The walk is pyahocorasick's (2.3.1, `AutomatonSearchIterLong.c`) step for step, quirks included, so that
the two find the same names: after a match the search starts over at the character after its end, and a name
reached only through a failure link is taken up where the text leaves the trie (`tests/test_lexicon_match.py`
compares the two on texts made to meet every branch).
"""
from __future__ import annotations

import dataclasses
import hashlib
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numba
import numpy


_LETTERS = 0x110000  # an edge's key is its node * _LETTERS + the code point of its letter


@dataclass(frozen=True, eq=False)
class LongestMatcher:
    """A trie of keys with Aho-Corasick failure links, as arrays: node 0 is the root.

    `payload[node]` is what the key ending at the node carries (-1 where none ends there); `depth[node]` the
    key's length. Edges are an open-addressing hash table: `edge_keys` (-1 where empty) and `edge_children`.
    """

    edge_keys: numpy.ndarray      # (2**k,) int64
    edge_children: numpy.ndarray  # (2**k,) int32
    fail: numpy.ndarray           # (n_nodes,) int32: -1 at the root
    payload: numpy.ndarray        # (n_nodes,) int64
    depth: numpy.ndarray          # (n_nodes,) int64

    @classmethod
    def build(cls, keys: Iterable[tuple[str, int]]) -> "LongestMatcher":
        """Return the matcher of (key, payload >= 0) pairs; a key given twice carries its last payload (as
        pyahocorasick's add_word replaces a value), and empty keys are ignored."""
        children: list[dict[str, int]] = [{}]
        payload, depth = [-1], [0]
        for key, value in keys:
            if value < 0:
                raise ValueError(f"the payload of {key!r} is {value}: payloads must not be negative")
            if not key:
                continue
            node = 0
            for ch in key:
                child = children[node].get(ch)
                if child is None:
                    child = children[node][ch] = len(children)
                    children.append({})
                    payload.append(-1)
                    depth.append(depth[node] + 1)
                node = child
            payload[node] = value
        fail = _failure_links(children)
        keys_table, children_table = _edge_table(
            numpy.array([node * _LETTERS + ord(ch) for node, out in enumerate(children) for ch in out], dtype=numpy.int64),
            numpy.array([child for out in children for child in out.values()], dtype=numpy.int32))
        return cls(keys_table, children_table, numpy.array(fail, dtype=numpy.int32),
                   numpy.array(payload, dtype=numpy.int64), numpy.array(depth, dtype=numpy.int64))

    @classmethod
    def cached(cls, keys: list[tuple[str, int]], name: str) -> "LongestMatcher":
        """Return `build(keys)`, kept in the user cache folder under `name` and a digest of the keys and of this
        module: building takes ~0.2 s a matcher at every start of a process, reading it a few milliseconds."""
        from extract.cache import cached_arrays, user_cache_dir

        source = Path(__file__).read_bytes()
        digest = hashlib.blake2b(repr(keys).encode("utf-8") + source, digest_size=12).hexdigest()
        folder = user_cache_dir() / "matchers"
        path = folder / f"{name}-{digest}.npz"

        def built() -> dict:
            for stale in folder.glob(f"{name}-*.npz"):  # the matchers of an earlier lexicon or code
                try:
                    stale.unlink()
                except OSError:  # gone meanwhile, or a folder this user cannot write: kept, harmless
                    pass
            return dataclasses.asdict(cls.build(keys))

        return cls(**cached_arrays(path, tuple(f.name for f in dataclasses.fields(cls)), built))

    def matches(self, points: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
        """Return (starts, ends, payloads) of the leftmost-longest matches in a text given as code points
        (`numpy.frombuffer(text.encode("utf-32-le"), numpy.uint32)`): half-open, in text order, disjoint."""
        return _scan(points, self.edge_keys, self.edge_children, self.fail, self.payload, self.depth)


def _failure_links(children: list[dict[str, int]]) -> list[int]:
    # Breadth first, as pyahocorasick's make_automaton: a node fails to the longest proper suffix of its key
    # that is a node of the trie (the root where none is).
    fail = [-1] * len(children)
    queue = deque()
    for child in children[0].values():
        fail[child] = 0
        queue.append(child)
    while queue:
        node = queue.popleft()
        for ch, child in children[node].items():
            queue.append(child)
            state = fail[node]
            while state != 0 and ch not in children[state]:
                state = fail[state]
            fail[child] = children[state].get(ch, 0)
    return fail


@numba.njit(cache=True, nogil=True)
def _edge_table(edge_keys: numpy.ndarray, edge_children: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray]:
    size = 16
    while size < 2 * len(edge_keys):  # at most half full
        size *= 2
    keys = numpy.full(size, -1, dtype=numpy.int64)
    children = numpy.zeros(size, dtype=numpy.int32)
    for k in range(len(edge_keys)):
        slot = _slot(edge_keys[k], size - 1)
        while keys[slot] != -1:
            slot = (slot + 1) & (size - 1)
        keys[slot], children[slot] = edge_keys[k], edge_children[k]
    return keys, children


@numba.njit(cache=True, nogil=True)
def _slot(key, mask):
    return numpy.int64((numpy.uint64(key) * numpy.uint64(0x9E3779B97F4A7C15)) >> numpy.uint64(40)) & mask


@numba.njit(cache=True, nogil=True)
def _child(edge_keys, edge_children, node, letter) -> int:
    """Return the child of `node` along `letter`, or -1."""
    key = numpy.int64(node) * _LETTERS + numpy.int64(letter)
    mask = len(edge_keys) - 1
    slot = _slot(key, mask)
    while edge_keys[slot] != -1:
        if edge_keys[slot] == key:
            return edge_children[slot]
        slot = (slot + 1) & mask
    return -1


@numba.njit(cache=True, nogil=True)
def _scan(points, edge_keys, edge_children, fail, payload, depth):
    # pyahocorasick's walk: the deepest name on the path is kept until the text leaves the trie, then yielded
    # and the walk starts over after it. With no name in hand, a node that is none but whose failure link is
    # one is remembered: where the text then leaves the trie, the walk goes back to that name and on from it.
    n = len(points)
    ends = numpy.empty(n, dtype=numpy.int64)
    nodes = numpy.empty(n, dtype=numpy.int64)
    found, state, index, last_node, last_index = 0, 0, 0, -1, -1
    fail_node, fail_index, failover = -1, -1, False
    while True:
        yields = False
        if index < n:
            if failover:
                child, index, fail_node, failover = fail[fail_node], fail_index, -1, False
            else:
                child = _child(edge_keys, edge_children, state, points[index])
            if child >= 0:
                if payload[child] >= 0:
                    last_node, last_index = child, index
                elif last_node < 0 and fail_node < 0 and fail[child] > 0 and payload[fail[child]] >= 0:
                    fail_node, fail_index = child, index
                state, index = child, index + 1
            elif last_node >= 0:
                yields = True
            elif fail_node >= 0:
                failover = True
            else:
                state, index = _fallen_back(edge_keys, edge_children, fail, state, points, index)
        elif last_node >= 0:
            yields = True
        else:
            break  # a failure link's name still remembered at the end is not yielded (as pyahocorasick)
        if yields:
            ends[found], nodes[found] = last_index + 1, last_node
            found += 1
            state, index, last_node, fail_node = 0, last_index + 1, -1, -1
    starts = ends[:found] - depth[nodes[:found]]
    return starts, ends[:found].copy(), payload[nodes[:found]]


@numba.njit(cache=True, nogil=True)
def _fallen_back(edge_keys, edge_children, fail, state, points, index):
    """Return (state, index) after following failure links from a state with no child along points[index]."""
    while True:
        state = fail[state]
        if state < 0:
            return 0, index + 1
        if _child(edge_keys, edge_children, state, points[index]) >= 0:
            return state, index
