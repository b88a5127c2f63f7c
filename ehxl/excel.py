"""The Excel buttons: Validate, Flag overdue, Clear flags and Roll up, run inside the open workbook.

Each entry point reads the open book through xlwings, runs the same engine as
the CLI (:mod:`ehxl.engine`), and writes ehxl's sheets and flags back through
xlwings, so Excel itself saves the workbook and nothing in it is lost.
xlwings is imported here only, at call time, so the command line never pays
for it.  A problem is shown to the manager in an Excel alert, never as a
Python traceback.

The board sheets are laid out from the same :class:`~ehxl.report.SheetSpec`
as the file writer's, cell for cell: values, number formats, fonts, fills,
borders, links back to staff rows, widths, row heights, frozen headers and
charts.  Formatting an engine cannot do (xlwings raises NotImplementedError)
is left out; values never are.  Status colours are read from the plan's
status column where the engine reports fills; elsewhere the status word is
used.  Roll up, once the workbook has been saved somewhere, compares with the
history beside it and records the run as ``ehxl rollup`` does
(:mod:`ehxl.baseline`), so a manager who only presses the button still gets a
Changes sheet at the next board.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

from . import config as cfg
from . import changes as changes_mod
from . import engine
from .baseline import Past
from .errors import EhxlError
from .grid import SheetGrid, a1, split_a1
from .report import (BORDER_COLOUR, LOOKS, Block, Chart, SheetSpec, block_address, chart_source, date_format,
                     is_url, place_sheets, renamed_note, row_lines, style_blocks)
from .workbook_macros import macros_source

STATE_SHEET = "_ehxl"
STATE_MARKER = "ehxl state 1"
FLAG_FILL = (255, 199, 206)
MAX_TEXT = 32_767                     # Excel's limit for the text in one cell
CHART_COLUMN_PT, CHART_ROW_PT = 48, 15    # a default column and row, in points: charts span the spec's cells
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
        _alert(book, f"ehxl hit an unexpected problem ({type(exc).__name__}: {exc}). If any sheet looks half "
                     f"written, close the workbook without saving to undo it.")
    return None


def _alert(book: Any, message: str) -> None:
    book.app.alert(message, title="ehxl")


# ------------------------------------------------------------------ reading

class Records:
    """ehxl's records in the open book: the ``_ehxl`` sheet the file writer keeps too.

    They say which sheets ehxl created (by name: Excel's sheet ids are not
    visible through xlwings, and the file writer adopts name-only records) and
    which cells the buttons flagged, with the fill each had.  Read once when a
    button is pressed and written once at the end, so a press costs one read
    and one write of the sheet however much it records.
    """

    HEADER = [[STATE_MARKER, "Kept by ehxl: which sheets it created and which cells it flagged. Do not edit."],
              ["kind", "sheet", "sheet id", "cell", "original style", "applied style"]]

    def __init__(self, book: Any) -> None:
        self.book = book
        self.exists = STATE_SHEET in [s.name for s in book.sheets]
        self.rows = self._read() if self.exists else []
        if self.rows and self.rows[0][:1] != [STATE_MARKER] and any(v not in (None, "") for r in self.rows for v in r):
            raise EhxlError(f"this workbook has a sheet named \"{STATE_SHEET}\" that ehxl did not create; "
                            f"rename it and press the button again.")
        self.changed = False

    def _read(self) -> list[list[Any]]:
        value = self.book.sheets[STATE_SHEET].used_range.value
        if not isinstance(value, list):
            return [[value]]
        return [row if isinstance(row, list) else [row] for row in value]

    @property
    def sheets(self) -> set[str]:
        """Sheets ehxl created, by either the buttons or the command line."""
        return {str(r[1]) for r in self.rows[2:] if len(r) > 1 and r[0] == "sheet" and r[1]}

    @property
    def flags(self) -> set[tuple[str, str]]:
        return {(str(r[1]), str(r[3])) for r in self.rows[2:] if len(r) > 3 and r[0] == "flag"}

    def add(self, *row: Any) -> None:
        if not self.rows:
            self.rows = [list(r) for r in self.HEADER]
        self.rows.append(list(row))
        self.changed = True

    def take_button_flags(self) -> list[list[Any]]:
        """Remove and return the flags the buttons made (the command line's are cleared by ``ehxl overdue --clear``)."""
        kept, taken = self.rows[:2], []
        for row in self.rows[2:]:
            (taken if len(row) > 5 and row[0] == "flag" and row[5] == "xlwings" else kept).append(row)
        if taken:
            self.rows, self.changed = kept, True
        return taken

    def save(self) -> None:
        if not self.changed:
            return
        if self.exists:
            sheet = self.book.sheets[STATE_SHEET]
            sheet.clear()
        else:
            sheet = self.book.sheets.add(STATE_SHEET, after=self.book.sheets[len(self.book.sheets) - 1])
            _optional(lambda: setattr(sheet, "visible", False))
            self.exists = True
        width = max(len(r) for r in self.rows)
        sheet.range("A1").value = [list(r) + [None] * (width - len(r)) for r in self.rows]
        self.changed = False


def read_grids(book: Any, records: Records) -> list[SheetGrid]:
    """Every staff sheet of the open book as a grid of values."""
    skip = records.sheets | {STATE_SHEET}
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


def _analyse(book: Any, as_of: date | str | None, records: Records) -> engine.Analysis:
    """The engine's analysis of the open book, with the settings of an ``ehxl.toml`` beside it if it is saved."""
    saved = Path(book.fullname)
    config = cfg.toml_config(saved) if saved.is_absolute() else None
    analysis = engine.analyse(read_grids(book, records), as_of=cfg.parse_as_of(as_of) if as_of else None, config=config)
    if engine.recognised_nothing(analysis):
        raise EhxlError("ehxl found no action plan, maturity grid, KPI or audit table in this workbook (no header "
                        "row with columns such as Action, Owner and Deadline). Add a sheet called Config with the "
                        "row  Sheet: NAME | action_plan  to say which sheet is the plan. Nothing was changed.")
    return analysis


# ------------------------------------------------------------------ writing

def _cell_value(value: Any) -> Any:
    """Text is always text: a leading =, +, - or @ is kept from becoming a formula, and a leading ' is kept."""
    if isinstance(value, str):
        value = value[:MAX_TEXT]
        return "'" + value if value[:1] in ("=", "+", "-", "@", "'") else value
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    return value


def _optional(step: Callable[[], Any]) -> None:
    """Formatting an engine cannot do (xlwings raises NotImplementedError for it) is left out; values never are."""
    try:
        step()
    except NotImplementedError:
        pass


def render(book: Any, spec: SheetSpec, records: Records) -> None:
    """Write a board sheet through xlwings as the file writer lays it out: values, looks, links, sizes, charts."""
    sheet = _board_sheet(book, spec.name, records)
    width = max((len(r) for r in spec.rows), default=0)
    if width:
        rows = [[_cell_value(c.value if c is not None else None) for c in row] + [None] * (width - len(row))
                for row in spec.rows]
        sheet.range("A1").value = rows
    _links(sheet, spec)
    for style, block in style_blocks(spec):
        _apply_look(sheet.range(block_address(block)), LOOKS[style], _border_sides(block))
    _date_formats(sheet, spec)
    for c, w in spec.widths.items():
        sheet.range(a1(1, c)).column_width = w
    for r, row in enumerate(spec.rows, start=1):
        lines = row_lines(spec, row)
        if lines > 1:
            sheet.range(a1(r, 1)).row_height = min(409, 15 * lines)
    if spec.freeze_row and spec.freeze_row > 1:
        _optional(lambda: sheet.freeze_panes.freeze_at(f"A{spec.freeze_row}"))
    else:
        _optional(lambda: sheet.freeze_panes.unfreeze())
    for chart in spec.charts:
        _chart(sheet, chart)


def _board_sheet(book: Any, name: str, records: Records) -> Any:
    """ehxl's sheet ``name``, emptied, or a new one at the end."""
    if name not in [s.name for s in book.sheets]:
        sheet = book.sheets.add(name, after=book.sheets[len(book.sheets) - 1])
        records.add("sheet", name, "")
        return sheet
    sheet = book.sheets[name]
    sheet.clear()
    _optional(lambda: [chart.delete() for chart in reversed(list(sheet.charts))])   # last first: indexes hold
    return sheet


def _links(sheet: Any, spec: SheetSpec) -> None:
    """Each link back to a staff cell (or out to a web page), showing the cell's own text."""
    for r, row in enumerate(spec.rows, start=1):
        for c, cell in enumerate(row, start=1):
            if cell is not None and cell.link:
                target = cell.link if is_url(cell.link) else (cell.target or "") + "#" + cell.link.lstrip("#")
                text = "" if cell.value is None else str(cell.value)[:255]
                sheet.range(a1(r, c)).add_hyperlink(target, text_to_display=text, screen_tip=target.lstrip("#"))


def _border_sides(block: Block) -> list[str]:
    """The four edges, and the inside lines a block has (Excel refuses inside lines on a single cell)."""
    r1, c1, r2, c2 = block
    return ["edge_top", "edge_bottom", "edge_left", "edge_right"] + \
        (["inside_vertical"] if c2 > c1 else []) + (["inside_horizontal"] if r2 > r1 else [])


def _apply_look(rng: Any, look: dict, sides: list[str]) -> None:
    """One of :data:`ehxl.report.LOOKS` on a block of cells."""
    if look.get("fmt"):
        rng.number_format = look["fmt"]
    for flag in ("bold", "italic"):
        if look.get(flag):
            setattr(rng.font, flag, True)
    if look.get("size"):
        rng.font.size = look["size"]
    if look.get("colour"):
        rng.font.color = _rgb(look["colour"])
    if look.get("fill"):
        rng.color = _rgb(look["fill"])
    if look.get("wrap"):
        rng.wrap_text = True
    if look.get("border", True):
        _optional(lambda: rng.borders.set(sides, line_style="continuous", weight="thin", color=_rgb(BORDER_COLOUR)))
    if look.get("valign"):
        _optional(lambda: setattr(rng, "vertical_alignment", look["valign"]))


def _date_formats(sheet: Any, spec: SheetSpec) -> None:
    """Dates and times in cells whose style has no such format still read as such, as in the file writer."""
    for r, row in enumerate(spec.rows, start=1):
        for c, cell in enumerate(row, start=1):
            fmt = date_format(cell.value, cell.style) if cell is not None else None
            if fmt:
                sheet.range(a1(r, c)).number_format = fmt


def _chart(sheet: Any, chart: Chart) -> None:
    """A native chart over the sheet's own cells, where the engine can draw one."""
    values, categories, plot_by = chart_source(chart)
    columns, rows = chart.size
    kind = {"line": "line_markers", "column": "column_clustered", "bar_stacked_100": "bar_stacked_100"}[chart.kind]

    def draw() -> None:
        made = sheet.charts.add(anchor=sheet.range(chart.anchor), width=columns * CHART_COLUMN_PT,
                                height=rows * CHART_ROW_PT, chart_type=kind,
                                source=sheet.range(block_address(values)), plot_by=plot_by)
        made.set_x_axis_values(sheet.range(block_address(categories)))
        made.title = chart.title
        for i, series in enumerate(chart.series):        # the legend says "Level 1 Basic", not "Series1"
            _optional(lambda: setattr(made.series[i], "name", series.name))
    _optional(draw)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")[-6:]
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


# ------------------------------------------------------------------ the buttons

def _write(book: Any, specs: list[SheetSpec], records: Records) -> dict[str, str]:
    """Write ehxl's sheets, each beside (never over) a staff sheet of the same name; returns the new renamed ones."""
    existing = [s.name for s in book.sheets]
    names = place_sheets([s.name for s in specs], existing, records.sheets)
    for spec in specs:
        render(book, spec.renamed(names[spec.name]), records)
    records.save()
    return {base: name for base, name in names.items() if base != name and name not in existing}


def validate(book: Any = None, as_of: date | str | None = None) -> engine.Analysis | None:
    """Validate button: write the Validation sheet and say how many problems there are."""
    def job(bk):
        records = Records(bk)
        analysis = _analyse(bk, as_of, records)
        names = place_sheets(["Validation"], [s.name for s in bk.sheets], records.sheets)
        renamed = _write(bk, [s for s in engine.board_sheets(analysis, source=bk.name) if s.name == "Validation"],
                         records)
        note = f" {renamed_note(renamed)}" if renamed else ""
        _alert(bk, f"{analysis.errors} errors and {analysis.warnings} warnings in {len(analysis.actions)} actions; "
                   f"see the {names['Validation']} sheet.{note}")
        return analysis
    return _run(book, job)


def rollup(book: Any = None, as_of: date | str | None = None) -> engine.Analysis | None:
    """Roll up button: the same sheets `ehxl rollup` writes, written by Excel."""
    def job(bk):
        records = Records(bk)
        analysis = _analyse(bk, as_of, records)
        saved = Path(bk.fullname)
        snapshot = changes_mod.snapshot_of(analysis, file=bk.name)
        past = Past.find(saved, None, None, snapshot, read=None) if saved.is_absolute() else Past(None)
        analysis.findings = past.with_findings(analysis.findings)
        specs = engine.board_sheets(analysis, source=bk.name) + past.sheets(analysis.as_of, bk.name)
        renamed = _write(bk, specs, records)
        notes = [renamed_note(renamed)] if renamed else []
        try:
            past.record(snapshot, saved, "workbook", findings=[f.to_dict() for f in analysis.findings])
        except EhxlError as exc:
            reason = str(exc.__cause__) if exc.__cause__ else exc.detail
            notes.append(f"The sheets are written, but this roll-up could not be added to the history beside "
                         f"the workbook ({reason}), so the next Changes sheet will not compare with it. "
                         f"Press Roll up again when no one else is rolling up in that folder.")
        if notes:
            _alert(bk, " ".join(notes))
        return analysis
    return _run(book, job)


def flag_overdue(book: Any = None, as_of: date | str | None = None) -> engine.Analysis | None:
    """Flag overdue button: colour each overdue deadline cell light red, remembering its own fill."""
    def job(bk):
        records = Records(bk)
        analysis = _analyse(bk, as_of, records)
        flagged = records.flags
        todo = [(sheet, cell) for sheet, cells in sorted(engine.flag_targets(analysis).items())
                for cell in sorted(cells, key=split_a1) if (sheet, cell) not in flagged]
        before = {}
        for sheet, cell in todo:                       # every colour read before any is changed
            try:
                before[sheet, cell] = bk.sheets[sheet].range(cell).color
            except NotImplementedError:
                raise EhxlError("this version of Excel cannot tell ehxl the cells' own colours, so ehxl will "
                                "not colour them (it could not put them back). Use `ehxl overdue --mark` on "
                                "the saved workbook instead.") from None
        for sheet, cell in todo:
            records.add("flag", sheet, "", cell, _colour_text(before[sheet, cell]), "xlwings")
            bk.sheets[sheet].range(cell).color = FLAG_FILL
        records.save()
        _alert(bk, f"{len(analysis.late)} overdue actions flagged.")
        return analysis
    return _run(book, job)


def clear_flags(book: Any = None) -> int | None:
    """Clear flags button: give each flagged cell back the fill it had."""
    def job(bk):
        records = Records(bk)
        taken = records.take_button_flags()
        for row in taken:
            original = row[4]
            bk.sheets[row[1]].range(row[3]).color = None if original in (None, "", "none") else original
        records.save()
        return len(taken)
    return _run(book, job)


def _colour_text(colour: Any) -> str:
    if colour is None:
        return "none"
    if isinstance(colour, tuple):
        return "#{:02X}{:02X}{:02X}".format(*colour[:3])
    return str(colour)


# ------------------------------------------------------------------ installing

def export_macros(directory: str | Path) -> Path:
    """Write ehxl.bas into ``directory`` for people who import it by hand (Alt+F11, File > Import)."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ehxl.bas"
    path.write_text(macros_source(), encoding="utf-8", newline="\r\n")
    return path
