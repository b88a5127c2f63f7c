"""The edit session over a workbook package's parts, and the XML helpers every writer module shares.

A :class:`Session` holds ehxl's pending edits: parts rendered whole (bytes),
staff parts edited in place as lxml trees, cell-style edits for overdue flags,
and deletions.  Its :meth:`Session.changes` hands :func:`ehxl.package.save_package`
only the parts whose content really changed, so every other part is copied
through byte for byte, and a flag edit rewrites only ``s=`` attributes in the
raw bytes of the sheet.
"""
from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote

from lxml import etree

from .errors import WorkbookRefused
from .grid import split_a1
from .package import (PARSER_OPTIONS, PKG_REL_NS, REL_SHARED_STRINGS, REL_STYLES, REL_WORKSHEET, RT_PREFIX,
                      XML_PARSER, Deflated, Deflater, Package)

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"

RT_WORKSHEET, RT_STYLES, RT_SHARED_STRINGS = REL_WORKSHEET, REL_STYLES, REL_SHARED_STRINGS
RT_DRAWING = RT_PREFIX + "drawing"
RT_CHART = RT_PREFIX + "chart"
RT_HYPERLINK = RT_PREFIX + "hyperlink"
RT_CALC_CHAIN = RT_PREFIX + "calcChain"
RT_EXTENDED = RT_PREFIX + "extended-properties"
RT_VML = RT_PREFIX + "vmlDrawing"
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

#: A part rendered whole of this many bytes or more waits for the save deflated (a 2,000-row sheet is about 600 KB).
KEPT_DEFLATED = 1 << 20

DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'


# ------------------------------------------------------------------ XML and part helpers

def qname(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def parse_part(data: bytes, name: str) -> etree._ElementTree:
    """Parse a part safely; no DTD, no entities, no network."""
    try:
        root = etree.fromstring(data, XML_PARSER)
    except etree.XMLSyntaxError:
        raise _garbled(name) from None
    tree = root.getroottree()
    if tree.docinfo.doctype:
        raise _doctype(name)
    return tree


def _garbled(name: str) -> WorkbookRefused:
    return WorkbookRefused(f"is damaged inside (its part {name} is garbled), so ehxl will not write to it. "
                           "If Excel can still open it, save it again there and run ehxl again; otherwise "
                           "use the last good copy.")


def _doctype(name: str) -> WorkbookRefused:
    return WorkbookRefused(f"holds hidden instructions of a kind Excel never writes (in its part {name}), so "
                           "ehxl will not write to it. Open it in Excel, save it again, and run ehxl again.")


class _CodeName:
    """A parser target that keeps only what :func:`ehxl.workbook_part.sheet_code_name` reads: the ``codeName`` of
    the root's first ``sheetPr`` child (else its first ``workbookPr``).  It stops the parse at the root's
    ``sheetData``, which Excel and ehxl write after them, so a 20,000-row sheet's cells are not walked in Python."""

    def __init__(self) -> None:
        self.depth = 0
        self.wanted: tuple[str, str] = ("", "")
        self.found: dict[str, str | None] = {}
        self.stop = ""

    def start(self, tag: str, attrib) -> None:
        if self.depth == 0:
            ns = tag[1:tag.index("}")] if tag.startswith("{") else None
            self.wanted = (qname(ns, "sheetPr"), qname(ns, "workbookPr"))
            self.stop = qname(ns, "sheetData")
        elif self.depth == 1 and tag in self.wanted and tag not in self.found:
            self.found[tag] = attrib.get("codeName")
        elif self.depth == 1 and tag == self.stop:
            raise _SheetData
        self.depth += 1

    def end(self, tag: str) -> None:
        self.depth -= 1

    def close(self) -> "_CodeName":
        return self


class _SheetData(Exception):
    """Raised by :class:`_CodeName`: the cells begin, and nothing it looks for comes after them."""


class _Doctype:
    """A parser target that notes a DOCTYPE and keeps nothing else: with no start or end method, lxml checks
    the rest of the part without calling into Python for each element."""

    def __init__(self) -> None:
        self.seen = False

    def doctype(self, *_) -> None:
        self.seen = True

    def close(self) -> "_Doctype":
        return self


def part_code_name(data: bytes, name: str) -> str | None:
    """A sheet part's VBA code name, as ``sheet_code_name`` finds it in the part parsed by :func:`parse_part`
    (and refused as that refuses), but with no tree built: an ehxl sheet of 20,000 rows, about to be rendered
    anew, would take some 90 MiB as a tree only to be asked this.  The whole part is checked first, then read
    up to its cells for the name (a ``sheetPr`` after the cells, which neither Excel nor ehxl writes, is not
    looked for)."""
    try:
        doctype = etree.fromstring(data, etree.XMLParser(target=_Doctype(), **PARSER_OPTIONS))
    except etree.XMLSyntaxError:
        raise _garbled(name) from None
    if doctype.seen:
        raise _doctype(name)
    seen = _CodeName()
    try:
        etree.fromstring(data, etree.XMLParser(target=seen, **PARSER_OPTIONS))
    except _SheetData:
        pass
    sheet_pr, book_pr = seen.wanted
    return seen.found[sheet_pr] if sheet_pr in seen.found else seen.found.get(book_pr)


_DECL_RE = re.compile(rb"^(\xef\xbb\xbf)?<\?xml[^>]*\?>[ \t\r\n]*")


def _declaration(original: bytes | None) -> bytes:
    """The original part's XML declaration (kept verbatim when it is UTF-8), else Excel's."""
    if original:
        m = _DECL_RE.match(original)
        if m:
            enc = re.search(rb"encoding\s*=\s*[\"']([^\"']+)", m.group(0))
            if enc is None or enc.group(1).lower().replace(b"-", b"") == b"utf8":
                return m.group(0)
    return DECLARATION


def _serialise(tree: etree._ElementTree, original: bytes | None) -> bytes:
    return _declaration(original) + etree.tostring(tree, encoding="UTF-8", xml_declaration=False)


def _c14n(tree: etree._ElementTree) -> bytes:
    return etree.tostring(tree, method="c14n")


def rels_name(part: str) -> str:
    """'xl/workbook.xml' -> 'xl/_rels/workbook.xml.rels'; '' (the package) -> '_rels/.rels'."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _resolve(source: str, target: str) -> str:
    """A relationship target as an absolute part name (no leading slash)."""
    target = unquote(target.split("#", 1)[0])
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target)).lstrip("/")


def relative_target(source: str, part: str) -> str:
    return posixpath.relpath(part, posixpath.dirname(source) or ".")


def escape_xml(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("\r", "&#13;"))


def rels_xml(rels: list[tuple[str, str, str, bool]]) -> bytes:
    items = "".join(f'<Relationship Id="{rid}" Type="{typ}" Target="{escape_xml(target)}"'
                    + (' TargetMode="External"' if external else "") + "/>"
                    for rid, typ, target, external in rels)
    return DECLARATION + f'<Relationships xmlns="{PKG_REL_NS}">{items}</Relationships>'.encode("utf-8")


def as_int(value: object) -> int | None:
    """A whole number from an attribute or cell value ("3", "3.0", 3); None when it is not one."""
    try:
        return int(float(str(value)))
    except (TypeError, ValueError):
        return None


def require_writable(pkg: Package) -> None:
    """Refuse to write a Strict Open XML workbook: its namespaces differ throughout."""
    if pkg.strict:
        raise WorkbookRefused("is saved as Strict Open XML; save it as a normal Excel Workbook "
                              "(File > Save As > Excel Workbook) and run ehxl again.", path=pkg.path)


# ------------------------------------------------------------------ the edit session

class PartWriter:
    """Where a part is rendered (``write``, as a file's): held as it is while it is small, deflated as it is
    written once it reaches :data:`KEPT_DEFLATED` bytes, so a 20,000-row sheet (6 MB) is never whole in memory.
    :meth:`result` is what :meth:`Session.put` takes: bytes, or the :class:`~ehxl.package.Deflated` part."""

    def __init__(self) -> None:
        self._pending: list[bytes] = []       # pieces, not a growing buffer: a large one would be copied as it grew
        self._held = 0
        self._deflater: Deflater | None = None

    def write(self, data: bytes) -> None:
        if self._deflater is not None:
            self._deflater.write(data)
            return
        self._pending.append(data)
        self._held += len(data)
        if self._held >= KEPT_DEFLATED:
            self._deflater = Deflater()
            for piece in self._pending:
                self._deflater.write(piece)
            self._pending = []

    def result(self) -> bytes | Deflated:
        return b"".join(self._pending) if self._deflater is None else self._deflater.deflated()


class Session:
    """Pending edits to a package: parts rendered whole, staff parts edited as trees, deletions.

    ``trees`` doubles as a parse cache; only names in ``structural`` (edited as
    trees) or ``cell_styles`` (flag edits) are serialised from their tree.
    """

    def __init__(self, pkg: Package):
        self.pkg = pkg
        self.trees: dict[str, etree._ElementTree] = {}
        self.raw: dict[str, bytes | Deflated | None] = {}
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
            if isinstance(data, Deflated):
                data = data.content()
            self.trees[name] = parse_part(data if data is not None else self.pkg.read(name), name)
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

    def put(self, name: str, data: bytes | Deflated, content_type: str) -> None:
        """A part rendered whole; one of :data:`KEPT_DEFLATED` bytes or more (see :class:`PartWriter`) is compared
        with the file's now and kept deflated (or not at all, when the file has it already), so large sheets are
        not held whole."""
        self.trees.pop(name, None)
        self.structural.discard(name)
        self.cell_styles.pop(name, None)
        self.types[name] = content_type
        if not isinstance(data, Deflated) and len(data) < KEPT_DEFLATED:
            self.raw[name] = data
        elif self.pkg.has(name) and self.pkg.holds(name, data):
            self.raw.pop(name, None)
        else:
            self.raw[name] = data if isinstance(data, Deflated) else Deflated.of(data)

    def delete(self, name: str) -> None:
        self.trees.pop(name, None)
        self.structural.discard(name)
        self.cell_styles.pop(name, None)
        self.types.pop(name, None)
        self.raw[name] = None

    def read(self, name: str, *, keep: bool = True) -> bytes:
        """A part's bytes as they stand in this session (a part edited as a tree: as it was read); see
        :meth:`ehxl.package.Package.read` for ``keep``."""
        data = self.raw.get(name)
        if isinstance(data, Deflated):
            return data.content()
        return data if data is not None else self.pkg.read(name, keep=keep)

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
        name = rels_name(part)
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
        name = rels_name(source)
        if self.has(name):
            root = self.edit(name)
        else:
            root = etree.Element(qname(PKG_REL_NS, "Relationships"), nsmap={None: PKG_REL_NS})
            self.new_tree(name, root, CT_RELS)
        ids = {el.get("Id") for el in root if isinstance(el.tag, str)}
        n = 1 + max((int(m.group(1)) for i in ids if i and (m := re.fullmatch(r"rId(\d+)", i))), default=0)
        rel = etree.SubElement(root, qname(PKG_REL_NS, "Relationship"))
        rel.set("Id", f"rId{n}")
        rel.set("Type", rel_type)
        rel.set("Target", relative_target(source, target))
        return f"rId{n}"

    # -- the result

    def changes(self) -> dict[str, bytes | Deflated | None]:
        """What to hand to save_package: only parts whose content really changed (a large one deflated)."""
        out: dict[str, bytes | Deflated | None] = {}
        for name in dict.fromkeys([*self.raw, *self.structural, *self.cell_styles]):
            if name in self.structural or name in self.cell_styles:
                data = self._serialise(name)
            else:
                data = self.raw[name]
            if data is None:
                if self.pkg.has(name) and not self.has(name):
                    out[name] = None
            elif isinstance(data, Deflated) or not self.pkg.has(name) or not self.pkg.holds(name, data):
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
        if _c14n(parse_part(original, name)) == _c14n(tree):
            return None
        return _serialise(tree, original)

    def _content_types(self, out: dict[str, bytes | None]) -> bytes | None:
        """[Content_Types].xml with Overrides for added parts and without those of deleted ones."""
        original = self.pkg.read(CONTENT_TYPES)
        tree = parse_part(original, CONTENT_TYPES)
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
                el = etree.SubElement(root, qname(ns, "Override"))
                el.set("PartName", "/" + name)
                el.set("ContentType", want)
                overrides[name.casefold()] = el
                changed = True
        return _serialise(tree, original) if changed else None


# ------------------------------------------------------------------ cell styles patched in the raw bytes

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

