"""Reading workbooks into :class:`~ehxl.grid.SheetGrid` objects.

The file is first opened by :class:`ehxl.package.Package`, which refuses
encrypted, legacy, corrupt and bomb files with one clear line.  Each
worksheet part is then streamed with lxml's ``iterparse`` (rows are freed as
they are read), so memory stays flat on 20,000-row plans and nothing like a
full ``load_workbook`` runs: that is slow on large plans and crashes on some
Excel-made pivot workbooks.  Cached formula results are read, never formulas.
Element names are matched in whichever namespace the workbook uses, so Strict
Open XML files read like any other.

Each fill is resolved to the colour a person sees: RGB as written, theme
colours through the workbook's own theme part (with tint), and legacy indexed
colours through the workbook's own ``<indexedColors>`` palette when it has one.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterable

from lxml import etree

from . import rag, xml_scan
from .errors import WorkbookRefused
from .grid import GridCell, SheetGrid, column_index, split_a1
from .package import PARSER_OPTIONS, XML_PARSER, Package, WellFormed

#: Excel's own limit on the characters in one cell; longer text is cut there.
MAX_TEXT = 32_767
_PARSER_KW = PARSER_OPTIONS
#: Built-in number formats that show a date or time.
_DATE_IDS = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(range(50, 59))
_BUILTIN_FORMATS = {9: "0%", 10: "0.00%", 14: "dd/mm/yyyy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy"}
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")

_DATE_CODE = re.compile(r"[dmyhs]", re.I)


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
    where = "its list of sheets, formats or text"
    try:
        wb_root = pkg.xml(pkg.workbook_part)
        ns = etree.QName(wb_root).namespace
        pr = wb_root.find(f"{{{ns}}}workbookPr")
        date1904 = pr is not None and pr.get("date1904", "").lower() in ("1", "true")
        styles = _Styles(pkg)
        strings = _shared_strings(pkg)
        for sheet in pkg.sheets():
            book.sheet_states[sheet.name] = sheet.state
            if sheet.kind != "worksheet" or not sheet.part or not pkg.has(sheet.part):
                continue
            if sheet.name.lower() in skip_names:
                continue
            where = f"sheet '{sheet.name}'"
            book.grids.append(_read_sheet(pkg, sheet.name, sheet.part, strings, styles, date1904))
            pkg.forget(sheet.part)
    except WorkbookRefused:
        raise
    except (etree.XMLSyntaxError, KeyError, ValueError, IndexError, OSError) as exc:
        detail = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise WorkbookRefused(f"could not be read: {where} is not written the way Excel writes it, so the file may "
                              f"be damaged. If Excel can still open it, save it again there as an Excel Workbook "
                              f"(.xlsx) and try again; otherwise open the last good copy (detail for support: "
                              f"{detail[:150]}).", path=path) from exc
    return book


# ------------------------------------------------------------------ styles

class _Styles:
    """Fill colour and number format per cell style index (``s=``), resolved once."""

    def __init__(self, pkg: Package) -> None:
        self.fills: list[str | None] = []
        self.xfs: list[tuple[int, int]] = []
        self.formats: dict[int, str] = {}
        part = pkg.styles_part()
        if not part:
            return
        root = pkg.xml(part)
        ns = etree.QName(root).namespace
        q = lambda tag: f"{{{ns}}}{tag}"  # noqa: E731
        palette = [c.get("rgb", "")[-6:] for c in root.iterfind(f"{q('colors')}/{q('indexedColors')}/{q('rgbColor')}")]
        fills = [fill.find(q("patternFill")) for fill in root.iterfind(f"{q('fills')}/{q('fill')}")]
        uses_theme = any(p is not None and (c := p.find(q("fgColor"))) is not None and c.get("theme") is not None
                         for p in fills)
        theme = _theme(pkg) if uses_theme else None       # read only when a fill is a theme colour
        for num in root.iterfind(f"{q('numFmts')}/{q('numFmt')}"):
            self.formats[int(num.get("numFmtId", "0"))] = num.get("formatCode", "")
        for pattern in fills:
            self.fills.append(_fill_colour(pattern, q, theme, palette or None))
        for xf in root.iterfind(f"{q('cellXfs')}/{q('xf')}"):
            self.xfs.append((int(xf.get("numFmtId", "0")), int(xf.get("fillId", "0"))))
        self._cache: dict[int, tuple[str | None, str | None, bool]] = {}

    def lookup(self, s: int) -> tuple[str | None, str | None, bool]:
        """(fill 'RRGGBB' or None, number format or None, whether it shows a date)."""
        if not self.xfs:
            return None, None, False
        hit = self._cache.get(s)
        if hit is None:
            num_id, fill_id = self.xfs[s] if 0 <= s < len(self.xfs) else (0, 0)
            fill = self.fills[fill_id] if 0 <= fill_id < len(self.fills) else None
            code = self.formats.get(num_id) or _BUILTIN_FORMATS.get(num_id)
            is_date = num_id in _DATE_IDS or (num_id >= 164 and bool(code) and _is_date_code(code))
            hit = self._cache[s] = (fill, code, is_date)
        return hit


def _is_date_code(code: str) -> bool:
    stripped = _QUOTED.sub("", code.split(";")[0])
    return bool(_DATE_CODE.search(stripped)) and "0" not in stripped.replace("00:", "")


def _theme(pkg: Package) -> list[str] | None:
    """The workbook's theme colours; a damaged theme falls back to Office's own."""
    part = pkg.theme_part()
    if not part:
        return None
    try:
        return rag.theme_colours(pkg.read(part))
    except (ValueError, KeyError):
        return None


def _fill_colour(pattern, q, theme, palette) -> str | None:
    if pattern is None or pattern.get("patternType", "none") == "none":
        return None
    colour = pattern.find(q("fgColor"))
    if colour is None:
        return None
    tint = float(colour.get("tint", "0") or 0)
    try:
        if colour.get("rgb"):
            return rag.resolve_colour(rgb=colour.get("rgb"), tint=tint)
        if colour.get("theme") is not None:
            return rag.resolve_colour(theme=int(colour.get("theme")), tint=tint, theme_palette=theme)
        if colour.get("indexed") is not None:
            return rag.resolve_colour(indexed=int(colour.get("indexed")), tint=tint, indexed_palette=palette)
    except ValueError:
        return None
    return None


# ------------------------------------------------------------------ strings and cells

def _shared_strings(pkg: Package) -> list[str]:
    part = pkg.shared_strings_part()
    if not part:
        return []
    data = pkg.read(part)
    pkg.forget(part)                  # read once: its bytes need not stay in memory for the rest of the run
    check = WellFormed(data)
    try:
        return _scan_strings(data)
    except xml_scan.NotPlain:
        pass
    finally:
        check.wait()
    out: list[str] = []
    for _, si in etree.iterparse(io.BytesIO(data), events=("end",), tag="{*}si", **_PARSER_KW):
        out.append(_text_of(si))
        si.clear()
    return out


def _scan_strings(data: bytes) -> list[str]:
    """The shared strings read as bytes (see :mod:`ehxl.xml_scan`): a plain ``<si><t>`` is most of them."""
    xml_scan.check_plain(data)
    out: list[str] = []
    for plain, body in xml_scan.SHARED.findall(data):
        if body and not plain:
            out.append(_fragment_text(b"<si>", body, b"</si>"))
            continue
        text = plain.decode()
        if "&" in text or "\r" in text or "_x" in text or len(text) > MAX_TEXT:
            text = _finish(xml_scan.text(plain))
        out.append(text)                        # most strings: nothing to replace, undo or cut
    if not xml_scan.holds_tags(data, b"si", len(out)):
        raise xml_scan.NotPlain("a shared string the scanner did not match")
    return out


def _fragment_text(start: bytes, body: bytes, end: bytes) -> str:
    """The text of a rich (several runs, phonetic guides) string, parsed on its own."""
    try:
        return _text_of(etree.fromstring(start + body + end, _PARSER))
    except etree.XMLSyntaxError as exc:
        raise xml_scan.NotPlain("a string that does not parse on its own") from exc


def _text_of(el) -> str:
    """The text of an ``<si>`` or ``<is>``: its runs, without phonetic guides."""
    parts = []
    for t in el.iter("{*}t"):
        parent = t.getparent()
        if parent is not None and etree.QName(parent).localname == "rPh":
            continue
        parts.append(t.text or "")
    return _finish("".join(parts))


def _finish(text: str) -> str:
    """Excel's ``_xHHHH_`` escapes undone, and text cut at Excel's limit."""
    if "_x" in text:
        text = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text[:MAX_TEXT]


_PARSER = XML_PARSER


def _read_sheet(pkg: Package, name: str, part: str, strings: list[str], styles: _Styles,
                date1904: bool) -> SheetGrid:
    epoch = datetime(1904, 1, 1) if date1904 else datetime(1899, 12, 30)
    data = pkg.read(part)
    check = WellFormed(data)
    try:
        grid = _scan_sheet(data, name, strings, styles, epoch)
    except xml_scan.NotPlain:
        grid = None
    finally:
        check.wait()
    return grid if grid is not None else _parse_sheet(data, name, strings, styles, epoch)


def _scan_sheet(data: bytes, name: str, strings: list[str], styles: _Styles, epoch: datetime) -> SheetGrid:
    """The sheet read as bytes (see :mod:`ehxl.xml_scan`), with the same result as :func:`_parse_sheet`."""
    start, end = xml_scan.sheet_data(data)
    xml_scan.check_plain(data, start, end)
    grid = SheetGrid(name)
    matches = rows = 0
    rich = False
    row: dict[int, GridCell] = {}
    read: list[tuple[int, dict[int, GridCell]]] = []
    next_row = next_col = 1
    columns, looks, n_strings, plain = _COLUMNS, _StyleBytes(styles), len(strings), (None, None, False)
    new_cell = tuple.__new__
    last_style: list[bytes | None] = [None] * n_strings
    last_cell: list[GridCell | None] = [None] * n_strings
    others: dict[tuple[bytes, bytes, bytes], GridCell | None] = {}
    for lo, hi in xml_scan.chunks(data, start, end):
        found = xml_scan.CELL_OR_ROW.findall(data, lo, hi)
        matches += len(found)
        for letters, s, kind, raw, inline, body, row_tag, number, attrs in found:
            if row_tag:
                rows += 1
                r = _row_number(number, attrs, next_row)
                next_row, next_col = r + 1, 1
                if b"hidden" in attrs and _hidden(attrs):
                    grid.hidden_rows.add(r)
                row = {}
                read.append((r, row))
                continue
            col = (columns.get(letters) or _column(letters)) if letters else next_col
            next_col = col + 1
            if kind == b"s" and raw and 0 <= (i := int(raw)) < n_strings:
                if last_style[i] != s:       # a shared string in the style it had last time is the same cell
                    fill, fmt, _ = looks.get(s) or looks.add(s) if s else plain
                    last_style[i], last_cell[i] = s, new_cell(GridCell, (strings[i], fill, fmt))
                row[col] = last_cell[i]
                continue
            if kind == b"inlineStr":
                rich = True
                fill, fmt, _ = looks.get(s) or looks.add(s) if s else plain
                value = _fragment_text(b"<is>", body, b"</is>") if inline else None
                if value is not None or fill is not None:
                    row[col] = new_cell(GridCell, (value, fill, fmt))
                continue
            cell = others.get(key := (s, kind, raw), _UNSEEN)
            if cell is _UNSEEN:
                cell = _other_cell(looks.get(s) or looks.add(s) if s else plain, kind, raw, strings, epoch)
                if len(others) < _OTHERS_KEPT:
                    others[key] = cell
            if cell is not None:
                row[col] = cell
    if matches - rows != xml_scan.count_cells(data, start, end, rich) or rows != data.count(b"<row", start, end) \
            or xml_scan.rows_outside(data, start, end):
        raise xml_scan.NotPlain("a cell or row the scanner did not match")
    for r, cells_of in read:
        if cells_of:
            grid.cells[r] = cells_of
    grid.merged = _scan_merges(data, end)
    return grid


_UNSEEN = object()
#: How many distinct number, date and formula-text cells :func:`_scan_sheet` keeps to reuse: a plan repeats a
#: handful (progress 0%, 50%, 100%), while a table of distinct amounts would only fill the memory.
_OTHERS_KEPT = 4096


def _other_cell(look: tuple[str | None, str | None, bool], kind: bytes, raw: bytes, strings: list[str],
                epoch: datetime) -> GridCell | None:
    """A cell that is not a shared string (number, date, boolean, error, formula text): its value typed by its
    style; None for an empty cell without a fill."""
    fill, fmt, is_date = look
    if kind == b"s":
        value = None
    elif raw:
        value = _typed(kind.decode() if kind else "n", xml_scan.text(raw), strings, is_date, epoch)
    else:
        value = None
    return GridCell(value, fill, fmt) if value is not None or fill is not None else None


class _StyleBytes(dict):
    """:meth:`_Styles.lookup` by the ``s=`` attribute's bytes, so a cell's style costs one dict lookup."""

    def __init__(self, styles: _Styles) -> None:
        super().__init__()
        self.styles = styles

    def add(self, s: bytes) -> tuple[str | None, str | None, bool]:
        found = self[s] = self.styles.lookup(int(s)) if int(s) else (None, None, False)
        return found


def _row_number(number: bytes, attrs: bytes, next_row: int) -> int:
    """A row's ``r=`` (first, as written by Excel, or among its other attributes); the next row without one."""
    if number:
        return int(number)
    found = xml_scan.ROW_NUMBER.search(attrs)
    return int(found.group(1).decode() or next_row) if found else next_row


def _hidden(attrs: bytes) -> bool:
    found = xml_scan.ROW_HIDDEN.search(attrs)
    return bool(found) and found.group(1).lower() in (b"1", b"true")


_COLUMNS: dict[bytes, int] = {}


def _column(letters: bytes) -> int:
    col = _COLUMNS[letters] = column_index(letters.decode())
    return col


def _scan_merges(data: bytes, start: int) -> list[tuple[int, int, int, int]]:
    out = []
    refs = xml_scan.MERGE.findall(data, start)
    if not xml_scan.holds_tags(data, b"mergeCell", len(refs)) or b":mergeCell" in data:
        raise xml_scan.NotPlain("a merged range the scanner did not match")
    for ref in refs:
        ref = xml_scan.text(ref)
        if ":" in ref:
            (r1, c1), (r2, c2) = (split_a1(x) for x in ref.split(":"))
            out.append((r1, c1, r2, c2))
    return out


def _parse_sheet(data: bytes, name: str, strings: list[str], styles: _Styles, epoch: datetime) -> SheetGrid:
    """The sheet read with lxml, element by element: for parts the scanner cannot vouch for."""
    grid = SheetGrid(name)
    next_row = 1
    source = io.BytesIO(data)
    for _, el in etree.iterparse(source, events=("end",), tag=("{*}row", "{*}mergeCell"), **_PARSER_KW):
        if el.tag.endswith("mergeCell"):
            ref = el.get("ref", "")
            if ":" in ref:
                (r1, c1), (r2, c2) = (split_a1(x) for x in ref.split(":"))
                grid.merged.append((r1, c1, r2, c2))
            continue
        r = int(el.get("r") or next_row)
        next_row = r + 1
        if el.get("hidden", "").lower() in ("1", "true"):
            grid.hidden_rows.add(r)
        row: dict[int, GridCell] = {}
        next_col = 1
        for c in el.iterchildren("{*}c"):
            ref = c.get("r")
            col = split_a1(ref)[1] if ref else next_col
            next_col = col + 1
            cell = _cell(c, strings, styles, epoch)
            if cell is not None:
                row[col] = cell
        if row:
            grid.cells[r] = row
        el.clear()
        while el.getprevious() is not None:
            del el.getparent()[0]
    return grid


def _cell(c, strings: list[str], styles: _Styles, epoch: datetime) -> GridCell | None:
    kind = c.get("t", "n")
    s = int(c.get("s", "0") or 0)
    fill, fmt, is_date = styles.lookup(s) if s else (None, None, False)
    value: object = None
    if kind == "inlineStr":
        inline = c.find("{*}is")
        value = _text_of(inline) if inline is not None else None
    else:
        v = c.find("{*}v")
        raw = v.text if v is not None else None
        if raw is not None:
            value = _typed(kind, raw, strings, is_date, epoch)
    if value is None and fill is None:
        return None
    return GridCell(value, fill, fmt)


def _typed(kind: str, raw: str, strings: list[str], is_date: bool, epoch: datetime) -> object:
    if kind == "s":
        i = int(raw)
        return strings[i] if 0 <= i < len(strings) else None
    if kind in ("str", "e"):
        return raw[:MAX_TEXT]
    if kind == "b":
        return raw.strip() in ("1", "true")
    if kind == "d":
        try:
            return datetime.fromisoformat(raw.strip())
        except ValueError:
            return raw
    try:
        number = float(raw)
    except ValueError:
        return raw
    if is_date and 0 <= number < 2958466:
        return epoch + timedelta(days=number)
    return int(number) if number.is_integer() and "." not in raw and "E" not in raw.upper() else number
