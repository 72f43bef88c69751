"""Tell GB18030 from Big5: read the bytes strictly with each, keep the reading richest in common characters.

Bytes of one of these encodings often decode without error in the other (Big5's lead and trail bytes lie
inside GBK's ranges, and most GB2312 pairs are valid Big5), but the wrong reading is kana, Greek, box-drawing
or rare characters. The common characters come from a data file derived from jieba's dictionary
(`scripts/build_common_chars.py`), in Simplified and Traditional forms.
"""
from __future__ import annotations

import codecs
import unicodedata
from collections import Counter
from functools import cache

from extract.resources import load

# GB18030 is a superset of GB2312 and GBK; big5hkscs and cp950 are the two Big5 supersets in use (Hong Kong's,
# and Microsoft's with the ETEN extensions). On a tie the first one wins.
CANDIDATES = ("gb18030", "big5hkscs", "cp950")
# Below this score no reading is taken for Chinese (a text of rare characters only, or another encoding that
# happens to decode): the statistical guess has the last word. Wrong readings and right ones overlap only on
# texts of about ten characters (both then score 0.5 at worst).
MIN_COMMON_SHARE = 0.55
VERY_COMMON = 1500  # the wrong reading has many characters of the common set, but few of its first ranks
SAMPLE_CHARS = 20_000  # the share is judged on the start of the text: decoding is per file and must stay fast


@cache
def common_ranks() -> dict[str, int]:
    """Return the common Chinese characters (Simplified and Traditional) with their frequency rank, 1 first."""
    return {row[0]: int(row[1]) for row in load("ingest/common_chars.tsv")}


def common_share(text: str) -> float:
    """Return how common the non-ASCII characters of `text`'s start are: 1 when all rank in the first
    VERY_COMMON, 0 when none is common.

    A character ranked up to VERY_COMMON counts 1, a later common one 1/2, any other 0. Punctuation and spaces
    (full-width ，。「」 included) count for neither side: both readings have them. The wrong reading of
    real news (other encoding, or UTF-8 bytes) scores 0.42 or less in 99 of 100 cases, the right one 0.85 or
    more (../shared/corpus, whole texts and their first 30 and 60 bytes).
    """
    score = counted = 0.0
    ranks = common_ranks()
    for ch, n in Counter(text[:SAMPLE_CHARS]).items():
        if ch < "\x80":
            continue
        rank = ranks.get(ch)
        if rank is not None:
            score += n if rank <= VERY_COMMON else n / 2
            counted += n
        elif unicodedata.category(ch)[0] not in "PZ":
            counted += n
    return score / counted if counted else 0.0


def chinese_reading(data: bytes, *, final: bool = True) -> tuple[str, str] | None:
    """Return `(codec, text)`: the strict GB18030 or Big5 reading of `data` with most common characters.

    None when no reading is valid or none is Chinese enough (MIN_COMMON_SHARE). With `final=False`, `data` is
    the start of a longer stream: a character cut at its end is not an error.
    """
    best: tuple[float, str, str] | None = None
    for codec in CANDIDATES:
        try:
            text = codecs.getincrementaldecoder(codec)().decode(data, final=final)
        except UnicodeDecodeError:
            continue
        share = common_share(text)
        if best is None or share > best[0]:
            best = (share, codec, text)
    if best is None or best[0] < MIN_COMMON_SHARE:
        return None
    return best[1], best[2]
