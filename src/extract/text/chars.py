"""What counts as a Chinese character: the one definition the package uses.

The Unified Ideographs, Extension A, the Compatibility Ideographs and the supplementary planes (Extension B
and later). The CRF's character classes (`extract.ner.crf`) keep the ranges the model was trained with.
"""
from __future__ import annotations

import re

HAN_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN = f"[{HAN_RANGES}]"  # a regex character class
HAN_RUN = re.compile(f"{HAN}+")
_HAN_CHAR = re.compile(HAN)


def is_han(ch: str) -> bool:
    """Return whether `ch` (one character) is a Chinese character."""
    return bool(ch) and _HAN_CHAR.match(ch) is not None
