"""A long alternation matched at a position by a copy of it that keeps only what can start with that character.

The regex engine tries the alternatives of a branch one by one, and skips one cheaply only where it begins with a
literal character or class; the grammars' alternatives begin with look-arounds and groups, so at every position
the master patterns of dates and quantities walk into dozens of alternatives that cannot match there (a date
that starts with 今 is tried at every digit). `FirstCharPatterns` parses the pattern once (Python's own regex
parser), and for a character writes the pattern again with the alternatives that cannot begin there left out:
at the start of the pattern, of its groups and of their first alternatives. Leaving out an alternative that
cannot match changes no match: the copy finds what the whole pattern finds, in the same order, with the same
named groups (a group of a left-out alternative reads None, as it would unmatched). What cannot be proved is
kept, and a pattern the analysis does not know (back-references, inline flags) is used whole.
"""
from __future__ import annotations

import hashlib
import marshal
import re
import sys
from functools import cache
from pathlib import Path
from re import _constants as C, _parser as P   # Python's regex parser (CPython 3.11+ names)

from extract.cache import compiled, user_cache_dir, write_atomically

_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT)
_ZERO_WIDTH = (C.AT, C.ASSERT, C.ASSERT_NOT)
_CATEGORIES = {C.CATEGORY_DIGIT: str.isdecimal, C.CATEGORY_SPACE: str.isspace,
               C.CATEGORY_WORD: lambda ch: ch.isalnum() or ch == "_", C.CATEGORY_LINEBREAK: lambda ch: ch == "\n"}
_NOT_CATEGORIES = {C.CATEGORY_NOT_DIGIT: C.CATEGORY_DIGIT, C.CATEGORY_NOT_SPACE: C.CATEGORY_SPACE,
                   C.CATEGORY_NOT_WORD: C.CATEGORY_WORD, C.CATEGORY_NOT_LINEBREAK: C.CATEGORY_LINEBREAK}
_CATEGORY_TEXT = {C.CATEGORY_DIGIT: r"\d", C.CATEGORY_NOT_DIGIT: r"\D", C.CATEGORY_SPACE: r"\s",
                  C.CATEGORY_NOT_SPACE: r"\S", C.CATEGORY_WORD: r"\w", C.CATEGORY_NOT_WORD: r"\W"}
_AT_TEXT = {C.AT_BEGINNING: "^", C.AT_BEGINNING_STRING: r"\A", C.AT_END: "$", C.AT_END_STRING: r"\Z",
            C.AT_BOUNDARY: r"\b", C.AT_NON_BOUNDARY: r"\B"}


class Unsupported(ValueError):
    """The pattern uses a construct the analysis does not know: it is matched whole."""


# -- what can start where ----------------------------------------------------------------------------------
def _in_class(items, ch: str) -> bool:
    """Return whether `ch` may be in the character class (True where unsure)."""
    negate = bool(items) and items[0][0] is C.NEGATE
    found = False
    for op, av in items[1:] if negate else items:
        if op is C.LITERAL:
            found = found or ord(ch) == av
        elif op is C.RANGE:
            found = found or av[0] <= ord(ch) <= av[1]
        elif op is C.CATEGORY and av in _CATEGORIES:
            found = found or _CATEGORIES[av](ch)
        elif op is C.CATEGORY and av in _NOT_CATEGORIES:
            found = found or not _CATEGORIES[_NOT_CATEGORIES[av]](ch)
        else:
            return True
    return found != negate


def _nullable(items) -> bool:
    """Return whether the sequence may match the empty string (True where unsure)."""
    if type(items) is _Sequence:
        return items.nullable
    return all(_item_nullable(op, av) for op, av in items)


def _item_nullable(op, av) -> bool:
    if op in (C.LITERAL, C.NOT_LITERAL, C.ANY, C.IN):
        return False
    if op is C.BRANCH:
        return any(_nullable(alt) for alt in av[1])
    if op is C.SUBPATTERN:
        return _nullable(av[3])
    if op is C.ATOMIC_GROUP:
        return _nullable(av)
    if op in _REPEATS:
        return av[0] == 0 or _nullable(av[2])
    return True


def can_start(items, ch: str) -> bool:
    """Return whether the sequence may match at a position holding `ch` (True where unsure)."""
    for op, av in items:
        if op is C.ASSERT and av[0] == 1:
            if not can_start(av[1], ch):       # a look-ahead that fails here fails the sequence
                return False
            continue
        if op in _ZERO_WIDTH:
            continue
        if _item_can_start(op, av, ch):
            return True
        if not _item_nullable(op, av):
            return False
    return True                                # the sequence may match the empty string here


def _item_can_start(op, av, ch: str) -> bool:
    """Return whether the item may consume `ch` first (True where unsure)."""
    if op is C.LITERAL:
        return ord(ch) == av
    if op is C.NOT_LITERAL:
        return ord(ch) != av
    if op is C.ANY:
        return ch != "\n"
    if op is C.IN:
        return _in_class(av, ch)
    if op is C.BRANCH:
        return any(can_start(alt, ch) for alt in av[1])
    if op is C.SUBPATTERN:
        return can_start(av[3], ch)
    if op is C.ATOMIC_GROUP:
        return can_start(av, ch)
    if op in _REPEATS:
        return av[1] > 0 and can_start(av[2], ch)
    return True


def pruned(items, ch: str) -> list:
    """Return the sequence without the alternatives that cannot match at a position holding `ch`.

    Only items the match starts with are pruned (a look-around before them does not move the position); an
    optional item that cannot start with `ch` matches nothing there and is left out, so what follows it starts
    the match too.
    """
    out = []
    for k, (op, av) in enumerate(items):
        if op in _ZERO_WIDTH:
            out.append((op, av))
            continue
        if op in _REPEATS and av[0] == 0 and not can_start(av[2], ch):
            continue                           # (?:截至)? before a digit: it matches nothing here
        if op is C.BRANCH:
            alts = [pruned(alt, ch) for alt in av[1] if can_start(alt, ch)]
            out.append((C.BRANCH, (None, alts)) if alts else (C.FAILURE, None))
        elif op is C.SUBPATTERN:
            out.append((op, (av[0], av[1], av[2], pruned(av[3], ch))))
        elif op is C.ATOMIC_GROUP:
            out.append((op, pruned(av, ch)))
        else:
            out.append((op, av))
        return out + list(items[k + 1:])
    return out


class _Sequence(list):
    """A parsed sequence as a list, with whether it may match the empty string worked out once (`_plain`):
    can_start asks it of the same sequences for every character, and working it out each time down the
    grammar's tree cost a third of a copy."""

    __slots__ = ("nullable",)


def _plain(items) -> _Sequence:
    """Return a parsed sequence with its nested sequences as lists (_Sequence).

    The parser's SubPattern is read item by item through a Python `__getitem__`: walking a grammar's tree for
    each new character (can_start, pruned, unparse) cost a third more on it, some 2 ms a character.
    """
    out = _Sequence()
    for op, av in items:
        if op is C.BRANCH:
            av = (av[0], [_plain(alt) for alt in av[1]])
        elif op is C.SUBPATTERN:
            av = (av[0], av[1], av[2], _plain(av[3]))
        elif op in _REPEATS:
            av = (av[0], av[1], _plain(av[2]))
        elif op in (C.ASSERT, C.ASSERT_NOT):
            av = (av[0], _plain(av[1]))
        elif op is C.ATOMIC_GROUP:
            av = _plain(av)
        out.append((op, av))
    out.nullable = all(_item_nullable(op, av) for op, av in out)   # the nested sequences' are known by now
    return out


# -- writing a parsed pattern back ---------------------------------------------------------------------
def _char(code: int) -> str:
    ch = chr(code)
    if ch.isalnum() and (not ch.isascii() or ch.isprintable()):
        return ch
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _class(items) -> str:
    parts = []
    for op, av in items:
        if op is C.NEGATE:
            parts.insert(0, "^")
        elif op is C.LITERAL:
            parts.append(_char(av))
        elif op is C.RANGE:
            parts.append(f"{_char(av[0])}-{_char(av[1])}")
        elif op is C.CATEGORY and av in _CATEGORY_TEXT:
            parts.append(_CATEGORY_TEXT[av])
        else:
            raise Unsupported(f"class item {op} {av}")
    return "[" + "".join(parts) + "]"


def _quantifier(lo: int, hi: int) -> str:
    if hi == C.MAXREPEAT:
        return "*" if lo == 0 else "+" if lo == 1 else f"{{{lo},}}"
    return "?" if (lo, hi) == (0, 1) else f"{{{lo}}}" if lo == hi else f"{{{lo},{hi}}}"


def unparse(items, names: dict[int, str]) -> str:
    """Return regex text for a parsed sequence (`names`: group number to name)."""
    return "".join(_unparse_item(op, av, names) for op, av in items)


def _unparse_item(op, av, names: dict[int, str]) -> str:
    if op is C.LITERAL:
        return _char(av)
    if op is C.NOT_LITERAL:
        return f"[^{_char(av)}]"
    if op is C.ANY:
        return "."
    if op is C.IN:
        return _class(av)
    if op is C.BRANCH:
        return "(?:" + "|".join(unparse(alt, names) for alt in av[1]) + ")"
    if op is C.SUBPATTERN:
        group, add_flags, del_flags, body = av
        if add_flags or del_flags:
            raise Unsupported("inline flags")
        head = "(?:" if group is None else f"(?P<{names[group]}>" if group in names else "("
        return head + unparse(body, names) + ")"
    if op in _REPEATS:
        suffix = {C.MAX_REPEAT: "", C.MIN_REPEAT: "?", C.POSSESSIVE_REPEAT: "+"}[op]
        return "(?:" + unparse(av[2], names) + ")" + _quantifier(av[0], av[1]) + suffix
    if op is C.AT and av in _AT_TEXT:
        return _AT_TEXT[av]
    if op in (C.ASSERT, C.ASSERT_NOT):
        head = {(C.ASSERT, 1): "(?=", (C.ASSERT, -1): "(?<=", (C.ASSERT_NOT, 1): "(?!", (C.ASSERT_NOT, -1): "(?<!"}
        return head[op, av[0]] + unparse(av[1], names) + ")"
    if op is C.ATOMIC_GROUP:
        return "(?>" + unparse(av, names) + ")"
    if op is C.FAILURE:
        return "(?!)"
    raise Unsupported(f"regex op {op}")


# -- the patterns by first character ------------------------------------------------------------------------
class FirstCharPatterns:
    """A compiled pattern, and its copies without the alternatives that cannot start at a given character.

    `match(text, pos)` matches with the copy for text[pos]: made on first use (the pattern is parsed then,
    once), compiled once for all the characters that keep the same alternatives. A pattern the analysis
    does not know is used whole. The copies' texts outlive the process (`_known_texts`).
    """

    def __init__(self, pattern: re.Pattern):
        self.whole = pattern
        self._by_char: dict[str, re.Pattern] = {}
        self._by_text: dict[str, re.Pattern] = {}
        self._tree = None
        self._known: dict[str, str | None] | None = None  # character -> its copy's text (None: the whole)

    def for_char(self, ch: str) -> re.Pattern:
        """Return the copy of the pattern for a position holding `ch`."""
        pattern = self._by_char.get(ch)
        if pattern is None:
            pattern = self._by_char[ch] = self._copy(ch)
        return pattern

    def match(self, text: str, pos: int, endpos: int | None = None) -> re.Match | None:
        """Return what the whole pattern's `match(text, pos[, endpos])` returns."""
        pattern = self.for_char(text[pos]) if pos < len(text) else self.whole
        return pattern.match(text, pos) if endpos is None else pattern.match(text, pos, endpos)

    def _copy(self, ch: str) -> re.Pattern:
        if self.whole.flags & ~re.UNICODE:     # case folding, verbose, ...: characters are not what they seem
            return self.whole
        known = self._known_texts()
        if ch in known:
            text = known[ch]
        else:
            text = known[ch] = self._pruned_text(ch)
            write_atomically(self._known_file(), marshal.dumps(known))
        if text is None:
            return self.whole
        pattern = self._by_text.get(text)
        if pattern is None:
            pattern = self._by_text[text] = compiled(text)
        return pattern

    def _pruned_text(self, ch: str) -> str | None:
        """Return the text of the copy for `ch`, or None where the pattern is used whole."""
        if self._tree is None:
            tree = P.parse(self.whole.pattern, self.whole.flags)
            names = {number: name for name, number in tree.state.groupdict.items()}
            self._tree = (_plain(tree.data), names)
        data, names = self._tree
        try:
            return unparse(pruned(data, ch), names)
        except Unsupported:
            return None

    def _known_texts(self) -> dict[str, str | None]:
        """Return the copies' texts made so far, in this process or an earlier one (the user cache folder).

        Parsing the pattern and writing a copy took 2 ms a character, a tenth of a second over the first few
        hundred articles of every process and a third of a second over the first one; reading them back takes
        a millisecond. The file is keyed by the pattern and by this module's code, so a changed rule or
        pruning finds none; one process's new copies may replace another's, which only costs remaking them.
        """
        if self._known is None:
            try:
                known = marshal.loads(self._known_file().read_bytes())
                self._known = known if isinstance(known, dict) else {}
            except (OSError, EOFError, ValueError, TypeError):
                self._known = {}
        return self._known

    def _known_file(self) -> Path:
        key = hashlib.blake2b(repr((self.whole.pattern, int(self.whole.flags), sys.implementation.cache_tag,
                                    _module_digest())).encode("utf-8", "surrogatepass"), digest_size=16)
        return user_cache_dir() / "first_char" / f"{key.hexdigest()}.marshal"


@cache
def _module_digest() -> str:
    """Return a digest of this module's code: what the copies' texts are made by."""
    return hashlib.blake2b(Path(__file__).read_bytes(), digest_size=16).hexdigest()
