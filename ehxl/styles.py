"""The workbook's styles part (styles.xml), as ehxl appends to it.

Fonts, fills, borders, number formats (ids >= 164) and ``cellXfs`` entries go
at the end of their lists, so every ``s=`` index already in a staff sheet keeps
its meaning; an entry equal to one already there is reused, so a second run
does not grow the file.  ehxl's named board styles (:data:`ehxl.report.LOOKS`)
and the overdue flag's look are built here.
"""
from __future__ import annotations

import posixpath

from lxml import etree

from .parts import CT_STYLES, MAIN_NS, RT_STYLES, XML_PARSER, Session, qname
from .report import BORDER_COLOUR, LOOKS, STYLES

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

#: The overdue look (:meth:`Styles.flagged`): pale red fill, dark red bold text.
FLAG_FILL = "FFC7CE"
FLAG_FONT = "9C0006"


def _canon(el: etree._Element) -> tuple:
    """A prefix-independent canonical form: equal for entries that mean the same."""
    return (el.tag, tuple(sorted(el.attrib.items())), (el.text or "").strip(),
            tuple(_canon(ch) for ch in el if isinstance(ch.tag, str)))


class Styles:
    """The workbook's styles part, appended to (never renumbered) and searched for reusable entries."""

    def __init__(self, session: Session, workbook_part: str):
        self.session = session
        found = session.related(workbook_part, RT_STYLES)
        if found and session.has(found[0]):
            self.part = found[0]
        else:
            self.part = posixpath.join(posixpath.dirname(workbook_part), "styles.xml")
            if session.taken(self.part):
                self.part = session.free_name(posixpath.join(posixpath.dirname(workbook_part), "styles{}.xml"))
            session.new_tree(self.part, etree.fromstring(_MINIMAL_STYLES, XML_PARSER), CT_STYLES)
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
        found = root.find(qname(ns, name))
        if found is not None or not create:
            return found
        later = _STYLE_LISTS[_STYLE_LISTS.index(name) + 1:]
        el = etree.Element(qname(ns, name))
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
        el = etree.Element(qname(self.ns, tag))
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
        base_size = base.find(qname(self.ns, "sz")) if base is not None else None
        size = look.get("size") or (base_size.get("val") if base_size is not None else "11")
        font.append(self._el("sz", val=str(size)))
        if look.get("colour"):
            font.append(self._el("color", rgb="FF" + look["colour"]))
        copied = False
        for tag in ("name", "family", "charset", "scheme"):
            el = base.find(qname(self.ns, tag)) if base is not None else None
            if el is not None:
                font.append(self._el(tag, **dict(el.attrib)))
                copied = True
        if not copied:
            font.append(self._el("name", val="Calibri"))
        return self._add("fonts", font)

    def _solid_fill(self, rgb: str) -> int:
        fill = self._el("fill")
        pattern = etree.SubElement(fill, qname(self.ns, "patternFill"), patternType="solid")
        etree.SubElement(pattern, qname(self.ns, "fgColor"), rgb="FF" + rgb)
        etree.SubElement(pattern, qname(self.ns, "bgColor"), indexed="64")
        return self._add("fills", fill)

    def _border(self, thin: bool) -> int:
        border = self._el("border")
        for side in ("left", "right", "top", "bottom"):
            el = etree.SubElement(border, qname(self.ns, side))
            if thin:
                el.set("style", "thin")
                etree.SubElement(el, qname(self.ns, "color"), rgb="FF" + BORDER_COLOUR)
        etree.SubElement(border, qname(self.ns, "diagonal"))
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
