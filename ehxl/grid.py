"""A sheet as plain data: values and the fill colour a person sees, by row and column.

The workbook-reading layer turns a worksheet into a :class:`SheetGrid`; every
rule in the pure core (actions, maturity, KPIs, audits) works on grids only,
so it can be tested without a workbook and run on what xlwings reads from an
open Excel book just the same.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, NamedTuple


class GridCell(NamedTuple):
    """One cell: its value and, if it is filled, the colour shown as ``RRGGBB``.

    A named tuple rather than a frozen dataclass: a 20,000-row plan has some
    200,000 of them, and a tuple is made several times faster."""

    value: object = None
    fill: str | None = None
    number_format: str | None = None

    @property
    def text(self) -> str:
        """The value as stripped text ('' for empty)."""
        if self.value is None:
            return ""
        return str(self.value).strip()


@dataclass
class SheetGrid:
    """The used part of one sheet. Rows and columns are 1-based, as in Excel."""

    name: str
    cells: dict[int, dict[int, GridCell]] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)

    @property
    def max_row(self) -> int:
        return max(self.cells, default=0)

    @property
    def max_col(self) -> int:
        return max((max(r) for r in self.cells.values() if r), default=0)

    def cell(self, row: int, col: int) -> GridCell:
        return self.cells.get(row, {}).get(col, EMPTY)

    def value(self, row: int, col: int) -> object:
        return self.cell(row, col).value

    def text(self, row: int, col: int) -> str:
        return self.cell(row, col).text

    def row_texts(self, row: int) -> dict[int, str]:
        """Non-empty texts of a row by column."""
        return row_texts(self.cells.get(row, _NO_CELLS))

    def rows(self) -> Iterator[int]:
        return iter(sorted(self.cells))

    def set(self, row: int, col: int, value: object, fill: str | None = None,
            number_format: str | None = None) -> None:
        self.cells.setdefault(row, {})[col] = GridCell(value, fill, number_format)


EMPTY = GridCell()
_NO_CELLS: dict[int, GridCell] = {}


def row_texts(row: dict[int, GridCell]) -> dict[int, str]:
    """:attr:`GridCell.text` of each cell of a row that has any: called for every row a reader walks, so the
    text is worked out once per cell, not twice through the property."""
    out = {}
    for c, cell in row.items():
        value = cell[0]
        if value is None:
            continue
        text = (value if type(value) is str else str(value)).strip()
        if text:
            out[c] = text
    return out


def column_letter(col: int) -> str:
    """1 -> 'A', 28 -> 'AB'."""
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """'A' -> 1, 'AB' -> 28."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def a1(row: int, col: int) -> str:
    return f"{column_letter(col)}{row}"


_COLUMNS: dict[str, int] = {}


def split_a1(ref: str) -> tuple[int, int]:
    """'AB12' -> (12, 28).  Called for every cell read, so the letters are looked up, not recomputed."""
    if "$" in ref:
        ref = ref.replace("$", "")
    i = len(ref.rstrip("0123456789"))
    letters = ref[:i]
    col = _COLUMNS.get(letters)
    if col is None:
        col = _COLUMNS[letters] = column_index(letters)
    return int(ref[i:]), col
