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
  :class:`WorkbookWriter` keeps an edit session over it.  Parts ehxl owns (its
  board sheets, their drawings and charts, the ``_ehxl`` records sheet) are
  rendered whole.  The few staff parts it must touch are parsed with lxml and
  edited in place, so namespace declarations, ``mc:Ignorable`` prefixes,
  ``extLst`` blocks and unknown attributes survive.  Every other part is never
  parsed and :func:`ehxl.package.save_package` copies it through byte for byte.
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
"""
from __future__ import annotations

import datetime as dt
import decimal
import fractions
import math
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import quote, unquote

from lxml import etree

from .errors import WorkbookRefused
from .grid import a1, column_index, column_letter, split_a1
from .package import PKG_REL_NS, REL_SHARED_STRINGS, REL_STYLES, REL_WORKSHEET, Package, SaveReport, save_package
from .report import BORDER_COLOUR, LOOKS, STYLES, Chart, SheetSpec, date_format, is_url, row_lines, split_ref
from .workbook_macros import BUTTONS, MACRO_MARK, Geometry, column_px, is_code_name, place, render_vml, row_px, \
    used_idmaps

#: The veryHidden worksheet ehxl keeps its records in.
OWNED_STATE_SHEET = "_ehxl"
STATE_MARKER = "ehxl state 1"

#: Excel's limit on the characters in one cell.
MAX_TEXT = 32_767
#: Excel refuses a header or footer longer than this.
MAX_HEADER = 255

FLAG_FILL = "FFC7CE"
FLAG_FONT = "9C0006"

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"

_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
RT_WORKSHEET, RT_STYLES, RT_SHARED_STRINGS = REL_WORKSHEET, REL_STYLES, REL_SHARED_STRINGS
RT_DRAWING = _RT + "drawing"
RT_CHART = _RT + "chart"
RT_HYPERLINK = _RT + "hyperlink"
RT_CALC_CHAIN = _RT + "calcChain"
RT_EXTENDED = _RT + "extended-properties"
RT_VML = _RT + "vmlDrawing"
RT_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"

CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_VBA = "application/vnd.ms-office.vbaProject"
CT_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_MAIN_MACROS = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CONTENT_TYPES = "[Content_Types].xml"

_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


# ------------------------------------------------------------------ XML and part helpers

def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _parse(data: bytes, name: str) -> etree._ElementTree:
    """Parse a part safely; no DTD, no entities, no network."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise WorkbookRefused(f"its part {name} is not well-formed XML ({exc}); open and save it in Excel, "
                              "then run ehxl again.") from None
    tree = root.getroottree()
    if tree.docinfo.doctype:
        raise WorkbookRefused(f"its part {name} declares a DTD, which ehxl never processes; "
                              "open and save it in Excel, then run ehxl again.")
    return tree


_DECL_RE = re.compile(rb"^(\xef\xbb\xbf)?<\?xml[^>]*\?>[ \t\r\n]*")


def _declaration(original: bytes | None) -> bytes:
    """The original part's XML declaration (kept verbatim when it is UTF-8), else Excel's."""
    if original:
        m = _DECL_RE.match(original)
        if m:
            enc = re.search(rb"encoding\s*=\s*[\"']([^\"']+)", m.group(0))
            if enc is None or enc.group(1).lower().replace(b"-", b"") == b"utf8":
                return m.group(0)
    return _DECLARATION


def _serialise(tree: etree._ElementTree, original: bytes | None) -> bytes:
    return _declaration(original) + etree.tostring(tree, encoding="UTF-8", xml_declaration=False)


def _canon(el: etree._Element) -> tuple:
    """A prefix-independent canonical form: equal for entries that mean the same."""
    return (el.tag, tuple(sorted(el.attrib.items())), (el.text or "").strip(),
            tuple(_canon(ch) for ch in el if isinstance(ch.tag, str)))


def _c14n(tree: etree._ElementTree) -> bytes:
    return etree.tostring(tree, method="c14n")


def _rels_name(part: str) -> str:
    """'xl/workbook.xml' -> 'xl/_rels/workbook.xml.rels'; '' (the package) -> '_rels/.rels'."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _resolve(source: str, target: str) -> str:
    """A relationship target as an absolute part name (no leading slash)."""
    target = unquote(target.split("#", 1)[0])
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target)).lstrip("/")


def _relative(source: str, part: str) -> str:
    return posixpath.relpath(part, posixpath.dirname(source) or ".")


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_EXCEL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def clean_text(text: str, limit: int = MAX_TEXT) -> str:
    """Text as Excel will show it: XML-illegal characters removed, capped at ``limit``.

    A literal ``_x0041_`` would be read by Excel as an escaped character, so its
    underscore is itself escaped (``_x005F_``).
    """
    text = _ILLEGAL_XML.sub("", text)[:limit]
    return _EXCEL_ESCAPE.sub(r"_x005F_\1", text)


def _esc(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("\r", "&#13;"))


def _norm_ref(ref: str) -> str:
    row, col = split_a1(ref.strip().upper())
    return a1(row, col)


# ------------------------------------------------------------------ the edit session

class _Session:
    """Pending edits to a package: parts rendered whole, staff parts edited as trees, deletions.

    ``trees`` doubles as a parse cache; only names in ``structural`` (edited as
    trees) or ``cell_styles`` (flag edits) are serialised from their tree.
    """

    def __init__(self, pkg: Package):
        self.pkg = pkg
        self.trees: dict[str, etree._ElementTree] = {}
        self.raw: dict[str, bytes | None] = {}
        self.types: dict[str, str] = {}          # content type of each part ehxl adds
        self.cell_styles: dict[str, dict[str, str | None]] = {}   # part -> cell -> new s= (flag edits)
        self.structural: set[str] = set()
        self._original = {n.casefold() for n in pkg.names}

    def has(self, name: str) -> bool:
        if name in self.raw:
            return self.raw[name] is not None
        return name in self.trees or self.pkg.has(name)

    def tree(self, name: str) -> etree._ElementTree:
        """The part parsed (for reading; see :meth:`edit` to change it)."""
        if name not in self.trees:
            data = self.raw.get(name)
            self.trees[name] = _parse(data if data is not None else self.pkg.read(name), name)
        return self.trees[name]

    def edit(self, name: str) -> etree._Element:
        """The root of a part about to be edited as a tree."""
        root = self.tree(name).getroot()
        self.structural.add(name)
        return root

    def new_tree(self, name: str, root: etree._Element, content_type: str) -> None:
        self.raw.pop(name, None)
        self.trees[name] = root.getroottree()
        self.types[name] = content_type
        self.structural.add(name)

    def put(self, name: str, data: bytes, content_type: str) -> None:
        self.trees.pop(name, None)
        self.structural.discard(name)
        self.cell_styles.pop(name, None)
        self.raw[name] = data
        self.types[name] = content_type

    def delete(self, name: str) -> None:
        self.trees.pop(name, None)
        self.structural.discard(name)
        self.cell_styles.pop(name, None)
        self.types.pop(name, None)
        self.raw[name] = None

    def read(self, name: str) -> bytes:
        """A part's bytes as they stand in this session (a part edited as a tree: as it was read)."""
        data = self.raw.get(name)
        return data if data is not None else self.pkg.read(name)

    def taken(self, name: str) -> bool:
        """Is a part of this name there (OPC part names compare case-insensitively)?"""
        folded = name.casefold()
        for pending in (*self.raw, *self.trees):
            if pending.casefold() == folded:
                return self.has(pending)
        return folded in self._original

    def free_name(self, pattern: str) -> str:
        """The lowest-numbered free part name for ``pattern`` ('xl/charts/chart{}.xml')."""
        n = 1
        while self.taken(pattern.format(n)):
            n += 1
        return pattern.format(n)

    def names(self) -> list[str]:
        names = [n for n in self.pkg.names if self.has(n)]
        seen = set(names)
        return names + [n for n in (*self.raw, *self.trees) if n not in seen and self.has(n)]

    # -- relationships

    def rels(self, part: str) -> list[tuple[str, str, str, bool]]:
        """(id, type, target part or URL, external) for each relationship of ``part``."""
        name = _rels_name(part)
        if not self.has(name):
            return []
        out = []
        for rel in self.tree(name).getroot():
            if not isinstance(rel.tag, str) or etree.QName(rel).localname != "Relationship":
                continue
            external = rel.get("TargetMode") == "External"
            target = rel.get("Target", "")
            out.append((rel.get("Id", ""), rel.get("Type", ""), target if external else _resolve(part, target),
                        external))
        return out

    def related(self, part: str, rel_type: str) -> list[str]:
        return [t for _, typ, t, ext in self.rels(part) if typ == rel_type and not ext]

    def add_rel(self, source: str, rel_type: str, target: str) -> str:
        """Append a relationship to an internal part; returns its new id (rId max+1)."""
        name = _rels_name(source)
        if self.has(name):
            root = self.edit(name)
        else:
            root = etree.Element(_q(PKG_REL_NS, "Relationships"), nsmap={None: PKG_REL_NS})
            self.new_tree(name, root, CT_RELS)
        ids = {el.get("Id") for el in root if isinstance(el.tag, str)}
        n = 1 + max((int(m.group(1)) for i in ids if i and (m := re.fullmatch(r"rId(\d+)", i))), default=0)
        rel = etree.SubElement(root, _q(PKG_REL_NS, "Relationship"))
        rel.set("Id", f"rId{n}")
        rel.set("Type", rel_type)
        rel.set("Target", _relative(source, target))
        return f"rId{n}"

    # -- the result

    def changes(self) -> dict[str, bytes | None]:
        """What to hand to save_package: only parts whose content really changed."""
        out: dict[str, bytes | None] = {}
        for name in dict.fromkeys([*self.raw, *self.structural, *self.cell_styles]):
            if name in self.structural or name in self.cell_styles:
                data = self._serialise(name)
            else:
                data = self.raw[name]
            if data is None:
                if self.pkg.has(name) and not self.has(name):
                    out[name] = None
            elif not self.pkg.has(name) or self.pkg.read(name) != data:
                out[name] = data
        types = self._content_types(out)
        if types is not None:
            out[CONTENT_TYPES] = types
        return out

    def _serialise(self, name: str) -> bytes | None:
        """A tree-edited part as bytes; None when its content did not really change."""
        tree = self.trees[name]
        if not self.pkg.has(name):
            return _serialise(tree, None)
        original = self.pkg.read(name)
        if name not in self.structural:
            edits = self.cell_styles[name]
            patched = _patch_cell_styles(original, edits)
            if patched == original:
                return None
            if patched is not None:
                return patched
        if _c14n(_parse(original, name)) == _c14n(tree):
            return None
        return _serialise(tree, original)

    def _content_types(self, out: dict[str, bytes | None]) -> bytes | None:
        """[Content_Types].xml with Overrides for added parts and without those of deleted ones."""
        original = self.pkg.read(CONTENT_TYPES)
        tree = _parse(original, CONTENT_TYPES)
        root = tree.getroot()
        ns = etree.QName(root).namespace
        defaults = {el.get("Extension", "").lower(): el.get("ContentType") for el in root
                    if isinstance(el.tag, str) and etree.QName(el).localname == "Default"}
        overrides = {el.get("PartName", "").lstrip("/").casefold(): el for el in root
                     if isinstance(el.tag, str) and etree.QName(el).localname == "Override"}
        changed = False
        for name, data in out.items():
            if data is None and name.casefold() in overrides:
                root.remove(overrides.pop(name.casefold()))
                changed = True
        for name, want in self.types.items():
            if not self.has(name):
                continue
            el = overrides.get(name.casefold())
            if el is not None:
                if el.get("ContentType") != want:
                    el.set("ContentType", want)
                    changed = True
            elif defaults.get(posixpath.splitext(name)[1].lstrip(".").lower()) != want:
                el = etree.SubElement(root, _q(ns, "Override"))
                el.set("PartName", "/" + name)
                el.set("ContentType", want)
                overrides[name.casefold()] = el
                changed = True
        return _serialise(tree, original) if changed else None


_C_START = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?c[\s/>]")
_ATTR_S = re.compile(rb"""\ss\s*=\s*(["'])([^"']*)\1""")


_SHEET_DATA = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?sheetData[\s>]")
_SHEET_DATA_END = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?sheetData\s*>")


def _patch_cell_styles(data: bytes, edits: dict[str, str | None]) -> bytes | None:
    """Set the ``s=`` of the given cells' start tags in the raw bytes, leaving every other byte as it was.

    Rows and cells are stored in order, so one forward byte search inside
    ``<sheetData>`` finds each cell's `` r="B5"`` (a row's r= is a bare number,
    so only cells match), which must sit inside a ``<c>`` start tag.  None when a
    cell is not found that way; the caller then serialises with lxml.
    """
    opening = _SHEET_DATA.search(data)
    closing = _SHEET_DATA_END.search(data, opening.end()) if opening else None
    if closing is None:
        return None
    out: list[bytes] = []
    last = pos = opening.end()
    out.append(data[:pos])
    for ref in sorted(edits, key=split_a1):
        needle = b' r="' + ref.encode("ascii") + b'"'
        i = data.find(needle, pos, closing.start())
        while i >= 0:
            start, end = data.rfind(b"<", last, i), data.find(b">", i)
            if start >= 0 and _C_START.match(data, start) and data.find(b">", start) == end:
                break
            i = data.find(needle, i + 1, closing.start())
        if i < 0:
            return None
        tag, style, r_end = data[start:end + 1], edits[ref], i + len(needle) - start
        attr = _ATTR_S.search(tag)
        if style is None:
            tag = tag[:attr.start()] + tag[attr.end():] if attr else tag
        elif attr:
            tag = tag[:attr.start(2)] + style.encode("ascii") + tag[attr.end(2):]
        else:
            tag = tag[:r_end] + b' s="' + style.encode("ascii") + b'"' + tag[r_end:]
        out += [data[last:start], tag]
        last = pos = end + 1
    out.append(data[last:])
    return b"".join(out)


def _find_cells(root: etree._Element, refs: Iterable[str]) -> dict[str, etree._Element]:
    """The ``<c>`` elements of these cells (implied positions worked out where r= is absent)."""
    ns = etree.QName(root).namespace
    data = root.find(_q(ns, "sheetData"))
    wanted: dict[int, set[int]] = {}
    for ref in refs:
        row, col = split_a1(ref)
        wanted.setdefault(row, set()).add(col)
    found: dict[str, etree._Element] = {}
    if data is None or not wanted:
        return found
    row_no = 0
    for row in data.iterchildren(_q(ns, "row")):
        r = row.get("r")
        row_no = int(r) if r and r.isdigit() else row_no + 1
        cols = wanted.get(row_no)
        if not cols:
            continue
        col = 0
        for c in row.iterchildren(_q(ns, "c")):
            ref = c.get("r")
            try:
                col = split_a1(ref)[1] if ref else col + 1
            except ValueError:
                continue
            if col in cols:
                found[a1(row_no, col)] = c
    return found


def _cell_index(root: etree._Element) -> dict[str, etree._Element]:
    """Every ``<c>`` of a (small) worksheet by its reference."""
    ns = etree.QName(root).namespace
    data = root.find(_q(ns, "sheetData"))
    index: dict[str, etree._Element] = {}
    row_no = 0
    for row in data.iterchildren(_q(ns, "row")) if data is not None else ():
        r = row.get("r")
        row_no = int(r) if r and r.isdigit() else row_no + 1
        col = 0
        for c in row.iterchildren(_q(ns, "c")):
            try:
                col = split_a1(c.get("r"))[1] if c.get("r") else col + 1
            except ValueError:
                continue
            index[a1(row_no, col)] = c
    return index


# ------------------------------------------------------------------ styles

_BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10}
_STYLE_LISTS = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
                "tableStyles", "colors", "extLst")
_MINIMAL_STYLES = (
    f'<styleSheet xmlns="{MAIN_NS}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/>'
    '<family val="2"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/>'
    '<top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" '
    'fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
    'borderId="0" xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
    'builtinId="0"/></cellStyles></styleSheet>').encode()


class _Styles:
    """The workbook's styles part, appended to (never renumbered) and searched for reusable entries."""

    def __init__(self, session: _Session, workbook_part: str):
        self.session = session
        found = session.related(workbook_part, RT_STYLES)
        if found and session.has(found[0]):
            self.part = found[0]
        else:
            self.part = posixpath.join(posixpath.dirname(workbook_part), "styles.xml")
            if session.taken(self.part):
                self.part = session.free_name(posixpath.join(posixpath.dirname(workbook_part), "styles{}.xml"))
            session.new_tree(self.part, etree.fromstring(_MINIMAL_STYLES, _PARSER), CT_STYLES)
            session.add_rel(workbook_part, RT_STYLES, self.part)
        self._seen: dict[str, dict[tuple, int]] = {}
        self._cache: dict[tuple, int] = {}

    @property
    def root(self) -> etree._Element:
        return self.session.tree(self.part).getroot()

    @property
    def ns(self) -> str:
        return etree.QName(self.root).namespace

    def _list(self, name: str, create: bool = True) -> etree._Element | None:
        root, ns = self.root, self.ns
        found = root.find(_q(ns, name))
        if found is not None or not create:
            return found
        later = _STYLE_LISTS[_STYLE_LISTS.index(name) + 1:]
        el = etree.Element(_q(ns, name))
        for child in root:
            if isinstance(child.tag, str) and etree.QName(child).localname in later:
                child.addprevious(el)
                break
        else:
            root.append(el)
        self.session.edit(self.part)
        return el

    def _entries(self, list_name: str) -> list[etree._Element]:
        container = self._list(list_name, create=False)
        return [] if container is None else [e for e in container if isinstance(e.tag, str)]

    def _add(self, list_name: str, entry: etree._Element) -> int:
        """Index of an equal entry already in the list, else of ``entry`` appended at the end."""
        seen = self._seen.get(list_name)
        if seen is None:
            seen = self._seen[list_name] = {}
            for i, el in enumerate(self._entries(list_name)):
                seen.setdefault(_canon(el), i)
        key = _canon(entry)
        if key in seen:
            return seen[key]
        container = self._list(list_name)
        self.session.edit(self.part)
        index = len(self._entries(list_name))
        container.append(entry)
        container.set("count", str(index + 1))
        seen[key] = index
        return index

    def _el(self, tag: str, **attrs: str) -> etree._Element:
        el = etree.Element(_q(self.ns, tag))
        for k, v in attrs.items():
            el.set(k, v)
        return el

    def number_format(self, code: str) -> int:
        if code in _BUILTIN_FORMATS:
            return _BUILTIN_FORMATS[code]
        ids = []
        for el in self._entries("numFmts"):
            if el.get("formatCode") == code:
                return int(el.get("numFmtId"))
            ids.append(int(el.get("numFmtId", "0")))
        new = max([163, *ids]) + 1
        self._add("numFmts", self._el("numFmt", numFmtId=str(new), formatCode=code))
        return new

    def _base_font(self) -> etree._Element | None:
        fonts = self._entries("fonts")
        return fonts[0] if fonts else None

    def _font(self, look: dict) -> int:
        font = self._el("font")
        for flag, tag in (("bold", "b"), ("italic", "i"), ("underline", "u")):
            if look.get(flag):
                font.append(self._el(tag))
        base = self._base_font()
        base_size = base.find(_q(self.ns, "sz")) if base is not None else None
        size = look.get("size") or (base_size.get("val") if base_size is not None else "11")
        font.append(self._el("sz", val=str(size)))
        if look.get("colour"):
            font.append(self._el("color", rgb="FF" + look["colour"]))
        copied = False
        for tag in ("name", "family", "charset", "scheme"):
            el = base.find(_q(self.ns, tag)) if base is not None else None
            if el is not None:
                font.append(self._el(tag, **dict(el.attrib)))
                copied = True
        if not copied:
            font.append(self._el("name", val="Calibri"))
        return self._add("fonts", font)

    def _solid_fill(self, rgb: str) -> int:
        fill = self._el("fill")
        pattern = etree.SubElement(fill, _q(self.ns, "patternFill"), patternType="solid")
        etree.SubElement(pattern, _q(self.ns, "fgColor"), rgb="FF" + rgb)
        etree.SubElement(pattern, _q(self.ns, "bgColor"), indexed="64")
        return self._add("fills", fill)

    def _border(self, thin: bool) -> int:
        border = self._el("border")
        for side in ("left", "right", "top", "bottom"):
            el = etree.SubElement(border, _q(self.ns, side))
            if thin:
                el.set("style", "thin")
                etree.SubElement(el, _q(self.ns, "color"), rgb="FF" + BORDER_COLOUR)
        etree.SubElement(border, _q(self.ns, "diagonal"))
        return self._add("borders", border)

    def named(self, name: str, fmt: str | None = None) -> int:
        """The cellXfs index for one of ehxl's named styles (optionally with another number format)."""
        key = (name, fmt)
        if key in self._cache:
            return self._cache[key]
        if name not in LOOKS:
            raise ValueError(f"unknown sheet style {name!r}; use one of {', '.join(STYLES)}")
        look = LOOKS[name]
        code = fmt or look.get("fmt")
        xf = self._el("xf", numFmtId=str(self.number_format(code) if code else 0),
                      fontId=str(self._font(look)),
                      fillId=str(self._solid_fill(look["fill"]) if look.get("fill") else 0),
                      borderId=str(self._border(look.get("border", True))))
        if self._entries("cellStyleXfs"):
            xf.set("xfId", "0")
        for flag in ("applyNumberFormat", "applyFont", "applyFill", "applyBorder", "applyAlignment"):
            xf.set(flag, "1")
        align = self._el("alignment")
        if look.get("valign"):
            align.set("vertical", look["valign"])
        if look.get("wrap"):
            align.set("wrapText", "1")
        xf.append(align)
        index = self._cache[key] = self._add("cellXfs", xf)
        return index

    def flagged(self, s: int) -> int:
        """A cellXfs index like ``s`` but with the overdue look: pale red fill, dark red bold font."""
        xfs = self._entries("cellXfs")
        if not xfs:
            return s
        base = xfs[s] if 0 <= s < len(xfs) else xfs[0]
        fonts = self._entries("fonts")
        font_id = int(base.get("fontId", "0") or 0)
        font = etree.fromstring(etree.tostring(fonts[font_id])) if font_id < len(fonts) else self._el("font")
        for child in list(font):
            if isinstance(child.tag, str) and etree.QName(child).localname in ("b", "color"):
                font.remove(child)
        font.insert(0, self._el("b"))
        colour = self._el("color", rgb="FF" + FLAG_FONT)
        tail = [c for c in font if isinstance(c.tag, str)
                and etree.QName(c).localname in ("name", "family", "charset", "scheme")]
        if tail:
            tail[0].addprevious(colour)
        else:
            font.append(colour)
        xf = etree.fromstring(etree.tostring(base))
        xf.set("fontId", str(self._add("fonts", font)))
        xf.set("fillId", str(self._solid_fill(FLAG_FILL)))
        xf.set("applyFont", "1")
        xf.set("applyFill", "1")
        return self._add("cellXfs", xf)


# ------------------------------------------------------------------ rendering a SheetSpec



def _serial(value: dt.date | dt.datetime, date1904: bool) -> float | None:
    """Excel's serial number for a date (None before 1900, which Excel cannot show)."""
    if isinstance(value, dt.datetime):
        value = value.replace(tzinfo=None)
        moment = value
    else:
        moment = dt.datetime(value.year, value.month, value.day)
    epoch = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    if moment < (epoch if date1904 else dt.datetime(1900, 1, 1)):
        return None
    delta = moment - epoch
    serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
    if not date1904 and moment < dt.datetime(1900, 3, 1):
        serial -= 1   # Excel counts a 29 Feb 1900 that never was
    return serial


def _number(value: float | int) -> str:
    if isinstance(value, int):
        return str(value)
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def url_links(spec: SheetSpec) -> list[tuple[str, str]]:
    """(cell, URL) of each link that leaves the workbook: these need a relationship.

    A link into another workbook (a board pack's link to a team's cell) has the
    file, relative to this one, as its target and the cell as its location.
    """
    return [(a1(r, c), _file_target(cell.target) if cell.target else cell.link)
            for r, row in enumerate(spec.rows, start=1) for c, cell in enumerate(row, start=1)
            if cell is not None and cell.link and (cell.target or is_url(cell.link))]


def _file_target(path: str) -> str:
    """A relative file path as a relationship target: a URI, so spaces and the like are %-escaped."""
    return quote(path, safe="/()'!,;=&~-._:")


def _cell_xml(ref: str, value: object, style: str, xf: Callable[[str, str | None], int],
              date1904: bool) -> str:
    """One ``<c>``: text inline (never a formula), numbers, dates as serials, booleans."""
    if isinstance(value, bool):
        return f'<c r="{ref}" s="{xf(style, None)}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (decimal.Decimal, fractions.Fraction)):
        value = float(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return f'<c r="{ref}" s="{xf(style, None)}" t="e"><v>#NUM!</v></c>'
        return f'<c r="{ref}" s="{xf(style, None)}"><v>{_number(value)}</v></c>'
    if isinstance(value, dt.time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return f'<c r="{ref}" s="{xf(style, date_format(value, style))}"><v>{_number(seconds / 86400)}</v></c>'
    if isinstance(value, dt.date):
        serial = _serial(value, date1904)
        if serial is not None:
            return f'<c r="{ref}" s="{xf(style, date_format(value, style))}"><v>{_number(serial)}</v></c>'
        value = value.isoformat()
    text = "" if value is None else clean_text(str(value))
    if not text:                                  # an empty string is an empty cell, as in Excel
        return f'<c r="{ref}" s="{xf(style, None)}"/>'
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}" s="{xf(style, None)}" t="inlineStr"><is><t{space}>{_esc(text)}</t></is></c>'


def _header_text(page_header: str) -> str:
    """A centred page header; ``&`` doubled (a lone one starts a header code), within Excel's 255 characters."""
    text = clean_text(page_header, MAX_HEADER).replace("&", "&&")
    text = text[:MAX_HEADER - 2]
    if (len(text) - len(text.rstrip("&"))) % 2:
        text = text[:-1]
    return "&C" + text


def render_sheet(spec: SheetSpec, xf: Callable[[str, str | None], int], *, date1904: bool = False,
                 drawing_rid: str | None = None, link_rids: dict[str, str] | None = None,
                 legacy_rid: str | None = None, code_name: str | None = None) -> bytes:
    """The worksheet part for ``spec``, children in the order Excel's schema requires.

    ``link_rids`` gives the relationship id of each cell whose link is a URL;
    ``legacy_rid`` that of the VML drawing holding ehxl's buttons, and
    ``code_name`` the sheet's VBA name, both kept when a sheet is refreshed.
    """
    link_rids = link_rids or {}
    rows_xml: list[str] = []
    links: list[tuple[str, str, str]] = []   # (cell, location or url, display)
    max_row = max_col = 0
    for r, row in enumerate(spec.rows, start=1):
        cells = []
        for c, cell in enumerate(row, start=1):
            if cell is None:
                continue
            ref = a1(r, c)
            cells.append(_cell_xml(ref, cell.value, cell.style, xf, date1904))
            max_row, max_col = max(max_row, r), max(max_col, c)
            if cell.link:
                links.append((ref, cell.link, clean_text(str(cell.value if cell.value is not None else ""), 255),
                              cell.target))
        if cells:
            lines = row_lines(spec, row)
            height = f' ht="{min(409, 15 * lines)}" customHeight="1"' if lines > 1 else ""
            rows_xml.append(f'<row r="{r}"{height}>{"".join(cells)}</row>')
    out = [f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{R_NS}">']
    sheet_pr = ""
    if spec.tab_colour:
        sheet_pr += f'<tabColor rgb="FF{spec.tab_colour.upper().lstrip("#")[-6:]}"/>'
    if spec.fit_to_width:
        sheet_pr += '<pageSetUpPr fitToPage="1"/>'
    code = f' codeName="{_esc(code_name)}"' if code_name else ""
    if sheet_pr or code:
        out.append(f"<sheetPr{code}>{sheet_pr}</sheetPr>" if sheet_pr else f"<sheetPr{code}/>")
    out.append(f'<dimension ref="{"A1" if not max_row else "A1:" + a1(max_row, max_col)}"/>')
    view = '<sheetView workbookViewId="0">'
    if spec.freeze_row and spec.freeze_row > 1:
        top = f"A{spec.freeze_row}"
        view += (f'<pane ySplit="{spec.freeze_row - 1}" topLeftCell="{top}" activePane="bottomLeft" '
                 f'state="frozen"/><selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>')
    out.append(f"<sheetViews>{view}</sheetView></sheetViews>")
    out.append('<sheetFormatPr defaultRowHeight="15"/>')
    if spec.widths:
        cols = "".join(f'<col min="{c}" max="{c}" width="{_number(min(255.0, max(0.0, float(w))))}" '
                       f'customWidth="1"/>' for c, w in sorted(spec.widths.items()))
        out.append(f"<cols>{cols}</cols>")
    out.append(f"<sheetData>{''.join(rows_xml)}</sheetData>" if rows_xml else "<sheetData/>")
    if spec.autofilter:
        out.append(f'<autoFilter ref="{_esc(spec.autofilter.replace("$", ""))}"/>')
    if links:
        items = []
        for ref, target, display, other_file in links:
            if other_file:
                items.append(f'<hyperlink ref="{ref}" r:id="{link_rids[ref]}" location="{_esc(target.lstrip("#"))}" '
                             f'display="{_esc(display)}"/>')
            elif is_url(target):
                items.append(f'<hyperlink ref="{ref}" r:id="{link_rids[ref]}" display="{_esc(display)}"/>')
            else:
                items.append(f'<hyperlink ref="{ref}" location="{_esc(target.lstrip("#"))}" '
                             f'display="{_esc(display)}"/>')
        out.append(f"<hyperlinks>{''.join(items)}</hyperlinks>")
    out.append('<printOptions horizontalCentered="1"/>')
    out.append('<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>')
    fit = ' fitToWidth="1" fitToHeight="0"' if spec.fit_to_width else ""
    out.append(f'<pageSetup paperSize="9" orientation="{"landscape" if spec.landscape else "portrait"}"{fit}/>')
    header = f"<oddHeader>{_esc(_header_text(spec.page_header))}</oddHeader>" if spec.page_header else ""
    out.append(f"<headerFooter>{header}<oddFooter>&amp;CPage &amp;P of &amp;N</oddFooter></headerFooter>")
    if drawing_rid:
        out.append(f'<drawing r:id="{drawing_rid}"/>')
    if legacy_rid:
        out.append(f'<legacyDrawing r:id="{legacy_rid}"/>')
    out.append("</worksheet>")
    return _DECLARATION + "".join(out).encode("utf-8")


def _state_xml(rows: list[list[object]], code_name: str | None = None) -> bytes:
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
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{_esc(clean_text(str(value)))}</t></is></c>')
        body.append(f'<row r="{r}">{"".join(cells)}</row>')
    pr = f'<sheetPr codeName="{_esc(code_name)}"/>' if code_name else ""
    return _DECLARATION + (f'<worksheet xmlns="{MAIN_NS}">{pr}<sheetData>{"".join(body)}</sheetData>'
                           '</worksheet>').encode("utf-8")


# ------------------------------------------------------------------ charts

_SERIES_COLOURS = {"green": "92D050", "amber": "FFC000", "red": "FF0000", "blue": "00B0F0", "grey": "BFBFBF",
                   "gray": "BFBFBF"}


def _spec_range(spec: SheetSpec, ref: str) -> list[object] | None:
    """The values a range in the spec's own sheet holds, for a chart's cache (None for other sheets)."""
    try:
        sheet, (r1, c1, r2, c2) = split_ref(ref)
    except ValueError:
        return None
    if sheet.casefold() != spec.name.casefold():
        return None
    values = []
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            row = spec.rows[r - 1] if r - 1 < len(spec.rows) else []
            cell = row[c - 1] if c - 1 < len(row) else None
            values.append(cell.value if cell is not None else None)
    return values


def _rich(text: str, size: int | None = None) -> str:
    sz = f' sz="{size}"' if size else ""
    return (f'<c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr b="1"{sz}/></a:pPr>'
            f'<a:r><a:rPr lang="en-GB" b="1"{sz}/><a:t>{_esc(clean_text(text, 255))}</a:t></a:r></a:p></c:rich>'
            '</c:tx><c:overlay val="0"/>')


def _series_xml(spec: SheetSpec, chart: Chart, i: int) -> str:
    s = chart.series[i]
    out = [f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/><c:tx><c:v>{_esc(clean_text(s.name, 255))}</c:v></c:tx>']
    colour = next((rgb for word, rgb in _SERIES_COLOURS.items() if word in s.name.casefold().split()), None)
    if chart.kind == "line":
        fill = f'<a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>' if colour else ""
        out.append(f'<c:spPr><a:ln w="28575" cap="rnd">{fill}<a:round/></a:ln></c:spPr>'
                   '<c:marker><c:symbol val="circle"/><c:size val="5"/></c:marker>')
    else:
        if colour:
            out.append(f'<c:spPr><a:solidFill><a:srgbClr val="{colour}"/></a:solidFill></c:spPr>')
        out.append('<c:invertIfNegative val="0"/>')
    cats = _spec_range(spec, s.categories)
    cache = ""
    if cats is not None:
        pts = "".join(f'<c:pt idx="{k}"><c:v>{_esc(clean_text(_category_text(v), 255))}</c:v></c:pt>'
                      for k, v in enumerate(cats) if v is not None)
        cache = f'<c:strCache><c:ptCount val="{len(cats)}"/>{pts}</c:strCache>'
    out.append(f"<c:cat><c:strRef><c:f>{_esc(s.categories)}</c:f>{cache}</c:strRef></c:cat>")
    vals = _spec_range(spec, s.values)
    cache = ""
    if vals is not None:
        pts = "".join(f'<c:pt idx="{k}"><c:v>{_number(v)}</c:v></c:pt>' for k, v in enumerate(vals)
                      if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v))
        cache = f'<c:numCache><c:formatCode>General</c:formatCode><c:ptCount val="{len(vals)}"/>{pts}</c:numCache>'
    out.append(f"<c:val><c:numRef><c:f>{_esc(s.values)}</c:f>{cache}</c:numRef></c:val>")
    if chart.kind == "line":
        out.append('<c:smooth val="0"/>')
    out.append("</c:ser>")
    return "".join(out)


def _category_text(value: object) -> str:
    if isinstance(value, dt.date):
        return f"{value.day} {value:%b %Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def render_chart(spec: SheetSpec, chart: Chart) -> bytes:
    """A chart part: a line, clustered column or 100% stacked bar chart with a title and a legend."""
    if chart.kind not in ("line", "column", "bar_stacked_100"):
        raise ValueError(f"unknown chart kind {chart.kind!r}; use line, column or bar_stacked_100")
    series = "".join(_series_xml(spec, chart, i) for i in range(len(chart.series)))
    axes = '<c:axId val="500000001"/><c:axId val="500000002"/>'
    if chart.kind == "line":
        plot = (f'<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>{series}'
                f'<c:marker val="1"/>{axes}</c:lineChart>')
    elif chart.kind == "column":
        plot = (f'<c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/>{series}'
                f'<c:gapWidth val="150"/>{axes}</c:barChart>')
    else:
        plot = (f'<c:barChart><c:barDir val="bar"/><c:grouping val="percentStacked"/><c:varyColors val="0"/>'
                f'{series}<c:gapWidth val="60"/><c:overlap val="100"/>{axes}</c:barChart>')
    horizontal = chart.kind == "bar_stacked_100"
    y_title = f"<c:title>{_rich(chart.y_title, 1000)}</c:title>" if chart.y_title else ""
    val_fmt = ('<c:numFmt formatCode="0%" sourceLinked="0"/>' if horizontal
               else '<c:numFmt formatCode="General" sourceLinked="1"/>')
    cat_ax = ('<c:catAx><c:axId val="500000001"/><c:scaling><c:orientation val="'
              + ("maxMin" if horizontal else "minMax") + '"/></c:scaling><c:delete val="0"/>'
              f'<c:axPos val="{"l" if horizontal else "b"}"/><c:numFmt formatCode="General" sourceLinked="1"/>'
              '<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
              '<c:crossAx val="500000002"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/>'
              '<c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>')
    val_ax = ('<c:valAx><c:axId val="500000002"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
              f'<c:delete val="0"/><c:axPos val="{"b" if horizontal else "l"}"/><c:majorGridlines/>{y_title}'
              f'{val_fmt}<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
              '<c:crossAx val="500000001"/><c:crosses val="' + ("max" if horizontal else "autoZero")
              + '"/><c:crossBetween val="between"/></c:valAx>')
    xml = (f'<c:chartSpace xmlns:c="{C_NS}" xmlns:a="{A_NS}" xmlns:r="{R_NS}"><c:roundedCorners val="0"/>'
           f'<c:chart><c:title>{_rich(chart.title, 1400)}</c:title><c:autoTitleDeleted val="0"/>'
           f'<c:plotArea><c:layout/>{plot}{cat_ax}{val_ax}</c:plotArea>'
           '<c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend><c:plotVisOnly val="1"/>'
           '<c:dispBlanksAs val="gap"/></c:chart></c:chartSpace>')
    return _DECLARATION + xml.encode("utf-8")


def render_drawing(charts: list[Chart], chart_rids: list[str]) -> bytes:
    """The drawing part placing each chart over its anchor cell and size."""
    anchors = []
    for n, (chart, rid) in enumerate(zip(charts, chart_rids), start=1):
        row, col = split_a1(chart.anchor)
        cols, rows = chart.size
        anchors.append(
            '<xdr:twoCellAnchor editAs="oneCell">'
            f'<xdr:from><xdr:col>{col - 1}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{row - 1}</xdr:row>'
            '<xdr:rowOff>0</xdr:rowOff></xdr:from>'
            f'<xdr:to><xdr:col>{col - 1 + cols}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{row - 1 + rows}'
            '</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>'
            f'<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="{n + 1}" '
            f'name="Chart {n}" descr="{_esc(clean_text(chart.title, 255))}"/><xdr:cNvGraphicFramePr/>'
            '</xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
            f'<a:graphic><a:graphicData uri="{C_NS}"><c:chart xmlns:c="{C_NS}" r:id="{rid}"/></a:graphicData>'
            '</a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor>')
    xml = f'<xdr:wsDr xmlns:xdr="{XDR_NS}" xmlns:a="{A_NS}" xmlns:r="{R_NS}">{"".join(anchors)}</xdr:wsDr>'
    return _DECLARATION + xml.encode("utf-8")


def _rels_xml(rels: list[tuple[str, str, str, bool]]) -> bytes:
    items = "".join(f'<Relationship Id="{rid}" Type="{typ}" Target="{_esc(target)}"'
                    + (' TargetMode="External"' if external else "") + "/>"
                    for rid, typ, target, external in rels)
    return _DECLARATION + f'<Relationships xmlns="{PKG_REL_NS}">{items}</Relationships>'.encode("utf-8")


# ------------------------------------------------------------------ records

@dataclass(frozen=True, order=True)
class _Flag:
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
class _State:
    owned: dict[int, str] = field(default_factory=dict)      # sheetId -> name
    flags: list[_Flag] = field(default_factory=list)
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
    def from_rows(cls, rows: list[list[object]]) -> "_State":
        state = cls()
        for row in rows[2:]:
            row = (row + [None] * 6)[:6]
            kind, sheet, sid = row[0], row[1], _int(row[2])
            if kind == "sheet" and sheet and sid is None:
                state.by_name.append(str(sheet))       # recorded by the Excel buttons, which cannot see sheetIds
            elif kind == "sheet" and sheet and sid is not None:
                state.owned[sid] = str(sheet)
            elif kind == "flag" and sheet and sid is not None and row[3] and _int(row[5]) is not None:
                r, c = split_a1(str(row[3]))
                original = _int(row[4])
                state.flags.append(_Flag(sid, r, c, str(sheet), None if original is None else str(original),
                                         str(_int(row[5]))))
        return state


def _int(value: object) -> int | None:
    try:
        return int(float(str(value)))
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------------ the writer

@dataclass(frozen=True)
class _Sheet:
    name: str
    sheet_id: int
    rid: str
    part: str | None
    state: str
    kind: str
    index: int


@dataclass(frozen=True)
class _Kept:
    code_name: str | None
    buttons: str | None        # the VML part holding ehxl's buttons


#: CT_Worksheet's children in schema order (what may follow which), for inserting into a staff sheet.
_WORKSHEET_ORDER = (
    "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr", "sheetProtection",
    "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate", "customSheetViews",
    "mergeCells", "phoneticPr", "conditionalFormatting", "dataValidations", "hyperlinks", "printOptions",
    "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks", "customProperties", "cellWatches",
    "ignoredErrors", "smartTags", "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture",
    "oleObjects", "controls", "webPublishItems", "tableParts", "extLst")
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _child_rank(el: etree._Element) -> int:
    """Where a worksheet child stands in the schema (an mc:AlternateContent by what it wraps)."""
    name = etree.QName(el).localname
    if etree.QName(el).namespace == MC_NS:
        inner = next((c for branch in el for c in branch if isinstance(c.tag, str)), None)
        name = etree.QName(inner).localname if inner is not None else "extLst"
    return _WORKSHEET_ORDER.index(name) if name in _WORKSHEET_ORDER else len(_WORKSHEET_ORDER)


def _insert_in_order(root: etree._Element, el: etree._Element) -> None:
    rank = _WORKSHEET_ORDER.index(etree.QName(el).localname)
    following = next((c for c in root if isinstance(c.tag, str) and _child_rank(c) > rank), None)
    if following is not None:
        following.addprevious(el)
    else:
        root.append(el)


def _code_name(root: etree._Element) -> str | None:
    """A sheet's (or the workbook's) VBA code name, if Excel has given it one."""
    ns = etree.QName(root).namespace
    pr = root.find(_q(ns, "sheetPr"))
    if pr is None:
        pr = root.find(_q(ns, "workbookPr"))
    return pr.get("codeName") if pr is not None else None


def _geometry(root: etree._Element) -> Geometry:
    """Column widths and top-row heights of a sheet, and the first free column right of what it uses."""
    ns = etree.QName(root).namespace
    fmt = root.find(_q(ns, "sheetFormatPr"))
    default_w = _float(fmt.get("defaultColWidth")) if fmt is not None else None
    if default_w is None:        # Excel: base width in digits plus 5 pixels of padding, rounded up to 8 pixels
        base = (_float(fmt.get("baseColWidth")) if fmt is not None else None) or 8
        default_w = math.ceil((base * 7 + 5) / 8) * 8 / 7
    default_h = (_float(fmt.get("defaultRowHeight")) if fmt is not None else None) or 15
    last_col = 0
    dim = root.find(_q(ns, "dimension"))
    if dim is not None and dim.get("ref"):
        last_col = split_a1(dim.get("ref").split(":")[-1].replace("$", ""))[1]
    heights: list[int] = []
    data = root.find(_q(ns, "sheetData"))
    for n, row in enumerate(data if data is not None else []):
        r = _int(row.get("r")) or n + 1
        if r > 400:
            break
        while len(heights) < r - 1:
            heights.append(row_px(default_h))
        ht = _float(row.get("ht"))
        heights.append(0 if row.get("hidden") in ("1", "true") else row_px(ht if ht is not None else default_h))
        for c in row:
            ref = c.get("r")
            if ref:
                last_col = max(last_col, split_a1(ref)[1])
    merges = root.find(_q(ns, "mergeCells"))
    for m in merges if merges is not None else []:
        ref = m.get("ref", "")
        if ref:
            last_col = max(last_col, split_a1(ref.split(":")[-1])[1])
    widths = [column_px(default_w)] * (last_col + 8)
    cols = root.find(_q(ns, "cols"))
    for col in cols if cols is not None else []:
        lo, hi, w = _int(col.get("min")), _int(col.get("max")), _float(col.get("width"))
        if lo is None or hi is None:
            continue
        for i in range(lo - 1, min(hi, len(widths))):
            widths[i] = 0 if col.get("hidden") in ("1", "true") else column_px(w if w is not None else default_w)
    return Geometry(first_col=last_col + 1, col_px=tuple(widths), row_px=tuple(heights))


def _float(value: object) -> float | None:
    try:
        return float(str(value)) if value is not None else None
    except ValueError:
        return None


_BAD_NAME = re.compile(r"[\[\]:*?/\\]")


def check_sheet_name(name: str) -> None:
    """Excel's rules for a sheet name (ehxl's own names must keep them)."""
    if not name or len(name) > 31 or _BAD_NAME.search(name) or name[0] == "'" or name[-1] == "'" \
            or name.casefold() == "history":
        raise ValueError(f"{name!r} is not a sheet name Excel accepts")


class WorkbookWriter:
    """ehxl's writes into one staff workbook: its own sheets, overdue flags, and the records of both.

    Nothing reaches the file until :meth:`save`; after a save the writer works on
    the file as saved.
    """

    def __init__(self, pkg: Package):
        self._start(pkg)

    def _start(self, pkg: Package) -> None:
        self.pkg = pkg
        self._s = _Session(pkg)
        self._wb = pkg.workbook_part
        self._styles: _Styles | None = None
        self._state = _State() if pkg.strict else self._load_state()
        self._state_dirty = False

    # -- reading

    def _sheets(self) -> list[_Sheet]:
        root = self._s.tree(self._wb).getroot()
        ns = etree.QName(root).namespace
        rels = {rid: (typ, target) for rid, typ, target, ext in self._s.rels(self._wb) if not ext}
        out = []
        sheets = root.find(_q(ns, "sheets"))
        elements = [el for el in (sheets if sheets is not None else []) if isinstance(el.tag, str)]
        for i, el in enumerate(elements):
            rid = el.get(_q(R_NS, "id")) or ""
            typ, target = rels.get(rid, ("", None))
            kind = typ.rsplit("/", 1)[-1].replace("xlMacrosheet", "macrosheet").replace("xlIntlMacrosheet",
                                                                                          "macrosheet")
            out.append(_Sheet(el.get("name", ""), _int(el.get("sheetId")) or 0, rid, target,
                              el.get("state", "visible"), kind, i))
        return out

    def _sheet(self, name: str) -> _Sheet | None:
        folded = name.casefold()
        return next((s for s in self._sheets() if s.name.casefold() == folded), None)

    def _load_state(self) -> _State:
        sheet = self._sheet(OWNED_STATE_SHEET)
        if sheet is None or not sheet.part or not self._s.has(sheet.part):
            return _State()
        rows = _read_rows(self._s.tree(sheet.part).getroot(), self._shared_strings)
        if not rows or not rows[0] or rows[0][0] != STATE_MARKER:
            return _State()
        state = _State.from_rows(rows)
        if state.by_name:
            wanted = {n.casefold() for n in state.by_name}
            for s in self._sheets():
                if s.name.casefold() in wanted:
                    state.owned.setdefault(s.sheet_id, s.name)
        return state

    def _shared_strings(self) -> list[str]:
        parts = self._s.related(self._wb, RT_SHARED_STRINGS)
        if not parts or not self._s.has(parts[0]):
            return []
        root = self._s.tree(parts[0]).getroot()
        ns = etree.QName(root).namespace
        out = []
        for si in root.iterchildren(_q(ns, "si")):
            out.append("".join(t.text or "" for t in si.iter(_q(ns, "t"))
                               if etree.QName(t.getparent()).localname != "rPh"))
        return out

    def sheet_names(self) -> list[str]:
        """Every sheet of the workbook (worksheets, chart sheets, macro sheets), in tab order."""
        return [s.name for s in self._sheets()]

    def owned_sheets(self) -> list[str]:
        """Sheets ehxl created (from the records), by their current names."""
        return [s.name for s in self._sheets() if self._owns(s)]

    def _owns(self, sheet: _Sheet) -> bool:
        name = self._state.owned.get(sheet.sheet_id)
        return name is not None and name.casefold() == sheet.name.casefold()

    def flagged(self) -> dict[str, set[str]]:
        """Cells ehxl has flagged, by the sheet's current name."""
        names = {s.sheet_id: s.name for s in self._sheets()}
        out: dict[str, set[str]] = {}
        for f in self._state.flags:
            out.setdefault(names.get(f.sheet_id, f.sheet), set()).add(f.cell)
        return out

    # -- guards

    def _require_writable(self) -> None:
        if self.pkg.strict:
            raise WorkbookRefused("is saved as Strict Open XML; save it as a normal Excel Workbook "
                                  "(File > Save As > Excel Workbook) and run ehxl again.", path=self.pkg.path)

    def _state_sheet_usable(self) -> None:
        sheet = self._sheet(OWNED_STATE_SHEET)
        if sheet is None or not sheet.part:
            return
        rows = _read_rows(self._s.tree(sheet.part).getroot(), self._shared_strings) if self._s.has(sheet.part) \
            else []
        if not rows or not rows[0] or rows[0][0] != STATE_MARKER:
            raise WorkbookRefused(f'has a sheet named "{sheet.name}" that ehxl did not create; ehxl keeps its '
                                  'records in a sheet of that name. Rename that sheet and run ehxl again.',
                                  path=self.pkg.path)

    @property
    def styles(self) -> _Styles:
        if self._styles is None:
            self._styles = _Styles(self._s, self._wb)
        return self._styles

    def _date1904(self) -> bool:
        root = self._s.tree(self._wb).getroot()
        pr = root.find(_q(etree.QName(root).namespace, "workbookPr"))
        return pr is not None and pr.get("date1904", "0").lower() in ("1", "true")

    # -- sheets

    def put_sheet(self, spec: SheetSpec) -> None:
        """Add ehxl's sheet ``spec.name`` at the end, or replace it where it is if ehxl created it."""
        self._require_writable()
        check_sheet_name(spec.name)
        if spec.name.casefold() == OWNED_STATE_SHEET.casefold():
            raise ValueError(f"{OWNED_STATE_SHEET!r} is the name of ehxl's records sheet")
        self._state_sheet_usable()
        existing = self._sheet(spec.name)
        if existing is not None and not self._owns(existing):
            raise WorkbookRefused(
                f'already has a sheet named "{existing.name}" that ehxl did not create, and ehxl will not '
                f'overwrite it. Rename your sheet (for example to "{existing.name[:23]} (team)") and run '
                "ehxl again.", path=self.pkg.path)
        keep = None
        if existing is not None and existing.part:
            sheet = existing
            keep = self._kept_on_refresh(sheet.part)
            self._drop_dependants(sheet.part, keep={keep.buttons} if keep.buttons else set())
            self._drop_calc_chain_entries(sheet.sheet_id)
        else:
            present = {s.sheet_id for s in self._sheets()}
            self._state.owned = {sid: n for sid, n in self._state.owned.items() if sid in present}
            sheet = self._add_sheet(spec.name)
            self._state.owned[sheet.sheet_id] = spec.name
            self._state_dirty = True
        self._write_sheet(sheet, spec, keep)
        self._set_sheet_names(sheet, spec)

    def _structure_locked(self) -> bool:
        root = self._s.tree(self._wb).getroot()
        protection = root.find(_q(etree.QName(root).namespace, "workbookProtection"))
        return protection is not None and protection.get("lockStructure", "0").lower() in ("1", "true")

    def _add_sheet(self, name: str, state: str = "visible") -> _Sheet:
        """Append a new worksheet at the end of the workbook: part, relationship, <sheet>, app.xml title."""
        if self._structure_locked():
            raise WorkbookRefused("has its structure protected (Review > Protect Workbook), so ehxl will not add "
                                  "sheets to it. Turn that protection off in Excel, run ehxl, then turn it back on.",
                                  path=self.pkg.path)
        sheets = self._sheets()
        folder = posixpath.dirname(self._wb)
        existing_parts = [s.part for s in sheets if s.kind == "worksheet" and s.part]
        sheet_folder = posixpath.dirname(existing_parts[0]) if existing_parts \
            else posixpath.join(folder, "worksheets")
        part = self._s.free_name(posixpath.join(sheet_folder, "sheet{}.xml"))
        self._s.put(part, _state_xml([]), CT_WORKSHEET)
        rid = self._s.add_rel(self._wb, RT_WORKSHEET, part)
        root = self._s.edit(self._wb)
        ns = etree.QName(root).namespace
        container = root.find(_q(ns, "sheets"))
        sheet_id = 1 + max((s.sheet_id for s in sheets), default=0)
        el = etree.SubElement(container, _q(ns, "sheet"))
        el.set("name", name)
        el.set("sheetId", str(sheet_id))
        if state != "visible":
            el.set("state", state)
        el.set(_q(R_NS, "id"), rid)
        self._add_app_title(name, [s.name for s in sheets if s.kind == "worksheet"])
        return _Sheet(name, sheet_id, rid, part, state, "worksheet", len(sheets))

    def _kept_on_refresh(self, part: str) -> "_Kept":
        """What an ehxl sheet keeps when it is rendered anew: its VBA name and ehxl's buttons on it."""
        if not self._s.has(part):
            return _Kept(None, None)
        return _Kept(_code_name(self._s.tree(part).getroot()), self._button_drawing(part))

    def _button_drawing(self, part: str) -> str | None:
        """The VML drawing of ``part`` that holds ehxl's buttons (and nothing of anyone else's)."""
        for vml in self._s.related(part, RT_VML):
            if self._s.has(vml) and MACRO_MARK in self._s.read(vml) and not self._s.rels(vml):
                return vml
        return None

    def _write_sheet(self, sheet: _Sheet, spec: SheetSpec, keep: "_Kept | None" = None) -> None:
        part = sheet.part
        keep = keep or _Kept(None, None)
        rels: list[tuple[str, str, str, bool]] = []
        drawing_rid = None
        if spec.charts:
            folder = posixpath.dirname(self._wb)
            drawing = self._s.free_name(posixpath.join(folder, "drawings", "drawing{}.xml"))
            chart_rels = []
            for n, chart in enumerate(spec.charts, start=1):
                chart_part = self._s.free_name(posixpath.join(folder, "charts", "chart{}.xml"))
                self._s.put(chart_part, render_chart(spec, chart), CT_CHART)
                chart_rels.append((f"rId{n}", RT_CHART, _relative(drawing, chart_part), False))
            self._s.put(drawing, render_drawing(spec.charts, [r[0] for r in chart_rels]), CT_DRAWING)
            self._s.put(_rels_name(drawing), _rels_xml(chart_rels), CT_RELS)
            drawing_rid = "rId1"
            rels.append((drawing_rid, RT_DRAWING, _relative(part, drawing), False))
        link_rids = {}
        for ref, url in url_links(spec):
            link_rids[ref] = f"rId{len(rels) + 1}"
            rels.append((link_rids[ref], RT_HYPERLINK, url, True))
        legacy_rid = None
        if keep.buttons:
            legacy_rid = f"rId{len(rels) + 1}"
            rels.append((legacy_rid, RT_VML, _relative(part, keep.buttons), False))
        xml = render_sheet(spec, self.styles.named, date1904=self._date1904(), drawing_rid=drawing_rid,
                           link_rids=link_rids, legacy_rid=legacy_rid, code_name=keep.code_name)
        self._s.put(part, xml, CT_WORKSHEET)
        if rels:
            self._s.put(_rels_name(part), _rels_xml(rels), CT_RELS)
        elif self._s.has(_rels_name(part)):
            self._s.delete(_rels_name(part))

    def _set_sheet_names(self, sheet: _Sheet, spec: SheetSpec) -> None:
        """The filter-database and print-titles names of an ehxl sheet (added, updated or removed)."""
        quoted = _quote_sheet(sheet.name)
        area = None
        if spec.autofilter:
            first, _, last = spec.autofilter.replace("$", "").partition(":")
            r1, c1 = split_a1(first)
            r2, c2 = split_a1(last or first)
            area = f"{quoted}!${column_letter(c1)}${r1}:${column_letter(c2)}${r2}"
        titles = None
        if spec.print_title_rows:
            top, bottom = spec.print_title_rows
            titles = f"{quoted}!${top}:${bottom}"
        self._set_local_name("_xlnm._FilterDatabase", sheet.index, area, hidden=True)
        self._set_local_name("_xlnm.Print_Titles", sheet.index, titles)

    def _set_local_name(self, name: str, index: int, value: str | None, *, hidden: bool = False) -> None:
        root = self._s.tree(self._wb).getroot()
        ns = etree.QName(root).namespace
        names = root.find(_q(ns, "definedNames"))
        current = None
        if names is not None:
            current = next((el for el in names.iterchildren(_q(ns, "definedName"))
                            if el.get("name", "").casefold() == name.casefold()
                            and el.get("localSheetId") == str(index)), None)
        if value is None:
            if current is not None:
                self._s.edit(self._wb)
                names.remove(current)
                if not len(names):
                    root.remove(names)
            return
        if current is not None:
            if current.text != value or (hidden and current.get("hidden") not in ("1", "true")):
                self._s.edit(self._wb)
                current.text = value
                if hidden:
                    current.set("hidden", "1")
            return
        self._s.edit(self._wb)
        if names is None:
            names = etree.Element(_q(ns, "definedNames"))
            anchor = None
            for child in root:
                if isinstance(child.tag, str) and etree.QName(child).localname in (
                        "sheets", "functionGroups", "externalReferences"):
                    anchor = child
            anchor.addnext(names)
        el = etree.SubElement(names, _q(ns, "definedName"))
        el.set("name", name)
        el.set("localSheetId", str(index))
        if hidden:
            el.set("hidden", "1")
        el.text = value

    def _add_app_title(self, name: str, worksheet_names: list[str]) -> None:
        """List a new sheet in docProps/app.xml's TitlesOfParts, in the group holding the worksheets."""
        parts = self._s.related("", RT_EXTENDED)
        if not parts or not self._s.has(parts[0]):
            return
        part = parts[0]
        root = self._s.tree(part).getroot()
        ns = etree.QName(root).namespace
        pairs_vec = root.find(f"{_q(ns, 'HeadingPairs')}/{_q(VT_NS, 'vector')}")
        titles_vec = root.find(f"{_q(ns, 'TitlesOfParts')}/{_q(VT_NS, 'vector')}")
        if pairs_vec is None or titles_vec is None:
            return
        titles = [t for t in titles_vec if isinstance(t.tag, str)]
        variants = [v for v in pairs_vec if isinstance(v.tag, str)]
        known = {n.casefold() for n in worksheet_names}
        start = 0
        for label, count in zip(variants[::2], variants[1::2]):
            number = count.find(_q(VT_NS, "i4"))
            if number is None or _int(number.text) is None:
                return
            size = _int(number.text)
            group = titles[start:start + size]
            if any((t.text or "").casefold() in known for t in group):
                self._s.edit(part)
                new = etree.Element(_q(VT_NS, "lpstr"))
                new.text = name
                if start + size < len(titles):
                    titles[start + size].addprevious(new)
                else:
                    titles_vec.append(new)
                number.text = str(size + 1)
                titles_vec.set("size", str(len(titles) + 1))
                return
            start += size

    def _drop_dependants(self, part: str, keep: set[str] = frozenset()) -> None:
        """Delete the drawings, charts and other parts only an ehxl sheet used (before it is rendered anew)."""
        candidates: set[str] = set()
        todo = [part]
        while todo:
            source = todo.pop()
            for _, _, target, external in self._s.rels(source):
                if not external and target not in candidates and target != part and self._s.has(target) \
                        and target != self._wb:
                    candidates.add(target)
                    todo.append(target)
        if not candidates:
            return
        referrers: dict[str, set[str]] = {}
        for rels in (n for n in self._s.names() if n.endswith(".rels")):
            folder = posixpath.dirname(posixpath.dirname(rels))
            source = posixpath.join(folder, posixpath.basename(rels)[:-5]) if posixpath.basename(rels) != ".rels" \
                else ""
            for _, _, target, external in self._s.rels(source):
                if not external:
                    referrers.setdefault(target, set()).add(source)
        removing = set(candidates)
        changed = True
        while changed:
            changed = False
            for name in list(removing):
                if referrers.get(name, set()) - removing - {part}:
                    removing.discard(name)
                    changed = True
        for name in sorted(removing - keep):
            self._s.delete(name)
            if self._s.has(_rels_name(name)):
                self._s.delete(_rels_name(name))

    def _drop_calc_chain_entries(self, sheet_id: int) -> None:
        """Drop calcChain entries for an ehxl sheet about to be replaced (it will hold no formulas)."""
        chains = self._s.related(self._wb, RT_CALC_CHAIN)
        if not chains or not self._s.has(chains[0]):
            return
        part = chains[0]
        root = self._s.tree(part).getroot()
        current, last_kept, dropped = None, None, False
        for c in list(root):
            if not isinstance(c.tag, str):
                continue
            current = c.get("i", current)
            if current == str(sheet_id):
                root.remove(c)
                dropped = True
            else:
                if current != last_kept and c.get("i") is None:
                    c.set("i", current)
                last_kept = current
        if not dropped:
            return
        self._s.edit(part)
        if not len(root):
            self._s.delete(part)
            rels = self._s.edit(_rels_name(self._wb))
            for rel in list(rels):
                if rel.get("Type") == RT_CALC_CHAIN:
                    rels.remove(rel)

    # -- flags

    def flag_cells(self, sheet: str, cells: Iterable[str]) -> int:
        """Make exactly these cells of a staff sheet flagged as overdue; returns how many cells changed."""
        wanted = {_norm_ref(c) for c in cells}
        target = self._sheet(sheet)
        if target is None:
            target = self._sheet_of_records(sheet)
        if target is None:
            if wanted:
                raise WorkbookRefused(f'has no sheet named "{sheet}" to flag overdue cells in.', path=self.pkg.path)
            dropped = [f for f in self._state.flags if f.sheet.casefold() == sheet.casefold()]
            if dropped:
                self._state.flags = [f for f in self._state.flags if f not in dropped]
                self._state_dirty = True
            return 0
        if wanted or any(f.sheet_id == target.sheet_id for f in self._state.flags):
            self._require_writable()
            self._state_sheet_usable()
        if self._owns(target) or target.name.casefold() == OWNED_STATE_SHEET.casefold():
            raise ValueError(f"{target.name!r} is ehxl's own sheet; flags go on staff sheets")
        if target.kind != "worksheet" or not target.part:
            if wanted:
                raise WorkbookRefused(f'cannot flag cells in "{target.name}": it is a {target.kind}, '
                                      "not a worksheet.", path=self.pkg.path)
            return 0
        return self._sync_flags(target, wanted)

    def _sheet_of_records(self, name: str) -> _Sheet | None:
        """A renamed staff sheet still found through the sheetId its records hold."""
        ids = {f.sheet_id for f in self._state.flags if f.sheet.casefold() == name.casefold()}
        return next((s for s in self._sheets() if s.sheet_id in ids), None)

    def _sync_flags(self, sheet: _Sheet, wanted: set[str]) -> int:
        records = {f.cell: f for f in self._state.flags if f.sheet_id == sheet.sheet_id}
        if not records and not wanted:
            return 0
        found = _find_cells(self._s.tree(sheet.part).getroot(), set(records) | wanted)
        changed = 0
        keep: list[_Flag] = []
        for ref, rec in records.items():
            c = found.get(ref)
            current = c.get("s") if c is not None else None
            if ref in wanted and c is not None and _int(current or 0) == _int(rec.applied):
                keep.append(rec if rec.sheet == sheet.name else _Flag(rec.sheet_id, rec.row, rec.col, sheet.name,
                                                                       rec.original, rec.applied))
                continue
            if c is not None and ref not in wanted and _int(current or 0) == _int(rec.applied):
                if self._set_style(sheet.part, c, ref, rec.original):
                    changed += 1
        for ref in sorted(wanted - {f.cell for f in keep}, key=split_a1):
            c = found.get(ref)
            if c is None:
                continue
            original = c.get("s")
            applied = str(self.styles.flagged(_int(original or 0) or 0))
            if self._set_style(sheet.part, c, ref, applied):
                changed += 1
            row, col = split_a1(ref)
            keep.append(_Flag(sheet.sheet_id, row, col, sheet.name, original, applied))
        before = sorted(records.values())
        others = [f for f in self._state.flags if f.sheet_id != sheet.sheet_id]
        self._state.flags = others + sorted(keep)
        if sorted(keep) != before:
            self._state_dirty = True
        return changed

    def _set_style(self, part: str, c: etree._Element, ref: str, style: str | None) -> bool:
        if c.get("s") == style or (style is None and c.get("s") is None):
            return False
        if style is None:
            del c.attrib["s"]
        else:
            c.set("s", style)
        self._s.cell_styles.setdefault(part, {})[ref] = style
        return True

    def clear_flags(self, sheet: str | None = None) -> int:
        """Restore flagged cells' own styles (all sheets, or one) and drop their records."""
        names = set(self.flagged()) if sheet is None else {sheet}
        return sum(self.flag_cells(name, []) for name in sorted(names))

    # -- macros and buttons

    def vba_project(self) -> bytes | None:
        """The workbook's VBA project (``xl/vbaProject.bin``), if it has one."""
        parts = self._s.related(self._wb, RT_VBA)
        return self._s.read(parts[0]) if parts and self._s.has(parts[0]) else None

    def button_sheets(self) -> list[str]:
        """Sheets that hold ehxl's buttons."""
        return [s.name for s in self._sheets() if s.part and s.kind == "worksheet" and self._s.has(s.part)
                and self._button_drawing(s.part)]

    def install_macros(self, modules: list, sheet: str) -> list[str]:
        """Make the workbook macro-enabled: a VBA project holding ``modules`` and ehxl's buttons on ``sheet``.

        A workbook with macros of its own keeps its project, stream for stream,
        with ``modules`` added to it (:func:`ehxl.vba_project.add_module`); one
        whose project is signed or locked with a password is refused, as only
        its owner can change it.  Returns the button captions placed.
        """
        from .vba_project import build_vba_project, sheet_module, workbook_module

        self._require_writable()
        main_type = self._content_type(self._wb)
        if main_type not in (CT_MAIN, CT_MAIN_MACROS):
            raise WorkbookRefused("is not an ordinary workbook (it may be a template or an add-in); open it in "
                                  "Excel and save it as an Excel Workbook (.xlsx) first.", path=self.pkg.path)
        target = self._sheet(sheet)
        if target is None or target.kind != "worksheet" or not target.part:
            raise WorkbookRefused(f'has no worksheet named "{sheet}" to put the buttons on.', path=self.pkg.path)
        if self._s.related(target.part, RT_VML):
            raise WorkbookRefused(f'sheet "{target.name}" already has comments or form controls of its own; '
                                  "ehxl will not add buttons beside them. Name another sheet with --sheet.",
                                  path=self.pkg.path)
        own = self._s.related(self._wb, RT_VBA)
        if own and self._s.has(own[0]):
            self._s.put(own[0], self._own_project_with(own[0], modules), CT_VBA)
            return self._add_buttons(target)
        book_code = self._workbook_code_name()
        documents = [workbook_module(book_code)]
        for s in self._sheets():
            code = _code_name(self._s.tree(s.part).getroot()) if s.part and s.kind == "worksheet" \
                and self._s.has(s.part) else None
            if is_code_name(code) and code.casefold() != book_code.casefold():
                documents.append(sheet_module(code))
        project = build_vba_project([*documents, *modules])
        folder = posixpath.dirname(self._wb)
        vba_part = posixpath.join(folder, "vbaProject.bin")
        if self._s.taken(vba_part):
            raise WorkbookRefused("holds a leftover VBA project part that nothing uses; open it in Excel, save it "
                                  "again and run ehxl again.", path=self.pkg.path)
        self._s.put(vba_part, project, CT_VBA)
        self._s.add_rel(self._wb, RT_VBA, vba_part)
        self._s.types[self._wb] = CT_MAIN_MACROS
        return self._add_buttons(target)

    def _own_project_with(self, part: str, modules: list) -> bytes:
        """The workbook's own VBA project with ``modules`` added, or a one-line refusal."""
        from .vba_project import add_module

        by_hand = ("Add ehxl's module by hand instead: run `ehxl macros export .` and in Excel press Alt+F11, "
                   "File > Import File, ehxl.bas.")
        if any("vbaProjectSignature" in typ for _, typ, _, _ in self._s.rels(part)):
            raise WorkbookRefused("has macros of its own that are digitally signed, and adding ehxl's module "
                                  f"would break the signature. {by_hand}", path=self.pkg.path)
        project = self._s.read(part)
        try:
            for module in modules:
                project = add_module(project, module)
        except ValueError as exc:
            raise WorkbookRefused(f"has macros of its own, and {exc}, so ehxl will not change them. {by_hand}",
                                  path=self.pkg.path) from None
        return project

    def _content_type(self, part: str) -> str | None:
        root = _parse(self.pkg.read(CONTENT_TYPES), CONTENT_TYPES).getroot()
        for el in root:
            if isinstance(el.tag, str) and el.get("PartName", "").lstrip("/").casefold() == part.casefold():
                return el.get("ContentType")
        return None

    def _workbook_code_name(self) -> str:
        """The workbook's VBA name; Excel's default, ThisWorkbook, is written in where there is none."""
        root = self._s.tree(self._wb).getroot()
        ns = etree.QName(root).namespace
        pr = root.find(_q(ns, "workbookPr"))
        if pr is not None and is_code_name(pr.get("codeName")):
            return pr.get("codeName")
        root = self._s.edit(self._wb)
        if pr is None:
            pr = etree.Element(_q(ns, "workbookPr"))
            before = [c for c in root if isinstance(c.tag, str)
                      and etree.QName(c).localname in ("fileVersion", "fileSharing")]
            if before:
                before[-1].addnext(pr)
            else:
                root.insert(0, pr)
        pr.set("codeName", "ThisWorkbook")
        return "ThisWorkbook"

    def _add_buttons(self, sheet: _Sheet) -> list[str]:
        """ehxl's buttons as a VML drawing on ``sheet``, to the right of what the sheet uses."""
        others = [self._s.read(n) for n in self._s.names() if n.lower().endswith(".vml")]
        used = used_idmaps(others)
        idmap = next(n for n in range(1, 10_000) if n not in used)
        root = self._s.edit(sheet.part)
        placed = place(_geometry(root))
        folder = posixpath.dirname(self._wb)
        vml = self._s.free_name(posixpath.join(folder, "drawings", "vmlDrawing{}.vml"))
        self._s.put(vml, render_vml(placed, idmap), CT_VML)
        rid = self._s.add_rel(sheet.part, RT_VML, vml)
        ns = etree.QName(root).namespace
        el = etree.Element(_q(ns, "legacyDrawing"))
        el.set(_q(R_NS, "id"), rid)
        _insert_in_order(root, el)
        return [b.caption for b in placed]

    # -- saving

    def _write_state(self) -> None:
        """Render the records sheet when the records changed (adding the sheet the first time)."""
        if not self._state_dirty:
            return
        self._state_sheet_usable()
        sheet = self._sheet(OWNED_STATE_SHEET)
        if sheet is None:
            sheet = self._add_sheet(OWNED_STATE_SHEET, state="veryHidden")
        if sheet.part:
            code = _code_name(self._s.tree(sheet.part).getroot()) if self._s.has(sheet.part) else None
            self._s.put(sheet.part, _state_xml(self._state.rows(), code), CT_WORKSHEET)
        self._state_dirty = False

    def changes(self) -> dict[str, bytes | None]:
        """The parts a save would write (new bytes) or delete (None): for inspection and tests."""
        if self.pkg.strict:
            return {}
        self._write_state()
        return self._s.changes()

    def save(self, target: str | Path | None = None, *, backup: bool = True) -> SaveReport:
        """Write the workbook (in place, or to ``target``) with ehxl's changes; every other part as it was."""
        changes = self.changes()
        if changes:
            self._require_writable()
        elif target is None or Path(target).resolve() == Path(self.pkg.path).resolve():
            return SaveReport(Path(self.pkg.path), None, [], [], [])   # nothing to write: the file stays as it is
        report = save_package(self.pkg, changes, target=target, backup=backup)
        self._start(Package.open(report.path))
        return report


def _read_rows(root: etree._Element, shared: Callable[[], list[str]]) -> list[list[object]]:
    """A small sheet's values as rows of Python values (records sheet only)."""
    ns = etree.QName(root).namespace
    strings: list[str] | None = None
    rows: dict[int, dict[int, object]] = {}
    for ref, c in _cell_index(root).items():
        kind = c.get("t")
        v = c.find(_q(ns, "v"))
        if kind == "inlineStr":
            value: object = "".join(t.text or "" for t in c.iter(_q(ns, "t")))
        elif kind == "s" and v is not None:
            if strings is None:
                strings = shared()
            i = _int(v.text)
            value = strings[i] if i is not None and 0 <= i < len(strings) else None
        elif v is None:
            value = None
        elif kind in ("str", "e"):
            value = v.text
        else:
            value = _int(v.text) if _int(v.text) is not None and float(v.text) == _int(v.text) else v.text
        r, col = split_a1(ref)
        rows.setdefault(r, {})[col] = value
    return [[rows[r].get(c) for c in range(1, max(rows[r]) + 1)] if r in rows else []
            for r in range(1, max(rows, default=0) + 1)]
