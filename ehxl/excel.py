"""The Excel buttons: Validate, Flag overdue, Clear flags and Roll up, run inside the open workbook.

Each entry point reads the open book through xlwings, runs the same engine as
the CLI (:mod:`ehxl.engine`), and writes ehxl's sheets and flags back through
xlwings, so Excel itself saves the workbook and nothing in it is lost.
xlwings is imported here only, at call time, so the command line never pays
for it.  A problem is shown to the manager in an Excel alert, never as a
Python traceback.

Records are kept in the same veryHidden ``_ehxl`` sheet the file writer uses:
sheets ehxl created are listed by name (Excel's sheet ids are not visible
through xlwings; the file writer adopts name-only records), and flagged
cells with the fill they had before.  Status colours are not read from the
open book yet (reading every cell's colour through Excel is slow); the
status word is used.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from . import engine
from .errors import EhxlError
from .grid import SheetGrid, column_letter, split_a1
from .report import SheetSpec

STATE_SHEET = "_ehxl"
STATE_MARKER = "ehxl state 1"
FLAG_FILL = (255, 199, 206)
RAG_RGB = {"rag_green": (146, 208, 80), "rag_amber": (255, 192, 0), "rag_red": (255, 0, 0),
           "rag_blue": (0, 176, 240), "rag_grey": (217, 217, 217), "header": (31, 78, 120)}
SUBS = {"EhxlValidate": "validate", "EhxlFlagOverdue": "flag_overdue", "EhxlClearFlags": "clear_flags",
        "EhxlRollup": "rollup"}


def _caller(book: Any) -> Any:
    if book is not None:
        return book
    import xlwings as xw

    return xw.Book.caller()


def _run(book: Any, job) -> Any:
    """Run a job and show any problem in Excel instead of raising."""
    book = _caller(book)
    try:
        return job(book)
    except EhxlError as exc:
        _alert(book, str(exc))
    except Exception as exc:  # a manager pressing a button must never see a traceback
        _alert(book, f"ehxl hit an unexpected problem ({type(exc).__name__}: {exc}). Nothing was changed.")
    return None


def _alert(book: Any, message: str) -> None:
    book.app.alert(message, title="ehxl")


# ------------------------------------------------------------------ reading

def _state_rows(book: Any) -> list[list[Any]]:
    names = [s.name for s in book.sheets]
    if STATE_SHEET not in names:
        return []
    value = book.sheets[STATE_SHEET].used_range.value
    if not isinstance(value, list):
        return [[value]]
    return [row if isinstance(row, list) else [row] for row in value]


def owned_sheets(book: Any) -> set[str]:
    """Sheets the records say ehxl created (by either the buttons or the command line)."""
    rows = _state_rows(book)
    if not rows or not rows[0] or rows[0][0] != STATE_MARKER:
        return set()
    return {str(r[1]) for r in rows[2:] if len(r) > 1 and r[0] == "sheet" and r[1]}


def read_grids(book: Any) -> list[SheetGrid]:
    """Every staff sheet of the open book as a grid of values."""
    skip = owned_sheets(book) | {STATE_SHEET}
    grids = []
    for sheet in book.sheets:
        if sheet.name in skip:
            continue
        grid = SheetGrid(sheet.name)
        used = sheet.used_range
        values = used.value
        if values is None:
            grids.append(grid)
            continue
        if not isinstance(values, list):
            values = [[values]]
        elif values and not isinstance(values[0], list):
            values = [values] if used.shape[0] == 1 else [[v] for v in values]
        top, left = used.row, used.column
        for i, row in enumerate(values):
            for j, value in enumerate(row):
                if value not in (None, ""):
                    grid.set(top + i, left + j, value)
        _read_status_colours(sheet, grid)
        grids.append(grid)
    return grids


def _read_status_colours(sheet: Any, grid: SheetGrid) -> None:
    """Fill colours of a plan's status column (or its reference column), where the engine can report them."""
    from .actions import find_header

    found = find_header(grid)
    if not found:
        return
    header_row, cols = found
    col = cols.get("status") or cols.get("ref")
    if not col:
        return
    for r in range(header_row + 1, grid.max_row + 1):
        try:
            colour = sheet.range((r, col)).color
        except NotImplementedError:         # engines that cannot read colours: the status word is used
            return
        if colour:
            grid.set(r, col, grid.value(r, col), _colour_text(colour).lstrip("#"))


def _as_of(book: Any, as_of: date | str | None, grids: list[SheetGrid]) -> date | None:
    from .api import parse_as_of

    return parse_as_of(as_of) if as_of else None


def _analyse(book: Any, as_of) -> engine.Analysis:
    grids = read_grids(book)
    return engine.analyse(grids, as_of=_as_of(book, as_of, grids))


# ------------------------------------------------------------------ writing

def _cell_value(value: Any) -> Any:
    """Text is always text: a leading =, +, - or @ is kept from becoming a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    return value


def render(book: Any, spec: SheetSpec) -> None:
    """Write a board sheet through xlwings: values, RAG colours, column widths."""
    names = [s.name for s in book.sheets]
    owned = owned_sheets(book)
    if spec.name in names and spec.name not in owned:
        raise EhxlError(f"this workbook already has a sheet named \"{spec.name}\" that ehxl did not create; "
                        f"rename it and press the button again.")
    if spec.name in names:
        sheet = book.sheets[spec.name]
        sheet.clear()
    else:
        sheet = book.sheets.add(spec.name, after=book.sheets[len(book.sheets) - 1])
        _record(book, ["sheet", spec.name, ""])
    width = max((len(r) for r in spec.rows), default=0)
    if width:
        rows = [[_cell_value(c.value) for c in row] + [None] * (width - len(row)) for row in spec.rows]
        sheet.range("A1").value = rows
    for r, row in enumerate(spec.rows, start=1):
        for c, cell in enumerate(row, start=1):
            if cell.style in RAG_RGB:
                sheet.range(f"{column_letter(c)}{r}").color = RAG_RGB[cell.style]
    for c, w in spec.widths.items():
        sheet.range(f"{column_letter(c)}1").column_width = w


def _record(book: Any, row: list[Any]) -> None:
    rows = _state_rows(book)
    if not rows or rows[0][0] != STATE_MARKER:
        rows = [[STATE_MARKER, "Kept by ehxl: which sheets it created and which cells it flagged. Do not edit."],
                ["kind", "sheet", "sheet id", "cell", "original style", "applied style"]]
        if STATE_SHEET not in [s.name for s in book.sheets]:
            book.sheets.add(STATE_SHEET, after=book.sheets[len(book.sheets) - 1])
    rows.append(row)
    width = max(len(r) for r in rows)
    book.sheets[STATE_SHEET].range("A1").value = [list(r) + [None] * (width - len(r)) for r in rows]


# ------------------------------------------------------------------ the buttons

def validate(book: Any = None, as_of: date | str | None = None) -> engine.Analysis | None:
    """Validate button: write the Validation sheet and say how many problems there are."""
    def job(bk):
        analysis = _analyse(bk, as_of)
        for spec in engine.board_sheets(analysis, source=bk.name):
            if spec.name == "Validation":
                render(bk, spec)
        _alert(bk, f"{analysis.errors} errors and {analysis.warnings} warnings in {len(analysis.actions)} actions; "
                   f"see the Validation sheet.")
        return analysis
    return _run(book, job)


def rollup(book: Any = None, as_of: date | str | None = None) -> engine.Analysis | None:
    """Roll up button: the same sheets `ehxl rollup` writes, written by Excel."""
    def job(bk):
        analysis = _analyse(bk, as_of)
        for spec in engine.board_sheets(analysis, source=bk.name):
            render(bk, spec)
        return analysis
    return _run(book, job)


def flag_overdue(book: Any = None, as_of: date | str | None = None) -> engine.Analysis | None:
    """Flag overdue button: colour each overdue deadline cell light red, remembering its own fill."""
    def job(bk):
        analysis = _analyse(bk, as_of)
        flagged = _flags(bk)
        for sheet, cells in engine.flag_targets(analysis).items():
            for cell in sorted(cells, key=lambda a: split_a1(a)):
                if (sheet, cell) in flagged:
                    continue
                rng = bk.sheets[sheet].range(cell)
                try:
                    before = rng.color
                except NotImplementedError:
                    raise EhxlError("this version of Excel cannot tell ehxl the cells' own colours, so ehxl will "
                                    "not colour them (it could not put them back). Use `ehxl overdue --mark` on "
                                    "the saved workbook instead.") from None
                _record(bk, ["flag", sheet, "", cell, _colour_text(before), "xlwings"])
                rng.color = FLAG_FILL
        _alert(bk, f"{len(analysis.late)} overdue actions flagged.")
        return analysis
    return _run(book, job)


def clear_flags(book: Any = None) -> int | None:
    """Clear flags button: give each flagged cell back the fill it had."""
    def job(bk):
        rows = _state_rows(bk)
        kept, cleared = [], 0
        for row in rows:
            if len(row) > 5 and row[0] == "flag" and row[5] == "xlwings":
                original = row[4]
                bk.sheets[row[1]].range(row[3]).color = None if original in (None, "", "none") else original
                cleared += 1
            else:
                kept.append(row)
        if rows:
            sheet = bk.sheets[STATE_SHEET]
            sheet.clear()
            width = max(len(r) for r in kept)
            sheet.range("A1").value = [list(r) + [None] * (width - len(r)) for r in kept]
        return cleared
    return _run(book, job)


def _flags(book: Any) -> set[tuple[str, str]]:
    return {(str(r[1]), str(r[3])) for r in _state_rows(book)[2:] if len(r) > 5 and r[0] == "flag"}


def _colour_text(colour: Any) -> str:
    if colour is None:
        return "none"
    if isinstance(colour, tuple):
        return "#{:02X}{:02X}{:02X}".format(*colour[:3])
    return str(colour)


# ------------------------------------------------------------------ installing

def macros_source() -> str:
    """The VBA module the buttons call."""
    from importlib import resources

    return (resources.files("ehxl.macros") / "ehxl.bas").read_text(encoding="utf-8")


def export_macros(directory: str | Path) -> Path:
    """Write ehxl.bas into ``directory`` for people who import it by hand (Alt+F11, File > Import)."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ehxl.bas"
    path.write_text(macros_source(), encoding="utf-8", newline="\r\n")
    return path
