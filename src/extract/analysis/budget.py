"""A time budget for one article: past it, the analysis is stopped and the article becomes an `errors` row.

The analysis runs in whatever thread calls it (a Prefect task thread, a Dask worker), where `signal.alarm`
cannot reach, so a watchdog timer raises an exception *in that thread* (CPython's `PyThreadState_SetAsyncExc`).
The exception derives from BaseException, so that no `except Exception` inside an extractor swallows it. It is
delivered between two Python bytecodes: a single long C call (one regex match, one numba kernel) finishes
first, and every loop of the pipeline is Python, so a runaway article stops within moments of its budget.
"""
from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from extract.errors import ExtractError


class ArticleTimeout(BaseException):
    """Raised inside the analysing thread when its article runs over the time budget."""


def _raise_in_thread(thread_id: int, exc: type[BaseException] | None) -> None:
    """Make `exc` be raised in thread `thread_id` at its next bytecode; None clears a pending one."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                               None if exc is None else ctypes.py_object(exc))


@contextmanager
def time_budget(seconds: float | None, *, source: str | None = None) -> Iterator[None]:
    """Run the body with a budget of `seconds` (None or 0: no budget); past it raise ExtractError code timeout."""
    if not seconds:
        yield
        return
    thread_id = threading.get_ident()
    lock = threading.Lock()
    state = {"active": True, "fired": False}

    def fire() -> None:
        with lock:
            if state["active"]:
                state["fired"] = True
                _raise_in_thread(thread_id, ArticleTimeout)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    try:
        timer.start()
        try:
            yield
        finally:
            timer.cancel()
            with lock:
                state["active"] = False
                if state["fired"]:  # fired as the body ended: clear it if it has not been raised yet
                    _raise_in_thread(thread_id, None)
    except ArticleTimeout:
        raise ExtractError(f"the analysis ran over its time budget of {seconds:g} s and was stopped (raise "
                           "article_seconds, or --article-seconds, to let it finish)", source=source,
                           code="timeout", stage="analyze") from None
