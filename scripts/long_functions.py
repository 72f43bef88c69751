"""List the functions of src/ and pipeline/ longer than a limit (default 60 lines, the house rule).

    python scripts/long_functions.py [--limit 60] [paths ...]

Prints `lines  path:line  name`, longest first; exits 1 when any function is over the limit.
"""
from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def long_functions(paths: list[Path], limit: int) -> list[tuple[int, str, str]]:
    """Return (lines, path:line, qualified name) of every function longer than `limit` lines, longest first."""
    found = []
    for path in paths:
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            tree = ast.parse(file.read_text(encoding="utf-8"))
            found += [(n, f"{file.relative_to(ROOT)}:{line}", name) for n, line, name in _functions(tree, "")
                      if n > limit]
    return sorted(found, reverse=True)


def _functions(node: ast.AST, prefix: str):
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield child.end_lineno - child.lineno + 1, child.lineno, prefix + child.name
            yield from _functions(child, f"{prefix}{child.name}.")
        elif isinstance(child, ast.ClassDef):
            yield from _functions(child, f"{prefix}{child.name}.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("paths", nargs="*", type=Path, default=[ROOT / "src", ROOT / "pipeline"])
    args = parser.parse_args(argv)
    found = long_functions([p.resolve() for p in args.paths], args.limit)
    for n, where, name in found:
        print(f"{n:5d}  {where}  {name}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
