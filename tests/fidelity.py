"""Helpers for the fidelity suite: give any real workbook an action plan, and compare packages part by part.

``add_plan_sheet`` adds a small staff-style action plan to a workbook at the
package level (a new worksheet part, its relationship, its ``<sheet>`` entry
and content type), copying every other part through untouched.  It is plain
zipfile + lxml, independent of ehxl's own package layer, so the suite does not
test ehxl with ehxl.
"""
from __future__ import annotations

import hashlib
import posixpath
import zipfile
from pathlib import Path

from lxml import etree

PLAN_SHEET = "Team plan"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
WS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
WS_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

ROWS = [
    ["Ref", "Action", "Owner", "Deadline", "Status"],
    ["1.1", "Amend the data collection process", "RP", "By 1.7.15.", "In progress"],
    ["1.2", "Devise feedback methods", "VW/RP", "By 1.10.15.", "Complete"],
    ["1.3", "=Audit a sample of cases", "", "31/03/2015", "Behind schedule"],
    ["1.4", "Annual report to the board", "NH", "June 2016", "Not started"],
]
#: As of 2 Nov 2015 actions 1.1 (D2) and 1.3 (D4) are overdue.
OVERDUE_CELLS = {"D2", "D4"}


def _workbook_part(z: zipfile.ZipFile) -> str:
    rels = etree.fromstring(z.read("_rels/.rels"))
    for rel in rels:
        if rel.get("Type", "").endswith("/officeDocument"):
            return rel.get("Target").lstrip("/")
    raise ValueError("no officeDocument relationship")


def _sheet_xml() -> bytes:
    rows = []
    for r, values in enumerate(ROWS, 1):
        cells = "".join(
            f'<c r="{chr(65 + c)}{r}" t="inlineStr"><is><t>{_esc(v)}</t></is></c>' for c, v in enumerate(values) if v)
        rows.append(f'<row r="{r}">{cells}</row>')
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}">'
            f'<sheetData>{"".join(rows)}</sheetData></worksheet>').encode()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def add_plan_sheet(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` with a staff action-plan sheet added at the end."""
    with zipfile.ZipFile(src) as zin:
        wb_part = _workbook_part(zin)
        folder = posixpath.dirname(wb_part)
        rels_part = posixpath.join(folder, "_rels", posixpath.basename(wb_part) + ".rels")
        names = set(zin.namelist())
        n = 1
        while posixpath.join(folder, f"worksheets/sheet{n}.xml") in names:
            n += 1
        sheet_part = posixpath.join(folder, f"worksheets/sheet{n}.xml")
        rels = etree.fromstring(zin.read(rels_part))
        rid = "rId" + str(max([int(r.get("Id")[3:]) for r in rels if r.get("Id", "").startswith("rId")
                                and r.get("Id")[3:].isdigit()] + [0]) + 1000)
        etree.SubElement(rels, f"{{{REL_NS}}}Relationship", Id=rid, Type=WS_REL,
                         Target=f"worksheets/sheet{n}.xml")
        wb = etree.fromstring(zin.read(wb_part))
        sheets = wb.find(f"{{{MAIN}}}sheets")
        sheet_id = max(int(s.get("sheetId")) for s in sheets) + 1
        etree.SubElement(sheets, f"{{{MAIN}}}sheet", name=PLAN_SHEET, sheetId=str(sheet_id),
                         attrib={f"{{{R_NS}}}id": rid})
        ct = etree.fromstring(zin.read("[Content_Types].xml"))
        etree.SubElement(ct, f"{{{CT_NS}}}Override", PartName="/" + sheet_part, ContentType=WS_CT)
        replaced = {rels_part: etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True),
                    wb_part: etree.tostring(wb, xml_declaration=True, encoding="UTF-8", standalone=True),
                    "[Content_Types].xml": etree.tostring(ct, xml_declaration=True, encoding="UTF-8",
                                                          standalone=True)}
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                zout.writestr(info, replaced.get(info.filename, zin.read(info.filename)))
            zout.writestr(sheet_part, _sheet_xml())


def digests(path: Path) -> dict[str, str]:
    """sha256 of every part's content, by part name."""
    with zipfile.ZipFile(path) as z:
        return {n: hashlib.sha256(z.read(n)).hexdigest() for n in z.namelist()}
