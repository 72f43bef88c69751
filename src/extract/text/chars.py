"""What counts as a Chinese character: the one definition the package uses.

The Unified Ideographs, Extension A, the Compatibility Ideographs and the supplementary planes (Extension B
and later). The CRF's character classes (`extract.ner.crf`) keep the ranges the model was trained with.
"""
from __future__ import annotations

import re

import numpy

HAN_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN = f"[{HAN_RANGES}]"  # a regex character class
HAN_RUN = re.compile(f"{HAN}+")
_HAN_CHAR = re.compile(HAN)


def is_han(ch: str) -> bool:
    """Return whether `ch` (one character) is a Chinese character."""
    return bool(ch) and _HAN_CHAR.match(ch) is not None


def lower_same_length(text: str) -> str:
    """Return `text` lowercased character by character, so that offsets into it index `text` too.

    `str.lower` is not length-preserving: 'İ' (U+0130) becomes two code points, which shifts every offset after
    it. A character whose lowercase is longer than one code point is kept as it is.
    """
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in text)


def code_points(text: str) -> numpy.ndarray:
    """Return the code points of `text` as an int32 array, one per str index: what the compiled walks over a
    text read (extract.lexicon_match, the segmenter's trie, the CRF); a lone surrogate is its own code point."""
    return numpy.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<i4")
