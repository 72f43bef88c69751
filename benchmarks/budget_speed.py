"""What the article time budget costs per article: `time_budget` around a small body, against the bare body.

    PYTHONPATH=src .venv/bin/python benchmarks/budget_speed.py [--articles 3000] [--repeat 3]

The body is ~0.3 ms of Python (a short article's analysis is ~9 ms). Figures: microseconds added per article,
wall and CPU, best of --repeat, the bare body and the budgeted one timed in turns. A figure near 0 is the aim:
the budget is a safety net every article of a run pays for.
"""
from __future__ import annotations

import argparse
import os
import time

from extract.analysis.budget import time_budget


def body() -> int:
    total = 0
    for i in range(10_000):
        total += i
    return total


def timed(articles: int, seconds: float | None) -> tuple[float, float]:
    """Return (wall, CPU) seconds of `articles` bodies, each under a budget of `seconds` (None: none)."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(articles):
        with time_budget(seconds):
            body()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bare, budgeted = [], []
    for _ in range(args.repeat):
        bare.append(timed(args.articles, None))
        budgeted.append(timed(args.articles, 300.0))
    for k, name in enumerate(("wall", "CPU")):
        added = (min(b[k] for b in budgeted) - min(b[k] for b in bare)) / args.articles * 1e6
        print(f"time_budget adds {added:,.1f} µs {name} per article "
              f"(bare body {min(b[k] for b in bare) / args.articles * 1e6:,.0f} µs)")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
