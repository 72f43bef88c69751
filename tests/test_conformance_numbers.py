"""Recognizers-Text's Chinese number files (../shared/conformance) against extract.extractors.quantities.

The runner and its documented conventions are in tests/conformance/recognizers_numbers.py;
benchmarks/conformance_numbers.py prints the same figures as a table.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_RUNNER_PATH = Path(__file__).parent / "conformance" / "recognizers_numbers.py"


def _runner():
    if "recognizers_numbers" not in sys.modules:
        spec = importlib.util.spec_from_file_location("recognizers_numbers", _RUNNER_PATH)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules["recognizers_numbers"]


FILES = list(_runner().FILES)


@pytest.mark.shared
@pytest.mark.parametrize("name", FILES)
def test_conformance_numbers_pass_rate(shared_dir, name):
    """At least 95% of the in-scope cases pass, not counting those that need a documented convention, and at
    least 95% pass or match under a convention."""
    outcomes = _runner().run_file(shared_dir, name)
    counts = _runner().summary(outcomes)
    scope = len(outcomes) - counts.get("out_of_scope", 0)
    passed, convention = counts.get("pass", 0), counts.get("convention", 0)
    failures = [f"#{o.index} {o.input[:40]!r}: {o.detail}" for o in outcomes if o.status == "fail"]
    assert passed / (scope - convention) >= 0.95, failures
    assert (passed + convention) / scope >= 0.95, failures


def test_conformance_numbers_conventions_are_documented():
    runner = _runner()
    assert all(reason for reason in runner.CONVENTIONS.values())
    assert all(reason for reason in runner.ERRATA.values())
