"""Hand the memory freed after loading models and dictionaries back to the system.

glibc's malloc keeps memory freed inside its heap for later allocations: the temporary arrays and buffers of
loading (a marshalled dictionary read whole, a model's weights before sorting) stay resident for the rest of
the process. `malloc_trim(0)` returns those pages. Elsewhere (macOS, Windows, musl) this does nothing.
"""
from __future__ import annotations

import ctypes
import sys
from functools import cache


@cache
def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library the process runs on
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def release_free_memory() -> bool:
    """Return freed heap memory to the system where the C library can (glibc); return whether any was."""
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False
