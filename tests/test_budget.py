"""The article time budget: one watchdog thread per process stops each analysis past its own budget."""
from __future__ import annotations

import multiprocessing
import threading
import time

import pytest

from extract.analysis.budget import time_budget
from extract.errors import ExtractError


def _spin(seconds: float) -> None:
    """Python bytecodes for `seconds` (an async exception is delivered between two of them)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_budget_stops_the_body_past_its_budget_and_names_the_source():
    started = time.monotonic()
    with pytest.raises(ExtractError) as info:
        with time_budget(0.2, source="slow.txt"):
            _spin(5)
    assert 0.15 < time.monotonic() - started < 2
    assert info.value.code == "timeout" and info.value.stage == "analyze" and "0.2 s" in str(info.value)


def test_budget_of_a_finished_body_never_fires_later():
    for _ in range(200):
        with time_budget(0.05):
            pass
    _spin(0.2)  # an exception raised now would fail this test


def test_budget_a_shorter_budget_begun_after_a_longer_one_fires_in_time():
    outcome = {}

    def long_one():
        with time_budget(30):
            time.sleep(1.5)
        outcome["long"] = "finished"

    thread = threading.Thread(target=long_one)
    thread.start()
    time.sleep(0.1)  # the watchdog now sleeps until the 30 s deadline
    started = time.monotonic()
    with pytest.raises(ExtractError):
        with time_budget(0.2):
            _spin(5)
    assert time.monotonic() - started < 1.2  # woken for the shorter deadline, not after the long body
    thread.join()
    assert outcome == {"long": "finished"}  # the other thread's budget was left alone


def test_budget_each_thread_is_stopped_by_its_own_budget():
    results = {}

    def analyse(name, budget, seconds):
        try:
            with time_budget(budget):
                _spin(seconds)
            results[name] = "done"
        except ExtractError as exc:
            results[name] = exc.code

    threads = [threading.Thread(target=analyse, args=("fast", 5, 0.3)),
               threading.Thread(target=analyse, args=("slow", 0.3, 5))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == {"fast": "done", "slow": "timeout"}


def _child(queue):
    try:
        with time_budget(0.2):
            _spin(5)
        queue.put("not stopped")
    except ExtractError as exc:
        queue.put(exc.code)


def test_budget_works_in_a_forked_child_of_a_process_that_used_it():
    with time_budget(10):  # the parent's watchdog thread exists; a forked child has none of its threads
        pass
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child, args=(queue,))
    child.start()
    assert queue.get(timeout=20) == "timeout"
    child.join(10)
