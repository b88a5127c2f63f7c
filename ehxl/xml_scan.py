"""Reading the plain parts of a worksheet's XML with regular expressions instead of a parser.

A 20,000-row plan has some 200,000 cells; building an element for each and
asking it for its attributes from Python is most of the time a read takes.
Excel, LibreOffice, openpyxl and xlsxwriter all write cells the same plain way
(``<c r="A1" s="2" t="s"><v>7</v></c>``), so those are matched as bytes.  The
scanner is only trusted where it can prove it saw everything: every ``<c``
and ``<row`` tag of the part must be one it matched, and nothing it cannot
read (a prefix, a comment, CDATA, another encoding) may be present; otherwise
it raises :class:`NotPlain` and the caller reads the part with lxml as before.
Whether the part is well-formed XML at all is still checked by a real parser.
"""
from __future__ import annotations

import re

#: One cell (groups: column letters, style, type, value, inline string present, its body), or the start of a
#: row (groups: "<row", its number when it comes first, its other attributes).  Attributes in Excel's order, r then s then t.
#: Written for the regular expression engine's speed, with the same matches as the plain form: an optional part
#: is a branch with an empty alternative (``(?:x|)``: ``(?:x)?`` saves every group at each try) and a run that
#: could never end earlier in a match is possessive (``\d++"``).
CELL_OR_ROW = re.compile(
    rb'<c(?: r="([A-Z]{1,3})\d++"|)(?: s="(\d++)"|)(?: t="(\w++)"|)(?: (?:cm|vm|ph)="[^"]*+")*+'
    rb'(?:/>|>(?:<f\b[^<>]*?(?:/>|>[^<]*+</f>)|)(?:<v>([^<]*+)</v>|)(?:(<is>(.*?)</is>)|)</c>)'
    rb'|(<row)(?: r="(\d++)"|)((?:[^<>/]++|/(?!>))*+)/?>', re.S)
MERGE = re.compile(rb'<mergeCell ref="([^"<>]*)"\s*/>')
#: One shared string: its text when it is a single plain run, else its body for a parser.
SHARED = re.compile(rb'<si>(?:<t(?: xml:space="preserve"|)>([^<]*+)</t></si>|(.*?)</si>)|<si/>', re.S)
ROW_NUMBER = re.compile(rb'(?:^|\s)r="([^"]*)"')
ROW_HIDDEN = re.compile(rb'(?:^|\s)hidden="([^"]*)"')

#: What the scanner cannot read (a comment, CDATA, a processing instruction, a prefixed name), as three searches
#: that each start with a literal, which the regular expression engine finds quickly, where one pattern of them all
#: is tried at every "<" (some 700,000 in a 20,000-row sheet).  A prefixed name (``</?\w+:``) starts with nothing
#: literal but its colon, so it is looked for in the bytes reversed (see :func:`_unreadable`).
_UNREADABLE = (re.compile(rb'<!(?:--|\[CDATA\[)'), re.compile(rb'<\?(?!xml\s)'))
_PREFIXED_REVERSED = re.compile(rb':\w++/?<')
_DECLARATION = re.compile(rb'<\?xml[^>]*?encoding\s*=\s*["\']([^"\']+)["\']')
_REFERENCE = re.compile(r"&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|(amp|lt|gt|quot|apos));|&")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_CHUNK = 1 << 18


class NotPlain(Exception):
    """The part is written in a way the scanner does not read; read it with the parser."""


def check_plain(data: bytes, start: int = 0, end: int | None = None) -> None:
    """Raise :class:`NotPlain` unless the part is UTF-8 and the span holds nothing the scanner would misread."""
    head = data[3:120] if data.startswith(b"\xef\xbb\xbf") else data[:120]
    if not head.startswith(b"<"):
        raise NotPlain("not UTF-8")
    m = _DECLARATION.match(head)
    if m and m.group(1).lower() not in (b"utf-8", b"utf8"):
        raise NotPlain("not UTF-8")
    if _unreadable(data[start:end]):
        raise NotPlain("prefix, comment, CDATA or processing instruction")


def _unreadable(span: bytes) -> bool:
    """Whether ``span`` holds ``<!--``, ``<![CDATA[``, ``<?`` other than an XML declaration, or ``</?\\w+:``."""
    return any(p.search(span) for p in _UNREADABLE) or _PREFIXED_REVERSED.search(span[::-1]) is not None


def text(raw: bytes) -> str:
    """Element text as a parser gives it: entities and character references replaced, line ends as ``\\n``."""
    s = raw.decode("utf-8")
    if "&" in s:
        s = _REFERENCE.sub(_reference, s)
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    return s


def _reference(m: re.Match) -> str:
    hex_code, dec_code, name = m.groups()
    if name:
        return _NAMED[name]
    if hex_code or dec_code:
        return chr(int(hex_code, 16) if hex_code else int(dec_code))
    raise NotPlain("an & that is not a reference")


def sheet_data(data: bytes) -> tuple[int, int]:
    """Where the rows are: the span inside ``<sheetData>``, empty for ``<sheetData/>``."""
    start = data.find(b"<sheetData>")
    if start < 0:
        empty = data.find(b"<sheetData/>")
        if empty < 0:
            raise NotPlain("no plain <sheetData>")
        return empty, empty
    end = data.find(b"</sheetData>", start)
    if end < 0:
        raise NotPlain("<sheetData> not closed")
    return start + len(b"<sheetData>"), end


def chunks(data: bytes, start: int, end: int) -> list[tuple[int, int]]:
    """The span cut at row ends into pieces of about 256 kB, so that matches are held a piece at a time."""
    out = []
    while start < end:
        cut = data.find(b"</row>", min(start + _CHUNK, end), end)
        cut = end if cut < 0 else cut + len(b"</row>")
        out.append((start, cut))
        start = cut
    return out


def count_tags(data: bytes, name: bytes, start: int = 0, end: int | None = None) -> int:
    """How many ``<name`` start tags (with attributes, without, or empty) the span holds."""
    end = len(data) if end is None else end
    return sum(data.count(b"<" + name + tail, start, end) for tail in (b" ", b">", b"/>", b"\t", b"\n", b"\r"))


def holds_tags(data: bytes, name: bytes, found: int) -> bool:
    """Whether the part's ``<name`` start tags (:func:`count_tags`) are just the ``found`` a scan matched, each
    match starting with one.

    A plain count of ``<name`` takes one pass where :func:`count_tags` takes six, and is never below it (it also
    counts longer names, such as ``<mergeCells``), which is never below ``found``: where the plain count is
    ``found``, so is :func:`count_tags`, asked only where it is not."""
    return data.count(b"<" + name) == found or count_tags(data, name) == found


def count_cells(data: bytes, start: int, end: int, rich: bool) -> int:
    """How many ``<c`` tags the rows hold; with rich inline strings (whose formats have ``<color`` and the
    like) every form is counted apart."""
    return count_tags(data, b"c", start, end) if rich else data.count(b"<c", start, end)


def rows_outside(data: bytes, start: int, end: int) -> bool:
    """Whether a ``<row`` tag stands anywhere but in the rows (a parser reading by tag name would take it)."""
    return bool(data.count(b"<row", 0, start)) or data.count(b"<row", end) != data.count(b"<rowBreaks", end)
