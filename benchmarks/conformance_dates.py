"""Print the pass rate of extract.extractors.dates on the in-scope Recognizers-Text DateTime cases, per file.

Usage: python benchmarks/conformance_dates.py [--failures] [--scope]
Needs ../shared/conformance/recognizers-text/DateTime beside the project.
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests" / "conformance")]

from recognizers_dates import CONVENTIONS, evaluate, load_cases, table  # noqa: E402

SUITE = ROOT.parent / "shared" / "conformance" / "recognizers-text" / "DateTime"


def main() -> int:
    cases = load_cases(SUITE)
    outcomes = [evaluate(c) for c in cases if c.scope == "in"]
    print(table(outcomes, cases))
    if "--scope" in sys.argv:
        print("\nout of scope:", dict(Counter(c.scope for c in cases if c.scope != "in")))
    if "--failures" in sys.argv:
        print("\nfailures:")
        for o in outcomes:
            if o.status == "fail":
                print(f"  {o.case.file}#{o.case.index} {o.case.input!r} ref={o.case.reference}: {o.detail}")
        print("\nconventions:")
        for name, why in CONVENTIONS.items():
            print(f"  {name}: {why}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
