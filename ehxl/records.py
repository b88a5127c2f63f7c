"""ehxl's records: which sheets it created and which cells it flagged, kept in the workbook itself.

They live in a veryHidden worksheet, ``_ehxl``, of plain values, so they travel
with the workbook through Excel's own saves (Excel turns the inline strings into
shared strings; :func:`read_rows` accepts both).  Sheets are recorded by name
and sheetId, so a staff sheet later given the name of an ehxl sheet is never
taken for ehxl's, and flags by sheetId, so a renamed staff sheet keeps them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from lxml import etree

from .errors import WorkbookRefused
from .grid import a1, split_a1
from .parts import CT_WORKSHEET, DECLARATION, MAIN_NS, Session, as_int, escape_xml, qname
from .sheet_rendering import clean_text
from .workbook_part import Sheet, WorkbookPart, sheet_code_name

#: The veryHidden worksheet ehxl keeps its records in.
OWNED_STATE_SHEET = "_ehxl"
#: A1 of a records sheet: a sheet of that name without it is someone else's.
STATE_MARKER = "ehxl state 1"


@dataclass(frozen=True, order=True)
class Flag:
    """One flagged cell, keyed by sheetId (so a renamed sheet keeps it), and the style it had before."""

    sheet_id: int
    row: int
    col: int
    sheet: str
    original: str | None     # the cell's s= before ehxl flagged it (None: it had none)
    applied: str             # the s= ehxl gave it

    @property
    def cell(self) -> str:
        return a1(self.row, self.col)


@dataclass
class State:
    """What the records sheet holds: the sheets ehxl created and the cells it flagged."""

    owned: dict[int, str] = field(default_factory=dict)      # sheetId -> name
    flags: list[Flag] = field(default_factory=list)
    by_name: list[str] = field(default_factory=list)         # owned sheets recorded by name only

    def rows(self) -> list[list[object]]:
        out: list[list[object]] = [
            [STATE_MARKER, "Kept by ehxl: which sheets it created and which cells it flagged. Do not edit."],
            ["kind", "sheet", "sheet id", "cell", "original style", "applied style"]]
        for sid, name in sorted(self.owned.items()):
            out.append(["sheet", name, sid])
        for f in sorted(self.flags):
            out.append(["flag", f.sheet, f.sheet_id, f.cell, "" if f.original is None else f.original, f.applied])
        return out

    @classmethod
    def from_rows(cls, rows: list[list[object]]) -> "State":
        state = cls()
        for row in rows[2:]:
            row = (row + [None] * 6)[:6]
            kind, sheet, sid = row[0], row[1], as_int(row[2])
            if kind == "sheet" and sheet and sid is None:
                state.by_name.append(str(sheet))       # recorded by the Excel buttons, which cannot see sheetIds
            elif kind == "sheet" and sheet and sid is not None:
                state.owned[sid] = str(sheet)
            elif kind == "flag" and sheet and sid is not None and row[3] and as_int(row[5]) is not None:
                r, c = split_a1(str(row[3]))
                original = as_int(row[4])
                state.flags.append(Flag(sid, r, c, str(sheet), None if original is None else str(original),
                                        str(as_int(row[5]))))
        return state


def read_rows(root: etree._Element, shared: Callable[[], list[str]]) -> list[list[object]]:
    """A small sheet's values as rows of Python values (records sheet only)."""
    ns = etree.QName(root).namespace
    strings: list[str] | None = None
    rows: dict[int, dict[int, object]] = {}
    for ref, c in _cell_index(root).items():
        kind = c.get("t")
        v = c.find(qname(ns, "v"))
        if kind == "inlineStr":
            value: object = "".join(t.text or "" for t in c.iter(qname(ns, "t")))
        elif kind == "s" and v is not None:
            if strings is None:
                strings = shared()
            i = as_int(v.text)
            value = strings[i] if i is not None and 0 <= i < len(strings) else None
        elif v is None:
            value = None
        elif kind in ("str", "e"):
            value = v.text
        else:
            value = as_int(v.text) if as_int(v.text) is not None and float(v.text) == as_int(v.text) else v.text
        r, col = split_a1(ref)
        rows.setdefault(r, {})[col] = value
    return [[rows[r].get(c) for c in range(1, max(rows[r]) + 1)] if r in rows else []
            for r in range(1, max(rows, default=0) + 1)]


def _cell_index(root: etree._Element) -> dict[str, etree._Element]:
    """Every ``<c>`` of a (small) worksheet by its reference."""
    ns = etree.QName(root).namespace
    data = root.find(qname(ns, "sheetData"))
    index: dict[str, etree._Element] = {}
    row_no = 0
    for row in data.iterchildren(qname(ns, "row")) if data is not None else ():
        r = row.get("r")
        row_no = int(r) if r and r.isdigit() else row_no + 1
        col = 0
        for c in row.iterchildren(qname(ns, "c")):
            try:
                col = split_a1(c.get("r"))[1] if c.get("r") else col + 1
            except ValueError:
                continue
            index[a1(row_no, col)] = c
    return index


def state_xml(rows: list[list[object]], code_name: str | None = None) -> bytes:
    """The records sheet: plain values, no styles (and its VBA name, once Excel has given it one)."""
    body = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row, start=1):
            ref = a1(r, c)
            if value is None or value == "":
                continue
            if isinstance(value, int):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                text = escape_xml(clean_text(str(value)))
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>')
        body.append(f'<row r="{r}">{"".join(cells)}</row>')
    pr = f'<sheetPr codeName="{escape_xml(code_name)}"/>' if code_name else ""
    return DECLARATION + (f'<worksheet xmlns="{MAIN_NS}">{pr}<sheetData>{"".join(body)}</sheetData>'
                          '</worksheet>').encode("utf-8")


class Records:
    """ehxl's records in one edit session: read from the records sheet, changed in memory, written back."""

    def __init__(self, book: WorkbookPart, strict: bool = False):
        self.book = book
        self.state = State() if strict else self._load()
        self.dirty = False

    @property
    def _session(self) -> Session:
        return self.book.session

    def _load(self) -> State:
        sheet = self.book.sheet(OWNED_STATE_SHEET)
        if sheet is None or not sheet.part or not self._session.has(sheet.part):
            return State()
        rows = read_rows(self._session.tree(sheet.part).getroot(), self.book.shared_strings)
        if not rows or not rows[0] or rows[0][0] != STATE_MARKER:
            return State()
        state = State.from_rows(rows)
        if state.by_name:
            wanted = {n.casefold() for n in state.by_name}
            for s in self.book.sheets():
                if s.name.casefold() in wanted:
                    state.owned.setdefault(s.sheet_id, s.name)
        return state

    def owns(self, sheet: Sheet) -> bool:
        """Did ehxl create this sheet (same sheetId and, so a staff sheet given the name is not taken, same name)?"""
        name = self.state.owned.get(sheet.sheet_id)
        return name is not None and name.casefold() == sheet.name.casefold()

    def check_sheet(self) -> None:
        """Refuse a sheet of the records sheet's name that ehxl did not create, before writing over it."""
        sheet = self.book.sheet(OWNED_STATE_SHEET)
        if sheet is None or not sheet.part:
            return
        rows = read_rows(self._session.tree(sheet.part).getroot(), self.book.shared_strings) \
            if self._session.has(sheet.part) else []
        if not rows or not rows[0] or rows[0][0] != STATE_MARKER:
            raise WorkbookRefused(f'has a sheet named "{sheet.name}" that ehxl did not create; ehxl keeps its '
                                  'records in a sheet of that name. Rename that sheet and run ehxl again.',
                                  path=self._session.pkg.path)

    def write(self) -> None:
        """Render the records sheet when the records changed (adding the sheet the first time)."""
        if not self.dirty:
            return
        self.check_sheet()
        sheet = self.book.sheet(OWNED_STATE_SHEET)
        if sheet is None:
            sheet = self.book.add_sheet(OWNED_STATE_SHEET, state="veryHidden")
        if sheet.part:
            code = sheet_code_name(self._session.tree(sheet.part).getroot()) if self._session.has(sheet.part) \
                else None
            self._session.put(sheet.part, state_xml(self.state.rows(), code), CT_WORKSHEET)
        self.dirty = False
