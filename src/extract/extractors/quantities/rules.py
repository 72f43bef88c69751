"""The rule shape of the quantities extractor: a name, the pattern it reads and what it produces, in a table.

A rule's `pattern` names the data it reads (a key or piece of data/quantities/patterns.yaml, a file of
data/quantities/), so a reader goes from the rule to its words; `production` is the function. Tables keep
their rules in the order they apply (Duckling's `Rules.hs` shape: each rule one unit, registered once).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True, slots=True)
class Rule:
    """One registered rule: its name, the pattern (data) it reads, and its production."""

    name: str
    pattern: str
    production: Callable


class RuleTable:
    """An ordered table of rules, filled by the `rule` decorator where each production is defined."""

    def __init__(self, name: str):
        self.name = name
        self.rules: list[Rule] = []

    def rule(self, name: str, pattern: str = "") -> Callable[[Callable], Callable]:
        """Register the decorated function as the production of rule `name` reading `pattern`."""
        def register(production: Callable) -> Callable:
            if any(r.name == name for r in self.rules):
                raise ValueError(f"{self.name}: rule {name!r} is registered twice")
            self.rules.append(Rule(name, pattern, production))
            return production
        return register

    def productions(self) -> tuple[Callable, ...]:
        """Return the productions in order (what the parser calls)."""
        return tuple(r.production for r in self.rules)

    def __iter__(self):
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)
