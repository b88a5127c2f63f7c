"""ehxl's own sheets (Summary, Overdue, Validation, ...) as plain data.

A :class:`SheetSpec` says what a board sheet holds (values, a named style per
cell, links back to staff rows, column widths, frozen header, print set-up)
without saying how it is stored.  The file writer renders it into package XML;
the Excel buttons render it through xlwings.  Both therefore put the same
figures in the same cells.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field, replace
from typing import Iterable, NamedTuple

from .grid import a1, column_index

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

#: How each named style of :data:`ehxl.report.STYLES` looks.
LOOKS: dict[str, dict] = {
    "title": dict(bold=True, size=14, border=False, valign="center"),
    "subtitle": dict(italic=True, colour="595959", border=False),
    "header": dict(bold=True, colour="FFFFFF", fill="1F3864", wrap=True, valign="center"),
    "text": dict(valign="top"),
    "wrap": dict(wrap=True, valign="top"),
    "bold": dict(bold=True, valign="top"),
    "int": dict(fmt="#,##0", valign="top"),
    "decimal1": dict(fmt="0.0", valign="top"),
    "pct": dict(fmt="0.0%", valign="top"),
    "date": dict(fmt="d mmm yyyy", valign="top"),
    "link": dict(colour="0563C1", underline=True, valign="top"),
    "rag_green": dict(fill="92D050", valign="top"),
    "rag_amber": dict(fill="FFC000", valign="top"),
    "rag_red": dict(fill="FF0000", colour="FFFFFF", bold=True, valign="top"),
    "rag_blue": dict(fill="00B0F0", valign="top"),
    "rag_grey": dict(fill="BFBFBF", valign="top"),
    "note": dict(italic=True, colour="595959", border=False),
}
assert set(LOOKS) == set(STYLES), "every named style needs a look"

DATE_FORMAT, DATETIME_FORMAT, TIME_FORMAT = "d mmm yyyy", "d mmm yyyy hh:mm", "hh:mm"
#: Thin cell borders are this grey; the header fill and RAG fills are in :data:`LOOKS`.
BORDER_COLOUR = "BFBFBF"


def date_format(value: object, style: str) -> str | None:
    """The number format a date or time needs in a cell of ``style`` beyond the style's own (None: none).

    A date in a text cell must still read as a date, a date with a time shows
    its time, and a time of day shows as one; both writers ask here.
    """
    if isinstance(value, dt.time):
        return TIME_FORMAT
    if isinstance(value, dt.datetime) and value.time() != dt.time():
        return DATETIME_FORMAT
    if isinstance(value, dt.date):
        return None if style == "date" else DATE_FORMAT
    return None


_URL = re.compile(r"^(https?|mailto|ftp|file):", re.I)


def is_url(link: str) -> bool:
    """A link that leaves the workbook (a web page, an e-mail) rather than pointing at a cell in it: a link to a
    cell has no colon unless it names a range, so most are told without the pattern."""
    return ":" in link and bool(_URL.match(link))


class Cell(NamedTuple):
    """A value with a named style; ``link`` is a place in the workbook such as ``'Plan'!A7``.

    With ``target`` (another workbook, as a path relative to this one) the link
    opens that file at ``link``: how a board pack points at a team's cell.
    Immutable, so one cell can stand in many rows; a named tuple because a board
    sheet makes tens of thousands, and one is made in half the time of a frozen
    dataclass.
    """

    value: object = None
    style: str = "text"
    link: str | None = None
    target: str | None = None


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

    def renamed(self, name: str) -> "SheetSpec":
        """The same sheet under another name: its charts and links into itself follow it."""
        if name == self.name:
            return self
        rows = [[_moved_cell(c, self.name, name) for c in row] for row in self.rows]
        charts = [replace(ch, series=tuple(replace(s, categories=_moved_ref(s.categories, self.name, name),
                                                   values=_moved_ref(s.values, self.name, name))
                                           for s in ch.series)) for ch in self.charts]
        return replace(self, name=name, rows=rows, charts=charts)


def quote_sheet(name: str) -> str:
    """A sheet name as a formula or link writes it: ``'Action plan'``, quotes doubled."""
    return "'" + name.replace("'", "''") + "'"


def _moved_ref(ref: str, old: str, new: str) -> str:
    try:
        sheet, _ = split_ref(ref)
    except ValueError:
        return ref
    if sheet != old:
        return ref
    return quote_sheet(new) + ref[ref.rindex("!"):]


def _moved_cell(cell: "Cell | None", old: str, new: str) -> "Cell | None":
    if cell is None or not cell.link or cell.target or is_url(cell.link):
        return cell
    moved = _moved_ref(cell.link, old, new)
    return cell if moved == cell.link else cell._replace(link=moved)


#: Excel's longest sheet name.
MAX_SHEET_NAME = 31
_OWN_NAME = re.compile(r"^(?P<base>.+) \(ehxl(?: (?P<n>\d+))?\)$", re.I)


def place_sheets(wanted: Iterable[str], existing: Iterable[str], owned: Iterable[str]) -> dict[str, str]:
    """The name each of ehxl's sheets takes in a workbook: its own name, or a free one beside a staff sheet.

    A staff sheet is never overwritten and never blocks a roll-up: where a team
    already has a sheet called ``Maturity``, ehxl's goes to ``Maturity (ehxl)``
    (then ``Maturity (ehxl 2)``...), and a later run finds it again there
    because ehxl's records say it owns that sheet.  Names compare as Excel
    compares them, ignoring case.
    """
    taken = {n.casefold() for n in existing}
    mine = {n.casefold(): n for n in owned}
    placed: dict[str, str] = {}
    used: set[str] = set()
    for base in wanted:
        name = _owned_name(base, mine, used) or _free_name(base, taken | used)
        placed[base] = name
        used.add(name.casefold())
    return placed


def renamed_note(renamed: dict[str, str]) -> str:
    """One line saying which of the workbook's own sheets kept their names, and where ehxl's went instead."""
    theirs = ", ".join(f'"{base}"' for base in renamed)
    ours = ", ".join(f'"{name}"' for name in renamed.values())
    if len(renamed) == 1:
        return f"Your own sheet {theirs} is left as it is; ehxl wrote its sheet as {ours} instead."
    return f"Your own sheets {theirs} are left as they are; ehxl wrote its sheets as {ours} instead."


def _owned_name(base: str, mine: dict[str, str], used: set[str]) -> str | None:
    """ehxl's existing sheet for ``base``: named ``base`` itself, else the lowest ``base (ehxl N)``."""
    if base.casefold() in mine and base.casefold() not in used:
        return mine[base.casefold()]
    found = []
    for folded, name in mine.items():
        m = _OWN_NAME.match(name)
        if m and folded not in used and _fits(base, m["base"]):
            found.append((int(m["n"] or 1), name))
    return min(found)[1] if found else None


def _fits(base: str, written: str) -> bool:
    """``written`` is ``base``, or ``base`` shortened to leave room for the suffix within 31 characters."""
    return written.casefold() == base.casefold() or (len(written) < len(base) and
                                                     base.casefold().startswith(written.casefold()))


def _free_name(base: str, taken: set[str]) -> str:
    if base.casefold() not in taken:
        return base
    n = 1
    while True:
        suffix = " (ehxl)" if n == 1 else f" (ehxl {n})"
        name = base[:MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
        if name.casefold() not in taken:
            return name
        n += 1


def row_lines(spec: SheetSpec, row: list) -> int:
    """How many text lines the row's wrapped cells need at their column widths.

    Neither Excel nor LibreOffice grows a row to fit wrapped text when a file
    is opened, so ehxl sets the height itself (printed board packs must not
    show text overlapping the row below).
    """
    lines = 1
    for c, cell in enumerate(row, start=1):
        if cell is None or cell.style not in WRAPPED or not isinstance(cell.value, str):
            continue
        width, per_char = _line_width(spec, c, cell.style)
        if len(cell.value) * per_char <= width - 1 and "\n" not in cell.value:
            continue                                      # fits on one line: most cells
        needed = sum(max(1, math.ceil(len(part) * per_char / (width - 1))) for part in cell.value.split("\n"))
        lines = max(lines, needed)
    return lines


#: The styles whose text wraps onto more lines, and so may need a taller row.
WRAPPED = frozenset(("wrap", "header"))


def _line_width(spec: SheetSpec, column: int, style: str) -> tuple[float, float]:
    """(width in characters, characters' width) of a line of wrapped text in ``column``."""
    width = max(4.0, float(spec.widths.get(column, 8.43)) * (0.85 if style == "header" else 1.0))
    return width, (1.0 if style == "wrap" else 1.15)


def one_line(spec: SheetSpec, column: int, style: str) -> int:
    """The most characters that fit on one line of a wrapped cell: a row whose text is no longer (and has no
    line break) needs one line in :func:`row_lines`, so a writer need not ask it about every row."""
    width, per_char = _line_width(spec, column, style)
    n = max(0, int((width - 1) / per_char) + 1)
    while n and n * per_char > width - 1:
        n -= 1
    return n


Block = tuple[int, int, int, int]     # first row, first column, last row, last column (1-based)


def style_blocks(spec: SheetSpec) -> list[tuple[str, Block]]:
    """The sheet's cells grouped into rectangles of one style.

    A writer that formats through Excel (the buttons) pays for every call, and a
    board sheet is mostly columns of one style, so a few dozen rectangles cover
    what would be hundreds of cells.
    """
    runs: list[tuple[str, int, int, int]] = []          # style, column, first row, last row
    width = max((len(row) for row in spec.rows), default=0)
    for c in range(1, width + 1):
        start = style = None
        for r in range(1, len(spec.rows) + 2):
            row = spec.rows[r - 1] if r <= len(spec.rows) else []
            cell = row[c - 1] if c <= len(row) else None
            here = cell.style if cell is not None else None
            if here != style:
                if style is not None:
                    runs.append((style, c, start, r - 1))
                start, style = r, here
    blocks: list[tuple[str, Block]] = []
    for style, c, r1, r2 in sorted(runs, key=lambda run: (run[0], run[2], run[3], run[1])):
        if blocks and blocks[-1][0] == style and blocks[-1][1][0] == r1 and blocks[-1][1][2] == r2 \
                and blocks[-1][1][3] == c - 1:
            blocks[-1] = (style, (r1, blocks[-1][1][1], r2, c))
        else:
            blocks.append((style, (r1, c, r2, c)))
    return blocks


def block_address(block: Block) -> str:
    r1, c1, r2, c2 = block
    return a1(r1, c1) if (r1, c1) == (r2, c2) else f"{a1(r1, c1)}:{a1(r2, c2)}"


_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$", re.I)


def split_ref(ref: str) -> tuple[str, Block]:
    """``'KPIs'!$B$5:$I$5`` as ("KPIs", (5, 2, 5, 9)); ValueError for what is not a sheet range."""
    m = _REF.match(ref.strip())
    if not m:
        raise ValueError(f"not a sheet range: {ref!r}")
    sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
    c1, r1 = column_index(m.group(3)), int(m.group(4))
    c2, r2 = (column_index(m.group(5)), int(m.group(6))) if m.group(5) else (c1, r1)
    return sheet, (min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))


def parse_ref(ref: str) -> Block:
    """``'KPIs'!$B$5:$I$5`` as (5, 2, 5, 9)."""
    return split_ref(ref)[1]


def chart_source(chart: Chart) -> tuple[Block, Block, str]:
    """The one block of values, the categories and ``rows``/``columns`` that make up ``chart``.

    Excel builds a chart from a block of cells, one series per row or column;
    ehxl's charts are laid out that way, and this says so or raises ValueError.
    """
    values = [parse_ref(s.values) for s in chart.series]
    categories = {parse_ref(s.categories) for s in chart.series}
    if not values or len(categories) != 1:
        raise ValueError(f"chart {chart.title!r}: its series do not share one set of categories")
    by_columns = all(v[1] == v[3] for v in values) and len({(v[0], v[2]) for v in values}) == 1
    by_rows = all(v[0] == v[2] for v in values) and len({(v[1], v[3]) for v in values}) == 1
    if by_columns and [v[1] for v in values] == list(range(values[0][1], values[0][1] + len(values))):
        return (values[0][0], values[0][1], values[0][2], values[-1][3]), categories.pop(), "columns"
    if by_rows and [v[0] for v in values] == list(range(values[0][0], values[0][0] + len(values))):
        return (values[0][0], values[0][1], values[-1][2], values[0][3]), categories.pop(), "rows"
    raise ValueError(f"chart {chart.title!r}: its series are not side by side in one block")
