"""Small inline SVG charts for the index page: horizontal bars and a column histogram, no script needed."""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

_BAR_HEIGHT = 16
_GAP = 4
_LABEL_WIDTH = 120
_BAR_WIDTH = 220


@dataclass(frozen=True, slots=True)
class Chart:
    """A titled chart: its heading and its SVG markup (empty when there is nothing to draw)."""

    title: str
    svg: str


def bar_chart(title: str, counts: list[tuple[str, int]]) -> Chart:
    """Return horizontal bars, one per (label, count), largest first as given."""
    if not counts:
        return Chart(title, "")
    top = max(n for _, n in counts) or 1
    height = len(counts) * (_BAR_HEIGHT + _GAP)
    width = _LABEL_WIDTH + _BAR_WIDTH + 50
    rows = []
    for i, (label, n) in enumerate(counts):
        y = i * (_BAR_HEIGHT + _GAP)
        w = max(1, round(_BAR_WIDTH * n / top))
        rows.append(
            f'<g><title>{escape(label)}: {n}</title>'
            f'<text x="{_LABEL_WIDTH - 6}" y="{y + 12}" text-anchor="end">{escape(_clip(label, 12))}</text>'
            f'<rect x="{_LABEL_WIDTH}" y="{y}" width="{w}" height="{_BAR_HEIGHT}" class="bar"/>'
            f'<text x="{_LABEL_WIDTH + w + 4}" y="{y + 12}">{n}</text></g>')
    return Chart(title, f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" '
                        f'height="{height}" viewBox="0 0 {width} {height}">{"".join(rows)}</svg>')


def column_chart(title: str, counts: list[tuple[str, int]]) -> Chart:
    """Return vertical columns over ordered buckets (months, years), labelling the first, last and peaks."""
    if not counts:
        return Chart(title, "")
    top = max(n for _, n in counts) or 1
    col = max(4, min(24, 360 // len(counts)))
    plot_h, width = 100, col * len(counts) + 20
    height = plot_h + 30
    cols = []
    for i, (label, n) in enumerate(counts):
        h = max(1, round(plot_h * n / top))
        x = 10 + i * col
        cols.append(f'<g><title>{escape(label)}: {n}</title><rect x="{x}" y="{plot_h - h}" width="{col - 1}" '
                    f'height="{h}" class="bar"/></g>')
    first, last = counts[0][0], counts[-1][0]
    axis = (f'<text x="10" y="{plot_h + 14}">{escape(first)}</text>'
            f'<text x="{width - 10}" y="{plot_h + 14}" text-anchor="end">{escape(last)}</text>')
    return Chart(title, f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" '
                        f'height="{height}" viewBox="0 0 {width} {height}">{"".join(cols)}{axis}</svg>')


def _clip(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
