"""Writing ehxl's board sheets and overdue flags into a staff workbook, part by part.

Why not openpyxl: loading a workbook into openpyxl and saving it again rebuilds
every part from its own model, and that model has no place for much of what
council workbooks hold: the ``<controls>`` that tie buttons to their macros,
x14 data validations (drop-downs fed from another sheet) and x14 conditional
formats, sparklines, shapes, printer settings, threaded comments and every
formula's cached value.  It also renumbers every cell style.  A board pack is
not worth a broken action plan, so ehxl never re-saves a staff workbook that way.

How instead:

* A workbook is an OPC zip package (:mod:`ehxl.package`).  A
  :class:`WorkbookWriter` keeps an edit session over it (:mod:`ehxl.parts`).
  Parts ehxl owns (its board sheets, their drawings and charts, the ``_ehxl``
  records sheet) are rendered whole.  The few staff parts it must touch are
  parsed with lxml and edited in place, so namespace declarations,
  ``mc:Ignorable`` prefixes, ``extLst`` blocks and unknown attributes survive.
  Every other part is never parsed and :func:`ehxl.package.save_package`
  copies it through byte for byte.
* The staff parts touched, and only where they must be:

  - ``workbook.xml``: a ``<sheet>`` appended at the *end* of ``<sheets>``
    (sheetId = max + 1) for each new sheet, and the ``_xlnm._FilterDatabase`` /
    ``_xlnm.Print_Titles`` names of ehxl's own sheets.  Appending keeps every
    existing sheet's position, so each ``localSheetId``, ``activeTab`` and
    ``firstSheet`` still points where it did.
  - the workbook's ``.rels`` and ``[Content_Types].xml``: one relationship /
    ``Override`` per new part, removed again only for parts ehxl deletes.
  - ``styles.xml``: fonts, fills, borders, number formats (ids >= 164) and
    ``cellXfs`` entries are appended at the end of their lists, so every
    existing ``s=`` index in every sheet keeps its meaning.  An entry equal
    (as canonical XML) to one already there is reused, so running twice does
    not grow the file.
  - ``docProps/app.xml``: the new sheet titles.
  - a staff sheet with overdue flags: only the ``s=`` attribute of the flagged
    ``<c>`` start tags.  The cells are found with lxml, but the attribute is
    changed in the raw bytes inside ``<sheetData>``, so every other byte of the
    sheet stays as it was and clearing the flags gives back the very same part.
    Only when a cell cannot be found that way (a tool that omits ``r=``) is the
    part serialised by lxml instead.
  - ``calcChain.xml``: only when an ehxl sheet that staff had put formulas on
    is replaced, the chain's entries for that sheet are dropped (Excel repairs
    a workbook whose chain names cells without formulas).
  - with ``ehxl macros install``: the workbook part's content type (now
    macro-enabled), a ``workbookPr`` code name where there is none, and a
    ``<legacyDrawing>`` in the sheet that gets the buttons.

* Records live in a veryHidden worksheet, ``_ehxl``: which sheets ehxl created
  (name and sheetId: a staff sheet later given the same name is never taken
  for ehxl's) and which cells it flagged, with the style each had before.  A
  sheet travels with the workbook through Excel's own saves (Excel turns its
  inline strings into shared strings; the reader accepts both).  Flags are
  keyed by sheetId, so a renamed staff sheet keeps its records.
* Rendering is deterministic and freed part names are reused lowest-first;
  a touched staff part whose canonical XML did not change is not written.  So
  a second identical run changes no part at all.
* Text is always written as an inline string, never as a formula: "=1+1" in a
  board sheet stays text, and nothing ehxl writes can run as a formula.
* Strict Open XML workbooks are read elsewhere but refused here: their
  namespaces differ throughout, and a half-understood write is worse than none.

This module only orchestrates; each concern has its own module:

* :mod:`ehxl.parts`: the edit session over the package's parts, the XML helpers,
  and the raw-byte ``s=`` patch.
* :mod:`ehxl.workbook_part`: the sheets in ``workbook.xml``, adding one, their
  defined names, ``app.xml`` titles, and the parts and ``calcChain`` entries
  dropped when an ehxl sheet is rendered anew.
* :mod:`ehxl.styles`: ``styles.xml``, appended to.
* :mod:`ehxl.sheet_rendering` and :mod:`ehxl.chart_rendering`: an ehxl sheet,
  its charts and their drawing, rendered whole.
* :mod:`ehxl.records`: the ``_ehxl`` records.
* :mod:`ehxl.flags`: the overdue flags on staff cells.
* :mod:`ehxl.macros_install`: the VBA project and ehxl's buttons.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .errors import WorkbookRefused
from .flags import OverdueFlags
from .package import Deflated, Package, SaveReport, save_package
from .parts import (CT_CHART, CT_DRAWING, CT_RELS, CT_WORKSHEET, RT_CHART, RT_DRAWING, RT_HYPERLINK, RT_VML, PartWriter,
                    Session, part_code_name, relative_target, rels_name, rels_xml, require_writable)
from .records import OWNED_STATE_SHEET, Records
from .report import SheetSpec
from .sheet_rendering import url_links, write_sheet
from .styles import Styles
from .workbook_part import Sheet, WorkbookPart, check_sheet_name, sheet_code_name

__all__ = ["OWNED_STATE_SHEET", "WorkbookWriter"]


@dataclass(frozen=True)
class _Kept:
    """What an ehxl sheet keeps when it is rendered anew."""

    code_name: str | None
    buttons: str | None        # the VML part holding ehxl's buttons


class WorkbookWriter:
    """ehxl's writes into one staff workbook: its own sheets, overdue flags, and the records of both.

    Nothing reaches the file until :meth:`save`; after a save the writer works on
    the file as saved.
    """

    def __init__(self, pkg: Package):
        self._start(pkg)

    def _start(self, pkg: Package) -> None:
        self.pkg = pkg
        self._s = Session(pkg)
        self._book = WorkbookPart(self._s, pkg.workbook_part)
        self._styles: Styles | None = None
        self._records = Records(self._book, strict=pkg.strict)
        self._flags = OverdueFlags(self._book, self._records, lambda: self.styles)

    # -- reading

    def sheet_names(self) -> list[str]:
        """Every sheet of the workbook (worksheets, chart sheets, macro sheets), in tab order."""
        return [s.name for s in self._book.sheets()]

    def owned_sheets(self) -> list[str]:
        """Sheets ehxl created (from the records), by their current names."""
        return [s.name for s in self._book.sheets() if self._records.owns(s)]

    def flagged(self) -> dict[str, set[str]]:
        """Cells ehxl has flagged, by the sheet's current name."""
        return self._flags.flagged()

    @property
    def styles(self) -> Styles:
        """The workbook's styles part, opened (or added, for a workbook without one) when first needed."""
        if self._styles is None:
            self._styles = Styles(self._s, self._book.part)
        return self._styles

    # -- sheets

    def put_sheet(self, spec: SheetSpec) -> None:
        """Add ehxl's sheet ``spec.name`` at the end, or replace it where it is if ehxl created it."""
        require_writable(self.pkg)
        check_sheet_name(spec.name)
        if spec.name.casefold() == OWNED_STATE_SHEET.casefold():
            raise ValueError(f"{OWNED_STATE_SHEET!r} is the name of ehxl's records sheet")
        self._records.check_sheet()
        existing = self._book.sheet(spec.name)
        if existing is not None and not self._records.owns(existing):
            raise WorkbookRefused(
                f'already has a sheet named "{existing.name}" that ehxl did not create, and ehxl will not '
                f'overwrite it. Rename your sheet (for example to "{existing.name[:23]} (team)") and run '
                "ehxl again.", path=self.pkg.path)
        keep = None
        if existing is not None and existing.part:
            sheet = existing
            keep = self._kept_on_refresh(sheet.part)
            self._book.drop_dependants(sheet.part, keep={keep.buttons} if keep.buttons else set())
            self._book.drop_calc_chain_entries(sheet.sheet_id)
        else:
            state = self._records.state
            present = {s.sheet_id for s in self._book.sheets()}
            state.owned = {sid: n for sid, n in state.owned.items() if sid in present}
            sheet = self._book.add_sheet(spec.name)
            state.owned[sheet.sheet_id] = spec.name
            self._records.dirty = True
        self._write_sheet(sheet, spec, keep)
        self._book.set_sheet_names(sheet, spec)

    def _kept_on_refresh(self, part: str) -> _Kept:
        """What an ehxl sheet keeps when it is rendered anew: its VBA name and ehxl's buttons on it."""
        if not self._s.has(part):
            return _Kept(None, None)
        tree = self._s.trees.get(part)
        code = sheet_code_name(tree.getroot()) if tree is not None else \
            part_code_name(self._s.read(part, keep=False), part)
        from .macros_install import button_drawing

        return _Kept(code, button_drawing(self._s, part))

    def _write_sheet(self, sheet: Sheet, spec: SheetSpec, keep: _Kept | None = None) -> None:
        """Render ``spec`` into the sheet's part, with its charts' parts and its relationships."""
        part = sheet.part
        keep = keep or _Kept(None, None)
        rels: list[tuple[str, str, str, bool]] = []
        drawing_rid = None
        if spec.charts:
            drawing = self._put_charts(spec)
            drawing_rid = "rId1"
            rels.append((drawing_rid, RT_DRAWING, relative_target(part, drawing), False))
        link_rids = {}
        for ref, url in url_links(spec):
            link_rids[ref] = f"rId{len(rels) + 1}"
            rels.append((link_rids[ref], RT_HYPERLINK, url, True))
        legacy_rid = None
        if keep.buttons:
            legacy_rid = f"rId{len(rels) + 1}"
            rels.append((legacy_rid, RT_VML, relative_target(part, keep.buttons), False))
        xml = PartWriter()
        write_sheet(spec, self.styles.named, xml, date1904=self._book.date1904(), drawing_rid=drawing_rid,
                    link_rids=link_rids, legacy_rid=legacy_rid, code_name=keep.code_name)
        self._s.put(part, xml.result(), CT_WORKSHEET)
        if rels:
            self._s.put(rels_name(part), rels_xml(rels), CT_RELS)
        elif self._s.has(rels_name(part)):
            self._s.delete(rels_name(part))

    def _put_charts(self, spec: SheetSpec) -> str:
        """A chart part for each of ``spec``'s charts and the drawing placing them; returns the drawing part."""
        folder = posixpath.dirname(self._book.part)
        drawing = self._s.free_name(posixpath.join(folder, "drawings", "drawing{}.xml"))
        from .chart_rendering import render_chart, render_drawing

        chart_rels = []
        for n, chart in enumerate(spec.charts, start=1):
            chart_part = self._s.free_name(posixpath.join(folder, "charts", "chart{}.xml"))
            self._s.put(chart_part, render_chart(spec, chart), CT_CHART)
            chart_rels.append((f"rId{n}", RT_CHART, relative_target(drawing, chart_part), False))
        self._s.put(drawing, render_drawing(spec.charts, [r[0] for r in chart_rels]), CT_DRAWING)
        self._s.put(rels_name(drawing), rels_xml(chart_rels), CT_RELS)
        return drawing

    # -- flags

    def flag_cells(self, sheet: str, cells: Iterable[str]) -> int:
        """Make exactly these cells of a staff sheet flagged as overdue; returns how many cells changed."""
        return self._flags.flag_cells(sheet, cells)

    def clear_flags(self, sheet: str | None = None) -> int:
        """Restore flagged cells' own styles (all sheets, or one) and drop their records."""
        return self._flags.clear(sheet)

    # -- macros and buttons

    def vba_project(self) -> bytes | None:
        """The workbook's VBA project (``xl/vbaProject.bin``), if it has one."""
        from .macros_install import vba_project

        return vba_project(self._book)

    def button_sheets(self) -> list[str]:
        """Sheets that hold ehxl's buttons."""
        from .macros_install import button_sheets

        return button_sheets(self._book)

    def install_macros(self, modules: list, sheet: str) -> list[str]:
        """Make the workbook macro-enabled: a VBA project holding ``modules`` and ehxl's buttons on ``sheet``.

        Returns the button captions placed; see :func:`ehxl.macros_install.install_macros`.
        """
        from .macros_install import install_macros

        return install_macros(self._book, modules, sheet)

    # -- saving

    def changes(self) -> dict[str, bytes | None]:
        """The parts a save would write (new bytes) or delete (None): for inspection and tests."""
        return {name: data.content() if isinstance(data, Deflated) else data for name, data in self._changes().items()}

    def _changes(self) -> dict[str, bytes | Deflated | None]:
        if self.pkg.strict:
            return {}
        self._records.write()
        return self._s.changes()

    def save(self, target: str | Path | None = None, *, backup: bool = True) -> SaveReport:
        """Write the workbook (in place, or to ``target``) with ehxl's changes; every other part as it was."""
        changes = self._changes()
        if changes:
            require_writable(self.pkg)
        elif target is None or Path(target).resolve() == Path(self.pkg.path).resolve():
            return SaveReport(Path(self.pkg.path), None, [], [], [])   # nothing to write: the file stays as it is
        report = save_package(self.pkg, changes, target=target, backup=backup)
        self._start(Package.open(report.path))
        return report
