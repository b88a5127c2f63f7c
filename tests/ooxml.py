"""Checking package parts against the ISO/IEC 29500 schemas in ../shared/schemas, as Excel reads them.

The 2006 schemas are narrower than what Excel writes in two known ways (see
the schemas' README), so :func:`excel_view` first applies markup
compatibility (ECMA-376 Part 3) and drops ``xml:space``; only then is a part
given to the RELAX NG schema (or, for ``[Content_Types].xml`` and ``.rels``
parts, the OPC XML Schema) its content type names.  Each schema is compiled
once per process.
"""
from __future__ import annotations

import posixpath
import zipfile
from functools import cache
from pathlib import Path

from lxml import etree

SCHEMAS = Path(__file__).resolve().parents[1].parent / "shared" / "schemas"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
CONTENT_TYPES = "[Content_Types].xml"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"

#: Content-type endings and the RELAX NG schema that checks them (the schemas' README).
RNG_BY_TYPE = (
    ("spreadsheetml.worksheet+xml", "SpreadsheetML_Worksheet.rng"),
    ("spreadsheetml.styles+xml", "SpreadsheetML_Styles.rng"),
    ("spreadsheetml.sheet.main+xml", "SpreadsheetML_Workbook.rng"),
    ("macroEnabled.main+xml", "SpreadsheetML_Workbook.rng"),
    ("template.main+xml", "SpreadsheetML_Workbook.rng"),
    ("spreadsheetml.sharedStrings+xml", "SpreadsheetML_Shared_String_Table.rng"),
    ("officedocument.drawing+xml", "SpreadsheetML_Drawing.rng"),
    ("drawingml.chart+xml", "DrawingML_Chart.rng"),
    ("spreadsheetml.comments+xml", "SpreadsheetML_Comments.rng"),
    ("spreadsheetml.table+xml", "SpreadsheetML_Table_Definitions.rng"),
    ("spreadsheetml.calcChain+xml", "SpreadsheetML_Calculation_Chain.rng"),
    ("officedocument.vmlDrawing", "VML_Drawing.rng"),
)
XSD_CONTENT_TYPES = "opc-contentTypes.xsd"
XSD_RELATIONSHIPS = "opc-relationships.xsd"


def available() -> bool:
    """The schemas are shared data beside the project, not part of it."""
    return (SCHEMAS / "rng" / "SpreadsheetML_Worksheet.rng").is_file()


def _schema_file(name: str) -> Path | None:
    """The README lists the XSDs beside rng/; they may also sit inside it."""
    return next((p for p in (SCHEMAS / name, SCHEMAS / "rng" / name) if p.is_file()), None)


@cache
def _schema(name: str) -> etree.RelaxNG | etree.XMLSchema:
    if name.endswith(".xsd"):
        return etree.XMLSchema(etree.parse(str(_schema_file(name))))
    return etree.RelaxNG(etree.parse(str(SCHEMAS / "rng" / name)))


def schema_for(part: str, content_type: str | None) -> str | None:
    """The schema file that checks a part, or None when the schemas cover none of its kind."""
    if part == CONTENT_TYPES:
        return XSD_CONTENT_TYPES if _schema_file(XSD_CONTENT_TYPES) else None
    if content_type == CT_RELS or part.endswith(".rels"):
        return XSD_RELATIONSHIPS if _schema_file(XSD_RELATIONSHIPS) else None
    if content_type is None:
        return None
    return next((rng for end, rng in RNG_BY_TYPE if content_type.endswith(end)), None)


def content_types(z: zipfile.ZipFile) -> dict[str, str]:
    """Part name -> content type, from the Override entries, else the Default for its extension."""
    root = etree.fromstring(z.read(CONTENT_TYPES))
    defaults = {el.get("Extension", "").lower(): el.get("ContentType") for el in root.iter(f"{{{CT_NS}}}Default")}
    overrides = {el.get("PartName", "").lstrip("/").lower(): el.get("ContentType")
                 for el in root.iter(f"{{{CT_NS}}}Override")}
    out = {}
    for name in z.namelist():
        base = posixpath.basename(name)
        ext = base.rpartition(".")[2].lower() if "." in base else ""
        found = overrides.get(name.lower(), defaults.get(ext))
        if found:
            out[name] = found
    return out


def _ignorable_namespaces(root: etree._Element) -> set[str]:
    """Every namespace some element declares ignorable (Excel scopes them to the root in practice)."""
    out = set()
    for el in root.iter(etree.Element):
        for prefix in el.get(f"{{{MC_NS}}}Ignorable", "").split():
            if prefix in el.nsmap:
                out.add(el.nsmap[prefix])
    return out


def _strip_attributes(el: etree._Element, ignorable: set[str]) -> None:
    for name in list(el.attrib):
        ns = etree.QName(name).namespace
        if ns == MC_NS or ns in ignorable or name == XML_SPACE:
            del el.attrib[name]


def _process(el: etree._Element, ignorable: set[str]) -> None:
    """Markup compatibility below ``el``, leaving ``extLst`` alone.

    An ``<ext>`` must hold exactly one element, and Excel understands the x14/x15
    content it puts there, so dropping it as ignorable would make a valid part
    invalid; the schemas admit anything inside ``extLst`` anyway.
    """
    _strip_attributes(el, ignorable)
    i = 0
    while i < len(el):
        child = el[i]
        if not isinstance(child.tag, str):
            i += 1
            continue
        qname = etree.QName(child)
        if qname.namespace == MC_NS and qname.localname == "AlternateContent":
            fallback = child.find(f"{{{MC_NS}}}Fallback")
            el.remove(child)
            for offset, taken in enumerate(list(fallback) if fallback is not None else []):
                el.insert(i + offset, taken)
            continue
        if qname.namespace in ignorable:
            el.remove(child)
            continue
        if qname.localname != "extLst":
            _process(child, ignorable)
        i += 1


def excel_view(data: bytes) -> etree._Element:
    """The part as a markup-compatibility consumer sees it, with ``xml:space`` dropped."""
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    _process(root, _ignorable_namespaces(root))
    return root


def first_error(schema_name: str, data: bytes) -> str | None:
    """None when the part is valid; otherwise the first error, as lxml logs it."""
    try:
        doc = excel_view(data)
    except etree.XMLSyntaxError as exc:
        return f"not well-formed: {exc}"
    schema = _schema(schema_name)
    if schema.validate(doc):
        return None
    entry = schema.error_log[0] if schema.error_log else None
    return f"line {entry.line}: {entry.message}" if entry else "invalid"


def check_parts(path: Path, only: set[str] | None = None) -> tuple[dict[str, str | None], dict[str, str]]:
    """({part: first error or None} for every part with a schema (in ``only`` if given), {part: schema})."""
    results, used = {}, {}
    with zipfile.ZipFile(path) as z:
        types = content_types(z)
        for name in z.namelist():
            if only is not None and name not in only:
                continue
            schema = schema_for(name, types.get(name))
            if schema:
                used[name] = schema
                results[name] = first_error(schema, z.read(name))
    return results, used


def describe(path: Path, part: str, schema: str, error: str) -> str:
    return f"{path.name}: {part} fails {schema}: {error}"
