"""Installing ehxl's macros in a workbook: the VBA project part and the buttons on a sheet.

What the project and the buttons hold comes from :mod:`ehxl.vba_project` and
:mod:`ehxl.workbook_macros`; this module puts them into the package.  A
workbook with macros of its own keeps its project, stream for stream, with
ehxl's module added; the buttons are a VML drawing of ehxl's own, placed to the
right of what the sheet uses and hooked in with a ``<legacyDrawing>`` inserted
where the worksheet schema allows it.
"""
from __future__ import annotations

import math
import posixpath

from lxml import etree

from .errors import WorkbookRefused
from .grid import split_a1
from .package import Package
from .parts import (CONTENT_TYPES, CT_MAIN, CT_MAIN_MACROS, CT_VBA, CT_VML, MC_NS, R_NS, RT_VBA, RT_VML, Session,
                    as_int, parse_part, qname, require_writable)
from .workbook_macros import MACRO_MARK, Geometry, column_px, is_code_name, place, render_vml, row_px, used_idmaps
from .workbook_part import Sheet, WorkbookPart, sheet_code_name

def install_macros(book: WorkbookPart, modules: list, sheet: str) -> list[str]:
    """Make the workbook macro-enabled: a VBA project holding ``modules`` and ehxl's buttons on ``sheet``.

    A workbook with macros of its own keeps its project, stream for stream,
    with ``modules`` added to it (:func:`ehxl.vba_project.add_module`); one
    whose project is signed or locked with a password is refused, as only
    its owner can change it.  Returns the button captions placed.
    """
    session = book.session
    require_writable(session.pkg)
    main_type = _content_type(session.pkg, book.part)
    if main_type not in (CT_MAIN, CT_MAIN_MACROS):
        raise WorkbookRefused("is not an ordinary workbook (it may be a template or an add-in); open it in "
                              "Excel and save it as an Excel Workbook (.xlsx) first.", path=session.pkg.path)
    target = book.sheet(sheet)
    if target is None or target.kind != "worksheet" or not target.part:
        raise WorkbookRefused(f'has no worksheet named "{sheet}" to put the buttons on.', path=session.pkg.path)
    if session.related(target.part, RT_VML):
        raise WorkbookRefused(f'sheet "{target.name}" already has comments or form controls of its own; '
                              "ehxl will not add buttons beside them. Name another sheet with --sheet.",
                              path=session.pkg.path)
    own = session.related(book.part, RT_VBA)
    if own and session.has(own[0]):
        session.put(own[0], _own_project_with(book, own[0], modules), CT_VBA)
    else:
        _add_project(book, modules)
    return _add_buttons(book, target)


def vba_project(book: WorkbookPart) -> bytes | None:
    """The workbook's VBA project (``xl/vbaProject.bin``), if it has one."""
    parts = book.session.related(book.part, RT_VBA)
    return book.session.read(parts[0]) if parts and book.session.has(parts[0]) else None


def button_sheets(book: WorkbookPart) -> list[str]:
    """Sheets that hold ehxl's buttons."""
    return [s.name for s in book.sheets() if s.part and s.kind == "worksheet" and book.session.has(s.part)
            and button_drawing(book.session, s.part)]


def button_drawing(session: Session, part: str) -> str | None:
    """The VML drawing of ``part`` that holds ehxl's buttons (and nothing of anyone else's)."""
    for vml in session.related(part, RT_VML):
        if session.has(vml) and MACRO_MARK in session.read(vml) and not session.rels(vml):
            return vml
    return None


def _add_project(book: WorkbookPart, modules: list) -> None:
    """A new VBA project: the workbook's and each sheet's document modules, then ``modules``."""
    from .vba_project import build_vba_project, sheet_module, workbook_module

    session = book.session
    book_code = _workbook_code_name(book)
    documents = [workbook_module(book_code)]
    for s in book.sheets():
        code = sheet_code_name(session.tree(s.part).getroot()) if s.part and s.kind == "worksheet" \
            and session.has(s.part) else None
        if is_code_name(code) and code.casefold() != book_code.casefold():
            documents.append(sheet_module(code))
    project = build_vba_project([*documents, *modules])
    folder = posixpath.dirname(book.part)
    vba_part = posixpath.join(folder, "vbaProject.bin")
    if session.taken(vba_part):
        raise WorkbookRefused("holds a leftover VBA project part that nothing uses; open it in Excel, save it "
                              "again and run ehxl again.", path=session.pkg.path)
    session.put(vba_part, project, CT_VBA)
    session.add_rel(book.part, RT_VBA, vba_part)
    session.types[book.part] = CT_MAIN_MACROS


def _own_project_with(book: WorkbookPart, part: str, modules: list) -> bytes:
    """The workbook's own VBA project with ``modules`` added, or a one-line refusal."""
    from .vba_project import add_module

    session = book.session

    by_hand = ("Add ehxl's module by hand instead: run `ehxl macros export .` and in Excel press Alt+F11, "
               "File > Import File, ehxl.bas.")
    if any("vbaProjectSignature" in typ for _, typ, _, _ in session.rels(part)):
        raise WorkbookRefused("has macros of its own that are digitally signed, and adding ehxl's module "
                              f"would break the signature. {by_hand}", path=session.pkg.path)
    project = session.read(part)
    try:
        for module in modules:
            project = add_module(project, module)
    except ValueError as exc:
        raise WorkbookRefused(f"has macros of its own, and {exc}, so ehxl will not change them. {by_hand}",
                              path=session.pkg.path) from None
    return project


def _content_type(pkg: Package, part: str) -> str | None:
    """A part's content type as the package was read (a template or add-in has its own)."""
    root = parse_part(pkg.read(CONTENT_TYPES), CONTENT_TYPES).getroot()
    for el in root:
        if isinstance(el.tag, str) and el.get("PartName", "").lstrip("/").casefold() == part.casefold():
            return el.get("ContentType")
    return None


def _workbook_code_name(book: WorkbookPart) -> str:
    """The workbook's VBA name; Excel's default, ThisWorkbook, is written in where there is none."""
    root = book.session.tree(book.part).getroot()
    ns = etree.QName(root).namespace
    pr = root.find(qname(ns, "workbookPr"))
    if pr is not None and is_code_name(pr.get("codeName")):
        return pr.get("codeName")
    root = book.session.edit(book.part)
    if pr is None:
        pr = etree.Element(qname(ns, "workbookPr"))
        before = [c for c in root if isinstance(c.tag, str)
                  and etree.QName(c).localname in ("fileVersion", "fileSharing")]
        if before:
            before[-1].addnext(pr)
        else:
            root.insert(0, pr)
    pr.set("codeName", "ThisWorkbook")
    return "ThisWorkbook"


def _add_buttons(book: WorkbookPart, sheet: Sheet) -> list[str]:
    """ehxl's buttons as a VML drawing on ``sheet``, to the right of what the sheet uses."""
    session = book.session
    others = [session.read(n) for n in session.names() if n.lower().endswith(".vml")]
    used = used_idmaps(others)
    idmap = next(n for n in range(1, 10_000) if n not in used)
    root = session.edit(sheet.part)
    placed = place(_geometry(root))
    folder = posixpath.dirname(book.part)
    vml = session.free_name(posixpath.join(folder, "drawings", "vmlDrawing{}.vml"))
    session.put(vml, render_vml(placed, idmap), CT_VML)
    rid = session.add_rel(sheet.part, RT_VML, vml)
    ns = etree.QName(root).namespace
    el = etree.Element(qname(ns, "legacyDrawing"))
    el.set(qname(R_NS, "id"), rid)
    _insert_in_order(root, el)
    return [b.caption for b in placed]


#: CT_Worksheet's children in schema order (what may follow which), for inserting into a staff sheet.
_WORKSHEET_ORDER = (
    "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr", "sheetProtection",
    "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate", "customSheetViews",
    "mergeCells", "phoneticPr", "conditionalFormatting", "dataValidations", "hyperlinks", "printOptions",
    "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks", "customProperties", "cellWatches",
    "ignoredErrors", "smartTags", "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture",
    "oleObjects", "controls", "webPublishItems", "tableParts", "extLst")


def _child_rank(el: etree._Element) -> int:
    """Where a worksheet child stands in the schema (an mc:AlternateContent by what it wraps)."""
    name = etree.QName(el).localname
    if etree.QName(el).namespace == MC_NS:
        inner = next((c for branch in el for c in branch if isinstance(c.tag, str)), None)
        name = etree.QName(inner).localname if inner is not None else "extLst"
    return _WORKSHEET_ORDER.index(name) if name in _WORKSHEET_ORDER else len(_WORKSHEET_ORDER)


def _insert_in_order(root: etree._Element, el: etree._Element) -> None:
    """Put a new child of a staff worksheet where the schema allows it, before what must follow it."""
    rank = _WORKSHEET_ORDER.index(etree.QName(el).localname)
    following = next((c for c in root if isinstance(c.tag, str) and _child_rank(c) > rank), None)
    if following is not None:
        following.addprevious(el)
    else:
        root.append(el)


def _geometry(root: etree._Element) -> Geometry:
    """Column widths and top-row heights of a sheet, and the first free column right of what it uses."""
    ns = etree.QName(root).namespace
    fmt = root.find(qname(ns, "sheetFormatPr"))
    default_w = _float(fmt.get("defaultColWidth")) if fmt is not None else None
    if default_w is None:        # Excel: base width in digits plus 5 pixels of padding, rounded up to 8 pixels
        base = (_float(fmt.get("baseColWidth")) if fmt is not None else None) or 8
        default_w = math.ceil((base * 7 + 5) / 8) * 8 / 7
    default_h = (_float(fmt.get("defaultRowHeight")) if fmt is not None else None) or 15
    last_col = 0
    dim = root.find(qname(ns, "dimension"))
    if dim is not None and dim.get("ref"):
        last_col = split_a1(dim.get("ref").split(":")[-1].replace("$", ""))[1]
    heights: list[int] = []
    data = root.find(qname(ns, "sheetData"))
    for n, row in enumerate(data if data is not None else []):
        r = as_int(row.get("r")) or n + 1
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
    merges = root.find(qname(ns, "mergeCells"))
    for m in merges if merges is not None else []:
        ref = m.get("ref", "")
        if ref:
            last_col = max(last_col, split_a1(ref.split(":")[-1])[1])
    widths = [column_px(default_w)] * (last_col + 8)
    cols = root.find(qname(ns, "cols"))
    for col in cols if cols is not None else []:
        lo, hi, w = as_int(col.get("min")), as_int(col.get("max")), _float(col.get("width"))
        if lo is None or hi is None:
            continue
        for i in range(lo - 1, min(hi, len(widths))):
            widths[i] = 0 if col.get("hidden") in ("1", "true") else column_px(w if w is not None else default_w)
    return Geometry(first_col=last_col + 1, col_px=tuple(widths), row_px=tuple(heights))


def _float(value: object) -> float | None:
    """A number from an attribute; None when it is missing or not a number."""
    try:
        return float(str(value)) if value is not None else None
    except ValueError:
        return None
