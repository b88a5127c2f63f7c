"""Reading workbooks into :class:`~ehxl.grid.SheetGrid` objects.

The file is first opened by :class:`ehxl.package.Package`, which refuses
encrypted, legacy, corrupt and bomb files with one clear line.  Cells are then
streamed with openpyxl's worksheet parser in read-only mode: a full
``load_workbook`` is slow on large plans and crashes on some Excel-made pivot
workbooks.  Cached formula results are read, never formulas.

Each fill is resolved to the colour a person sees: RGB as written, theme
colours through the workbook's own theme part (with tint), and legacy indexed
colours through the workbook's own ``<indexedColors>`` palette when it has one.
"""
from __future__ import annotations

import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from . import rag
from .errors import WorkbookRefused
from .grid import GridCell, SheetGrid
from .package import Package

#: Excel's own limit on the characters in one cell; longer text is cut there.
MAX_TEXT = 32_767


@dataclass
class Workbook:
    """What ehxl read from one file: a grid per worksheet, plus the package it came from."""

    path: Path
    package: Package
    grids: list[SheetGrid] = field(default_factory=list)
    sheet_states: dict[str, str] = field(default_factory=dict)

    def grid(self, name: str) -> SheetGrid | None:
        return next((g for g in self.grids if g.name.lower() == name.lower()), None)


def read_workbook(path: str | Path, *, skip: Iterable[str] = (), package: Package | None = None) -> Workbook:
    """Open safely and read every worksheet (chart sheets and ``skip``-ped names left out)."""
    path = Path(path)
    pkg = package or Package.open(path)
    skip_names = {s.lower() for s in skip}
    book = Workbook(path, pkg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = _load(path)
        try:
            colours = _Colours(pkg, wb)
            for ws in wb.worksheets:
                book.sheet_states[ws.title] = getattr(ws, "sheet_state", "visible")
                if ws.title.lower() in skip_names:
                    continue
                book.grids.append(_read_sheet(ws, colours))
        except WorkbookRefused:
            raise
        except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError, IndexError) as exc:
            raise WorkbookRefused(f"could not be read ({type(exc).__name__}: {exc}); "
                                  f"open it in Excel, save it again and retry.", path=path) from exc
        finally:
            wb.close()
    return book


def _load(path: Path):
    import openpyxl

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many types on damaged files; one line is what the user gets
        raise WorkbookRefused(f"could not be read as an Excel workbook ({type(exc).__name__}: {exc}); "
                              f"open it in Excel, save it again and retry.", path=path) from exc


class _Colours:
    """Resolves a style's fill to 'RRGGBB', once per fill id."""

    def __init__(self, pkg: Package, wb) -> None:
        self.theme = self._theme(pkg)
        self.palette = self._palette(wb)
        self.fills = wb._fills
        self.cell_styles = wb._cell_styles
        self.number_formats = wb._number_formats
        self._by_style: dict[int, tuple[str | None, str | None]] = {}

    @staticmethod
    def _theme(pkg: Package) -> list[str] | None:
        """The workbook's theme colours; a damaged theme falls back to Office's own."""
        part = pkg.theme_part()
        if not part:
            return None
        try:
            return rag.theme_colours(pkg.read(part))
        except (ValueError, KeyError):
            return None

    @staticmethod
    def _palette(wb) -> list[str] | None:
        from openpyxl.styles.colors import COLOR_INDEX

        colours = list(getattr(wb, "_colors", COLOR_INDEX) or COLOR_INDEX)
        return None if colours == list(COLOR_INDEX) else [c[-6:] for c in colours]

    def for_style(self, style_id: int) -> tuple[str | None, str | None]:
        """(fill 'RRGGBB' or None, number format or None for General)."""
        if style_id not in self._by_style:
            self._by_style[style_id] = (self._resolve(style_id), self._number_format(style_id))
        return self._by_style[style_id]

    def _number_format(self, style_id: int) -> str | None:
        from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

        try:
            fmt_id = self.cell_styles[style_id].numFmtId
            if fmt_id < BUILTIN_FORMATS_MAX_SIZE:
                fmt = BUILTIN_FORMATS.get(fmt_id, "General")
            else:
                fmt = self.number_formats[fmt_id - BUILTIN_FORMATS_MAX_SIZE]
        except (IndexError, TypeError):
            return None
        return None if fmt == "General" else fmt

    def _resolve(self, style_id: int) -> str | None:
        try:
            fill = self.fills[self.cell_styles[style_id].fillId]
        except (IndexError, TypeError):
            return None
        if getattr(fill, "patternType", None) in (None, "none"):
            return None
        colour = fill.fgColor
        if colour is None:
            return None
        kind = colour.type
        tint = float(colour.tint or 0.0)
        if kind == "rgb" and isinstance(colour.rgb, str):
            return rag.resolve_colour(rgb=colour.rgb, tint=tint)
        if kind == "theme":
            return rag.resolve_colour(theme=int(colour.theme), tint=tint, theme_palette=self.theme)
        if kind == "indexed":
            return rag.resolve_colour(indexed=int(colour.indexed), tint=tint, indexed_palette=self.palette)
        return None


def _read_sheet(ws, colours: _Colours) -> SheetGrid:
    from openpyxl.worksheet._reader import WorkSheetParser

    grid = SheetGrid(ws.title)
    wb = ws.parent
    with ws._get_source() as src:
        parser = WorkSheetParser(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                                 date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
        for row_idx, cells in parser.parse():
            for cell in cells:
                value = cell["value"]
                style_id = cell.get("style_id", 0) or 0
                fill, number_format = colours.for_style(int(style_id)) if style_id else (None, None)
                if value is None and fill is None:
                    continue
                if isinstance(value, str) and len(value) > MAX_TEXT:
                    value = value[:MAX_TEXT]
                grid.cells.setdefault(row_idx, {})[cell["column"]] = GridCell(value, fill, number_format)
        grid.hidden_rows = {int(r) for r, attrs in parser.row_dimensions.items()
                            if str(attrs.get("hidden", "")).lower() in ("1", "true")}
        if parser.merged_cells:
            grid.merged = [_bounds(m.ref) for m in parser.merged_cells.mergeCell]
    return grid


def _bounds(ref: str) -> tuple[int, int, int, int]:
    from openpyxl.utils.cell import range_boundaries

    min_col, min_row, max_col, max_row = range_boundaries(ref)
    return min_row, min_col, max_row, max_col
