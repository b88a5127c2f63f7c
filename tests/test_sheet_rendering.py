"""The cell renderer's shortcuts (plain text, whole numbers, dates) write what its general path writes."""
from __future__ import annotations

import datetime as dt
import random
import re

from ehxl.report import Cell, SheetSpec, one_line, row_lines
from ehxl.sheet_rendering import _ILLEGAL, _NEEDS_CLEANING, _NOT_PLAIN, _TO_ESCAPE, _cell_tail, render_sheet

STYLES = {"text": 1, "wrap": 2, "int": 3, "date": 4, "header": 5}


def xf(style: str, fmt: str | None) -> int:
    return STYLES[style] + (10 if fmt else 0)


VALUES = ["plain", "", " lead", "trail ", "a & b", "<tag>", 'say "hi"', "line\r\nbreak", "bell\x07", "_x0041_",
          "x" * 40_000, "é ü 漢", 0, 7, -3, 10**20, True, False, 1.5, float("nan"), dt.date(2016, 6, 30),
          dt.date(1899, 1, 1), dt.datetime(2016, 6, 30, 12, 0), dt.time(9, 30), None]


def test_every_cell_is_what_the_general_path_writes():
    spec = SheetSpec("T", widths={1: 10, 2: 30})
    for value in VALUES:
        spec.add_row(*[Cell(value, style) for style in STYLES])
    sheet = render_sheet(spec, xf).decode("utf-8")
    written = re.findall(r'<c r="([A-Z]+\d+)(.*?(?:/>|</c>))', sheet, re.S)
    expected = [(f"{'ABCDE'[c]}{r}", _cell_tail(cell.value, cell.style, xf, False))
                for r, row in enumerate(spec.rows, start=1) for c, cell in enumerate(row)]
    assert written == expected


def test_the_quick_patterns_find_what_the_plain_ones_find():
    """_NEEDS_CLEANING and _NOT_PLAIN are written for speed; they find a text needs work exactly where the plain
    form of each (a class of characters, or an _xHHHH_ escape) does."""
    escape = r"_x[0-9A-Fa-f]{4}_"
    plain = {_NEEDS_CLEANING: re.compile(f"[{_ILLEGAL}]|{escape}"),
             _NOT_PLAIN: re.compile(f"[{_ILLEGAL}{_TO_ESCAPE}]|{escape}")}
    rng = random.Random(13)
    pieces = list("ab_xX0F9g &<>\"\r\n") + ["\x07", "\ud800", "\uffff", "é", "_x", "00", "4F", "_x0041_"]
    texts = VALUES[:12] + ["__x0041_", "_x004_", "_x0041", "x0041_", "_X0041_", "a_x00g1_b", "_x0041__x0042_"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randrange(8))) for _ in range(20_000)]
    for quick, slow in plain.items():
        assert [bool(quick.search(t)) for t in texts] == [bool(slow.search(t)) for t in texts]


def test_row_heights_are_what_row_lines_says():
    spec = SheetSpec("T", widths={1: 11.0, 2: 20.0})
    texts = ["a" * n for n in range(0, 40)] + ["a\nb", "short", "a" * 9 + "\n"]
    for text in texts:
        spec.add_row(Cell(text, "wrap"), Cell(text, "header"), Cell(text, "text"))
    sheet = render_sheet(spec, xf).decode("utf-8")
    heights = dict(re.findall(r'<row r="(\d+)"(?: ht="(\d+)")?', sheet))
    for r, row in enumerate(spec.rows, start=1):
        lines = row_lines(spec, row)
        assert heights[str(r)] == (str(15 * lines) if lines > 1 else "")


def test_one_line_is_the_longest_text_row_lines_keeps_on_one_line():
    for width in (0, 4, 8.43, 10, 11, 13.7, 60):
        spec = SheetSpec("T", widths={1: width})
        for style in ("wrap", "header"):
            most = one_line(spec, 1, style)
            assert row_lines(spec, [Cell("a" * most, style)]) == 1
            assert row_lines(spec, [Cell("a" * (most + 1), style)]) > 1
