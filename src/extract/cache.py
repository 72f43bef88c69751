"""Caches that outlive the process, under the user cache folder (platformdirs), for a fast start.

Each entry is keyed by a digest of exactly what it is built from, so a changed input finds no stale entry, and
is written whole then renamed, so a reader (another worker process) never sees half a file. An entry that
cannot be read or written is rebuilt from its source: a cache folder that is gone, read-only or damaged costs
time, never a different result.

`compiled(pattern)` is `re.compile` with the compiled program kept on disk: the grammars of dates and
quantities compose regexes of 100,000 characters whose compilation (Python's `re` parser and optimiser are
written in Python) took about a second and a half at every start, while loading the program takes
milliseconds. `re` cannot pickle a compiled pattern (it pickles the source and compiles it again), so we keep
what its compiler hands to `_sre.compile` (the flags, the program, the groups): the pattern made from them is
equal to the one `re.compile` makes (`Pattern.__eq__` compares the programs), and `_sre.compile` checks a
program before it accepts it. The folder is keyed by the Python version and the engine's magic number.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import re
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

try:  # the parts of re's own compiler we reuse; another Python may name them otherwise, then we do not cache
    import _sre
    from re import _compiler as _re_compiler, _parser as _re_parser
except ImportError:  # pragma: no cover - every CPython 3.11+ has them
    _sre = None


@cache
def user_cache_dir() -> Path:
    """Return the package's folder in the user cache folder (it may not exist yet)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("zh-extract"))


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole (a temporary file renamed into place); do nothing if the folder is unwritable."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError:
        pass


def cached_arrays(path: Path | None, fields: tuple[str, ...], build: Callable[[], dict]) -> dict:
    """Return the numpy arrays `fields` kept in the .npz file `path`, else `build()`'s, written there first.

    For tables built at every start that take longer to build than to read (a damaged or absent file is built
    again; None: no file). The file's name must say what the arrays were built from (a digest).
    """
    import io
    import zipfile

    import numpy

    if path is not None:
        try:
            with numpy.load(path) as arrays:
                return {name: arrays[name] for name in fields}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):  # absent or damaged: built again
            pass
    arrays = build()
    if path is not None:
        buffer = io.BytesIO()
        numpy.savez(buffer, **{name: arrays[name] for name in fields})
        write_atomically(path, buffer.getvalue())
    return arrays


def _regex_folder() -> Path:
    tag = f"{sys.implementation.cache_tag}-{getattr(_sre, 'MAGIC', 0)}-{getattr(_sre, 'CODESIZE', 0)}"
    return user_cache_dir() / "regex" / tag


@cache
def compiled(pattern: str, flags: int = 0) -> re.Pattern:
    """Return `re.compile(pattern, flags)`, its compiled program read from the user cache folder when there.

    Raises re.error as re.compile does. For the long patterns of data files and grammars (each is kept for the
    life of the process), not for patterns made from a text.
    """
    flags = int(flags)
    if _sre is None or flags & re.DEBUG:
        return re.compile(pattern, flags)
    return cached_pattern(pattern, flags, _regex_folder())


def cached_pattern(pattern: str, flags: int, folder: Path) -> re.Pattern:
    """Return the pattern of `pattern` compiled with `flags`, its program read from `folder` or written there."""
    flags = int(flags)  # a RegexFlag would not marshal
    path = folder / (hashlib.blake2b(f"{flags}\x00{pattern}".encode("utf-8", "surrogatepass"),
                                     digest_size=16).hexdigest() + ".marshal")
    try:
        final_flags, code, groups, groupindex, indexgroup = marshal.loads(path.read_bytes())
        return _sre.compile(pattern, final_flags, code, groups, groupindex, indexgroup)
    except (OSError, EOFError, ValueError, TypeError, RuntimeError):  # absent, damaged or refused: compile
        pass
    program = _program(pattern, flags)
    write_atomically(path, marshal.dumps(program))
    return _sre.compile(pattern, *program)


def _program(pattern: str, flags: int) -> tuple:
    """Return what re's compiler hands `_sre.compile` for `pattern` (as in re._compiler.compile)."""
    parsed = _re_parser.parse(pattern, flags)
    code = [int(op) for op in _re_compiler._code(parsed, flags)]  # its opcodes are int subclasses
    groupindex = dict(parsed.state.groupdict)
    indexgroup = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return int(flags | parsed.state.flags), code, parsed.state.groups - 1, groupindex, tuple(indexgroup)
