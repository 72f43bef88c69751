"""A time budget for one article: past it, the analysis is stopped and the article becomes an `errors` row.

The analysis runs in whatever thread calls it (a Prefect task thread, a Dask worker), where `signal.alarm`
cannot reach, so a watchdog raises an exception *in that thread* (CPython's `PyThreadState_SetAsyncExc`).
The exception derives from BaseException, so that no `except Exception` inside an extractor swallows it. It is
delivered between two Python bytecodes: a single long C call (one regex match, one numba kernel) finishes
first, and every loop of the pipeline is Python, so a runaway article stops within moments of its budget.

One watchdog thread per process watches every budget. A `threading.Timer` per article was a thread started
and stopped per article: the analysing thread waited for each new thread to be scheduled, which cost up to a
millisecond an article on a loaded machine (benchmarks/budget_speed.py).
"""
from __future__ import annotations

import ctypes
import itertools
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from extract.errors import ExtractError


class ArticleTimeout(BaseException):
    """Raised inside the analysing thread when its article runs over the time budget."""


def _raise_in_thread(thread_id: int, exc: type[BaseException] | None) -> None:
    """Make `exc` be raised in thread `thread_id` at its next bytecode; None clears a pending one."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                               None if exc is None else ctypes.py_object(exc))


class _Watchdog:
    """The process's one watchdog thread: it raises ArticleTimeout in each thread whose budget ran out."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # a forked child has the lock and the dict, not the thread

    def _reset(self) -> None:
        self._wake = threading.Condition()
        self._budgets: dict[int, tuple[float, int]] = {}  # key -> (deadline, thread id), until it ends or fires
        self._fired: set[int] = set()
        self._alarm: float | None = None  # when the thread wakes next (None: only when told)
        self._keys = itertools.count()
        self._thread: threading.Thread | None = None

    def begin(self, seconds: float) -> int:
        """Watch the calling thread for `seconds`; return the key that `end` takes."""
        deadline = time.monotonic() + seconds
        with self._wake:
            key = next(self._keys)
            self._budgets[key] = (deadline, threading.get_ident())
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="article-budget", daemon=True)
                self._thread.start()
            elif self._alarm is None or deadline < self._alarm:
                # Else the thread wakes in time anyway (at the deadline of an article gone by, mostly): waking it
                # for every article was a switch between threads an article.
                self._wake.notify()
        return key

    def end(self, key: int) -> None:
        """Stop watching; clear the exception if the budget fired as the body ended and it is still pending."""
        with self._wake:
            self._budgets.pop(key, None)
            if key in self._fired:
                self._fired.discard(key)
                _raise_in_thread(threading.get_ident(), None)

    def _watch(self) -> None:
        with self._wake:
            while True:
                now = time.monotonic()
                for key, (deadline, thread_id) in list(self._budgets.items()):
                    if deadline <= now:
                        del self._budgets[key]
                        self._fired.add(key)
                        _raise_in_thread(thread_id, ArticleTimeout)
                self._alarm = min((d for d, _ in self._budgets.values()), default=None)
                self._wake.wait(None if self._alarm is None else self._alarm - now)


_WATCHDOG = _Watchdog()


@contextmanager
def time_budget(seconds: float | None, *, source: str | None = None) -> Iterator[None]:
    """Run the body with a budget of `seconds` (None or 0: no budget); past it raise ExtractError code timeout."""
    if not seconds:
        yield
        return
    key = _WATCHDOG.begin(seconds)
    try:
        try:
            yield
        finally:
            _WATCHDOG.end(key)
    except ArticleTimeout:
        raise ExtractError(f"the analysis ran over its time budget of {seconds:g} s and was stopped (raise "
                           "article_seconds, or --article-seconds, to let it finish)", source=source,
                           code="timeout", stage="analyze") from None
