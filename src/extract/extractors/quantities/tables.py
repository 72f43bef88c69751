"""Numbers in the cells of a text table whose column header names their unit.

Finance news prints tables in Markdown (| 股票 | 当前报价(美元) | 涨跌幅(%) |): a cell holding only a number
(21.10, +6.73) means the amount in the unit its column header gives in brackets. The cell is read again as
number + unit by the same parser (so 亿元 scales, 元 takes the region's currency, % is percent) and the mention
spans the whole cell, its sign included (+6.73 is 6.73 %, as the table writes a rise).
"""
from __future__ import annotations

import re
from typing import Callable

from extract.extractors.quantities.record import Quantity

_ROW = re.compile(r"^[ \t]*\|.*\|[ \t]*$", re.M)
_SEPARATOR = re.compile(r"[ \t:|-]+")
_HEADER_UNIT = re.compile(r"[(（]([^()（）|]{1,6})[)）][ \t]*$")
_CELL_NUMBER = re.compile(r"[+＋]?[-−]?[0-9][0-9,]*(?:\.[0-9]+)?")


def _cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Return the (start, end) of each cell's content in the row text[start:end], spaces stripped."""
    out = []
    bars = [i for i in range(start, end) if text[i] == "|"]
    for a, b in zip(bars, bars[1:]):
        s, e = a + 1, b
        while s < e and text[s] in " \t\u00a0\u3000":
            s += 1
        while e > s and text[e - 1] in " \t\u00a0\u3000":
            e -= 1
        out.append((s, e))
    return out


def _tables(text: str) -> list[list[tuple[int, int]]]:
    """Return the tables of a text, each a list of row spans (consecutive lines framed by |)."""
    tables: list[list[tuple[int, int]]] = []
    last_end = -2
    for m in _ROW.finditer(text):
        if m.start() == last_end + 1 and tables:
            tables[-1].append((m.start(), m.end()))
        else:
            tables.append([(m.start(), m.end())])
        last_end = m.end()
    return tables


def column_unit_quantities(text: str, found: list[Quantity],
                           read: Callable[[str], list[Quantity]]) -> list[Quantity]:
    """Return `found` with each bare number that fills a cell of a unit-headed column read in that unit.

    `read` parses a short string (the cell's number followed by the header's unit) into quantities."""
    if "|" not in text:
        return found
    out = list(found)
    for rows in _tables(text):
        header = _cells(text, *rows[0])
        marks = {i: u for i, (s, e) in enumerate(header) if (u := _HEADER_UNIT.search(text, s, e))}
        if not marks:
            continue
        units = {i: u.group(1) for i, u in marks.items()}
        # （亿元） in a header names the column's unit: no amount of its own
        labels = [(u.start(1), u.end(1)) for u in marks.values()]
        out = [q for q in out if not any(a <= q.start and q.end <= b for a, b in labels)]
        by_span = {(q.start, q.end): i for i, q in enumerate(out)}
        for row in rows[1:]:
            if _SEPARATOR.fullmatch(text, *row):
                continue
            for i, (s, e) in enumerate(_cells(text, *row)):
                if i in units and _CELL_NUMBER.fullmatch(text, s, e):
                    _read_cell(text, s, e, units[i], out, by_span, read)
    return out


def _read_cell(text: str, s: int, e: int, unit: str, out: list[Quantity], by_span: dict, read) -> None:
    """Replace the bare number mention filling text[s:e] by the cell read with its column's unit."""
    number_start = s + (text[s] in "+＋")
    i = by_span.get((number_start, e), by_span.get((s, e)))
    if i is None or out[i].unit is not None or out[i].kind != "number":
        return
    number = text[number_start:e]
    got = read(number + unit)
    if len(got) != 1 or got[0].start != 0 or got[0].end != len(number) + len(unit):
        return
    q = got[0]
    out[i] = Quantity(s, e, text[s:e], q.kind, q.value, q.low, q.high, q.unit, q.approximate, q.hedge)
