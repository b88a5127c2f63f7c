"""The overdue flags on staff cells: the flagged look given, each cell's own style remembered and restored.

A flag changes only the ``s=`` attribute of the cell's ``<c>`` start tag (the
session patches it in the raw bytes: :meth:`ehxl.parts.Session.changes`), to a
style appended to styles.xml that is the cell's own with the overdue fill and
font (:meth:`ehxl.styles.Styles.flagged`).  Each flag is recorded with the
style the cell had, so clearing gives back the very same part, and flagging
the same cells again changes nothing.
"""
from __future__ import annotations

from typing import Callable, Iterable

from lxml import etree

from .errors import WorkbookRefused
from .grid import a1, split_a1
from .parts import Session, as_int, qname, require_writable
from .records import OWNED_STATE_SHEET, Flag, Records
from .styles import Styles
from .workbook_part import Sheet, WorkbookPart


def _norm_ref(ref: str) -> str:
    row, col = split_a1(ref.strip().upper())
    return a1(row, col)


def _find_cells(root: etree._Element, refs: Iterable[str]) -> dict[str, etree._Element]:
    """The ``<c>`` elements of these cells (implied positions worked out where r= is absent)."""
    ns = etree.QName(root).namespace
    data = root.find(qname(ns, "sheetData"))
    wanted: dict[int, set[int]] = {}
    for ref in refs:
        row, col = split_a1(ref)
        wanted.setdefault(row, set()).add(col)
    found: dict[str, etree._Element] = {}
    if data is None or not wanted:
        return found
    row_no = 0
    for row in data.iterchildren(qname(ns, "row")):
        r = row.get("r")
        row_no = int(r) if r and r.isdigit() else row_no + 1
        cols = wanted.get(row_no)
        if not cols:
            continue
        col = 0
        for c in row.iterchildren(qname(ns, "c")):
            ref = c.get("r")
            try:
                col = split_a1(ref)[1] if ref else col + 1
            except ValueError:
                continue
            if col in cols:
                found[a1(row_no, col)] = c
    return found


class OverdueFlags:
    """The flags of one edit session, kept in step with ehxl's records."""

    def __init__(self, book: WorkbookPart, records: Records, styles: Callable[[], Styles]):
        self.book = book
        self.records = records
        self._styles = styles         # called only when a cell is first flagged: it may add a styles part

    @property
    def _session(self) -> Session:
        return self.book.session

    def flagged(self) -> dict[str, set[str]]:
        """Cells ehxl has flagged, by the sheet's current name."""
        names = {s.sheet_id: s.name for s in self.book.sheets()}
        out: dict[str, set[str]] = {}
        for f in self.records.state.flags:
            out.setdefault(names.get(f.sheet_id, f.sheet), set()).add(f.cell)
        return out

    def flag_cells(self, sheet: str, cells: Iterable[str]) -> int:
        """Make exactly these cells of a staff sheet flagged as overdue; returns how many cells changed."""
        wanted = {_norm_ref(c) for c in cells}
        target = self.book.sheet(sheet)
        if target is None:
            target = self._sheet_of_records(sheet)
        if target is None:
            if wanted:
                raise WorkbookRefused(f'has no sheet named "{sheet}" to flag overdue cells in.',
                                      path=self._session.pkg.path)
            dropped = [f for f in self.records.state.flags if f.sheet.casefold() == sheet.casefold()]
            if dropped:
                self.records.state.flags = [f for f in self.records.state.flags if f not in dropped]
                self.records.dirty = True
            return 0
        if wanted or any(f.sheet_id == target.sheet_id for f in self.records.state.flags):
            require_writable(self._session.pkg)
            self.records.check_sheet()
        if self.records.owns(target) or target.name.casefold() == OWNED_STATE_SHEET.casefold():
            raise ValueError(f"{target.name!r} is ehxl's own sheet; flags go on staff sheets")
        if target.kind != "worksheet" or not target.part:
            if wanted:
                raise WorkbookRefused(f'cannot flag cells in "{target.name}": it is a {target.kind}, '
                                      "not a worksheet.", path=self._session.pkg.path)
            return 0
        return self._sync(target, wanted)

    def _sheet_of_records(self, name: str) -> Sheet | None:
        """A renamed staff sheet still found through the sheetId its records hold."""
        ids = {f.sheet_id for f in self.records.state.flags if f.sheet.casefold() == name.casefold()}
        return next((s for s in self.book.sheets() if s.sheet_id in ids), None)

    def _sync(self, sheet: Sheet, wanted: set[str]) -> int:
        """Flag exactly ``wanted`` on one sheet and restore the rest (not a cell restyled since it was flagged)."""
        recorded = {f.cell: f for f in self.records.state.flags if f.sheet_id == sheet.sheet_id}
        if not recorded and not wanted:
            return 0
        found = _find_cells(self._session.tree(sheet.part).getroot(), set(recorded) | wanted)
        changed = 0
        keep: list[Flag] = []
        for ref, rec in recorded.items():
            c = found.get(ref)
            current = c.get("s") if c is not None else None
            if ref in wanted and c is not None and as_int(current or 0) == as_int(rec.applied):
                keep.append(rec if rec.sheet == sheet.name else Flag(rec.sheet_id, rec.row, rec.col, sheet.name,
                                                                      rec.original, rec.applied))
                continue
            if c is not None and ref not in wanted and as_int(current or 0) == as_int(rec.applied):
                if self._set_style(sheet.part, c, ref, rec.original):
                    changed += 1
        for ref in sorted(wanted - {f.cell for f in keep}, key=split_a1):
            c = found.get(ref)
            if c is None:
                continue
            original = c.get("s")
            applied = str(self._styles().flagged(as_int(original or 0) or 0))
            if self._set_style(sheet.part, c, ref, applied):
                changed += 1
            row, col = split_a1(ref)
            keep.append(Flag(sheet.sheet_id, row, col, sheet.name, original, applied))
        before = sorted(recorded.values())
        others = [f for f in self.records.state.flags if f.sheet_id != sheet.sheet_id]
        self.records.state.flags = others + sorted(keep)
        if sorted(keep) != before:
            self.records.dirty = True
        return changed

    def _set_style(self, part: str, c: etree._Element, ref: str, style: str | None) -> bool:
        """Give one cell this ``s=`` (None: none), in the tree and as a raw-byte edit; False if it had it."""
        if c.get("s") == style or (style is None and c.get("s") is None):
            return False
        if style is None:
            del c.attrib["s"]
        else:
            c.set("s", style)
        self._session.cell_styles.setdefault(part, {})[ref] = style
        return True

    def clear(self, sheet: str | None = None) -> int:
        """Restore flagged cells' own styles (all sheets, or one) and drop their records."""
        names = set(self.flagged()) if sheet is None else {sheet}
        return sum(self.flag_cells(name, []) for name in sorted(names))
