"""Print the pass rate of extract.extractors.quantities on Recognizers-Text's Chinese number files.

Usage: PYTHONPATH=src python benchmarks/conformance_numbers.py [--failures] [--shared ../shared]
A case is "pass" when it matches as is, "convention" when it matches after mapping upstream's expectation to
one of our documented conventions (tests/conformance/recognizers_numbers.py), "fail" otherwise; "out of
scope" cases (database queries, upstream errata) are not counted. pass% = pass / in scope; excl.conv% =
pass / (in scope - convention); w/ conv% = (pass + convention) / in scope.
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _runner():
    spec = importlib.util.spec_from_file_location(
        "recognizers_numbers", ROOT / "tests" / "conformance" / "recognizers_numbers.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--failures", action="store_true", help="list the failing cases")
    args = parser.parse_args()
    runner = _runner()
    print(f"{'file':<18}{'cases':>6}{'scope':>6}{'pass':>6}{'conv':>6}{'fail':>6}{'pass%':>8}{'excl.conv%':>11}"
          f"{'w/ conv%':>10}")
    conventions: Counter = Counter()
    for name in runner.FILES:
        outcomes = runner.run_file(args.shared, name)
        counts = runner.summary(outcomes)
        scope = len(outcomes) - counts.get("out_of_scope", 0)
        p, c, f = counts.get("pass", 0), counts.get("convention", 0), counts.get("fail", 0)
        print(f"{name:<18}{len(outcomes):>6}{scope:>6}{p:>6}{c:>6}{f:>6}{100 * p / scope:>7.1f}%"
              f"{100 * p / (scope - c):>10.1f}%{100 * (p + c) / scope:>9.1f}%")
        for o in outcomes:
            conventions.update(set(o.conventions) if o.status == "convention" else ())
            if args.failures and o.status == "fail":
                print(f"    FAIL #{o.index} {o.input[:60]!r}: {o.detail}")
    print("conventions used (cases):", ", ".join(f"{k} {v}" for k, v in conventions.most_common()))


if __name__ == "__main__":
    main()
