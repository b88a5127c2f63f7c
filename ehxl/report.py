"""ehxl's own sheets (Summary, Overdue, Validation, ...) as plain data.

A :class:`SheetSpec` says what a board sheet holds (values, a named style per
cell, links back to staff rows, column widths, frozen header, print set-up)
without saying how it is stored.  The file writer renders it into package XML;
the Excel buttons render it through xlwings.  Both therefore put the same
figures in the same cells.
"""
from __future__ import annotations

from dataclasses import dataclass, field

#: The styles a sheet may name.  Writers map each to a real cell format.
STYLES = (
    "title",      # bold, large: the sheet's heading
    "subtitle",   # italic grey: as-of date, source file
    "header",     # bold white on dark blue, wrapped, bordered: a table header
    "text",       # plain, bordered
    "wrap",       # plain, wrapped, top-aligned, bordered: long action text
    "bold",       # bold, bordered: totals
    "int",        # whole number, bordered
    "decimal1",   # one decimal place, bordered
    "pct",        # a fraction shown as 0.0%, bordered
    "date",       # a date shown as 1 Jul 2015, bordered
    "link",       # blue underlined, bordered: a link back to a staff cell
    "rag_green", "rag_amber", "rag_red", "rag_blue", "rag_grey",  # status fills
    "note",       # italic grey, no border: explanations under a table
)

RAG_STYLE = {c: f"rag_{c}" for c in ("green", "amber", "red", "blue", "grey")}


@dataclass(frozen=True)
class Cell:
    """A value with a named style; ``link`` is a place in the workbook such as ``'Plan'!A7``."""

    value: object = None
    style: str = "text"
    link: str | None = None


@dataclass(frozen=True)
class Series:
    """One chart series; the ranges are absolute references into the spec's own sheet."""

    name: str
    categories: str   # e.g. "'KPIs'!$B$5:$I$5"
    values: str       # e.g. "'KPIs'!$B$6:$I$6"


@dataclass(frozen=True)
class Chart:
    """A native Excel chart placed on the sheet.

    ``kind`` is ``line``, ``column`` or ``bar_stacked_100``.  ``anchor`` is the
    top-left cell; ``size`` is (columns, rows) it spans.
    """

    kind: str
    title: str
    series: tuple[Series, ...]
    anchor: str
    size: tuple[int, int] = (8, 15)
    y_title: str | None = None


@dataclass
class SheetSpec:
    """One sheet ehxl owns, ready to be written by any writer."""

    name: str
    rows: list[list[Cell]] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)   # 1-based column -> width in characters
    freeze_row: int | None = None      # rows above this are frozen (e.g. 5 freezes rows 1-4)
    autofilter: str | None = None      # e.g. "A4:H20"
    landscape: bool = True
    fit_to_width: bool = True
    page_header: str = ""              # centre header, e.g. "ehxl summary - as of 22 Nov 2026"
    print_title_rows: tuple[int, int] | None = None   # header rows repeated on every printed page
    charts: list[Chart] = field(default_factory=list)
    tab_colour: str | None = None      # RRGGBB

    def add_row(self, *cells: Cell) -> int:
        """Append a row; returns its 1-based row number."""
        self.rows.append(list(cells))
        return len(self.rows)

    def blank(self) -> int:
        return self.add_row()
