"""The workbook part (workbook.xml) and the bookkeeping parts that follow its sheets.

Staff parts, so edited in place and only where they must be: a new sheet's
``<sheet>`` is appended at the end of ``<sheets>`` (sheetId = max + 1) so every
``localSheetId``, ``activeTab`` and ``firstSheet`` still points where it did;
the sheet-local names of ehxl's sheets (filter database, print titles); the
titles in ``docProps/app.xml``; and, when an ehxl sheet is rendered anew, the
parts only it used and its ``calcChain.xml`` entries.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from lxml import etree

from .errors import WorkbookRefused
from .package import SheetRef
from .grid import column_letter, split_a1
from .parts import (CT_WORKSHEET, DECLARATION, MAIN_NS, R_NS, RT_CALC_CHAIN, RT_EXTENDED, RT_SHARED_STRINGS,
                    RT_WORKSHEET, VT_NS, Session, as_int, qname, rels_name)
from .report import SheetSpec, quote_sheet


@dataclass(frozen=True)
class Sheet(SheetRef):
    """One ``<sheet>`` of workbook.xml as the package lists it, with its tab position (``index``)."""

    index: int


def sheet_code_name(root: etree._Element) -> str | None:
    """A sheet's (or the workbook's) VBA code name, if Excel has given it one."""
    ns = etree.QName(root).namespace
    pr = root.find(qname(ns, "sheetPr"))
    if pr is None:
        pr = root.find(qname(ns, "workbookPr"))
    return pr.get("codeName") if pr is not None else None


_BAD_NAME = re.compile(r"[\[\]:*?/\\]")


def check_sheet_name(name: str) -> None:
    """Excel's rules for a sheet name (ehxl's own names must keep them)."""
    if not name or len(name) > 31 or _BAD_NAME.search(name) or name[0] == "'" or name[-1] == "'" \
            or name.casefold() == "history":
        raise ValueError(f"{name!r} is not a sheet name Excel accepts")


#: A new sheet's part until it is rendered (always before the session is saved).
_PLACEHOLDER = DECLARATION + f'<worksheet xmlns="{MAIN_NS}"><sheetData></sheetData></worksheet>'.encode("utf-8")


class WorkbookPart:
    """The workbook part of one edit session: its sheets, the sheets ehxl adds, and their bookkeeping."""

    def __init__(self, session: Session, part: str):
        self.session = session
        self.part = part

    def sheets(self) -> list[Sheet]:
        """Every sheet in tab order, as workbook.xml and its relationships stand in the session."""
        root = self.session.tree(self.part).getroot()
        ns = etree.QName(root).namespace
        rels = {rid: (typ, target) for rid, typ, target, ext in self.session.rels(self.part) if not ext}
        out = []
        sheets = root.find(qname(ns, "sheets"))
        elements = [el for el in (sheets if sheets is not None else []) if isinstance(el.tag, str)]
        for i, el in enumerate(elements):
            rid = el.get(qname(R_NS, "id")) or ""
            typ, target = rels.get(rid, ("", None))
            kind = typ.rsplit("/", 1)[-1].replace("xlMacrosheet", "macrosheet").replace("xlIntlMacrosheet",
                                                                                          "macrosheet")
            out.append(Sheet(el.get("name", ""), as_int(el.get("sheetId")) or 0, rid, target,
                             el.get("state", "visible"), kind, i))
        return out

    def sheet(self, name: str) -> Sheet | None:
        folded = name.casefold()
        return next((s for s in self.sheets() if s.name.casefold() == folded), None)

    def shared_strings(self) -> list[str]:
        """The shared strings table as plain text (phonetic runs left out), for reading ehxl's records."""
        parts = self.session.related(self.part, RT_SHARED_STRINGS)
        if not parts or not self.session.has(parts[0]):
            return []
        root = self.session.tree(parts[0]).getroot()
        ns = etree.QName(root).namespace
        out = []
        for si in root.iterchildren(qname(ns, "si")):
            out.append("".join(t.text or "" for t in si.iter(qname(ns, "t"))
                               if etree.QName(t.getparent()).localname != "rPh"))
        return out

    def date1904(self) -> bool:
        """Does the workbook count dates from 1904 (old Mac workbooks), so serials differ?"""
        root = self.session.tree(self.part).getroot()
        pr = root.find(qname(etree.QName(root).namespace, "workbookPr"))
        return pr is not None and pr.get("date1904", "0").lower() in ("1", "true")

    def _structure_locked(self) -> bool:
        root = self.session.tree(self.part).getroot()
        protection = root.find(qname(etree.QName(root).namespace, "workbookProtection"))
        return protection is not None and protection.get("lockStructure", "0").lower() in ("1", "true")

    def add_sheet(self, name: str, state: str = "visible") -> Sheet:
        """Append a new worksheet at the end of the workbook: part, relationship, <sheet>, app.xml title."""
        if self._structure_locked():
            raise WorkbookRefused("has its structure protected (Review > Protect Workbook), so ehxl will not add "
                                  "sheets to it. Turn that protection off in Excel, run ehxl, then turn it back on.",
                                  path=self.session.pkg.path)
        sheets = self.sheets()
        folder = posixpath.dirname(self.part)
        existing_parts = [s.part for s in sheets if s.kind == "worksheet" and s.part]
        sheet_folder = posixpath.dirname(existing_parts[0]) if existing_parts \
            else posixpath.join(folder, "worksheets")
        part = self.session.free_name(posixpath.join(sheet_folder, "sheet{}.xml"))
        self.session.put(part, _PLACEHOLDER, CT_WORKSHEET)
        rid = self.session.add_rel(self.part, RT_WORKSHEET, part)
        root = self.session.edit(self.part)
        ns = etree.QName(root).namespace
        container = root.find(qname(ns, "sheets"))
        sheet_id = 1 + max((s.sheet_id for s in sheets), default=0)
        el = etree.SubElement(container, qname(ns, "sheet"))
        el.set("name", name)
        el.set("sheetId", str(sheet_id))
        if state != "visible":
            el.set("state", state)
        el.set(qname(R_NS, "id"), rid)
        self._add_app_title(name, [s.name for s in sheets if s.kind == "worksheet"])
        return Sheet(name, sheet_id, rid, part, state, "worksheet", len(sheets))

    def set_sheet_names(self, sheet: Sheet, spec: SheetSpec) -> None:
        """The filter-database and print-titles names of an ehxl sheet (added, updated or removed)."""
        quoted = quote_sheet(sheet.name)
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
        root = self.session.tree(self.part).getroot()
        ns = etree.QName(root).namespace
        names = root.find(qname(ns, "definedNames"))
        current = None
        if names is not None:
            current = next((el for el in names.iterchildren(qname(ns, "definedName"))
                            if el.get("name", "").casefold() == name.casefold()
                            and el.get("localSheetId") == str(index)), None)
        if value is None:
            if current is not None:
                self.session.edit(self.part)
                names.remove(current)
                if not len(names):
                    root.remove(names)
            return
        if current is not None:
            if current.text != value or (hidden and current.get("hidden") not in ("1", "true")):
                self.session.edit(self.part)
                current.text = value
                if hidden:
                    current.set("hidden", "1")
            return
        self.session.edit(self.part)
        if names is None:
            names = etree.Element(qname(ns, "definedNames"))
            anchor = None
            for child in root:
                if isinstance(child.tag, str) and etree.QName(child).localname in (
                        "sheets", "functionGroups", "externalReferences"):
                    anchor = child
            anchor.addnext(names)
        el = etree.SubElement(names, qname(ns, "definedName"))
        el.set("name", name)
        el.set("localSheetId", str(index))
        if hidden:
            el.set("hidden", "1")
        el.text = value

    def _add_app_title(self, name: str, worksheet_names: list[str]) -> None:
        """List a new sheet in docProps/app.xml's TitlesOfParts, in the group holding the worksheets."""
        parts = self.session.related("", RT_EXTENDED)
        if not parts or not self.session.has(parts[0]):
            return
        part = parts[0]
        root = self.session.tree(part).getroot()
        ns = etree.QName(root).namespace
        pairs_vec = root.find(f"{qname(ns, 'HeadingPairs')}/{qname(VT_NS, 'vector')}")
        titles_vec = root.find(f"{qname(ns, 'TitlesOfParts')}/{qname(VT_NS, 'vector')}")
        if pairs_vec is None or titles_vec is None:
            return
        titles = [t for t in titles_vec if isinstance(t.tag, str)]
        variants = [v for v in pairs_vec if isinstance(v.tag, str)]
        known = {n.casefold() for n in worksheet_names}
        start = 0
        for label, count in zip(variants[::2], variants[1::2]):
            number = count.find(qname(VT_NS, "i4"))
            if number is None or as_int(number.text) is None:
                return
            size = as_int(number.text)
            group = titles[start:start + size]
            if any((t.text or "").casefold() in known for t in group):
                self.session.edit(part)
                new = etree.Element(qname(VT_NS, "lpstr"))
                new.text = name
                if start + size < len(titles):
                    titles[start + size].addprevious(new)
                else:
                    titles_vec.append(new)
                number.text = str(size + 1)
                titles_vec.set("size", str(len(titles) + 1))
                return
            start += size

    def drop_dependants(self, part: str, keep: set[str] = frozenset()) -> None:
        """Delete the drawings, charts and other parts only an ehxl sheet used (before it is rendered anew)."""
        candidates: set[str] = set()
        todo = [part]
        while todo:
            source = todo.pop()
            for _, _, target, external in self.session.rels(source):
                if not external and target not in candidates and target != part and self.session.has(target) \
                        and target != self.part:
                    candidates.add(target)
                    todo.append(target)
        if not candidates:
            return
        referrers: dict[str, set[str]] = {}
        for rels in (n for n in self.session.names() if n.endswith(".rels")):
            folder = posixpath.dirname(posixpath.dirname(rels))
            source = posixpath.join(folder, posixpath.basename(rels)[:-5]) if posixpath.basename(rels) != ".rels" \
                else ""
            for _, _, target, external in self.session.rels(source):
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
            self.session.delete(name)
            if self.session.has(rels_name(name)):
                self.session.delete(rels_name(name))

    def drop_calc_chain_entries(self, sheet_id: int) -> None:
        """Drop calcChain entries for an ehxl sheet about to be replaced (it will hold no formulas)."""
        chains = self.session.related(self.part, RT_CALC_CHAIN)
        if not chains or not self.session.has(chains[0]):
            return
        part = chains[0]
        root = self.session.tree(part).getroot()
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
        self.session.edit(part)
        if not len(root):
            self.session.delete(part)
            rels = self.session.edit(rels_name(self.part))
            for rel in list(rels):
                if rel.get("Type") == RT_CALC_CHAIN:
                    rels.remove(rel)
