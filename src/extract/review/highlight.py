"""Turn overlapping spans of a text into properly nested HTML elements.

A span that crosses the end of an enclosing one (a date and a quantity sharing characters, a mention over a
sentence break) is closed where the enclosing one closes and reopened after it as a continuation fragment
(`data-cont="1"`), so that the markup nests and each row still has exactly one head element.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape


@dataclass(frozen=True, slots=True)
class Span:
    """One element to wrap around text[start:end]: its tag, classes and data attributes, outermost first by layer."""

    start: int
    end: int
    layer: int
    classes: str
    attrs: tuple[tuple[str, str], ...] = field(default=())

    def open_tag(self, *, continuation: bool = False) -> str:
        parts = [f'<span class="{escape(self.classes)}"']
        parts += [f' {name}="{escape(value)}"' for name, value in self.attrs if not (continuation and name == "title")]
        if continuation:
            parts.append(' data-cont="1"')
        return "".join(parts) + ">"


def nested_html(text: str, spans: list[Span]) -> str:
    """Return `text` escaped, with every span wrapped in an element, the elements properly nested.

    Over each stretch of text the open elements are the spans covering it, outermost first by
    (layer, start, longest): a lower layer (sentences) always encloses a higher one (mentions).
    """
    bounds = sorted({0, len(text)} | {s.start for s in spans} | {s.end for s in spans})
    starting: dict[int, list[Span]] = {}
    for span in spans:
        starting.setdefault(span.start, []).append(span)
    out: list[str] = []
    stack: list[Span] = []
    opened: set[int] = set()
    for here, following in zip(bounds, bounds[1:] + [None]):
        for span in starting.get(here, ()):
            if span.end == span.start:  # an empty mention still gets its (empty) element
                out.append(span.open_tag() + "</span>")
                opened.add(id(span))
        wanted = sorted((s for s in [*stack, *starting.get(here, ())] if s.end > here),
                        key=_nesting_rank)
        keep = _common_prefix(stack, wanted)
        out.append("</span>" * (len(stack) - keep))
        for span in wanted[keep:]:
            out.append(span.open_tag(continuation=id(span) in opened))
            opened.add(id(span))
        stack = wanted
        if following is not None:
            out.append(escape(text[here:following], quote=False))
    out.append("</span>" * len(stack))
    return "".join(out)


def _nesting_rank(span: Span) -> tuple[int, int, int]:
    return (span.layer, span.start, -span.end)


def _common_prefix(current: list[Span], wanted: list[Span]) -> int:
    n = 0
    while n < len(current) and n < len(wanted) and current[n] is wanted[n]:
        n += 1
    return n
