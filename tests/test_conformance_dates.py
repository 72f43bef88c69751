"""Conformance of extract.extractors.dates on the in-scope Recognizers-Text DateTime cases (../shared)."""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "conformance"))

from recognizers_dates import CONVENTIONS, evaluate, load_cases  # noqa: E402


@pytest.fixture(scope="module")
def outcomes(shared_dir):
    cases = load_cases(shared_dir / "conformance" / "recognizers-text" / "DateTime")
    return [evaluate(c) for c in cases if c.scope == "in"]


@pytest.mark.shared
def test_conformance_dates_pass_rate_at_least_95_percent(outcomes):
    counts = Counter(o.status for o in outcomes)
    rate = (counts["pass"] + counts["convention"]) / len(outcomes)
    failures = [f"{o.case.file}#{o.case.index} {o.case.input}: {o.detail}" for o in outcomes if o.status == "fail"]
    assert len(outcomes) > 350
    assert rate >= 0.95, "\n".join(failures)


@pytest.mark.shared
def test_conformance_dates_conventions_are_documented(outcomes):
    used = {c for o in outcomes for c in o.conventions}
    assert used <= set(CONVENTIONS)
    # a convention may explain a difference, never most of the suite
    assert sum(o.status == "convention" for o in outcomes) < 0.25 * len(outcomes)
